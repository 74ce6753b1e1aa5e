/* connmetrics.h: what a source or destination connector measures about the
 * system it talks to (a file, a PostgreSQL server, an HTTP API).
 *
 * The pipeline owns one struct connmetrics for the source and one for the
 * destination and hands it to the connector in connector_env.metrics at open;
 * the connector keeps the pointer and adds to it from its reader or writer
 * thread, or from any thread at open and close (the counters are atomic,
 * added to once per request or batch, never per record). The
 * sampler reads them into its time series. Records and the time spent parsing
 * or encoding come from the stage's own metrics; what only the connector can
 * tell is kept here:
 *   connect_ns  time spent connecting (all connections, including reconnects)
 *   requests    round trips or transfers: HTTP requests, COPY data messages
 *               sent or received, read()/write() calls on a file
 *   bytes       bytes received from or sent to the system, as on the wire
 *   retries     requests repeated after a failure (HTTP 429/5xx, timeouts)
 *   errors      requests or batches that failed for good
 *   wait_ns     time blocked on the system: waiting for the network, the
 *               server or the disk, as opposed to parsing or encoding
 *   rolled_back records a destination wrote (and the pipeline counted out)
 *               that the system then undid: a transaction rolled back when
 *               the connection was lost or the run failed. The figures move
 *               them from out to errors, so that out is what stayed.
 *   plain       records the destination took as the source read them (the
 *               pass-through, batch.h: never split into fields) */
#ifndef NEB_CONNMETRICS_H
#define NEB_CONNMETRICS_H

#include <stdatomic.h>
#include <stdint.h>

struct connmetrics {
	_Atomic uint64_t connect_ns, connects, requests, bytes, retries, errors, wait_ns, rolled_back, plain;
	/* what the connector waits on when it is not what its type says ("pipe"
	 * for a file connector reading a FIFO or stdin from a program); set at
	 * open, before the pipeline's threads start, NULL otherwise */
	const char *waits_on;
};

static inline void connmetrics_add(_Atomic uint64_t *c, uint64_t v)
{
	atomic_fetch_add_explicit(c, v, memory_order_relaxed);
}

static inline uint64_t connmetrics_get(const _Atomic uint64_t *c)
{
	return atomic_load_explicit((_Atomic uint64_t *)c, memory_order_relaxed);
}

/* One request of `bytes` bytes that waited from start_ns to end_ns on the
 * system (clock_now_ns times). m may be NULL (a connector used on its own). */
void connmetrics_count_request(struct connmetrics *m, uint64_t bytes, uint64_t start_ns, uint64_t end_ns);
/* Bytes moved and time waited that are not a request of their own (a retry
 * of one, the wait before it, the rows of a stream counted apart). */
void connmetrics_count_wait(struct connmetrics *m, uint64_t bytes, uint64_t wait_ns);
/* Names what a file connector's descriptor really is, when it is no file:
 * "pipe" (a FIFO or a pipe: a program at the other end), "socket",
 * "terminal". A regular file or a block device leaves waits_on alone. */
void connmetrics_note_fd(struct connmetrics *m, int fd);
/* A connection that took from start_ns to end_ns to set up. */
void connmetrics_count_connect(struct connmetrics *m, uint64_t start_ns, uint64_t end_ns);

#endif
