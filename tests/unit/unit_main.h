/* unit_main.h: what every Check unit test shares: run one suite and exit
 * nonzero when a test failed; unit_require, a check for hot loops. */
#ifndef NEB_UNIT_MAIN_H
#define NEB_UNIT_MAIN_H

#include <check.h>
#include <stdlib.h>

/* unit_require(cond, fmt, ...): fails the test with the message when cond is
 * false. Unlike ck_assert_msg it records nothing when cond holds, so it costs
 * nothing in loops of millions of checks or in many threads. */
#define unit_require(cond, ...)                    \
	do {                                       \
		if (!(cond))                       \
			ck_abort_msg(__VA_ARGS__); \
	} while (0)

static inline int unit_run_suite(Suite *s)
{
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif
