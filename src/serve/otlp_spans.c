/* otlp_spans.c: the traces of the OTLP export. The engine hands each step
 * of a sampled batch (pipeline/hooks.h: the source's read and parse, each
 * stage, the destination's encode and write); they wait in a bounded queue
 * and go out as one ExportTraceServiceRequest a round: a span per step,
 * the steps of one batch in one trace (its id: the run's random half and
 * the batch's number), each step's parent the step before, so that a trace
 * viewer shows where the batch spent its time, work and waits. */
#include "autoconfig.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../../pipeline/hooks.h"
#include "../base/clock.h"
#include "../base/secrets.h"
#include "otlp.h"

/* Steps kept between two rounds at most. */
#define OTLP_SPANS_MAX 8192
/* SpanKind INTERNAL, StatusCode UNSET (trace.proto). */
#define OTLP_SPAN_INTERNAL 1

static uint64_t otlp_mix(uint64_t z)
{
	z += 0x9e3779b97f4a7c15ull;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

int otlp_spans_init(struct otlp_spans *q)
{
	memset(q, 0, sizeof *q);
	q->cap = OTLP_SPANS_MAX;
	q->v = malloc(q->cap * sizeof *q->v);
	if (!q->v)
		return -1;
	pthread_mutex_init(&q->mu, NULL);
	struct timespec rt, mono;
	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_MONOTONIC, &mono);
	q->unix_minus_mono = ((int64_t)rt.tv_sec - (int64_t)mono.tv_sec) * 1000000000ll + (rt.tv_nsec - mono.tv_nsec);
	q->trace_hi = otlp_mix((uint64_t)rt.tv_nsec ^ ((uint64_t)rt.tv_sec << 20) ^ (uint64_t)getpid() << 40) | 1;
	return 0;
}

void otlp_spans_free(struct otlp_spans *q)
{
	if (!q->v)
		return;
	pthread_mutex_destroy(&q->mu);
	free(q->v);
	q->v = NULL;
}

void otlp_spans_add(struct otlp_spans *q, const struct span_step *st)
{
	pthread_mutex_lock(&q->mu);
	if (q->n < q->cap)
		q->v[q->n++] = *st;
	else
		atomic_fetch_add(&q->dropped, 1);
	pthread_mutex_unlock(&q->mu);
}

uint64_t otlp_spans_dropped(const struct otlp_spans *q) { return atomic_load(&q->dropped); }

static json_t *otlp_hex(uint64_t v)
{
	char t[17];
	snprintf(t, sizeof t, "%016llx", (unsigned long long)v);
	return json_string(t);
}

static uint64_t otlp_span_id(const struct otlp_spans *q, uint64_t seq, int step)
{
	return otlp_mix(q->trace_hi ^ otlp_mix(seq * 1315423911ull + (uint64_t)step)) | 1;
}

static json_t *otlp_nanos(const struct otlp_spans *q, uint64_t mono_ns)
{
	char t[24];
	snprintf(t, sizeof t, "%lld", (long long)((int64_t)mono_ns + q->unix_minus_mono));
	return json_string(t);
}

static json_t *otlp_attr(const char *key, const char *kind, json_t *v)
{
	return json_pack("{s:s,s:{s:o}}", "key", key, "value", kind, v);
}

static json_t *otlp_int(uint64_t v)
{
	char t[24];
	snprintf(t, sizeof t, "%llu", (unsigned long long)v);
	return json_string(t);
}

static json_t *otlp_span(const struct otlp_spans *q, const struct span_step *st)
{
	char name[160], trace[33];
	snprintf(name, sizeof name, "%s%s%s", st->stage, st->part ? " " : "", st->part ? st->part : "");
	secrets_scrub(name, sizeof name);
	snprintf(trace, sizeof trace, "%016llx%016llx", (unsigned long long)q->trace_hi, (unsigned long long)st->seq);
	json_t *attrs = json_array();
	json_array_append_new(attrs, otlp_attr("nebtop.stage", "stringValue", json_string(name)));
	json_array_append_new(attrs, otlp_attr("nebtop.batch", "intValue", otlp_int(st->seq)));
	json_array_append_new(attrs, otlp_attr("nebtop.records", "intValue", otlp_int((uint64_t)(st->records < 0 ? 0 : st->records))));
	json_array_append_new(attrs, otlp_attr("nebtop.bytes", "intValue", otlp_int(st->bytes)));
	json_array_append_new(attrs, otlp_attr("nebtop.wait_seconds", "doubleValue", json_real((double)st->wait_ns / 1e9)));
	json_t *span = json_pack("{s:s,s:o,s:s,s:i,s:o,s:o,s:o}", "traceId", trace, "spanId",
				 otlp_hex(otlp_span_id(q, st->seq, st->step)), "name", name, "kind", OTLP_SPAN_INTERNAL,
				 "startTimeUnixNano", otlp_nanos(q, st->t0_ns), "endTimeUnixNano",
				 otlp_nanos(q, st->t1_ns), "attributes", attrs);
	if (span && st->parent >= 0)
		json_object_set_new(span, "parentSpanId", otlp_hex(otlp_span_id(q, st->seq, st->parent)));
	return span;
}

char *otlp_spans_build(struct otlp_spans *q, const struct serve_source *src)
{
	pthread_mutex_lock(&q->mu);
	size_t n = q->n;
	struct span_step *steps = n ? malloc(n * sizeof *steps) : NULL;
	if (steps)
		memcpy(steps, q->v, n * sizeof *steps);
	q->n = 0;
	pthread_mutex_unlock(&q->mu);
	if (!steps)
		return NULL;
	json_t *spans = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(spans, otlp_span(q, &steps[i]));
	free(steps);
	char pipeline[512];
	snprintf(pipeline, sizeof pipeline, "%s", src->pipeline_name);
	secrets_scrub(pipeline, sizeof pipeline);
	json_t *req = json_pack("{s:[{s:{s:[{s:s,s:{s:s}},{s:s,s:{s:s}}]},s:[{s:{s:s,s:s},s:o}]}]}", "resourceSpans",
				"resource", "attributes", "key", "service.name", "value", "stringValue", "nebtop", "key",
				"nebtop.pipeline", "value", "stringValue", pipeline, "scopeSpans", "scope", "name", "nebtop",
				"version", PACKAGE_VERSION, "spans", spans);
	char *text = req ? json_dumps(req, JSON_COMPACT) : NULL;
	json_decref(req);
	return text;
}
