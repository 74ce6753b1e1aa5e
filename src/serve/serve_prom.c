/* serve_prom.c: /metrics, the run in Prometheus's text exposition format
 * (version 0.0.4): base units (seconds, bytes), counters named _total and
 * read from the series' cumulative values, ratios 0-1, the latency
 * histograms with cumulative buckets, and a `pipeline` label on every series
 * so that one Prometheus can scrape many nebtops. */
#include "autoconfig.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../pipeline/channel.h"
#include "../../pipeline/figures.h"
#include "../../pipeline/histogram.h"
#include "../../pipeline/pipeline.h"
#include "../../pipeline/sampler.h"
#include "../analyze/analyzer.h"
#include "../base/secrets.h"
#include "serve.h"

/* One scrape's text, and the pipeline label, escaped once per scrape. */
struct serve_prom {
	struct buf *b;
	const struct serve_source *src;
	char pipeline[700]; /* pipeline="..." */
};

/* A label value as the format wants it: \\, \" and \n escaped; secrets
 * hidden and the text made valid UTF-8 first. */
static void serve_prom_label(struct buf *b, const char *name, const char *value, int first)
{
	char v[512];
	snprintf(v, sizeof v, "%s", value ? value : "");
	secrets_scrub(v, sizeof v);
	if (!first)
		buf_append_byte(b, ',');
	buf_append_str(b, name);
	buf_append_str(b, "=\"");
	for (const char *p = v; *p; p++) {
		if (*p == '\\' || *p == '"')
			buf_append_byte(b, '\\');
		if (*p == '\n') {
			buf_append_str(b, "\\n");
			continue;
		}
		buf_append_byte(b, *p);
	}
	buf_append_byte(b, '"');
}

static void serve_prom_family(struct buf *b, const char *name, const char *type, const char *help)
{
	buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* The shortest text that reads back as v (Prometheus parses it as a
 * float64): 0.1, not 0.10000000000000001. */
static const char *serve_prom_number(double v, char out[32])
{
	/* counts (most values) as integers, without printf's float path */
	if (v >= 0 && v < 9007199254740992.0 && v == (double)(uint64_t)v) {
		char tmp[24];
		size_t n = 0;
		uint64_t u = (uint64_t)v;
		do
			tmp[n++] = (char)('0' + u % 10);
		while ((u /= 10) != 0);
		for (size_t i = 0; i < n; i++)
			out[i] = tmp[n - 1 - i];
		out[n] = 0;
		return out;
	}
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(out, 32, "%.*g", prec, v);
		if (strtod(out, NULL) == v)
			break;
	}
	return out;
}

static void serve_prom_value(struct buf *b, double v)
{
	if (isnan(v))
		buf_append_str(b, " NaN\n");
	else if (isinf(v))
		buf_append_str(b, v > 0 ? " +Inf\n" : " -Inf\n");
	else {
		char num[32];
		buf_append_byte(b, ' ');
		buf_append_str(b, serve_prom_number(v, num));
		buf_append_byte(b, '\n');
	}
}

/* name{pipeline="..",k1="v1",k2="v2"} value: labels as NULL-ended pairs. */
static void serve_prom_sample(struct serve_prom *x, const char *name, const char *const *labels, double v)
{
	struct buf *b = x->b;
	buf_append_str(b, name);
	buf_append_byte(b, '{');
	buf_append_str(b, x->pipeline);
	for (size_t i = 0; labels && labels[i]; i += 2)
		serve_prom_label(b, labels[i], labels[i + 1], 0);
	buf_append_byte(b, '}');
	serve_prom_value(b, v);
}

