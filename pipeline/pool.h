/* pool.h: the fixed set of batches a pipeline runs with.
 *
 * Every batch comes from the pool and goes back to it, so the number of
 * batches in flight, and with it the pipeline's memory, is bounded. The source
 * waits (backpressured) when all batches are downstream. */
#ifndef NEB_POOL_H
#define NEB_POOL_H

#include <stddef.h>
#include <stdint.h>

struct batch;
struct pool;

struct pool *pool_create(size_t nbatches);
void pool_free(struct pool *p);
size_t pool_size(const struct pool *p);
/* The bytes its batches' buffers hold, as counted each time a stage passed
 * one on (pool_count_batch) or it came back: it grows while batches first
 * fill to the working size and then stops, so that growth is the pool's,
 * bounded, and no leak. Counted as the batch moves on, not only when it
 * comes back, so that a batch's first trip through a slow pipeline (seconds
 * long) does not show as heap outside the pool. */
uint64_t pool_held_bytes(const struct pool *p);
/* Counts what b's buffers hold now (its owner calls it before passing b on). */
void pool_count_batch(struct pool *p, struct batch *b);
/* Takes a reset batch, waiting while none is free. */
struct batch *pool_get_batch(struct pool *p);
/* Resets b and gives it back. */
void pool_put_batch(struct pool *p, struct batch *b);

#endif
