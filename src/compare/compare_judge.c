/* compare_judge.c: for `nebtop compare`: lines up the figures of two sides
 * (throughput, per-stage latency matched by stage name, memory, CPU per
 * record, error rate), each the median of a side's runs, computes each
 * change, its 95% interval when both sides have several runs, its verdict,
 * the regressions over the threshold and the changes too uncertain to tell,
 * and matches the bottleneck findings of each side's latest run by type and
 * component into resolved, new and persisting. */
#include "autoconfig.h"

#include "compare.h"

#include "../../pipeline/histogram.h"
#include "compare_stats.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Changes smaller than this (in percent, either way) count as the same. */
#define COMPARE_SAME_PCT 1.0
/* Latency percentiles come from log-linear histograms whose buckets are
 * 1/HISTOGRAM_SUB (6.25%) wide, so each is within 6.25% of the true value
 * and two of them can differ by up to 12.5% with no real change: smaller
 * latency changes count as the same. */
#define COMPARE_LATENCY_SAME_PCT 12.5
/* Below this (in microseconds), one scheduler time slice on a loaded machine
 * can double a per-batch latency: a latency that stays under it in both runs
 * is shown and judged, but is never a regression. */
#define COMPARE_LATENCY_FLOOR_US 1000.0

const char *compare_verdict_name(enum compare_verdict v)
{
	switch (v) {
	case COMPARE_SAME:
		return "same";
	case COMPARE_BETTER:
		return "better";
	case COMPARE_WORSE:
		return "worse";
	case COMPARE_NEW_BETTER:
	case COMPARE_NEW_WORSE:
		return "new";
	default:
		return "n/a";
	}
}

