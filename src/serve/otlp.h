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
#include "serve.h"

struct otlp;

struct otlp_opts {
	const char *endpoint; /* http://host:4318 (the /v1/... paths are added) */
	uint64_t interval_ns;
};

/* What the export did so far. */
struct otlp_counts {
	uint64_t sent, retried, dropped; /* requests accepted; tries again; given up */
};

struct otlp *otlp_start(const struct otlp_opts *o, const struct serve_source *src, struct errbuf *e);
/* Pushes the run's last figures (trying for a few seconds at most), then
 * stops its thread; its counts stay readable until otlp_free. */
void otlp_finish(struct otlp *x);
/* Finishes it if need be, and frees it. */
void otlp_free(struct otlp *x);
void otlp_read_counts(const struct otlp *x, struct otlp_counts *out);

/* The metrics request's JSON (malloc'd), or NULL (otlp_metrics.c). */
char *otlp_metrics_build(const struct serve_source *src);

#endif
