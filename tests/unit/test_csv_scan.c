/* test_csv_scan.c: unit tests of the CSV record-boundary scanner.
 *
 * The scanner is checked against a byte-at-a-time reference state machine
 * written here, on hand-written cases and on random inputs; and, the property
 * the CSV source relies on, against csv_slow (the parser, Python's csv.reader
 * rules): cutting the input at the
 * boundaries the scanner returns (however the input was fed to it, in pieces
 * of any size and with any `want`) and parsing every chunk with a fresh
 * parser gives exactly the records of one parser run over the whole input. */
#include "autoconfig.h"

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connectors/csv_scan.h"
#include "connectors/csv_slow.h"
#include "tests/unit/unit_main.h"

/* Check's ck_assert records a checkpoint (a write to a file) on every
 * success, far too slow in the inner loops: there, only fail. */
/* ---- small helpers ---------------------------------------------------- */

struct test_rng {
	uint64_t x;
};

static void test_rng_seed(struct test_rng *r, uint64_t seed)
{
	r->x = seed * 0x9E3779B97F4A7C15ull + 0x2545F4914F6CDD1Dull;
	if (r->x == 0)
		r->x = 1;
}

static uint64_t test_rng_next(struct test_rng *r)
{
	uint64_t x = r->x;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	r->x = x;
	return x * 0x2545F4914F6CDD1Dull;
}

static size_t test_rng_below(struct test_rng *r, size_t n)
{
	return (size_t)(test_rng_next(r) % n);
}

static void *test_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	unit_require(p != NULL, "out of memory");
	return p;
}

/* ---- the reference state machine ---------------------------------------- */

/* Byte by byte, in the order Python's csv.reader (default dialect) tests a
 * byte in each of its states. */
enum test_ref_state { REF_ROW, REF_FIELD, REF_UNQUOTED, REF_QUOTED, REF_QUOTE };

struct test_ref {
	size_t *bounds;       /* offset just past each completed record */
	size_t nbounds;
	size_t *starts;       /* offset of the first byte of each record, the last
			       * one (flushed by csv_fini) included */
	uint64_t *start_lfs;  /* LFs before each start */
	size_t nstarts;
	uint64_t lines;       /* LFs in the input */
	int at_boundary;      /* state at the end is "no record pending" */
};

static void test_ref_scan(const char *in, size_t n, unsigned char d, unsigned char q, struct test_ref *r)
{
	int st = REF_ROW;
	r->bounds = test_xmalloc((n + 1) * sizeof *r->bounds);
	r->starts = test_xmalloc((n + 1) * sizeof *r->starts);
	r->start_lfs = test_xmalloc((n + 1) * sizeof *r->start_lfs);
	r->nbounds = r->nstarts = 0;
	r->lines = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)in[i];
		int term = c == '\r' || c == '\n';
		int done = 0;
		if (st == REF_ROW && !term) {
			r->starts[r->nstarts] = i;
			r->start_lfs[r->nstarts++] = r->lines;
		}
		if (c == '\n')
			r->lines++;
		switch (st) {
		case REF_ROW:
		case REF_FIELD:
			if (term) {
				done = st == REF_FIELD;
				st = REF_ROW;
			} else if (c == q) {
				st = REF_QUOTED;
			} else if (c == d) {
				st = REF_FIELD;
			} else {
				st = REF_UNQUOTED;
			}
			break;
		case REF_UNQUOTED:
			if (term)
				done = 1, st = REF_ROW;
			else if (c == d)
				st = REF_FIELD;
			break;
		case REF_QUOTED:
			if (c == q)
				st = REF_QUOTE;
			break;
		case REF_QUOTE:
			if (c == q)
				st = REF_QUOTED;
			else if (c == d)
				st = REF_FIELD;
			else if (term)
				done = 1, st = REF_ROW;
			else
				st = REF_UNQUOTED;
			break;
		}
		if (done)
			r->bounds[r->nbounds++] = i + 1;
	}
	r->at_boundary = st == REF_ROW;
}

static void test_ref_free(struct test_ref *r)
{
	free(r->bounds);
	free(r->starts);
	free(r->start_lfs);
}

/* ---- csv_slow, serialised ----------------------------------------------- */

/* Records as bytes: 'F' + 8-byte length + bytes per field, 'R' + the
 * terminator csv_slow reports per record. */
