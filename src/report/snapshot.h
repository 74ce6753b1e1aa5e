/* snapshot.h: writing a whole snapshot of a run (the profiles, the analysis,
 * the reports and the metrics) through snapshot_files.h, and the report
 * writers it calls. */
#ifndef NEB_SNAPSHOT_H
#define NEB_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>

#include "../base/errbuf.h"
#include "../profile/snapshot_files.h"

struct analyzer;
struct findings;
struct pipeline;
struct profiler;
struct sampler;

/* What the export to a collector (the OTLP export of src/serve) did so far,
 * as the reports show it; the layer that owns the export fills it. */
enum { EXPORT_METRICS = 0, EXPORT_TRACES = 1 };
struct export_counts {
	char endpoint[512]; /* where it pushes, without user or password */
	struct {
		uint64_t sent, retried, dropped; /* requests accepted; tried again; given up */
	} sig[2];				 /* EXPORT_METRICS, EXPORT_TRACES */
	uint64_t spans_dropped;			 /* steps not kept: the queue was full */
};

/* Writes every file of a snapshot of the run into dir: the profiles of the
 * profiler (NULL: none), the analysis (an analyzes the window ending now;
 * NULL: an analysis with the configuration's [alerts]), the reports and the
 * metrics. final: the snapshot written once at the end of the run (the
 * metrics say so). ex: the export's counts, or NULL when there is no export. */
int snapshot_write(struct pipeline *p, struct sampler *s, struct profiler *prof, struct analyzer *an,
		   const struct export_counts *ex, const char *dir, int final, struct snapshot_result *res,
		   struct errbuf *e);

/* What the report writers read. */
struct snapshot_ctx {
	struct pipeline *p;
	struct sampler *s;
	struct profiler *prof;
	const struct findings *findings; /* sorted; v[0] is the primary bottleneck */
	const char *timestamp;           /* RFC 3339 */
	int final;                       /* the snapshot at the end of the run */
	const struct export_counts *ex;	 /* the export's counts, or NULL: no export */
	struct whatif_run *whatif;       /* the what-if experiments, or NULL */
};

struct figures;
/* What every report starts from: the figures of the whole run so far (f),
 * its source and destination described (src, dst: n bytes each), and, when
 * steady is not NULL, the steady rate (figures_steady_rate, read under the
 * same lock). */
void snapshot_read_run(const struct snapshot_ctx *x, struct figures *f, double *steady, char *src, char *dst,
		       size_t n);

/* Writers of the individual files (report_json.c, report_text.c,
 * report_analysis.c). Each returns the text in *out (malloc'd) or -1. */
int report_json_build(const struct snapshot_ctx *x, char **out, struct errbuf *e);
int report_text_build(const struct snapshot_ctx *x, char **out, struct errbuf *e);
int report_analysis_build(const struct snapshot_ctx *x, char **out, struct errbuf *e);
/* The run's identifier, as the metrics JSON's run_id. */
void report_run_id(struct pipeline *p, char *run_id, size_t n);

#endif
