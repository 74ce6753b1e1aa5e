/* test_trace.c: the execution tracer (src/prof_trace.c): registered threads
 * record events, trace_write_json renders them and jansson parses the result:
 * valid JSON with the keys Chrome Trace Event viewers need, escaped names,
 * the window, the bounded rings, nesting, thread names, tracing off, and
 * threads recording while another writes. Also prints what a call costs. */
#include "autoconfig.h"

#include <check.h>
#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "src/base/clock.h"
#include "src/profile/prof_trace.h"
#include "src/base/thread_registry.h"
#include "tests/unit/unit_main.h"

/* An assertion for loops over thousands of events: Check's ck_assert_*
 * record a checkpoint (a write) even when they pass. */
#define TT_REQUIRE(cond, ...)                    \
	do {                                     \
		if (!(cond))                     \
			ck_abort_msg(__VA_ARGS__); \
	} while (0)

#define TT_MS 1000000ull
#define TT_S 1000000000ull

/* --- running code on a registered thread ------------------------------------ */

struct tt_thread {
	const char *name;
	int registered;
	void (*fn)(struct tt_thread *);
	long arg;
	pthread_t pt;
	pid_t tid;
	char regname[32];
	long done; /* what fn did, for the main thread to check */
};

static void *tt_thread_main(void *p)
{
	struct tt_thread *th = p;
	if (th->registered) {
		struct thread_entry *t = thread_registry_enter(th->name, "test", "", NULL);
		if (!t)
			abort();
		th->tid = t->tid;
		memcpy(th->regname, t->name, sizeof th->regname);
	}
	th->fn(th);
	if (th->registered)
		thread_registry_leave();
	return NULL;
}

static void tt_start(struct tt_thread *th) { ck_assert_int_eq(pthread_create(&th->pt, NULL, tt_thread_main, th), 0); }

static void tt_join(struct tt_thread *th) { ck_assert_int_eq(pthread_join(th->pt, NULL), 0); }

static void tt_run(struct tt_thread *th)
{
	tt_start(th);
	tt_join(th);
}

/* Waits until the clock moved by at least ns. */
static void tt_spin(uint64_t ns)
{
	uint64_t t0 = clock_now_ns();
	while (clock_now_ns() - t0 < ns) {
	}
}

/* --- reading the JSON ---------------------------------------------------------- */

static double tt_num(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	TT_REQUIRE(json_is_number(v), "key %s is not a number", key);
	return json_number_value(v);
}

static const char *tt_str(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	TT_REQUIRE(json_is_string(v), "key %s is not a string", key);
	return json_string_value(v);
}

/* Checks one event has the keys its phase needs. */
static void tt_check_event(json_t *e)
{
	TT_REQUIRE(json_is_object(e), "an event is not an object");
	tt_str(e, "name");
	const char *ph = tt_str(e, "ph");
	TT_REQUIRE(tt_num(e, "ts") >= 0, "negative ts");
	json_t *pid = json_object_get(e, "pid"), *tid = json_object_get(e, "tid");
	TT_REQUIRE(json_is_integer(pid) && json_integer_value(pid) == getpid(), "pid is not getpid()");
	TT_REQUIRE(json_is_integer(tid), "tid is not an integer");
	json_t *args = json_object_get(e, "args");
	if (!strcmp(ph, "X")) {
		tt_str(e, "cat");
		TT_REQUIRE(tt_num(e, "dur") >= 0, "negative dur");
		TT_REQUIRE(!args || json_is_integer(json_object_get(args, "records")), "X args without records");
	} else if (!strcmp(ph, "i")) {
		tt_str(e, "cat");
		TT_REQUIRE(!strcmp(tt_str(e, "s"), "p"), "instant not process-scoped");
	} else if (!strcmp(ph, "C")) {
		TT_REQUIRE(json_is_object(args) && json_object_size(args) == 1, "C args are not one series");
		TT_REQUIRE(json_is_number(json_object_get(args, tt_str(e, "id"))), "C args lack the series of its id");
	} else if (!strcmp(ph, "M")) {
		TT_REQUIRE(json_is_object(args), "M without args");
		if (!strcmp(tt_str(e, "name"), "thread_sort_index"))
			TT_REQUIRE(json_is_integer(json_object_get(args, "sort_index")), "sort_index not an integer");
		else
			tt_str(args, "name");
	} else {
		ck_abort_msg("unexpected phase %s", ph);
	}
}

