/* analyzer_pace.c: the verdict on the pipeline's pace. Which stage holds the
 * pipeline back (Flink's rule: busy, upstream backpressured, downstream
 * idle), or that it keeps up with its input; what each stage could do
 * (capacity), what a faster bottleneck would buy, never past a configured
 * rate; and what to do, by what sets the pace: the configuration, the
 * system a connector waits on (by its kind: a pipe, a file, an HTTP API, a
 * PostgreSQL server), or the stage's own work. */
#include "autoconfig.h"

#include "analyzer_internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../../pipeline/pipeline.h"
#include "../base/units.h"

/* The stage that was the bottleneck at the previous analysis stays it while
 * its figures are within this many points of the thresholds. */
#define ANALYZER_HOLD_MARGIN 10.0
/* A source backpressured less than this share of its time is never held
 * back: when no stage is the bottleneck, it sets the pace. */
#define ANALYZER_SOURCE_FREE_PCT 10.0
/* The machine counts as CPU-bound from this share of its cores busy. */
#define ANALYZER_CPU_BOUND 0.9

double analyzer_stage_rate(const struct an_stage *s)
{
	return s->kind == STAGE_SOURCE ? s->out_per_sec : s->in_per_sec;
}

/* Below this busy share, a stage's capacity is not estimated: a rate over
 * a busy share of 1% would claim a hundredfold that a window cannot show. */
#define ANALYZER_CAPACITY_MIN_BUSY 5.0

/* What a stage could do with its threads all busy: its rate over its busy
 * share, never more than a source's or destination's configured pace; 0
 * when too little busy time was seen to tell (and no pace is set). */
double analyzer_stage_capacity(const struct an_stage *s)
{
	double rate = analyzer_stage_rate(s), cap = 0;
	if (s->busy_pct >= ANALYZER_CAPACITY_MIN_BUSY && rate > 0)
		cap = rate / (s->busy_pct / 100);
	if (s->kind != STAGE_TRANSFORM && s->rate_limit > 0 && (cap <= 0 || cap > s->rate_limit))
		cap = s->rate_limit;
	return cap;
}

/* The share of the other stages' thread time spent waiting on stage b:
 * upstream backpressured, downstream idle. With transforms_only, only the
 * transform stages count (the source's case), or the destination when the
 * pipeline has no transform. */
