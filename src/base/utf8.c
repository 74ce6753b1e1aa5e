/* utf8.c: UTF-8 validation (Unicode Table 3-7) and U+FFFD replacement of
 * maximal ill-formed subparts, behind utf8.h. ASCII runs are skipped a
 * 64-bit word at a time. */
#include "autoconfig.h"

#include "utf8.h"

#include <stdint.h>
#include <string.h>

#define UTF8_HIGH_BITS 0x8080808080808080ull

/* Offset of the first byte with its top bit set in the 8 bytes loaded into
 * w, which has one. */
static size_t utf8_first_high_byte(uint64_t w, const unsigned char *s)
{
#if defined(__GNUC__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	(void)s;
	return (size_t)__builtin_ctzll(w & UTF8_HIGH_BITS) / 8;
#else
	(void)w;
	size_t k = 0;
	while (s[k] < 0x80)
		k++;
	return k;
#endif
}

/* Length of the run of ASCII bytes at the start of s[0..n). */
static size_t utf8_skip_ascii_bytes(const unsigned char *s, size_t n)
{
	size_t i = 0;
	uint64_t a, b;

	if (n < 8) {
		while (i < n && s[i] < 0x80)
			i++;
		return i;
	}
	while (n - i >= 16) {
		memcpy(&a, s + i, 8);
		memcpy(&b, s + i + 8, 8);
		if ((a | b) & UTF8_HIGH_BITS) {
			if (a & UTF8_HIGH_BITS)
				return i + utf8_first_high_byte(a, s + i);
			return i + 8 + utf8_first_high_byte(b, s + i + 8);
		}
		i += 16;
	}
	if (n - i >= 8) {
		memcpy(&a, s + i, 8);
		if (a & UTF8_HIGH_BITS)
			return i + utf8_first_high_byte(a, s + i);
		i += 8;
	}
	if (i == n)
		return n;
	/* The last word overlaps bytes already known to be ASCII. */
	memcpy(&a, s + n - 8, 8);
	if (a & UTF8_HIGH_BITS)
		return n - 8 + utf8_first_high_byte(a, s + n - 8);
	return n;
}

/* Scans the sequence starting with the non-ASCII byte s[0] (n >= 1). Sets
 * *ok and returns its length when it is well-formed; otherwise clears *ok
 * and returns the length of its maximal ill-formed subpart (at least 1). */
static size_t utf8_scan_sequence(const unsigned char *s, size_t n, int *ok)
{
	unsigned c = s[0], lo = 0x80, hi = 0xbf;
	size_t len, k;

	*ok = 0;
	if (c < 0xc2 || c > 0xf4)
		return 1;
	if (c < 0xe0) {
		len = 2;
	} else if (c < 0xf0) {
		len = 3;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else {
		len = 4;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	}
	/* Only the second byte has a narrowed range. */
	for (k = 1; k < len; k++) {
		if (k >= n || s[k] < lo || s[k] > hi)
			return k;
		lo = 0x80;
		hi = 0xbf;
	}
	*ok = 1;
	return len;
}

size_t utf8_find_invalid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	int ok;

	for (;;) {
		i += utf8_skip_ascii_bytes(p + i, n - i);
		if (i == n)
			return n;
		size_t len = utf8_scan_sequence(p + i, n - i, &ok);
		if (!ok)
			return i;
		i += len;
	}
}

size_t utf8_write_replaced(char *dst, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, o = 0;
	int ok;

	while (i < n) {
		size_t bad = i + utf8_find_invalid(s + i, n - i);
		memcpy(dst + o, s + i, bad - i);
		o += bad - i;
		if (bad == n)
			break;
		i = bad + utf8_scan_sequence(p + bad, n - bad, &ok);
		memcpy(dst + o, "\xef\xbf\xbd", 3);
		o += 3;
	}
	return o;
}

size_t utf8_skip_ascii(const char *s, size_t n)
{
	return utf8_skip_ascii_bytes((const unsigned char *)s, n);
}

size_t utf8_cut(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t k = n, back = 0;
	while (k > 0 && back < 3 && (p[k - 1] & 0xC0) == 0x80)
		k--, back++;
	if (k == 0 || p[k - 1] < 0xC0)
		return n;
	size_t need = p[k - 1] >= 0xF0 ? 4 : p[k - 1] >= 0xE0 ? 3 : 2;
	return n - (k - 1) < need ? k - 1 : n;
}

size_t utf8_write_escaped(char *dst, size_t cap, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, o = 0;
	int ok;
	if (!cap)
		return 0;
	while (i < n && o + 1 < cap) {
		size_t good = utf8_find_invalid(s + i, n - i);
		size_t take = good < cap - 1 - o ? good : utf8_cut(s + i, cap - 1 - o);
		memcpy(dst + o, s + i, take);
		o += take;
		i += take;
		if (take < good || i == n)
			break;
		size_t bad = utf8_scan_sequence(p + i, n - i, &ok);
		for (size_t k = 0; k < bad; k++, i++) {
			if (o + 4 >= cap) {
				dst[o] = 0;
				return o;
			}
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hex[p[i] >> 4];
			dst[o++] = hex[p[i] & 15];
		}
	}
	dst[o] = 0;
	return o;
}
