/* test_jsonesc.c: unit tests for the JSON string escaper (pipeline/jsonesc.c),
 * checked against a plain byte-by-byte reference that is itself checked
 * against output taken from Python's json.dumps(s, ensure_ascii=False). */
#include "autoconfig.h"

#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../pipeline/jsonesc.h"
#include "tests/unit/unit_main.h"
#include "tests/unit/unit_random.h"

/* Like ck_assert_msg, but without check's per-call bookkeeping, which
 * dominates the run time of the loops below. */
#define TEST_EXPECT(expr, ...)                      \
	do {                                        \
		if (!(expr))                        \
			ck_abort_msg(__VA_ARGS__); \
	} while (0)

/* The obvious escaper, one byte at a time; returns the output length. */
static size_t ref_write_escaped(char *d, const unsigned char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = s[i];
		char e = 0;
		switch (c) {
		case '"': e = '"'; break;
		case '\\': e = '\\'; break;
		case '\n': e = 'n'; break;
		case '\r': e = 'r'; break;
		case '\t': e = 't'; break;
		case '\b': e = 'b'; break;
		case '\f': e = 'f'; break;
		default: break;
		}
		if (e) {
			d[o++] = '\\';
			d[o++] = e;
		} else if (c < 0x20) {
			memcpy(d + o, "\\u00", 4);
			d[o + 4] = hex[c / 16];
			d[o + 5] = hex[c % 16];
			o += 6;
		} else {
			d[o++] = (char)c;
		}
	}
	return o;
}

/* Escapes s[0..n) from an exactly sized heap copy into an exactly sized
 * heap buffer (so ASan sees any read or write out of bounds) and checks the
 * result against want[0..want_len). */
static void check_escape_equals(const void *s, size_t n, const char *want, size_t want_len)
{
	char *in = malloc(n ? n : 1);
	char *out = malloc(n ? JSONESC_BOUND(n) : 1);
	TEST_EXPECT(in && out, "out of memory");
	memcpy(in, s, n);
	char *end = jsonesc_write_string(out, in, n);
	TEST_EXPECT(end >= out && (size_t)(end - out) <= JSONESC_BOUND(n), "end out of range, n=%zu", n);
	TEST_EXPECT((size_t)(end - out) == want_len, "length %zu, want %zu (n=%zu)", (size_t)(end - out), want_len,
		    n);
	TEST_EXPECT(memcmp(out, want, want_len) == 0, "output differs from expected (n=%zu)", n);
	free(in);
	free(out);
}

/* Checks the escaper against the reference on s[0..n). */
static void check_escape_matches_ref(const unsigned char *s, size_t n)
{
	char *want = malloc(n ? JSONESC_BOUND(n) : 1);
	TEST_EXPECT(want, "out of memory");
	size_t want_len = ref_write_escaped(want, s, n);
	check_escape_equals(s, n, want, want_len);
	free(want);
}

/* Each escaped ASCII byte as produced by Python 3.11:
 * json.dumps(chr(b), ensure_ascii=False)[1:-1] for b in range(128), listing
 * those whose output is not the byte itself. */
static const struct {
	unsigned char b;
	const char *esc;
} python_escapes[] = {
	{ 0x00, "\\u0000" }, { 0x01, "\\u0001" }, { 0x02, "\\u0002" }, { 0x03, "\\u0003" },
	{ 0x04, "\\u0004" }, { 0x05, "\\u0005" }, { 0x06, "\\u0006" }, { 0x07, "\\u0007" },
	{ 0x08, "\\b" },     { 0x09, "\\t" },     { 0x0a, "\\n" },     { 0x0b, "\\u000b" },
	{ 0x0c, "\\f" },     { 0x0d, "\\r" },     { 0x0e, "\\u000e" }, { 0x0f, "\\u000f" },
	{ 0x10, "\\u0010" }, { 0x11, "\\u0011" }, { 0x12, "\\u0012" }, { 0x13, "\\u0013" },
	{ 0x14, "\\u0014" }, { 0x15, "\\u0015" }, { 0x16, "\\u0016" }, { 0x17, "\\u0017" },
	{ 0x18, "\\u0018" }, { 0x19, "\\u0019" }, { 0x1a, "\\u001a" }, { 0x1b, "\\u001b" },
	{ 0x1c, "\\u001c" }, { 0x1d, "\\u001d" }, { 0x1e, "\\u001e" }, { 0x1f, "\\u001f" },
	{ 0x22, "\\\"" },    { 0x5c, "\\\\" },
};

