/* test_channel.c: unit tests of the bounded batch channel
 * (pipeline/channel.c): FIFO order; capacity counted in records (a batch's
 * nkept), a sender blocking while fill + n > capacity unless the channel is
 * empty (an oversize batch enters an empty channel), and at most `slots`
 * batches; receivers blocking while empty; closing when the last producer
 * is done, receivers draining what is left and then getting NULL; the
 * statistics (fill, peak, fill integral, blocked times, counts) and the
 * waiting thread's own metrics; and several producers and consumers passing
 * many batches, every one received exactly once and the capacity never
 * exceeded; a receive with a time bound: the batch when there is one, NULL
 * and timed out when none came, NULL and not timed out once closed. */
#include "autoconfig.h"

#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pipeline/batch.h"
#include "pipeline/channel.h"
#include "pipeline/pool.h"
#include "pipeline/tmetrics.h"
#include "src/base/globals.h"
#include "tests/unit/unit_main.h"
#include "tests/unit/unit_time.h"

/* Deadlock guard for waits on other threads: generous, never a timing test. */
#define TEST_GUARD_NS (60ull * 1000000000ull)

/* A batch holding n kept records; its seq is the tag. */
static struct batch *test_batch(uint32_t n, uint64_t tag)
{
	struct batch *b = batch_new();
	batch_reserve_records(b, 1, n ? n : 1);
	for (uint32_t i = 0; i < n; i++)
		batch_add_record(b);
	b->seq = tag;
	return b;
}

static struct channel_stats test_stats(struct channel *c)
{
	struct channel_stats s;
	memset(&s, 0xab, sizeof s);
	channel_read_stats(c, &s);
	return s;
}

/* Polls until the channel has seen `n` sender waits (sender != 0) or
 * receiver waits (a thread is then blocked in it: the count is raised under
 * the lock just before waiting). */
static void test_wait_for_waits(struct channel *c, uint64_t n, int sender)
{
	uint64_t t0 = clock_now_ns();
	for (;;) {
		struct channel_stats s = test_stats(c);
		if ((sender ? s.send_waits : s.recv_waits) >= n)
			return;
		ck_assert_msg(clock_now_ns() - t0 < TEST_GUARD_NS, "%s",
			      sender ? "no sender blocked" : "no receiver blocked");
		unit_sleep_ms(1);
	}
}

/* ---- one thread sending or receiving, with its own metrics -------------- */

struct test_side {
	struct channel *c;
	struct batch *b; /* to send, or received */
	struct tmetrics *m;
	_Atomic int done;
	pthread_t t;
};

static struct tmetrics *test_metrics_new(void)
{
	struct tmetrics *m = aligned_alloc(64, sizeof *m);
	ck_assert_ptr_nonnull(m);
	memset(m, 0, sizeof *m);
	return m;
}

static void *test_sender_main(void *arg)
{
	struct test_side *s = arg;
	globals_thread_metrics = s->m;
	if (s->m)
		tmetrics_begin(s->m, clock_now_ns());
	channel_send_batch(s->c, s->b);
	atomic_store(&s->done, 1);
	return NULL;
}

static void *test_receiver_main(void *arg)
{
	struct test_side *s = arg;
	globals_thread_metrics = s->m;
	if (s->m)
		tmetrics_begin(s->m, clock_now_ns());
	s->b = channel_recv_batch(s->c);
	atomic_store(&s->done, 1);
	return NULL;
}

static void test_start(struct test_side *s, struct channel *c, struct batch *b, struct tmetrics *m,
		       void *(*fn)(void *))
{
	s->c = c;
	s->b = b;
	s->m = m;
	atomic_init(&s->done, 0);
	ck_assert_int_eq(pthread_create(&s->t, NULL, fn, s), 0);
}

static void test_join(struct test_side *s)
{
	uint64_t t0 = clock_now_ns();
	while (!atomic_load(&s->done)) {
		ck_assert_msg(clock_now_ns() - t0 < TEST_GUARD_NS, "a blocked thread never woke up");
		unit_sleep_ms(1);
	}
	pthread_join(s->t, NULL);
}

/* Starts a thread sending b (with metrics m, or none) and returns once c has
 * seen `nwaits` sender waits. */
static void test_start_sender(struct test_side *s, struct channel *c, struct batch *b, struct tmetrics *m,
			      uint64_t nwaits)
{
	test_start(s, c, b, m, test_sender_main);
	test_wait_for_waits(c, nwaits, 1);
}

