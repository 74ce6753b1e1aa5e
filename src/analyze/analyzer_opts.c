/* analyzer_opts.c: the [alerts] keys, every threshold of the analyzer's
 * rules with its default, in one table. */
#include "autoconfig.h"

#include "analyzer.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#define ALERT_PCT(key, def, member, help) \
	{ key, CONF_DOUBLE, def, offsetof(struct alert_opts, member), help, NULL, 0, 100, 0 }

const struct confkey analyzer_alert_keys[] = {
	{ "window", CONF_DURATION, "10s", offsetof(struct alert_opts, window_ns),
	  "the sliding window the rules look at", NULL, CONF_SECONDS(1), CONF_SECONDS(3600), 0 },
	ALERT_PCT("busy_pct", "80", busy_pct, "a stage busy at least this share of its time can be the bottleneck"),
	ALERT_PCT("backpressured_pct", "50", backpressured_pct,
		  "an upstream stage backpressured at least this share waits on the bottleneck"),
	ALERT_PCT("idle_pct", "50", idle_pct, "a downstream stage idle at least this share is mostly idle"),
	ALERT_PCT("server_wait_pct", "50", server_wait_pct,
		  "a source or destination bottleneck whose connector waits on its server or file at least this share "
		  "of its busy time is named as waiting on it"),
	ALERT_PCT("bottleneck_medium_pct", "40", bottleneck_medium_pct,
		  "share of the other stages' time waiting on the bottleneck for medium severity"),
	ALERT_PCT("bottleneck_high_pct", "60", bottleneck_high_pct, "... for high severity"),
	ALERT_PCT("bottleneck_critical_pct", "80", bottleneck_critical_pct, "... for critical severity"),
	ALERT_PCT("channel_medium_pct", "60", channel_medium_pct, "average channel fill above this is medium"),
	ALERT_PCT("channel_high_pct", "85", channel_high_pct, "average channel fill above this is high"),
	ALERT_PCT("hotspot_medium_pct", "20", hotspot_medium_pct, "a function's share of CPU samples for medium"),
	ALERT_PCT("hotspot_high_pct", "30", hotspot_high_pct, "... for high"),
	ALERT_PCT("hotspot_critical_pct", "45", hotspot_critical_pct, "... for critical"),
	ALERT_PCT("allocator_medium_pct", "5", allocator_medium_pct, "the allocator's share of CPU for medium"),
	ALERT_PCT("allocator_high_pct", "10", allocator_high_pct, "... for high"),
	ALERT_PCT("allocator_critical_pct", "20", allocator_critical_pct, "... for critical"),
	{ "memory_growth_medium", CONF_SIZE, "1MB", offsetof(struct alert_opts, memory_growth_medium),
	  "steady heap growth per second for medium", NULL, 0, 0, 0 },
	{ "memory_growth_high", CONF_SIZE, "5MB", offsetof(struct alert_opts, memory_growth_high),
	  "... for high", NULL, 0, 0, 0 },
	{ "memory_growth_critical", CONF_SIZE, "10MB", offsetof(struct alert_opts, memory_growth_critical),
	  "... for critical", NULL, 0, 0, 0 },
	{ "memory_growth_fit", CONF_DOUBLE, "0.8", offsetof(struct alert_opts, memory_growth_fit),
	  "least R^2 of the fitted slope for the growth to count as steady", NULL, 0, 1, 0 },
	ALERT_PCT("lock_wait_medium_pct", "10", lock_wait_medium_pct,
		  "share of its waiters' time spent waiting for a lock for medium"),
	ALERT_PCT("lock_wait_high_pct", "25", lock_wait_high_pct, "... for high"),
	ALERT_PCT("lock_wait_critical_pct", "50", lock_wait_critical_pct, "... for critical"),
	ALERT_PCT("error_medium_pct", "1", error_medium_pct, "share of records that failed for medium"),
	ALERT_PCT("error_high_pct", "5", error_high_pct, "... for high"),
	ALERT_PCT("error_critical_pct", "20", error_critical_pct, "... for critical"),
	ALERT_PCT("cpu_underuse_pct", "25", cpu_underuse_pct,
		  "CPU use below this share of the cores, with no stage busy, is under-use"),
	{ "thread_growth", CONF_UINT, "2", offsetof(struct alert_opts, thread_growth),
	  "threads gained (never falling) over the window for a suspected leak", NULL, 1, 1e6, 0 },
	{ NULL, 0, NULL, 0, NULL, NULL, 0, 0, 0 },
};

void analyzer_default_opts(struct alert_opts *o)
{
	struct errbuf e;
	if (confmap_set_defaults(analyzer_alert_keys, o, &e)) {
		fprintf(stderr, "nebtop: %s\n", e.msg);
		abort();
	}
}

/* The bands of one kind of finding must rise: medium <= high <= critical
 * (channels have no critical band). */
int analyzer_check_opts(const struct alert_opts *o, const struct confsection *sec, struct errbuf *e)
{
	const struct {
		const char *kind;
		double medium, high, critical; /* critical < 0: the kind has none */
	} bands[] = {
		{ "bottleneck_*_pct", o->bottleneck_medium_pct, o->bottleneck_high_pct, o->bottleneck_critical_pct },
		{ "channel_*_pct", o->channel_medium_pct, o->channel_high_pct, -1 },
		{ "hotspot_*_pct", o->hotspot_medium_pct, o->hotspot_high_pct, o->hotspot_critical_pct },
		{ "allocator_*_pct", o->allocator_medium_pct, o->allocator_high_pct, o->allocator_critical_pct },
		{ "memory_growth_*", (double)o->memory_growth_medium, (double)o->memory_growth_high,
		  (double)o->memory_growth_critical },
		{ "lock_wait_*_pct", o->lock_wait_medium_pct, o->lock_wait_high_pct, o->lock_wait_critical_pct },
		{ "error_*_pct", o->error_medium_pct, o->error_high_pct, o->error_critical_pct },
	};
	for (size_t i = 0; i < sizeof bands / sizeof bands[0]; i++) {
		int two = bands[i].critical < 0;
		if (bands[i].medium <= bands[i].high && (two || bands[i].high <= bands[i].critical))
			continue;
		char where[512];
		confmap_format_where(where, sizeof where, sec, NULL);
		if (two)
			return errbuf_set(e, "%s: %s: the high threshold must not be below the medium one (now %.15g, %.15g)",
					  where, bands[i].kind, bands[i].medium, bands[i].high);
		return errbuf_set(e, "%s: %s: the medium, high and critical thresholds must not fall (now %.15g, %.15g, "
				  "%.15g)", where, bands[i].kind, bands[i].medium, bands[i].high, bands[i].critical);
	}
	return 0;
}
