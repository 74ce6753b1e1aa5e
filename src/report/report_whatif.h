/* report_whatif.h: the what-if experiments' results (whatif_run.h) for the
 * metrics JSON, the text report and the analysis (report_whatif.c). */
#ifndef NEB_REPORT_WHATIF_H
#define NEB_REPORT_WHATIF_H

#include <jansson.h>
#include <stddef.h>

#include "../base/buf.h"

struct whatif_result;
struct whatif_run;

/* The `whatif` key's value (one row per stage and speed-up), or NULL when no
 * experiment has a round yet. */
json_t *report_whatif_json(struct whatif_run *r);
/* The What-if section: a table per stage, what it costs, and what would
 * limit next (nothing when no experiment has a round yet). */
void report_whatif_text(struct buf *b, struct whatif_run *r);
/* "making enrich 2x faster would gain +4%: sink would then limit" */
void report_whatif_tell(const struct whatif_result *w, char *dst, size_t n);

#endif
