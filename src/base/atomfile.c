/* atomfile.c: files committed whole or not at all (atomfile.h). */
#include "autoconfig.h"

#include "atomfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *atomfile_writing_name(const struct atomfile *f)
{
	return f->tmp_path ? f->tmp_path : !f->path ? "" : !strcmp(f->path, "-") ? "standard output" : f->path;
}

/* Creates tmp for writing, never through an existing name: a regular file
 * there (an earlier run's leftover) is unlinked first, anything else is
 * refused. */
static int atomfile_create_tmp(const char *tmp, struct errbuf *e)
{
	for (int tries = 0; tries < 3; tries++) {
		int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
		if (fd >= 0)
			return fd;
		if (errno != EEXIST)
			return errbuf_set(e, "cannot create %s: %s", tmp, strerror(errno));
		struct stat st;
		if (lstat(tmp, &st) != 0)
			continue; /* gone meanwhile: try again */
		if (S_ISLNK(st.st_mode))
			return errbuf_set(e, "cannot create %s: it exists and is a symbolic link (nebtop never writes "
					  "through one; remove it)", tmp);
		if (!S_ISREG(st.st_mode))
			return errbuf_set(e, "cannot create %s: it exists and is not a regular file; remove it", tmp);
		if (unlink(tmp) != 0 && errno != ENOENT)
			return errbuf_set(e, "cannot replace %s (left by an earlier run): %s", tmp, strerror(errno));
	}
	return errbuf_set(e, "cannot create %s: the name keeps being taken by another program", tmp);
}

int atomfile_open(struct atomfile *f, const char *path, const char *tmp_path, struct errbuf *e)
{
	memset(f, 0, sizeof *f);
	f->fd = -1;
	f->path = strdup(path);
	if (!f->path)
		return errbuf_set(e, "out of memory");
	if (!strcmp(path, "-")) {
		f->fd = STDOUT_FILENO;
		return 0;
	}
	struct stat st;
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		atomfile_free(f);
		return errbuf_set(e, "%s is a directory", path);
	}
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		/* a device, a FIFO, a socket: written in place, never replaced */
		f->fd = open(path, O_WRONLY | O_CLOEXEC);
		if (f->fd < 0) {
			int err = errno;
			atomfile_free(f);
			return errbuf_set(e, "cannot open %s: %s", path, strerror(err));
		}
		f->in_place = 1;
		return 0;
	}
	if (tmp_path) {
		f->tmp_path = strdup(tmp_path);
	} else {
		size_t n = strlen(path) + 6;
		f->tmp_path = malloc(n);
		if (f->tmp_path)
			snprintf(f->tmp_path, n, "%s.part", path);
	}
	if (!f->tmp_path) {
		atomfile_free(f);
		return errbuf_set(e, "out of memory");
	}
	f->fd = atomfile_create_tmp(f->tmp_path, e);
	if (f->fd < 0) {
		atomfile_free(f);
		return -1;
	}
	return 0;
}

int atomfile_write(struct atomfile *f, const void *p, size_t n, size_t *done, struct errbuf *e)
{
	const char *c = p;
	size_t off = 0;
	int rc = 0;
	while (off < n) {
		ssize_t w = write(f->fd, c + off, n - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			/* a write that writes nothing is a full disk */
			rc = errbuf_set(e, "writing %s: %s", atomfile_writing_name(f), strerror(w < 0 ? errno : ENOSPC));
			break;
		}
		off += (size_t)w;
	}
	f->written += off;
	if (done)
		*done = off;
	return rc;
}

int atomfile_sync(struct atomfile *f, struct errbuf *e)
{
	if (f->fd < 0)
		return 0;
	int rc = 0;
	/* a pipe or a terminal cannot be synced (EINVAL): nothing is buffered there */
	if (fsync(f->fd) != 0 && errno != EINVAL && errno != EROFS)
		rc = errbuf_set(e, "writing %s: %s", atomfile_writing_name(f), strerror(errno));
	if (f->fd != STDOUT_FILENO && close(f->fd) != 0 && rc == 0)
		rc = errbuf_set(e, "writing %s: %s", atomfile_writing_name(f), strerror(errno));
	f->fd = -1;
	return rc;
}

int atomfile_rename(struct atomfile *f, struct errbuf *e)
{
	if (!f->tmp_path)
		return 0;
	if (rename(f->tmp_path, f->path) != 0)
		return errbuf_set(e, "cannot rename %s to %s: %s", f->tmp_path, f->path, strerror(errno));
	free(f->tmp_path);
	f->tmp_path = NULL;
	return 0;
}

void atomfile_remove(struct atomfile *f)
{
	if (f->fd >= 0 && f->fd != STDOUT_FILENO)
		close(f->fd);
	f->fd = -1;
	if (f->tmp_path)
		unlink(f->tmp_path);
	atomfile_free(f);
}

void atomfile_free(struct atomfile *f)
{
	if (f->fd >= 0 && f->fd != STDOUT_FILENO)
		close(f->fd);
	f->fd = -1;
	free(f->path);
	free(f->tmp_path);
	f->path = f->tmp_path = NULL;
}
