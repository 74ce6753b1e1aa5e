/* profiler.h: the profilers of a run as one handle: which types are on
 * (-types), their settings ([profile]), starting and stopping them, and the
 * files they add to a snapshot. nebtop's main and libnebula both use it. */
#ifndef NEB_PROFILER_H
#define NEB_PROFILER_H

#include <stddef.h>
#include <stdint.h>

#include "../base/errbuf.h"
#include "../base/stack_walk.h"

struct cpuprof;
struct snapshot_result;
struct symbolizer;

/* Profile types, as bits (-types; libnebula's NEBULA_* bits are the same). */
enum {
	PROFILE_CPU = 1 << 0,
	PROFILE_MEMORY = 1 << 1,
	PROFILE_BLOCK = 1 << 2,
	PROFILE_MUTEX = 1 << 3,
	PROFILE_THREADS = 1 << 4, /* -types goroutine (alias threads): threads_STAMP.txt */
	PROFILE_TRACE = 1 << 5,
	PROFILE_ALL = (1 << 6) - 1,
	PROFILE_TYPES = 6, /* bit i is the type named profiler_type_name(i) */
};

/* The name -types takes for the type of bit i, or NULL past the last
 * ("goroutine", alias "threads", is PROFILE_THREADS). Here beside the bits,
 * so that reading a type list needs no profiler linked in. */
static inline const char *profiler_type_name(size_t i)
{
	static const char *const names[PROFILE_TYPES] = { "cpu", "memory", "block", "mutex", "goroutine", "trace" };
	return i < PROFILE_TYPES ? names[i] : NULL;
}

struct profiler_config {
	unsigned types; /* PROFILE_* bits above */
	uint64_t cpu_hz, cpu_window_ns;
	uint64_t mem_rate;
	uint64_t block_rate_ns, mutex_fraction;
	uint64_t trace_window_ns;
	enum stack_walk_kind walk;
};

struct profiler;

/* Installs the profilers' side of the engine's hooks (pipeline/hooks.h);
 * profiler_start does it too. */
void profiler_install_hooks(void);

struct profiler *profiler_start(const struct profiler_config *c, struct errbuf *e);
/* Stops sampling; what was gathered stays for the last snapshot. */
void profiler_stop(struct profiler *p);
void profiler_free(struct profiler *p);

/* Writes the profile files of the enabled types into dir, named with stamp
 * (cpu_STAMP.prof, cpu_STAMP.folded, ...), adding their names to res. */
int profiler_write_files(struct profiler *p, const char *dir, const char *stamp, struct snapshot_result *res,
			 struct errbuf *e);

/* A gzipped pprof profile in memory, as the snapshot's files have it: the
 * CPU profile of the last window_ns (never more than the profiler keeps:
 * its cpu_duration), or the memory profile (in use and allocated). 1 when
 * that profile type is off (nothing in *out), 0 done, -1 with a message. */
int profiler_cpu_pprof(struct profiler *p, uint64_t window_ns, unsigned char **out, size_t *len, struct errbuf *e);
int profiler_memory_pprof(struct profiler *p, unsigned char **out, size_t *len, struct errbuf *e);
/* How much recent CPU time the profiler keeps (its cpu_duration); 0 when
 * the CPU profiler is off. */
uint64_t profiler_cpu_window(const struct profiler *p);

/* The top functions of the CPU profile over its window (flat and cumulative
 * shares in percent); returns how many. */
struct profiler_fn {
	const char *function;
	double flat_pct, cum_pct;
};
size_t profiler_cpu_top(struct profiler *p, const char *stage, struct profiler_fn *out, size_t max);
/* The allocator's share of CPU samples over the window, percent; -1 when the
 * CPU profiler is off. */
double profiler_allocator_pct(struct profiler *p);

/* Reads ahead what the next snapshot's CPU and memory profiles will look
 * up (symbols and source lines of the libraries their samples are in), off
 * the thread that writes the snapshot: the analyzer's thread calls it after
 * each analysis. */
void profiler_prepare_symbols(struct profiler *p);

struct cpuprof *profiler_cpu(struct profiler *p);
struct symbolizer *profiler_symbolizer(struct profiler *p);
const struct profiler_config *profiler_get_config(const struct profiler *p);

#endif
