/* test_threads.c: the threads profile: the dump names every registered
 * thread with its state and stack, and a thread blocked sending to a channel
 * whose receivers have all ended is reported as a certain leak (and only
 * then); one thread reads another's CPU time and run-queue wait. */
#include "autoconfig.h"

#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pipeline/batch.h"
#include "pipeline/channel.h"
#include "src/base/clock.h"
#include "pipeline/tmetrics.h"
#include "src/base/globals.h"
#include "src/profile/prof_threads.h"
#include "src/symbols/symbolize.h"
#include "src/base/thread_registry.h"
#include "tests/unit/unit_main.h"

struct sender {
	struct channel *c;
	struct batch *a, *b;
	struct tmetrics *m;
	_Atomic int sent_first, done;
};

static void *threads_sender_main(void *arg)
{
	struct sender *s = arg;
	globals_thread_metrics = s->m;
	thread_registry_enter("test/sender", "worker", "test", s->m);
	tmetrics_begin(s->m, clock_now_ns());
	channel_send_batch(s->c, s->a);
	atomic_store(&s->sent_first, 1);
	channel_send_batch(s->c, s->b); /* blocks: the channel is full */
	thread_registry_leave();
	atomic_store(&s->done, 1);
	return NULL;
}

static struct batch *threads_batch(uint32_t records)
{
	struct batch *b = batch_new();
	batch_reserve_records(b, 1, records);
	for (uint32_t i = 0; i < records; i++)
		batch_add_record(b);
	return b;
}

/* Waits (up to 5 s) until the sender is blocked on the channel. */
static void threads_wait_blocked(struct sender *s)
{
	for (int i = 0; i < 5000; i++) {
		struct channel_stats st;
		channel_read_stats(s->c, &st);
		if (atomic_load(&s->sent_first) && st.send_waits > 0)
			return;
		clock_sleep_ns(1000000);
	}
	ck_abort_msg("the sender never blocked");
}

START_TEST(blocked_sender_of_an_abandoned_channel_is_a_leak)
{
	thread_registry_enter("test/main", "main", NULL, NULL);
	struct channel *c = channel_create("a->b", 1, 4, 0);
	channel_add_producer(c);
	channel_add_consumer(c);
	struct tmetrics *m = aligned_alloc(64, sizeof *m);
	memset(m, 0, sizeof *m);
	struct sender s = { c, threads_batch(1), threads_batch(1), m, 0, 0 };
	pthread_t t;
	ck_assert_int_eq(pthread_create(&t, NULL, threads_sender_main, &s), 0);
	threads_wait_blocked(&s);

	/* a full channel with a receiver still there: backpressure, not a leak */
	struct thread_leak leaks[4];
	ck_assert_uint_eq(threads_find_leaks(leaks, 4), 0);

	/* the receiver ends: the sender can never go on */
	channel_done_consumer(c);
	ck_assert_uint_eq(threads_find_leaks(leaks, 4), 1);
	ck_assert_str_eq(leaks[0].thread, "test/sender");
	ck_assert_str_eq(leaks[0].channel, "a->b");

	struct symbolizer *sym = symbolize_new();
	char *text;
	size_t len;
	ck_assert_int_eq(threads_write_dump(sym, clock_now_ns(), &text, &len), 0);
	ck_assert_uint_eq(strlen(text), len);
	ck_assert_msg(strstr(text, "Leaks (certain):"), "no leak section:\n%s", text);
	ck_assert_msg(strstr(text, "thread test/sender is blocked sending to channel a->b"), "leak not named:\n%s",
		      text);
	ck_assert_msg(strstr(text, "Thread test/sender (tid "), "sender not listed:\n%s", text);
	ck_assert_msg(strstr(text, "backpressured on a->b"), "sender's state not shown:\n%s", text);
	ck_assert_msg(strstr(text, "channel_send_batch"), "sender's stack not shown:\n%s", text);
	ck_assert_msg(strstr(text, "Thread test/main"), "the dumping thread not listed:\n%s", text);
	free(text);
	symbolize_free(sym);

	/* unblock and end the sender */
	struct batch *got = channel_recv_batch(c);
	ck_assert_ptr_eq(got, s.a);
	pthread_join(t, NULL);
	ck_assert(atomic_load(&s.done));
	batch_free(s.a);
	batch_free(s.b);
	channel_free(c);
	free(m);
	thread_registry_leave();
}
END_TEST

