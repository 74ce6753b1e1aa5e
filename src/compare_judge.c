/* compare_judge.c: for `nebtop compare`: lines up the figures of two runs
 * (throughput, per-stage latency matched by stage name, memory, CPU per
 * record, error rate), computes each change and its verdict, finds the
 * regressions over the threshold, and matches the bottleneck findings by
 * type and component into resolved, new and persisting. */
#include "compare.h"

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

/* Sets change_pct, verdict and regression of f from its two values. */
static void compare_judge_figure(struct compare_figure *f, double threshold_pct)
{
	f->change_pct = NAN;
	f->verdict = COMPARE_NA;
	f->regression = 0;
	if (isnan(f->base) || isnan(f->opt))
		return;
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
	double size = f->change_pct < 0 ? -f->change_pct : f->change_pct;
	if (size < (f->unit == COMPARE_US ? COMPARE_LATENCY_SAME_PCT : COMPARE_SAME_PCT))
		f->verdict = COMPARE_SAME;
	else
		f->verdict = improved ? COMPARE_BETTER : COMPARE_WORSE;
	f->regression = f->verdict == COMPARE_WORSE && size > threshold_pct;
	if (f->unit == COMPARE_US && f->opt < COMPARE_LATENCY_FLOOR_US && f->base < COMPARE_LATENCY_FLOOR_US)
		f->regression = 0;
}

/* Appends a figure (name and label already made, NULL when out of memory). */
static int compare_judge_add(struct compare_result *res, char *name, char *label, enum compare_unit unit,
			     int higher_better, double base, double opt, const char *only_in)
{
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
	struct compare_figure *f = &res->figs[res->nfigs++];
	*f = (struct compare_figure){ name, label, unit, higher_better, base, opt, only_in, NAN, COMPARE_NA, 0 };
	compare_judge_figure(f, res->threshold_pct);
	if (f->regression)
		res->nregressions++;
	return 0;
fail:
	free(name);
	free(label);
	return -1;
}

static int compare_judge_add_run(struct compare_result *res, const char *name, const char *label,
				 enum compare_unit unit, int higher_better, double base, double opt)
{
	return compare_judge_add(res, compare_judge_format("%s", name), compare_judge_format("%s", label), unit,
				 higher_better, base, opt, NULL);
}

static const struct compare_stage *compare_judge_find_stage(const struct compare_run *r, const char *name)
{
	for (size_t i = 0; i < r->nstages; i++)
		if (!strcmp(r->stages[i].name, name))
			return &r->stages[i];
	return NULL;
}

/* A figure added last that cannot be judged: shown, never better, worse or
 * a regression. */
static void compare_judge_unjudge_last(struct compare_result *res)
{
	struct compare_figure *f = &res->figs[res->nfigs - 1];
	if (f->regression)
		res->nregressions--;
	f->regression = 0;
	f->verdict = COMPARE_NA;
}

/* p50 and p99 of one stage; b or o is NULL when the stage is in one run only.
 * Latency is per batch: when the runs' batch sizes differ, it grows with the
 * batch whatever else changed, so it is shown but not judged. */
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
		double bv = !b ? NAN : k ? b->p99_us : b->p50_us, ov = !o ? NAN : k ? o->p99_us : o->p50_us;
		if (compare_judge_add(res, compare_judge_format("stage.%s.%s_us", name, q[k]),
				      compare_judge_format("stage %s %s latency%s", name, q[k], note), COMPARE_US, 0, bv,
				      ov, only_in))
			return -1;
		if (other_batch)
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

/* CPU-seconds per million records read. */
static double compare_judge_cpu_per_mrec(const struct compare_run *r)
{
	return r->records_in > 0 ? r->cpu_seconds / r->records_in * 1e6 : NAN;
}

static double compare_judge_error_rate(const struct compare_run *r)
{
	return r->records_in > 0 ? r->records_errors / r->records_in * 100.0 : NAN;
}

static int compare_judge_figures(struct compare_result *res)
{
	const struct compare_run *b = res->base, *o = res->opt;
	if (compare_judge_add_run(res, "throughput.records_per_sec", "throughput", COMPARE_RECORDS_PER_SEC, 1,
				  b->records_per_sec, o->records_per_sec) ||
	    compare_judge_add_run(res, "throughput.bytes_per_sec", "throughput in bytes", COMPARE_BYTES_PER_SEC, 1,
				  b->bytes_per_sec, o->bytes_per_sec))
		return -1;
	if (compare_judge_stages(res))
		return -1;
	return compare_judge_add_run(res, "runtime.rss_peak_bytes", "peak RSS", COMPARE_BYTES, 0, b->rss_peak_bytes,
				     o->rss_peak_bytes) ||
	       compare_judge_add_run(res, "runtime.heap_live_bytes", "heap in use", COMPARE_BYTES, 0,
				     b->heap_live_bytes, o->heap_live_bytes) ||
	       compare_judge_add_run(res, "runtime.allocs_per_record", "allocations per record",
				     COMPARE_ALLOCS_PER_RECORD, 0, b->allocs_per_record, o->allocs_per_record) ||
	       compare_judge_add_run(res, "runtime.allocator_cpu_pct", "allocator share of CPU", COMPARE_PCT, 0,
				     b->allocator_cpu_pct, o->allocator_cpu_pct) ||
	       compare_judge_add_run(res, "cpu_seconds_per_million_records", "CPU per 1M records",
				     COMPARE_CPU_S_PER_MREC, 0, compare_judge_cpu_per_mrec(b),
				     compare_judge_cpu_per_mrec(o)) ||
	       compare_judge_add_run(res, "error_rate_pct", "error rate", COMPARE_PCT, 0, compare_judge_error_rate(b),
				     compare_judge_error_rate(o));
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

int compare_judge_runs(struct compare_result *res, const struct compare_run *base, const struct compare_run *opt,
		       double threshold_pct, int threshold_given)
{
	memset(res, 0, sizeof *res);
	res->base = base;
	res->opt = opt;
	res->threshold_pct = threshold_pct;
	res->threshold_given = threshold_given;
	return compare_judge_figures(res) || compare_judge_findings(res) ? -1 : 0;
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
	memset(res, 0, sizeof *res);
}
