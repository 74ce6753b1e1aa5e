/* snapshot.c: a whole snapshot of a run: the profiles, the analysis, the
 * reports and the metrics, named together (snapshot_files.c). */
#include "autoconfig.h"

#include "snapshot.h"

#include "../analyze/analyzer.h"
#include "../config/config.h"
#include "../../pipeline/figures.h"
#include "../../pipeline/pipeline.h"
#include "../../pipeline/sampler.h"

#include "../profile/profiler.h"
#include "../base/secrets.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

void snapshot_read_run(const struct snapshot_ctx *x, struct figures *f, double *steady, char *src, char *dst,
		       size_t n)
{
	sampler_lock(x->s);
	figures_compute(f, x->s, 0);
	if (steady)
		*steady = figures_steady_rate(x->s);
	sampler_unlock(x->s);
	pipeline_describe_source(x->p, src, n);
	pipeline_describe_dest(x->p, dst, n);
}

static int snapshot_analyze(struct pipeline *p, struct sampler *s, struct profiler *prof, struct analyzer *an,
			    struct findings *out, struct errbuf *e)
{
	struct analyzer *own = NULL;
	if (!an) {
		own = analyzer_create(p, s, prof, &config_of_pipeline(p)->al);
		if (!own)
			return errbuf_set(e, "out of memory for the analysis");
		an = own;
	}
	int rc = analyzer_analyze_now(an, out);
	analyzer_free(own);
	return rc ? errbuf_set(e, "out of memory for the analysis") : 0;
}

int snapshot_write(struct pipeline *p, struct sampler *s, struct profiler *prof, struct analyzer *an,
		   const struct export_counts *ex, const char *dir, int final, struct snapshot_result *res,
		   struct errbuf *e)
{
	if (snapshot_begin(dir, res, e))
		return -1;
	char timestamp[40];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(timestamp, sizeof timestamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (profiler_write_files(prof, dir, res->stamp, res, e)) {
		snapshot_discard(res);
		return -1;
	}
	struct findings found = { 0 };
	if (snapshot_analyze(p, s, prof, an, &found, e)) {
		snapshot_discard(res);
		return -1;
	}
	struct snapshot_ctx x = { p, s, prof, &found, timestamp, final, ex, analyzer_get_whatif(an) };
	struct {
		const char *prefix, *suffix;
		int (*build)(const struct snapshot_ctx *, char **, struct errbuf *);
		int scrub; /* the text is scrubbed whole (the JSON scrubs its string values itself) */
	} parts[] = {
		/* metrics last: its presence marks a complete snapshot for the stamp search */
		{ "report_", ".txt", report_text_build, 1 },
		{ "bottleneck_analysis_", ".txt", report_analysis_build, 1 },
		{ "metrics_", ".json", report_json_build, 0 },
	};
	int rc = 0;
	for (size_t i = 0; i < sizeof parts / sizeof parts[0] && !rc; i++) {
		char *text = NULL;
		if (parts[i].build(&x, &text, e)) {
			rc = -1;
			break;
		}
		/* the last line of defence: no secret, valid UTF-8 */
		char *clean = parts[i].scrub ? secrets_scrub_dup(text, strlen(text)) : text;
		if (clean != text)
			free(text);
		if (!clean) {
			rc = errbuf_set(e, "out of memory for the snapshot");
			break;
		}
		char name[64];
		snprintf(name, sizeof name, "%s%s%s", parts[i].prefix, res->stamp, parts[i].suffix);
		rc = snapshot_stage_file(res, dir, name, clean, strlen(clean), e);
		free(clean);
	}
	findings_free(&found);
	/* every file written: all take their names; else none does */
	if (rc) {
		snapshot_discard(res);
		return -1;
	}
	return snapshot_commit(res, e);
}
