/* profiler.c: starting, stopping and writing the enabled profilers. */
#include "autoconfig.h"

#include "profiler.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/buf.h"
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
	unsigned on; /* the PROFILE_* bits that run: memory only where the malloc hooks are */
};

/* How each profile type starts and stops: start returns 0 (on), 1 (not in
 * this process: memory without the malloc hooks) or -1 with a message. */
static int profiler_start_cpu(struct profiler *p, struct errbuf *e)
{
	struct cpuprof_config cc = { p->cfg.cpu_hz, p->cfg.cpu_window_ns, p->cfg.walk };
	p->cpu = cpuprof_start(&cc, p->sym, e);
	return p->cpu ? 0 : -1;
}

static void profiler_stop_cpu(struct profiler *p)
{
	if (p->cpu)
		cpuprof_stop(p->cpu);
}

static int profiler_start_memory(struct profiler *p, struct errbuf *e)
{
	(void)e;
	if (!memprof_hooks_active())
		return 1;
	memprof_start_sampling(p->cfg.mem_rate);
	return 0;
}

static void profiler_stop_memory(struct profiler *p)
{
	(void)p;
	memprof_stop_sampling();
}

static int profiler_start_block(struct profiler *p, struct errbuf *e)
{
	(void)e;
	evprof_start(EVPROF_BLOCK, p->cfg.block_rate_ns);
	return 0;
}

static void profiler_stop_block(struct profiler *p)
{
	(void)p;
	evprof_stop(EVPROF_BLOCK);
}

static int profiler_start_mutex(struct profiler *p, struct errbuf *e)
{
	(void)e;
	evprof_start(EVPROF_MUTEX, p->cfg.mutex_fraction);
	return 0;
}

static void profiler_stop_mutex(struct profiler *p)
{
	(void)p;
	evprof_stop(EVPROF_MUTEX);
}

static int profiler_start_trace(struct profiler *p, struct errbuf *e)
{
	(void)p;
	(void)e;
	trace_start();
	return 0;
}

static void profiler_stop_trace(struct profiler *p)
{
	(void)p;
	trace_stop();
}

/* The profile types (profiler.h names them), in the order of their bits:
 * how each starts and stops (NULL: nothing runs between snapshots; the
 * threads dump is taken when a snapshot is written). The files each writes
 * are in profiler_files below. */
static const struct profiler_type {
	unsigned type; /* PROFILE_* */
	int (*start)(struct profiler *p, struct errbuf *e);
	void (*stop)(struct profiler *p);
} profiler_types[PROFILE_TYPES] = {
	{ PROFILE_CPU, profiler_start_cpu, profiler_stop_cpu },
	{ PROFILE_MEMORY, profiler_start_memory, profiler_stop_memory },
	{ PROFILE_BLOCK, profiler_start_block, profiler_stop_block },
	{ PROFILE_MUTEX, profiler_start_mutex, profiler_stop_mutex },
	{ PROFILE_THREADS, NULL, NULL },
	{ PROFILE_TRACE, profiler_start_trace, profiler_stop_trace },
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
	for (size_t i = 0; i < PROFILE_TYPES; i++) {
		const struct profiler_type *t = &profiler_types[i];
		if (!(c->types & t->type))
			continue;
		int rc = t->start ? t->start(p, e) : 0;
		if (rc < 0) {
			profiler_free(p);
			return NULL;
		}
		if (rc == 0)
			p->on |= t->type;
	}
	return p;
}

void profiler_stop(struct profiler *p)
{
	for (size_t i = 0; p && i < PROFILE_TYPES; i++)
		if ((p->on & profiler_types[i].type) && profiler_types[i].stop)
			profiler_types[i].stop(p);
}

void profiler_free(struct profiler *p)
{
	if (!p)
		return;
	if (p->cpu) {
		cpuprof_stop(p->cpu);
		cpuprof_free(p->cpu);
	}
	if (p->on & PROFILE_MEMORY)
		memprof_stop_sampling();
	symbolize_free(p->sym);
	free(p);
}

/* --- a snapshot's files ------------------------------------------------------- */

