/* latency.h: where a record's time goes. One batch in every `every` (by its
 * sequence number, [profile] latency_sample) is followed from the end of
 * the source's read (its records are in the pipeline from then: the read
 * itself is mostly waiting for the input, or the source's own pace) to the
 * end of the destination's write: the time it waited in each channel
 * (queue) and the time each step worked on it (work): the source's parse,
 * each stage, the destination's encode and write. Kept: a
 * histogram of the end-to-end latency and of each part, their sums, and
 * the parts of the most recent batches, so that a quantile's latency can be
 * shown as the shares of the parts of the batches at that quantile. The
 * runner's threads add steps under a short lock; readers copy a view. */
#ifndef NEB_LATENCY_H
#define NEB_LATENCY_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "histogram.h"

struct span_step;

#define LATENCY_MAX_STEPS 40 /* read, parse, 32 stages and more, encode, write */
#define LATENCY_INFLIGHT 256 /* sampled batches followed at once */
#define LATENCY_RECENT 1024  /* batches whose parts are kept for the quantiles' shares */
#define LATENCY_DEFAULT_SAMPLE 64

struct latency_batch {
	uint64_t seq, t0_ns, end_ns;
	int used, nsteps;
	uint64_t queue_ns[LATENCY_MAX_STEPS], work_ns[LATENCY_MAX_STEPS];
};

struct latency_recent {
	uint64_t e2e_ns;
	uint32_t queue_us[LATENCY_MAX_STEPS], work_us[LATENCY_MAX_STEPS];
};

struct latency {
	pthread_mutex_t mu;
	uint64_t every; /* 0: off */
	int nsteps;	/* steps seen: the last is the destination's write */
	char stage[LATENCY_MAX_STEPS][64], part[LATENCY_MAX_STEPS][16];
	struct latency_batch *inflight; /* LATENCY_INFLIGHT, by seq / every */
	struct histogram e2e;
	struct histogram *queue, *work; /* LATENCY_MAX_STEPS each */
	struct latency_recent *recent;	/* LATENCY_RECENT, a ring */
	uint64_t nrecent;		/* batches ever put in it */
	uint64_t done;			/* batches followed to the write */
};

/* One part, as read. */
struct latency_part {
	char stage[64];			   /* the stage that works, or whose input channel it waits in */
	char channel[140];		   /* "source->enrich" for a queue part, "" for work */
	char step[16];			   /* read, parse, work, encode, write */
	int queue;			   /* 1: waiting in the channel before the step; 0: the step's work */
	double mean_us, p99_us, share_pct; /* share of the mean end-to-end latency */
};

#define LATENCY_QUANTILES 3 /* p50, p90, p99 */

struct latency_view {
	uint64_t every, batches; /* the sample rate; batches followed to the end */
	double p50_us, p90_us, p99_us, max_us, mean_us;
	struct histogram_view e2e; /* the end-to-end latencies */
	size_t nparts;
	struct latency_part parts[2 * LATENCY_MAX_STEPS]; /* after the read: a wait and a work for each step */
	/* for each quantile (0.50, 0.90, 0.99): its latency and the share of
	 * each part (same order as parts) in the batches at that quantile */
	double q[LATENCY_QUANTILES], q_us[LATENCY_QUANTILES];
	double q_share[LATENCY_QUANTILES][2 * LATENCY_MAX_STEPS];
};

/* every 0: off (nothing is allocated). 0, or -1 when out of memory. */
int latency_init(struct latency *l, uint64_t every);
void latency_free(struct latency *l);
/* 1 when the batch of seq is followed. */
static inline int latency_follows(const struct latency *l, uint64_t seq) { return l->every && seq % l->every == 0; }
/* One step of a followed batch (hooks.h's span_step: its step index, work
 * times and the wait before it); the write step ends the batch. */
void latency_note(struct latency *l, const struct span_step *st, int last);
/* A part as people read it: "waiting in source->enrich", "enrich",
 * "source read", "destination write". */
void latency_part_name(const struct latency_part *p, char *dst, size_t n);
/* A copy of what was found; 0 batches: nothing yet. */
void latency_read(struct latency *l, struct latency_view *v);

#endif
