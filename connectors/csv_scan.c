/* csv_scan.c: the quote-aware record-boundary scanner of the CSV source.
 *
 * The reader thread runs it over the whole input to cut chunks of whole
 * records that csv_fast and csv_slow then parse on the decoder threads, so it
 * must follow csv_slow's rules (Python's csv.reader, default dialect) byte
 * for byte and run at memory speed. The usual configuration (delimiter and
 * quote distinct, neither CR nor LF) takes a fast path that jumps with SSE2
 * from one interesting byte to the next: outside quotes the quote, CR and
 * LF; inside quotes the quote and LF. Any other configuration takes a
 * byte-at-a-time path that mirrors the order in which csv_slow (as Python)
 * tests a byte in each state, so odd choices such as a delimiter equal to
 * the quote still agree with the parser.
 *
 * A `want` of 0 scans nothing: csv_scan_records returns 0 with *got = 0. */
#include "autoconfig.h"

#include "csv_scan.h"

#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* Values of struct csv_scan.state; Python's states (Modules/_csv.c). */
enum csv_scan_state {
	CSV_SCAN_ROW_START,   /* no byte of a record yet (START_RECORD) */
	CSV_SCAN_FIELD_START, /* after a delimiter (START_FIELD) */
	CSV_SCAN_UNQUOTED,    /* in an unquoted field (IN_FIELD) */
	CSV_SCAN_QUOTED,      /* in a quoted field (IN_QUOTED_FIELD) */
	CSV_SCAN_QUOTE_SEEN,  /* a quote in a quoted field (QUOTE_IN_QUOTED_FIELD) */
};

#define CSV_SCAN_CR ((unsigned char)'\r')
#define CSV_SCAN_LF ((unsigned char)'\n')

void csv_scan_init(struct csv_scan *s, unsigned char delim, unsigned char quote)
{
	memset(s, 0, sizeof *s);
	s->delim = delim;
	s->quote = quote;
	s->state = CSV_SCAN_ROW_START;
	s->in_record = 0;
}

int csv_scan_at_boundary(const struct csv_scan *s)
{
	return s->state == CSV_SCAN_ROW_START;
}

int csv_scan_in_quotes(const struct csv_scan *s)
{
	return s->state == CSV_SCAN_QUOTED;
}

/* First byte of [p, end) equal to a, b or c, or end when there is none.
 * Never reads at or past end. */
static const unsigned char *csv_scan_find_special(const unsigned char *p, const unsigned char *end,
						  unsigned char a, unsigned char b, unsigned char c)
{
#ifdef __SSE2__
	if (end - p >= 16) {
		const __m128i va = _mm_set1_epi8((char)a);
		const __m128i vb = _mm_set1_epi8((char)b);
		const __m128i vc = _mm_set1_epi8((char)c);
		while (end - p >= 32) {
			__m128i x0 = _mm_loadu_si128((const __m128i *)(const void *)p);
			__m128i x1 = _mm_loadu_si128((const __m128i *)(const void *)(p + 16));
			__m128i m0 = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x0, va), _mm_cmpeq_epi8(x0, vb)),
						  _mm_cmpeq_epi8(x0, vc));
			__m128i m1 = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x1, va), _mm_cmpeq_epi8(x1, vb)),
						  _mm_cmpeq_epi8(x1, vc));
			unsigned mask = (unsigned)_mm_movemask_epi8(m0) | ((unsigned)_mm_movemask_epi8(m1) << 16);
			if (mask)
				return p + __builtin_ctz(mask);
			p += 32;
		}
		if (end - p >= 16) {
			__m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
			__m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, va), _mm_cmpeq_epi8(x, vb)),
						 _mm_cmpeq_epi8(x, vc));
			unsigned mask = (unsigned)_mm_movemask_epi8(m);
			if (mask)
				return p + __builtin_ctz(mask);
			p += 16;
		}
	}
#endif
	while (p < end && *p != a && *p != b && *p != c)
		p++;
	return p;
}

/* Fast path: delimiter and quote distinct, neither of them CR or LF. Returns
 * the offset where the scan stopped; *done gets the records completed. */
static size_t csv_scan_run_fast(struct csv_scan *s, const unsigned char *buf, size_t n, size_t want,
				size_t *done)
{
	const unsigned char *p = buf, *end = buf + n;
	const unsigned char d = s->delim, q = s->quote;
	int st = s->state;
	uint64_t lines = s->lines;
	size_t k = 0;

	while (p < end) {
		if (st == CSV_SCAN_QUOTED) {
			/* Only a quote can end a quoted field; LFs are counted. */
			const unsigned char *r = csv_scan_find_special(p, end, q, CSV_SCAN_LF, CSV_SCAN_LF);
			if (r == end) {
				p = end;
				break;
			}
			p = r + 1;
			if (*r == q)
				st = CSV_SCAN_QUOTE_SEEN;
			else
				lines++;
		} else if (st == CSV_SCAN_QUOTE_SEEN) {
			/* The byte after a quote in a quoted field decides. */
			unsigned char c = *p++;
			if (c == q) {
				st = CSV_SCAN_QUOTED; /* "": a literal quote */
			} else if (c == d) {
				st = CSV_SCAN_FIELD_START;
			} else if (c == CSV_SCAN_LF || c == CSV_SCAN_CR) {
				lines += c == CSV_SCAN_LF;
				st = CSV_SCAN_ROW_START;
				if (++k == want)
					break;
			} else {
				st = CSV_SCAN_UNQUOTED; /* text after the closing quote */
			}
		} else {
			/* Outside quotes: the run up to the next quote, CR or LF
			 * holds only ordinary bytes and delimiters, so its last
			 * byte alone says whether a field starts after it. */
			const unsigned char *r = csv_scan_find_special(p, end, q, CSV_SCAN_CR, CSV_SCAN_LF);
			if (r > p)
				st = r[-1] == d ? CSV_SCAN_FIELD_START : CSV_SCAN_UNQUOTED;
			if (r == end) {
				p = end;
				break;
			}
			p = r + 1;
			if (*r == q) {
				if (st != CSV_SCAN_UNQUOTED)
					st = CSV_SCAN_QUOTED; /* opens a quoted field */
			} else {
				lines += *r == CSV_SCAN_LF;
				if (st != CSV_SCAN_ROW_START) {
					st = CSV_SCAN_ROW_START;
					if (++k == want)
						break;
				}
			}
		}
	}
	s->state = st;
	s->lines = lines;
	*done = k;
	return (size_t)(p - buf);
}

