/* report_text.c: report_TS.txt, the snapshot's figures for people: the run,
 * each stage, each channel, the process, and the first record errors. */
#include "autoconfig.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/buf.h"
#include "../../pipeline/figures.h"
#include "../../pipeline/lock.h"
#include "../../pipeline/pipeline.h"
#include "../../pipeline/sampler.h"
#include "../analyze/analyzer.h"
#include "../config/config.h"
#include "../profile/profiler.h"
#include "snapshot.h"
#include "report_latency.h"
#include "report_whatif.h"
#include "../../pipeline/latency.h"
#include "../base/units.h"

static void report_text_stage(struct buf *b, const struct stage_figures *sf)
{
	char in[32], out[32], p50[24], p99[24], mx[24], avg[24], busy[24];
	units_format_count(in, sizeof in, sf->records_in);
	units_format_count(out, sizeof out, sf->records_out);
	units_format_duration(p50, sizeof p50, sf->p50_ns);
	units_format_duration(p99, sizeof p99, sf->p99_ns);
	units_format_duration(mx, sizeof mx, sf->max_ns);
	units_format_duration(avg, sizeof avg, sf->avg_ns);
	units_format_duration(busy, sizeof busy, (uint64_t)(sf->busy_seconds * 1e9));
	const char *kind = sf->kind == STAGE_SOURCE ? "source" : sf->kind == STAGE_DESTINATION ? "destination" : "transform";
	buf_printf(b, "Stage %s (%s %s, %d thread%s):\n", sf->name, kind, sf->type, sf->threads,
			   sf->threads == 1 ? "" : "s");
	buf_printf(b, "  Records:          %s in, %s out", in, out);
	if (sf->filtered)
		buf_printf(b, ", %llu filtered", (unsigned long long)sf->filtered);
	if (sf->errors)
		buf_printf(b, ", %llu errors", (unsigned long long)sf->errors);
	buf_printf(b, "\n  Processing time:  %s busy (thread time)\n", busy);
	buf_printf(b, "  Avg latency:      %s per batch (p50 %s)\n", avg, p50);
	buf_printf(b, "  p99 latency:      %s\n", p99);
	buf_printf(b, "  Max latency:      %s\n", mx);
	buf_printf(b, "  Time:             %.1f%% busy, %.1f%% backpressured, %.1f%% idle\n", sf->busy_pct,
			   sf->backpressured_pct, sf->idle_pct);
	if (sf->oncpu_pct >= 0 && sf->cpu_wait_pct >= 0)
		buf_printf(b, "  On CPU:           %.1f%% of its busy time, %.1f%% ready but waiting for a CPU, the "
			   "rest asleep or waiting (I/O, a server, a lock)\n\n", sf->oncpu_pct, sf->cpu_wait_pct);
	else if (sf->oncpu_pct >= 0)
		buf_printf(b, "  On CPU:           %.1f%% of its busy time\n\n", sf->oncpu_pct);
	else
		buf_printf(b, "  On CPU:           unknown (too little busy time)\n\n");
}

static void report_text_channel(struct buf *b, const struct channel_figures *cf)
{
	buf_printf(b, "Channel %s:\n", cf->name);
	buf_printf(b, "  Buffer size:      %llu records\n", (unsigned long long)cf->capacity);
	buf_printf(b, "  Max utilization:  %.0f records (%.1f%%)\n", cf->fill_max_pct * (double)cf->capacity / 100,
			   cf->fill_max_pct);
	buf_printf(b, "  Avg utilization:  %.1f%%\n", cf->fill_avg_pct);
	buf_printf(b, "  Blocked:          senders %.1f%% of their time (channel full), receivers %.1f%% "
			   "(channel empty)\n\n", cf->send_blocked_pct, cf->recv_blocked_pct);
}

static void report_text_errors(struct buf *b, struct pipeline *p, uint64_t total)
{
	struct error_sample *es = calloc(ERROR_SAMPLES, sizeof *es);
	if (!es)
		return;
	size_t n = pipeline_copy_error_samples(p, es, ERROR_SAMPLES);
	if (n) {
		buf_printf(b, "Record errors (first %zu of %llu):\n", n, (unsigned long long)total);
		for (size_t i = 0; i < n; i++) {
			buf_printf(b, "  record %llu", (unsigned long long)es[i].record);
			if (es[i].line)
				buf_printf(b, " (line %llu)", (unsigned long long)es[i].line);
			buf_printf(b, ", stage %s: %s\n", es[i].stage, es[i].reason);
		}
		buf_printf(b, "\n");
	}
	free(es);
}

/* One connector's details: what it moved, in how many batches, its
 * connections, retries and errors, and waiting on its system against its
 * own parsing or encoding. */
