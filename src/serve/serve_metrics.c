/* serve_metrics.c: the run's figures as metric families, handed to a sink
 * that writes them in one format or another (Prometheus's text for
 * /metrics, OTLP JSON for the OpenTelemetry export): counters read from the
 * series' cumulative values as of the latest sample, gauges, the latency
 * histograms, and the analyzer's findings. Names follow Prometheus's rules
 * (base units, _total counters, ratios 0-1); the pipeline label is the
 * sink's to add. */
#include "autoconfig.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../pipeline/figures.h"
#include "../../pipeline/histogram.h"
#include "../../pipeline/latency.h"
#include "../../pipeline/pipeline.h"
#include "../../pipeline/sampler.h"
#include "../analyze/analyzer.h"
#include "otlp.h"
#include "serve_metrics.h"

struct metrics_ctx {
	struct metrics_sink *sink;
	const struct serve_source *src;
};

static void metrics_collect_stages(struct metrics_ctx *x, const struct figures *f, const struct sample *last)
{
	static const char *const dirs[2] = { "in", "out" };
	x->sink->family(x->sink, "nebtop_records_total", METRIC_COUNTER, "Records into and out of each stage.");
	for (size_t i = 0; i < f->nstages; i++)
		for (int d = 0; d < 2; d++) {
			const char *l[] = { "stage", f->stages[i].name, "direction", dirs[d], NULL };
			x->sink->point(x->sink, "nebtop_records_total", l,
				       (double)(d ? f->stages[i].records_out : f->stages[i].records_in));
		}
	x->sink->family(x->sink, "nebtop_bytes_total", METRIC_COUNTER, "Bytes into and out of each stage.");
	for (size_t i = 0; i < f->nstages; i++)
		for (int d = 0; d < 2; d++) {
			const char *l[] = { "stage", f->stages[i].name, "direction", dirs[d], NULL };
			x->sink->point(x->sink, "nebtop_bytes_total", l,
				       (double)(d ? f->stages[i].bytes_out : f->stages[i].bytes_in));
		}
	x->sink->family(x->sink, "nebtop_record_errors_total", METRIC_COUNTER,
			"Records a stage failed on (skipped, dead-lettered or failing the run).");
	for (size_t i = 0; i < f->nstages; i++) {
		const char *l[] = { "stage", f->stages[i].name, NULL };
		x->sink->point(x->sink, "nebtop_record_errors_total", l, (double)f->stages[i].errors);
	}
	x->sink->family(x->sink, "nebtop_records_filtered_total", METRIC_COUNTER,
			"Records a stage dropped on purpose.");
	for (size_t i = 0; i < f->nstages; i++) {
		const char *l[] = { "stage", f->stages[i].name, NULL };
		x->sink->point(x->sink, "nebtop_records_filtered_total", l, (double)f->stages[i].filtered);
	}
	x->sink->family(x->sink, "nebtop_batches_total", METRIC_COUNTER, "Batches a stage handled.");
	for (size_t i = 0; i < f->nstages; i++) {
		const char *l[] = { "stage", f->stages[i].name, NULL };
		x->sink->point(x->sink, "nebtop_batches_total", l, (double)f->stages[i].batches);
	}
	x->sink->family(x->sink, "nebtop_stage_threads", METRIC_GAUGE, "Threads of each stage.");
	for (size_t i = 0; i < f->nstages; i++) {
		const char *l[] = { "stage", f->stages[i].name, NULL };
		x->sink->point(x->sink, "nebtop_stage_threads", l, f->stages[i].threads);
	}
	/* busy, backpressured (waiting for room downstream), idle (waiting for
	 * input): thread-seconds, so that rate() over them is the share of the
	 * stage's threads in each state */
	static const char *const states[3] = { "busy", "backpressured", "idle" };
	x->sink->family(x->sink, "nebtop_stage_seconds_total", METRIC_COUNTER,
			"Thread-seconds each stage spent busy, backpressured "
			"(waiting for room downstream) and "
			"idle (waiting for input).");
	for (size_t i = 0; i < f->nstages && last; i++)
		for (int st = 0; st < 3; st++) {
			const char *l[] = { "stage", f->stages[i].name, "state", states[st], NULL };
			x->sink->point(x->sink, "nebtop_stage_seconds_total", l,
				       (double)last->stages[i].time_ns[st] / 1e9);
		}
}

