/* pace.h: keeps a producer at a steady rate (records per second): the
 * generate source's `rate` and every destination's `rate_limit`. */
#ifndef NEB_PACE_H
#define NEB_PACE_H

#include <stdatomic.h>
#include <stdint.h>

/* Time lost beyond this (a pause, a stall) is not made up afterwards: the
 * producer carries on at its rate instead of bursting to catch up. Shorter
 * delays (sleep granularity, scheduling) are made up, so that the average
 * rate holds. */
#define PACE_MAX_BEHIND_NS 100000000ull

struct pace {
	uint64_t rate;     /* records per second; 0 = no limit */
	uint64_t start_ns; /* when record 0 was due (0 = not started) */
	uint64_t count;    /* records let through so far */
	/* NULL, or the time a virtual speed-up leaves out of the clock
	 * (whatif.h): the rate then holds in virtual time */
	const _Atomic uint64_t *removed_ns;
	/* NULL, or where the waits it asks for add up (ns): time a what-if
	 * experiment does not count as work */
	_Atomic uint64_t *paced_ns;
};

/* The time (clock_now_ns) at which the next n records may go, given the time
 * now; counts them as gone. 0 when they may go at once. The rate holds in
 * virtual time (now less *removed_ns). */
uint64_t pace_take(struct pace *p, uint64_t n, uint64_t now);

#endif
