/* prof_trace.c: the execution tracer: per-thread event rings written by their
 * threads, and the Chrome Trace Event JSON writer that copies them
 * (prof_trace.h). */
#include "autoconfig.h"

#include "prof_trace.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../base/buf.h"
#include "../base/clock.h"
#include "../base/globals.h"
#include "../base/thread_registry.h"

_Static_assert((TRACE_RING_EVENTS & (TRACE_RING_EVENTS - 1)) == 0, "TRACE_RING_EVENTS must be a power of two");

enum trace_kind { TRACE_COMPLETE = 1, TRACE_INSTANT = 2, TRACE_COUNTER = 3 };

/* The kind sits in the top two bits of dur_kind, the duration below. */
#define TRACE_KIND_SHIFT 62
#define TRACE_DUR_MAX ((UINT64_C(1) << TRACE_KIND_SHIFT) - 1)

union trace_value {
	int64_t records; /* complete events; < 0: none */
	double value;    /* counters */
};

struct trace_event {
	const char *name;
	const char *cat;   /* counters: the series */
	uint64_t ts;       /* CLOCK_MONOTONIC ns: the start */
	uint64_t dur_kind; /* kind << TRACE_KIND_SHIFT | duration in ns */
	union trace_value v;
};

_Static_assert(sizeof(struct trace_event) == 40, "an event is 40 bytes (prof_trace.h says so)");

struct trace_ring {
	pthread_mutex_t mu; /* guards what follows: the owner writes, trace_write_json copies */
	uint64_t written;   /* events ever written; event k is at ev[k % TRACE_RING_EVENTS] */
	struct trace_event ev[TRACE_RING_EVENTS];
};

void trace_start(void) { atomic_store_explicit(&globals_trace.on, 1, memory_order_relaxed); }

void trace_stop(void) { atomic_store_explicit(&globals_trace.on, 0, memory_order_relaxed); }

int trace_is_on(void) { return atomic_load_explicit(&globals_trace.on, memory_order_relaxed); }

/* --- recording ------------------------------------------------------------------ */

/* The calling thread's ring, allocated on its first event; NULL outside the
 * registry or when out of memory (the event is dropped). Rings are mapped,
 * not malloc'd, so that their pages are only committed as events fill them:
 * a thread that records little costs little. They are never unmapped, like
 * the registry entries they hang off. */
