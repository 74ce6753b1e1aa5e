/* whatif_run.c: the what-if experiments' thread, their schedule and their
 * estimates (see whatif_run.h). */
#include "autoconfig.h"

#include "whatif_run.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/clock.h"
#include "../base/thread_registry.h"
#include "../../pipeline/channel.h"
#include "../../pipeline/pipeline.h"
#include "../../pipeline/tmetrics.h"
#include "analyzer.h"

const double whatif_speedups[WHATIF_SPEEDUPS] = { 1.25, 1.5, 2.0 };

#define WHATIF_MAX_ROUNDS 64
#define WHATIF_NAP_NS 10000000ull

struct whatif_run {
	struct pipeline *p;
	struct analyzer *an;
	int target;
	pthread_t th;
	int started, ended; /* under mu */
	_Atomic int quit;
	pthread_mutex_t mu; /* guards what follows */
	struct whatif_result results[WHATIF_MAX_TARGETS];
	size_t nresults;
	int queue[WHATIF_MAX_TARGETS]; /* stages asked for, not yet taken */
	size_t nqueue;
};

/* What a period measured. */
struct whatif_period {
	double rate; /* records/s over the virtual time */
	double records, wall_s;
	double util[64]; /* per stage: its threads' busy share of the virtual time, at 2x */
};

struct whatif_mark {
	uint64_t t, delivered, removed;
	uint64_t busy[64], slept[64], paced[64];
};

static int whatif_should_end(struct whatif_run *r)
{
	if (atomic_load(&r->quit) || pipeline_input_ended(r->p))
		return 1;
	enum pipeline_state s = pipeline_get_state(r->p);
	return s != PSTATE_RUNNING && s != PSTATE_PAUSED;
}

/* Sleeps ns; 0 when the experiments must end. */
static int whatif_nap(struct whatif_run *r, uint64_t ns)
{
	uint64_t end = clock_now_ns() + ns, now;
	while ((now = clock_now_ns()) < end) {
		if (whatif_should_end(r))
			return 0;
		uint64_t left = end - now;
		clock_sleep_ns(left < WHATIF_NAP_NS ? left : WHATIF_NAP_NS);
	}
	return !whatif_should_end(r);
}

static size_t whatif_nstages(const struct whatif_run *r)
{
	size_t n = pipeline_count_stages(r->p);
	return n < 64 ? n : 64;
}

static void whatif_take_mark(struct whatif_run *r, struct whatif_mark *m)
{
	m->t = clock_now_ns();
	m->delivered = pipeline_count_delivered(r->p);
	m->removed = pipeline_whatif_removed_ns(r->p);
	for (size_t i = 0; i < whatif_nstages(r); i++) {
		const struct stage_info *si = pipeline_get_stage(r->p, i);
		uint64_t busy = 0, times[TSTATE_TIMED];
		for (int k = 0; k < si->nthreads; k++) {
			tmetrics_read_times(&si->threads[k], m->t, times);
			busy += times[TSTATE_BUSY];
		}
		m->busy[i] = busy;
		m->slept[i] = pipeline_whatif_slept_ns(r->p, i);
		m->paced[i] = pipeline_paced_ns(r->p, i);
	}
}

/* The records in the pipeline's channels now, and their room (*cap). */
static uint64_t whatif_fill(struct whatif_run *r, uint64_t *cap)
{
	uint64_t fill = 0;
	*cap = 0;
	for (size_t i = 0; i < pipeline_count_channels(r->p); i++) {
		struct channel_stats cs;
		channel_read_stats(pipeline_get_channel(r->p, i), &cs);
		fill += cs.fill;
		*cap += cs.capacity;
	}
	return fill;
}

/* After a change of speed-up: the channels fill or drain to the new
 * balance, and a period measured meanwhile would count records that came
 * out of (or went into) a queue as the new rate. Waits WHATIF_SETTLE_NS,
 * then until the fill moves by less than 2% of the channels' room in
 * WHATIF_SETTLE_STEP_NS, at most WHATIF_SETTLE_MAX_NS in all (a bursty
 * pipeline's fill never rests). 0 when the experiments must end. */