/* Starts a thread receiving from c (with metrics m, or none) and returns once
 * c has seen `nwaits` receiver waits. */
static void test_start_receiver(struct test_side *s, struct channel *c, struct tmetrics *m, uint64_t nwaits)
{
	test_start(s, c, NULL, m, test_receiver_main);
	test_wait_for_waits(c, nwaits, 0);
}

/* The thread of s is still blocked 20 ms on. */
static void test_check_still_blocked(struct test_side *s)
{
	unit_sleep_ms(20);
	ck_assert_int_eq(atomic_load(&s->done), 0);
}

/* Starts a thread sending b that c keeps waiting (its `nwaits`-th sender
 * wait), then receives `first`, which lets b in, and joins the sender. */
static void test_send_after(struct channel *c, struct batch *b, uint64_t nwaits, struct batch *first)
{
	struct test_side s;
	test_start_sender(&s, c, b, NULL, nwaits);
	test_check_still_blocked(&s);
	ck_assert_ptr_eq(channel_recv_batch(c), first);
	test_join(&s);
}

/* Receives the n batches of want from c, in that order. */
static void test_recv_each(struct channel *c, struct batch *const *want, size_t n)
{
	for (size_t i = 0; i < n; i++)
		ck_assert_ptr_eq(channel_recv_batch(c), want[i]);
}

/* Frees the n batches of b, then c. */
static void test_free_all(struct channel *c, struct batch *const *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		batch_free(b[i]);
	channel_free(c);
}

/* ---- tests ---------------------------------------------------------------- */

START_TEST(test_fifo_order)
{
	struct channel *c = channel_create("a->b", 1000, 16, 0);
	ck_assert_ptr_nonnull(c);
	ck_assert_str_eq(channel_name(c), "a->b");
	struct batch *b[10];
	for (int i = 0; i < 10; i++) {
		b[i] = test_batch((uint32_t)(i % 3), (uint64_t)i);
		channel_send_batch(c, b[i]);
	}
	struct channel_stats s = test_stats(c);
	ck_assert_uint_eq(s.fill, 0 + 1 + 2 + 0 + 1 + 2 + 0 + 1 + 2 + 0);
	ck_assert_uint_eq(s.sends, 10);
	ck_assert_uint_eq(s.recvs, 0);
	for (int i = 0; i < 10; i++) {
		struct batch *x = channel_recv_batch(c);
		ck_assert_ptr_eq(x, b[i]);
		ck_assert_uint_eq(x->seq, (uint64_t)i);
	}
	s = test_stats(c);
	ck_assert_uint_eq(s.fill, 0);
	ck_assert_uint_eq(s.recvs, 10);
	ck_assert_uint_eq(s.send_waits, 0);
	ck_assert_uint_eq(s.recv_waits, 0);
	/* interleaved, across the ring's wrap-around */
	for (int round = 0; round < 50; round++) {
		struct batch *x = b[round % 10], *y = b[(round + 1) % 10];
		channel_send_batch(c, x);
		channel_send_batch(c, y);
		ck_assert_ptr_eq(channel_recv_batch(c), x);
		ck_assert_ptr_eq(channel_recv_batch(c), y);
	}
	for (int i = 0; i < 10; i++)
		batch_free(b[i]);
	channel_free(c);
}
END_TEST

