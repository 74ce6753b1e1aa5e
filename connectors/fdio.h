/* fdio.h: reading a file descriptor in a way a stop request can interrupt:
 * pipes and terminals are polled, so a reader blocked on an idle stdin still
 * ends soon after SIGINT. */
#ifndef NEB_FDIO_H
#define NEB_FDIO_H

#include <stddef.h>
#include <sys/types.h>

#include "../src/base/buf.h"
#include "../src/base/errbuf.h"
#include "../pipeline/connmetrics.h"

#define FDIO_STOPPED (-2)
#define FDIO_IDLE (-3)

/* Bytes read, 0 at end of input, -1 on error (errno set), FDIO_STOPPED when
 * *stop became nonzero while waiting, FDIO_IDLE when idle_ms > 0 and a pipe
 * or terminal had nothing to read for that long. */
ssize_t fdio_read(int fd, void *p, size_t n, const _Atomic int *stop, int idle_ms);

/* A source's input file: the descriptor, its name for messages ("stdin" or
 * the path), and the bytes read but not yet cut into chunks. Every read is
 * counted in metrics (connmetrics_count_request). */
struct fdio_input {
	int fd;           /* -1 when closed */
	int eof;          /* the end of input was read */
	int paused;       /* a pipe had nothing to read for a moment (FDIO_IDLE) */
	char last_byte;   /* the last byte read */
	char name[256];
	struct buf carry;
	struct connmetrics *metrics;
};

/* Opens path, or standard input for "-". Returns 0, or -1 with a message
 * that starts with `where` (the key file_path). */
int fdio_input_open(struct fdio_input *in, const char *path, const char *where, struct connmetrics *m,
		    struct errbuf *e);
/* Reads one more block into b: 1 read, 0 end of input, -1 error, -2 stopped,
 * -3 nothing came for a moment (only when idle_ms > 0). */
int fdio_input_read_block(struct fdio_input *in, struct buf *b, const _Atomic int *stop, int idle_ms,
			  struct errbuf *e);
/* The same, reading at most max bytes (max > 0). */
int fdio_input_read_some(struct fdio_input *in, struct buf *b, size_t max, const _Atomic int *stop, int idle_ms,
			 struct errbuf *e);
/* Drops a UTF-8 byte order mark at the start of the input (into carry). */
int fdio_input_skip_bom(struct fdio_input *in, struct errbuf *e);
void fdio_input_close(struct fdio_input *in);
/* The input's name, or `path` before it was opened. */
void fdio_input_describe(const struct fdio_input *in, const char *path, char *dst, size_t n);

#endif