START_TEST(test_reference_matches_python)
{
	for (unsigned b = 0; b < 0x80; b++) {
		const char *want = NULL;
		for (size_t k = 0; k < sizeof python_escapes / sizeof python_escapes[0]; k++)
			if (python_escapes[k].b == b)
				want = python_escapes[k].esc;
		char c = (char)b, got[8];
		size_t len = ref_write_escaped(got, (const unsigned char *)&c, 1);
		if (want) {
			ck_assert_uint_eq(len, strlen(want));
			ck_assert(memcmp(got, want, len) == 0);
			check_escape_equals(&c, 1, want, strlen(want));
		} else {
			ck_assert_uint_eq(len, 1);
			ck_assert_int_eq(got[0], c);
		}
	}
}
END_TEST

START_TEST(test_python_mixed_string)
{
	/* From Python: json.dumps(s, ensure_ascii=False)[1:-1] for
	 * s = 'a"b\\c\nd\re\tf\bg\fh\x00i\x1fj\x7fk/l\u00e9m\u20acn\U0001F600o\u2028p' */
	static const char in[] = "a\"b\\c\nd\re\tf\bg\fh\0i\x1fj\x7fk/l\xc3\xa9m\xe2\x82\xacn\xf0\x9f\x98\x80o\xe2\x80\xa8p";
	static const char want[] = "a\\\"b\\\\c\\nd\\re\\tf\\bg\\fh\\u0000i\\u001fj\x7fk/l\xc3\xa9m\xe2\x82\xacn"
				   "\xf0\x9f\x98\x80o\xe2\x80\xa8p";
	check_escape_equals(in, sizeof in - 1, want, sizeof want - 1);
	check_escape_matches_ref((const unsigned char *)in, sizeof in - 1);
}
END_TEST

START_TEST(test_empty)
{
	char out[8] = "xxxxxxx";
	const char *in = "";
	ck_assert_ptr_eq(jsonesc_write_string(out, in, 0), out);
	ck_assert_str_eq(out, "xxxxxxx");
	check_escape_equals("", 0, "", 0);
}
END_TEST

START_TEST(test_every_byte_alone)
{
	for (unsigned b = 0; b < 256; b++) {
		unsigned char c = (unsigned char)b;
		check_escape_matches_ref(&c, 1);
	}
	/* Bytes that pass through, spelled out so the reference is not the
	 * only witness. */
	check_escape_equals("\x7f", 1, "\x7f", 1);
	check_escape_equals("/", 1, "/", 1);
	check_escape_equals("\x80", 1, "\x80", 1);
	check_escape_equals("\xff", 1, "\xff", 1);
	check_escape_equals(" ", 1, " ", 1);
}
END_TEST

/* Byte b at every offset 0..40 of strings whose other bytes are plain or
 * themselves need escaping, with tails that end inside and after 16-byte
 * blocks. */
START_TEST(test_every_byte_at_every_offset)
{
	static const size_t tails[] = { 0, 1, 2, 3, 7, 8, 15, 16, 17, 31, 40 };
	static const unsigned char fillers[] = { 'a', '"', 0x01, 0xc3 };
	unsigned char s[40 + 1 + 40];
	for (unsigned b = 0; b < 256; b++)
		for (size_t f = 0; f < sizeof fillers; f++)
			for (size_t off = 0; off <= 40; off++)
				for (size_t t = 0; t < sizeof tails / sizeof tails[0]; t++) {
					size_t n = off + 1 + tails[t];
					memset(s, fillers[f], n);
					s[off] = (unsigned char)b;
					check_escape_matches_ref(s, n);
				}
}
END_TEST

