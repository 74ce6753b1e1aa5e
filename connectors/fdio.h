/* fdio.h: reading a file descriptor in a way a stop request can interrupt:
 * pipes and terminals are polled, so a reader blocked on an idle stdin still
 * ends soon after SIGINT. */
#ifndef NEB_FDIO_H
#define NEB_FDIO_H

#include <stddef.h>
#include <sys/types.h>

#include "../src/errbuf.h"

#define FDIO_STOPPED (-2)
#define FDIO_IDLE (-3)

/* Bytes read, 0 at end of input, -1 on error (errno set), FDIO_STOPPED when
 * *stop became nonzero while waiting, FDIO_IDLE when idle_ms > 0 and a pipe
 * or terminal had nothing to read for that long. */
ssize_t fdio_read(int fd, void *p, size_t n, const _Atomic int *stop, int idle_ms);

/* Opens a source's input: path, or standard input for "-". Puts the name
 * for messages ("stdin" or the path) in name. Returns the descriptor, or -1
 * with a message that starts with `where` (the key file_path). */
int fdio_open_input(const char *path, const char *where, char *name, size_t n, struct errbuf *e);

#endif
