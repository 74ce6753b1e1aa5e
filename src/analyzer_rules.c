/* analyzer_rules.c: the analyzer's rules, plain arithmetic over one window's
 * figures (struct analyzer_input) producing findings with severities,
 * impacts and suggestions. Nothing here reads the running pipeline, so unit
 * tests drive every rule with made-up figures. */
#include "analyzer_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../pipeline/pipeline.h"
#include "prof_cpu.h"
#include "units.h"

/* Shares of fewer CPU samples than this are noise: no CPU rule fires. */
#define ANALYZER_MIN_SAMPLES 50

/* --- pipeline bottleneck (Flink's rule) ------------------------------------------- */

/* What a stage could do with its threads all busy: its rate over its busy
 * share; 0 when too little busy time was seen to tell. */
static double analyzer_stage_capacity(const struct an_stage *s)
{
	double rate = s->kind == STAGE_SOURCE ? s->out_per_sec : s->in_per_sec;
	if (s->busy_pct < 1 || rate <= 0)
		return 0;
	return rate / (s->busy_pct / 100);
}

/* The share of the other stages' thread time spent waiting on stage b:
 * upstream backpressured, downstream idle. With transforms_only, only the
 * transform stages count (the source's case). */
static double analyzer_waiting_share(const struct analyzer_input *in, size_t b, int transforms_only)
{
	double wait = 0, total = 0;
	for (size_t i = 0; i < in->nstages; i++) {
		const struct an_stage *s = &in->stages[i];
		if (i == b || (transforms_only && s->kind != STAGE_TRANSFORM))
			continue;
		double th = s->threads > 0 ? s->threads : 1;
		wait += th * (i < b ? s->backpressured_pct : s->idle_pct);
		total += th * 100;
	}
	return total > 0 ? 100 * wait / total : 0;
}

/* What to do about a bottleneck stage. A source or destination is told what
 * sets its pace: its configured rate (generate's `rate`, `rate_limit`),
 * the system its connector waits on (see analyzer_wait_suggest), or, when
 * it waits on nothing outside, its own thread's CPU. A transform gets more
 * workers only when analyzer_workers_help says they would help. */
static void analyzer_bottleneck_suggest(struct finding *f, const struct an_stage *s, const struct analyzer_input *in,
					const struct alert_opts *o, int waits)
{
	char why[200];
	enum workers_help help = analyzer_workers_help(in, o, s->name, why, sizeof why);
	int more = help == WORKERS_HELP;
	if (s->kind != STAGE_TRANSFORM && analyzer_stage_paced(s)) {
		finding_suggest(f, "Its %s = %.0f in [%s] sets the pace, by configuration: raise or remove %s to push "
				   "more records through", s->rate_key, s->rate_limit,
				s->kind == STAGE_SOURCE ? "source" : "destination", s->rate_key);
		if (s->kind == STAGE_SOURCE)
			finding_suggest(f, "In a load test, raise %s until another stage becomes the bottleneck: that "
					   "stage is the pipeline's limit", s->rate_key);
	} else if (s->kind == STAGE_SOURCE) {
		if (s->waits_on && !waits)
			finding_suggest(f, "The source spends its time reading and parsing rather than waiting on its %s: "
					   "read larger chunks (-batch)%s", s->waits_on,
					more ? " and decode on more threads (-workers)" : "");
		else if (!s->waits_on)
			finding_suggest(f, "The source waits on nothing outside: its own thread makes the records as fast "
					   "as it can, and that is the limit");
		finding_suggest(f, "In a load test, a source that cannot keep up means the load is too low to find the "
				   "pipeline's limit: feed it faster");
	} else if (s->kind == STAGE_DESTINATION) {
		if (s->waits_on && !waits)
			finding_suggest(f, "Everything upstream is backpressured by the destination, which spends its time "
					   "encoding and writing rather than waiting on its %s: write larger batches (-batch)%s",
					s->waits_on, more ? " and encode on more threads (-workers)" : "");
		else if (!s->waits_on)
			finding_suggest(f, "Everything upstream is backpressured by the destination, which waits on nothing "
					   "outside: write larger batches (-batch) so that each write costs less per record");
		if (s->rate_limit > 0)
			finding_suggest(f, "Its rate_limit = %.0f in [destination] is not reached: the limit is the writing "
					   "itself", s->rate_limit);
	} else {
		if (more)
			finding_suggest(f, "Give stage %s more workers (-workers or [pipeline] workers): the machine has "
					   "idle cores (%.1f of %.0f used)", s->name, in->cores_used, in->cores);
		else if (help == WORKERS_LOCKED)
			finding_suggest(f, "More workers will not help stage %s: %s; make the lock cheaper first (see its "
					   "lock_contention finding)", s->name, why);
		else
			finding_suggest(f, "More workers will not help stage %s: %s; make its work cheaper", s->name, why);
		finding_suggest(f, "Profile what it spends its time on: go tool pprof -top -tagfocus=stage=%s cpu_*.prof",
				s->name);
		finding_suggest(f, "Make its per-record work cheaper, or move it after a filter so that it sees fewer "
				   "records");
	}
}

