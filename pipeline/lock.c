/* lock.c: named, measured mutexes and their registry. */
#include "autoconfig.h"

#include "lock.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../src/base/globals.h"
#include "../src/base/clock.h"
#include "tmetrics.h"
#include "hooks.h"

void nlock_init(struct nlock *l, const char *name)
{
	memset(l, 0, sizeof *l);
	pthread_mutex_init(&l->mu, NULL);
	snprintf(l->name, sizeof l->name, "%s", name);
	snprintf(l->wait_name, sizeof l->wait_name, "lock %s", name);
	pthread_mutex_lock(&globals_locks.mu);
	l->next = globals_locks.head;
	globals_locks.head = l;
	pthread_mutex_unlock(&globals_locks.mu);
}

void nlock_destroy(struct nlock *l)
{
	pthread_mutex_lock(&globals_locks.mu);
	for (struct nlock **pp = &globals_locks.head; *pp; pp = &(*pp)->next)
		if (*pp == l) {
			*pp = l->next;
			break;
		}
	pthread_mutex_unlock(&globals_locks.mu);
	pthread_mutex_destroy(&l->mu);
}

void nlock_lock(struct nlock *l)
{
	atomic_fetch_add_explicit(&l->acquisitions, 1, memory_order_relaxed);
	if (pthread_mutex_trylock(&l->mu) == 0)
		return;
	struct tmetrics *self = globals_thread_metrics;
	uint64_t t0 = clock_now_ns();
	if (self) {
		atomic_store_explicit(&self->lock_since, t0, memory_order_relaxed);
		atomic_store_explicit(&self->lock_wait, l->name, memory_order_release);
	}
	pthread_mutex_lock(&l->mu);
	uint64_t waited = clock_now_ns() - t0;
	if (self)
		atomic_store_explicit(&self->lock_wait, NULL, memory_order_release);
	atomic_fetch_add_explicit(&l->contentions, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&l->wait_ns, waited, memory_order_relaxed);
	struct thread_entry *te = globals_thread_entry;
	uint64_t bit = 1ull << ((te ? (unsigned)te->index : 63u) % 64);
	if (!(atomic_load_explicit(&l->waiter_mask, memory_order_relaxed) & bit))
		atomic_fetch_or_explicit(&l->waiter_mask, bit, memory_order_relaxed);
	hooks_note_wait(HOOKS_WAIT_MUTEX, waited, l->name);
	hooks_trace_complete(l->wait_name, "wait", t0, -1);
}

void nlock_unlock(struct nlock *l) { pthread_mutex_unlock(&l->mu); }

void nlock_wait(struct nlock *l, pthread_cond_t *c) { pthread_cond_wait(c, &l->mu); }

int nlock_timedwait(struct nlock *l, pthread_cond_t *c, const struct timespec *abstime)
{
	return pthread_cond_timedwait(c, &l->mu, abstime);
}

int nlock_lock_within(struct nlock *l, uint64_t timeout_ns)
{
	atomic_fetch_add_explicit(&l->acquisitions, 1, memory_order_relaxed);
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	uint64_t ns = (uint64_t)t.tv_nsec + timeout_ns;
	t.tv_sec += (time_t)(ns / 1000000000u);
	t.tv_nsec = (long)(ns % 1000000000u);
	return pthread_mutex_timedlock(&l->mu, &t);
}

size_t nlock_read_all(struct nlock_stats *out, size_t max)
{
	size_t n = 0;
	pthread_mutex_lock(&globals_locks.mu);
	for (struct nlock *l = globals_locks.head; l && n < max; l = l->next, n++) {
		snprintf(out[n].name, sizeof out[n].name, "%s", l->name);
		out[n].acquisitions = atomic_load_explicit(&l->acquisitions, memory_order_relaxed);
		out[n].contentions = atomic_load_explicit(&l->contentions, memory_order_relaxed);
		out[n].wait_ns = atomic_load_explicit(&l->wait_ns, memory_order_relaxed);
		out[n].waiter_mask = atomic_load_explicit(&l->waiter_mask, memory_order_relaxed);
	}
	pthread_mutex_unlock(&globals_locks.mu);
	return n;
}
