/* channel.h: the bounded channel between two neighbouring stages.
 *
 * Carries batches, counts its capacity in records (a batch is always admitted
 * into an empty channel, however large), and measures itself: fill now, peak
 * and time-weighted average, and how long senders waited because it was full
 * and receivers waited because it was empty. The waiting thread's own metrics
 * are charged too (backpressured when sending, idle when receiving). The
 * channel closes when its last producer says it is done; receivers then drain
 * what is left and get NULL. */
#ifndef NEB_CHANNEL_H
#define NEB_CHANNEL_H

#include <stddef.h>
#include <stdint.h>

struct batch;
struct channel;

struct channel_stats {
	uint64_t capacity;            /* records */
	uint64_t fill;                /* records now */
	uint64_t fill_max;            /* peak records since creation or reset */
	uint64_t fill_integral;       /* record-nanoseconds, for the average */
	uint64_t send_blocked_ns, recv_blocked_ns;
	uint64_t sends, recvs;        /* batches */
	uint64_t send_waits, recv_waits;
	uint64_t now_ns;              /* when these were read */
	int producers, consumers;     /* threads on each side */
};

/* `slots` bounds how many batches it can hold. An internal channel joins
 * threads of one stage: waits on it are charged as TSTATE_INTERNAL. */
struct channel *channel_create(const char *name, uint64_t capacity, size_t slots, int internal);
void channel_free(struct channel *c);
const char *channel_name(const struct channel *c);

/* Registers threads on each side (for the blocked shares). */
void channel_add_producer(struct channel *c);
void channel_add_consumer(struct channel *c);
/* A producer is done; the last one closes the channel. */
void channel_done_producer(struct channel *c);

/* A consumer is done (its thread ends). */
void channel_done_consumer(struct channel *c);
/* 1 when a sender waits for room that no one will ever make: every consumer
 * has ended. A thread blocked there is a certain leak. */
int channel_is_abandoned(struct channel *c);

/* Blocks while the channel has no room for b's records. */
void channel_send_batch(struct channel *c, struct batch *b);
/* Blocks while empty; NULL when closed and drained. */
struct batch *channel_recv_batch(struct channel *c);
/* The same, waiting at most wait_ns when timed_out is not NULL: NULL with
 * *timed_out = 1 when no batch came in that time. */
struct batch *channel_recv_batch_within(struct channel *c, uint64_t wait_ns, int *timed_out);

void channel_read_stats(struct channel *c, struct channel_stats *s);

#endif
