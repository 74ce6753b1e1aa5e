/* globals.c: definitions of the global and thread-local state declared in globals.h. */
#include "autoconfig.h"

#include "globals.h"

_Thread_local struct tmetrics *globals_thread_metrics;

struct thread_registry globals_threads = { .mu = PTHREAD_MUTEX_INITIALIZER };

_Thread_local struct thread_entry *globals_thread_entry __attribute__((tls_model("initial-exec")));

_Thread_local const char *globals_current_stage __attribute__((tls_model("initial-exec")));

struct memprof_state globals_memprof = { .mu = PTHREAD_MUTEX_INITIALIZER };

_Thread_local struct memprof_thread globals_memprof_thread __attribute__((tls_model("initial-exec")));

struct evprof_state globals_evprof[2] = { { .mu = PTHREAD_MUTEX_INITIALIZER }, { .mu = PTHREAD_MUTEX_INITIALIZER } };
_Thread_local uint64_t globals_evprof_rng;

struct nlock_registry globals_locks = { .mu = PTHREAD_MUTEX_INITIALIZER, .head = NULL };

struct trace_state globals_trace;

const struct pipeline_hooks *_Atomic globals_hooks;

const struct span_sink *_Atomic globals_spans;

struct secrets_state globals_secrets = { .lock = PTHREAD_RWLOCK_INITIALIZER };
