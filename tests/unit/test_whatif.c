/* test_whatif.c: the ledger of a virtual speed-up (pipeline/whatif.c) and the
 * paced clock in virtual time (pipeline/pace.c). The sped-up stage's threads
 * add t * (1 - 1/s) / k per piece of work of t and never pay, neither what
 * they add nor what the stage's other threads add; every other thread owes
 * the ledger's growth and pays it by sleeping (at least what it owed; the
 * slept counter is exact); debts under the minimum are carried, not
 * forgiven; a wait on a channel is credited what the ledger grew meanwhile,
 * up to (1 - 1/s) of its length;
 * with no experiment running what is owed is forgiven; whatif_set with a
 * speed-up of 1 or less ends the experiment; a stop ends a long sleep early
 * and settles the debt; a pace holds its rate in virtual time (wall time less
 * the ledger), on made-up times. No assertion is on how long a sleep took
 * beyond "at least": a loaded machine only makes sleeps longer. */
#include "autoconfig.h"

#include <check.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#include "pipeline/pace.h"
#include "pipeline/whatif.h"
#include "tests/unit/unit_main.h"
#include "tests/unit/unit_time.h"

#define US 1000ull
#define MS 1000000ull
#define SEC 1000000000ull

/* The stages of the made-up pipeline: the stage sped up, another. */
#define TARGET 1
#define OTHER 2

static _Atomic int no_stop;

static void test_account_init(struct whatif_account *a, int stage, int sharers)
{
	memset(a, 0, sizeof *a);
	atomic_init(&a->slept_ns, 0);
	a->stage = stage;
	a->sharers = sharers;
}

static uint64_t test_slept(const struct whatif_account *a) { return atomic_load((_Atomic uint64_t *)&a->slept_ns); }

/* whatif_after_work, and how long it took (wall time). */
static uint64_t test_work(struct whatif *w, struct whatif_account *a, uint64_t t_ns, const _Atomic int *stop)
{
	uint64_t t0 = clock_now_ns();
	whatif_after_work(w, a, t_ns, stop);
	return clock_now_ns() - t0;
}

/* What the target adds for t at speed-up s shared by k: t * (1 - 1/s) / k,
 * to within the rounding of the factor to parts per million. */
static void test_assert_added(uint64_t got, uint64_t t, double s, int k)
{
	double want = (double)t * (1 - 1 / s) / k, tol = (double)t * 1e-6 + 1;
	ck_assert_msg(got + tol >= want && got <= want + tol,
		      "ledger grew %llu ns for t = %llu at %gx / %d, expected %.0f", (unsigned long long)got,
		      (unsigned long long)t, s, k, want);
}

/* The target's thread adds t * (1 - 1/s) / k for each piece of work, at
 * every speed-up and share, and never sleeps. */
START_TEST(target_adds_its_share)
{
	const double speedups[] = { 1.25, 1.5, 2.0, 4.0 };
	const int sharers[] = { 1, 2, 3, 4 };
	for (size_t i = 0; i < sizeof speedups / sizeof *speedups; i++)
		for (size_t j = 0; j < sizeof sharers / sizeof *sharers; j++) {
			struct whatif w;
			struct whatif_account a;
			whatif_init(&w);
			test_account_init(&a, TARGET, sharers[j]);
			whatif_set(&w, TARGET, speedups[i]);
			test_work(&w, &a, 12 * MS, &no_stop);
			test_assert_added(whatif_removed_ns(&w), 12 * MS, speedups[i], sharers[j]);
			uint64_t before = whatif_removed_ns(&w);
			test_work(&w, &a, 7 * MS, &no_stop);
			test_assert_added(whatif_removed_ns(&w) - before, 7 * MS, speedups[i], sharers[j]);
			ck_assert_uint_eq(test_slept(&a), 0);
			ck_assert_uint_eq(a.paid_ns, whatif_removed_ns(&w));
		}
	/* exactly, where the factor is exact: 2x, 10 ms of work, 1 and 4 threads */
	struct whatif w;
	struct whatif_account a, b;
	whatif_init(&w);
	test_account_init(&a, TARGET, 1);
	test_account_init(&b, TARGET, 4);
	whatif_set(&w, TARGET, 2.0);
	whatif_after_work(&w, &a, 10 * MS, &no_stop);
	ck_assert_uint_eq(whatif_removed_ns(&w), 5 * MS);
	whatif_after_work(&w, &b, 8 * MS, &no_stop);
	ck_assert_uint_eq(whatif_removed_ns(&w), 6 * MS);
}
END_TEST