static int whatif_settle(struct whatif_run *r)
{
	if (!whatif_nap(r, WHATIF_SETTLE_NS))
		return 0;
	uint64_t cap, fill = whatif_fill(r, &cap);
	for (uint64_t t = WHATIF_SETTLE_NS; t < WHATIF_SETTLE_MAX_NS; t += WHATIF_SETTLE_STEP_NS) {
		if (!whatif_nap(r, WHATIF_SETTLE_STEP_NS))
			return 0;
		uint64_t now = whatif_fill(r, &cap), moved = now > fill ? now - fill : fill - now;
		if (moved * 50 <= cap)
			break;
		fill = now;
	}
	return 1;
}

/* One period at one speed-up of stage; 0 when the experiments must end, -1
 * when the period does not count (the pipeline was paused). */
static int whatif_measure(struct whatif_run *r, int stage, double speedup, struct whatif_period *out)
{
	pipeline_set_whatif(r->p, stage, speedup);
	if (!whatif_settle(r))
		return 0;
	struct whatif_mark a, b;
	whatif_take_mark(r, &a);
	int paused = pipeline_get_state(r->p) == PSTATE_PAUSED;
	uint64_t end = a.t + WHATIF_PERIOD_NS;
	while (clock_now_ns() < end) {
		if (!whatif_nap(r, WHATIF_NAP_NS))
			return 0;
		paused |= pipeline_get_state(r->p) == PSTATE_PAUSED;
	}
	whatif_take_mark(r, &b);
	if (paused)
		return -1;
	double wall = (double)(b.t - a.t), removed = (double)(b.removed - a.removed);
	double virt = wall - removed > 0.05 * wall ? wall - removed : 0.05 * wall;
	out->records = (double)(b.delivered - a.delivered);
	out->wall_s = wall / 1e9;
	out->rate = out->records / (virt / 1e9);
	for (size_t i = 0; i < whatif_nstages(r); i++) {
		int n = pipeline_get_stage(r->p, i)->nthreads;
		double busy = (double)(b.busy[i] - a.busy[i]), slept = (double)(b.slept[i] - a.slept[i]),
		       paced = (double)(b.paced[i] - a.paced[i]);
		/* the sped-up stage's work takes 1/speedup of its time in virtual
		 * time (not its waits for a configured pace: they stay); the
		 * others' delays are not work */
		double work = (int)i == stage ? (busy - paced) / speedup + paced : busy - slept;
		out->util[i] = n > 0 && work > 0 ? work / (n * virt) : 0;
	}
	return 1;
}

/* Two-sided 95% quantile of Student's t with df degrees of freedom. */
static double whatif_t95(unsigned df)
{
	static const double t[] = { 0, 12.71, 4.30, 3.18, 2.78, 2.57, 2.45, 2.36, 2.31, 2.26, 2.23 };
	if (df < sizeof t / sizeof t[0])
		return t[df];
	return df < 20 ? 2.13 : df < 30 ? 2.09 : 2.0;
}

static void whatif_mean_interval(const double *v, unsigned n, double *mean, double *half)
{
	double s = 0, ss = 0;
	for (unsigned i = 0; i < n; i++)
		s += v[i];
	*mean = n ? s / n : 0;
	for (unsigned i = 0; i < n; i++)
		ss += (v[i] - *mean) * (v[i] - *mean);
	*half = n > 1 ? whatif_t95(n - 1) * sqrt(ss / (n - 1)) / sqrt((double)n) : 0;
}

/* The rounds so far. */
struct whatif_rounds {
	unsigned n;
	double control[WHATIF_MAX_ROUNDS];
	double ratio[WHATIF_SPEEDUPS][WHATIF_MAX_ROUNDS];
	double util[64]; /* summed over the rounds' 2x periods */
	double records, wall_s;
};

static double whatif_clamp(double v, double top)
{
	return v < 0 ? 0 : v > top ? top : v;
}

