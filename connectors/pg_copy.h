/* pg_copy.h: PostgreSQL's COPY text format, one row per line: fields
 * separated by tabs, \N for null, and backslash escapes for the tab, line
 * breaks and the backslash itself. The postgresql source parses it, the
 * destination writes it, both on worker threads; the destination's COPY
 * may name another DELIMITER (for plain records, which it writes almost as
 * they were read), escaped in values as backslash and itself. */
#ifndef NEB_PG_COPY_H
#define NEB_PG_COPY_H

#include <stddef.h>
#include <stdint.h>

#include "../pipeline/batch.h"

/* Most bytes pg_copy_write_field writes for n bytes of value. */
#define PG_COPY_BOUND(n) (2 * (size_t)(n))

/* Writes the value (n bytes) escaped at o for rows whose fields are
 * separated by delim (a tab, or the DELIMITER the COPY names: escaped as
 * backslash and itself); returns the end. */
char *pg_copy_write_field(char *o, const char *s, size_t n, unsigned char delim);
/* The same, a word at a time to the last: it may read s[n..n+7) (which must
 * be readable) and write up to 7 bytes past the end it returns (which must
 * have room: PG_COPY_BOUND(n) + 7 bytes at o). */
char *pg_copy_write_field_wide(char *o, const char *s, size_t n, unsigned char delim);
/* Writes a plain record (batch.h; n bytes, format f) as a row whose fields
 * are separated by f->delim: its bytes, the quotes dropped and the
 * delimiters between them escaped; returns the end (at most
 * PG_COPY_BOUND(n) bytes after o). */
char *pg_copy_write_plain(char *o, const char *s, size_t n, const struct plain_format *f);

/* Parses one row (n bytes, without its line feed) into at most `width`
 * fields f, their bytes appended to data (which must have room for n more
 * bytes: a value never grows when unescaped). Returns the number of fields
 * the row has (which may differ from width). */
uint32_t pg_copy_parse_row(const char *p, size_t n, struct buf *data, struct field *f, uint32_t width);

#endif
