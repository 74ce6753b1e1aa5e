/* fdio.h: reading a file descriptor in a way a stop request can interrupt:
 * pipes and terminals are polled, so a reader blocked on an idle stdin still
 * ends soon after SIGINT. */
#ifndef NEB_FDIO_H
#define NEB_FDIO_H

#include <stddef.h>
#include <sys/types.h>

#define FDIO_STOPPED (-2)
#define FDIO_IDLE (-3)

/* Bytes read, 0 at end of input, -1 on error (errno set), FDIO_STOPPED when
 * *stop became nonzero while waiting, FDIO_IDLE when idle_ms > 0 and a pipe
 * or terminal had nothing to read for that long. */
ssize_t fdio_read(int fd, void *p, size_t n, const _Atomic int *stop, int idle_ms);

#endif
