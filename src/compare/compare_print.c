/* compare_print.c: for `nebtop compare`: prints a comparison for people (a
 * header naming both sides, an aligned Figure | Baseline | Optimized |
 * Change [| 95% interval] | Verdict table in readable units, the findings
 * resolved, new and persisting, the primary bottlenecks, what changed, the
 * regressions and the changes too uncertain to tell) or as one JSON object
 * for scripts. */
#include "autoconfig.h"

#include "compare.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "compare_stats.h"
#include "../base/units.h"

#define COMPARE_COLS 6 /* the interval's column only when a figure has one */
#define COMPARE_CELL 96

/* --- values for people ------------------------------------------------------------ */

static uint64_t compare_print_u64(double v)
{
	return v <= 0 ? 0 : v >= 1.8e19 ? UINT64_MAX : (uint64_t)(v + 0.5);
}

/* A plain decimal with about three significant digits ("0.0017", "2.50",
 * "130", "1,500"). */
static void compare_print_decimal(char *dst, size_t n, double v)
{
	double a = v < 0 ? -v : v;
	if (v == 0)
		snprintf(dst, n, "0");
	else if (a >= 1000 && v > 0)
		units_format_count(dst, n, compare_print_u64(v));
	else if (a >= 100)
		snprintf(dst, n, "%.0f", v);
	else if (a >= 10)
		snprintf(dst, n, "%.1f", v);
	else if (a >= 0.1)
		snprintf(dst, n, "%.2f", v);
	else {
		/* two significant digits without an exponent: 0.0017, 0.0000076 */
		int prec = 1 - (int)floor(log10(a));
		snprintf(dst, n, "%.*f", prec < 9 ? prec : 9, v);
	}
}

static void compare_print_value(char *dst, size_t n, enum compare_unit unit, double v)
{
	char t[64];
	if (isnan(v)) {
		snprintf(dst, n, "n/a");
		return;
	}
	switch (unit) {
	case COMPARE_RECORDS_PER_SEC:
		if (v >= 1e6)
			snprintf(t, sizeof t, "%.2fM", v / 1e6);
		else
			units_format_count(t, sizeof t, compare_print_u64(v));
		snprintf(dst, n, "%s records/s", t);
		break;
	case COMPARE_BYTES_PER_SEC:
		units_format_bytes(t, sizeof t, v < 0 ? 0 : v);
		snprintf(dst, n, "%s/s", t);
		break;
	case COMPARE_US:
		units_format_duration(dst, n, compare_print_u64(v * 1e3));
		break;
	case COMPARE_BYTES:
		units_format_bytes(dst, n, v < 0 ? 0 : v);
		break;
	case COMPARE_ALLOCS_PER_RECORD:
		compare_print_decimal(dst, n, v);
		break;
	case COMPARE_PCT:
		compare_print_decimal(t, sizeof t, v);
		snprintf(dst, n, "%s%%", t);
		break;
	case COMPARE_CPU_S_PER_MREC:
		compare_print_decimal(t, sizeof t, v);
		snprintf(dst, n, "%s CPU-s", t);
		break;
	}
}

static void compare_print_change(char *dst, size_t n, const struct compare_figure *f)
{
	if (f->verdict == COMPARE_NEW_BETTER || f->verdict == COMPARE_NEW_WORSE)
		snprintf(dst, n, "new");
	else if (isnan(f->change_pct))
		snprintf(dst, n, "n/a");
	else
		snprintf(dst, n, "%+.1f%%", f->change_pct);
}

/* The 95% interval, "-12.1% to -8.0%", or "-" without one. */
static void compare_print_interval(char *dst, size_t n, const struct compare_figure *f)
{
	if (isnan(f->lo_pct) || isnan(f->hi_pct))
		snprintf(dst, n, "-");
	else
		snprintf(dst, n, "%+.1f%% to %+.1f%%", f->lo_pct, f->hi_pct);
}

/* The verdict for people: "new" moves to the Change column, and a stage of
 * one run only says so. */
