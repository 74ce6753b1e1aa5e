/* whatif.h: virtual speed-ups, the mechanism (after coz, the causal
 * profiler). To learn what a stage twice as fast would do, nebtop does not
 * make it faster: every time the stage's threads finish work that took t, it
 * owes the rest of the pipeline t * (1 - 1/speedup) / k (k: the stage's
 * threads that share that work), added to one ledger; every other thread pays
 * what it owes by sleeping before its next batch. A thread that waited on a
 * channel while the ledger grew is credited that growth (whoever kept it
 * waiting has paid, or is the stage itself, which never pays), up to
 * (1 - 1/speedup) of the wait: the stage's threads add at most that much per
 * unit of time, and what they add at the end of a long piece of work was
 * mostly owed before the wait began. The clocks
 * that pace (a destination's rate_limit, the generate source's rate) run on
 * virtual time, wall time less the ledger. Records out over (elapsed - what
 * the ledger grew) is then the throughput of the pipeline with that stage
 * sped up. The experiment only ever delays: it changes no record.
 *
 * The experiments themselves (when, which speed-ups, the estimates) are
 * src/analyze/whatif_run.c. */
#ifndef NEB_WHATIF_H
#define NEB_WHATIF_H

#include <stdatomic.h>
#include <stdint.h>

#include "../src/base/clock.h"

/* Delays longer than this are slept in pieces, so that a stop is seen. */
#define WHATIF_SLEEP_SLICE_NS 10000000ull

struct whatif {
	_Atomic uint64_t ledger_ns;  /* delay owed by everyone since the start, never decreasing */
	_Atomic int target;	     /* the stage sped up (its index), -1 = none */
	_Atomic uint32_t factor_ppm; /* (1 - 1/speedup) * 1e6; 0 = no experiment running */
};

/* A thread's account: what of the ledger it has paid or been credited. */
struct whatif_account {
	uint64_t paid_ns;
	_Atomic uint64_t slept_ns; /* what it slept paying, in all (read by the experiments) */
	int stage;		   /* its stage */
	int sharers;		   /* the threads of its stage that do the same work (k) */
};

void whatif_init(struct whatif *w);
/* Starts (speedup > 1) or ends (speedup <= 1) the virtual speed-up of a stage. */
void whatif_set(struct whatif *w, int stage, double speedup);
/* The ledger: wall time a virtual clock leaves out. */
static inline uint64_t whatif_removed_ns(const struct whatif *w)
{
	return atomic_load_explicit((_Atomic uint64_t *)&w->ledger_ns, memory_order_relaxed);
}

/* A wait on a channel, from its start. */
struct whatif_wait {
	uint64_t ledger_ns; /* the ledger then */
	uint64_t t0_ns;	    /* clock_now_ns() then */
};

/* Before a wait on a channel. */
static inline struct whatif_wait whatif_before_wait(const struct whatif *w)
{
	return (struct whatif_wait){ whatif_removed_ns(w), clock_now_ns() };
}
/* After it: what the ledger grew meanwhile is credited, up to
 * (1 - 1/speedup) of the wait's length while an experiment runs. */
void whatif_after_wait(const struct whatif *w, struct whatif_account *a, struct whatif_wait before);
/* After a piece of work of t_ns: the sped-up stage's threads add to the
 * ledger, the others pay what they owe (sleeping; 0 at once when *stop). */
void whatif_after_work(struct whatif *w, struct whatif_account *a, uint64_t t_ns, const _Atomic int *stop);

#endif
