/* test_allocs.c: the record path makes no allocation per record in steady
 * state. This binary replaces malloc, calloc, realloc, free, posix_memalign,
 * aligned_alloc, memalign, valloc and pvalloc with counting wrappers around
 * glibc's own (__libc_malloc and friends), runs real pipelines built from
 * INI text (pipeline_build / pipeline_start / pipeline_wait_done /
 * pipeline_finish), and counts the calls made while a fixed number of
 * batches (thousands) goes through once a fixed number has warmed the
 * pipeline up:
 *   (a) generate (unlimited rows) -> cast -> filter -> select -> null;
 *   (b) a 200,000-row CSV file -> json file.
 * The window is counted in batches, by the destination's batch counter, not
 * in time: however slow a loaded machine makes the run, the same batches
 * are measured. The bound is per batch: fewer than one allocation per
 * TEST_BATCHES_PER_ALLOC batches. An allocation per record, or per batch,
 * fails it at once; what may still come is the last growth of the pool's
 * batch buffers (a batch first used late, or meeting a longer chunk), which
 * the pool's size bounds, not the window's length or the machine's load, and
 * which the small batches and buffer here keep far under the bound. Nothing
 * in the test itself allocates inside the window. Record counts and outputs
 * are checked too. Under a sanitizer (which owns malloc) the test is skipped
 * (exit 77).
 *
 * The destinations are paced with rate_limit: the pool hands out the batch
 * returned last, so a batch is used (and grows its buffers) for the first
 * time whenever the queues reach a new depth, which in a free-running
 * pipeline can happen a million records in. A paced destination keeps every
 * channel full, so every batch is in circulation before the window opens,
 * and what is measured is the record path itself. */
#include "autoconfig.h"

#ifdef NEB_SANITIZED

#include <stdio.h>

int main(void)
{
	printf("test_allocs: skipped: malloc cannot be interposed under a sanitizer\n");
	return 77;
}

#else

#include <check.h>
#include <errno.h>
#include <malloc.h>
#include <sched.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pipeline/pipeline.h"
#include "pipeline/tmetrics.h"
#include "src/config/config.h"
#include "tests/unit/unit_main.h"
#include "tests/unit/unit_time.h"

/* ---- counting allocator ------------------------------------------------------- */

extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t n);
extern void __libc_free(void *p);
extern void *__libc_memalign(size_t align, size_t n);
extern void *__libc_valloc(size_t n);
extern void *__libc_pvalloc(size_t n);

static _Atomic uint64_t test_nallocs, test_nfrees;

static void test_count_alloc(void) { atomic_fetch_add_explicit(&test_nallocs, 1, memory_order_relaxed); }

void *malloc(size_t n)
{
	test_count_alloc();
	return __libc_malloc(n);
}

void *calloc(size_t n, size_t size)
{
	test_count_alloc();
	return __libc_calloc(n, size);
}

void *realloc(void *p, size_t n)
{
	test_count_alloc();
	return __libc_realloc(p, n);
}

void free(void *p)
{
	if (p)
		atomic_fetch_add_explicit(&test_nfrees, 1, memory_order_relaxed);
	__libc_free(p);
}

void *memalign(size_t align, size_t n)
{
	test_count_alloc();
	return __libc_memalign(align, n);
}

void *aligned_alloc(size_t align, size_t n)
{
	test_count_alloc();
	return __libc_memalign(align, n);
}

int posix_memalign(void **out, size_t align, size_t n)
{
	test_count_alloc();
	if (align < sizeof(void *) || (align & (align - 1)))
		return EINVAL;
	/* *out is left alone on a failure */
	void *p = __libc_memalign(align, n);
	if (p)
		*out = p;
	return p ? 0 : ENOMEM;
}

void *valloc(size_t n)
{
	test_count_alloc();
	return __libc_valloc(n);
}

void *pvalloc(size_t n)
{
	test_count_alloc();
	return __libc_pvalloc(n);
}

static uint64_t test_allocs_now(void) { return atomic_load_explicit(&test_nallocs, memory_order_relaxed); }
static uint64_t test_frees_now(void) { return atomic_load_explicit(&test_nfrees, memory_order_relaxed); }

/* ---- helpers ------------------------------------------------------------------- */

/* Deadlock guard: generous, never a timing test. */
#define TEST_GUARD_NS (300ull * 1000000000ull)
/* Allowed: fewer than one allocation (and one free) per this many batches
 * of the window, as the destination's threads count them (where it has
 * encoder threads, as json does, the encoder and the writer each count a
 * batch: 1,500 counted are 750 batches). The pool's late growth stayed under
 * 120 calls on a machine loaded 7 times over its cores, against the windows'
 * 4,000 and 1,500 counted (bounds 1,000 and 375); one allocation per batch
 * is 2 to 4 times the bound, one per record 100 to 400 times. */