/* Writes the trace of the last window_ns, checks it is valid Chrome Trace
 * Event JSON, and returns it parsed. */
static json_t *tt_trace(uint64_t window_ns)
{
	char *out = NULL;
	size_t len = 0;
	ck_assert_int_eq(trace_write_json(window_ns, &out, &len), 0);
	ck_assert_ptr_nonnull(out);
	ck_assert_uint_eq(strlen(out), len);
	json_error_t err;
	json_t *root = json_loadb(out, len, JSON_REJECT_DUPLICATES, &err);
	ck_assert_msg(root != NULL, "invalid JSON: %s at line %d column %d", err.text, err.line, err.column);
	free(out);
	ck_assert(json_is_object(root));
	ck_assert_str_eq(tt_str(root, "displayTimeUnit"), "ms");
	json_t *evs = json_object_get(root, "traceEvents");
	ck_assert(json_is_array(evs));
	size_t i;
	json_t *e;
	int process_names = 0;
	json_array_foreach(evs, i, e)
	{
		tt_check_event(e);
		if (!strcmp(tt_str(e, "ph"), "M") && !strcmp(tt_str(e, "name"), "process_name"))
			process_names++;
	}
	ck_assert_int_eq(process_names, 1);
	return root;
}

static json_t *tt_events(json_t *root) { return json_object_get(root, "traceEvents"); }

/* The events of phase ph (NULL: any) and name (NULL: any) on thread tid (0: any). */
static size_t tt_count(json_t *root, const char *ph, const char *name, pid_t tid)
{
	size_t i, n = 0;
	json_t *e;
	json_array_foreach(tt_events(root), i, e)
	{
		if (ph && strcmp(tt_str(e, "ph"), ph))
			continue;
		if (name && strcmp(tt_str(e, "name"), name))
			continue;
		if (tid && json_integer_value(json_object_get(e, "tid")) != tid)
			continue;
		n++;
	}
	return n;
}

/* The first such event, or NULL. */
static json_t *tt_find(json_t *root, const char *ph, const char *name, pid_t tid)
{
	size_t i;
	json_t *e;
	json_array_foreach(tt_events(root), i, e)
	{
		if (strcmp(tt_str(e, "ph"), ph) || (name && strcmp(tt_str(e, "name"), name)))
			continue;
		if (tid && json_integer_value(json_object_get(e, "tid")) != tid)
			continue;
		return e;
	}
	return NULL;
}

struct tt_span {
	double ts, end;
	long long tid;
};

static int tt_span_cmp(const void *a, const void *b)
{
	const struct tt_span *x = a, *y = b;
	if (x->tid != y->tid)
		return x->tid < y->tid ? -1 : 1;
	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	if (x->end != y->end)
		return x->end > y->end ? -1 : 1;
	return 0;
}

/* On every thread, any two X events are disjoint or one holds the other;
 * returns how many X events there were. ts and dur are exact decimals, so
 * only the doubles' rounding needs a tolerance. */