struct test_out {
	unsigned char *b;
	size_t len, cap;
	size_t fields, rows;
};

static void test_out_put(struct test_out *o, const void *p, size_t n)
{
	if (o->len + n > o->cap) {
		size_t cap = o->cap ? o->cap : 256;
		while (cap < o->len + n)
			cap *= 2;
		o->b = realloc(o->b, cap);
		unit_require(o->b != NULL, "out of memory");
		o->cap = cap;
	}
	if (n)
		memcpy(o->b + o->len, p, n);
	o->len += n;
}

static void test_out_field(void *s, size_t len, void *data)
{
	struct test_out *o = data;
	uint64_t l = len;
	test_out_put(o, "F", 1);
	test_out_put(o, &l, sizeof l);
	if (len)
		test_out_put(o, s, len);
	o->fields++;
}

static void test_out_row(int c, void *data)
{
	struct test_out *o = data;
	int32_t t = c;
	test_out_put(o, "R", 1);
	test_out_put(o, &t, sizeof t);
	o->rows++;
}

/* Parses in[0..n) with a fresh parser, appending to o. */
static void test_parse(const char *in, size_t n, unsigned char d, unsigned char q, struct test_out *o)
{
	struct csv_slow p;
	csv_slow_init(&p);
	csv_slow_parse(&p, in, n, d, q, test_out_field, test_out_row, o);
	csv_slow_free(&p);
}

static void test_out_free(struct test_out *o)
{
	free(o->b);
	memset(o, 0, sizeof *o);
}

/* ---- feeding the scanner ------------------------------------------------ */

struct test_feed {
	const size_t *edges; /* ends of the pieces, increasing, the last one n */
	size_t nedges;
	const size_t *wants; /* `want` of each chunk in turn, cycled */
	size_t nwants;
};

/* Feeds in[0..n) to a scanner piece by piece (each piece copied to a heap
 * block of its exact size, so that a read past buf + n trips ASan) and
 * records the cuts: the absolute offsets where chunks end. Returns the count
 * of cuts; *end gets the final scanner. */
static size_t test_feed_scan(const char *in, size_t n, unsigned char d, unsigned char q,
			     const struct test_feed *f, size_t *cuts, struct csv_scan *end)
{
	struct csv_scan s;
	size_t ncuts = 0, w = 0, left = f->wants[0], start = 0;
	csv_scan_init(&s, d, q);
	for (size_t e = 0; e < f->nedges; e++) {
		size_t stop = f->edges[e], len = stop - start;
		char *piece = test_xmalloc(len);
		memcpy(piece, in + start, len);
		size_t off = 0;
		while (off < len) {
			size_t got = 99999;
			uint64_t before = s.records;
			size_t r = csv_scan_records(&s, piece + off, len - off, left, &got);
			unit_require(r <= len - off, "returned %zu, past the %zu bytes given", r, len - off);
			unit_require(got <= left, "got %zu records, more than the %zu wanted", got, left);
			unit_require(s.records - before == got, "records counter moved by %llu, got %zu",
				     (unsigned long long)(s.records - before), got);
			unit_require(got == left || r == len - off, "stopped at %zu of %zu with %zu < %zu records", r,
				     len - off, got, left);
			unit_require(got < left || r > 0, "a record completed in 0 bytes");
			off += r;
			left -= got;
			if (left == 0) {
				unit_require(csv_scan_at_boundary(&s), "not at a boundary after the wanted records");
				cuts[ncuts++] = start + off;
				w = (w + 1) % f->nwants;
				left = f->wants[w];
			}
		}
		free(piece);
		start = stop;
	}
	unit_require(start == n, "pieces cover %zu of %zu bytes", start, n);
	*end = s;
	return ncuts;
}

/* Checks one feeding of in[0..n): the cuts fall on the reference boundaries
 * every `want` records, the counters agree with the reference, and parsing
 * the chunks one by one gives what parsing the whole gave (whole). */
