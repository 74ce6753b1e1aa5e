/* progress.h: the headless front end: one progress line on stderr per second
 * and a summary when the run ends. */
#ifndef NEB_PROGRESS_H
#define NEB_PROGRESS_H

struct max_errors;
struct pipeline;
struct run_outcome;
struct sampler;

/* Prints "nebtop: 3.0s  1,234,567 in  412,345 rec/s  63.2 MB/s  0 errors  running". */
void progress_print_line(struct pipeline *p, struct sampler *s);
/* How the run ended (outcome.h) from its counts over the whole run. */
void progress_judge_run(struct run_outcome *o, struct pipeline *p, struct sampler *s, int failed,
			int snapshot_written, const struct max_errors *m);
/* Prints the end-of-run summary (records, rates, where the output went, and
 * why the exit status is not 0 when it is not). */
void progress_print_summary(struct pipeline *p, struct sampler *s, const struct run_outcome *o);
/* The status of a run abandoned while it drained (a second stop signal, a
 * second q): the shell's for an interrupted run. */
#define PROGRESS_ABANDONED_STATUS 130
/* Says on stderr that the drain was abandoned (`how`: "a second q"), how
 * many records read were not written and where they waited, and what was
 * left where (the destination's describe_left); the caller then exits with
 * PROGRESS_ABANDONED_STATUS without draining. */
void progress_print_abandoned(struct pipeline *p, struct sampler *s, const char *how);

#endif
