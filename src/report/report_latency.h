/* report_latency.h: where a record's time goes, for the metrics JSON and
 * the text report (report_latency.c). */
#ifndef NEB_REPORT_LATENCY_H
#define NEB_REPORT_LATENCY_H

#include <jansson.h>
#include <stddef.h>

#include "../base/buf.h"

struct latency_view;

/* The `latency` key's value, or NULL when no batch was followed yet. */
json_t *report_latency_json(const struct latency_view *v);
/* The report's Latency section (nothing when no batch was followed). */
void report_latency_text(struct buf *b, const struct latency_view *v);
/* Quantile q (0: p50, 1: p90, 2: p99) told as its parts' shares: "p99
 * 580ms = 72% waiting in source->enrich + 20% enrich + 8% the rest". */
void report_latency_tell(const struct latency_view *v, int q, char *dst, size_t n);
/* The parts that take the most of quantile q's batches (1% or more),
 * largest first: at most max of their indices into v->parts, how many. */
size_t report_latency_top(const struct latency_view *v, int q, size_t *idx, size_t max);

#endif
