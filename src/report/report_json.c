/* report_json.c: metrics_TS.json, the machine-readable snapshot (the keys of
 * DESIGN.md; `nebtop compare` and jq read it). */
#include "autoconfig.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../../pipeline/figures.h"
#include "../../pipeline/lock.h"
#include "../../pipeline/pipeline.h"
#include "../../pipeline/sampler.h"
#include "../analyze/analyzer.h"
#include "../config/config.h"
#include "../profile/profiler.h"
#include "../base/secrets.h"
#include "snapshot.h"
#include "report_latency.h"
#include "report_whatif.h"
#include "../../pipeline/latency.h"

static const char *report_json_kind(enum stage_kind k)
{
	return k == STAGE_SOURCE ? "source" : k == STAGE_DESTINATION ? "destination" : "transform";
}

static json_t *report_json_latency(const struct stage_figures *sf)
{
	return json_pack("{s:f,s:f,s:f,s:f,s:f,s:f}", "p50", sf->p50_ns / 1e3, "p90", sf->p90_ns / 1e3, "p99",
			 sf->p99_ns / 1e3, "p999", sf->p999_ns / 1e3, "max", sf->max_ns / 1e3, "avg", sf->avg_ns / 1e3);
}

static json_t *report_json_stages(const struct figures *f)
{
	json_t *a = json_array();
	for (size_t i = 0; i < f->nstages; i++) {
		const struct stage_figures *sf = &f->stages[i];
		json_t *o = json_pack("{s:s,s:s,s:s,s:i,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:f,s:f,s:f,s:f}", "name", sf->name,
				      "kind", report_json_kind(sf->kind), "type", sf->type, "threads", sf->threads,
				      "records_in", (json_int_t)sf->records_in, "records_out", (json_int_t)sf->records_out,
				      "errors", (json_int_t)sf->errors, "filtered", (json_int_t)sf->filtered, "batches",
				      (json_int_t)sf->batches, "bytes_in", (json_int_t)sf->bytes_in, "bytes_out",
				      (json_int_t)sf->bytes_out, "busy_pct", sf->busy_pct, "backpressured_pct",
				      sf->backpressured_pct, "idle_pct", sf->idle_pct, "records_per_sec", sf->in_per_sec);
		/* the shares of its busy time its threads were on a CPU, and ready
		 * but waiting for one (null: unknown) */
		json_object_set_new(o, "oncpu_pct", sf->oncpu_pct >= 0 ? json_real(sf->oncpu_pct) : json_null());
		json_object_set_new(o, "cpu_wait_pct", sf->cpu_wait_pct >= 0 ? json_real(sf->cpu_wait_pct) : json_null());
		json_object_set_new(o, "latency_us", report_json_latency(sf));
		json_array_append_new(a, o);
	}
	return a;
}

static json_t *report_json_channels(const struct figures *f)
{
	json_t *a = json_array();
	for (size_t i = 0; i < f->nchannels; i++) {
		const struct channel_figures *cf = &f->channels[i];
		json_array_append_new(a, json_pack("{s:s,s:I,s:I,s:f,s:f,s:f,s:f}", "name", cf->name, "capacity",
						   (json_int_t)cf->capacity, "fill", (json_int_t)cf->fill, "fill_avg_pct",
						   cf->fill_avg_pct, "fill_max_pct", cf->fill_max_pct, "send_blocked_pct",
						   cf->send_blocked_pct, "recv_blocked_pct", cf->recv_blocked_pct));
	}
	return a;
}

/* connectors: {source: {...}, destination: {...}}, what each connector
 * moved and whether its time went to waiting on its system or to its own
 * parsing or encoding. */
static json_t *report_json_connectors(const struct figures *f)
{
	json_t *o = json_object();
	for (int d = 0; d < 2; d++) {
		const struct connector_figures *cf = &f->conn[d];
		json_object_set_new(
			o, cf->role,
			json_pack("{s:s,s:I,s:I,s:I,s:f,s:I,s:f,s:I,s:I,s:f,s:f,s:f,s:f,s:f,s:f,s:s?,s:I,s:I}", "type", cf->type,
				  "records", (json_int_t)cf->records, "bytes", (json_int_t)cf->bytes, "batches",
				  (json_int_t)cf->requests, "avg_batch_records", cf->records_per_request, "connections",
				  (json_int_t)cf->connects, "connect_ms", cf->connect_ms, "retries", (json_int_t)cf->retries,
				  "errors", (json_int_t)cf->errors, "records_per_sec", cf->records_per_sec, "bytes_per_sec",
				  cf->bytes_per_sec, "batches_per_sec", cf->requests_per_sec, "wait_s", cf->wait_s,
				  d ? "encode_s" : "parse_s", cf->work_s, "wait_pct", cf->wait_pct, "waits_on", cf->waits_on,
				  "rolled_back", (json_int_t)cf->rolled_back, "plain_records", (json_int_t)cf->plain));
	}
	return o;
}