/* The latency histogram of each stage's batches: a bucket at every power
 * of two of nanoseconds from 1 us to 18 min (bounds the histogram has
 * exactly, so no count is shared out by guess), and +Inf. */
/* One nebtop histogram as a Prometheus one: at every power of two of
 * nanoseconds (METRICS_BOUNDS), bounds its buckets have exactly. */
static void metrics_put_histogram(struct metrics_ctx *x, const char *const *labels, const struct histogram_view *h)
{
	double bounds[METRICS_BOUNDS];
	uint64_t below[METRICS_BOUNDS];
	uint64_t n = 0;
	unsigned bucket = 0;
	for (unsigned e = HISTOGRAM_MIN_EXP, k = 0; k < METRICS_BOUNDS; e++, k++) {
		uint64_t bound = 1ull << e;
		while (bucket < HISTOGRAM_BUCKETS && histogram_bucket_upper(bucket) <= bound)
			n += h->count[bucket++];
		bounds[k] = (double)bound / 1e9;
		below[k] = n;
	}
	x->sink->histogram(x->sink, labels, bounds, below, METRICS_BOUNDS, h->n, (double)h->sum_ns / 1e9);
}

static void metrics_collect_latency(struct metrics_ctx *x, const struct figures *f)
{
	const struct serve_source *src = x->src;
	x->sink->family(x->sink, "nebtop_stage_batch_duration_seconds", METRIC_HISTOGRAM,
			"Time a stage took for one batch.");
	for (size_t i = 0; i < f->nstages; i++) {
		const struct histogram_view *h = sampler_latency(src->s, i);
		if (!h)
			continue;
		const char *l[] = { "stage", f->stages[i].name, NULL };
		metrics_put_histogram(x, l, h);
	}
}

/* Where sampled batches' time went, read to write (latency_sample): the
 * end-to-end histogram, and each part's seconds in all (its share is its
 * rate over the end-to-end sum's). */
static void metrics_collect_anatomy(struct metrics_ctx *x)
{
	struct latency_view *v = malloc(sizeof *v);
	if (!v)
		return;
	pipeline_read_latency(x->src->p, v);
	if (v->batches) {
		x->sink->family(x->sink, "nebtop_latency_end_to_end_seconds", METRIC_HISTOGRAM,
				"Time a sampled batch took from the source's read to the destination's write.");
		metrics_put_histogram(x, NULL, &v->e2e);
		x->sink->family(x->sink, "nebtop_latency_part_seconds_total", METRIC_COUNTER,
				"Seconds sampled batches spent in each part: waiting in a channel (queue) or in a step's "
				"work.");
		for (size_t i = 0; i < v->nparts; i++) {
			const struct latency_part *p = &v->parts[i];
			const char *l[] = { "stage", p->stage, "kind", p->queue ? "queue" : "work", "step", p->step, NULL };
			x->sink->point(x->sink, "nebtop_latency_part_seconds_total", l,
				       p->mean_us * (double)v->batches / 1e6);
		}
	}
	free(v);
}

static void metrics_collect_channels(struct metrics_ctx *x, const struct figures *f, const struct sample *last)
{
	x->sink->family(x->sink, "nebtop_channel_fill_ratio", METRIC_GAUGE, "How full each channel is now (0-1).");
	for (size_t i = 0; i < f->nchannels; i++) {
		const char *l[] = { "channel", f->channels[i].name, NULL };
		double c = (double)f->channels[i].capacity;
		x->sink->point(x->sink, "nebtop_channel_fill_ratio", l, c > 0 ? (double)f->channels[i].fill / c : 0);
	}
	x->sink->family(x->sink, "nebtop_channel_capacity_records", METRIC_GAUGE,
			"Records each channel holds at most.");
	for (size_t i = 0; i < f->nchannels; i++) {
		const char *l[] = { "channel", f->channels[i].name, NULL };
		x->sink->point(x->sink, "nebtop_channel_capacity_records", l, (double)f->channels[i].capacity);
	}
	static const char *const sides[2] = { "send", "receive" };
	x->sink->family(x->sink, "nebtop_channel_blocked_seconds_total", METRIC_COUNTER,
			"Thread-seconds senders waited for room in each channel "
			"(side=send) and receivers waited "
			"for records (side=receive).");
	for (size_t i = 0; i < f->nchannels && last; i++)
		for (int sd = 0; sd < 2; sd++) {
			const char *l[] = { "channel", f->channels[i].name, "side", sides[sd], NULL };
			uint64_t ns = sd ? last->channels[i].recv_blocked_ns : last->channels[i].send_blocked_ns;
			x->sink->point(x->sink, "nebtop_channel_blocked_seconds_total", l, (double)ns / 1e9);
		}
}