static const char *compare_print_verdict(const struct compare_figure *f)
{
	if (f->only_in)
		return !strcmp(f->only_in, "baseline") ? "only in baseline" : "only in optimized";
	if (f->verdict == COMPARE_NEW_BETTER)
		return "better";
	if (f->verdict == COMPARE_NEW_WORSE)
		return "worse";
	return compare_verdict_name(f->verdict);
}

/* Columns on a terminal: UTF-8 continuation bytes take none. */
static size_t compare_print_width(const char *s)
{
	size_t w = 0;
	for (; *s; s++)
		w += ((unsigned char)*s & 0xC0) != 0x80;
	return w;
}

static void compare_print_cell(FILE *out, const char *s, size_t width, int right)
{
	size_t w = compare_print_width(s);
	if (right)
		fprintf(out, "%*s%s", (int)(width > w ? width - w : 0), "", s);
	else
		fprintf(out, "%s%*s", s, (int)(width > w ? width - w : 0), "");
}

/* --- text ------------------------------------------------------------------------- */

/* The runs of a side: one run as "ROLE FILE / pipeline, timestamp, ran D";
 * several as the folder's count, the latest file, the span of timestamps and
 * the median duration. Then what was left out of a folder. */
static void compare_print_side(FILE *out, const char *role, const struct compare_side *s)
{
	const struct compare_run *r = &s->runs[s->n - 1];
	char d[32];
	if (s->n == 1) {
		units_format_duration(d, sizeof d, compare_print_u64(r->duration_s * 1e9));
		fprintf(out, "%-10s %s\n", role, r->file);
		fprintf(out, "%-10s pipeline %s, %s, ran %s\n", "", r->pipeline ? r->pipeline : "(unnamed)",
			r->timestamp ? r->timestamp : "(no timestamp)", d);
	} else {
		double *v = malloc(s->n * sizeof *v);
		for (size_t i = 0; v && i < s->n; i++)
			v[i] = s->runs[i].duration_s;
		double med = v ? compare_stats_median(v, s->n) : r->duration_s;
		free(v);
		units_format_duration(d, sizeof d, compare_print_u64(med * 1e9));
		const char *first = s->runs[0].timestamp;
		fprintf(out, "%-10s %zu runs (each figure is their median), the latest %s\n", role, s->n, r->file);
		fprintf(out, "%-10s pipeline %s, %s to %s, ran %s (median)\n", "", r->pipeline ? r->pipeline : "(unnamed)",
			first ? first : "(no timestamp)", r->timestamp ? r->timestamp : "(no timestamp)", d);
	}
	if (s->other_pipeline)
		fprintf(out, "%-10s (%zu run%s of another pipeline (%s) left out: only the latest run's pipeline is "
			"compared)\n", "", s->other_pipeline, s->other_pipeline == 1 ? "" : "s", s->other_name);
	if (s->left_out && !s->latest_only)
		fprintf(out, "%-10s (%zu run%s without a final snapshot left out: still running, or stopped at once)\n",
			"", s->left_out, s->left_out == 1 ? "" : "s");
	if (s->legacy && s->n > 1)
		fprintf(out, "%-10s (the snapshots without a run_id, from an older nebtop, count as one run: their latest)\n",
			"");
	if (s->latest_only && s->snapshots > 1)
		fprintf(out, "%-10s (no run in the folder has a final snapshot: its latest snapshot is taken)\n", "");
}

/* Whether a figure has an interval (several runs on both sides). */
static int compare_print_has_intervals(const struct compare_result *res)
{
	for (size_t i = 0; i < res->nfigs; i++)
		if (!isnan(res->figs[i].lo_pct))
			return 1;
	return 0;
}

/* A figure goes into the table unless neither run has it. */
static int compare_print_shown(const struct compare_figure *f)
{
	return f->only_in || !isnan(f->base) || !isnan(f->opt);
}

