/* report_latency.c: where a record's time goes (pipeline/latency.h), as
 * the metrics JSON's `latency` key and the report's Latency section: the
 * end-to-end quantiles, each part (a wait in a channel, a step's work) with
 * its mean, p99 and share of the mean, and for p50, p90 and p99 the
 * latency told as the shares of the parts of the batches at it
 * ("p99 580 ms = 72% waiting in source->enrich + 20% enrich ..."). */
#include "autoconfig.h"

#include "report_latency.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../pipeline/latency.h"
#include "../base/units.h"

json_t *report_latency_json(const struct latency_view *v)
{
	if (!v->batches)
		return NULL;
	json_t *parts = json_array();
	for (size_t i = 0; i < v->nparts; i++) {
		const struct latency_part *p = &v->parts[i];
		json_t *o =
		    json_pack("{s:s,s:s,s:s,s:f,s:f,s:f}", "stage", p->stage, "kind", p->queue ? "queue" : "work",
			      "step", p->step, "mean_us", p->mean_us, "p99_us", p->p99_us, "share_pct", p->share_pct);
		if (o && p->queue)
			json_object_set_new(o, "channel", json_string(p->channel));
		json_array_append_new(parts, o);
	}
	json_t *quantiles = json_array();
	for (int q = 0; q < LATENCY_QUANTILES; q++) {
		json_t *shares = json_array();
		for (size_t i = 0; i < v->nparts; i++)
			json_array_append_new(shares, json_real(v->q_share[q][i]));
		json_array_append_new(
		    quantiles, json_pack("{s:f,s:f,s:o}", "quantile", v->q[q], "us", v->q_us[q], "share_pct", shares));
	}
	return json_pack("{s:I,s:I,s:{s:f,s:f,s:f,s:f,s:f},s:o,s:o}", "sample", (json_int_t)v->every, "batches",
			 (json_int_t)v->batches, "end_to_end", "p50_us", v->p50_us, "p90_us", v->p90_us, "p99_us",
			 v->p99_us, "max_us", v->max_us, "mean_us", v->mean_us, "parts", parts, "quantiles", quantiles);
}

size_t report_latency_top(const struct latency_view *v, int q, size_t *idx, size_t max)
{
	size_t order[2 * LATENCY_MAX_STEPS], n = 0;
	const double *share = v->q_share[q];
	for (size_t i = 0; i < v->nparts; i++)
		order[i] = i;
	for (size_t i = 1; i < v->nparts; i++) /* by share, largest first */
		for (size_t j = i; j > 0 && share[order[j]] > share[order[j - 1]]; j--) {
			size_t t = order[j];
			order[j] = order[j - 1];
			order[j - 1] = t;
		}
	for (size_t i = 0; i < v->nparts && n < max && share[order[i]] >= 1.0; i++)
		idx[n++] = order[i];
	return n;
}

void report_latency_tell(const struct latency_view *v, int q, char *dst, size_t n)
{
	static const char *const name[LATENCY_QUANTILES] = { "p50", "p90", "p99" };
	size_t idx[4];
	char d[32], part[200];
	units_format_duration(d, sizeof d, (uint64_t)(v->q_us[q] * 1000.0));
	size_t top = report_latency_top(v, q, idx, 4);
	size_t o = (size_t)snprintf(dst, n, "%s %s =", name[q], d);
	double rest = 100.0;
	for (size_t k = 0; k < top && o < n; k++) {
		double s = v->q_share[q][idx[k]];
		latency_part_name(&v->parts[idx[k]], part, sizeof part);
		o += (size_t)snprintf(dst + o, n - o, "%s %.0f%% %s", k ? " +" : "", s, part);
		rest -= s;
	}
	if (rest >= 1.0 && o < n)
		snprintf(dst + o, n - o, " + %.0f%% the rest", rest);
}

void report_latency_text(struct buf *b, const struct latency_view *v)
{
	if (!v->batches)
		return;
	char p50[32], p90[32], p99[32], max[32], mean[32], line[600];
	units_format_duration(p50, sizeof p50, (uint64_t)(v->p50_us * 1000.0));
	units_format_duration(p90, sizeof p90, (uint64_t)(v->p90_us * 1000.0));
	units_format_duration(p99, sizeof p99, (uint64_t)(v->p99_us * 1000.0));
	units_format_duration(max, sizeof max, (uint64_t)(v->max_us * 1000.0));
	units_format_duration(mean, sizeof mean, (uint64_t)(v->mean_us * 1000.0));
	buf_printf(b, "Latency (one batch in %llu followed from read to write, %llu batches):\n",
		   (unsigned long long)v->every, (unsigned long long)v->batches);
	buf_printf(b, "  End to end:     p50 %s, p90 %s, p99 %s, max %s, mean %s\n", p50, p90, p99, max, mean);
	for (int q = 0; q < LATENCY_QUANTILES; q++) {
		report_latency_tell(v, q, line, sizeof line);
		buf_printf(b, "  %s\n", line);
	}
	buf_printf(b, "  %-40s %10s %10s %6s\n", "Part", "mean", "p99", "share");
	for (size_t i = 0; i < v->nparts; i++) {
		const struct latency_part *p = &v->parts[i];
		char name[200];
		latency_part_name(p, name, sizeof name);
		units_format_duration(mean, sizeof mean, (uint64_t)(p->mean_us * 1000.0));
		units_format_duration(p99, sizeof p99, (uint64_t)(p->p99_us * 1000.0));
		buf_printf(b, "  %-40s %10s %10s %5.1f%%\n", name, mean, p99, p->share_pct);
	}
	buf_printf(b, "\n");
}
