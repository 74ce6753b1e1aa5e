/* clock.c: sleeping that survives signal interruptions. */
#include "autoconfig.h"

#include "clock.h"

#include <errno.h>

void clock_sleep_ns(uint64_t ns)
{
	struct timespec req = { (time_t)(ns / 1000000000ull), (long)(ns % 1000000000ull) }, rem;
	while (nanosleep(&req, &rem) != 0 && errno == EINTR)
		req = rem;
}

void clock_cond_init(pthread_cond_t *c)
{
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(c, &ca);
	pthread_condattr_destroy(&ca);
}
