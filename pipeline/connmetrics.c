/* connmetrics.c: the counting helpers of connmetrics.h. */
#include "autoconfig.h"

#include <stddef.h>
#include <sys/stat.h>
#include <unistd.h>

#include "connmetrics.h"

void connmetrics_note_fd(struct connmetrics *m, int fd)
{
	struct stat st;
	if (!m || fd < 0 || fstat(fd, &st) != 0)
		return;
	if (S_ISFIFO(st.st_mode))
		m->waits_on = "pipe";
	else if (S_ISSOCK(st.st_mode))
		m->waits_on = "socket";
	else if (S_ISCHR(st.st_mode) && isatty(fd))
		m->waits_on = "terminal";
}

void connmetrics_count_wait(struct connmetrics *m, uint64_t bytes, uint64_t wait_ns)
{
	if (!m)
		return;
	if (bytes)
		connmetrics_add(&m->bytes, bytes);
	if (wait_ns)
		connmetrics_add(&m->wait_ns, wait_ns);
}

void connmetrics_count_request(struct connmetrics *m, uint64_t bytes, uint64_t start_ns, uint64_t end_ns)
{
	if (!m)
		return;
	connmetrics_add(&m->requests, 1);
	connmetrics_count_wait(m, bytes, end_ns > start_ns ? end_ns - start_ns : 0);
}

void connmetrics_count_connect(struct connmetrics *m, uint64_t start_ns, uint64_t end_ns)
{
	if (!m)
		return;
	connmetrics_add(&m->connects, 1);
	if (end_ns > start_ns)
		connmetrics_add(&m->connect_ns, end_ns - start_ns);
}
