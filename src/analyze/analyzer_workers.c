/* analyzer_workers.c: whether more workers would make a stage faster, the
 * one answer every rule that could suggest -workers asks for, and the
 * helpers it stands on (a lock's stage and wait share, a connector's
 * configured pace). */
#include "autoconfig.h"

#include "analyzer_internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../../pipeline/pipeline.h"

/* The share of its waiters' time a lock was waited for, 0..100. */
double analyzer_lock_share(const struct analyzer_input *in, const struct an_lock *l)
{
	if (l->waiters <= 0 || in->window_s <= 0)
		return 0;
	return fmin(100 * l->wait_s / (l->waiters * in->window_s), 100);
}

/* The stage a lock belongs to ("stage NAME: what" names it), into dst ("" when none). */
void analyzer_lock_stage(const char *lock, char *dst, size_t n)
{
	dst[0] = 0;
	if (strncmp(lock, "stage ", 6))
		return;
	const char *colon = strchr(lock + 6, ':');
	size_t len = colon ? (size_t)(colon - lock - 6) : strlen(lock + 6);
	snprintf(dst, n, "%.*s", (int)len, lock + 6);
}

/* The index of the stage named name, or (size_t)-1. */
size_t analyzer_stage_index(const struct analyzer_input *in, const char *name)
{
	for (size_t i = 0; name && i < in->nstages; i++)
		if (in->stages[i].name && !strcmp(in->stages[i].name, name))
			return i;
	return (size_t)-1;
}

/* 1 when a source or destination runs at the pace its configuration sets
 * (at least 90% of its `rate` or `rate_limit`). */
int analyzer_stage_paced(const struct an_stage *s)
{
	double rate = s->kind == STAGE_SOURCE ? s->out_per_sec : s->in_per_sec;
	return s->kind != STAGE_TRANSFORM && s->rate_limit > 0 && rate >= 0.9 * s->rate_limit;
}

/* The machine's busy cores over the window: the whole machine's when known
 * (/proc/stat), else nebtop's own. */
double analyzer_machine_busy(const struct analyzer_input *in)
{
	return in->machine_busy_cores >= 0 ? fmax(in->machine_busy_cores, in->cores_used) : in->cores_used;
}

/* 1 when the machine's cores are mostly busy (ANALYZER_BUSY_MACHINE of them
 * or more): a CPU-hungry function anywhere competes with the bottleneck. */
int analyzer_machine_mostly_busy(const struct analyzer_input *in)
{
	return in->cores > 0 && analyzer_machine_busy(in) >= ANALYZER_BUSY_MACHINE * in->cores;
}

/* "nebtop uses 0.3 of 2 cores, the whole machine 1.1" */
void analyzer_format_cores(const struct analyzer_input *in, char *dst, size_t n)
{
	if (in->machine_busy_cores >= 0)
		snprintf(dst, n, "nebtop uses %.1f of %.0f cores, the whole machine %.1f", in->cores_used, in->cores,
			 analyzer_machine_busy(in));
	else
		snprintf(dst, n, "nebtop uses %.1f of %.0f cores; the machine's own use is not known", in->cores_used,
			 in->cores);
}

/* Would more workers (-workers) make stage `name` faster? Every rule that
 * could suggest more workers asks this one question, so that no two
 * findings disagree. They would only when all of these hold:
 *   - the stage is known and is a transform or runs on more than one thread
 *     (-workers spreads transforms, and a connector's decoding or encoding);
 *   - it is busy (busy_pct or more; not known without records flowing, when
 *     this does not count): an idle stage's workers already wait for work;
 *   - no contended lock of its own (the lock rule's medium band or more)
 *     holds its workers back: more workers would wait on the lock too;
 *   - a source or destination is not running at its configured pace;
 *   - and either its workers wait off the CPU most of their busy time (their
 *     share on a CPU or ready for one under ANALYZER_OFFCPU_PCT: sleeping,
 *     waiting on I/O or a server, they use no core, so more of them overlap
 *     more waits, whatever the cores), or, CPU-bound (or not known), its workers are fewer than
 *     the machine's cores and the whole machine has idle cores (half a core
 *     or more; /proc/stat, or nebtop's own use when that is not known).
 * On anything but WORKERS_HELP, why says why not in a few words; on
 * WORKERS_HELP, why says why they would. */
enum workers_help analyzer_workers_help(const struct analyzer_input *in, const struct alert_opts *o,
					       const char *name, char *why, size_t n)
{
	size_t i = analyzer_stage_index(in, name);
	why[0] = 0;
	if (i == (size_t)-1) {
		snprintf(why, n, "its stage is not known");
		return WORKERS_NO;
	}
	const struct an_stage *s = &in->stages[i];
	if (s->kind != STAGE_TRANSFORM && s->threads <= 1) {
		snprintf(why, n, "it runs on one thread that -workers does not spread");
		return WORKERS_NO;
	}
	if (in->records_in > 0 && s->busy_pct < o->busy_pct) {
		snprintf(why, n, "it is only %.0f%% busy, its workers already wait for work", s->busy_pct);
		return WORKERS_NO;
	}
	for (size_t k = 0; k < in->nlocks; k++) {
		char st[64];
		analyzer_lock_stage(in->locks[k].name, st, sizeof st);
		double share = analyzer_lock_share(in, &in->locks[k]);
		if (!strcmp(st, s->name) && share >= o->lock_wait_medium_pct) {
			snprintf(why, n, "its workers spend %.0f%% of their time waiting for lock '%s', and more would "
				 "wait too", share, in->locks[k].name);
			return WORKERS_LOCKED;
		}
	}
	if (analyzer_stage_paced(s)) {
		snprintf(why, n, "its %s sets its pace", s->rate_key);
		return WORKERS_NO;
	}
	/* on a CPU, or ready and waiting for one (a busy machine): both want a core */
	double cpu = s->oncpu_pct + (s->cpu_wait_pct > 0 ? s->cpu_wait_pct : 0);
	if (s->oncpu_pct >= 0 && cpu < ANALYZER_OFFCPU_PCT) {
		snprintf(why, n, "its workers wait off the CPU (only %.0f%% of their busy time on a CPU or ready for "
			 "one), so more of them overlap more waits", cpu);
		return WORKERS_HELP;
	}
	if (in->cores > 0 && s->threads >= in->cores) {
		snprintf(why, n, "its %d workers already %s the machine's %.0f cores and use them", s->threads,
			 s->threads > in->cores ? "outnumber" : "match", in->cores);
		return WORKERS_NO;
	}
	if (in->cores > 0 && analyzer_machine_busy(in) >= in->cores - 0.5) {
		char cores[160];
		analyzer_format_cores(in, cores, sizeof cores);
		snprintf(why, n, "the machine's cores are all in use (%s)", cores);
		return WORKERS_NO;
	}
	snprintf(why, n, "the machine has idle cores");
	return WORKERS_HELP;
}
