/* compare.h: `nebtop compare BASELINE OPTIMIZED`: two runs' metrics side by
 * side (throughput, stage latency, memory, CPU and errors, each judged
 * better, worse or the same) and their bottleneck findings resolved, new and
 * persisting. A side may be several runs (a folder holding the final
 * snapshots of N runs): then each figure is the median of the side's runs,
 * with a 95% interval of the change. compare_load.c finds and reads the
 * metrics files, compare_runs.c tells a folder's runs apart,
 * compare_stats.c holds the statistics, compare_judge.c compares the
 * figures, compare_changed.c names what changed (stages and CPU profile),
 * compare_print.c prints the comparison as a table or as JSON,
 * compare_flame.c draws the diff flame graph, compare.c is
 * the command line. */
#ifndef NEB_COMPARE_H
#define NEB_COMPARE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../base/errbuf.h"

/* One stage of a run; NAN where a figure is absent. */
struct compare_stage {
	const char *name; /* borrowed from the run's JSON */
	double p50_us, p99_us;
	double busy_pct;
};

/* One entry of "bottlenecks"; the strings and obj are borrowed. */
struct compare_finding {
	const char *type, *component, *severity; /* severity "" when absent */
	const char *description;                 /* "" when absent */
	json_t *obj;
};

/* One metrics file, read. Figures are NAN when the file does not carry them
 * (or they cannot be derived). */
struct compare_run {
	char *file;            /* the metrics file read */
	json_t *root;          /* owns every borrowed string and object */
	const char *pipeline;  /* pipeline.name, or NULL */
	const char *timestamp; /* or NULL */
	const char *run_id;    /* the run the snapshot belongs to, or NULL (an older nebtop) */
	int final;             /* "final": true: the snapshot at the end of its run */
	double duration_s;
	double records_in, records_errors;
	double records_per_sec, bytes_per_sec;
	double steady_records_per_sec; /* throughput.steady_records_per_sec, or NAN */
	double rss_peak_bytes, heap_live_bytes, allocs_per_record, allocator_cpu_pct;
	double cpu_seconds;    /* runtime.cpu_seconds, or cpu_pct / 100 * duration_s */
	double batch;          /* pipeline.batch, or NAN when absent */
	struct compare_stage *stages;
	size_t nstages;
	struct compare_finding *findings;
	size_t nfindings;
	int has_findings;      /* the file has a "bottlenecks" key */
	json_t *primary;       /* primary_bottleneck, or NULL when null or absent */
};

/* The metrics file an argument names: the file itself, or in a snapshot
 * folder the metrics_STAMP.json of its latest snapshot (by date, time, then
 * the _N suffix). *file is malloc'd. 0, or -1 with a message naming the path. */
int compare_load_resolve(const char *arg, char **file, struct errbuf *e);
/* Reads and checks a metrics file. 0, or -1 with a message naming the file
 * and what is wrong (JSON error with line and column, missing key, wrong
 * type); r is then empty (compare_run_free is still safe). */
int compare_load_run(struct compare_run *r, const char *file, struct errbuf *e);
void compare_run_free(struct compare_run *r);
/* The snapshot metrics files of folder dir (named metrics_STAMP.json), oldest
 * stamp first, each joined to dir (malloc'd, as is the array); *others
 * counts the metrics_*.json files without a stamp. 0, or -1 with a message
 * (also when the folder has no snapshot). */
int compare_load_list(const char *dir, char ***files, size_t *n, size_t *others, struct errbuf *e);
void compare_load_list_free(char **files, size_t n);
/* The CPU profile in folded stacks of the snapshot whose metrics file this
 * is: cpu_STAMP.folded beside metrics_STAMP.json (malloc'd), or NULL when the
 * file is not named so. */
char *compare_load_folded_path(const char *metrics_file);

/* --- the runs of a side (compare_runs.c) ---------------------------------------- */

/* One side of the comparison: the runs an argument names. A file is one run;
 * a folder holds snapshots, grouped into runs by run_id, each run given by
 * its final snapshot. */
struct compare_side {
	struct compare_run *runs; /* oldest first */
	size_t n;
	size_t left_out;          /* runs of the folder with no final snapshot (still running, or killed) */
	size_t snapshots;         /* metrics files in the folder (1 for a file) */
	int legacy;               /* snapshots without run_id (an older nebtop): counted as one run, the latest */
	int latest_only;          /* no run had a final snapshot: the folder's latest snapshot was taken */
	size_t other_pipeline;    /* runs of another pipeline (by name) than the latest run's, left out */
	char other_name[64];      /* the name of one of them */
};

/* Reads the runs an argument names. 0, or -1 with a message naming the file
 * (s is then empty; compare_side_free is still safe). */
int compare_runs_load(struct compare_side *s, const char *arg, struct errbuf *e);
void compare_side_free(struct compare_side *s);

/* --- the comparison (compare_judge.c) ---------------------------------------- */

enum compare_unit {
	COMPARE_RECORDS_PER_SEC,
	COMPARE_BYTES_PER_SEC,
	COMPARE_US,
	COMPARE_BYTES,
	COMPARE_ALLOCS_PER_RECORD,
	COMPARE_PCT,
	COMPARE_CPU_S_PER_MREC,
};