/* A source or destination whose time goes to waiting on its system: what
 * helps is fewer, larger round trips and a faster system, not more CPU. */
static void analyzer_wait_suggest(struct finding *f, const struct an_stage *s)
{
	if (s->kind == STAGE_DESTINATION)
		finding_suggest(f, "The %s, not nebtop, sets the pace: send fewer, larger batches (-batch; "
				   "commit_every for PostgreSQL, max_batch_bytes for HTTP) so that each round trip "
				   "carries more records", s->waits_on);
	else
		finding_suggest(f, "The %s, not nebtop, sets the pace: fetch fewer, larger pages or chunks so that "
				   "each round trip carries more records", s->waits_on);
	finding_suggest(f, "Look at the %s itself: its CPU and disk, indexes, constraints or triggers on the table, "
			   "rate limits, and the network latency to it", s->waits_on);
}

/* Flink's rule: a busy stage whose upstream is backpressured (or whose input
 * channel is full) and whose downstream is mostly idle; the source when all
 * the rest is idle; the destination when all upstream is backpressured. */
static int analyzer_rule_bottleneck(const struct analyzer_input *in, const struct alert_opts *o,
				    struct findings *out, size_t *which)
{
	*which = (size_t)-1;
	if (in->nstages < 2 || in->records_in == 0)
		return 0;
	size_t b = (size_t)-1;
	for (size_t i = 0; i < in->nstages && b == (size_t)-1; i++) {
		const struct an_stage *s = &in->stages[i];
		int up_waits = 1, down_idle = 1;
		for (size_t j = 0; j < in->nstages; j++) {
			const struct an_stage *t = &in->stages[j];
			if (j < i && t->backpressured_pct < o->backpressured_pct)
				up_waits = 0;
			if (j > i && t->idle_pct < o->idle_pct)
				down_idle = 0;
		}
		if (s->kind == STAGE_SOURCE) {
			if (down_idle && s->backpressured_pct < o->backpressured_pct)
				b = i;
			continue;
		}
		int pushed = in->stages[i - 1].backpressured_pct >= o->backpressured_pct ||
			     (i - 1 < in->nchannels && in->channels[i - 1].fill_avg_pct >= o->channel_high_pct);
		if (s->kind == STAGE_DESTINATION) {
			if (up_waits && s->busy_pct >= o->busy_pct)
				b = i;
		} else if (s->busy_pct >= o->busy_pct && pushed && down_idle) {
			b = i;
		}
	}
	if (b == (size_t)-1)
		return 0;
	const struct an_stage *s = &in->stages[b];
	double waiting = analyzer_waiting_share(in, b, s->kind == STAGE_SOURCE);
	int sev = analyzer_band(waiting, o->bottleneck_medium_pct, o->bottleneck_high_pct, o->bottleneck_critical_pct);
	/* a source that sets the pace leaves capacity unused; it is never an emergency */
	if (s->kind == STAGE_SOURCE && sev > SEV_HIGH)
		sev = SEV_HIGH;
	struct finding *f = analyzer_add_finding(out, FIND_PIPELINE_BOTTLENECK, sev < 0 ? SEV_LOW : (enum severity)sev);
	if (!f)
		return -1;
	*which = b;
	snprintf(f->component, sizeof f->component, "%s", s->name);
	snprintf(f->stage, sizeof f->stage, "%s", s->name);
	double rate = s->kind == STAGE_SOURCE ? s->out_per_sec : s->in_per_sec;
	char rtext[32];
	units_format_count(rtext, sizeof rtext, (uint64_t)(rate + 0.5));
	int transforms = 0;
	for (size_t i = 0; i < in->nstages; i++)
		transforms += in->stages[i].kind == STAGE_TRANSFORM;
	/* a connector that spends its time waiting on its system is named as such */
	int waits = s->waits_on && s->kind != STAGE_TRANSFORM && s->wait_pct >= o->server_wait_pct;
	int paced = analyzer_stage_paced(s);
	if (s->kind == STAGE_SOURCE && paced)
		finding_set(f->description, sizeof f->description,
			    "The source sets the pace at its configured %s = %.0f: %s records/s, while the other stages "
			    "are mostly idle (%.0f%% of the transform workers' time waits for input)", s->rate_key,
			    s->rate_limit, rtext, waiting);
	else if (s->kind == STAGE_SOURCE && waits)
		finding_set(f->description, sizeof f->description,
			    "The source sets the pace, waiting on its %s: %.0f%% of its busy time waits on it, at %s "
			    "records/s, while the other stages are mostly idle (%.0f%% of their time waits for input)",
			    s->waits_on, s->wait_pct, rtext, waiting);
	else if (s->kind == STAGE_SOURCE && transforms)
		finding_set(f->description, sizeof f->description,
			    "The source sets the pace: %s records/s, while every other stage is mostly idle (%.0f%% of "
			    "the transform workers' time waits for input)", rtext, waiting);
	else if (s->kind == STAGE_SOURCE)
		finding_set(f->description, sizeof f->description,
			    "The source sets the pace: %s records/s, while the destination is mostly idle (no transform "
			    "stage waits on it)", rtext);
	else if (s->kind == STAGE_DESTINATION && paced)
		finding_set(f->description, sizeof f->description,
			    "Destination %s is the bottleneck at its configured %s = %.0f: %s records/s while everything "
			    "upstream is backpressured (%.0f%% of their time waits on it)", s->name, s->rate_key,
			    s->rate_limit, rtext, waiting);
	else if (s->kind == STAGE_DESTINATION && waits)
		finding_set(f->description, sizeof f->description,
			    "Destination %s is the bottleneck, waiting on its %s: %.0f%% of its busy time waits on it; "
			    "busy %.1f%% at %s records/s while everything upstream is backpressured (%.0f%% of their "
			    "time waits on it)", s->name, s->waits_on, s->wait_pct, s->busy_pct, rtext, waiting);
	else if (s->kind == STAGE_DESTINATION)
		finding_set(f->description, sizeof f->description,
			    "Destination %s is the bottleneck: busy %.1f%% at %s records/s while everything upstream is "
			    "backpressured (%.0f%% of their time waits on it)", s->name, s->busy_pct, rtext, waiting);
	else
		finding_set(f->description, sizeof f->description,
			    "Stage %s is the bottleneck: busy %.1f%% at %s records/s while upstream is backpressured "
			    "and downstream waits (%.0f%% of the other stages' time waits on it)", s->name, s->busy_pct,
			    rtext, waiting);
	/* impact: the share of the next slowest stage's capacity that goes
	 * unused because this one is slower, 0..100 (the speed-up it would give
	 * is a figure: a ratio, not a percentage) */
	double cap = analyzer_stage_capacity(s), next = 0;
	const char *next_name = NULL;
	for (size_t i = 0; i < in->nstages; i++) {
		double c = i == b ? 0 : analyzer_stage_capacity(&in->stages[i]);
		if (c > 0 && (next == 0 || c < next)) {
			next = c;
			next_name = in->stages[i].name;
		}
	}
	if (s->kind == STAGE_SOURCE || cap <= 0)
		cap = rate;
	if (next > 0 && cap > 0 && next > cap) {
		f->impact_pct = 100 * (1 - cap / next);
		char ntext[32];
		units_format_count(ntext, sizeof ntext, (uint64_t)(next + 0.5));
		finding_set(f->impact_of, sizeof f->impact_of,
			    "the next slowest stage's capacity left unused: %s could take about %s records/s, %.1fx "
			    "what %s gives it", next_name, ntext, next / cap, s->name);
	} else {
		f->impact_pct = waiting;
		finding_set(f->impact_of, sizeof f->impact_of, "the other stages' thread time spent waiting on %s",
			    s->name);
	}
	if (waits)
		analyzer_wait_suggest(f, s);
	analyzer_bottleneck_suggest(f, s, in, o, waits);
	finding_figure(f, "busy_pct", s->busy_pct, "%.1f%% busy", s->busy_pct);
	if (s->waits_on && s->kind != STAGE_TRANSFORM)
		finding_figure(f, "wait_pct", s->wait_pct, "%.1f%% of its busy time waiting on its %s", s->wait_pct,
			       s->waits_on);
	finding_figure(f, "backpressured_pct", s->backpressured_pct, "%.1f%% backpressured", s->backpressured_pct);
	finding_figure(f, "idle_pct", s->idle_pct, "%.1f%% idle", s->idle_pct);
	finding_figure(f, "records_per_sec", rate, "%s records/s", rtext);
	finding_figure(f, "waiting_pct", waiting, "%.1f%% of the other stages' time waits on it", waiting);
	if (cap > 0) {
		char ctext[32];
		units_format_count(ctext, sizeof ctext, (uint64_t)(cap + 0.5));
		finding_figure(f, "capacity_per_sec", cap, "%s records/s at full use", ctext);
	}
	if (next > cap && cap > 0)
		finding_figure(f, "speedup", next / cap, "up to %.1fx the throughput if %s kept up with %s", next / cap,
			       s->name, next_name);
	return 0;
}

