/* profiler.c: starting, stopping and writing the enabled profilers. */
#include "autoconfig.h"

#include "profiler.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/clock.h"
#include "../flame/flame_svg.h"
#include "../flame/folded.h"
#include "memprof.h"
#include "prof_cpu.h"
#include "prof_events.h"
#include "prof_threads.h"
#include "prof_trace.h"
#include "snapshot_files.h"
#include "../symbols/symbolize.h"
#include "../base/units.h"

struct profiler {
	struct profiler_config cfg;
	uint64_t start_ns;
	struct symbolizer *sym;
	struct cpuprof *cpu;
	int mem; /* sampling allocations */
};

struct profiler *profiler_start(const struct profiler_config *c, struct errbuf *e)
{
	struct profiler *p = calloc(1, sizeof *p);
	if (!p) {
		errbuf_set(e, "out of memory");
		return NULL;
	}
	p->cfg = *c;
	profiler_install_hooks();
	p->start_ns = clock_now_ns();
	p->sym = symbolize_new();
	if (c->types & PROFILE_CPU) {
		struct cpuprof_config cc = { c->cpu_hz, c->cpu_window_ns, c->walk };
		p->cpu = cpuprof_start(&cc, p->sym, e);
		if (!p->cpu) {
			profiler_free(p);
			return NULL;
		}
	}
	if (c->types & PROFILE_TRACE)
		trace_start();
	if (c->types & PROFILE_BLOCK)
		evprof_start(EVPROF_BLOCK, c->block_rate_ns);
	if (c->types & PROFILE_MUTEX)
		evprof_start(EVPROF_MUTEX, c->mutex_fraction);
	if ((c->types & PROFILE_MEMORY) && memprof_hooks_active()) {
		memprof_start_sampling(c->mem_rate);
		p->mem = 1;
	}
	return p;
}

void profiler_stop(struct profiler *p)
{
	if (p && p->cpu)
		cpuprof_stop(p->cpu);
	if (p && p->mem)
		memprof_stop_sampling();
	if (p && (p->cfg.types & PROFILE_TRACE))
		trace_stop();
	if (p && (p->cfg.types & PROFILE_BLOCK))
		evprof_stop(EVPROF_BLOCK);
	if (p && (p->cfg.types & PROFILE_MUTEX))
		evprof_stop(EVPROF_MUTEX);
}

void profiler_free(struct profiler *p)
{
	if (!p)
		return;
	if (p->cpu) {
		cpuprof_stop(p->cpu);
		cpuprof_free(p->cpu);
	}
	if (p->mem)
		memprof_stop_sampling();
	symbolize_free(p->sym);
	free(p);
}

static int profiler_add_file(const char *dir, const char *name, const void *data, size_t n,
			     struct snapshot_result *res, struct errbuf *e)
{
	return snapshot_stage_file(res, dir, name, data, n, e);
}

/* flame_STAMP.svg: the folded stacks of the same snapshot (text, n bytes), drawn. */
static int profiler_add_flame(const struct profiler *p, const char *dir, const char *stamp, const char *text,
			      size_t n, struct snapshot_result *res, struct errbuf *e)
{
	struct folded f;
	if (folded_parse(&f, text, n, e)) {
		errbuf_prefix(e, "cannot draw the flame graph");
		return -1;
	}
	char window[32], samples[32], subtitle[256], name[96];
	units_format_duration(window, sizeof window, p->cfg.cpu_window_ns);
	units_format_count(samples, sizeof samples, f.total);
	snprintf(subtitle, sizeof subtitle, "snapshot %s: %s sample%s of thread CPU time at %llu Hz%s%s%s", stamp,
		 samples, f.total == 1 ? "" : "s", (unsigned long long)p->cfg.cpu_hz,
		 p->cfg.cpu_window_ns ? " (the run's last " : "", p->cfg.cpu_window_ns ? window : "", p->cfg.cpu_window_ns ? " at most)" : "");
	struct flame_svg_text t = { "nebtop CPU flame graph", subtitle };
	struct buf svg = { NULL, 0, 0 };
	int rc = flame_svg_profile(&f, &t, &svg);
	folded_free(&f);
	snprintf(name, sizeof name, "flame_%s.svg", stamp);
	if (rc)
		errbuf_set(e, "cannot draw %s: out of memory", name);
	else
		rc = profiler_add_file(dir, name, svg.p, svg.len, res, e);
	buf_free(&svg);
	return rc;
}

