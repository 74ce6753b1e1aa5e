/* pipeline.c: the pipeline handle's life after build: start, stop, pause,
 * wait, finish, free, and the read-only accessors. */
#include "autoconfig.h"

#include "pipeline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/base/secrets.h"
#include "batch.h"
#include "channel.h"
#include "../src/base/clock.h"
#include "pipeline_internal.h"
#include "pool.h"

int pipeline_start(struct pipeline *p, struct errbuf *e)
{
	if (p->started)
		return errbuf_set(e, "pipeline already started");
	/* under the lock: the listener and the OTLP export, started before the
	 * pipeline, read it from their own threads */
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	nlock_lock(&p->mu);
	p->started_at = now;
	nlock_unlock(&p->mu);
	return runner_start_threads(p, e);
}

void pipeline_request_stop(struct pipeline *p, const char *why)
{
	nlock_lock(&p->mu);
	if (!p->stop_reason[0] && why)
		snprintf(p->stop_reason, sizeof p->stop_reason, "%s", why);
	atomic_store(&p->stop, 1);
	pthread_cond_broadcast(&p->cond);
	nlock_unlock(&p->mu);
}

void pipeline_set_paused(struct pipeline *p, int paused)
{
	nlock_lock(&p->mu);
	atomic_store(&p->paused, paused ? 1 : 0);
	pthread_cond_broadcast(&p->cond);
	nlock_unlock(&p->mu);
}

int pipeline_wait_done(struct pipeline *p, uint64_t timeout_ns)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	uint64_t end = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec + timeout_ns;
	ts.tv_sec = (time_t)(end / 1000000000ull);
	ts.tv_nsec = (long)(end % 1000000000ull);
	nlock_lock(&p->mu);
	while (atomic_load(&p->running_threads) > 0)
		if (nlock_timedwait(&p->mu, &p->cond, &ts) != 0)
			break;
	int done = atomic_load(&p->running_threads) == 0;
	nlock_unlock(&p->mu);
	return done;
}

/* At the end of a run: the first failure stays the message, what was left
 * where is added to it; msg is the failure itself when none came before. */
static void pipeline_add_failure(struct pipeline *p, int failed_before, const char *msg)
{
	if (!failed_before) {
		pipeline_fail(p, msg);
		return;
	}
	nlock_lock(&p->mu);
	size_t len = strlen(p->fail_msg);
	snprintf(p->fail_msg + len, sizeof p->fail_msg - len, " (%s)", msg);
	secrets_scrub(p->fail_msg, sizeof p->fail_msg);
	nlock_unlock(&p->mu);
}

int pipeline_abandon(struct pipeline *p, uint64_t timeout_ns)
{
	return nlock_lock_within(&p->write_gate, timeout_ns) == 0 ? 0 : -1;
}

int pipeline_finish(struct pipeline *p, struct errbuf *e)
{
	if (p->finished)
		return atomic_load(&p->failed) ? errbuf_set(e, "%s", p->fail_msg) : 0;
	p->finished = 1;
	for (size_t i = 0; i < p->nthreads; i++)
		if (p->threads[i].started)
			pthread_join(p->threads[i].tid, NULL);
	struct errbuf ce;
	/* the bad records reach the disk before the output is committed */
	if (p->dead_letter && !atomic_load(&p->failed) && deadletter_sync(p->dead_letter, &ce) != 0)
		pipeline_fail(p, ce.msg);
	int failed = atomic_load(&p->failed);
	if (p->dst->close(p->dst_opts, !failed, &ce) != 0)
		pipeline_add_failure(p, failed, ce.msg);
	if (p->dead_letter) {
		failed = atomic_load(&p->failed);
		if (deadletter_close(p->dead_letter, !failed, &ce) != 0)
			pipeline_add_failure(p, failed, ce.msg);
		free(p->dead_letter);
		p->dead_letter = NULL;
	}
	p->src->close(p->src_opts);
	failed = atomic_load(&p->failed);
	atomic_store(&p->state, failed ? PSTATE_FAILED : PSTATE_FINISHED);
	if (failed)
		return errbuf_set(e, "%s", p->fail_msg);
	return 0;
}

