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
