/* test_folded.c: unit tests of src/folded.c: reading folded stacks as
 * flamegraph.pl's stackcollapse tools write them ("a;b;c 12" lines): equal
 * stacks summed, blank lines and CRLF endings, refused lines named by
 * number, and each function's flat and cumulative samples, a recursive
 * function counted once per stack. */
#include "autoconfig.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/flame/folded.h"
#include "tests/unit/unit_main.h"

static const struct folded_fn *find_fn(const struct folded_fn *v, long n, const char *name)
{
	for (long i = 0; i < n; i++)
		if (!strcmp(v[i].name, name))
			return &v[i];
	return NULL;
}

START_TEST(test_parse_sums)
{
	const char *t = "burn;main;work;spin 30\n"
			"\n"
			"burn;main;work;spin 12\r\n"
			"source;main;read 5\n"
			"destination;main;write;memcpy 3";
	struct folded f;
	struct errbuf e;
	ck_assert_int_eq(folded_parse(&f, t, strlen(t), &e), 0);
	ck_assert_uint_eq(f.n, 3);
	ck_assert_uint_eq(f.total, 50);
	ck_assert_str_eq(f.rows[0].stack, "burn;main;work;spin");
	ck_assert_uint_eq(f.rows[0].count, 42);
	ck_assert_str_eq(f.rows[2].stack, "destination;main;write;memcpy");
	folded_free(&f);
}
END_TEST

START_TEST(test_parse_refuses)
{
	static const char *bad[] = { "a;b;c 1\nnocount\n", "a;b 1\na;b x2\n", "a;b 1\n 7\n", "a;b 1\na;b -3\n" };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		struct folded f;
		struct errbuf e = { "" };
		ck_assert_msg(folded_parse(&f, bad[i], strlen(bad[i]), &e) == -1, "accepted: %s", bad[i]);
		ck_assert_msg(strstr(e.msg, "line 2"), "message '%s' does not name line 2", e.msg);
		ck_assert_ptr_null(f.rows);
	}
}
END_TEST

START_TEST(test_parse_empty)
{
	struct folded f;
	struct errbuf e;
	ck_assert_int_eq(folded_parse(&f, "", 0, &e), 0);
	ck_assert_uint_eq(f.n, 0);
	ck_assert_uint_eq(f.total, 0);
	struct folded_fn *v;
	ck_assert_int_eq(folded_functions(&f, &v), 0);
	folded_functions_free(v, 0);
	folded_free(&f);
}
END_TEST

START_TEST(test_functions)
{
	/* rec calls itself: cum counts each stack once */
	const char *t = "s1;main;rec;rec;rec;leaf 10\n"
			"s1;main;rec 5\n"
			"s2;main;other;leaf 20\n";
	struct folded f;
	struct errbuf e;
	ck_assert_int_eq(folded_parse(&f, t, strlen(t), &e), 0);
	struct folded_fn *v;
	long n = folded_functions(&f, &v);
	ck_assert_int_eq(n, 4); /* main, rec, leaf, other: the stages are not functions */
	ck_assert_ptr_null(find_fn(v, n, "s1"));
	const struct folded_fn *leaf = find_fn(v, n, "leaf"), *rec = find_fn(v, n, "rec"),
			       *main_fn = find_fn(v, n, "main");
	ck_assert_uint_eq(leaf->flat, 30);
	ck_assert_uint_eq(leaf->cum, 30);
	ck_assert_uint_eq(rec->flat, 5);
	ck_assert_uint_eq(rec->cum, 15);
	ck_assert_uint_eq(main_fn->flat, 0);
	ck_assert_uint_eq(main_fn->cum, 35);
	ck_assert_str_eq(v[0].name, "leaf"); /* by flat, largest first */
	folded_functions_free(v, (size_t)n);
	folded_free(&f);
}
END_TEST

START_TEST(test_many_stacks)
{
	/* more distinct stacks than the first index holds, each seen twice */
	size_t cap = 1 << 20, len = 0;
	char *t = malloc(cap);
	for (int round = 0; round < 2; round++)
		for (int i = 0; i < 3000; i++)
			len += (size_t)snprintf(t + len, cap - len, "st;main;f%d;g%d %d\n", i % 97, i, i + 1);
	struct folded f;
	struct errbuf e;
	ck_assert_int_eq(folded_parse(&f, t, len, &e), 0);
	ck_assert_uint_eq(f.n, 3000);
	ck_assert_uint_eq(f.total, 2ull * 3000 * 3001 / 2);
	for (size_t i = 0; i < f.n; i++)
		ck_assert_uint_eq(f.rows[i].count, 2 * (i + 1));
	struct folded_fn *v;
	long n = folded_functions(&f, &v);
	ck_assert_int_eq(n, 1 + 97 + 3000);
	ck_assert_uint_eq(find_fn(v, n, "main")->cum, f.total);
	folded_functions_free(v, (size_t)n);
	folded_free(&f);
	free(t);
}
END_TEST

START_TEST(test_load_missing)
{
	struct folded f;
	struct errbuf e;
	ck_assert_int_eq(folded_load(&f, "/nonexistent/cpu.folded", &e), -1);
	ck_assert_msg(strstr(e.msg, "/nonexistent/cpu.folded"), "message '%s' does not name the file", e.msg);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("folded");
	TCase *tc = tcase_create("folded");
	tcase_add_test(tc, test_parse_sums);
	tcase_add_test(tc, test_parse_refuses);
	tcase_add_test(tc, test_parse_empty);
	tcase_add_test(tc, test_functions);
	tcase_add_test(tc, test_many_stacks);
	tcase_add_test(tc, test_load_missing);
	suite_add_tcase(s, tc);
	return unit_run_suite(s);
}
