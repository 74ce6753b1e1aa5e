/* fdio.c: interruptible reads. */
#include "autoconfig.h"

#include "fdio.h"

#include "../src/base/clock.h"
#include "../pipeline/tmetrics.h"
#include "../src/base/globals.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FDIO_READ_BLOCK (256u << 10)

int fdio_input_open(struct fdio_input *in, const char *path, const char *where, struct connmetrics *m,
		    struct errbuf *e)
{
	in->metrics = m;
	if (!strcmp(path, "-")) {
		snprintf(in->name, sizeof in->name, "stdin");
		in->fd = STDIN_FILENO;
		connmetrics_note_fd(m, in->fd);
		return 0;
	}
	in->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (in->fd < 0)
		return errbuf_set(e, "%s: cannot open %s: %s", where, path, strerror(errno));
	struct stat st;
	if (fstat(in->fd, &st) == 0 && S_ISDIR(st.st_mode))
		return errbuf_set(e, "%s: %s is a directory", where, path);
	snprintf(in->name, sizeof in->name, "%s", path);
	connmetrics_note_fd(m, in->fd);
	return 0;
}

int fdio_input_read_block(struct fdio_input *in, struct buf *b, const _Atomic int *stop, int idle_ms,
			  struct errbuf *e)
{
	return fdio_input_read_some(in, b, FDIO_READ_BLOCK, stop, idle_ms, e);
}

int fdio_input_read_some(struct fdio_input *in, struct buf *b, size_t max, const _Atomic int *stop, int idle_ms,
			 struct errbuf *e)
{
	buf_reserve(b, max);
	uint64_t t0 = clock_now_ns();
	ssize_t r = fdio_read(in->fd, b->p + b->len, max, stop, idle_ms);
	if (r > 0)
		connmetrics_count_request(in->metrics, (uint64_t)r, t0, clock_now_ns());
	if (r == FDIO_STOPPED)
		return -2;
	if (r == FDIO_IDLE) {
		in->paused = 1;
		return -3;
	}
	if (r < 0)
		return errbuf_set(e, "reading %s: %s", in->name, strerror(errno));
	if (r == 0) {
		in->eof = 1;
		return 0;
	}
	b->len += (size_t)r;
	in->last_byte = b->p[b->len - 1];
	return 1;
}

int fdio_input_skip_bom(struct fdio_input *in, struct errbuf *e)
{
	while (in->carry.len < 3 && !in->eof)
		if (fdio_input_read_block(in, &in->carry, NULL, 0, e) < 0)
			return -1;
	if (in->carry.len >= 3 && !memcmp(in->carry.p, "\xEF\xBB\xBF", 3)) {
		memmove(in->carry.p, in->carry.p + 3, in->carry.len - 3);
		in->carry.len -= 3;
	}
	return 0;
}

void fdio_input_close(struct fdio_input *in)
{
	if (in->fd > STDIN_FILENO)
		close(in->fd);
	in->fd = -1;
	buf_free(&in->carry);
}

void fdio_input_describe(const struct fdio_input *in, const char *path, char *dst, size_t n)
{
	snprintf(dst, n, "%s", in->name[0] ? in->name : path ? path : "?");
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
