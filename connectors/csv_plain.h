/* csv_plain.h: finding the plain records of a CSV chunk (batch.h's plain
 * format), which the CSV source leaves unsplit when the destination takes
 * them as they are (the pass-through).
 *
 * A plain record is one the CSV parsers (csv_fast, csv_slow) read as exactly
 * `width` fields, with no CR or backslash anywhere: bare fields without the
 * quote; quoted fields (which may hold the delimiter, LF and doubled quotes)
 * whose closing quote is followed by the delimiter, LF or the end of the
 * input; valid UTF-8. Splitting it at the delimiters outside quotes, the
 * quotes dropped and doubled ones made one (batch_split_plain), gives the
 * parsers' fields, so a plain record is the same record either way
 * (test_csv_fast checks it on random inputs). The scan runs 16 bytes at a
 * time with SSE2. */
#ifndef NEB_CSV_PLAIN_H
#define NEB_CSV_PLAIN_H

#include <stddef.h>
#include <stdint.h>

/* buf[0..n) starts with the first byte of a record (not CR or LF). Returns
 * 1 when that record is plain, with *len its bytes before the LF that ends
 * it (or n at the end of the input); 0 when it is not (the parsers take
 * it). The
 * delimiter and the quote differ from each other, from CR, LF and
 * backslash. */
int csv_plain_record(const char *buf, size_t n, unsigned char delim, unsigned char quote, uint32_t width, size_t *len);

#endif