enum compare_verdict {
	COMPARE_NA,         /* a value is missing: no verdict */
	COMPARE_SAME,       /* |change| < 1% (or both 0) */
	COMPARE_BETTER,
	COMPARE_WORSE,
	COMPARE_NEW_BETTER, /* from 0 to something, the good way */
	COMPARE_NEW_WORSE,  /* from 0 to something, the bad way: a regression under any PCT */
};

struct compare_figure {
	char *name;          /* stable identifier: "throughput.records_per_sec", "stage.NAME.p99_us" */
	char *label;         /* for people: "throughput", "stage NAME p99 latency" */
	enum compare_unit unit;
	int higher_better;
	double base, opt;    /* the value (the median of the side's runs); NAN when no run has it */
	size_t nbase, nopt;  /* runs of each side that have it */
	const char *only_in; /* "baseline" or "optimized" for a stage of one run only, else NULL */
	double change_pct;   /* NAN when undefined */
	double lo_pct, hi_pct; /* the 95% interval of the change; NAN without one (one run a side) */
	enum compare_verdict verdict;
	int judged;          /* may be a regression (not a latency under 1 ms, not other batch sizes) */
	int regression;      /* worse by more than the threshold (the whole interval, with one) */
	int inconclusive;    /* the interval spans the threshold on the bad side */
	long more_runs;      /* when inconclusive: runs to add to each side to decide (see compare_stats.h) */
};

/* A finding in both runs. */
struct compare_pair {
	const struct compare_finding *base, *opt;
};

/* A stage whose busy share or latency moved most (median of each side). */
struct compare_moved {
	char stage[256];     /* "": none moved */
	const char *what;    /* "busy", "p50" or "p99" */
	double base, opt;    /* busy_pct, or latency in microseconds */
	double change;       /* points (busy) or percent (latency) */
};

/* A function whose share of the CPU samples grew. */
struct compare_fn_change {
	char *name;
	double base_pct, opt_pct; /* flat samples, in percent of the side's samples */
	uint64_t base_samples, opt_samples;
};

/* What changed: the stage moves and the CPU profiles' difference. */
struct compare_changed {
	struct compare_moved busy, latency;
	struct compare_fn_change *fns; /* grew most first */
	size_t nfns;
	uint64_t base_samples, opt_samples; /* every sample of each side's profiles */
	size_t base_profiles, opt_profiles; /* runs with a cpu_STAMP.folded */
};

struct compare_result {
	const struct compare_run *base, *opt; /* the latest run of each side: its findings and header */
	const struct compare_side *bside, *oside;
	struct compare_figure *figs;
	size_t nfigs, cap;
	const struct compare_finding **resolved, **added;
	struct compare_pair *persisting;
	size_t nresolved, nadded, npersisting;
	const char *diff_flame; /* the diff flame graph written, or NULL */
	double threshold_pct; /* a regression is worse by more than this */
	int threshold_given;  /* --fail-on-regression was given */
	size_t nregressions, ninconclusive;
	struct compare_changed changed;
};

/* Judges every figure and matches the findings of two sides; a regression is
 * a worse figure whose |change| exceeds threshold_pct (with several runs a
 * side: whose whole interval lies past it), and any "new" worse one. 0, or
 * -1 without memory. res borrows from base and opt. */
int compare_judge_sides(struct compare_result *res, const struct compare_side *base, const struct compare_side *opt,
			double threshold_pct, int threshold_given);
/* The values of a figure over the runs of a side (NAN ones left out) into v
 * (room for s->n); returns how many. The figure is named as in the JSON
 * ("throughput.records_per_sec", "stage.NAME.p99_us", "stage.NAME.busy_pct"). */
size_t compare_judge_values(const struct compare_side *s, const char *name, double *v);
void compare_free_result(struct compare_result *res);
/* "better", "worse", "same", "new" or "n/a" (the JSON verdict). */
const char *compare_verdict_name(enum compare_verdict v);

/* --- what changed (compare_changed.c) ----------------------------------------- */

/* Fills res->changed from the judged figures and each run's
 * cpu_STAMP.folded. 0, or -1 without memory (an unreadable profile is
 * skipped: that run counts as one without a profile). */
int compare_changed_find(struct compare_result *res);
void compare_changed_free(struct compare_changed *c);

/* --- output (compare_print.c) ------------------------------------------------- */

/* The header, the table, the findings and (with a threshold) the regressions. */
void compare_print_text(FILE *out, const struct compare_result *res);
/* One JSON object; 0, or -1 with a message. */
int compare_print_json(FILE *out, const struct compare_result *res, struct errbuf *e);

/* --- the diff flame graph (compare_flame.c) ---------------------------------- */

/* Writes to out the diff flame graph of the optimized side (the CPU profiles
 * beside its nopt metrics files, summed) against the baseline side (nbase
 * files): the cpu_STAMP.folded of each metrics_STAMP.json. 0 written; 1 a
 * run has no CPU profile (nothing written, e says which); -1 an error (e). */
int compare_flame_write(const char *const *base, size_t nbase, const char *const *opt, size_t nopt,
			const char *out, struct errbuf *e);

/* --- the command (compare.c) -------------------------------------------------- */

/* The command: argv[0] is "compare". Returns the exit status: 0 ok, 1 a
 * figure regressed by more than --fail-on-regression PCT, 2 bad usage or
 * unreadable input (message on stderr). */
int compare_main(int argc, char **argv);

#endif