/* The estimates of rounds into w; 1 when they are stable. */
static int whatif_estimate(const struct whatif_rounds *k, struct whatif_result *w, size_t nstages,
			   const struct whatif_run *r, int stage)
{
	double base, bhalf;
	whatif_mean_interval(k->control, k->n, &base, &bhalf);
	w->rounds = k->n;
	w->baseline = base;
	w->baseline_low = base - bhalf;
	w->baseline_high = base + bhalf;
	int stable = k->n >= WHATIF_MIN_ROUNDS;
	for (size_t s = 0; s < WHATIF_SPEEDUPS; s++) {
		double m, half;
		whatif_mean_interval(k->ratio[s], k->n, &m, &half);
		/* one stage s times faster makes the pipeline at most s times
		 * faster, and its throughput is never below 0: beyond that is
		 * the noise of a loaded machine */
		double top = base * whatif_speedups[s];
		w->points[s] = (struct whatif_point){ whatif_speedups[s], whatif_clamp(base * m, top),
						      whatif_clamp(base * (m - half), top),
						      whatif_clamp(base * (m + half), top) };
		if (100 * half > WHATIF_STABLE_PCT)
			stable = 0;
	}
	w->cost_pct = base > 0 && k->wall_s > 0 ? 100 * (1 - k->records / (base * k->wall_s)) : 0;
	if (w->cost_pct < 0)
		w->cost_pct = 0;
	size_t best = (size_t)stage;
	for (size_t i = 0; i < nstages; i++)
		if (k->util[i] > k->util[best] * 1.02)
			best = i;
	snprintf(w->limiter, sizeof w->limiter, "%s", pipeline_get_stage(r->p, best)->name);
	return stable;
}

static void whatif_shuffle(int *v, int n, uint64_t *seed)
{
	for (int i = n - 1; i > 0; i--) {
		*seed = *seed * 6364136223846793005ull + 1442695040888963407ull;
		int j = (int)((*seed >> 33) % (uint64_t)(i + 1));
		int t = v[i];
		v[i] = v[j];
		v[j] = t;
	}
}

static void whatif_publish(struct whatif_run *r, size_t slot, const struct whatif_result *w)
{
	pthread_mutex_lock(&r->mu);
	r->results[slot] = *w;
	pthread_mutex_unlock(&r->mu);
}

/* Runs the experiments on one stage into result slot. */
static void whatif_experiment(struct whatif_run *r, int stage, size_t slot)
{
	struct whatif_rounds *k = calloc(1, sizeof *k);
	if (!k)
		return;
	struct whatif_result w;
	pthread_mutex_lock(&r->mu);
	w = r->results[slot];
	pthread_mutex_unlock(&r->mu);
	w.state = WHATIF_RUNNING;
	whatif_publish(r, slot, &w);
	uint64_t seed = clock_now_ns() | 1, start = clock_now_ns();
	size_t nst = whatif_nstages(r);
	int done = 0;
	while (!done && k->n < WHATIF_MAX_ROUNDS) {
		int order[WHATIF_SPEEDUPS + 1] = { -1, 0, 1, 2 }; /* -1: the control */
		whatif_shuffle(order, WHATIF_SPEEDUPS + 1, &seed);
		struct whatif_period per[WHATIF_SPEEDUPS + 1];
		int ok = 1, ended = 0;
		for (int j = 0; j < WHATIF_SPEEDUPS + 1 && ok; j++) {
			double s = order[j] < 0 ? 1.0 : whatif_speedups[order[j]];
			int rc = whatif_measure(r, stage, s, &per[order[j] + 1]);
			ok = rc > 0;
			ended = rc == 0;
		}
		pipeline_set_whatif(r->p, -1, 1.0);
		if (ended)
			break;
		if (!ok || per[0].rate <= 0) {
			/* paused, or nothing came out: the round does not count,
			 * and the budget runs on */
			if (clock_now_ns() - start >= WHATIF_BUDGET_NS)
				break;
			continue;
		}
		k->control[k->n] = per[0].rate;
		for (int s = 0; s < WHATIF_SPEEDUPS; s++)
			k->ratio[s][k->n] = per[s + 1].rate / per[0].rate;
		for (size_t i = 0; i < nst; i++)
			k->util[i] += per[WHATIF_SPEEDUPS].util[i];
		for (int j = 0; j <= WHATIF_SPEEDUPS; j++) {
			k->records += per[j].records;
			k->wall_s += per[j].wall_s;
		}
		k->n++;
		int stable = whatif_estimate(k, &w, nst, r, stage);
		w.seconds = (double)(clock_now_ns() - start) / 1e9;
		if (stable || clock_now_ns() - start >= WHATIF_BUDGET_NS) {
			w.state = WHATIF_DONE;
			done = 1;
		}
		whatif_publish(r, slot, &w);
	}
	pipeline_set_whatif(r->p, -1, 1.0);
	if (!done) {
		w.state = WHATIF_CUT;
		w.seconds = (double)(clock_now_ns() - start) / 1e9;
		whatif_publish(r, slot, &w);
	}
	free(k);
}

