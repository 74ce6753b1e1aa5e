/* test_pool.c: unit tests of the batch pool (pipeline/pool.c): its size,
 * taking and giving back batches, a get on an empty pool that blocks (and
 * is charged to the waiting thread as backpressure) until another thread
 * puts a batch back, batches reset when they are put back, and what their
 * buffers hold counted as they move on. */
#include "autoconfig.h"

#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pipeline/batch.h"
#include "pipeline/pool.h"
#include "pipeline/tmetrics.h"
#include "src/base/globals.h"
#include "tests/unit/unit_main.h"
#include "tests/unit/unit_time.h"

/* Deadlock guard for waits on other threads: generous, never a timing test. */
#define TEST_GUARD_NS (60ull * 1000000000ull)

START_TEST(test_size_and_distinct_batches)
{
	struct pool *p = pool_create(5);
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(pool_size(p), 5);
	struct batch *b[5];
	for (int i = 0; i < 5; i++) {
		b[i] = pool_get_batch(p);
		ck_assert_ptr_nonnull(b[i]);
		for (int j = 0; j < i; j++)
			ck_assert_ptr_ne(b[i], b[j]);
	}
	/* the size is the number of batches, whether they are in or out */
	ck_assert_uint_eq(pool_size(p), 5);
	for (int i = 0; i < 5; i++)
		pool_put_batch(p, b[i]);
	ck_assert_uint_eq(pool_size(p), 5);
	/* the same batches come back, each once: the pool never makes new ones */
	struct batch *again[5];
	for (int k = 0; k < 5; k++) {
		again[k] = pool_get_batch(p);
		int known = 0;
		for (int i = 0; i < 5; i++)
			known += again[k] == b[i];
		ck_assert_msg(known == 1, "pool handed out a batch it did not have");
		for (int j = 0; j < k; j++)
			ck_assert_ptr_ne(again[k], again[j]);
	}
	for (int k = 0; k < 5; k++)
		pool_put_batch(p, again[k]);
	pool_free(p);
}
END_TEST

/* What a batch's buffers hold is counted when a stage passes it on
 * (pool_count_batch), not only when it comes back: on its first trip
 * through a slow pipeline a batch is out for seconds, and its buffers must
 * not look like heap outside the pool meanwhile. */
START_TEST(test_held_counted_on_the_way)
{
	struct pool *p = pool_create(2);
	uint64_t h0 = pool_held_bytes(p);
	struct batch *b = pool_get_batch(p);
	buf_reserve(&b->data, 64 * 1024);
	ck_assert_uint_eq(pool_held_bytes(p), h0);
	pool_count_batch(p, b);
	uint64_t h1 = pool_held_bytes(p);
	ck_assert_uint_ge(h1, h0 + 64 * 1024);
	ck_assert_uint_eq(h1, h0 + batch_capacity_bytes(b));
	/* counting again without growth changes nothing */
	pool_count_batch(p, b);
	ck_assert_uint_eq(pool_held_bytes(p), h1);
	/* it grows further on the next stage */
	buf_reserve(&b->out, 32 * 1024);
	pool_count_batch(p, b);
	ck_assert_uint_eq(pool_held_bytes(p), h0 + batch_capacity_bytes(b));
	/* and back in the pool, trimmed or not, the count is what it holds */
	pool_put_batch(p, b);
	ck_assert_uint_eq(pool_held_bytes(p), h0 + batch_capacity_bytes(b));
	pool_free(p);
}
END_TEST

START_TEST(test_put_resets_batch)
{
	struct pool *p = pool_create(1);
	struct batch *b = pool_get_batch(p);
	batch_reserve_records(b, 2, 10);
	for (int i = 0; i < 10; i++) {
		uint32_t r = batch_add_record(b);
		batch_set_field(b, r, 0, "value", 5);
		batch_set_null(b, r, 1);
	}
	batch_mark_filtered(b, 1);
	batch_mark_error(b, 2, 1, "reason", 6);
	buf_append(&b->raw, "raw", 3);
	buf_append(&b->out, "out", 3);
	b->seq = 42;
	b->first_record = 100;
	b->first_line = 101;
	b->bytes_in = 500;
	b->work_ns = 5;
	char *data = b->data.p;
	pool_put_batch(p, b);
	/* the pool has one batch: the same comes back, empty, buffers kept */
	struct batch *c = pool_get_batch(p);
	ck_assert_ptr_eq(c, b);
	ck_assert_uint_eq(c->nrec, 0);
	ck_assert_uint_eq(c->nkept, 0);
	ck_assert_uint_eq(c->nerrors, 0);
	ck_assert_uint_eq(c->seq, 0);
	ck_assert_uint_eq(c->first_record, 0);
	ck_assert_uint_eq(c->first_line, 0);
	ck_assert_uint_eq(c->bytes_in, 0);
	ck_assert_uint_eq(c->work_ns, 0);
	ck_assert_uint_eq(c->data.len, 0);
	ck_assert_uint_eq(c->raw.len, 0);
	ck_assert_uint_eq(c->out.len, 0);
	ck_assert_uint_eq(c->errtext.len, 0);
	ck_assert_ptr_eq(c->data.p, data);
	pool_put_batch(p, c);
	pool_free(p);
}
END_TEST

struct test_getter {
	struct pool *pool;
	struct tmetrics *metrics; /* the thread's own, as a pipeline thread has */
	struct batch *got;
	_Atomic int done;
};

static void *test_getter_main(void *arg)
{
	struct test_getter *g = arg;
	globals_thread_metrics = g->metrics;
	if (g->metrics)
		tmetrics_begin(g->metrics, clock_now_ns());
	g->got = pool_get_batch(g->pool);
	atomic_store(&g->done, 1);
	return NULL;
}