START_TEST(test_capacity_in_records)
{
	struct channel *c = channel_create("cap", 10, 8, 0);
	struct batch *a = test_batch(6, 1), *b = test_batch(4, 2), *x = test_batch(1, 3);
	channel_send_batch(c, a);
	channel_send_batch(c, b); /* 6 + 4 = 10: exactly full, no wait */
	struct channel_stats s = test_stats(c);
	ck_assert_uint_eq(s.capacity, 10);
	ck_assert_uint_eq(s.fill, 10);
	ck_assert_uint_eq(s.fill_max, 10);
	ck_assert_uint_eq(s.send_waits, 0);
	ck_assert_uint_eq(s.send_blocked_ns, 0);
	/* one more record does not fit: the sender waits, backpressured, on
	 * this channel */
	struct tmetrics *m = test_metrics_new();
	struct test_side snd;
	test_start_sender(&snd, c, x, m, 1);
	ck_assert_int_eq(atomic_load(&m->state), TSTATE_BACKPRESSURED);
	const char *on = atomic_load(&m->waiting_on);
	ck_assert_ptr_nonnull(on);
	ck_assert_str_eq(on, "cap");
	test_check_still_blocked(&snd);
	s = test_stats(c);
	ck_assert_uint_eq(s.fill, 10);
	ck_assert_uint_eq(s.sends, 2);
	/* the blocked time includes a wait still in progress */
	ck_assert_uint_gt(s.send_blocked_ns, 0);
	/* taking 6 records out makes room */
	ck_assert_ptr_eq(channel_recv_batch(c), a);
	test_join(&snd);
	s = test_stats(c);
	ck_assert_uint_eq(s.fill, 4 + 1);
	ck_assert_uint_eq(s.fill_max, 10);
	ck_assert_uint_eq(s.sends, 3);
	ck_assert_uint_eq(s.send_waits, 1);
	ck_assert_uint_gt(s.send_blocked_ns, 0);
	ck_assert_int_eq(atomic_load(&m->state), TSTATE_BUSY);
	ck_assert_uint_gt(tmetrics_get(&m->time_ns[TSTATE_BACKPRESSURED]), 0);
	test_recv_each(c, (struct batch *[]){b, x}, 2);
	free(m);
	test_free_all(c, (struct batch *[]){a, b, x}, 3);
}
END_TEST

START_TEST(test_oversize_batch_enters_empty_channel)
{
	struct channel *c = channel_create("big", 10, 8, 0);
	struct batch *big = test_batch(25, 1), *small = test_batch(1, 2), *big2 = test_batch(30, 3);
	/* into the empty channel at once, however large */
	channel_send_batch(c, big);
	struct channel_stats s = test_stats(c);
	ck_assert_uint_eq(s.fill, 25);
	ck_assert_uint_eq(s.fill_max, 25);
	ck_assert_uint_eq(s.send_waits, 0);
	/* behind it, even one record waits */
	test_send_after(c, small, 1, big);
	ck_assert_uint_eq(test_stats(c).fill, 1);
	/* an oversize batch waits until the channel is empty, not just until
	 * some room is free */
	test_send_after(c, big2, 2, small);
	s = test_stats(c);
	ck_assert_uint_eq(s.fill, 30);
	ck_assert_uint_eq(s.fill_max, 30);
	ck_assert_ptr_eq(channel_recv_batch(c), big2);
	ck_assert_uint_eq(test_stats(c).fill, 0);
	test_free_all(c, (struct batch *[]){big, small, big2}, 3);
}
END_TEST

START_TEST(test_slots_bound_batches)
{
	/* room for many records but only two batches */
	struct channel *c = channel_create("slots", 1000, 2, 0);
	struct batch *a = test_batch(1, 1), *b = test_batch(1, 2), *x = test_batch(1, 3);
	channel_send_batch(c, a);
	channel_send_batch(c, b);
	test_send_after(c, x, 1, a);
	test_recv_each(c, (struct batch *[]){b, x}, 2);
	test_free_all(c, (struct batch *[]){a, b, x}, 3);
}
END_TEST

START_TEST(test_batches_without_kept_records)
{
	/* fully filtered batches take a slot but no capacity */
	struct channel *c = channel_create("empty", 5, 8, 0);
	struct batch *full = test_batch(5, 1), *e1 = test_batch(0, 2), *e2 = test_batch(3, 3);
	for (uint32_t r = 0; r < 3; r++)
		batch_mark_filtered(e2, r);
	ck_assert_uint_eq(e2->nkept, 0);
	channel_send_batch(c, full);
	channel_send_batch(c, e1); /* fill 5 + 0 <= 5 */
	channel_send_batch(c, e2);
	struct channel_stats s = test_stats(c);
	ck_assert_uint_eq(s.fill, 5);
	ck_assert_uint_eq(s.send_waits, 0);
	test_recv_each(c, (struct batch *[]){full, e1, e2}, 3);
	ck_assert_uint_eq(test_stats(c).fill, 0);
	test_free_all(c, (struct batch *[]){full, e1, e2}, 3);
}
END_TEST

