/* test_snapreq.c: unit tests of src/base/snapreq.c, snapshots asked for from
 * another thread: a request is answered with the snapshot taken for it,
 * even when other snapshots (a key, a signal, the next request) were
 * written before its asker read the answer; requests taken together share
 * one answer; a closed queue answers no one; a wait times out. */
#include "autoconfig.h"

#include <check.h>
#include <string.h>

#include "src/base/snapreq.h"
#include "tests/unit/unit_main.h"

/* The writer's side of one snapshot: take what waits, write, answer. */
static void serve_one(struct snapreq *r, const char *text)
{
	ck_assert(snapreq_take(r));
	snapreq_set_result(r, 1, text);
	snapreq_done(r);
}

START_TEST(answer_is_the_requests_own)
{
	struct snapreq r;
	snapreq_init(&r);
	uint64_t a = snapreq_ask(&r);
	serve_one(&r, "dir\nA\nmetrics_A.json");
	/* a snapshot of the s key, then the next request's, before a's asker reads */
	snapreq_set_result(&r, 1, "dir\nKEY\nmetrics_KEY.json");
	uint64_t b = snapreq_ask(&r);
	serve_one(&r, "dir\nB\nmetrics_B.json");
	int ok = 0;
	char text[SNAPREQ_TEXT];
	ck_assert_int_eq(snapreq_wait(&r, a, 1000000, &ok, text, sizeof text), 1);
	ck_assert(ok);
	ck_assert_str_eq(text, "dir\nA\nmetrics_A.json");
	ck_assert_int_eq(snapreq_wait(&r, b, 1000000, &ok, text, sizeof text), 1);
	ck_assert_str_eq(text, "dir\nB\nmetrics_B.json");
	snapreq_destroy(&r);
}
END_TEST

START_TEST(taken_together_share_one)
{
	struct snapreq r;
	snapreq_init(&r);
	uint64_t a = snapreq_ask(&r), b = snapreq_ask(&r);
	ck_assert(snapreq_take(&r));
	ck_assert(snapreq_take(&r));
	ck_assert(!snapreq_take(&r));
	snapreq_set_result(&r, 0, "No space left on device");
	snapreq_done(&r);
	int ok = 1;
	char text[SNAPREQ_TEXT];
	ck_assert_int_eq(snapreq_wait(&r, a, 1000000, &ok, text, sizeof text), 1);
	ck_assert(!ok);
	ck_assert_str_eq(text, "No space left on device");
	ck_assert_int_eq(snapreq_wait(&r, b, 1000000, &ok, text, sizeof text), 1);
	ck_assert_str_eq(text, "No space left on device");
	snapreq_destroy(&r);
}
END_TEST

START_TEST(closed_and_timeout)
{
	struct snapreq r;
	snapreq_init(&r);
	uint64_t a = snapreq_ask(&r);
	int ok;
	char text[SNAPREQ_TEXT];
	ck_assert_int_eq(snapreq_wait(&r, a, 1000000, &ok, text, sizeof text), 0); /* not served: times out */
	snapreq_close(&r);
	ck_assert_int_eq(snapreq_wait(&r, a, 1000000000ull * 60, &ok, text, sizeof text), 0);
	ck_assert_uint_eq(snapreq_ask(&r), 0);
	snapreq_destroy(&r);
}
END_TEST

static Suite *snapreq_suite(void)
{
	Suite *s = suite_create("snapreq");
	TCase *tc = tcase_create("snapreq");
	tcase_add_test(tc, answer_is_the_requests_own);
	tcase_add_test(tc, taken_together_share_one);
	tcase_add_test(tc, closed_and_timeout);
	suite_add_tcase(s, tc);
	return s;
}

int main(void) { return unit_run_suite(snapreq_suite()); }
