/* compare_runs.c: for `nebtop compare`: the runs one side names. A metrics
 * file is one run. A snapshot folder may hold several runs (the same
 * -output used for each) and, for each, snapshots taken while it ran (s,
 * SIGUSR1) besides the final one: snapshots are grouped by their run_id and
 * each run is given by its final snapshot. */
#include "autoconfig.h"

#include "compare.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void compare_side_free(struct compare_side *s)
{
	for (size_t i = 0; s->runs && i < s->n; i++)
		compare_run_free(&s->runs[i]);
	free(s->runs);
	memset(s, 0, sizeof *s);
}

static int compare_runs_one_file(struct compare_side *s, const char *arg, struct errbuf *e)
{
	char *file;
	if (compare_load_resolve(arg, &file, e))
		return -1;
	s->runs = calloc(1, sizeof *s->runs);
	if (!s->runs) {
		free(file);
		return errbuf_set(e, "out of memory");
	}
	int rc = compare_load_run(&s->runs[0], file, e);
	free(file);
	if (rc) {
		compare_side_free(s);
		return -1;
	}
	s->n = s->snapshots = 1;
	return 0;
}

/* Marks in keep[] the snapshot that stands for each run among all[0..n)
 * (stamp order): the last final snapshot of each run_id, and the latest of
 * the snapshots without a run_id (an older nebtop's, taken as one run). */
static void compare_runs_choose(struct compare_side *s, const struct compare_run *all, size_t n, char *keep)
{
	size_t legacy = n;
	for (size_t i = 0; i < n; i++) {
		if (!all[i].run_id) {
			legacy = i;
			continue;
		}
		size_t first = 0; /* the run's first snapshot: each run is looked at once */
		while (!all[first].run_id || strcmp(all[first].run_id, all[i].run_id))
			first++;
		if (first != i)
			continue;
		size_t final = n;
		for (size_t j = i; j < n; j++)
			if (all[j].run_id && !strcmp(all[j].run_id, all[i].run_id) && all[j].final)
				final = j;
		if (final < n)
			keep[final] = 1;
		else
			s->left_out++;
	}
	if (legacy < n) {
		keep[legacy] = 1;
		s->legacy = 1;
	}
	size_t kept = 0;
	for (size_t i = 0; i < n; i++)
		kept += keep[i] != 0;
	if (kept == 0 && n > 0) {
		keep[n - 1] = 1;
		s->latest_only = 1;
	}
}

/* A folder may hold runs of several pipelines (-output defaults to the
 * same folder for every one): only the runs of the latest run's pipeline
 * make the sample; the others are counted and named, never mixed in. */
static void compare_runs_one_pipeline(struct compare_side *s, const struct compare_run *all, size_t n, char *keep)
{
	const char *name = NULL;
	for (size_t i = n; i-- > 0;)
		if (keep[i]) {
			name = all[i].pipeline;
			break;
		}
	for (size_t i = 0; i < n; i++) {
		if (!keep[i])
			continue;
		const char *p = all[i].pipeline;
		if ((p == NULL) != (name == NULL) || (p && strcmp(p, name))) {
			keep[i] = 0;
			if (!s->other_pipeline++)
				snprintf(s->other_name, sizeof s->other_name, "%s", p ? p : "(unnamed)");
		}
	}
}

static int compare_runs_folder(struct compare_side *s, const char *dir, struct errbuf *e)
{
	char **files;
	size_t n, others;
	if (compare_load_list(dir, &files, &n, &others, e))
		return -1;
	struct compare_run *all = calloc(n, sizeof *all);
	char *keep = calloc(n, 1);
	s->runs = calloc(n, sizeof *s->runs);
	int rc = 0;
	if (!all || !keep || !s->runs)
		rc = errbuf_set(e, "out of memory");
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = compare_load_run(&all[i], files[i], e);
	if (rc == 0) {
		s->snapshots = n;
		compare_runs_choose(s, all, n, keep);
		compare_runs_one_pipeline(s, all, n, keep);
		for (size_t i = 0; i < n; i++)
			if (keep[i]) {
				s->runs[s->n++] = all[i];
				memset(&all[i], 0, sizeof all[i]);
			}
	}
	for (size_t i = 0; all && i < n; i++)
		compare_run_free(&all[i]);
	free(all);
	free(keep);
	compare_load_list_free(files, n);
	if (rc)
		compare_side_free(s);
	return rc;
}

int compare_runs_load(struct compare_side *s, const char *arg, struct errbuf *e)
{
	struct stat sb;
	memset(s, 0, sizeof *s);
	if (*arg && stat(arg, &sb) == 0 && S_ISDIR(sb.st_mode))
		return compare_runs_folder(s, arg, e);
	return compare_runs_one_file(s, arg, e);
}
