/* outfile.c: atomic output files for the file destinations. */
#include "outfile.h"

#include "../pipeline/clock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int outfile_open(struct outfile *o, const char *path, const char *where, struct errbuf *e)
{
	memset(o, 0, sizeof *o);
	o->fd = -1;
	if (!path || !*path)
		return errbuf_set(e, "%s: missing (a file to write, or - for standard output)", where);
	o->path = strdup(path);
	if (!o->path)
		return errbuf_set(e, "out of memory");
	if (!strcmp(path, "-")) {
		o->fd = STDOUT_FILENO;
		return 0;
	}
	struct stat st;
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		errbuf_set(e, "%s: %s is a directory", where, path);
		free(o->path);
		o->path = NULL;
		return -1;
	}
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		/* a device, a FIFO, a socket: written in place, never replaced */
		o->fd = open(path, O_WRONLY | O_CLOEXEC);
		if (o->fd < 0) {
			errbuf_set(e, "%s: cannot open %s: %s", where, path, strerror(errno));
			free(o->path);
			o->path = NULL;
			return -1;
		}
		o->in_place = 1;
		return 0;
	}
	size_t n = strlen(path) + 6;
	o->tmp_path = malloc(n);
	if (!o->tmp_path)
		return errbuf_set(e, "out of memory");
	snprintf(o->tmp_path, n, "%s.part", path);
	o->fd = open(o->tmp_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (o->fd < 0) {
		int err = errno;
		errbuf_set(e, "%s: cannot create %s: %s", where, o->tmp_path, strerror(err));
		free(o->path);
		free(o->tmp_path);
		o->path = o->tmp_path = NULL;
		return -1;
	}
	return 0;
}

int outfile_write(struct outfile *o, const void *p, size_t n, struct errbuf *e)
{
	const char *c = p;
	uint64_t t0 = o->metrics ? clock_now_ns() : 0;
	size_t total = n;
	while (n > 0) {
		ssize_t w = write(o->fd, c, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return errbuf_set(e, "writing %s: %s",
					  o->tmp_path ? o->tmp_path : o->in_place ? o->path : "standard output",
					  strerror(errno));
		}
		c += w;
		n -= (size_t)w;
	}
	if (o->metrics)
		connmetrics_count_request(o->metrics, total, t0, clock_now_ns());
	return 0;
}

int outfile_close(struct outfile *o, int ok, struct errbuf *e)
{
	int rc = 0;
	if (o->fd >= 0 && o->fd != STDOUT_FILENO && close(o->fd) != 0 && ok == 1)
		rc = errbuf_set(e, "closing %s: %s", o->tmp_path ? o->tmp_path : o->path, strerror(errno));
	o->fd = -1;
	if (o->tmp_path) {
		if (ok == 1 && rc == 0) {
			if (rename(o->tmp_path, o->path) != 0)
				rc = errbuf_set(e, "cannot rename %s to %s: %s", o->tmp_path, o->path, strerror(errno));
		} else if (ok == -1) {
			unlink(o->tmp_path);
		} else {
			rc = errbuf_set(e, "partial output left in %s", o->tmp_path);
		}
	}
	free(o->path);
	free(o->tmp_path);
	o->path = o->tmp_path = NULL;
	return rc;
}

const char *outfile_name(const struct outfile *o)
{
	return !o->path ? "" : !strcmp(o->path, "-") ? "stdout" : o->path;
}

void outfile_describe_left(const struct outfile *o, char *dst, size_t n)
{
	if (o->tmp_path)
		snprintf(dst, n, "partial output left in %s (%s not written)", o->tmp_path, o->path);
	else if (o->path && !strcmp(o->path, "-"))
		snprintf(dst, n, "the records written so far went to standard output");
	else if (o->path)
		snprintf(dst, n, "the records written so far are in %s", o->path);
	else
		snprintf(dst, n, "no output file");
}
