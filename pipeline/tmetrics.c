/* tmetrics.c: state changes and consistent reads of a thread's time accounting. */
#include "autoconfig.h"

#include "tmetrics.h"

void tmetrics_begin(struct tmetrics *m, uint64_t now)
{
	atomic_store_explicit(&m->state_since, now, memory_order_relaxed);
	atomic_store_explicit(&m->state, TSTATE_BUSY, memory_order_release);
}

void tmetrics_enter_state(struct tmetrics *m, enum tstate s, const char *on, uint64_t now)
{
	uint32_t v = atomic_load_explicit(&m->version, memory_order_relaxed);
	atomic_store_explicit(&m->version, v + 1, memory_order_relaxed);
	atomic_thread_fence(memory_order_release);
	int old = atomic_load_explicit(&m->state, memory_order_relaxed);
	uint64_t since = atomic_load_explicit(&m->state_since, memory_order_relaxed);
	if (old < TSTATE_TIMED && now > since)
		tmetrics_add(&m->time_ns[old], now - since);
	atomic_store_explicit(&m->state_since, now, memory_order_relaxed);
	atomic_store_explicit(&m->state, (int)s, memory_order_relaxed);
	atomic_store_explicit(&m->waiting_on, on, memory_order_relaxed);
	atomic_store_explicit(&m->version, v + 2, memory_order_release);
}

void tmetrics_read_times(const struct tmetrics *cm, uint64_t now, uint64_t out[TSTATE_TIMED])
{
	struct tmetrics *m = (struct tmetrics *)cm;
	for (int tries = 0;; tries++) {
		uint32_t v1 = atomic_load_explicit(&m->version, memory_order_acquire);
		for (int i = 0; i < TSTATE_TIMED; i++)
			out[i] = atomic_load_explicit(&m->time_ns[i], memory_order_relaxed);
		int s = atomic_load_explicit(&m->state, memory_order_relaxed);
		uint64_t since = atomic_load_explicit(&m->state_since, memory_order_relaxed);
		atomic_thread_fence(memory_order_acquire);
		uint32_t v2 = atomic_load_explicit(&m->version, memory_order_relaxed);
		if ((v1 == v2 && !(v1 & 1)) || tries > 1000) {
			if (s < TSTATE_TIMED && now > since)
				out[s] += now - since;
			return;
		}
	}
}

const char *tstate_name(enum tstate s)
{
	switch (s) {
	case TSTATE_BUSY: return "busy";
	case TSTATE_BACKPRESSURED: return "backpressured";
	case TSTATE_IDLE: return "idle";
	case TSTATE_INTERNAL: return "waiting within its stage";
	case TSTATE_EXITED: return "exited";
	}
	return "?";
}