#define TEST_BATCHES_PER_ALLOC 4

static char test_dir[64];

/* A stage's counter summed over its threads (relaxed loads; no allocation). */
static uint64_t test_stage_sum(struct pipeline *p, size_t stage, size_t field_offset)
{
	const struct stage_info *si = pipeline_get_stage(p, stage);
	uint64_t sum = 0;
	for (int k = 0; k < si->nthreads; k++)
		sum += tmetrics_get((const _Atomic uint64_t *)(const void *)((const char *)&si->threads[k] + field_offset));
	return sum;
}

#define STAGE_SUM(p, stage, field) test_stage_sum((p), (stage), offsetof(struct tmetrics, field))

/* Waits (without allocating) until the destination has finished `n`
 * batches, polling by yielding the CPU; 0 when it has, -1 when the pipeline
 * ended first or the guard ran out. */
static int test_wait_batches(struct pipeline *p, uint64_t n)
{
	size_t dst = pipeline_count_stages(p) - 1;
	uint64_t t0 = clock_now_ns();
	while (STAGE_SUM(p, dst, batches) < n) {
		if (pipeline_wait_done(p, 0) || clock_now_ns() - t0 > TEST_GUARD_NS)
			return STAGE_SUM(p, dst, batches) >= n ? 0 : -1;
		sched_yield();
	}
	return 0;
}

struct test_window {
	uint64_t batches, records, allocs, frees;
};

/* Measures while `count` batches go through the destination, once `warm`
 * have (counted from the start of the run): the window holds at least
 * `count` batches, however long they take. */
static int test_measure(struct pipeline *p, uint64_t warm, uint64_t count, struct test_window *w)
{
	size_t dst = pipeline_count_stages(p) - 1;
	if (test_wait_batches(p, warm))
		return -1;
	uint64_t b0 = STAGE_SUM(p, dst, batches), r0 = STAGE_SUM(p, dst, records_in);
	uint64_t a0 = test_allocs_now(), f0 = test_frees_now();
	if (test_wait_batches(p, b0 + count))
		return -1;
	uint64_t a1 = test_allocs_now(), f1 = test_frees_now();
	w->batches = STAGE_SUM(p, dst, batches) - b0;
	w->records = STAGE_SUM(p, dst, records_in) - r0;
	w->allocs = a1 - a0;
	w->frees = f1 - f0;
	return 0;
}

/* The bound: fewer than one allocation, and one free, per
 * TEST_BATCHES_PER_ALLOC batches of the window. */
static void test_check_window(const char *what, const struct test_window *w, uint64_t count)
{
	printf("test_allocs: %s: %llu allocations, %llu frees over %llu batches (%llu records)\n", what,
	       (unsigned long long)w->allocs, (unsigned long long)w->frees, (unsigned long long)w->batches,
	       (unsigned long long)w->records);
	ck_assert_uint_ge(w->batches, count);
	ck_assert_msg(w->allocs * TEST_BATCHES_PER_ALLOC < w->batches,
		      "%s: %llu allocations over %llu batches (%llu records) in steady state: one per %d batches "
		      "at most",
		      what, (unsigned long long)w->allocs, (unsigned long long)w->batches,
		      (unsigned long long)w->records, TEST_BATCHES_PER_ALLOC);
	ck_assert_msg(w->frees * TEST_BATCHES_PER_ALLOC < w->batches,
		      "%s: %llu frees over %llu batches (%llu records) in steady state: one per %d batches at most",
		      what, (unsigned long long)w->frees, (unsigned long long)w->batches,
		      (unsigned long long)w->records, TEST_BATCHES_PER_ALLOC);
}

static struct pipeline *test_build_start(struct config *c, const char *ini)
{
	struct errbuf e;
	config_init(c);
	ck_assert_msg(config_load_string(c, ini, "allocs.ini", &e) == 0, "%s", e.msg);
	ck_assert_msg(config_resolve(c, &e) == 0, "%s", e.msg);
	struct pipeline *p = config_build_pipeline(c, &e);
	ck_assert_msg(p != NULL, "build: %s", p ? "" : e.msg);
	ck_assert_msg(pipeline_start(p, &e) == 0, "start: %s", e.msg);
	return p;
}

static void test_finish(struct pipeline *p)
{
	ck_assert_msg(pipeline_wait_done(p, TEST_GUARD_NS), "the pipeline did not end");
	struct errbuf e;
	ck_assert_msg(pipeline_finish(p, &e) == 0, "finish: %s", e.msg);
	ck_assert_int_eq(pipeline_get_state(p), PSTATE_FINISHED);
}

