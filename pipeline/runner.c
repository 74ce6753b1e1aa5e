/* runner.c: the pipeline's threads and its life: start, pause, stop, drain,
 * finish. Every thread loops receive -> work -> send and accounts its time;
 * the writer restores input order and is the one place where every record is
 * finally counted as written, filtered or failed. */
#include "autoconfig.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/base/globals.h"
#include "../src/base/secrets.h"
#include "batch.h"
#include "channel.h"
#include "../src/base/clock.h"
#include "pipeline_internal.h"
#include "pool.h"
#include "hooks.h"

/* --- failure and messages ------------------------------------------------ */

void pipeline_fail(struct pipeline *p, const char *msg)
{
	nlock_lock(&p->mu);
	if (!atomic_load(&p->failed)) {
		snprintf(p->fail_msg, sizeof p->fail_msg, "%s", msg);
		secrets_scrub(p->fail_msg, sizeof p->fail_msg);
		atomic_store(&p->failed, 1);
	}
	nlock_unlock(&p->mu);
	atomic_store(&p->stop, 1);
	pthread_cond_broadcast(&p->cond);
}

uint64_t pipeline_locate_record(struct pipeline *p, const struct batch *b, uint32_t rec, const char **raw,
				size_t *raw_len)
{
	uint64_t line = 0;
	*raw = NULL;
	*raw_len = 0;
	if (p->src->locate)
		p->src->locate(p->src_opts, b, rec, &line, raw, raw_len);
	return line;
}

uint64_t pipeline_line_of_record(struct pipeline *p, const struct batch *b, uint32_t rec)
{
	const char *raw;
	size_t len;
	return pipeline_locate_record(p, b, rec, &raw, &len);
}

void pipeline_format_record_error(struct pipeline *p, const struct batch *b, uint32_t rec, uint32_t stage,
				  const char *reason, char *dst, size_t n)
{
	char input[256], at[64] = "";
	p->src->describe(p->src_opts, input, sizeof input);
	uint64_t line = pipeline_line_of_record(p, b, rec);
	if (line)
		snprintf(at, sizeof at, " (line %llu)", (unsigned long long)line);
	if (stage == 0)
		snprintf(dst, n, "%s: record %llu%s: %s", input, (unsigned long long)(b->first_record + rec), at, reason);
	else
		snprintf(dst, n, "%s: record %llu%s: stage %s: %s", input, (unsigned long long)(b->first_record + rec),
			 at, p->stages[stage].info.name, reason);
}

/* --- thread bodies --------------------------------------------------------- */

static void runner_count_batch(struct tmetrics *m, uint64_t in, uint64_t out, uint64_t errors_before,
			       uint64_t errors_after)
{
	tmetrics_add(&m->records_in, in);
	tmetrics_add(&m->records_out, out);
	tmetrics_add(&m->batches, 1);
	uint64_t errs = errors_after - errors_before;
	if (in > out + errs)
		tmetrics_add(&m->filtered, in - out - errs);
}

static void runner_wait_while_paused(struct pipeline *p)
{
	if (!atomic_load_explicit(&p->paused, memory_order_relaxed))
		return;
	struct tmetrics *m = globals_thread_metrics;
	tmetrics_enter_state(m, TSTATE_IDLE, "paused", clock_now_ns());
	nlock_lock(&p->mu);
	while (atomic_load(&p->paused) && !atomic_load(&p->stop))
		nlock_wait(&p->mu, &p->cond);
	nlock_unlock(&p->mu);
	tmetrics_enter_state(m, TSTATE_BUSY, NULL, clock_now_ns());
}

/* The steps of a batch's way, numbered in order: 0 the source's read, then
 * its parsers (when it has them), each transform, the destination's
 * encoders (when it has them), and its write. part 1: the parsers of the
 * source, the encoders of the destination. */
static int runner_step_of(const struct pipeline *p, const struct pstage *st, int part)
{
	size_t i = (size_t)(st - p->stages);
	int base = p->decode_ch ? 2 : 1;
	if (i == 0)
		return part;
	if (i + 1 < p->nstages)
		return base + (int)i - 1;
	int encode = base + (int)p->nstages - 2;
	return part ? encode : encode + (p->encode_ch ? 1 : 0);
}