/* The sped-up stage's threads never pay: not what they add themselves, not
 * what the stage's other threads add, however much that is. */
START_TEST(target_never_pays)
{
	struct whatif w;
	struct whatif_account a, b;
	whatif_init(&w);
	test_account_init(&a, TARGET, 2);
	test_account_init(&b, TARGET, 2);
	whatif_set(&w, TARGET, 2.0);
	/* b adds 600 s (2400 s of work shared by 2 at 2x): if a paid it, the
	 * test would sleep 600 s and be stopped by its timeout */
	whatif_after_work(&w, &b, 2400 * SEC, &no_stop);
	ck_assert_uint_eq(whatif_removed_ns(&w), 600 * SEC);
	whatif_after_work(&w, &a, 2 * MS, &no_stop);
	ck_assert_uint_eq(whatif_removed_ns(&w), 600 * SEC + 500 * US);
	whatif_after_work(&w, &b, 2 * MS, &no_stop);
	whatif_after_work(&w, &a, 2 * MS, &no_stop);
	ck_assert_uint_eq(whatif_removed_ns(&w), 600 * SEC + 1500 * US);
	ck_assert_uint_eq(test_slept(&a), 0);
	ck_assert_uint_eq(test_slept(&b), 0);
	/* nothing is carried: a waits on a channel while b adds, then works */
	struct whatif_wait before = whatif_before_wait(&w);
	whatif_after_work(&w, &b, 1200 * SEC, &no_stop);
	whatif_after_wait(&w, &a, before);
	whatif_after_work(&w, &a, 2 * MS, &no_stop);
	ck_assert_uint_eq(test_slept(&a), 0);
	ck_assert_uint_eq(a.paid_ns, whatif_removed_ns(&w));
}
END_TEST

/* A thread of another stage owes what the ledger grew since it last paid,
 * and pays it by sleeping after its work: at least what it owed, and its
 * slept counter says exactly that; once paid it owes nothing. */
START_TEST(other_thread_pays)
{
	struct whatif w;
	struct whatif_account t, o;
	whatif_init(&w);
	test_account_init(&t, TARGET, 1);
	test_account_init(&o, OTHER, 1);
	whatif_set(&w, TARGET, 2.0);
	whatif_after_work(&w, &t, 40 * MS, &no_stop); /* adds 20 ms */
	uint64_t took = test_work(&w, &o, 1 * MS, &no_stop);
	ck_assert_msg(took >= 20 * MS, "slept %llu ns, owed 20 ms", (unsigned long long)took);
	ck_assert_uint_eq(test_slept(&o), 20 * MS);
	ck_assert_uint_eq(o.paid_ns, 20 * MS);
	/* nothing new: nothing owed */
	whatif_after_work(&w, &o, 1 * MS, &no_stop);
	ck_assert_uint_eq(test_slept(&o), 20 * MS);
	/* more from the target (two threads of it, 12 ms of work each): 6 ms more */
	struct whatif_account t2;
	test_account_init(&t2, TARGET, 2);
	whatif_after_work(&w, &t2, 12 * MS, &no_stop);
	whatif_after_work(&w, &t2, 12 * MS, &no_stop);
	took = test_work(&w, &o, 1 * MS, &no_stop);
	ck_assert_msg(took >= 6 * MS, "slept %llu ns, owed 6 ms", (unsigned long long)took);
	ck_assert_uint_eq(test_slept(&o), 26 * MS);
	ck_assert_uint_eq(o.paid_ns, whatif_removed_ns(&w));
}
END_TEST

/* Debts too small to be worth a sleep are carried to the next batch, not
 * forgiven: paid when they add up. */
START_TEST(small_debts_carried)
{
	struct whatif w;
	struct whatif_account t, o;
	whatif_init(&w);
	test_account_init(&t, TARGET, 1);
	test_account_init(&o, OTHER, 1);
	whatif_set(&w, TARGET, 2.0);
	whatif_after_work(&w, &t, 60 * US, &no_stop); /* adds 30 us */
	whatif_after_work(&w, &o, 1 * US, &no_stop);
	ck_assert_uint_eq(test_slept(&o), 0);
	ck_assert_uint_eq(o.paid_ns, 0);
	whatif_after_work(&w, &t, 60 * US, &no_stop); /* 60 us owed now */
	uint64_t took = test_work(&w, &o, 1 * US, &no_stop);
	ck_assert_uint_eq(test_slept(&o), 60 * US);
	ck_assert_uint_ge(took, 60 * US);
	ck_assert_uint_eq(o.paid_ns, 60 * US);
}
END_TEST

