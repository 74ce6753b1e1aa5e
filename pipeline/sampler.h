/* sampler.h: the time series of a run.
 *
 * One thread reads every pipeline thread's metrics, every channel and the
 * process every `sampling_interval` and appends one sample of cumulative
 * values; rates and shares are differences of two samples (figures.h). The
 * series is a ring of fixed size allocated up front, so its memory does not
 * grow with the run. Pipeline threads never take the sampler's lock; readers
 * (front end, snapshots) hold it while they look. */
#ifndef NEB_SAMPLER_H
#define NEB_SAMPLER_H

#include <stddef.h>
#include <stdint.h>

#include "histogram.h"
#include "runtime.h"
#include "tmetrics.h"

struct pipeline;
struct sampler;

struct stage_sample {
	uint64_t records_in, records_out, bytes_in, bytes_out, errors, filtered, batches;
	uint64_t time_ns[TSTATE_TIMED]; /* busy, backpressured, idle, internal: summed over threads */
	uint64_t cpu_ns;      /* the threads' CPU clocks, summed */
	uint64_t cpu_wait_ns; /* the threads' time runnable but waiting for a CPU, summed */
	int cpu_known;        /* at least one thread's clock was read (its threads had started) */
	int cpu_wait_known;   /* every started thread's wait was read */
};

struct channel_sample {
	uint64_t capacity, fill, fill_max, fill_integral, send_blocked_ns, recv_blocked_ns;
	int producers, consumers;
};

/* What the source's or destination's connector counted (connmetrics.h). */
struct conn_sample {
	uint64_t connect_ns, connects, requests, bytes, retries, errors, wait_ns, rolled_back, plain;
};

struct sample {
	uint64_t t_ns; /* since the pipeline started */
	struct stage_sample *stages;
	struct channel_sample *channels;
	struct runtime_sample rt;
	struct conn_sample conn[2]; /* [0] the source's connector, [1] the destination's */
	uint64_t pool_bytes; /* what the batch pool's buffers hold (pool_held_bytes) */
};

/* capacity: recent samples kept at full resolution. */
struct sampler *sampler_create(struct pipeline *p, uint64_t interval_ns, size_t capacity);
void sampler_free(struct sampler *s);
/* Takes the first sample (time zero) and starts the thread. */
int sampler_start(struct sampler *s);
/* Stops the thread and takes a last sample. */
void sampler_stop(struct sampler *s);
/* The same, and the series ends there: later sampler_take_sample calls do
 * nothing, so that the figures of a finished run do not age while a front
 * end stays up. */
void sampler_end(struct sampler *s);
/* Takes a sample now (the thread does this every interval). */
void sampler_take_sample(struct sampler *s);

void sampler_lock(struct sampler *s);
void sampler_unlock(struct sampler *s);
/* With the lock held: */
size_t sampler_count(const struct sampler *s);
/* The recent samples: i = 0 is the oldest kept. */
const struct sample *sampler_get(const struct sampler *s, size_t i);
const struct sample *sampler_latest(const struct sampler *s);
/* 1 once sampler_end took the series' last sample. */
int sampler_ended(const struct sampler *s);
/* The newest sample taken at or before t_ns, at full resolution when it is
 * recent, else from the coarse ring (the oldest kept if none). */
const struct sample *sampler_find_before(const struct sampler *s, uint64_t t_ns);
/* The last recent sample at which the source's threads still ran (their
 * thread time grew since the sample before), or NULL when they ran until the
 * latest sample: after it, the pipeline only drained. */
const struct sample *sampler_find_source_end(const struct sampler *s);
/* A sample of zeros at time 0: the baseline of whole-run figures. */
const struct sample *sampler_zero(const struct sampler *s);
/* Cumulative latency histogram of a stage as of the latest sample. */
const struct histogram_view *sampler_latency(const struct sampler *s, size_t stage);
struct pipeline *sampler_pipeline(const struct sampler *s);
uint64_t sampler_interval(const struct sampler *s);

#endif
