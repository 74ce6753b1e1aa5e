/* analyzer.h: the bottleneck analyzer.
 *
 * Two layers. The rules (analyzer_rules.c) are plain arithmetic over a
 * struct analyzer_input — figures of one window: stages, channels, heap and
 * RSS series, CPU top functions with their stages, allocator share, locks,
 * threads, errors — and produce findings, each with a type, a severity, a
 * component (a stage or channel name, a function, a lock, `allocator`,
 * `process`), a description with the measured figures, an impact with its
 * unit, suggestions and key figures. Unit tests feed them made-up inputs.
 * The live analyzer (analyzer.c) builds that input from the running
 * pipeline's sampler and profilers every second over the sliding window
 * `[alerts] window`, keeps the latest findings for the front ends, and
 * analyzes on demand for snapshots. Thresholds are [alerts] keys
 * (analyzer_alert_keys, defaults in that one table). */
#ifndef NEB_ANALYZER_H
#define NEB_ANALYZER_H

#include <stddef.h>
#include <stdint.h>

#include "../base/confmap.h"
#include "../base/errbuf.h"

struct pipeline;
struct profiler;
struct sampler;
struct whatif_result;
struct whatif_run;

/* [alerts]: every threshold of the rules. Percentages are 0..100. */
struct alert_opts {
	uint64_t window_ns;
	double busy_pct, backpressured_pct, idle_pct;            /* Flink's rule */
	double server_wait_pct;      /* a connector waiting on its system this share of its busy time */
	double bottleneck_medium_pct, bottleneck_high_pct, bottleneck_critical_pct; /* of the pipeline waiting */
	double channel_medium_pct, channel_high_pct;             /* fill bands */
	double hotspot_medium_pct, hotspot_high_pct, hotspot_critical_pct;
	double allocator_medium_pct, allocator_high_pct, allocator_critical_pct;
	uint64_t memory_growth_medium, memory_growth_high, memory_growth_critical; /* bytes per second */
	double memory_growth_fit;                                /* least R^2 of a steady slope */
	double lock_wait_medium_pct, lock_wait_high_pct, lock_wait_critical_pct;
	double error_medium_pct, error_high_pct, error_critical_pct;
	double cpu_underuse_pct;                                 /* of the cores available */
	uint64_t thread_growth;                                  /* threads gained, only growing */
};

extern const struct confkey analyzer_alert_keys[];
/* The defaults of every key. */
void analyzer_default_opts(struct alert_opts *o);
/* -1 with a message naming the section when a kind's bands fall. */
int analyzer_check_opts(const struct alert_opts *o, const struct confsection *sec, struct errbuf *e);

enum severity { SEV_LOW = 0, SEV_MEDIUM, SEV_HIGH, SEV_CRITICAL };
const char *analyzer_severity_name(enum severity s); /* "low" ... "critical" */
const char *analyzer_severity_upper(enum severity s); /* "LOW" ... "CRITICAL" */

enum finding_type {
	/* in the order that breaks ties of severity: causes no configuration
	 * asked for first (a leak, lost records, a lock, the allocator), then
	 * places (a stage, or the verdict that the pipeline keeps up, which is
	 * always low), then symptoms (a hot function, full channels), then the
	 * rest */
	FIND_MEMORY_GROWTH = 0,
	FIND_ERRORS,
	FIND_LOCK_CONTENTION,
	FIND_ALLOCATOR_PRESSURE,
	FIND_PIPELINE_BOTTLENECK,
	FIND_KEEPS_UP,   /* every stage has headroom: the pipeline keeps up with its input */
	FIND_CPU_BOUND,  /* no stage holds it back, the machine's cores are all busy */
	FIND_CPU_HOTSPOT,
	FIND_CHANNEL_BACKPRESSURE,
	FIND_THREAD_LEAK,
	FIND_CPU_UNDERUSE,
	FIND_TOO_SHORT,  /* the window is too short, or saw too few records, to judge */
	FIND_LATENCY_TAIL, /* one part (a wait in a channel, a step's work) takes most of the p99 latency */
};
/* "pipeline_bottleneck", "cpu_hotspot", ... (metrics JSON `type`). */
const char *analyzer_type_name(enum finding_type t);

#define FINDING_MAX_SUGGESTIONS 4
#define FINDING_MAX_FIGURES 10