/* One row; column 4 (the interval) only when shown. */
static void compare_print_row(FILE *out, char cells[COMPARE_COLS][COMPARE_CELL], const size_t *width, int intervals)
{
	static const int right[COMPARE_COLS] = { 0, 1, 1, 1, 1, 0 };
	for (int c = 0; c < COMPARE_COLS; c++) {
		if (c == 4 && !intervals)
			continue;
		if (c)
			fputs("  ", out);
		/* no trailing blanks after the last column */
		compare_print_cell(out, cells[c], c == COMPARE_COLS - 1 ? 0 : width[c], right[c]);
	}
	fputc('\n', out);
}

static void compare_print_table(FILE *out, const struct compare_result *res)
{
	char head[COMPARE_COLS][COMPARE_CELL] = { "Figure", "Baseline", "Optimized", "Change", "95% interval",
						  "Verdict" };
	int intervals = compare_print_has_intervals(res);
	size_t width[COMPARE_COLS];
	for (int c = 0; c < COMPARE_COLS; c++)
		width[c] = compare_print_width(head[c]);
	char(*cells)[COMPARE_COLS][COMPARE_CELL] = calloc(res->nfigs + 1, sizeof *cells);
	if (!cells)
		return;
	for (size_t i = 0; i < res->nfigs; i++) {
		const struct compare_figure *f = &res->figs[i];
		snprintf(cells[i][0], COMPARE_CELL, "%s", f->label);
		if (f->only_in && !strcmp(f->only_in, "optimized"))
			snprintf(cells[i][1], COMPARE_CELL, "-");
		else
			compare_print_value(cells[i][1], COMPARE_CELL, f->unit, f->base);
		if (f->only_in && !strcmp(f->only_in, "baseline"))
			snprintf(cells[i][2], COMPARE_CELL, "-");
		else
			compare_print_value(cells[i][2], COMPARE_CELL, f->unit, f->opt);
		if (f->only_in)
			snprintf(cells[i][3], COMPARE_CELL, "-");
		else
			compare_print_change(cells[i][3], COMPARE_CELL, f);
		compare_print_interval(cells[i][4], COMPARE_CELL, f);
		snprintf(cells[i][5], COMPARE_CELL, "%s", compare_print_verdict(f));
		if (!compare_print_shown(f))
			continue;
		for (int c = 0; c < COMPARE_COLS; c++) {
			size_t w = compare_print_width(cells[i][c]);
			if (w > width[c])
				width[c] = w;
		}
	}
	compare_print_row(out, head, width, intervals);
	char rule[COMPARE_COLS][COMPARE_CELL];
	for (int c = 0; c < COMPARE_COLS; c++) {
		size_t w = width[c] < COMPARE_CELL - 1 ? width[c] : COMPARE_CELL - 1;
		memset(rule[c], '-', w);
		rule[c][w] = 0;
	}
	compare_print_row(out, rule, width, intervals);
	for (size_t i = 0; i < res->nfigs; i++)
		if (compare_print_shown(&res->figs[i]))
			compare_print_row(out, cells[i], width, intervals);
	free(cells);
	size_t least = res->bside->n < res->oside->n ? res->bside->n : res->oside->n;
	if (intervals && least < COMPARE_STATS_MIN_RUNS)
		fprintf(out, "(under %d runs a side: the intervals are narrower than 95%% ones should be)\n",
			COMPARE_STATS_MIN_RUNS);
	else if (!intervals && res->bside->n + res->oside->n > 2)
		fputs("(one run on a side: no intervals; each change is judged as between two runs)\n", out);
}

static const char *compare_print_severity(const struct compare_finding *f)
{
	return *f->severity ? f->severity : "(no severity)";
}

/* The findings lists, in the order they are printed. */
enum { COMPARE_RESOLVED, COMPARE_ADDED, COMPARE_PERSISTING, COMPARE_LISTS };

static size_t compare_print_count(const struct compare_result *res, int list)
{
	return list == COMPARE_RESOLVED ? res->nresolved : list == COMPARE_ADDED ? res->nadded : res->npersisting;
}

/* Entry i of a list: the finding (for a persisting one, as in the optimized
 * run) and its severity ("medium", or "medium -> low" when persisting). */