static void test_check_feed(const char *in, size_t n, unsigned char d, unsigned char q, const struct test_ref *ref,
			    const struct test_out *whole, const struct test_feed *f, const char *what)
{
	size_t *cuts = test_xmalloc((n + 1) * sizeof *cuts);
	struct csv_scan s;
	size_t ncuts = test_feed_scan(in, n, d, q, f, cuts, &s);

	size_t cum = 0, expect = 0;
	for (size_t w = 0;; w = (w + 1) % f->nwants) {
		cum += f->wants[w];
		if (cum > ref->nbounds)
			break;
		unit_require(expect < ncuts, "%s: missing cut %zu", what, expect);
		unit_require(cuts[expect] == ref->bounds[cum - 1], "%s: cut %zu at %zu, reference %zu", what,
			      expect, cuts[expect], ref->bounds[cum - 1]);
		expect++;
	}
	unit_require(ncuts == expect, "%s: %zu cuts, expected %zu", what, ncuts, expect);
	unit_require(s.records == ref->nbounds, "%s: records %llu, reference %zu", what,
		      (unsigned long long)s.records, ref->nbounds);
	unit_require(s.lines == ref->lines, "%s: lines %llu, reference %llu", what, (unsigned long long)s.lines,
		      (unsigned long long)ref->lines);
	unit_require(csv_scan_at_boundary(&s) == ref->at_boundary, "%s: boundary state differs", what);

	struct test_out part = { 0 };
	size_t prev = 0;
	for (size_t i = 0; i <= ncuts; i++) {
		size_t stop = i < ncuts ? cuts[i] : n;
		test_parse(in + prev, stop - prev, d, q, &part);
		prev = stop;
	}
	unit_require(part.rows == whole->rows && part.fields == whole->fields,
		      "%s: chunks gave %zu rows %zu fields, whole %zu rows %zu fields", what, part.rows,
		      part.fields, whole->rows, whole->fields);
	unit_require(part.len == whole->len && (part.len == 0 || memcmp(part.b, whole->b, part.len) == 0),
		      "%s: chunked records differ from whole", what);
	test_out_free(&part);
	free(cuts);
}

/* Checks csv_scan_line_of_record on in[0..n) from its start and from every
 * reference boundary, against the reference starts. */
static void test_check_lines_of(const char *in, size_t n, unsigned char d, unsigned char q, const struct test_ref *ref)
{
	for (size_t b = 0; b <= ref->nbounds; b += 1 + ref->nbounds / 8) {
		size_t from = b ? ref->bounds[b - 1] : 0;
		uint64_t lfs = 0;
		for (size_t i = 0; i < from; i++)
			lfs += in[i] == '\n';
		uint64_t first = 7 + lfs;
		for (size_t k = 0; k + b <= ref->nstarts + 1; k++) {
			uint64_t got = csv_scan_line_of_record(in + from, n - from, d, q, k, first);
			uint64_t want = k + b < ref->nstarts ? 7 + ref->start_lfs[k + b] : 0;
			unit_require(got == want, "line_of_record(from %zu, k %zu) = %llu, expected %llu", from, k,
				      (unsigned long long)got, (unsigned long long)want);
		}
	}
}

/* Every check on one input: whole-input csv_slow run, reference, feedings in
 * one piece, in 1-byte pieces, in two pieces split at every offset, and
 * `random_feeds` random feedings. */
