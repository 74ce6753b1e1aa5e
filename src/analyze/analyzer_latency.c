/* analyzer_latency.c: the latency rule: when one part (a wait in a channel,
 * a step's work) takes most of the time of the slowest batches followed
 * from read to write, a low finding names it, and what shortens it. Low:
 * it says where the time goes, not that anything is wrong; the pace rule
 * says what holds the throughput back. */
#include "autoconfig.h"

#include <stdio.h>

#include "analyzer_internal.h"
#include "../base/units.h"

/* Batches followed before the tail is judged, and the share of the p99
 * batches' time a part must take to be named. */
#define AN_LATENCY_MIN_BATCHES 8
#define AN_LATENCY_SHARE_PCT 50.0

int analyzer_rule_latency(const struct analyzer_input *in, struct findings *out)
{
	const struct an_latency *l = in->latency;
	if (!l || l->batches < AN_LATENCY_MIN_BATCHES || l->share_pct < AN_LATENCY_SHARE_PCT)
		return 0;
	struct finding *f = analyzer_add_stage_finding(out, FIND_LATENCY_TAIL, SEV_LOW, l->stage);
	if (!f)
		return -1;
	char p99[32], mean[32];
	units_format_duration(p99, sizeof p99, (uint64_t)(l->p99_us * 1000.0));
	units_format_duration(mean, sizeof mean, (uint64_t)(l->mean_us * 1000.0));
	finding_set(f->component, sizeof f->component, "%s", l->part);
	finding_set(f->description, sizeof f->description, "p99 latency %s (read to write; mean %s) is %.0f%% %s: %s",
		    p99, mean, l->share_pct, l->part,
		    l->queue ? "records queue in front of the stage" : "the stage's own work");
	f->impact_pct = l->share_pct;
	finding_set(f->impact_of, sizeof f->impact_of, "the time of the slowest 1%% of the batches, read to write");
	finding_figure(f, "p99_us", l->p99_us, "p99 %s", p99);
	finding_figure(f, "mean_us", l->mean_us, "mean %s", mean);
	finding_figure(f, "share_pct", l->share_pct, "%.0f%% of p99", l->share_pct);
	if (l->queue) {
		finding_suggest(f,
				"Records wait for stage %s: it takes them slower than they come (see the bottleneck "
				"finding); making it faster shortens the wait",
				l->stage);
		if (in->buffer)
			finding_suggest(f,
					"A smaller buffer (now %llu records) holds fewer records in front of %s: the "
					"wait shrinks with it, and the throughput stays while the buffer still "
					"holds a few batches",
					(unsigned long long)in->buffer, l->stage);
	} else if (in->batch > 1) {
		finding_suggest(f,
				"Smaller batches (batch = %llu, now %llu) spend less time each in %s's work, at the "
				"cost of more per-batch overhead",
				(unsigned long long)(in->batch / 2), (unsigned long long)in->batch, l->stage);
	}
	return 0;
}