/* --- channel fill (NiFi's bands) ------------------------------------------------- */

static int analyzer_rule_channels(const struct analyzer_input *in, const struct alert_opts *o, struct findings *out,
				  size_t bneck, enum severity bsev)
{
	for (size_t i = 0; i < in->nchannels; i++) {
		const struct an_channel *c = &in->channels[i];
		int sev = c->fill_avg_pct > o->channel_high_pct	   ? SEV_HIGH
			  : c->fill_avg_pct > o->channel_medium_pct ? SEV_MEDIUM
								    : -1;
		if (sev < 0)
			continue;
		/* a full channel is the symptom of a slow stage after it; when a
		 * pipeline bottleneck is found, no channel ranks above it */
		if (bneck != (size_t)-1 && sev > (int)bsev)
			sev = (int)bsev;
		struct finding *f = analyzer_add_finding(out, FIND_CHANNEL_BACKPRESSURE, (enum severity)sev);
		if (!f)
			return -1;
		const char *to = i + 1 < in->nstages ? in->stages[i + 1].name : "?";
		snprintf(f->component, sizeof f->component, "%s", c->name);
		snprintf(f->stage, sizeof f->stage, "%s", to);
		finding_set(f->description, sizeof f->description,
			    "Channel %s is %.1f%% full on average (at most %.1f%%): its senders wait %.1f%% of their time "
			    "for room", c->name, c->fill_avg_pct, c->fill_max_pct, c->send_blocked_pct);
		f->impact_pct = c->send_blocked_pct;
		finding_set(f->impact_of, sizeof f->impact_of, "the sending stage's time blocked on a full %s", c->name);
		char why[200];
		if (analyzer_workers_help(in, o, to, why, sizeof why) == WORKERS_HELP)
			finding_suggest(f, "Stage %s drains this channel slower than it fills: make it faster, or give it "
					   "more workers (-workers): the machine has idle cores", to);
		else
			finding_suggest(f, "Stage %s drains this channel slower than it fills: make its work cheaper (more "
					   "workers will not help: %s)", to, why);
		finding_suggest(f, "A larger -buffer only absorbs bursts; it does not raise throughput");
		finding_figure(f, "fill_avg_pct", c->fill_avg_pct, "%.1f%% full on average", c->fill_avg_pct);
		finding_figure(f, "fill_max_pct", c->fill_max_pct, "%.1f%% full at most", c->fill_max_pct);
		finding_figure(f, "send_blocked_pct", c->send_blocked_pct, "senders blocked %.1f%%", c->send_blocked_pct);
	}
	return 0;
}