static size_t tt_check_nesting(json_t *root)
{
	const double eps = 1e-6;
	size_t n = tt_count(root, "X", NULL, 0), k = 0, i;
	struct tt_span *s = calloc(n ? n : 1, sizeof *s);
	double *stack = calloc(n ? n : 1, sizeof *stack);
	ck_assert(s && stack);
	json_t *e;
	json_array_foreach(tt_events(root), i, e)
	{
		if (strcmp(tt_str(e, "ph"), "X"))
			continue;
		s[k].ts = tt_num(e, "ts");
		s[k].end = s[k].ts + tt_num(e, "dur");
		s[k].tid = json_integer_value(json_object_get(e, "tid"));
		k++;
	}
	qsort(s, n, sizeof *s, tt_span_cmp);
	size_t depth = 0;
	for (i = 0; i < n; i++) {
		if (i && s[i].tid != s[i - 1].tid)
			depth = 0;
		while (depth && stack[depth - 1] <= s[i].ts + eps)
			depth--;
		if (depth)
			TT_REQUIRE(s[i].end <= stack[depth - 1] + eps,
				   "tid %lld: [%.3f, %.3f] overlaps an event ending at %.3f", s[i].tid, s[i].ts,
				   s[i].end, stack[depth - 1]);
		stack[depth++] = s[i].end;
	}
	free(stack);
	free(s);
	return n;
}

/* --- tests ------------------------------------------------------------------------ */

static void tt_record_every_kind(struct tt_thread *th)
{
	(void)th;
	uint64_t t0 = clock_now_ns();
	uint64_t tw = clock_now_ns();
	tt_spin(2000);
	trace_complete("wait source->parse", "wait", tw, -1);
	tt_spin(2000);
	trace_complete("parse", "batch", t0, 42);
	trace_instant("snapshot", "marker");
	trace_counter("fill", "source->parse", 0.75);
	trace_counter("throughput", "parse", 1234.5);
}

START_TEST(records_every_kind)
{
	trace_start();
	ck_assert(trace_is_on());
	struct tt_thread th = { .name = "parse-1", .registered = 1, .fn = tt_record_every_kind };
	tt_run(&th);
	json_t *root = tt_trace(0);
	ck_assert_uint_eq(tt_count(root, "X", NULL, th.tid), 2);
	json_t *batch = tt_find(root, "X", "parse", th.tid);
	json_t *wait = tt_find(root, "X", "wait source->parse", th.tid);
	ck_assert(batch && wait);
	ck_assert_str_eq(tt_str(batch, "cat"), "batch");
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(batch, "args"), "records")), 42);
	ck_assert_str_eq(tt_str(wait, "cat"), "wait");
	ck_assert_ptr_null(json_object_get(wait, "args"));
	ck_assert_double_ge(tt_num(batch, "dur"), 4.0); /* two 2 us spins */
	ck_assert_double_ge(tt_num(wait, "dur"), 2.0);
	/* the wait lies inside the batch */
	ck_assert_double_le(tt_num(batch, "ts"), tt_num(wait, "ts"));
	double wait_end = tt_num(wait, "ts") + tt_num(wait, "dur");
	ck_assert_double_le(wait_end, tt_num(batch, "ts") + tt_num(batch, "dur") + 1e-6);
	json_t *mark = tt_find(root, "i", "snapshot", th.tid);
	ck_assert_ptr_nonnull(mark);
	ck_assert_str_eq(tt_str(mark, "cat"), "marker");
	json_t *fill = tt_find(root, "C", "fill", th.tid);
	ck_assert_ptr_nonnull(fill);
	ck_assert_str_eq(tt_str(fill, "id"), "source->parse");
	ck_assert_double_eq(tt_num(json_object_get(fill, "args"), "source->parse"), 0.75);
	json_t *tput = tt_find(root, "C", "throughput", th.tid);
	ck_assert_ptr_nonnull(tput);
	ck_assert_double_eq(tt_num(json_object_get(tput, "args"), "parse"), 1234.5);
	/* sorted by ts */
	size_t i;
	json_t *e;
	double last = 0;
	json_array_foreach(tt_events(root), i, e)
	{
		if (!strcmp(tt_str(e, "ph"), "M"))
			continue;
		ck_assert_double_ge(tt_num(e, "ts"), last);
		last = tt_num(e, "ts");
	}
	json_decref(root);
	trace_stop();
}
END_TEST