int pipeline_set_latency_sample(struct pipeline *p, uint64_t every)
{
	latency_free(&p->latency);
	return latency_init(&p->latency, every);
}

void pipeline_read_latency(struct pipeline *p, struct latency_view *v) { latency_read(&p->latency, v); }

void pipeline_set_whatif(struct pipeline *p, int stage, double speedup) { whatif_set(&p->whatif, stage, speedup); }

uint64_t pipeline_whatif_removed_ns(const struct pipeline *p) { return whatif_removed_ns(&p->whatif); }

uint64_t pipeline_whatif_slept_ns(const struct pipeline *p, size_t stage)
{
	uint64_t n = 0;
	for (size_t t = 0; t < p->nthreads; t++)
		if (p->threads[t].wa.stage == (int)stage)
			n += atomic_load_explicit(&p->threads[t].wa.slept_ns, memory_order_relaxed);
	return n;
}

uint64_t pipeline_paced_ns(const struct pipeline *p, size_t stage)
{
	if (stage == 0)
		return atomic_load_explicit((_Atomic uint64_t *)&p->paced_ns[0], memory_order_relaxed);
	if (stage == p->nstages - 1)
		return atomic_load_explicit((_Atomic uint64_t *)&p->paced_ns[1], memory_order_relaxed);
	return 0;
}

uint64_t pipeline_count_delivered(const struct pipeline *p)
{
	const struct stage_info *d = &p->stages[p->nstages - 1].info;
	uint64_t n = 0;
	for (int i = 0; i < d->nthreads; i++)
		if (d->threads[i].role == TROLE_WRITER)
			n += tmetrics_get(&d->threads[i].records_in);
	return n;
}

void pipeline_free(struct pipeline *p)
{
	if (!p)
		return;
	if (p->started && !p->finished) {
		struct errbuf e;
		pipeline_request_stop(p, "shutdown");
		pipeline_finish(p, &e);
	}
	latency_free(&p->latency);
	for (size_t i = 0; i < p->nstages; i++) {
		struct pstage *st = &p->stages[i];
		if (st->ops) {
			if (st->ops->fini && st->opts)
				st->ops->fini(st->opts);
			confmap_free(st->ops->keys, st->opts);
		}
		free(st->opts);
		schema_free(&st->schema);
	}
	if (p->src && p->src_opts) {
		if (!p->started)
			p->src->close(p->src_opts);
		confmap_free(p->src->keys, p->src_opts);
	}
	if (p->dst && p->dst_opts) {
		if (!p->started) {
			struct errbuf e;
			p->dst->close(p->dst_opts, -1, &e); /* never started: remove what open made */
		}
		confmap_free(p->dst->keys, p->dst_opts);
	}
	free(p->src_opts);
	free(p->dst_opts);
	if (p->dead_letter) {
		struct errbuf e;
		deadletter_close(p->dead_letter, -1, &e); /* never started: remove what build made */
		free(p->dead_letter);
	}
	for (size_t i = 0; i < p->nchannels; i++)
		channel_free(p->channels[i]);
	free(p->channels);
	channel_free(p->decode_ch);
	channel_free(p->encode_ch);
	pool_free(p->pool);
	free(p->reorder);
	free(p->held);
	free(p->threads);
	free(p->metrics);
	free(p->stages);
	nlock_destroy(&p->mu);
	nlock_destroy(&p->write_gate);
	pthread_cond_destroy(&p->cond);
	free(p);
}

enum pipeline_state pipeline_get_state(struct pipeline *p)
{
	enum pipeline_state s = (enum pipeline_state)atomic_load(&p->state);
	if (s == PSTATE_RUNNING) {
		if (atomic_load(&p->stop))
			return PSTATE_DRAINING;
		if (atomic_load(&p->paused))
			return PSTATE_PAUSED;
	}
	return s;
}