static char *compare_judge_format(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *compare_judge_format(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return NULL;
	char *s = malloc((size_t)n + 1);
	if (!s)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return s;
}

/* Judges f from its two values, one run a side (or one of them): a change
 * under 1% (a latency's under 12.5%) is the same; a latency under 1 ms in
 * both runs is never a regression. */
static void compare_judge_single(struct compare_figure *f, double threshold_pct)
{
	int improved = f->higher_better ? f->opt > f->base : f->opt < f->base;
	if (f->base == 0) {
		if (f->opt == 0) {
			f->change_pct = 0;
			f->verdict = COMPARE_SAME;
		} else {
			f->verdict = improved ? COMPARE_NEW_BETTER : COMPARE_NEW_WORSE;
			f->regression = !improved;
		}
		return;
	}
	f->change_pct = (f->opt - f->base) / f->base * 100.0;
	double size = fabs(f->change_pct);
	if (size < (f->unit == COMPARE_US ? COMPARE_LATENCY_SAME_PCT : COMPARE_SAME_PCT))
		f->verdict = COMPARE_SAME;
	else
		f->verdict = improved ? COMPARE_BETTER : COMPARE_WORSE;
	f->regression = f->judged && f->verdict == COMPARE_WORSE && size > threshold_pct;
}

/* Judges f from the medians of several runs a side and the 95% interval of
 * the change: the same while the interval holds 0 (or the change is under
 * 1%); a regression when the whole interval lies past the threshold the bad
 * way; inconclusive when it spans the threshold. A latency's interval is
 * widened by the histogram's resolution first: each percentile is a bucket's
 * middle, within 1/HISTOGRAM_SUB of the value, so a ratio of two is within
 * a factor 1 + 1/HISTOGRAM_SUB of the true ratio. -1 without memory. */
static int compare_judge_several(struct compare_figure *f, const double *bv, const double *ov, double threshold_pct)
{
	if (f->base == 0) {
		compare_judge_single(f, threshold_pct);
		return 0;
	}
	f->change_pct = (f->opt - f->base) / f->base * 100.0;
	double lo, hi, res = f->unit == COMPARE_US ? 1.0 + 1.0 / HISTOGRAM_SUB : 1.0;
	if (compare_stats_interval(bv, f->nbase, ov, f->nopt, &lo, &hi))
		return -1;
	f->lo_pct = lo;
	f->hi_pct = hi;
	compare_stats_widen(&f->lo_pct, &f->hi_pct, res);
	if ((f->lo_pct <= 0 && f->hi_pct >= 0) || fabs(f->change_pct) < COMPARE_SAME_PCT)
		f->verdict = COMPARE_SAME;
	else
		f->verdict = (f->lo_pct > 0) == (f->higher_better != 0) ? COMPARE_BETTER : COMPARE_WORSE;
	/* in "worse" percent: positive is the bad way */
	double bad_lo = f->higher_better ? -f->hi_pct : f->lo_pct, bad_hi = f->higher_better ? -f->lo_pct : f->hi_pct;
	f->regression = f->judged && f->verdict == COMPARE_WORSE && bad_lo > threshold_pct;
	f->inconclusive = f->judged && !f->regression && bad_lo <= threshold_pct && bad_hi > threshold_pct;
	if (f->inconclusive)
		f->more_runs = compare_stats_more_runs(f->change_pct, lo, hi, f->higher_better ? -threshold_pct : threshold_pct,
						       f->nbase, f->nopt, res);
	/* a latency whose change lies within the histogram's resolution of the
	 * threshold is as well known as it can be: no number of runs would
	 * tell, so it is not put as a question more runs would answer */
	if (f->inconclusive && f->more_runs == COMPARE_STATS_UNDECIDABLE && res > 1)
		f->inconclusive = 0;
	return 0;
}

/* Sets the medians, change, interval, verdict and regression of f from the
 * values of its runs. -1 without memory. */
static int compare_judge_figure(struct compare_figure *f, const double *bv, const double *ov, double threshold_pct)
{
	f->base = compare_stats_median(bv, f->nbase);
	f->opt = compare_stats_median(ov, f->nopt);
	f->change_pct = f->lo_pct = f->hi_pct = NAN;
	f->verdict = COMPARE_NA;
	f->regression = f->inconclusive = 0;
	f->more_runs = 0;
	f->judged = !(f->unit == COMPARE_US && f->opt < COMPARE_LATENCY_FLOOR_US && f->base < COMPARE_LATENCY_FLOOR_US);
	if (isnan(f->base) || isnan(f->opt))
		return 0;
	if (f->nbase < 2 || f->nopt < 2) {
		compare_judge_single(f, threshold_pct);
		return 0;
	}
	return compare_judge_several(f, bv, ov, threshold_pct);
}

/* --- a figure's values in each run --------------------------------------------- */

static double compare_judge_rps(const struct compare_run *r) { return r->records_per_sec; }
static double compare_judge_bps(const struct compare_run *r) { return r->bytes_per_sec; }
static double compare_judge_steady(const struct compare_run *r) { return r->steady_records_per_sec; }
static double compare_judge_rss(const struct compare_run *r) { return r->rss_peak_bytes; }
static double compare_judge_heap(const struct compare_run *r) { return r->heap_live_bytes; }
static double compare_judge_apr(const struct compare_run *r) { return r->allocs_per_record; }
static double compare_judge_alloc_cpu(const struct compare_run *r) { return r->allocator_cpu_pct; }

/* CPU-seconds per million records read. */
static double compare_judge_cpu_per_mrec(const struct compare_run *r)
{
	return r->records_in > 0 ? r->cpu_seconds / r->records_in * 1e6 : NAN;
}

static double compare_judge_error_rate(const struct compare_run *r)
{
	return r->records_in > 0 ? r->records_errors / r->records_in * 100.0 : NAN;
}

/* The figures of a whole run, in table order; the stages go after the
 * first COMPARE_JUDGE_BEFORE_STAGES. */
static const struct compare_judge_run_figure {
	const char *name, *label;
	enum compare_unit unit;
	int higher_better;
	double (*get)(const struct compare_run *);
} compare_judge_run_figures[] = {
	{ "throughput.records_per_sec", "throughput", COMPARE_RECORDS_PER_SEC, 1, compare_judge_rps },
	{ "throughput.bytes_per_sec", "throughput in bytes", COMPARE_BYTES_PER_SEC, 1, compare_judge_bps },
	{ "throughput.steady_records_per_sec", "steady throughput", COMPARE_RECORDS_PER_SEC, 1, compare_judge_steady },
	{ "runtime.rss_peak_bytes", "peak RSS", COMPARE_BYTES, 0, compare_judge_rss },
	{ "runtime.heap_live_bytes", "heap in use", COMPARE_BYTES, 0, compare_judge_heap },
	{ "runtime.allocs_per_record", "allocations per record", COMPARE_ALLOCS_PER_RECORD, 0, compare_judge_apr },
	{ "runtime.allocator_cpu_pct", "allocator share of CPU", COMPARE_PCT, 0, compare_judge_alloc_cpu },
	{ "cpu_seconds_per_million_records", "CPU per 1M records", COMPARE_CPU_S_PER_MREC, 0,
	  compare_judge_cpu_per_mrec },
	{ "error_rate_pct", "error rate", COMPARE_PCT, 0, compare_judge_error_rate },
};
#define COMPARE_JUDGE_BEFORE_STAGES 3
#define COMPARE_JUDGE_RUN_FIGURES (sizeof compare_judge_run_figures / sizeof compare_judge_run_figures[0])

static const struct compare_stage *compare_judge_find_stage(const struct compare_run *r, const char *name)
{
	for (size_t i = 0; i < r->nstages; i++)
		if (!strcmp(r->stages[i].name, name))
			return &r->stages[i];
	return NULL;
}

/* One value of a stage ("p50_us", "p99_us" or "busy_pct"); NAN when absent. */
static double compare_judge_stage_value(const struct compare_stage *st, const char *which)
{
	if (!st)
		return NAN;
	return !strcmp(which, "p50_us") ? st->p50_us : !strcmp(which, "p99_us") ? st->p99_us
						   : !strcmp(which, "busy_pct") ? st->busy_pct : NAN;
}

size_t compare_judge_values(const struct compare_side *s, const char *name, double *v)
{
	size_t n = 0;
	const struct compare_judge_run_figure *rf = NULL;
	for (size_t k = 0; k < COMPARE_JUDGE_RUN_FIGURES; k++)
		if (!strcmp(compare_judge_run_figures[k].name, name))
			rf = &compare_judge_run_figures[k];
	/* "stage.NAME.WHICH": NAME may hold dots, WHICH does not */
	const char *dot = strrchr(name, '.');
	int stage = !rf && !strncmp(name, "stage.", 6) && dot && dot > name + 6;
	char sname[256];
	if (stage)
		snprintf(sname, sizeof sname, "%.*s", (int)(dot - name - 6), name + 6);
	for (size_t i = 0; i < s->n; i++) {
		const struct compare_run *r = &s->runs[i];
		double x = rf ? rf->get(r) : stage ? compare_judge_stage_value(compare_judge_find_stage(r, sname), dot + 1)
						    : NAN;
		if (!isnan(x))
			v[n++] = x;
	}
	return n;
}

/* Appends a figure (name and label already made, NULL when out of memory)
 * and judges it from its values over each side's runs. */
static int compare_judge_add(struct compare_result *res, char *name, char *label, enum compare_unit unit,
			     int higher_better, const char *only_in)
{
	double *bv = NULL, *ov = NULL;
	if (!name || !label)
		goto fail;
	if (res->nfigs == res->cap) {
		size_t cap = res->cap ? 2 * res->cap : 32;
		struct compare_figure *v = realloc(res->figs, cap * sizeof *v);
		if (!v)
			goto fail;
		res->figs = v;
		res->cap = cap;
	}
	bv = malloc((res->bside->n + 1) * sizeof *bv);
	ov = malloc((res->oside->n + 1) * sizeof *ov);
	if (!bv || !ov)
		goto fail;
	struct compare_figure *f = &res->figs[res->nfigs];
	*f = (struct compare_figure){ .name = name, .label = label, .unit = unit, .higher_better = higher_better,
				      .only_in = only_in };
	f->nbase = compare_judge_values(res->bside, name, bv);
	f->nopt = compare_judge_values(res->oside, name, ov);
	if (compare_judge_figure(f, bv, ov, res->threshold_pct))
		goto fail;
	res->nfigs++;
	free(bv);
	free(ov);
	return 0;
fail:
	free(bv);
	free(ov);
	free(name);
	free(label);
	return -1;
}

/* A figure added last that cannot be judged: shown, never better, worse or
 * a regression. */
static void compare_judge_unjudge_last(struct compare_result *res)
{
	struct compare_figure *f = &res->figs[res->nfigs - 1];
	f->judged = f->regression = f->inconclusive = 0;
	f->verdict = COMPARE_NA;
}

/* p50 and p99 of one stage; b or o is NULL when the stage is in one side's
 * latest run only. Latency is per batch: when the runs' batch sizes differ,
 * it grows with the batch whatever else changed, so it is shown but not
 * judged. */
static int compare_judge_add_stage(struct compare_result *res, const struct compare_stage *b,
				   const struct compare_stage *o)
{
	const char *name = b ? b->name : o->name;
	const char *only_in = !o ? "baseline" : !b ? "optimized" : NULL;
	double bb = res->base->batch, ob = res->opt->batch;
	int other_batch = !isnan(bb) && !isnan(ob) && bb != ob;
	char note[64] = "";
	if (other_batch)
		snprintf(note, sizeof note, " (per batch: %.0f -> %.0f records)", bb, ob);
	static const char *const q[2] = { "p50", "p99" };
	for (int k = 0; k < 2; k++) {
		if (compare_judge_add(res, compare_judge_format("stage.%s.%s_us", name, q[k]),
				      compare_judge_format("stage %s %s latency%s", name, q[k], note), COMPARE_US, 0,
				      only_in))
			return -1;
		/* a stage of one side only has no change */
		if (other_batch || only_in)
			compare_judge_unjudge_last(res);
	}
	return 0;
}

/* The first stage of r named like s (a name taken twice: the first counts). */
static int compare_judge_first(const struct compare_run *r, const struct compare_stage *s)
{
	return compare_judge_find_stage(r, s->name) == s;
}

/* The stages of the optimized run from index i on that the baseline does not
 * have, up to the next one it has. */
static int compare_judge_add_new_stages(struct compare_result *res, size_t i)
{
	const struct compare_run *b = res->base, *o = res->opt;
	for (; i < o->nstages && !compare_judge_find_stage(b, o->stages[i].name); i++)
		if (compare_judge_first(o, &o->stages[i]) && compare_judge_add_stage(res, NULL, &o->stages[i]))
			return -1;
	return 0;
}

/* Stages in the baseline's order, each stage of the optimized run only put
 * after the stage it follows there. */
static int compare_judge_stages(struct compare_result *res)
{
	const struct compare_run *b = res->base, *o = res->opt;
	if (compare_judge_add_new_stages(res, 0))
		return -1;
	for (size_t i = 0; i < b->nstages; i++) {
		const struct compare_stage *s = &b->stages[i];
		if (!compare_judge_first(b, s))
			continue;
		const struct compare_stage *m = compare_judge_find_stage(o, s->name);
		if (compare_judge_add_stage(res, s, m) ||
		    (m && compare_judge_add_new_stages(res, (size_t)(m - o->stages) + 1)))
			return -1;
	}
	return 0;
}

static int compare_judge_add_run_figure(struct compare_result *res, const struct compare_judge_run_figure *rf)
{
	return compare_judge_add(res, compare_judge_format("%s", rf->name), compare_judge_format("%s", rf->label),
				 rf->unit, rf->higher_better, NULL);
}

static int compare_judge_figures(struct compare_result *res)
{
	for (size_t k = 0; k < COMPARE_JUDGE_RUN_FIGURES; k++) {
		if (k == COMPARE_JUDGE_BEFORE_STAGES && compare_judge_stages(res))
			return -1;
		if (compare_judge_add_run_figure(res, &compare_judge_run_figures[k]))
			return -1;
	}
	for (size_t i = 0; i < res->nfigs; i++) {
		res->nregressions += res->figs[i].regression != 0;
		res->ninconclusive += res->figs[i].inconclusive != 0;
	}
	return 0;
}

static int compare_judge_same_finding(const struct compare_finding *a, const struct compare_finding *b)
{
	return !strcmp(a->type, b->type) && !strcmp(a->component, b->component);
}

/* Resolved, new and persisting findings; each finding is matched once. */
static int compare_judge_findings(struct compare_result *res)
{
	const struct compare_run *b = res->base, *o = res->opt;
	char *used = calloc(o->nfindings + 1, 1);
	res->resolved = calloc(b->nfindings + 1, sizeof *res->resolved);
	res->added = calloc(o->nfindings + 1, sizeof *res->added);
	res->persisting = calloc(b->nfindings + 1, sizeof *res->persisting);
	if (!used || !res->resolved || !res->added || !res->persisting) {
		free(used);
		return -1;
	}
	for (size_t i = 0; i < b->nfindings; i++) {
		size_t j = 0;
		while (j < o->nfindings && (used[j] || !compare_judge_same_finding(&b->findings[i], &o->findings[j])))
			j++;
		if (j < o->nfindings) {
			used[j] = 1;
			res->persisting[res->npersisting++] = (struct compare_pair){ &b->findings[i], &o->findings[j] };
		} else {
			res->resolved[res->nresolved++] = &b->findings[i];
		}
	}
	for (size_t j = 0; j < o->nfindings; j++)
		if (!used[j])
			res->added[res->nadded++] = &o->findings[j];
	free(used);
	return 0;
}

int compare_judge_sides(struct compare_result *res, const struct compare_side *base, const struct compare_side *opt,
			double threshold_pct, int threshold_given)
{
	memset(res, 0, sizeof *res);
	res->bside = base;
	res->oside = opt;
	res->base = &base->runs[base->n - 1];
	res->opt = &opt->runs[opt->n - 1];
	res->threshold_pct = threshold_pct;
	res->threshold_given = threshold_given;
	return compare_judge_figures(res) || compare_judge_findings(res) || compare_changed_find(res) ? -1 : 0;
}

void compare_free_result(struct compare_result *res)
{
	for (size_t i = 0; i < res->nfigs; i++) {
		free(res->figs[i].name);
		free(res->figs[i].label);
	}
	free(res->figs);
	free(res->resolved);
	free(res->added);
	free(res->persisting);
	compare_changed_free(&res->changed);
	memset(res, 0, sizeof *res);
}
