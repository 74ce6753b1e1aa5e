/* otlp_metrics.c: the run's metric families (serve_metrics.c) as an OTLP
 * ExportMetricsServiceRequest in the OTLP/HTTP JSON encoding: counters as
 * monotonic cumulative sums, gauges, histograms with explicit bounds and
 * per-bucket counts; 64-bit integers as decimal strings, enums as
 * integers; the names of /metrics without `_total` (the unit goes in
 * `unit`), and the pipeline as an attribute of every point, as /metrics
 * has it as a label. */
#include "autoconfig.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../../pipeline/pipeline.h"
#include "../base/secrets.h"
#include "otlp.h"
#include "serve_metrics.h"

/* AggregationTemporality (metrics.proto): cumulative. */
#define OTLP_CUMULATIVE 2

struct otlp_sink {
	struct metrics_sink sink; /* first: the sink's calls get it back */
	json_t *metrics;	  /* the request's metrics array */
	json_t *points;		  /* the family being written: its dataPoints */
	const char *pipeline;
	char start[24], now[24]; /* startTimeUnixNano, timeUnixNano */
};

/* The unit of a family, by its name's suffix (UCUM, as OTLP wants it). */
static const char *otlp_unit_of(const char *name)
{
	if (strstr(name, "_seconds"))
		return "s";
	if (strstr(name, "_bytes"))
		return "By";
	return "1"; /* ratios and counts */
}

static json_t *otlp_string_attr(const char *key, const char *value)
{
	char v[512];
	snprintf(v, sizeof v, "%s", value ? value : "");
	secrets_scrub(v, sizeof v);
	return json_pack("{s:s,s:{s:s}}", "key", key, "value", "stringValue", v);
}

static json_t *otlp_attrs(struct otlp_sink *x, const char *const *labels)
{
	json_t *a = json_array();
	json_array_append_new(a, otlp_string_attr("pipeline", x->pipeline));
	for (size_t i = 0; labels && labels[i]; i += 2)
		json_array_append_new(a, otlp_string_attr(labels[i], labels[i + 1]));
	return a;
}

static void otlp_family(struct metrics_sink *s, const char *name, enum metric_kind kind, const char *help)
{
	struct otlp_sink *x = (struct otlp_sink *)s;
	char otel[128];
	size_t n = strlen(name);
	snprintf(otel, sizeof otel, "%.*s", (int)(n > 6 && !strcmp(name + n - 6, "_total") ? n - 6 : n), name);
	x->points = json_array();
	json_t *data;
	if (kind == METRIC_GAUGE)
		data = json_pack("{s:o}", "dataPoints", x->points);
	else
		data = json_pack("{s:o,s:i}", "dataPoints", x->points, "aggregationTemporality", OTLP_CUMULATIVE);
	if (kind == METRIC_COUNTER)
		json_object_set_new(data, "isMonotonic", json_true());
	static const char *const keys[] = { "sum", "gauge", "histogram" };
	json_array_append_new(x->metrics, json_pack("{s:s,s:s,s:s,s:o}", "name", otel, "description", help, "unit",
						    otlp_unit_of(name), keys[kind], data));
}

static void otlp_point(struct metrics_sink *s, const char *name, const char *const *labels, double v)
{
	struct otlp_sink *x = (struct otlp_sink *)s;
	(void)name;
	json_t *p = json_pack("{s:o,s:s,s:s}", "attributes", otlp_attrs(x, labels), "startTimeUnixNano", x->start,
			      "timeUnixNano", x->now);
	if (v >= 0 && v < 9007199254740992.0 && v == floor(v)) {
		char i[24];
		snprintf(i, sizeof i, "%.0f", v);
		json_object_set_new(p, "asInt", json_string(i));
	} else if (isfinite(v)) {
		json_object_set_new(p, "asDouble", json_real(v));
	} else {
		json_object_set_new(p, "asDouble", json_string(isnan(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity"));
	}
	json_array_append_new(x->points, p);
}

static json_t *otlp_u64(uint64_t v)
{
	char t[24];
	snprintf(t, sizeof t, "%llu", (unsigned long long)v);
	return json_string(t);
}

static void otlp_histogram(struct metrics_sink *s, const char *const *labels, const double *bounds,
			   const uint64_t *below, size_t n, uint64_t count, double sum)
{
	struct otlp_sink *x = (struct otlp_sink *)s;
	json_t *counts = json_array(), *eb = json_array();
	uint64_t prev = 0;
	for (size_t i = 0; i < n; i++) {
		json_array_append_new(eb, json_real(bounds[i]));
		json_array_append_new(counts, otlp_u64(below[i] - prev));
		prev = below[i];
	}
	json_array_append_new(counts, otlp_u64(count - prev));
	json_array_append_new(x->points,
			      json_pack("{s:o,s:s,s:s,s:o,s:f,s:o,s:o}", "attributes", otlp_attrs(x, labels),
					"startTimeUnixNano", x->start, "timeUnixNano", x->now, "count", otlp_u64(count),
					"sum", sum, "bucketCounts", counts, "explicitBounds", eb));
}

char *otlp_metrics_build(const struct serve_source *src)
{
	struct otlp_sink x = {
		{ otlp_family, otlp_point, otlp_histogram }, json_array(), NULL, src->pipeline_name, "", ""
	};
	struct timespec st, now;
	pipeline_started_at(src->p, &st);
	clock_gettime(CLOCK_REALTIME, &now);
	snprintf(x.start, sizeof x.start, "%lld%09ld", (long long)st.tv_sec, st.tv_nsec);
	snprintf(x.now, sizeof x.now, "%lld%09ld", (long long)now.tv_sec, now.tv_nsec);
	metrics_collect(src, &x.sink);
	json_t *resource = json_pack("{s:[o,o]}", "attributes", otlp_string_attr("service.name", "nebtop"),
				     otlp_string_attr("nebtop.pipeline", src->pipeline_name));
	json_t *req =
	    json_pack("{s:[{s:o,s:[{s:{s:s,s:s},s:o}]}]}", "resourceMetrics", "resource", resource, "scopeMetrics",
		      "scope", "name", "nebtop", "version", PACKAGE_VERSION, "metrics", x.metrics);
	char *text = req ? json_dumps(req, JSON_COMPACT) : NULL;
	json_decref(req);
	return text;
}
