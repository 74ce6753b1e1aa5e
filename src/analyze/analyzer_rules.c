/* analyzer_rules.c: the analyzer's rules, plain arithmetic over one window's
 * figures (struct analyzer_input) producing findings with severities,
 * impacts and suggestions. Nothing here reads the running pipeline, so unit
 * tests drive every rule with made-up figures. */
#include "autoconfig.h"

#include "analyzer_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../pipeline/pipeline.h"
#include "../profile/prof_cpu.h"
#include "../base/units.h"

/* Shares of fewer CPU samples than this are noise: no CPU rule fires. */
#define ANALYZER_MIN_SAMPLES 50
/* The allocator using less CPU than this (cores) is low, whatever its share. */
#define ANALYZER_ALLOC_MIN_CORES 0.1
/* A record error's reason quoted in a finding is cut after a word past this. */
#define ANALYZER_REASON_MAX 120

/* --- channel fill (NiFi's bands) ------------------------------------------------- */

/* The stage that limits a full channel i: the pipeline bottleneck when it is
 * downstream of it; else the first stage from the channel's receiver on
 * that is busy and not itself backpressured (a receiver that waits to send,
 * or that is hardly busy, is held by what comes after it, not slow); the
 * receiver itself when no busy stage after it explains the fill. */
static size_t analyzer_channel_cause(const struct analyzer_input *in, const struct alert_opts *o, size_t i,
				     size_t bneck)
{
	if (bneck != (size_t)-1 && bneck > i)
		return bneck;
	size_t r = i + 1;
	while (r + 1 < in->nstages && (in->stages[r].backpressured_pct >= o->backpressured_pct ||
				       in->stages[r].busy_pct < o->busy_pct))
		r++;
	if (r >= in->nstages)
		return (size_t)-1;
	/* no busy stage further down explains it: the receiver is the one named */
	if (in->stages[r].busy_pct < o->busy_pct && !analyzer_stage_paced(&in->stages[r]))
		return i + 1;
	return r;
}

/* The fill of a channel is the symptom of the stage that limits it: its
 * severity is capped at the pipeline bottleneck's when there is one, and
 * its text names that stage as the cause (with the receiver's own figures
 * when the receiver only passes the wait on). */
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
		if (bneck != (size_t)-1 && sev > (int)bsev)
			sev = (int)bsev;
		struct finding *f = analyzer_add_finding(out, FIND_CHANNEL_BACKPRESSURE, (enum severity)sev);
		if (!f)
			return -1;
		size_t ri = i + 1, ci = analyzer_channel_cause(in, o, i, bneck);
		const char *to = ri < in->nstages ? in->stages[ri].name : "?";
		const char *cause = ci != (size_t)-1 ? in->stages[ci].name : to;
		snprintf(f->component, sizeof f->component, "%s", c->name);
		snprintf(f->stage, sizeof f->stage, "%s", cause);
		finding_set(f->description, sizeof f->description,
			    "Channel %s is %.1f%% full on average (at most %.1f%%): its senders wait %.1f%% of their time "
			    "for room", c->name, c->fill_avg_pct, c->fill_max_pct, c->send_blocked_pct);
		f->impact_pct = c->send_blocked_pct;
		snprintf(f->impact_of, sizeof f->impact_of, "the sending stage's time blocked on a full %s", c->name);
		char why[200];
		if (ci != ri && ci != (size_t)-1 && ri < in->nstages) {
			const struct an_stage *r = &in->stages[ri];
			finding_suggest(f, "Stage %s, which drains it, is not the cause: it is %.0f%% busy and waits %.0f%% "
					   "of its time to send on; stage %s further down sets the pace%s", to, r->busy_pct,
					r->backpressured_pct, cause,
					ci == bneck ? " (the pipeline bottleneck: see its finding)" : "");
		} else if (ci != (size_t)-1 && in->stages[ci].kind != STAGE_TRANSFORM && in->stages[ci].waits_on &&
			   in->stages[ci].wait_pct >= o->server_wait_pct && !analyzer_stage_paced(&in->stages[ci])) {
			finding_suggest(f, "Stage %s drains this channel slower than it fills because it waits on its %s "
					   "(%.0f%% of its busy time): see its finding for what to do about the %s", cause,
					in->stages[ci].waits_on, in->stages[ci].wait_pct, in->stages[ci].waits_on);
		} else if (ci != (size_t)-1 && analyzer_stage_paced(&in->stages[ci])) {
			const struct an_stage *p = &in->stages[ci];
			finding_suggest(f, "Stage %s runs at its configured %s = %.0f: the channel fills in front of it "
					   "by configuration; raise or remove %s to drain it faster", cause, p->rate_key,
					p->rate_limit, p->rate_key);
		} else if (analyzer_workers_help(in, o, cause, why, sizeof why) == WORKERS_HELP) {
			finding_suggest(f, "Stage %s drains this channel slower than it fills: make it faster, or give it "
					   "more workers (-workers): %s", cause, why);
		} else {
			finding_suggest(f, "Stage %s drains this channel slower than it fills: make its work cheaper (more "
					   "workers will not help: %s)", cause, why);
		}
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

