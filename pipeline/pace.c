/* pace.c: the rate pacing shared by sources and destinations (see pace.h). */
#include "autoconfig.h"

#include "pace.h"

static uint64_t pace_due_ns(const struct pace *p, uint64_t count)
{
	return p->start_ns + (uint64_t)((double)count * 1e9 / (double)p->rate);
}

uint64_t pace_take(struct pace *p, uint64_t n, uint64_t now)
{
	if (!p->rate || !n)
		return 0;
	uint64_t removed = p->removed_ns ? atomic_load_explicit(p->removed_ns, memory_order_relaxed) : 0;
	now -= removed;
	if (!p->start_ns)
		p->start_ns = now;
	uint64_t due = pace_due_ns(p, p->count);
	if (now > due + PACE_MAX_BEHIND_NS) {
		/* forget the lost time: the next records are due now */
		p->start_ns += now - due;
		due = now;
	}
	p->count += n;
	if (due <= now)
		return 0;
	if (p->paced_ns)
		atomic_fetch_add_explicit(p->paced_ns, due - now, memory_order_relaxed);
	return due + removed;
}