static const char *const tt_odd_names[] = {
	"quote\" back\\slash /",
	"ctl \x01\x1f\n\t\r\b\f\x7f",
	"utf8 \xc3\xa9 \xe6\x97\xa5 \xf0\x9f\x99\x82",
	"bad \xff\xfe end",
	"overlong \xc0\xaf",
	"surrogate \xed\xa0\x80",
	"cut \xe6\x97 short",
	"cut at end \xf0\x9f\x99",
};
static const char *const tt_odd_expect[] = {
	"quote\" back\\slash /",
	"ctl \x01\x1f\n\t\r\b\f\x7f",
	"utf8 \xc3\xa9 \xe6\x97\xa5 \xf0\x9f\x99\x82",
	"bad \xef\xbf\xbd\xef\xbf\xbd end",
	"overlong \xef\xbf\xbd\xef\xbf\xbd",
	"surrogate \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd",
	"cut \xef\xbf\xbd short",
	"cut at end \xef\xbf\xbd",
};
#define TT_ODD (sizeof tt_odd_names / sizeof tt_odd_names[0])

static void tt_record_odd_names(struct tt_thread *th)
{
	(void)th;
	for (size_t i = 0; i < TT_ODD; i++) {
		trace_complete(tt_odd_names[i], tt_odd_names[i], clock_now_ns(), (int64_t)i);
		trace_counter(tt_odd_names[i], tt_odd_names[i], (double)i);
	}
	trace_instant(NULL, NULL);
}

START_TEST(escapes_any_bytes)
{
	trace_start();
	struct tt_thread th = { .name = "odd \xff\"name", .registered = 1, .fn = tt_record_odd_names };
	tt_run(&th);
	json_t *root = tt_trace(0); /* jansson rejects ill-formed UTF-8 */
	for (size_t i = 0; i < TT_ODD; i++) {
		json_t *x = tt_find(root, "X", tt_odd_expect[i], th.tid);
		ck_assert_msg(x != NULL, "no X event named %s", tt_odd_expect[i]);
		ck_assert_str_eq(tt_str(x, "cat"), tt_odd_expect[i]);
		json_t *records = json_object_get(json_object_get(x, "args"), "records");
		ck_assert_int_eq(json_integer_value(records), (long long)i);
		json_t *c = tt_find(root, "C", tt_odd_expect[i], th.tid);
		ck_assert_ptr_nonnull(c);
		ck_assert_str_eq(tt_str(c, "id"), tt_odd_expect[i]);
		ck_assert_double_eq(tt_num(json_object_get(c, "args"), tt_odd_expect[i]), (double)i);
	}
	json_t *nameless = tt_find(root, "i", "", th.tid);
	ck_assert_ptr_nonnull(nameless);
	ck_assert_str_eq(tt_str(nameless, "cat"), "");
	json_t *m = tt_find(root, "M", "thread_name", th.tid);
	ck_assert_ptr_nonnull(m);
	ck_assert_str_eq(tt_str(json_object_get(m, "args"), "name"), "odd \xef\xbf\xbd\"name");
	json_decref(root);
	trace_stop();
}
END_TEST

static void tt_record_old(struct tt_thread *th)
{
	(void)th;
	trace_complete("old", "batch", clock_now_ns() - 10 * TT_S, 1);
	trace_complete("old-short", "batch", clock_now_ns(), 1);
	trace_instant("old-mark", "marker");
	trace_counter("old-fill", "a->b", 1);
}

static void tt_record_new(struct tt_thread *th)
{
	(void)th;
	trace_complete("new", "batch", clock_now_ns(), 2);
	trace_complete("long", "wait", clock_now_ns() - 10 * TT_S, -1); /* began long before the window */
	trace_instant("new-mark", "marker");
	trace_counter("new-fill", "a->b", 2);
}

