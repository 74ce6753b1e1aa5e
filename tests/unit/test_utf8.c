/* test_utf8.c: unit tests for UTF-8 validation and U+FFFD replacement
 * (pipeline/utf8.c), against hard-coded Python results and against simple
 * reference code written differently from the implementation. */
#include "autoconfig.h"

#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/base/utf8.h"
#include "tests/unit/unit_main.h"
#include "tests/unit/unit_random.h"

/* Like ck_assert_msg, but without check's per-call bookkeeping, which
 * dominates the run time of the loops below. */
#define TEST_EXPECT(expr, ...)                      \
	do {                                        \
		if (!(expr))                        \
			ck_abort_msg(__VA_ARGS__); \
	} while (0)

#define TEST_FFFD "\xef\xbf\xbd"

/* Decodes the sequence at s[0..n) from its bit patterns; returns its length
 * when it is well-formed, else 0. */
static size_t ref_decode_one(const unsigned char *s, size_t n)
{
	static const uint32_t min_cp[5] = { 0, 0, 0x80, 0x800, 0x10000 };
	size_t len;
	uint32_t cp;
	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0) {
		len = 2;
		cp = s[0] & 0x1fu;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3;
		cp = s[0] & 0x0fu;
	} else if ((s[0] & 0xf8) == 0xf0) {
		len = 4;
		cp = s[0] & 0x07u;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t k = 1; k < len; k++) {
		if ((s[k] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[k] & 0x3fu);
	}
	if (cp < min_cp[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

static size_t ref_find_invalid(const unsigned char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		size_t len = ref_decode_one(s + i, n - i);
		if (!len)
			return i;
		i += len;
	}
	return n;
}

/* Whether s[0..k) (k >= 1) starts some well-formed sequence: the code points
 * it allows, filling the missing bits with all zeros or all ones, must
 * reach a valid code point that needs exactly that many bytes. */
static int ref_is_prefix(const unsigned char *s, size_t k)
{
	size_t len;
	uint32_t lo, hi;
	if ((s[0] & 0xe0) == 0xc0) {
		len = 2;
		lo = 0x80;
		hi = 0x7ff;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3;
		lo = 0x800;
		hi = 0xffff;
	} else if ((s[0] & 0xf8) == 0xf0) {
		len = 4;
		lo = 0x10000;
		hi = 0x10ffff;
	} else {
		return k == 1 && s[0] < 0x80;
	}
	if (k > len)
		return 0;
	uint32_t bits = s[0] & (0x7fu >> len);
	for (size_t j = 1; j < k; j++) {
		if ((s[j] & 0xc0) != 0x80)
			return 0;
		bits = bits << 6 | (s[j] & 0x3fu);
	}
	unsigned missing = (unsigned)(6 * (len - k));
	uint32_t first = bits << missing, last = first | ((1u << missing) - 1);
	if (first < lo)
		first = lo;
	if (last > hi)
		last = hi;
	if (first > last)
		return 0;
	/* Only surrogates left? */
	return !(first >= 0xd800 && last <= 0xdfff);
}

/* Replacement by the definition: each maximal subpart (the longest prefix
 * of a well-formed sequence, at least one byte) becomes one U+FFFD. */
static size_t ref_write_replaced(unsigned char *d, const unsigned char *s, size_t n)
{
	size_t i = 0, o = 0;
	while (i < n) {
		size_t len = ref_decode_one(s + i, n - i);
		if (len) {
			memcpy(d + o, s + i, len);
			o += len;
			i += len;
			continue;
		}
		size_t k = 1;
		while (i + k < n && ref_is_prefix(s + i, k + 1))
			k++;
		memcpy(d + o, TEST_FFFD, 3);
		o += 3;
		i += k;
	}
	return o;
}

/* Runs both functions on an exactly sized heap copy of s[0..n) (so ASan
 * sees any stray access), checks find_invalid against want_bad and returns
 * the replaced output, of length *out_len, to be freed by the caller. */
static unsigned char *check_utf8_run(const void *s, size_t n, size_t want_bad, size_t *out_len)
{
	char *in = malloc(n ? n : 1);
	char *out = malloc(n ? 3 * n : 1);
	TEST_EXPECT(in && out, "out of memory");
	memcpy(in, s, n);
	size_t bad = utf8_find_invalid(in, n);
	TEST_EXPECT(bad == want_bad, "utf8_find_invalid = %zu, want %zu (n=%zu)", bad, want_bad, n);
	*out_len = utf8_write_replaced(out, in, n);
	TEST_EXPECT(*out_len <= 3 * n, "wrote %zu bytes for n=%zu", *out_len, n);
	free(in);
	return (unsigned char *)out;
}

/* Encodes code point cp (not a surrogate) at d; returns its length. */
static size_t test_encode(unsigned char *d, uint32_t cp)
{
	if (cp < 0x80) {
		d[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		d[0] = (unsigned char)(0xc0 | cp >> 6);
		d[1] = (unsigned char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		d[0] = (unsigned char)(0xe0 | cp >> 12);
		d[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		d[2] = (unsigned char)(0x80 | (cp & 0x3f));
		return 3;
	}
	d[0] = (unsigned char)(0xf0 | cp >> 18);
	d[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
	d[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
	d[3] = (unsigned char)(0x80 | (cp & 0x3f));
	return 4;
}

/* A random valid code point, edges of each range included often. */
static uint32_t test_random_code_point(uint32_t *st)
{
	static const uint32_t edges[] = { 0x00, 0x7f, 0x80, 0x7ff, 0x800, 0xfff, 0x1000, 0xd7ff, 0xe000,
					  0xfffd, 0xffff, 0x10000, 0x3ffff, 0x40000, 0xfffff, 0x100000, 0x10ffff, 0x2028 };
	uint32_t r = unit_random_next(st);
	switch (r % 6) {
	case 0: return edges[(r >> 8) % (sizeof edges / sizeof edges[0])];
	case 1: return 0x80 + (r >> 8) % 0x780;
	case 2: {
		uint32_t cp = 0x800 + (r >> 8) % 0xf800;
		return cp >= 0xd800 && cp <= 0xdfff ? cp - 0x800 : cp;
	}
	case 3: return 0x10000 + (r >> 8) % 0x100000;
	default: return (r >> 8) % 0x80;
	}
}

/* Fills exactly n bytes at d with random valid UTF-8. */
static void test_fill_valid(unsigned char *d, size_t n, uint32_t *st)
{
	unsigned char seq[4];
	size_t i = 0;
	while (i < n) {
		size_t len = test_encode(seq, test_random_code_point(st));
		if (len > n - i)
			len = test_encode(seq, 'a' + unit_random_next(st) % 26);
		memcpy(d + i, seq, len);
		i += len;
	}
}

START_TEST(test_reference_self_check)
{
	/* The reference validator agrees with the encoder on every code point,
	 * and rejects every encoded surrogate. */
	unsigned char b[4];
	for (uint32_t cp = 0; cp <= 0x10ffff; cp++) {
		size_t len = test_encode(b, cp);
		size_t want = cp >= 0xd800 && cp <= 0xdfff ? 0 : len;
		TEST_EXPECT(ref_decode_one(b, len) == want, "reference rejects U+%04X", (unsigned)cp);
		if (want)
			for (size_t k = 1; k <= len; k++)
				TEST_EXPECT(ref_is_prefix(b, k), "reference prefix check fails on U+%04X", (unsigned)cp);
	}
}
END_TEST

START_TEST(test_valid_all_lengths)
{
	unsigned char s[300];
	uint32_t st = 99;
	for (size_t n = 0; n <= sizeof s; n++)
		for (int rep = 0; rep < 20; rep++) {
			if (rep == 0)
				memset(s, 'x', n);
			else
				test_fill_valid(s, n, &st);
			TEST_EXPECT(ref_find_invalid(s, n) == n, "generated text is invalid (n=%zu)", n);
			size_t out_len;
			unsigned char *out = check_utf8_run(s, n, n, &out_len);
			TEST_EXPECT(out_len == n && memcmp(out, s, n) == 0, "valid input changed (n=%zu)", n);
			free(out);
		}
}
END_TEST

START_TEST(test_valid_boundaries)
{
	static const char *const seqs[] = {
		"\xc2\x80",	    "\xdf\xbf",		"\xe0\xa0\x80",	    "\xe0\xbf\xbf",
		"\xe1\x80\x80",	    "\xec\xbf\xbf",	"\xed\x80\x80",	    "\xed\x9f\xbf",
		"\xee\x80\x80",	    "\xef\xbf\xbf",	"\xf0\x90\x80\x80", "\xf0\xbf\xbf\xbf",
		"\xf1\x80\x80\x80", "\xf3\xbf\xbf\xbf", "\xf4\x80\x80\x80", "\xf4\x8f\xbf\xbf",
		"\x7f",
	};
	for (size_t k = 0; k < sizeof seqs / sizeof seqs[0]; k++) {
		size_t n = strlen(seqs[k]), out_len;
		unsigned char *out = check_utf8_run(seqs[k], n, n, &out_len);
		ck_assert_uint_eq(out_len, n);
		ck_assert(memcmp(out, seqs[k], n) == 0);
		free(out);
	}
}
END_TEST

/* Ill-formed sequences of each class; bad is where the first error is. */
static const struct {
	const char *s;
	size_t n, bad;
	int at_end_only; /* truncated: only ill-formed when nothing follows */
} invalid_cases[] = {
	{ "\xc0\x80", 2, 0, 0 },	 /* overlong 2-byte */
	{ "\xc1\xbf", 2, 0, 0 },	 /* overlong 2-byte */
	{ "\xe0\x80\x80", 3, 0, 0 },	 /* overlong 3-byte */
	{ "\xe0\x9f\xbf", 3, 0, 0 },	 /* overlong 3-byte */
	{ "\xf0\x80\x80\x80", 4, 0, 0 }, /* overlong 4-byte */
	{ "\xf0\x8f\xbf\xbf", 4, 0, 0 }, /* overlong 4-byte */
	{ "\xed\xa0\x80", 3, 0, 0 },	 /* surrogate U+D800 */
	{ "\xed\xbf\xbf", 3, 0, 0 },	 /* surrogate U+DFFF */
	{ "\xf4\x90\x80\x80", 4, 0, 0 }, /* U+110000 */
	{ "\xf7\xbf\xbf\xbf", 4, 0, 0 }, /* U+1FFFFF */
	{ "\x80", 1, 0, 0 },		 /* lone continuation */
	{ "\xbf", 1, 0, 0 },
	{ "\xc3\xa9\x80", 3, 2, 0 },	  /* continuation after a full sequence */
	{ "\xc3", 1, 0, 1 },		  /* truncated at end */
	{ "\xe2\x82", 2, 0, 1 },	  /* truncated at end */
	{ "\xf0\x9f\x98", 3, 0, 1 },	  /* truncated at end */
	{ "\xc3" "A", 2, 0, 0 },	  /* truncated, then ASCII */
	{ "\xe2\x82" "A", 3, 0, 0 },	  /* truncated, then ASCII */
	{ "\xf0\x9f\x98" "A", 4, 0, 0 }, /* truncated, then ASCII */
	{ "\xe2" "AB", 3, 0, 0 },
	{ "\xf5\x80\x80\x80", 4, 0, 0 }, /* F5..FF never appear */
	{ "\xf8\x88\x80\x80\x80", 5, 0, 0 },
	{ "\xfe", 1, 0, 0 },
	{ "\xff", 1, 0, 0 },
};

START_TEST(test_invalid_classes)
{
	unsigned char s[128];
	static const char *const prefixes[] = { "", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80" };
	static const char *const suffixes[] = { "", "A", "0123456789abcdefghij", "\xc3\xa9" };
	for (size_t c = 0; c < sizeof invalid_cases / sizeof invalid_cases[0]; c++)
		for (size_t pre = 0; pre < sizeof prefixes / sizeof prefixes[0]; pre++)
			for (size_t suf = 0; suf < sizeof suffixes / sizeof suffixes[0]; suf++)
				for (size_t pad = 0; pad <= 40; pad++) {
					size_t pl = strlen(prefixes[pre]), sl = strlen(suffixes[suf]);
					if (invalid_cases[c].at_end_only && sl)
						continue;
					memset(s, 'a', pad);
					memcpy(s + pad, prefixes[pre], pl);
					memcpy(s + pad + pl, invalid_cases[c].s, invalid_cases[c].n);
					memcpy(s + pad + pl + invalid_cases[c].n, suffixes[suf], sl);
					size_t n = pad + pl + invalid_cases[c].n + sl, out_len;
					size_t want = pad + pl + invalid_cases[c].bad;
					TEST_EXPECT(ref_find_invalid(s, n) == want, "reference disagrees, case %zu", c);
					free(check_utf8_run(s, n, want, &out_len));
				}
}
END_TEST

START_TEST(test_f5_to_ff_alone)
{
	for (unsigned b = 0xf5; b <= 0xff; b++) {
		unsigned char s[3] = { 'x', (unsigned char)b, 'y' };
		size_t out_len;
		unsigned char *out = check_utf8_run(s, 3, 1, &out_len);
		ck_assert_uint_eq(out_len, 5);
		ck_assert(memcmp(out, "x" TEST_FFFD "y", 5) == 0);
		free(out);
	}
	for (unsigned b = 0x80; b <= 0xc1; b++) {
		unsigned char s[1] = { (unsigned char)b };
		size_t out_len;
		free(check_utf8_run(s, 1, 0, &out_len));
		ck_assert_uint_eq(out_len, 3);
	}
}
END_TEST

/* Expected values are Python 3.11's: for each input b,
 * first_bad is UnicodeDecodeError.start from b.decode('utf-8') (len(b) when
 * it decodes) and out is b.decode('utf-8', 'replace').encode('utf-8'). */
static const struct {
	const char *in;
	size_t n, first_bad;
	const char *out;
} python_cases[] = {
	{ "\xc0\x80", 2, 0, "\xef\xbf\xbd\xef\xbf\xbd" },
	{ "\xc1\xbf", 2, 0, "\xef\xbf\xbd\xef\xbf\xbd" },
	{ "\xe0\x80\x80", 3, 0, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },
	{ "\xe0\x9f\xbf", 3, 0, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },
	{ "\xf0\x80\x80\x80", 4, 0, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },
	{ "\xf0\x8f\xbf\xbf", 4, 0, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },
	{ "\xed\xa0\x80", 3, 0, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },
	{ "\xed\xbf\xbf", 3, 0, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },
	{ "\xf4\x90\x80\x80", 4, 0, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },
	{ "\xf7\xbf\xbf\xbf", 4, 0, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },
	{ "\x80", 1, 0, "\xef\xbf\xbd" },
	{ "\xbf", 1, 0, "\xef\xbf\xbd" },
	{ "a\x80\x80" "b", 4, 1, "a\xef\xbf\xbd\xef\xbf\xbd" "b" },
	{ "\xc3", 1, 0, "\xef\xbf\xbd" },
	{ "\xe2\x82", 2, 0, "\xef\xbf\xbd" },
	{ "\xf0\x9f\x98", 3, 0, "\xef\xbf\xbd" },
	{ "\xe2\x82" "a", 3, 0, "\xef\xbf\xbd" "a" },
	{ "\xf0\x9f\x98" "a", 4, 0, "\xef\xbf\xbd" "a" },
	{ "\xf0\x9f" "a", 3, 0, "\xef\xbf\xbd" "a" },
	{ "\xc3" "a", 2, 0, "\xef\xbf\xbd" "a" },
	{ "\xf5", 1, 0, "\xef\xbf\xbd" },
	{ "\xf8\x88\x80\x80\x80", 5, 0, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },
	{ "\xfe\xff", 2, 0, "\xef\xbf\xbd\xef\xbf\xbd" },
	{ "\xff", 1, 0, "\xef\xbf\xbd" },
	{ "\xe2\x82\xac\xe2\x82", 5, 3, "\xe2\x82\xac\xef\xbf\xbd" },
	{ "a\xf1\x80\x80\xe1\x80\xc2" "b\x80" "c\x80\xbf" "d", 13, 1,
	  "a\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" "b\xef\xbf\xbd" "c\xef\xbf\xbd\xef\xbf\xbd" "d" },
	{ "\xc3\xa9\xed\x9f\xbf\xee\x80\x80\xf4\x8f\xbf\xbf", 12, 12,
	  "\xc3\xa9\xed\x9f\xbf\xee\x80\x80\xf4\x8f\xbf\xbf" },
	{ "\xe0\xa0\x80\xf0\x90\x80\x80", 7, 7, "\xe0\xa0\x80\xf0\x90\x80\x80" },
	{ "\xc2" "A", 2, 0, "\xef\xbf\xbd" "A" },
	{ "\xe1\x80\xe1\x80\x80", 5, 0, "\xef\xbf\xbd\xe1\x80\x80" },
	{ "\xf4\x8f\xbf", 3, 0, "\xef\xbf\xbd" },
	{ "\xf1\x80\x80\xc0", 4, 0, "\xef\xbf\xbd\xef\xbf\xbd" },
	{ "0123456789abcdef\xed\xa0\x80", 19, 16, "0123456789abcdef\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },
	{ "", 0, 0, "" },
};

START_TEST(test_replacement_matches_python)
{
	for (size_t c = 0; c < sizeof python_cases / sizeof python_cases[0]; c++) {
		size_t n = python_cases[c].n, want_len = strlen(python_cases[c].out), out_len;
		unsigned char *out = check_utf8_run(python_cases[c].in, n, python_cases[c].first_bad, &out_len);
		ck_assert_msg(out_len == want_len && memcmp(out, python_cases[c].out, want_len) == 0,
			      "replacement of case %zu differs from Python", c);
		free(out);
		/* The reference replacer agrees too. */
		unsigned char ref[64];
		ck_assert_uint_eq(ref_write_replaced(ref, (const unsigned char *)python_cases[c].in, n), want_len);
		ck_assert(memcmp(ref, python_cases[c].out, want_len) == 0);
	}
}
END_TEST

/* Mostly bytes that make or break sequences. */
static unsigned char test_random_byte(uint32_t *st)
{
	static const unsigned char odd[] = { 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf,
					     0xe0, 0xe1, 0xec, 0xed, 0xee, 0xef, 0xf0, 0xf1, 0xf3, 0xf4,
					     0xf5, 0xf7, 0xf8, 0xfe, 0xff, 'A', 0x00, 0x7f };
	uint32_t r = unit_random_next(st);
	switch (r % 4) {
	case 0: return (unsigned char)(r >> 8);
	case 1: return (unsigned char)(0x80 + (r >> 8) % 0x40);
	case 2: return odd[(r >> 8) % sizeof odd];
	default: return (unsigned char)((r >> 8) % 0x80);
	}
}

START_TEST(test_fuzz_against_reference)
{
	unsigned char s[48], ref[3 * sizeof s];
	uint32_t st = 2024;
	for (int iter = 0; iter < 200000; iter++) {
		size_t n = unit_random_next(&st) % (sizeof s + 1);
		int kind = (int)(unit_random_next(&st) % 3);
		if (kind == 0) {
			for (size_t i = 0; i < n; i++)
				s[i] = test_random_byte(&st);
		} else {
			/* Valid text with a few bytes flipped (or none). */
			test_fill_valid(s, n, &st);
			for (int f = 0; n && f < kind - 1 + (int)(unit_random_next(&st) % 2); f++)
				s[unit_random_next(&st) % n] = test_random_byte(&st);
		}
		size_t want_bad = ref_find_invalid(s, n), out_len;
		unsigned char *out = check_utf8_run(s, n, want_bad, &out_len);
		TEST_EXPECT(ref_find_invalid(out, out_len) == out_len, "replaced output is not valid UTF-8");
		TEST_EXPECT(want_bad != n || (out_len == n && memcmp(out, s, n) == 0), "valid input changed");
		size_t ref_len = ref_write_replaced(ref, s, n);
		TEST_EXPECT(out_len == ref_len && memcmp(out, ref, ref_len) == 0,
			    "replacement differs from the reference (iteration %d)", iter);
		free(out);
	}
}
END_TEST

static Suite *utf8_suite(void)
{
	Suite *s = suite_create("utf8");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_reference_self_check);
	tcase_add_test(tc, test_valid_all_lengths);
	tcase_add_test(tc, test_valid_boundaries);
	tcase_add_test(tc, test_invalid_classes);
	tcase_add_test(tc, test_f5_to_ff_alone);
	tcase_add_test(tc, test_replacement_matches_python);
	tcase_add_test(tc, test_fuzz_against_reference);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run_suite(utf8_suite());
}
