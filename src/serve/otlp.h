/* otlp.h: the OpenTelemetry export ([export] otlp_endpoint): the run's
 * metrics pushed every otlp_interval to ENDPOINT/v1/metrics in the OTLP/HTTP
 * JSON encoding, from a thread of its own, so that a slow or absent
 * collector never holds up the pipeline. A push the collector refuses for
 * now (429, 502, 503, 504, or no connection) is tried again, after its
 * Retry-After or a growing wait, until the next push is due: then the newer
 * figures replace it and it counts as dropped. */
#ifndef NEB_OTLP_H
#define NEB_OTLP_H

#include <stdint.h>

#include "../base/errbuf.h"
#include "../report/snapshot.h"
#include "serve.h"

struct otlp;

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>

struct span_step;

struct otlp_opts {
	const char *endpoint; /* http://host:4318 (the /v1/... paths are added) */
	uint64_t interval_ns;
	uint64_t sample; /* a span for each step of one batch in this many; 0: no traces */
};

enum { OTLP_METRICS = EXPORT_METRICS, OTLP_TRACES = EXPORT_TRACES };

/* The steps of sampled batches waiting to be sent (otlp_spans.c): a bounded
 * queue that pipeline threads add to under a short lock, and that drops
 * (and counts) what does not fit, never waiting. */
struct otlp_spans {
	pthread_mutex_t mu;
	struct span_step *v;
	size_t n, cap;
	_Atomic uint64_t dropped;
	uint64_t trace_hi;  /* the run's half of every trace id */
	int64_t unix_minus_mono; /* CLOCK_REALTIME minus CLOCK_MONOTONIC, ns */
};
int otlp_spans_init(struct otlp_spans *q);
void otlp_spans_free(struct otlp_spans *q);
void otlp_spans_add(struct otlp_spans *q, const struct span_step *st);
uint64_t otlp_spans_dropped(const struct otlp_spans *q);
/* The queued steps as an ExportTraceServiceRequest (malloc'd; the queue is
 * emptied), or NULL when none is queued. */
char *otlp_spans_build(struct otlp_spans *q, const struct serve_source *src);

struct otlp *otlp_start(const struct otlp_opts *o, const struct serve_source *src, struct errbuf *e);
/* Pushes the run's last figures (trying for a few seconds at most), then
 * stops its thread; its counts stay readable until otlp_free. */
void otlp_finish(struct otlp *x);
/* Finishes it if need be, and frees it. */
void otlp_free(struct otlp *x);
/* What the export did so far (the endpoint without user or password), in
 * out: out, or NULL when x is NULL (no export). */
const struct export_counts *otlp_read_export(const struct otlp *x, struct export_counts *out);
/* Says on stderr what was dropped, when anything was (at the end of the run):
 * the collector did not get everything. */
void otlp_say_drops(const struct otlp *x);

/* The metrics request's JSON (malloc'd), or NULL (otlp_metrics.c). */
char *otlp_metrics_build(const struct serve_source *src);

#endif
