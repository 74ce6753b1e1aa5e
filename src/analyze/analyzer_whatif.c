/* analyzer_whatif.c: the what-if rule: when experiments (whatif_run.h) have
 * measured what speeding up the stage a pace verdict names would buy, that
 * verdict's impact is the measured gain at 2x, not the capacity arithmetic,
 * and it says which it used and what would limit next. */
#include "autoconfig.h"

#include <string.h>

#include "analyzer_internal.h"
#include "whatif_run.h"

/* Rounds before a measurement replaces the arithmetic. */
#define AN_WHATIF_MIN_ROUNDS 2

static const struct whatif_result *analyzer_whatif_for(const struct analyzer_input *in, const char *stage)
{
	for (size_t i = 0; i < in->nwhatif; i++)
		if (!strcmp(in->whatif[i].stage, stage) && in->whatif[i].rounds >= AN_WHATIF_MIN_ROUNDS)
			return &in->whatif[i];
	return NULL;
}

int analyzer_rule_whatif(const struct analyzer_input *in, struct findings *out)
{
	for (size_t i = 0; i < out->n; i++) {
		struct finding *f = &out->v[i];
		if (f->type != FIND_PIPELINE_BOTTLENECK && f->type != FIND_KEEPS_UP)
			continue;
		const struct whatif_result *w = analyzer_whatif_for(in, f->stage);
		if (!w)
			continue;
		size_t two = WHATIF_SPEEDUPS - 1;
		double g = whatif_pct_shown(whatif_gain_pct(w, two)),
		       lo = whatif_pct_shown(100 * (w->points[two].low / w->baseline - 1)),
		       hi = whatif_pct_shown(100 * (w->points[two].high / w->baseline - 1));
		if (whatif_too_noisy(w)) {
			/* the impact stays the capacity's: the experiments cannot tell */
			char tail[200];
			finding_set(tail, sizeof tail,
				    "; what-if: too noisy to tell what making %s 2x faster would gain (%+.0f%% to "
				    "%+.0f%%)",
				    w->stage, lo, hi);
			size_t dl = strlen(f->description);
			if (dl + strlen(tail) < sizeof f->description)
				memcpy(f->description + dl, tail, strlen(tail) + 1);
			continue;
		}
		/* a share, 0..100: a 2x stage cannot more than double the
		 * pipeline, above that is the estimate's noise */
		f->impact_pct = g < 0 ? 0 : g > 100 ? 100 : g;
		finding_set(f->impact_of, sizeof f->impact_of,
			    "the throughput gained if %s were 2x faster, measured by %u rounds of virtual speed-up "
			    "experiments (%+.0f%%, 95%% interval %+.0f%% to %+.0f%%), not estimated from its capacity",
			    w->stage, w->rounds, g, lo, hi);
		int other = strcmp(w->limiter, w->stage) != 0;
		char tail[200];
		if (other)
			finding_set(tail, sizeof tail,
				    "; what-if: making %s 2x faster would gain %+.0f%%: %s would then limit", w->stage,
				    g, w->limiter);
		else
			finding_set(tail, sizeof tail, "; what-if: making %s 2x faster would gain %+.0f%%", w->stage,
				    g);
		size_t dl = strlen(f->description);
		if (dl + strlen(tail) < sizeof f->description)
			memcpy(f->description + dl, tail, strlen(tail) + 1);
		finding_figure(f, "whatif_gain_2x_pct", g, "%+.0f%% throughput if %s were 2x faster (measured)", g,
			       w->stage);
		if (other && g < 10)
			finding_suggest(
			    f,
			    "Speeding up %s alone buys little (%+.0f%% at 2x): %s would then limit; work on "
			    "both, or on %s first",
			    w->stage, g, w->limiter, w->limiter);
	}
	return 0;
}
