/* units.h: reading and writing durations ("250ms", "30s", "2m") and sizes
 * ("64KiB", "10MB"). */
#ifndef NEB_UNITS_H
#define NEB_UNITS_H

#include <stddef.h>
#include <stdint.h>

/* Durations: a number (decimals allowed) followed by ns, us, ms, s, m or h;
 * a bare number means seconds. Returns 0 and sets *ns, or -1. */
int units_parse_duration(const char *s, uint64_t *ns);
/* Sizes: a number followed by B, KB, MB, GB (powers of 1000) or KiB, MiB,
 * GiB (powers of 1024), case-insensitive, making a whole number of bytes
 * ("1.5KiB" is 1536); a bare number means bytes. Numbers are decimal: no
 * sign, exponent or hex, in sizes and durations alike. */
int units_parse_size(const char *s, uint64_t *bytes);
/* A whole non-negative decimal number and nothing else. */
int units_parse_uint(const char *s, uint64_t *v);
int units_parse_bool(const char *s, int *v); /* true/false, yes/no, on/off, 1/0 */

/* Formats for people: "1.50s", "250.0ms", "3m05s"; "12.3 MiB"; "1,234,567".
 * A buffer too short gets the start of the text. */
void units_format_duration(char *dst, size_t n, uint64_t ns);
void units_format_bytes(char *dst, size_t n, double bytes);
void units_format_count(char *dst, size_t n, uint64_t v);

#endif
