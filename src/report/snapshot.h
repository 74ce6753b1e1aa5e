/* snapshot.h: writing a snapshot: one stamp YYYYmmdd_HHMMSS (with _N when a
 * second snapshot falls in the same second) shared by all its files, each
 * written to a temporary name, and all renamed once every one was written,
 * in the output folder (created if missing): a snapshot is whole or absent. */
#ifndef NEB_SNAPSHOT_H
#define NEB_SNAPSHOT_H

#include <stddef.h>

#include "../base/atomfile.h"
#include "../base/errbuf.h"

struct analyzer;
struct findings;
struct pipeline;
struct profiler;
struct sampler;

#define SNAPSHOT_MAX_FILES 16

struct snapshot_result {
	char stamp[40];
	char files[SNAPSHOT_MAX_FILES][64];
	size_t nfiles;
	struct atomfile staged[SNAPSHOT_MAX_FILES]; /* files[i] under its temporary name until committed */
};

/* Writes n bytes to dir/name through dir/.name.tmp (pipeline/atomfile.h:
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

/* Writes every file of a snapshot of the run into dir: the profiles of the
 * profiler (NULL: none), the analysis (an analyzes the window ending now;
 * NULL: an analysis with the configuration's [alerts]), the reports and the
 * metrics. final: the snapshot written once at the end of the run (the
 * metrics say so). */
int snapshot_write(struct pipeline *p, struct sampler *s, struct profiler *prof, struct analyzer *an,
		   const char *dir, int final, struct snapshot_result *res, struct errbuf *e);

/* What the report writers read. */
struct snapshot_ctx {
	struct pipeline *p;
	struct sampler *s;
	struct profiler *prof;
	const struct findings *findings; /* sorted; v[0] is the primary bottleneck */
	const char *timestamp;           /* RFC 3339 */
	int final;                       /* the snapshot at the end of the run */
};

/* Writers of the individual files (report_json.c, report_text.c,
 * report_analysis.c). Each returns the text in *out (malloc'd) or -1. */
int report_json_build(const struct snapshot_ctx *x, char **out, struct errbuf *e);
int report_text_build(const struct snapshot_ctx *x, char **out, struct errbuf *e);
int report_analysis_build(const struct snapshot_ctx *x, char **out, struct errbuf *e);

#endif
