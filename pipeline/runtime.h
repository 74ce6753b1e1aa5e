/* runtime.h: process-wide readings from /proc and getrusage: CPU time, RSS
 * and its peak, thread count. */
#ifndef NEB_RUNTIME_H
#define NEB_RUNTIME_H

#include <stdint.h>

struct runtime_sample {
	uint64_t cpu_user_ns, cpu_sys_ns;
	uint64_t rss_bytes, rss_peak_bytes;
	uint32_t threads;
};

void runtime_read_sample(struct runtime_sample *s);

#endif
