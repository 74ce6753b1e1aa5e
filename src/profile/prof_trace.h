/* prof_trace.h: the execution tracer (profile type `trace`).
 *
 * While tracing is on, every registered thread (thread_registry.h) records
 * events into a ring of its own, hung off its registry entry (trace_ring):
 * complete events (a stage's batch, a wait on a channel or a lock), instant
 * events (snapshot markers) and counter events (channel fill and throughput,
 * recorded by the sampler). A ring holds the newest TRACE_RING_EVENTS events
 * of its thread, the oldest are overwritten; it is allocated on the thread's
 * first event and kept, like the registry entry, so a trace can still show
 * threads that ended. Memory is bounded: one ring (TRACE_RING_EVENTS * 40
 * bytes, committed as it fills) per registered thread that recorded
 * something, however long tracing runs.
 *
 * trace_write_json renders the recent events of all threads as Chrome Trace
 * Event JSON, which Perfetto and chrome://tracing open.
 *
 * Cost: with tracing off, a recording call is one relaxed atomic load. On, it
 * reads the monotonic clock (vDSO, no syscall) and takes the ring's own mutex,
 * which only trace_write_json contends for while it copies that ring.
 * Recording calls are not async-signal-safe (the first one on a thread
 * allocates its ring): never call them from a signal handler. Events of
 * threads outside the registry are dropped.
 *
 * Strings (names, categories, series) are kept by pointer, not copied: they
 * must stay valid as long as traces may be written (stage and channel names,
 * string literals). They may hold any bytes; the JSON writer escapes them and
 * replaces ill-formed UTF-8 with U+FFFD. */
#ifndef NEB_PROF_TRACE_H
#define NEB_PROF_TRACE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

/* Events a thread's ring holds (a power of two). */
#define TRACE_RING_EVENTS 16384

/* Turns tracing on (clears nothing: events recorded before stay). */
void trace_start(void);
/* Turns tracing off; what was recorded stays for trace_write_json. */
void trace_stop(void);
int trace_is_on(void);

/* A complete event on the calling thread from t0_ns (clock_now_ns()) to now,
 * e.g. name = stage name, cat = "batch", or name = "wait source->parse", cat
 * = "wait". records >= 0 adds args {"records": records}. */
void trace_complete(const char *name, const char *cat, uint64_t t0_ns, int64_t records);
/* An instant event now, process-scoped (e.g. a snapshot marker, cat "marker"). */
void trace_instant(const char *name, const char *cat);
/* A counter sample now: counter name (e.g. "fill"), series (e.g. a channel
 * name) and value. Each (name, series) is its own counter track in the output. */
void trace_counter(const char *name, const char *series, double value);

/* Chrome Trace Event JSON of all threads' events that reach into the last
 * window_ns (0 = everything in the rings): a complete event is included when
 * it ends inside the window, even if it began before it. The output is
 * {"traceEvents":[...],"displayTimeUnit":"ms","otherData":{...}} with
 * "X" events (ts and dur in microseconds, ns precision, args {"records": N}),
 * "i" events ("s":"p"), "C" events ("id": series, args {series: value}), and
 * "M" events: process_name, and thread_name and thread_sort_index for every
 * thread that has events in the output. ts counts from the earliest event in
 * the output; otherData.ts_origin_ns holds that instant on CLOCK_MONOTONIC.
 * pid is getpid(), tid the thread's kernel tid. Events are sorted by ts, and
 * the X events of a thread nest properly (one that starts inside another and
 * ends after it cuts the earlier one short where it starts).
 * *out is malloc'd and NUL-terminated, *len excludes the NUL. Returns 0, or
 * -1 when out of memory. */
int trace_write_json(uint64_t window_ns, char **out, size_t *len);

/* Bytes the threads' rings reserve (what tracing can cost in memory at
 * most: a ring's pages are committed as its events fill it). */
size_t trace_count_bytes(void);

#endif
