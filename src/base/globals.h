/* globals.h: every piece of mutable state that is global to the process or
 * to a thread lives here, and only here, so it can be seen at a glance. */
#ifndef NEB_GLOBALS_H
#define NEB_GLOBALS_H

#include <signal.h>

#include "evprof_state.h"
#include "memprof_state.h"
#include "secrets.h"
#include "thread_registry.h"
#include "trace_state.h"

struct tmetrics;

/* The metrics of the pipeline thread running this code, or NULL on threads
 * that are not pipeline threads (the main thread, the sampler). Channels and
 * pools charge blocked time to it. */
extern _Thread_local struct tmetrics *globals_thread_metrics;

/* The registry of every thread nebtop started (thread_registry.h). */
extern struct thread_registry globals_threads;

/* The calling thread's registry entry, or NULL. Read by signal handlers, so
 * it uses the initial-exec TLS model (no allocation on first access). */
extern _Thread_local struct thread_entry *globals_thread_entry __attribute__((tls_model("initial-exec")));

/* The stage the calling thread works for, as the CPU profiler's handler
 * labels its samples (set by the stage runner; NULL when none). */
extern _Thread_local const char *globals_current_stage __attribute__((tls_model("initial-exec")));

/* The block [0] and mutex [1] profilers' samples (evprof_state.h), and the
 * calling thread's random numbers for their sampling. */
extern struct evprof_state globals_evprof[2];
extern _Thread_local uint64_t globals_evprof_rng;

/* Every nebtop lock (pipeline/lock.h), for the live per-lock figures. */
struct nlock;
extern struct nlock_registry {
	pthread_mutex_t mu;
	struct nlock *head;
} globals_locks;

/* The memory profiler's counters and samples (memprof_state.h), and the
 * calling thread's counter slot and sampling state. */
extern struct memprof_state globals_memprof;
struct memprof_thread {
	struct memprof_slot *slot;
	int64_t countdown; /* bytes until the next sampled allocation */
	uint64_t rng;
	int depth;         /* recursion guard */
};
extern _Thread_local struct memprof_thread globals_memprof_thread __attribute__((tls_model("initial-exec")));

/* The execution tracer's switch (profile/prof_trace.h): every trace_* call
 * reads it first (relaxed), so tracing off costs one load. */
extern struct trace_state globals_trace;

/* The profilers' side of the engine's hooks (pipeline/hooks.h), or NULL
 * before profiler_install_hooks: then every hook is a no-op. */
struct pipeline_hooks;
extern const struct pipeline_hooks *_Atomic globals_hooks;

/* Where the engine hands the steps of sampled batches (pipeline/hooks.h,
 * struct span_sink), or NULL: the OTLP export's traces install it. */
struct span_sink;
extern const struct span_sink *_Atomic globals_spans;

/* The secret values to hide in every text nebtop writes (secrets.h). */
extern struct secrets_state globals_secrets;

#endif
