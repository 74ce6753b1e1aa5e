/* pg_copy.c: encoding and parsing PostgreSQL's COPY text format (pg_copy.h). */
#include "autoconfig.h"

#include "pg_copy.h"

#include <stdint.h>
#include <string.h>

#include "../src/base/swar.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* Nonzero when a byte of x may have to be escaped: backslash, the
 * delimiter, or a control byte up to \r (tab, \n and \r among them; the
 * others, rare, go the byte by byte way too and are copied as they are). */
static inline uint64_t pg_copy_special(uint64_t x, unsigned char delim)
{
	return swar_has_byte(x, '\\') | swar_below(x, '\r' + 1) | (delim > '\r' ? swar_has_byte(x, delim) : 0);
}

static char *pg_copy_escape_bytes(char *o, const char *s, size_t n, unsigned char delim)
{
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if ((unsigned char)c == delim && delim > '\r') {
			*o++ = '\\';
			*o++ = c;
			continue;
		}
		switch (c) {
		case '\\':
			*o++ = '\\';
			*o++ = '\\';
			break;
		case '\t':
			*o++ = '\\';
			*o++ = 't';
			break;
		case '\n':
			*o++ = '\\';
			*o++ = 'n';
			break;
		case '\r':
			*o++ = '\\';
			*o++ = 'r';
			break;
		default:
			*o++ = c;
		}
	}
	return o;
}

/* Eight bytes at a time: a word without a byte to escape is copied whole
 * (the common value has none), the others byte by byte. */
char *pg_copy_write_field(char *o, const char *s, size_t n, unsigned char delim)
{
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t x;
		memcpy(&x, s + i, 8);
		if (pg_copy_special(x, delim)) {
			o = pg_copy_escape_bytes(o, s + i, 8, delim);
		} else {
			memcpy(o, &x, 8);
			o += 8;
		}
	}
	if (i < n) {
		uint64_t x = SWAR_ONES * ' '; /* the bytes past the value: plain */
		memcpy(&x, s + i, n - i);
		if (pg_copy_special(x, delim))
			return pg_copy_escape_bytes(o, s + i, n - i, delim);
		memcpy(o, s + i, n - i);
		o += n - i;
	}
	return o;
}

char *pg_copy_write_field_wide(char *o, const char *s, size_t n, unsigned char delim)
{
#if SWAR_LITTLE_ENDIAN
	for (size_t i = 0; i < n; i += 8) {
		uint64_t x;
		memcpy(&x, s + i, 8);
		size_t k = n - i < 8 ? n - i : 8;
		if (k < 8) { /* the value's bytes only, the first k; the others plain */
			uint64_t keep = (1ull << (8 * k)) - 1;
			x = (x & keep) | (SWAR_ONES * ' ' & ~keep);
		}
		if (pg_copy_special(x, delim)) {
			o = pg_copy_escape_bytes(o, s + i, k, delim);
		} else {
			memcpy(o, &x, 8);
			o += k;
		}
	}
	return o;
#else
	return pg_copy_write_field(o, s, n, delim);
#endif
}

/* The first byte of [p, end) that is a, b or c, or end. */
static const unsigned char *pg_copy_find3(const unsigned char *p, const unsigned char *end, unsigned char a,
					  unsigned char b, unsigned char c)
{
#ifdef __SSE2__
	const __m128i va = _mm_set1_epi8((char)a), vb = _mm_set1_epi8((char)b), vc = _mm_set1_epi8((char)c);
	for (; end - p >= 16; p += 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
		unsigned m = (unsigned)_mm_movemask_epi8(
		    _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, va), _mm_cmpeq_epi8(x, vb)), _mm_cmpeq_epi8(x, vc)));
		if (m)
			return p + __builtin_ctz(m);
	}
#endif
	while (p < end && *p != a && *p != b && *p != c)
		p++;
	return p;
}

char *pg_copy_write_plain(char *o, const char *s, size_t n, const struct plain_format *f)
{
	const unsigned char *p = (const unsigned char *)s, *e = p + n;
	for (;;) {
		const unsigned char *q = memchr(p, f->quote, (size_t)(e - p));
		if (!q)
			q = e;
		memcpy(o, p, (size_t)(q - p));
		o += q - p;
		if (q == e)
			return o;
		/* a quoted field, to its closing quote: a doubled quote is one, the
		 * delimiter and LF are escaped */
		for (p = q + 1;;) {
			const unsigned char *r = pg_copy_find3(p, e, f->quote, f->delim, '\n');
			memcpy(o, p, (size_t)(r - p));
			o += r - p;
			if (r == e)
				return o;
			p = r + 1;
			if (*r == f->quote) {
				if (p == e || *p != f->quote)
					break; /* the closing quote */
				*o++ = (char)f->quote;
				p++;
			} else {
				*o++ = '\\';
				*o++ = *r == '\n' ? 'n' : (char)*r;
			}
		}
	}
}

static int pg_copy_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Unescapes the field p[0..n) at o; returns the end. */
static char *pg_copy_unescape(char *o, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] != '\\' || i + 1 == n) {
			*o++ = p[i];
			continue;
		}
		char c = p[++i];
		switch (c) {
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case 't': *o++ = '\t'; break;
		case 'v': *o++ = '\v'; break;
		case 'x':
			if (i + 1 < n && pg_copy_hex(p[i + 1]) >= 0) {
				int v = pg_copy_hex(p[++i]);
				if (i + 1 < n && pg_copy_hex(p[i + 1]) >= 0)
					v = v * 16 + pg_copy_hex(p[++i]);
				*o++ = (char)v;
			} else {
				*o++ = 'x';
			}
			break;
		default:
			if (c >= '0' && c <= '7') {
				int v = c - '0';
				for (int k = 0; k < 2 && i + 1 < n && p[i + 1] >= '0' && p[i + 1] <= '7'; k++)
					v = v * 8 + (p[++i] - '0');
				*o++ = (char)v;
			} else {
				*o++ = c; /* any other escaped byte stands for itself */
			}
		}
	}
	return o;
}

uint32_t pg_copy_parse_row(const char *p, size_t n, struct buf *data, struct field *f, uint32_t width)
{
	uint32_t nf = 0;
	size_t start = 0;
	for (size_t i = 0;; i++) {
		if (i < n && p[i] != '\t') {
			if (p[i] == '\\')
				i++; /* an escaped byte is never a separator */
			if (i < n)
				continue;
		}
		size_t len = (i < n ? i : n) - start;
		if (nf < width) {
			if (len == 2 && p[start] == '\\' && p[start + 1] == 'N') {
				f[nf] = (struct field){ 0, FIELD_NULL };
			} else {
				char *o = data->p + data->len;
				char *end = memchr(p + start, '\\', len) ? pg_copy_unescape(o, p + start, len)
									 : (memcpy(o, p + start, len), o + len);
				f[nf].off = (uint32_t)data->len;
				f[nf].len = (uint32_t)(end - o);
				data->len += f[nf].len;
			}
		}
		nf++;
		if (i >= n)
			return nf;
		start = i + 1;
	}
}
