/* failio.c: an LD_PRELOAD shim for the fault-injection tests
 * (tests/integration/disk_faults.sh): makes writes to chosen files fail as a
 * full or broken disk does, without root. Set in the environment:
 *   FAILIO_MATCH  part of the path of the files to fail (unset: the shim does nothing)
 *   FAILIO_OPS    which calls fail on them: any of write,fsync,rename,close,open
 *                 (default write); open fails only the opens that create
 *                 (O_CREAT), as in a read-only folder
 *   FAILIO_BYTES  bytes the matching files may take before writes fail (default 0);
 *                 the write that crosses the limit writes what fits (a short write)
 *   FAILIO_ERRNO  ENOSPC (default), EIO, EROFS or EACCES
 * fsync/fdatasync and close fail at once when named in FAILIO_OPS; rename
 * fails when either name matches. stdio's writes (fwrite, fflush, fclose)
 * go through glibc's internal write, which no preloaded library sees: the
 * shim reaches only code that calls write itself, as nebtop's files do. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

static _Atomic long long failio_budget = -1; /* -1: not read yet */

static int failio_errno(void)
{
	const char *e = getenv("FAILIO_ERRNO");
	if (!e)
		return ENOSPC;
	return !strcmp(e, "EIO") ? EIO : !strcmp(e, "EROFS") ? EROFS : !strcmp(e, "EACCES") ? EACCES : ENOSPC;
}

/* The op is one FAILIO_OPS names (write when unset). */
static int failio_op_on(const char *op)
{
	const char *ops = getenv("FAILIO_OPS");
	if (!ops)
		ops = "write";
	size_t n = strlen(op);
	for (const char *p = ops; (p = strstr(p, op)); p += n)
		if ((p == ops || p[-1] == ',') && (p[n] == 0 || p[n] == ','))
			return 1;
	return 0;
}

static int failio_path_matches(const char *path)
{
	const char *m = getenv("FAILIO_MATCH");
	return m && *m && path && strstr(path, m);
}

static int failio_fd_matches(int fd)
{
	const char *m = getenv("FAILIO_MATCH");
	if (!m || !*m || fd < 0)
		return 0;
	char link[64], path[PATH_MAX];
	snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	ssize_t n = readlink(link, path, sizeof path - 1);
	if (n <= 0)
		return 0;
	path[n] = 0;
	return failio_path_matches(path);
}

static void *failio_next(const char *name)
{
	return dlsym(RTLD_NEXT, name);
}

ssize_t write(int fd, const void *p, size_t n)
{
	ssize_t (*real)(int, const void *, size_t) = (ssize_t(*)(int, const void *, size_t))failio_next("write");
	if (!failio_op_on("write") || !failio_fd_matches(fd))
		return real(fd, p, n);
	long long left = atomic_load(&failio_budget);
	if (left < 0) {
		const char *b = getenv("FAILIO_BYTES");
		long long want = b ? atoll(b) : 0;
		long long unset = -1;
		atomic_compare_exchange_strong(&failio_budget, &unset, want < 0 ? 0 : want);
		left = atomic_load(&failio_budget);
	}
	if (left <= 0 && n > 0) {
		errno = failio_errno();
		return -1;
	}
	size_t take = (long long)n > left ? (size_t)left : n;
	ssize_t w = real(fd, p, take);
	if (w > 0)
		atomic_fetch_sub(&failio_budget, (long long)w);
	return w;
}

int fsync(int fd)
{
	int (*real)(int) = (int (*)(int))failio_next("fsync");
	if (failio_op_on("fsync") && failio_fd_matches(fd)) {
		errno = failio_errno();
		return -1;
	}
	return real(fd);
}

int fdatasync(int fd)
{
	int (*real)(int) = (int (*)(int))failio_next("fdatasync");
	if (failio_op_on("fsync") && failio_fd_matches(fd)) {
		errno = failio_errno();
		return -1;
	}
	return real(fd);
}

int close(int fd)
{
	int (*real)(int) = (int (*)(int))failio_next("close");
	int fail = failio_op_on("close") && failio_fd_matches(fd);
	int rc = real(fd);
	if (fail && rc == 0) {
		/* as NFS does: the descriptor is closed, the data did not make it */
		errno = failio_errno();
		return -1;
	}
	return rc;
}

int rename(const char *from, const char *to)
{
	int (*real)(const char *, const char *) = (int (*)(const char *, const char *))failio_next("rename");
	if (failio_op_on("rename") && (failio_path_matches(from) || failio_path_matches(to))) {
		errno = failio_errno();
		return -1;
	}
	return real(from, to);
}

/* open and open64 (the same call on 64-bit systems) */
static int failio_open(const char *name, const char *path, int flags, va_list ap)
{
	mode_t mode = (flags & O_CREAT) ? (mode_t)va_arg(ap, int) : 0;
	int (*real)(const char *, int, ...) = (int (*)(const char *, int, ...))failio_next(name);
	if ((flags & O_CREAT) && failio_op_on("open") && failio_path_matches(path)) {
		errno = failio_errno();
		return -1;
	}
	return real(path, flags, mode);
}

int open(const char *path, int flags, ...)
{
	va_list ap;
	va_start(ap, flags);
	int rc = failio_open("open", path, flags, ap);
	va_end(ap);
	return rc;
}

int open64(const char *path, int flags, ...)
{
	va_list ap;
	va_start(ap, flags);
	int rc = failio_open("open64", path, flags, ap);
	va_end(ap);
	return rc;
}