/* What the writers of one snapshot share. */
struct profiler_snap {
	struct profiler *p;
	const char *stamp;
	struct buf folded; /* cpu_STAMP.folded, made once: flame_STAMP.svg draws the same */
};

/* A file's contents into out (malloc'd, freed by the caller); 0 or -1. */
typedef int (*profiler_write_fn)(struct profiler_snap *s, struct buf *out, struct errbuf *e);

/* A buffer that takes over n malloc'd bytes. */
static void profiler_take_bytes(struct buf *out, void *data, size_t n)
{
	out->p = data;
	out->len = out->cap = n;
}

static int profiler_write_cpu_pprof(struct profiler_snap *s, struct buf *out, struct errbuf *e)
{
	cpuprof_collect(s->p->cpu);
	unsigned char *gz;
	size_t n;
	if (cpuprof_write_pprof(s->p->cpu, s->p->cfg.cpu_window_ns, &gz, &n, e))
		return -1;
	profiler_take_bytes(out, gz, n);
	return 0;
}

/* The folded stacks of this snapshot, made on first use. */
static const struct buf *profiler_snap_folded(struct profiler_snap *s)
{
	if (!s->folded.p) {
		char *text;
		size_t n;
		cpuprof_write_folded(s->p->cpu, s->p->cfg.cpu_window_ns, &text, &n);
		profiler_take_bytes(&s->folded, text, n);
	}
	return &s->folded;
}

static int profiler_write_cpu_folded(struct profiler_snap *s, struct buf *out, struct errbuf *e)
{
	(void)e;
	const struct buf *f = profiler_snap_folded(s);
	buf_append(out, f->p, f->len);
	return 0;
}

/* The subtitle of the flame graph of f. */
static void profiler_format_flame_subtitle(const struct profiler *p, const char *stamp, const struct folded *f,
					   char *out, size_t size)
{
	char window[32], samples[32];
	uint64_t w = p->cfg.cpu_window_ns;
	units_format_duration(window, sizeof window, w);
	units_format_count(samples, sizeof samples, f->total);
	snprintf(out, size, "snapshot %s: %s sample%s of thread CPU time at %llu Hz%s%s%s", stamp, samples,
		 f->total == 1 ? "" : "s", (unsigned long long)p->cfg.cpu_hz, w ? " (the run's last " : "",
		 w ? window : "", w ? " at most)" : "");
}

/* flame_STAMP.svg: the folded stacks of the same snapshot, drawn. */
static int profiler_draw_flame(struct profiler_snap *s, struct buf *out, struct errbuf *e)
{
	const struct buf *text = profiler_snap_folded(s);
	struct folded f;
	if (folded_parse(&f, text->p, text->len, e)) {
		errbuf_prefix(e, "cannot draw the flame graph");
		return -1;
	}
	char subtitle[256];
	profiler_format_flame_subtitle(s->p, s->stamp, &f, subtitle, sizeof subtitle);
	struct flame_svg_text t = { "nebtop CPU flame graph", subtitle };
	int rc = flame_svg_profile(&f, &t, out);
	folded_free(&f);
	if (rc)
		errbuf_set(e, "cannot draw flame_%s.svg: out of memory", s->stamp);
	return rc;
}

static int profiler_write_memory(struct profiler_snap *s, struct buf *out, struct errbuf *e)
{
	unsigned char *gz;
	size_t n;
	if (memprof_write_pprof(s->p->sym, &gz, &n, e))
		return -1;
	profiler_take_bytes(out, gz, n);
	return 0;
}

static int profiler_write_trace(struct profiler_snap *s, struct buf *out, struct errbuf *e)
{
	trace_instant("snapshot", "marker");
	char *json;
	size_t n;
	if (trace_write_json(s->p->cfg.trace_window_ns, &json, &n))
		return errbuf_set(e, "cannot write the trace");
	profiler_take_bytes(out, json, n);
	return 0;
}

static int profiler_write_threads(struct profiler_snap *s, struct buf *out, struct errbuf *e)
{
	(void)e;
	char *text;
	size_t n;
	threads_write_dump(s->p->sym, s->p->start_ns, &text, &n);
	profiler_take_bytes(out, text, n);
	return 0;
}

