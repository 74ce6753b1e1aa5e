/* unit_random.h: the small xorshift generator of the unit tests that make
 * random inputs from a fixed seed (the same inputs on every run). */
#ifndef NEB_UNIT_RANDOM_H
#define NEB_UNIT_RANDOM_H

#include <stdint.h>

/* The next number of the 32-bit xorshift sequence; the state (never 0) lives
 * with the caller. */
static inline uint32_t unit_random_next(uint32_t *st)
{
	uint32_t x = *st;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *st = x;
}

#endif
