/* test_json_scan.c: unit tests for the JSON value scanner
 * (connectors/json_scan.c): json_scan_run, which takes 64 bytes at a time
 * where it can, must stop exactly where json_scan_step fed one byte at a
 * time stops, with the same count of LF bytes and the same state after it,
 * however the input is split; on hand-written values, on JSONTestSuite's
 * parsing cases and on pseudo-random text made of the bytes that matter
 * (quotes, backslashes, brackets, LF) in runs long and short. */
#include "autoconfig.h"

#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../connectors/json_scan.h"
#include "tests/unit/unit_main.h"

struct scan_result {
	size_t used;
	int end;
	uint64_t lines;
	struct json_scan state;
};

/* The reference: json_scan_step a byte at a time. */
static void scan_by_byte(const char *p, size_t n, struct scan_result *r)
{
	json_scan_begin(&r->state, (unsigned char)p[0]);
	r->used = 1;
	r->end = 0;
	r->lines = p[0] == '\n';
	for (size_t i = 1; i < n; i++) {
		int e = json_scan_step(&r->state, (unsigned char)p[i]);
		if (e < 0) {
			r->end = -1;
			return;
		}
		r->used++;
		r->lines += p[i] == '\n';
		if (e > 0) {
			r->end = 1;
			return;
		}
	}
}

/* json_scan_run over p[1..n) fed in pieces of at most `piece` bytes. */
static void scan_by_run(const char *p, size_t n, size_t piece, struct scan_result *r)
{
	json_scan_begin(&r->state, (unsigned char)p[0]);
	r->used = 1;
	r->end = 0;
	r->lines = p[0] == '\n';
	while (r->used < n && !r->end) {
		size_t k = n - r->used < piece ? n - r->used : piece;
		r->used += json_scan_run(&r->state, p + r->used, k, &r->end, &r->lines);
	}
}

static void scan_check(const char *p, size_t n, const char *what)
{
	if (!n || strchr(" \t\r\n,]", p[0]))
		return; /* not the first byte of a value */
	struct scan_result a, b;
	scan_by_byte(p, n, &a);
	static const size_t pieces[] = { 1, 7, 64, 65, 100, (size_t)-1 };
	for (size_t k = 0; k < sizeof pieces / sizeof pieces[0]; k++) {
		memset(&b, 0, sizeof b);
		scan_by_run(p, n, pieces[k], &b);
		ck_assert_msg(a.used == b.used && a.end == b.end && a.lines == b.lines,
			      "%s (pieces of %zu): by byte %zu/%d/%llu, by run %zu/%d/%llu", what, pieces[k], a.used,
			      a.end, (unsigned long long)a.lines, b.used, b.end, (unsigned long long)b.lines);
		if (!a.end) /* goes on: the same state to go on from */
			ck_assert_msg(a.state.in_str == b.state.in_str && a.state.esc == b.state.esc &&
					      a.state.depth == b.state.depth,
				      "%s (pieces of %zu): the state differs", what, pieces[k]);
	}
}

START_TEST(test_scan_values)
{
	static const char *const cases[] = {
		"{\"a\":1}, ", "[1,[2,{\"x\":\"]}\"}]]x", "\"str\\\"ing\" ,", "123,", "true]", "{\"a\":\"\\\\\"}}",
		"{\"k\":\"a\nb\"}", "{]", "[}", "{\"a\":[1,2,{\"b\":\"}}}}\"}]}\n,{}",
		"{\"long\":\"0123456789012345678901234567890123456789012345678901234567890123456789\",\"b\":{}}",
		"{\"q\":\"01234567890123456789012345678901234567890123456789012345678\\\\\\\"\"}x",
	};
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++)
		scan_check(cases[k], strlen(cases[k]), cases[k]);
}
END_TEST

START_TEST(test_scan_random)
{
	static const char alphabet[] = "\"\"\"\\\\{}[]\n,: ab1";
	uint32_t x = 0x9E3779B9u;
	char text[600];
	for (int t = 0; t < 200000; t++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		size_t n = 1 + x % sizeof text;
		int plain = (x >> 12) % 8; /* how often a plain letter comes: long strings, or dense syntax */
		text[0] = "{[\"1"[(x >> 20) & 3];
		for (size_t i = 1; i < n; i++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			text[i] = (int)(x % 8) < plain ? 'a' : alphabet[(x >> 8) % (sizeof alphabet - 1)];
		}
		char what[32];
		snprintf(what, sizeof what, "random case %d", t);
		scan_check(text, n, what);
	}
}
END_TEST

START_TEST(test_scan_json_test_suite)
{
	const char *dir = NEB_SRCDIR "/tests/data/JSONTestSuite/test_parsing";
	DIR *d = opendir(dir);
	ck_assert_msg(d != NULL, "cannot open %s", dir);
	size_t files = 0;
	for (struct dirent *e; (e = readdir(d));) {
		if (e->d_name[0] == '.')
			continue;
		char path[1024];
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		FILE *f = fopen(path, "rb");
		ck_assert(f != NULL);
		static char text[1 << 20];
		size_t n = fread(text, 1, sizeof text, f);
		fclose(f);
		size_t a = 0;
		while (a < n && strchr(" \t\r\n", text[a]))
			a++;
		scan_check(text + a, n - a, e->d_name);
		files++;
	}
	closedir(d);
	ck_assert_uint_ge(files, 300);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("json_scan");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_scan_values);
	tcase_add_test(tc, test_scan_random);
	tcase_add_test(tc, test_scan_json_test_suite);
	suite_add_tcase(s, tc);
	return unit_run_suite(s);
}
