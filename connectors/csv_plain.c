/* csv_plain.c: finding the plain records of a CSV chunk (csv_plain.h). */
#include "autoconfig.h"

#include "csv_plain.h"

#include "../src/base/utf8.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* The bits set in a 16-bit mask (no popcount instruction is assumed). */
static inline uint32_t csv_plain_bits(unsigned x)
{
	x = x - ((x >> 1) & 0x5555u);
	x = (x & 0x3333u) + ((x >> 2) & 0x3333u);
	x = (x + (x >> 4)) & 0x0f0fu;
	return (x + (x >> 8)) & 0x1fu;
}

/* The first byte at or after i that is the quote, LF, CR or a backslash (n
 * when there is none); adds the delimiters before it to *delims and their
 * bytes' high bits to *high. */
static size_t csv_plain_next(const unsigned char *s, size_t n, size_t i, unsigned char d, unsigned char q,
			     uint32_t *delims, unsigned *high)
{
#ifdef __SSE2__
	const __m128i vq = _mm_set1_epi8((char)q), vl = _mm_set1_epi8('\n'), vr = _mm_set1_epi8('\r');
	const __m128i vb = _mm_set1_epi8('\\'), vd = _mm_set1_epi8((char)d);
	for (; i + 16 <= n; i += 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
		__m128i stop = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, vq), _mm_cmpeq_epi8(x, vl)),
					    _mm_or_si128(_mm_cmpeq_epi8(x, vr), _mm_cmpeq_epi8(x, vb)));
		unsigned sm = (unsigned)_mm_movemask_epi8(stop),
			 dm = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, vd));
		unsigned hm = (unsigned)_mm_movemask_epi8(x);
		if (sm) {
			unsigned at = (unsigned)__builtin_ctz(sm), before = (1u << at) - 1;
			*delims += csv_plain_bits(dm & before);
			*high |= hm & before;
			return i + at;
		}
		*delims += csv_plain_bits(dm);
		*high |= hm;
	}
#endif
	for (; i < n; i++) {
		unsigned char c = s[i];
		if (c == q || c == '\n' || c == '\r' || c == '\\')
			return i;
		*delims += c == d;
		*high |= c & 0x80u;
	}
	return n;
}

int csv_plain_record(const char *buf, size_t n, unsigned char delim, unsigned char quote, uint32_t width, size_t *len)
{
	const unsigned char *s = (const unsigned char *)buf;
	uint32_t delims = 0, inside = 0;
	unsigned high = 0;
	size_t i = 0, end;
	for (;;) { /* outside quotes at i */
		size_t j = csv_plain_next(s, n, i, delim, quote, &delims, &high);
		if (j == n || s[j] == '\n') {
			end = j;
			break;
		}
		/* a CR or a backslash; a quote that does not open a field */
		if (s[j] != quote || (j > 0 && s[j - 1] != delim))
			return 0;
		size_t k = j;
		for (;;) { /* to the closing quote: LF and doubled quotes are bytes of the field */
			k = csv_plain_next(s, n, k + 1, delim, quote, &inside, &high);
			if (k == n || (s[k] != quote && s[k] != '\n'))
				return 0; /* left open, or a CR or backslash inside */
			if (s[k] == quote && k + 1 < n && s[k + 1] == quote)
				k++;
			else if (s[k] == quote)
				break;
		}
		if (k + 1 < n && s[k + 1] != delim && s[k + 1] != '\n')
			return 0; /* text after the closing quote */
		i = k + 1;
	}
	if (delims + 1 != width)
		return 0;
	if (high && utf8_find_invalid(buf, end) != end)
		return 0;
	*len = end;
	return 1;
}