/* The last line of defence: every string value with its secrets hidden
 * (secrets.h); the keys are nebtop's own and stay as they are. */
static void report_json_scrub(json_t *v)
{
	if (json_is_string(v)) {
		size_t n;
		char *s = secrets_redact_dup(json_string_value(v), json_string_length(v), &n);
		if (s && (n != json_string_length(v) || memcmp(s, json_string_value(v), n)))
			json_string_setn(v, s, n);
		free(s);
	} else if (json_is_array(v)) {
		for (size_t i = 0; i < json_array_size(v); i++)
			report_json_scrub(json_array_get(v, i));
	} else if (json_is_object(v)) {
		const char *k;
		json_t *m;
		json_object_foreach(v, k, m)
			report_json_scrub(m);
	}
}

static json_t *report_json_errors(struct pipeline *p)
{
	struct error_sample *es = calloc(ERROR_SAMPLES, sizeof *es);
	json_t *a = json_array();
	if (!es)
		return a;
	size_t n = pipeline_copy_error_samples(p, es, ERROR_SAMPLES);
	for (size_t i = 0; i < n; i++) {
		secrets_scrub(es[i].stage, sizeof es[i].stage);
		secrets_scrub(es[i].reason, sizeof es[i].reason);
		json_t *o = json_pack("{s:I,s:s,s:s}", "record", (json_int_t)es[i].record, "stage", es[i].stage,
				      "reason", es[i].reason);
		if (es[i].line)
			json_object_set_new(o, "line", json_integer((json_int_t)es[i].line));
		json_array_append_new(a, o);
	}
	free(es);
	return a;
}

static json_t *report_json_locks(double secs)
{
	struct nlock_stats locks[64];
	size_t n = nlock_read_all(locks, 64);
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_pack("{s:s,s:I,s:I,s:f,s:f,s:f}", "name", locks[i].name, "acquisitions",
						   (json_int_t)locks[i].acquisitions, "contentions",
						   (json_int_t)locks[i].contentions, "wait_s", (double)locks[i].wait_ns / 1e9,
						   "contentions_per_sec", secs > 0 ? (double)locks[i].contentions / secs : 0.0,
						   "wait_ms_per_sec", secs > 0 ? (double)locks[i].wait_ns / 1e6 / secs : 0.0));
	return a;
}

static json_t *report_json_cpu_top(struct profiler *prof)
{
	struct profiler_fn top[20];
	size_t n = profiler_cpu_top(prof, NULL, top, 20);
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_pack("{s:s,s:f,s:f}", "function", top[i].function, "flat_pct",
						   top[i].flat_pct, "cum_pct", top[i].cum_pct));
	return a;
}

/* One finding as metrics JSON's bottlenecks[] has it. */
static json_t *report_json_finding(const struct finding *fd)
{
	json_t *sug = json_array(), *fig = json_object();
	for (size_t i = 0; i < fd->nsuggestions; i++)
		json_array_append_new(sug, json_string(fd->suggestions[i]));
	for (size_t i = 0; i < fd->nfigures; i++)
		json_object_set_new(fig, fd->figures[i].name, json_real(fd->figures[i].value));
	json_t *o = json_pack("{s:s,s:s,s:s,s:s?,s:s,s:f,s:s,s:o,s:o}", "type", analyzer_type_name(fd->type), "severity",
			      analyzer_severity_name(fd->severity), "component", fd->component, "stage",
			      fd->stage[0] ? fd->stage : NULL, "description", fd->description, "impact_pct",
			      fd->impact_pct, "impact_of", fd->impact_of, "suggestions", sug, "figures", fig);
	return o;
}

static void report_json_findings(json_t *root, const struct findings *fnd)
{
	json_t *a = json_array();
	for (size_t i = 0; fnd && i < fnd->n; i++)
		json_array_append_new(a, report_json_finding(&fnd->v[i]));
	json_object_set_new(root, "bottlenecks", a);
	json_object_set_new(root, "primary_bottleneck",
			    fnd && fnd->n ? report_json_finding(&fnd->v[0]) : json_null());
	json_object_set_new(root, "analysis_window_s", json_real(fnd ? fnd->window_s : 0));
}