static double analyzer_waiting_share(const struct analyzer_input *in, size_t b, int transforms_only)
{
	int transforms = 0;
	for (size_t i = 0; i < in->nstages; i++)
		transforms += in->stages[i].kind == STAGE_TRANSFORM;
	if (!transforms)
		transforms_only = 0;
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

/* The slowest stage but `skip` by capacity (*next 0 when none is known). */
static size_t analyzer_next_slowest(const struct analyzer_input *in, size_t skip, double *next)
{
	size_t best = (size_t)-1;
	*next = 0;
	for (size_t i = 0; i < in->nstages; i++) {
		double c = i == skip ? 0 : analyzer_stage_capacity(&in->stages[i]);
		if (c > 0 && (*next == 0 || c < *next)) {
			*next = c;
			best = i;
		}
	}
	return best;
}

/* 1 when stage i's capacity is its configured pace: what-could-be figures
 * are capped there. */
static int analyzer_capped_by_config(const struct analyzer_input *in, size_t i)
{
	const struct an_stage *s = &in->stages[i];
	return s->kind != STAGE_TRANSFORM && s->rate_limit > 0 && analyzer_stage_capacity(s) >= s->rate_limit;
}

/* Flink's rule, with the previous bottleneck held while it is within
 * ANALYZER_HOLD_MARGIN of the thresholds: the first busy stage whose
 * upstream is backpressured (or whose input channel is full) and that
 * nothing downstream holds back (downstream mostly idle, or the stage
 * itself not backpressured with room in its output channel); the source
 * when all the rest is idle; the destination when all upstream is
 * backpressured (or its input channel is full) and it is busy, or at its
 * configured pace whatever the rest (then it sets the pace by
 * configuration). The margin eases each test for the held stage. */
static size_t analyzer_find_bottleneck(const struct analyzer_input *in, const struct alert_opts *o)
{
	/* a destination at its configured rate_limit is the pipeline's pace:
	 * no stage before it can push more through, however busy it is */
	if (in->nstages >= 2 && in->stages[in->nstages - 1].kind == STAGE_DESTINATION &&
	    analyzer_stage_paced(&in->stages[in->nstages - 1]))
		return in->nstages - 1;
	for (size_t i = 0; i < in->nstages; i++) {
		const struct an_stage *s = &in->stages[i];
		double m = in->prev_bottleneck && s->name && !strcmp(s->name, in->prev_bottleneck) ? ANALYZER_HOLD_MARGIN
												     : 0;
		int up_waits = 1, down_idle = 1;
		for (size_t j = 0; j < in->nstages; j++) {
			const struct an_stage *t = &in->stages[j];
			if (j < i && t->backpressured_pct < o->backpressured_pct - m)
				up_waits = 0;
			if (j > i && t->idle_pct < o->idle_pct - m)
				down_idle = 0;
		}
		if (s->kind == STAGE_SOURCE) {
			if (down_idle && s->backpressured_pct < o->backpressured_pct + m)
				return i;
			continue;
		}
		/* pushed from upstream: its sender waits for room at least
		 * backpressured_pct of its time, or the input channel is full past
		 * channel_high_pct, or both signals agree at a weaker level (the
		 * channel past channel_medium_pct and the sender waiting half of
		 * backpressured_pct): a source that spends the rest of its time
		 * producing, on cores it shares, is seldom backpressured more */
		double up_bp = in->stages[i - 1].backpressured_pct;
		double in_fill = i - 1 < in->nchannels ? in->channels[i - 1].fill_avg_pct : -1;
		int pushed = up_bp >= o->backpressured_pct - m || in_fill >= o->channel_high_pct - m ||
			     (in_fill >= o->channel_medium_pct - m && up_bp >= o->backpressured_pct / 2 - m);
		int busy = s->busy_pct >= o->busy_pct - m;
		/* downstream does not hold it back: mostly idle, or, when a later
		 * stage is busy too (two problems, or cores shared), the stage is
		 * not backpressured and its output channel not full: a slower
		 * stage after it would make it wait to send */
		int free_out = s->backpressured_pct < o->backpressured_pct + m &&
			       (i >= in->nchannels || in->channels[i].fill_avg_pct < o->channel_high_pct + m);
		if (s->kind == STAGE_DESTINATION) {
			int fed = up_waits || (i - 1 < in->nchannels &&
					       in->channels[i - 1].fill_avg_pct >= o->channel_high_pct - m);
			if (fed && (busy || analyzer_stage_paced(s)))
				return i;
		} else if (busy && pushed && (down_idle || free_out)) {
			return i;
		}
	}
	return (size_t)-1;
}

/* --- advice by what sets the pace ------------------------------------------------------ */

/* What a connector waits on, as the advice needs it. */
enum an_system { SYS_NONE, SYS_TERMINAL, SYS_PIPE, SYS_FILE, SYS_HTTP, SYS_POSTGRESQL, SYS_OTHER };

static enum an_system analyzer_system_kind(const char *waits_on)
{
	if (!waits_on)
		return SYS_NONE;
	if (strstr(waits_on, "terminal"))
		return SYS_TERMINAL;
	if (strstr(waits_on, "pipe") || strstr(waits_on, "socket"))
		return SYS_PIPE;
	if (strstr(waits_on, "file"))
		return SYS_FILE;
	if (strstr(waits_on, "HTTP"))
		return SYS_HTTP;
	if (strstr(waits_on, "PostgreSQL"))
		return SYS_POSTGRESQL;
	return SYS_OTHER;
}

/* A source or destination whose time goes to waiting on its system: what
 * helps is that system, and fewer, larger round trips, not more CPU. */
static void analyzer_wait_suggest(struct finding *f, const struct an_stage *s)
{
	int dst = s->kind == STAGE_DESTINATION;
	switch (analyzer_system_kind(s->waits_on)) {
	case SYS_TERMINAL:
		if (dst)
			finding_suggest(f, "The terminal showing the output sets the pace: write to a file (file_path) "
					   "instead of the screen");
		else
			finding_suggest(f, "The input is typed or pasted into the terminal: give nebtop a file or a "
					   "pipe from the program that makes the data");
		break;
	case SYS_PIPE:
		if (dst)
			finding_suggest(f, "The program reading from the %s sets the pace: make it read faster, or "
					   "write to a file instead", s->waits_on);
		else
			finding_suggest(f, "The program writing into the %s sets the pace: nebtop waits for its output; "
					   "make that program faster, or run several of them into several nebtop runs",
					s->waits_on);
		break;
	case SYS_FILE:
		if (dst)
			finding_suggest(f, "Writing the file is the limit: the disk or file system it is on (a network "
					   "mount, a slow or throttled volume); write to a faster disk");
		else
			finding_suggest(f, "Reading the file is the limit: the disk or file system it is on (a network "
					   "mount, a slow or throttled volume); read it from a faster disk or from the "
					   "page cache");
		break;
	case SYS_HTTP:
		if (dst)
			finding_suggest(f, "The HTTP server sets the pace: send fewer, larger requests (-batch, "
					   "max_batch_bytes) and look at the server's capacity and rate limits");
		else
			finding_suggest(f, "The HTTP API sets the pace: ask for larger pages (page_size_param) so that each "
					   "request carries more records, and look at the API's rate limits and latency");
		break;
	case SYS_POSTGRESQL:
		if (dst)
			finding_suggest(f, "The PostgreSQL server sets the pace: commit less often (commit_every; one "
					   "COPY already carries many batches, so -batch changes little), and look at the "
					   "table's indexes, constraints and triggers, the server's CPU and disk, and the "
					   "network latency to it");
		else
			finding_suggest(f, "The PostgreSQL server sets the pace: look at the query (EXPLAIN it: indexes "
					   "on its filters, fewer columns), the server's CPU and disk, and the network "
					   "latency to it");
		break;
	default:
		finding_suggest(f, "The %s, not nebtop, sets the pace: fewer, larger round trips, and a faster %s",
				s->waits_on ? s->waits_on : "system", s->waits_on ? s->waits_on : "system");
		break;
	}
}

/* What to do about a bottleneck that is not a configured pace nor a wait on
 * a system: its own work. A transform gets more workers only when
 * analyzer_workers_help says they would help. */
static void analyzer_work_suggest(struct finding *f, const struct an_stage *s, const struct analyzer_input *in,
				  const struct alert_opts *o)
{
	char why[200], cores[160];
	enum workers_help help = analyzer_workers_help(in, o, s->name, why, sizeof why);
	analyzer_format_cores(in, cores, sizeof cores);
	if (s->kind == STAGE_SOURCE) {
		finding_suggest(f, "The source spends its time reading and parsing rather than waiting on its %s: read "
				   "larger chunks (-batch)%s", s->waits_on ? s->waits_on : "input",
				help == WORKERS_HELP ? " and decode on more threads (-workers)" : "");
		return;
	}
	if (s->kind == STAGE_DESTINATION) {
		finding_suggest(f, "Everything upstream is backpressured by the destination, which spends its time "
				   "encoding and writing%s: write larger batches (-batch)%s",
				s->waits_on ? "" : " and waits on nothing outside",
				help == WORKERS_HELP ? " and encode on more threads (-workers)" : "");
		if (s->rate_limit > 0)
			finding_suggest(f, "Its rate_limit = %.0f in [destination] is not reached: the limit is the writing "
					   "itself", s->rate_limit);
		return;
	}
	if (help == WORKERS_HELP)
		finding_suggest(f, "Give stage %s more workers (-workers or [pipeline] workers): %s (%s)", s->name, why,
				cores);
	else if (help == WORKERS_LOCKED)
		finding_suggest(f, "More workers will not help stage %s: %s; make the lock cheaper first (see its "
				   "lock_contention finding)", s->name, why);
	else
		finding_suggest(f, "More workers will not help stage %s: %s; make its work cheaper", s->name, why);
	double cpu = s->oncpu_pct + (s->cpu_wait_pct > 0 ? s->cpu_wait_pct : 0);
	if (s->oncpu_pct >= 0 && cpu < ANALYZER_OFFCPU_PCT)
		finding_suggest(f, "It waits off the CPU, so a CPU profile shows little of it: see where it waits in the "
				   "trace (-types trace: trace_*.json in Perfetto) or the block profile (-types block)");
	else
		finding_suggest(f, "Profile what it spends its time on: go tool pprof -top -tagfocus=stage=%s "
				   "cpu_*.prof", s->name);
	finding_suggest(f, "Make its per-record work cheaper, or move it after a filter so that it sees fewer records");
}

/* --- the figures every pace finding carries -------------------------------------------- */

static void analyzer_pace_figures(struct finding *f, const struct analyzer_input *in, size_t b, double waiting,
				  double next, size_t next_i)
{
	const struct an_stage *s = &in->stages[b];
	double rate = analyzer_stage_rate(s), cap = analyzer_stage_capacity(s);
	char t[32];
	finding_figure(f, "busy_pct", s->busy_pct, "%.1f%% busy", s->busy_pct);
	if (s->waits_on && s->kind != STAGE_TRANSFORM)
		finding_figure(f, "wait_pct", s->wait_pct, "%.1f%% of its busy time waiting on its %s", s->wait_pct,
			       s->waits_on);
	finding_figure(f, "backpressured_pct", s->backpressured_pct, "%.1f%% backpressured", s->backpressured_pct);
	finding_figure(f, "idle_pct", s->idle_pct, "%.1f%% idle", s->idle_pct);
	units_format_count(t, sizeof t, (uint64_t)(rate + 0.5));
	finding_figure(f, "records_per_sec", rate, "%s records/s", t);
	finding_figure(f, "waiting_pct", waiting, "%.1f%% of the other stages' time waits on it", waiting);
	if (cap > 0) {
		units_format_count(t, sizeof t, (uint64_t)(cap + 0.5));
		finding_figure(f, "capacity_per_sec", cap, "%s records/s at full use", t);
	}
	if (next > 0 && rate > 0 && next_i != (size_t)-1)
		finding_figure(f, "headroom", next / rate, "%s could take %.1fx this rate%s", in->stages[next_i].name,
			       next / rate, analyzer_capped_by_config(in, next_i) ? " (its configured pace)" : "");
}

/* "the slowest other stage, enrich, is 11.7% busy: 8.5x headroom over the
 * input rate" into dst ("every other stage is under 1% busy" when no other
 * capacity is known). */
static void analyzer_headroom_text(char *dst, size_t n, const struct analyzer_input *in, size_t next_i, double next,
				   double rate)
{
	dst[0] = 0;
	if (next_i == (size_t)-1 || next <= 0 || rate <= 0) {
		if (in->nstages > 1 && rate > 0)
			snprintf(dst, n, "every other stage is under %.0f%% busy", ANALYZER_CAPACITY_MIN_BUSY);
		return;
	}
	const struct an_stage *s = &in->stages[next_i];
	if (analyzer_capped_by_config(in, next_i))
		snprintf(dst, n, "the slowest other stage, %s, is held at its configured %s = %.0f, %.1fx the input rate",
			 s->name, s->rate_key ? s->rate_key : "pace", s->rate_limit, next / rate);
	else
		snprintf(dst, n, "the slowest other stage, %s, is %.1f%% busy: %.1fx headroom over the input rate",
			 s->name, s->busy_pct, next / rate);
}

/* --- the source sets the pace ----------------------------------------------------------- */

/* The share of the source's time spent waiting on its input: idle (blocked
 * reading) plus the part of its busy time its connector waited. */
static double analyzer_source_wait_share(const struct an_stage *s)
{
	return fmin(100, s->idle_pct + s->busy_pct * s->wait_pct / 100);
}

/* The source is the limit and every other stage has headroom. A source at
 * its configured rate, or a generator making records as fast as its thread
 * can, is input the pipeline keeps up with: a `keeps_up` verdict at low. A
 * source waiting on an external system (a pipe, a file, an API, a server)
 * or busy reading and parsing is named as the limit, at most medium, with
 * advice for that kind of input. */
static int analyzer_rule_source_pace(const struct analyzer_input *in, const struct alert_opts *o,
				     struct findings *out, size_t b)
{
	const struct an_stage *s = &in->stages[b];
	double waiting = analyzer_waiting_share(in, b, 1), rate = analyzer_stage_rate(s), next;
	size_t next_i = analyzer_next_slowest(in, b, &next);
	int paced = analyzer_stage_paced(s), waits = s->waits_on && s->wait_pct >= o->server_wait_pct;
	char rtext[32], head[240];
	units_format_count(rtext, sizeof rtext, (uint64_t)(rate + 0.5));
	analyzer_headroom_text(head, sizeof head, in, next_i, next, rate);
	if (paced || !s->waits_on) {
		struct finding *f = analyzer_add_stage_finding(out, FIND_KEEPS_UP, SEV_LOW, s->name);
		if (!f)
			return -1;
		if (paced)
			finding_set(f->description, sizeof f->description,
				    "The pipeline keeps up with its input: the source delivers its configured %s = %.0f "
				    "(%s records/s) and every stage has headroom%s%s", s->rate_key, s->rate_limit, rtext,
				    head[0] ? ": " : "", head);
		else
			finding_set(f->description, sizeof f->description,
				    "The pipeline keeps up with its input: the source makes %s records/s as fast as its "
				    "thread can, and every stage has headroom%s%s", rtext, head[0] ? ": " : "", head);
		f->impact_pct = 0;
		finding_set(f->impact_of, sizeof f->impact_of, "nothing: the pipeline keeps up (its headroom is a "
			    "figure)");
		if (paced)
			finding_suggest(f, "Nothing holds this pipeline back: its %s = %.0f in [source] sets the pace, by "
					   "configuration", s->rate_key, s->rate_limit);
		finding_suggest(f, "In a load test, %s until a stage becomes the bottleneck: that stage is the "
				   "pipeline's limit", paced ? "raise the source's rate" : "feed it from more sources, or faster,");
		analyzer_pace_figures(f, in, b, waiting, next, next_i);
		return 0;
	}
	int sev = analyzer_band(waiting, o->bottleneck_medium_pct, o->bottleneck_high_pct, o->bottleneck_critical_pct);
	if (sev > SEV_MEDIUM) /* input that could come faster is not an emergency of the pipeline */
		sev = SEV_MEDIUM;
	struct finding *f = analyzer_add_stage_finding(out, FIND_PIPELINE_BOTTLENECK, sev < 0 ? SEV_LOW : (enum severity)sev, s->name);
	if (!f)
		return -1;
	if (waits)
		finding_set(f->description, sizeof f->description,
			    "The source is the limit, waiting on its %s: %.0f%% of its time waits on it, at %s "
			    "records/s; the other stages keep up%s%s", s->waits_on, analyzer_source_wait_share(s), rtext,
			    head[0] ? ": " : "", head);
	else
		finding_set(f->description, sizeof f->description,
			    "The source is the limit, reading and parsing its input (%.0f%% of its busy time waits on "
			    "its %s) at %s records/s; the other stages keep up%s%s", s->wait_pct, s->waits_on, rtext,
			    head[0] ? ": " : "", head);
	if (next > rate && rate > 0) {
		f->impact_pct = 100 * (1 - rate / next);
		finding_set(f->impact_of, sizeof f->impact_of, "the next slowest stage's capacity left unused%s",
			    analyzer_capped_by_config(in, next_i) ? " (capped at its configured pace)" : "");
	} else {
		f->impact_pct = waiting;
		finding_set(f->impact_of, sizeof f->impact_of, "the transform workers' time spent waiting for input");
	}
	if (waits)
		analyzer_wait_suggest(f, s);
	else
		analyzer_work_suggest(f, s, in, o);
	finding_suggest(f, "In a load test, a source that cannot keep up means the load is too low to find the "
			   "pipeline's limit: feed it faster");
	analyzer_pace_figures(f, in, b, waiting, next, next_i);
	return 0;
}

/* --- a transform or the destination holds the pipeline back ------------------------------ */

static void analyzer_stage_description(struct finding *f, const struct analyzer_input *in,
				       const struct alert_opts *o, const struct an_stage *s, double waiting)
{
	char rtext[32];
	units_format_count(rtext, sizeof rtext, (uint64_t)(analyzer_stage_rate(s) + 0.5));
	int waits = s->waits_on && s->kind != STAGE_TRANSFORM && s->wait_pct >= o->server_wait_pct;
	(void)in;
	if (s->kind == STAGE_DESTINATION && analyzer_stage_paced(s))
		finding_set(f->description, sizeof f->description,
			    "The destination runs at its configured %s = %.0f: %s records/s while everything upstream "
			    "waits on it (%.0f%% of their time): the pace is set by configuration", s->rate_key,
			    s->rate_limit, rtext, waiting);
	else if (s->kind == STAGE_DESTINATION && waits)
		finding_set(f->description, sizeof f->description,
			    "The destination is the bottleneck, waiting on its %s: %.0f%% of its busy time waits on it; "
			    "busy %.1f%% at %s records/s while everything upstream is backpressured (%.0f%% of their "
			    "time waits on it)", s->waits_on, s->wait_pct, s->busy_pct, rtext, waiting);
	else if (s->kind == STAGE_DESTINATION)
		finding_set(f->description, sizeof f->description,
			    "The destination is the bottleneck: busy %.1f%% at %s records/s while everything upstream is "
			    "backpressured (%.0f%% of their time waits on it)", s->busy_pct, rtext, waiting);
	else
		finding_set(f->description, sizeof f->description,
			    "Stage %s is the bottleneck: busy %.1f%% at %s records/s while upstream is backpressured "
			    "and downstream waits (%.0f%% of the other stages' time waits on it)", s->name, s->busy_pct,
			    rtext, waiting);
}

static int analyzer_rule_stage_pace(const struct analyzer_input *in, const struct alert_opts *o,
				    struct findings *out, size_t b)
{
	const struct an_stage *s = &in->stages[b];
	double waiting = analyzer_waiting_share(in, b, 0);
	int paced = analyzer_stage_paced(s);
	int sev = analyzer_band(waiting, o->bottleneck_medium_pct, o->bottleneck_high_pct, o->bottleneck_critical_pct);
	/* a pace the user configured is reported as such, never as an alarm:
	 * it cannot outrank a problem no configuration asked for */
	if (paced || sev < 0)
		sev = SEV_LOW;
	struct finding *f = analyzer_add_stage_finding(out, FIND_PIPELINE_BOTTLENECK, (enum severity)sev, s->name);
	if (!f)
		return -1;
	analyzer_stage_description(f, in, o, s, waiting);
	/* impact: the share of the next slowest stage's capacity that goes
	 * unused because this one is slower, 0..100, never past a configured
	 * pace (the speed-up it would give is a figure: a ratio) */
	double cap = analyzer_stage_capacity(s), next;
	size_t next_i = analyzer_next_slowest(in, b, &next);
	if (cap <= 0)
		cap = analyzer_stage_rate(s);
	if (next > 0 && cap > 0 && next > cap) {
		f->impact_pct = 100 * (1 - cap / next);
		char ntext[32];
		units_format_count(ntext, sizeof ntext, (uint64_t)(next + 0.5));
		const struct an_stage *n = &in->stages[next_i];
		if (analyzer_capped_by_config(in, next_i))
			finding_set(f->impact_of, sizeof f->impact_of,
				    "the next slowest stage's capacity left unused: %s is held at its configured %s = %.0f, "
				    "%.1fx what %s gives", n->name, n->rate_key ? n->rate_key : "pace", n->rate_limit,
				    next / cap, s->name);
		else
			finding_set(f->impact_of, sizeof f->impact_of,
				    "the next slowest stage's capacity left unused: %s could take about %s records/s, "
				    "%.1fx what %s gives", n->name, ntext, next / cap, s->name);
	} else {
		f->impact_pct = waiting;
		finding_set(f->impact_of, sizeof f->impact_of, "the other stages' thread time spent waiting on %s",
			    s->name);
	}
	if (paced) {
		finding_suggest(f, "Its %s = %.0f in [destination] sets the pace, by configuration: raise or remove %s "
				   "to push more records through", s->rate_key, s->rate_limit, s->rate_key);
	} else if (s->waits_on && s->kind != STAGE_TRANSFORM && s->wait_pct >= o->server_wait_pct) {
		analyzer_wait_suggest(f, s);
	} else {
		analyzer_work_suggest(f, s, in, o);
	}
	analyzer_pace_figures(f, in, b, waiting, next, next_i);
	if (next > cap && cap > 0)
		finding_figure(f, "speedup", next / cap, "up to %.1fx the throughput if %s kept up with %s", next / cap,
			       s->name, in->stages[next_i].name);
	return 0;
}

/* No stage holds the pipeline back and the source does not set the pace,
 * but the whole machine's cores are (nearly) all busy: the pipeline runs as
 * fast as the CPU it gets allows. Low: nothing is wrong; the verdict says
 * whether nebtop or other programs take the cores. */
static int analyzer_rule_cpu_bound(const struct analyzer_input *in, struct findings *out)
{
	double busy = analyzer_machine_busy(in);
	if (in->cores <= 0 || busy < ANALYZER_CPU_BOUND * in->cores)
		return 0;
	struct finding *f = analyzer_add_finding(out, FIND_CPU_BOUND, SEV_LOW);
	if (!f)
		return -1;
	snprintf(f->component, sizeof f->component, "process");
	char cores[160];
	analyzer_format_cores(in, cores, sizeof cores);
	int others = in->cores_used < 0.5 * busy;
	finding_set(f->description, sizeof f->description,
		    "No stage holds the pipeline back: the machine's cores are busy (%s), so it runs as fast as the CPU "
		    "it gets allows%s", cores, others ? "; most of that CPU goes to other programs" : "");
	f->impact_pct = 0;
	snprintf(f->impact_of, sizeof f->impact_of, "nothing: no stage is the limit (the CPU is)");
	if (others)
		finding_suggest(f, "Other programs take most of the cores: measure on a quieter machine, or give "
				   "nebtop cores of its own");
	else
		finding_suggest(f, "More cores, or less work per record in the top functions (the flame graph, or go "
				   "tool pprof -top cpu_*.prof), would raise it");
	finding_figure(f, "machine_busy_cores", busy, "machine %.2f of %.0f cores busy", busy, in->cores);
	finding_figure(f, "cores_used", in->cores_used, "nebtop %.2f cores", in->cores_used);
	return 0;
}

int analyzer_rule_pace(const struct analyzer_input *in, const struct alert_opts *o, struct findings *out,
		       size_t *which)
{
	*which = (size_t)-1;
	if (in->nstages < 2 || in->records_in == 0)
		return 0;
	size_t b = analyzer_find_bottleneck(in, o);
	/* no stage holds the pipeline back and the source hardly ever waits to
	 * send: the source sets the pace, whatever the stages' busy shares */
	if (b == (size_t)-1 && in->stages[0].kind == STAGE_SOURCE &&
	    in->stages[0].backpressured_pct < ANALYZER_SOURCE_FREE_PCT)
		b = 0;
	if (b == (size_t)-1)
		return analyzer_rule_cpu_bound(in, out);
	*which = b;
	if (in->stages[b].kind == STAGE_SOURCE)
		return analyzer_rule_source_pace(in, o, out, b);
	return analyzer_rule_stage_pace(in, o, out, b);
}