static void report_text_connector(struct buf *b, const struct connector_figures *cf)
{
	char recs[32], bytes[32], batches[32], avg[32], wait[32], work[32];
	units_format_count(recs, sizeof recs, cf->records);
	units_format_bytes(bytes, sizeof bytes, (double)cf->bytes);
	units_format_count(batches, sizeof batches, cf->requests);
	units_format_count(avg, sizeof avg, (uint64_t)(cf->records_per_request + 0.5));
	units_format_duration(wait, sizeof wait, (uint64_t)(cf->wait_s * 1e9));
	units_format_duration(work, sizeof work, (uint64_t)(cf->work_s * 1e9));
	if (cf->requests) /* generate and null move no batches of their own */
		buf_printf(b, "    %s records, %s in %s batch%s (%s records per batch)", recs, bytes, batches,
			   cf->requests == 1 ? "" : "es", avg);
	else if (cf->bytes) /* generate: its rows as CSV */
		buf_printf(b, "    %s records, %s", recs, bytes);
	else
		buf_printf(b, "    %s records", recs);
	if (cf->connects)
		buf_printf(b, ", %llu connection%s (%.1f ms)", (unsigned long long)cf->connects,
			   cf->connects == 1 ? "" : "s", cf->connect_ms);
	if (cf->requests || cf->retries || cf->errors)
		buf_printf(b, ", %llu %s, %llu failed %s", (unsigned long long)cf->retries,
			   cf->retries == 1 ? "retry" : "retries", (unsigned long long)cf->errors,
			   cf->errors == 1 ? "batch" : "batches");
	if (cf->rolled_back)
		buf_printf(b, ", %llu records rolled back (counted as errors)", (unsigned long long)cf->rolled_back);
	if (cf->plain)
		buf_printf(b, ", %llu passed through as read", (unsigned long long)cf->plain);
	buf_printf(b, "\n");
	if (cf->waits_on)
		buf_printf(b, "    Time: %s waiting on the %s (%.1f%% of its busy time), %s %s\n", wait, cf->waits_on,
			   cf->wait_pct, work, strcmp(cf->role, "source") ? "encoding" : "parsing");
}

/* The source's and the destination's rates, and which one (or which stage)
 * holds the pipeline back, from the analysis. */
static void report_text_connectors(struct buf *b, const struct figures *f, const struct findings *fnd)
{
	const struct stage_figures *src = &f->stages[0], *dst = &f->stages[f->nstages - 1];
	char r1[32], r2[32];
	double secs = f->elapsed_s > 0 ? f->elapsed_s : 1;
	units_format_count(r1, sizeof r1, (uint64_t)((double)src->records_in / secs)); /* read, as Throughput */
	units_format_count(r2, sizeof r2, (uint64_t)((double)dst->records_in / secs));
	/* the two rates in one column */
	char l1[64], l2[64];
	snprintf(l1, sizeof l1, "Source (%s):", src->type);
	snprintf(l2, sizeof l2, "Destination (%s):", dst->type);
	int w = (int)(strlen(l1) > strlen(l2) ? strlen(l1) : strlen(l2));
	buf_printf(b, "Connectors:\n  %-*s %s records/sec\n", w, l1, r1);
	report_text_connector(b, &f->conn[0]);
	buf_printf(b, "  %-*s %s records/sec\n", w, l2, r2);
	report_text_connector(b, &f->conn[1]);
	const struct finding *bn = NULL;
	for (size_t i = 0; fnd && i < fnd->n && !bn; i++)
		if (fnd->v[i].type == FIND_PIPELINE_BOTTLENECK)
			bn = &fnd->v[i];
	int keeps_up = 0;
	for (size_t i = 0; fnd && i < fnd->n; i++)
		keeps_up |= fnd->v[i].type == FIND_KEEPS_UP;
	if (!bn && keeps_up)
		buf_printf(b, "  Bottleneck: none: the pipeline keeps up with its input (the source sets the pace)\n\n");
	else if (!bn)
		buf_printf(b, "  Bottleneck: none found in the last %.0fs\n\n", fnd ? fnd->window_s : 0);
	else if (!strcmp(bn->component, src->name))
		buf_printf(b, "  Bottleneck: source read speed (%s)\n\n", analyzer_severity_name(bn->severity));
	else if (!strcmp(bn->component, dst->name))
		buf_printf(b, "  Bottleneck: destination write speed (%s)\n\n",
				   analyzer_severity_name(bn->severity));
	else
		buf_printf(b, "  Bottleneck: stage %s (%s)\n\n", bn->component, analyzer_severity_name(bn->severity));
}