/* 1 when a function name is a symbol: not empty, "?", "[unknown]", a bare
 * address "0x..." or a place in a mapping "libfoo.so+0x1f0". */
static int analyzer_function_named(const char *fn)
{
	return fn && fn[0] && strcmp(fn, "?") && strcmp(fn, "[unknown]") && strncmp(fn, "0x", 2) &&
	       !strstr(fn, "+0x");
}

/* A function of a sanitizer's runtime (AddressSanitizer, ThreadSanitizer,
 * UndefinedBehaviorSanitizer; C names and C++ mangled ones): the cost of a
 * build instrumented to find bugs, which no change to the pipeline makes
 * cheaper and no production build pays. Never a hotspot finding (it is
 * still in the profiles). */
static int analyzer_function_is_sanitizer(const char *fn)
{
	static const char *const prefixes[] = { "__tsan",     "__asan",	    "__ubsan",	   "__sanitizer",     "__interceptor",
						"_ZN6__tsan", "_ZN6__asan", "_ZN7__ubsan", "_ZN11__sanitizer" };
	for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
		if (!strncmp(fn, prefixes[i], strlen(prefixes[i])))
			return 1;
	return 0;
}

/* A function name as a pprof -list argument: pprof reads it as a regular
 * expression, so it is anchored and its metacharacters escaped
 * ("^spin_burn_cpu$", "^ns::f\(int\)$"); a single quote, which would end
 * the shell's quoting, becomes '.' (any character). */
void analyzer_pprof_regex(const char *fn, char *dst, size_t n)
{
	size_t k = 0;
	if (n < 3) {
		if (n)
			dst[0] = 0;
		return;
	}
	dst[k++] = '^';
	for (const char *p = fn; *p && k + 3 < n; p++) {
		if (*p == '\'')
			dst[k++] = '.';
		else {
			if (strchr("\\.+*?()|[]{}^$", *p))
				dst[k++] = '\\';
			dst[k++] = *p;
		}
	}
	dst[k++] = '$';
	dst[k] = 0;
}

/* more: whether more workers would help the function's stage
 * (analyzer_workers_help); without them, the function must get cheaper. */
static void analyzer_hotspot_suggest(struct finding *f, const char *fn, int more)
{
	char re[300];
	analyzer_pprof_regex(fn, re, sizeof re);
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
		finding_suggest(f, "Look at its hottest lines: go tool pprof -list '%s' cpu_*.prof", re);
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
		finding_suggest(f, "Look at its hottest lines: go tool pprof -list '%s' cpu_*.prof", re);
		if (more)
			finding_suggest(f, "Do less per record in this function, or spread its stage over more workers");
		else
			finding_suggest(f, "Do less per record in this function: make it cheaper");
	}
}

/* The severity of a hot function: the band of its share of the CPU samples,
 *   - inside the pipeline bottleneck stage, capped at the bottleneck's
 *     severity: it is how that stage spends its time, and the bottleneck
 *     is the primary finding;
 *   - anywhere else (another stage, a stage that is not busy, no stage, or
 *     no bottleneck at all), low: it costs CPU but holds nothing back,
 *     unless the machine's cores are mostly busy, when it competes for them
 *     with the stages that need them: then at most medium, and it says so
 *     with the machine's figures.
 * Such a function is still listed and named, with what makes it cheaper;
 * its description says its stage is not the bottleneck, and it never
 * suggests more workers unless analyzer_workers_help says they would help.
 * A frame without a name (no symbol), or of a sanitizer's runtime, is never
 * a finding. */