/* Hands a sampled batch's step to the span sink (hooks.h) and to the
 * latency anatomy (latency.h); nothing for the others (a load and two
 * tests). */
static void runner_note_step(struct pipeline *p, const struct pstage *st, const char *part, int which,
			     struct batch *b, uint64_t t0, int64_t records, uint64_t bytes)
{
	const struct span_sink *sink = hooks_spans(b->seq);
	int follow = latency_follows(&p->latency, b->seq);
	if (!sink && !follow)
		return;
	uint64_t now = clock_now_ns();
	int step = runner_step_of(p, st, which);
	struct span_step ss = { st->info.name, part, step, step - 1, b->seq, t0, now,
				step && b->handed_ns && t0 > b->handed_ns ? t0 - b->handed_ns : 0, records, bytes };
	if (sink)
		sink->step(sink, &ss);
	if (follow)
		latency_note(&p->latency, &ss, part && !strcmp(part, "write"));
	b->handed_ns = now;
}

/* Channel waits and work, as a virtual speed-up sees them (whatif.h): a
 * wait is credited what the ledger grew meanwhile; after work, the sped-up
 * stage adds to the ledger and the others pay it. */
static struct batch *runner_recv(struct pthread_slot *s, struct channel *in)
{
	struct whatif_wait before = whatif_before_wait(&s->p->whatif);
	struct batch *b = channel_recv_batch(in);
	whatif_after_wait(&s->p->whatif, &s->wa, before);
	return b;
}

static void runner_send(struct pthread_slot *s, struct channel *out, struct batch *b)
{
	struct whatif_wait before = whatif_before_wait(&s->p->whatif);
	channel_send_batch(out, b);
	whatif_after_wait(&s->p->whatif, &s->wa, before);
}

/* After work that took work_ns: pays the speed-up experiment's delay. */
static void runner_after_work(struct pthread_slot *s, uint64_t work_ns)
{
	whatif_after_work(&s->p->whatif, &s->wa, work_ns, &s->p->stop);
}

static void runner_read(struct pthread_slot *s)
{
	struct pipeline *p = s->p;
	struct tmetrics *m = s->w.metrics;
	struct channel *out = p->decode_ch ? p->decode_ch : s->st->out;
	uint64_t seq = 0;
	struct errbuf e;
	while (!atomic_load_explicit(&p->stop, memory_order_relaxed)) {
		runner_wait_while_paused(p);
		if (atomic_load_explicit(&p->stop, memory_order_relaxed))
			break;
		struct batch *b = pool_get_batch(p->pool);
		uint64_t t0 = clock_now_ns(), paced0 = atomic_load_explicit(&p->paced_ns[0], memory_order_relaxed);
		batch_reserve_records(b, s->st->schema.width, p->env.batch);
		int rc = p->src->read(p->src_opts, b, &p->stop, &e);
		if (rc <= 0) {
			pool_put_batch(p->pool, b);
			if (rc < 0)
				pipeline_fail(p, e.msg);
			else if (!atomic_load_explicit(&p->stop, memory_order_relaxed))
				atomic_store(&p->input_ended, 1);
			break;
		}
		b->seq = seq++;
		if (p->plain_on)
			b->flags |= BATCH_PLAIN;
		uint64_t t1 = clock_now_ns();
		tmetrics_add(&m->bytes_in, b->bytes_in);
		if (p->decode_ch) {
			b->work_ns = t1 - t0;
			tmetrics_add(&m->batches, 1);
		} else { /* the records are made here: what they hold goes out */
			runner_count_batch(m, b->nrec, b->nkept, 0, b->nerrors);
			tmetrics_add(&m->bytes_out, b->data.len);
			histogram_add_value(&m->latency, t1 - t0);
		}
		hooks_trace_complete(s->st->info.name, "batch", t0, (int64_t)b->nrec);
		runner_note_step(p, s->st, "read", 0, b, t0, (int64_t)b->nrec, b->bytes_in);
		pool_count_batch(p->pool, b);
		/* a wait for the source's configured pace is not work a faster
		 * source would do faster */
		uint64_t paced = atomic_load_explicit(&p->paced_ns[0], memory_order_relaxed) - paced0;
		whatif_after_work(&p->whatif, &s->wa, t1 - t0 > paced ? t1 - t0 - paced : 0, &p->stop);
		runner_send(s, out, b);
	}
}

