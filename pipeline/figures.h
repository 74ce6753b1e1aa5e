/* figures.h: what people read, computed from two samples of the time series:
 * rates, busy/backpressured/idle shares, channel fill and blocked shares,
 * latency percentiles, runtime figures. The progress line, the reports, the
 * metrics JSON and the front end all print these, never raw counters. */
#ifndef NEB_FIGURES_H
#define NEB_FIGURES_H

#include <stddef.h>
#include <stdint.h>

#include "pipeline.h"

struct sampler;
struct sample;

struct stage_figures {
	const char *name, *type;
	enum stage_kind kind;
	int threads;
	uint64_t records_in, records_out, errors, filtered, batches, bytes_in, bytes_out;
	double in_per_sec, out_per_sec;
	double busy_pct, backpressured_pct, idle_pct;
	uint64_t p50_ns, p90_ns, p99_ns, p999_ns, max_ns, avg_ns; /* per batch, whole run */
	double busy_seconds;                                      /* thread-seconds */
	/* the stage's threads' CPU time over their busy time in the window
	 * (0..100): low for a stage that sleeps or waits on I/O or a server
	 * while busy; -1 when unknown or under FIGURES_MIN_BUSY_NS busy */
	double oncpu_pct;
	/* the share of its busy time its threads were ready to run but waited
	 * for a CPU (the run queue of a busy machine): oncpu_pct plus this is
	 * the stage's demand for CPU; -1 when unknown, as oncpu_pct */
	double cpu_wait_pct;
};

#define FIGURES_MIN_BUSY_NS 1000000ull /* 1 ms of busy thread time */

struct channel_figures {
	const char *name;
	uint64_t capacity, fill;
	double fill_pct, fill_avg_pct, fill_max_pct, send_blocked_pct, recv_blocked_pct;
};

/* A connector: what it moved and where its time went. Totals are for the
 * whole run; rates and times for the window. */
struct connector_figures {
	const char *role, *type; /* "source" or "destination"; "postgresql" */
	const char *waits_on;    /* "PostgreSQL server", or NULL when it waits on nothing outside */
	uint64_t records, bytes, requests, retries, errors, connects;
	uint64_t rolled_back;          /* written, then undone by the system (counted as errors) */
	uint64_t plain;                /* taken as the source read them (the pass-through) */
	double connect_ms;             /* connecting, all connections, whole run */
	double records_per_sec, bytes_per_sec, requests_per_sec;
	double records_per_request;    /* average batch (request) size, whole run; 0 = no requests */
	double wait_s;                 /* blocked on the system (network, server, disk) */
	double work_s;                 /* the rest of the stage's busy thread time: parsing or encoding */
	double wait_pct;               /* wait_s over the stage's busy time (wait + work) */
};

struct figures {
	double elapsed_s, window_s;
	uint64_t records_in, records_out, records_filtered, records_errors, records_dead_lettered;
	uint64_t bytes_in, bytes_out;
	double records_per_sec, bytes_per_sec; /* over the window */
	double cpu_pct, cpu_user_pct, cpu_sys_pct; /* of one core, over the window */
	/* the whole machine (every process, /proc/stat) over the window: cores'
	 * worth of busy time (0..machine_cores; -1 when /proc/stat cannot be
	 * read), and the CPUs online */
	double machine_busy_cores, machine_cores;
	uint64_t rss_bytes, rss_peak_bytes;
	uint64_t heap_live_bytes;               /* allocated and not freed (malloc hooks) */
	double allocs_per_sec, alloc_bytes_per_sec, alloc_bytes_per_record;
	double minor_faults_per_sec, voluntary_switches_per_sec, involuntary_switches_per_sec;
	uint32_t open_fds;
	int have_alloc_figures;                 /* the malloc hooks count allocations */
	uint32_t threads, threads_peak; /* the process's threads now, and the most seen in the window */
	uint32_t threads_before;        /* at the start of the window */
	int threads_only_grew;          /* every sample of the window had at least the threads of the one before */
	size_t nstages, nchannels;
	struct stage_figures *stages;
	struct channel_figures *channels;
	struct connector_figures conn[2]; /* [0] the source, [1] the destination */
};

/* Figures over the last window_ns (0 = the whole run), with the sampler
 * locked by the caller. */
void figures_compute(struct figures *f, const struct sampler *s, uint64_t window_ns);
/* The same over the window that ends at sample end instead of the latest. */
void figures_compute_until(struct figures *f, const struct sampler *s, uint64_t window_ns, const struct sample *end);
/* The same between two given samples. */
void figures_between(struct figures *f, const struct sampler *s, const struct sample *a, const struct sample *b);
void figures_free(struct figures *f);

/* Intervals a steady rate needs, at the least. */
#define FIGURES_STEADY_MIN_INTERVALS 4
/* The input rate (records/s) at the run's typical moments, with the sampler
 * locked by the caller: over the sampling intervals while the source ran,
 * the first and the last left out, the middle half of them by rate, their
 * records over their time. NAN with fewer than FIGURES_STEADY_MIN_INTERVALS
 * intervals (steady_rate.c). */
double figures_steady_rate(const struct sampler *s);

#endif
