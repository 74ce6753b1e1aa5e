/* clock.h: monotonic and wall-clock time in nanoseconds. */
#ifndef NEB_CLOCK_H
#define NEB_CLOCK_H

#include <pthread.h>
#include <stdint.h>
#include <time.h>

static inline uint64_t clock_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static inline uint64_t clock_thread_cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Sleeps for ns nanoseconds (restarting after signals). */
void clock_sleep_ns(uint64_t ns);

/* A condition variable whose timed waits count in clock_now_ns's clock, and
 * the timespec of such a deadline (a clock_now_ns value). */
void clock_cond_init(pthread_cond_t *c);
static inline struct timespec clock_timespec_at(uint64_t mono_ns)
{
	struct timespec ts = { (time_t)(mono_ns / 1000000000ull), (long)(mono_ns % 1000000000ull) };
	return ts;
}

#endif
