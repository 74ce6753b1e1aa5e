/* outcome.h: how a finished run ended, as its exit status says (DESIGN.md):
 * 0 success, 1 the pipeline failed, 3 more records lost to errors than
 * [pipeline] max_errors allows, 4 the output complete and committed but the
 * final snapshot not written; and the max_errors value itself. */
#ifndef NEB_OUTCOME_H
#define NEB_OUTCOME_H

#include <stdint.h>

enum outcome_status {
	OUTCOME_OK = 0,
	OUTCOME_FAILED = 1,
	OUTCOME_USAGE = 2,
	OUTCOME_LOST = 3,
	OUTCOME_NO_SNAPSHOT = 4,
};

/* [pipeline] max_errors: a count of records ("0", "250") or a share of the
 * records read ("0.5%"). */
struct max_errors {
	int is_pct;
	double pct;     /* 0..100 when is_pct */
	uint64_t count; /* when not */
};

/* Reads "N" or "P%" (0 <= P <= 100); -1 when text is neither. */
int outcome_parse_max_errors(const char *text, struct max_errors *out);
/* The most records a run that read `read` may lose under m. */
uint64_t outcome_allowed_losses(const struct max_errors *m, uint64_t read);

struct run_outcome {
	enum outcome_status status;
	uint64_t read, errors, dead_lettered, lost, allowed;
	int complete; /* the source read its input to the end */
	char snapshot_error[1024]; /* why the final snapshot was not written ("" when it was) */
};

/* The status of a run from what happened: failed (the pipeline or its
 * output failed), the counts, and whether the final snapshot was written.
 * A failure outranks lost records, which outrank a missing snapshot. */
void outcome_judge(struct run_outcome *o, int failed, int snapshot_written, uint64_t read, uint64_t errors,
		   uint64_t dead_lettered, const struct max_errors *m);

#endif
