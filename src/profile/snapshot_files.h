/* snapshot_files.h: a snapshot's files: one stamp YYYYmmdd_HHMMSS (with _N
 * when a second snapshot falls in the same second) shared by all of them,
 * each written to a temporary name, and all renamed once every one was
 * written, in the output folder (created if missing): a snapshot is whole or
 * absent. The profilers add their files through it; report/snapshot.c
 * writes a whole snapshot of a run. */
#ifndef NEB_SNAPSHOT_FILES_H
#define NEB_SNAPSHOT_FILES_H

#include <stddef.h>

#include "../base/atomfile.h"
#include "../base/errbuf.h"

#define SNAPSHOT_MAX_FILES 16

struct snapshot_result {
	char stamp[40];
	char files[SNAPSHOT_MAX_FILES][64];
	size_t nfiles;
	struct atomfile staged[SNAPSHOT_MAX_FILES]; /* files[i] under its temporary name until committed */
};

/* Writes n bytes to dir/name through dir/.name.tmp (base/atomfile.h:
 * created without following an existing name, synced) and a rename. */
int snapshot_write_bytes(const char *dir, const char *name, const void *data, size_t n, struct errbuf *e);
/* A file of the snapshot res: written and synced to dir/.name.tmp; it takes
 * its name with the others in snapshot_commit. */
int snapshot_stage_file(struct snapshot_result *res, const char *dir, const char *name, const void *data, size_t n,
			struct errbuf *e);
/* Renames every staged file into place; if one fails, removes them all
 * (renamed or not): a snapshot is whole or absent. */
int snapshot_commit(struct snapshot_result *res, struct errbuf *e);
/* Removes every staged file of res. */
void snapshot_discard(struct snapshot_result *res);
/* Makes sure dir exists and is writable; -1 with a message otherwise. */
int snapshot_prepare_dir(const char *dir, struct errbuf *e);
/* 1 when dir is "none" (-output none): no snapshot files at all. A folder
 * of that name is written as ./none. */
int snapshot_is_off(const char *dir);
/* Prepares dir and picks res->stamp for a new snapshot (res is cleared). */
int snapshot_begin(const char *dir, struct snapshot_result *res, struct errbuf *e);

#endif
