/* test_units.c: unit tests of src/units.c: parsing durations ("250ms",
 * "1.5s", a bare number of seconds), sizes ("64KiB", "10MB", a bare number
 * of bytes), whole numbers and booleans, with the values they give and the
 * inputs they refuse; and the formatting of durations, byte counts and
 * counts with thousands separators, including into small buffers. */
#include "autoconfig.h"

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/base/units.h"
#include "tests/unit/unit_main.h"

#define NS_PER_S 1000000000ull

/* A parse of s by parse (of kind `what`, its values shown with `unit`) gives
 * want. */
static void units_check_ok(int (*parse)(const char *, uint64_t *), const char *what, const char *unit, const char *s,
			   uint64_t want)
{
	uint64_t v = 12345;
	int rc = parse(s, &v);
	ck_assert_msg(rc == 0, "%s '%s' refused", what, s);
	ck_assert_msg(v == want, "%s '%s' = %llu%s, want %llu", what, s, (unsigned long long)v, unit,
		      (unsigned long long)want);
}

/* parse refuses s and leaves the value as it was. */
static void units_check_bad(int (*parse)(const char *, uint64_t *), const char *what, const char *unit, const char *s)
{
	uint64_t v = 12345;
	ck_assert_msg(parse(s, &v) == -1, "%s '%s' accepted (%llu%s)", what, s, (unsigned long long)v, unit);
	ck_assert_msg(v == 12345, "%s '%s' refused but changed the value", what, s);
}

/* The checks of each parser, by kind and the unit its values are shown in. */
#define test_duration_ok(s, want) units_check_ok(units_parse_duration, "duration", " ns", (s), (want))
#define test_duration_bad(s) units_check_bad(units_parse_duration, "duration", " ns", (s))
#define test_size_ok(s, want) units_check_ok(units_parse_size, "size", "", (s), (want))
#define test_size_bad(s) units_check_bad(units_parse_size, "size", "", (s))
#define test_uint_ok(s, want) units_check_ok(units_parse_uint, "uint", "", (s), (want))
#define test_uint_bad(s) units_check_bad(units_parse_uint, "uint", "", (s))

START_TEST(test_durations)
{
	test_duration_ok("250ms", 250000000ull);
	test_duration_ok("30s", 30 * NS_PER_S);
	test_duration_ok("2m", 120 * NS_PER_S);
	test_duration_ok("1h", 3600 * NS_PER_S);
	test_duration_ok("1.5s", 1500000000ull);
	test_duration_ok("0", 0);
	test_duration_ok("0s", 0);
	test_duration_ok("0ms", 0);
	/* a bare number is seconds, decimals allowed */
	test_duration_ok("5", 5 * NS_PER_S);
	test_duration_ok("0.5", NS_PER_S / 2);
	test_duration_ok("10ns", 10);
	test_duration_ok("10us", 10000);
	test_duration_ok("1.5m", 90 * NS_PER_S);
	test_duration_ok("0.25h", 900 * NS_PER_S);
	test_duration_ok(".5s", NS_PER_S / 2);
	test_duration_ok("1.5ns", 2); /* rounded to the nearest ns */
	test_duration_ok("0.4ns", 0);
	test_duration_ok("10 s", 10 * NS_PER_S); /* a space before the unit */
	/* the largest: 1e18 ns */
	test_duration_ok("1000000000s", 1000000000ull * NS_PER_S);
}
END_TEST

START_TEST(test_bad_durations)
{
	test_duration_bad("");
	test_duration_bad("abc");
	test_duration_bad("10x");
	test_duration_bad("-1s");
	test_duration_bad("-1");
	test_duration_bad("+1s");
	test_duration_bad("s");
	test_duration_bad("ms");
	test_duration_bad(" 5s");
	test_duration_bad("5s ");
	test_duration_bad("1m30s"); /* one number, one unit */
	test_duration_bad("30S");   /* units are lower case */
	test_duration_bad("5 sec");
	test_duration_bad("inf");
	test_duration_bad("nan");
	test_duration_bad("1e400s");
	test_duration_bad("1e3");  /* decimal numbers only */
	test_duration_bad("0x10s");
	test_duration_bad("1000000001s"); /* above 1e18 ns */
	test_duration_bad(NULL);
}
END_TEST

