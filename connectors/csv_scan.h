/* csv_scan.h: the quote-aware scanner that finds CSV record boundaries.
 *
 * The CSV source reads on one thread and parses on several: the reader cuts
 * its input into chunks of whole records with this scanner, and each chunk is
 * parsed on its own (csv_fast, csv_slow). The scanner therefore follows
 * exactly csv_slow's view (Python's csv.reader) of where a record ends:
 *   - a quote opens a quoted field only as the first byte of a field;
 *     elsewhere in an unquoted field it is an ordinary byte;
 *   - in a quoted field, a quote followed by a quote is one literal quote; a
 *     quote followed by the delimiter or CR/LF ends the field; a quote
 *     followed by anything else ends the quoted part and the rest of the
 *     field is unquoted;
 *   - CR and LF end a record outside quotes; a record with no bytes at all
 *     (blank line, the LF of CRLF) is skipped.
 * It also counts lines (every LF, inside quotes too) so that errors can name
 * the line where a record starts. */
#ifndef NEB_CSV_SCAN_H
#define NEB_CSV_SCAN_H

#include <stddef.h>
#include <stdint.h>

struct csv_scan {
	unsigned char delim, quote;
	int state;          /* private: where in a record the scan stands */
	int in_record;      /* private: a byte of the current record has been seen */
	uint64_t lines;     /* LF bytes scanned so far */
	uint64_t records;   /* non-empty records completed so far */
};

void csv_scan_init(struct csv_scan *s, unsigned char delim, unsigned char quote);

/* Scans buf[0..n), continuing from where the previous call stopped (buf is
 * the bytes that follow the previous call's). Stops right after the
 * terminator that completes the `want`-th record of this call and returns the
 * offset just past it, a record boundary; when fewer than `want` records
 * complete, returns n and the state carries over to the next call.
 * *got is set to the records completed by this call. */
size_t csv_scan_records(struct csv_scan *s, const char *buf, size_t n, size_t want, size_t *got);

/* 1 when the scan stands at a record boundary (nothing of a record pending). */
int csv_scan_at_boundary(const struct csv_scan *s);
/* 1 when the scan stands inside a quoted field (at the end of the input:
 * a quote that is never closed). */
int csv_scan_in_quotes(const struct csv_scan *s);

/* Line on which record k (0-based, counting non-empty records) of
 * buf[0..n) starts, given that buf starts at a record boundary on line
 * first_line; for error messages. Returns 0 if there is no record k. */
uint64_t csv_scan_line_of_record(const char *buf, size_t n, unsigned char delim, unsigned char quote,
				 uint64_t k, uint64_t first_line);

/* Where record k (0-based, non-empty records) of buf[0..n) stands: the line
 * it starts on, and its bytes without the terminator. 0 if there is no
 * record k. For error messages and dead letters. */
struct csv_scan_place {
	uint64_t line;
	size_t start, end;
};
int csv_scan_locate_record(const char *buf, size_t n, unsigned char delim, unsigned char quote, uint64_t k,
			   uint64_t first_line, struct csv_scan_place *at);

#endif
