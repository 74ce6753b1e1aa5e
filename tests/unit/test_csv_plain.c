/* test_csv_plain.c: the pass-through's plain records (batch.h) are the
 * records the CSV parsers read: hand-written cases and random inputs where
 * each record csv_plain_record calls plain must end where csv_scan ends it,
 * have the fields csv_slow gives it (through batch_split_plain), and be
 * written by pg_copy_write_plain as a COPY row whose values are those
 * fields, for a tab and for a comma as the delimiter. */
#include "autoconfig.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connectors/csv_plain.h"
#include "connectors/csv_scan.h"
#include "connectors/csv_slow.h"
#include "connectors/pg_copy.h"
#include "pipeline/batch.h"
#include "tests/unit/unit_main.h"
#include "tests/unit/unit_random.h"

#define PLAIN_MAXF 64

/* One record's fields as csv_slow gives them. */
struct plain_slow {
	struct buf bytes;
	size_t off[PLAIN_MAXF], len[PLAIN_MAXF];
	uint32_t n;
	int rows;
};

static void plain_on_field(void *f, size_t len, void *data)
{
	struct plain_slow *o = data;
	if (o->n < PLAIN_MAXF) {
		o->off[o->n] = o->bytes.len;
		o->len[o->n] = len;
	}
	o->n++;
	buf_append(&o->bytes, f, len);
}

static void plain_on_row(int term, void *data)
{
	(void)term;
	struct plain_slow *o = data;
	o->rows++;
}

/* A COPY text row (fields separated by delim) decoded the way the server
 * reads it: backslash and a byte is that byte, or \n \t \r its control byte. */
static uint32_t plain_decode_copy(const char *row, size_t n, unsigned char delim, struct buf *out, size_t *off,
				  size_t *len)
{
	uint32_t k = 0;
	off[0] = out->len;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)row[i];
		if (c == delim) {
			len[k] = out->len - off[k];
			k++;
			ck_assert_uint_lt(k, PLAIN_MAXF);
			off[k] = out->len;
			continue;
		}
		if (c == '\\') {
			ck_assert_uint_lt(i + 1, n);
			c = (unsigned char)row[++i];
			c = c == 'n' ? '\n' : c == 't' ? '\t' : c == 'r' ? '\r' : c;
			ck_assert(c != 'N' && c != 'b' && c != 'f' && c != 'v' && c != 'x' && !(c >= '0' && c <= '7'));
		} else {
			ck_assert(c != '\n' && c != '\r');
		}
		buf_append_byte(out, (char)c);
	}
	len[k] = out->len - off[k];
	return k + 1;
}

/* Checks the record at the start of in[0..n) (not CR or LF) with csv_slow,
 * csv_scan, batch_split_plain and pg_copy_write_plain when csv_plain_record
 * calls it plain. Returns 1 when it is plain. */
static int plain_check_one(const char *in, size_t n, unsigned char d, unsigned char q, uint32_t width)
{
	size_t len = 0;
	if (!csv_plain_record(in, n, d, q, width, &len))
		return 0;
	ck_assert_uint_le(len, n);
	ck_assert(len == n || in[len] == '\n');
	/* csv_scan ends the record there */
	struct csv_scan sc;
	size_t got;
	csv_scan_init(&sc, d, q);
	size_t end = csv_scan_records(&sc, in, n, 1, &got);
	ck_assert_uint_eq(end, len == n ? n : len + 1);
	/* csv_slow reads width fields, which batch_split_plain gives */
	struct plain_slow ref = { 0 };
	struct csv_slow p;
	csv_slow_init(&p);
	csv_slow_parse(&p, in, len, d, q, plain_on_field, plain_on_row, &ref);
	csv_slow_free(&p);
	ck_assert_int_eq(ref.rows, 1);
	ck_assert_uint_eq(ref.n, width);
	struct batch *b = batch_new();
	batch_reserve_records(b, width, 4);
	buf_append(&b->raw, in, len);
	struct plain_format f = { d, q };
	uint32_t r = batch_add_plain(b, 0, (uint32_t)len);
	ck_assert(batch_is_plain(b, r));
	batch_split_plain(b, r, &f);
	ck_assert(!batch_is_plain(b, r));
	const struct field *fr = batch_record(b, r);
	for (uint32_t i = 0; i < width; i++) {
		ck_assert_uint_eq(fr[i].len, ref.len[i]);
		/* (no bytes at all when every field is empty: no pointer to compare) */
		ck_assert(!ref.len[i] || !memcmp(b->data.p + fr[i].off, ref.bytes.p + ref.off[i], ref.len[i]));
	}
	/* the COPY row holds those values */
	char *row = malloc(PG_COPY_BOUND(len) + 1);
	char *o = pg_copy_write_plain(row, in, len, &f);
	ck_assert_uint_le((size_t)(o - row), PG_COPY_BOUND(len));
	struct buf vals = { 0 };
	size_t off[PLAIN_MAXF], vlen[PLAIN_MAXF];
	ck_assert_uint_eq(plain_decode_copy(row, (size_t)(o - row), d, &vals, off, vlen), width);
	for (uint32_t i = 0; i < width; i++) {
		ck_assert_uint_eq(vlen[i], ref.len[i]);
		ck_assert(!ref.len[i] || !memcmp(vals.p + off[i], ref.bytes.p + ref.off[i], ref.len[i]));
	}
	buf_free(&vals);
	free(row);
	batch_free(b);
	buf_free(&ref.bytes);
	return 1;
}

