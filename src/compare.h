/* compare.h: `nebtop compare BASELINE OPTIMIZED`: two runs' metrics side by
 * side (throughput, stage latency, memory, CPU and errors, each judged
 * better, worse or the same) and their bottleneck findings resolved, new and
 * persisting. compare_load.c finds and reads the metrics files,
 * compare_judge.c compares them, compare_print.c prints the comparison as a
 * table or as JSON, compare_flame.c draws the diff flame graph, compare.c is
 * the command line. */
#ifndef NEB_COMPARE_H
#define NEB_COMPARE_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

#include "errbuf.h"

/* One stage of a run; NAN where a latency is absent. */
struct compare_stage {
	const char *name; /* borrowed from the run's JSON */
	double p50_us, p99_us;
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
	double duration_s;
	double records_in, records_errors;
	double records_per_sec, bytes_per_sec;
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
	double base, opt;    /* NAN when the run does not have it */
	const char *only_in; /* "baseline" or "optimized" for a stage of one run only, else NULL */
	double change_pct;   /* NAN when undefined */
	enum compare_verdict verdict;
	int regression;      /* worse by more than the threshold */
};

/* A finding in both runs. */
struct compare_pair {
	const struct compare_finding *base, *opt;
};

struct compare_result {
	const struct compare_run *base, *opt;
	struct compare_figure *figs;
	size_t nfigs, cap;
	const struct compare_finding **resolved, **added;
	struct compare_pair *persisting;
	size_t nresolved, nadded, npersisting;
	const char *diff_flame; /* the diff flame graph written, or NULL */
	double threshold_pct; /* a regression is worse by more than this */
	int threshold_given;  /* --fail-on-regression was given */
	size_t nregressions;
};

/* Judges every figure and matches the findings of two runs; a regression is
 * a worse figure whose |change| exceeds threshold_pct (and any "new" worse
 * one). 0, or -1 without memory. res borrows from base and opt. */
int compare_judge_runs(struct compare_result *res, const struct compare_run *base, const struct compare_run *opt,
		       double threshold_pct, int threshold_given);
void compare_free_result(struct compare_result *res);
/* "better", "worse", "same", "new" or "n/a" (the JSON verdict). */
const char *compare_verdict_name(enum compare_verdict v);

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
