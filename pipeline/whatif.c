/* whatif.c: the ledger of a virtual speed-up (see whatif.h). */
#include "autoconfig.h"

#include "whatif.h"

#include "../src/base/clock.h"

/* Delays under this wait for the next batch: a sleep costs tens of
 * microseconds of its own. */
#define WHATIF_MIN_SLEEP_NS 50000ull

void whatif_init(struct whatif *w)
{
	atomic_store(&w->ledger_ns, 0);
	atomic_store(&w->target, -1);
	atomic_store(&w->factor_ppm, 0);
}

void whatif_set(struct whatif *w, int stage, double speedup)
{
	if (speedup <= 1.0) {
		atomic_store(&w->factor_ppm, 0);
		atomic_store(&w->target, -1);
		return;
	}
	atomic_store(&w->target, stage);
	atomic_store(&w->factor_ppm, (uint32_t)((1.0 - 1.0 / speedup) * 1e6 + 0.5));
}

void whatif_after_wait(const struct whatif *w, struct whatif_account *a, struct whatif_wait before)
{
	uint64_t grew = whatif_removed_ns(w) - before.ledger_ns;
	uint32_t f = atomic_load_explicit(&w->factor_ppm, memory_order_relaxed);
	if (f && atomic_load_explicit(&w->target, memory_order_relaxed) != a->stage) {
		uint64_t now = clock_now_ns();
		uint64_t cap = (uint64_t)((double)(now > before.t0_ns ? now - before.t0_ns : 0) * f / 1e6);
		if (grew > cap)
			grew = cap;
	}
	a->paid_ns += grew;
}

void whatif_after_work(struct whatif *w, struct whatif_account *a, uint64_t t_ns, const _Atomic int *stop)
{
	uint32_t f = atomic_load_explicit(&w->factor_ppm, memory_order_relaxed);
	if (f && atomic_load_explicit(&w->target, memory_order_relaxed) == a->stage) {
		uint64_t add = (uint64_t)((double)t_ns * f / 1e6 / (a->sharers > 0 ? a->sharers : 1));
		/* the stage's own threads never pay: not what they add, not what
		 * the stage's other threads add */
		a->paid_ns = atomic_fetch_add_explicit(&w->ledger_ns, add, memory_order_relaxed) + add;
		return;
	}
	if (!f) { /* no experiment: what is left of the last one is forgiven */
		a->paid_ns = whatif_removed_ns(w);
		return;
	}
	uint64_t owed = whatif_removed_ns(w) - a->paid_ns;
	if (owed < WHATIF_MIN_SLEEP_NS)
		return;
	a->paid_ns += owed;
	uint64_t end = clock_now_ns() + owed, now;
	while (!atomic_load_explicit(stop, memory_order_relaxed) && (now = clock_now_ns()) < end) {
		uint64_t left = end - now;
		clock_sleep_ns(left > WHATIF_SLEEP_SLICE_NS ? WHATIF_SLEEP_SLICE_NS : left);
	}
	atomic_store_explicit(&a->slept_ns, atomic_load_explicit(&a->slept_ns, memory_order_relaxed) + owed,
			      memory_order_relaxed);
}
