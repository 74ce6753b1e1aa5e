/* channel.c: bounded batch channel with fill and blocking measurements. */
#include "autoconfig.h"

#include "channel.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/base/globals.h"
#include "batch.h"
#include "../src/base/clock.h"
#include "lock.h"
#include "tmetrics.h"
#include "hooks.h"

struct channel {
	char name[96];
	char wait_name[104]; /* "wait NAME", the tracer's event name */
	struct nlock mu;
	pthread_cond_t not_full, not_empty;
	struct batch **ring;
	size_t slots, head, count;
	uint64_t capacity, fill, fill_max, fill_integral, last_change_ns;
	uint64_t send_blocked_ns, recv_blocked_ns, sends, recvs, send_waits, recv_waits;
	uint64_t waiters_last_ns; /* blocked time grows by waiters * elapsed */
	int send_waiting, recv_waiting;
	int producers, consumers, open_producers, open_consumers, closed;
	int internal;
};

struct channel *channel_create(const char *name, uint64_t capacity, size_t slots, int internal)
{
	struct channel *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	snprintf(c->name, sizeof c->name, "%s", name);
	snprintf(c->wait_name, sizeof c->wait_name, "wait %s", name);
	c->ring = calloc(slots ? slots : 1, sizeof *c->ring);
	if (!c->ring) {
		free(c);
		return NULL;
	}
	c->slots = slots ? slots : 1;
	c->capacity = capacity ? capacity : 1;
	c->internal = internal;
	c->last_change_ns = c->waiters_last_ns = clock_now_ns();
	char lname[128];
	snprintf(lname, sizeof lname, "channel %s", c->name);
	nlock_init(&c->mu, lname);
	pthread_cond_init(&c->not_full, NULL);
	pthread_cond_init(&c->not_empty, NULL);
	return c;
}

void channel_free(struct channel *c)
{
	if (!c)
		return;
	nlock_destroy(&c->mu);
	pthread_cond_destroy(&c->not_full);
	pthread_cond_destroy(&c->not_empty);
	free(c->ring);
	free(c);
}

const char *channel_name(const struct channel *c) { return c->name; }

void channel_add_producer(struct channel *c)
{
	nlock_lock(&c->mu);
	c->producers++;
	c->open_producers++;
	nlock_unlock(&c->mu);
}

void channel_add_consumer(struct channel *c)
{
	nlock_lock(&c->mu);
	c->consumers++;
	c->open_consumers++;
	nlock_unlock(&c->mu);
}

void channel_done_producer(struct channel *c)
{
	nlock_lock(&c->mu);
	if (c->open_producers > 0)
		c->open_producers--;
	if (c->open_producers == 0) { /* the last one (or a channel nobody registered to feed) */
		c->closed = 1;
		pthread_cond_broadcast(&c->not_empty);
	}
	nlock_unlock(&c->mu);
}

/* Called with the lock held before the number of waiting threads changes,
 * so blocked time includes waits still in progress when read. */
static void channel_note_waiters(struct channel *c, uint64_t now)
{
	if (now > c->waiters_last_ns) {
		c->send_blocked_ns += (uint64_t)c->send_waiting * (now - c->waiters_last_ns);
		c->recv_blocked_ns += (uint64_t)c->recv_waiting * (now - c->waiters_last_ns);
	}
	c->waiters_last_ns = now;
}

/* Called with the lock held whenever fill changes. */
static void channel_note_fill(struct channel *c, uint64_t now)
{
	if (now > c->last_change_ns)
		c->fill_integral += c->fill * (now - c->last_change_ns);
	c->last_change_ns = now;
}

void channel_done_consumer(struct channel *c)
{
	nlock_lock(&c->mu);
	if (c->open_consumers > 0)
		c->open_consumers--;
	nlock_unlock(&c->mu);
}

int channel_is_abandoned(struct channel *c)
{
	nlock_lock(&c->mu);
	int r = c->consumers > 0 && c->open_consumers == 0 && c->send_waiting > 0;
	nlock_unlock(&c->mu);
	return r;
}