/* --- CPU hotspots ------------------------------------------------------------------ */

static int analyzer_name_has(const char *name, const char *const *words)
{
	for (size_t i = 0; words[i]; i++)
		if (strstr(name, words[i]))
			return 1;
	return 0;
}

/* more: whether more workers would help the function's stage
 * (analyzer_workers_help); without them, the function must get cheaper. */
static void analyzer_hotspot_suggest(struct finding *f, const char *fn, int more)
{
	static const char *const codec[] = { "json", "csv", "escape", "parse", "encode", "decode", "format",
					     "printf", "strto", "utf8", "scan", "dtoa", "quote", NULL };
	static const char *const search[] = { "strstr", "memchr", "strchr", "regex", "regexec", "re_search",
					      "strcmp", "strlen", "strspn", "strcspn", "memcmp", "fnmatch", NULL };
	static const char *const copies[] = { "memcpy", "memmove", "memset", "strcpy", "strdup", "copy", NULL };
	static const char *const locks[] = { "pthread_mutex", "lll_lock", "futex", "nlock_", "pthread_cond",
					     "spin_lock", "spinlock", NULL };
	static const char *const io[] = { "write", "read", "send", "recv", "poll", "fsync", "fflush", "syscall",
					  "sendto", "recvfrom", "epoll", NULL };
	if (cpuprof_is_allocator(fn)) {
		finding_suggest(f, "The allocator itself is hot: reuse buffers, allocate per batch instead of per "
				   "record, or keep objects in a pool");
		finding_suggest(f, "Find who allocates: go tool pprof -top -sample_index=alloc_space memory_*.prof");
	} else if (analyzer_name_has(fn, codec)) {
		finding_suggest(f, "Encoding or parsing dominates: skip fields you do not need (a select stage)%s avoid "
				   "converting values twice%s", more ? "," : " and", more ? ", and parse on more threads" : "");
		finding_suggest(f, "Look at its hottest lines: go tool pprof -list '%s' cpu_*.prof", fn);
	} else if (analyzer_name_has(fn, search)) {
		finding_suggest(f, "String search or comparison dominates: compare lengths first, precompute what is "
				   "searched for, or use a hash lookup instead of repeated scans");
		finding_suggest(f, "Precompile patterns once per stage, not per record");
	} else if (analyzer_name_has(fn, copies)) {
		finding_suggest(f, "Memory copies dominate: pass records by reference within a batch and avoid copying "
				   "fields that are not changed");
	} else if (analyzer_name_has(fn, locks)) {
		finding_suggest(f, "Lock or spin-wait code is hot: make the critical section shorter, or give each "
				   "worker its own copy of the shared state");
		finding_suggest(f, "See who waits: go tool pprof -top mutex_*.prof (-types mutex)");
	} else if (analyzer_name_has(fn, io)) {
		finding_suggest(f, "System calls for I/O are hot: write and read in larger chunks (-batch), buffer "
				   "output, and avoid flushing per record");
	} else {
		finding_suggest(f, "Look at its hottest lines: go tool pprof -list '%s' cpu_*.prof", fn);
		if (more)
			finding_suggest(f, "Do less per record in this function, or spread its stage over more workers");
		else
			finding_suggest(f, "Do less per record in this function: make it cheaper");
	}
}