START_TEST(test_recv_blocks_while_empty)
{
	struct channel *c = channel_create("in", 100, 4, 0);
	struct tmetrics *m = test_metrics_new();
	struct test_side rcv;
	test_start_receiver(&rcv, c, m, 1);
	ck_assert_int_eq(atomic_load(&m->state), TSTATE_IDLE);
	const char *on = atomic_load(&m->waiting_on);
	ck_assert_ptr_nonnull(on);
	ck_assert_str_eq(on, "in");
	test_check_still_blocked(&rcv);
	ck_assert_uint_gt(test_stats(c).recv_blocked_ns, 0); /* a wait in progress counts */
	struct batch *b = test_batch(3, 9);
	channel_send_batch(c, b);
	test_join(&rcv);
	ck_assert_ptr_eq(rcv.b, b);
	struct channel_stats s = test_stats(c);
	ck_assert_uint_eq(s.recv_waits, 1);
	ck_assert_uint_gt(s.recv_blocked_ns, 0);
	ck_assert_uint_eq(s.send_blocked_ns, 0);
	ck_assert_uint_eq(s.fill, 0);
	ck_assert_uint_eq(s.fill_max, 3);
	/* the wait was the receiver's idle time */
	ck_assert_int_eq(atomic_load(&m->state), TSTATE_BUSY);
	ck_assert_uint_gt(tmetrics_get(&m->time_ns[TSTATE_IDLE]), 0);
	ck_assert_uint_eq(tmetrics_get(&m->time_ns[TSTATE_BACKPRESSURED]), 0);
	batch_free(b);
	free(m);
	channel_free(c);
}
END_TEST

START_TEST(test_internal_waits_are_internal)
{
	/* on a channel inside a stage, a receiver's wait is neither idle nor
	 * backpressured time */
	struct channel *c = channel_create("stage/inside", 100, 4, 1);
	struct tmetrics *m = test_metrics_new();
	struct test_side rcv;
	test_start_receiver(&rcv, c, m, 1);
	ck_assert_int_eq(atomic_load(&m->state), TSTATE_INTERNAL);
	unit_sleep_ms(5);
	struct batch *b = test_batch(1, 1);
	channel_send_batch(c, b);
	test_join(&rcv);
	ck_assert_uint_gt(tmetrics_get(&m->time_ns[TSTATE_INTERNAL]), 0);
	ck_assert_uint_eq(tmetrics_get(&m->time_ns[TSTATE_IDLE]), 0);
	ck_assert_uint_eq(tmetrics_get(&m->time_ns[TSTATE_BACKPRESSURED]), 0);
	batch_free(b);
	free(m);
	channel_free(c);
}
END_TEST

START_TEST(test_close_when_last_producer_done)
{
	struct channel *c = channel_create("close", 100, 8, 0);
	channel_add_producer(c);
	channel_add_producer(c);
	channel_add_consumer(c);
	struct channel_stats s = test_stats(c);
	ck_assert_int_eq(s.producers, 2);
	ck_assert_int_eq(s.consumers, 1);
	struct batch *a = test_batch(2, 1), *b = test_batch(1, 2);
	channel_send_batch(c, a);
	channel_send_batch(c, b);
	channel_done_producer(c); /* one of two: still open */
	test_recv_each(c, (struct batch *[]){a, b}, 2);
	/* empty and open: a receiver waits */
	struct test_side rcv;
	test_start_receiver(&rcv, c, NULL, 1);
	test_check_still_blocked(&rcv);
	channel_done_producer(c); /* the last one: closed, the waiter gets NULL */
	test_join(&rcv);
	ck_assert_ptr_null(rcv.b);
	/* and every later receive too, at once */
	ck_assert_ptr_null(channel_recv_batch(c));
	ck_assert_ptr_null(channel_recv_batch(c));
	/* the counts of threads on each side stay as registered */
	s = test_stats(c);
	ck_assert_int_eq(s.producers, 2);
	ck_assert_int_eq(s.consumers, 1);
	batch_free(a);
	batch_free(b);
	channel_free(c);
}
END_TEST

START_TEST(test_drain_after_close)
{
	/* what was sent before the close is still received, in order */
	struct channel *c = channel_create("drain", 100, 8, 0);
	channel_add_producer(c);
	struct batch *b[3];
	for (int i = 0; i < 3; i++) {
		b[i] = test_batch(4, (uint64_t)i);
		channel_send_batch(c, b[i]);
	}
	channel_done_producer(c);
	for (int i = 0; i < 3; i++)
		ck_assert_ptr_eq(channel_recv_batch(c), b[i]);
	ck_assert_ptr_null(channel_recv_batch(c));
	ck_assert_uint_eq(test_stats(c).fill, 0);
	for (int i = 0; i < 3; i++)
		batch_free(b[i]);
	channel_free(c);
}
END_TEST

