/* fdio.c: interruptible reads. */
#include "fdio.h"

#include "../pipeline/clock.h"
#include "../pipeline/tmetrics.h"
#include "../src/globals.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int fdio_open_input(const char *path, const char *where, char *name, size_t n, struct errbuf *e)
{
	if (!strcmp(path, "-")) {
		snprintf(name, n, "stdin");
		return STDIN_FILENO;
	}
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errbuf_set(e, "%s: cannot open %s: %s", where, path, strerror(errno));
	struct stat st;
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		return errbuf_set(e, "%s: %s is a directory", where, path);
	}
	snprintf(name, n, "%s", path);
	return fd;
}

ssize_t fdio_read(int fd, void *p, size_t n, const _Atomic int *stop, int idle_ms)
{
	struct stat st;
	int pollable = fstat(fd, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode);
	for (;;) {
		if (pollable) {
			/* waiting for a pipe or a terminal is waiting for input: idle time */
			struct pollfd pfd = { fd, POLLIN, 0 };
			int rc = poll(&pfd, 1, 0);
			struct tmetrics *self = globals_thread_metrics;
			if (rc == 0) {
				if (self)
					tmetrics_enter_state(self, TSTATE_IDLE, "input", clock_now_ns());
				rc = poll(&pfd, 1, idle_ms > 0 && idle_ms < 100 ? idle_ms : 100);
				if (self)
					tmetrics_enter_state(self, TSTATE_BUSY, NULL, clock_now_ns());
			}
			if (rc < 0 && errno != EINTR)
				return -1;
			if (rc <= 0) {
				if (stop && atomic_load_explicit(stop, memory_order_relaxed))
					return FDIO_STOPPED;
				if (rc == 0 && idle_ms > 0)
					return FDIO_IDLE;
				continue;
			}
		}
		ssize_t r = read(fd, p, n);
		if (r < 0 && errno == EINTR) {
			if (stop && atomic_load_explicit(stop, memory_order_relaxed))
				return FDIO_STOPPED;
			continue;
		}
		return r;
	}
}
