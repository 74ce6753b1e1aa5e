/* fuzz_csv.c: libFuzzer harness for the CSV chunker (csv_scan), the fast
 * path (csv_fast) and the byte-at-a-time parser (csv_slow, Python's rules).
 *
 * The properties the CSV source relies on: cutting the input at the record
 * boundaries the scanner returns, however the input is fed to it, and
 * parsing each chunk with csv_slow gives exactly the records of one csv_slow
 * run over the whole input; and parsing each chunk the way the source does
 * (fast path, csv_slow for the records it leaves) gives them too.
 * Any difference abort()s.
 *
 * Input layout: byte 0 picks the delimiter (bits 0-1: ',' ';' '\t' '|') and
 * the quote (bits 2-3: '"', '"', '\'', or one of the odd configurations where
 * delimiter, quote, CR and LF are not all distinct); byte 1 the `want` of
 * each chunk; byte 2 the sizes of the pieces the input is fed in; the rest
 * is the CSV text. */
#include "autoconfig.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connectors/csv_fast.h"
#include "connectors/csv_scan.h"
#include "connectors/csv_slow.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define fuzz_csv_require(cond, what)                                              \
	do {                                                                      \
		if (!(cond)) {                                                    \
			fprintf(stderr, "fuzz_csv: %s (%s:%d)\n", what, __FILE__, __LINE__); \
			abort();                                                  \
		}                                                                 \
	} while (0)

struct fuzz_csv_rng {
	uint32_t x;
};

static uint32_t fuzz_csv_rng_next(struct fuzz_csv_rng *r)
{
	uint32_t x = r->x ? r->x : 0x9E3779B9u;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	r->x = x;
	return x;
}

/* Records serialised: 'F' + length + bytes per field, 'R' + terminator. */
struct fuzz_csv_out {
	unsigned char *b;
	size_t len, cap;
	size_t rows;
	size_t row_mark; /* len at the last row end */
};

static void fuzz_csv_out_put(struct fuzz_csv_out *o, const void *p, size_t n)
{
	if (o->len + n > o->cap) {
		size_t cap = o->cap ? o->cap * 2 : 1024;
		while (cap < o->len + n)
			cap *= 2;
		o->b = realloc(o->b, cap);
		fuzz_csv_require(o->b != NULL, "out of memory");
		o->cap = cap;
	}
	if (n)
		memcpy(o->b + o->len, p, n);
	o->len += n;
}

static void fuzz_csv_on_field(void *s, size_t len, void *data)
{
	struct fuzz_csv_out *o = data;
	uint64_t l = len;
	fuzz_csv_out_put(o, "F", 1);
	fuzz_csv_out_put(o, &l, sizeof l);
	if (len)
		fuzz_csv_out_put(o, s, len);
}

static void fuzz_csv_on_row(int c, void *data)
{
	struct fuzz_csv_out *o = data;
	int32_t t = c;
	fuzz_csv_out_put(o, "R", 1);
	fuzz_csv_out_put(o, &t, sizeof t);
	o->rows++;
	o->row_mark = o->len;
}

static void fuzz_csv_on_discard(void *data)
{
	struct fuzz_csv_out *o = data;
	o->len = o->row_mark;
}

