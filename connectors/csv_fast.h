/* csv_fast.h: the fast path of the CSV parser.
 *
 * Parses the records of a chunk the way csv_slow does (Python's csv.reader,
 * default dialect) for as long as they are simple: unquoted fields (a quote
 * inside one is an ordinary byte), and quoted fields with no quote inside
 * whose closing quote is followed by the delimiter, CR, LF or the end of the
 * chunk. At the first record that is not simple (a doubled quote, text after
 * a closing quote, a quote left open) it stops and returns where that record
 * starts, so the caller can hand that record to csv_slow. The results are
 * the same as csv_slow's: the unit tests and the fuzzer compare the two on
 * every input, and csv_python_quirks.sh compares them with Python. */
#ifndef NEB_CSV_FAST_H
#define NEB_CSV_FAST_H

#include <stddef.h>

struct csv_slow;

/* Same callbacks as csv_slow_parse: a field, then the end of a row. */
typedef void (*csv_fast_field_fn)(void *field, size_t len, void *data);
typedef void (*csv_fast_row_fn)(int term, void *data);
/* Drops the fields reported since the last row end. */
typedef void (*csv_fast_discard_fn)(void *data);

/* buf starts at a record boundary and ends at one (or at the end of input).
 * Returns n when every record was parsed, or the offset of the first record
 * that was not; fields of that record may have been reported already (no
 * row end was), and the caller discards them. */
size_t csv_fast_parse(const char *buf, size_t n, unsigned char delim, unsigned char quote,
		      csv_fast_field_fn on_field, csv_fast_row_fn on_row, void *data);

/* Parses a whole chunk (from a record boundary to a record boundary or the
 * end of input): simple records by the fast path, each other record by
 * csv_slow (p: its scratch), found with csv_scan. The delimiter and the
 * quote must differ from each other and from CR and LF. */
void csv_fast_parse_chunk(const char *buf, size_t n, unsigned char delim, unsigned char quote,
			  struct csv_slow *p, csv_fast_field_fn on_field, csv_fast_row_fn on_row,
			  csv_fast_discard_fn on_discard, void *data);

#endif