/* The severity of a hot function: the band of its share of the CPU samples,
 * capped
 *   - at the pipeline bottleneck's severity, when there is one: inside the
 *     bottleneck stage it is how that stage spends its time, elsewhere it
 *     costs CPU but is not what holds the pipeline back; either way the
 *     bottleneck is the primary finding and the function ranks after it;
 *   - at medium when its stage is known to be not busy (busy below
 *     busy_pct): a stage that waits for work most of its time holds nothing
 *     back, and a big share of a process that does little is little CPU.
 * Such a function is still listed and named, with what makes it cheaper;
 * its description says its stage is not the bottleneck, and it never
 * suggests more workers unless analyzer_workers_help says they would help. */
static int analyzer_rule_hotspots(const struct analyzer_input *in, const struct alert_opts *o, struct findings *out,
				  size_t bneck, enum severity bsev)
{
	if (in->cpu_samples < ANALYZER_MIN_SAMPLES)
		return 0;
	for (size_t i = 0; i < in->nfunctions; i++) {
		const struct an_function *fn = &in->functions[i];
		int sev = analyzer_band(fn->flat_pct, o->hotspot_medium_pct, o->hotspot_high_pct, o->hotspot_critical_pct);
		if (sev < 0)
			continue;
		size_t si = analyzer_stage_index(in, fn->stage);
		const struct an_stage *st = si == (size_t)-1 ? NULL : &in->stages[si];
		int idle = st && in->records_in > 0 && st->busy_pct < o->busy_pct;
		int elsewhere = bneck != (size_t)-1 && si != bneck;
		if (bneck != (size_t)-1 && sev > (int)bsev)
			sev = (int)bsev;
		if (idle && sev > SEV_MEDIUM)
			sev = SEV_MEDIUM;
		struct finding *f = analyzer_add_finding(out, FIND_CPU_HOTSPOT, (enum severity)sev);
		if (!f)
			return -1;
		snprintf(f->component, sizeof f->component, "%s", fn->name);
		char not_bneck[160] = "";
		if (idle)
			snprintf(not_bneck, sizeof not_bneck, "; stage %s is %.0f%% busy: not the bottleneck", st->name,
				 st->busy_pct);
		else if (st && elsewhere)
			snprintf(not_bneck, sizeof not_bneck, "; stage %s is not the bottleneck (%s is)", st->name,
				 in->stages[bneck].name);
		if (fn->stage) {
			snprintf(f->stage, sizeof f->stage, "%s", fn->stage);
			finding_set(f->description, sizeof f->description,
				    "Function '%s' in stage %s consuming %.1f%% of CPU time%s", fn->name, fn->stage,
				    fn->flat_pct, not_bneck);
		} else {
			finding_set(f->description, sizeof f->description, "Function '%s' consuming %.1f%% of CPU time",
				    fn->name, fn->flat_pct);
		}
		f->impact_pct = fn->flat_pct;
		if (idle || (st && elsewhere))
			snprintf(f->impact_of, sizeof f->impact_of, "the process's CPU samples in the window: CPU spent, "
				 "not throughput held back");
		else
			snprintf(f->impact_of, sizeof f->impact_of, "the process's CPU samples in the window");
		char why[200];
		analyzer_hotspot_suggest(f, fn->name,
					 fn->stage && analyzer_workers_help(in, o, fn->stage, why, sizeof why) == WORKERS_HELP);
		finding_figure(f, "flat_pct", fn->flat_pct, "%.1f%% of CPU samples", fn->flat_pct);
		if (fn->stage)
			finding_figure(f, "stage_pct", fn->stage_pct, "%.1f%% of stage %s's samples", fn->stage_pct,
				       fn->stage);
		finding_figure(f, "samples", in->cpu_samples, "%.0f samples in the window", in->cpu_samples);
	}
	return 0;
}

/* --- allocator pressure -------------------------------------------------------------- */

