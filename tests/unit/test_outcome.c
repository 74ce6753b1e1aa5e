/* test_outcome.c: unit tests of src/outcome.c: reading [pipeline] max_errors
 * (a count, a percentage, and what is neither), how many lost records it
 * allows, and a run's exit status from its counts: a failure before lost
 * records before a missing snapshot, and dead-lettered records not lost. */
#include "autoconfig.h"

#include <check.h>
#include <stdint.h>

#include "src/base/outcome.h"
#include "tests/unit/unit_main.h"

START_TEST(max_errors_values)
{
	struct max_errors m;
	ck_assert_int_eq(outcome_parse_max_errors("0", &m), 0);
	ck_assert(!m.is_pct && m.count == 0);
	ck_assert_int_eq(outcome_parse_max_errors("250", &m), 0);
	ck_assert(!m.is_pct && m.count == 250);
	ck_assert_int_eq(outcome_parse_max_errors(" 12 ", &m), 0);
	ck_assert(!m.is_pct && m.count == 12);
	ck_assert_int_eq(outcome_parse_max_errors("0.5%", &m), 0);
	ck_assert(m.is_pct && m.pct == 0.5);
	ck_assert_int_eq(outcome_parse_max_errors("100%", &m), 0);
	ck_assert(m.is_pct && m.pct == 100);
	ck_assert_int_eq(outcome_parse_max_errors("10 %", &m), 0);
	ck_assert(m.is_pct && m.pct == 10);
	const char *bad[] = { "", "lots", "-1", "+3", "1.5", "101%", "-1%", "5%%", "%", "1e3", "0x10", "3 records",
			      "nan%", "inf%", "99999999999999999999" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ck_assert_msg(outcome_parse_max_errors(bad[i], &m) == -1, "max_errors '%s' accepted", bad[i]);
	ck_assert_int_eq(outcome_parse_max_errors(NULL, &m), -1);
}
END_TEST

START_TEST(allowed_losses)
{
	struct max_errors m = { 0, 0, 7 };
	ck_assert_uint_eq(outcome_allowed_losses(&m, 1000000), 7);
	m = (struct max_errors){ 1, 1, 0 };
	ck_assert_uint_eq(outcome_allowed_losses(&m, 1000), 10);
	/* 1% of 150 is 1.5: one record, not two */
	ck_assert_uint_eq(outcome_allowed_losses(&m, 150), 1);
	m = (struct max_errors){ 1, 10, 0 };
	/* exactly 10% of 1,000 is 100, and 100 lost is allowed */
	ck_assert_uint_eq(outcome_allowed_losses(&m, 1000), 100);
	m = (struct max_errors){ 1, 100, 0 };
	ck_assert_uint_eq(outcome_allowed_losses(&m, 12345), 12345);
	ck_assert_uint_eq(outcome_allowed_losses(&m, 0), 0);
}
END_TEST

/* One run's counts and the outcome outcome_judge must give them; lost and
 * allowed are checked where they are not -1. */
struct test_status_case {
	int failed, snapshot;
	uint64_t read, errors, dead_lettered;
	int tenth; /* max_errors = 10%, else 0 */
	int status;
	int64_t lost, allowed;
};

static const struct test_status_case test_status_cases[] = {
	{ 0, 1, 1000, 0, 0, 0, OUTCOME_OK, -1, -1 },
	{ 0, 1, 1000, 1, 0, 0, OUTCOME_LOST, 1, 0 },
	/* every failed record kept in the dead-letter file: nothing lost */
	{ 0, 1, 1000, 100, 100, 0, OUTCOME_OK, 0, -1 },
	/* some kept, some not (the dead-letter file refused them) */
	{ 0, 1, 1000, 100, 60, 0, OUTCOME_LOST, 40, -1 },
	{ 0, 1, 1000, 100, 0, 1, OUTCOME_OK, -1, -1 },
	{ 0, 1, 1000, 101, 0, 1, OUTCOME_LOST, -1, -1 },
	/* the order: failed, then lost, then the snapshot */
	{ 0, 0, 1000, 0, 0, 0, OUTCOME_NO_SNAPSHOT, -1, -1 },
	{ 0, 0, 1000, 5, 0, 0, OUTCOME_LOST, -1, -1 },
	{ 1, 0, 1000, 5, 0, 0, OUTCOME_FAILED, -1, -1 },
	{ 1, 1, 0, 0, 0, 0, OUTCOME_FAILED, -1, -1 },
};

START_TEST(statuses)
{
	const struct max_errors zero = { 0, 0, 0 }, tenth = { 1, 10, 0 };
	const struct test_status_case *t = &test_status_cases[_i];
	struct run_outcome o;
	outcome_judge(&o, t->failed, t->snapshot, t->read, t->errors, t->dead_lettered, t->tenth ? &tenth : &zero);
	ck_assert_int_eq(o.status, t->status);
	if (t->lost >= 0)
		ck_assert_uint_eq(o.lost, (uint64_t)t->lost);
	if (t->allowed >= 0)
		ck_assert_uint_eq(o.allowed, (uint64_t)t->allowed);
}
END_TEST

static Suite *outcome_suite(void)
{
	Suite *s = suite_create("outcome");
	TCase *tc = tcase_create("outcome");
	tcase_add_test(tc, max_errors_values);
	tcase_add_test(tc, allowed_losses);
	tcase_add_loop_test(tc, statuses, 0, (int)(sizeof test_status_cases / sizeof test_status_cases[0]));
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run_suite(outcome_suite());
}
