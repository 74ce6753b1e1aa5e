/* unit_main.h: the main() every Check unit test shares: run one suite,
 * exit nonzero when a test failed. */
#ifndef NEB_UNIT_MAIN_H
#define NEB_UNIT_MAIN_H

#include <check.h>
#include <stdlib.h>

static inline int unit_run_suite(Suite *s)
{
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif
