/* pipeline.h: a pipeline as a handle: build it from a configuration (which
 * validates everything and opens the input and output), start its threads,
 * stop, pause, wait, finish; and read what it is made of for the sampler,
 * the reports and the front ends. */
#ifndef NEB_PIPELINE_H
#define NEB_PIPELINE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "../src/base/errbuf.h"

struct channel;
struct pipeline_spec;
struct pipeline;
struct tmetrics;

enum stage_kind { STAGE_SOURCE, STAGE_TRANSFORM, STAGE_DESTINATION };
enum pipeline_state { PSTATE_READY, PSTATE_RUNNING, PSTATE_PAUSED, PSTATE_DRAINING, PSTATE_FINISHED, PSTATE_FAILED };

struct stage_info {
	char name[64];
	const char *type; /* connector or stage type */
	enum stage_kind kind;
	struct tmetrics *threads; /* this stage's threads' metrics */
	int nthreads;
};

/* A record error kept for the report (the first ERROR_SAMPLES of a run). */
#define ERROR_SAMPLES 100
struct error_sample {
	uint64_t record, line; /* line 0 = unknown */
	char stage[64];
	char reason[256];
};

/* Validates the whole specification, opens the input and output and sizes
 * the channels and the batch pool. Any problem: NULL and a message naming
 * the file, line and key (a configuration error, exit status 2). The spec's
 * sections, options and catalog must outlive the pipeline. */
struct pipeline *pipeline_build(const struct pipeline_spec *spec, struct errbuf *e);
int pipeline_start(struct pipeline *p, struct errbuf *e);
/* Graceful stop: the source stops reading, everything drains and is written. */
void pipeline_request_stop(struct pipeline *p, const char *why);
void pipeline_set_paused(struct pipeline *p, int paused);
struct latency_view;
/* Follows one batch in every (0: none) from read to write (latency.h);
 * before pipeline_start. 0, or -1 when out of memory. */
int pipeline_set_latency_sample(struct pipeline *p, uint64_t every);
/* Where the followed batches' time went, so far. */
void pipeline_read_latency(struct pipeline *p, struct latency_view *v);
/* Speeds stage (its index) up virtually by speedup (whatif.h); a speedup
 * of 1 or less, or stage -1, ends it. */
void pipeline_set_whatif(struct pipeline *p, int stage, double speedup);
/* The wall time virtual speed-ups have left out of the clock so far. */
uint64_t pipeline_whatif_removed_ns(const struct pipeline *p);
/* What the threads of a stage have slept paying for virtual speed-ups. */
uint64_t pipeline_whatif_slept_ns(const struct pipeline *p, size_t stage);
/* What a stage waited for its configured pace (the source's rate, the
 * destination's rate_limit), ns; 0 for a transform. */
uint64_t pipeline_paced_ns(const struct pipeline *p, size_t stage);
/* Records that reached the destination's writer so far: the progress a
 * speed-up experiment measures. */
uint64_t pipeline_count_delivered(const struct pipeline *p);
/* Waits up to timeout_ns for every pipeline thread to end; 1 when they have. */
int pipeline_wait_done(struct pipeline *p, uint64_t timeout_ns);
/* Joins the threads and closes the destination (committing the output when
 * the run did not fail). 0 on success, -1 with the failure in e. */
int pipeline_finish(struct pipeline *p, struct errbuf *e);
/* Before a process exits without pipeline_finish (an abandoned drain):
 * waits up to timeout_ns for a batch being written to be written whole, and
 * lets no other start; 0 when none is being written any more, -1 when the
 * write still runs (a blocked output). The pipeline can only be freed after. */
int pipeline_abandon(struct pipeline *p, uint64_t timeout_ns);
void pipeline_free(struct pipeline *p);

enum pipeline_state pipeline_get_state(struct pipeline *p);
const char *pipeline_state_name(enum pipeline_state s);
const struct pipeline_spec *pipeline_get_spec(const struct pipeline *p);
/* The spec's owner: what the caller built the pipeline from. */
const void *pipeline_get_owner(const struct pipeline *p);
size_t pipeline_count_stages(const struct pipeline *p);
const struct stage_info *pipeline_get_stage(const struct pipeline *p, size_t i);
size_t pipeline_count_channels(const struct pipeline *p);
struct channel *pipeline_get_channel(const struct pipeline *p, size_t i);
/* The wall-clock time (CLOCK_REALTIME) at which pipeline_start ran; zero
 * before. */
void pipeline_started_at(const struct pipeline *p, struct timespec *ts);
/* Why the run stopped early ("SIGINT", "duration 30s"), or NULL. */
const char *pipeline_stop_reason(struct pipeline *p);
/* Copies up to max error samples; returns how many. */
size_t pipeline_copy_error_samples(struct pipeline *p, struct error_sample *dst, size_t max);
uint64_t pipeline_count_dead_lettered(struct pipeline *p);
/* 1 once the source has read all of its input (not stopped before). */
int pipeline_input_ended(struct pipeline *p);
/* 1 when the source's input never ends by itself. */
int pipeline_input_is_endless(struct pipeline *p);
/* "data.csv (csv)" and "out.json (json)". */
void pipeline_describe_source(struct pipeline *p, char *dst, size_t n);
void pipeline_describe_dest(struct pipeline *p, char *dst, size_t n);
/* What an exit now, without draining, leaves of the output (the
 * destination's describe_left), or "". */
void pipeline_describe_left(struct pipeline *p, char *dst, size_t n);
/* Threads the pipeline runs (all stages). */
int pipeline_count_threads(const struct pipeline *p);
/* What the source (dest = 0) or destination (dest = 1) connector measured. */
const struct connmetrics *pipeline_get_connector_metrics(const struct pipeline *p, int dest);
/* What the batch pool's buffers hold, bytes (pool_held_bytes). */
uint64_t pipeline_pool_bytes(const struct pipeline *p);
/* What that connector's wait time waits for ("file", "PostgreSQL server"), or NULL. */
const char *pipeline_connector_waits_on(const struct pipeline *p, int dest);

#endif