static void serve_prom_stages(struct serve_prom *x, const struct figures *f,
			      const struct sample *last)
{
	struct buf *b = x->b;
	static const char *const dirs[2] = { "in", "out" };
	serve_prom_family(b, "nebtop_records_total", "counter", "Records into and out of each stage.");
	for (size_t i = 0; i < f->nstages; i++)
		for (int d = 0; d < 2; d++) {
			const char *l[] = { "stage", f->stages[i].name, "direction", dirs[d], NULL };
			serve_prom_sample(x, "nebtop_records_total", l,
					  (double)(d ? f->stages[i].records_out : f->stages[i].records_in));
		}
	serve_prom_family(b, "nebtop_bytes_total", "counter", "Bytes into and out of each stage.");
	for (size_t i = 0; i < f->nstages; i++)
		for (int d = 0; d < 2; d++) {
			const char *l[] = { "stage", f->stages[i].name, "direction", dirs[d], NULL };
			serve_prom_sample(x, "nebtop_bytes_total", l,
					  (double)(d ? f->stages[i].bytes_out : f->stages[i].bytes_in));
		}
	serve_prom_family(b, "nebtop_record_errors_total", "counter",
			  "Records a stage failed on (skipped, dead-lettered or failing the run).");
	for (size_t i = 0; i < f->nstages; i++) {
		const char *l[] = { "stage", f->stages[i].name, NULL };
		serve_prom_sample(x, "nebtop_record_errors_total", l, (double)f->stages[i].errors);
	}
	serve_prom_family(b, "nebtop_records_filtered_total", "counter", "Records a stage dropped on purpose.");
	for (size_t i = 0; i < f->nstages; i++) {
		const char *l[] = { "stage", f->stages[i].name, NULL };
		serve_prom_sample(x, "nebtop_records_filtered_total", l, (double)f->stages[i].filtered);
	}
	serve_prom_family(b, "nebtop_batches_total", "counter", "Batches a stage handled.");
	for (size_t i = 0; i < f->nstages; i++) {
		const char *l[] = { "stage", f->stages[i].name, NULL };
		serve_prom_sample(x, "nebtop_batches_total", l, (double)f->stages[i].batches);
	}
	serve_prom_family(b, "nebtop_stage_threads", "gauge", "Threads of each stage.");
	for (size_t i = 0; i < f->nstages; i++) {
		const char *l[] = { "stage", f->stages[i].name, NULL };
		serve_prom_sample(x, "nebtop_stage_threads", l, f->stages[i].threads);
	}
	/* busy, backpressured (waiting for room downstream), idle (waiting for
	 * input): thread-seconds, so that rate() over them is the share of the
	 * stage's threads in each state */
	static const char *const states[3] = { "busy", "backpressured", "idle" };
	serve_prom_family(b, "nebtop_stage_seconds_total", "counter",
			  "Thread-seconds each stage spent busy, backpressured (waiting for room downstream) and "
			  "idle (waiting for input).");
	for (size_t i = 0; i < f->nstages && last; i++)
		for (int st = 0; st < 3; st++) {
			const char *l[] = { "stage", f->stages[i].name, "state", states[st], NULL };
			serve_prom_sample(x, "nebtop_stage_seconds_total", l,
					  (double)last->stages[i].time_ns[st] / 1e9);
		}
}

/* The latency histogram of each stage's batches: a bucket at every power
 * of two of nanoseconds from 1 us to 18 min (bounds the histogram has
 * exactly, so no count is shared out by guess), and +Inf. */
static void serve_prom_latency(struct serve_prom *x, const struct figures *f)
{
	struct buf *b = x->b;
	const struct serve_source *src = x->src;
	const char *name = "nebtop_stage_batch_duration_seconds";
	serve_prom_family(b, name, "histogram", "Time a stage took for one batch.");
	for (size_t i = 0; i < f->nstages; i++) {
		const struct histogram_view *h = sampler_latency(src->s, i);
		if (!h)
			continue;
		uint64_t below = 0;
		unsigned bucket = 0;
		for (unsigned e = HISTOGRAM_MIN_EXP; e <= 40; e++) {
			uint64_t bound = 1ull << e;
			while (bucket < HISTOGRAM_BUCKETS && histogram_bucket_upper(bucket) <= bound)
				below += h->count[bucket++];
			char le[32];
			serve_prom_number((double)bound / 1e9, le);
			const char *l[] = { "stage", f->stages[i].name, "le", le, NULL };
			serve_prom_sample(x, "nebtop_stage_batch_duration_seconds_bucket", l, (double)below);
		}
		const char *inf[] = { "stage", f->stages[i].name, "le", "+Inf", NULL };
		serve_prom_sample(x, "nebtop_stage_batch_duration_seconds_bucket", inf, (double)h->n);
		const char *l[] = { "stage", f->stages[i].name, NULL };
		serve_prom_sample(x, "nebtop_stage_batch_duration_seconds_sum", l, (double)h->sum_ns / 1e9);
		serve_prom_sample(x, "nebtop_stage_batch_duration_seconds_count", l, (double)h->n);
	}
}