/* A wait on a channel is credited what the ledger grew meanwhile: whoever
 * kept the thread waiting has paid (or is the target). What it owed before
 * the wait it still owes. */
START_TEST(wait_is_credited)
{
	struct whatif w;
	struct whatif_account t, o;
	whatif_init(&w);
	test_account_init(&t, TARGET, 1);
	test_account_init(&o, OTHER, 1);
	whatif_set(&w, TARGET, 2.0);
	struct whatif_wait before = whatif_before_wait(&w);
	before.t0_ns -= 1200 * SEC;			 /* a wait of 1200 s */
	whatif_after_work(&w, &t, 1200 * SEC, &no_stop); /* 600 s, while o waits */
	whatif_after_wait(&w, &o, before);
	ck_assert_uint_eq(o.paid_ns, 600 * SEC);
	uint64_t took = test_work(&w, &o, 1 * MS, &no_stop); /* would sleep 600 s if not credited */
	ck_assert_uint_eq(test_slept(&o), 0);
	ck_assert_msg(took < 60 * SEC, "a credited thread slept %llu ns", (unsigned long long)took);
	/* owes 4 ms, then waits while 5 ms more is added: still owes the 4 */
	whatif_after_work(&w, &t, 8 * MS, &no_stop);
	before = whatif_before_wait(&w);
	before.t0_ns -= 20 * MS;
	whatif_after_work(&w, &t, 10 * MS, &no_stop);
	whatif_after_wait(&w, &o, before);
	took = test_work(&w, &o, 1 * MS, &no_stop);
	ck_assert_uint_eq(test_slept(&o), 4 * MS);
	ck_assert_uint_ge(took, 4 * MS);
	ck_assert_uint_eq(o.paid_ns, whatif_removed_ns(&w));
}
END_TEST

/* A wait is credited no more than (1 - 1/s) of its length: the stage sped
 * up adds no faster than that, and what it adds at the end of a long piece
 * of work was mostly owed before the wait began. 20 ms added during a wait
 * of 10 ms at 2x: 5 ms credited, 15 ms still owed. The stage's own threads
 * are credited whatever grew (they never pay anyway). */
START_TEST(wait_credit_is_bounded_by_its_length)
{
	struct whatif w;
	struct whatif_account t, o, t2;
	whatif_init(&w);
	test_account_init(&t, TARGET, 1);
	test_account_init(&t2, TARGET, 1);
	test_account_init(&o, OTHER, 1);
	whatif_set(&w, TARGET, 2.0);
	struct whatif_wait before = whatif_before_wait(&w), before2 = before;
	before.t0_ns -= 10 * MS;
	whatif_after_work(&w, &t, 40 * MS, &no_stop); /* 20 ms */
	whatif_after_wait(&w, &o, before);
	/* the wait lasted 10 ms and the test's own time (longer on a loaded machine) */
	uint64_t waited = clock_now_ns() - before.t0_ns;
	whatif_after_wait(&w, &t2, before2);
	ck_assert_uint_ge(o.paid_ns, 5 * MS);
	ck_assert_uint_le(o.paid_ns, waited / 2);
	if (waited < 40 * MS)
		ck_assert_uint_lt(o.paid_ns, 20 * MS);
	ck_assert_uint_eq(t2.paid_ns, 20 * MS);
	uint64_t owed = whatif_removed_ns(&w) - o.paid_ns;
	uint64_t took = test_work(&w, &o, 1 * MS, &no_stop);
	ck_assert_uint_eq(test_slept(&o), owed);
	ck_assert_uint_ge(took, owed);
	ck_assert_uint_eq(o.paid_ns, whatif_removed_ns(&w));
	/* with no experiment running, a wait is credited all that grew */
	whatif_set(&w, TARGET, 1.0);
	before = whatif_before_wait(&w);
	atomic_fetch_add(&w.ledger_ns, 7 * MS);
	whatif_after_wait(&w, &o, before);
	ck_assert_uint_eq(o.paid_ns, whatif_removed_ns(&w));
}
END_TEST

/* With no experiment running, what is left of the last one is forgiven: the
 * next experiment's debts start from nothing. The ledger itself never goes
 * back (the virtual clocks read it). */