static const struct compare_finding *compare_print_entry(const struct compare_result *res, int list, size_t i,
							 char *sev, size_t n)
{
	if (list == COMPARE_PERSISTING) {
		const struct compare_pair *p = &res->persisting[i];
		snprintf(sev, n, "%s -> %s", compare_print_severity(p->base), compare_print_severity(p->opt));
		return p->opt;
	}
	const struct compare_finding *f = list == COMPARE_RESOLVED ? res->resolved[i] : res->added[i];
	snprintf(sev, n, "%s", compare_print_severity(f));
	return f;
}

static void compare_print_findings(FILE *out, const struct compare_result *res)
{
	static const char *const what[COMPARE_LISTS] = { "resolved", "new", "persisting" };
	const struct compare_run *b = res->base, *o = res->opt;
	fprintf(out, "\nFindings (bottlenecks matched by type and component%s)\n",
		res->bside->n > 1 || res->oside->n > 1 ? "; of each side's latest run" : "");
	if (!b->has_findings && !o->has_findings) {
		fputs("  not analyzed: neither metrics file has a bottleneck analysis\n", out);
		return;
	}
	if (!b->has_findings || !o->has_findings)
		fprintf(out, "  (the %s metrics file has no bottleneck analysis: taken as no findings)\n",
			!b->has_findings ? "baseline" : "optimized");
	if (res->nresolved + res->nadded + res->npersisting == 0)
		fputs("  none in either run\n", out);
	size_t sw = 0, tw = 0; /* widths of the severity and type columns */
	char sev[COMPARE_CELL];
	for (int k = 0; k < COMPARE_LISTS; k++)
		for (size_t i = 0; i < compare_print_count(res, k); i++) {
			const struct compare_finding *f = compare_print_entry(res, k, i, sev, sizeof sev);
			size_t w = compare_print_width(sev), t = compare_print_width(f->type);
			sw = w > sw ? w : sw;
			tw = t > tw ? t : tw;
		}
	for (int k = 0; k < COMPARE_LISTS; k++)
		for (size_t i = 0; i < compare_print_count(res, k); i++) {
			const struct compare_finding *f = compare_print_entry(res, k, i, sev, sizeof sev);
			fprintf(out, "  %-10s  ", what[k]);
			compare_print_cell(out, sev, sw, 0);
			fputs("  ", out);
			compare_print_cell(out, f->type, tw, 0);
			fprintf(out, "  %s\n", f->component);
		}
}

static void compare_print_primary(FILE *out, const char *role, const struct compare_run *r)
{
	fprintf(out, "  %-10s ", role);
	if (!r->primary) {
		fputs(r->has_findings ? "none\n" : "not analyzed\n", out);
		return;
	}
	const char *sev = json_string_value(json_object_get(r->primary, "severity"));
	const char *type = json_string_value(json_object_get(r->primary, "type"));
	const char *comp = json_string_value(json_object_get(r->primary, "component"));
	const char *desc = json_string_value(json_object_get(r->primary, "description"));
	fprintf(out, "%s %s in %s", sev ? sev : "(no severity)", type, comp);
	if (desc && *desc)
		fprintf(out, ": %s", desc);
	fputc('\n', out);
}

/* "throughput (-33.3%)", with the interval when there is one. */
static void compare_print_named_change(FILE *out, const struct compare_figure *f)
{
	char change[32], iv[64];
	compare_print_change(change, sizeof change, f);
	compare_print_interval(iv, sizeof iv, f);
	if (isnan(f->lo_pct))
		fprintf(out, "%s (%s)", f->label, change);
	else
		fprintf(out, "%s (%s, 95%% interval %s)", f->label, change, iv);
}