static void serve_prom_channels(struct serve_prom *x, const struct figures *f,
				const struct sample *last)
{
	struct buf *b = x->b;
	serve_prom_family(b, "nebtop_channel_fill_ratio", "gauge", "How full each channel is now (0-1).");
	for (size_t i = 0; i < f->nchannels; i++) {
		const char *l[] = { "channel", f->channels[i].name, NULL };
		double c = (double)f->channels[i].capacity;
		serve_prom_sample(x, "nebtop_channel_fill_ratio", l,
				  c > 0 ? (double)f->channels[i].fill / c : 0);
	}
	serve_prom_family(b, "nebtop_channel_capacity_records", "gauge", "Records each channel holds at most.");
	for (size_t i = 0; i < f->nchannels; i++) {
		const char *l[] = { "channel", f->channels[i].name, NULL };
		serve_prom_sample(x, "nebtop_channel_capacity_records", l, (double)f->channels[i].capacity);
	}
	static const char *const sides[2] = { "send", "receive" };
	serve_prom_family(b, "nebtop_channel_blocked_seconds_total", "counter",
			  "Thread-seconds senders waited for room in each channel (side=send) and receivers waited "
			  "for records (side=receive).");
	for (size_t i = 0; i < f->nchannels && last; i++)
		for (int sd = 0; sd < 2; sd++) {
			const char *l[] = { "channel", f->channels[i].name, "side", sides[sd], NULL };
			uint64_t ns = sd ? last->channels[i].recv_blocked_ns : last->channels[i].send_blocked_ns;
			serve_prom_sample(x, "nebtop_channel_blocked_seconds_total", l, (double)ns / 1e9);
		}
}

static void serve_prom_connectors(struct serve_prom *x, const struct figures *f)
{
	struct buf *b = x->b;
	static const struct {
		const char *name, *help;
		size_t off;
	} counters[] = {
		{ "nebtop_connector_requests_total", "Requests (batches, queries, pages) a connector made.",
		  offsetof(struct connector_figures, requests) },
		{ "nebtop_connector_retries_total", "Requests a connector retried.",
		  offsetof(struct connector_figures, retries) },
		{ "nebtop_connector_connects_total", "Connections a connector opened.",
		  offsetof(struct connector_figures, connects) },
		{ "nebtop_connector_errors_total", "Errors a connector met (requests or records).",
		  offsetof(struct connector_figures, errors) },
		{ "nebtop_connector_bytes_total", "Bytes a connector read or wrote.",
		  offsetof(struct connector_figures, bytes) },
	};
	for (size_t k = 0; k < sizeof counters / sizeof counters[0]; k++) {
		serve_prom_family(b, counters[k].name, "counter", counters[k].help);
		for (int d = 0; d < 2; d++) {
			const struct connector_figures *c = &f->conn[d];
			if (!c->type)
				continue;
			const char *l[] = { "role", c->role, "type", c->type, NULL };
			uint64_t v;
			memcpy(&v, (const char *)c + counters[k].off, sizeof v);
			serve_prom_sample(x, counters[k].name, l, (double)v);
		}
	}
	serve_prom_family(b, "nebtop_connector_wait_seconds_total", "counter",
			  "Seconds a connector waited on the system it reads or writes (server, network, disk).");
	for (int d = 0; d < 2; d++) {
		const struct connector_figures *c = &f->conn[d];
		if (!c->type)
			continue;
		const char *l[] = { "role", c->role, "type", c->type, NULL };
		serve_prom_sample(x, "nebtop_connector_wait_seconds_total", l, c->wait_s);
	}
}