void channel_send_batch(struct channel *c, struct batch *b)
{
	uint64_t n = b->nkept;
	nlock_lock(&c->mu);
	if ((c->fill > 0 && c->fill + n > c->capacity) || c->count == c->slots) {
		struct tmetrics *self = globals_thread_metrics;
		uint64_t t0 = clock_now_ns();
		if (self) {
			atomic_store_explicit(&self->blocked_channel, c, memory_order_relaxed);
			tmetrics_enter_state(self, c->internal ? TSTATE_INTERNAL : TSTATE_BACKPRESSURED, c->name, t0);
		}
		c->send_waits++;
		channel_note_waiters(c, t0);
		c->send_waiting++;
		while ((c->fill > 0 && c->fill + n > c->capacity) || c->count == c->slots)
			nlock_wait(&c->mu, &c->not_full);
		uint64_t t1 = clock_now_ns();
		channel_note_waiters(c, t1);
		c->send_waiting--;
		hooks_note_wait(HOOKS_WAIT_BLOCK, t1 - t0, c->name);
		hooks_trace_complete(c->wait_name, "wait", t0, -1);
		if (self)
			tmetrics_enter_state(self, TSTATE_BUSY, NULL, t1);
	}
	uint64_t now = clock_now_ns();
	channel_note_fill(c, now);
	c->ring[(c->head + c->count) % c->slots] = b;
	c->count++;
	c->fill += n;
	if (c->fill > c->fill_max)
		c->fill_max = c->fill;
	c->sends++;
	pthread_cond_signal(&c->not_empty);
	nlock_unlock(&c->mu);
}

struct batch *channel_recv_batch(struct channel *c)
{
	return channel_recv_batch_within(c, 0, NULL);
}

/* The CLOCK_REALTIME time wait_ns from now, for a timed condition wait. */
static struct timespec channel_deadline(uint64_t wait_ns)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	uint64_t end = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec + wait_ns;
	ts.tv_sec = (time_t)(end / 1000000000ull);
	ts.tv_nsec = (long)(end % 1000000000ull);
	return ts;
}

struct batch *channel_recv_batch_within(struct channel *c, uint64_t wait_ns, int *timed_out)
{
	int expired = 0;
	struct timespec deadline = { 0, 0 };
	if (timed_out)
		deadline = channel_deadline(wait_ns);
	nlock_lock(&c->mu);
	if (c->count == 0 && !c->closed) {
		struct tmetrics *self = globals_thread_metrics;
		uint64_t t0 = clock_now_ns();
		if (self) {
			atomic_store_explicit(&self->blocked_channel, c, memory_order_relaxed);
			tmetrics_enter_state(self, c->internal ? TSTATE_INTERNAL : TSTATE_IDLE, c->name, t0);
		}
		c->recv_waits++;
		channel_note_waiters(c, t0);
		c->recv_waiting++;
		while (c->count == 0 && !c->closed && !expired) {
			if (!timed_out)
				nlock_wait(&c->mu, &c->not_empty);
			else if (nlock_timedwait(&c->mu, &c->not_empty, &deadline) == ETIMEDOUT)
				expired = 1;
		}
		uint64_t t1 = clock_now_ns();
		channel_note_waiters(c, t1);
		c->recv_waiting--;
		hooks_note_wait(HOOKS_WAIT_BLOCK, t1 - t0, c->name);
		hooks_trace_complete(c->wait_name, "wait", t0, -1);
		if (self)
			tmetrics_enter_state(self, TSTATE_BUSY, NULL, t1);
	}
	struct batch *b = NULL;
	if (c->count > 0) {
		b = c->ring[c->head];
		c->head = (c->head + 1) % c->slots;
		c->count--;
		channel_note_fill(c, clock_now_ns());
		c->fill -= b->nkept;
		c->recvs++;
		/* every waiting sender looks again: the one that fits may not be the first */
		pthread_cond_broadcast(&c->not_full);
	}
	nlock_unlock(&c->mu);
	if (timed_out)
		*timed_out = !b && expired;
	return b;
}

void channel_read_stats(struct channel *c, struct channel_stats *s)
{
	nlock_lock(&c->mu);
	uint64_t now = clock_now_ns();
	channel_note_fill(c, now);
	channel_note_waiters(c, now);
	s->capacity = c->capacity;
	s->fill = c->fill;
	s->fill_max = c->fill_max;
	s->fill_integral = c->fill_integral;
	s->send_blocked_ns = c->send_blocked_ns;
	s->recv_blocked_ns = c->recv_blocked_ns;
	s->sends = c->sends;
	s->recvs = c->recvs;
	s->send_waits = c->send_waits;
	s->recv_waits = c->recv_waits;
	s->producers = c->producers;
	s->consumers = c->consumers;
	s->now_ns = now;
	nlock_unlock(&c->mu);
}
