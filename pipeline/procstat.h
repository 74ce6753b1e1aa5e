/* procstat.h: the whole machine's CPU time from /proc/stat's `cpu` lines,
 * as busy and idle clock ticks summed over every CPU, and how many CPUs are
 * online; the share of the machine that was busy between two readings. */
#ifndef NEB_PROCSTAT_H
#define NEB_PROCSTAT_H

#include <stdint.h>

struct procstat_cpu {
	uint64_t busy; /* user + nice + system + irq + softirq + steal, ticks */
	uint64_t idle; /* idle + iowait, ticks */
	uint32_t cpus; /* the `cpuN` lines: CPUs online */
	int ok;        /* 0: the text held no aggregate `cpu` line */
};

/* Parses the text of /proc/stat; -1 (and ok = 0) when it holds no
 * aggregate `cpu` line with at least user, nice, system and idle. */
int procstat_parse(const char *text, struct procstat_cpu *out);
/* Reads /proc/stat (ok = 0 when it cannot be read). */
void procstat_read(struct procstat_cpu *out);
/* The machine's busy cores between readings a and b (0..cpus of b), or -1
 * when either is unknown or no tick passed between them. */
double procstat_busy_cores(const struct procstat_cpu *a, const struct procstat_cpu *b);

#endif