/* Builds and starts the pipeline of ini, measures as test_measure does,
 * then stops the pipeline and waits for its end. */
static struct pipeline *test_run_window(struct config *c, const char *ini, uint64_t warm, uint64_t count,
					struct test_window *w)
{
	struct pipeline *p = test_build_start(c, ini);
	int rc = test_measure(p, warm, count, w);
	pipeline_request_stop(p, "test done");
	ck_assert_msg(rc == 0, "the records did not flow");
	test_finish(p);
	return p;
}

/* ---- tests ----------------------------------------------------------------------- */

START_TEST(test_counter_counts)
{
	/* the wrappers are the ones in use: the test can see an allocation */
	void *(*volatile alloc)(size_t) = malloc;
	void (*volatile release)(void *) = free;
	uint64_t a0 = test_allocs_now(), f0 = test_frees_now();
	void *p = alloc(64);
	ck_assert_ptr_nonnull(p);
	release(p);
	char *s = strdup("counted too"); /* glibc's own callers go through them */
	ck_assert_ptr_nonnull(s);
	free(s);
	void *q = NULL;
	ck_assert_int_eq(posix_memalign(&q, 64, 100), 0);
	ck_assert_uint_eq((uintptr_t)q % 64, 0);
	free(q);
	ck_assert_uint_ge(test_allocs_now() - a0, 3);
	ck_assert_uint_ge(test_frees_now() - f0, 3);
}
END_TEST

START_TEST(test_generate_transform_null)
{
	static const char ini[] = "[pipeline]\n"
				  "batch = 100\n"
				  "buffer = 1000\n"
				  "workers = 2\n"
				  "[source]\n"
				  "type = generate\n"
				  "rows = 0\n"
				  "columns = 6\n"
				  "[stage.typed]\n"
				  "type = cast\n"
				  "field = col1, col3\n"
				  "to = float\n"
				  "[stage.keep]\n"
				  "type = filter\n"
				  "field = col2\n"
				  "op = ne\n"
				  "value = alpha\n"
				  "[stage.pick]\n"
				  "type = select\n"
				  "fields = col4, col1, col2\n"
				  "[destination]\n"
				  "type = null\n"
				  "rate_limit = 2000000\n";
	struct config c;
	struct test_window w;
	struct pipeline *p = test_run_window(&c, ini, 1000, 4000, &w);
	test_check_window("generate -> cast -> filter -> select -> null", &w, 4000);
	/* every record accounted for: what the source made went through the
	 * cast, about 1 in 16 was filtered (col2 = alpha), the rest written */
	uint64_t made = STAGE_SUM(p, 0, records_out), cast_in = STAGE_SUM(p, 1, records_in);
	uint64_t keep_in = STAGE_SUM(p, 2, records_in), keep_out = STAGE_SUM(p, 2, records_out);
	uint64_t filtered = STAGE_SUM(p, 2, filtered), written = STAGE_SUM(p, 4, records_in);
	ck_assert_uint_ge(made, 500000);
	ck_assert_uint_eq(cast_in, made);
	ck_assert_uint_eq(STAGE_SUM(p, 1, errors), 0);
	ck_assert_uint_eq(keep_in, made);
	ck_assert_uint_eq(keep_in, keep_out + filtered);
	ck_assert_uint_gt(filtered, made / 32);
	ck_assert_uint_lt(filtered, made / 8);
	ck_assert_uint_eq(STAGE_SUM(p, 3, records_out), keep_out);
	ck_assert_uint_eq(written, keep_out);
	pipeline_free(p);
	config_free(&c);
}
END_TEST

START_TEST(test_detects_per_record_allocation)
{
	/* the control: the alloc load-test stage mallocs and frees a block per
	 * record, and the same measurement sees one allocation per record */
	static const char ini[] = "[pipeline]\nbatch = 1000\nworkers = 2\n"
				  "[source]\ntype = generate\nrows = 0\ncolumns = 4\n"
				  "[stage.churn]\ntype = alloc\nbytes_per_record = 64\n"
				  "[destination]\ntype = null\nrate_limit = 2000000\n";
	struct config c;
	struct test_window w;
	struct pipeline *p = test_run_window(&c, ini, 100, 200, &w);
	printf("test_allocs: control (alloc stage): %llu allocations, %llu frees over %llu batches (%llu records)\n",
	       (unsigned long long)w.allocs, (unsigned long long)w.frees, (unsigned long long)w.batches,
	       (unsigned long long)w.records);
	ck_assert_uint_ge(w.records, 150000);
	/* and the bound the other tests apply sees it */
	ck_assert_uint_ge(w.allocs * TEST_BATCHES_PER_ALLOC, w.batches);
	ck_assert_uint_ge(w.allocs, w.records / 2);
	ck_assert_uint_ge(w.frees, w.records / 2);
	pipeline_free(p);
	config_free(&c);
}
END_TEST