struct finding_figure {
	char name[40];  /* "busy_pct" */
	double value;
	char text[64];  /* "97.2% busy" as people read it */
};

struct finding {
	enum finding_type type;
	enum severity severity;
	char component[128];
	char stage[64];          /* the stage it belongs to, or "" */
	char description[512];
	double impact_pct;
	char impact_of[200];     /* what impact_pct is a percentage of */
	char suggestions[FINDING_MAX_SUGGESTIONS][300];
	size_t nsuggestions;
	struct finding_figure figures[FINDING_MAX_FIGURES];
	size_t nfigures;
};

struct findings {
	struct finding *v;
	size_t n, cap;
	double window_s;
	double drained_s; /* the window ends this long before the run's end, when the
			   * source had stopped and the pipeline only drained (0: at its end) */
};

void findings_free(struct findings *f);
/* Orders by severity, then (for equal severity) causes before places — a
 * leak, a lock or the allocator before the stage they slow down, a stage
 * before the hot function inside it and the channels filling up in front of
 * it — then by impact. v[0] is the primary bottleneck. The rules cap the
 * severity of hot functions and channel fill at the pipeline bottleneck's,
 * so that when there is a pipeline bottleneck, no hot function or channel
 * ranks above it. Every finding's texts are scrubbed first (secrets.h). */
void findings_sort(struct findings *f);
/* Counts per severity into n[4] (indexed by enum severity). */
void findings_count(const struct findings *f, size_t n[4]);

/* --- the input of the rules ------------------------------------------------- */

struct an_stage {
	const char *name;
	int kind; /* enum stage_kind */
	int threads;
	double busy_pct, backpressured_pct, idle_pct; /* of the stage's thread time */
	double oncpu_pct; /* share of busy time on a CPU, -1 unknown */
	uint64_t errors;  /* records it failed in the window */
	double cpu_wait_pct; /* share of busy time ready to run but waiting for a CPU (a busy machine), -1 unknown */
	double in_per_sec, out_per_sec;
	/* source and destination: the share of the stage's busy time its
	 * connector spent waiting on its system, and what that system is (NULL
	 * for transforms and for connectors that wait on nothing outside) */
	double wait_pct;
	const char *waits_on;
	/* source and destination: the configured pace, records/s (generate's
	 * `rate`, a destination's `rate_limit`), and that key's name; 0 and
	 * NULL when none is set */
	double rate_limit;
	const char *rate_key;
};

struct an_channel {
	const char *name;
	double fill_avg_pct, fill_max_pct, send_blocked_pct, recv_blocked_pct;
};

struct an_point {
	double t_s;    /* seconds */
	double value;  /* bytes */
	double records; /* records the source had delivered by then (0 when not known) */
};

struct an_function {
	const char *name;
	const char *stage; /* where most of its samples are, or NULL */
	double flat_pct;   /* of all CPU samples in the window */
	double stage_pct;  /* of that stage's samples */
};

struct an_lock {
	const char *name;
	double contentions_per_sec;
	double wait_s;  /* waited in the window, all waiters together */
	int waiters;    /* threads that waited for it */
};

struct an_site {
	const char *function;   /* the allocating function, "file:line" included when known */
	double inuse_bytes, growth_bytes; /* now, and gained over the window (only ever grew) */
};

struct an_reason {
	const char *stage, *reason;
	uint64_t count;
};

/* Where the followed batches' time goes (latency_sample), since the start:
 * the part that takes the most of the p99 batches. */
struct an_latency {
	uint64_t batches;
	double p99_us, mean_us;
	const char *part;  /* "waiting in source->enrich", "enrich" */
	const char *stage; /* the stage that works, or whose input it waits in */
	int queue;         /* the part is a wait in a channel */
	double share_pct;  /* of the p99 batches' time */
};

