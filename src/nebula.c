/* nebula.c: libnebula's handle (nebula.h) over nebtop's profilers. */
#include "autoconfig.h"

#include "nebula.h"

#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdarg.h>
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
_Static_assert(NEBULA_THREADS == PROFILE_THREADS, "NEBULA_THREADS differs from PROFILE_THREADS");
_Static_assert(NEBULA_TRACE == PROFILE_TRACE, "NEBULA_TRACE differs from PROFILE_TRACE");
_Static_assert(NEBULA_ALL == PROFILE_ALL, "NEBULA_ALL differs from PROFILE_ALL");

/* The end of a struct's field f: a caller's size covers f when it is at least this. */
#define NEBULA_END(type, f) (offsetof(struct type, f) + sizeof(((struct type *)0)->f))
/* Copies field f of a struct type from src to dst when a struct of size
 * bytes (the caller's layout) holds it whole. */
#define NEBULA_COPY_HELD(type, dst, src, size, f)      \
	do {                                           \
		if ((size) >= NEBULA_END(type, f))     \
			(dst)->f = (src)->f;           \
	} while (0)
/* The end of the last field this library knows; a field added to a struct
 * moves its line here (the assertions catch a forgotten one). */
#define NEBULA_CONFIG_KNOWN NEBULA_END(nebula_config, cpu_hz)
#define NEBULA_RESULT_KNOWN NEBULA_END(nebula_result, bottlenecks)
/* The mandatory prefixes: size and the first field. */
#define NEBULA_CONFIG_MIN NEBULA_END(nebula_config, types)
#define NEBULA_RESULT_MIN NEBULA_END(nebula_result, duration_s)
_Static_assert(sizeof(struct nebula_config) - NEBULA_CONFIG_KNOWN < _Alignof(struct nebula_config),
	       "NEBULA_CONFIG_KNOWN is not the last field of struct nebula_config");
_Static_assert(sizeof(struct nebula_result) - NEBULA_RESULT_KNOWN < _Alignof(struct nebula_result),
	       "NEBULA_RESULT_KNOWN is not the last field of struct nebula_result");

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
	const struct nebula_stage_result **result_ptrs; /* what nebula_result.stages points to */
	struct findings findings;              /* the last analysis */
	struct nebula_bottleneck *bottlenecks; /* views of findings */
	const struct nebula_bottleneck **bottleneck_ptrs;
	/* the message of the last failed call ("" after a success); the metrics
	 * of several threads write it under mu */
	struct errbuf err;
};

const char *nebula_version(void) { return NEBULA_VERSION; }

const char *nebula_errmsg(nebula_t *n) { return n ? n->err.msg : "no handle (NULL)"; }

/* The handle's message: set by a failing call, cleared by a succeeding one
 * (nebula_record_stage_metrics, on any thread, writes it under mu too). */