static void test_check_input(const char *in, size_t n, unsigned char d, unsigned char q, struct test_rng *rng,
			     int random_feeds, const char *what)
{
	struct test_ref ref;
	struct test_out whole = { 0 };
	size_t *edges = test_xmalloc((n + 1) * sizeof *edges);
	size_t wants[16];
	struct test_feed f = { edges, 0, wants, 0 };
	char msg[160];

	test_ref_scan(in, n, d, q, &ref);
	test_parse(in, n, d, q, &whole);
	/* csv_slow's own count: the scanner's records plus the one the end flushes */
	unit_require(whole.rows == ref.nbounds + !ref.at_boundary, "%s: csv_slow rows %zu, reference %zu+%d", what,
		      whole.rows, ref.nbounds, !ref.at_boundary);

	/* one piece, want 1 and a huge want */
	edges[0] = n;
	f.nedges = 1;
	wants[0] = 1;
	f.nwants = 1;
	snprintf(msg, sizeof msg, "%s, one piece, want 1", what);
	test_check_feed(in, n, d, q, &ref, &whole, &f, msg);
	wants[0] = (size_t)-1;
	snprintf(msg, sizeof msg, "%s, one piece, want max", what);
	test_check_feed(in, n, d, q, &ref, &whole, &f, msg);

	/* every offset an edge at once: 1-byte pieces */
	for (size_t i = 0; i < n; i++)
		edges[i] = i + 1;
	f.nedges = n;
	for (size_t w = 1; w <= 3; w++) {
		wants[0] = w;
		snprintf(msg, sizeof msg, "%s, 1-byte pieces, want %zu", what, w);
		test_check_feed(in, n, d, q, &ref, &whole, &f, msg);
	}

	/* two pieces, split at every offset */
	for (size_t cut = 0; cut <= n; cut++) {
		f.nedges = 0;
		if (cut > 0 && cut < n)
			edges[f.nedges++] = cut;
		edges[f.nedges++] = n;
		if (n == 0)
			f.nedges = 0;
		f.nwants = 1 + test_rng_below(rng, 3);
		for (size_t i = 0; i < f.nwants; i++)
			wants[i] = 1 + test_rng_below(rng, 3);
		snprintf(msg, sizeof msg, "%s, split at %zu", what, cut);
		test_check_feed(in, n, d, q, &ref, &whole, &f, msg);
	}

	/* random pieces and wants */
	for (int t = 0; t < random_feeds; t++) {
		size_t maxp = (size_t[]){ 1, 2, 3, 7, 16, 33, 100, 1000 }[test_rng_below(rng, 8)];
		size_t at = 0;
		f.nedges = 0;
		while (at < n) {
			at += 1 + test_rng_below(rng, maxp);
			if (at > n)
				at = n;
			edges[f.nedges++] = at;
		}
		f.nwants = 1 + test_rng_below(rng, 16);
		for (size_t i = 0; i < f.nwants; i++)
			wants[i] = test_rng_below(rng, 4) ? 1 + test_rng_below(rng, 4) : 1 + test_rng_below(rng, 50);
		snprintf(msg, sizeof msg, "%s, random feed %d", what, t);
		test_check_feed(in, n, d, q, &ref, &whole, &f, msg);
	}

	test_check_lines_of(in, n, d, q, &ref);
	test_out_free(&whole);
	test_ref_free(&ref);
	free(edges);
}

/* ---- hand-written cases ------------------------------------------------- */

struct test_case {
	const char *in;
	size_t len; /* 0: strlen(in) */
	unsigned char delim, quote;
	size_t bounds[8];
	size_t nbounds;
	uint64_t lines;
	int at_boundary;
	uint64_t start_lines[8]; /* 1-based line of each record, the unterminated last one too */
	size_t nstarts;
};

