/* fuzz_pg_copy.c: libFuzzer harness for PostgreSQL's COPY text format
 * (pg_copy.c): the row parser the postgresql source reads with and the field
 * writer the postgresql destination writes with.
 *
 * Anchor: PostgreSQL's documentation of COPY, "Text Format": fields separated
 * by the delimiter (a tab), \N a null (matched before backslashes are
 * removed), and the backslash sequences \b \f \n \r \t \v, \ and one to three
 * octal digits, \x and one or two hex digits, and a backslash before any
 * other character standing for that character (so "\<tab>" is a tab inside
 * a field, not a separator). The checks:
 * - any row parses without a fault, into the fields a decoder written from
 *   that documentation finds (same count, same nulls, same bytes), filling
 *   at most `width` fields and never more bytes than the row has (the data
 *   buffer has room for exactly that); a backslash at the very end of a row,
 *   which the documentation does not define, is checked for the count only;
 * - any fields, written as the destination writes a row (pg_copy_write_field,
 *   \N for a null, tabs between), make one line (no LF or CR byte), within
 *   PG_COPY_BOUND per field, that both the parser and the documentation's
 *   decoder read back as exactly those fields.
 * Any difference abort()s.
 *
 * Input layout: byte 0 picks the width the parser is given (bits 0-2: 0-6,
 * or 7: the row's own count); byte 1 is the byte that separates the fields
 * of the round trip (a field of the one byte 0xFF is a null there); the rest
 * is the row, and the fields of the round trip. */
#include "autoconfig.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connectors/pg_copy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define fuzz_pg_copy_require(cond, what)                                              \
	do {                                                                          \
		if (!(cond)) {                                                        \
			fprintf(stderr, "fuzz_pg_copy: %s (%s:%d)\n", what, __FILE__, __LINE__); \
			abort();                                                      \
		}                                                                     \
	} while (0)

/* Fields as the documentation's decoder reads them. */
struct fuzz_pg_copy_ref {
	char *bytes;     /* every field's bytes, one after another */
	size_t *off;     /* per field: where its bytes start */
	size_t *len;     /* per field: its length, (size_t)-1 for a null */
	uint32_t n;
	int undefined;   /* the row ends in a lone backslash */
};

static int fuzz_pg_copy_octal(char c) { return c >= '0' && c <= '7'; }

/* The value of the hex digit c (either case), or -1: a lookup of its own,
 * not pg_copy.c's arithmetic. */
static int fuzz_pg_copy_hexval(char c)
{
	static const char digits[] = "0123456789abcdef0123456789ABCDEF";
	const char *d = c ? memchr(digits, c, sizeof digits - 1) : NULL;
	return d ? (int)((d - digits) % 16) : -1;
}

/* The row p[0..n) read as PostgreSQL's COPY documentation says. */
static void fuzz_pg_copy_decode_ref(const char *p, size_t n, struct fuzz_pg_copy_ref *r)
{
	r->bytes = malloc(n + 1);
	r->off = malloc((n + 1) * sizeof *r->off);
	r->len = malloc((n + 1) * sizeof *r->len);
	fuzz_pg_copy_require(r->bytes && r->off && r->len, "out of memory");
	r->n = 0;
	r->undefined = 0;
	size_t o = 0, i = 0;
	for (;;) {
		size_t raw_start = i, start = o;
		while (i < n && p[i] != '\t') {
			char c = p[i++];
			if (c == '\\') {
				if (i == n) {
					r->undefined = 1;
					break;
				}
				c = p[i++];
				switch (c) {
				case 'b': c = '\b'; break;
				case 'f': c = '\f'; break;
				case 'n': c = '\n'; break;
				case 'r': c = '\r'; break;
				case 't': c = '\t'; break;
				case 'v': c = '\v'; break;
				case 'x':
					if (i < n && fuzz_pg_copy_hexval(p[i]) >= 0) {
						int v = fuzz_pg_copy_hexval(p[i++]);
						if (i < n && fuzz_pg_copy_hexval(p[i]) >= 0)
							v = v * 16 + fuzz_pg_copy_hexval(p[i++]);
						c = (char)v;
					}
					break;
				default:
					if (fuzz_pg_copy_octal(c)) {
						int v = c - '0';
						for (int k = 0; k < 2 && i < n && fuzz_pg_copy_octal(p[i]); k++)
							v = v * 8 + (p[i++] - '0');
						c = (char)(v & 0377);
					}
				}
			}
			r->bytes[o++] = c;
		}
		int is_null = i - raw_start == 2 && p[raw_start] == '\\' && p[raw_start + 1] == 'N';
		r->off[r->n] = start;
		r->len[r->n] = is_null ? (size_t)-1 : o - start;
		r->n++;
		if (i >= n)
			return;
		i++; /* the tab */
	}
}

