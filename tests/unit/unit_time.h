/* unit_time.h: the clock and sleep helpers of the unit tests that wait on
 * other threads (deadlock guards and pauses, never timing assertions). */
#ifndef NEB_UNIT_TIME_H
#define NEB_UNIT_TIME_H

#include <stdint.h>
#include <time.h>

/* unit_now_ns: CLOCK_MONOTONIC in nanoseconds. */
static inline uint64_t unit_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* unit_sleep_ms: sleeps about ms milliseconds. */
static inline void unit_sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

#endif