static int analyzer_rule_allocator(const struct analyzer_input *in, const struct alert_opts *o, struct findings *out)
{
	if (in->allocator_pct < 0 || in->cpu_samples < ANALYZER_MIN_SAMPLES)
		return 0;
	int sev = analyzer_band(in->allocator_pct, o->allocator_medium_pct, o->allocator_high_pct,
				o->allocator_critical_pct);
	if (sev < 0)
		return 0;
	struct finding *f = analyzer_add_finding(out, FIND_ALLOCATOR_PRESSURE, (enum severity)sev);
	if (!f)
		return -1;
	snprintf(f->component, sizeof f->component, "allocator");
	int n = snprintf(f->description, sizeof f->description, "The allocator (malloc, free and friends) takes %.1f%% "
			 "of CPU time", in->allocator_pct);
	if (in->alloc_bytes_per_record >= 0 && n > 0 && (size_t)n < sizeof f->description) {
		char rate[32];
		units_format_bytes(rate, sizeof rate, in->alloc_bytes_per_record);
		snprintf(f->description + n, sizeof f->description - (size_t)n, ": %s allocated per record, %.0f "
			 "allocations/s", rate, in->allocs_per_sec);
	}
	f->impact_pct = in->allocator_pct;
	snprintf(f->impact_of, sizeof f->impact_of, "the process's CPU time spent in the allocator");
	finding_suggest(f, "Allocate per batch, not per record: reuse buffers across records and batches");
	finding_suggest(f, "Find the allocation sites: go tool pprof -top -sample_index=alloc_space memory_*.prof");
	finding_suggest(f, "Keep short-lived objects on the stack or in a per-worker arena");
	finding_figure(f, "allocator_cpu_pct", in->allocator_pct, "%.1f%% of CPU in the allocator", in->allocator_pct);
	if (in->alloc_bytes_per_record >= 0)
		finding_figure(f, "alloc_bytes_per_record", in->alloc_bytes_per_record, "%.0f bytes per record",
			       in->alloc_bytes_per_record);
	if (in->allocs_per_sec >= 0)
		finding_figure(f, "allocs_per_sec", in->allocs_per_sec, "%.0f allocations/s", in->allocs_per_sec);
	return 0;
}

/* --- memory growth ------------------------------------------------------------------------ */

void analyzer_fit_slope(const struct an_point *pts, size_t n, double *slope, double *r2)
{
	*slope = 0;
	*r2 = 0;
	if (n < 3)
		return;
	double mt = 0, mv = 0;
	for (size_t i = 0; i < n; i++) {
		mt += pts[i].t_s;
		mv += pts[i].value;
	}
	mt /= (double)n;
	mv /= (double)n;
	double stt = 0, stv = 0, svv = 0;
	for (size_t i = 0; i < n; i++) {
		double dt = pts[i].t_s - mt, dv = pts[i].value - mv;
		stt += dt * dt;
		stv += dt * dv;
		svv += dv * dv;
	}
	if (stt <= 0)
		return;
	*slope = stv / stt;
	if (svv > 0)
		*r2 = (stv * stv) / (stt * svv);
}

/* Growth seen over less than this is no trend: in a run's first seconds the
 * pools, buffers and queues fill up and the heap rises steadily, then stops. */
#define ANALYZER_GROWTH_MIN_SPAN_S 3.0

static int analyzer_rule_growth(const struct analyzer_input *in, const struct alert_opts *o, struct findings *out)
{
	/* the heap when the hooks count it, else the RSS */
	const struct an_point *pts = in->nheap ? in->heap : in->rss;
	size_t n = in->nheap ? in->nheap : in->nrss;
	const char *what = in->nheap ? "Heap in use" : "RSS";
	if (n < 2 || pts[n - 1].t_s - pts[0].t_s < ANALYZER_GROWTH_MIN_SPAN_S)
		return 0;
	double slope, r2;
	analyzer_fit_slope(pts, n, &slope, &r2);
	if (slope <= 0 || r2 < o->memory_growth_fit)
		return 0;
	int sev = analyzer_band(slope, (double)o->memory_growth_medium, (double)o->memory_growth_high,
				(double)o->memory_growth_critical);
	if (sev < 0)
		return 0;
	struct finding *f = analyzer_add_finding(out, FIND_MEMORY_GROWTH, (enum severity)sev);
	if (!f)
		return -1;
	snprintf(f->component, sizeof f->component, "%s", in->nsites ? in->sites[0].function : "process");
	double now = in->nheap ? in->heap_now : in->rss_now;
	char rate[32], nowt[32];
	units_format_bytes(rate, sizeof rate, slope);
	units_format_bytes(nowt, sizeof nowt, now);
	double span = pts[n - 1].t_s - pts[0].t_s;
	finding_set(f->description, sizeof f->description,
		    "%s grows steadily by %s/s (%.2f MB/s, fit R^2 %.2f over %.0fs), now %s", what, rate, slope / 1e6, r2,
		    span, nowt);
	f->impact_pct = now > 0 ? 100 * slope * 60 / now : 0;
	snprintf(f->impact_of, sizeof f->impact_of, "growth per minute, of the %s now",
		 in->nheap ? "heap in use" : "RSS");
	if (in->nsites) {
		char list[400];
		size_t k = 0;
		list[0] = 0;
		for (size_t i = 0; i < in->nsites && i < 3; i++) {
			char b[32];
			units_format_bytes(b, sizeof b, in->sites[i].growth_bytes);
			k += (size_t)snprintf(list + k, k < sizeof list ? sizeof list - k : 0, "%s%s (+%s)", i ? ", " : "",
					      in->sites[i].function, b);
			if (k >= sizeof list)
				break;
		}
		finding_suggest(f, "Leak suspects (in-use bytes that only grew): %s", list);
	}
	finding_suggest(f, "Check that every block allocated per record or batch is freed: go tool pprof -top "
			   "-sample_index=inuse_space memory_*.prof");
	finding_suggest(f, "Bound caches and buffers that grow with the input");
	finding_figure(f, "slope_bytes_per_sec", slope, "%s/s", rate);
	finding_figure(f, "fit_r2", r2, "R^2 %.2f", r2);
	finding_figure(f, "now_bytes", now, "%s now", nowt);
	if (in->nheap && in->nrss) {
		double rs, rr;
		analyzer_fit_slope(in->rss, in->nrss, &rs, &rr);
		finding_figure(f, "rss_slope_bytes_per_sec", rs, "RSS %+.2f MB/s", rs / 1e6);
	}
	return 0;
}

