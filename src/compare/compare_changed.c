/* compare_changed.c: for `nebtop compare`: names what changed between the
 * two sides: the stage whose busy share moved most (in points), the stage
 * latency that moved most beyond noise, and the functions whose share of
 * the CPU samples grew most, from the cpu_STAMP.folded beside each run's
 * metrics, the samples of a side's runs added up (the ranking of
 * `go tool pprof -top -normalize -diff_base=BASE OPT` restricted to the
 * functions that grew beyond sampling noise). */
#include "autoconfig.h"

#include "compare.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compare_stats.h"
#include "../flame/folded.h"

/* Functions listed as grown, at most. */
#define COMPARE_CHANGED_FNS 5
/* A function's share grew when its growth is this many standard errors
 * (two-sided 95%). */
#define COMPARE_CHANGED_Z 1.96
/* A busy share that moved less than this (points) did not move. */
#define COMPARE_CHANGED_BUSY_POINTS 1.0

/* The busy share of stage name in each side (medians); 0 when a side has none. */
static int compare_changed_busy_of(const struct compare_result *res, const char *name, double *b, double *o)
{
	char fig[300];
	snprintf(fig, sizeof fig, "stage.%s.busy_pct", name);
	size_t most = res->bside->n > res->oside->n ? res->bside->n : res->oside->n;
	double *v = malloc((most + 1) * sizeof *v);
	if (!v)
		return -1;
	*b = compare_stats_median(v, compare_judge_values(res->bside, fig, v));
	*o = compare_stats_median(v, compare_judge_values(res->oside, fig, v));
	free(v);
	return 0;
}

static int compare_changed_busy(struct compare_result *res)
{
	struct compare_moved *m = &res->changed.busy;
	const struct compare_run *br = res->base, *orun = res->opt;
	for (size_t i = 0; i < br->nstages; i++) {
		const char *name = br->stages[i].name;
		int in_opt = 0;
		for (size_t j = 0; j < orun->nstages && !in_opt; j++)
			in_opt = !strcmp(orun->stages[j].name, name);
		double b, o;
		if (!in_opt)
			continue;
		if (compare_changed_busy_of(res, name, &b, &o))
			return -1;
		if (isnan(b) || isnan(o) || fabs(o - b) < COMPARE_CHANGED_BUSY_POINTS)
			continue;
		if (!m->stage[0] || fabs(o - b) > fabs(m->change)) {
			snprintf(m->stage, sizeof m->stage, "%s", name);
			m->what = "busy";
			m->base = b;
			m->opt = o;
			m->change = o - b;
		}
	}
	return 0;
}

/* The stage latency figure that changed most among those judged better or
 * worse (beyond the noise), a worse one before any better one: what got
 * slower is what a user looks for, and a tail that got shorter is more
 * often noise than a slower median. */
static void compare_changed_latency(struct compare_result *res)
{
	struct compare_moved *m = &res->changed.latency;
	int worse = 0;
	for (size_t i = 0; i < res->nfigs; i++) {
		const struct compare_figure *f = &res->figs[i];
		if (f->unit != COMPARE_US || f->only_in || (f->verdict != COMPARE_BETTER && f->verdict != COMPARE_WORSE))
			continue;
		int w = f->verdict == COMPARE_WORSE;
		if (m->stage[0] && (worse > w || (worse == w && fabs(f->change_pct) <= fabs(m->change))))
			continue;
		worse = w;
		/* "stage.NAME.p99_us" */
		const char *dot = strrchr(f->name, '.');
		snprintf(m->stage, sizeof m->stage, "%.*s", (int)(dot - f->name - 6), f->name + 6);
		m->what = !strcmp(dot, ".p50_us") ? "p50" : "p99";
		m->base = f->base;
		m->opt = f->opt;
		m->change = f->change_pct;
	}
}

/* Flat samples by function over the runs of a side. */
struct compare_flat {
	char *name;
	uint64_t flat;
};

struct compare_flats {
	struct compare_flat *v;
	size_t n, cap;
	uint64_t total;
	size_t profiles;
};

static void compare_flats_free(struct compare_flats *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->v[i].name);
	free(t->v);
	memset(t, 0, sizeof *t);
}

static int compare_flat_by_name(const void *a, const void *b)
{
	return strcmp(((const struct compare_flat *)a)->name, ((const struct compare_flat *)b)->name);
}

/* Adds one profile's functions (their names moved into t). */
static int compare_flats_add(struct compare_flats *t, struct folded_fn *fns, size_t n)
{
	if (t->n + n > t->cap) {
		size_t cap = t->cap ? t->cap : 256;
		while (cap < t->n + n)
			cap *= 2;
		struct compare_flat *v = realloc(t->v, cap * sizeof *v);
		if (!v)
			return -1;
		t->v = v;
		t->cap = cap;
	}
	for (size_t i = 0; i < n; i++) {
		t->v[t->n++] = (struct compare_flat){ fns[i].name, fns[i].flat };
		fns[i].name = NULL;
	}
	return 0;
}