/* Queues stage: 1, 0 when it was queued already, -1 when the queue is full. */
static int whatif_queue(struct whatif_run *r, int stage)
{
	if (stage < 0 || (size_t)stage >= pipeline_count_stages(r->p))
		return -1;
	pthread_mutex_lock(&r->mu);
	int rc = -1;
	for (size_t i = 0; i < r->nqueue; i++)
		if (r->queue[i] == stage)
			rc = 0;
	if (rc && r->nqueue < WHATIF_MAX_TARGETS) {
		r->queue[r->nqueue++] = stage;
		rc = 1;
	}
	pthread_mutex_unlock(&r->mu);
	return rc;
}

/* The next stage asked for, and its result slot (a stage done before is
 * done again in its slot); -1 when none. */
static int whatif_dequeue(struct whatif_run *r, size_t *slot)
{
	pthread_mutex_lock(&r->mu);
	int stage = -1;
	while (r->nqueue && stage < 0) {
		int s = r->queue[0];
		memmove(r->queue, r->queue + 1, --r->nqueue * sizeof *r->queue);
		size_t i = 0;
		while (i < r->nresults && r->results[i].stage_index != s)
			i++;
		if (i == r->nresults) {
			if (r->nresults == WHATIF_MAX_TARGETS)
				continue;
			r->nresults++;
		}
		struct whatif_result *w = &r->results[i];
		memset(w, 0, sizeof *w);
		snprintf(w->stage, sizeof w->stage, "%s", pipeline_get_stage(r->p, (size_t)s)->name);
		w->stage_index = s;
		w->state = WHATIF_QUEUED;
		*slot = i;
		stage = s;
	}
	pthread_mutex_unlock(&r->mu);
	return stage;
}

/* The next candidate when the findings name one stage only: the stage not
 * queued whose threads are busiest over the next half second (waits for a
 * configured pace left out). */
static void whatif_queue_busiest(struct whatif_run *r)
{
	struct whatif_mark *m = calloc(2, sizeof *m);
	if (!m)
		return;
	whatif_take_mark(r, &m[0]);
	if (whatif_nap(r, 500000000ull)) {
		whatif_take_mark(r, &m[1]);
		int best = -1;
		double top = 0;
		for (size_t i = 0; i < whatif_nstages(r); i++) {
			int n = pipeline_get_stage(r->p, i)->nthreads, queued = 0;
			pthread_mutex_lock(&r->mu);
			for (size_t q = 0; q < r->nqueue; q++)
				queued |= r->queue[q] == (int)i;
			pthread_mutex_unlock(&r->mu);
			/* a wait for a configured pace is not work */
			double busy = n > 0 ? ((double)(m[1].busy[i] - m[0].busy[i]) -
					       (double)(m[1].paced[i] - m[0].paced[i])) / n
					    : 0;
			if (!queued && busy > top) {
				top = busy;
				best = (int)i;
			}
		}
		if (best >= 0)
			whatif_queue(r, best);
	}
	free(m);
}

/* auto: the stages of the analyzer's findings, the bottleneck first, and
 * the next candidate (another finding's stage, else the busiest other
 * stage); waits until it names one. A stage whose busy time is mostly
 * waiting for its configured pace (a source's rate, a destination's
 * rate_limit) is passed over: no speed-up of its work changes its pace (it
 * can still be named: -whatif STAGE). 0 when the experiments must end
 * first. */
static int whatif_pick_auto(struct whatif_run *r)
{
	struct findings f = { 0 };
	struct whatif_mark *m = calloc(1, sizeof *m);
	if (!m)
		return 0;
	int rc = 0;
	while (!whatif_should_end(r)) {
		int got = 0, paced = 0;
		whatif_take_mark(r, m);
		if (r->an && analyzer_copy_latest(r->an, &f) == 0) {
			for (size_t i = 0; i < f.n && got < 2; i++) {
				if (f.v[i].type != FIND_PIPELINE_BOTTLENECK && f.v[i].type != FIND_CPU_HOTSPOT &&
				    f.v[i].type != FIND_LOCK_CONTENTION && f.v[i].type != FIND_ALLOCATOR_PRESSURE &&
				    f.v[i].type != FIND_KEEPS_UP)
					continue;
				for (size_t s = 0; s < whatif_nstages(r); s++) {
					if (!f.v[i].stage[0] || strcmp(pipeline_get_stage(r->p, s)->name, f.v[i].stage))
						continue;
					if (m->paced[s] * 2 > m->busy[s])
						paced++;
					else
						got += whatif_queue(r, (int)s) > 0;
				}
			}
		}
		findings_free(&f);
		if (got == 1 || (!got && paced))
			whatif_queue_busiest(r);
		if (got || paced) {
			rc = 1;
			break;
		}
		if (!whatif_nap(r, 250000000ull))
			break;
	}
	free(m);
	return rc;
}