START_TEST(window_leaves_out_old_events)
{
	trace_start();
	struct tt_thread old = { .name = "old", .registered = 1, .fn = tt_record_old };
	struct tt_thread young = { .name = "young", .registered = 1, .fn = tt_record_new };
	tt_run(&old);
	clock_sleep_ns(400 * TT_MS);
	tt_run(&young);
	json_t *root = tt_trace(200 * TT_MS);
	static const char *const gone[] = { "old", "old-short", "old-mark", "old-fill" };
	static const char *const kept[] = { "new", "long", "new-mark", "new-fill" };
	for (size_t i = 0; i < 4; i++) {
		ck_assert_msg(tt_count(root, NULL, gone[i], 0) == 0, "%s is older than the window", gone[i]);
		ck_assert_msg(tt_count(root, NULL, kept[i], 0) == 1, "%s is in the window", kept[i]);
	}
	/* the thread with no events in the window is not named */
	ck_assert_uint_eq(tt_count(root, "M", "thread_name", old.tid), 0);
	ck_assert_uint_eq(tt_count(root, "M", "thread_name", young.tid), 1);
	/* "long" began 10 s before the others: it is the origin of ts */
	ck_assert_double_eq(tt_num(tt_find(root, "X", "long", 0), "ts"), 0);
	ck_assert_double_ge(tt_num(tt_find(root, "X", "long", 0), "dur"), 10e6);
	json_decref(root);
	root = tt_trace(0);
	for (size_t i = 0; i < 4; i++) {
		ck_assert_uint_eq(tt_count(root, NULL, gone[i], 0), 1);
		ck_assert_uint_eq(tt_count(root, NULL, kept[i], 0), 1);
	}
	json_decref(root);
	trace_stop();
}
END_TEST

#define TT_OVERFLOW_TOTAL (3 * TRACE_RING_EVENTS + 7)

static size_t tt_bytes_after_one_ring, tt_bytes_before;

static void tt_record_many(struct tt_thread *th)
{
	for (long i = 0; i < TT_OVERFLOW_TOTAL; i++) {
		trace_complete("batch", "batch", clock_now_ns(), i);
		if (i == TRACE_RING_EVENTS - 1)
			tt_bytes_after_one_ring = trace_count_bytes();
	}
	th->done = TT_OVERFLOW_TOTAL;
}

START_TEST(ring_keeps_the_newest)
{
	trace_start();
	tt_bytes_before = trace_count_bytes();
	struct tt_thread th = { .name = "busy", .registered = 1, .fn = tt_record_many };
	tt_run(&th);
	/* one ring, allocated once, whatever the events */
	size_t ring = tt_bytes_after_one_ring - tt_bytes_before;
	ck_assert_uint_gt(ring, 0);
	ck_assert_uint_le(ring, (size_t)TRACE_RING_EVENTS * 64 + 4096);
	ck_assert_uint_eq(trace_count_bytes(), tt_bytes_after_one_ring);

	json_t *root = tt_trace(0);
	ck_assert_uint_eq(tt_count(root, "X", "batch", th.tid), TRACE_RING_EVENTS);
	unsigned char *seen = calloc(TRACE_RING_EVENTS, 1);
	ck_assert_ptr_nonnull(seen);
	size_t i;
	json_t *e;
	json_array_foreach(tt_events(root), i, e)
	{
		if (strcmp(tt_str(e, "ph"), "X") || json_integer_value(json_object_get(e, "tid")) != th.tid)
			continue;
		long long r = json_integer_value(json_object_get(json_object_get(e, "args"), "records"));
		TT_REQUIRE(r >= TT_OVERFLOW_TOTAL - TRACE_RING_EVENTS && r < TT_OVERFLOW_TOTAL,
			   "event %lld should have been overwritten", r);
		size_t k = (size_t)(r - (TT_OVERFLOW_TOTAL - TRACE_RING_EVENTS));
		TT_REQUIRE(!seen[k], "event %lld twice", r);
		seen[k] = 1;
	}
	free(seen);
	tt_check_nesting(root);
	json_decref(root);
	trace_stop();
}
END_TEST