START_TEST(test_sizes)
{
	test_size_ok("64KiB", 65536);
	test_size_ok("10MB", 10000000);
	test_size_ok("1GiB", 1073741824ull);
	test_size_ok("4096", 4096);
	test_size_ok("0", 0);
	test_size_ok("1B", 1);
	test_size_ok("100b", 100);
	test_size_ok("2KB", 2000);
	test_size_ok("3GB", 3000000000ull);
	test_size_ok("5MiB", 5ull << 20);
	/* case-insensitive */
	test_size_ok("64kib", 65536);
	test_size_ok("10mb", 10000000);
	test_size_ok("1gib", 1073741824ull);
	test_size_ok("2kB", 2000);
	test_size_ok("10 MB", 10000000);
	test_size_ok("1000000000000000000", 1000000000000000000ull);
	test_size_ok("1.5KiB", 1536); /* a decimal that makes a whole number of bytes */
}
END_TEST

START_TEST(test_bad_sizes)
{
	test_size_bad("");
	test_size_bad("abc");
	test_size_bad("10x");
	test_size_bad("10XB");
	test_size_bad("-1");
	test_size_bad("-1KB");
	test_size_bad("+1KB");
	test_size_bad("0.5");   /* not a whole number of bytes */
	test_size_bad("1.5");
	test_size_bad("1TB");   /* no such unit */
	test_size_bad("1TiB");
	test_size_bad("KB");
	test_size_bad("1e3");   /* decimal numbers only */
	test_size_bad("0x10");
	test_size_bad("1k");    /* k is not a unit: KB or KiB */
	test_size_bad(" 1KB");
	test_size_bad("1KB ");
	test_size_bad("2e18");  /* too large */
	test_size_bad("18446744073709551615");
	test_size_bad(NULL);
}
END_TEST

START_TEST(test_uints)
{
	test_uint_ok("0", 0);
	test_uint_ok("42", 42);
	test_uint_ok("007", 7);
	test_uint_ok("18446744073709551615", UINT64_MAX);
	test_uint_bad("18446744073709551616");
	test_uint_bad("99999999999999999999999");
	test_uint_bad("");
	test_uint_bad("-1");
	test_uint_bad("+5");
	test_uint_bad(" 5");
	test_uint_bad("5 ");
	test_uint_bad("1.0");
	test_uint_bad("1e3");
	test_uint_bad("0x10");
	test_uint_bad("5k");
	test_uint_bad("abc");
	test_uint_bad(NULL);
}
END_TEST

START_TEST(test_bools)
{
	static const char *const yes[] = { "true", "yes", "on", "1", "TRUE", "Yes", "ON", "True" };
	static const char *const no[] = { "false", "no", "off", "0", "FALSE", "No", "OFF", "False" };
	static const char *const bad[] = { "", "2", "truee", "y", "n", "t", "f", "enable", " true", "true ", "01" };
	for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
		int v = -1;
		ck_assert_msg(units_parse_bool(yes[i], &v) == 0 && v == 1, "'%s' is not true", yes[i]);
	}
	for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) {
		int v = -1;
		ck_assert_msg(units_parse_bool(no[i], &v) == 0 && v == 0, "'%s' is not false", no[i]);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int v = -1;
		ck_assert_msg(units_parse_bool(bad[i], &v) == -1, "'%s' accepted as a boolean", bad[i]);
		ck_assert_int_eq(v, -1);
	}
}
END_TEST

static void test_fmt_duration(uint64_t ns, const char *want)
{
	char b[64];
	memset(b, '@', sizeof b);
	units_format_duration(b, sizeof b, ns);
	ck_assert_msg(!strcmp(b, want), "duration %llu ns formatted as '%s', want '%s'", (unsigned long long)ns, b,
		      want);
}

START_TEST(test_format_duration)
{
	test_fmt_duration(0, "0ns");
	test_fmt_duration(999, "999ns");
	test_fmt_duration(1000, "1.0us");
	test_fmt_duration(1500, "1.5us");
	test_fmt_duration(999999, "1.0ms"); /* not "1000.0us" */
	test_fmt_duration(1000000, "1.0ms");
	test_fmt_duration(999999999, "1.00s");
	test_fmt_duration(250000000, "250.0ms");
	test_fmt_duration(NS_PER_S, "1.00s");
	test_fmt_duration(1500000000, "1.50s");
	test_fmt_duration(30 * NS_PER_S, "30.00s");
	test_fmt_duration(119990000000ull, "119.99s");
	test_fmt_duration(120 * NS_PER_S, "2m00s");
	test_fmt_duration(125 * NS_PER_S, "2m05s");
	test_fmt_duration(3600 * NS_PER_S, "60m00s");
	test_fmt_duration(3661 * NS_PER_S, "61m01s");
	/* what is parsed and formatted again reads the same */
	uint64_t v;
	ck_assert_int_eq(units_parse_duration("250ms", &v), 0);
	test_fmt_duration(v, "250.0ms");
	/* a small buffer: truncated, terminated */
	char small[5];
	memset(small, '@', sizeof small);
	units_format_duration(small, sizeof small, 1500000000);
	ck_assert_str_eq(small, "1.50");
}
END_TEST