static struct trace_ring *trace_ring_of_self(void)
{
	struct thread_entry *t = globals_thread_entry;
	if (!t)
		return NULL;
	/* only this thread stores the ring, so a relaxed load sees its own store */
	struct trace_ring *r = atomic_load_explicit(&t->trace_ring, memory_order_relaxed);
	if (r)
		return r;
	void *m = mmap(NULL, sizeof *r, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return NULL;
	r = m; /* zero-filled */
	if (pthread_mutex_init(&r->mu, NULL) != 0) {
		munmap(m, sizeof *r);
		return NULL;
	}
	atomic_store_explicit(&t->trace_ring, r, memory_order_release);
	return r;
}

static void trace_put(const struct trace_event *e)
{
	struct trace_ring *r = trace_ring_of_self();
	if (!r)
		return;
	pthread_mutex_lock(&r->mu);
	r->ev[r->written & (TRACE_RING_EVENTS - 1)] = *e;
	r->written++;
	pthread_mutex_unlock(&r->mu);
}

void trace_complete(const char *name, const char *cat, uint64_t t0_ns, int64_t records)
{
	if (!atomic_load_explicit(&globals_trace.on, memory_order_relaxed))
		return;
	uint64_t end = clock_now_ns();
	if (t0_ns > end)
		t0_ns = end;
	if (end - t0_ns > TRACE_DUR_MAX)
		t0_ns = end - TRACE_DUR_MAX;
	struct trace_event e = {
		.name = name,
		.cat = cat,
		.ts = t0_ns,
		.dur_kind = (uint64_t)TRACE_COMPLETE << TRACE_KIND_SHIFT | (end - t0_ns),
		.v.records = records < 0 ? -1 : records,
	};
	trace_put(&e);
}

/* An event at this instant: an instant event, or a counter's value. */
static void trace_put_now(const char *name, const char *cat, enum trace_kind kind, double value)
{
	if (!atomic_load_explicit(&globals_trace.on, memory_order_relaxed))
		return;
	struct trace_event e = {
		.name = name,
		.cat = cat,
		.ts = clock_now_ns(),
		.dur_kind = (uint64_t)kind << TRACE_KIND_SHIFT,
		.v.value = value,
	};
	trace_put(&e);
}

void trace_instant(const char *name, const char *cat) { trace_put_now(name, cat, TRACE_INSTANT, 0); }

void trace_counter(const char *name, const char *series, double value)
{
	trace_put_now(name, series, TRACE_COUNTER, value);
}

size_t trace_count_bytes(void)
{
	size_t bytes = 0, n = thread_registry_count();
	for (size_t i = 0; i < n; i++) {
		struct thread_entry *t = thread_registry_get(i);
		if (t && atomic_load_explicit(&t->trace_ring, memory_order_acquire))
			bytes += sizeof(struct trace_ring);
	}
	return bytes;
}

/* --- the output buffer ------------------------------------------------------------ */

/* The JSON text in a buffer (base/buf.h). Running out of memory does not
 * abort: it marks the output failed, later writes are dropped and
 * trace_write_json returns -1. */
struct trace_out {
	struct buf b;
	int oom;
};

/* Makes room for n more bytes; -1 once memory has run out. */
static int trace_out_reserve(struct trace_out *o, size_t n)
{
	if (!o->oom && buf_try_reserve(&o->b, n) != 0)
		o->oom = 1;
	return o->oom ? -1 : 0;
}

static void trace_out_puts(struct trace_out *o, const char *s)
{
	size_t n = strlen(s);
	if (trace_out_reserve(o, n) == 0)
		buf_append(&o->b, s, n);
}

__attribute__((format(printf, 2, 3))) static void trace_out_printf(struct trace_out *o, const char *fmt, ...)
{
	if (o->oom)
		return;
	va_list ap;
	va_start(ap, fmt);
	o->oom = buf_try_vprintf(&o->b, fmt, ap) != 0;
	va_end(ap);
}

/* Nanoseconds as microseconds with three decimals: exact, no rounding. */
static void trace_out_us(struct trace_out *o, uint64_t ns)
{
	trace_out_printf(o, "%" PRIu64 ".%03u", ns / 1000, (unsigned)(ns % 1000));
}

/* A finite double as a JSON number (whatever the locale's decimal point). */
static void trace_out_double(struct trace_out *o, double v)
{
	size_t at = o->b.len;
	trace_out_printf(o, "%.17g", v);
	for (size_t i = at; !o->oom && i < o->b.len; i++)
		if (o->b.p[i] == ',')
			o->b.p[i] = '.';
}

/* Length of the well-formed UTF-8 sequence at s (lead byte >= 0x80), or 0
 * with *bad set to the bytes of its maximal ill-formed subpart (>= 1). */
static size_t trace_utf8_seq(const unsigned char *s, size_t *bad)
{
	unsigned c = s[0];
	size_t need;
	unsigned lo = 0x80, hi = 0xbf; /* the second byte's range */
	if (c >= 0xc2 && c <= 0xdf)
		need = 1;
	else if (c >= 0xe0 && c <= 0xef) {
		need = 2;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		need = 3;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else {
		*bad = 1;
		return 0;
	}
	for (size_t i = 1; i <= need; i++) {
		unsigned d = s[i]; /* the NUL terminator stops a truncated sequence */
		if (d < lo || d > hi) {
			*bad = i;
			return 0;
		}
		lo = 0x80;
		hi = 0xbf;
	}
	return need + 1;
}

/* s as a JSON string, quotes included; NULL is "". */
static void trace_out_string(struct trace_out *o, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t n = strlen((const char *)p);
	/* worst cases: a control byte becomes \u00XX (6), a stray byte U+FFFD (3) */
	if (trace_out_reserve(o, n * 6 + 2) != 0)
		return;
	char *q = o->b.p + o->b.len;
	*q++ = '"';
	while (*p) {
		unsigned c = *p;
		if (c >= 0x80) {
			size_t bad, len = trace_utf8_seq(p, &bad);
			if (len) {
				memcpy(q, p, len);
				q += len;
				p += len;
			} else {
				memcpy(q, "\xef\xbf\xbd", 3);
				q += 3;
				p += bad;
			}
			continue;
		}
		p++;
		if (c == '"' || c == '\\') {
			*q++ = '\\';
			*q++ = (char)c;
		} else if (c >= 0x20) {
			*q++ = (char)c;
		} else if (c == '\n') {
			*q++ = '\\';
			*q++ = 'n';
		} else if (c == '\t') {
			*q++ = '\\';
			*q++ = 't';
		} else if (c == '\r') {
			*q++ = '\\';
			*q++ = 'r';
		} else {
			memcpy(q, "\\u00", 4);
			q[4] = hex[c >> 4];
			q[5] = hex[c & 15];
			q += 6;
		}
	}
	*q++ = '"';
	o->b.len = (size_t)(q - o->b.p);
}

/* --- the JSON writer ------------------------------------------------------------------ */

/* An event copied out of a ring. */
struct trace_copy {
	uint64_t ts, end;
	const char *name, *cat;
	union trace_value v;
	pid_t tid;
	uint32_t thread; /* registry index */
	uint32_t seq;    /* order within its thread */
	int kind;
};

/* Start, then the longer first (a parent before its children), then as recorded. */
static int trace_cmp_in_thread(const void *a, const void *b)
{
	const struct trace_copy *x = a, *y = b;
	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	if (x->end != y->end)
		return x->end > y->end ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int trace_cmp_all(const void *a, const void *b)
{
	const struct trace_copy *x = a, *y = b;
	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	if (x->end != y->end)
		return x->end > y->end ? -1 : 1;
	if (x->thread != y->thread)
		return x->thread < y->thread ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* One thread's events, sorted by trace_cmp_in_thread: makes its complete
 * events nest. An event that starts inside an open one and ends after it
 * (a caller's clock readings crossed) cuts the open one short at its own
 * start; that keeps the order, since only ends move, and never ends an event
 * before its start. stack has room for n indices. */
static void trace_fix_nesting(struct trace_copy *e, size_t n, size_t *stack)
{
	size_t depth = 0;
	for (size_t i = 0; i < n; i++) {
		if (e[i].kind != TRACE_COMPLETE)
			continue;
		while (depth && e[stack[depth - 1]].end <= e[i].ts)
			depth--;
		/* the open events all contain e[i].ts; those that end before e[i] started before it */
		while (depth && e[stack[depth - 1]].end < e[i].end) {
			e[stack[depth - 1]].end = e[i].ts;
			depth--;
		}
		stack[depth++] = i;
	}
}

/* Copies thread t's events that end at or after cutoff into ev (room for
 * TRACE_RING_EVENTS more), via scratch; returns how many. */
static size_t trace_copy_thread(struct thread_entry *t, uint32_t index, uint64_t cutoff, struct trace_event *scratch,
				struct trace_copy *ev)
{
	struct trace_ring *r = atomic_load_explicit(&t->trace_ring, memory_order_acquire);
	if (!r)
		return 0;
	pthread_mutex_lock(&r->mu);
	uint64_t written = r->written;
	size_t n = written < TRACE_RING_EVENTS ? (size_t)written : TRACE_RING_EVENTS;
	size_t first = (size_t)((written - n) & (TRACE_RING_EVENTS - 1));
	size_t part = n < TRACE_RING_EVENTS - first ? n : TRACE_RING_EVENTS - first;
	memcpy(scratch, r->ev + first, part * sizeof *scratch);
	memcpy(scratch + part, r->ev, (n - part) * sizeof *scratch);
	pthread_mutex_unlock(&r->mu);

	size_t m = 0;
	for (size_t k = 0; k < n; k++) {
		const struct trace_event *e = &scratch[k];
		int kind = (int)(e->dur_kind >> TRACE_KIND_SHIFT);
		uint64_t end = e->ts + (e->dur_kind & TRACE_DUR_MAX);
		if (end < cutoff)
			continue;
		if (kind == TRACE_COUNTER && !isfinite(e->v.value))
			continue; /* JSON has no NaN or infinity */
		ev[m] = (struct trace_copy){ .ts = e->ts, .end = end, .name = e->name, .cat = e->cat, .v = e->v,
					     .tid = t->tid, .thread = index, .seq = (uint32_t)m, .kind = kind };
		m++;
	}
	return m;
}

static void trace_write_event(struct trace_out *o, const struct trace_copy *e, uint64_t origin, long pid)
{
	trace_out_puts(o, ",\n{\"name\":");
	trace_out_string(o, e->name);
	switch (e->kind) {
	case TRACE_COMPLETE:
		trace_out_puts(o, ",\"cat\":");
		trace_out_string(o, e->cat);
		trace_out_puts(o, ",\"ph\":\"X\",\"ts\":");
		trace_out_us(o, e->ts - origin);
		trace_out_puts(o, ",\"dur\":");
		trace_out_us(o, e->end - e->ts);
		trace_out_printf(o, ",\"pid\":%ld,\"tid\":%ld", pid, (long)e->tid);
		if (e->v.records >= 0)
			trace_out_printf(o, ",\"args\":{\"records\":%" PRId64 "}", e->v.records);
		break;
	case TRACE_INSTANT:
		trace_out_puts(o, ",\"cat\":");
		trace_out_string(o, e->cat);
		trace_out_puts(o, ",\"ph\":\"i\",\"s\":\"p\",\"ts\":");
		trace_out_us(o, e->ts - origin);
		trace_out_printf(o, ",\"pid\":%ld,\"tid\":%ld", pid, (long)e->tid);
		break;
	default: /* TRACE_COUNTER: "id" keeps each series its own counter in chrome://tracing too */
		trace_out_puts(o, ",\"ph\":\"C\",\"id\":");
		trace_out_string(o, e->cat);
		trace_out_puts(o, ",\"ts\":");
		trace_out_us(o, e->ts - origin);
		trace_out_printf(o, ",\"pid\":%ld,\"tid\":%ld,\"args\":{", pid, (long)e->tid);
		trace_out_string(o, e->cat);
		trace_out_puts(o, ":");
		trace_out_double(o, e->v.value);
		trace_out_puts(o, "}");
		break;
	}
	trace_out_puts(o, "}");
}

int trace_write_json(uint64_t window_ns, char **out, size_t *len)
{
	*out = NULL;
	*len = 0;
	uint64_t now = clock_now_ns();
	uint64_t cutoff = window_ns && window_ns < now ? now - window_ns : 0;
	size_t nthreads = thread_registry_count();

	struct trace_event *scratch = malloc(TRACE_RING_EVENTS * sizeof *scratch);
	size_t *stack = malloc(TRACE_RING_EVENTS * sizeof *stack);
	unsigned char *has = calloc(nthreads ? nthreads : 1, 1);
	struct trace_copy *ev = NULL;
	size_t n = 0, cap = 0;
	struct trace_out o = { { NULL, 0, 0 }, 0 };
	int rc = -1;
	if (!scratch || !stack || !has)
		goto done;

	for (size_t i = 0; i < nthreads; i++) {
		struct thread_entry *t = thread_registry_get(i);
		if (!t || !atomic_load_explicit(&t->trace_ring, memory_order_acquire))
			continue;
		if (cap - n < TRACE_RING_EVENTS) {
			size_t ncap = cap ? cap * 2 : TRACE_RING_EVENTS;
			while (ncap - n < TRACE_RING_EVENTS)
				ncap *= 2;
			struct trace_copy *p = realloc(ev, ncap * sizeof *ev);
			if (!p)
				goto done;
			ev = p;
			cap = ncap;
		}
		size_t m = trace_copy_thread(t, (uint32_t)i, cutoff, scratch, ev + n);
		if (!m)
			continue;
		has[i] = 1;
		qsort(ev + n, m, sizeof *ev, trace_cmp_in_thread);
		for (size_t k = 0; k < m; k++)
			ev[n + k].seq = (uint32_t)k;
		trace_fix_nesting(ev + n, m, stack);
		n += m;
	}
	if (n)
		qsort(ev, n, sizeof *ev, trace_cmp_all);
	uint64_t origin = n ? ev[0].ts : now;

	long pid = (long)getpid();
	trace_out_puts(&o, "{\"traceEvents\":[\n");
	trace_out_printf(&o,
			 "{\"name\":\"process_name\",\"ph\":\"M\",\"ts\":0,\"pid\":%ld,\"tid\":%ld,"
			 "\"args\":{\"name\":\"nebtop\"}}",
			 pid, pid);
	for (size_t i = 0; i < nthreads; i++) {
		if (!has[i])
			continue;
		struct thread_entry *t = thread_registry_get(i);
		trace_out_printf(&o,
				 ",\n{\"name\":\"thread_name\",\"ph\":\"M\",\"ts\":0,\"pid\":%ld,\"tid\":%ld,"
				 "\"args\":{\"name\":",
				 pid, (long)t->tid);
		trace_out_string(&o, t->name);
		trace_out_printf(&o,
				 "}},\n{\"name\":\"thread_sort_index\",\"ph\":\"M\",\"ts\":0,\"pid\":%ld,\"tid\":%ld,"
				 "\"args\":{\"sort_index\":%zu}}",
				 pid, (long)t->tid, i);
	}
	for (size_t i = 0; i < n; i++)
		trace_write_event(&o, &ev[i], origin, pid);
	trace_out_printf(&o,
			 "\n],\"displayTimeUnit\":\"ms\",\"otherData\":{\"clock\":\"CLOCK_MONOTONIC\","
			 "\"ts_origin_ns\":\"%" PRIu64 "\",\"window_ns\":\"%" PRIu64 "\"}}\n",
			 origin, window_ns);
	if (trace_out_reserve(&o, 1) != 0)
		goto done;
	o.b.p[o.b.len] = 0;
	*out = o.b.p;
	*len = o.b.len;
	o.b.p = NULL;
	rc = 0;
done:
	free(o.b.p);
	free(ev);
	free(has);
	free(stack);
	free(scratch);
	if (rc != 0)
		errno = ENOMEM;
	return rc;
}