static int nebula_fail(nebula_t *n, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int nebula_fail(nebula_t *n, const char *fmt, ...)
{
	char text[sizeof n->err.msg];
	struct errbuf e;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	errbuf_set(&e, "%s", text);
	pthread_mutex_lock(&n->mu);
	n->err = e;
	pthread_mutex_unlock(&n->mu);
	return -1;
}

static void nebula_succeed(nebula_t *n)
{
	pthread_mutex_lock(&n->mu);
	n->err.msg[0] = 0;
	pthread_mutex_unlock(&n->mu);
}

static void nebula_new_message(char *err, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void nebula_new_message(char *err, size_t n, const char *fmt, ...)
{
	if (!err || !n)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, n, fmt, ap);
	va_end(ap);
}

/* The caller's configuration into *cfg: the fields that fit in its size,
 * zeros (defaults) for the rest. A caller built with a newer header may
 * pass fields this library does not know, provided they are 0 (their
 * default). */
static int nebula_read_config(const struct nebula_config *given, struct nebula_config *cfg, char *err, size_t errlen)
{
	memset(cfg, 0, sizeof *cfg);
	if (!given)
		return 0;
	size_t size = given->size;
	if (size < NEBULA_CONFIG_MIN) {
		nebula_new_message(err, errlen,
				   "nebula_new: cfg->size is %zu, too small for any struct nebula_config (at least %zu); "
				   "set it to sizeof(struct nebula_config)",
				   size, (size_t)NEBULA_CONFIG_MIN);
		return -1;
	}
	if (size > sizeof *cfg) {
		const unsigned char *b = (const unsigned char *)given;
		for (size_t i = NEBULA_CONFIG_KNOWN; i < size; i++)
			if (b[i]) {
				nebula_new_message(err, errlen,
						   "nebula_new: cfg sets a field at byte %zu that libnebula %s does not know "
						   "(it knows %zu bytes of struct nebula_config): the library is older "
						   "than the header the program was built with",
						   i, NEBULA_VERSION, (size_t)NEBULA_CONFIG_KNOWN);
				return -1;
			}
	}
	cfg->size = size;
	cfg->types = given->types;
#define NEBULA_TAKE(f) NEBULA_COPY_HELD(nebula_config, cfg, given, size, f)
	NEBULA_TAKE(output_dir);
	NEBULA_TAKE(cpu_duration_ns);
	NEBULA_TAKE(runtime_metrics);
	NEBULA_TAKE(sampling_interval_ns);
	NEBULA_TAKE(cpu_hz);
#undef NEBULA_TAKE
	return 0;
}

nebula_t *nebula_new(const struct nebula_config *given, char *err, size_t errlen)
{
	struct nebula_config c, *cfg = &c;
	if (err && errlen)
		err[0] = 0;
	if (nebula_read_config(given, cfg, err, errlen))
		return NULL;
	if (cfg->types & ~NEBULA_ALL) {
		nebula_new_message(err, errlen, "nebula_new: types has bits no profile uses: 0x%x (NEBULA_ALL is 0x%x)",
				   cfg->types & ~NEBULA_ALL, NEBULA_ALL);
		return NULL;
	}
	if (cfg->cpu_hz > 10000) {
		nebula_new_message(err, errlen, "nebula_new: cpu_hz is %u, at most 10000", cfg->cpu_hz);
		return NULL;
	}
	struct nebula *n = calloc(1, sizeof *n);
	if (!n) {
		nebula_new_message(err, errlen, "nebula_new: %s", strerror(ENOMEM));
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
		nebula_new_message(err, errlen, "nebula_new: copying output_dir: %s", strerror(ENOMEM));
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
	if (!n)
		return -1;
	nebula_succeed(n);
	if (n->running)
		return nebula_fail(n, "nebula_start: the profiler is already running");
	if (!thread_registry_self()) {
		thread_registry_enter("main", "main", NULL, NULL);
		n->registered_caller = 1;
	}
	/* a second start begins a new profile: the last one's goes */
	profiler_free(n->prof);
	struct errbuf e = { { 0 } };
	n->prof = profiler_start(&n->pc, &e);
	if (!n->prof)
		return nebula_fail(n, "nebula_start: %s", e.msg[0] ? e.msg : "the profilers did not start");
	n->start_ns = clock_now_ns();
	n->stop_ns = 0;
	runtime_read_sample(&n->rt_start);
	if (n->runtime_metrics) {
		atomic_store(&n->stop_sampling, 0);
		atomic_store(&n->threads_peak, 0);
		int rc = pthread_create(&n->sampler, NULL, nebula_sampler_main, n);
		if (rc) {
			profiler_stop(n->prof);
			profiler_free(n->prof);
			n->prof = NULL;
			return nebula_fail(n, "nebula_start: cannot start the runtime sampler thread: %s",
					  strerror(rc));
		}
		n->sampling = 1;
	}
	n->running = 1;
	return 0;
}

/* The analyzer's CPU rules over the CPU profile's window, by the stages recorded. */
static void nebula_analyze(nebula_t *n, struct nebula_result *out)
{
	free(n->bottlenecks);
	free(n->bottleneck_ptrs);
	n->bottlenecks = NULL;
	n->bottleneck_ptrs = NULL;
	findings_free(&n->findings);
	if (!n->prof)
		return;
	struct alert_opts o;
	analyzer_default_opts(&o);
	const char **names = calloc(out->nstages ? out->nstages : 1, sizeof *names);
	if (!names)
		return;
	for (size_t i = 0; i < out->nstages; i++)
		names[i] = out->stages[i]->name;
	int rc = analyzer_analyze_profile(n->prof, &o, n->pc.cpu_window_ns, names, out->nstages, &n->findings);
	free(names);
	if (rc || !n->findings.n)
		return;
	n->bottlenecks = calloc(n->findings.n, sizeof *n->bottlenecks);
	n->bottleneck_ptrs = calloc(n->findings.n, sizeof *n->bottleneck_ptrs);
	if (!n->bottlenecks || !n->bottleneck_ptrs)
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
		n->bottleneck_ptrs[i] = &n->bottlenecks[i];
	}
	out->nbottlenecks = n->findings.n;
	out->bottlenecks = n->bottleneck_ptrs;
}

/* Every field of *out (this library's layout). */
static void nebula_fill_results(nebula_t *n, struct nebula_result *out)
{
	double secs = (double)((n->stop_ns ? n->stop_ns : clock_now_ns()) - n->start_ns) / 1e9;
	memset(out, 0, sizeof *out);
	out->size = sizeof *out;
	out->duration_s = secs;
	pthread_mutex_lock(&n->mu);
	free(n->results);
	free(n->result_ptrs);
	n->results = calloc(n->nstages ? n->nstages : 1, sizeof *n->results);
	n->result_ptrs = calloc(n->nstages ? n->nstages : 1, sizeof *n->result_ptrs);
	if (!n->results || !n->result_ptrs) {
		free(n->results);
		free(n->result_ptrs);
		n->results = NULL;
		n->result_ptrs = NULL;
	}
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
		n->result_ptrs[i] = r;
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
	out->stages = n->result_ptrs;
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

/* The fields of full that fit in out->size, into *out; a caller built with a
 * newer header finds its fields this library does not know zeroed. */
static void nebula_copy_results(const struct nebula_result *full, struct nebula_result *out)
{
	size_t size = out->size;
	if (size >= NEBULA_RESULT_KNOWN) {
		memcpy(out, full, NEBULA_RESULT_KNOWN);
		memset((char *)out + NEBULA_RESULT_KNOWN, 0, size - NEBULA_RESULT_KNOWN);
		out->size = size;
		return;
	}
#define NEBULA_GIVE(f) NEBULA_COPY_HELD(nebula_result, out, full, size, f)
	NEBULA_GIVE(duration_s);
	NEBULA_GIVE(records_in);
	NEBULA_GIVE(records_out);
	NEBULA_GIVE(records_per_sec);
	NEBULA_GIVE(cpu_pct);
	NEBULA_GIVE(rss_bytes);
	NEBULA_GIVE(rss_peak_bytes);
	NEBULA_GIVE(threads);
	NEBULA_GIVE(threads_peak);
	NEBULA_GIVE(nstages);
	NEBULA_GIVE(stages);
	NEBULA_GIVE(slowest_stage);
	NEBULA_GIVE(nbottlenecks);
	NEBULA_GIVE(bottlenecks);
#undef NEBULA_GIVE
}

int nebula_stop(nebula_t *n, struct nebula_result *out)
{
	if (!n)
		return -1;
	nebula_succeed(n);
	if (!n->running)
		return nebula_fail(n, "nebula_stop: the profiler is not running");
	if (out && out->size < NEBULA_RESULT_MIN)
		return nebula_fail(n,
				   "nebula_stop: out->size is %zu, too small for any struct nebula_result (at least %zu); "
				   "set it to sizeof(struct nebula_result)",
				   out->size, (size_t)NEBULA_RESULT_MIN);
	profiler_stop(n->prof);
	if (n->sampling) {
		atomic_store(&n->stop_sampling, 1);
		pthread_join(n->sampler, NULL);
		n->sampling = 0;
	}
	n->stop_ns = clock_now_ns();
	runtime_read_sample(&n->rt_stop);
	n->running = 0;
	if (out) {
		struct nebula_result full;
		nebula_fill_results(n, &full);
		nebula_copy_results(&full, out);
	}
	return 0;
}

int nebula_record_stage_metrics(nebula_t *n, const char *stage, uint64_t records_in, uint64_t records_out,
				uint64_t duration_ns)
{
	if (!n)
		return -1;
	pthread_mutex_lock(&n->mu);
	if (!stage) {
		errbuf_set(&n->err, "nebula_record_stage_metrics: no stage name (NULL)");
		pthread_mutex_unlock(&n->mu);
		return -1;
	}
	struct nebula_stage *s = NULL;
	for (size_t i = 0; i < n->nstages && !s; i++)
		if (!strcmp(n->stages[i].name, stage))
			s = &n->stages[i];
	if (!s) {
		if (n->nstages == n->cap) {
			size_t cap = n->cap ? n->cap * 2 : 8;
			struct nebula_stage *g = realloc(n->stages, cap * sizeof *g);
			if (!g) {
				errbuf_set(&n->err, "nebula_record_stage_metrics: stage %s: cannot grow the stage table: %s",
					   stage, strerror(ENOMEM));
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
			errbuf_set(&n->err, "nebula_record_stage_metrics: stage %s: copying its name: %s", stage,
				   strerror(ENOMEM));
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
		const struct nebula_stage_result *s = r->stages[i];
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
		const struct nebula_bottleneck *b = r->bottlenecks[i];
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

/* Sets the handle's message to "nebula_snapshot: " and the one in e; returns -1. */
static int nebula_snapshot_failed(nebula_t *n, const struct errbuf *e)
{
	return nebula_fail(n, "nebula_snapshot: %s", e->msg[0] ? e->msg : "failed");
}

int nebula_snapshot(nebula_t *n, char *dir, size_t dirlen)
{
	if (!n)
		return -1;
	nebula_succeed(n);
	if (!n->prof)
		return nebula_fail(n, "nebula_snapshot: the profiler was never started (call nebula_start first)");
	struct snapshot_result res;
	struct errbuf e = { { 0 } };
	if (snapshot_begin(n->output_dir, &res, &e))
		return nebula_snapshot_failed(n, &e);
	if (profiler_write_files(n->prof, n->output_dir, res.stamp, &res, &e)) {
		snapshot_discard(&res);
		return nebula_snapshot_failed(n, &e);
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
		return nebula_fail(n, "nebula_snapshot: building metrics_%s.json: %s", res.stamp, strerror(ENOMEM));
	}
	snprintf(name, sizeof name, "metrics_%s.json", res.stamp);
	/* the profiles and the metrics take their names together, or none does */
	int rc = snapshot_stage_file(&res, n->output_dir, name, json, strlen(json), &e);
	free(json);
	if (rc) {
		snapshot_discard(&res);
		return nebula_snapshot_failed(n, &e);
	}
	if (snapshot_commit(&res, &e))
		return nebula_snapshot_failed(n, &e);
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
	free(n->result_ptrs);
	free(n->bottlenecks);
	free(n->bottleneck_ptrs);
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
