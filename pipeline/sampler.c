/* sampler.c: the sampler thread and its rings of samples: every sample for
 * the recent past (capacity samples), and one every SAMPLER_COARSE_NS for
 * the hours before, so the series' memory is fixed however long a run is. */
#include "autoconfig.h"

#include "sampler.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "channel.h"
#include "connmetrics.h"
#include "../src/base/clock.h"
#include "pipeline.h"
#include "../src/base/thread_registry.h"
#include "hooks.h"

#define SAMPLER_COARSE_NS 10000000000ull /* one coarse sample per 10 s */
#define SAMPLER_COARSE_CAP 2160           /* 6 hours of them */

struct sample_ring {
	struct sample *slots;
	size_t cap, head, count; /* slots[head] is the oldest */
	/* the slots' stages and channels, in one block each (thousands of
	 * small allocations would go through the memory profiler's hooks) */
	struct stage_sample *stage_block;
	struct channel_sample *channel_block;
};

struct sampler {
	struct pipeline *p;
	uint64_t interval_ns, start_ns;
	size_t nstages, nchannels;
	struct sample_ring fine, coarse;
	struct sample zero;
	struct histogram_view *latency; /* per stage, cumulative */
	pthread_mutex_t mu;
	pthread_cond_t wake;
	pthread_t tid;
	int running, stopping;
	int ended; /* sampler_end took the last sample: the series ends there */
};

static void *sampler_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);
	if (!p) {
		fprintf(stderr, "nebtop: out of memory\n");
		abort();
	}
	return p;
}

static void sampler_ring_init(struct sampler *s, struct sample_ring *r, size_t cap)
{
	r->cap = cap;
	r->head = r->count = 0;
	/* zero pages until used: a slot gets its pointers when first written */
	r->slots = sampler_xcalloc(cap, sizeof *r->slots);
	r->stage_block = sampler_xcalloc(cap * (s->nstages ? s->nstages : 1), sizeof *r->stage_block);
	r->channel_block = sampler_xcalloc(cap * (s->nchannels ? s->nchannels : 1), sizeof *r->channel_block);
}

static void sampler_ring_free(struct sample_ring *r)
{
	free(r->stage_block);
	free(r->channel_block);
	free(r->slots);
}

static const struct sample *sampler_ring_get(const struct sample_ring *r, size_t i)
{
	return i < r->count ? &r->slots[(r->head + i) % r->cap] : NULL;
}

/* Copies src into the next slot of r (dropping the oldest when full). */
static void sampler_ring_push(struct sampler *s, struct sample_ring *r, const struct sample *src)
{
	size_t slot;
	if (r->count < r->cap) {
		slot = (r->head + r->count) % r->cap;
		r->count++;
	} else {
		slot = r->head;
		r->head = (r->head + 1) % r->cap;
	}
	struct sample *dst = &r->slots[slot];
	dst->stages = r->stage_block + slot * s->nstages;
	dst->channels = r->channel_block + slot * s->nchannels;
	dst->t_ns = src->t_ns;
	dst->rt = src->rt;
	dst->pool_bytes = src->pool_bytes;
	memcpy(dst->conn, src->conn, sizeof dst->conn);
	memcpy(dst->stages, src->stages, s->nstages * sizeof *src->stages);
	memcpy(dst->channels, src->channels, s->nchannels * sizeof *src->channels);
}

/* The newest sample of r at or before t_ns, or NULL when all are later. */
static const struct sample *sampler_ring_find_before(const struct sample_ring *r, uint64_t t_ns)
{
	if (!r->count || sampler_ring_get(r, 0)->t_ns > t_ns)
		return NULL;
	size_t lo = 0, hi = r->count; /* binary search: samples are in time order */
	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;
		if (sampler_ring_get(r, mid)->t_ns <= t_ns)
			lo = mid;
		else
			hi = mid;
	}
	return sampler_ring_get(r, lo);
}

struct sampler *sampler_create(struct pipeline *p, uint64_t interval_ns, size_t capacity)
{
	struct sampler *s = sampler_xcalloc(1, sizeof *s);
	s->p = p;
	s->interval_ns = interval_ns ? interval_ns : 100000000ull;
	s->nstages = pipeline_count_stages(p);
	s->nchannels = pipeline_count_channels(p);
	sampler_ring_init(s, &s->fine, capacity < 2 ? 2 : capacity);
	sampler_ring_init(s, &s->coarse, SAMPLER_COARSE_CAP);
	s->zero.stages = sampler_xcalloc(s->nstages, sizeof *s->zero.stages);
	s->zero.channels = sampler_xcalloc(s->nchannels, sizeof *s->zero.channels);
	s->latency = sampler_xcalloc(s->nstages, sizeof *s->latency);
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->wake, NULL);
	return s;
}

void sampler_free(struct sampler *s)
{
	if (!s)
		return;
	if (s->running)
		sampler_stop(s);
	sampler_ring_free(&s->fine);
	sampler_ring_free(&s->coarse);
	free(s->zero.stages);
	free(s->zero.channels);
	free(s->latency);
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->wake);
	free(s);
}

