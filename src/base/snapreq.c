/* snapreq.c: snapshots asked for from another thread, written by the
 * snapshot-writing thread, and their answers. */
#include "autoconfig.h"

#include "snapreq.h"

#include "clock.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

void snapreq_init(struct snapreq *r)
{
	memset(r, 0, sizeof *r);
	pthread_mutex_init(&r->lock, NULL);
	clock_cond_init(&r->served_cond);
}

void snapreq_destroy(struct snapreq *r)
{
	pthread_cond_destroy(&r->served_cond);
	pthread_mutex_destroy(&r->lock);
}

uint64_t snapreq_ask(struct snapreq *r)
{
	pthread_mutex_lock(&r->lock);
	uint64_t n = 0;
	if (!r->closed) {
		n = ++r->asked;
		atomic_fetch_add(&r->pending, 1); /* with asked, under the lock: snapreq_done counts on both */
	}
	pthread_mutex_unlock(&r->lock);
	return n;
}

int snapreq_take(struct snapreq *r)
{
	int p = atomic_load(&r->pending);
	while (p > 0)
		if (atomic_compare_exchange_weak(&r->pending, &p, p - 1))
			return 1;
	return 0;
}

void snapreq_set_result(struct snapreq *r, int ok, const char *text)
{
	pthread_mutex_lock(&r->lock);
	r->ok = ok;
	snprintf(r->text, sizeof r->text, "%s", text);
	pthread_mutex_unlock(&r->lock);
}

void snapreq_done(struct snapreq *r)
{
	pthread_mutex_lock(&r->lock);
	/* every request asked before this one was taken is answered by it */
	r->served = r->asked - (uint64_t)atomic_load(&r->pending);
	/* the answer is kept apart, so that a later snapshot (a key, a signal)
	 * does not change what a slow asker reads */
	struct snapreq_answer *a = &r->answers[r->nanswers++ % SNAPREQ_KEEP];
	a->upto = r->served;
	a->ok = r->ok;
	memcpy(a->text, r->text, sizeof a->text);
	pthread_cond_broadcast(&r->served_cond);
	pthread_mutex_unlock(&r->lock);
}

void snapreq_close(struct snapreq *r)
{
	pthread_mutex_lock(&r->lock);
	r->closed = 1;
	pthread_cond_broadcast(&r->served_cond);
	pthread_mutex_unlock(&r->lock);
}

int snapreq_wait(struct snapreq *r, uint64_t n, uint64_t timeout_ns, int *ok, char *text, size_t ntext)
{
	struct timespec until = clock_timespec_at(clock_now_ns() + timeout_ns);
	pthread_mutex_lock(&r->lock);
	while (r->served < n && !r->closed)
		if (pthread_cond_timedwait(&r->served_cond, &r->lock, &until))
			break;
	int served = r->served >= n;
	if (served) {
		/* the first answer kept that covers request n; the oldest kept
		 * when it has gone (more than SNAPREQ_KEEP snapshots since) */
		const struct snapreq_answer *best = NULL;
		for (unsigned k = 0; k < SNAPREQ_KEEP && k < r->nanswers; k++) {
			const struct snapreq_answer *a = &r->answers[(r->nanswers - 1 - k) % SNAPREQ_KEEP];
			if (a->upto >= n)
				best = a;
		}
		if (!best)
			best = &r->answers[(r->nanswers - 1) % SNAPREQ_KEEP];
		*ok = best->ok;
		snprintf(text, ntext, "%s", best->text);
	}
	pthread_mutex_unlock(&r->lock);
	return served;
}
