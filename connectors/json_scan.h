/* json_scan.h: finds where one JSON value ends, byte by byte, without
 * parsing it (strings, escapes and nesting followed; no other checking):
 * the scanner the json source cuts array elements with and the http source
 * cuts the records of a page with, in constant memory. A mismatched closer
 * ends the value (the parser then names the fault). */
#ifndef NEB_JSON_SCAN_H
#define NEB_JSON_SCAN_H

#include <stddef.h>
#include <stdint.h>

/* Nesting deeper than this is not checked for {] */
#define JSON_SCAN_MAX_TRACKED_DEPTH 4096

enum json_scan_kind { JSON_SCAN_CONTAINER, JSON_SCAN_STRING, JSON_SCAN_SCALAR };

struct json_scan {
	int kind, in_str, esc;
	uint32_t depth;
	uint8_t is_array[JSON_SCAN_MAX_TRACKED_DEPTH / 8]; /* per depth: '[' (1) or '{' (0) */
};

/* Starts a value at its first byte c (not a space, not ',' or ']'). */
void json_scan_begin(struct json_scan *a, unsigned char c);
/* Feeds the next byte of the value; returns 1 when the value ends after this
 * byte, -1 when it ended before it (a number, true, ... ends at the
 * delimiter that follows), 0 when it goes on. */
int json_scan_step(struct json_scan *a, unsigned char c);
/* Feeds p[0..n) as json_scan_step would byte by byte, but strings eight
 * bytes at a time, up to where the value ends. Returns the bytes consumed:
 * n when the value goes on (*end = 0); through the byte that closes it
 * (*end = 1); up to, not including, the delimiter that ends a number,
 * true, ... (*end = -1). *newlines is increased by the LF bytes consumed. */
size_t json_scan_run(struct json_scan *a, const char *p, size_t n, int *end, uint64_t *newlines);
/* Makes each NUL byte of p[0..n) 0x01: as invalid in JSON, and no longer
 * the end of a record that the readers end with a NUL. */
void json_scan_hide_nul(char *p, size_t n);
/* JSON's white space. */
int json_scan_is_space(unsigned char c);

#endif