static const struct test_case test_cases[] = {
	{ "a,b\nc,d\n", 0, ',', '"', { 4, 8 }, 2, 2, 1, { 1, 2 }, 2 },
	{ "a\"b,c\n", 0, ',', '"', { 6 }, 1, 1, 1, { 1 }, 1 },
	/* text after a closing quote: the rest of the field is unquoted (Python) */
	{ "\"ab\"cd,ef\nxx", 0, ',', '"', { 10 }, 1, 1, 0, { 1, 2 }, 2 },
	{ "\"ab\"cd\nef\n", 0, ',', '"', { 7, 10 }, 2, 2, 1, { 1, 2 }, 2 },
	{ "\"ab\" \"c\nd\",e\n", 0, ',', '"', { 8, 13 }, 2, 2, 1, { 1, 2 }, 2 },
	{ "\"x\" ,y\n1,2\n", 0, ',', '"', { 7, 11 }, 2, 2, 1, { 1, 2 }, 2 },
	{ "\"a\"\"b\"\n\"\"\n,\n", 0, ',', '"', { 7, 10, 12 }, 3, 3, 1, { 1, 2, 3 }, 3 },
	{ "\n\r\n\r\rx\n\n", 0, ',', '"', { 7 }, 1, 4, 1, { 3 }, 1 },
	{ "a,b\r\nc\r\n", 0, ',', '"', { 4, 7 }, 2, 2, 1, { 1, 2 }, 2 },
	{ "\"x\r\ny\rz\nw\",1\r\n2", 0, ',', '"', { 13 }, 1, 3, 0, { 1, 4 }, 2 },
	{ "\"a\r\",\"\n\"\r\"\r\"\n", 0, ',', '"', { 9, 13 }, 2, 2, 1, { 1, 2 }, 2 },
	{ "\"ab\"", 0, ',', '"', { 0 }, 0, 0, 0, { 1 }, 1 },
	{ "\"ab\"\"", 0, ',', '"', { 0 }, 0, 0, 0, { 1 }, 1 },
	{ "", 0, ',', '"', { 0 }, 0, 0, 1, { 0 }, 0 },
	{ ",", 0, ',', '"', { 0 }, 0, 0, 0, { 1 }, 1 },
	{ "\n\n\r\n", 0, ',', '"', { 0 }, 0, 3, 1, { 0 }, 0 },
	{ "a;\"b;c\"\n\"d\";e\n", 0, ';', '"', { 8, 14 }, 2, 2, 1, { 1, 2 }, 2 },
	{ ";\"x,\"\ny,\"z\n", 0, ';', '"', { 6, 11 }, 2, 2, 1, { 1, 2 }, 2 },
	{ "a\t\"b\tc\"\td\n", 0, '\t', '"', { 10 }, 1, 1, 1, { 1 }, 1 },
	{ "x,\"y\n\t\"z\n\"\n", 0, '\t', '"', { 5, 11 }, 2, 3, 1, { 1, 2 }, 2 },
	{ "'it''s',\"a\n'b\n'\n", 0, ',', '\'', { 11, 16 }, 2, 3, 1, { 1, 2 }, 2 },
	{ "\"x\"y'\n'\n'\n", 0, ',', '\'', { 6, 10 }, 2, 3, 1, { 1, 2 }, 2 },
	{ "a\0b,\"\0\"\n", 8, ',', '"', { 8 }, 1, 1, 1, { 1 }, 1 },
	/* odd configurations take the byte-at-a-time path */
	{ "a\"b\"c\n\"x\n", 0, '"', '"', { 6 }, 1, 2, 0, { 1, 2 }, 2 },
	{ "a\nb\"c\n\nd", 0, '\n', '"', { 2, 6 }, 2, 3, 0, { 1, 2, 4 }, 3 },
	{ "a\rb\n\rc", 0, ',', '\r', { 2, 4 }, 2, 1, 0, { 1, 1, 2 }, 3 },
};

START_TEST(test_cases_match)
{
	const struct test_case *c = &test_cases[_i];
	size_t n = c->len ? c->len : strlen(c->in);
	struct test_ref ref;
	struct test_rng rng;
	char what[64];

	test_ref_scan(c->in, n, c->delim, c->quote, &ref);
	/* the reference against the hand-written expectations */
	ck_assert_uint_eq(ref.nbounds, c->nbounds);
	for (size_t i = 0; i < c->nbounds; i++)
		ck_assert_uint_eq(ref.bounds[i], c->bounds[i]);
	ck_assert_uint_eq(ref.lines, c->lines);
	ck_assert_int_eq(ref.at_boundary, c->at_boundary);
	ck_assert_uint_eq(ref.nstarts, c->nstarts);
	for (size_t i = 0; i < c->nstarts; i++)
		ck_assert_uint_eq(1 + ref.start_lfs[i], c->start_lines[i]);
	for (size_t k = 0; k <= c->nstarts; k++)
		ck_assert_uint_eq(csv_scan_line_of_record(c->in, n, c->delim, c->quote, k, 1),
				  (k < c->nstarts ? c->start_lines[k] : 0));
	test_ref_free(&ref);

	/* the scanner against the reference and csv_slow, every way */
	snprintf(what, sizeof what, "case %d", _i);
	test_rng_seed(&rng, (uint64_t)_i + 1000);
	test_check_input(c->in, n, c->delim, c->quote, &rng, 50, what);
}
END_TEST

START_TEST(test_want_zero)
{
	struct csv_scan s;
	size_t got = 5;
	csv_scan_init(&s, ',', '"');
	ck_assert_uint_eq(csv_scan_records(&s, "a\nb\n", 4, 0, &got), 0);
	ck_assert_uint_eq(got, 0);
	ck_assert_uint_eq(s.records, 0);
	ck_assert_uint_eq(s.lines, 0);
	ck_assert(csv_scan_at_boundary(&s));
	ck_assert_uint_eq(csv_scan_records(&s, "a\nb\n", 0, 3, &got), 0);
	ck_assert_uint_eq(got, 0);
}
END_TEST