/* --- locks, threads, CPU use ---------------------------------------------------------------- */

/* A contended lock of the bottleneck stage is why that stage is slow: it
 * ranks with the stage (and, as a cause, before it). */
static int analyzer_rule_locks(const struct analyzer_input *in, const struct alert_opts *o, struct findings *out,
			       size_t bneck, enum severity bsev)
{
	for (size_t i = 0; i < in->nlocks; i++) {
		const struct an_lock *l = &in->locks[i];
		if (l->waiters <= 0 || in->window_s <= 0)
			continue;
		double share = analyzer_lock_share(in, l);
		int sev = analyzer_band(share, o->lock_wait_medium_pct, o->lock_wait_high_pct, o->lock_wait_critical_pct);
		if (sev < 0)
			continue;
		struct finding *f = analyzer_add_finding(out, FIND_LOCK_CONTENTION, (enum severity)sev);
		if (!f)
			return -1;
		snprintf(f->component, sizeof f->component, "%s", l->name);
		analyzer_lock_stage(l->name, f->stage, sizeof f->stage);
		int in_bneck = bneck != (size_t)-1 && !strcmp(f->stage, in->stages[bneck].name);
		if (in_bneck && f->severity < bsev)
			f->severity = bsev;
		finding_set(f->description, sizeof f->description,
			    "Lock '%s' is contended: its %d waiting thread%s spend %.1f%% of their time waiting for it "
			    "(%.0f contentions/s)%s", l->name, l->waiters, l->waiters == 1 ? "" : "s", share,
			    l->contentions_per_sec, in_bneck ? "; it holds back the bottleneck stage" : "");
		f->impact_pct = share;
		snprintf(f->impact_of, sizeof f->impact_of, "its waiters' time spent waiting for it");
		finding_suggest(f, "Hold the lock for less time: move work out of the critical section");
		finding_suggest(f, "Give each worker its own state (per-thread counters or buffers) and merge at the end");
		finding_suggest(f, "See where it is taken: go tool pprof -top -tagfocus=lock mutex_*.prof (-types mutex)");
		finding_figure(f, "wait_pct", share, "%.1f%% of waiters' time", share);
		finding_figure(f, "contentions_per_sec", l->contentions_per_sec, "%.0f contentions/s",
			       l->contentions_per_sec);
		finding_figure(f, "waiters", l->waiters, "%d waiters", l->waiters);
	}
	return 0;
}

static int analyzer_rule_threads(const struct analyzer_input *in, const struct alert_opts *o, struct findings *out)
{
	int grew = in->threads_only_grew && in->threads_now >= in->threads_before + o->thread_growth &&
		   in->threads_before > 0;
	if (!in->leaked_threads && !grew)
		return 0;
	struct finding *f = analyzer_add_finding(out, FIND_THREAD_LEAK, in->leaked_threads ? SEV_HIGH : SEV_MEDIUM);
	if (!f)
		return -1;
	snprintf(f->component, sizeof f->component, "process");
	if (in->leaked_threads)
		finding_set(f->description, sizeof f->description,
			    "%d thread%s blocked for good on a channel nobody will use again (leaked); the process has "
			    "%u threads", in->leaked_threads, in->leaked_threads == 1 ? " is" : "s are", in->threads_now);
	else
		finding_set(f->description, sizeof f->description,
			    "The process's threads grew from %u to %u over %.0fs and never fell (suspected leak)",
			    in->threads_before, in->threads_now, in->window_s);
	f->impact_pct = in->threads_before ? 100.0 * ((double)in->threads_now - in->threads_before) / in->threads_before
					   : 0;
	snprintf(f->impact_of, sizeof f->impact_of, "thread count growth over the window");
	finding_suggest(f, "See every thread and what it waits on: threads_*.txt (-types goroutine)");
	finding_suggest(f, "Join or detach threads when their work ends; close channels so blocked threads wake");
	finding_figure(f, "threads", in->threads_now, "%u threads", in->threads_now);
	finding_figure(f, "leaked", in->leaked_threads, "%d leaked", in->leaked_threads);
	return 0;
}

