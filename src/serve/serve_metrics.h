/* serve_metrics.h: the run's figures as metric families (serve_metrics.c),
 * and the sink a format implements to write them: Prometheus's text
 * (serve_prom.c) or OTLP JSON (otlp_metrics.c). */
#ifndef NEB_SERVE_METRICS_H
#define NEB_SERVE_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "serve.h"

enum metric_kind { METRIC_COUNTER, METRIC_GAUGE, METRIC_HISTOGRAM };

/* The latency histograms' bounds: every power of two of nanoseconds from
 * 2^10 (1 us) to 2^40 (18 min), bounds nebtop's histograms have exactly. */
#define METRICS_BOUNDS 31

/* Labels are NULL-ended name, value pairs; every call's strings live until
 * it returns. A family's points follow its family call. */
struct metrics_sink {
	void (*family)(struct metrics_sink *s, const char *name, enum metric_kind kind, const char *help);
	void (*point)(struct metrics_sink *s, const char *name, const char *const *labels, double v);
	/* below[i]: the values at or below bounds[i] (cumulative), count all
	 * of them, sum their sum */
	void (*histogram)(struct metrics_sink *s, const char *const *labels, const double *bounds,
			  const uint64_t *below, size_t n, uint64_t count, double sum);
};

/* Hands every family of the run, as of the latest sample, to sink. */
void metrics_collect(const struct serve_source *src, struct metrics_sink *sink);

#endif