static void metrics_collect_connectors(struct metrics_ctx *x, const struct figures *f)
{
	static const struct {
		const char *name, *help;
		size_t off;
	} counters[] = {
		{ "nebtop_connector_requests_total", "Requests (batches, queries, pages) a connector made.",
		  offsetof(struct connector_figures, requests) },
		{ "nebtop_connector_retries_total", "Requests a connector retried.",
		  offsetof(struct connector_figures, retries) },
		{ "nebtop_connector_connects_total", "Connections a connector opened.",
		  offsetof(struct connector_figures, connects) },
		{ "nebtop_connector_errors_total", "Errors a connector met (requests or records).",
		  offsetof(struct connector_figures, errors) },
		{ "nebtop_connector_bytes_total", "Bytes a connector read or wrote.",
		  offsetof(struct connector_figures, bytes) },
	};
	for (size_t k = 0; k < sizeof counters / sizeof counters[0]; k++) {
		x->sink->family(x->sink, counters[k].name, METRIC_COUNTER, counters[k].help);
		for (int d = 0; d < 2; d++) {
			const struct connector_figures *c = &f->conn[d];
			if (!c->type)
				continue;
			const char *l[] = { "role", c->role, "type", c->type, NULL };
			uint64_t v;
			memcpy(&v, (const char *)c + counters[k].off, sizeof v);
			x->sink->point(x->sink, counters[k].name, l, (double)v);
		}
	}
	x->sink->family(x->sink, "nebtop_connector_wait_seconds_total", METRIC_COUNTER,
			"Seconds a connector waited on the system it reads or writes "
			"(server, network, disk).");
	for (int d = 0; d < 2; d++) {
		const struct connector_figures *c = &f->conn[d];
		if (!c->type)
			continue;
		const char *l[] = { "role", c->role, "type", c->type, NULL };
		x->sink->point(x->sink, "nebtop_connector_wait_seconds_total", l, c->wait_s);
	}
}

static void metrics_collect_process(struct metrics_ctx *x, const struct figures *f, const struct sample *last)
{
	if (!last)
		return;
	const struct runtime_sample *rt = &last->rt;
	x->sink->family(x->sink, "nebtop_process_cpu_seconds_total", METRIC_COUNTER, "CPU time of the nebtop process.");
	const char *user[] = { "mode", "user", NULL }, *sys[] = { "mode", "system", NULL };
	x->sink->point(x->sink, "nebtop_process_cpu_seconds_total", user, (double)rt->cpu_user_ns / 1e9);
	x->sink->point(x->sink, "nebtop_process_cpu_seconds_total", sys, (double)rt->cpu_sys_ns / 1e9);
	x->sink->family(x->sink, "nebtop_process_resident_memory_bytes", METRIC_GAUGE,
			"Resident memory of the process.");
	x->sink->point(x->sink, "nebtop_process_resident_memory_bytes", NULL, (double)rt->rss_bytes);
	x->sink->family(x->sink, "nebtop_process_resident_memory_peak_bytes", METRIC_GAUGE,
			"The most resident memory the process has had.");
	x->sink->point(x->sink, "nebtop_process_resident_memory_peak_bytes", NULL, (double)rt->rss_peak_bytes);
	x->sink->family(x->sink, "nebtop_process_threads", METRIC_GAUGE, "Threads of the process.");
	x->sink->point(x->sink, "nebtop_process_threads", NULL, rt->threads);
	x->sink->family(x->sink, "nebtop_process_open_fds", METRIC_GAUGE, "Open file descriptors of the process.");
	x->sink->point(x->sink, "nebtop_process_open_fds", NULL, rt->open_fds);
	if (!f->have_alloc_figures)
		return;
	/* the allocation rate is rate() of these */
	x->sink->family(x->sink, "nebtop_heap_live_bytes", METRIC_GAUGE, "Heap bytes allocated and not yet freed.");
	x->sink->point(x->sink, "nebtop_heap_live_bytes", NULL, (double)f->heap_live_bytes);
	x->sink->family(x->sink, "nebtop_allocations_total", METRIC_COUNTER, "Heap allocations (malloc and its kin).");
	x->sink->point(x->sink, "nebtop_allocations_total", NULL, (double)rt->allocs);
	x->sink->family(x->sink, "nebtop_allocated_bytes_total", METRIC_COUNTER, "Bytes allocated on the heap.");
	x->sink->point(x->sink, "nebtop_allocated_bytes_total", NULL, (double)rt->bytes_alloc);
}

