/* tmetrics.h: the metrics one pipeline thread keeps about itself.
 *
 * Each thread owns one cache-line aligned struct tmetrics and is its only
 * writer (relaxed atomic stores, no lock, no locked instruction); the sampler
 * thread reads them all. Time is accounted Flink-style: a thread is always
 * busy, backpressured (blocked sending downstream) or idle (blocked waiting
 * for input), or waiting inside its own stage. A state change is bracketed by a sequence counter so a reader
 * never sees a state with the time of another. */
#ifndef NEB_TMETRICS_H
#define NEB_TMETRICS_H

#include <stdatomic.h>
#include <stdint.h>

#include "histogram.h"

struct channel;
struct thread_entry;

/* INTERNAL is a wait on another thread of the same stage (a CSV parser
 * waiting for the reader, an encoder waiting for the writer): the stage as a
 * whole is neither idle nor backpressured then, so the stage's shares leave
 * that time out. */
enum tstate { TSTATE_BUSY = 0, TSTATE_BACKPRESSURED = 1, TSTATE_IDLE = 2, TSTATE_INTERNAL = 3, TSTATE_EXITED = 4 };
#define TSTATE_TIMED 4 /* states with a time counter */

enum trole { TROLE_READER, TROLE_DECODER, TROLE_WORKER, TROLE_ENCODER, TROLE_WRITER };

struct tmetrics {
	_Alignas(64) _Atomic uint64_t records_in, records_out, bytes_in, bytes_out;
	_Atomic uint64_t errors, filtered, batches;
	_Atomic uint64_t time_ns[TSTATE_TIMED];
	_Atomic uint64_t state_since;
	_Atomic uint32_t version; /* odd while a state change is in progress */
	_Atomic int state;
	_Atomic(const char *) waiting_on; /* channel name while blocked */
	_Atomic(struct channel *) blocked_channel; /* the channel last waited on */
	_Atomic(const char *) lock_wait;  /* lock name while waiting for it */
	_Atomic uint64_t lock_since;
	struct histogram latency;         /* time to process one batch */
	/* the thread's entry in the registry (its CPU clock), set by the
	 * thread when it starts; NULL before */
	_Atomic(struct thread_entry *) thread;
	/* set before the thread starts, constant afterwards */
	char name[32];
	int stage; /* index into the pipeline's stages */
	enum trole role;
};

static inline void tmetrics_add(_Atomic uint64_t *c, uint64_t v)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + v, memory_order_relaxed);
}

static inline uint64_t tmetrics_get(const _Atomic uint64_t *c)
{
	return atomic_load_explicit((_Atomic uint64_t *)c, memory_order_relaxed);
}

/* Starts the clock: the thread is busy from `now`. */
void tmetrics_begin(struct tmetrics *m, uint64_t now);
/* Moves the thread to a new state at `now`; `on` names what it waits for. */
void tmetrics_enter_state(struct tmetrics *m, enum tstate s, const char *on, uint64_t now);
/* Reads busy/backpressured/idle totals as of `now`, including the running state. */
void tmetrics_read_times(const struct tmetrics *m, uint64_t now, uint64_t out[TSTATE_TIMED]);
const char *tstate_name(enum tstate s);

#endif