static json_t *report_json_runtime(const struct figures *f, struct profiler *prof)
{
	json_t *rt = json_pack("{s:f,s:f,s:f,s:I,s:I,s:I,s:I}", "cpu_pct", f->cpu_pct, "cpu_user_pct", f->cpu_user_pct,
			       "cpu_sys_pct", f->cpu_sys_pct, "rss_bytes", (json_int_t)f->rss_bytes, "rss_peak_bytes",
			       (json_int_t)f->rss_peak_bytes, "threads", (json_int_t)f->threads, "threads_peak",
			       (json_int_t)f->threads_peak);
	if (f->have_alloc_figures) {
		json_object_set_new(rt, "heap_live_bytes", json_integer((json_int_t)f->heap_live_bytes));
		json_object_set_new(rt, "alloc_bytes_per_sec", json_real(f->alloc_bytes_per_sec));
		json_object_set_new(rt, "allocs_per_sec", json_real(f->allocs_per_sec));
		json_object_set_new(rt, "alloc_bytes_per_record", json_real(f->alloc_bytes_per_record));
		json_object_set_new(rt, "allocs_per_record",
				    json_real(f->records_in ? (double)f->allocs_per_sec * f->window_s / (double)f->records_in
							    : 0.0));
	}
	json_object_set_new(rt, "cpu_seconds", json_real(f->cpu_pct / 100 * f->window_s));
	/* the whole machine, every process: how busy its cores were (null when
	 * /proc/stat cannot be read) */
	json_object_set_new(rt, "machine_cpu_pct",
			    f->machine_busy_cores >= 0 && f->machine_cores > 0
				    ? json_real(100 * f->machine_busy_cores / f->machine_cores)
				    : json_null());
	json_object_set_new(rt, "machine_busy_cores",
			    f->machine_busy_cores >= 0 ? json_real(f->machine_busy_cores) : json_null());
	json_object_set_new(rt, "machine_cores", json_integer((json_int_t)f->machine_cores));
	double share = profiler_allocator_pct(prof);
	if (share >= 0)
		json_object_set_new(rt, "allocator_cpu_pct", json_real(share));
	json_object_set_new(rt, "minor_faults_per_sec", json_real(f->minor_faults_per_sec));
	json_object_set_new(rt, "voluntary_switches_per_sec", json_real(f->voluntary_switches_per_sec));
	json_object_set_new(rt, "involuntary_switches_per_sec", json_real(f->involuntary_switches_per_sec));
	json_object_set_new(rt, "open_fds", json_integer((json_int_t)f->open_fds));
	return rt;
}

/* What the export to a collector did: {"otlp": {"endpoint", "metrics":
 * {sent, retried, dropped}, "traces": {..., spans_dropped}}}. */
static json_t *report_json_export(const struct export_counts *ex)
{
	json_t *sig[2];
	for (int i = 0; i < 2; i++)
		sig[i] = json_pack("{s:I,s:I,s:I}", "sent", (json_int_t)ex->sig[i].sent, "retried",
				   (json_int_t)ex->sig[i].retried, "dropped", (json_int_t)ex->sig[i].dropped);
	if (sig[EXPORT_TRACES])
		json_object_set_new(sig[EXPORT_TRACES], "spans_dropped", json_integer((json_int_t)ex->spans_dropped));
	return json_pack("{s:{s:s,s:o?,s:o?}}", "otlp", "endpoint", ex->endpoint, "metrics", sig[EXPORT_METRICS],
			 "traces", sig[EXPORT_TRACES]);
}

/* Which run a snapshot belongs to: the wall-clock time the pipeline started,
 * as RFC 3339 with milliseconds (started) and as an identifier that the
 * process id makes unique among runs started at the same moment (run_id),
 * the same in every snapshot of the run. */
static void report_json_run_identity(struct pipeline *p, char *started, size_t sn, char *run_id, size_t rn)
{
	struct timespec ts;
	pipeline_started_at(p, &ts);
	struct tm tm;
	time_t sec = ts.tv_sec;
	gmtime_r(&sec, &tm);
	char day[32], compact[32];
	strftime(day, sizeof day, "%Y-%m-%dT%H:%M:%S", &tm);
	strftime(compact, sizeof compact, "%Y%m%dT%H%M%S", &tm);
	snprintf(started, sn, "%s.%03ldZ", day, ts.tv_nsec / 1000000);
	snprintf(run_id, rn, "%s.%09ldZ-%ld", compact, ts.tv_nsec, (long)getpid());
}

