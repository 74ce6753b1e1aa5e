/* json_scan.c: where a JSON value ends (see json_scan.h). */
#include "autoconfig.h"

#include "json_scan.h"

int json_scan_is_space(unsigned char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

static void json_scan_push(struct json_scan *a, int is_array)
{
	if (a->depth < JSON_SCAN_MAX_TRACKED_DEPTH) {
		uint8_t bit = (uint8_t)(1u << (a->depth & 7));
		if (is_array)
			a->is_array[a->depth >> 3] |= bit;
		else
			a->is_array[a->depth >> 3] &= (uint8_t)~bit;
	}
	a->depth++;
}

/* Pops a '}' or ']'; returns 0 when it closes what was opened last. */
static int json_scan_pop(struct json_scan *a, int is_array)
{
	a->depth--;
	if (a->depth >= JSON_SCAN_MAX_TRACKED_DEPTH)
		return 0;
	return ((a->is_array[a->depth >> 3] >> (a->depth & 7)) & 1) != is_array;
}

void json_scan_begin(struct json_scan *a, unsigned char c)
{
	a->kind = c == '{' || c == '[' ? JSON_SCAN_CONTAINER : c == '"' ? JSON_SCAN_STRING : JSON_SCAN_SCALAR;
	a->in_str = c == '"';
	a->esc = 0;
	a->depth = 0;
	if (a->kind == JSON_SCAN_CONTAINER)
		json_scan_push(a, c == '[');
}

int json_scan_step(struct json_scan *a, unsigned char c)
{
	if (a->in_str) {
		if (a->esc)
			a->esc = 0;
		else if (c == '\\')
			a->esc = 1;
		else if (c == '"') {
			a->in_str = 0;
			return a->kind == JSON_SCAN_STRING;
		}
		return 0;
	}
	if (a->kind == JSON_SCAN_SCALAR)
		return c == ',' || c == ']' || c == '}' || c == '[' || c == '{' || c == '"' || json_scan_is_space(c) ? -1
																		: 0;
	switch (c) {
	case '"':
		a->in_str = 1;
		return 0;
	case '{':
	case '[':
		json_scan_push(a, c == '[');
		return 0;
	case '}':
	case ']':
		/* a mismatched closer ends the element: jansson then names the fault */
		if (json_scan_pop(a, c == ']') || a->depth == 0) {
			a->depth = 0;
			return 1;
		}
		return 0;
	default:
		return 0;
	}
}
