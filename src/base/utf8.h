/* utf8.h: UTF-8 validation and replacement of invalid bytes.
 *
 * Valid means well-formed as Unicode defines it: no overlong forms, no
 * surrogates (U+D800..U+DFFF), nothing above U+10FFFF, no truncated sequence. */
#ifndef NEB_UTF8_H
#define NEB_UTF8_H

#include <stddef.h>

/* Offset of the first byte of the first ill-formed sequence, or n when all of
 * s[0..n) is valid. Pure ASCII runs are checked a word at a time. */
size_t utf8_find_invalid(const char *s, size_t n);

/* Offset of the first byte that is not ASCII (>= 0x80), or n. */
size_t utf8_skip_ascii(const char *s, size_t n);

/* Writes s[0..n) to dst with each maximal ill-formed subpart replaced by
 * U+FFFD (EF BF BD), as Python's bytes.decode('utf-8', 'replace') does;
 * dst has room for 3 * n bytes. Returns the bytes written. */
size_t utf8_write_replaced(char *dst, const char *s, size_t n);

/* The length of the longest prefix of s[0..n) that does not end inside a
 * character: n, or less when the last character starts before n and ends
 * after it (where to cut text so that no character is split). */
size_t utf8_cut(const char *s, size_t n);

/* Writes s[0..n) to dst (cap > 0 bytes, NUL-terminated) with each byte of an
 * ill-formed sequence shown as the four characters \xNN (as Python's
 * 'backslashreplace' does); what does not fit is left out, cut between two
 * characters. Returns the bytes written, the NUL not counted. */
size_t utf8_write_escaped(char *dst, size_t cap, const char *s, size_t n);

#endif