static void serve_prom_process(struct serve_prom *x, const struct figures *f,
			       const struct sample *last)
{
	struct buf *b = x->b;
	if (!last)
		return;
	const struct runtime_sample *rt = &last->rt;
	serve_prom_family(b, "nebtop_process_cpu_seconds_total", "counter", "CPU time of the nebtop process.");
	const char *user[] = { "mode", "user", NULL }, *sys[] = { "mode", "system", NULL };
	serve_prom_sample(x, "nebtop_process_cpu_seconds_total", user, (double)rt->cpu_user_ns / 1e9);
	serve_prom_sample(x, "nebtop_process_cpu_seconds_total", sys, (double)rt->cpu_sys_ns / 1e9);
	serve_prom_family(b, "nebtop_process_resident_memory_bytes", "gauge", "Resident memory of the process.");
	serve_prom_sample(x, "nebtop_process_resident_memory_bytes", NULL, (double)rt->rss_bytes);
	serve_prom_family(b, "nebtop_process_resident_memory_peak_bytes", "gauge",
			  "The most resident memory the process has had.");
	serve_prom_sample(x, "nebtop_process_resident_memory_peak_bytes", NULL, (double)rt->rss_peak_bytes);
	serve_prom_family(b, "nebtop_process_threads", "gauge", "Threads of the process.");
	serve_prom_sample(x, "nebtop_process_threads", NULL, rt->threads);
	serve_prom_family(b, "nebtop_process_open_fds", "gauge", "Open file descriptors of the process.");
	serve_prom_sample(x, "nebtop_process_open_fds", NULL, rt->open_fds);
	if (!f->have_alloc_figures)
		return;
	/* the allocation rate is rate() of these */
	serve_prom_family(b, "nebtop_heap_live_bytes", "gauge", "Heap bytes allocated and not yet freed.");
	serve_prom_sample(x, "nebtop_heap_live_bytes", NULL, (double)f->heap_live_bytes);
	serve_prom_family(b, "nebtop_allocations_total", "counter", "Heap allocations (malloc and its kin).");
	serve_prom_sample(x, "nebtop_allocations_total", NULL, (double)rt->allocs);
	serve_prom_family(b, "nebtop_allocated_bytes_total", "counter", "Bytes allocated on the heap.");
	serve_prom_sample(x, "nebtop_allocated_bytes_total", NULL, (double)rt->bytes_alloc);
}

static void serve_prom_findings(struct serve_prom *x)
{
	struct buf *b = x->b;
	const struct serve_source *src = x->src;
	serve_prom_family(b, "nebtop_finding", "gauge",
			  "The analyzer's current findings: 1 for each one present (the report says why).");
	struct findings fnd = { 0 };
	if (!src->an || analyzer_copy_latest(src->an, &fnd))
		return;
	for (size_t i = 0; i < fnd.n; i++) {
		const struct finding *fd = &fnd.v[i];
		const char *l[] = { "type",     analyzer_type_name(fd->type),         "component", fd->component,
				    "severity", analyzer_severity_name(fd->severity), NULL };
		serve_prom_sample(x, "nebtop_finding", l, 1);
	}
	findings_free(&fnd);
}

void serve_prom_build(const struct serve_source *src, struct buf *out)
{
	struct serve_prom xs = { out, src, "" }, *x = &xs;
	struct buf pl = { 0 };
	serve_prom_label(&pl, "pipeline", src->pipeline_name, 1);
	snprintf(xs.pipeline, sizeof xs.pipeline, "%.*s", (int)pl.len, pl.p);
	buf_free(&pl);
	struct figures f;
	sampler_lock(src->s);
	const struct sample *last = sampler_count(src->s) ? sampler_latest(src->s) : NULL;
	figures_compute(&f, src->s, 0);
	serve_prom_stages(x, &f, last);
	serve_prom_latency(x, &f);
	serve_prom_channels(x, &f, last);
	serve_prom_connectors(x, &f);
	serve_prom_process(x, &f, last);
	serve_prom_family(out, "nebtop_elapsed_seconds", "gauge", "Seconds since the pipeline started.");
	serve_prom_sample(x, "nebtop_elapsed_seconds", NULL, last ? (double)last->t_ns / 1e9 : 0);
	/* every state, 1 for the one it is in: a series never vanishes */
	enum pipeline_state now = pipeline_get_state(src->p);
	serve_prom_family(out, "nebtop_pipeline_state", "gauge",
			  "1 for the state the pipeline is in, 0 for the others.");
	for (int st = 0; st <= (int)PSTATE_FAILED; st++) {
		const char *l[] = { "state", pipeline_state_name((enum pipeline_state)st), NULL };
		serve_prom_sample(x, "nebtop_pipeline_state", l, st == (int)now);
	}
	figures_free(&f);
	sampler_unlock(src->s);
	serve_prom_findings(x);
}
