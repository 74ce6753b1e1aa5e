/* pool.c: a blocking free list of batches. */
#include "autoconfig.h"

#include "pool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "../src/base/globals.h"
#include "batch.h"
#include "../src/base/clock.h"
#include "lock.h"
#include "tmetrics.h"
#include "hooks.h"

struct pool {
	struct nlock mu;
	pthread_cond_t available;
	struct batch **free_list;
	size_t nfree, size;
	_Atomic uint64_t held; /* pool_held_bytes */
};

struct pool *pool_create(size_t nbatches)
{
	struct pool *p = calloc(1, sizeof *p);
	if (!p)
		return NULL;
	p->free_list = calloc(nbatches ? nbatches : 1, sizeof *p->free_list);
	if (!p->free_list) {
		free(p);
		return NULL;
	}
	for (size_t i = 0; i < nbatches; i++)
		p->free_list[p->nfree++] = batch_new();
	p->size = nbatches;
	nlock_init(&p->mu, "batch pool");
	pthread_cond_init(&p->available, NULL);
	return p;
}

void pool_free(struct pool *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->nfree; i++)
		batch_free(p->free_list[i]);
	free(p->free_list);
	nlock_destroy(&p->mu);
	pthread_cond_destroy(&p->available);
	free(p);
}

size_t pool_size(const struct pool *p) { return p->size; }

uint64_t pool_held_bytes(const struct pool *p)
{
	return atomic_load_explicit(&((struct pool *)p)->held, memory_order_relaxed);
}

struct batch *pool_get_batch(struct pool *p)
{
	nlock_lock(&p->mu);
	if (p->nfree == 0) {
		struct tmetrics *self = globals_thread_metrics;
		uint64_t t0 = clock_now_ns();
		if (self)
			tmetrics_enter_state(self, TSTATE_BACKPRESSURED, "batch pool", t0);
		while (p->nfree == 0)
			nlock_wait(&p->mu, &p->available);
		uint64_t t1 = clock_now_ns();
		if (self)
			tmetrics_enter_state(self, TSTATE_BUSY, NULL, t1);
		hooks_note_wait(HOOKS_WAIT_BLOCK, t1 - t0, "batch pool");
	}
	struct batch *b = p->free_list[--p->nfree];
	nlock_unlock(&p->mu);
	return b;
}

void pool_count_batch(struct pool *p, struct batch *b)
{
	size_t held = batch_capacity_bytes(b);
	if (held == b->held_bytes)
		return;
	atomic_fetch_add_explicit(&p->held, (uint64_t)held - (uint64_t)b->held_bytes, memory_order_relaxed);
	b->held_bytes = held;
}

void pool_put_batch(struct pool *p, struct batch *b)
{
	batch_reset(b);
	/* its trim is counted here */
	pool_count_batch(p, b);
	nlock_lock(&p->mu);
	p->free_list[p->nfree++] = b;
	pthread_cond_signal(&p->available);
	nlock_unlock(&p->mu);
}