START_TEST(test_recv_within)
{
	struct channel *c = channel_create("within", 100, 8, 0);
	channel_add_producer(c);
	int timed_out = -1;
	ck_assert_ptr_null(channel_recv_batch_within(c, 1000000, &timed_out)); /* 1 ms, nothing sent */
	ck_assert_int_eq(timed_out, 1);
	struct batch *b = test_batch(4, 7);
	channel_send_batch(c, b);
	ck_assert_ptr_eq(channel_recv_batch_within(c, 0, &timed_out), b);
	ck_assert_int_eq(timed_out, 0);
	channel_done_producer(c);
	timed_out = -1;
	ck_assert_ptr_null(channel_recv_batch_within(c, TEST_GUARD_NS, &timed_out));
	ck_assert_int_eq(timed_out, 0);
	batch_free(b);
	channel_free(c);
}
END_TEST

START_TEST(test_close_wakes_every_receiver)
{
	struct channel *c = channel_create("wake", 100, 8, 0);
	channel_add_producer(c);
	struct test_side rcv[3];
	for (int i = 0; i < 3; i++) {
		channel_add_consumer(c);
		test_start(&rcv[i], c, NULL, NULL, test_receiver_main);
	}
	test_wait_for_waits(c, 3, 0);
	ck_assert_int_eq(test_stats(c).consumers, 3);
	channel_done_producer(c);
	for (int i = 0; i < 3; i++) {
		test_join(&rcv[i]);
		ck_assert_ptr_null(rcv[i].b);
	}
	channel_free(c);
}
END_TEST

START_TEST(test_fill_integral)
{
	struct channel *c = channel_create("integral", 100, 8, 0);
	struct batch *b = test_batch(5, 1);
	struct channel_stats s0 = test_stats(c);
	ck_assert_uint_eq(s0.fill_integral, 0);
	channel_send_batch(c, b);
	struct channel_stats s1 = test_stats(c);
	/* let the clock move on */
	while (clock_now_ns() < s1.now_ns + 2000000)
		unit_sleep_ms(1);
	struct channel_stats s2 = test_stats(c);
	ck_assert_uint_gt(s2.now_ns, s1.now_ns);
	ck_assert_uint_gt(s2.fill_integral, s1.fill_integral);
	/* record-nanoseconds: 5 records held for the time between the readings */
	ck_assert_uint_eq(s2.fill_integral - s1.fill_integral, 5 * (s2.now_ns - s1.now_ns));
	ck_assert_uint_eq(channel_recv_batch(c) == b, 1);
	struct channel_stats s3 = test_stats(c);
	while (clock_now_ns() < s3.now_ns + 2000000)
		unit_sleep_ms(1);
	struct channel_stats s4 = test_stats(c);
	/* empty: the integral stands still; the peak is remembered */
	ck_assert_uint_eq(s4.fill_integral, s3.fill_integral);
	ck_assert_uint_eq(s4.fill, 0);
	ck_assert_uint_eq(s4.fill_max, 5);
	batch_free(b);
	channel_free(c);
}
END_TEST

/* ---- many producers and consumers ----------------------------------------- */

#define MANY_BATCHES 20000
#define MANY_CAPACITY 50

struct test_many {
	struct channel *c;
	struct pool *pool;
	int nproducers;
	_Atomic int *seen;           /* per batch id: times received */
	_Atomic uint64_t records_in; /* sent and received record counts */
	_Atomic uint64_t records_out;
	_Atomic int errors;
	int check_order; /* one consumer: each producer's batches arrive in order */
};

struct test_many_thread {
	struct test_many *t;
	int id;
	pthread_t tid;
};

static void *test_many_producer(void *arg)
{
	struct test_many_thread *th = arg;
	struct test_many *t = th->t;
	for (int id = th->id; id < MANY_BATCHES; id += t->nproducers) {
		struct batch *b = pool_get_batch(t->pool);
		uint32_t n = (uint32_t)(id % 7); /* 0 to 6 records */
		batch_reserve_records(b, 1, 8);
		for (uint32_t i = 0; i < n; i++)
			batch_add_record(b);
		b->seq = (uint64_t)id;
		atomic_fetch_add(&t->records_in, n);
		channel_send_batch(t->c, b);
	}
	channel_done_producer(t->c);
	return NULL;
}

