/* csv_slow.h: the byte-at-a-time CSV parser, the contract of the CSV source.
 *
 * It reads a record exactly as Python's csv.reader does with the default
 * dialect (doublequote on, skipinitialspace off, strict off), the file opened
 * with newline='':
 *   - a quote opens a quoted field only as the first byte of a field;
 *     elsewhere in an unquoted field (after spaces too) it is kept literally;
 *   - in a quoted field, two quotes are one literal quote; a quote followed
 *     by the delimiter or CR/LF ends the field; a quote followed by anything
 *     else ends the quoted part and the field goes on unquoted, that byte
 *     kept ("ab"cd is abcd, "x" ,y is 'x ' then y);
 *   - CR, LF and CRLF end a record outside quotes and are kept inside them;
 *     a blank line is no record (csv.reader's [] row, which DictReader skips);
 *   - the end of the input ends the last record, a quoted field left open
 *     included (its bytes up to the end are the field).
 * csv_fast parses the simple records itself and hands the others here;
 * csv_scan finds record boundaries by the same rules. */
#ifndef NEB_CSV_SLOW_H
#define NEB_CSV_SLOW_H

#include <stddef.h>

/* A field's bytes, reused from record to record. */
struct csv_slow {
	char *field;
	size_t len, cap;
};

/* Callbacks: a field (bytes, length), then the end of a row with its
 * terminator byte (CR or LF), or -1 when the input ended the row. */
typedef void (*csv_slow_field_fn)(void *field, size_t len, void *data);
typedef void (*csv_slow_row_fn)(int term, void *data);

void csv_slow_init(struct csv_slow *p);
void csv_slow_free(struct csv_slow *p);

/* Parses buf[0..n), which starts at a record boundary, to its end, the end
 * of buf being the end of the input (a last record without a terminator, or
 * with a quote left open, is reported with term -1). Any delimiter and quote
 * are accepted; when they are not distinct from each other and from CR/LF,
 * each byte is tested in the order Python tests it. */
void csv_slow_parse(struct csv_slow *p, const char *buf, size_t n, unsigned char delim, unsigned char quote,
		    csv_slow_field_fn on_field, csv_slow_row_fn on_row, void *data);

#endif
