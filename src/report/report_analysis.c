/* report_analysis.c: bottleneck_analysis_TS.txt, the analyzer's findings for
 * people: a summary by severity, the primary bottleneck, each finding with
 * its component, impact, suggestions and figures, then the recommendations
 * in order of priority. */
#include "autoconfig.h"

#include "report_whatif.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/buf.h"
#include "../../pipeline/pipeline.h"
#include "../analyze/analyzer.h"
#include "../config/config.h"
#include "snapshot.h"

static void report_analysis_finding(struct buf *b, size_t i, const struct finding *f)
{
	buf_printf(b, "%zu. [%s] %s\n", i + 1, analyzer_severity_upper(f->severity), f->description);
	buf_printf(b, "   Type:        %s\n", analyzer_type_name(f->type));
	if (f->stage[0] && strcmp(f->stage, f->component))
		buf_printf(b, "   Component:   %s (stage %s)\n", f->component, f->stage);
	else
		buf_printf(b, "   Component:   %s\n", f->component);
	buf_printf(b, "   Impact:      %.1f%% (%s)\n", f->impact_pct, f->impact_of);
	if (f->nfigures) {
		buf_printf(b, "   Figures:     ");
		for (size_t k = 0; k < f->nfigures; k++)
			buf_printf(b, "%s%s", k ? "; " : "", f->figures[k].text);
		buf_printf(b, "\n");
	}
	if (f->nsuggestions) {
		buf_printf(b, "   Suggestions:\n");
		for (size_t k = 0; k < f->nsuggestions; k++)
			buf_printf(b, "     - %s\n", f->suggestions[k]);
	}
	buf_printf(b, "\n");
}

int report_analysis_build(const struct snapshot_ctx *x, char **out, struct errbuf *e)
{
	(void)e;
	const struct config *c = config_of_pipeline(x->p);
	const struct findings *fnd = x->findings;
	size_t n[4];
	findings_count(fnd, n);
	struct buf b = { 0 };
	buf_printf(&b, "nebtop %s bottleneck analysis: %s\n", PACKAGE_VERSION, c->pl.name);
	buf_printf(&b, "Time:     %s\n", x->timestamp);
	if (fnd->drained_s > 0)
		buf_printf(&b, "Window:   the %.1fs before the source stopped; the pipeline then drained for %.1fs (state %s)\n",
			   fnd->window_s, fnd->drained_s, pipeline_state_name(pipeline_get_state(x->p)));
	else
		buf_printf(&b, "Window:   the last %.1fs of the run (state %s)\n", fnd->window_s,
			   pipeline_state_name(pipeline_get_state(x->p)));
	buf_printf(&b, "Summary:  %zu finding%s: %zu critical, %zu high, %zu medium, %zu low\n", fnd->n,
			       fnd->n == 1 ? "" : "s", n[SEV_CRITICAL], n[SEV_HIGH], n[SEV_MEDIUM], n[SEV_LOW]);
	if (!fnd->n) {
		buf_printf(&b, "Primary bottleneck: none\n\nNo bottleneck found: no stage holds the pipeline "
					   "back, no channel fills up, and no hot function, allocator, lock, memory, thread "
					   "or error figure crossed its threshold ([alerts]).\n");
	} else {
		const struct finding *p = &fnd->v[0];
		if (p->type == FIND_KEEPS_UP || p->type == FIND_TOO_SHORT)
			buf_printf(&b, "Primary bottleneck: none: %s ([%s] %s, %s)\n\n",
				   p->type == FIND_KEEPS_UP ? "the pipeline keeps up with its input" : "too short to judge",
				   analyzer_severity_upper(p->severity), p->component, analyzer_type_name(p->type));
		else
			buf_printf(&b, "Primary bottleneck: [%s] %s (%s)\n\n", analyzer_severity_upper(p->severity),
				   p->component, analyzer_type_name(p->type));
		buf_printf(&b, "Findings (most severe first):\n\n");
		for (size_t i = 0; i < fnd->n; i++)
			report_analysis_finding(&b, i, &fnd->v[i]);
		buf_printf(&b, "Recommendations (by priority):\n");
		size_t k = 0;
		for (size_t i = 0; i < fnd->n; i++) {
			const struct finding *f = &fnd->v[i];
			if (!f->nsuggestions || f->severity == SEV_LOW)
				continue;
			buf_printf(&b, "  %zu. [%s %s] %s\n", ++k, analyzer_severity_upper(f->severity),
					       f->component, f->suggestions[0]);
		}
		if (!k)
			buf_printf(&b, "  Nothing urgent: every finding is low.\n");
	}
	report_whatif_text(&b, x->whatif);
	buf_append_byte(&b, 0);
	*out = b.p;
	return 0;
}
