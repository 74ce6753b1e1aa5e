/* json_fast.c: a flat JSON object of scalars into a record in one pass
 * (see json_fast.h). What it writes is what json_record_fill writes for
 * jansson's parse of the same text: strings unescaped, integers as written
 * ("-0" as "0"), other numbers as the shortest text that reads back as the
 * same double (json_record_format_real), true/false as written. Anything
 * it cannot vouch for ends in a return of 0 and the jansson path. */
#include "autoconfig.h"

#include "json_fast.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../pipeline/batch.h"
#include "../pipeline/schema.h"
#include "../src/base/swar.h"
#include "json_record.h"

static inline int jf_is_space(unsigned char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

static inline const unsigned char *jf_skip_space(const unsigned char *p, const unsigned char *end)
{
	while (p < end && jf_is_space(*p))
		p++;
	return p;
}

/* A byte that ends a run of plain string text: '"', '\\', a control
 * character (< 0x20) or a byte of a multi-byte character (>= 0x80). */
static inline int jf_is_plain(unsigned char c) { return c != '"' && c != '\\' && c >= 0x20 && c < 0x80; }

/* The bytes of w that end a run of plain text, flagged as swar.h does. */
static inline uint64_t jf_stop_mask(uint64_t w)
{
	return swar_has_byte(w, '"') | swar_has_byte(w, '\\') | swar_below(w, 0x20) | (w & SWAR_HIGH);
}

/* The first byte at or after p that ends a run of plain string text; end
 * when there is none. Eight bytes at a time. */
static const unsigned char *jf_find_special(const unsigned char *p, const unsigned char *end)
{
#if SWAR_LITTLE_ENDIAN
	for (; end - p >= 8; p += 8) {
		uint64_t m = jf_stop_mask(swar_load(p));
		if (m)
			return p + swar_first(m);
	}
#endif
	while (p < end && jf_is_plain(*p))
		p++;
	return p;
}

/* Copies plain string text from p to *dp up to the first byte that ends
 * the run (as jf_find_special); eight bytes at a time, which may write up
 * to 7 bytes past the run (the arena has room). */
static const unsigned char *jf_copy_plain(const unsigned char *p, const unsigned char *end, char **dp)
{
	char *d = *dp;
#if SWAR_LITTLE_ENDIAN
	for (; end - p >= 8; p += 8, d += 8) {
		uint64_t w = swar_load(p), m = jf_stop_mask(w);
		memcpy(d, &w, 8);
		if (m) {
			unsigned k = swar_first(m);
			*dp = d + k;
			return p + k;
		}
	}
#endif
	while (p < end && jf_is_plain(*p))
		*d++ = (char)*p++;
	*dp = d;
	return p;
}

/* The length of the well-formed UTF-8 character at p (no overlong form, no
 * surrogate, nothing past U+10FFFF, as jansson checks), or 0. */
static size_t jf_utf8_char(const unsigned char *p, const unsigned char *end)
{
	size_t avail = (size_t)(end - p);
	unsigned char c = p[0];
	if (c >= 0xc2 && c <= 0xdf)
		return avail >= 2 && (p[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		if (avail < 3 || (p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80)
			return 0;
		if ((c == 0xe0 && p[1] < 0xa0) || (c == 0xed && p[1] > 0x9f))
			return 0;
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if (avail < 4 || (p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80 || (p[3] & 0xc0) != 0x80)
			return 0;
		if ((c == 0xf0 && p[1] < 0x90) || (c == 0xf4 && p[1] > 0x8f))
			return 0;
		return 4;
	}
	return 0;
}

/* Four hex digits; -1 when they are not. */
static long jf_hex4(const unsigned char *p, const unsigned char *end)
{
	if (end - p < 4)
		return -1;
	long v = 0;
	for (int i = 0; i < 4; i++) {
		unsigned char c = p[i];
		int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
		if (d < 0)
			return -1;
		v = v * 16 + d;
	}
	return v;
}

static char *jf_put_utf8(char *d, unsigned long u)
{
	if (u < 0x80) {
		*d++ = (char)u;
	} else if (u < 0x800) {
		*d++ = (char)(0xc0 | (u >> 6));
		*d++ = (char)(0x80 | (u & 0x3f));
	} else if (u < 0x10000) {
		*d++ = (char)(0xe0 | (u >> 12));
		*d++ = (char)(0x80 | ((u >> 6) & 0x3f));
		*d++ = (char)(0x80 | (u & 0x3f));
	} else {
		*d++ = (char)(0xf0 | (u >> 18));
		*d++ = (char)(0x80 | ((u >> 12) & 0x3f));
		*d++ = (char)(0x80 | ((u >> 6) & 0x3f));
		*d++ = (char)(0x80 | (u & 0x3f));
	}
	return d;
}

/* A string's text after its opening quote, unescaped into *dp; returns the
 * byte after the closing quote, or NULL. */
static const unsigned char *jf_string(const unsigned char *p, const unsigned char *end, char **dp)
{
	char *d = *dp;
	for (;;) {
		p = jf_copy_plain(p, end, &d);
		if (p >= end)
			return NULL;
		unsigned char c = *p;
		if (c == '"') {
			*dp = d;
			return p + 1;
		}
		if (c >= 0x80) {
			size_t n = jf_utf8_char(p, end);
			if (!n)
				return NULL;
			memcpy(d, p, n);
			d += n;
			p += n;
			continue;
		}
		if (c != '\\' || end - p < 2)
			return NULL; /* a control character, or a string cut short */
		p += 2;
		switch (p[-1]) {
		case '"':
		case '\\':
		case '/':
			*d++ = (char)p[-1];
			break;
		case 'b':
			*d++ = '\b';
			break;
		case 'f':
			*d++ = '\f';
			break;
		case 'n':
			*d++ = '\n';
			break;
		case 'r':
			*d++ = '\r';
			break;
		case 't':
			*d++ = '\t';
			break;
		case 'u': {
			long u = jf_hex4(p, end);
			if (u < 0 || (u >= 0xdc00 && u <= 0xdfff))
				return NULL;
			p += 4;
			if (u >= 0xd800 && u <= 0xdbff) { /* a pair, or jansson's error */
				long lo = end - p >= 6 && p[0] == '\\' && p[1] == 'u' ? jf_hex4(p + 2, end) : -1;
				if (lo < 0xdc00 || lo > 0xdfff)
					return NULL;
				u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
				p += 6;
			}
			d = jf_put_utf8(d, (unsigned long)u);
			break;
		}
		default:
			return NULL;
		}
	}
}

/* A number that is not an integer, as json_record_format_real writes
 * jansson's double of it. The common form (digits '.' digits, at most 15
 * significant, between 1e-4 and 1e15) is written as it reads, trailing
 * zeros dropped ("80268.60" -> "80268.6", "3.00" -> "3.0"); any other goes
 * through strtod as jansson's does. */
static char *jf_real(const unsigned char *s, const unsigned char *dot, const unsigned char *e, int has_exp, char *d,
		     const char *limit)
{
	const unsigned char *digits = *s == '-' ? s + 1 : s;
	if (!has_exp) {
		const unsigned char *fz = e; /* the fraction without its trailing zeros: dot+1 .. fz */
		while (fz > dot + 1 && fz[-1] == '0')
			fz--;
		size_t ilen = (size_t)(dot - digits), flen = (size_t)(fz - dot - 1);
		int ok;
		if (ilen == 1 && digits[0] == '0') {
			size_t lz = 0;
			while (lz < flen && dot[1 + lz] == '0')
				lz++;
			ok = flen == 0 || (lz <= 3 && flen - lz <= 15);
		} else {
			ok = ilen <= 15 && ilen + flen <= 15;
		}
		if (ok) {
			size_t head = (size_t)(dot - s) + 1; /* sign, integer part, '.' */
			memcpy(d, s, head);
			d += head;
			if (flen) {
				memcpy(d, dot + 1, flen);
				d += flen;
			} else {
				*d++ = '0';
			}
			return d;
		}
	}
	char text[64];
	size_t n = (size_t)(e - s);
	if (n >= sizeof text)
		return NULL;
	memcpy(text, s, n);
	text[n] = 0;
	errno = 0;
	double v = strtod(text, NULL);
	if (errno == ERANGE || !isfinite(v))
		return NULL; /* jansson says what it says about it */
	char out[40];
	size_t len = json_record_format_real(out, sizeof out, v);
	if (len > (size_t)(limit - d))
		return NULL; /* longer than the room kept for the record (many "1e9"s) */
	memcpy(d, out, len);
	return d + len;
}

/* A number at p of a field of the given type into *dp; returns the byte
 * after it, or NULL. */
static const unsigned char *jf_number(const unsigned char *p, const unsigned char *end, uint8_t type, char **dp,
				      const char *limit)
{
	const unsigned char *s = p, *dot = NULL;
	int has_exp = 0;
	if (*p == '-')
		p++;
	if (p >= end)
		return NULL;
	if (*p == '0')
		p++;
	else if (*p >= '1' && *p <= '9')
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	else
		return NULL;
	size_t idigits = (size_t)(p - s) - (*s == '-');
	if (p < end && *p == '.') {
		dot = p++;
		const unsigned char *f = p;
		while (p < end && *p >= '0' && *p <= '9')
			p++;
		if (p == f)
			return NULL;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		has_exp = 1;
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		const unsigned char *x = p;
		while (p < end && *p >= '0' && *p <= '9')
			p++;
		if (p == x)
			return NULL;
	}
	if (p < end && !jf_is_space(*p) && *p != ',' && *p != '}')
		return NULL;
	if (!dot && !has_exp) { /* an integer */
		if (type == FTYPE_BOOL || idigits > 18)
			return NULL; /* jansson: an error, or an integer near INT64's limits */
		if (idigits == 1 && *s == '-' && s[1] == '0') {
			*(*dp)++ = '0';
		} else {
			memcpy(*dp, s, (size_t)(p - s));
			*dp += p - s;
		}
		return p;
	}
	if (type == FTYPE_INT || type == FTYPE_BOOL)
		return NULL;
	char *d = jf_real(s, dot ? dot : p, p, has_exp, *dp, limit);
	if (!d)
		return NULL;
	*dp = d;
	return p;
}

/* A key's text after its opening quote (no escape, well-formed UTF-8, no
 * control character); returns the byte after the closing quote or NULL. */
static const unsigned char *jf_key(const unsigned char *p, const unsigned char *end, size_t *len)
{
	const unsigned char *s = p;
	for (;;) {
		p = jf_find_special(p, end);
		if (p >= end)
			return NULL;
		if (*p == '"') {
			*len = (size_t)(p - s);
			return p + 1;
		}
		size_t n = *p >= 0x80 ? jf_utf8_char(p, end) : 0;
		if (!n)
			return NULL;
		p += n;
	}
}

int json_fast_fill(struct batch *b, uint32_t r, const char *rec, size_t len, const struct json_index *ix)
{
	/* nothing it writes is longer than what it has read, but a number
	 * ("1e9" -> "1000000000.0"), which jf_real checks against the limit,
	 * as each value checks its room */
	size_t room = len + 32;
	buf_reserve(&b->data, room);
	size_t base = b->data.len;
	char *d0 = b->data.p + base, *d = d0;
	const char *limit = d0 + room;
	struct field *fr = batch_record(b, r);
	const unsigned char *p = (const unsigned char *)rec, *end = p + len;
	uint32_t hint = 0;
	p = jf_skip_space(p, end);
	if (p >= end || *p != '{')
		return 0;
	p = jf_skip_space(p + 1, end);
	if (p < end && *p == '}')
		goto close;
	for (;;) {
		size_t klen;
		const unsigned char *key = p + 1;
		if (p >= end || *p != '"' || !(p = jf_key(key, end, &klen)))
			goto fallback;
		uint8_t type;
		int i = json_index_find(ix, (const char *)key, klen, hint, &type);
		if (i < 0)
			goto fallback;
		hint = (uint32_t)i + 1;
		p = jf_skip_space(p, end);
		if (p >= end || *p != ':')
			goto fallback;
		p = jf_skip_space(p + 1, end);
		if (p >= end || fr[i].len != FIELD_NULL)
			goto fallback;
		/* a value's text is no longer than the rest of the record (a
		 * number's is checked in jf_real), and a string is copied eight
		 * bytes at a time: room for both, or jansson (many "1e9"s) */
		if ((size_t)(limit - d) < (size_t)(end - p) + 8)
			goto fallback;
		char *start = d;
		switch (*p) {
		case '"':
			if (type != FTYPE_STRING || !(p = jf_string(p + 1, end, &d)))
				goto fallback;
			break;
		case 't':
		case 'f': {
			size_t n = *p == 't' ? 4 : 5;
			if ((type != FTYPE_STRING && type != FTYPE_BOOL) || (size_t)(end - p) < n ||
			    memcmp(p, *p == 't' ? "true" : "false", n))
				goto fallback;
			memcpy(d, p, n);
			d += n;
			p += n;
			break;
		}
		case 'n':
			if (end - p < 4 || memcmp(p, "null", 4))
				goto fallback;
			p += 4;
			start = NULL;
			break;
		default:
			if ((*p != '-' && (*p < '0' || *p > '9')) || !(p = jf_number(p, end, type, &d, limit)))
				goto fallback;
			break;
		}
		if (start) {
			fr[i].off = (uint32_t)(base + (size_t)(start - d0));
			fr[i].len = (uint32_t)(d - start);
		}
		p = jf_skip_space(p, end);
		if (p < end && *p == ',') {
			p = jf_skip_space(p + 1, end);
			continue;
		}
		if (p < end && *p == '}')
			break;
		goto fallback;
	}
close:
	p = jf_skip_space(p + 1, end);
	if (p != end)
		goto fallback;
	b->data.len = base + (size_t)(d - d0);
	return 1;
fallback:
	for (uint32_t i = 0; i < b->width; i++)
		fr[i] = (struct field){ 0, FIELD_NULL };
	return 0;
}
