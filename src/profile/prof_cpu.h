/* prof_cpu.h: the CPU profiler.
 *
 * Every registered thread gets its own CPU-time timer (timer_create on the
 * thread's CPU clock, SIGEV_THREAD_ID, SIGPROF) at cpu_hz. The handler
 * captures the stack (stack_walk.h) and the stage the thread works for, and
 * puts them in the thread's lock-free ring; a collector thread drains the
 * rings every 100 ms into one-second buckets of (stack, thread, stage) ->
 * samples, kept for the profile window. A sample weighs 1 + the timer's
 * overruns, so that rates above what the kernel delivers still count right.
 * Views: top functions (flat and cumulative) over a window, overall or for
 * one stage; a pprof profile (gzip); folded stacks for flame graphs. */
#ifndef NEB_PROF_CPU_H
#define NEB_PROF_CPU_H

#include <stddef.h>
#include <stdint.h>

#include "../base/errbuf.h"
#include "../base/stack_walk.h"

struct cpuprof;
struct symbolizer;

struct cpuprof_config {
	uint64_t hz;        /* samples per second of CPU time, per thread */
	uint64_t window_ns; /* how much recent time is kept (cpu_duration) */
	enum stack_walk_kind walk;
};

struct cpuprof_fn {
	const char *name; /* owned by the symbolizer */
	uint64_t flat, cum; /* samples (weighted) */
	int no_symbol;      /* the name was made for code without a symbol ("libz.so.1+0x2a40") */
};

/* Starts profiling every registered thread, and every thread that enters the
 * registry later. One CPU profiler at a time. */
struct cpuprof *cpuprof_start(const struct cpuprof_config *cfg, struct symbolizer *sym, struct errbuf *e);
/* Stops the timers and the collector, after a last drain. */
void cpuprof_stop(struct cpuprof *p);
void cpuprof_free(struct cpuprof *p);
/* Drains the threads' rings now (the collector does it every 100 ms). */
void cpuprof_collect(struct cpuprof *p);

/* Functions by flat samples over the last window_ns (0 = all kept), for
 * stage (NULL = all); fills up to max, returns how many; *total gets the
 * samples in the window. */
size_t cpuprof_top(struct cpuprof *p, uint64_t window_ns, const char *stage, struct cpuprof_fn *out, size_t max,
		   uint64_t *total);
/* The share of samples in the window whose leaf function is in the
 * allocator (malloc, free, realloc, calloc, ... and glibc's internals). */
double cpuprof_allocator_share(struct cpuprof *p, uint64_t window_ns);
/* 1 when f names one of glibc's allocator functions (or the memory profiler's hooks). */
int cpuprof_is_allocator(const char *f);

/* Reads ahead what the lookups of the last window_ns's stacks will need
 * (symbolize_prepare): the pprof writer does it first; another thread may
 * do it before, so that the writer finds it done. */
void cpuprof_prepare_symbols(struct cpuprof *p, uint64_t window_ns);
/* A gzipped pprof profile of the last window_ns (0 = all kept): sample
 * types samples/count and cpu/nanoseconds, labels thread and stage. */
int cpuprof_write_pprof(struct cpuprof *p, uint64_t window_ns, unsigned char **out, size_t *len, struct errbuf *e);
/* Folded stacks "stage;root;...;leaf count" lines. */
int cpuprof_write_folded(struct cpuprof *p, uint64_t window_ns, char **out, size_t *len);

uint64_t cpuprof_count_samples(struct cpuprof *p);
uint64_t cpuprof_count_dropped(struct cpuprof *p);

/* The stage the calling thread works for, as profiles label it (the string
 * must stay valid while the profiler runs). */
void cpuprof_set_stage(const char *stage);

#endif