START_TEST(os_thread_count_sees_every_thread)
{
	int before = thread_registry_count_os_threads();
	ck_assert_int_ge(before, 1);
	thread_registry_enter("test/counter", "main", NULL, NULL);
	ck_assert_int_eq(thread_registry_count_os_threads(), before);
	ck_assert_ptr_nonnull(thread_registry_self());
	ck_assert_str_eq(thread_registry_self()->name, "test/counter");
	ck_assert_uint_gt(thread_registry_cpu_ns(thread_registry_self()), 0);
	thread_registry_leave();
	ck_assert_ptr_null(thread_registry_self());
}
END_TEST

/* The kernel's schedstat line: run time, run-queue wait, time slices. */
START_TEST(schedstat_text_parses)
{
	uint64_t run = 1, wait = 1;
	ck_assert_int_eq(thread_registry_parse_schedstat("5000000123 42000 17\n", &run, &wait), 0);
	ck_assert_uint_eq(run, 5000000123ull);
	ck_assert_uint_eq(wait, 42000);
	ck_assert_int_eq(thread_registry_parse_schedstat("", &run, &wait), -1);
	ck_assert_int_eq(thread_registry_parse_schedstat("12 34\n", &run, &wait), -1);
	ck_assert_int_eq(thread_registry_parse_schedstat("no schedstat\n", &run, &wait), -1);
}
END_TEST

struct burner {
	struct thread_entry *entry;
	_Atomic int burnt, may_end;
};

/* Burns 50 ms of its own CPU time, then waits to be told to end. */
static void *threads_burner_main(void *arg)
{
	struct burner *b = arg;
	b->entry = thread_registry_enter("test/burner", "worker", "burn", NULL);
	while (clock_thread_cpu_ns() < 50000000ull)
		;
	atomic_store(&b->burnt, 1);
	while (!atomic_load(&b->may_end))
		clock_sleep_ns(1000000);
	thread_registry_leave();
	return NULL;
}

/* Another thread reads a thread's CPU time and run-queue wait while it
 * lives and after it ended; the second is never less than the first. */
START_TEST(cpu_and_wait_of_another_thread)
{
	struct burner b = { 0 };
	pthread_t th;
	ck_assert_int_eq(pthread_create(&th, NULL, threads_burner_main, &b), 0);
	while (!atomic_load(&b.burnt))
		clock_sleep_ns(1000000);
	uint64_t wait1, wait2;
	int known1, known2;
	uint64_t cpu1 = thread_registry_sched_ns(b.entry, &wait1, &known1);
	ck_assert_uint_ge(cpu1, 50000000ull);
	ck_assert_int_ge(b.entry->sched_fd, 0); /* kept open while the thread lives */
	atomic_store(&b.may_end, 1);
	pthread_join(th, NULL);
	uint64_t cpu2 = thread_registry_sched_ns(b.entry, &wait2, &known2);
	ck_assert_uint_ge(cpu2, cpu1);
	ck_assert_uint_lt(cpu2, cpu1 + 1000000000ull);
	ck_assert_int_eq(b.entry->sched_fd, -1); /* closed when it left */
	/* a kernel that keeps schedstat keeps it for every thread */
	if (access("/proc/self/schedstat", R_OK) == 0) {
		ck_assert_int_eq(known1, 1);
		ck_assert_int_eq(known2, 1);
		ck_assert_uint_ge(wait2, wait1);
	}
}
END_TEST

static Suite *threads_suite(void)
{
	Suite *s = suite_create("threads");
	TCase *tc = tcase_create("dump");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, blocked_sender_of_an_abandoned_channel_is_a_leak);
	tcase_add_test(tc, os_thread_count_sees_every_thread);
	tcase_add_test(tc, schedstat_text_parses);
	tcase_add_test(tc, cpu_and_wait_of_another_thread);
	suite_add_tcase(s, tc);
	return s;
}

int main(void) { return unit_run_suite(threads_suite()); }
