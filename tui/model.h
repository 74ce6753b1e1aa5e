/* model.h: what the front end shows, computed apart from drawing.
 *
 * As htop's meters update their values apart from drawing them, the TUI
 * keeps one struct tui_model: plain numbers and strings for every panel,
 * filled from the sampler's time series, the analyzer's latest findings and
 * the CPU profile. tui_model_update() reads those sources (taking only the
 * sampler's and analyzer's own locks, never a lock a pipeline thread takes
 * per record); draw.c and draw_detail.c read only the model. Histories (the
 * throughput and allocation graphs) live in the model and are pushed once a
 * second. The pure parts (bands, bars, histories, peaks) are functions of
 * their own so that unit tests can check them without ncurses. */
#ifndef NEB_TUI_MODEL_H
#define NEB_TUI_MODEL_H

#include <stddef.h>
#include <stdint.h>

struct analyzer;
struct findings;
struct pipeline;
struct profiler;
struct sampler;
struct whatif_result;

#define TUI_HISTORY 120 /* seconds kept for the graphs */
#define TUI_MAX_STAGES 32
#define TUI_MAX_CHANNELS 32
#define TUI_MAX_ALERTS 16
#define TUI_MAX_FNS 20
#define TUI_MAX_BUCKETS 48

struct tui_history {
	double v[TUI_HISTORY]; /* oldest first */
	size_t n;
};

struct tui_stage_row {
	char name[64], type[32];
	int kind; /* enum stage_kind */
	int threads;
	double rate;                      /* records in per second, last second */
	double busy_pct, bp_pct, idle_pct; /* over the last second */
	uint64_t p50_ns, p99_ns, max_ns;  /* whole run, per batch */
	uint64_t errors;
	int bottleneck; /* the primary finding names this stage the pipeline bottleneck */
	int ended;      /* no thread time over the last second: its threads have ended */
};

enum tui_band { TUI_BAND_OK = 0, TUI_BAND_MEDIUM, TUI_BAND_HIGH };

struct tui_channel_row {
	char name[96];
	uint64_t capacity;
	double fill_pct, avg_pct, max_pct; /* now; average and max since the last reset */
	double send_blocked_pct, recv_blocked_pct;
	enum tui_band band; /* of fill_pct: up to 60% ok, 60-85 medium, over 85 high */
};

struct tui_bucket {
	uint64_t lo_ns, hi_ns, count;
};

#define TUI_ALERT_FIGURES 10    /* as many as a finding has (FINDING_MAX_FIGURES) */
#define TUI_ALERT_SUGGESTIONS 4 /* FINDING_MAX_SUGGESTIONS */

/* A finding, whole: the Alerts panel shows its first lines, the detail
 * view (Enter) all of it. */
struct tui_alert {
	int severity;   /* enum severity */
	char type[40];  /* "pipeline_bottleneck", as in the metrics JSON */
	char component[128], stage[64];
	char text[512]; /* the description */
	double impact_pct;
	char impact_of[200];
	char impact[240]; /* "72.0% of <impact_of>" */
	size_t nfigures, nsuggestions;
	char figures[TUI_ALERT_FIGURES][64]; /* as people read them: "97.2% busy" */
	char suggestions[TUI_ALERT_SUGGESTIONS][300];
};

struct tui_fn {
	char name[128];
	double flat_pct, cum_pct;
};

/* A connector's line: its rate and batches over the last second, where its
 * time went, and its retries and failed batches over the run. */
struct tui_conn {
	char type[32], waits_on[32]; /* waits_on "" when it waits on nothing outside */
	double records_per_sec, batches_per_sec, wait_pct;
	uint64_t retries, errors;
};

#define TUI_LATENCY_PARTS 3 /* the parts a quantile's bar shows, the rest lumped */

/* A quantile of the end-to-end latency of the followed batches, and the
 * parts that take the most of the batches at it. */
struct tui_latency_q {
	char name[8]; /* "p99" */
	double us;
	size_t nparts;
	char part[TUI_LATENCY_PARTS][96]; /* "waiting in source->enrich", "enrich" */
	double share[TUI_LATENCY_PARTS];  /* percent of the quantile's batches' time */
};

enum tui_whatif_state { TUI_WHATIF_NONE = 0, TUI_WHATIF_WAITING, TUI_WHATIF_RUNNING, TUI_WHATIF_DONE, TUI_WHATIF_CUT };

#define TUI_WHATIF_POINTS 4 /* the control (1.0x), then 1.25x, 1.5x and 2x */

struct tui_whatif_point {
	double speedup, records_per_sec, low, high; /* with its 95% interval */
	double gain_pct;			    /* of the control's throughput (0 for the control) */
};

/* The what-if experiments on the selected stage (whatif_run.h): what the
 * throughput would be were it faster, measured by virtual speed-ups. */
struct tui_whatif {
	int state;		     /* enum tui_whatif_state; NONE: none asked for on this stage */
	int rounds;		     /* 0: no estimate yet */
	char stage[64], limiter[64]; /* limiter: the stage that would limit at 2x */
	double seconds, cost_pct;    /* how long they ran, the throughput they cost */
	struct tui_whatif_point points[TUI_WHATIF_POINTS];
	char tell[200]; /* "making x 2x faster would gain +53%: y would then limit" */
};