static void tt_record_nested(struct tt_thread *th)
{
	for (long b = 0; b < 300; b++) {
		uint64_t t0 = clock_now_ns();
		for (int w = 0; w < 3; w++) {
			uint64_t tw = clock_now_ns();
			if (b % 2)
				tt_spin(1000);
			trace_complete("wait a->b", "wait", tw, -1);
		}
		uint64_t tl = clock_now_ns();
		trace_complete("wait lock", "wait", tl, -1);
		trace_complete("stage", "batch", t0, b);
	}
	/* crossed clock readings: a wait that began before the batch and ended inside it */
	uint64_t tw = clock_now_ns();
	tt_spin(2000);
	uint64_t tb = clock_now_ns();
	tt_spin(2000);
	trace_complete("crossed wait", "wait", tw, -1);
	tt_spin(2000);
	trace_complete("crossed batch", "batch", tb, 1);
	th->done = 1;
}

START_TEST(complete_events_nest)
{
	trace_start();
	struct tt_thread a = { .name = "nest-a", .registered = 1, .fn = tt_record_nested };
	struct tt_thread b = { .name = "nest-b", .registered = 1, .fn = tt_record_nested };
	tt_start(&a);
	tt_start(&b);
	tt_join(&a);
	tt_join(&b);
	json_t *root = tt_trace(0);
	tt_check_nesting(root);
	ck_assert_uint_eq(tt_count(root, "X", NULL, a.tid), 300 * 5 + 2);
	ck_assert_uint_eq(tt_count(root, "X", NULL, b.tid), 300 * 5 + 2);
	ck_assert_uint_eq(tt_count(root, "X", "stage", a.tid), 300);
	/* the crossed wait was cut off where the batch began */
	json_t *w = tt_find(root, "X", "crossed wait", a.tid), *bt = tt_find(root, "X", "crossed batch", a.tid);
	ck_assert(w && bt);
	ck_assert_double_eq_tol(tt_num(w, "ts") + tt_num(w, "dur"), tt_num(bt, "ts"), 1e-6);
	ck_assert_double_ge(tt_num(w, "dur"), 2.0);
	json_decref(root);
	trace_stop();
}
END_TEST

static void tt_record_some(struct tt_thread *th)
{
	for (long i = 0; i < th->arg; i++) {
		trace_complete(th->name, "batch", clock_now_ns(), i);
		trace_counter("fill", th->name, (double)i);
	}
}

START_TEST(metadata_names_the_threads)
{
	trace_start();
	struct tt_thread th[] = {
		{ .name = "alpha-1", .registered = 1, .fn = tt_record_some, .arg = 5 },
		{ .name = "beta-2", .registered = 1, .fn = tt_record_some, .arg = 7 },
		{ .name = "quiet", .registered = 1, .fn = tt_record_some, .arg = 0 },
		{ .name = "a name longer than the registry keeps it", .registered = 1, .fn = tt_record_some, .arg = 1 },
	};
	for (size_t i = 0; i < 4; i++)
		tt_run(&th[i]);
	json_t *root = tt_trace(0);
	for (size_t i = 0; i < 4; i++) {
		size_t want = th[i].arg ? 1 : 0;
		ck_assert_uint_eq(tt_count(root, "M", "thread_name", th[i].tid), want);
		ck_assert_uint_eq(tt_count(root, "M", "thread_sort_index", th[i].tid), want);
		ck_assert_uint_eq(tt_count(root, "X", NULL, th[i].tid), (size_t)th[i].arg);
		if (!want)
			continue;
		json_t *m = tt_find(root, "M", "thread_name", th[i].tid);
		ck_assert_str_eq(tt_str(json_object_get(m, "args"), "name"), th[i].regname);
	}
	ck_assert_str_eq(th[3].regname, "a name longer than the registry");
	json_t *p = tt_find(root, "M", "process_name", 0);
	ck_assert_ptr_nonnull(p);
	ck_assert_str_eq(tt_str(json_object_get(p, "args"), "name"), "nebtop");
	json_decref(root);
	trace_stop();
}
END_TEST