/* Sorts by name and sums the entries of one function. */
static void compare_flats_merge(struct compare_flats *t)
{
	if (t->n == 0)
		return;
	qsort(t->v, t->n, sizeof *t->v, compare_flat_by_name);
	size_t w = 0;
	for (size_t i = 1; i < t->n; i++) {
		if (!strcmp(t->v[i].name, t->v[w].name)) {
			t->v[w].flat += t->v[i].flat;
			free(t->v[i].name);
		} else {
			t->v[++w] = t->v[i];
		}
	}
	t->n = w + 1;
}

/* The CPU profiles of a side's runs, added up; a run without a readable
 * cpu_STAMP.folded is left out. */
static int compare_flats_of(struct compare_flats *t, const struct compare_side *s)
{
	memset(t, 0, sizeof *t);
	for (size_t i = 0; i < s->n; i++) {
		char *path = compare_load_folded_path(s->runs[i].file);
		struct folded f;
		struct errbuf e;
		int rc = path ? folded_load(&f, path, &e) : -1;
		free(path);
		if (rc)
			continue;
		struct folded_fn *fns;
		long n = folded_functions(&f, &fns);
		uint64_t total = f.total;
		folded_free(&f);
		if (n < 0)
			return -1;
		rc = compare_flats_add(t, fns, (size_t)n);
		folded_functions_free(fns, (size_t)n);
		if (rc)
			return -1;
		t->total += total;
		t->profiles++;
	}
	compare_flats_merge(t);
	return 0;
}

/* Whether a function's share grew beyond sampling noise: bs of bt samples
 * against os of ot, by a two-proportion z test (the growth over its standard
 * error with the shares pooled) at COMPARE_CHANGED_Z. */
static int compare_changed_grew(uint64_t bs, uint64_t bt, uint64_t os, uint64_t ot)
{
	double pb = (double)bs / (double)bt, po = (double)os / (double)ot;
	if (po <= pb)
		return 0;
	double p = (double)(bs + os) / (double)(bt + ot);
	double se = sqrt(p * (1 - p) * (1.0 / (double)bt + 1.0 / (double)ot));
	return se > 0 && (po - pb) / se >= COMPARE_CHANGED_Z;
}

static int compare_fn_by_growth(const void *a, const void *b)
{
	const struct compare_fn_change *x = a, *y = b;
	double gx = x->opt_pct - x->base_pct, gy = y->opt_pct - y->base_pct;
	if (gx != gy)
		return gx < gy ? 1 : -1;
	return strcmp(x->name, y->name);
}

/* The functions whose flat share grew, most first, from two name-sorted
 * tables. */
static int compare_changed_functions(struct compare_changed *c, const struct compare_flats *b,
				     const struct compare_flats *o)
{
	c->fns = calloc(b->n + o->n + 1, sizeof *c->fns);
	if (!c->fns)
		return -1;
	size_t i = 0, j = 0;
	while (i < b->n || j < o->n) {
		int d = i == b->n ? 1 : j == o->n ? -1 : strcmp(b->v[i].name, o->v[j].name);
		uint64_t bs = d <= 0 ? b->v[i].flat : 0, os = d >= 0 ? o->v[j].flat : 0;
		const char *name = d <= 0 ? b->v[i].name : o->v[j].name;
		i += d <= 0;
		j += d >= 0;
		double bp = 100.0 * (double)bs / (double)b->total, op = 100.0 * (double)os / (double)o->total;
		if (!compare_changed_grew(bs, b->total, os, o->total))
			continue;
		char *copy = strdup(name);
		if (!copy)
			return -1;
		c->fns[c->nfns++] = (struct compare_fn_change){ copy, bp, op, bs, os };
	}
	if (c->nfns)
		qsort(c->fns, c->nfns, sizeof *c->fns, compare_fn_by_growth);
	for (size_t k = COMPARE_CHANGED_FNS; k < c->nfns; k++)
		free(c->fns[k].name);
	if (c->nfns > COMPARE_CHANGED_FNS)
		c->nfns = COMPARE_CHANGED_FNS;
	return 0;
}

int compare_changed_find(struct compare_result *res)
{
	struct compare_changed *c = &res->changed;
	memset(c, 0, sizeof *c);
	if (compare_changed_busy(res))
		return -1;
	compare_changed_latency(res);
	struct compare_flats b, o;
	int rc = compare_flats_of(&b, res->bside);
	if (rc == 0)
		rc = compare_flats_of(&o, res->oside);
	else
		memset(&o, 0, sizeof o);
	if (rc == 0) {
		c->base_samples = b.total;
		c->opt_samples = o.total;
		c->base_profiles = b.profiles;
		c->opt_profiles = o.profiles;
		if (b.total && o.total)
			rc = compare_changed_functions(c, &b, &o);
	}
	compare_flats_free(&b);
	compare_flats_free(&o);
	return rc;
}

void compare_changed_free(struct compare_changed *c)
{
	for (size_t i = 0; i < c->nfns; i++)
		free(c->fns[i].name);
	free(c->fns);
	memset(c, 0, sizeof *c);
}