static void compare_print_regressions(FILE *out, const struct compare_result *res)
{
	if (res->nregressions == 0) {
		fprintf(out, "\nNo regression over %g%%\n", res->threshold_pct);
	} else {
		fprintf(out, "\nRegressions over %g%%:", res->threshold_pct);
		const char *sep = " ";
		for (size_t i = 0; i < res->nfigs; i++) {
			const struct compare_figure *f = &res->figs[i];
			if (!f->regression)
				continue;
			fputs(sep, out);
			compare_print_named_change(out, f);
			sep = ", ";
		}
		fputc('\n', out);
	}
	if (res->ninconclusive == 0)
		return;
	fprintf(out, "Inconclusive at %g%% (the interval spans it):\n", res->threshold_pct);
	for (size_t i = 0; i < res->nfigs; i++) {
		const struct compare_figure *f = &res->figs[i];
		if (!f->inconclusive)
			continue;
		fputs("  ", out);
		compare_print_named_change(out, f);
		if (f->more_runs == COMPARE_STATS_UNDECIDABLE)
			fputs(": inconclusive, and more runs would not decide it (the change is the threshold)\n", out);
		else if (f->more_runs > COMPARE_STATS_MAX_MORE_RUNS)
			fprintf(out, ": inconclusive, over %d more runs a side would decide\n", COMPARE_STATS_MAX_MORE_RUNS);
		else
			fprintf(out, ": inconclusive, %ld more run%s a side would decide\n", f->more_runs,
				f->more_runs == 1 ? "" : "s");
	}
}

/* A stage that moved: "stage burn busy 45.0% -> 98.1% (+53.1 points)". */
static void compare_print_moved(FILE *out, const char *what, const struct compare_moved *m, const char *none)
{
	fprintf(out, "  %-12s ", what);
	if (!m->stage[0]) {
		fprintf(out, "%s\n", none);
		return;
	}
	if (!strcmp(m->what, "busy")) {
		fprintf(out, "stage %s busy %.1f%% -> %.1f%% (%+.1f points)\n", m->stage, m->base, m->opt, m->change);
		return;
	}
	char b[32], o[32];
	compare_print_value(b, sizeof b, COMPARE_US, m->base);
	compare_print_value(o, sizeof o, COMPARE_US, m->opt);
	fprintf(out, "stage %s %s latency %s -> %s (%+.1f%%)\n", m->stage, m->what, b, o, m->change);
}

static void compare_print_changed(FILE *out, const struct compare_result *res)
{
	const struct compare_changed *c = &res->changed;
	fputs("\nWhat changed\n", out);
	compare_print_moved(out, "busy share:", &c->busy, "no stage's busy share moved by a point or more");
	compare_print_moved(out, "latency:", &c->latency, "no stage latency changed beyond the noise");
	fprintf(out, "  %-12s ", "CPU profile:");
	if (!c->base_samples || !c->opt_samples) {
		fprintf(out, "no CPU samples (cpu_STAMP.folded) on the %s side\n",
			!c->base_samples && !c->opt_samples ? "either" : !c->base_samples ? "baseline" : "optimized");
		return;
	}
	if (c->nfns == 0) {
		char bs[32], os[32];
		units_format_count(bs, sizeof bs, c->base_samples);
		units_format_count(os, sizeof os, c->opt_samples);
		fprintf(out, "no function's share of the CPU samples grew beyond sampling noise (%s and %s samples)\n",
			bs, os);
		return;
	}
	char bs[32], os[32];
	units_format_count(bs, sizeof bs, c->base_samples);
	units_format_count(os, sizeof os, c->opt_samples);
	fprintf(out, "the functions whose share of the CPU samples grew most (flat; of %s and %s samples)\n", bs,
		os);
	for (size_t i = 0; i < c->nfns; i++) {
		const struct compare_fn_change *f = &c->fns[i];
		fprintf(out, "    %+6.1f points  %5.1f%% -> %5.1f%%  %s\n", f->opt_pct - f->base_pct, f->base_pct,
			f->opt_pct, f->name);
	}
}

