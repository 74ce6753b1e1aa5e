/* test_tui_model.c: the front end's model (tui/model.c) without ncurses:
 * bars in cells (UTF-8 eighth blocks and ASCII) at 0, 0.3, 0.5 and 1, with
 * clamping and truncation to a short buffer at a character boundary;
 * sparklines (levels scaled to the points shown, left padding, all zero);
 * histories pushed past TUI_HISTORY; the fill bands' edges; and
 * tui_model_update over a real generate -> spin -> null run: stages,
 * totals, route, state, one history point, the selected stage's histogram
 * (every batch counted, percentiles in order), the clamped selection,
 * channels, and peaks since a reset; tui_text_fit cutting at words with an
 * ellipsis (UTF-8 and ASCII), tui_text_wrap keeping every word; the alerts
 * from made-up findings: whole (every figure and suggestion), the selected
 * one following its finding, and the stage marked the bottleneck only when
 * the primary finding is that stage; the selected stage's what-if results
 * (its own, by index and name, with the control, the gains and what they
 * tell); the view nebtop attach reads (tui/view.c): a run's view read back
 * equal to the model (its what-if block too), alerts whole and followed,
 * what is not a view refused, fields cut to their size. */
#include "autoconfig.h"

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>

#include "pipeline/pipeline.h"
#include "pipeline/sampler.h"
#include "src/analyze/analyzer.h"
#include "src/analyze/whatif_run.h"
#include "src/config/config.h"
#include "tests/unit/unit_main.h"
#include "tui/drain.h"
#include "tui/model.h"
#include "tui/view.h"
#include "src/base/buf.h"
#include "src/base/secrets.h"

#define FULL "\u2588"
#define GUARD_NS (120ull * 1000000000ull)

