/* sampler.c: the sampler thread and its ring of samples. */
#include "sampler.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "channel.h"
#include "clock.h"
#include "pipeline.h"
#include "../src/thread_registry.h"

struct sampler {
	struct pipeline *p;
	uint64_t interval_ns, start_ns;
	size_t nstages, nchannels;
	struct sample *ring, zero;
	size_t cap, head, count; /* ring[head] is the oldest */
	struct histogram_view *latency; /* per stage, cumulative */
	pthread_mutex_t mu;
	pthread_cond_t wake;
	pthread_t tid;
	int running, stopping;
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

struct sampler *sampler_create(struct pipeline *p, uint64_t interval_ns, size_t capacity)
{
	struct sampler *s = sampler_xcalloc(1, sizeof *s);
	s->p = p;
	s->interval_ns = interval_ns ? interval_ns : 100000000ull;
	s->nstages = pipeline_count_stages(p);
	s->nchannels = pipeline_count_channels(p);
	s->cap = capacity < 2 ? 2 : capacity;
	s->ring = sampler_xcalloc(s->cap, sizeof *s->ring);
	for (size_t i = 0; i < s->cap; i++) {
		s->ring[i].stages = sampler_xcalloc(s->nstages, sizeof *s->ring[i].stages);
		s->ring[i].channels = sampler_xcalloc(s->nchannels, sizeof *s->ring[i].channels);
	}
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
	for (size_t i = 0; i < s->cap; i++) {
		free(s->ring[i].stages);
		free(s->ring[i].channels);
	}
	free(s->ring);
	free(s->zero.stages);
	free(s->zero.channels);
	free(s->latency);
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->wake);
	free(s);
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
		}
	}
	for (size_t i = 0; i < s->nchannels; i++) {
		struct channel_stats cs;
		channel_read_stats(pipeline_get_channel(s->p, i), &cs);
		out->channels[i] = (struct channel_sample){ cs.capacity, cs.fill, cs.fill_max, cs.fill_integral,
							    cs.send_blocked_ns, cs.recv_blocked_ns, cs.producers,
							    cs.consumers };
	}
	runtime_read_sample(&out->rt);
}

void sampler_take_sample(struct sampler *s)
{
	/* fill the slot that will be written, in a scratch copy first */
	struct sample tmp;
	struct stage_sample st[s->nstages ? s->nstages : 1];
	struct channel_sample ch[s->nchannels ? s->nchannels : 1];
	struct histogram_view *lat = sampler_xcalloc(s->nstages, sizeof *lat);
	tmp.stages = st;
	tmp.channels = ch;
	sampler_read_into(s, &tmp, lat);
	pthread_mutex_lock(&s->mu);
	size_t slot;
	if (s->count < s->cap) {
		slot = (s->head + s->count) % s->cap;
		s->count++;
	} else {
		slot = s->head;
		s->head = (s->head + 1) % s->cap;
	}
	struct sample *dst = &s->ring[slot];
	dst->t_ns = tmp.t_ns;
	dst->rt = tmp.rt;
	memcpy(dst->stages, st, s->nstages * sizeof *st);
	memcpy(dst->channels, ch, s->nchannels * sizeof *ch);
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
	s->zero.rt = s->ring[s->head].rt;
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

void sampler_lock(struct sampler *s) { pthread_mutex_lock(&s->mu); }
void sampler_unlock(struct sampler *s) { pthread_mutex_unlock(&s->mu); }
size_t sampler_count(const struct sampler *s) { return s->count; }

const struct sample *sampler_get(const struct sampler *s, size_t i)
{
	return i < s->count ? &s->ring[(s->head + i) % s->cap] : NULL;
}

const struct sample *sampler_latest(const struct sampler *s)
{
	return s->count ? sampler_get(s, s->count - 1) : &s->zero;
}

const struct sample *sampler_find_before(const struct sampler *s, uint64_t t_ns)
{
	if (!s->count)
		return &s->zero;
	size_t lo = 0, hi = s->count; /* binary search: samples are in time order */
	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;
		if (sampler_get(s, mid)->t_ns <= t_ns)
			lo = mid;
		else
			hi = mid;
	}
	return sampler_get(s, lo);
}

const struct sample *sampler_zero(const struct sampler *s) { return &s->zero; }
const struct histogram_view *sampler_latency(const struct sampler *s, size_t stage) { return &s->latency[stage]; }
struct pipeline *sampler_pipeline(const struct sampler *s) { return s->p; }
uint64_t sampler_interval(const struct sampler *s) { return s->interval_ns; }