void report_run_id(struct pipeline *p, char *run_id, size_t n)
{
	char started[48];
	report_json_run_identity(p, started, sizeof started, run_id, n);
}

int report_json_build(const struct snapshot_ctx *x, char **out, struct errbuf *e)
{
	struct pipeline *p = x->p;
	struct profiler *prof = x->prof;
	const char *timestamp = x->timestamp;
	const struct config *c = config_of_pipeline(p);
	struct figures f;
	char src[300], dst[300], types[128];
	double steady;
	snapshot_read_run(x, &f, &steady, src, dst, sizeof src);
	config_format_types(types, sizeof types, c->prof.type_mask);
	const struct stage_info *first = pipeline_get_stage(p, 0), *last = pipeline_get_stage(p, f.nstages - 1);
	const char *stop = pipeline_stop_reason(p);
	char started[48], run_id[64];
	report_json_run_identity(p, started, sizeof started, run_id, sizeof run_id);
	json_t *root = json_pack(
		"{s:s,s:s,s:s,s:s,s:b,s:b,s:f,s:s,s:o,s:{s:I,s:I,s:I,s:I,s:I},s:{s:f,s:f},s:o,s:o,s:o,s:o,s:o}",
		"nebtop_version", PACKAGE_VERSION, "timestamp", timestamp, "started", started, "run_id", run_id, "final",
		x->final, "complete", pipeline_input_ended(p), "duration_s", f.elapsed_s, "state",
		pipeline_state_name(pipeline_get_state(p)), "stop_reason", stop ? json_string(stop) : json_null(),
		"records", "in", (json_int_t)f.records_in, "out", (json_int_t)f.records_out, "filtered",
		(json_int_t)f.records_filtered, "errors", (json_int_t)f.records_errors, "dead_lettered",
		(json_int_t)f.records_dead_lettered, "throughput", "records_per_sec",
		f.elapsed_s > 0 ? (double)f.records_in / f.elapsed_s : 0.0, "bytes_per_sec",
		f.elapsed_s > 0 ? (double)f.bytes_in / f.elapsed_s : 0.0, "stages", report_json_stages(&f), "channels",
		report_json_channels(&f), "runtime", report_json_runtime(&f, prof), "cpu_top", report_json_cpu_top(prof),
		"error_samples", report_json_errors(p));
	json_t *pl = json_pack("{s:s,s:s,s:s,s:s,s:s,s:I,s:I,s:I,s:b,s:s,s:s}", "name", c->pl.name, "source",
			       first->type, "source_detail", src, "destination", last->type, "destination_detail", dst,
			       "batch", (json_int_t)c->pl.batch, "workers", (json_int_t)c->pl.workers, "buffer",
			       (json_int_t)c->pl.buffer, "ordered", c->pl.ordered, "on_error",
			       c->pl.on_error == 0 ? "skip" : c->pl.on_error == 1 ? "fail" : "dead_letter", "profile_types",
			       types);
	double elapsed = f.elapsed_s;
	json_t *conns = report_json_connectors(&f);
	figures_free(&f);
	if (!root || !pl) {
		json_decref(root);
		json_decref(pl);
		json_decref(conns);
		return errbuf_set(e, "cannot build the metrics JSON");
	}
	if (!isnan(steady))
		json_object_set_new(json_object_get(root, "throughput"), "steady_records_per_sec", json_real(steady));
	json_object_set_new(root, "pipeline", pl);
	json_object_set_new(root, "connectors", conns);
	json_object_set_new(root, "locks", report_json_locks(elapsed));
	if (x->ex)
		json_object_set_new(root, "export", report_json_export(x->ex));
	struct latency_view *lv = malloc(sizeof *lv);
	if (lv) {
		pipeline_read_latency(p, lv);
		json_t *lat = report_latency_json(lv);
		if (lat)
			json_object_set_new(root, "latency", lat);
		free(lv);
	}
	json_t *wi = report_whatif_json(x->whatif);
	if (wi)
		json_object_set_new(root, "whatif", wi);
	report_json_findings(root, x->findings);
	report_json_scrub(root);
	*out = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
	json_decref(root);
	if (!*out)
		return errbuf_set(e, "cannot encode the metrics JSON");
	size_t n = strlen(*out);
	char *t = realloc(*out, n + 2);
	if (t) {
		t[n] = '\n';
		t[n + 1] = 0;
		*out = t;
	}
	return 0;
}