static void fuzz_csv_parse(const char *in, size_t n, unsigned char d, unsigned char q, struct fuzz_csv_out *o)
{
	struct csv_slow p;
	csv_slow_init(&p);
	csv_slow_parse(&p, in, n, d, q, fuzz_csv_on_field, fuzz_csv_on_row, o);
	csv_slow_free(&p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned char delims[4] = { ',', ';', '\t', '|' };
	static const unsigned char odd[4][2] = { { '"', '"' }, { '\n', '"' }, { ',', '\r' }, { ';', '\n' } };
	static const size_t piece_max[8] = { 1, 2, 3, 5, 8, 16, 64, (size_t)-1 };
	uint8_t h[3] = { 0, 0, 0 };
	size_t skip = size < 3 ? size : 3;
	memcpy(h, data, skip);
	const char *in = (const char *)data + skip;
	size_t n = size - skip;

	unsigned char d = delims[h[0] & 3], q = '"';
	switch ((h[0] >> 2) & 3) {
	case 2:
		q = '\'';
		break;
	case 3:
		d = odd[h[0] & 3][0];
		q = odd[h[0] & 3][1];
		break;
	default:
		break;
	}
	struct fuzz_csv_rng want_rng = { 0x1000u + h[1] }, piece_rng = { 0x2000u + h[2] };
	size_t want_max = 1 + (h[1] & 7), maxp = piece_max[h[2] & 7];
	int want_random = (h[1] & 0x80) != 0;

	/* every boundary, from one piece with want 1 at a time */
	size_t *all = malloc((n + 1) * sizeof *all), nall = 0;
	size_t *cuts = malloc((n + 1) * sizeof *cuts), ncuts = 0;
	fuzz_csv_require(all && cuts, "out of memory");
	struct csv_scan s;
	csv_scan_init(&s, d, q);
	for (size_t off = 0, got; off < n;) {
		off += csv_scan_records(&s, in + off, n - off, 1, &got);
		fuzz_csv_require(off <= n, "scanned past the end");
		if (got)
			all[nall++] = off;
	}
	fuzz_csv_require(s.records == nall, "records counter differs from boundaries found");
	uint64_t lfs = 0;
	for (size_t i = 0; i < n; i++)
		lfs += in[i] == '\n';
	fuzz_csv_require(s.lines == lfs, "lines counter differs from the LFs in the input");
	int end_boundary = csv_scan_at_boundary(&s);

	/* the input in pieces, each in a heap block of its exact size */
	csv_scan_init(&s, d, q);
	size_t left = want_random ? 1 + fuzz_csv_rng_next(&want_rng) % want_max : want_max;
	size_t total = 0;
	for (size_t start = 0; start < n;) {
		size_t len = n - start;
		if (maxp != (size_t)-1) {
			size_t want_len = 1 + fuzz_csv_rng_next(&piece_rng) % maxp;
			if (want_len < len)
				len = want_len;
		}
		char *piece = malloc(len);
		fuzz_csv_require(piece != NULL, "out of memory");
		memcpy(piece, in + start, len);
		for (size_t off = 0; off < len;) {
			size_t got = 0;
			uint64_t before = s.records;
			size_t r = csv_scan_records(&s, piece + off, len - off, left, &got);
			fuzz_csv_require(r <= len - off, "returned an offset past the piece");
			fuzz_csv_require(got <= left, "more records than wanted");
			fuzz_csv_require(s.records - before == got, "records counter differs from *got");
			fuzz_csv_require(got == left || r == len - off, "stopped early without the wanted records");
			off += r;
			total += got;
			left -= got;
			if (left == 0) {
				fuzz_csv_require(csv_scan_at_boundary(&s), "not at a boundary after a record");
				fuzz_csv_require(total <= nall && all[total - 1] == start + off,
						 "cut differs from the one-piece boundaries");
				cuts[ncuts++] = start + off;
				left = want_random ? 1 + fuzz_csv_rng_next(&want_rng) % want_max : want_max;
			}
		}
		free(piece);
		start += len;
	}
	fuzz_csv_require(total == nall, "pieces found a different count of records");
	fuzz_csv_require(csv_scan_at_boundary(&s) == end_boundary, "pieces end in a different state");

	/* chunks one by one against the whole */
	struct fuzz_csv_out whole = { 0 }, part = { 0 };
	fuzz_csv_parse(in, n, d, q, &whole);
	fuzz_csv_require(whole.rows == nall + !end_boundary, "csv_slow counts different records");
	size_t prev = 0;
	for (size_t i = 0; i <= ncuts; i++) {
		size_t stop = i < ncuts ? cuts[i] : n;
		fuzz_csv_parse(in + prev, stop - prev, d, q, &part);
		prev = stop;
	}
	fuzz_csv_require(part.rows == whole.rows, "chunks parse to a different count of records");
	fuzz_csv_require(part.len == whole.len && (part.len == 0 || memcmp(part.b, whole.b, part.len) == 0),
			 "chunks parse to different records");

	/* chunks through the fast path (only for the settings the source accepts) */
	if (d != q && d != '\r' && d != '\n' && q != '\r' && q != '\n') {
		struct fuzz_csv_out fast = { 0 };
		struct csv_slow p;
		csv_slow_init(&p);
		prev = 0;
		for (size_t i = 0; i <= ncuts; i++) {
			size_t stop = i < ncuts ? cuts[i] : n;
			csv_fast_parse_chunk(in + prev, stop - prev, d, q, &p, fuzz_csv_on_field, fuzz_csv_on_row,
					     fuzz_csv_on_discard, &fast);
			prev = stop;
		}
		csv_slow_free(&p);
		fuzz_csv_require(fast.rows == whole.rows, "the fast path finds a different count of records");
		fuzz_csv_require(fast.len == whole.len && (fast.len == 0 || memcmp(fast.b, whole.b, fast.len) == 0),
				 "the fast path parses to different records");
		free(fast.b);
	}

	/* the line of the last record against the LFs before its first byte */
	if (nall + !end_boundary > 0) {
		uint64_t k = nall + !end_boundary - 1;
		size_t from = k ? all[k - 1] : 0;
		while (from < n && (in[from] == '\r' || in[from] == '\n'))
			from++;
		uint64_t line = 1;
		for (size_t i = 0; i < from; i++)
			line += in[i] == '\n';
		fuzz_csv_require(csv_scan_line_of_record(in, n, d, q, k, 1) == line, "wrong line of record");
		fuzz_csv_require(csv_scan_line_of_record(in, n, d, q, k + 1, 1) == 0, "line of a record past the end");
	}

	free(whole.b);
	free(part.b);
	free(all);
	free(cuts);
	return 0;
}