static void *test_many_consumer(void *arg)
{
	struct test_many_thread *th = arg;
	struct test_many *t = th->t;
	int last[16];
	for (int i = 0; i < 16; i++)
		last[i] = -1;
	struct batch *b;
	while ((b = channel_recv_batch(t->c))) {
		int id = (int)b->seq;
		if (id < 0 || id >= MANY_BATCHES) {
			atomic_fetch_add(&t->errors, 1);
		} else {
			atomic_fetch_add(&t->seen[id], 1);
			if (t->check_order) {
				int p = id % t->nproducers;
				if (id <= last[p])
					atomic_fetch_add(&t->errors, 1);
				last[p] = id;
			}
		}
		atomic_fetch_add(&t->records_out, b->nkept);
		pool_put_batch(t->pool, b);
	}
	return NULL;
}

static void test_many_run(int nproducers, int nconsumers)
{
	struct test_many t;
	memset(&t, 0, sizeof t);
	t.pool = pool_create(64);
	t.c = channel_create("many", MANY_CAPACITY, 64, 0);
	t.nproducers = nproducers;
	t.check_order = nconsumers == 1;
	t.seen = calloc(MANY_BATCHES, sizeof *t.seen);
	ck_assert_ptr_nonnull(t.seen);
	struct test_many_thread prod[16], cons[16];
	for (int i = 0; i < nproducers; i++)
		channel_add_producer(t.c);
	for (int i = 0; i < nconsumers; i++)
		channel_add_consumer(t.c);
	for (int i = 0; i < nconsumers; i++) {
		cons[i] = (struct test_many_thread){ &t, i, 0 };
		ck_assert_int_eq(pthread_create(&cons[i].tid, NULL, test_many_consumer, &cons[i]), 0);
	}
	for (int i = 0; i < nproducers; i++) {
		prod[i] = (struct test_many_thread){ &t, i, 0 };
		ck_assert_int_eq(pthread_create(&prod[i].tid, NULL, test_many_producer, &prod[i]), 0);
	}
	for (int i = 0; i < nproducers; i++)
		pthread_join(prod[i].tid, NULL);
	for (int i = 0; i < nconsumers; i++)
		pthread_join(cons[i].tid, NULL);
	ck_assert_int_eq(atomic_load(&t.errors), 0);
	for (int id = 0; id < MANY_BATCHES; id++)
		unit_require(atomic_load(&t.seen[id]) == 1, "batch %d received %d times", id,
			     atomic_load(&t.seen[id]));
	ck_assert_uint_eq(atomic_load(&t.records_in), atomic_load(&t.records_out));
	struct channel_stats s = test_stats(t.c);
	ck_assert_uint_eq(s.sends, MANY_BATCHES);
	ck_assert_uint_eq(s.recvs, MANY_BATCHES);
	ck_assert_uint_eq(s.fill, 0);
	/* batches of at most 6 records never push the fill past the capacity */
	ck_assert_uint_le(s.fill_max, MANY_CAPACITY);
	ck_assert_uint_gt(s.fill_max, 0);
	ck_assert_int_eq(s.producers, nproducers);
	ck_assert_int_eq(s.consumers, nconsumers);
	/* the closed channel stays closed */
	ck_assert_ptr_null(channel_recv_batch(t.c));
	free(t.seen);
	channel_free(t.c);
	pool_free(t.pool);
}

START_TEST(test_many_producers_one_consumer)
{
	test_many_run(4, 1);
}
END_TEST

START_TEST(test_many_producers_many_consumers)
{
	test_many_run(4, 3);
}
END_TEST

START_TEST(test_one_producer_many_consumers)
{
	test_many_run(1, 4);
}
END_TEST

static Suite *channel_suite(void)
{
	Suite *s = suite_create("channel");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_fifo_order);
	tcase_add_test(tc, test_capacity_in_records);
	tcase_add_test(tc, test_oversize_batch_enters_empty_channel);
	tcase_add_test(tc, test_slots_bound_batches);
	tcase_add_test(tc, test_batches_without_kept_records);
	tcase_add_test(tc, test_recv_blocks_while_empty);
	tcase_add_test(tc, test_internal_waits_are_internal);
	tcase_add_test(tc, test_close_when_last_producer_done);
	tcase_add_test(tc, test_drain_after_close);
	tcase_add_test(tc, test_recv_within);
	tcase_add_test(tc, test_close_wakes_every_receiver);
	tcase_add_test(tc, test_fill_integral);
	suite_add_tcase(s, tc);
	tc = tcase_create("threads");
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_many_producers_one_consumer);
	tcase_add_test(tc, test_many_producers_many_consumers);
	tcase_add_test(tc, test_one_producer_many_consumers);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run_suite(channel_suite());
}
