/* latency.c: following sampled batches from read to write and keeping
 * where their time went (latency.h). */
#include "autoconfig.h"

#include "latency.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hooks.h"

int latency_init(struct latency *l, uint64_t every)
{
	memset(l, 0, sizeof *l);
	l->every = every;
	if (!every)
		return 0;
	pthread_mutex_init(&l->mu, NULL);
	l->inflight = calloc(LATENCY_INFLIGHT, sizeof *l->inflight);
	l->queue = calloc(LATENCY_MAX_STEPS, sizeof *l->queue);
	l->work = calloc(LATENCY_MAX_STEPS, sizeof *l->work);
	l->recent = calloc(LATENCY_RECENT, sizeof *l->recent);
	if (!l->inflight || !l->queue || !l->work || !l->recent) {
		latency_free(l);
		return -1;
	}
	return 0;
}

void latency_free(struct latency *l)
{
	if (!l->every)
		return;
	free(l->inflight);
	free(l->queue);
	free(l->work);
	free(l->recent);
	pthread_mutex_destroy(&l->mu);
	l->every = 0;
}

static uint32_t latency_us(uint64_t ns)
{
	uint64_t us = ns / 1000;
	return us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
}

/* The batch followed to its end: into the histograms and the recent ring. */
static void latency_finish(struct latency *l, struct latency_batch *b)
{
	uint64_t e2e = b->end_ns > b->t0_ns ? b->end_ns - b->t0_ns : 0;
	histogram_add_value(&l->e2e, e2e);
	struct latency_recent *r = &l->recent[l->nrecent++ % LATENCY_RECENT];
	memset(r, 0, sizeof *r);
	r->e2e_ns = e2e;
	for (int k = 0; k < b->nsteps; k++) {
		histogram_add_value(&l->queue[k], b->queue_ns[k]);
		histogram_add_value(&l->work[k], b->work_ns[k]);
		r->queue_us[k] = latency_us(b->queue_ns[k]);
		r->work_us[k] = latency_us(b->work_ns[k]);
	}
	l->done++;
	b->used = 0;
}

void latency_note(struct latency *l, const struct span_step *st, int last)
{
	if (!latency_follows(l, st->seq) || st->step < 0 || st->step >= LATENCY_MAX_STEPS)
		return;
	int k = st->step;
	pthread_mutex_lock(&l->mu);
	struct latency_batch *b = &l->inflight[(st->seq / l->every) % LATENCY_INFLIGHT];
	if (k == 0) { /* its records are in the pipeline from the end of the read */
		memset(b, 0, sizeof *b);
		b->used = 1;
		b->seq = st->seq;
		b->t0_ns = st->t1_ns;
	}
	if (b->used && b->seq == st->seq) {
		if (!l->stage[k][0]) {
			snprintf(l->stage[k], sizeof l->stage[k], "%s", st->stage ? st->stage : "?");
			snprintf(l->part[k], sizeof l->part[k], "%s", st->part ? st->part : "work");
		}
		if (k + 1 > l->nsteps)
			l->nsteps = k + 1;
		if (k + 1 > b->nsteps)
			b->nsteps = k + 1;
		/* the read (waiting for the input, the source's own pace) is not
		 * the records' time in the pipeline: step 0 counts nothing */
		b->queue_ns[k] = k ? st->wait_ns : 0;
		b->work_ns[k] = k && st->t1_ns > st->t0_ns ? st->t1_ns - st->t0_ns : 0;
		if (last) {
			b->end_ns = st->t1_ns;
			latency_finish(l, b);
		}
	}
	pthread_mutex_unlock(&l->mu);
}

void latency_part_name(const struct latency_part *p, char *dst, size_t n)
{
	if (p->queue)
		snprintf(dst, n, "waiting in %s", p->channel);
	else if (!strcmp(p->step, "work"))
		snprintf(dst, n, "%s", p->stage);
	else
		snprintf(dst, n, "%s %s", p->stage, p->step);
}

static double latency_hist_mean_us(const struct histogram_view *h, uint64_t n)
{
	return n ? (double)h->sum_ns / (double)n / 1000.0 : 0;
}

/* A recent batch's place in the ring, by its end-to-end latency. */
struct latency_rank {
	uint64_t e2e_ns;
	size_t at;
};

