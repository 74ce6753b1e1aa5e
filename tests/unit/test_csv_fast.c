/* test_csv_fast.c: the CSV fast path gives csv_slow's records (Python's
 * csv.reader rules): hand-written cases (what it takes itself and what it
 * leaves to csv_slow) and random inputs, each parsed whole by csv_slow and
 * chunk-wise by csv_fast_parse_chunk. */
#include "autoconfig.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connectors/csv_fast.h"
#include "connectors/csv_scan.h"
#include "connectors/csv_slow.h"
#include "tests/unit/unit_main.h"

/* Records rendered as text: [field][field]|term\n per row. */
struct fast_out {
	char buf[1 << 16];
	size_t len, mark;
	int rows;
};

static void fast_put(struct fast_out *o, const char *s, size_t n)
{
	ck_assert_uint_lt(o->len + n, sizeof o->buf);
	memcpy(o->buf + o->len, s, n);
	o->len += n;
	o->buf[o->len] = 0;
}

static void fast_on_field(void *f, size_t len, void *data)
{
	struct fast_out *o = data;
	fast_put(o, "[", 1);
	fast_put(o, f, len);
	fast_put(o, "]", 1);
}

static void fast_on_row(int term, void *data)
{
	struct fast_out *o = data;
	char t[16];
	int n = snprintf(t, sizeof t, "|%d\n", term);
	fast_put(o, t, (size_t)n);
	o->rows++;
	o->mark = o->len;
}

static void fast_on_discard(void *data)
{
	struct fast_out *o = data;
	o->len = o->mark;
	o->buf[o->len] = 0;
}

static void fast_parse_slow(const char *in, size_t n, unsigned char d, unsigned char q, struct fast_out *o)
{
	struct csv_slow p;
	csv_slow_init(&p);
	csv_slow_parse(&p, in, n, d, q, fast_on_field, fast_on_row, o);
	csv_slow_free(&p);
}

/* Cuts the input into chunks of `want` records and parses them the fast way. */
static void fast_parse_chunks(const char *in, size_t n, unsigned char d, unsigned char q, size_t want,
			      struct fast_out *o)
{
	struct csv_scan s;
	csv_scan_init(&s, d, q);
	struct csv_slow p;
	csv_slow_init(&p);
	for (size_t off = 0, cut, got; off < n; off = cut) {
		cut = off + csv_scan_records(&s, in + off, n - off, want, &got);
		csv_fast_parse_chunk(in + off, cut - off, d, q, &p, fast_on_field, fast_on_row, fast_on_discard, o);
	}
	csv_slow_free(&p);
}

static struct fast_out fast_a, fast_b;

static void fast_expect_same(const char *in, size_t n, unsigned char d, unsigned char q, size_t want)
{
	memset(&fast_a, 0, sizeof fast_a);
	memset(&fast_b, 0, sizeof fast_b);
	fast_parse_slow(in, n, d, q, &fast_a);
	fast_parse_chunks(in, n, d, q, want, &fast_b);
	if (fast_a.len != fast_b.len || memcmp(fast_a.buf, fast_b.buf, fast_a.len))
		ck_abort_msg("input <%.*s> (want %zu): csv_slow gave\n%s\nthe fast path gave\n%s", (int)n, in, want,
			     fast_a.buf, fast_b.buf);
}

/* fast_expect_same on each of the n texts, CSV with ',' and '"', asking for
 * 1, 2 and 3 records. */
static void fast_expect_each(const char *const *cases, size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (size_t want = 1; want <= 3; want++)
			fast_expect_same(cases[i], strlen(cases[i]), ',', '"', want);
}

START_TEST(simple_records_parse_alike)
{
	static const char *const cases[] = {
		"a,b,c\n1,2,3\n",
		"a,b\r\n1,2\r\n",
		"a,b\r1,2\r",
		"a,,b\n,,\n,\n",
		"\"q\",\"with, comma\",plain\n",
		"\"line\nbreak\",x\n",
		"\"\",\"\"\n",
		"no,newline,at,end",
		"ends,with,delimiter,",
		"\"quoted at end\"",
		"\n\n\nafter,blank\n\n",
		"a\"b,c\"d\n",
		"  spaces  , kept \n",
		"é,日本,🙂\n",
	};
	fast_expect_each(cases, sizeof cases / sizeof cases[0]);
}
END_TEST

START_TEST(hard_records_go_to_csv_slow)
{
	static const char *const cases[] = {
		"a,\"doubled \"\" quote\",c\n1,2,3\n",
		"\"ab\"cd,ef\nx,y\n",
		"\"ab\" \"c\nd\",e\n",
		"x,\"open quote to the end\n",
		"\"\"\"\"\n",
		"simple,row\n\"hard\"\"row\",z\nsimple,again\n",
		"\"a\"\"\"",
	};
	fast_expect_each(cases, sizeof cases / sizeof cases[0]);
}
END_TEST

START_TEST(other_delimiters_and_quotes)
{
	fast_expect_same("a;b;'c;d'\n1;'it''s';3\n", 22, ';', '\'', 1);
	fast_expect_same("a\tb\t\"c\td\"\n", 11, '\t', '"', 2);
	fast_expect_same("a|b|c\n", 6, '|', '"', 1);
}
END_TEST

START_TEST(random_inputs_parse_alike)
{
	static const char alphabet[] = "\"\",,,\n\r\nab c;";
	char in[200];
	unsigned x = 12345;
	for (int round = 0; round < 20000; round++) {
		size_t n = 0, len = (size_t)(round % 60);
		while (n < len) {
			x = x * 1103515245u + 12345u;
			in[n++] = alphabet[(x >> 16) % (sizeof alphabet - 1)];
		}
		fast_expect_same(in, n, ',', '"', 1 + (size_t)round % 4);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("csv_fast");
	TCase *tc = tcase_create("parse");
	tcase_add_test(tc, simple_records_parse_alike);
	tcase_add_test(tc, hard_records_go_to_csv_slow);
	tcase_add_test(tc, other_delimiters_and_quotes);
	tcase_add_test(tc, random_inputs_parse_alike);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return unit_run_suite(s);
}
