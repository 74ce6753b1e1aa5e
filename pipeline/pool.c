/* pool.c: a blocking free list of batches. */
#include "pool.h"

#include <pthread.h>
#include <stdlib.h>

#include "../src/globals.h"
#include "batch.h"
#include "clock.h"
#include "tmetrics.h"

struct pool {
	pthread_mutex_t mu;
	pthread_cond_t available;
	struct batch **free_list;
	size_t nfree, size;
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
	pthread_mutex_init(&p->mu, NULL);
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
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->available);
	free(p);
}

size_t pool_size(const struct pool *p) { return p->size; }

struct batch *pool_get_batch(struct pool *p)
{
	pthread_mutex_lock(&p->mu);
	if (p->nfree == 0) {
		struct tmetrics *self = globals_thread_metrics;
		if (self)
			tmetrics_enter_state(self, TSTATE_BACKPRESSURED, "batch pool", clock_now_ns());
		while (p->nfree == 0)
			pthread_cond_wait(&p->available, &p->mu);
		if (self)
			tmetrics_enter_state(self, TSTATE_BUSY, NULL, clock_now_ns());
	}
	struct batch *b = p->free_list[--p->nfree];
	pthread_mutex_unlock(&p->mu);
	return b;
}

void pool_put_batch(struct pool *p, struct batch *b)
{
	batch_reset(b);
	pthread_mutex_lock(&p->mu);
	p->free_list[p->nfree++] = b;
	pthread_cond_signal(&p->available);
	pthread_mutex_unlock(&p->mu);
}