static void runner_decode(struct pthread_slot *s)
{
	struct pipeline *p = s->p;
	struct tmetrics *m = s->w.metrics;
	struct batch *b;
	while ((b = runner_recv(s, p->decode_ch))) {
		uint64_t t0 = clock_now_ns();
		uint32_t e0 = b->nerrors;
		p->src->decode(p->src_opts, b, &s->w);
		runner_count_batch(m, b->nrec, b->nkept, e0, b->nerrors);
		tmetrics_add(&m->bytes_out, b->data.len + b->plain_bytes);
		if (b->nplain)
			connmetrics_add(&p->dst_metrics.plain, b->nplain);
		histogram_add_value(&m->latency, b->work_ns + clock_now_ns() - t0);
		hooks_trace_complete(s->st->info.name, "batch", t0, (int64_t)b->nrec);
		runner_note_step(p, s->st, "parse", 1, b, t0, (int64_t)b->nrec, b->data.len + b->plain_bytes);
		pool_count_batch(p->pool, b);
		runner_after_work(s, clock_now_ns() - t0);
		runner_send(s, s->st->out, b);
	}
}

static void runner_transform(struct pthread_slot *s)
{
	struct pstage *st = s->st;
	struct tmetrics *m = s->w.metrics;
	struct batch *b;
	while ((b = runner_recv(s, st->in))) {
		uint64_t t0 = clock_now_ns();
		uint32_t in = b->nkept, e0 = b->nerrors;
		tmetrics_add(&m->bytes_in, b->data.len);
		if (in)
			st->ops->process(st->opts, b, &s->w);
		runner_count_batch(m, in, b->nkept, e0, b->nerrors);
		tmetrics_add(&m->bytes_out, b->data.len);
		histogram_add_value(&m->latency, clock_now_ns() - t0);
		hooks_trace_complete(st->info.name, "batch", t0, (int64_t)in);
		runner_note_step(s->p, st, NULL, 0, b, t0, (int64_t)in, b->data.len);
		pool_count_batch(s->p->pool, b);
		runner_after_work(s, clock_now_ns() - t0);
		runner_send(s, st->out, b);
	}
}

static void runner_encode(struct pthread_slot *s)
{
	struct pipeline *p = s->p;
	struct batch *b;
	while ((b = runner_recv(s, s->st->in))) {
		uint64_t t0 = clock_now_ns();
		if (b->nkept)
			p->dst->encode(p->dst_opts, b, &s->w);
		tmetrics_add(&s->w.metrics->batches, 1);
		b->work_ns = clock_now_ns() - t0;
		hooks_trace_complete(s->st->info.name, "batch", t0, (int64_t)b->nkept);
		runner_note_step(p, s->st, "encode", 1, b, t0, (int64_t)b->nkept, b->out.len);
		pool_count_batch(p->pool, b);
		runner_after_work(s, clock_now_ns() - t0);
		runner_send(s, p->encode_ch, b);
	}
}

void runner_collect_errors(struct pipeline *p, struct batch *b)
{
	/* stages add errors as they find them: put them back in input order */
	for (uint32_t i = 1; i < b->nerrors; i++) {
		struct batch_error e = b->errors[i];
		uint32_t j = i;
		for (; j > 0 && b->errors[j - 1].rec > e.rec; j--)
			b->errors[j] = b->errors[j - 1];
		b->errors[j] = e;
	}
	for (uint32_t i = 0; i < b->nerrors; i++) {
		const struct batch_error *be = &b->errors[i];
		if (p->nsamples < ERROR_SAMPLES) {
			struct error_sample es;
			es.record = b->first_record + be->rec;
			es.line = pipeline_line_of_record(p, b, be->rec);
			snprintf(es.stage, sizeof es.stage, "%s", p->stages[be->stage].info.name);
			snprintf(es.reason, sizeof es.reason, "%s", batch_error_reason(b, be));
			secrets_scrub(es.stage, sizeof es.stage); /* cut between characters */
			secrets_scrub(es.reason, sizeof es.reason);
			nlock_lock(&p->mu);
			p->samples[p->nsamples++] = es;
			nlock_unlock(&p->mu);
		}
		if (p->dead_letter && be->deadletter_len)
			deadletter_add(p->dead_letter, b->errtext.p + be->deadletter_off, be->deadletter_len);
	}
	if (p->dead_letter) {
		/* counted once the lines reached the file: a write error stops the run */
		struct errbuf e;
		int failed;
		atomic_fetch_add(&p->dead_lettered, deadletter_flush(p->dead_letter, &failed, &e));
		if (failed)
			pipeline_fail(p, e.msg);
	}
}