static void metrics_collect_findings(struct metrics_ctx *x)
{
	const struct serve_source *src = x->src;
	x->sink->family(x->sink, "nebtop_finding", METRIC_GAUGE,
			"The analyzer's current findings: 1 for each one present "
			"(the report says why).");
	struct findings fnd = { 0 };
	if (!src->an || analyzer_copy_latest(src->an, &fnd))
		return;
	for (size_t i = 0; i < fnd.n; i++) {
		const struct finding *fd = &fnd.v[i];
		const char *l[] = { "type",	analyzer_type_name(fd->type),	      "component", fd->component,
				    "severity", analyzer_severity_name(fd->severity), NULL };
		x->sink->point(x->sink, "nebtop_finding", l, 1);
	}
	findings_free(&fnd);
}

void metrics_collect(const struct serve_source *src, struct metrics_sink *sink)
{
	struct metrics_ctx xs = { sink, src }, *x = &xs;
	struct figures f;
	sampler_lock(src->s);
	const struct sample *last = sampler_count(src->s) ? sampler_latest(src->s) : NULL;
	figures_compute(&f, src->s, 0);
	metrics_collect_stages(x, &f, last);
	metrics_collect_latency(x, &f);
	metrics_collect_channels(x, &f, last);
	metrics_collect_connectors(x, &f);
	metrics_collect_process(x, &f, last);
	x->sink->family(x->sink, "nebtop_elapsed_seconds", METRIC_GAUGE, "Seconds since the pipeline started.");
	x->sink->point(x->sink, "nebtop_elapsed_seconds", NULL, last ? (double)last->t_ns / 1e9 : 0);
	/* every state, 1 for the one it is in: a series never vanishes */
	enum pipeline_state now = pipeline_get_state(src->p);
	x->sink->family(x->sink, "nebtop_pipeline_state", METRIC_GAUGE,
			"1 for the state the pipeline is in, 0 for the others.");
	for (int st = 0; st <= (int)PSTATE_FAILED; st++) {
		const char *l[] = { "state", pipeline_state_name((enum pipeline_state)st), NULL };
		x->sink->point(x->sink, "nebtop_pipeline_state", l, st == (int)now);
	}
	figures_free(&f);
	sampler_unlock(src->s);
	if (src->otlp) {
		static const char *const sigs[2] = { "metrics", "traces" };
		struct export_counts ec;
		otlp_read_export(src->otlp, &ec);
		x->sink->family(x->sink, "nebtop_otlp_requests_total", METRIC_COUNTER,
				"OTLP export requests: sent (accepted), retried (refused for now, tried again), "
				"dropped (given up).");
		for (int g = 0; g < 2; g++) {
			const char *sent[] = { "signal", sigs[g], "outcome", "sent", NULL },
				   *retried[] = { "signal", sigs[g], "outcome", "retried", NULL },
				   *dropped[] = { "signal", sigs[g], "outcome", "dropped", NULL };
			x->sink->point(x->sink, "nebtop_otlp_requests_total", sent, (double)ec.sig[g].sent);
			x->sink->point(x->sink, "nebtop_otlp_requests_total", retried, (double)ec.sig[g].retried);
			x->sink->point(x->sink, "nebtop_otlp_requests_total", dropped, (double)ec.sig[g].dropped);
		}
		x->sink->family(x->sink, "nebtop_otlp_spans_dropped_total", METRIC_COUNTER,
				"Steps of sampled batches not sent: the queue between two pushes was full.");
		x->sink->point(x->sink, "nebtop_otlp_spans_dropped_total", NULL, (double)ec.spans_dropped);
	}
	metrics_collect_anatomy(x);
	metrics_collect_findings(x);
}