/* A quote as the last byte of one call: the next call's first byte decides. */
START_TEST(test_quote_at_piece_end)
{
	static const struct {
		const char *second;
		size_t off;          /* returned by the second call, want 1 */
		size_t got;
		int boundary;
	} next[] = {
		{ "\"x\"\n", 4, 1, 1 }, /* "" is a literal quote; x; closing quote; LF */
		{ ",y\n", 3, 1, 1 },    /* closing quote, next field, LF */
		{ "\nz\n", 1, 1, 1 },   /* closing quote, LF */
		{ "\r\n", 1, 1, 1 },    /* closing quote, CR */
		{ "q,\n", 3, 1, 1 },    /* text after the closing quote: unquoted, LF ends */
		{ "q\"\n", 3, 1, 1 },   /* ... and a quote in it is an ordinary byte */
	};
	for (size_t i = 0; i < sizeof next / sizeof next[0]; i++) {
		struct csv_scan s;
		size_t got;
		csv_scan_init(&s, ',', '"');
		ck_assert_uint_eq(csv_scan_records(&s, "\"ab\"", 4, 1, &got), 4);
		ck_assert_uint_eq(got, 0);
		ck_assert(!csv_scan_at_boundary(&s));
		ck_assert_uint_eq(csv_scan_records(&s, next[i].second, strlen(next[i].second), 1, &got),
				  next[i].off);
		ck_assert_uint_eq(got, next[i].got);
		ck_assert_int_eq(csv_scan_at_boundary(&s), next[i].boundary);
	}
}
END_TEST

/* ---- random inputs -------------------------------------------------------- */

/* Random CSV-ish bytes, weighted towards the bytes that matter. */
static size_t test_gen_input(struct test_rng *r, char *out, size_t max, unsigned char d, unsigned char q)
{
	static const char *const utf8[] = { "\xc3\xa9", "\xe6\x9d\xb1", "\xf0\x9f\x98\x80", "\xce\xb1", "\xc2\xa0" };
	size_t n = 0, len = test_rng_below(r, max + 1);
	while (n < len) {
		size_t k = test_rng_below(r, 100);
		if (k < 18) {
			out[n++] = (char)q;
		} else if (k < 32) {
			out[n++] = (char)d;
		} else if (k < 44) {
			out[n++] = '\n';
		} else if (k < 50) {
			out[n++] = '\r';
		} else if (k < 54) {
			out[n++] = "\",;\t'|"[test_rng_below(r, 6)];
		} else if (k < 60) {
			const char *u = utf8[test_rng_below(r, 5)];
			for (size_t i = 0; u[i] && n < len; i++)
				out[n++] = u[i];
		} else if (k < 63) {
			out[n++] = (char)test_rng_below(r, 256);
		} else if (k < 66) {
			/* a long ordinary run, for the 16/32-byte SIMD loops */
			size_t run = 16 + test_rng_below(r, 70);
			for (size_t i = 0; i < run && n < len; i++)
				out[n++] = (char)('a' + test_rng_below(r, 26));
		} else {
			out[n++] = (char)('a' + test_rng_below(r, 26));
		}
	}
	return n;
}

static const struct {
	unsigned char delim, quote;
} test_configs[] = {
	{ ',', '"' }, { ';', '"' }, { '\t', '"' }, { '|', '"' }, { ',', '\'' }, { ';', '\'' },
};

/* Long random inputs, many random feedings each. */
START_TEST(test_random_property)
{
	char buf[1200];
	for (unsigned seed = 1; seed <= 150; seed++) {
		struct test_rng rng;
		char what[64];
		test_rng_seed(&rng, seed + 100000u * (unsigned)_i);
		unsigned char d = test_configs[seed % 6].delim, q = test_configs[seed % 6].quote;
		size_t n = test_gen_input(&rng, buf, sizeof buf, d, q);
		snprintf(what, sizeof what, "seed %u/%d (delim %d quote %d, %zu bytes)", seed, _i, d, q, n);
		test_check_input(buf, n, d, q, &rng, 40, what);
	}
}
END_TEST