/* Paces the writer so that no more than rate_limit records/s go out. */
static void runner_apply_rate_limit(struct pipeline *p, uint64_t records)
{
	uint64_t now = clock_now_ns();
	uint64_t due = pace_take(&p->pace, records, now);
	if (due)
		clock_sleep_ns(due - now);
}

/* Counts b out (or its records as errors once the writes have failed),
 * collects its errors and gives it back: b is settled. */
static void runner_settle(struct pthread_slot *s, const struct held_batch *h, int written)
{
	struct pipeline *p = s->p;
	struct tmetrics *m = s->w.metrics;
	struct batch *b = h->b;
	if (written)
		tmetrics_add(&m->bytes_out, h->out_len);
	if (p->write_failed) {
		/* nothing more reaches the output: every record still kept is an error */
		for (uint32_t r = 0; r < b->nrec; r++)
			if (b->marks[r] == MARK_KEPT)
				worker_fail_record(&s->w, b, r, "not written: %s", p->write_error);
	}
	runner_count_batch(m, h->kept, b->nkept, h->e0, b->nerrors);
	runner_collect_errors(p, b);
	histogram_add_value(&m->latency, b->work_ns + clock_now_ns() - h->t0);
	hooks_trace_complete(s->st->info.name, "batch", h->t0, (int64_t)h->kept);
	runner_note_step(p, s->st, "write", 0, b, h->t0, (int64_t)h->kept, h->out_len);
	pool_put_batch(p->pool, b);
}

/* Settles every batch the destination held, oldest first. */
static void runner_settle_held(struct pthread_slot *s, int written)
{
	struct pipeline *p = s->p;
	for (size_t i = 0; i < p->nheld; i++)
		runner_settle(s, &p->held[i], written);
	p->nheld = 0;
}

static void runner_fail_write(struct pipeline *p, const char *msg)
{
	p->write_failed = 1;
	snprintf(p->write_error, sizeof p->write_error, "%s", msg);
	pipeline_fail(p, msg);
}

/* Asks the destination to settle the batches it holds. */
static void runner_flush_held(struct pthread_slot *s)
{
	struct pipeline *p = s->p;
	if (!p->nheld)
		return;
	struct errbuf e;
	nlock_lock(&p->write_gate);
	uint64_t t0 = clock_now_ns();
	int rc = p->dst->flush(p->dst_opts, &s->w, &e);
	uint64_t worked = clock_now_ns() - t0;
	if (rc)
		runner_fail_write(p, e.msg);
	runner_settle_held(s, rc == 0);
	nlock_unlock(&p->write_gate);
	runner_after_work(s, worked);
}

