/* procstat.c: reading and parsing the CPU lines of /proc/stat. */
#include "autoconfig.h"

#include "procstat.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The numbers after a `cpu` or `cpuN` label: user nice system idle iowait
 * irq softirq steal (guest time is already inside user and nice). Returns
 * how many were read. */
static int procstat_fields(const char *p, uint64_t v[8])
{
	int n = 0;
	while (n < 8) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p < '0' || *p > '9')
			break;
		char *end;
		v[n++] = strtoull(p, &end, 10);
		p = end;
	}
	return n;
}

int procstat_parse(const char *text, struct procstat_cpu *out)
{
	memset(out, 0, sizeof *out);
	for (const char *line = text; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		if (strncmp(line, "cpu", 3))
			continue;
		const char *p = line + 3;
		if (*p >= '0' && *p <= '9') { /* one CPU: counted, its ticks are in the sum */
			out->cpus++;
			continue;
		}
		uint64_t v[8] = { 0 };
		if (procstat_fields(p, v) < 4)
			continue;
		out->busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
		out->idle = v[3] + v[4];
		out->ok = 1;
	}
	return out->ok ? 0 : -1;
}

void procstat_read(struct procstat_cpu *out)
{
	memset(out, 0, sizeof *out);
	/* the cpu lines come first; 16 KiB holds them for hundreds of CPUs */
	char buf[16384];
	size_t len = 0;
	int fd = open("/proc/stat", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t r;
		while (len < sizeof buf - 1 && (r = read(fd, buf + len, sizeof buf - 1 - len)) > 0)
			len += (size_t)r;
		close(fd);
	}
	buf[len] = 0;
	char *nl = strrchr(buf, '\n'); /* a line cut at the end is not a line */
	if (nl)
		nl[1] = 0;
	procstat_parse(buf, out);
	if (!out->cpus) { /* no per-CPU lines, or no /proc: ask the C library */
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		out->cpus = n > 0 ? (uint32_t)n : 1;
	}
}

double procstat_busy_cores(const struct procstat_cpu *a, const struct procstat_cpu *b)
{
	if (!a->ok || !b->ok || !b->cpus || b->busy < a->busy || b->idle < a->idle)
		return -1;
	uint64_t busy = b->busy - a->busy, all = busy + (b->idle - a->idle);
	if (!all)
		return -1;
	return (double)b->cpus * (double)busy / (double)all;
}