START_TEST(test_get_blocks_until_put)
{
	struct pool *p = pool_create(1);
	struct batch *b = pool_get_batch(p);
	struct tmetrics *m = aligned_alloc(64, sizeof *m);
	ck_assert_ptr_nonnull(m);
	memset(m, 0, sizeof *m);
	struct test_getter g = { p, m, NULL, 0 };
	pthread_t t;
	ck_assert_int_eq(pthread_create(&t, NULL, test_getter_main, &g), 0);
	/* the thread waits: it says so in its metrics (backpressured, on the
	 * batch pool) */
	uint64_t t0 = clock_now_ns();
	while (atomic_load(&m->state) != TSTATE_BACKPRESSURED) {
		ck_assert_msg(clock_now_ns() - t0 < TEST_GUARD_NS, "the getter never blocked");
		unit_sleep_ms(1);
	}
	const char *on = atomic_load(&m->waiting_on);
	ck_assert_ptr_nonnull(on);
	ck_assert_str_eq(on, "batch pool");
	/* nothing is free, so it cannot have returned, however long we look */
	unit_sleep_ms(20);
	ck_assert_int_eq(atomic_load(&g.done), 0);
	pool_put_batch(p, b);
	t0 = clock_now_ns();
	while (!atomic_load(&g.done)) {
		ck_assert_msg(clock_now_ns() - t0 < TEST_GUARD_NS, "the getter never woke up");
		unit_sleep_ms(1);
	}
	pthread_join(t, NULL);
	ck_assert_ptr_eq(g.got, b);
	/* it is busy again, and the wait was charged as backpressure */
	ck_assert_int_eq(atomic_load(&m->state), TSTATE_BUSY);
	ck_assert_uint_gt(tmetrics_get(&m->time_ns[TSTATE_BACKPRESSURED]), 0);
	pool_put_batch(p, g.got);
	pool_free(p);
	free(m);
}
END_TEST

START_TEST(test_get_without_metrics_blocks_too)
{
	/* a thread that is not a pipeline thread (no metrics) waits the same */
	struct pool *p = pool_create(2);
	struct batch *a = pool_get_batch(p), *b = pool_get_batch(p);
	struct test_getter g = { p, NULL, NULL, 0 };
	pthread_t t;
	ck_assert_int_eq(pthread_create(&t, NULL, test_getter_main, &g), 0);
	unit_sleep_ms(20);
	ck_assert_int_eq(atomic_load(&g.done), 0);
	pool_put_batch(p, b);
	pthread_join(t, NULL);
	ck_assert_ptr_eq(g.got, b);
	pool_put_batch(p, a);
	pool_put_batch(p, g.got);
	pool_free(p);
}
END_TEST

/* Many threads taking and giving back batches of a small pool: every batch
 * is held by one thread at a time. */
struct test_churn {
	struct pool *pool;
	_Atomic int *owner; /* per batch slot: 0 free, else thread id */
	struct batch **all;
	size_t n;
	int id, rounds;
	_Atomic int *errors;
};

static void *test_churn_main(void *arg)
{
	struct test_churn *c = arg;
	for (int k = 0; k < c->rounds; k++) {
		struct batch *b = pool_get_batch(c->pool);
		size_t i = 0;
		while (i < c->n && c->all[i] != b)
			i++;
		if (i == c->n) {
			atomic_fetch_add(c->errors, 1);
			continue;
		}
		int expected = 0;
		if (!atomic_compare_exchange_strong(&c->owner[i], &expected, c->id))
			atomic_fetch_add(c->errors, 1);
		if (b->nrec != 0)
			atomic_fetch_add(c->errors, 1);
		batch_reserve_records(b, 1, 4);
		batch_add_record(b);
		atomic_store(&c->owner[i], 0);
		pool_put_batch(c->pool, b);
	}
	return NULL;
}

START_TEST(test_threads_share_pool)
{
	enum { NB = 3, NT = 4 };
	struct pool *p = pool_create(NB);
	struct batch *all[NB];
	for (int i = 0; i < NB; i++)
		all[i] = pool_get_batch(p);
	for (int i = 0; i < NB; i++)
		pool_put_batch(p, all[i]);
	_Atomic int owner[NB], errors = 0;
	for (int i = 0; i < NB; i++)
		atomic_init(&owner[i], 0);
	struct test_churn c[NT];
	pthread_t t[NT];
	for (int i = 0; i < NT; i++) {
		c[i] = (struct test_churn){ p, owner, all, NB, i + 1, 20000, &errors };
		ck_assert_int_eq(pthread_create(&t[i], NULL, test_churn_main, &c[i]), 0);
	}
	for (int i = 0; i < NT; i++)
		pthread_join(t[i], NULL);
	ck_assert_int_eq(atomic_load(&errors), 0);
	/* all of them are back */
	for (int i = 0; i < NB; i++)
		all[i] = pool_get_batch(p);
	for (int i = 0; i < NB; i++)
		pool_put_batch(p, all[i]);
	pool_free(p);
}
END_TEST

static Suite *pool_suite(void)
{
	Suite *s = suite_create("pool");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_size_and_distinct_batches);
	tcase_add_test(tc, test_put_resets_batch);
	tcase_add_test(tc, test_held_counted_on_the_way);
	tcase_add_test(tc, test_get_blocks_until_put);
	tcase_add_test(tc, test_get_without_metrics_blocks_too);
	tcase_add_test(tc, test_threads_share_pool);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run_suite(pool_suite());
}