/* nebtop's locks that saw contention: how often, and how long waiters waited. */
static void report_text_locks(struct buf *b, double secs)
{
	struct nlock_stats locks[64];
	size_t n = nlock_read_all(locks, 64), shown = 0;
	for (size_t i = 0; i < n; i++) {
		if (!locks[i].contentions)
			continue;
		if (!shown++)
			buf_printf(b, "Locks (contended):\n");
		buf_printf(b, "  %-40s %llu of %llu acquisitions contended (%.0f/s), waiters waited %.3fs (%.1f ms/s)\n",
				   locks[i].name, (unsigned long long)locks[i].contentions,
				   (unsigned long long)locks[i].acquisitions, (double)locks[i].contentions / secs,
				   (double)locks[i].wait_ns / 1e9, (double)locks[i].wait_ns / 1e6 / secs);
	}
	if (shown)
		buf_printf(b, "\n");
}

/* A thread count that only grew over the last 10 s is a suspected leak. */
static void report_text_thread_growth(struct buf *b, const struct sampler *s)
{
	struct figures w;
	figures_compute(&w, s, 10000000000ull);
	if (w.threads_only_grew && w.threads_before && w.threads >= w.threads_before + 2)
		buf_printf(b, "  Suspected thread leak: the process's threads grew from %u to %u over the last "
				   "%.0fs and never fell\n", w.threads_before, w.threads, w.window_s);
	figures_free(&w);
}

static void report_text_runtime(struct buf *b, const struct figures *f, struct profiler *prof, struct sampler *s)
{
	char rss[32], peak[32], heap[32], rate[32];
	units_format_bytes(rss, sizeof rss, (double)f->rss_bytes);
	units_format_bytes(peak, sizeof peak, (double)f->rss_peak_bytes);
	buf_printf(b, "Runtime:\n  CPU:              %.1f%% of one core (user %.1f%%, system %.1f%%, average)\n",
			   f->cpu_pct, f->cpu_user_pct, f->cpu_sys_pct);
	if (f->machine_busy_cores >= 0 && f->machine_cores > 0)
		buf_printf(b, "  Machine CPU:      %.2f of %.0f cores busy (%.1f%%, every process; nebtop %.2f)\n",
			   f->machine_busy_cores, f->machine_cores, 100 * f->machine_busy_cores / f->machine_cores,
			   f->cpu_pct / 100);
	else
		buf_printf(b, "  Machine CPU:      unknown (/proc/stat cannot be read), %.0f cores\n", f->machine_cores);
	buf_printf(b, "  RSS:              %s now, %s peak\n", rss, peak);
	if (f->have_alloc_figures) {
		units_format_bytes(heap, sizeof heap, (double)f->heap_live_bytes);
		units_format_bytes(rate, sizeof rate, f->alloc_bytes_per_sec);
		/* what malloc handed out and was not freed, at the blocks' full size:
		 * space reserved and never written counts here, not in the RSS */
		buf_printf(b, "  Heap allocated:   %s (malloc'd, not yet freed", heap);
		if (f->heap_live_bytes > f->rss_bytes) {
			char more[32];
			units_format_bytes(more, sizeof more, (double)(f->heap_live_bytes - f->rss_bytes));
			buf_printf(b, "; %s more than the RSS: buffer space reserved but never written, which takes "
				   "no memory until it is", more);
		}
		buf_printf(b, ")\n");
		buf_printf(b, "  Allocations:      %.0f/s, %s/s, %.1f bytes per record", f->allocs_per_sec, rate,
				   f->alloc_bytes_per_record);
		if (f->window_s < 1.0) { /* buffers, pools and threads set up at start weigh on a short run */
			char span[32];
			units_format_duration(span, sizeof span, (uint64_t)(f->window_s * 1e9));
			buf_printf(b, " (a run of %s: mostly start-up)", span);
		}
		buf_printf(b, "\n");
	}
	double share = profiler_allocator_pct(prof);
	if (share >= 0)
		buf_printf(b, "  Allocator:        %.1f%% of CPU samples\n", share);
	buf_printf(b, "  Page faults:      %.0f minor/s\n", f->minor_faults_per_sec);
	buf_printf(b, "  Context switches: %.0f voluntary/s, %.0f involuntary/s\n", f->voluntary_switches_per_sec,
			   f->involuntary_switches_per_sec);
	buf_printf(b, "  Threads:          %u now, %u at most; %u open files\n", f->threads, f->threads_peak,
			   f->open_fds);
	sampler_lock(s);
	report_text_thread_growth(b, s);
	sampler_unlock(s);
	buf_printf(b, "\n");
	struct profiler_fn top[10];
	size_t n = profiler_cpu_top(prof, NULL, top, 10);
	if (n) {
		buf_printf(b, "Top CPU functions (flat, cumulative share of samples):\n");
		for (size_t i = 0; i < n; i++)
			buf_printf(b, "  %5.1f%% %5.1f%%  %s\n", top[i].flat_pct, top[i].cum_pct, top[i].function);
		buf_printf(b, "\n");
	}
}

/* What the export to a collector did: its pushes sent, tried again and
 * given up (dropped), per signal. */
