/* json_scan.c: where a JSON value ends (see json_scan.h). */
#include "autoconfig.h"

#include "json_scan.h"

#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "../src/base/swar.h"

void json_scan_hide_nul(char *p, size_t n)
{
	if (!n)
		return;
	for (char *z = memchr(p, 0, n); z; z = memchr(z + 1, 0, n - (size_t)(z + 1 - p)))
		*z = 1;
}

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

/* The bytes that matter to a container outside its strings. */
static const unsigned char json_scan_special[256] = {
	['"'] = 1, ['{'] = 1, ['}'] = 1, ['['] = 1, [']'] = 1, ['\n'] = 1,
};

/* The first '"', '\\' or LF at or after p, or end. */
static const unsigned char *json_scan_find_in_string(const unsigned char *p, const unsigned char *end)
{
#if SWAR_LITTLE_ENDIAN
	while (end - p >= 8) {
		uint64_t w = swar_load(p);
		uint64_t m = swar_has_byte(w, '"') | swar_has_byte(w, '\\') | swar_has_byte(w, '\n');
		if (m)
			return p + swar_first(m);
		p += 8;
	}
#endif
	while (p < end && *p != '"' && *p != '\\' && *p != '\n')
		p++;
	return p;
}

/* Bytes [q, lim) a byte (or a string's run) at a time; returns where it
 * stopped (lim, or where the value ended: *end set). */
static const unsigned char *json_scan_bytes(struct json_scan *a, const unsigned char *q, const unsigned char *lim,
					    int *end, uint64_t *nl)
{
	while (q < lim) {
		unsigned char c;
		if (a->in_str) {
			if (a->esc) {
				a->esc = 0;
				*nl += *q++ == '\n';
				continue;
			}
			q = json_scan_find_in_string(q, lim);
			if (q >= lim)
				break;
			c = *q++;
			if (c == '\n')
				(*nl)++;
			else if (c == '\\')
				a->esc = 1;
			else {
				a->in_str = 0;
				if (a->kind == JSON_SCAN_STRING) {
					*end = 1;
					break;
				}
			}
			continue;
		}
		if (a->kind == JSON_SCAN_CONTAINER) {
			/* outside strings: to the next quote, bracket or LF */
			while (q < lim && !json_scan_special[*q])
				q++;
			if (q >= lim)
				break;
		}
		c = *q;
		int r = json_scan_step(a, c);
		if (r < 0) {
			*end = -1;
			break;
		}
		q++;
		*nl += c == '\n';
		if (r > 0) {
			*end = 1;
			break;
		}
	}
	return q;
}

/* Where the bytes that matter are in a block of 64: bit i for byte i. */
struct json_scan_masks {
	uint64_t quote, backslash, bracket, newline;
};

#if defined(__SSE2__)
static inline uint64_t json_scan_eq16(__m128i v, char c)
{
	return (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(c)));
}
#endif

static void json_scan_block_masks(const unsigned char *p, struct json_scan_masks *m)
{
	memset(m, 0, sizeof *m);
#if defined(__SSE2__)
	for (int k = 0; k < 4; k++) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + 16 * k));
		m->quote |= json_scan_eq16(v, '"') << (16 * k);
		m->backslash |= json_scan_eq16(v, '\\') << (16 * k);
		m->bracket |= (json_scan_eq16(v, '{') | json_scan_eq16(v, '}') | json_scan_eq16(v, '[') |
			       json_scan_eq16(v, ']'))
			      << (16 * k);
		m->newline |= json_scan_eq16(v, '\n') << (16 * k);
	}
#else
	for (int i = 0; i < 64; i++) {
		uint64_t bit = 1ull << i;
		unsigned char c = p[i];
		m->quote |= c == '"' ? bit : 0;
		m->backslash |= c == '\\' ? bit : 0;
		m->bracket |= c == '{' || c == '}' || c == '[' || c == ']' ? bit : 0;
		m->newline |= c == '\n' ? bit : 0;
	}
#endif
}

/* Bit i set when an odd number of bits 0..i of x are: with x the quotes,
 * the bytes inside a string (its opening quote in, its closing one out). */
static inline uint64_t json_scan_prefix_xor(uint64_t x)
{
	x ^= x << 1;
	x ^= x << 2;
	x ^= x << 4;
	x ^= x << 8;
	x ^= x << 16;
	x ^= x << 32;
	return x;
}

/* A container's block of 64 bytes with no backslash: its brackets outside
 * strings, in order. Returns the bytes consumed (64, or through the closer
 * that ends the value: *end = 1). */
static size_t json_scan_block(struct json_scan *a, const unsigned char *q, const struct json_scan_masks *m, int *end,
			      uint64_t *nl)
{
	uint64_t inside = json_scan_prefix_xor(m->quote) ^ (a->in_str ? ~0ull : 0);
	a->in_str = 0; /* for json_scan_step: the brackets below are outside strings */
	for (uint64_t br = m->bracket & ~inside; br; br &= br - 1) {
		unsigned i = (unsigned)__builtin_ctzll(br);
		if (json_scan_step(a, q[i]) > 0) {
			*end = 1;
			*nl += (uint64_t)__builtin_popcountll(m->newline & (i == 63 ? ~0ull : (2ull << i) - 1));
			return i + 1;
		}
	}
	a->in_str = (int)(inside >> 63);
	*nl += (uint64_t)__builtin_popcountll(m->newline);
	return 64;
}

size_t json_scan_run(struct json_scan *a, const char *p, size_t n, int *end, uint64_t *newlines)
{
	const unsigned char *s = (const unsigned char *)p, *e = s + n, *q = s;
	uint64_t nl = 0;
	*end = 0;
	while (q < e && !*end) {
		const unsigned char *lim = e;
		if (a->kind == JSON_SCAN_CONTAINER && !a->esc && e - q >= 64) {
			/* 64 bytes at once, unless a backslash is among them */
			struct json_scan_masks m;
			json_scan_block_masks(q, &m);
			if (!m.backslash) {
				q += json_scan_block(a, q, &m, end, &nl);
				continue;
			}
			lim = q + 64;
		}
		q = json_scan_bytes(a, q, lim, end, &nl);
	}
	*newlines += nl;
	return (size_t)(q - s);
}