/* Short random inputs, where every quote and newline soon meets an edge. */
START_TEST(test_random_short)
{
	char buf[40];
	for (unsigned seed = 1; seed <= 3000; seed++) {
		struct test_rng rng;
		char what[64];
		test_rng_seed(&rng, seed + 7777777u);
		unsigned char d = test_configs[seed % 6].delim, q = test_configs[seed % 6].quote;
		size_t n = test_gen_input(&rng, buf, sizeof buf, d, q);
		snprintf(what, sizeof what, "short seed %u (delim %d quote %d)", seed, d, q);
		test_check_input(buf, n, d, q, &rng, 8, what);
	}
}
END_TEST

/* Configurations where delimiter, quote, CR and LF are not all distinct. */
START_TEST(test_random_odd_configs)
{
	static const unsigned char odd[][2] = { { '"', '"' }, { '\n', '"' }, { '\r', '"' },
						{ ',', '\n' }, { ',', '\r' }, { '\n', '\n' } };
	char buf[200];
	for (unsigned seed = 1; seed <= 300; seed++) {
		struct test_rng rng;
		char what[64];
		test_rng_seed(&rng, seed + 555u);
		unsigned char d = odd[seed % 6][0], q = odd[seed % 6][1];
		size_t n = test_gen_input(&rng, buf, sizeof buf, d, q);
		snprintf(what, sizeof what, "odd seed %u (delim %d quote %d)", seed, d, q);
		test_check_input(buf, n, d, q, &rng, 10, what);
	}
}
END_TEST

/* Big input of realistic rows fed in uneven pieces (the SIMD loops at speed). */
START_TEST(test_realistic_rows)
{
	struct test_rng rng;
	size_t cap = 1 << 18, n = 0;
	char *buf = test_xmalloc(cap);
	test_rng_seed(&rng, 42);
	while (n + 300 < cap) {
		n += (size_t)snprintf(buf + n, cap - n, "%llu,%llu.%02u,2025-01-01T00:00:00Z,word word,",
				      (unsigned long long)test_rng_below(&rng, 1000000),
				      (unsigned long long)test_rng_below(&rng, 10000), (unsigned)test_rng_below(&rng, 100));
		size_t kind = test_rng_below(&rng, 10);
		if (kind == 0)
			n += (size_t)snprintf(buf + n, cap - n, "\"he said \"\"hi\"\", then left\",");
		else if (kind == 1)
			n += (size_t)snprintf(buf + n, cap - n, "\"two\nlines, %u\",", (unsigned)test_rng_below(&rng, 9));
		else
			n += (size_t)snprintf(buf + n, cap - n, "\"alpha, bravo and charlie\",");
		n += (size_t)snprintf(buf + n, cap - n, "Z\xc3\xbcrich,tag;tag;tag%s", kind == 2 ? "\r\n" : "\n");
	}
	test_check_input(buf, n > 6000 ? 6000 : n, ',', '"', &rng, 5, "realistic head");

	struct test_ref ref;
	struct test_out whole = { 0 };
	size_t edges[4096], wants[4] = { 1, 100, 7, 1000 };
	struct test_feed f = { edges, 0, wants, 4 };
	test_ref_scan(buf, n, ',', '"', &ref);
	test_parse(buf, n, ',', '"', &whole);
	for (int t = 0; t < 4; t++) {
		size_t at = 0;
		f.nedges = 0;
		while (at < n) {
			at += 1 + test_rng_below(&rng, 4096);
			edges[f.nedges++] = at < n ? at : n;
		}
		test_check_feed(buf, n, ',', '"', &ref, &whole, &f, "realistic");
	}
	test_out_free(&whole);
	test_ref_free(&ref);
	free(buf);
}
END_TEST

static Suite *test_csv_scan_suite(void)
{
	Suite *s = suite_create("csv_scan");
	TCase *tc = tcase_create("cases");
	tcase_add_loop_test(tc, test_cases_match, 0, (int)(sizeof test_cases / sizeof test_cases[0]));
	tcase_add_test(tc, test_want_zero);
	tcase_add_test(tc, test_quote_at_piece_end);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);

	tc = tcase_create("property");
	tcase_add_loop_test(tc, test_random_property, 0, 2);
	tcase_add_test(tc, test_random_short);
	tcase_add_test(tc, test_random_odd_configs);
	tcase_add_test(tc, test_realistic_rows);
	tcase_set_timeout(tc, 300);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run_suite(test_csv_scan_suite());
}
