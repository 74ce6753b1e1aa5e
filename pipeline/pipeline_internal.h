/* pipeline_internal.h: the pipeline's insides, shared by the files that
 * build it (build.c), run it (runner.c) and report record errors (worker.c).
 * Nothing outside pipeline/ includes this. */
#ifndef NEB_PIPELINE_INTERNAL_H
#define NEB_PIPELINE_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>

#include "batch.h"
#include "connector.h"
#include "deadletter.h"
#include "latency.h"
#include "lock.h"
#include "pace.h"
#include "pipeline.h"
#include "schema.h"
#include "spec.h"
#include "stage.h"
#include "tmetrics.h"
#include "whatif.h"
#include "worker.h"

struct pool;

struct pstage {
	struct stage_info info;
	struct schema schema; /* what this stage emits */
	const struct stage_ops *ops; /* transforms */
	void *opts;
	struct channel *in, *out; /* named channels; NULL at the ends */
};

/* A batch the destination holds (DEST_HELD), with what the writer noted of
 * it before write, to count it when it is settled. */
struct held_batch {
	struct batch *b;
	uint64_t t0; /* when the writer took it */
	uint32_t kept, e0;
	size_t out_len; /* its encoded bytes (a destination may free them once sent) */
};

struct pthread_slot {
	pthread_t tid;
	int started;
	struct pipeline *p;
	struct pstage *st;
	struct worker w;
	enum trole role;
	struct whatif_account wa; /* what this thread owes a virtual speed-up */
};

/* Keys every destination takes. */
struct dest_common_opts {
	uint64_t rate_limit; /* records/s, 0 = none */
};

struct pipeline {
	struct pipeline_spec spec;
	struct pstage *stages;
	size_t nstages;
	struct channel **channels; /* channels[i] joins stages[i] and stages[i+1] */
	size_t nchannels;
	struct channel *decode_ch, *encode_ch; /* reader->decoders, encoders->writer */
	struct pool *pool;
	size_t pool_batches;

	const struct source_ops *src;
	void *src_opts;
	const struct dest_ops *dst;
	void *dst_opts;
	struct dest_common_opts dst_common;
	struct connector_env env;
	struct connmetrics src_metrics, dst_metrics;
	/* the source leaves records plain for the destination (build_plain) */
	int plain_on;
	struct plain_format plain;

	struct pthread_slot *threads;
	size_t nthreads;
	struct tmetrics *metrics; /* one per thread, grouped by stage */

	_Atomic int stop, paused, failed, running_threads, state;
	_Atomic int input_ended; /* the source read to the end of its input */
	struct nlock mu; /* guards the fields below and the pause/done waits */
	pthread_cond_t cond;
	char fail_msg[1024];
	char stop_reason[128];
	struct error_sample samples[ERROR_SAMPLES];
	size_t nsamples;
	_Atomic uint64_t dead_lettered;
	int started, finished;
	struct timespec started_at; /* wall clock (CLOCK_REALTIME) when pipeline_start ran */

	/* writer-thread state */
	struct deadletter *dead_letter; /* NULL unless on_error = dead_letter */
	struct batch **reorder;
	uint64_t next_seq;
	struct held_batch *held; /* the batches the destination holds (max_held), oldest first */
	size_t nheld;
	struct pace pace; /* the destination's rate_limit */
	struct latency latency; /* where sampled batches' time goes ([profile] latency_sample) */
	struct whatif whatif;   /* the virtual speed-up running, if any (whatif.h) */
	_Atomic uint64_t paced_ns[2]; /* the source's and the destination's waits for their pace */
	int write_failed;
	char write_error[512];
	/* held by the writer thread while it writes a batch or settles it (its
	 * dead letters); pipeline_abandon takes it for good, so that a process
	 * that exits at once leaves whole batches in the output */
	struct nlock write_gate;
};

/* Records the first failure and stops the run (later failures are dropped). */
void pipeline_fail(struct pipeline *p, const char *msg);
/* Builds a message "data.csv: record 12 (line 13): stage cast: reason". */
void pipeline_format_record_error(struct pipeline *p, const struct batch *b, uint32_t rec, uint32_t stage,
				  const char *reason, char *dst, size_t n);
uint64_t pipeline_line_of_record(struct pipeline *p, const struct batch *b, uint32_t rec);
/* The line and the input bytes of a record, where the source keeps them. */
uint64_t pipeline_locate_record(struct pipeline *p, const struct batch *b, uint32_t rec, const char **raw,
				size_t *raw_len);

/* runner.c */
int runner_start_threads(struct pipeline *p, struct errbuf *e);
/* writer side of record errors: samples and dead letters for one batch */
void runner_collect_errors(struct pipeline *p, struct batch *b);

extern const struct confkey dest_common_keys[];

#endif
