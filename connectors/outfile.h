/* outfile.h: the file destinations' output file (pipeline/atomfile.h):
 * written under PATH.part, flushed to the disk and renamed into place only
 * when the run succeeds; standard output for "-"; a path that exists but is
 * not a regular file (a device such as /dev/null, a FIFO) is written in
 * place, never replaced. Every write is counted in the metrics. */
#ifndef NEB_OUTFILE_H
#define NEB_OUTFILE_H

#include <stddef.h>

#include "../src/base/atomfile.h"
#include "../src/base/errbuf.h"
#include "../pipeline/connmetrics.h"

struct outfile {
	struct atomfile f;
	char *path; /* the final name; NULL before open and after close */
	struct connmetrics *metrics; /* NULL after outfile_open; set it to count writes */
};

/* `where` names the key in messages ("job.ini:9: [destination] key 'file_path'"). */
int outfile_open(struct outfile *o, const char *path, const char *where, struct errbuf *e);
/* Writes all n bytes; on a write error the file is cut back to what it held
 * before the call (whole batches only) and -1 says which file and why. */
int outfile_write(struct outfile *o, const void *p, size_t n, struct errbuf *e);
/* ok = 1 flushes, syncs and renames into place (on failure PATH.part stays
 * and the message says so); 0 leaves PATH.part and says so in e (returns
 * -1); -1 removes PATH.part. */
int outfile_close(struct outfile *o, int ok, struct errbuf *e);
const char *outfile_name(const struct outfile *o);
/* What an exit without outfile_close leaves, in words: the temporary file
 * (not renamed into place), or the records written to standard output or to
 * the file written in place. */
void outfile_describe_left(const struct outfile *o, char *dst, size_t n);

#endif