static int analyzer_rule_hotspots(const struct analyzer_input *in, const struct alert_opts *o, struct findings *out,
				  size_t bneck, enum severity bsev, int real_bneck, int verdict)
{
	if (in->cpu_samples < ANALYZER_MIN_SAMPLES)
		return 0;
	for (size_t i = 0; i < in->nfunctions; i++) {
		const struct an_function *fn = &in->functions[i];
		if (!analyzer_function_named(fn->name) || analyzer_function_is_sanitizer(fn->name))
			continue;
		int sev = analyzer_band(fn->flat_pct, o->hotspot_medium_pct, o->hotspot_high_pct, o->hotspot_critical_pct);
		if (sev < 0)
			continue;
		size_t si = analyzer_stage_index(in, fn->stage);
		const struct an_stage *st = si == (size_t)-1 ? NULL : &in->stages[si];
		/* inside what holds the pipeline back: the bottleneck stage, or,
		 * when there is no pace verdict at all, a busy stage; without
		 * records (a program of its own, libnebula) nothing is known of
		 * the stages and the band stands */
		int nopace = bneck == (size_t)-1 && !verdict;
		int inside = in->records_in == 0 ||
			     (si != (size_t)-1 &&
			      (real_bneck ? si == bneck : nopace && st->busy_pct >= o->busy_pct));
		int busy_machine = analyzer_machine_mostly_busy(in);
		if (inside && real_bneck && sev > (int)bsev)
			sev = (int)bsev;
		if (!inside)
			sev = busy_machine && sev >= SEV_MEDIUM ? SEV_MEDIUM : SEV_LOW;
		struct finding *f = analyzer_add_finding(out, FIND_CPU_HOTSPOT, (enum severity)sev);
		if (!f)
			return -1;
		snprintf(f->component, sizeof f->component, "%s", fn->name);
		char not_bneck[240] = "", cores[160];
		analyzer_format_cores(in, cores, sizeof cores);
		if (in->records_in == 0)
			; /* nothing is known of the stages */
		else if (!inside && st && real_bneck)
			snprintf(not_bneck, sizeof not_bneck, "; stage %s is %.0f%% busy and not the bottleneck (%s is)",
				 st->name, st->busy_pct, in->stages[bneck].name);
		else if (!inside && st && verdict && st->kind == STAGE_SOURCE)
			snprintf(not_bneck, sizeof not_bneck, "; it is the source's own work, and the rest of the "
				 "pipeline keeps up with it");
		else if (!inside && st)
			snprintf(not_bneck, sizeof not_bneck, "; stage %s is %.0f%% busy and holds nothing back", st->name,
				 st->busy_pct);
		size_t k = strlen(not_bneck);
		if (!inside && busy_machine && in->records_in > 0)
			snprintf(not_bneck + k, sizeof not_bneck - k, "; the machine's cores are mostly busy (%s): it "
				 "competes for them", cores);
		if (fn->stage) {
			snprintf(f->stage, sizeof f->stage, "%s", fn->stage);
			finding_set(f->description, sizeof f->description,
				    "Function '%s' in stage %s consuming %.1f%% of CPU time%s", fn->name, fn->stage,
				    fn->flat_pct, not_bneck);
		} else {
			finding_set(f->description, sizeof f->description, "Function '%s' consuming %.1f%% of CPU time%s",
				    fn->name, fn->flat_pct, not_bneck);
		}
		f->impact_pct = fn->flat_pct;
		snprintf(f->impact_of, sizeof f->impact_of, "%s", inside ? "the process's CPU samples in the window"
			 : "the process's CPU samples in the window: CPU spent, not throughput held back");
		char why[200];
		analyzer_hotspot_suggest(f, fn->name,
					 fn->stage && analyzer_workers_help(in, o, fn->stage, why, sizeof why) == WORKERS_HELP);
		finding_figure(f, "flat_pct", fn->flat_pct, "%.1f%% of CPU samples", fn->flat_pct);
		if (fn->stage)
			finding_figure(f, "stage_pct", fn->stage_pct, "%.1f%% of stage %s's samples", fn->stage_pct,
				       fn->stage);
		finding_figure(f, "samples", in->cpu_samples, "%.0f samples in the window", in->cpu_samples);
		finding_figure(f, "machine_busy_cores", analyzer_machine_busy(in), "machine %.1f of %.0f cores busy",
			       analyzer_machine_busy(in), in->cores);
	}
	return 0;
}

