/* csv_fast.c: the simple-record fast path of the CSV parser (see csv_fast.h). */
#include "autoconfig.h"

#include "csv_fast.h"

#include <string.h>

#include "csv_scan.h"
#include "csv_slow.h"

enum { CLS_PLAIN = 0, CLS_DELIM = 1, CLS_TERM = 2 };

size_t csv_fast_parse(const char *buf, size_t n, unsigned char delim, unsigned char quote,
		      csv_fast_field_fn on_field, csv_fast_row_fn on_row, void *data)
{
	unsigned char cls[256];
	memset(cls, CLS_PLAIN, sizeof cls);
	cls[delim] = CLS_DELIM;
	cls['\r'] = cls['\n'] = CLS_TERM;
	const unsigned char *s = (const unsigned char *)buf;
	size_t i = 0;
	while (i < n) {
		/* between records: CR and LF of blank lines are skipped, as csv_slow does */
		if (cls[s[i]] == CLS_TERM) {
			i++;
			continue;
		}
		size_t rec = i;
		for (;;) { /* one field per turn */
			if (s[i] == quote) {
				const unsigned char *q = memchr(s + i + 1, quote, n - i - 1);
				if (!q)
					return rec; /* a quote left open */
				size_t close = (size_t)(q - s);
				if (close + 1 < n && cls[s[close + 1]] == CLS_PLAIN)
					return rec; /* a doubled quote, or text after the closing one */
				on_field((void *)(buf + i + 1), close - i - 1, data);
				i = close + 1;
			} else {
				size_t start = i;
				while (i < n && cls[s[i]] == CLS_PLAIN)
					i++;
				on_field((void *)(buf + start), i - start, data);
			}
			if (i >= n || cls[s[i]] == CLS_TERM)
				break;
			if (++i >= n) { /* "a," at the end of input: an empty last field */
				on_field((void *)(buf + i), 0, data);
				break;
			}
		}
		on_row(i < n ? s[i] : -1, data);
		i++;
	}
	return n;
}

void csv_fast_parse_chunk(const char *buf, size_t n, unsigned char delim, unsigned char quote,
			  struct csv_slow *p, csv_fast_field_fn on_field, csv_fast_row_fn on_row,
			  csv_fast_discard_fn on_discard, void *data)
{
	size_t off = 0;
	while (off < n) {
		size_t stop = off + csv_fast_parse(buf + off, n - off, delim, quote, on_field, on_row, data);
		if (stop >= n)
			break;
		/* a record for csv_slow: drop what the fast path began, find where
		 * the record ends, parse just that record */
		on_discard(data);
		struct csv_scan sc;
		size_t got;
		csv_scan_init(&sc, delim, quote);
		size_t end = stop + csv_scan_records(&sc, buf + stop, n - stop, 1, &got);
		csv_slow_parse(p, buf + stop, end - stop, delim, quote, on_field, on_row, data);
		off = end;
	}
}