static void test_fmt_bytes(double bytes, const char *want)
{
	char b[64];
	units_format_bytes(b, sizeof b, bytes);
	ck_assert_msg(!strcmp(b, want), "%.1f bytes formatted as '%s', want '%s'", bytes, b, want);
}

START_TEST(test_format_bytes)
{
	test_fmt_bytes(0, "0 B");
	test_fmt_bytes(1, "1 B");
	test_fmt_bytes(1023, "1023 B");
	test_fmt_bytes(1024, "1.0 KiB");
	test_fmt_bytes(1536, "1.5 KiB");
	test_fmt_bytes(1048576, "1.0 MiB");
	test_fmt_bytes(12.3 * 1048576, "12.3 MiB");
	test_fmt_bytes(1073741824.0, "1.0 GiB");
	test_fmt_bytes(1099511627776.0, "1.0 TiB");
	test_fmt_bytes(2048 * 1099511627776.0, "2048.0 TiB"); /* TiB is the largest unit */
}
END_TEST

static void test_fmt_count(uint64_t v, const char *want)
{
	char b[64];
	units_format_count(b, sizeof b, v);
	ck_assert_msg(!strcmp(b, want), "%llu formatted as '%s', want '%s'", (unsigned long long)v, b, want);
}

START_TEST(test_format_count)
{
	test_fmt_count(0, "0");
	test_fmt_count(7, "7");
	test_fmt_count(999, "999");
	test_fmt_count(1000, "1,000");
	test_fmt_count(12345, "12,345");
	test_fmt_count(999999, "999,999");
	test_fmt_count(1000000, "1,000,000");
	test_fmt_count(1234567, "1,234,567");
	test_fmt_count(UINT64_MAX, "18,446,744,073,709,551,615");
	/* exactly enough room */
	char b[10];
	units_format_count(b, sizeof b, 1234567);
	ck_assert_str_eq(b, "1,234,567");
}
END_TEST

START_TEST(test_format_count_small_buffers)
{
	/* like snprintf: at most n bytes written, always terminated, and a
	 * truncated result is the beginning of the full one */
	const char *full = "1,234,567";
	for (size_t n = 1; n <= 10; n++) {
		char b[16];
		memset(b, '@', sizeof b);
		units_format_count(b, n, 1234567);
		ck_assert_msg(memchr(b, 0, n) != NULL, "n=%zu: not terminated", n);
		for (size_t k = n; k < sizeof b; k++)
			ck_assert_msg(b[k] == '@', "n=%zu: wrote past the buffer", n);
		size_t len = strlen(b);
		ck_assert_msg(len == n - 1, "n=%zu: '%s' does not use the room given", n, b);
		ck_assert_msg(!strncmp(b, full, len), "n=%zu: '%s' is not the start of '%s'", n, b, full);
	}
}
END_TEST

START_TEST(test_format_count_zero_size)
{
	/* with no room at all nothing may be written */
	char b[4] = "xyz";
	units_format_count(b, 0, 5);
	ck_assert_str_eq(b, "xyz");
}
END_TEST

static Suite *units_suite(void)
{
	Suite *s = suite_create("units");
	TCase *tc = tcase_create("parse");
	tcase_add_test(tc, test_durations);
	tcase_add_test(tc, test_bad_durations);
	tcase_add_test(tc, test_sizes);
	tcase_add_test(tc, test_bad_sizes);
	tcase_add_test(tc, test_uints);
	tcase_add_test(tc, test_bools);
	suite_add_tcase(s, tc);
	tc = tcase_create("format");
	tcase_add_test(tc, test_format_duration);
	tcase_add_test(tc, test_format_bytes);
	tcase_add_test(tc, test_format_count);
	tcase_add_test(tc, test_format_count_small_buffers);
	tcase_add_test(tc, test_format_count_zero_size);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run_suite(units_suite());
}
