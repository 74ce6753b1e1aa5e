/* worker.h: what a stage's code sees of the thread running it.
 *
 * A worker is one pipeline thread working for one stage. Stage and connector
 * callbacks get it to report record errors (which follow the pipeline's
 * on_error policy) and to keep per-thread scratch space and state. */
#ifndef NEB_WORKER_H
#define NEB_WORKER_H

#include <stdint.h>

#include "../src/base/buf.h"

struct batch;
struct pipeline;
struct schema;
struct tmetrics;

struct worker {
	struct pipeline *pipeline;
	struct tmetrics *metrics;
	uint32_t stage;              /* index of the stage this thread works for */
	const struct schema *schema; /* the schema of the records it sees */
	void *local;                 /* per-thread state of the stage or connector */
	struct buf scratch;          /* free for the callback's use */
};

/* Marks record r of b as failed with a reason (printf-style), counts it for
 * this stage, and applies on_error: with fail the pipeline stops after this
 * batch; with dead_letter the record's fields (named by w->schema) are kept
 * with the reason for the dead-letter file. */
void worker_fail_record(struct worker *w, struct batch *b, uint32_t r, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* The same for a record the source could not shape into the schema (a row
 * with the wrong number of fields): its raw fields are given as they were. */
void worker_fail_raw(struct worker *w, struct batch *b, uint32_t r, const char *const *fields,
		     const uint32_t *lens, uint32_t nfields, const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));

#endif