/* Adds a thread's CPU time and run-queue wait to its stage's sample; the
 * first thread of the stage starts the wait as known. */
static void sampler_read_thread_cpu(struct stage_sample *ss, const struct tmetrics *m, int first)
{
	struct thread_entry *te = atomic_load_explicit(&((struct tmetrics *)m)->thread, memory_order_acquire);
	if (first)
		ss->cpu_wait_known = 1;
	if (!te) /* not started yet: no time of either kind */
		return;
	uint64_t wait;
	int known;
	ss->cpu_ns += thread_registry_sched_ns(te, &wait, &known);
	ss->cpu_wait_ns += wait;
	ss->cpu_known |= te->has_cpu_clock;
	ss->cpu_wait_known &= known;
}

/* Reads everything into `out` (outside the lock: only this thread writes). */
static void sampler_read_into(struct sampler *s, struct sample *out, struct histogram_view *lat)
{
	uint64_t now = clock_now_ns();
	out->t_ns = now - s->start_ns;
	for (size_t i = 0; i < s->nstages; i++) {
		const struct stage_info *si = pipeline_get_stage(s->p, i);
		struct stage_sample *ss = &out->stages[i];
		memset(ss, 0, sizeof *ss);
		memset(&lat[i], 0, sizeof lat[i]);
		for (int t = 0; t < si->nthreads; t++) {
			const struct tmetrics *m = &si->threads[t];
			ss->records_in += tmetrics_get(&m->records_in);
			ss->records_out += tmetrics_get(&m->records_out);
			ss->bytes_in += tmetrics_get(&m->bytes_in);
			ss->bytes_out += tmetrics_get(&m->bytes_out);
			ss->errors += tmetrics_get(&m->errors);
			ss->filtered += tmetrics_get(&m->filtered);
			ss->batches += tmetrics_get(&m->batches);
			uint64_t times[TSTATE_TIMED];
			tmetrics_read_times(m, now, times);
			for (int k = 0; k < TSTATE_TIMED; k++)
				ss->time_ns[k] += times[k];
			histogram_merge_into(&lat[i], &m->latency);
			sampler_read_thread_cpu(ss, m, !t);
		}
	}
	for (size_t i = 0; i < s->nchannels; i++) {
		struct channel_stats cs;
		channel_read_stats(pipeline_get_channel(s->p, i), &cs);
		out->channels[i] = (struct channel_sample){ cs.capacity, cs.fill, cs.fill_max, cs.fill_integral,
							    cs.send_blocked_ns, cs.recv_blocked_ns, cs.producers,
							    cs.consumers };
	}
	for (int d = 0; d < 2; d++) {
		const struct connmetrics *cm = pipeline_get_connector_metrics(s->p, d);
		out->conn[d] = (struct conn_sample){ connmetrics_get(&cm->connect_ns), connmetrics_get(&cm->connects),
						     connmetrics_get(&cm->requests), connmetrics_get(&cm->bytes),
						     connmetrics_get(&cm->retries), connmetrics_get(&cm->errors),
						     connmetrics_get(&cm->wait_ns), connmetrics_get(&cm->rolled_back),
						     connmetrics_get(&cm->plain) };
	}
	runtime_read_sample(&out->rt);
	out->pool_bytes = pipeline_pool_bytes(s->p);
}

/* Counter events for the trace: channel fill, and throughput since the
 * last sample. */
static void sampler_trace_counters(struct sampler *s, const struct sample *now)
{
	if (!hooks_trace_is_on())
		return;
	for (size_t i = 0; i < s->nchannels; i++)
		hooks_trace_counter("channel fill", channel_name(pipeline_get_channel(s->p, i)),
			      (double)now->channels[i].fill);
	pthread_mutex_lock(&s->mu);
	const struct sample *prev = s->fine.count ? sampler_ring_get(&s->fine, s->fine.count - 1) : NULL;
	if (prev && now->t_ns > prev->t_ns) {
		double dt = (double)(now->t_ns - prev->t_ns) / 1e9;
		double in = (double)(now->stages[0].records_in - prev->stages[0].records_in) / dt;
		double out = (double)(now->stages[s->nstages - 1].records_out - prev->stages[s->nstages - 1].records_out) / dt;
		pthread_mutex_unlock(&s->mu);
		hooks_trace_counter("throughput", "records in/s", in);
		hooks_trace_counter("throughput", "records out/s", out);
		return;
	}
	pthread_mutex_unlock(&s->mu);
}

