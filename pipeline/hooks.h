/* hooks.h: where the engine tells a profiler what happened, without knowing
 * one: trace events (a stage's batch, a wait, counters), waits on a channel,
 * the batch pool or a lock (the block and mutex profiles), and the
 * allocation counters of the process figures. The profilers (src/profile)
 * fill in one struct pipeline_hooks and install it (profiler_install_hooks);
 * until then, and in programs without profilers, every hook is a no-op.
 *
 * The calls are always inlined: the block and mutex profiles take the
 * waiter's stack from inside the hook, so no frame of the engine's own may
 * come between.
 *
 * Cost: a call is one load of the installed pointer and a test; the hook
 * itself then does what the profiler's direct call did before (tracing off:
 * one relaxed load). The pointer lives with the rest of the process's state
 * in globals.h (globals_hooks). */
#ifndef NEB_HOOKS_H
#define NEB_HOOKS_H

#include <stdatomic.h>
#include <stdint.h>

#include "../src/base/globals.h"

/* What a thread waited on: a channel or the batch pool (block), a lock (mutex). */
enum hooks_wait { HOOKS_WAIT_BLOCK = 0, HOOKS_WAIT_MUTEX = 1 };

/* The process's allocation counters since start (calls, usable bytes). */
struct hooks_allocs {
	uint64_t allocs, frees, bytes_alloc, bytes_freed;
};

/* Every hooks_* call is inlined into its caller (see above). */
#define HOOKS_INLINE static inline __attribute__((always_inline))

struct pipeline_hooks {
	/* A complete event on the calling thread from t0_ns to now (records < 0: none). */
	void (*trace_complete)(const char *name, const char *cat, uint64_t t0_ns, int64_t records);
	/* A counter sample now; only called while trace_is_on says so. */
	void (*trace_counter)(const char *name, const char *series, double value);
	int (*trace_is_on)(void);
	/* The calling thread waited wait_ns on `on` (a channel, pool or lock name). */
	void (*note_wait)(enum hooks_wait kind, uint64_t wait_ns, const char *on);
	void (*read_allocs)(struct hooks_allocs *out);
};

HOOKS_INLINE const struct pipeline_hooks *hooks_get(void)
{
	return atomic_load_explicit(&globals_hooks, memory_order_acquire);
}

HOOKS_INLINE void hooks_trace_complete(const char *name, const char *cat, uint64_t t0_ns, int64_t records)
{
	const struct pipeline_hooks *h = hooks_get();
	if (h)
		h->trace_complete(name, cat, t0_ns, records);
}

HOOKS_INLINE int hooks_trace_is_on(void)
{
	const struct pipeline_hooks *h = hooks_get();
	return h && h->trace_is_on();
}

HOOKS_INLINE void hooks_trace_counter(const char *name, const char *series, double value)
{
	const struct pipeline_hooks *h = hooks_get();
	if (h)
		h->trace_counter(name, series, value);
}

HOOKS_INLINE void hooks_note_wait(enum hooks_wait kind, uint64_t wait_ns, const char *on)
{
	const struct pipeline_hooks *h = hooks_get();
	if (h)
		h->note_wait(kind, wait_ns, on);
}

HOOKS_INLINE void hooks_read_allocs(struct hooks_allocs *out)
{
	const struct pipeline_hooks *h = hooks_get();
	*out = (struct hooks_allocs){ 0 };
	if (h)
		h->read_allocs(out);
}

/* One step of a batch through the pipeline (the source's read, its
 * parsers', each stage's work, the destination's encoders' and its write),
 * for a batch the span sink samples: the steps of one batch share its seq
 * and each names the step before it (parent, -1 for the first), so that a
 * trace viewer shows them as one trace. Times are CLOCK_MONOTONIC. */
struct span_step {
	const char *stage, *part; /* "source", "read"; "enrich", NULL */
	int step, parent;
	uint64_t seq;
	uint64_t t0_ns, t1_ns; /* the step's work */
	uint64_t wait_ns;      /* the batch's wait in the channel before it */
	int64_t records;
	uint64_t bytes;
};

/* What takes the steps (the OTLP export): every `every`-th batch by seq. */
struct span_sink {
	uint64_t every;
	void (*step)(const struct span_sink *s, const struct span_step *st);
};

HOOKS_INLINE const struct span_sink *hooks_spans(uint64_t seq)
{
	const struct span_sink *s = atomic_load_explicit(&globals_spans, memory_order_acquire);
	return s && seq % s->every == 0 ? s : NULL;
}

#endif
