/* report_whatif.c: the what-if experiments' results in the metrics JSON and
 * the reports (see report_whatif.h). */
#include "autoconfig.h"

#include "report_whatif.h"

#include <stdio.h>
#include <string.h>

#include "../analyze/whatif_run.h"
#include "../base/units.h"

static const char *report_whatif_state(enum whatif_state s)
{
	switch (s) {
	case WHATIF_QUEUED:
		return "waiting";
	case WHATIF_RUNNING:
		return "running";
	case WHATIF_DONE:
		return "done";
	case WHATIF_CUT:
		break;
	}
	return "cut short by the end of the run";
}

json_t *report_whatif_json(struct whatif_run *r)
{
	struct whatif_result w[WHATIF_MAX_TARGETS];
	size_t n = whatif_run_read(r, w, WHATIF_MAX_TARGETS);
	json_t *a = NULL;
	for (size_t i = 0; i < n; i++) {
		if (!w[i].rounds)
			continue;
		if (!a && !(a = json_array()))
			return NULL;
		for (size_t k = 0; k < WHATIF_SPEEDUPS; k++) {
			const struct whatif_point *pt = &w[i].points[k];
			json_array_append_new(a,
					      json_pack("{s:s, s:f, s:f, s:f, s:f, s:f, s:s}", "stage", w[i].stage,
							"speedup", pt->speedup, "records_per_sec", pt->records_per_sec,
							"low", pt->low, "high", pt->high, "baseline_records_per_sec",
							w[i].baseline, "method", "virtual_speedup"));
		}
	}
	return a;
}

void report_whatif_tell(const struct whatif_result *w, char *dst, size_t n)
{
	double g = whatif_pct_shown(whatif_gain_pct(w, WHATIF_SPEEDUPS - 1));
	const struct whatif_point *pt = &w->points[WHATIF_SPEEDUPS - 1];
	if (whatif_too_noisy(w))
		snprintf(dst, n,
			 "too noisy to tell what making %s 2x faster would gain (%+.0f%% to %+.0f%%): the machine's "
			 "other load moves the throughput more than the experiments do; measure on a quieter machine",
			 w->stage, whatif_pct_shown(100 * (pt->low / w->baseline - 1)),
			 whatif_pct_shown(100 * (pt->high / w->baseline - 1)));
	else if (strcmp(w->limiter, w->stage))
		snprintf(dst, n, "making %s 2x faster would gain %+.0f%%: %s would then limit", w->stage, g,
			 w->limiter);
	else
		snprintf(dst, n, "making %s 2x faster would gain %+.0f%%: it would still limit", w->stage, g);
}

void report_whatif_text(struct buf *b, struct whatif_run *r)
{
	struct whatif_result w[WHATIF_MAX_TARGETS];
	size_t n = whatif_run_read(r, w, WHATIF_MAX_TARGETS), shown = 0;
	for (size_t i = 0; i < n; i++) {
		if (!w[i].rounds)
			continue;
		if (!shown++)
			buf_printf(b, "\nWhat if (virtual speed-up experiments: the throughput with one stage faster, "
				      "measured)\n");
		char base[32], tell[200];
		units_format_count(base, sizeof base, (uint64_t)(w[i].baseline + 0.5));
		buf_printf(b,
			   "  %s: %u rounds in %.1fs (%s); as it is: %s records/s; the experiments cost %.1f%% of "
			   "the throughput while they ran\n",
			   w[i].stage, w[i].rounds, w[i].seconds, report_whatif_state(w[i].state), base, w[i].cost_pct);
		buf_printf(b, "    %-9s %14s  %-27s %8s\n", "speed-up", "records/s", "95% interval", "gain");
		for (size_t k = 0; k < WHATIF_SPEEDUPS; k++) {
			const struct whatif_point *pt = &w[i].points[k];
			char rate[32], lo[32], hi[32], range[80], sp[16];
			snprintf(sp, sizeof sp, "%gx", pt->speedup);
			units_format_count(rate, sizeof rate, (uint64_t)(pt->records_per_sec + 0.5));
			units_format_count(lo, sizeof lo, (uint64_t)(pt->low > 0 ? pt->low + 0.5 : 0));
			units_format_count(hi, sizeof hi, (uint64_t)(pt->high + 0.5));
			snprintf(range, sizeof range, "%s - %s", lo, hi);
			buf_printf(b, "    %-9s %14s  %-27s %+7.0f%%\n", sp, rate, range,
				   whatif_pct_shown(whatif_gain_pct(&w[i], k)));
		}
		report_whatif_tell(&w[i], tell, sizeof tell);
		buf_printf(b, "    %s\n", tell);
	}
}