static int plain_is(const char *in, uint32_t width) { return plain_check_one(in, strlen(in), ',', '"', width); }

START_TEST(test_plain_cases)
{
	ck_assert(plain_is("a,b,c\nx", 3));
	ck_assert(plain_is("a,b,c", 3));
	ck_assert(plain_is(",,", 3));
	ck_assert(plain_is("\"\",\"x,y\",z", 3));
	ck_assert(plain_is("\"say \"\"hi\"\"\",b\n", 2));
	ck_assert(plain_is("\"two\nlines\",b\n", 2));
	ck_assert(plain_is("caf\xc3\xa9,\xe6\x9d\xb1\n", 2));
	ck_assert(plain_is("\"\"\"\",b", 2));
	/* what the parsers take */
	ck_assert(!plain_is("a,b\n", 3));	     /* a field short */
	ck_assert(!plain_is("a,b,c,d\n", 3));	     /* one too many */
	ck_assert(!plain_is("a\\b,c\n", 2));	     /* a backslash */
	ck_assert(!plain_is("a\r\nb", 1));	     /* CR */
	ck_assert(!plain_is("a\"b,c\n", 2));	     /* a quote in a bare field */
	ck_assert(!plain_is("\"a\"b,c\n", 2));	     /* text after the closing quote */
	ck_assert(!plain_is("\"a,c\n", 2));	     /* a quote left open */
	ck_assert(!plain_is("\"a\r\",c\n", 2));	     /* CR in quotes */
	ck_assert(!plain_is("caf\xc3,x\n", 2));	     /* invalid UTF-8 */
	ck_assert(!plain_is("\xed\xa0\x80,x\n", 2)); /* a surrogate */
}
END_TEST

/* n bytes of a record: random bytes that matter, or (shaped) fields bare
 * and quoted with one byte at a random place changed now and then. */
static size_t plain_random_record(char *in, uint32_t *st, unsigned char d, unsigned char q, int shaped)
{
	static const char alphabet[] = { 'a',	     'b',	 ',',	     ',',	 '"',	     '"',
					 '\n',	     '\r',	 '\\',	     '\t',	 ' ',	     ';',
					 (char)0xc3, (char)0xa9, (char)0xe2, (char)0x82, (char)0xac, (char)0xff };
	static const char *const bare[] = { "a", "bc", " ", "\xc3\xa9", "\xe2\x82\xac", "\t", "" };
	static const char *const quoted[] = { "a", ",", "\"\"", "\n", " ", "\xc3\xa9", "" };
	size_t n = 0;
	if (!shaped) {
		n = 1 + unit_random_next(st) % 48;
		for (size_t i = 0; i < n; i++)
			in[i] = alphabet[unit_random_next(st) % sizeof alphabet];
	} else {
		uint32_t fields = 1 + unit_random_next(st) % 4;
		for (uint32_t k = 0; k < fields; k++) {
			if (k)
				in[n++] = ',';
			int quote = unit_random_next(st) % 2;
			if (quote)
				in[n++] = '"';
			for (uint32_t parts = unit_random_next(st) % 4; parts--;) {
				const char *p =
				    quote ? quoted[unit_random_next(st) % 7] : bare[unit_random_next(st) % 7];
				memcpy(in + n, p, strlen(p));
				n += strlen(p);
			}
			if (quote)
				in[n++] = '"';
		}
		in[n++] = '\n';
		if (unit_random_next(st) % 4 == 0)
			in[unit_random_next(st) % n] = alphabet[unit_random_next(st) % sizeof alphabet];
	}
	for (size_t i = 0; i < n; i++)
		in[i] = in[i] == ',' ? (char)d : in[i] == '"' ? (char)q : in[i];
	if (in[0] == '\n' || in[0] == '\r')
		in[0] = 'a';
	return n;
}

/* Random records, every record checked where it starts with widths 1 to 4. */
START_TEST(test_plain_random)
{
	static const struct {
		unsigned char d, q;
	} dialects[] = { { ',', '"' }, { '\t', '"' }, { ';', '\'' } };
	uint32_t st = 0x2545F491u;
	int plain = 0, total = 0;
	char in[256];
	for (int round = 0; round < 12000; round++) {
		unsigned char d = dialects[round % 3].d, q = dialects[round % 3].q;
		size_t n = plain_random_record(in, &st, d, q, round % 4 != 0);
		for (uint32_t width = 1; width <= 4; width++) {
			plain += plain_check_one(in, n, d, q, width);
			total++;
		}
	}
	ck_assert_int_gt(plain, total / 10);
}
END_TEST

static Suite *csv_plain_suite(void)
{
	Suite *s = suite_create("csv_plain");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_plain_cases);
	tcase_add_test(tc, test_plain_random);
	suite_add_tcase(s, tc);
	return s;
}

int main(void) { return unit_run_suite(csv_plain_suite()); }
