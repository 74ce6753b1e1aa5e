/* serve_prom.c: /metrics, the run's metric families (serve_metrics.c) in
 * Prometheus's text exposition format (version 0.0.4): HELP and TYPE
 * before each family, label values escaped, histograms as cumulative
 * _bucket{le} lines ending at +Inf with _sum and _count, and a `pipeline`
 * label on every series so that one Prometheus can scrape many nebtops. */
#include "autoconfig.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/secrets.h"
#include "serve.h"
#include "serve_metrics.h"

/* One scrape's text, and the pipeline label, escaped once per scrape. */
struct serve_prom {
	struct metrics_sink sink; /* first: the sink's calls get it back */
	struct buf *b;
	const char *family; /* the family being written */
	char pipeline[700]; /* pipeline="..." */
};

/* A label value as the format wants it: \\, \" and \n escaped; secrets
 * hidden and the text made valid UTF-8 first. */
static void serve_prom_label(struct buf *b, const char *name, const char *value, int first)
{
	char v[512];
	snprintf(v, sizeof v, "%s", value ? value : "");
	secrets_scrub(v, sizeof v);
	if (!first)
		buf_append_byte(b, ',');
	buf_append_str(b, name);
	buf_append_str(b, "=\"");
	for (const char *p = v; *p; p++) {
		if (*p == '\\' || *p == '"')
			buf_append_byte(b, '\\');
		if (*p == '\n') {
			buf_append_str(b, "\\n");
			continue;
		}
		buf_append_byte(b, *p);
	}
	buf_append_byte(b, '"');
}

static void serve_prom_family(struct metrics_sink *s, const char *name, enum metric_kind kind, const char *help)
{
	static const char *const types[] = { "counter", "gauge", "histogram" };
	struct serve_prom *x = (struct serve_prom *)s;
	buf_printf(x->b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, types[kind]);
	x->family = name;
}

/* The shortest text that reads back as v (Prometheus parses it as a
 * float64): 0.1, not 0.10000000000000001. */
static const char *serve_prom_number(double v, char out[32])
{
	/* counts (most values) as integers, without printf's float path */
	if (v >= 0 && v < 9007199254740992.0 && v == (double)(uint64_t)v) {
		char tmp[24];
		size_t n = 0;
		uint64_t u = (uint64_t)v;
		do
			tmp[n++] = (char)('0' + u % 10);
		while ((u /= 10) != 0);
		for (size_t i = 0; i < n; i++)
			out[i] = tmp[n - 1 - i];
		out[n] = 0;
		return out;
	}
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(out, 32, "%.*g", prec, v);
		if (strtod(out, NULL) == v)
			break;
	}
	return out;
}

static void serve_prom_value(struct buf *b, double v)
{
	if (isnan(v))
		buf_append_str(b, " NaN\n");
	else if (isinf(v))
		buf_append_str(b, v > 0 ? " +Inf\n" : " -Inf\n");
	else {
		char num[32];
		buf_append_byte(b, ' ');
		buf_append_str(b, serve_prom_number(v, num));
		buf_append_byte(b, '\n');
	}
}

/* name{pipeline="..",k1="v1",k2="v2"} value: labels as NULL-ended pairs. */
static void serve_prom_sample(struct metrics_sink *s, const char *name, const char *const *labels, double v)
{
	struct serve_prom *x = (struct serve_prom *)s;
	struct buf *b = x->b;
	buf_append_str(b, name);
	buf_append_byte(b, '{');
	buf_append_str(b, x->pipeline);
	for (size_t i = 0; labels && labels[i]; i += 2)
		serve_prom_label(b, labels[i], labels[i + 1], 0);
	buf_append_byte(b, '}');
	serve_prom_value(b, v);
}

/* name_bucket{...,le="B"} for each bound and +Inf, then _sum and _count. */
static void serve_prom_histogram(struct metrics_sink *s, const char *const *labels, const double *bounds,
				 const uint64_t *below, size_t n, uint64_t count, double sum)
{
	struct serve_prom *x = (struct serve_prom *)s;
	char bucket[128], sname[128], cname[128], le[32];
	snprintf(bucket, sizeof bucket, "%s_bucket", x->family);
	snprintf(sname, sizeof sname, "%s_sum", x->family);
	snprintf(cname, sizeof cname, "%s_count", x->family);
	const char *l[16];
	size_t k = 0;
	for (; labels && labels[k] && k < 12; k += 2) {
		l[k] = labels[k];
		l[k + 1] = labels[k + 1];
	}
	l[k] = "le";
	l[k + 2] = NULL;
	for (size_t i = 0; i < n; i++) {
		l[k + 1] = serve_prom_number(bounds[i], le);
		serve_prom_sample(s, bucket, l, (double)below[i]);
	}
	l[k + 1] = "+Inf";
	serve_prom_sample(s, bucket, l, (double)count);
	serve_prom_sample(s, sname, labels, sum);
	serve_prom_sample(s, cname, labels, (double)count);
}

void serve_prom_build(const struct serve_source *src, struct buf *out)
{
	struct serve_prom x = { { serve_prom_family, serve_prom_sample, serve_prom_histogram }, out, NULL, "" };
	struct buf pl = { 0 };
	serve_prom_label(&pl, "pipeline", src->pipeline_name, 1);
	snprintf(x.pipeline, sizeof x.pipeline, "%.*s", (int)pl.len, pl.p);
	buf_free(&pl);
	metrics_collect(src, &x.sink);
}