static void tt_record_when_off(struct tt_thread *th)
{
	trace_complete("off", "batch", clock_now_ns(), 1);
	trace_instant("off", "marker");
	trace_counter("off", "a->b", 1);
	th->done = (long)trace_count_bytes();
}

static void tt_record_on_then_off(struct tt_thread *th)
{
	(void)th;
	trace_start();
	trace_complete("on", "batch", clock_now_ns(), 1);
	trace_stop();
	trace_complete("off", "batch", clock_now_ns(), 1);
	trace_instant("off", "marker");
	trace_counter("off", "a->b", 1);
}

START_TEST(nothing_is_recorded_when_off)
{
	trace_stop();
	ck_assert(!trace_is_on());
	size_t before = trace_count_bytes();
	struct tt_thread off = { .name = "off", .registered = 1, .fn = tt_record_when_off };
	tt_run(&off);
	ck_assert_uint_eq((size_t)off.done, before); /* no ring either */
	struct tt_thread flip = { .name = "flip", .registered = 1, .fn = tt_record_on_then_off };
	tt_run(&flip);
	json_t *root = tt_trace(0);
	ck_assert_uint_eq(tt_count(root, NULL, NULL, off.tid), 0);
	ck_assert_uint_eq(tt_count(root, NULL, "off", 0), 0);
	ck_assert_uint_eq(tt_count(root, "X", "on", flip.tid), 1);
	json_decref(root);
	/* threads outside the registry record nothing, tracing on or not */
	trace_start();
	before = trace_count_bytes();
	struct tt_thread stranger = { .name = "stranger", .registered = 0, .fn = tt_record_when_off };
	tt_run(&stranger);
	ck_assert_uint_eq(trace_count_bytes(), before);
	root = tt_trace(0);
	ck_assert_uint_eq(tt_count(root, NULL, "off", 0), 0);
	json_decref(root);
	trace_stop();
}
END_TEST

static _Atomic int tt_stop_recording;
static _Atomic long tt_recorded; /* batches recorded, counted every 8 */

static void tt_record_until_stopped(struct tt_thread *th)
{
	long i = 0;
	while (!atomic_load(&tt_stop_recording) || i < th->arg) {
		uint64_t t0 = clock_now_ns();
		uint64_t tw = clock_now_ns();
		trace_complete("wait in->stage", "wait", tw, -1);
		trace_complete(th->name, "batch", t0, i);
		if (i % 16 == 0)
			trace_counter("fill", th->name, (double)(i % 100) / 100.0);
		if (i % 64 == 0)
			trace_instant("snapshot", "marker");
		if (++i % 8 == 0) {
			atomic_fetch_add(&tt_recorded, 8);
			clock_sleep_ns(50000); /* like a stage, not a spinning loop: leaves the writer CPU */
		}
	}
	th->done = i;
}