START_TEST(debts_forgiven_without_experiment)
{
	struct whatif w;
	struct whatif_account t, o;
	whatif_init(&w);
	test_account_init(&t, TARGET, 1);
	test_account_init(&o, OTHER, 1);
	whatif_set(&w, TARGET, 2.0);
	whatif_after_work(&w, &t, 1200 * SEC, &no_stop); /* 600 s owed by o */
	whatif_set(&w, -1, 1.0);
	uint64_t took = test_work(&w, &o, 1 * MS, &no_stop);
	ck_assert_uint_eq(test_slept(&o), 0);
	ck_assert_msg(took < 60 * SEC, "a forgiven thread slept %llu ns", (unsigned long long)took);
	ck_assert_uint_eq(o.paid_ns, 600 * SEC);
	ck_assert_uint_eq(whatif_removed_ns(&w), 600 * SEC);
	/* the next experiment: only its own 2 ms are owed */
	whatif_set(&w, TARGET, 2.0);
	whatif_after_work(&w, &t, 4 * MS, &no_stop);
	took = test_work(&w, &o, 1 * MS, &no_stop);
	ck_assert_uint_eq(test_slept(&o), 2 * MS);
	ck_assert_uint_ge(took, 2 * MS);
}
END_TEST

/* A speed-up of 1 or less ends the experiment: the target adds nothing and
 * nobody owes; a speed-up above 1 starts it again. */
START_TEST(set_one_or_less_ends)
{
	const double ends[] = { 1.0, 0.5, 0.0, -2.0 };
	for (size_t i = 0; i < sizeof ends / sizeof *ends; i++) {
		struct whatif w;
		struct whatif_account t, o;
		whatif_init(&w);
		ck_assert_int_eq(atomic_load(&w.target), -1);
		ck_assert_uint_eq(atomic_load(&w.factor_ppm), 0);
		test_account_init(&t, TARGET, 1);
		test_account_init(&o, OTHER, 1);
		whatif_set(&w, TARGET, 2.0);
		ck_assert_int_eq(atomic_load(&w.target), TARGET);
		ck_assert_uint_eq(atomic_load(&w.factor_ppm), 500000);
		whatif_set(&w, TARGET, ends[i]);
		ck_assert_int_eq(atomic_load(&w.target), -1);
		ck_assert_uint_eq(atomic_load(&w.factor_ppm), 0);
		whatif_after_work(&w, &t, 10 * SEC, &no_stop);
		ck_assert_uint_eq(whatif_removed_ns(&w), 0);
		whatif_after_work(&w, &o, 1 * MS, &no_stop);
		ck_assert_uint_eq(test_slept(&o), 0);
		whatif_set(&w, TARGET, 1.25);
		ck_assert_uint_eq(atomic_load(&w.factor_ppm), 200000);
		whatif_after_work(&w, &t, 10 * MS, &no_stop);
		ck_assert_uint_eq(whatif_removed_ns(&w), 2 * MS);
	}
}
END_TEST

struct test_stopper {
	_Atomic int *stop;
	long after_ms;
};

static void *test_stop_later(void *arg)
{
	struct test_stopper *s = arg;
	unit_sleep_ms(s->after_ms);
	atomic_store(s->stop, 1);
	return NULL;
}

/* A stop ends a long sleep early (the test's timeout is far below what is
 * owed: a sleep that ignored the stop fails it), at once when the stop is
 * already set; the debt is settled then: a later piece of work owes nothing
 * of it, and the slept counter never says more than was owed. */
START_TEST(stop_ends_long_sleep)
{
	struct whatif w;
	struct whatif_account t, o;
	whatif_init(&w);
	test_account_init(&t, TARGET, 1);
	test_account_init(&o, OTHER, 1);
	whatif_set(&w, TARGET, 2.0);
	/* stopped already */
	_Atomic int stop = 1;
	whatif_after_work(&w, &t, 1200 * SEC, &no_stop); /* 600 s owed */
	whatif_after_work(&w, &o, 1 * MS, &stop);
	ck_assert_uint_eq(o.paid_ns, 600 * SEC);
	ck_assert_uint_le(test_slept(&o), 600 * SEC);
	whatif_after_work(&w, &o, 1 * MS, &no_stop); /* settled: no sleep */
	ck_assert_uint_le(test_slept(&o), 600 * SEC);
	/* stopped while sleeping, from another thread */
	atomic_store(&stop, 0);
	whatif_after_work(&w, &t, 1200 * SEC, &no_stop); /* 600 s more */
	struct test_stopper s = { &stop, 50 };
	pthread_t th;
	ck_assert_int_eq(pthread_create(&th, NULL, test_stop_later, &s), 0);
	whatif_after_work(&w, &o, 1 * MS, &stop);
	pthread_join(th, NULL);
	ck_assert_uint_eq(o.paid_ns, 1200 * SEC);
	ck_assert_uint_le(test_slept(&o), 1200 * SEC);
	whatif_after_work(&w, &o, 1 * MS, &no_stop);
	ck_assert_uint_le(test_slept(&o), 1200 * SEC);
}
END_TEST

/* --- pace in virtual time ------------------------------------------------------------ */

/* 1000 records/s in batches of 100 while the ledger grows: each batch is due
 * 100 ms of virtual time after the last, i.e. later in wall time by what the
 * ledger grew. */
START_TEST(pace_due_in_virtual_time)
{
	_Atomic uint64_t removed = 0;
	struct pace p = { .rate = 1000, .removed_ns = &removed };
	uint64_t t0 = 5000 * MS;
	ck_assert_uint_eq(pace_take(&p, 100, t0), 0);
	ck_assert_uint_eq(pace_take(&p, 100, t0), t0 + 100 * MS);
	/* 50 ms left out of the clock */
	atomic_store(&removed, 50 * MS);
	ck_assert_uint_eq(pace_take(&p, 100, t0 + 100 * MS), t0 + 250 * MS);
	ck_assert_uint_eq(pace_take(&p, 100, t0 + 250 * MS), t0 + 350 * MS);
	atomic_store(&removed, 80 * MS);
	ck_assert_uint_eq(pace_take(&p, 100, t0 + 350 * MS), t0 + 480 * MS);
	/* past its due time on the wall clock (+500 ms) but not in virtual
	 * time (+440 ms): it waits */
	ck_assert_uint_eq(pace_take(&p, 100, t0 + 520 * MS), t0 + 580 * MS);
	ck_assert_uint_eq(p.count, 600);
	/* without the ledger the same times are on the wall clock's schedule */
	struct pace q = { .rate = 1000 };
	pace_take(&q, 100, t0);
	pace_take(&q, 100, t0);
	ck_assert_uint_eq(pace_take(&q, 100, t0 + 100 * MS), t0 + 200 * MS);
}
END_TEST

/* A producer that sends its batches when they are due, while a quarter of
 * the wall time is left out of the clock: over 10 s of wall time its rate is
 * N/s in virtual time (to within 1%) and 0.75 N/s in wall time. */
START_TEST(pace_rate_holds_in_virtual_time)
{
	_Atomic uint64_t removed = 0;
	const uint64_t rate = 2000, batch = 50;
	struct pace p = { .rate = rate, .removed_ns = &removed };
	uint64_t t0 = 1000 * SEC, now = t0, count = 0;
	while (now < t0 + 10 * SEC) {
		uint64_t due = pace_take(&p, batch, now);
		if (due) {
			ck_assert_uint_gt(due, now);
			now = due;
		}
		count += batch;
		now += 1 * MS; /* the producer's own work */
		/* a quarter of the wall time is the experiment's */
		atomic_store(&removed, (now - t0) / 4);
	}
	double wall_s = (double)(now - t0) / 1e9, virt_s = (double)(now - t0 - atomic_load(&removed)) / 1e9;
	double virt_rate = (double)count / virt_s, wall_rate = (double)count / wall_s;
	/* (a batch goes when it is due on the ledger as it was when it was
	 * taken; the ledger's growth meanwhile makes it a little early in
	 * virtual time, which the next batches' schedule takes back) */
	ck_assert_msg(virt_rate > rate * 0.99 && virt_rate < rate * 1.01,
		      "%.1f records/s in virtual time, %llu expected", virt_rate, (unsigned long long)rate);
	ck_assert_msg(wall_rate > rate * 0.74 && wall_rate < rate * 0.76,
		      "%.1f records/s in wall time, 0.75 x %llu expected", wall_rate, (unsigned long long)rate);
}
END_TEST

static Suite *whatif_suite(void)
{
	Suite *s = suite_create("whatif");
	TCase *tc = tcase_create("ledger");
	/* a hang guard, not a timing: where a test would fail by sleeping
	 * what it does not owe, it owes 600 s */
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, target_adds_its_share);
	tcase_add_test(tc, target_never_pays);
	tcase_add_test(tc, other_thread_pays);
	tcase_add_test(tc, small_debts_carried);
	tcase_add_test(tc, wait_is_credited);
	tcase_add_test(tc, wait_credit_is_bounded_by_its_length);
	tcase_add_test(tc, debts_forgiven_without_experiment);
	tcase_add_test(tc, set_one_or_less_ends);
	tcase_add_test(tc, stop_ends_long_sleep);
	suite_add_tcase(s, tc);
	tc = tcase_create("pace");
	tcase_add_test(tc, pace_due_in_virtual_time);
	tcase_add_test(tc, pace_rate_holds_in_virtual_time);
	suite_add_tcase(s, tc);
	return s;
}

int main(void) { return unit_run_suite(whatif_suite()); }