static int latency_cmp_rank(const void *a, const void *b)
{
	uint64_t x = ((const struct latency_rank *)a)->e2e_ns, y = ((const struct latency_rank *)b)->e2e_ns;
	return x < y ? -1 : x > y;
}

/* The parts' shares in the recent batches around each quantile: the
 * batches ranked within a twentieth of the count on either side of it
 * (with the lock held; no large allocation: one freed on every read moved
 * glibc's mmap threshold and slowed the pipeline's own buffers). */
static void latency_read_quantiles(const struct latency *l, struct latency_view *v)
{
	static const double qs[LATENCY_QUANTILES] = { 0.50, 0.90, 0.99 };
	struct latency_rank rank[LATENCY_RECENT];
	size_t n = l->nrecent < LATENCY_RECENT ? (size_t)l->nrecent : LATENCY_RECENT;
	for (size_t i = 0; i < n; i++)
		rank[i] = (struct latency_rank){ l->recent[i].e2e_ns, i };
	qsort(rank, n, sizeof rank[0], latency_cmp_rank);
	for (int qi = 0; qi < LATENCY_QUANTILES; qi++) {
		v->q[qi] = qs[qi];
		if (!n)
			continue;
		size_t at = (size_t)(qs[qi] * (double)(n - 1) + 0.5), w = n / 20 ? n / 20 : 1;
		size_t lo = at > w ? at - w : 0, hi = at + w < n ? at + w : n - 1;
		double total = 0, part[2 * LATENCY_MAX_STEPS] = { 0 };
		for (size_t i = lo; i <= hi; i++) {
			const struct latency_recent *r = &l->recent[rank[i].at];
			total += (double)r->e2e_ns / 1000.0;
			for (int k = 1, j = 0; k < l->nsteps; k++) {
				part[j++] += r->queue_us[k];
				part[j++] += r->work_us[k];
			}
		}
		for (size_t j = 0; j < v->nparts; j++)
			v->q_share[qi][j] = total > 0 ? 100.0 * part[j] / total : 0;
	}
}

void latency_read(struct latency *l, struct latency_view *v)
{
	memset(v, 0, sizeof *v);
	v->every = l->every;
	if (!l->every)
		return;
	struct histogram_view h;
	pthread_mutex_lock(&l->mu);
	v->batches = l->done;
	memset(&h, 0, sizeof h);
	histogram_merge_into(&h, &l->e2e);
	v->p50_us = (double)histogram_view_quantile(&h, 0.50) / 1000.0;
	v->p90_us = (double)histogram_view_quantile(&h, 0.90) / 1000.0;
	v->p99_us = (double)histogram_view_quantile(&h, 0.99) / 1000.0;
	v->max_us = (double)h.max_ns / 1000.0;
	v->mean_us = latency_hist_mean_us(&h, v->batches);
	v->e2e = h;
	for (int k = 1; k < l->nsteps; k++) {
		for (int queue = 1; queue >= 0; queue--) {
			struct latency_part *p = &v->parts[v->nparts++];
			snprintf(p->stage, sizeof p->stage, "%s", l->stage[k]);
			snprintf(p->step, sizeof p->step, "%s", l->part[k]);
			p->queue = queue;
			if (queue) {
				if (strcmp(l->stage[k - 1], l->stage[k]))
					snprintf(p->channel, sizeof p->channel, "%s->%s", l->stage[k - 1], l->stage[k]);
				else
					snprintf(p->channel, sizeof p->channel, "%s/%s", l->stage[k], l->part[k]);
			}
			memset(&h, 0, sizeof h);
			histogram_merge_into(&h, queue ? &l->queue[k] : &l->work[k]);
			p->mean_us = latency_hist_mean_us(&h, v->batches);
			p->p99_us = (double)histogram_view_quantile(&h, 0.99) / 1000.0;
			p->share_pct = v->mean_us > 0 ? 100.0 * p->mean_us / v->mean_us : 0;
		}
	}
	latency_read_quantiles(l, v);
	pthread_mutex_unlock(&l->mu);
	/* each quantile's latency as the histogram has it (the shares are of
	 * the recent batches around it) */
	v->q_us[0] = v->p50_us;
	v->q_us[1] = v->p90_us;
	v->q_us[2] = v->p99_us;
}