void compare_print_text(FILE *out, const struct compare_result *res)
{
	compare_print_side(out, "Baseline:", res->bside);
	compare_print_side(out, "Optimized:", res->oside);
	fputc('\n', out);
	compare_print_table(out, res);
	compare_print_findings(out, res);
	fputs("\nPrimary bottleneck\n", out);
	compare_print_primary(out, "baseline:", res->base);
	compare_print_primary(out, "optimized:", res->opt);
	compare_print_changed(out, res);
	if (res->threshold_given)
		compare_print_regressions(out, res);
	if (res->diff_flame)
		fprintf(out, "Diff flame graph: %s (red: a larger share of CPU samples in the optimized run, blue: a "
			"smaller one)\n", res->diff_flame);
}

/* --- JSON ------------------------------------------------------------------------- */

static const char *const compare_print_units[] = {
	[COMPARE_RECORDS_PER_SEC] = "records/s",
	[COMPARE_BYTES_PER_SEC] = "bytes/s",
	[COMPARE_US] = "us",
	[COMPARE_BYTES] = "bytes",
	[COMPARE_ALLOCS_PER_RECORD] = "allocs/record",
	[COMPARE_PCT] = "%",
	[COMPARE_CPU_S_PER_MREC] = "cpu_s/1M records",
};

static json_t *compare_print_number(double v)
{
	return isnan(v) ? json_null() : json_real(v);
}

/* A number JSON can hold, or null (NAN, an infinity). */
static json_t *compare_print_finite(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static json_t *compare_print_string(const char *s)
{
	return s ? json_string(s) : json_null();
}

/* A side: its latest run's file, pipeline, timestamp and duration (as with
 * one run), and how many runs, their files and what was left out. */
static json_t *compare_print_json_side(const struct compare_side *s)
{
	const struct compare_run *r = &s->runs[s->n - 1];
	json_t *files = json_array();
	for (size_t i = 0; files && i < s->n; i++)
		if (json_array_append_new(files, json_string(s->runs[i].file))) {
			json_decref(files);
			files = NULL;
		}
	return json_pack("{s:s,s:o,s:o,s:f,s:I,s:o,s:I,s:I}", "file", r->file, "pipeline",
			 compare_print_string(r->pipeline), "timestamp", compare_print_string(r->timestamp), "duration_s",
			 r->duration_s, "runs", (json_int_t)s->n, "files", files, "left_out", (json_int_t)s->left_out,
			 "other_pipeline_runs", (json_int_t)s->other_pipeline);
}

static json_t *compare_print_json_figures(const struct compare_result *res)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < res->nfigs; i++) {
		const struct compare_figure *f = &res->figs[i];
		json_t *o = json_pack("{s:s,s:s,s:s,s:o,s:o,s:o,s:s,s:s}", "name", f->name, "label", f->label, "unit",
				      compare_print_units[f->unit], "baseline", compare_print_number(f->base),
				      "optimized", compare_print_number(f->opt), "change_pct",
				      compare_print_number(f->change_pct), "better", f->higher_better ? "higher" : "lower",
				      "verdict", compare_verdict_name(f->verdict));
		if (o && f->only_in)
			json_object_set_new(o, "only_in", json_string(f->only_in));
		if (o) {
			json_object_set_new(o, "baseline_runs", json_integer((json_int_t)f->nbase));
			json_object_set_new(o, "optimized_runs", json_integer((json_int_t)f->nopt));
			/* an end that no number bounds (a baseline median of 0 in some resamples) is null */
			json_object_set_new(o, "interval_pct",
					    isnan(f->lo_pct) ? json_null()
							     : json_pack("[o,o]", compare_print_finite(f->lo_pct),
									 compare_print_finite(f->hi_pct)));
			json_object_set_new(o, "inconclusive", json_boolean(f->inconclusive));
			json_object_set_new(o, "more_runs",
					    f->inconclusive && f->more_runs >= 0 ? json_integer(f->more_runs) : json_null());
		}
		if (!o || json_array_append_new(a, o)) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

static json_t *compare_print_json_list(const struct compare_finding *const *v, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < n; i++)
		if (json_array_append(a, v[i]->obj)) {
			json_decref(a);
			return NULL;
		}
	return a;
}