const char *pipeline_state_name(enum pipeline_state s)
{
	static const char *const names[] = { "ready", "running", "paused", "draining", "finished", "failed" };
	return s <= PSTATE_FAILED ? names[s] : "?";
}

const struct pipeline_spec *pipeline_get_spec(const struct pipeline *p) { return &p->spec; }
const void *pipeline_get_owner(const struct pipeline *p) { return p->spec.owner; }
size_t pipeline_count_stages(const struct pipeline *p) { return p->nstages; }
const struct stage_info *pipeline_get_stage(const struct pipeline *p, size_t i) { return &p->stages[i].info; }
size_t pipeline_count_channels(const struct pipeline *p) { return p->nchannels; }
struct channel *pipeline_get_channel(const struct pipeline *p, size_t i) { return p->channels[i]; }
int pipeline_count_threads(const struct pipeline *p) { return (int)p->nthreads; }

uint64_t pipeline_pool_bytes(const struct pipeline *p)
{
	return p->pool ? pool_held_bytes(p->pool) : 0;
}

const struct connmetrics *pipeline_get_connector_metrics(const struct pipeline *p, int dest)
{
	return dest ? &p->dst_metrics : &p->src_metrics;
}

const char *pipeline_connector_waits_on(const struct pipeline *p, int dest)
{
	const struct connmetrics *m = dest ? &p->dst_metrics : &p->src_metrics;
	if (m->waits_on)
		return m->waits_on;
	return dest ? p->dst->waits_on : p->src->waits_on;
}

void pipeline_started_at(const struct pipeline *p, struct timespec *ts)
{
	struct pipeline *q = (struct pipeline *)p; /* the lock only: nothing else changes */
	nlock_lock(&q->mu);
	*ts = p->started_at;
	nlock_unlock(&q->mu);
}

const char *pipeline_stop_reason(struct pipeline *p)
{
	nlock_lock(&p->mu);
	const char *r = p->stop_reason[0] ? p->stop_reason : NULL;
	nlock_unlock(&p->mu);
	return r;
}

size_t pipeline_copy_error_samples(struct pipeline *p, struct error_sample *dst, size_t max)
{
	nlock_lock(&p->mu);
	size_t n = p->nsamples < max ? p->nsamples : max;
	memcpy(dst, p->samples, n * sizeof *dst);
	nlock_unlock(&p->mu);
	return n;
}

uint64_t pipeline_count_dead_lettered(struct pipeline *p) { return atomic_load(&p->dead_lettered); }
int pipeline_input_ended(struct pipeline *p) { return atomic_load(&p->input_ended); }
int pipeline_input_is_endless(struct pipeline *p) { return p->src->is_endless && p->src->is_endless(p->src_opts); }

/* "data.csv (csv)", or just "generate" when the name is the type. */
static void pipeline_describe(const char *name, const char *type, char *dst, size_t n)
{
	if (!strcmp(name, type))
		snprintf(dst, n, "%s", type);
	else
		snprintf(dst, n, "%s (%s)", name, type);
}

void pipeline_describe_source(struct pipeline *p, char *dst, size_t n)
{
	char d[256];
	p->src->describe(p->src_opts, d, sizeof d);
	pipeline_describe(d, p->src->type, dst, n);
}

void pipeline_describe_left(struct pipeline *p, char *dst, size_t n)
{
	if (n)
		dst[0] = 0;
	if (p->dst->describe_left)
		p->dst->describe_left(p->dst_opts, dst, n);
}

void pipeline_describe_dest(struct pipeline *p, char *dst, size_t n)
{
	char d[256];
	p->dst->describe(p->dst_opts, d, sizeof d);
	pipeline_describe(d, p->dst->type, dst, n);
}