/* General path, one byte at a time, testing each byte in the order Python's
 * csv module does in each state (which matters when delimiter, quote, CR and
 * LF are not all distinct). */
static size_t csv_scan_run_bytes(struct csv_scan *s, const unsigned char *buf, size_t n, size_t want,
				 size_t *done)
{
	const unsigned char d = s->delim, q = s->quote;
	int st = s->state;
	uint64_t lines = s->lines;
	size_t k = 0, i = 0;

	while (i < n) {
		unsigned char c = buf[i++];
		int term = c == CSV_SCAN_CR || c == CSV_SCAN_LF;
		int ended = 0;
		lines += c == CSV_SCAN_LF;
		switch (st) {
		case CSV_SCAN_ROW_START:
			if (term)
				break; /* a blank line */
			/* fall through */
		case CSV_SCAN_FIELD_START:
			if (term) {
				ended = 1;
				st = CSV_SCAN_ROW_START;
			} else if (c == q) {
				st = CSV_SCAN_QUOTED;
			} else if (c == d) {
				st = CSV_SCAN_FIELD_START;
			} else {
				st = CSV_SCAN_UNQUOTED;
			}
			break;
		case CSV_SCAN_UNQUOTED:
			if (term) {
				ended = 1;
				st = CSV_SCAN_ROW_START;
			} else if (c == d) {
				st = CSV_SCAN_FIELD_START;
			}
			break;
		case CSV_SCAN_QUOTED:
			if (c == q)
				st = CSV_SCAN_QUOTE_SEEN;
			break;
		default: /* CSV_SCAN_QUOTE_SEEN */
			if (c == q) {
				st = CSV_SCAN_QUOTED;
			} else if (c == d) {
				st = CSV_SCAN_FIELD_START;
			} else if (term) {
				ended = 1;
				st = CSV_SCAN_ROW_START;
			} else {
				st = CSV_SCAN_UNQUOTED;
			}
			break;
		}
		if (ended && ++k == want)
			break;
	}
	s->state = st;
	s->lines = lines;
	*done = k;
	return i;
}

size_t csv_scan_records(struct csv_scan *s, const char *buf, size_t n, size_t want, size_t *got)
{
	size_t done = 0, off = 0;
	const unsigned char d = s->delim, q = s->quote;

	if (want > 0 && n > 0) {
		if (d != q && d != CSV_SCAN_CR && d != CSV_SCAN_LF && q != CSV_SCAN_CR && q != CSV_SCAN_LF)
			off = csv_scan_run_fast(s, (const unsigned char *)buf, n, want, &done);
		else
			off = csv_scan_run_bytes(s, (const unsigned char *)buf, n, want, &done);
		s->records += done;
		s->in_record = s->state != CSV_SCAN_ROW_START;
	}
	if (got)
		*got = done;
	return off;
}

int csv_scan_locate_record(const char *buf, size_t n, unsigned char delim, unsigned char quote, uint64_t k,
			   uint64_t first_line, struct csv_scan_place *at)
{
	struct csv_scan s;
	size_t off = 0, want = (size_t)k;

	if ((uint64_t)want != k)
		return 0;
	csv_scan_init(&s, delim, quote);
	if (want > 0) {
		size_t got;
		off = csv_scan_records(&s, buf, n, want, &got);
		if (got < want)
			return 0;
	}
	/* At a boundary, CR and LF are blank lines (Python tests them first in
	 * that state); the next other byte starts record k. */
	while (off < n && (buf[off] == '\r' || buf[off] == '\n')) {
		s.lines += buf[off] == '\n';
		off++;
	}
	if (off == n)
		return 0;
	at->line = first_line + s.lines;
	at->start = off;
	size_t got;
	size_t end = off + csv_scan_records(&s, buf + off, n - off, 1, &got);
	at->end = got ? end - 1 : end; /* without its terminator */
	return 1;
}

uint64_t csv_scan_line_of_record(const char *buf, size_t n, unsigned char delim, unsigned char quote,
				 uint64_t k, uint64_t first_line)
{
	struct csv_scan_place at;
	return csv_scan_locate_record(buf, n, delim, quote, k, first_line, &at) ? at.line : 0;
}