static void runner_write_one(struct pthread_slot *s, struct batch *b)
{
	struct pipeline *p = s->p;
	struct held_batch h = {
		.b = b, .t0 = clock_now_ns(), .kept = b->nkept, .e0 = b->nerrors, .out_len = b->out.len
	};
	tmetrics_add(&s->w.metrics->bytes_in, b->data.len + b->plain_bytes);
	if (p->nheld && h.t0 - p->held[0].t0 >= DEST_HOLD_NS)
		runner_flush_held(s);
	int rc = 0, wrote = 0;
	uint64_t worked = 0;
	if (!p->write_failed && h.kept) {
		runner_apply_rate_limit(p, h.kept);
		struct errbuf e;
		nlock_lock(&p->write_gate);
		uint64_t t0 = clock_now_ns();
		rc = p->dst->write(p->dst_opts, b, &s->w, &e);
		worked = clock_now_ns() - t0;
		wrote = 1;
		if (rc < 0)
			runner_fail_write(p, e.msg);
	} else {
		nlock_lock(&p->write_gate);
		if (p->nheld)
			rc = DEST_HELD; /* it waits behind those held, to be settled in order */
	}
	if (rc == DEST_HELD) {
		p->held[p->nheld++] = h;
	} else {
		runner_settle_held(s, rc == 0);
		runner_settle(s, &h, rc == 0 && h.kept);
	}
	nlock_unlock(&p->write_gate);
	if (wrote)
		runner_after_work(s, worked);
	if (rc == DEST_HELD && p->nheld == p->dst->max_held)
		runner_flush_held(s);
}

/* The next batch to write; while the destination holds some, waits no longer
 * than until the oldest has been held DEST_HOLD_NS, and has them settled then. */
static struct batch *runner_next_to_write(struct pthread_slot *s, struct channel *in)
{
	struct pipeline *p = s->p;
	while (p->nheld) {
		uint64_t now = clock_now_ns(), due = p->held[0].t0 + DEST_HOLD_NS;
		int timed_out = 0;
		struct whatif_wait before = whatif_before_wait(&p->whatif);
		struct batch *b = channel_recv_batch_within(in, due > now ? due - now : 0, &timed_out);
		whatif_after_wait(&p->whatif, &s->wa, before);
		if (!timed_out)
			return b;
		runner_flush_held(s);
	}
	return runner_recv(s, in);
}

static void runner_write(struct pthread_slot *s)
{
	struct pipeline *p = s->p;
	struct channel *in = p->encode_ch ? p->encode_ch : s->st->in;
	int ordered = p->spec.pl->ordered;
	struct batch *b;
	while ((b = runner_next_to_write(s, in))) {
		if (!ordered) {
			runner_write_one(s, b);
			continue;
		}
		p->reorder[b->seq % p->pool_batches] = b;
		size_t slot;
		while (p->reorder[slot = p->next_seq % p->pool_batches]) {
			struct batch *next = p->reorder[slot];
			p->reorder[slot] = NULL;
			p->next_seq++;
			runner_write_one(s, next);
		}
	}
	for (size_t i = 0; i < p->pool_batches; i++) /* only after a bug: never lose a batch */
		if (p->reorder[i]) {
			runner_write_one(s, p->reorder[i]);
			p->reorder[i] = NULL;
		}
	runner_flush_held(s); /* the input ended: what the destination holds is settled */
}

/* The channel a thread sends into (NULL for the writer). */
static struct channel *runner_output_of(const struct pthread_slot *s)
{
	struct pipeline *p = s->p;
	switch (s->role) {
	case TROLE_READER:
		return p->decode_ch ? p->decode_ch : s->st->out;
	case TROLE_DECODER:
	case TROLE_WORKER:
		return s->st->out;
	case TROLE_ENCODER:
		return p->encode_ch;
	case TROLE_WRITER:
		break;
	}
	return NULL;
}

/* The channel a thread receives from (NULL for the reader). */
static struct channel *runner_input_of(const struct pthread_slot *s)
{
	struct pipeline *p = s->p;
	switch (s->role) {
	case TROLE_READER:
		break;
	case TROLE_DECODER:
		return p->decode_ch;
	case TROLE_WORKER:
	case TROLE_ENCODER:
		return s->st->in;
	case TROLE_WRITER:
		return p->encode_ch ? p->encode_ch : s->st->in;
	}
	return NULL;
}

/* A thread's last act (also done for a thread that could not be started):
 * close its side of its output channel and count it out. */
static void runner_end_slot(struct pthread_slot *s)
{
	struct pipeline *p = s->p;
	struct channel *out = runner_output_of(s), *in = runner_input_of(s);
	if (out)
		channel_done_producer(out);
	if (in)
		channel_done_consumer(in);
	tmetrics_enter_state(s->w.metrics, TSTATE_EXITED, NULL, clock_now_ns());
	nlock_lock(&p->mu);
	if (atomic_fetch_sub(&p->running_threads, 1) == 1)
		pthread_cond_broadcast(&p->cond);
	nlock_unlock(&p->mu);
}