/* --- allocator pressure -------------------------------------------------------------- */

static int analyzer_rule_allocator(const struct analyzer_input *in, const struct alert_opts *o, struct findings *out,
				   int verdict)
{
	if (in->allocator_pct < 0 || in->cpu_samples < ANALYZER_MIN_SAMPLES)
		return 0;
	int sev = analyzer_band(in->allocator_pct, o->allocator_medium_pct, o->allocator_high_pct,
				o->allocator_critical_pct);
	if (sev < 0)
		return 0;
	/* a share of a process that does little is little CPU: under a tenth
	 * of a core in the allocator holds nothing back */
	double cores = in->allocator_pct / 100 * in->cores_used;
	int little = in->cores_used > 0 && cores < ANALYZER_ALLOC_MIN_CORES;
	/* when nothing holds the pipeline back (it keeps up, or the CPU is the
	 * limit), the allocator's CPU is CPU spent like any hot function's */
	int spent = verdict && in->records_in > 0;
	if (little || (spent && !analyzer_machine_mostly_busy(in)))
		sev = SEV_LOW;
	else if (spent && sev > SEV_MEDIUM)
		sev = SEV_MEDIUM;
	struct finding *f = analyzer_add_finding(out, FIND_ALLOCATOR_PRESSURE, (enum severity)sev);
	if (!f)
		return -1;
	snprintf(f->component, sizeof f->component, "allocator");
	int n = snprintf(f->description, sizeof f->description, "The allocator (malloc, free and friends) takes %.1f%% "
			 "of CPU time", in->allocator_pct);
	if (in->alloc_bytes_per_record >= 0 && n > 0 && (size_t)n < sizeof f->description) {
		char rate[32], aps[32];
		units_format_bytes(rate, sizeof rate, in->alloc_bytes_per_record);
		units_format_count(aps, sizeof aps, (uint64_t)(in->allocs_per_sec > 0 ? in->allocs_per_sec + 0.5 : 0));
		n += snprintf(f->description + n, sizeof f->description - (size_t)n, ": %s allocated per record, %s "
			      "allocations/s", rate, aps);
	}
	if ((little || spent) && n > 0 && (size_t)n < sizeof f->description)
		snprintf(f->description + n, sizeof f->description - (size_t)n, "; that is %.2f of a core: CPU spent, "
			 "not throughput held back%s", cores,
			 little ? "" : spent && analyzer_machine_mostly_busy(in) ? " (but the machine's cores are busy)"
										: " (the pipeline keeps up)");
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
/* The heap's first second: start-up (threads, pools, the profilers' tables). */
#define ANALYZER_STARTUP_S 1.0

/* The later half of a window must still rise by at least this share of its
 * part (half) of the whole window's rise: growth that stops (pools and
 * buffers filling up to their bound at start-up) is no leak; a leak keeps
 * its pace. */
#define ANALYZER_GROWTH_KEEP 0.5

/* The mean of up to 3 points centred on point i (fewer at the ends). */
static double analyzer_mean_around(const struct an_point *pts, size_t n, size_t i)
{
	size_t a = i > 0 ? i - 1 : 0, b = i + 1 < n ? i + 1 : n - 1;
	if (i == 0 && n > 2)
		b = 2;
	if (i == n - 1 && n > 2)
		a = n - 3;
	double sum = 0;
	for (size_t k = a; k <= b; k++)
		sum += pts[k].value;
	return sum / (double)(b - a + 1);
}

/* The share of the whole rise in the later half of the series (by its x,
 * t_s): the means of a few points at its ends, so that one spike or step
 * does not decide; 0 when it did not rise. */
static double analyzer_growth_late_share(const struct an_point *pts, size_t n)
{
	double mid = (pts[0].t_s + pts[n - 1].t_s) / 2;
	size_t h = 0;
	while (h < n && pts[h].t_s < mid)
		h++;
	double first = analyzer_mean_around(pts, n, 0), last = analyzer_mean_around(pts, n, n - 1);
	return last > first ? (last - analyzer_mean_around(pts, n, h)) / (last - first) : 0;
}

/* Steady growth of the heap in use outside the batch pool (of the RSS when
 * the malloc hooks are not there): a least-squares slope over the window
 * (against time, or against the records delivered) with a good fit, at
 * least ANALYZER_GROWTH_MIN_SPAN_S long, that the later half of the window
 * keeps up. */
static int analyzer_rule_growth(const struct analyzer_input *in, const struct alert_opts *o, struct findings *out)
{
	/* the heap when the hooks count it, else the RSS */
	const struct an_point *pts = in->nheap ? in->heap : in->rss;
	size_t n = in->nheap ? in->nheap : in->nrss;
	const char *what = in->nheap ? "Heap in use outside the batch pool" : "RSS";
	/* the run's first second is start-up: threads, pools and profiles set up */
	while (n > 0 && pts[0].t_s < ANALYZER_STARTUP_S) {
		pts++;
		n--;
	}
	/* and once the source has stopped (a -duration cut, the end of its
	 * input, a stall), the pipeline drains and shuts down: the heap no
	 * longer follows the records, so the series ends at the last sample
	 * in which the source still delivered (when the counts are known) */
	if (n > 1 && pts[n - 1].records > pts[0].records)
		while (n > 1 && pts[n - 2].records >= pts[n - 1].records)
			n--;
	if (n < 2 || pts[n - 1].t_s - pts[0].t_s < ANALYZER_GROWTH_MIN_SPAN_S)
		return 0;
	double slope, r2;
	analyzer_fit_slope(pts, n, &slope, &r2);
	/* A leak keeps bytes per record: against the records the source had
	 * delivered, the heap is a straight line even when the flow stops and
	 * starts (a loaded machine, a bursty input), where against time it is
	 * a staircase. When the counts are known, the better of the two fits
	 * decides, and the later half is judged on the same axis. */
	double per_rec = 0, r2_rec = 0;
	struct an_point *by_rec = NULL;
	if (pts[n - 1].records > pts[0].records && (by_rec = malloc(n * sizeof *by_rec)) != NULL) {
		for (size_t i = 0; i < n; i++)
			by_rec[i] = (struct an_point){ pts[i].records, pts[i].value, pts[i].records };
		analyzer_fit_slope(by_rec, n, &per_rec, &r2_rec);
	}
	int use_rec = by_rec && per_rec > 0 && r2_rec > r2;
	int keeps = slope > 0 && fmax(r2, use_rec ? r2_rec : 0) >= o->memory_growth_fit &&
		    analyzer_growth_late_share(use_rec ? by_rec : pts, n) >= ANALYZER_GROWTH_KEEP / 2;
	free(by_rec);
	if (!keeps)
		return 0;
	double late_share = analyzer_growth_late_share(pts, n);
	int sev = analyzer_band(slope, (double)o->memory_growth_medium, (double)o->memory_growth_high,
				(double)o->memory_growth_critical);
	if (sev < 0)
		return 0;
	struct finding *f = analyzer_add_finding(out, FIND_MEMORY_GROWTH, (enum severity)sev);
	if (!f)
		return -1;
	snprintf(f->component, sizeof f->component, "%s", in->nsites ? in->sites[0].function : "process");
	double now = in->nheap ? fmax(in->heap_now - in->pool_now, 0) : in->rss_now;
	char rate[32], nowt[32];
	units_format_bytes(rate, sizeof rate, slope);
	units_format_bytes(nowt, sizeof nowt, now);
	double span = pts[n - 1].t_s - pts[0].t_s;
	if (use_rec) {
		char per[32];
		units_format_bytes(per, sizeof per, per_rec);
		finding_set(f->description, sizeof f->description,
			    "%s grows with the records: %s per record read, %s/s (%.2f MB/s, fit R^2 %.2f over %.0fs), "
			    "now %s",
			    what, per, rate, slope / 1e6, r2_rec, span, nowt);
	} else {
		finding_set(f->description, sizeof f->description,
			    "%s grows steadily by %s/s (%.2f MB/s, fit R^2 %.2f over %.0fs), now %s", what, rate,
			    slope / 1e6, r2, span, nowt);
	}
	f->impact_pct = now > 0 ? 100 * slope * 60 / now : 0;
	snprintf(f->impact_of, sizeof f->impact_of, "growth per minute, of the %s now",
		 in->nheap ? "heap in use outside the batch pool" : "RSS");
	finding_figure(f, "late_share", late_share, "%.0f%% of the growth in the later half of the window",
		       100 * late_share);
	if (per_rec > 0)
		finding_figure(f, "bytes_per_record", per_rec, "%.0f bytes per record read (fit R^2 %.2f)", per_rec,
			       r2_rec);
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
	finding_figure(f, "fit_r2", use_rec ? r2_rec : r2, "R^2 %.2f", use_rec ? r2_rec : r2);
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
		char cps[32];
		units_format_count(cps, sizeof cps, (uint64_t)(l->contentions_per_sec + 0.5));
		finding_set(f->description, sizeof f->description,
			    "Lock '%s' is contended: its %d waiting thread%s spend %.1f%% of their time waiting for it "
			    "(%s contentions/s)%s", l->name, l->waiters, l->waiters == 1 ? "" : "s", share, cps,
			    in_bneck ? "; it holds back the bottleneck stage" : "");
		f->impact_pct = share;
		snprintf(f->impact_of, sizeof f->impact_of, "its waiters' time spent waiting for it");
		if (!strncmp(l->name, "channel ", 8) || !strcmp(l->name, "batch pool")) {
			/* nebtop's own: taken once per batch, so it is the batch size that counts */
			finding_suggest(f, "This is nebtop's own %s lock, taken once per batch: raise -batch so that "
					   "fewer, larger batches cross it", l->name);
			finding_suggest(f, "Fewer workers per stage (-workers) also means fewer threads taking it");
		} else {
			finding_suggest(f, "Hold the lock for less time: move work out of the critical section");
			finding_suggest(f, "Give each worker its own state (per-thread counters or buffers) and merge at "
					   "the end");
		}
		finding_suggest(f, "See where it is taken: run with -types cpu,memory,mutex, then go tool pprof -top "
				   "-tagfocus=lock mutex_*.prof");
		finding_figure(f, "wait_pct", share, "%.1f%% of waiters' time", share);
		finding_figure(f, "contentions_per_sec", l->contentions_per_sec, "%s contentions/s", cps);
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
	if (bneck != (size_t)-1)
		return 0; /* the pace finding explains it: its input, a configured pace, a stage */
	for (size_t i = 0; i < in->nstages; i++)
		if (analyzer_stage_paced(&in->stages[i]))
			return 0; /* a configured pace explains it */
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
	/* the stage that failed the most records in the window (the first
	 * reason's when the stages' counts are not known) */
	const char *stage = in->nreasons ? in->reasons[0].stage : NULL;
	uint64_t most = 0;
	size_t failing = 0;
	for (size_t i = 0; i < in->nstages; i++) {
		failing += in->stages[i].errors > 0;
		if (in->stages[i].errors > most) {
			most = in->stages[i].errors;
			stage = in->stages[i].name;
		}
	}
	snprintf(f->component, sizeof f->component, "%s", stage ? stage : "process");
	if (stage)
		snprintf(f->stage, sizeof f->stage, "%s", stage);
	char nerr[32], nin[32];
	units_format_count(nerr, sizeof nerr, in->records_errors);
	units_format_count(nin, sizeof nin, in->records_in);
	size_t k = (size_t)snprintf(f->description, sizeof f->description,
				    "%.1f%% of records failed: %s of %s read in the window", rate, nerr, nin);
	/* more than one stage fails records: each with its count, so that a
	 * second cause is not hidden behind the first reasons */
	for (size_t i = 0, shown = 0; failing > 1 && i < in->nstages && k < sizeof f->description; i++) {
		if (!in->stages[i].errors)
			continue;
		char c[32];
		units_format_count(c, sizeof c, in->stages[i].errors);
		k += (size_t)snprintf(f->description + k, sizeof f->description - k, "%s%s %s", shown++ ? ", " : " (by stage: ",
				      in->stages[i].name, c);
		if (shown == failing && k < sizeof f->description)
			k += (size_t)snprintf(f->description + k, sizeof f->description - k, ")");
	}
	for (size_t i = 0; i < in->nreasons && i < 3 && k < sizeof f->description; i++) {
		char of[64] = "";
		if (in->reasons_full)
			snprintf(of, sizeof of, " of the first %llu errors", (unsigned long long)in->reasons_kept);
		char reason[ANALYZER_REASON_MAX + 1];
		finding_clip(reason, sizeof reason, in->reasons[i].reason, ANALYZER_REASON_MAX);
		k += (size_t)snprintf(f->description + k, sizeof f->description - k, "%s%s: %s (%llu%s)",
				      i ? "; " : "; the first reasons: ", in->reasons[i].stage, reason,
				      (unsigned long long)in->reasons[i].count, of);
	}
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
	finding_figure(f, "errors", (double)in->records_errors, "%s records failed in the window", nerr);
	if (in->nreasons && in->reasons_kept)
		finding_figure(f, "top_reason_pct", 100.0 * (double)in->reasons[0].count / (double)in->reasons_kept,
			       "%.0f%% of the errors kept share the first reason",
			       100.0 * (double)in->reasons[0].count / (double)in->reasons_kept);
	return 0;
}

static int analyzer_rule_errors(const struct analyzer_input *in, const struct alert_opts *o, struct findings *out);

/* A window shorter than this, or a run of fewer records that lasted less
 * than ANALYZER_SHORT_RUN_S, is too short to judge: start-up (threads,
 * pools, the first batches) dominates every figure. */
#define ANALYZER_MIN_WINDOW_S 1.0
#define ANALYZER_MIN_RECORDS 100
#define ANALYZER_SHORT_RUN_S 10.0

/* 1 (with the one finding that says so) when the window cannot be judged. */
static int analyzer_rule_too_short(const struct analyzer_input *in, struct findings *out, int *failed)
{
	*failed = 0;
	int short_window = (in->window_s > 0 || in->run_s > 0) && in->window_s < ANALYZER_MIN_WINDOW_S;
	int few = in->run_s > 0 && in->run_s < ANALYZER_SHORT_RUN_S && in->run_records < ANALYZER_MIN_RECORDS;
	if (!short_window && !few)
		return 0;
	struct finding *f = analyzer_add_finding(out, FIND_TOO_SHORT, SEV_LOW);
	if (!f) {
		*failed = 1;
		return 1;
	}
	uint64_t recs = in->run_s > 0 ? in->run_records : in->records_in;
	double secs = in->run_s > 0 ? in->run_s : in->window_s;
	char n[32], d[32];
	units_format_count(n, sizeof n, recs);
	units_format_duration(d, sizeof d, (uint64_t)(secs * 1e9));
	snprintf(f->component, sizeof f->component, "process");
	finding_set(f->description, sizeof f->description,
		    "Too short to judge: %s record%s in %s; start-up dominates every timing, so no bottleneck, "
		    "hotspot, leak or contention is named (record errors still are)", n, recs == 1 ? "" : "s", d);
	f->impact_pct = 0;
	snprintf(f->impact_of, sizeof f->impact_of, "nothing: no verdict");
	finding_suggest(f, "For a verdict, run at least %.0f s and read at least %d records, or run for %.0f s or "
			   "more (-duration, or more input)", ANALYZER_MIN_WINDOW_S, ANALYZER_MIN_RECORDS,
			ANALYZER_SHORT_RUN_S);
	finding_figure(f, "records", (double)recs, "%s records", n);
	finding_figure(f, "seconds", secs, "%s", d);
	return 1;
}

int analyzer_run_rules(const struct analyzer_input *in, const struct alert_opts *o, struct findings *out)
{
	out->n = 0;
	out->window_s = in->window_s;
	int failed;
	/* record errors are counts, not timings: they are judged however short
	 * the run; nothing else is */
	if (analyzer_rule_too_short(in, out, &failed)) {
		if (failed || analyzer_rule_errors(in, o, out))
			return -1;
		findings_sort(out);
		return 0;
	}
	size_t bneck;
	if (analyzer_rule_pace(in, o, out, &bneck))
		return -1;
	int real = out->n && out->v[0].type == FIND_PIPELINE_BOTTLENECK;
	/* a verdict on the pace that names no bottleneck stage: the pipeline
	 * keeps up, or the CPU is the limit */
	int verdict = out->n && !real;
	enum severity bsev = real ? out->v[0].severity : SEV_LOW;
	size_t cap_at = real ? bneck : (size_t)-1;
	if (analyzer_rule_channels(in, o, out, cap_at, bsev) ||
	    analyzer_rule_hotspots(in, o, out, bneck, bsev, real, verdict) || analyzer_rule_allocator(in, o, out, verdict) ||
	    analyzer_rule_growth(in, o, out) ||
	    analyzer_rule_locks(in, o, out, cap_at, bsev) || analyzer_rule_threads(in, o, out) ||
	    analyzer_rule_underuse(in, o, out, bneck) || analyzer_rule_errors(in, o, out) ||
	    analyzer_rule_latency(in, out) || analyzer_rule_whatif(in, out))
		return -1;
	findings_sort(out);
	return 0;
}