START_TEST(test_multibyte_utf8_unchanged)
{
	static const char *const seqs[] = {
		"\xc3\xa9",	    /* U+00E9 */
		"\xdf\xbf",	    /* U+07FF */
		"\xe2\x82\xac",	    /* U+20AC */
		"\xe2\x80\xa8",	    /* U+2028 line separator */
		"\xe2\x80\xa9",	    /* U+2029 paragraph separator */
		"\xef\xbf\xbd",	    /* U+FFFD */
		"\xf0\x9f\x98\x80", /* U+1F600 */
		"\xf4\x8f\xbf\xbf", /* U+10FFFF */
	};
	char s[64];
	for (size_t k = 0; k < sizeof seqs / sizeof seqs[0]; k++) {
		size_t len = strlen(seqs[k]);
		check_escape_equals(seqs[k], len, seqs[k], len);
		/* Repeated past a block boundary, at every start offset. */
		for (size_t off = 0; off < 20; off++) {
			memset(s, 'x', off);
			size_t n = off;
			while (n + len <= 40) {
				memcpy(s + n, seqs[k], len);
				n += len;
			}
			check_escape_equals(s, n, s, n);
		}
	}
}
END_TEST

START_TEST(test_runs_of_escapes)
{
	unsigned char s[70];
	static const unsigned char bytes[] = { '"', '\\', '\n', 0x00, 0x1f };
	for (size_t k = 0; k < sizeof bytes; k++)
		for (size_t n = 0; n <= sizeof s; n++) {
			memset(s, bytes[k], n);
			check_escape_matches_ref(s, n);
		}
	/* Alternating plain and escaped. */
	for (size_t n = 0; n <= sizeof s; n++) {
		for (size_t i = 0; i < n; i++)
			s[i] = i % 2 ? '"' : 'a';
		check_escape_matches_ref(s, n);
	}
}
END_TEST

/* Mostly plain text with quotes, backslashes, controls, DEL, UTF-8 and
 * stray high bytes mixed in. */
static unsigned char test_random_byte(uint32_t *st)
{
	static const unsigned char odd[] = { '"', '\\', '\n', '\r', '\t', '\b', '\f', 0x00, 0x01, 0x0b,
					     0x1f, 0x20, 0x7f, 0x80, 0xc3, 0xe2, 0xf0, 0xff, '/' };
	uint32_t r = unit_random_next(st);
	if (r % 8)
		return (unsigned char)(' ' + (r >> 8) % 95);
	if (r % 16 == 8)
		return odd[(r >> 8) % sizeof odd];
	return (unsigned char)(r >> 8);
}

START_TEST(test_long_random_string)
{
	size_t n = 1 << 20;
	unsigned char *s = malloc(n);
	ck_assert_ptr_nonnull(s);
	uint32_t st = 12345;
	for (size_t i = 0; i < n; i++)
		s[i] = test_random_byte(&st);
	check_escape_matches_ref(s, n);
	free(s);
}
END_TEST

START_TEST(test_many_short_random_strings)
{
	unsigned char s[100];
	uint32_t st = 777;
	for (int iter = 0; iter < 50000; iter++) {
		size_t n = unit_random_next(&st) % sizeof s;
		for (size_t i = 0; i < n; i++)
			s[i] = test_random_byte(&st);
		check_escape_matches_ref(s, n);
	}
}
END_TEST

static Suite *jsonesc_suite(void)
{
	Suite *s = suite_create("jsonesc");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_reference_matches_python);
	tcase_add_test(tc, test_python_mixed_string);
	tcase_add_test(tc, test_empty);
	tcase_add_test(tc, test_every_byte_alone);
	tcase_add_test(tc, test_every_byte_at_every_offset);
	tcase_add_test(tc, test_multibyte_utf8_unchanged);
	tcase_add_test(tc, test_runs_of_escapes);
	tcase_add_test(tc, test_long_random_string);
	tcase_add_test(tc, test_many_short_random_strings);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run_suite(jsonesc_suite());
}
