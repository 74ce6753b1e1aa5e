/* compare_flame.c: for `nebtop compare`: the diff flame graph of two sides,
 * each one or more runs: the CPU profile beside each run's metrics file
 * (cpu_STAMP.folded for metrics_STAMP.json) is read, a side's profiles are
 * summed, and the optimized side is drawn coloured by the change of each
 * frame's share against the baseline (flame_svg_diff), written atomically. */
#include "autoconfig.h"

#include "compare.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../flame/flame_svg.h"
#include "../flame/folded.h"
#include "../report/snapshot.h"
#include "../base/units.h"

/* The cpu_STAMP.folded beside metrics file m (malloc'd), or NULL when m is
 * not named metrics_STAMP.json. */
static char *compare_flame_path(const char *m)
{
	const char *base = strrchr(m, '/');
	base = base ? base + 1 : m;
	size_t dir = (size_t)(base - m), len = strlen(base);
	if (len <= 13 || strncmp(base, "metrics_", 8) || strcmp(base + len - 5, ".json"))
		return NULL;
	size_t stamp = len - 13;
	char *p = malloc(dir + 4 + stamp + 7 + 1);
	if (!p)
		return NULL;
	memcpy(p, m, dir);
	memcpy(p + dir, "cpu_", 4);
	memcpy(p + dir + 4, base + 8, stamp);
	memcpy(p + dir + 4 + stamp, ".folded", 8);
	return p;
}

/* Reads the profiles of one side into v (n entries, zeroed) and names the
 * first in *first (malloc'd). 0; 1 when a run has no CPU profile (e says
 * which); -1 on an error (e). */
static int compare_flame_load(struct folded *v, const char *const *files, size_t n, const char *role,
			      char **first, struct errbuf *e)
{
	for (size_t i = 0; i < n; i++) {
		char *path = compare_flame_path(files[i]);
		if (!path || access(path, F_OK) != 0) {
			errbuf_set(e, "%s: no CPU profile %s beside %s (was the run's -types without cpu?)", role,
				   path ? path : "cpu_STAMP.folded", files[i]);
			free(path);
			return 1;
		}
		int rc = folded_load(&v[i], path, e);
		if (i == 0)
			*first = path;
		else
			free(path);
		if (rc) {
			errbuf_prefix(e, "%s", role);
			return -1;
		}
	}
	return 0;
}

/* "FILE (N samples)" or "N runs (N samples)" for a side. */
static void compare_flame_side(char *dst, size_t size, const char *role, const char *file, const struct folded *v,
			       size_t n)
{
	uint64_t total = 0;
	for (size_t i = 0; i < n; i++)
		total += v[i].total;
	char count[32];
	units_format_count(count, sizeof count, total);
	if (n == 1)
		snprintf(dst, size, "%s %s (%s samples)", role, file, count);
	else
		snprintf(dst, size, "%s %zu runs (%s samples)", role, n, count);
}

int compare_flame_write(const char *const *base, size_t nbase, const char *const *opt, size_t nopt,
			const char *out, struct errbuf *e)
{
	struct folded *b = calloc(nbase ? nbase : 1, sizeof *b), *o = calloc(nopt ? nopt : 1, sizeof *o);
	char *fb = NULL, *fo = NULL;
	int rc = -1;
	if (!b || !o) {
		errbuf_set(e, "out of memory");
		goto done;
	}
	rc = compare_flame_load(b, base, nbase, "baseline", &fb, e);
	if (!rc)
		rc = compare_flame_load(o, opt, nopt, "optimized", &fo, e);
	if (rc)
		goto done;
	char sb[1200], so[1200], subtitle[2500];
	compare_flame_side(sb, sizeof sb, "baseline", fb, b, nbase);
	compare_flame_side(so, sizeof so, "optimized", fo, o, nopt);
	snprintf(subtitle, sizeof subtitle, "%s against %s", so, sb);
	struct flame_svg_text t = { "nebtop diff flame graph", subtitle };
	struct buf svg = { NULL, 0, 0 };
	if (flame_svg_diff(b, nbase, o, nopt, &t, &svg)) {
		rc = errbuf_set(e, "out of memory drawing %s", out);
	} else {
		/* dir/name, written as snapshots are: a temporary file, then a rename */
		const char *slash = strrchr(out, '/');
		char dir[4096];
		snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash == out ? 1 : slash - out) : 1, slash ? out : ".");
		rc = snapshot_write_bytes(dir, slash ? slash + 1 : out, svg.p, svg.len, e);
	}
	buf_free(&svg);
done:
	for (size_t i = 0; b && i < nbase; i++)
		folded_free(&b[i]);
	for (size_t i = 0; o && i < nopt; i++)
		folded_free(&o[i]);
	free(b);
	free(o);
	free(fb);
	free(fo);
	return rc;
}
