/* jsonesc.c: the JSON string escaper behind jsonesc.h. Runs of bytes that
 * need no escape are found 16 at a time with SSE2 (a lookup table without
 * it); escapes follow Python's json.dumps(s, ensure_ascii=False). */
#include "autoconfig.h"

#include "jsonesc.h"

#include <stdint.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* For each byte: 0 when copied as it is, else the letter after the
 * backslash ('u' meaning \u00XX). */
static const char jsonesc_table[256] = {
	['\b'] = 'b', ['\t'] = 't', ['\n'] = 'n', ['\f'] = 'f', ['\r'] = 'r',
	[0x00] = 'u', [0x01] = 'u', [0x02] = 'u', [0x03] = 'u', [0x04] = 'u', [0x05] = 'u',
	[0x06] = 'u', [0x07] = 'u', [0x0b] = 'u', [0x0e] = 'u', [0x0f] = 'u', [0x10] = 'u',
	[0x11] = 'u', [0x12] = 'u', [0x13] = 'u', [0x14] = 'u', [0x15] = 'u', [0x16] = 'u',
	[0x17] = 'u', [0x18] = 'u', [0x19] = 'u', [0x1a] = 'u', [0x1b] = 'u', [0x1c] = 'u',
	[0x1d] = 'u', [0x1e] = 'u', [0x1f] = 'u', ['"'] = '"', ['\\'] = '\\',
};

/* Writes the escape of byte c, which needs one, and returns its end. */
static char *jsonesc_write_escape(char *d, unsigned char c)
{
	static const char hex[] = "0123456789abcdef";
	char e = jsonesc_table[c];
	d[0] = '\\';
	d[1] = e;
	if (e != 'u')
		return d + 2;
	d[2] = '0';
	d[3] = '0';
	d[4] = hex[c >> 4];
	d[5] = hex[c & 15];
	return d + 6;
}

#ifdef __SSE2__

/* Bit i set when byte i of v is '"', '\\' or below 0x20. */
static unsigned jsonesc_find_special(__m128i v)
{
	__m128i ctl = _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x1f)), v);
	__m128i quo = _mm_cmpeq_epi8(v, _mm_set1_epi8('"'));
	__m128i bsl = _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'));
	return (unsigned)_mm_movemask_epi8(_mm_or_si128(ctl, _mm_or_si128(quo, bsl)));
}

/* Copies n < 16 bytes with fixed-size moves that may overlap. */
static void jsonesc_copy_small(char *d, const char *s, size_t n)
{
	if (n >= 8) {
		uint64_t a, b;
		memcpy(&a, s, 8);
		memcpy(&b, s + n - 8, 8);
		memcpy(d, &a, 8);
		memcpy(d + n - 8, &b, 8);
	} else if (n >= 4) {
		uint32_t a, b;
		memcpy(&a, s, 4);
		memcpy(&b, s + n - 4, 4);
		memcpy(d, &a, 4);
		memcpy(d + n - 4, &b, 4);
	} else if (n > 0) {
		d[0] = s[0];
		d[n / 2] = s[n / 2];
		d[n - 1] = s[n - 1];
	}
}

char *jsonesc_write_string(char *dst, const char *s, size_t n)
{
	char *const lim = dst + JSONESC_BOUND(n);
	char *d = dst;
	size_t i = 0;

	/* Each input byte becomes at most 6, so with 16 input bytes left there
	 * are at least 96 bytes of room at d: whole blocks can be stored. */
	while (n - i >= 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
		_mm_storeu_si128((__m128i *)(void *)d, v);
		unsigned m = jsonesc_find_special(v);
		if (!m) {
			i += 16;
			d += 16;
			continue;
		}
		unsigned k = (unsigned)__builtin_ctz(m);
		d = jsonesc_write_escape(d + k, (unsigned char)s[i + k]);
		i += k + 1;
	}

	/* The last r < 16 bytes go through a padded copy: the input is never
	 * read past s + n. */
	while (i < n) {
		size_t r = n - i;
		char tmp[16];
		_mm_storeu_si128((__m128i *)(void *)tmp, _mm_set1_epi8('a'));
		jsonesc_copy_small(tmp, s + i, r);
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)tmp);
		unsigned m = jsonesc_find_special(v) & ((1u << r) - 1);
		if ((size_t)(lim - d) >= 16)
			_mm_storeu_si128((__m128i *)(void *)d, v);
		else
			jsonesc_copy_small(d, tmp, r);
		if (!m)
			return d + r;
		unsigned k = (unsigned)__builtin_ctz(m);
		d = jsonesc_write_escape(d + k, (unsigned char)s[i + k]);
		i += k + 1;
	}
	return d;
}

#else /* !__SSE2__ */

char *jsonesc_write_string(char *dst, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	char *d = dst;
	size_t i = 0;

	while (i < n) {
		size_t j = i;
		while (j < n && !jsonesc_table[p[j]])
			j++;
		memcpy(d, s + i, j - i);
		d += j - i;
		if (j == n)
			break;
		d = jsonesc_write_escape(d, p[j]);
		i = j + 1;
	}
	return d;
}

#endif
