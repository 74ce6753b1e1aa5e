/* nebula.c: libnebula's handle (nebula.h) over nebtop's profilers. */
#include "autoconfig.h"

#include "nebula.h"

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/clock.h"
#include "../pipeline/runtime.h"
#include "analyze/analyzer.h"
#include "base/globals.h"
#include "profile/profiler.h"
#include "profile/snapshot_files.h"
#include "base/thread_registry.h"

/* The NEBULA_* bits of nebula.h are the profilers' PROFILE_* bits. */
_Static_assert(NEBULA_CPU == PROFILE_CPU, "NEBULA_CPU differs from PROFILE_CPU");
_Static_assert(NEBULA_MEMORY == PROFILE_MEMORY, "NEBULA_MEMORY differs from PROFILE_MEMORY");
_Static_assert(NEBULA_BLOCK == PROFILE_BLOCK, "NEBULA_BLOCK differs from PROFILE_BLOCK");
_Static_assert(NEBULA_MUTEX == PROFILE_MUTEX, "NEBULA_MUTEX differs from PROFILE_MUTEX");
_Static_assert(NEBULA_THREADS == PROFILE_GOROUTINE, "NEBULA_THREADS differs from PROFILE_GOROUTINE");
_Static_assert(NEBULA_TRACE == PROFILE_TRACE, "NEBULA_TRACE differs from PROFILE_TRACE");
_Static_assert(NEBULA_ALL == PROFILE_ALL, "NEBULA_ALL differs from PROFILE_ALL");

struct nebula_stage {
	char *name;
	uint64_t in, out, calls, busy_ns;
};

struct nebula {
	struct profiler_config pc;
	char *output_dir;
	struct profiler *prof;
	uint64_t start_ns, stop_ns;
	struct runtime_sample rt_start, rt_stop;
	int running, registered_caller;
	/* runtime sampling (runtime_metrics) */
	int runtime_metrics;
	uint64_t interval_ns;
	pthread_t sampler;
	int sampling;
	_Atomic int stop_sampling;
	_Atomic uint32_t threads_peak;
	pthread_mutex_t mu; /* guards the stages */
	struct nebula_stage *stages;
	size_t nstages, cap;
	struct nebula_stage_result *results;
	struct findings findings;              /* the last analysis */
	struct nebula_bottleneck *bottlenecks; /* views of findings */
};

static void nebula_message(char *err, size_t n, const char *msg)
{
	if (err && n)
		snprintf(err, n, "%s", msg);
}

nebula_t *nebula_new(const struct nebula_config *cfg, char *err, size_t errlen)
{
	struct nebula_config def = { 0 };
	if (!cfg)
		cfg = &def;
	if (cfg->types & ~NEBULA_ALL) {
		nebula_message(err, errlen, "nebula_new: unknown bits in types");
		return NULL;
	}
	if (cfg->cpu_hz > 10000) {
		nebula_message(err, errlen, "nebula_new: cpu_hz is at most 10000");
		return NULL;
	}
	struct nebula *n = calloc(1, sizeof *n);
	if (!n) {
		nebula_message(err, errlen, "nebula_new: out of memory");
		return NULL;
	}
	/* the NEBULA_* bits are the PROFILE_* bits (checked above) */
	n->pc.types = cfg->types ? cfg->types : NEBULA_CPU;
	n->pc.cpu_hz = cfg->cpu_hz ? cfg->cpu_hz : 100;
	n->pc.cpu_window_ns = cfg->cpu_duration_ns ? cfg->cpu_duration_ns : 30000000000ull;
	n->pc.mem_rate = 512 * 1024;
	n->pc.block_rate_ns = 10000;
	n->pc.mutex_fraction = 10;
	n->pc.trace_window_ns = 5000000000ull;
	n->pc.walk = STACK_WALK_LIBUNWIND;
	n->runtime_metrics = cfg->runtime_metrics;
	n->interval_ns = cfg->sampling_interval_ns ? cfg->sampling_interval_ns : 100000000ull;
	n->output_dir = strdup(cfg->output_dir ? cfg->output_dir : "./profiles");
	pthread_mutex_init(&n->mu, NULL);
	if (!n->output_dir) {
		nebula_free(n);
		nebula_message(err, errlen, "nebula_new: out of memory");
		return NULL;
	}
	return n;
}

