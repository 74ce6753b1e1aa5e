/* whatif_run.h: what-if experiments on a running pipeline: what would the
 * throughput be if a stage were 1.25x, 1.5x or 2x faster? Each experiment
 * speeds the stage up virtually (pipeline/whatif.h) for a period, in rounds
 * that visit every speed-up and the control (1.0x, no delay) in a shuffled
 * order, until the estimates are stable or the stage's time budget is spent;
 * the estimates are the control's throughput times the mean ratio of each
 * speed-up's throughput to the control's of the same round, with a 95%
 * interval. One thread, "nebtop/whatif"; it starts after a warm-up, and
 * `auto` takes the analyzer's bottleneck and the next candidate. It ends at
 * once when the input ends, the run stops or whatif_run_stop is called. */
#ifndef NEB_WHATIF_RUN_H
#define NEB_WHATIF_RUN_H

#include <stddef.h>
#include <stdint.h>

#include "../base/errbuf.h"

struct pipeline;
struct analyzer;

#define WHATIF_SPEEDUPS 3 /* 1.25x, 1.5x, 2x */
extern const double whatif_speedups[WHATIF_SPEEDUPS];
#define WHATIF_AUTO (-2) /* target: the bottleneck and the next candidate */
#define WHATIF_MAX_TARGETS 8

/* Time that is the experiments' own choice (see nebtop(1), WHAT-IF). */
#define WHATIF_WARMUP_NS 2000000000ull	/* after the pipeline starts */
#define WHATIF_SETTLE_NS 100000000ull	/* after a change of speed-up, not measured, at least */
#define WHATIF_SETTLE_MAX_NS 1000000000ull /* ... and at most, while the channels' fill still moves */
#define WHATIF_SETTLE_STEP_NS 50000000ull  /* how often the fill is read meanwhile */
#define WHATIF_PERIOD_NS 400000000ull	/* measured, per speed-up and round */
#define WHATIF_BUDGET_NS 30000000000ull /* per stage */
#define WHATIF_MIN_ROUNDS 3
#define WHATIF_STABLE_PCT 3.0 /* every interval's half-width, of the control's throughput */
/* an answer whose 2x interval holds both no gain and a gain of this many
 * percent of the control's throughput is too noisy to tell */
#define WHATIF_NOISY_PCT 25.0

enum whatif_state { WHATIF_QUEUED, WHATIF_RUNNING, WHATIF_DONE, WHATIF_CUT };

struct whatif_point {
	double speedup, records_per_sec, low, high; /* predicted, with its 95% interval */
};

struct whatif_result {
	char stage[64];
	int stage_index;
	enum whatif_state state; /* CUT: the run ended before the estimates were stable */
	unsigned rounds;
	double baseline, baseline_low, baseline_high; /* the control's records/s */
	struct whatif_point points[WHATIF_SPEEDUPS];
	double seconds;	  /* the experiments on this stage ran this long */
	double cost_pct;  /* the throughput they cost while they ran */
	char limiter[64]; /* the stage busiest in virtual time at 2x: the one that would limit */
};

struct whatif_run;

/* target: a stage's index, or WHATIF_AUTO; an (may be NULL without auto)
 * names the bottleneck. */
struct whatif_run *whatif_run_create(struct pipeline *p, struct analyzer *an, int target);
int whatif_run_start(struct whatif_run *r, struct errbuf *e);
/* Asks for experiments on a stage (the TUI's w key); a stage done is done
 * again. 0, or -1 when the queue is full. */
int whatif_run_request(struct whatif_run *r, int stage);
/* Ends the experiments (the pipeline runs on without delays) and the thread. */
void whatif_run_stop(struct whatif_run *r);
void whatif_run_free(struct whatif_run *r);
/* Copies the results so far, in the order the stages were taken; returns
 * how many (at most max). Safe with r NULL (0). */
size_t whatif_run_read(struct whatif_run *r, struct whatif_result *out, size_t max);
/* The gain at a speed-up, percent of the control's throughput. */
double whatif_gain_pct(const struct whatif_result *w, size_t point);
/* A percentage as printed to whole percent with %+.0f: under half a
 * percent either way it is 0 (so never "-0%"). */
double whatif_pct_shown(double pct);
/* 1 when the answer at 2x is too noisy to tell whether the speed-up buys
 * anything worth having (WHATIF_NOISY_PCT). */
int whatif_too_noisy(const struct whatif_result *w);

#endif
