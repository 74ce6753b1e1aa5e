/* runtime.c: reading the process's CPU, memory and thread figures. */
#include "autoconfig.h"

#include "runtime.h"

#include <dirent.h>

#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "../src/base/thread_registry.h"
#include "hooks.h"

void runtime_read_sample(struct runtime_sample *s)
{
	memset(s, 0, sizeof *s);
	struct rusage ru;
	if (getrusage(RUSAGE_SELF, &ru) == 0) {
		s->cpu_user_ns = (uint64_t)ru.ru_utime.tv_sec * 1000000000ull + (uint64_t)ru.ru_utime.tv_usec * 1000ull;
		s->cpu_sys_ns = (uint64_t)ru.ru_stime.tv_sec * 1000000000ull + (uint64_t)ru.ru_stime.tv_usec * 1000ull;
		s->rss_peak_bytes = (uint64_t)ru.ru_maxrss * 1024ull;
		s->minor_faults = (uint64_t)ru.ru_minflt;
		s->voluntary_switches = (uint64_t)ru.ru_nvcsw;
		s->involuntary_switches = (uint64_t)ru.ru_nivcsw;
	}
	struct hooks_allocs ms;
	hooks_read_allocs(&ms);
	s->allocs = ms.allocs;
	s->frees = ms.frees;
	s->bytes_alloc = ms.bytes_alloc;
	s->bytes_freed = ms.bytes_freed;
	DIR *d = opendir("/proc/self/fd");
	if (d) {
		struct dirent *e;
		while ((e = readdir(d)))
			s->open_fds += e->d_name[0] != '.';
		closedir(d);
		s->open_fds--; /* the directory itself */
		/* and the threads' schedstat files the sampler reads */
		int own = thread_registry_count_sched_fds();
		s->open_fds = s->open_fds > (uint32_t)own ? s->open_fds - (uint32_t)own : 0;
	}
	FILE *f = fopen("/proc/self/statm", "r");
	if (f) {
		unsigned long size, resident;
		if (fscanf(f, "%lu %lu", &size, &resident) == 2)
			s->rss_bytes = (uint64_t)resident * (uint64_t)sysconf(_SC_PAGESIZE);
		fclose(f);
	}
	f = fopen("/proc/self/status", "r");
	if (f) {
		char line[256];
		while (fgets(line, sizeof line, f)) {
			unsigned long v;
			if (sscanf(line, "Threads: %lu", &v) == 1)
				s->threads = (uint32_t)v;
			else if (sscanf(line, "VmHWM: %lu kB", &v) == 1)
				s->rss_peak_bytes = (uint64_t)v * 1024ull;
		}
		fclose(f);
	}
	procstat_read(&s->machine);
	if (s->rss_peak_bytes < s->rss_bytes)
		s->rss_peak_bytes = s->rss_bytes;
}