static void *nebula_sampler_main(void *arg)
{
	nebula_t *n = arg;
	thread_registry_enter("nebula/sampler", "sampler", NULL, NULL);
	while (!atomic_load(&n->stop_sampling)) {
		struct runtime_sample rt;
		runtime_read_sample(&rt);
		if (rt.threads > atomic_load(&n->threads_peak))
			atomic_store(&n->threads_peak, rt.threads);
		uint64_t end = clock_now_ns() + n->interval_ns;
		while (!atomic_load(&n->stop_sampling) && clock_now_ns() < end)
			clock_sleep_ns(n->interval_ns < 10000000ull ? n->interval_ns : 10000000ull);
	}
	thread_registry_leave();
	return NULL;
}

int nebula_start(nebula_t *n)
{
	if (!n || n->running)
		return -1;
	if (!thread_registry_self()) {
		thread_registry_enter("main", "main", NULL, NULL);
		n->registered_caller = 1;
	}
	struct errbuf e;
	n->prof = profiler_start(&n->pc, &e);
	if (!n->prof)
		return -1;
	n->start_ns = clock_now_ns();
	runtime_read_sample(&n->rt_start);
	if (n->runtime_metrics) {
		atomic_store(&n->stop_sampling, 0);
		n->sampling = pthread_create(&n->sampler, NULL, nebula_sampler_main, n) == 0;
	}
	n->running = 1;
	return 0;
}

/* The analyzer's CPU rules over the CPU profile's window, by the stages recorded. */
static void nebula_analyze(nebula_t *n, struct nebula_result *out)
{
	free(n->bottlenecks);
	n->bottlenecks = NULL;
	findings_free(&n->findings);
	if (!n->prof)
		return;
	struct alert_opts o;
	analyzer_default_opts(&o);
	const char **names = calloc(out->nstages ? out->nstages : 1, sizeof *names);
	if (!names)
		return;
	for (size_t i = 0; i < out->nstages; i++)
		names[i] = out->stages[i].name;
	int rc = analyzer_analyze_profile(n->prof, &o, n->pc.cpu_window_ns, names, out->nstages, &n->findings);
	free(names);
	if (rc || !n->findings.n)
		return;
	n->bottlenecks = calloc(n->findings.n, sizeof *n->bottlenecks);
	if (!n->bottlenecks)
		return;
	for (size_t i = 0; i < n->findings.n; i++) {
		const struct finding *f = &n->findings.v[i];
		n->bottlenecks[i] = (struct nebula_bottleneck){ analyzer_type_name(f->type),
								 analyzer_severity_name(f->severity),
								 f->component,
								 f->stage,
								 f->description,
								 f->impact_pct,
								 f->impact_of };
	}
	out->nbottlenecks = n->findings.n;
	out->bottlenecks = n->bottlenecks;
}