void sampler_take_sample(struct sampler *s)
{
	if (s->ended)
		return;
	/* fill the slot that will be written, in a scratch copy first */
	struct sample tmp;
	struct stage_sample st[s->nstages ? s->nstages : 1];
	struct channel_sample ch[s->nchannels ? s->nchannels : 1];
	struct histogram_view *lat = sampler_xcalloc(s->nstages, sizeof *lat);
	tmp.stages = st;
	tmp.channels = ch;
	sampler_read_into(s, &tmp, lat);
	sampler_trace_counters(s, &tmp);
	pthread_mutex_lock(&s->mu);
	sampler_ring_push(s, &s->fine, &tmp);
	const struct sample *last = s->coarse.count ? sampler_ring_get(&s->coarse, s->coarse.count - 1) : NULL;
	if (!last || tmp.t_ns >= last->t_ns + SAMPLER_COARSE_NS)
		sampler_ring_push(s, &s->coarse, &tmp);
	memcpy(s->latency, lat, s->nstages * sizeof *lat);
	pthread_mutex_unlock(&s->mu);
	free(lat);
}

static void *sampler_thread_main(void *arg)
{
	struct sampler *s = arg;
	pthread_setname_np(pthread_self(), "nebtop/sampler");
	thread_registry_enter("nebtop/sampler", "sampler", NULL, NULL);
	uint64_t next = clock_now_ns() + s->interval_ns;
	pthread_mutex_lock(&s->mu);
	while (!s->stopping) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		uint64_t now = clock_now_ns();
		uint64_t wait = next > now ? next - now : 0;
		uint64_t abs = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec + wait;
		ts.tv_sec = (time_t)(abs / 1000000000ull);
		ts.tv_nsec = (long)(abs % 1000000000ull);
		if (wait)
			pthread_cond_timedwait(&s->wake, &s->mu, &ts);
		if (s->stopping)
			break;
		if (clock_now_ns() < next)
			continue;
		pthread_mutex_unlock(&s->mu);
		sampler_take_sample(s);
		next += s->interval_ns;
		now = clock_now_ns();
		if (next < now) /* fell behind: skip, do not burst */
			next = now + s->interval_ns;
		pthread_mutex_lock(&s->mu);
	}
	pthread_mutex_unlock(&s->mu);
	thread_registry_leave();
	return NULL;
}

int sampler_start(struct sampler *s)
{
	s->start_ns = clock_now_ns();
	sampler_take_sample(s);
	/* whole-run CPU, allocations, faults start here, not at the process's start */
	s->zero.rt = sampler_ring_get(&s->fine, 0)->rt;
	if (pthread_create(&s->tid, NULL, sampler_thread_main, s) != 0)
		return -1;
	s->running = 1;
	return 0;
}

void sampler_stop(struct sampler *s)
{
	if (s->running) {
		pthread_mutex_lock(&s->mu);
		s->stopping = 1;
		pthread_cond_broadcast(&s->wake);
		pthread_mutex_unlock(&s->mu);
		pthread_join(s->tid, NULL);
		s->running = 0;
	}
	sampler_take_sample(s);
}

void sampler_end(struct sampler *s)
{
	sampler_stop(s);
	pthread_mutex_lock(&s->mu); /* read under it by other threads (sampler_ended) */
	s->ended = 1;
	pthread_mutex_unlock(&s->mu);
}

int sampler_ended(const struct sampler *s) { return s->ended; }

void sampler_lock(struct sampler *s) { pthread_mutex_lock(&s->mu); }
void sampler_unlock(struct sampler *s) { pthread_mutex_unlock(&s->mu); }
size_t sampler_count(const struct sampler *s) { return s->fine.count; }

const struct sample *sampler_get(const struct sampler *s, size_t i) { return sampler_ring_get(&s->fine, i); }

const struct sample *sampler_latest(const struct sampler *s)
{
	return s->fine.count ? sampler_get(s, s->fine.count - 1) : &s->zero;
}

const struct sample *sampler_find_before(const struct sampler *s, uint64_t t_ns)
{
	const struct sample *x = sampler_ring_find_before(&s->fine, t_ns);
	if (!x) /* older than the recent samples: the coarse ones */
		x = sampler_ring_find_before(&s->coarse, t_ns);
	if (!x)
		x = s->coarse.count ? sampler_ring_get(&s->coarse, 0) : s->fine.count ? sampler_get(s, 0) : &s->zero;
	return x;
}

static uint64_t sampler_source_time(const struct sample *x)
{
	uint64_t t = 0;
	for (int k = 0; k < TSTATE_TIMED; k++)
		t += x->stages[0].time_ns[k];
	return t;
}

const struct sample *sampler_find_source_end(const struct sampler *s)
{
	size_t n = s->fine.count;
	if (n < 2)
		return NULL;
	for (size_t i = n - 1; i > 0; i--)
		if (sampler_source_time(sampler_get(s, i)) > sampler_source_time(sampler_get(s, i - 1)))
			return i == n - 1 ? NULL : sampler_get(s, i);
	return NULL;
}

const struct sample *sampler_zero(const struct sampler *s) { return &s->zero; }
const struct histogram_view *sampler_latency(const struct sampler *s, size_t stage) { return &s->latency[stage]; }
struct pipeline *sampler_pipeline(const struct sampler *s) { return s->p; }
uint64_t sampler_interval(const struct sampler *s) { return s->interval_ns; }
