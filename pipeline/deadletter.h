/* deadletter.h: the dead-letter file (on_error = dead_letter): one line per
 * bad record, written batch by batch through pipeline/atomfile.h (PATH.part,
 * renamed into place only when the run succeeds). A record counts as
 * dead-lettered only once its whole line reached the file. */
#ifndef NEB_DEADLETTER_H
#define NEB_DEADLETTER_H

#include <stdint.h>

#include "../src/base/errbuf.h"
#include "../src/base/atomfile.h"
#include "../src/base/buf.h"

struct deadletter {
	struct atomfile f;
	struct buf pending; /* the lines of the batch being collected */
	int failed;         /* a write failed: nothing more is written */
};

int deadletter_open(struct deadletter *d, const char *path, struct errbuf *e);
/* Adds one line (ending in '\n') to the batch being collected. */
void deadletter_add(struct deadletter *d, const char *line, size_t n);
/* Writes the collected lines: returns the lines that reached the file (a
 * line cut by a write error is cut off the file too); on an error sets
 * *failed and e ("the dead-letter file: writing PATH.part: reason"). */
uint64_t deadletter_flush(struct deadletter *d, int *failed, struct errbuf *e);
/* Flushes the file to the disk (before the destination commits). */
int deadletter_sync(struct deadletter *d, struct errbuf *e);
/* ok = 1 renames PATH.part into place; 0 leaves it and says so in e
 * (returns -1); -1 removes it. Frees d. */
int deadletter_close(struct deadletter *d, int ok, struct errbuf *e);

#endif