#define CSV_ROWS 200000

static const char *const test_words[] = { "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel" };

/* Writes the CSV input: a header and CSV_ROWS rows, some with quoted fields. */
static void test_write_csv(const char *path)
{
	FILE *f = fopen(path, "w");
	ck_assert_msg(f != NULL, "cannot create %s", path);
	fputs("id,name,amount,ts,note\n", f);
	for (unsigned i = 1; i <= CSV_ROWS; i++) {
		unsigned h = i * 2654435761u;
		fprintf(f, "%u,%s,%u.%02u,2025-%02u-%02uT%02u:%02u:%02uZ,", i, test_words[h % 8], h % 100000, h % 100,
			h % 12 + 1, h % 28 + 1, h % 24, h % 60, (h >> 8) % 60);
		if (i % 10 == 0)
			fprintf(f, "\"quoted, with \"\"quotes\"\" %u\"\n", i);
		else
			fprintf(f, "plain note %u\n", i);
	}
	ck_assert_int_eq(fclose(f), 0);
}

START_TEST(test_csv_to_json)
{
	char in[128], out[128], ini[512];
	snprintf(in, sizeof in, "%s/in.csv", test_dir);
	snprintf(out, sizeof out, "%s/out.json", test_dir);
	test_write_csv(in);
	snprintf(ini, sizeof ini,
		 "[pipeline]\nbatch = 100\nbuffer = 1000\nworkers = 2\n"
		 "[source]\ntype = csv\nfile_path = %s\n"
		 "[destination]\ntype = json\nfile_path = %s\nrate_limit = 500000\n",
		 in, out);
	struct config c;
	struct pipeline *p = test_build_start(&c, ini);
	struct test_window w;
	/* 2,000 batches of 100 records: 300 to warm up, 1,500 measured (the
	 * rest ends the run) */
	int rc = test_measure(p, 300, 1500, &w);
	ck_assert_msg(rc == 0, "the records did not flow");
	test_finish(p);
	test_check_window("csv -> json", &w, 1500);
	/* all of it went through and was written, in order */
	ck_assert_uint_eq(STAGE_SUM(p, 0, records_out), CSV_ROWS);
	ck_assert_uint_eq(STAGE_SUM(p, 0, errors), 0);
	ck_assert_uint_eq(STAGE_SUM(p, 1, records_in), CSV_ROWS);
	ck_assert_uint_eq(STAGE_SUM(p, 1, records_out), CSV_ROWS);
	pipeline_free(p);
	config_free(&c);
	FILE *f = fopen(out, "r");
	ck_assert_msg(f != NULL, "no output %s", out);
	char line[512];
	unsigned n = 0;
	while (fgets(line, sizeof line, f)) {
		n++;
		if (n == 1)
			ck_assert_msg(!strncmp(line, "{\"id\":\"1\",\"name\":\"", 18), "first line: %s", line);
		if (n == 10)
			ck_assert_msg(strstr(line, "\"note\":\"quoted, with \\\"quotes\\\" 10\"}") != NULL, "line 10: %s",
				      line);
		if (n == CSV_ROWS) {
			char want[32];
			snprintf(want, sizeof want, "{\"id\":\"%u\",", CSV_ROWS);
			ck_assert_msg(!strncmp(line, want, strlen(want)), "last line: %s", line);
		}
	}
	fclose(f);
	ck_assert_uint_eq(n, CSV_ROWS);
	unlink(in);
	unlink(out);
}
END_TEST

static Suite *allocs_suite(void)
{
	Suite *s = suite_create("allocs");
	TCase *tc = tcase_create("steady-state");
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, test_counter_counts);
	tcase_add_test(tc, test_detects_per_record_allocation);
	tcase_add_test(tc, test_generate_transform_null);
	tcase_add_test(tc, test_csv_to_json);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	snprintf(test_dir, sizeof test_dir, "/tmp/nebtop-test-allocs-XXXXXX");
	if (!mkdtemp(test_dir)) {
		fprintf(stderr, "test_allocs: cannot make a test folder: %s\n", strerror(errno));
		return EXIT_FAILURE;
	}
	int failed = unit_run_suite(allocs_suite()) != EXIT_SUCCESS;
	char path[128];
	snprintf(path, sizeof path, "%s/in.csv", test_dir);
	unlink(path);
	snprintf(path, sizeof path, "%s/out.json", test_dir);
	unlink(path);
	snprintf(path, sizeof path, "%s/out.json.part", test_dir);
	unlink(path);
	rmdir(test_dir);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif
