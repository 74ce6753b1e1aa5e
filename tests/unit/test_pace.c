/* test_pace.c: unit tests for the rate pacing of pipeline/pace.c, on made-up
 * times (no clock, no sleeping). */
#include "autoconfig.h"

#include <check.h>
#include <stdint.h>

#include "../../pipeline/pace.h"
#include "tests/unit/unit_main.h"

#define MS 1000000ull

/* A pace of 1000 records/s that let a first batch of 100 go at t0. */
static struct pace test_pace_started(uint64_t t0)
{
	struct pace p = { .rate = 1000 };
	pace_take(&p, 100, t0);
	return p;
}

/* 1000 records/s in batches of 100: one batch every 100 ms. */
START_TEST(test_steady_rate)
{
	struct pace p = { .rate = 1000 };
	uint64_t t0 = 5000 * MS;
	ck_assert_uint_eq(pace_take(&p, 100, t0), 0); /* the first batch goes at once */
	ck_assert_uint_eq(pace_take(&p, 100, t0), t0 + 100 * MS);
	ck_assert_uint_eq(pace_take(&p, 100, t0 + 100 * MS), t0 + 200 * MS);
	ck_assert_uint_eq(pace_take(&p, 300, t0 + 150 * MS), t0 + 300 * MS);
	ck_assert_uint_eq(pace_take(&p, 100, t0 + 300 * MS), t0 + 600 * MS);
	ck_assert_uint_eq(p.count, 700);
}
END_TEST

/* A short delay is made up: the batch after a late one is due on the
 * original schedule, so the average rate holds. */
START_TEST(test_short_delay_made_up)
{
	uint64_t t0 = 1000 * MS;
	struct pace p = test_pace_started(t0);
	/* 60 ms late for the batch due at +100 ms: it goes at once ... */
	ck_assert_uint_eq(pace_take(&p, 100, t0 + 160 * MS), 0);
	/* ... and the next is still due at +200 ms */
	ck_assert_uint_eq(pace_take(&p, 100, t0 + 170 * MS), t0 + 200 * MS);
}
END_TEST

/* A pause of 5 s is not made up: after it the records come at the rate
 * again, not in a burst of 5 s worth. */
START_TEST(test_pause_not_made_up)
{
	uint64_t t0 = 1000 * MS;
	struct pace p = test_pace_started(t0);
	uint64_t resume = t0 + 5100 * MS;
	ck_assert_uint_eq(pace_take(&p, 100, resume), 0);
	ck_assert_uint_eq(pace_take(&p, 100, resume), resume + 100 * MS);
	ck_assert_uint_eq(pace_take(&p, 100, resume + 100 * MS), resume + 200 * MS);
}
END_TEST

/* Exactly at the limit of what is made up: still made up. */
START_TEST(test_limit_of_catch_up)
{
	uint64_t t0 = 1000 * MS;
	struct pace p = test_pace_started(t0);
	ck_assert_uint_eq(pace_take(&p, 100, t0 + 100 * MS + PACE_MAX_BEHIND_NS), 0);
	ck_assert_uint_eq(pace_take(&p, 100, t0 + 100 * MS + PACE_MAX_BEHIND_NS), 0);
}
END_TEST

START_TEST(test_no_limit)
{
	struct pace p = { .rate = 0 };
	for (int i = 0; i < 10; i++)
		ck_assert_uint_eq(pace_take(&p, 1000, 42), 0);
}
END_TEST

static Suite *pace_suite(void)
{
	Suite *s = suite_create("pace");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_steady_rate);
	tcase_add_test(tc, test_short_delay_made_up);
	tcase_add_test(tc, test_pause_not_made_up);
	tcase_add_test(tc, test_limit_of_catch_up);
	tcase_add_test(tc, test_no_limit);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run_suite(pace_suite());
}
