/* outfile.h: an output file written under a temporary name (PATH.part) and
 * renamed into place only when the run succeeds; standard output for "-";
 * and a path that exists but is not a regular file (a device such as
 * /dev/null, a FIFO) is written in place, never replaced. */
#ifndef NEB_OUTFILE_H
#define NEB_OUTFILE_H

#include <stddef.h>

#include "../src/errbuf.h"
#include "connmetrics.h"

struct outfile {
	int fd;
	char *path, *tmp_path; /* tmp_path NULL for stdout and in-place files */
	int in_place;
	struct connmetrics *metrics; /* NULL after outfile_open; set it to count writes */
};

/* `where` names the key in messages ("job.ini:9: [destination] key 'file_path'"). */
int outfile_open(struct outfile *o, const char *path, const char *where, struct errbuf *e);
int outfile_write(struct outfile *o, const void *p, size_t n, struct errbuf *e);
/* ok = 1 renames into place; 0 leaves PATH.part and says so in e (returns -1);
 * -1 removes PATH.part. */
int outfile_close(struct outfile *o, int ok, struct errbuf *e);
const char *outfile_name(const struct outfile *o);
/* What an exit without outfile_close leaves, in words: the temporary file
 * (not renamed into place), or the records written to standard output or to
 * the file written in place. */
void outfile_describe_left(const struct outfile *o, char *dst, size_t n);

#endif