static void *runner_thread_main(void *arg)
{
	struct pthread_slot *s = arg;
	struct pipeline *p = s->p;
	struct tmetrics *m = s->w.metrics;
	globals_thread_metrics = m;
	globals_current_stage = s->st->info.name;
	char tname[16];
	snprintf(tname, sizeof tname, "%s", m->name);
	pthread_setname_np(pthread_self(), tname);
	static const char *const roles[] = { "reader", "parser", "worker", "encoder", "writer" };
	atomic_store_explicit(&m->thread, thread_registry_enter(m->name, roles[s->role], s->st->info.name, m),
			      memory_order_release);
	tmetrics_begin(m, clock_now_ns());
	if (s->st->ops && s->st->ops->worker_new)
		s->w.local = s->st->ops->worker_new(s->st->opts);
	else if (s->role == TROLE_DECODER && p->src->worker_new)
		s->w.local = p->src->worker_new(p->src_opts);
	else if (s->role == TROLE_ENCODER && p->dst->worker_new)
		s->w.local = p->dst->worker_new(p->dst_opts);
	switch (s->role) {
	case TROLE_READER:
		runner_read(s);
		break;
	case TROLE_DECODER:
		runner_decode(s);
		break;
	case TROLE_WORKER:
		runner_transform(s);
		break;
	case TROLE_ENCODER:
		runner_encode(s);
		break;
	case TROLE_WRITER:
		runner_write(s);
		break;
	}
	if (s->w.local) {
		if (s->st->ops && s->st->ops->worker_free)
			s->st->ops->worker_free(s->w.local);
		else if (s->role == TROLE_DECODER && p->src->worker_free)
			p->src->worker_free(s->w.local);
		else if (s->role == TROLE_ENCODER && p->dst->worker_free)
			p->dst->worker_free(s->w.local);
	}
	buf_free(&s->w.scratch);
	runner_end_slot(s);
	thread_registry_leave();
	return NULL;
}

/* --- life -------------------------------------------------------------------- */

/* Tells each channel who sends and receives, before any thread runs. */
static void runner_wire_channels(struct pipeline *p)
{
	for (size_t t = 0; t < p->nthreads; t++) {
		struct pthread_slot *s = &p->threads[t];
		switch (s->role) {
		case TROLE_READER:
			channel_add_producer(p->decode_ch ? p->decode_ch : s->st->out);
			break;
		case TROLE_DECODER:
			channel_add_consumer(p->decode_ch);
			channel_add_producer(s->st->out);
			break;
		case TROLE_WORKER:
			channel_add_consumer(s->st->in);
			channel_add_producer(s->st->out);
			break;
		case TROLE_ENCODER:
			channel_add_consumer(s->st->in);
			channel_add_producer(p->encode_ch);
			break;
		case TROLE_WRITER:
			channel_add_consumer(p->encode_ch ? p->encode_ch : s->st->in);
			break;
		}
	}
}

int runner_start_threads(struct pipeline *p, struct errbuf *e)
{
	runner_wire_channels(p);
	atomic_store(&p->running_threads, (int)p->nthreads);
	atomic_store(&p->state, PSTATE_RUNNING);
	/* writer first, reader last, so nothing waits on a thread not yet there */
	for (size_t i = p->nthreads; i-- > 0;) {
		struct pthread_slot *s = &p->threads[i];
		int rc = pthread_create(&s->tid, NULL, runner_thread_main, s);
		if (rc) {
			errbuf_set(e, "cannot start thread %s: %s", s->w.metrics->name, strerror(rc));
			/* the threads not started end at once, so the started ones drain and end */
			atomic_store(&p->stop, 1);
			for (size_t j = 0; j <= i; j++)
				runner_end_slot(&p->threads[j]);
			p->started = 1;
			return -1;
		}
		s->started = 1;
	}
	p->started = 1;
	return 0;
}
