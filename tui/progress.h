/* progress.h: the headless front end: one progress line on stderr per second
 * and a summary when the run ends. */
#ifndef NEB_PROGRESS_H
#define NEB_PROGRESS_H

struct pipeline;
struct sampler;

/* Prints "nebtop: 3.0s  1,234,567 in  412,345 rec/s  63.2 MB/s  0 errors  running". */
void progress_print_line(struct pipeline *p, struct sampler *s);
/* Prints the end-of-run summary (records, rates, where the output went). */
void progress_print_summary(struct pipeline *p, struct sampler *s, int failed);

#endif
