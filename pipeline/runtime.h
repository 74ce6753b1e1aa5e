/* runtime.h: process-wide readings from /proc, getrusage and the memory
 * profiler's counters: CPU time (user, system), RSS and its peak, threads,
 * page faults, context switches, open files, allocations; and the whole
 * machine's CPU time (/proc/stat). */
#ifndef NEB_RUNTIME_H
#define NEB_RUNTIME_H

#include <stdint.h>

#include "procstat.h"

struct runtime_sample {
	uint64_t cpu_user_ns, cpu_sys_ns;
	uint64_t rss_bytes, rss_peak_bytes;
	uint64_t minor_faults, voluntary_switches, involuntary_switches;
	uint64_t allocs, frees, bytes_alloc, bytes_freed; /* 0 without the malloc hooks */
	uint32_t threads, open_fds;
	struct procstat_cpu machine; /* every process's CPU time, not only this one's */
};

void runtime_read_sample(struct runtime_sample *s);

#endif