struct analyzer_input {
	double window_s;
	uint64_t records_in, records_errors; /* in the window */
	double records_per_sec;
	size_t nstages, nchannels;
	const struct an_stage *stages;     /* in pipeline order: source first */
	const struct an_channel *channels; /* channels[i] joins stages[i] and stages[i+1] */
	/* heap in use and RSS over the window (n points each; heap may be 0 points
	 * when the malloc hooks are not there) */
	const struct an_point *heap, *rss;
	size_t nheap, nrss;
	double heap_now, rss_now;
	double pool_now; /* what the batch pool's buffers hold now (in heap_now, not in the heap series) */
	const struct an_site *sites;      /* allocation sites whose in-use bytes only grew */
	size_t nsites;
	/* CPU: -1 when the profiler is off */
	double cpu_samples;               /* samples in the window (0: none) */
	const struct an_function *functions; /* top functions by flat share */
	size_t nfunctions;
	double allocator_pct;             /* share of CPU samples in the allocator, or -1 */
	double alloc_bytes_per_record, allocs_per_sec; /* -1 when unknown */
	const struct an_lock *locks;
	size_t nlocks;
	double cores_used, cores;         /* CPU time per second, and the machine's cores */
	double machine_busy_cores; /* the whole machine's busy cores over the window, -1 unknown */
	/* the run so far: seconds since its start (to the window's end) and
	 * records read; 0 when unknown (then the run counts as long enough) */
	double run_s;
	uint64_t run_records;
	/* the stage that was the pipeline bottleneck at the previous analysis,
	 * or NULL: it stays the bottleneck while it is within a margin of the
	 * thresholds, so that the verdict holds still on a steady pipeline */
	const char *prev_bottleneck;
	double input_wait_pct;            /* share of the source's time waiting for its input (I/O) */
	uint32_t threads_before, threads_now;
	int threads_only_grew;
	int leaked_threads;               /* threads blocked for good on an abandoned channel */
	const struct an_reason *reasons;  /* error reasons, most frequent first */
	size_t nreasons;
	/* the errors the reasons were counted from: the first errors of the
	 * run, kept; reasons_full when the kept list is full (then the counts
	 * are of those kept, not of every error) */
	uint64_t reasons_kept;
	int reasons_full;
	const char *dead_letter_path;     /* where bad records go (on_error = dead_letter), or NULL */
	const struct an_latency *latency; /* NULL: no batch followed to the end yet */
	const struct whatif_result *whatif; /* what-if experiments so far (whatif_run.h) */
	size_t nwhatif;
	uint64_t batch, buffer;           /* [pipeline] batch and buffer, for the suggestions (0: unknown) */
};

/* Runs every rule; the findings are sorted. 0, or -1 without memory. */
int analyzer_run_rules(const struct analyzer_input *in, const struct alert_opts *o, struct findings *out);

/* Least squares over pts: slope (per second), and the fit's R^2 (0 when
 * the series is flat or too short). Signed arithmetic throughout. */
void analyzer_fit_slope(const struct an_point *pts, size_t n, double *slope, double *r2);

/* The rules that need only the profiles (CPU hotspots named with their
 * stages, allocator pressure) over the last window_ns of prof's CPU
 * profile: for programs without a nebtop pipeline (libnebula). */
int analyzer_analyze_profile(struct profiler *prof, const struct alert_opts *o, uint64_t window_ns,
			     const char *const *stages, size_t nstages, struct findings *out);

/* --- the live analyzer --------------------------------------------------------- */

struct analyzer;

/* prof may be NULL (no profiler). */
struct analyzer *analyzer_create(struct pipeline *p, struct sampler *s, struct profiler *prof,
				 const struct alert_opts *o);
/* Starts the thread "nebtop/analyzer" that analyzes every second. */
int analyzer_start(struct analyzer *a, struct errbuf *e);
void analyzer_stop(struct analyzer *a);
/* At the end of the run (after sampler_end): stops the thread and analyzes
 * the ended series once more; from then on analyzer_copy_latest and
 * analyzer_analyze_now both give that last analysis, so that a front end
 * still up shows the findings the final snapshot writes. 0, or -1 without
 * memory (the thread is stopped either way). */
int analyzer_finish(struct analyzer *a);
void analyzer_free(struct analyzer *a);
/* Analyzes the window ending now (after analyzer_finish: the last
 * analysis); out is replaced. */
int analyzer_analyze_now(struct analyzer *a, struct findings *out);
/* Copies the latest findings of the thread (out is replaced). */
int analyzer_copy_latest(struct analyzer *a, struct findings *out);
/* The what-if experiments whose results the verdicts use (NULL: none);
 * set before analyzer_start. */
void analyzer_set_whatif(struct analyzer *a, struct whatif_run *w);
struct whatif_run *analyzer_get_whatif(const struct analyzer *a);

#endif