static void nebula_fill_results(nebula_t *n, struct nebula_result *out)
{
	double secs = (double)((n->stop_ns ? n->stop_ns : clock_now_ns()) - n->start_ns) / 1e9;
	memset(out, 0, sizeof *out);
	out->duration_s = secs;
	pthread_mutex_lock(&n->mu);
	free(n->results);
	n->results = calloc(n->nstages ? n->nstages : 1, sizeof *n->results);
	double slowest = -1;
	for (size_t i = 0; n->results && i < n->nstages; i++) {
		const struct nebula_stage *s = &n->stages[i];
		struct nebula_stage_result *r = &n->results[i];
		r->name = s->name;
		r->records_in = s->in;
		r->records_out = s->out;
		r->calls = s->calls;
		r->busy_seconds = (double)s->busy_ns / 1e9;
		r->records_per_sec = secs > 0 ? (double)s->out / secs : 0;
		r->avg_latency_us = s->calls ? (double)s->busy_ns / 1e3 / (double)s->calls : 0;
		/* the slowest stage: the one that could do the fewest records per second of its own time */
		double capacity = s->busy_ns ? (double)s->in / ((double)s->busy_ns / 1e9) : 0;
		if (capacity > 0 && (slowest < 0 || capacity < slowest)) {
			slowest = capacity;
			out->slowest_stage = s->name;
		}
	}
	if (n->nstages) {
		out->records_in = n->stages[0].in;
		out->records_out = n->stages[n->nstages - 1].out;
	}
	out->nstages = n->results ? n->nstages : 0;
	out->stages = n->results;
	pthread_mutex_unlock(&n->mu);
	out->records_per_sec = secs > 0 ? (double)out->records_out / secs : 0;
	struct runtime_sample now;
	runtime_read_sample(&now);
	const struct runtime_sample *end = n->stop_ns ? &n->rt_stop : &now;
	double cpu = (double)(end->cpu_user_ns + end->cpu_sys_ns) -
		     (double)(n->rt_start.cpu_user_ns + n->rt_start.cpu_sys_ns);
	out->cpu_pct = secs > 0 ? 100.0 * cpu / (secs * 1e9) : 0;
	out->rss_bytes = end->rss_bytes;
	out->rss_peak_bytes = end->rss_peak_bytes;
	out->threads = end->threads;
	out->threads_peak = atomic_load(&n->threads_peak);
	nebula_analyze(n, out);
}

int nebula_stop(nebula_t *n, struct nebula_result *out)
{
	if (!n || !n->running)
		return -1;
	profiler_stop(n->prof);
	if (n->sampling) {
		atomic_store(&n->stop_sampling, 1);
		pthread_join(n->sampler, NULL);
		n->sampling = 0;
	}
	n->stop_ns = clock_now_ns();
	runtime_read_sample(&n->rt_stop);
	n->running = 0;
	if (out)
		nebula_fill_results(n, out);
	return 0;
}

int nebula_record_stage_metrics(nebula_t *n, const char *stage, uint64_t records_in, uint64_t records_out,
				uint64_t duration_ns)
{
	if (!n || !stage)
		return -1;
	pthread_mutex_lock(&n->mu);
	struct nebula_stage *s = NULL;
	for (size_t i = 0; i < n->nstages && !s; i++)
		if (!strcmp(n->stages[i].name, stage))
			s = &n->stages[i];
	if (!s) {
		if (n->nstages == n->cap) {
			size_t cap = n->cap ? n->cap * 2 : 8;
			struct nebula_stage *g = realloc(n->stages, cap * sizeof *g);
			if (!g) {
				pthread_mutex_unlock(&n->mu);
				return -1;
			}
			n->stages = g;
			n->cap = cap;
		}
		s = &n->stages[n->nstages];
		memset(s, 0, sizeof *s);
		s->name = strdup(stage);
		if (!s->name) {
			pthread_mutex_unlock(&n->mu);
			return -1;
		}
		n->nstages++;
	}
	s->in += records_in;
	s->out += records_out;
	s->busy_ns += duration_ns;
	s->calls++;
	pthread_mutex_unlock(&n->mu);
	return 0;
}