struct tui_model {
	/* header */
	char pipeline[128], route[320], state[16];
	double elapsed_s;
	int workers;
	char types[96];
	unsigned snapshots;
	char last_snapshot[256];
	char serving[80]; /* the listener's address, or "" */
	char attached[96]; /* the remote nebtop this screen is attached to (nebtop attach), or "" */
	char status[320]; /* the last action's outcome ("snapshot 2026... written: 8 files") */
	/* throughput */
	double records_per_sec, bytes_per_sec;
	uint64_t in, out, filtered, errors;
	struct tui_history rate;
	struct tui_conn conn[2]; /* source, destination */
	/* stages, the selected one's latency histogram */
	size_t nstages;
	struct tui_stage_row stages[TUI_MAX_STAGES];
	size_t selected;
	size_t nbuckets;
	struct tui_bucket buckets[TUI_MAX_BUCKETS];
	uint64_t p50_ns, p90_ns, p99_ns, p999_ns, max_ns;
	struct tui_whatif whatif; /* the selected stage's what-if experiments (w) */
	/* channels */
	size_t nchannels;
	struct tui_channel_row channels[TUI_MAX_CHANNELS];
	/* memory */
	uint64_t rss, rss_peak, heap;
	int have_heap;
	double alloc_bytes_per_sec, allocs_per_sec, bytes_per_record, allocator_pct; /* allocator_pct -1: no CPU profile */
	struct tui_history alloc;
	/* alerts, and the one selected in their panel (once the user chose it,
	 * it follows its finding, by type and component, when the order changes) */
	size_t nalerts;
	struct tui_alert alerts[TUI_MAX_ALERTS];
	size_t alert_selected;
	int alert_chosen; /* the user moved the selection: until then it stays on the first */
	/* top functions, for the process or the selected stage */
	int fn_for_stage;
	size_t nfns;
	struct tui_fn fns[TUI_MAX_FNS];
	/* where a record's time goes: p50, p90, p99 of the followed batches
	 * (nlatency 0: none followed yet, or latency_sample = 0) */
	uint64_t latency_every, latency_batches;
	size_t nlatency;
	struct tui_latency_q latency[3];
	/* peaks and averages since the last reset (r) */
	uint64_t reset_t_ns;
};

/* Fills m from the run (prof and an may be NULL). Keeps m->selected,
 * m->alert_selected, m->fn_for_stage, the histories and reset_t_ns; pushes
 * one history point when push is set (once a second). */
void tui_model_update(struct tui_model *m, struct pipeline *p, struct sampler *s, struct profiler *prof,
		      struct analyzer *an, int push);

/* The alerts from the analyzer's findings fs (sorted: v[0] the primary),
 * with the stages already filled: the selected alert follows its finding
 * once the user chose it (m->alert_chosen);
 * a stage is marked the bottleneck only when the primary finding is a
 * pipeline bottleneck (medium or worse) naming it. */
void tui_model_set_findings(struct tui_model *m, const struct findings *fs);
/* The what-if results v[0..n) (whatif_run_read): the selected stage's,
 * with its gains and what it tells, into m->whatif (none: state NONE). */
void tui_model_set_whatif(struct tui_model *m, const struct whatif_result *v, size_t n);
/* The alerts v[0..n) (the primary first): the selected alert follows its
 * finding once the user chose it (m->alert_chosen). */
void tui_model_set_alerts(struct tui_model *m, const struct tui_alert *v, size_t n);
/* The alert of that type and component, or -1. */
long tui_model_find_alert(const struct tui_model *m, const char *type, const char *component);

/* The pure parts, for the draw code and the unit tests. */
void tui_history_push(struct tui_history *h, double v);
double tui_history_max(const struct tui_history *h);
enum tui_band tui_band_of_fill(double fill_pct);
/* A bar of width cells for frac (0..1): UTF-8 eighth blocks when utf8, else
 * '#' and spaces; writes a NUL-terminated string into dst (n bytes). */
void tui_bar_text(char *dst, size_t n, double frac, int width, int utf8);
/* Cells of a UTF-8 string (every byte that starts a character: the text
 * drawn has no wide characters). */
int tui_text_cells(const char *s);
/* Bytes of s's first width cells (at a character boundary). */
size_t tui_text_bytes(const char *s, int width);
/* src as it fits width cells into dst (n bytes): whole when it fits, else
 * cut at the last word boundary that leaves room for an ellipsis ("\u2026"
 * when utf8, else "...") and ended with it; a word longer than half the
 * width is cut inside instead. Never half a number when the text breaks at
 * spaces. */
void tui_text_fit(char *dst, size_t n, const char *src, int width, int utf8);
/* src wrapped into lines of at most width cells, broken at spaces (a word
 * longer than a line is broken inside it, at a character boundary); the
 * spaces at a break are dropped, nothing else. Writes each line's first
 * byte and length into start[] and len[] (max lines at most) and returns
 * how many lines the whole text takes (more than max when they did not
 * all fit the arrays); 0 for an empty text or a width under 1. */
size_t tui_text_wrap(const char *src, int width, size_t *start, size_t *len, size_t max);
/* A sparkline of the last width points of h scaled to its max: UTF-8 block
 * heights when utf8, else " .:-=+*#". */
void tui_sparkline_text(char *dst, size_t n, const struct tui_history *h, int width, int utf8);

#endif
