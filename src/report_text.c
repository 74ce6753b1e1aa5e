/* report_text.c: report_TS.txt, the snapshot's figures for people: the run,
 * each stage, each channel, the process, and the first record errors. */
#include "autoconfig.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../pipeline/buf.h"
#include "../pipeline/figures.h"
#include "../pipeline/lock.h"
#include "../pipeline/pipeline.h"
#include "../pipeline/sampler.h"
#include "config.h"
#include "profiler.h"
#include "snapshot.h"
#include "units.h"

static void report_text_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void report_text_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	buf_reserve(b, (size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

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
	report_text_printf(b, "Stage %s (%s %s, %d thread%s):\n", sf->name, kind, sf->type, sf->threads,
			   sf->threads == 1 ? "" : "s");
	report_text_printf(b, "  Records:          %s in, %s out", in, out);
	if (sf->filtered)
		report_text_printf(b, ", %llu filtered", (unsigned long long)sf->filtered);
	if (sf->errors)
		report_text_printf(b, ", %llu errors", (unsigned long long)sf->errors);
	report_text_printf(b, "\n  Processing time:  %s busy (thread time)\n", busy);
	report_text_printf(b, "  Batch latency:    avg %s, p50 %s, p99 %s, max %s\n", avg, p50, p99, mx);
	report_text_printf(b, "  Time:             %.1f%% busy, %.1f%% backpressured, %.1f%% idle\n\n", sf->busy_pct,
			   sf->backpressured_pct, sf->idle_pct);
}

static void report_text_channel(struct buf *b, const struct channel_figures *cf)
{
	report_text_printf(b, "Channel %s:\n", cf->name);
	report_text_printf(b, "  Buffer size:      %llu records\n", (unsigned long long)cf->capacity);
	report_text_printf(b, "  Max utilization:  %.0f records (%.1f%%)\n", cf->fill_max_pct * (double)cf->capacity / 100,
			   cf->fill_max_pct);
	report_text_printf(b, "  Avg utilization:  %.1f%%\n", cf->fill_avg_pct);
	report_text_printf(b, "  Blocked:          senders %.1f%% of their time (channel full), receivers %.1f%% "
			   "(channel empty)\n\n", cf->send_blocked_pct, cf->recv_blocked_pct);
}

static void report_text_errors(struct buf *b, struct pipeline *p, uint64_t total)
{
	struct error_sample *es = calloc(ERROR_SAMPLES, sizeof *es);
	if (!es)
		return;
	size_t n = pipeline_copy_error_samples(p, es, ERROR_SAMPLES);
	if (n) {
		report_text_printf(b, "Record errors (first %zu of %llu):\n", n, (unsigned long long)total);
		for (size_t i = 0; i < n; i++) {
			report_text_printf(b, "  record %llu", (unsigned long long)es[i].record);
			if (es[i].line)
				report_text_printf(b, " (line %llu)", (unsigned long long)es[i].line);
			report_text_printf(b, ", stage %s: %s\n", es[i].stage, es[i].reason);
		}
		report_text_printf(b, "\n");
	}
	free(es);
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
			report_text_printf(b, "Locks (contended):\n");
		report_text_printf(b, "  %-40s %llu of %llu acquisitions contended (%.0f/s), waiters waited %.3fs (%.1f ms/s)\n",
				   locks[i].name, (unsigned long long)locks[i].contentions,
				   (unsigned long long)locks[i].acquisitions, (double)locks[i].contentions / secs,
				   (double)locks[i].wait_ns / 1e9, (double)locks[i].wait_ns / 1e6 / secs);
	}
	if (shown)
		report_text_printf(b, "\n");
}

/* A thread count that only grew over the last 10 s is a suspected leak. */
static void report_text_thread_growth(struct buf *b, const struct sampler *s)
{
	struct figures w;
	figures_compute(&w, s, 10000000000ull);
	if (w.threads_only_grew && w.threads_before && w.threads >= w.threads_before + 2)
		report_text_printf(b, "  Suspected thread leak: the process's threads grew from %u to %u over the last "
				   "%.0fs and never fell\n", w.threads_before, w.threads, w.window_s);
	figures_free(&w);
}