int profiler_write_files(struct profiler *p, const char *dir, const char *stamp, struct snapshot_result *res,
			 struct errbuf *e)
{
	if (!p)
		return 0;
	char name[96];
	if (p->cpu) {
		cpuprof_collect(p->cpu);
		unsigned char *gz;
		size_t n;
		if (cpuprof_write_pprof(p->cpu, p->cfg.cpu_window_ns, &gz, &n, e))
			return -1;
		snprintf(name, sizeof name, "cpu_%s.prof", stamp);
		int rc = profiler_add_file(dir, name, gz, n, res, e);
		free(gz);
		if (rc)
			return -1;
		char *folded;
		cpuprof_write_folded(p->cpu, p->cfg.cpu_window_ns, &folded, &n);
		snprintf(name, sizeof name, "cpu_%s.folded", stamp);
		rc = profiler_add_file(dir, name, folded, n, res, e);
		if (!rc)
			rc = profiler_add_flame(p, dir, stamp, folded, n, res, e);
		free(folded);
		if (rc)
			return -1;
	}
	if (p->mem) {
		unsigned char *gz;
		size_t n;
		if (memprof_write_pprof(p->sym, &gz, &n, e))
			return -1;
		snprintf(name, sizeof name, "memory_%s.prof", stamp);
		int rc = profiler_add_file(dir, name, gz, n, res, e);
		free(gz);
		if (rc)
			return -1;
	}
	if (p->cfg.types & PROFILE_TRACE) {
		trace_instant("snapshot", "marker");
		char *json;
		size_t n;
		if (trace_write_json(p->cfg.trace_window_ns, &json, &n))
			return errbuf_set(e, "cannot write the trace");
		snprintf(name, sizeof name, "trace_%s.json", stamp);
		int rc = profiler_add_file(dir, name, json, n, res, e);
		free(json);
		if (rc)
			return -1;
	}
	if (p->cfg.types & PROFILE_THREADS) {
		char *text;
		size_t n;
		threads_write_dump(p->sym, p->start_ns, &text, &n);
		snprintf(name, sizeof name, "threads_%s.txt", stamp);
		int rc = profiler_add_file(dir, name, text, n, res, e);
		free(text);
		if (rc)
			return -1;
	}
	static const struct {
		unsigned type;
		enum evprof_kind kind;
		const char *prefix;
	} events[] = { { PROFILE_BLOCK, EVPROF_BLOCK, "block" }, { PROFILE_MUTEX, EVPROF_MUTEX, "mutex" } };
	for (size_t i = 0; i < 2; i++) {
		if (!(p->cfg.types & events[i].type))
			continue;
		unsigned char *gz;
		size_t n;
		if (evprof_write_pprof(events[i].kind, p->sym, &gz, &n, e))
			return -1;
		snprintf(name, sizeof name, "%s_%s.prof", events[i].prefix, stamp);
		int rc = profiler_add_file(dir, name, gz, n, res, e);
		free(gz);
		if (rc)
			return -1;
	}
	return 0;
}

size_t profiler_cpu_top(struct profiler *p, const char *stage, struct profiler_fn *out, size_t max)
{
	if (!p || !p->cpu || !max)
		return 0;
	struct cpuprof_fn *fns = calloc(max, sizeof *fns);
	if (!fns)
		return 0;
	uint64_t total = 0;
	cpuprof_collect(p->cpu);
	size_t n = cpuprof_top(p->cpu, p->cfg.cpu_window_ns, stage, fns, max, &total);
	for (size_t i = 0; i < n; i++)
		out[i] = (struct profiler_fn){ fns[i].name, total ? 100.0 * (double)fns[i].flat / (double)total : 0,
					       total ? 100.0 * (double)fns[i].cum / (double)total : 0 };
	free(fns);
	return n;
}

double profiler_allocator_pct(struct profiler *p)
{
	if (!p || !p->cpu)
		return -1;
	return 100.0 * cpuprof_allocator_share(p->cpu, p->cfg.cpu_window_ns);
}

struct cpuprof *profiler_cpu(struct profiler *p) { return p ? p->cpu : NULL; }
struct symbolizer *profiler_symbolizer(struct profiler *p) { return p ? p->sym : NULL; }
const struct profiler_config *profiler_get_config(const struct profiler *p) { return &p->cfg; }