START_TEST(recording_while_writing)
{
	trace_start();
	atomic_store(&tt_stop_recording, 0);
	atomic_store(&tt_recorded, 0);
	struct tt_thread th[] = {
		{ .name = "rec-1", .registered = 1, .fn = tt_record_until_stopped, .arg = 20000 },
		{ .name = "rec-2", .registered = 1, .fn = tt_record_until_stopped, .arg = 20000 },
		{ .name = "rec-3", .registered = 1, .fn = tt_record_until_stopped, .arg = 20000 },
	};
	for (size_t i = 0; i < 3; i++)
		tt_start(&th[i]);
	while (atomic_load(&tt_recorded) < 3000)
		clock_sleep_ns(TT_MS);
	/* mostly the last 2 ms (small), once everything (the rings wrap meanwhile) */
	for (int writes = 0; writes < 8; writes++) {
		json_t *root = tt_trace(writes == 4 ? 0 : 2 * TT_MS);
		tt_check_nesting(root);
		json_decref(root);
	}
	atomic_store(&tt_stop_recording, 1);
	for (size_t i = 0; i < 3; i++)
		tt_join(&th[i]);
	json_t *root = tt_trace(0);
	for (size_t i = 0; i < 3; i++) {
		ck_assert_int_ge(th[i].done, 20000);
		/* each batch has its wait: both kinds fill the ring in turn */
		size_t x = tt_count(root, "X", NULL, th[i].tid);
		ck_assert_uint_gt(x, TRACE_RING_EVENTS / 2);
		ck_assert_uint_le(x, TRACE_RING_EVENTS);
		ck_assert_uint_eq(tt_count(root, "M", "thread_name", th[i].tid), 1);
	}
	tt_check_nesting(root);
	json_decref(root);
	trace_stop();
}
END_TEST

#define TT_CALLS 2000000

static double tt_cost_ns(void (*fn)(long), long calls)
{
	uint64_t t0 = clock_now_ns();
	for (long i = 0; i < calls; i++)
		fn(i);
	return (double)(clock_now_ns() - t0) / (double)calls;
}

static uint64_t tt_sink;
static void tt_call_complete(long i) { trace_complete("stage", "batch", tt_sink, i); }
static void tt_call_instant(long i)
{
	(void)i;
	trace_instant("snapshot", "marker");
}
static void tt_call_counter(long i) { trace_counter("fill", "a->b", (double)i); }
static void tt_call_clock(long i)
{
	(void)i;
	tt_sink += clock_now_ns() & 1;
}

static void tt_measure(struct tt_thread *th)
{
	(void)th;
	tt_sink = clock_now_ns();
	trace_stop();
	double off = tt_cost_ns(tt_call_complete, TT_CALLS);
	trace_start();
	trace_complete("warm", "batch", tt_sink, -1); /* allocates the ring */
	double on = tt_cost_ns(tt_call_complete, TT_CALLS);
	double inst = tt_cost_ns(tt_call_instant, TT_CALLS);
	double ctr = tt_cost_ns(tt_call_counter, TT_CALLS);
	trace_stop();
	double clk = tt_cost_ns(tt_call_clock, TT_CALLS);
	fprintf(stderr,
		"test_trace: trace_complete %.1f ns off, %.1f ns on; trace_instant %.1f ns on; "
		"trace_counter %.1f ns on; clock_now_ns alone %.1f ns\n",
		off, on, inst, ctr, clk);
}

START_TEST(cost_of_a_call)
{
	struct tt_thread th = { .name = "measure", .registered = 1, .fn = tt_measure };
	tt_run(&th);
	/* the cost is reported, not asserted; the rings still render */
	json_t *root = tt_trace(0);
	ck_assert_uint_le(tt_count(root, "X", NULL, th.tid), TRACE_RING_EVENTS);
	json_decref(root);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("trace");
	TCase *tc = tcase_create("trace");
	tcase_add_test(tc, records_every_kind);
	tcase_add_test(tc, escapes_any_bytes);
	tcase_add_test(tc, window_leaves_out_old_events);
	tcase_add_test(tc, ring_keeps_the_newest);
	tcase_add_test(tc, complete_events_nest);
	tcase_add_test(tc, metadata_names_the_threads);
	tcase_add_test(tc, nothing_is_recorded_when_off);
	tcase_add_test(tc, recording_while_writing);
	tcase_add_test(tc, cost_of_a_call);
	tcase_set_timeout(tc, 300);
	suite_add_tcase(s, tc);
	return unit_run_suite(s);
}
