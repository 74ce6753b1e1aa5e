/* swar.h: eight bytes at a time in a 64-bit word ("SIMD within a
 * register"), for the scanners that look for a few special bytes in long
 * runs of plain text (the JSON fast path, the CSV destination).
 *
 * swar_has_byte flags (bit 7 of each byte) the bytes equal to c; swar_below
 * those below c (c <= 0x80). A flag can be set falsely only in a byte above
 * a byte truly flagged, so on a little-endian machine the lowest flag of
 * any combination of them is exact: swar_first gives its byte's index.
 * SWAR_LITTLE_ENDIAN is 0 elsewhere, and the callers go a byte at a time. */
#ifndef NEB_SWAR_H
#define NEB_SWAR_H

#include <stdint.h>
#include <string.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define SWAR_LITTLE_ENDIAN 1
#else
#define SWAR_LITTLE_ENDIAN 0
#endif

#define SWAR_ONES 0x0101010101010101ull
#define SWAR_HIGH 0x8080808080808080ull

static inline uint64_t swar_load(const void *p)
{
	uint64_t w;
	memcpy(&w, p, 8);
	return w;
}

static inline uint64_t swar_has_byte(uint64_t w, unsigned char c)
{
	uint64_t x = w ^ (SWAR_ONES * c);
	return (x - SWAR_ONES) & ~x & SWAR_HIGH;
}

static inline uint64_t swar_below(uint64_t w, unsigned char c) { return (w - SWAR_ONES * c) & ~w & SWAR_HIGH; }

/* The index of the byte of the lowest flag of a non-zero mask. */
static inline unsigned swar_first(uint64_t m) { return (unsigned)__builtin_ctzll(m) >> 3; }

#endif