/* Cells of a UTF-8 string: the bytes that start a character. */
static size_t cells(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

/* tui_text_fit: whole when it fits; else cut at a word with an ellipsis
 * that fits too; a long word cut inside; ASCII dots outside UTF-8. */
START_TEST(text_fit_at_words)
{
	char out[128];
	const char *t = "Function 'spin' consuming 74.1% of CPU time";
	tui_text_fit(out, sizeof out, t, 60, 1);
	ck_assert_str_eq(out, t);
	tui_text_fit(out, sizeof out, t, 33, 1);
	ck_assert_str_eq(out, "Function 'spin' consuming 74.1%\u2026");
	ck_assert_int_le(tui_text_cells(out), 33);
	tui_text_fit(out, sizeof out, t, 30, 1); /* inside "74.1%": the number goes whole */
	ck_assert_str_eq(out, "Function 'spin' consuming\u2026");
	tui_text_fit(out, sizeof out, t, 30, 0);
	ck_assert_str_eq(out, "Function 'spin' consuming...");
	tui_text_fit(out, sizeof out, "a, b; cccc", 8, 1); /* no stop sign before the ellipsis */
	ck_assert_str_eq(out, "a, b\u2026");
	tui_text_fit(out, sizeof out, "abcdefghijklmnop", 8, 1); /* one long word: cut inside */
	ck_assert_str_eq(out, "abcdefg\u2026");
	tui_text_fit(out, sizeof out, "\u2588\u2588\u2588\u2588", 3, 0);
	ck_assert_int_eq(tui_text_cells(out), 3);
	ck_assert_uint_eq(tui_text_bytes("a\u2588b", 2), 4);
}
END_TEST

static void bar(char *dst, size_t n, double frac, int utf8)
{
	memset(dst, 'X', n);
	tui_bar_text(dst, n, frac, 10, utf8);
}

/* --- bars ----------------------------------------------------------------------- */

START_TEST(bar_utf8)
{
	char b[128];
	bar(b, sizeof b, 0, 1);
	ck_assert_str_eq(b, "          ");
	bar(b, sizeof b, 0.5, 1);
	ck_assert_str_eq(b, FULL FULL FULL FULL FULL "     ");
	bar(b, sizeof b, 1, 1);
	ck_assert_str_eq(b, FULL FULL FULL FULL FULL FULL FULL FULL FULL FULL);
	bar(b, sizeof b, 0.3, 1);
	ck_assert_str_eq(b, FULL FULL FULL "       ");
	ck_assert_uint_eq(cells(b), 10);
	/* 0.33 of 10 cells: 26 eighths = 3 full cells and a quarter block */
	bar(b, sizeof b, 0.33, 1);
	ck_assert_str_eq(b, FULL FULL FULL "\u258e      ");
	ck_assert_uint_eq(cells(b), 10);
	/* 0.05: 4 eighths, a half block alone */
	bar(b, sizeof b, 0.05, 1);
	ck_assert_str_eq(b, "\u258c         ");
	/* 0.0125: 1 eighth */
	bar(b, sizeof b, 0.0125, 1);
	ck_assert_str_eq(b, "\u258f         ");
	/* clamped */
	bar(b, sizeof b, -1, 1);
	ck_assert_str_eq(b, "          ");
	bar(b, sizeof b, 2.5, 1);
	ck_assert_str_eq(b, FULL FULL FULL FULL FULL FULL FULL FULL FULL FULL);
	for (int i = 0; i <= 100; i++) {
		bar(b, sizeof b, i / 100.0, 1);
		ck_assert_msg(cells(b) == 10, "frac %.2f: %zu cells", i / 100.0, cells(b));
	}
}
END_TEST

START_TEST(bar_ascii)
{
	char b[64];
	bar(b, sizeof b, 0, 0);
	ck_assert_str_eq(b, "          ");
	bar(b, sizeof b, 0.5, 0);
	ck_assert_str_eq(b, "#####     ");
	bar(b, sizeof b, 1, 0);
	ck_assert_str_eq(b, "##########");
	bar(b, sizeof b, 0.3, 0);
	ck_assert_str_eq(b, "###       ");
	bar(b, sizeof b, 0.36, 0); /* rounded to the nearest cell */
	ck_assert_str_eq(b, "####      ");
	bar(b, sizeof b, 0.34, 0);
	ck_assert_str_eq(b, "###       ");
	bar(b, sizeof b, -0.5, 0);
	ck_assert_str_eq(b, "          ");
	bar(b, sizeof b, 7, 0);
	ck_assert_str_eq(b, "##########");
	for (int i = 0; i <= 100; i++) {
		bar(b, sizeof b, i / 100.0, 0);
		ck_assert_uint_eq(strlen(b), 10);
	}
}
END_TEST

START_TEST(bar_truncated)
{
	char b[16];
	/* a full block is 3 bytes: 5 bytes hold one and the NUL */
	bar(b, 5, 1, 1);
	ck_assert_str_eq(b, FULL);
	bar(b, 7, 1, 1);
	ck_assert_str_eq(b, FULL FULL);
	bar(b, 3, 1, 1);
	ck_assert_str_eq(b, "");
	/* a block then a partial one that does not fit */
	bar(b, 6, 0.15, 1);
	ck_assert_str_eq(b, FULL);
	bar(b, 4, 0.5, 0);
	ck_assert_str_eq(b, "###");
	bar(b, 8, 0.5, 0);
	ck_assert_str_eq(b, "#####  ");
	bar(b, 1, 0.5, 0);
	ck_assert_str_eq(b, "");
	bar(b, 1, 0.5, 1);
	ck_assert_str_eq(b, "");
	/* n = 0 writes nothing */
	memset(b, 'X', sizeof b);
	tui_bar_text(b, 0, 1, 10, 1);
	ck_assert_int_eq(b[0], 'X');
	/* no width, no cells */
	bar(b, sizeof b, 1, 1);
	tui_bar_text(b, sizeof b, 1, 0, 1);
	ck_assert_str_eq(b, "");
}
END_TEST

/* --- sparklines and histories ----------------------------------------------------- */

START_TEST(sparkline_levels)
{
	struct tui_history h = { .n = 0 };
	for (int i = 0; i < 8; i++)
		tui_history_push(&h, i * 10.0);
	char b[128];
	tui_sparkline_text(b, sizeof b, &h, 8, 1);
	ck_assert_str_eq(b, "\u2581\u2582\u2583\u2584\u2585\u2586\u2587\u2588");
	tui_sparkline_text(b, sizeof b, &h, 8, 0);
	ck_assert_str_eq(b, " .:-=+*#");
	/* wider than the history: padded on the left */
	tui_sparkline_text(b, sizeof b, &h, 10, 0);
	ck_assert_str_eq(b, "   .:-=+*#");
	tui_sparkline_text(b, sizeof b, &h, 10, 1);
	ck_assert_str_eq(b, "  \u2581\u2582\u2583\u2584\u2585\u2586\u2587\u2588");
	ck_assert_uint_eq(cells(b), 10);
	/* the last width points, scaled to their own max (the 1000 is not shown) */
	struct tui_history g = { .n = 0 };
	tui_history_push(&g, 1000);
	tui_history_push(&g, 0);
	tui_history_push(&g, 1);
	tui_history_push(&g, 2);
	tui_sparkline_text(b, sizeof b, &g, 3, 1);
	ck_assert_str_eq(b, "\u2581\u2585\u2588");
	tui_sparkline_text(b, sizeof b, &g, 3, 0);
	ck_assert_str_eq(b, " =#");
	tui_sparkline_text(b, sizeof b, &g, 4, 0); /* with the 1000: the rest is near nothing */
	ck_assert_str_eq(b, "#   ");
	/* all zero: the lowest level */
	struct tui_history z = { .n = 0 };
	for (int i = 0; i < 3; i++)
		tui_history_push(&z, 0);
	tui_sparkline_text(b, sizeof b, &z, 3, 1);
	ck_assert_str_eq(b, "\u2581\u2581\u2581");
	/* empty: spaces */
	struct tui_history e = { .n = 0 };
	tui_sparkline_text(b, sizeof b, &e, 4, 1);
	ck_assert_str_eq(b, "    ");
	/* truncated at a character boundary */
	tui_sparkline_text(b, 8, &h, 8, 1);
	ck_assert_str_eq(b, "\u2581\u2582");
	tui_sparkline_text(b, 4, &h, 8, 0);
	ck_assert_str_eq(b, " .:");
}
END_TEST

START_TEST(history_push_past_capacity)
{
	struct tui_history h = { .n = 0 };
	ck_assert_double_eq(tui_history_max(&h), 0);
	for (int i = 0; i < TUI_HISTORY + 5; i++)
		tui_history_push(&h, (double)i);
	ck_assert_uint_eq(h.n, TUI_HISTORY);
	ck_assert_double_eq(h.v[0], 5); /* the 5 oldest dropped */
	ck_assert_double_eq(h.v[TUI_HISTORY - 1], TUI_HISTORY + 4);
	for (size_t i = 1; i < h.n; i++)
		ck_assert_double_eq(h.v[i], h.v[i - 1] + 1);
	ck_assert_double_eq(tui_history_max(&h), TUI_HISTORY + 4);
	struct tui_history one = { .n = 0 };
	tui_history_push(&one, 3.5);
	ck_assert_uint_eq(one.n, 1);
	ck_assert_double_eq(tui_history_max(&one), 3.5);
}
END_TEST

START_TEST(band_edges)
{
	ck_assert_int_eq(tui_band_of_fill(0), TUI_BAND_OK);
	ck_assert_int_eq(tui_band_of_fill(60), TUI_BAND_OK);
	ck_assert_int_eq(tui_band_of_fill(60.1), TUI_BAND_MEDIUM);
	ck_assert_int_eq(tui_band_of_fill(85), TUI_BAND_MEDIUM);
	ck_assert_int_eq(tui_band_of_fill(85.1), TUI_BAND_HIGH);
	ck_assert_int_eq(tui_band_of_fill(150), TUI_BAND_HIGH);
}
END_TEST

/* --- the update over a real run ------------------------------------------------------ */

struct run {
	struct config c;
	struct pipeline *p;
	struct sampler *s;
	struct tui_model *m;
};

/* generate 20000 rows -> spin -> null, run to the end. */
static void run_start(struct run *r)
{
	static const char ini[] = "[pipeline]\n"
				  "name = tuitest\n"
				  "batch = 1000\n"
				  "workers = 2\n"
				  "[source]\n"
				  "type = generate\n"
				  "rows = 20000\n"
				  "columns = 4\n"
				  "[stage.x]\n"
				  "type = spin\n"
				  "us_per_record = 1\n"
				  "[destination]\n"
				  "type = null\n";
	struct errbuf e;
	config_init(&r->c);
	ck_assert_msg(config_load_string(&r->c, ini, "tui.ini", &e) == 0, "%s", e.msg);
	ck_assert_msg(config_resolve(&r->c, &e) == 0, "%s", e.msg);
	r->p = config_build_pipeline(&r->c, &e);
	ck_assert_msg(r->p != NULL, "build: %s", r->p ? "" : e.msg);
	r->s = sampler_create(r->p, 10000000ull, 1024);
	ck_assert_int_eq(sampler_start(r->s), 0);
	ck_assert_msg(pipeline_start(r->p, &e) == 0, "start: %s", e.msg);
	ck_assert_msg(pipeline_wait_done(r->p, GUARD_NS), "the pipeline did not end");
	ck_assert_msg(pipeline_finish(r->p, &e) == 0, "finish: %s", e.msg);
	sampler_stop(r->s);
	r->m = calloc(1, sizeof *r->m);
	ck_assert_ptr_nonnull(r->m);
}

static void run_end(struct run *r)
{
	free(r->m);
	sampler_free(r->s);
	pipeline_free(r->p);
	config_free(&r->c);
}

/* batches the latest sample counts for a stage */
static uint64_t run_batches(struct run *r, size_t stage)
{
	sampler_lock(r->s);
	uint64_t n = sampler_latest(r->s)->stages[stage].batches;
	sampler_unlock(r->s);
	return n;
}

START_TEST(update_after_run)
{
	struct run r;
	run_start(&r);
	struct tui_model *m = r.m;
	tui_model_update(m, r.p, r.s, NULL, NULL, 1);
	ck_assert_str_eq(m->pipeline, "tuitest");
	ck_assert_uint_eq(m->nstages, 3);
	ck_assert_str_eq(m->stages[0].name, "source");
	ck_assert_str_eq(m->stages[1].name, "x");
	ck_assert_str_eq(m->stages[2].name, "destination");
	ck_assert_str_eq(m->stages[0].type, "generate");
	ck_assert_str_eq(m->stages[1].type, "spin");
	ck_assert_str_eq(m->stages[2].type, "null");
	ck_assert_int_eq(m->stages[0].kind, STAGE_SOURCE);
	ck_assert_int_eq(m->stages[1].kind, STAGE_TRANSFORM);
	ck_assert_int_eq(m->stages[2].kind, STAGE_DESTINATION);
	ck_assert_int_eq(m->stages[1].threads, 2);
	for (size_t i = 0; i < m->nstages; i++) {
		ck_assert_int_eq(m->stages[i].bottleneck, 0); /* no analyzer */
		ck_assert_uint_eq(m->stages[i].errors, 0);
		ck_assert(m->stages[i].p50_ns <= m->stages[i].p99_ns);
		ck_assert(m->stages[i].p99_ns <= m->stages[i].max_ns);
	}
	/* a run shorter than a second: the last second is all of it, every stage
	 * moved the 20000 records over the same time */
	ck_assert_double_gt(m->records_per_sec, 0);
	if (m->elapsed_s < 0.9) {
		ck_assert_double_eq_tol(m->stages[0].rate, m->records_per_sec, 1e-6 * m->records_per_sec);
		ck_assert_double_eq_tol(m->stages[1].rate, m->records_per_sec, 1e-6 * m->records_per_sec);
		ck_assert_double_eq_tol(m->stages[2].rate, m->records_per_sec, 1e-6 * m->records_per_sec);
	}
	/* spinning 1 us per record over 1000-record batches: each batch takes at least 1 ms */
	ck_assert_uint_ge(m->stages[1].p50_ns, 900000);
	ck_assert_uint_eq(m->in, 20000);
	ck_assert_uint_eq(m->out, 20000);
	ck_assert_uint_eq(m->filtered, 0);
	ck_assert_uint_eq(m->errors, 0);
	ck_assert_msg(strstr(m->route, "generate") && strstr(m->route, "null") && strstr(m->route, " -> "),
		      "route %s", m->route);
	ck_assert_msg(strstr(m->route, "generate") < strstr(m->route, "null"), "route %s", m->route);
	ck_assert_str_eq(m->state, "finished");
	ck_assert_int_eq(m->workers, 2);
	ck_assert_str_eq(m->types, "cpu,memory");
	ck_assert(m->elapsed_s > 0);
	ck_assert_uint_eq(m->rate.n, 1);
	ck_assert_uint_eq(m->alloc.n, 1);
	ck_assert_double_eq(m->rate.v[0], m->records_per_sec);
	/* the selected stage (0, the source) has a histogram of every batch it read */
	ck_assert_uint_eq(m->selected, 0);
	uint64_t sum = 0;
	for (size_t i = 0; i < m->nbuckets; i++)
		sum += m->buckets[i].count;
	ck_assert_uint_eq(sum, run_batches(&r, 0));
	/* channels */
	ck_assert_uint_eq(m->nchannels, 2);
	ck_assert_str_eq(m->channels[0].name, "source->x");
	ck_assert_str_eq(m->channels[1].name, "x->destination");
	for (size_t i = 0; i < m->nchannels; i++) {
		ck_assert_uint_gt(m->channels[i].capacity, 0);
		ck_assert(m->channels[i].avg_pct >= 0);
		ck_assert(m->channels[i].avg_pct <= m->channels[i].max_pct);
		ck_assert_double_eq(m->channels[i].fill_pct, 0); /* drained */
		ck_assert_int_eq(m->channels[i].band, TUI_BAND_OK);
	}
	/* no profiler, no analyzer */
	ck_assert_double_eq(m->allocator_pct, -1);
	ck_assert_uint_eq(m->nfns, 0);
	ck_assert_uint_eq(m->nalerts, 0);
	ck_assert_uint_gt(m->rss, 0);
	ck_assert_uint_ge(m->rss_peak, m->rss);
	/* without push, no new point; with it, one more */
	tui_model_update(m, r.p, r.s, NULL, NULL, 0);
	ck_assert_uint_eq(m->rate.n, 1);
	tui_model_update(m, r.p, r.s, NULL, NULL, 1);
	ck_assert_uint_eq(m->rate.n, 2);
	run_end(&r);
}
END_TEST

START_TEST(update_histogram_of_selected)
{
	struct run r;
	run_start(&r);
	struct tui_model *m = r.m;
	m->selected = 1;
	tui_model_update(m, r.p, r.s, NULL, NULL, 0);
	ck_assert_uint_eq(m->selected, 1);
	ck_assert_uint_gt(m->nbuckets, 0);
	ck_assert_uint_le(m->nbuckets, TUI_MAX_BUCKETS);
	uint64_t sum = 0;
	for (size_t i = 0; i < m->nbuckets; i++) {
		sum += m->buckets[i].count;
		ck_assert_uint_lt(m->buckets[i].lo_ns, m->buckets[i].hi_ns);
		if (i)
			ck_assert_uint_eq(m->buckets[i].lo_ns, m->buckets[i - 1].hi_ns);
	}
	/* the ends of the range are not empty */
	ck_assert_uint_gt(m->buckets[0].count, 0);
	ck_assert_uint_gt(m->buckets[m->nbuckets - 1].count, 0);
	uint64_t batches = run_batches(&r, 1);
	ck_assert_uint_eq(batches, 20); /* 20000 rows in batches of 1000 */
	ck_assert_uint_eq(sum, batches);
	ck_assert_uint_gt(m->p50_ns, 0);
	ck_assert(m->p50_ns <= m->p90_ns);
	ck_assert(m->p90_ns <= m->p99_ns);
	ck_assert(m->p99_ns <= m->p999_ns);
	ck_assert(m->p999_ns <= m->max_ns);
	ck_assert_uint_ge(m->max_ns, m->buckets[m->nbuckets - 1].lo_ns);
	ck_assert_uint_le(m->buckets[0].lo_ns, m->p50_ns);
	/* the stage row shows the same whole-run percentiles */
	ck_assert_uint_eq(m->stages[1].max_ns, m->max_ns);
	ck_assert_uint_eq(m->stages[1].p99_ns, m->p99_ns);
	run_end(&r);
}
END_TEST

START_TEST(update_clamps_selected)
{
	struct run r;
	run_start(&r);
	struct tui_model *m = r.m;
	m->selected = 99;
	tui_model_update(m, r.p, r.s, NULL, NULL, 0);
	ck_assert_uint_eq(m->selected, 2);
	/* the histogram is the destination's */
	uint64_t sum = 0;
	for (size_t i = 0; i < m->nbuckets; i++)
		sum += m->buckets[i].count;
	ck_assert_uint_gt(sum, 0);
	ck_assert_uint_eq(m->max_ns, m->stages[2].max_ns);
	run_end(&r);
}
END_TEST

START_TEST(update_keeps_caller_fields)
{
	struct run r;
	run_start(&r);
	struct tui_model *m = r.m;
	m->snapshots = 3;
	snprintf(m->last_snapshot, sizeof m->last_snapshot, "profiles/report_x.txt");
	snprintf(m->status, sizeof m->status, "snapshot written");
	m->fn_for_stage = 1;
	tui_history_push(&m->rate, 42);
	tui_model_update(m, r.p, r.s, NULL, NULL, 0);
	ck_assert_uint_eq(m->snapshots, 3);
	ck_assert_str_eq(m->last_snapshot, "profiles/report_x.txt");
	ck_assert_str_eq(m->status, "snapshot written");
	ck_assert_int_eq(m->fn_for_stage, 1);
	ck_assert_uint_eq(m->rate.n, 1);
	ck_assert_double_eq(m->rate.v[0], 42);
	ck_assert_uint_eq(m->reset_t_ns, 0);
	run_end(&r);
}
END_TEST

/* sampler_stop leaves the series open (a later sample is taken);
 * sampler_end closes it: the figures of a finished run stop there, however
 * long the screen stays up afterwards. */
START_TEST(sampler_end_freezes_series)
{
	struct run r;
	run_start(&r);
	sampler_take_sample(r.s);
	sampler_lock(r.s);
	size_t n0 = sampler_count(r.s);
	sampler_unlock(r.s);
	ck_assert_uint_gt(n0, 1);
	sampler_end(r.s);
	sampler_lock(r.s);
	size_t n1 = sampler_count(r.s);
	uint64_t t1 = sampler_latest(r.s)->t_ns;
	sampler_unlock(r.s);
	ck_assert_msg(n1 == n0 + 1 || n1 == n0, "sampler_end took %zu samples", n1 - n0);
	struct timespec pause = { 0, 20000000 };
	nanosleep(&pause, NULL);
	sampler_take_sample(r.s);
	sampler_lock(r.s);
	ck_assert_uint_eq(sampler_count(r.s), n1);
	ck_assert_uint_eq(sampler_latest(r.s)->t_ns, t1);
	sampler_unlock(r.s);
	run_end(&r);
}
END_TEST

START_TEST(update_since_reset)
{
	struct run r;
	run_start(&r);
	struct tui_model *m = r.m;
	/* a sample that sees 64 MiB more RSS than the ones after it */
	size_t big = 64u << 20;
	/* mmap, not malloc: the compiler may drop a malloc'd block never read,
	 * and a sanitizer's allocator keeps freed memory */
	char *block = mmap(NULL, big, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne(block, MAP_FAILED);
	memset(block, 1, big);
	sampler_take_sample(r.s);
	sampler_lock(r.s);
	uint64_t t_big = sampler_latest(r.s)->t_ns, rss_big = sampler_latest(r.s)->rt.rss_bytes;
	sampler_unlock(r.s);
	ck_assert_int_eq(munmap(block, big), 0);
	sampler_take_sample(r.s);
	sampler_lock(r.s);
	uint64_t last = sampler_latest(r.s)->t_ns, rss_last = sampler_latest(r.s)->rt.rss_bytes;
	sampler_unlock(r.s);
	ck_assert_uint_gt(rss_big, rss_last + big / 2);
	/* whole run: the process's peak, the channels' own running max */
	tui_model_update(m, r.p, r.s, NULL, NULL, 0);
	ck_assert_uint_ge(m->rss_peak, rss_big);
	double whole_max[TUI_MAX_CHANNELS];
	for (size_t i = 0; i < m->nchannels; i++)
		whole_max[i] = m->channels[i].max_pct;
	/* a reset at the big sample: it is the peak since */
	m->reset_t_ns = t_big;
	tui_model_update(m, r.p, r.s, NULL, NULL, 0);
	ck_assert_uint_eq(m->rss, rss_last);
	ck_assert_uint_eq(m->rss_peak, rss_big);
	/* a reset after the last sample: the peak is the RSS now, the channel
	 * average and max are the fill now (empty) */
	m->reset_t_ns = last + 1;
	tui_model_update(m, r.p, r.s, NULL, NULL, 0);
	ck_assert_uint_eq(m->reset_t_ns, last + 1);
	ck_assert_uint_eq(m->rss_peak, m->rss);
	for (size_t i = 0; i < m->nchannels; i++) {
		ck_assert_double_eq(m->channels[i].avg_pct, 0);
		ck_assert_double_eq(m->channels[i].max_pct, 0);
	}
	/* a reset at the last sample: the last sample counts */
	m->reset_t_ns = last;
	tui_model_update(m, r.p, r.s, NULL, NULL, 0);
	ck_assert_uint_eq(m->rss_peak, m->rss);
	/* a reset at the start: the most RSS of all samples since */
	m->reset_t_ns = 1;
	tui_model_update(m, r.p, r.s, NULL, NULL, 0);
	uint64_t peak = 0;
	sampler_lock(r.s);
	for (size_t i = 0; i < sampler_count(r.s); i++)
		if (sampler_get(r.s, i)->t_ns >= 1 && sampler_get(r.s, i)->rt.rss_bytes > peak)
			peak = sampler_get(r.s, i)->rt.rss_bytes;
	sampler_unlock(r.s);
	ck_assert_uint_eq(m->rss_peak, peak);
	ck_assert_uint_ge(m->rss_peak, rss_big);
	for (size_t i = 0; i < m->nchannels; i++) {
		/* the window starts before any record moved: its max is the run's
		 * (a peak between two samples included), never below its average */
		ck_assert_msg(m->channels[i].avg_pct <= m->channels[i].max_pct, "%s: avg %.3f%% above max %.3f%%",
			      m->channels[i].name, m->channels[i].avg_pct, m->channels[i].max_pct);
		ck_assert_msg(m->channels[i].max_pct >= whole_max[i], "%s: max %.3f%% since the start, %.3f%% over the run",
			      m->channels[i].name, m->channels[i].max_pct, whole_max[i]);
		ck_assert_double_gt(whole_max[i], 0);
	}
	run_end(&r);
}
END_TEST

/* --- wrapping ----------------------------------------------------------------------- */

/* The lines of src wrapped at width, joined back with single spaces. */
static void wrap_join(char *out, size_t n, const char *src, int width, size_t *nlines)
{
	size_t start[64], len[64];
	*nlines = tui_text_wrap(src, width, start, len, 64);
	ck_assert_uint_le(*nlines, 64);
	out[0] = 0;
	for (size_t i = 0; i < *nlines; i++) {
		char line[256];
		ck_assert_uint_lt(len[i], sizeof line);
		memcpy(line, src + start[i], len[i]);
		line[len[i]] = 0;
		ck_assert_msg(tui_text_cells(line) <= width, "line %zu '%s' wider than %d", i, line, width);
		ck_assert_msg(len[i] > 0 && line[0] != ' ' && line[len[i] - 1] != ' ', "line %zu '%s'", i, line);
		if (i)
			strncat(out, " ", n - strlen(out) - 1);
		strncat(out, line, n - strlen(out) - 1);
	}
}

/* Every word kept, in order; lines as full as the words allow; a word
 * longer than the line broken inside; UTF-8 counted in cells. */
START_TEST(text_wrap_keeps_every_word)
{
	const char *t = "Its rate_limit = 5000 in [destination] sets the pace, by configuration: raise or remove "
			"rate_limit to push more records through";
	char out[512];
	size_t n, start[8], len[8];
	wrap_join(out, sizeof out, t, 30, &n);
	ck_assert_str_eq(out, t);
	ck_assert_uint_eq(n, 5);
	/* greedy: the first line holds as many words as fit 30 cells */
	ck_assert_uint_eq(tui_text_wrap(t, 30, start, len, 8), 5);
	ck_assert_uint_eq(len[0], strlen("Its rate_limit = 5000 in"));
	wrap_join(out, sizeof out, t, 500, &n);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(out, t);
	/* a word longer than a line: broken inside, nothing lost */
	ck_assert_uint_eq(tui_text_wrap("ab abcdefghij cd", 4, start, len, 8), 5);
	ck_assert_uint_eq(len[0], 2);
	ck_assert_uint_eq(len[1], 4);
	ck_assert_uint_eq(len[2], 4);
	ck_assert_uint_eq(len[3], 2);
	ck_assert_uint_eq(start[4], strlen("ab abcdefghij "));
	ck_assert_uint_eq(len[4], 2);
	/* UTF-8: cells, not bytes, and never half a character */
	tui_text_wrap("\u2588\u2588\u2588 \u2588\u2588", 3, start, len, 8);
	ck_assert_uint_eq(len[0], 9);
	ck_assert_uint_eq(tui_text_wrap("\u2588\u2588\u2588\u2588", 3, start, len, 8), 2);
	ck_assert_uint_eq(len[0], 9);
	ck_assert_uint_eq(len[1], 3);
	/* spaces at the breaks go, runs of them too; empty text, no width */
	ck_assert_uint_eq(tui_text_wrap("  aa   bb  ", 4, start, len, 8), 2);
	ck_assert_uint_eq(start[0], 2);
	ck_assert_uint_eq(start[1], 7);
	ck_assert_uint_eq(len[1], 2);
	ck_assert_uint_eq(tui_text_wrap("", 10, start, len, 8), 0);
	ck_assert_uint_eq(tui_text_wrap("abc", 0, start, len, 8), 0);
	/* more lines than the arrays hold: counted, not written past max */
	ck_assert_uint_eq(tui_text_wrap("a b c d e", 1, start, len, 2), 5);
}
END_TEST

/* --- alerts from findings ----------------------------------------------------------- */

static void finding_set(struct finding *f, enum finding_type type, enum severity sev, const char *component,
			const char *stage, const char *description)
{
	memset(f, 0, sizeof *f);
	f->type = type;
	f->severity = sev;
	snprintf(f->component, sizeof f->component, "%s", component);
	snprintf(f->stage, sizeof f->stage, "%s", stage);
	snprintf(f->description, sizeof f->description, "%s", description);
	f->impact_pct = 12.5;
	snprintf(f->impact_of, sizeof f->impact_of, "the run's throughput");
}

/* A model with the stages source, score and destination. */
static struct tui_model *model_of_stages(void)
{
	struct tui_model *m = calloc(1, sizeof *m);
	ck_assert_ptr_nonnull(m);
	const char *names[] = { "source", "score", "destination" };
	for (size_t i = 0; i < 3; i++)
		snprintf(m->stages[i].name, sizeof m->stages[i].name, "%s", names[i]);
	m->nstages = 3;
	return m;
}

static int marked(const struct tui_model *m)
{
	int k = -1;
	for (size_t i = 0; i < m->nstages; i++)
		if (m->stages[i].bottleneck) {
			ck_assert_int_eq(k, -1); /* one stage at most */
			k = (int)i;
		}
	return k;
}

/* A leak is the primary finding, a bottleneck at the configured
 * rate_limit comes second: no stage is marked BOTTLENECK. */
START_TEST(bottleneck_mark_follows_the_primary)
{
	struct tui_model *m = model_of_stages();
	struct finding v[3];
	struct findings fs = { .v = v, .n = 3 };
	finding_set(&v[0], FIND_MEMORY_GROWTH, SEV_HIGH, "leak_site", "hoard", "heap grows 1.4 MiB/s");
	finding_set(&v[1], FIND_PIPELINE_BOTTLENECK, SEV_HIGH, "destination", "destination",
		    "The destination is the bottleneck at its configured rate_limit = 5000");
	finding_set(&v[2], FIND_CHANNEL_BACKPRESSURE, SEV_MEDIUM, "source->score", "score", "Channel full");
	tui_model_set_findings(m, &fs);
	ck_assert_uint_eq(m->nalerts, 3);
	ck_assert_int_eq(marked(m), -1);
	/* the same bottleneck as the primary: marked */
	finding_set(&v[0], FIND_PIPELINE_BOTTLENECK, SEV_CRITICAL, "score", "score", "Stage score is the bottleneck");
	tui_model_set_findings(m, &fs);
	ck_assert_int_eq(marked(m), 1);
	/* and back: the mark goes when the primary is no longer it */
	finding_set(&v[0], FIND_ERRORS, SEV_CRITICAL, "score", "score", "Stage score fails 40% of its records");
	tui_model_set_findings(m, &fs);
	ck_assert_int_eq(marked(m), -1);
	/* a low bottleneck is a pipeline at ease: no mark */
	finding_set(&v[0], FIND_PIPELINE_BOTTLENECK, SEV_LOW, "source", "source", "The pipeline keeps up");
	fs.n = 1;
	tui_model_set_findings(m, &fs);
	ck_assert_int_eq(marked(m), -1);
	fs.n = 0;
	tui_model_set_findings(m, &fs);
	ck_assert_int_eq(marked(m), -1);
	ck_assert_uint_eq(m->nalerts, 0);
	free(m);
}
END_TEST

/* An alert holds its whole finding: type, component, stage, description,
 * impact, every figure and every suggestion. */
START_TEST(alert_holds_the_whole_finding)
{
	struct tui_model *m = model_of_stages();
	struct finding v[1];
	struct findings fs = { .v = v, .n = 1 };
	char longtext[600];
	memset(longtext, 'x', sizeof longtext - 1);
	longtext[sizeof longtext - 1] = 0;
	finding_set(&v[0], FIND_PIPELINE_BOTTLENECK, SEV_HIGH, "destination", "destination", longtext);
	for (size_t k = 0; k < FINDING_MAX_SUGGESTIONS; k++)
		snprintf(v[0].suggestions[k], sizeof v[0].suggestions[k], "suggestion %zu: raise or remove rate_limit", k);
	v[0].nsuggestions = FINDING_MAX_SUGGESTIONS;
	for (size_t k = 0; k < FINDING_MAX_FIGURES; k++) {
		snprintf(v[0].figures[k].name, sizeof v[0].figures[k].name, "fig%zu", k);
		snprintf(v[0].figures[k].text, sizeof v[0].figures[k].text, "%zu.5%% busy", k);
	}
	v[0].figures[2].text[0] = 0; /* a figure without its text: its name */
	v[0].nfigures = FINDING_MAX_FIGURES;
	tui_model_set_findings(m, &fs);
	const struct tui_alert *a = &m->alerts[0];
	ck_assert_str_eq(a->type, "pipeline_bottleneck");
	ck_assert_str_eq(a->component, "destination");
	ck_assert_str_eq(a->stage, "destination");
	ck_assert_int_eq(a->severity, SEV_HIGH);
	ck_assert_uint_eq(strlen(a->text), strlen(v[0].description)); /* as long as the finding holds it */
	ck_assert_double_eq(a->impact_pct, 12.5);
	ck_assert_str_eq(a->impact_of, "the run's throughput");
	ck_assert_str_eq(a->impact, "12.5% of the run's throughput");
	ck_assert_uint_eq(a->nsuggestions, 4);
	ck_assert_str_eq(a->suggestions[3], "suggestion 3: raise or remove rate_limit");
	ck_assert_uint_eq(a->nfigures, FINDING_MAX_FIGURES);
	char last[32];
	snprintf(last, sizeof last, "%d.5%% busy", FINDING_MAX_FIGURES - 1);
	ck_assert_str_eq(a->figures[FINDING_MAX_FIGURES - 1], last);
	ck_assert_str_eq(a->figures[2], "fig2");
	free(m);
}
END_TEST

/* The selected alert, once chosen, follows its finding (type and
 * component) when the order changes; before, it stays on the first; when
 * its finding is gone, the selection stays in the list. */
START_TEST(alert_selection_follows_its_finding)
{
	struct tui_model *m = model_of_stages();
	struct finding v[3];
	struct findings fs = { .v = v, .n = 3 };
	finding_set(&v[0], FIND_PIPELINE_BOTTLENECK, SEV_HIGH, "destination", "destination", "a");
	finding_set(&v[1], FIND_CHANNEL_BACKPRESSURE, SEV_MEDIUM, "source->score", "score", "b");
	finding_set(&v[2], FIND_CHANNEL_BACKPRESSURE, SEV_MEDIUM, "score->destination", "destination", "c");
	tui_model_set_findings(m, &fs);
	ck_assert_uint_eq(m->alert_selected, 0);
	struct finding t = v[1];
	v[1] = v[0];
	v[0] = t; /* source->score first now */
	/* not chosen yet: the selection stays on the first, the most severe */
	tui_model_set_findings(m, &fs);
	ck_assert_uint_eq(m->alert_selected, 0);
	ck_assert_str_eq(m->alerts[0].component, "source->score");
	v[0] = v[1];
	v[1] = t; /* back as it was */
	tui_model_set_findings(m, &fs);
	m->alert_selected = 1; /* source->score, chosen */
	m->alert_chosen = 1;
	v[1] = v[0];
	v[0] = t;
	tui_model_set_findings(m, &fs);
	ck_assert_uint_eq(m->alert_selected, 0);
	ck_assert_str_eq(m->alerts[m->alert_selected].component, "source->score");
	ck_assert_int_eq(tui_model_find_alert(m, "channel_backpressure", "score->destination"), 2);
	ck_assert_int_eq(tui_model_find_alert(m, "channel_backpressure", "destination"), -1);
	/* the same component under another type is another finding */
	ck_assert_int_eq(tui_model_find_alert(m, "pipeline_bottleneck", "source->score"), -1);
	m->alert_selected = 2;
	fs.n = 2; /* score->destination gone: the last one left */
	tui_model_set_findings(m, &fs);
	ck_assert_uint_eq(m->alert_selected, 1);
	fs.n = 0;
	tui_model_set_findings(m, &fs);
	ck_assert_uint_eq(m->alert_selected, 0);
	free(m);
}
END_TEST

/* A what-if result on stage index of name: done in 6 rounds, 100k
 * records/s as it is, +20%, +35% and +53% at 1.25x, 1.5x and 2x, limiter
 * the stage that would limit then. */
static struct whatif_result whatif_of(int index, const char *name, const char *limiter)
{
	struct whatif_result w;
	memset(&w, 0, sizeof w);
	snprintf(w.stage, sizeof w.stage, "%s", name);
	snprintf(w.limiter, sizeof w.limiter, "%s", limiter);
	w.stage_index = index;
	w.state = WHATIF_DONE;
	w.rounds = 6;
	w.baseline = 100000;
	w.baseline_low = 98000;
	w.baseline_high = 102000;
	static const double gain[WHATIF_SPEEDUPS] = { 0.20, 0.35, 0.53 };
	for (size_t k = 0; k < WHATIF_SPEEDUPS; k++)
		w.points[k] = (struct whatif_point){ whatif_speedups[k], 100000 * (1 + gain[k]),
						     100000 * (1 + gain[k]) - 1500, 100000 * (1 + gain[k]) + 1500 };
	w.seconds = 14.5;
	w.cost_pct = 12.25;
	return w;
}

/* The what-if block is the selected stage's own: none for a stage without
 * experiments, the control first then each speed-up with its gain, and
 * what they tell; a stage waiting its turn has no round and tells nothing;
 * a result of another pipeline's stage at that index is not taken. */
START_TEST(whatif_follows_the_selected_stage)
{
	struct tui_model *m = model_of_stages();
	struct whatif_result v[2] = { whatif_of(1, "score", "destination"),
				      whatif_of(2, "destination", "destination") };
	v[1].state = WHATIF_QUEUED;
	v[1].rounds = 0;
	m->selected = 0;
	tui_model_set_whatif(m, v, 2);
	ck_assert_int_eq(m->whatif.state, TUI_WHATIF_NONE);
	ck_assert_int_eq(m->whatif.rounds, 0);
	m->selected = 1;
	tui_model_set_whatif(m, v, 2);
	const struct tui_whatif *w = &m->whatif;
	ck_assert_int_eq(w->state, TUI_WHATIF_DONE);
	ck_assert_int_eq(w->rounds, 6);
	ck_assert_str_eq(w->stage, "score");
	ck_assert_str_eq(w->limiter, "destination");
	ck_assert_double_eq(w->cost_pct, 12.25);
	ck_assert_double_eq(w->seconds, 14.5);
	ck_assert_double_eq(w->points[0].speedup, 1.0);
	ck_assert_double_eq(w->points[0].records_per_sec, 100000);
	ck_assert_double_eq(w->points[0].low, 98000);
	ck_assert_double_eq(w->points[0].gain_pct, 0);
	ck_assert_double_eq(w->points[1].speedup, 1.25);
	ck_assert_double_eq(w->points[3].speedup, 2.0);
	ck_assert_double_eq_tol(w->points[1].gain_pct, 20, 1e-9);
	ck_assert_double_eq_tol(w->points[3].gain_pct, 53, 1e-9);
	ck_assert_double_eq_tol(w->points[3].high, 154500, 1e-6);
	ck_assert_str_eq(w->tell, "making score 2x faster would gain +53%: destination would then limit");
	/* waiting its turn: no round, nothing told */
	m->selected = 2;
	tui_model_set_whatif(m, v, 2);
	ck_assert_int_eq(w->state, TUI_WHATIF_WAITING);
	ck_assert_int_eq(w->rounds, 0);
	ck_assert_str_eq(w->tell, "");
	/* the index of a stage of another name: not this stage's */
	m->selected = 1;
	snprintf(v[0].stage, sizeof v[0].stage, "enrich");
	tui_model_set_whatif(m, v, 2);
	ck_assert_int_eq(w->state, TUI_WHATIF_NONE);
	ck_assert_str_eq(w->stage, "");
	free(m);
}
END_TEST

/* The drain's status line: 5,000 read, 1,000 written (600 since q), 200
 * filtered: 3,800 to write, 1,500 of them in a channel of 2,000 at 75% (the
 * fuller of two), at the destination's 190.4/s about 20 s (whole seconds); it says that q
 * again or Ctrl-C abandons. With no rate known, no estimate. */
START_TEST(drain_status_counts)
{
	static struct tui_model m;
	memset(&m, 0, sizeof m);
	m.in = 5000;
	m.out = 1000;
	m.filtered = 200;
	m.nchannels = 2;
	snprintf(m.channels[0].name, sizeof m.channels[0].name, "src->keep");
	m.channels[0].capacity = 2000;
	m.channels[0].fill_pct = 10.0;
	snprintf(m.channels[1].name, sizeof m.channels[1].name, "keep->dst");
	m.channels[1].capacity = 2000;
	m.channels[1].fill_pct = 65.0;
	m.nstages = 3;
	m.stages[2].rate = 190.4;
	char st[320];
	tui_drain_status(st, sizeof st, &m, 400, 3.0);
	ck_assert_str_eq(st, "draining (q again or Ctrl-C abandons it): 3,800 records to write, 1,500 in channels "
			     "(most in keep->dst), the rest in the stages; 600 written since q; about 20s left at "
			     "190/s");
	/* the rate since q when the destination's last second shows none */
	m.stages[2].rate = 0;
	tui_drain_status(st, sizeof st, &m, 400, 3.0);
	ck_assert_msg(strstr(st, "; about 19s left at 200/s") != NULL, "%s", st);
	/* nothing written yet and no rate: no estimate */
	tui_drain_status(st, sizeof st, &m, 1000, 3.0);
	ck_assert_msg(strstr(st, "0 written since q") && !strstr(st, "about"), "%s", st);
	/* all written: nothing left, nowhere */
	m.out = 4800;
	m.channels[0].fill_pct = m.channels[1].fill_pct = 0;
	tui_drain_status(st, sizeof st, &m, 1000, 3.0);
	ck_assert_str_eq(st, "draining (q again or Ctrl-C abandons it): 0 records to write; 3,800 written since q");
}
END_TEST

/* --- the view (GET /api/v1/view) and nebtop attach's reading of it ------------------- */

/* The view of a run, read back, is the model the run's own screen
 * computes: every header figure, stage row, channel and histogram bucket
 * of the selected stage equal; the reader's selection and histories stay
 * its own; the series not ended: not final; ended: final. */
START_TEST(view_round_trip_of_a_run)
{
	struct run r;
	run_start(&r);
	struct tui_model *m = r.m;
	m->selected = 1;
	tui_model_update(m, r.p, r.s, NULL, NULL, 0);
	struct tui_view_ask ask = { .stage = 1 };
	int final = -1;
	char *text = tui_view_build(r.p, r.s, NULL, NULL, &ask, &final);
	ck_assert_ptr_nonnull(text);
	ck_assert_int_eq(final, 0);
	struct tui_model *v = calloc(1, sizeof *v);
	ck_assert_ptr_nonnull(v);
	v->selected = 1;
	tui_history_push(&v->rate, 7);
	struct tui_view_meta meta;
	char err[200];
	ck_assert_msg(tui_view_parse(v, &meta, text, strlen(text), err, sizeof err) == 0, "%s", err);
	ck_assert_int_eq(meta.version, TUI_VIEW_VERSION);
	ck_assert_uint_gt(strlen(meta.run_id), 10);
	ck_assert_uint_gt(meta.sample_t_ns, 0);
	ck_assert_int_eq(meta.final, 0);
	ck_assert_str_eq(v->pipeline, "tuitest");
	ck_assert_str_eq(v->route, m->route);
	ck_assert_str_eq(v->state, m->state);
	ck_assert_str_eq(v->types, m->types);
	ck_assert_int_eq(v->workers, m->workers);
	ck_assert_double_eq(v->elapsed_s, m->elapsed_s);
	ck_assert_double_eq(v->records_per_sec, m->records_per_sec);
	ck_assert_double_eq(v->bytes_per_sec, m->bytes_per_sec);
	ck_assert_uint_eq(v->in, 20000);
	ck_assert_uint_eq(v->out, m->out);
	ck_assert_uint_eq(v->p99_ns, m->p99_ns);
	ck_assert_uint_eq(v->max_ns, m->max_ns);
	ck_assert_uint_eq(v->rss, m->rss);
	ck_assert_uint_eq(v->rss_peak, m->rss_peak);
	ck_assert_double_eq(v->allocator_pct, m->allocator_pct);
	ck_assert_uint_eq(v->nstages, 3);
	ck_assert_mem_eq(v->stages, m->stages, 3 * sizeof m->stages[0]);
	ck_assert_uint_eq(v->nchannels, m->nchannels);
	ck_assert_mem_eq(v->channels, m->channels, m->nchannels * sizeof m->channels[0]);
	ck_assert_uint_gt(m->nbuckets, 0);
	ck_assert_uint_eq(v->nbuckets, m->nbuckets);
	ck_assert_mem_eq(v->buckets, m->buckets, m->nbuckets * sizeof m->buckets[0]);
	ck_assert_mem_eq(v->conn, m->conn, sizeof m->conn);
	/* no what-if experiments in this run: none crosses */
	ck_assert_int_eq(m->whatif.state, TUI_WHATIF_NONE);
	ck_assert_mem_eq(&v->whatif, &m->whatif, sizeof m->whatif);
	/* the selected stage's what-if results cross whole, byte for byte */
	struct whatif_result wr = whatif_of(1, m->stages[1].name, "destination");
	wr.state = WHATIF_RUNNING;
	tui_model_set_whatif(m, &wr, 1);
	ck_assert_int_eq(m->whatif.state, TUI_WHATIF_RUNNING);
	ck_assert_uint_gt(strlen(m->whatif.tell), 0);
	char *wtext = tui_view_text(m, &meta);
	ck_assert_ptr_nonnull(wtext);
	ck_assert_msg(tui_view_parse(v, &meta, wtext, strlen(wtext), err, sizeof err) == 0, "%s", err);
	ck_assert_int_eq(v->whatif.rounds, 6);
	ck_assert_double_eq_tol(v->whatif.points[3].gain_pct, 53, 1e-9);
	ck_assert_mem_eq(&v->whatif, &m->whatif, sizeof m->whatif);
	free(wtext);
	/* the reader's own */
	ck_assert_uint_eq(v->selected, 1);
	ck_assert_uint_eq(v->rate.n, 1);
	ck_assert_double_eq(v->rate.v[0], 7);
	free(text);
	/* the series ended: the view says these are the last figures */
	sampler_end(r.s);
	text = tui_view_build(r.p, r.s, NULL, NULL, &ask, &final);
	ck_assert_int_eq(final, 1);
	ck_assert_int_eq(tui_view_parse(v, &meta, text, strlen(text), err, sizeof err), 0);
	ck_assert_int_eq(meta.final, 1);
	free(text);
	free(v);
	run_end(&r);
}
END_TEST

/* Alerts cross whole (every figure and suggestion, a long description),
 * and the reader's chosen alert follows its finding when the remote's
 * order changes. */
START_TEST(view_alerts_whole_and_followed)
{
	struct tui_model *m = model_of_stages();
	struct finding f[2];
	struct findings fs = { .v = f, .n = 2 };
	char longtext[500];
	memset(longtext, 'y', sizeof longtext - 1);
	longtext[sizeof longtext - 1] = 0;
	finding_set(&f[0], FIND_PIPELINE_BOTTLENECK, SEV_CRITICAL, "score", "score", longtext);
	finding_set(&f[1], FIND_CHANNEL_BACKPRESSURE, SEV_MEDIUM, "source->score", "score", "Channel full \u00e9");
	for (size_t k = 0; k < FINDING_MAX_SUGGESTIONS; k++)
		snprintf(f[0].suggestions[k], sizeof f[0].suggestions[k], "suggestion %zu \"quoted\" \\ back", k);
	f[0].nsuggestions = FINDING_MAX_SUGGESTIONS;
	for (size_t k = 0; k < FINDING_MAX_FIGURES; k++)
		snprintf(f[0].figures[k].text, sizeof f[0].figures[k].text, "%zu.5%% busy", k);
	f[0].nfigures = FINDING_MAX_FIGURES;
	tui_model_set_findings(m, &fs);
	struct tui_view_meta meta = { .run_id = "run-1" }, got;
	char *text = tui_view_text(m, &meta);
	ck_assert_ptr_nonnull(text);
	struct tui_model *v = calloc(1, sizeof *v);
	ck_assert_ptr_nonnull(v);
	char err[200];
	ck_assert_msg(tui_view_parse(v, &got, text, strlen(text), err, sizeof err) == 0, "%s", err);
	ck_assert_str_eq(got.run_id, "run-1");
	ck_assert_uint_eq(v->nalerts, 2);
	ck_assert_mem_eq(v->alerts, m->alerts, 2 * sizeof m->alerts[0]);
	ck_assert_int_eq(v->stages[1].bottleneck, 1);
	free(text);
	/* the reader chose the channel's alert; the remote now ranks it first */
	v->alert_selected = 1;
	v->alert_chosen = 1;
	struct finding g[2] = { f[1], f[0] };
	struct findings gs = { .v = g, .n = 2 };
	tui_model_set_findings(m, &gs);
	text = tui_view_text(m, &meta);
	ck_assert_int_eq(tui_view_parse(v, &got, text, strlen(text), err, sizeof err), 0);
	ck_assert_str_eq(v->alerts[v->alert_selected].component, "source->score");
	ck_assert_uint_eq(v->alert_selected, 0);
	free(text);
	free(v);
	free(m);
}
END_TEST

/* A secret in any text of the model (a route, an alert, a suggestion) does
 * not leave in the view. */
START_TEST(view_hides_secrets)
{
	struct tui_model *m = model_of_stages();
	const char *secret = "pw-view-3f9a17c2";
	secrets_register(secret);
	snprintf(m->route, sizeof m->route, "http://user:%s@host/x -> null", secret);
	struct finding f[1];
	struct findings fs = { .v = f, .n = 1 };
	finding_set(&f[0], FIND_ERRORS, SEV_HIGH, "source", "source", "401 for token pw-view-3f9a17c2");
	snprintf(f[0].suggestions[0], sizeof f[0].suggestions[0], "check %s", secret);
	f[0].nsuggestions = 1;
	tui_model_set_findings(m, &fs);
	struct tui_view_meta meta = { .run_id = "r" };
	char *text = tui_view_text(m, &meta);
	ck_assert_ptr_nonnull(text);
	ck_assert_msg(!strstr(text, secret), "the secret left in the view: %s", text);
	ck_assert_msg(strstr(text, SECRETS_SHOWN) != NULL, "%s", text);
	free(text);
	free(m);
}
END_TEST

/* What is not a view of this version is refused with a message; a field
 * of the wrong type is left alone; text longer than its field is cut at a
 * character boundary; more rows than the screen holds are cut. */
/* An alert's severity out of the four (a remote that is not a nebtop, or
 * a newer one) is drawn as the nearest one: the screen names it without
 * reading past the names. */
START_TEST(view_parse_bounds_severity)
{
	struct tui_model *v = calloc(1, sizeof *v);
	ck_assert_ptr_nonnull(v);
	struct tui_view_meta meta;
	char err[200], text[400];
	snprintf(text, sizeof text,
		 "{\"view\": %d, \"alerts\": [{\"severity\": 99, \"text\": \"a\"}, {\"severity\": -50, \"text\": \"b\"}, "
		 "{\"severity\": 2, \"text\": \"c\"}]}",
		 TUI_VIEW_VERSION);
	ck_assert_msg(tui_view_parse(v, &meta, text, strlen(text), err, sizeof err) == 0, "%s", err);
	ck_assert_uint_eq(v->nalerts, 3);
	int seen[4] = { 0 };
	for (size_t i = 0; i < v->nalerts; i++) {
		ck_assert_msg(v->alerts[i].severity >= SEV_LOW && v->alerts[i].severity <= SEV_CRITICAL,
			      "alert '%s': severity %d", v->alerts[i].text, v->alerts[i].severity);
		ck_assert_ptr_nonnull(analyzer_severity_upper((enum severity)v->alerts[i].severity));
		seen[v->alerts[i].severity] = 1;
	}
	ck_assert(seen[SEV_LOW] && seen[SEV_HIGH] && seen[SEV_CRITICAL]);
	free(v);
}
END_TEST

START_TEST(view_parse_refuses_and_bounds)
{
	struct tui_model *v = calloc(1, sizeof *v);
	ck_assert_ptr_nonnull(v);
	struct tui_view_meta meta;
	char err[200];
	const char *bad[] = { "not json", "[1, 2]", "{\"view\": 2, \"nebtop_version\": \"9.9\"}", "{}" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err[0] = 0;
		ck_assert_msg(tui_view_parse(v, &meta, bad[i], strlen(bad[i]), err, sizeof err) == -1, "%s", bad[i]);
		ck_assert_msg(err[0], "no message for %s", bad[i]);
	}
	ck_assert_msg(strstr(err, "version 0") != NULL, "%s", err);
	const char *two = "{\"view\": 2, \"nebtop_version\": \"9.9\"}";
	tui_view_parse(v, &meta, two, strlen(two), err, sizeof err);
	ck_assert_msg(strstr(err, "nebtop 9.9") && strstr(err, "version 2"), "%s", err);
	struct buf b = { 0 };
	buf_printf(&b, "{\"view\": %d, \"in\": \"12\", \"out\": -3, \"state\": \"", TUI_VIEW_VERSION);
	for (int i = 0; i < 40; i++)
		buf_append_str(&b, "\u00e9");
	buf_append_str(&b, "\", \"route\": \"a\\nb\\tc\\u001b[2Jd\", \"stages\": [");
	for (int i = 0; i < TUI_MAX_STAGES + 8; i++)
		buf_printf(&b, "%s{\"name\": \"s%d\", \"busy_pct\": %d}", i ? ", " : "", i, i);
	buf_append_str(&b, "]}");
	v->in = 5;
	v->selected = 100;
	ck_assert_msg(tui_view_parse(v, &meta, b.p, b.len, err, sizeof err) == 0, "%s", err);
	ck_assert_uint_eq(v->in, 5);
	ck_assert_uint_eq(v->out, 0);
	ck_assert_uint_eq(strlen(v->state), (sizeof v->state - 1) / 2 * 2);
	ck_assert_str_eq(v->state + strlen(v->state) - 2, "\u00e9");
	ck_assert_str_eq(v->route, "a?b?c?[2Jd"); /* no control character reaches the screen */
	ck_assert_uint_eq(v->nstages, TUI_MAX_STAGES);
	ck_assert_str_eq(v->stages[TUI_MAX_STAGES - 1].name, "s31");
	ck_assert_double_eq(v->stages[3].busy_pct, 3);
	ck_assert_uint_eq(v->selected, TUI_MAX_STAGES - 1);
	buf_free(&b);
	free(v);
}
END_TEST

static Suite *tui_model_suite(void)
{
	Suite *s = suite_create("tui_model");
	TCase *tc = tcase_create("pure");
	tcase_add_test(tc, bar_utf8);
	tcase_add_test(tc, bar_ascii);
	tcase_add_test(tc, bar_truncated);
	tcase_add_test(tc, sparkline_levels);
	tcase_add_test(tc, history_push_past_capacity);
	tcase_add_test(tc, band_edges);
	tcase_add_test(tc, text_wrap_keeps_every_word);
	tcase_add_test(tc, bottleneck_mark_follows_the_primary);
	tcase_add_test(tc, alert_holds_the_whole_finding);
	tcase_add_test(tc, alert_selection_follows_its_finding);
	tcase_add_test(tc, drain_status_counts);
	tcase_add_test(tc, whatif_follows_the_selected_stage);
	tcase_add_test(tc, view_alerts_whole_and_followed);
	tcase_add_test(tc, view_parse_refuses_and_bounds);
	tcase_add_test(tc, view_hides_secrets);
	tcase_add_test(tc, view_parse_bounds_severity);
	suite_add_tcase(s, tc);

	tc = tcase_create("update");
	tcase_set_timeout(tc, 180);
	tcase_add_test(tc, update_after_run);
	tcase_add_test(tc, update_histogram_of_selected);
	tcase_add_test(tc, update_clamps_selected);
	tcase_add_test(tc, update_keeps_caller_fields);
	tcase_add_test(tc, update_since_reset);
	tcase_add_test(tc, sampler_end_freezes_series);
	tcase_add_test(tc, view_round_trip_of_a_run);
	tcase_add_test(tc, text_fit_at_words);
	suite_add_tcase(s, tc);
	return s;
}

int main(void) { return unit_run_suite(tui_model_suite()); }