static json_t *compare_print_json_findings(const struct compare_result *res)
{
	json_t *pers = json_array();
	for (size_t i = 0; pers && i < res->npersisting; i++) {
		const struct compare_pair *p = &res->persisting[i];
		json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:O,s:O}", "type", p->opt->type, "component", p->opt->component,
				      "baseline_severity", p->base->severity, "optimized_severity", p->opt->severity,
				      "baseline", p->base->obj, "optimized", p->opt->obj);
		if (!o || json_array_append_new(pers, o)) {
			json_decref(pers);
			pers = NULL;
		}
	}
	return json_pack("{s:o,s:o,s:o}", "resolved", compare_print_json_list(res->resolved, res->nresolved), "new",
			 compare_print_json_list(res->added, res->nadded), "persisting", pers);
}

/* The names of the figures that are regressions (inconclusive: 0) or
 * inconclusive (1). */
static json_t *compare_print_json_names(const struct compare_result *res, int inconclusive)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < res->nfigs; i++) {
		const struct compare_figure *f = &res->figs[i];
		if ((inconclusive ? f->inconclusive : f->regression) && json_array_append_new(a, json_string(f->name))) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

static json_t *compare_print_json_moved(const struct compare_moved *m)
{
	if (!m->stage[0])
		return json_null();
	if (!strcmp(m->what, "busy"))
		return json_pack("{s:s,s:f,s:f,s:f}", "stage", m->stage, "baseline_pct", m->base, "optimized_pct",
				 m->opt, "change_points", m->change);
	return json_pack("{s:s,s:s,s:f,s:f,s:f}", "stage", m->stage, "percentile", m->what, "baseline_us", m->base,
			 "optimized_us", m->opt, "change_pct", m->change);
}

static json_t *compare_print_json_changed(const struct compare_changed *c)
{
	json_t *fns = json_array();
	for (size_t i = 0; fns && i < c->nfns; i++) {
		const struct compare_fn_change *f = &c->fns[i];
		json_t *o = json_pack("{s:s,s:f,s:f,s:f,s:I,s:I}", "function", f->name, "baseline_flat_pct", f->base_pct,
				      "optimized_flat_pct", f->opt_pct, "change_points", f->opt_pct - f->base_pct,
				      "baseline_samples", (json_int_t)f->base_samples, "optimized_samples",
				      (json_int_t)f->opt_samples);
		if (!o || json_array_append_new(fns, o)) {
			json_decref(fns);
			fns = NULL;
		}
	}
	return json_pack("{s:o,s:o,s:o,s:{s:I,s:I,s:I,s:I}}", "busy_share", compare_print_json_moved(&c->busy),
			 "latency", compare_print_json_moved(&c->latency), "functions", fns, "cpu_samples", "baseline",
			 (json_int_t)c->base_samples, "optimized", (json_int_t)c->opt_samples, "baseline_profiles",
			 (json_int_t)c->base_profiles, "optimized_profiles", (json_int_t)c->opt_profiles);
}

int compare_print_json(FILE *out, const struct compare_result *res, struct errbuf *e)
{
	json_t *primary = json_pack("{s:O?,s:O?}", "baseline", res->base->primary, "optimized", res->opt->primary);
	json_t *root = json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:s,s:o,s:o}", "baseline",
				 compare_print_json_side(res->bside), "optimized", compare_print_json_side(res->oside),
				 "figures", compare_print_json_figures(res), "findings", compare_print_json_findings(res),
				 "primary", primary, "fail_on_regression_pct",
				 res->threshold_given ? json_real(res->threshold_pct) : json_null(), "regressions",
				 compare_print_json_names(res, 0), "inconclusive", compare_print_json_names(res, 1),
				 "interval_method", "bootstrap", "what_changed", compare_print_json_changed(&res->changed),
				 "diff_flame", compare_print_string(res->diff_flame));
	char *s = root ? json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10)) : NULL;
	json_decref(root);
	if (!s)
		return errbuf_set(e, "cannot build the JSON output (out of memory)");
	fputs(s, out);
	fputc('\n', out);
	free(s);
	return 0;
}
