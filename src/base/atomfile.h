/* atomfile.h: a file nebtop writes and commits whole or not at all (the
 * destination's file, the dead-letter file, every snapshot file): written
 * under a temporary name in the same folder, every write checked where it
 * happens, flushed to the disk (fsync) and only then renamed to its final
 * name. The temporary name is created with O_CREAT|O_EXCL|O_NOFOLLOW: a
 * regular file left there by an earlier run is removed first (removing a
 * name never touches what it points to); a symbolic link or anything else
 * at that name is refused, never followed nor truncated. "-" is standard
 * output, and an existing path that is not a regular file (a device such as
 * /dev/null, a FIFO) is written in place, never replaced. */
#ifndef NEB_ATOMFILE_H
#define NEB_ATOMFILE_H

#include <stddef.h>
#include <stdint.h>

#include "errbuf.h"

struct atomfile {
	int fd;          /* -1 once closed */
	char *path;      /* the final name ("-" for standard output) */
	char *tmp_path;  /* the temporary name; NULL for standard output and in-place files */
	int in_place;    /* an existing device or FIFO, written directly */
	uint64_t written; /* bytes that reached the file */
};

/* Opens path for writing through tmp_path (NULL: PATH.part). -1 with a
 * message naming the file and the system's reason. */
int atomfile_open(struct atomfile *f, const char *path, const char *tmp_path, struct errbuf *e);
/* Writes all n bytes, or -1 with "writing FILE: reason"; *done (may be NULL)
 * gets the bytes of this call that reached the file, failure or not. */
int atomfile_write(struct atomfile *f, const void *p, size_t n, size_t *done, struct errbuf *e);
/* Flushes the file to the disk and closes it: -1 with a message when the
 * system reports an error (the temporary file stays). */
int atomfile_sync(struct atomfile *f, struct errbuf *e);
/* Renames the synced temporary file to the final name (nothing to do for
 * standard output and in-place files). */
int atomfile_rename(struct atomfile *f, struct errbuf *e);
/* Closes without committing and removes the temporary file. */
void atomfile_remove(struct atomfile *f);
/* Closes (if still open) and frees the names; the temporary file stays. */
void atomfile_free(struct atomfile *f);
/* The name the data is written under now (the temporary one, if any). */
const char *atomfile_writing_name(const struct atomfile *f);

#endif