static int analyzer_rule_underuse(const struct analyzer_input *in, const struct alert_opts *o, struct findings *out,
				  size_t bneck)
{
	if (in->cores <= 0 || in->records_in == 0 || in->nstages == 0)
		return 0;
	double used_pct = 100 * in->cores_used / in->cores;
	if (used_pct >= o->cpu_underuse_pct)
		return 0;
	for (size_t i = 0; i < in->nstages; i++)
		if (in->stages[i].busy_pct >= o->busy_pct)
			return 0; /* a busy stage explains it */
	if (bneck != (size_t)-1 && in->stages[bneck].kind == STAGE_SOURCE)
		return 0; /* the pipeline waits for its input */
	if (in->input_wait_pct >= o->idle_pct)
		return 0; /* I/O wait explains it */
	struct finding *f = analyzer_add_finding(out, FIND_CPU_UNDERUSE, SEV_LOW);
	if (!f)
		return -1;
	snprintf(f->component, sizeof f->component, "process");
	finding_set(f->description, sizeof f->description,
		    "The process uses %.2f of %.0f cores (%.0f%%) while no stage is busy and no input wait explains it",
		    in->cores_used, in->cores, used_pct);
	f->impact_pct = 100 - used_pct;
	snprintf(f->impact_of, sizeof f->impact_of, "the machine's cores left unused");
	finding_suggest(f, "Look at what the threads wait on: threads_*.txt and block_*.prof (-types goroutine,block)");
	/* no stage is busy: more workers would wait too (analyzer_workers_help) */
	finding_suggest(f, "Raise -batch or -buffer if the stages wait on each other more than they work; more "
			   "workers will not help, as no stage is busy");
	finding_figure(f, "cores_used", in->cores_used, "%.2f cores used", in->cores_used);
	return 0;
}

static int analyzer_rule_errors(const struct analyzer_input *in, const struct alert_opts *o, struct findings *out)
{
	if (!in->records_in || !in->records_errors)
		return 0;
	double rate = 100.0 * (double)in->records_errors / (double)in->records_in;
	int sev = analyzer_band(rate, o->error_medium_pct, o->error_high_pct, o->error_critical_pct);
	if (sev < 0)
		return 0;
	struct finding *f = analyzer_add_finding(out, FIND_ERRORS, (enum severity)sev);
	if (!f)
		return -1;
	const char *stage = in->nreasons ? in->reasons[0].stage : NULL;
	snprintf(f->component, sizeof f->component, "%s", stage ? stage : "process");
	if (stage)
		snprintf(f->stage, sizeof f->stage, "%s", stage);
	size_t k = (size_t)snprintf(f->description, sizeof f->description,
				    "%.1f%% of records failed (%llu of %llu in the window)", rate,
				    (unsigned long long)in->records_errors, (unsigned long long)in->records_in);
	for (size_t i = 0; i < in->nreasons && i < 3 && k < sizeof f->description; i++)
		k += (size_t)snprintf(f->description + k, sizeof f->description - k, "%s%s: %s (%llu)", i ? "; " : ": ",
				      in->reasons[i].stage, in->reasons[i].reason,
				      (unsigned long long)in->reasons[i].count);
	f->impact_pct = rate;
	snprintf(f->impact_of, sizeof f->impact_of, "the records read in the window");
	finding_suggest(f, "Read the first errors with their rows in report_*.txt; fix the input or the stage's keys");
	if (in->dead_letter_path)
		finding_suggest(f, "The bad records are kept with their reasons in %s (on_error = dead_letter): read "
				   "them there", in->dead_letter_path);
	else
		finding_suggest(f, "Keep bad records with their reasons: on_error = dead_letter, dead_letter_path = "
				   "FILE");
	finding_figure(f, "error_rate_pct", rate, "%.2f%% of records", rate);
	return 0;
}

int analyzer_run_rules(const struct analyzer_input *in, const struct alert_opts *o, struct findings *out)
{
	out->n = 0;
	out->window_s = in->window_s;
	size_t bneck;
	if (analyzer_rule_bottleneck(in, o, out, &bneck))
		return -1;
	enum severity bsev = out->n ? out->v[0].severity : SEV_LOW;
	if (analyzer_rule_channels(in, o, out, bneck, bsev) || analyzer_rule_hotspots(in, o, out, bneck, bsev) ||
	    analyzer_rule_allocator(in, o, out) || analyzer_rule_growth(in, o, out) ||
	    analyzer_rule_locks(in, o, out, bneck, bsev) || analyzer_rule_threads(in, o, out) ||
	    analyzer_rule_underuse(in, o, out, bneck) || analyzer_rule_errors(in, o, out))
		return -1;
	findings_sort(out);
	return 0;
}