static void fuzz_pg_copy_ref_free(struct fuzz_pg_copy_ref *r)
{
	free(r->bytes);
	free(r->off);
	free(r->len);
}

/* Parses row[0..n) with `width` field slots into a data buffer of exactly
 * `used + n` bytes, `used` of them already taken; checks it against ref. */
static void fuzz_pg_copy_check_parse(const char *row, size_t n, uint32_t width, size_t used,
				     const struct fuzz_pg_copy_ref *ref, int check_bytes)
{
	/* exact sizes, so that ASan sees a byte or a field past them */
	struct buf data = { malloc(used + n ? used + n : 1), used, used + n };
	struct field *f = malloc(width ? width * sizeof *f : 1);
	fuzz_pg_copy_require(data.p && f, "out of memory");
	memset(data.p, '#', used);
	uint32_t nf = pg_copy_parse_row(row, n, &data, f, width);
	fuzz_pg_copy_require(nf == ref->n, "a different count of fields than the documentation's");
	fuzz_pg_copy_require(data.len <= used + n, "the fields took more bytes than the row");
	if (check_bytes) {
		for (uint32_t i = 0; i < nf && i < width; i++) {
			if (ref->len[i] == (size_t)-1) {
				fuzz_pg_copy_require(f[i].len == FIELD_NULL, "\\N did not read as a null");
				continue;
			}
			fuzz_pg_copy_require(f[i].len != FIELD_NULL, "a value read as a null");
			fuzz_pg_copy_require(f[i].off >= used && f[i].off + (size_t)f[i].len <= data.len,
					     "a field outside the bytes written");
			fuzz_pg_copy_require(f[i].len == ref->len[i] && !memcmp(data.p + f[i].off, ref->bytes + ref->off[i],
										 ref->len[i]),
					     "a field differs from the documentation's reading");
		}
	}
	free(data.p);
	free(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t h[2] = { 0, 0 };
	size_t skip = size < 2 ? size : 2;
	memcpy(h, data, skip);
	const char *in = (const char *)data + skip;
	size_t n = size - skip;

	/* 1: the input as one row */
	struct fuzz_pg_copy_ref ref;
	fuzz_pg_copy_decode_ref(in, n, &ref);
	uint32_t width = (h[0] & 7) == 7 ? ref.n : (uint32_t)(h[0] & 7);
	fuzz_pg_copy_check_parse(in, n, width, (h[0] >> 3) & 15, &ref, !ref.undefined);
	fuzz_pg_copy_ref_free(&ref);

	/* 2: the input as fields, written as a row and read back */
	char sep = (char)h[1];
	size_t nfields = 1;
	for (size_t i = 0; i < n; i++)
		nfields += in[i] == sep;
	char *row = malloc(PG_COPY_BOUND(n) + 2 * nfields + nfields + 1);
	fuzz_pg_copy_require(row != NULL, "out of memory");
	char *o = row;
	for (size_t i = 0, start = 0; i <= n; i++) {
		if (i < n && in[i] != sep)
			continue;
		if (start)
			*o++ = '\t';
		size_t len = i - start;
		if (len == 1 && (unsigned char)in[start] == 0xFF) {
			*o++ = '\\';
			*o++ = 'N';
		} else {
			char *end = pg_copy_write_field(o, in + start, len, '\t');
			fuzz_pg_copy_require((size_t)(end - o) <= PG_COPY_BOUND(len), "a field written past its bound");
			o = end;
		}
		start = i + 1;
	}
	size_t row_len = (size_t)(o - row);
	fuzz_pg_copy_require(!memchr(row, '\n', row_len) && !memchr(row, '\r', row_len),
			     "a written row holds a line break");
	fuzz_pg_copy_decode_ref(row, row_len, &ref);
	fuzz_pg_copy_require(!ref.undefined && ref.n == nfields, "the documentation reads another count of fields");
	for (size_t i = 0, start = 0, k = 0; i <= n; i++) {
		if (i < n && in[i] != sep)
			continue;
		size_t len = i - start;
		if (len == 1 && (unsigned char)in[start] == 0xFF)
			fuzz_pg_copy_require(ref.len[k] == (size_t)-1, "a null written is not read as a null");
		else
			fuzz_pg_copy_require(ref.len[k] == len && !memcmp(ref.bytes + ref.off[k], in + start, len),
					     "a field written reads back as another value");
		k++;
		start = i + 1;
	}
	fuzz_pg_copy_check_parse(row, row_len, (uint32_t)nfields, 0, &ref, 1);
	fuzz_pg_copy_ref_free(&ref);
	free(row);
	return 0;
}