static void report_text_runtime(struct buf *b, const struct figures *f, struct profiler *prof, struct sampler *s)
{
	char rss[32], peak[32], heap[32], rate[32];
	units_format_bytes(rss, sizeof rss, (double)f->rss_bytes);
	units_format_bytes(peak, sizeof peak, (double)f->rss_peak_bytes);
	report_text_printf(b, "Runtime:\n  CPU:              %.1f%% of one core (user %.1f%%, system %.1f%%, average)\n",
			   f->cpu_pct, f->cpu_user_pct, f->cpu_sys_pct);
	report_text_printf(b, "  RSS:              %s now, %s peak\n", rss, peak);
	if (f->have_alloc_figures) {
		units_format_bytes(heap, sizeof heap, (double)f->heap_live_bytes);
		units_format_bytes(rate, sizeof rate, f->alloc_bytes_per_sec);
		report_text_printf(b, "  Heap in use:      %s\n", heap);
		report_text_printf(b, "  Allocations:      %.0f/s, %s/s, %.1f bytes per record\n", f->allocs_per_sec, rate,
				   f->alloc_bytes_per_record);
	}
	double share = profiler_allocator_pct(prof);
	if (share >= 0)
		report_text_printf(b, "  Allocator:        %.1f%% of CPU samples\n", share);
	report_text_printf(b, "  Page faults:      %.0f minor/s\n", f->minor_faults_per_sec);
	report_text_printf(b, "  Context switches: %.0f voluntary/s, %.0f involuntary/s\n", f->voluntary_switches_per_sec,
			   f->involuntary_switches_per_sec);
	report_text_printf(b, "  Threads:          %u now, %u at most; %u open files\n", f->threads, f->threads_peak,
			   f->open_fds);
	sampler_lock(s);
	report_text_thread_growth(b, s);
	sampler_unlock(s);
	report_text_printf(b, "\n");
	struct profiler_fn top[10];
	size_t n = profiler_cpu_top(prof, NULL, top, 10);
	if (n) {
		report_text_printf(b, "Top CPU functions (flat, cumulative share of samples):\n");
		for (size_t i = 0; i < n; i++)
			report_text_printf(b, "  %5.1f%% %5.1f%%  %s\n", top[i].flat_pct, top[i].cum_pct, top[i].function);
		report_text_printf(b, "\n");
	}
}

int report_text_build(struct pipeline *p, struct sampler *s, struct profiler *prof, const char *timestamp, char **out,
		      struct errbuf *e)
{
	(void)e;
	const struct config *c = pipeline_get_config(p);
	struct figures f;
	sampler_lock(s);
	figures_compute(&f, s, 0);
	sampler_unlock(s);
	struct buf b = { 0 };
	char src[300], dst[300], num[32], rate[32], bytes[32], dur[32];
	pipeline_describe_source(p, src, sizeof src);
	pipeline_describe_dest(p, dst, sizeof dst);
	units_format_duration(dur, sizeof dur, (uint64_t)(f.elapsed_s * 1e9));
	report_text_printf(&b, "nebtop %s report: %s\n", PACKAGE_VERSION, c->pl.name);
	report_text_printf(&b, "Time:        %s\n", timestamp);
	report_text_printf(&b, "Pipeline:    %s -> %s\n", src, dst);
	report_text_printf(&b, "Settings:    batch %llu, workers %llu, buffer %llu, %s, on_error %s\n",
			   (unsigned long long)c->pl.batch, (unsigned long long)c->pl.workers,
			   (unsigned long long)c->pl.buffer, c->pl.ordered ? "ordered" : "unordered",
			   c->pl.on_error == 0 ? "skip" : c->pl.on_error == 1 ? "fail" : "dead_letter");
	const char *stop = pipeline_stop_reason(p);
	report_text_printf(&b, "State:       %s%s%s\n", pipeline_state_name(pipeline_get_state(p)),
			   stop ? ", stopped by " : "", stop ? stop : "");
	report_text_printf(&b, "Duration:    %s\n\n", dur);
	units_format_count(num, sizeof num, f.records_in);
	report_text_printf(&b, "Records:     %s in", num);
	units_format_count(num, sizeof num, f.records_out);
	report_text_printf(&b, ", %s out", num);
	units_format_count(num, sizeof num, f.records_filtered);
	report_text_printf(&b, ", %s filtered", num);
	units_format_count(num, sizeof num, f.records_errors);
	report_text_printf(&b, ", %s errors", num);
	if (c->pl.on_error == 2)
		report_text_printf(&b, " (%llu dead-lettered)", (unsigned long long)f.records_dead_lettered);
	double secs = f.elapsed_s > 0 ? f.elapsed_s : 1;
	units_format_count(rate, sizeof rate, (uint64_t)((double)f.records_in / secs));
	units_format_bytes(bytes, sizeof bytes, (double)f.bytes_in / secs);
	report_text_printf(&b, "\nThroughput:  %s records/s, %s/s read\n\n", rate, bytes);
	for (size_t i = 0; i < f.nstages; i++)
		report_text_stage(&b, &f.stages[i]);
	for (size_t i = 0; i < f.nchannels; i++)
		report_text_channel(&b, &f.channels[i]);
	report_text_locks(&b, secs);
	report_text_runtime(&b, &f, prof, s);
	report_text_errors(&b, p, f.records_errors);
	figures_free(&f);
	buf_append_byte(&b, 0);
	*out = b.p;
	return 0;
}