/* metrics_TS.json of an embedding program: its stages and the runtime. */
static char *nebula_metrics_json(nebula_t *n, const struct nebula_result *r, const char *timestamp)
{
	json_t *stages = json_array();
	for (size_t i = 0; i < r->nstages; i++) {
		const struct nebula_stage_result *s = &r->stages[i];
		json_array_append_new(stages, json_pack("{s:s,s:I,s:I,s:I,s:f,s:f,s:f}", "name", s->name, "records_in",
							(json_int_t)s->records_in, "records_out",
							(json_int_t)s->records_out, "calls", (json_int_t)s->calls,
							"busy_seconds", s->busy_seconds, "records_per_sec",
							s->records_per_sec, "avg_latency_us", s->avg_latency_us));
	}
	json_t *top = json_array();
	struct profiler_fn fns[20];
	size_t k = profiler_cpu_top(n->prof, NULL, fns, 20);
	for (size_t i = 0; i < k; i++)
		json_array_append_new(top, json_pack("{s:s,s:f,s:f}", "function", fns[i].function, "flat_pct",
						     fns[i].flat_pct, "cum_pct", fns[i].cum_pct));
	json_t *root = json_pack("{s:s,s:s,s:f,s:{s:I,s:I},s:{s:f},s:o,s:{s:f,s:I,s:I,s:I},s:o,s:s?}",
				 "nebtop_version", PACKAGE_VERSION, "timestamp", timestamp, "duration_s",
				 r->duration_s, "records", "in", (json_int_t)r->records_in, "out",
				 (json_int_t)r->records_out, "throughput", "records_per_sec", r->records_per_sec,
				 "stages", stages, "runtime", "cpu_pct", r->cpu_pct, "rss_bytes",
				 (json_int_t)r->rss_bytes, "rss_peak_bytes", (json_int_t)r->rss_peak_bytes, "threads",
				 (json_int_t)r->threads, "cpu_top", top, "slowest_stage", r->slowest_stage);
	json_t *found = json_array();
	for (size_t i = 0; i < r->nbottlenecks; i++) {
		const struct nebula_bottleneck *b = &r->bottlenecks[i];
		json_array_append_new(found, json_pack("{s:s,s:s,s:s,s:s,s:s,s:f,s:s}", "type", b->type, "severity",
						       b->severity, "component", b->component, "stage", b->stage,
						       "description", b->description, "impact_pct", b->impact_pct,
						       "impact_of", b->impact_of));
	}
	if (root) {
		json_object_set(root, "primary_bottleneck", json_array_size(found) ? json_array_get(found, 0) : json_null());
		json_object_set_new(root, "bottlenecks", found);
	} else {
		json_decref(found);
	}
	char *text = root ? json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
	json_decref(root);
	return text;
}

int nebula_snapshot(nebula_t *n, char *dir, size_t dirlen)
{
	if (!n || !n->prof)
		return -1;
	struct snapshot_result res;
	struct errbuf e;
	if (snapshot_begin(n->output_dir, &res, &e))
		return -1;
	if (profiler_write_files(n->prof, n->output_dir, res.stamp, &res, &e)) {
		snapshot_discard(&res);
		return -1;
	}
	struct nebula_result r;
	nebula_fill_results(n, &r);
	char timestamp[40], name[96];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(timestamp, sizeof timestamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
	char *json = nebula_metrics_json(n, &r, timestamp);
	if (!json) {
		snapshot_discard(&res);
		return -1;
	}
	snprintf(name, sizeof name, "metrics_%s.json", res.stamp);
	/* the profiles and the metrics take their names together, or none does */
	int rc = snapshot_stage_file(&res, n->output_dir, name, json, strlen(json), &e);
	free(json);
	if (rc) {
		snapshot_discard(&res);
		return -1;
	}
	if (snapshot_commit(&res, &e))
		return -1;
	if (dir && dirlen)
		snprintf(dir, dirlen, "%s", n->output_dir);
	return 0;
}

void nebula_free(nebula_t *n)
{
	if (!n)
		return;
	if (n->running)
		nebula_stop(n, NULL);
	profiler_free(n->prof);
	for (size_t i = 0; i < n->nstages; i++)
		free(n->stages[i].name);
	free(n->stages);
	free(n->results);
	free(n->bottlenecks);
	findings_free(&n->findings);
	free(n->output_dir);
	pthread_mutex_destroy(&n->mu);
	if (n->registered_caller && thread_registry_self())
		thread_registry_leave();
	free(n);
}

void nebula_register_thread(const char *name)
{
	if (!thread_registry_self())
		thread_registry_enter(name ? name : "thread", "user", NULL, NULL);
}

void nebula_unregister_thread(void) { thread_registry_leave(); }

void nebula_set_stage(const char *stage) { globals_current_stage = stage; }