static void *whatif_main(void *arg)
{
	struct whatif_run *r = arg;
	thread_registry_enter("nebtop/whatif", "whatif", NULL, NULL);
	if (whatif_nap(r, WHATIF_WARMUP_NS)) {
		if (r->target == WHATIF_AUTO)
			whatif_pick_auto(r);
		else if (r->target >= 0)
			whatif_queue(r, r->target);
		while (!whatif_should_end(r)) {
			size_t slot;
			int stage = whatif_dequeue(r, &slot);
			if (stage >= 0)
				whatif_experiment(r, stage, slot);
			else if (!whatif_nap(r, 100000000ull))
				break;
		}
	}
	pipeline_set_whatif(r->p, -1, 1.0);
	/* what was asked for and not begun is not run */
	pthread_mutex_lock(&r->mu);
	for (size_t i = 0; i < r->nresults; i++)
		if (r->results[i].state == WHATIF_RUNNING || r->results[i].state == WHATIF_QUEUED)
			r->results[i].state = WHATIF_CUT;
	r->nqueue = 0;
	pthread_mutex_unlock(&r->mu);
	thread_registry_leave();
	return NULL;
}

static int whatif_run_start_locked(struct whatif_run *r, struct errbuf *e);

struct whatif_run *whatif_run_create(struct pipeline *p, struct analyzer *an, int target)
{
	struct whatif_run *r = calloc(1, sizeof *r);
	if (!r)
		return NULL;
	r->p = p;
	r->an = an;
	r->target = target;
	pthread_mutex_init(&r->mu, NULL);
	return r;
}

static int whatif_run_start_locked(struct whatif_run *r, struct errbuf *e)
{
	int rc = pthread_create(&r->th, NULL, whatif_main, r);
	if (rc)
		return errbuf_set(e, "cannot start the what-if thread: %s", strerror(rc));
	r->started = 1;
	return 0;
}

int whatif_run_start(struct whatif_run *r, struct errbuf *e)
{
	pthread_mutex_lock(&r->mu);
	int rc = r->started || r->ended ? 0 : whatif_run_start_locked(r, e);
	pthread_mutex_unlock(&r->mu);
	return rc;
}

int whatif_run_request(struct whatif_run *r, int stage)
{
	if (!r || whatif_queue(r, stage) < 0)
		return -1;
	struct errbuf e;
	pthread_mutex_lock(&r->mu);
	int rc = r->started || r->ended ? 0 : whatif_run_start_locked(r, &e);
	pthread_mutex_unlock(&r->mu);
	return rc;
}

void whatif_run_stop(struct whatif_run *r)
{
	if (!r)
		return;
	atomic_store(&r->quit, 1);
	pthread_mutex_lock(&r->mu);
	int started = r->started;
	r->started = 0;
	r->ended = 1; /* no thread is started after this */
	pthread_mutex_unlock(&r->mu);
	if (started)
		pthread_join(r->th, NULL);
}

void whatif_run_free(struct whatif_run *r)
{
	if (!r)
		return;
	whatif_run_stop(r);
	pthread_mutex_destroy(&r->mu);
	free(r);
}

size_t whatif_run_read(struct whatif_run *r, struct whatif_result *out, size_t max)
{
	if (!r)
		return 0;
	pthread_mutex_lock(&r->mu);
	size_t n = r->nresults < max ? r->nresults : max;
	memcpy(out, r->results, n * sizeof *out);
	pthread_mutex_unlock(&r->mu);
	return n;
}

double whatif_gain_pct(const struct whatif_result *w, size_t point)
{
	return w->baseline > 0 ? 100 * (w->points[point].records_per_sec / w->baseline - 1) : 0;
}

double whatif_pct_shown(double pct)
{
	return pct > -0.5 && pct < 0.5 ? 0.0 : pct;
}

int whatif_too_noisy(const struct whatif_result *w)
{
	const struct whatif_point *pt = &w->points[WHATIF_SPEEDUPS - 1];
	return w->baseline > 0 && pt->low <= w->baseline && pt->high >= w->baseline * (1 + WHATIF_NOISY_PCT / 100);
}
