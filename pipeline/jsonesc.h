/* jsonesc.h: the fast JSON string escaper used by the JSON destination.
 *
 * Output matches Python's json.dumps(s, ensure_ascii=False) between the
 * quotes: \" \\ \n \r \t \b \f are escaped as such, every other byte below
 * 0x20 as \u00XX (lowercase hex), and every other byte (0x7f, UTF-8
 * sequences) is copied as it is. The input must be valid UTF-8 for the output
 * to be valid JSON; the escaper itself never looks at sequences. */
#ifndef NEB_JSONESC_H
#define NEB_JSONESC_H

#include <stddef.h>

/* Most bytes n input bytes can become. */
#define JSONESC_BOUND(n) ((size_t)(n) * 6)

/* Writes the escaped form of s[0..n) at dst (which has JSONESC_BOUND(n)
 * bytes of room) and returns the end of what it wrote. The bytes between the
 * returned end and dst + JSONESC_BOUND(n) may be overwritten. */
char *jsonesc_write_string(char *dst, const char *s, size_t n);

#endif
