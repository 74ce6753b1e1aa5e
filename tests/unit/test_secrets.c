/* test_secrets.c: unit tests for hiding secrets and keeping messages valid
 * UTF-8 (src/secrets.c, utf8_cut and utf8_write_escaped of pipeline/utf8.c):
 * cuts only between characters, \xNN for bytes that are not UTF-8 (as
 * Python's 'backslashreplace'), registered values and their echoed forms
 * replaced by "(hidden)", short values left alone, the errbuf. */
#include "autoconfig.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

#include "../../src/base/utf8.h"
#include "../../src/base/errbuf.h"
#include "../../src/base/secrets.h"
#include "tests/unit/unit_main.h"

/* "aé€😀" and more: characters of 1 to 4 bytes */
static const char MIXED[] = "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80z\xf0\x9f\x98\x80\xc3\xa9";

START_TEST(test_cut_between_characters)
{
	size_t n = strlen(MIXED);
	/* the character boundaries, from the bytes' patterns */
	for (size_t k = 0; k <= n; k++) {
		size_t want = k;
		while (want > 0 && want < n && ((unsigned char)MIXED[want] & 0xC0) == 0x80)
			want--;
		ck_assert_uint_eq(utf8_cut(MIXED, k), want);
	}
}
END_TEST

START_TEST(test_escaped_like_python)
{
	char out[64];
	/* b'ok\xff\xe2\x82A'.decode('utf-8', 'backslashreplace') == 'ok\\xff\\xe2\\x82A' */
	utf8_write_escaped(out, sizeof out, "ok\xff\xe2\x82" "A", 6);
	ck_assert_str_eq(out, "ok\\xff\\xe2\\x82A");
	utf8_write_escaped(out, sizeof out, MIXED, strlen(MIXED));
	ck_assert_str_eq(out, MIXED);
	/* too small: cut between characters, never inside an escape */
	for (size_t cap = 1; cap <= strlen(MIXED) + 1; cap++) {
		size_t n = utf8_write_escaped(out, cap, MIXED, strlen(MIXED));
		ck_assert_uint_lt(n, cap);
		ck_assert_uint_eq(utf8_find_invalid(out, n), n);
		ck_assert_uint_eq(utf8_cut(MIXED, cap - 1), n);
	}
	for (size_t cap = 1; cap < 12; cap++) {
		size_t n = utf8_write_escaped(out, cap, "ab\xff\xfe", 4);
		ck_assert(n == 0 || n == 1 || n == 2 || n == 6 || n == 10);
		ck_assert_uint_lt(n, cap);
	}
}
END_TEST

START_TEST(test_redact_values_and_forms)
{
	char out[512];
	secrets_register("Bearer tok-123456-abc");
	secrets_register("ab\"c/d\\ef-gh");
	secrets_register("short"); /* 5 bytes: below SECRETS_MIN_LEN */
	/* Basic: base64 of "alice:pa55word-x" */
	secrets_register("Basic YWxpY2U6cGE1NXdvcmQteA==");
	const char *in = "got Authorization: Bearer tok-123456-abc; token tok-123456-abc; short; "
			 "{\"k\":\"ab\\\"c\\/d\\\\ef-gh\"} creds alice:pa55word-x pw pa55word-x b64 YWxpY2U6cGE1NXdvcmQteA==";
	secrets_redact(out, sizeof out, in, strlen(in));
	ck_assert_str_eq(out, "got Authorization: (hidden); token (hidden); short; {\"k\":\"(hidden)\"} creds (hidden) "
			      "pw (hidden) b64 (hidden)");
	/* a value cut short at the end of the text is hidden too */
	const char *cut = "header was Bearer tok-12";
	secrets_redact(out, sizeof out, cut, strlen(cut));
	ck_assert_str_eq(out, "header was (hidden)");
	/* no room: cut, never a piece of a secret */
	for (size_t cap = 1; cap < 40; cap++) {
		secrets_redact(out, cap, in, strlen(in));
		ck_assert_ptr_null(strstr(out, "tok-1"));
		ck_assert_uint_lt(strlen(out), cap);
	}
}
END_TEST

START_TEST(test_scrub_and_errbuf)
{
	secrets_register("s3cr3t-value");
	char buf[16];
	/* a buffer filled by snprintf, cut inside the 4-byte character */
	snprintf(buf, sizeof buf, "%s", "0123456789ab\xf0\x9f\x98\x80");
	secrets_scrub(buf, sizeof buf);
	ck_assert_str_eq(buf, "0123456789ab");
	snprintf(buf, sizeof buf, "%s", "x\xff");
	secrets_scrub(buf, sizeof buf);
	ck_assert_str_eq(buf, "x\\xff");
	struct errbuf e;
	char big[3000];
	memset(big, 'x', sizeof big);
	memcpy(big + 1000, "\xe2\x82\xac\xe2\x82\xac", 6);
	big[sizeof big - 1] = 0;
	for (int off = 0; off < 4; off++) {
		errbuf_set(&e, "%.*ss3cr3t-value %s", off, "abc", big);
		ck_assert_ptr_null(strstr(e.msg, "s3cr3t"));
		ck_assert_uint_eq(utf8_find_invalid(e.msg, strlen(e.msg)), strlen(e.msg));
		errbuf_prefix(&e, "%.*s%s", off, "abc", big);
		ck_assert_uint_eq(utf8_find_invalid(e.msg, strlen(e.msg)), strlen(e.msg));
	}
}
END_TEST

/* A URL as messages and reports show it: no user or password, no query
 * value; an '@' after the host is not a user's. */
START_TEST(test_redact_url)
{
	static const struct {
		const char *url, *shown;
	} cases[] = {
		{ "http://bob:pa55word@collector:4318", "http://collector:4318" },
		{ "https://tok3n@[::1]:4318/v1/metrics", "https://[::1]:4318/v1/metrics" },
		{ "http://127.0.0.1:4318", "http://127.0.0.1:4318" },
		{ "http://h/p@q?key=s3cret&page=2#frag", "http://h/p@q?key=...&page=..." },
	};
	char out[128];
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		secrets_redact_url(cases[i].url, out, sizeof out);
		ck_assert_str_eq(out, cases[i].shown);
	}
	secrets_redact_url("http://u:p@host/long/path", out, 12);
	ck_assert_uint_lt(strlen(out), 12);
	ck_assert_ptr_null(strstr(out, "u:p"));
}
END_TEST

static Suite *secrets_suite(void)
{
	Suite *s = suite_create("secrets");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_cut_between_characters);
	tcase_add_test(tc, test_escaped_like_python);
	tcase_add_test(tc, test_redact_values_and_forms);
	tcase_add_test(tc, test_scrub_and_errbuf);
	tcase_add_test(tc, test_redact_url);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run_suite(secrets_suite());
}