static void report_text_export(struct buf *b, const struct export_counts *ex)
{
	static const char *const what[2] = { "Metrics pushes:", "Trace pushes:" };
	buf_printf(b, "Export (OTLP to %s):\n", ex->endpoint);
	for (int i = 0; i < 2; i++) {
		buf_printf(b, "  %-18s%llu sent, %llu retried, %llu dropped", what[i],
			   (unsigned long long)ex->sig[i].sent, (unsigned long long)ex->sig[i].retried,
			   (unsigned long long)ex->sig[i].dropped);
		if (i == EXPORT_TRACES)
			buf_printf(b, "; %llu spans dropped (the queue was full)",
				   (unsigned long long)ex->spans_dropped);
		buf_printf(b, "\n");
	}
	buf_printf(b, "\n");
}

int report_text_build(const struct snapshot_ctx *x, char **out, struct errbuf *e)
{
	(void)e;
	struct pipeline *p = x->p;
	struct sampler *s = x->s;
	struct profiler *prof = x->prof;
	const char *timestamp = x->timestamp;
	const struct config *c = config_of_pipeline(p);
	struct figures f;
	char src[300], dst[300], num[32], rate[32], bytes[32], dur[32];
	snapshot_read_run(x, &f, NULL, src, dst, sizeof src);
	struct buf b = { 0 };
	units_format_duration(dur, sizeof dur, (uint64_t)(f.elapsed_s * 1e9));
	buf_printf(&b, "nebtop %s report: %s\n", PACKAGE_VERSION, c->pl.name);
	buf_printf(&b, "Time:        %s\n", timestamp);
	buf_printf(&b, "Pipeline:    %s -> %s\n", src, dst);
	buf_printf(&b, "Settings:    batch %llu, workers %llu, buffer %llu, %s, on_error %s\n",
			   (unsigned long long)c->pl.batch, (unsigned long long)c->pl.workers,
			   (unsigned long long)c->pl.buffer, c->pl.ordered ? "ordered" : "unordered",
			   c->pl.on_error == 0 ? "skip" : c->pl.on_error == 1 ? "fail" : "dead_letter");
	const char *stop = pipeline_stop_reason(p);
	buf_printf(&b, "State:       %s%s%s\n", pipeline_state_name(pipeline_get_state(p)),
			   stop ? ", stopped by " : "", stop ? stop : "");
	buf_printf(&b, "Duration:    %s\n\n", dur);
	units_format_count(num, sizeof num, f.records_in);
	buf_printf(&b, "Records:     %s in", num);
	units_format_count(num, sizeof num, f.records_out);
	buf_printf(&b, ", %s out", num);
	units_format_count(num, sizeof num, f.records_filtered);
	buf_printf(&b, ", %s filtered", num);
	units_format_count(num, sizeof num, f.records_errors);
	buf_printf(&b, ", %s errors", num);
	if (c->pl.on_error == 2)
		buf_printf(&b, " (%llu dead-lettered)", (unsigned long long)f.records_dead_lettered);
	double secs = f.elapsed_s > 0 ? f.elapsed_s : 1;
	units_format_count(rate, sizeof rate, (uint64_t)((double)f.records_in / secs));
	units_format_bytes(bytes, sizeof bytes, (double)f.bytes_in / secs);
	buf_printf(&b, "\nThroughput:  %s records/s, %s/s read\n", rate, bytes);
	if (x->findings && x->findings->n && (x->findings->v[0].type == FIND_KEEPS_UP ||
						x->findings->v[0].type == FIND_TOO_SHORT))
		buf_printf(&b, "Primary bottleneck: none: [%s] %s (see bottleneck_analysis)\n",
			   analyzer_severity_upper(x->findings->v[0].severity), x->findings->v[0].description);
	else if (x->findings && x->findings->n)
		buf_printf(&b, "Primary bottleneck: [%s] %s (see bottleneck_analysis)\n",
				   analyzer_severity_upper(x->findings->v[0].severity), x->findings->v[0].description);
	buf_printf(&b, "\n");
	for (size_t i = 0; i < f.nstages; i++)
		report_text_stage(&b, &f.stages[i]);
	for (size_t i = 0; i < f.nchannels; i++)
		report_text_channel(&b, &f.channels[i]);
	report_text_connectors(&b, &f, x->findings);
	report_text_locks(&b, secs);
	struct latency_view *lv = malloc(sizeof *lv);
	if (lv) {
		pipeline_read_latency(p, lv);
		report_latency_text(&b, lv);
		free(lv);
	}
	report_whatif_text(&b, x->whatif);
	report_text_runtime(&b, &f, prof, s);
	if (x->ex)
		report_text_export(&b, x->ex);
	report_text_errors(&b, p, f.records_errors);
	figures_free(&f);
	buf_append_byte(&b, 0);
	*out = b.p;
	return 0;
}