static int profiler_write_events(struct profiler_snap *s, enum evprof_kind kind, struct buf *out, struct errbuf *e)
{
	unsigned char *gz;
	size_t n;
	if (evprof_write_pprof(kind, s->p->sym, &gz, &n, e))
		return -1;
	profiler_take_bytes(out, gz, n);
	return 0;
}

static int profiler_write_block(struct profiler_snap *s, struct buf *out, struct errbuf *e)
{
	return profiler_write_events(s, EVPROF_BLOCK, out, e);
}

static int profiler_write_mutex(struct profiler_snap *s, struct buf *out, struct errbuf *e)
{
	return profiler_write_events(s, EVPROF_MUTEX, out, e);
}

/* Every file a snapshot can have, in the order they are written: PREFIX_STAMP.EXT
 * when the profiler of type runs. */
static const struct profiler_file {
	unsigned type; /* PROFILE_* */
	const char *prefix, *ext;
	profiler_write_fn write;
} profiler_files[] = {
	{ PROFILE_CPU, "cpu", "prof", profiler_write_cpu_pprof },
	{ PROFILE_CPU, "cpu", "folded", profiler_write_cpu_folded },
	{ PROFILE_CPU, "flame", "svg", profiler_draw_flame },
	{ PROFILE_MEMORY, "memory", "prof", profiler_write_memory },
	{ PROFILE_TRACE, "trace", "json", profiler_write_trace },
	{ PROFILE_THREADS, "threads", "txt", profiler_write_threads },
	{ PROFILE_BLOCK, "block", "prof", profiler_write_block },
	{ PROFILE_MUTEX, "mutex", "prof", profiler_write_mutex },
};

static int profiler_write_file(struct profiler_snap *s, const struct profiler_file *f, const char *dir,
			       struct snapshot_result *res, struct errbuf *e)
{
	struct buf out = { NULL, 0, 0 };
	int rc = f->write(s, &out, e);
	if (!rc) {
		char name[96];
		snprintf(name, sizeof name, "%s_%s.%s", f->prefix, s->stamp, f->ext);
		rc = snapshot_stage_file(res, dir, name, out.p, out.len, e);
	}
	buf_free(&out);
	return rc;
}

int profiler_write_files(struct profiler *p, const char *dir, const char *stamp, struct snapshot_result *res,
			 struct errbuf *e)
{
	if (!p)
		return 0;
	struct profiler_snap s = { p, stamp, { NULL, 0, 0 } };
	int rc = 0;
	for (size_t i = 0; !rc && i < sizeof profiler_files / sizeof *profiler_files; i++)
		if (p->on & profiler_files[i].type)
			rc = profiler_write_file(&s, &profiler_files[i], dir, res, e);
	buf_free(&s.folded);
	return rc ? -1 : 0;
}

int profiler_cpu_pprof(struct profiler *p, uint64_t window_ns, unsigned char **out, size_t *len, struct errbuf *e)
{
	if (!p || !p->cpu)
		return 1;
	if (!window_ns || window_ns > p->cfg.cpu_window_ns)
		window_ns = p->cfg.cpu_window_ns;
	cpuprof_collect(p->cpu);
	return cpuprof_write_pprof(p->cpu, window_ns, out, len, e);
}

int profiler_memory_pprof(struct profiler *p, unsigned char **out, size_t *len, struct errbuf *e)
{
	if (!p || !(p->on & PROFILE_MEMORY))
		return 1;
	return memprof_write_pprof(p->sym, out, len, e);
}

uint64_t profiler_cpu_window(const struct profiler *p) { return p && p->cpu ? p->cfg.cpu_window_ns : 0; }

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

void profiler_prepare_symbols(struct profiler *p)
{
	if (!p || !p->sym)
		return;
	if (p->cpu)
		cpuprof_prepare_symbols(p->cpu, p->cfg.cpu_window_ns);
	if (p->on & PROFILE_MEMORY)
		memprof_prepare_symbols(p->sym);
}

struct cpuprof *profiler_cpu(struct profiler *p) { return p ? p->cpu : NULL; }
struct symbolizer *profiler_symbolizer(struct profiler *p) { return p ? p->sym : NULL; }
const struct profiler_config *profiler_get_config(const struct profiler *p) { return &p->cfg; }
