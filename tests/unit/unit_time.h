/* unit_time.h: the sleep helper of the unit tests that wait on other threads
 * (pauses and deadlock guards, never timing assertions), beside the
 * project's clock_now_ns. */
#ifndef NEB_UNIT_TIME_H
#define NEB_UNIT_TIME_H

#include <time.h>

#include "src/base/clock.h"

/* unit_sleep_ms: sleeps about ms milliseconds. */
static inline void unit_sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

#endif
