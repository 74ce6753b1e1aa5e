/* lock.h: nebtop's own mutex. Every lock in the pipeline is one: it has a
 * name, counts its contended acquisitions (a trylock that failed) and the
 * time waited for it, reports that wait to the mutex profiler, and shows in
 * the thread registry as what a waiting thread is blocked on. */
#ifndef NEB_LOCK_H
#define NEB_LOCK_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

struct nlock {
	pthread_mutex_t mu;
	char name[96];
	char wait_name[104]; /* "lock NAME", the tracer's event name */
	_Atomic uint64_t acquisitions, contentions, wait_ns;
	_Atomic uint64_t waiter_mask; /* threads that waited: bit (registry index % 64) */
	struct nlock *next; /* in globals_locks */
};

struct nlock_stats {
	char name[96];
	uint64_t acquisitions, contentions, wait_ns;
	uint64_t waiter_mask;
};

void nlock_init(struct nlock *l, const char *name);
void nlock_destroy(struct nlock *l);
void nlock_lock(struct nlock *l);
void nlock_unlock(struct nlock *l);
/* Waits on c with l held, as pthread_cond_wait does. */
void nlock_wait(struct nlock *l, pthread_cond_t *c);
int nlock_timedwait(struct nlock *l, pthread_cond_t *c, const struct timespec *abstime);
/* Takes l if it is free within timeout_ns: 0 when taken, else an errno. */
int nlock_lock_within(struct nlock *l, uint64_t timeout_ns);

/* Copies the figures of every live lock; returns how many (up to max). */
size_t nlock_read_all(struct nlock_stats *out, size_t max);

#endif
