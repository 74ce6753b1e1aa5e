/* test_analyzer.c: the analyzer's rules (src/analyzer_rules.c) over made-up
 * figures and the [alerts] defaults: the least-squares fit (slope and R^2 of
 * a rising, a falling, a noisy and a too short series); Flink's bottleneck
 * rule for a transform stage (severity by the other stages' waiting share,
 * weighted by their threads, in each band; no finding when the upstream is
 * not pushed), the destination and the source (transforms' share only,
 * capped at high; low without transforms) and the impact from the stages'
 * capacities; channel fill bands, capped in front of the bottleneck; CPU
 * hotspots (bands, the 50-sample floor, capped inside the bottleneck);
 * allocator pressure; memory growth of the heap or the RSS (steady only: a
 * falling, noisy or spiky series gives none) naming the leak suspects; lock
 * contention; thread leaks; CPU under-use; error rates with their reasons;
 * the order of findings (severity, then causes before places, then impact)
 * and their counts; a healthy pipeline has nothing above low. Consistency:
 * a paced source is the primary over a hot function in an idle stage (the
 * demo), connector advice by what sets the pace, and no finding suggests
 * more workers for a stage held by its lock or on a machine without idle
 * cores; the dead-letter advice only when it is not configured. The
 * what-if rule: 2 rounds or more of experiments on the bottleneck (or the
 * source that keeps up) make its impact the measured gain at 2x, said to be
 * measured, with what would limit next; fewer rounds leave the arithmetic. */
#include "autoconfig.h"

#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/pipeline.h"
#include "src/analyze/analyzer.h"
#include "src/analyze/analyzer_internal.h"
#include "src/analyze/whatif_run.h"
#include "tests/unit/unit_main.h"

#define TOL 1e-6

/* --- helpers ------------------------------------------------------------------------ */

#define SRC(th, busy, bp, idle, rate)                                                                           \
	{ .name = "source", .kind = STAGE_SOURCE, .threads = (th), .busy_pct = (busy), .backpressured_pct = (bp), \
	  .idle_pct = (idle), .oncpu_pct = -1, .in_per_sec = 0, .out_per_sec = (rate) }
#define XF(nm, th, busy, bp, idle, rate)                                                                          \
	{ .name = (nm), .kind = STAGE_TRANSFORM, .threads = (th), .busy_pct = (busy), .backpressured_pct = (bp), \
	  .idle_pct = (idle), .oncpu_pct = -1, .in_per_sec = (rate), .out_per_sec = (rate) }
#define DST(th, busy, bp, idle, rate)                                                                                \
	{ .name = "destination", .kind = STAGE_DESTINATION, .threads = (th), .busy_pct = (busy),                    \
	  .backpressured_pct = (bp), .idle_pct = (idle), .oncpu_pct = -1, .in_per_sec = (rate), .out_per_sec = (rate) }
#define CHAN(nm, avg) { .name = (nm), .fill_avg_pct = (avg), .fill_max_pct = (avg), .send_blocked_pct = (avg) / 2 }

static struct alert_opts O;

static void setup(void) { analyzer_default_opts(&O); }

/* An input with nothing in it that any rule looks at, but records flowing. */
static void base_input(struct analyzer_input *in)
{
	memset(in, 0, sizeof *in);
	in->window_s = 10;
	in->records_in = 100000;
	in->records_per_sec = 10000;
	in->cpu_samples = 0;
	in->allocator_pct = -1;
	in->alloc_bytes_per_record = -1;
	in->allocs_per_sec = -1;
	in->machine_busy_cores = -1;
}

/* base_input with the stages st[0..nst) and the channels ch[0..nch) (none
 * when nch is 0). */
static void input_set_stages(struct analyzer_input *in, const struct an_stage *st, size_t nst,
			     const struct an_channel *ch, size_t nch)
{
	base_input(in);
	in->stages = st;
	in->nstages = nst;
	if (nch) {
		in->channels = ch;
		in->nchannels = nch;
	}
}

/* A 3-stage pipeline where the stages wait on each other a little: no rule
 * fires on it. */
static const struct an_stage CALM[] = {
	SRC(1, 40, 30, 30, 10000),
	XF("typed", 4, 40, 30, 30, 10000),
	DST(1, 40, 0, 60, 10000),
};
static const struct an_channel CALM_CH[] = { CHAN("source->typed", 30), CHAN("typed->destination", 10) };

static void calm_input(struct analyzer_input *in)
{
	input_set_stages(in, CALM, 3, CALM_CH, 2);
}

static void run(const struct analyzer_input *in, struct findings *out)
{
	memset(out, 0, sizeof *out);
	ck_assert_int_eq(analyzer_run_rules(in, &O, out), 0);
}

static size_t count_type(const struct findings *f, enum finding_type t)
{
	size_t n = 0;
	for (size_t i = 0; i < f->n; i++)
		n += f->v[i].type == t;
	return n;
}

/* The one finding of type t (the test fails unless there is exactly one). */
static const struct finding *one_of(const struct findings *f, enum finding_type t)
{
	ck_assert_msg(count_type(f, t) == 1, "%zu findings of type %s, expected 1", count_type(f, t),
		      analyzer_type_name(t));
	for (size_t i = 0; i < f->n; i++)
		if (f->v[i].type == t)
			return &f->v[i];
	return NULL;
}

/* The finding of type t with component comp, or NULL. */
static const struct finding *find_comp(const struct findings *f, enum finding_type t, const char *comp)
{
	for (size_t i = 0; i < f->n; i++)
		if (f->v[i].type == t && !strcmp(f->v[i].component, comp))
			return &f->v[i];
	return NULL;
}

static double figure(const struct finding *f, const char *name)
{
	for (size_t i = 0; i < f->nfigures; i++)
		if (!strcmp(f->figures[i].name, name))
			return f->figures[i].value;
	ck_abort_msg("finding %s has no figure %s", f->component, name);
	return NAN;
}

static int has_suggestion(const struct finding *f, const char *text)
{
	for (size_t i = 0; i < f->nsuggestions; i++)
		if (strstr(f->suggestions[i], text))
			return 1;
	return 0;
}

/* Whether any suggestion of any finding contains text. */
static int any_suggestion(const struct findings *out, const char *text)
{
	for (size_t i = 0; i < out->n; i++)
		if (has_suggestion(&out->v[i], text))
			return 1;
	return 0;
}

/* Every suggestion of every finding, for a failure message. */
static const char *all_suggestions(const struct findings *out)
{
	static char buf[8192];
	size_t k = 0;
	buf[0] = 0;
	for (size_t i = 0; i < out->n; i++)
		for (size_t j = 0; j < out->v[i].nsuggestions && k < sizeof buf; j++)
			k += (size_t)snprintf(buf + k, sizeof buf - k, "[%s] %s\n", out->v[i].component,
					      out->v[i].suggestions[j]);
	return buf;
}

static void assert_sev(const struct finding *f, enum severity s)
{
	ck_assert_ptr_nonnull(f);
	ck_assert_msg(f->severity == s, "%s %s: severity %s, expected %s", analyzer_type_name(f->type), f->component,
		      analyzer_severity_name(f->severity), analyzer_severity_name(s));
}

/* --- defaults and names ------------------------------------------------------------- */

START_TEST(defaults)
{
	ck_assert_uint_eq(O.window_ns, 10000000000ull);
	ck_assert_double_eq(O.busy_pct, 80);
	ck_assert_double_eq(O.backpressured_pct, 50);
	ck_assert_double_eq(O.idle_pct, 50);
	ck_assert_double_eq(O.bottleneck_medium_pct, 40);
	ck_assert_double_eq(O.bottleneck_high_pct, 60);
	ck_assert_double_eq(O.bottleneck_critical_pct, 80);
	ck_assert_double_eq(O.channel_medium_pct, 60);
	ck_assert_double_eq(O.channel_high_pct, 85);
	ck_assert_double_eq(O.hotspot_medium_pct, 20);
	ck_assert_double_eq(O.hotspot_high_pct, 30);
	ck_assert_double_eq(O.hotspot_critical_pct, 45);
	ck_assert_double_eq(O.allocator_medium_pct, 5);
	ck_assert_double_eq(O.allocator_high_pct, 10);
	ck_assert_double_eq(O.allocator_critical_pct, 20);
	/* sizes: "1MB" is 10^6 bytes (MiB would be 2^20) */
	ck_assert_uint_eq(O.memory_growth_medium, 1000000);
	ck_assert_uint_eq(O.memory_growth_high, 5000000);
	ck_assert_uint_eq(O.memory_growth_critical, 10000000);
	ck_assert_double_eq(O.memory_growth_fit, 0.8);
	ck_assert_double_eq(O.lock_wait_medium_pct, 10);
	ck_assert_double_eq(O.lock_wait_high_pct, 25);
	ck_assert_double_eq(O.lock_wait_critical_pct, 50);
	ck_assert_double_eq(O.error_medium_pct, 1);
	ck_assert_double_eq(O.error_high_pct, 5);
	ck_assert_double_eq(O.error_critical_pct, 20);
	ck_assert_double_eq(O.cpu_underuse_pct, 25);
	ck_assert_uint_eq(O.thread_growth, 2);
}
END_TEST

START_TEST(names)
{
	ck_assert_str_eq(analyzer_severity_name(SEV_LOW), "low");
	ck_assert_str_eq(analyzer_severity_name(SEV_CRITICAL), "critical");
	ck_assert_str_eq(analyzer_severity_upper(SEV_MEDIUM), "MEDIUM");
	ck_assert_str_eq(analyzer_severity_upper(SEV_HIGH), "HIGH");
	ck_assert_str_eq(analyzer_type_name(FIND_MEMORY_GROWTH), "memory_growth");
	ck_assert_str_eq(analyzer_type_name(FIND_LOCK_CONTENTION), "lock_contention");
	ck_assert_str_eq(analyzer_type_name(FIND_ALLOCATOR_PRESSURE), "allocator_pressure");
	ck_assert_str_eq(analyzer_type_name(FIND_PIPELINE_BOTTLENECK), "pipeline_bottleneck");
	ck_assert_str_eq(analyzer_type_name(FIND_CPU_HOTSPOT), "cpu_hotspot");
	ck_assert_str_eq(analyzer_type_name(FIND_CHANNEL_BACKPRESSURE), "channel_backpressure");
	ck_assert_str_eq(analyzer_type_name(FIND_ERRORS), "errors");
	ck_assert_str_eq(analyzer_type_name(FIND_THREAD_LEAK), "thread_leak");
	ck_assert_str_eq(analyzer_type_name(FIND_CPU_UNDERUSE), "cpu_underuse");
}
END_TEST

START_TEST(calm_pipeline_has_no_finding)
{
	struct analyzer_input in;
	struct findings out;
	calm_input(&in);
	run(&in, &out);
	ck_assert_uint_eq(out.n, 0);
	ck_assert_double_eq(out.window_s, 10);
	findings_free(&out);
}
END_TEST

/* --- the least-squares fit ------------------------------------------------------------ */

START_TEST(fit_line)
{
	const struct an_point p[] = { { 0, 0, 0 }, { 1, 2e6, 0 }, { 2, 4e6, 0 }, { 3, 6e6, 0 } };
	double slope = -1, r2 = -1;
	analyzer_fit_slope(p, 4, &slope, &r2);
	ck_assert_double_eq_tol(slope, 2e6, TOL);
	ck_assert_double_eq_tol(r2, 1, 1e-12);
}
END_TEST

START_TEST(fit_shrinking_line)
{
	const struct an_point p[] = { { 10, 6e6, 0 }, { 11, 4e6, 0 }, { 12, 2e6, 0 }, { 13, 0, 0 } };
	double slope = 0, r2 = -1;
	analyzer_fit_slope(p, 4, &slope, &r2);
	ck_assert_double_eq_tol(slope, -2e6, TOL);
	ck_assert_double_eq_tol(r2, 1, 1e-12);
}
END_TEST

START_TEST(fit_imperfect_line)
{
	/* mean t 1.5, mean v 1.25: Stt 5, Stv 4.5, Svv 4.75 -> slope 0.9, R^2 = 4.5^2 / (5 * 4.75) = 81/95 */
	const struct an_point p[] = { { 0, 0, 0 }, { 1, 1, 0 }, { 2, 1, 0 }, { 3, 3, 0 } };
	double slope, r2;
	analyzer_fit_slope(p, 4, &slope, &r2);
	ck_assert_double_eq_tol(slope, 0.9, 1e-12);
	ck_assert_double_eq_tol(r2, 81.0 / 95.0, 1e-12);
}
END_TEST

START_TEST(fit_degenerate)
{
	const struct an_point two[] = { { 0, 0, 0 }, { 1, 5e6, 0 } };
	double slope = 7, r2 = 7;
	analyzer_fit_slope(two, 2, &slope, &r2);
	ck_assert_double_eq(slope, 0);
	ck_assert_double_eq(r2, 0);
	slope = r2 = 7;
	analyzer_fit_slope(two, 0, &slope, &r2);
	ck_assert_double_eq(slope, 0);
	ck_assert_double_eq(r2, 0);
	/* flat: slope 0 and R^2 0 (not NaN) */
	const struct an_point flat[] = { { 0, 7e6, 0 }, { 1, 7e6, 0 }, { 2, 7e6, 0 }, { 3, 7e6, 0 } };
	slope = r2 = 7;
	analyzer_fit_slope(flat, 4, &slope, &r2);
	ck_assert_double_eq(slope, 0);
	ck_assert_double_eq(r2, 0);
	/* all at one time: no slope */
	const struct an_point same_t[] = { { 5, 1e6, 0 }, { 5, 2e6, 0 }, { 5, 3e6, 0 } };
	slope = r2 = 7;
	analyzer_fit_slope(same_t, 3, &slope, &r2);
	ck_assert_double_eq(slope, 0);
	ck_assert_double_eq(r2, 0);
}
END_TEST

/* --- pipeline bottleneck ------------------------------------------------------------------ */

/* source pushed 90%, parse (4 threads) busy 95%, destination idle 90%:
 * waiting (90 + 90) / 2 = 90% -> critical. Capacities: source 50000/0.08 =
 * 625000, parse 50000/0.95, destination 50000/0.10 = 500000 (the next
 * slowest): 9.5 times parse's capacity, of which 1 - 1/9.5 goes unused. */
START_TEST(bottleneck_transform_critical)
{
	const struct an_stage st[] = {
		SRC(1, 8, 90, 2, 50000),
		XF("parse", 4, 95, 0, 5, 50000),
		DST(1, 10, 0, 90, 50000),
	};
	const struct an_channel ch[] = { CHAN("source->parse", 50), CHAN("parse->destination", 5) };
	struct analyzer_input in;
	input_set_stages(&in, st, 3, ch, 2);
	struct findings out;
	run(&in, &out);
	ck_assert_uint_eq(out.n, 1);
	const struct finding *f = &out.v[0];
	ck_assert_int_eq(f->type, FIND_PIPELINE_BOTTLENECK);
	assert_sev(f, SEV_CRITICAL);
	ck_assert_str_eq(f->component, "parse");
	ck_assert_str_eq(f->stage, "parse");
	ck_assert_double_eq_tol(figure(f, "waiting_pct"), 90, TOL);
	ck_assert_double_eq_tol(figure(f, "capacity_per_sec"), 50000 / 0.95, 1e-3);
	/* the next slowest (destination, 500000/s) could take 9.5x parse's capacity:
	 * 1 - 1/9.5 of it goes unused; the impact stays a share, 0..100 */
	ck_assert_double_eq_tol(f->impact_pct, 100 * (1 - 1 / 9.5), TOL);
	ck_assert_double_eq_tol(figure(f, "speedup"), 9.5, TOL);
	ck_assert_msg(strstr(f->impact_of, "the next slowest stage's capacity left unused: destination could take about "
					   "500,000 records/s, 9.5x what parse gives"),
		      "impact_of: %s", f->impact_of);
	ck_assert_msg(!strncmp(f->description, "Stage parse is the bottleneck: busy 95.0% at 50,000 records/s",
			       strlen("Stage parse is the bottleneck: busy 95.0% at 50,000 records/s")),
		      "description: %s", f->description);
	ck_assert_msg(has_suggestion(f, "Give stage parse more workers"), "no workers suggestion: %s", f->suggestions[0]);
	findings_free(&out);

	/* more workers only help when cores are idle */
	in.cores = 8;
	in.cores_used = 7.4;
	run(&in, &out);
	f = one_of(&out, FIND_PIPELINE_BOTTLENECK);
	ck_assert_msg(has_suggestion(f, "Give stage parse more workers (-workers or [pipeline] workers): the machine has "
					"idle cores (nebtop uses 7.4 of 8 cores"),
		      "suggestion: %s", f->suggestions[0]);
	findings_free(&out);
	in.cores_used = 7.8;
	run(&in, &out);
	f = one_of(&out, FIND_PIPELINE_BOTTLENECK);
	ck_assert_msg(!has_suggestion(f, "more workers (-workers"), "suggestion: %s", f->suggestions[0]);
	ck_assert_msg(has_suggestion(f, "More workers will not help stage parse: the machine's cores are all in use "
					"(nebtop uses 7.8 of 8 cores"),
		      "suggestion: %s", f->suggestions[0]);
	findings_free(&out);
}
END_TEST

/* The bottleneck's severity for a 3-stage pipeline source -> parse ->
 * destination; *waiting gets its waiting share. */
static enum severity mid_severity(int src_threads, double src_bp, int dst_threads, double dst_idle, double *waiting,
				  double *impact)
{
	const struct an_stage st[] = {
		{ .name = "source", .kind = STAGE_SOURCE, .threads = src_threads, .busy_pct = 100 - src_bp,
		  .backpressured_pct = src_bp, .idle_pct = 0, .in_per_sec = 0, .out_per_sec = 1000 },
		XF("parse", 4, 95, 0, 5, 1000),
		{ .name = "destination", .kind = STAGE_DESTINATION, .threads = dst_threads, .busy_pct = 100 - dst_idle,
		  .backpressured_pct = 0, .idle_pct = dst_idle, .in_per_sec = 1000, .out_per_sec = 1000 },
	};
	struct analyzer_input in;
	input_set_stages(&in, st, 3, NULL, 0);
	struct findings out;
	run(&in, &out);
	const struct finding *f = one_of(&out, FIND_PIPELINE_BOTTLENECK);
	ck_assert_str_eq(f->component, "parse");
	enum severity s = f->severity;
	*waiting = figure(f, "waiting_pct");
	*impact = f->impact_pct;
	findings_free(&out);
	return s;
}

START_TEST(bottleneck_transform_bands)
{
	double w, imp;
	/* 50% of 1 + 50% of 1 thread: 50 -> medium */
	ck_assert_int_eq(mid_severity(1, 50, 1, 50, &w, &imp), SEV_MEDIUM);
	ck_assert_double_eq_tol(w, 50, TOL);
	/* weighted by threads: (1*50 + 3*65) / 4 = 61.25 -> high (57.5, medium, unweighted) */
	ck_assert_int_eq(mid_severity(1, 50, 3, 65, &w, &imp), SEV_HIGH);
	ck_assert_double_eq_tol(w, 61.25, TOL);
	/* (3*95 + 1*70) / 4 = 88.75 -> critical (82.5 unweighted would be too) */
	ck_assert_int_eq(mid_severity(3, 95, 1, 70, &w, &imp), SEV_CRITICAL);
	ck_assert_double_eq_tol(w, 88.75, TOL);
	/* (2*60 + 2*70) / 4 = 65 -> high; capacities: source 1000/0.4 = 2500 (the next slowest),
	 * destination 1000/0.3, parse 1000/0.95: a speed-up of 2500 * 0.95 / 1000 = 2.375, impact
	 * 100 * (1 - 1 / 2.375) */
	ck_assert_int_eq(mid_severity(2, 60, 2, 70, &w, &imp), SEV_HIGH);
	ck_assert_double_eq_tol(w, 65, TOL);
	ck_assert_double_eq_tol(imp, 100 * (1 - 1 / 2.375), TOL);
}
END_TEST

/* Four stages: the other transform counts too, with its threads:
 * (1*60 + 2*55 + 1*60) / 4 = 57.5 -> medium. */
START_TEST(bottleneck_transform_medium_four_stages)
{
	const struct an_stage st[] = {
		SRC(1, 40, 60, 0, 8000),
		XF("parse", 4, 95, 0, 5, 8000),
		XF("enrich", 2, 45, 0, 55, 8000),
		DST(1, 40, 0, 60, 8000),
	};
	struct analyzer_input in;
	input_set_stages(&in, st, 4, NULL, 0);
	struct findings out;
	run(&in, &out);
	const struct finding *f = one_of(&out, FIND_PIPELINE_BOTTLENECK);
	ck_assert_str_eq(f->component, "parse");
	assert_sev(f, SEV_MEDIUM);
	ck_assert_double_eq_tol(figure(f, "waiting_pct"), 57.5, TOL);
	/* capacities: source 20000, parse 8000/0.95, enrich 8000/0.45 = 17777.8 (the next slowest),
	 * destination 20000 */
	ck_assert_double_eq_tol(f->impact_pct, 100 * (1 - 0.45 / 0.95), TOL);
	ck_assert_msg(strstr(f->impact_of, ": enrich could take about 17,778 records/s, 2.1x"), "impact_of: %s",
		      f->impact_of);
	findings_free(&out);
}
END_TEST

/* A full input channel pushes the stage as a backpressured upstream does:
 * source backpressured only 20%, channel 90% full, destination idle 50%:
 * waiting (20 + 50) / 2 = 35 -> low; the channel in front of it is capped
 * at the bottleneck's severity (low, not high). */
START_TEST(bottleneck_pushed_by_full_channel_low)
{
	const struct an_stage st[] = {
		SRC(1, 80, 20, 0, 1000),
		XF("parse", 4, 95, 0, 5, 1000),
		DST(1, 50, 0, 50, 1000),
	};
	const struct an_channel ch[] = { CHAN("source->parse", 90), CHAN("parse->destination", 0) };
	struct analyzer_input in;
	input_set_stages(&in, st, 3, ch, 2);
	struct findings out;
	run(&in, &out);
	const struct finding *f = one_of(&out, FIND_PIPELINE_BOTTLENECK);
	ck_assert_str_eq(f->component, "parse");
	assert_sev(f, SEV_LOW);
	ck_assert_double_eq_tol(figure(f, "waiting_pct"), 35, TOL);
	const struct finding *c = one_of(&out, FIND_CHANNEL_BACKPRESSURE);
	ck_assert_str_eq(c->component, "source->parse");
	assert_sev(c, SEV_LOW);
	findings_free(&out);
}
END_TEST

START_TEST(bottleneck_needs_pushed_upstream)
{
	/* parse is busy and its downstream idle, but nothing pushes it: no bottleneck */
	const struct an_stage st[] = {
		SRC(1, 70, 20, 10, 50000),
		XF("parse", 4, 95, 0, 5, 50000),
		DST(1, 10, 0, 90, 50000),
	};
	const struct an_channel ch[] = { CHAN("source->parse", 50), CHAN("parse->destination", 5) };
	struct analyzer_input in;
	input_set_stages(&in, st, 3, ch, 2);
	struct findings out;
	run(&in, &out);
	ck_assert_uint_eq(count_type(&out, FIND_PIPELINE_BOTTLENECK), 0);
	ck_assert_uint_eq(out.n, 0);
	findings_free(&out);
}
END_TEST

START_TEST(bottleneck_needs_idle_downstream)
{
	/* pushed and busy, its downstream busy too but not holding it back: it
	 * is not backpressured, so nothing after it is slower; it is the
	 * bottleneck, with the waiting share of the others (source 90,
	 * destination idle 40: 65 -> high) */
	const struct an_stage st[] = {
		SRC(1, 10, 90, 0, 50000),
		XF("parse", 4, 95, 0, 5, 50000),
		DST(1, 60, 0, 40, 50000),
	};
	struct analyzer_input in;
	input_set_stages(&in, st, 3, NULL, 0);
	struct findings out;
	run(&in, &out);
	const struct finding *f = one_of(&out, FIND_PIPELINE_BOTTLENECK);
	ck_assert_str_eq(f->component, "parse");
	assert_sev(f, SEV_HIGH);
	findings_free(&out);

	/* parse backpressured half its time by the stages after it: not parse's
	 * doing, and no stage after it qualifies either */
	const struct an_stage st2[] = {
		SRC(1, 10, 90, 0, 50000),
		XF("parse", 4, 95, 55, 5, 50000),
		XF("enrich", 2, 30, 0, 70, 50000),
		DST(1, 70, 0, 30, 50000),
	};
	in.stages = st2;
	in.nstages = 4;
	run(&in, &out);
	ck_assert_uint_eq(count_type(&out, FIND_PIPELINE_BOTTLENECK), 0);
	findings_free(&out);
}
END_TEST

/* source 90% and typed (4 threads) 80% backpressured, destination busy 98%:
 * waiting (1*90 + 4*80) / 5 = 82 -> critical; capacities: source 20000/0.1,
 * typed 20000/0.15 (the next slowest), destination 20000/0.98: impact
 * 100 * (0.98 / 0.15 - 1). */
START_TEST(bottleneck_destination)
{
	const struct an_stage st[] = {
		SRC(1, 10, 90, 0, 20000),
		XF("typed", 4, 15, 80, 5, 20000),
		DST(1, 98, 0, 2, 20000),
	};
	struct analyzer_input in;
	input_set_stages(&in, st, 3, NULL, 0);
	struct findings out;
	run(&in, &out);
	ck_assert_uint_eq(out.n, 1);
	const struct finding *f = one_of(&out, FIND_PIPELINE_BOTTLENECK);
	ck_assert_str_eq(f->component, "destination");
	ck_assert_str_eq(f->stage, "destination");
	assert_sev(f, SEV_CRITICAL);
	ck_assert_double_eq_tol(figure(f, "waiting_pct"), 82, TOL);
	ck_assert_double_eq_tol(f->impact_pct, 100 * (1 - 0.15 / 0.98), TOL);
	ck_assert_msg(strstr(f->impact_of, ": typed could take about 133,333 records/s"), "impact_of: %s", f->impact_of);
	ck_assert_msg(!strncmp(f->description, "The destination is the bottleneck: busy 98.0% at 20,000",
			       strlen("The destination is the bottleneck: busy 98.0% at 20,000")),
		      "description: %s", f->description);
	findings_free(&out);

	/* one upstream stage not backpressured: not the destination's doing */
	const struct an_stage st2[] = {
		SRC(1, 10, 90, 0, 20000),
		XF("typed", 4, 15, 40, 45, 20000),
		DST(1, 98, 0, 2, 20000),
	};
	in.stages = st2;
	run(&in, &out);
	ck_assert_uint_eq(count_type(&out, FIND_PIPELINE_BOTTLENECK), 0);
	findings_free(&out);

	/* a destination that is not busy is not the bottleneck */
	const struct an_stage st3[] = {
		SRC(1, 10, 90, 0, 20000),
		XF("typed", 4, 15, 80, 5, 20000),
		DST(1, 70, 0, 30, 20000),
	};
	in.stages = st3;
	run(&in, &out);
	ck_assert_uint_eq(count_type(&out, FIND_PIPELINE_BOTTLENECK), 0);
	findings_free(&out);
}
END_TEST

/* A destination bottleneck whose connector waits on its server most of its
 * busy time is named as waiting on it, with the wait among its figures and
 * suggestions about round trips first; below server_wait_pct (50) it is a
 * plain destination bottleneck; a source waiting on its server likewise. */
START_TEST(bottleneck_connector_waiting)
{
	struct an_stage st[] = {
		SRC(1, 10, 90, 0, 20000),
		XF("typed", 4, 15, 80, 5, 20000),
		DST(1, 98, 0, 2, 20000),
	};
	st[2].waits_on = "PostgreSQL server";
	st[2].wait_pct = 85;
	struct analyzer_input in;
	input_set_stages(&in, st, 3, NULL, 0);
	struct findings out;
	run(&in, &out);
	const struct finding *f = one_of(&out, FIND_PIPELINE_BOTTLENECK);
	ck_assert_str_eq(f->component, "destination");
	const char *want = "The destination is the bottleneck, waiting on its PostgreSQL server: 85% of its busy "
			   "time waits on it; busy 98.0%";
	ck_assert_msg(!strncmp(f->description, want, strlen(want)), "description: %s", f->description);
	ck_assert_double_eq_tol(figure(f, "wait_pct"), 85, TOL);
	ck_assert_msg(strstr(f->suggestions[0], "The PostgreSQL server sets the pace: commit less often"),
		      "suggestion: %s",
		      f->suggestions[0]);
	findings_free(&out);

	st[2].wait_pct = 49;
	run(&in, &out);
	f = one_of(&out, FIND_PIPELINE_BOTTLENECK);
	ck_assert_msg(!strstr(f->description, "waiting on"), "description: %s", f->description);
	ck_assert_double_eq_tol(figure(f, "wait_pct"), 49, TOL);
	findings_free(&out);

	struct an_stage st2[] = {
		SRC(1, 95, 0, 5, 2000),
		XF("typed", 4, 5, 0, 95, 2000),
		DST(1, 5, 0, 95, 2000),
	};
	st2[0].waits_on = "HTTP server";
	st2[0].wait_pct = 90;
	in.stages = st2;
	run(&in, &out);
	f = one_of(&out, FIND_PIPELINE_BOTTLENECK);
	ck_assert_str_eq(f->component, "source");
	ck_assert_msg(strstr(f->description, "The source is the limit, waiting on its HTTP server: 90%"),
		      "description: %s", f->description);
	findings_free(&out);
}
END_TEST

/* Everything but the source idle: the source sets the pace, and every
 * other stage has headroom. A generator making records as fast as its
 * thread can (it waits on nothing outside) is input the pipeline keeps up
 * with: a keeps_up verdict at low, with the headroom as a figure (the next
 * slowest stage's capacity as a multiple of the input rate). */
START_TEST(source_keeps_up)
{
	const struct an_stage st[] = {
		SRC(1, 50, 0, 50, 2000),
		XF("work", 4, 5, 0, 95, 2000),
		DST(1, 2, 0, 98, 2000),
	};
	struct analyzer_input in;
	input_set_stages(&in, st, 3, NULL, 0);
	struct findings out;
	run(&in, &out);
	ck_assert_uint_eq(out.n, 1);
	ck_assert_uint_eq(count_type(&out, FIND_PIPELINE_BOTTLENECK), 0);
	const struct finding *f = one_of(&out, FIND_KEEPS_UP);
	ck_assert_str_eq(f->component, "source");
	assert_sev(f, SEV_LOW);
	/* work could take 40,000/s (2,000 at 5% busy): 20x the input rate */
	ck_assert_double_eq_tol(figure(f, "headroom"), 20, TOL);
	ck_assert_msg(strstr(f->description, "The pipeline keeps up with its input: the source makes 2,000 records/s as "
					     "fast as its thread can, and every stage has headroom: the slowest other "
					     "stage, work, is 5.0% busy: 20.0x headroom over the input rate"),
		      "description: %s", f->description);
	findings_free(&out);

	/* however idle the transforms, and without any */
	const struct an_stage st3[] = {
		SRC(1, 30, 0, 70, 10000),
		DST(1, 2, 0, 98, 10000),
	};
	in.stages = st3;
	in.nstages = 2;
	run(&in, &out);
	assert_sev(one_of(&out, FIND_KEEPS_UP), SEV_LOW);
	findings_free(&out);

	/* a backpressured source does not set the pace */
	const struct an_stage st4[] = {
		SRC(1, 30, 60, 10, 2000),
		XF("work", 4, 5, 0, 95, 2000),
		DST(1, 2, 0, 98, 2000),
	};
	in.stages = st4;
	in.nstages = 3;
	run(&in, &out);
	ck_assert_uint_eq(count_type(&out, FIND_PIPELINE_BOTTLENECK), 0);
	ck_assert_uint_eq(count_type(&out, FIND_KEEPS_UP), 0);
	findings_free(&out);
}
END_TEST

/* A source that waits on an external system is named as the limit, at most
 * medium however idle the rest, with advice for that kind of input: the
 * program writing into a pipe, the disk for a file, the API's pages for
 * HTTP, the query and the server for PostgreSQL; database advice only for
 * a database. */
START_TEST(source_waits_by_kind)
{
	static const struct {
		const char *waits_on, *want, *never[3];
	} kinds[] = {
		{ "pipe", "The program writing into the pipe sets the pace", { "index", "trigger", "disk" } },
		{ "file", "Reading the file is the limit: the disk", { "index", "trigger", "constraint" } },
		{ "HTTP server", "ask for larger pages", { "index", "trigger", "disk" } },
		{ "PostgreSQL server", "look at the query (EXPLAIN it", { "disk or network", "program writing", "pages" } },
	};
	struct an_stage st[] = {
		SRC(1, 98, 0, 2, 2000),
		XF("work", 4, 5, 0, 95, 2000),
		DST(1, 2, 0, 98, 2000),
	};
	struct analyzer_input in;
	input_set_stages(&in, st, 3, NULL, 0);
	for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++) {
		st[0].waits_on = kinds[k].waits_on;
		st[0].wait_pct = 93;
		struct findings out;
		run(&in, &out);
		const struct finding *f = one_of(&out, FIND_PIPELINE_BOTTLENECK);
		ck_assert_str_eq(f->component, "source");
		assert_sev(f, SEV_MEDIUM); /* the transforms wait 95%: critical, capped */
		char want[128];
		snprintf(want, sizeof want, "The source is the limit, waiting on its %s: 93%%", kinds[k].waits_on);
		ck_assert_msg(strstr(f->description, want), "description: %s", f->description);
		ck_assert_msg(has_suggestion(f, kinds[k].want), "%s: %s", kinds[k].waits_on, all_suggestions(&out));
		for (int j = 0; j < 3; j++)
			ck_assert_msg(!any_suggestion(&out, kinds[k].never[j]), "%s advice has '%s': %s", kinds[k].waits_on,
				      kinds[k].never[j], all_suggestions(&out));
		ck_assert_double_eq_tol(figure(f, "headroom"), 20, TOL);
		findings_free(&out);
	}

	/* a source reading a file but spending its time parsing: the limit too,
	 * at most medium, told to decode on more threads when they would help */
	st[0].waits_on = "file";
	st[0].wait_pct = 10;
	st[0].threads = 4;
	in.cores = 8;
	in.cores_used = 2;
	struct findings out;
	run(&in, &out);
	const struct finding *f = one_of(&out, FIND_PIPELINE_BOTTLENECK);
	assert_sev(f, SEV_MEDIUM);
	ck_assert_msg(strstr(f->description, "reading and parsing its input"), "description: %s", f->description);
	ck_assert_msg(has_suggestion(f, "decode on more threads (-workers)"), "%s", all_suggestions(&out));
	findings_free(&out);
}
END_TEST

/* A source at its configured rate keeps up (low), and what-could-be figures
 * never pass a configured pace: with the destination's rate_limit = 3000
 * the headroom is 1.5x (not the 20x its busy share would say), and a
 * transform bottleneck's impact is capped at the source's rate = 60000. */
START_TEST(configured_pace_caps)
{
	struct an_stage st[] = {
		SRC(1, 100, 0, 0, 2000),
		XF("work", 4, 5, 0, 95, 2000),
		DST(1, 2, 0, 98, 2000),
	};
	st[0].rate_limit = 2000;
	st[0].rate_key = "rate";
	st[2].rate_limit = 3000;
	st[2].rate_key = "rate_limit";
	struct analyzer_input in;
	input_set_stages(&in, st, 3, NULL, 0);
	struct findings out;
	run(&in, &out);
	const struct finding *f = one_of(&out, FIND_KEEPS_UP);
	assert_sev(f, SEV_LOW);
	ck_assert_double_eq_tol(figure(f, "headroom"), 1.5, TOL);
	ck_assert_msg(strstr(f->description, "the source delivers its configured rate = 2000 (2,000 records/s) and every "
					     "stage has headroom: the slowest other stage, destination, is held at its "
					     "configured rate_limit = 3000, 1.5x the input rate"),
		      "description: %s", f->description);
	findings_free(&out);

	/* the source could make 400,000/s by its busy share, but its rate is
	 * 60,000: stage burn (30,000/s at 95%) would gain at most 1.9x */
	struct an_stage st2[] = {
		SRC(1, 7.5, 90, 2.5, 30000),
		XF("burn", 2, 95, 0, 5, 30000),
		DST(1, 3, 0, 97, 30000),
	};
	st2[0].rate_limit = 60000;
	st2[0].rate_key = "rate";
	in.stages = st2;
	run(&in, &out);
	f = one_of(&out, FIND_PIPELINE_BOTTLENECK);
	ck_assert_str_eq(f->component, "burn");
	double cap = 30000 / 0.95;
	ck_assert_double_eq_tol(figure(f, "speedup"), 60000 / cap, 1e-6);
	ck_assert_double_eq_tol(f->impact_pct, 100 * (1 - cap / 60000), 1e-6);
	ck_assert_msg(strstr(f->impact_of, "source is held at its configured rate = 60000, 1.9x what burn gives"),
		      "impact_of: %s", f->impact_of);
	findings_free(&out);
}
END_TEST

/* Stages busy under 1% have no known capacity: with none left, the impact
 * is the waiting share (90), not 100 * (50000/0.005 / (50000/0.95) - 1). */
START_TEST(bottleneck_impact_unknown_capacity)
{
	const struct an_stage st[] = {
		SRC(1, 0.5, 90, 9.5, 50000),
		XF("parse", 4, 95, 0, 5, 50000),
		DST(1, 0.5, 0, 90, 50000),
	};
	struct analyzer_input in;
	input_set_stages(&in, st, 3, NULL, 0);
	struct findings out;
	run(&in, &out);
	const struct finding *f = one_of(&out, FIND_PIPELINE_BOTTLENECK);
	ck_assert_str_eq(f->component, "parse");
	ck_assert_double_eq_tol(f->impact_pct, 90, TOL);
	ck_assert_str_eq(f->impact_of, "the other stages' thread time spent waiting on parse");
	findings_free(&out);

	/* with the destination busy 10% (capacity 500000) the impact is the same again */
	const struct an_stage st2[] = {
		SRC(1, 0.5, 90, 9.5, 50000),
		XF("parse", 4, 95, 0, 5, 50000),
		DST(1, 10, 0, 90, 50000),
	};
	in.stages = st2;
	run(&in, &out);
	f = one_of(&out, FIND_PIPELINE_BOTTLENECK);
	ck_assert_double_eq_tol(f->impact_pct, 100 * (1 - 1 / 9.5), TOL);
	findings_free(&out);
}
END_TEST

START_TEST(bottleneck_needs_records)
{
	const struct an_stage st[] = {
		SRC(1, 8, 90, 2, 0),
		XF("parse", 4, 95, 0, 5, 0),
		DST(1, 10, 0, 90, 0),
	};
	struct analyzer_input in;
	input_set_stages(&in, st, 3, NULL, 0);
	in.records_in = 0;
	struct findings out;
	run(&in, &out);
	ck_assert_uint_eq(count_type(&out, FIND_PIPELINE_BOTTLENECK), 0);
	findings_free(&out);
}
END_TEST

/* A what-if result measured on a stage (whatif_run.h) in rounds: 50,000
 * records/s as it is, the given rate at 2x (and a 95% interval of +-10,000
 * around it). */
static struct whatif_result whatif_measured(const char *stage, unsigned rounds, double at_2x, const char *limiter)
{
	struct whatif_result w;
	memset(&w, 0, sizeof w);
	snprintf(w.stage, sizeof w.stage, "%s", stage);
	snprintf(w.limiter, sizeof w.limiter, "%s", limiter);
	w.rounds = rounds;
	w.state = WHATIF_DONE;
	w.baseline = 50000;
	w.baseline_low = 49000;
	w.baseline_high = 51000;
	w.points[0] = (struct whatif_point){ 1.25, 60000, 59000, 61000 };
	w.points[1] = (struct whatif_point){ 1.5, 70000, 69000, 71000 };
	w.points[2] = (struct whatif_point){ 2.0, at_2x, at_2x - 10000, at_2x + 10000 };
	return w;
}

/* With 2 rounds or more of what-if experiments on the bottleneck stage, its
 * impact is the measured gain at 2x (not the capacity arithmetic), impact_of
 * says it was measured and by how many rounds, the description tells the
 * gain and what would limit next, and a small gain with another limiter
 * says to work on that one; with fewer rounds, or a result for another
 * stage, the arithmetic stays. The parse bottleneck of
 * bottleneck_transform_critical (arithmetic: 100 * (1 - 1/9.5)). */
START_TEST(bottleneck_impact_measured_by_whatif)
{
	const struct an_stage st[] = {
		SRC(1, 8, 90, 2, 50000),
		XF("parse", 4, 95, 0, 5, 50000),
		DST(1, 10, 0, 90, 50000),
	};
	const struct an_channel ch[] = { CHAN("source->parse", 50), CHAN("parse->destination", 5) };
	struct analyzer_input in;
	input_set_stages(&in, st, 3, ch, 2);
	const char *lead = "Stage parse is the bottleneck: busy 95.0% at 50,000 records/s";
	struct findings out;

	/* 3 rounds: 80,000 records/s at 2x, +60%; the destination would limit */
	struct whatif_result w[2] = { whatif_measured("destination", 3, 200000, "destination"),
				      whatif_measured("parse", 3, 80000, "destination") };
	in.whatif = w;
	in.nwhatif = 2;
	run(&in, &out);
	const struct finding *f = one_of(&out, FIND_PIPELINE_BOTTLENECK);
	ck_assert_str_eq(f->stage, "parse");
	ck_assert_double_eq_tol(f->impact_pct, 60, TOL);
	ck_assert_msg(strstr(f->impact_of, "measured by 3 rounds of virtual speed-up experiments"), "impact_of: %s",
		      f->impact_of);
	ck_assert_msg(strstr(f->impact_of, "2x faster"), "impact_of: %s", f->impact_of);
	ck_assert_msg(!strncmp(f->description, lead, strlen(lead)), "description: %s", f->description);
	ck_assert_msg(
	    strstr(f->description, "; what-if: making parse 2x faster would gain +60%: destination would then limit"),
	    "description: %s", f->description);
	ck_assert_double_eq_tol(figure(f, "whatif_gain_2x_pct"), 60, TOL);
	ck_assert_msg(!has_suggestion(f, "Speeding up parse alone buys little"), "%s", all_suggestions(&out));
	findings_free(&out);

	/* 2 rounds are enough; the stage itself would still limit: no "then
	 * limit" */
	w[1] = whatif_measured("parse", 2, 95000, "parse");
	run(&in, &out);
	f = one_of(&out, FIND_PIPELINE_BOTTLENECK);
	ck_assert_double_eq_tol(f->impact_pct, 90, TOL);
	ck_assert_msg(strstr(f->impact_of, "measured by 2 rounds"), "impact_of: %s", f->impact_of);
	ck_assert_msg(strstr(f->description, "; what-if: making parse 2x faster would gain +90%"), "description: %s",
		      f->description);
	ck_assert_msg(!strstr(f->description, "would then limit"), "description: %s", f->description);
	findings_free(&out);

	/* a small gain, another limiter: work on that one; a loss is no impact */
	w[1] = whatif_measured("parse", 4, 52000, "destination");
	run(&in, &out);
	f = one_of(&out, FIND_PIPELINE_BOTTLENECK);
	ck_assert_double_eq_tol(f->impact_pct, 4, TOL);
	ck_assert_msg(
	    has_suggestion(f, "Speeding up parse alone buys little (+4% at 2x): destination would then limit"), "%s",
	    all_suggestions(&out));
	findings_free(&out);
	w[1] = whatif_measured("parse", 4, 45000, "parse");
	run(&in, &out);
	f = one_of(&out, FIND_PIPELINE_BOTTLENECK);
	ck_assert_double_eq_tol(f->impact_pct, 0, TOL);
	ck_assert_double_eq_tol(figure(f, "whatif_gain_2x_pct"), -10, TOL);
	findings_free(&out);

	/* a loss under half a percent is shown as +0%, never -0% */
	w[1] = whatif_measured("parse", 4, 49800, "destination");
	run(&in, &out);
	f = one_of(&out, FIND_PIPELINE_BOTTLENECK);
	ck_assert_msg(strstr(f->description, "making parse 2x faster would gain +0%: destination would then limit"),
		      "description: %s", f->description);
	ck_assert_msg(!strstr(f->description, "-0%") && !strstr(f->impact_of, "-0%"), "%s / %s", f->description,
		      f->impact_of);
	findings_free(&out);

	/* an interval at 2x that holds both no gain and a gain of 25% or more
	 * is too noisy to tell: the description says so, the arithmetic stays
	 * the impact */
	w[1] = whatif_measured("parse", 4, 60000, "destination");
	w[1].points[2].low = 30000;
	w[1].points[2].high = 90000;
	run(&in, &out);
	f = one_of(&out, FIND_PIPELINE_BOTTLENECK);
	ck_assert_msg(strstr(f->description, "; what-if: too noisy to tell what making parse 2x faster would gain "
					     "(-40% to +80%)"),
		      "description: %s", f->description);
	ck_assert_double_eq_tol(f->impact_pct, 100 * (1 - 1 / 9.5), TOL);
	ck_assert_msg(!strstr(f->impact_of, "measured"), "impact_of: %s", f->impact_of);
	ck_assert_msg(!has_suggestion(f, "buys little"), "%s", all_suggestions(&out));
	findings_free(&out);
	/* as wide, but all of it a gain (+15% to +100%): a measured answer */
	w[1].points[2].low = 57500;
	w[1].points[2].high = 100000;
	run(&in, &out);
	f = one_of(&out, FIND_PIPELINE_BOTTLENECK);
	ck_assert_msg(strstr(f->description, "making parse 2x faster would gain +20%"), "description: %s",
		      f->description);
	ck_assert_double_eq_tol(f->impact_pct, 20, TOL);
	findings_free(&out);
	/* from no gain to +24%: no gain worth having either way, measured */
	w[1].points[2].low = 48000;
	w[1].points[2].high = 62000;
	run(&in, &out);
	f = one_of(&out, FIND_PIPELINE_BOTTLENECK);
	ck_assert_msg(!strstr(f->description, "too noisy"), "description: %s", f->description);
	findings_free(&out);

	/* 1 round: the arithmetic stays, and nothing is said of the experiment */
	w[1] = whatif_measured("parse", 1, 80000, "destination");
	run(&in, &out);
	f = one_of(&out, FIND_PIPELINE_BOTTLENECK);
	ck_assert_double_eq_tol(f->impact_pct, 100 * (1 - 1 / 9.5), TOL);
	ck_assert_msg(!strstr(f->impact_of, "measured"), "impact_of: %s", f->impact_of);
	ck_assert_msg(!strstr(f->description, "what-if"), "description: %s", f->description);
	findings_free(&out);

	/* a result for another stage only: the arithmetic stays */
	in.nwhatif = 1;
	run(&in, &out);
	f = one_of(&out, FIND_PIPELINE_BOTTLENECK);
	ck_assert_double_eq_tol(f->impact_pct, 100 * (1 - 1 / 9.5), TOL);
	ck_assert_msg(!strstr(f->description, "what-if"), "description: %s", f->description);
	findings_free(&out);

	/* a pipeline that keeps up with its source (source_keeps_up): the
	 * source's measured gain is its impact (0 without: headroom is no loss) */
	const struct an_stage up[] = {
		SRC(1, 50, 0, 50, 2000),
		XF("work", 4, 5, 0, 95, 2000),
		DST(1, 2, 0, 98, 2000),
	};
	input_set_stages(&in, up, 3, NULL, 0);
	run(&in, &out);
	ck_assert_double_eq_tol(one_of(&out, FIND_KEEPS_UP)->impact_pct, 0, TOL);
	findings_free(&out);
	w[0] = whatif_measured("source", 3, 75000, "source");
	in.whatif = w;
	in.nwhatif = 1;
	run(&in, &out);
	f = one_of(&out, FIND_KEEPS_UP);
	ck_assert_double_eq_tol(f->impact_pct, 50, TOL);
	ck_assert_msg(strstr(f->impact_of, "measured by 3 rounds"), "impact_of: %s", f->impact_of);
	ck_assert_msg(strstr(f->description, "; what-if: making source 2x faster would gain +50%"), "description: %s",
		      f->description);
	findings_free(&out);
}
END_TEST

/* --- channels -------------------------------------------------------------------------------- */

START_TEST(channel_bands)
{
	/* no bottleneck (nobody busy): the bands alone; avg above 60 medium, above 85 high */
	const struct an_stage st[] = {
		SRC(1, 40, 40, 20, 1000),
		XF("a", 2, 50, 30, 20, 1000),
		XF("b", 2, 50, 30, 20, 1000),
		XF("c", 2, 50, 30, 20, 1000),
		DST(1, 50, 0, 30, 1000),
	};
	const struct an_channel ch[] = { CHAN("source->a", 60), CHAN("a->b", 60.5), CHAN("b->c", 85),
					 CHAN("c->destination", 85.5) };
	struct analyzer_input in;
	input_set_stages(&in, st, 5, ch, 4);
	struct findings out;
	run(&in, &out);
	ck_assert_uint_eq(count_type(&out, FIND_PIPELINE_BOTTLENECK), 0);
	ck_assert_uint_eq(count_type(&out, FIND_CHANNEL_BACKPRESSURE), 3);
	ck_assert_ptr_null(find_comp(&out, FIND_CHANNEL_BACKPRESSURE, "source->a"));
	assert_sev(find_comp(&out, FIND_CHANNEL_BACKPRESSURE, "a->b"), SEV_MEDIUM);
	assert_sev(find_comp(&out, FIND_CHANNEL_BACKPRESSURE, "b->c"), SEV_MEDIUM);
	const struct finding *f = find_comp(&out, FIND_CHANNEL_BACKPRESSURE, "c->destination");
	assert_sev(f, SEV_HIGH);
	ck_assert_str_eq(f->stage, "destination");
	ck_assert_double_eq_tol(f->impact_pct, 85.5 / 2, TOL);
	ck_assert_str_eq(find_comp(&out, FIND_CHANNEL_BACKPRESSURE, "a->b")->stage, "b");
	ck_assert_int_eq(out.v[0].type, FIND_CHANNEL_BACKPRESSURE);
	ck_assert_str_eq(out.v[0].component, "c->destination");
	findings_free(&out);
}
END_TEST

START_TEST(channel_feeding_bottleneck_capped)
{
	/* bottleneck parse at medium (50); the channels around it, 95% full, are
	 * capped at medium: with a pipeline bottleneck, no channel ranks above it */
	const struct an_stage st[] = {
		SRC(1, 50, 50, 0, 1000),
		XF("parse", 4, 95, 0, 5, 1000),
		DST(1, 50, 0, 50, 1000),
	};
	const struct an_channel ch[] = { CHAN("source->parse", 95), CHAN("parse->destination", 95) };
	struct analyzer_input in;
	input_set_stages(&in, st, 3, ch, 2);
	struct findings out;
	run(&in, &out);
	const struct finding *b = one_of(&out, FIND_PIPELINE_BOTTLENECK);
	ck_assert_str_eq(b->component, "parse");
	assert_sev(b, SEV_MEDIUM);
	assert_sev(find_comp(&out, FIND_CHANNEL_BACKPRESSURE, "source->parse"), SEV_MEDIUM);
	assert_sev(find_comp(&out, FIND_CHANNEL_BACKPRESSURE, "parse->destination"), SEV_MEDIUM);
	/* the stage first (the primary), then the channels */
	ck_assert_uint_eq(out.n, 3);
	ck_assert_int_eq(out.v[0].type, FIND_PIPELINE_BOTTLENECK);
	ck_assert_str_eq(out.v[1].component, "parse->destination");
	ck_assert_str_eq(out.v[2].component, "source->parse");
	findings_free(&out);
}
END_TEST

/* --- CPU hotspots ---------------------------------------------------------------------------- */

START_TEST(hotspot_bands)
{
	const struct an_function fn[] = {
		{ .name = "json_escape", .stage = "destination", .flat_pct = 45.2, .stage_pct = 80 },
		{ .name = "strtod", .stage = "typed", .flat_pct = 30, .stage_pct = 60 },
		{ .name = "memcpy", .stage = NULL, .flat_pct = 20, .stage_pct = 0 },
		{ .name = "qsort", .stage = "typed", .flat_pct = 19.9, .stage_pct = 40 },
	};
	/* typed and destination busy (so that no cap applies), and no bottleneck */
	const struct an_stage st[] = {
		SRC(1, 40, 30, 30, 10000),
		XF("typed", 4, 85, 0, 15, 10000),
		DST(1, 85, 0, 15, 10000),
	};
	struct analyzer_input in;
	calm_input(&in);
	in.stages = st;
	in.cpu_samples = 1000;
	in.functions = fn;
	in.nfunctions = 4;
	struct findings out;
	run(&in, &out);
	ck_assert_uint_eq(count_type(&out, FIND_CPU_HOTSPOT), 3);
	const struct finding *f = find_comp(&out, FIND_CPU_HOTSPOT, "json_escape");
	assert_sev(f, SEV_CRITICAL);
	ck_assert_str_eq(f->description, "Function 'json_escape' in stage destination consuming 45.2% of CPU time");
	ck_assert_str_eq(f->stage, "destination");
	ck_assert_double_eq_tol(f->impact_pct, 45.2, TOL);
	ck_assert_double_eq_tol(figure(f, "stage_pct"), 80, TOL);
	ck_assert_double_eq_tol(figure(f, "samples"), 1000, TOL);
	f = find_comp(&out, FIND_CPU_HOTSPOT, "strtod");
	assert_sev(f, SEV_HIGH);
	/* in no stage: it holds nothing back, and the machine is not busy */
	f = find_comp(&out, FIND_CPU_HOTSPOT, "memcpy");
	assert_sev(f, SEV_LOW);
	ck_assert_str_eq(f->stage, "");
	ck_assert_str_eq(f->description, "Function 'memcpy' consuming 20.0% of CPU time");
	ck_assert_ptr_null(find_comp(&out, FIND_CPU_HOTSPOT, "qsort"));
	ck_assert_str_eq(out.v[0].component, "json_escape");
	findings_free(&out);

	/* 50 samples is enough; 49 is noise */
	in.cpu_samples = 50;
	run(&in, &out);
	ck_assert_uint_eq(count_type(&out, FIND_CPU_HOTSPOT), 3);
	findings_free(&out);
	in.cpu_samples = 49;
	run(&in, &out);
	ck_assert_uint_eq(count_type(&out, FIND_CPU_HOTSPOT), 0);
	ck_assert_uint_eq(out.n, 0);
	findings_free(&out);
}
END_TEST

/* A sanitizer's runtime is never a hotspot: in a ThreadSanitizer build on a
 * busy machine, __tsan::MemoryAccessRange at 29% of the samples of a
 * pipeline that keeps up outranked the verdict. The same share under a
 * name of the pipeline's own is one. */
START_TEST(hotspot_not_sanitizer_runtime)
{
	struct an_function fn[] = {
		{ .name = "_ZN6__tsan17MemoryAccessRangeEPNS_11ThreadStateEmmmb.part.0", .stage = "destination",
		  .flat_pct = 29.1, .stage_pct = 60 },
		{ .name = "__tsan_read8", .stage = "destination", .flat_pct = 25, .stage_pct = 50 },
		{ .name = "__asan_memcpy", .stage = NULL, .flat_pct = 22, .stage_pct = 0 },
		{ .name = "_ZN11__sanitizer15internal_memcpyEPvPKvm", .stage = NULL, .flat_pct = 21, .stage_pct = 0 },
	};
	const struct an_stage st[] = {
		SRC(1, 40, 30, 30, 10000),
		XF("typed", 4, 85, 0, 15, 10000),
		DST(1, 85, 0, 15, 10000),
	};
	struct analyzer_input in;
	calm_input(&in);
	in.stages = st;
	in.cpu_samples = 1000;
	in.functions = fn;
	in.nfunctions = 4;
	struct findings out;
	run(&in, &out);
	ck_assert_uint_eq(count_type(&out, FIND_CPU_HOTSPOT), 0);
	findings_free(&out);
	fn[0].name = "tsan_like_but_ours";
	run(&in, &out);
	ck_assert_uint_eq(count_type(&out, FIND_CPU_HOTSPOT), 1);
	ck_assert_ptr_nonnull(find_comp(&out, FIND_CPU_HOTSPOT, "tsan_like_but_ours"));
	findings_free(&out);
}
END_TEST

START_TEST(hotspot_in_bottleneck_capped)
{
	/* parse is the bottleneck at medium (waiting 50): its hot function, 50% of
	 * the samples, is capped at medium; one elsewhere at 50% holds nothing
	 * back: low while the machine has idle cores, medium when its cores are
	 * mostly busy (it competes for them); the bottleneck is primary */
	const struct an_stage st[] = {
		SRC(1, 50, 50, 0, 1000),
		XF("parse", 4, 95, 0, 5, 1000),
		DST(1, 50, 0, 50, 1000),
	};
	const struct an_function fn[] = {
		{ .name = "parse_row", .stage = "parse", .flat_pct = 50, .stage_pct = 70 },
		{ .name = "json_escape", .stage = "destination", .flat_pct = 50, .stage_pct = 90 },
	};
	struct analyzer_input in;
	input_set_stages(&in, st, 3, NULL, 0);
	in.cpu_samples = 2000;
	in.functions = fn;
	in.nfunctions = 2;
	struct findings out;
	run(&in, &out);
	assert_sev(one_of(&out, FIND_PIPELINE_BOTTLENECK), SEV_MEDIUM);
	assert_sev(find_comp(&out, FIND_CPU_HOTSPOT, "parse_row"), SEV_MEDIUM);
	const struct finding *f = find_comp(&out, FIND_CPU_HOTSPOT, "json_escape");
	assert_sev(f, SEV_LOW);
	ck_assert_msg(strstr(f->description, "; stage destination is 50% busy and not the bottleneck (parse is)"),
		      "description: %s", f->description);
	f = find_comp(&out, FIND_CPU_HOTSPOT, "parse_row");
	ck_assert_msg(!strstr(f->description, "not the bottleneck"), "description: %s", f->description);
	ck_assert_uint_eq(out.n, 3);
	/* the stage before the hot functions */
	ck_assert_int_eq(out.v[0].type, FIND_PIPELINE_BOTTLENECK);
	ck_assert_str_eq(out.v[1].component, "parse_row");
	ck_assert_str_eq(out.v[2].component, "json_escape");
	findings_free(&out);

	/* nebtop uses 0.4 of 2 cores but the whole machine 1.8: mostly busy */
	in.cores = 2;
	in.cores_used = 0.4;
	in.machine_busy_cores = 1.8;
	run(&in, &out);
	f = find_comp(&out, FIND_CPU_HOTSPOT, "json_escape");
	assert_sev(f, SEV_MEDIUM);
	ck_assert_msg(strstr(f->description, "the machine's cores are mostly busy (nebtop uses 0.4 of 2 cores, the whole "
					     "machine 1.8): it competes for them"),
		      "description: %s", f->description);
	ck_assert_double_eq_tol(figure(f, "machine_busy_cores"), 1.8, TOL);
	findings_free(&out);
}
END_TEST

/* --- allocator ----------------------------------------------------------------------------------- */

static const struct finding *allocator_run(struct analyzer_input *in, double pct, struct findings *out)
{
	in->allocator_pct = pct;
	run(in, out);
	size_t n = count_type(out, FIND_ALLOCATOR_PRESSURE);
	ck_assert_uint_le(n, 1);
	return n ? one_of(out, FIND_ALLOCATOR_PRESSURE) : NULL;
}

START_TEST(allocator_bands)
{
	struct analyzer_input in;
	calm_input(&in);
	in.cpu_samples = 1000;
	struct findings out;
	ck_assert_ptr_null(allocator_run(&in, 4.9, &out));
	findings_free(&out);
	assert_sev(allocator_run(&in, 5, &out), SEV_MEDIUM);
	findings_free(&out);
	assert_sev(allocator_run(&in, 10, &out), SEV_HIGH);
	findings_free(&out);
	assert_sev(allocator_run(&in, 19.9, &out), SEV_HIGH);
	findings_free(&out);
	assert_sev(allocator_run(&in, 20, &out), SEV_CRITICAL);
	findings_free(&out);
	ck_assert_ptr_null(allocator_run(&in, -1, &out));
	ck_assert_uint_eq(out.n, 0);
	findings_free(&out);
	/* too few samples to tell */
	in.cpu_samples = 49;
	ck_assert_ptr_null(allocator_run(&in, 30, &out));
	findings_free(&out);

	in.cpu_samples = 1000;
	in.alloc_bytes_per_record = 16;
	in.allocs_per_sec = 120000;
	const struct finding *f = allocator_run(&in, 12.5, &out);
	assert_sev(f, SEV_HIGH);
	ck_assert_str_eq(f->component, "allocator");
	ck_assert_str_eq(f->description, "The allocator (malloc, free and friends) takes 12.5% of CPU time: 16 B "
					 "allocated per record, 120,000 allocations/s");
	ck_assert_double_eq_tol(f->impact_pct, 12.5, TOL);
	ck_assert_double_eq_tol(figure(f, "alloc_bytes_per_record"), 16, TOL);
	findings_free(&out);
}
END_TEST

/* --- memory growth -------------------------------------------------------------------------------- */

#define NPTS 10

/* NPTS points a second apart from base, rising by slope per second. */
static void line(struct an_point *p, double base, double slope)
{
	for (int i = 0; i < NPTS; i++)
		p[i] = (struct an_point){ 5 + i, base + slope * i, 0 };
}

static const struct finding *growth_run(struct analyzer_input *in, const struct an_point *heap, size_t nheap,
					const struct an_point *rss, size_t nrss, struct findings *out)
{
	in->heap = heap;
	in->nheap = nheap;
	in->rss = rss;
	in->nrss = nrss;
	in->heap_now = nheap ? heap[nheap - 1].value : 0;
	in->rss_now = nrss ? rss[nrss - 1].value : 0;
	run(in, out);
	size_t n = count_type(out, FIND_MEMORY_GROWTH);
	ck_assert_uint_le(n, 1);
	return n ? one_of(out, FIND_MEMORY_GROWTH) : NULL;
}

START_TEST(growth_bands)
{
	const double med = (double)O.memory_growth_medium, high = (double)O.memory_growth_high,
		     crit = (double)O.memory_growth_critical;
	/* 2, 6 and 12 MB/s with the defaults */
	const double s_med = 2 * med, s_high = high + med, s_crit = crit + 2 * med;
	ck_assert(s_med > med && s_med < high && s_high > high && s_high < crit && s_crit > crit);
	const double base = 100e6;
	struct an_point p[NPTS];
	struct analyzer_input in;
	calm_input(&in);
	struct findings out;

	line(p, base, s_med);
	const struct finding *f = growth_run(&in, p, NPTS, NULL, 0, &out);
	assert_sev(f, SEV_MEDIUM);
	ck_assert_str_eq(f->component, "process");
	ck_assert_double_eq_tol(figure(f, "slope_bytes_per_sec"), s_med, 1e-3);
	ck_assert_double_eq_tol(figure(f, "fit_r2"), 1, 1e-9);
	double now = base + s_med * (NPTS - 1);
	ck_assert_double_eq_tol(f->impact_pct, 100 * s_med * 60 / now, 1e-6);
	char want[128];
	snprintf(want, sizeof want, "(%.2f MB/s, fit R^2 1.00 over %ds)", s_med / 1e6, NPTS - 1);
	ck_assert_msg(!strncmp(f->description, "Heap in use outside the batch pool grows steadily by ", 53),
		      "description: %s", f->description);
	ck_assert_msg(strstr(f->description, want), "description %s lacks %s", f->description, want);
	ck_assert_str_eq(f->impact_of, "growth per minute, of the heap in use outside the batch pool now");
	findings_free(&out);

	line(p, base, s_high);
	assert_sev(growth_run(&in, p, NPTS, NULL, 0, &out), SEV_HIGH);
	findings_free(&out);
	line(p, base, s_crit);
	assert_sev(growth_run(&in, p, NPTS, NULL, 0, &out), SEV_CRITICAL);
	findings_free(&out);
	/* below medium: nothing */
	line(p, base, med / 2);
	ck_assert_ptr_null(growth_run(&in, p, NPTS, NULL, 0, &out));
	findings_free(&out);
}
END_TEST

/* A steep, steady rise over 2 s (a run's start-up filling its pools) is no
 * trend yet: under 3 s of samples, no finding. */
START_TEST(growth_too_short_none)
{
	struct an_point p[NPTS];
	for (int i = 0; i < NPTS; i++)
		p[i] = (struct an_point){ 5 + i * 0.2, 100e6 + (double)O.memory_growth_critical * 2 * i * 0.2, 0 };
	struct analyzer_input in;
	calm_input(&in);
	struct findings out;
	ck_assert_ptr_null(growth_run(&in, p, NPTS, NULL, 0, &out));
	findings_free(&out);
	/* the same rise over 9 s is one */
	line(p, 100e6, (double)O.memory_growth_critical * 2);
	assert_sev(growth_run(&in, p, NPTS, NULL, 0, &out), SEV_CRITICAL);
	findings_free(&out);
}
END_TEST

START_TEST(growth_shrinking_none)
{
	struct an_point p[NPTS];
	line(p, 500e6, -(double)O.memory_growth_critical * 2);
	double slope, r2;
	analyzer_fit_slope(p, NPTS, &slope, &r2);
	ck_assert(slope < 0 && r2 > 0.99);
	struct analyzer_input in;
	calm_input(&in);
	struct findings out;
	ck_assert_ptr_null(growth_run(&in, p, NPTS, NULL, 0, &out));
	ck_assert_uint_eq(out.n, 0);
	findings_free(&out);
	/* and so with the RSS */
	ck_assert_ptr_null(growth_run(&in, NULL, 0, p, NPTS, &out));
	findings_free(&out);
}
END_TEST

START_TEST(growth_noisy_none)
{
	/* +-50 MB alternating around a flat 200 MB with a small upward trend: the
	 * fitted slope is in the growth bands, but R^2 is far under memory_growth_fit */
	struct an_point p[NPTS];
	for (int i = 0; i < NPTS; i++)
		p[i] = (struct an_point){ 5 + i, 200e6 + (i % 2 ? 50e6 : -50e6) + 0.1 * (double)O.memory_growth_medium * i, 0 };
	double slope, r2;
	analyzer_fit_slope(p, NPTS, &slope, &r2);
	ck_assert_msg(slope >= (double)O.memory_growth_medium && r2 < O.memory_growth_fit, "slope %g r2 %g", slope, r2);
	struct analyzer_input in;
	calm_input(&in);
	struct findings out;
	ck_assert_ptr_null(growth_run(&in, p, NPTS, NULL, 0, &out));
	findings_free(&out);

	/* flat, with one spike near the end */
	for (int i = 0; i < NPTS; i++)
		p[i] = (struct an_point){ 5 + i, 200e6 + (i == NPTS - 2 ? 500e6 : 0), 0 };
	analyzer_fit_slope(p, NPTS, &slope, &r2);
	ck_assert_msg(slope >= (double)O.memory_growth_medium && r2 < O.memory_growth_fit, "slope %g r2 %g", slope, r2);
	ck_assert_ptr_null(growth_run(&in, p, NPTS, NULL, 0, &out));
	findings_free(&out);
	ck_assert_ptr_null(growth_run(&in, NULL, 0, p, NPTS, &out));
	findings_free(&out);
}
END_TEST

/* A leak until the source stops (a -duration cut, the end of its input),
 * then seconds of draining and shutting down with the heap flat: the flat
 * tail is not the pipeline's, so the leak is still found. The same heap with
 * the records still flowing in the flat part is growth that stopped. */
START_TEST(growth_until_the_source_stops)
{
	enum { N = 14, FLOW = 8 };
	struct an_point p[N];
	const double slope = 2 * (double)O.memory_growth_medium;
	for (int i = 0; i < N; i++) {
		int k = i < FLOW ? i : FLOW - 1;
		p[i] = (struct an_point){ 2 + i, 50e6 + slope * k, 5000.0 * k };
	}
	struct analyzer_input in;
	calm_input(&in);
	struct findings out;
	const struct finding *f = growth_run(&in, p, N, NULL, 0, &out);
	assert_sev(f, SEV_MEDIUM);
	ck_assert_double_eq_tol(figure(f, "slope_bytes_per_sec"), slope, 1e-3);
	findings_free(&out);
	for (int i = FLOW; i < N; i++)
		p[i].records = 5000.0 * i;
	ck_assert_ptr_null(growth_run(&in, p, N, NULL, 0, &out));
	findings_free(&out);
}
END_TEST

/* A leak of 1,000 bytes per record behind a flow that stops and starts (a
 * loaded machine): against time the heap is a staircase whose fit is under
 * memory_growth_fit, against the records it is a line. The leak is found,
 * per record. The same staircase with the records flat in its later half
 * (growth that stopped) is not. */
START_TEST(growth_per_record_bursty)
{
	enum { N = 40 };
	struct an_point p[N];
	double rec = 0;
	for (int i = 0; i < N; i++) {
		/* bursts of records at uneven times, none between */
		rec += i == 1 ? 30000 : i == 2 ? 90000 : i == 21 ? 20000 : i == 22 ? 10000 : i == 37 ? 100000
			: i == 38 ? 40000 : 0;
		p[i] = (struct an_point){ 1.5 + 0.2 * i, 40e6 + 1000 * rec, rec };
	}
	double slope, r2;
	analyzer_fit_slope(p, N, &slope, &r2);
	ck_assert_msg(r2 < O.memory_growth_fit, "the staircase fits time too well (R^2 %.3f)", r2);
	struct analyzer_input in;
	calm_input(&in);
	struct findings out;
	const struct finding *f = growth_run(&in, p, N, NULL, 0, &out);
	ck_assert_ptr_nonnull(f);
	ck_assert_double_eq_tol(figure(f, "bytes_per_record"), 1000, 1e-6);
	ck_assert_msg(strstr(f->description, "grows with the records: 1000 B per record read") ||
			      strstr(f->description, "grows with the records: 1,000 B per record read") ||
			      strstr(f->description, "grows with the records: 1000 bytes per record read"),
		      "description: %s", f->description);
	findings_free(&out);
	/* the heap stops rising after the middle while the records go on:
	 * growth that stopped */
	for (int i = N / 2; i < N; i++)
		p[i].value = p[N / 2 - 1].value;
	ck_assert_ptr_null(growth_run(&in, p, N, NULL, 0, &out));
	findings_free(&out);
}
END_TEST

START_TEST(growth_names_leak_suspects)
{
	struct an_point p[NPTS];
	line(p, 100e6, (double)O.memory_growth_critical + 2 * (double)O.memory_growth_medium);
	const struct an_site sites[] = {
		{ .function = "alloc_record_memory (pipeline/stage_loadtest.c:152)", .inuse_bytes = 200e6,
		  .growth_bytes = 100 * 1048576.0 },
		{ .function = "json_parse_value", .inuse_bytes = 10e6, .growth_bytes = 2 * 1048576.0 },
	};
	struct analyzer_input in;
	calm_input(&in);
	in.sites = sites;
	in.nsites = 2;
	struct findings out;
	const struct finding *f = growth_run(&in, p, NPTS, NULL, 0, &out);
	assert_sev(f, SEV_CRITICAL);
	ck_assert_str_eq(f->component, "alloc_record_memory (pipeline/stage_loadtest.c:152)");
	ck_assert_msg(has_suggestion(f, "Leak suspects (in-use bytes that only grew): alloc_record_memory "
					"(pipeline/stage_loadtest.c:152) (+100.0 MiB), json_parse_value (+2.0 MiB)"),
		      "suggestion: %s", f->nsuggestions ? f->suggestions[0] : "(none)");
	findings_free(&out);
}
END_TEST

START_TEST(growth_rss_without_heap)
{
	struct an_point heap[NPTS], rss[NPTS];
	line(rss, 300e6, (double)O.memory_growth_high + (double)O.memory_growth_medium);
	struct analyzer_input in;
	calm_input(&in);
	struct findings out;
	const struct finding *f = growth_run(&in, NULL, 0, rss, NPTS, &out);
	assert_sev(f, SEV_HIGH);
	ck_assert_msg(!strncmp(f->description, "RSS grows steadily by ", 22), "description: %s", f->description);
	ck_assert_str_eq(f->impact_of, "growth per minute, of the RSS now");
	findings_free(&out);
	/* with a heap series, the heap decides: flat heap, growing RSS -> nothing */
	line(heap, 50e6, 0);
	ck_assert_ptr_null(growth_run(&in, heap, NPTS, rss, NPTS, &out));
	findings_free(&out);
	/* growing heap and RSS: the heap's slope, with the RSS's as a figure */
	line(heap, 50e6, 2 * (double)O.memory_growth_medium);
	f = growth_run(&in, heap, NPTS, rss, NPTS, &out);
	assert_sev(f, SEV_MEDIUM);
	ck_assert_double_eq_tol(figure(f, "rss_slope_bytes_per_sec"),
				(double)O.memory_growth_high + (double)O.memory_growth_medium, 1e-3);
	findings_free(&out);
}
END_TEST

/* --- locks, threads, under-use, errors --------------------------------------------------------- */

START_TEST(lock_bands)
{
	/* window 10 s, 4 waiters: share = wait_s / 40 s */
	const struct an_lock locks[] = {
		{ .name = "stage ledger: shared lock", .contentions_per_sec = 5000, .wait_s = 4.8, .waiters = 4 }, /* 12 */
		{ .name = "pool", .contentions_per_sec = 100, .wait_s = 12, .waiters = 4 },                       /* 30 */
		{ .name = "stage x: kept blocks", .contentions_per_sec = 10, .wait_s = 24, .waiters = 4 },        /* 60 */
		{ .name = "quiet", .contentions_per_sec = 1, .wait_s = 3.96, .waiters = 4 },                      /* 9.9 */
		{ .name = "nobody", .contentions_per_sec = 1, .wait_s = 30, .waiters = 0 },
	};
	struct analyzer_input in;
	calm_input(&in);
	in.locks = locks;
	in.nlocks = 5;
	struct findings out;
	run(&in, &out);
	ck_assert_uint_eq(count_type(&out, FIND_LOCK_CONTENTION), 3);
	const struct finding *f = find_comp(&out, FIND_LOCK_CONTENTION, "stage ledger: shared lock");
	assert_sev(f, SEV_MEDIUM);
	ck_assert_str_eq(f->stage, "ledger");
	ck_assert_double_eq_tol(f->impact_pct, 12, TOL);
	ck_assert_msg(strstr(f->description, "its 4 waiting threads spend 12.0% of their time waiting for it (5,000 "
					     "contentions/s)"), "description: %s", f->description);
	f = find_comp(&out, FIND_LOCK_CONTENTION, "pool");
	assert_sev(f, SEV_HIGH);
	ck_assert_str_eq(f->stage, "");
	ck_assert_double_eq_tol(f->impact_pct, 30, TOL);
	f = find_comp(&out, FIND_LOCK_CONTENTION, "stage x: kept blocks");
	assert_sev(f, SEV_CRITICAL);
	ck_assert_str_eq(f->stage, "x");
	ck_assert_double_eq_tol(f->impact_pct, 60, TOL);
	ck_assert_ptr_null(find_comp(&out, FIND_LOCK_CONTENTION, "quiet"));
	ck_assert_ptr_null(find_comp(&out, FIND_LOCK_CONTENTION, "nobody"));
	findings_free(&out);

	/* the same wait over a 20 s window is half the share: 6, 15, 30 */
	in.window_s = 20;
	run(&in, &out);
	ck_assert_uint_eq(count_type(&out, FIND_LOCK_CONTENTION), 2);
	assert_sev(find_comp(&out, FIND_LOCK_CONTENTION, "pool"), SEV_MEDIUM);
	assert_sev(find_comp(&out, FIND_LOCK_CONTENTION, "stage x: kept blocks"), SEV_HIGH);
	findings_free(&out);
}
END_TEST

START_TEST(thread_leaks)
{
	struct analyzer_input in;
	calm_input(&in);
	struct findings out;
	in.threads_before = 10;
	in.threads_now = 12;
	in.leaked_threads = 2;
	run(&in, &out);
	const struct finding *f = one_of(&out, FIND_THREAD_LEAK);
	assert_sev(f, SEV_HIGH);
	ck_assert_str_eq(f->component, "process");
	ck_assert_msg(strstr(f->description, "2 threads are blocked for good"), "description: %s", f->description);
	findings_free(&out);

	in.leaked_threads = 0;
	in.threads_only_grew = 1;
	run(&in, &out);
	f = one_of(&out, FIND_THREAD_LEAK);
	assert_sev(f, SEV_MEDIUM);
	ck_assert_double_eq_tol(f->impact_pct, 20, TOL);
	ck_assert_msg(strstr(f->description, "grew from 10 to 12"), "description: %s", f->description);
	findings_free(&out);

	/* one thread more is under thread_growth (2) */
	in.threads_now = 11;
	run(&in, &out);
	ck_assert_uint_eq(count_type(&out, FIND_THREAD_LEAK), 0);
	findings_free(&out);
	/* grew, but also fell at some point */
	in.threads_now = 20;
	in.threads_only_grew = 0;
	run(&in, &out);
	ck_assert_uint_eq(count_type(&out, FIND_THREAD_LEAK), 0);
	findings_free(&out);
}
END_TEST

START_TEST(cpu_underuse)
{
	struct analyzer_input in;
	calm_input(&in);
	in.cores = 4;
	in.cores_used = 0.5; /* 12.5% */
	in.input_wait_pct = 10;
	struct findings out;
	run(&in, &out);
	const struct finding *f = one_of(&out, FIND_CPU_UNDERUSE);
	assert_sev(f, SEV_LOW);
	ck_assert_double_eq_tol(f->impact_pct, 87.5, TOL);
	ck_assert_uint_eq(out.n, 1);
	findings_free(&out);

	/* enough CPU used */
	in.cores_used = 1.2; /* 30% */
	run(&in, &out);
	ck_assert_uint_eq(count_type(&out, FIND_CPU_UNDERUSE), 0);
	findings_free(&out);
	in.cores_used = 0.5;

	/* the source waits for its input */
	in.input_wait_pct = 60;
	run(&in, &out);
	ck_assert_uint_eq(count_type(&out, FIND_CPU_UNDERUSE), 0);
	findings_free(&out);
	in.input_wait_pct = 10;

	/* a busy stage explains it (and is not a bottleneck here) */
	const struct an_stage busy[] = {
		SRC(1, 40, 30, 30, 10000),
		XF("typed", 4, 85, 0, 15, 10000),
		DST(1, 40, 0, 60, 10000),
	};
	in.stages = busy;
	run(&in, &out);
	ck_assert_uint_eq(count_type(&out, FIND_PIPELINE_BOTTLENECK), 0);
	ck_assert_uint_eq(count_type(&out, FIND_CPU_UNDERUSE), 0);
	findings_free(&out);

	/* the source sets the pace (not busy itself, nobody busy): the pipeline
	 * keeps up with its input */
	const struct an_stage slow_source[] = {
		SRC(1, 30, 0, 10, 10000),
		XF("typed", 4, 5, 0, 95, 10000),
		DST(1, 5, 0, 95, 10000),
	};
	in.stages = slow_source;
	run(&in, &out);
	ck_assert_str_eq(one_of(&out, FIND_KEEPS_UP)->component, "source");
	ck_assert_uint_eq(count_type(&out, FIND_CPU_UNDERUSE), 0);
	findings_free(&out);
}
END_TEST

START_TEST(error_bands)
{
	const struct an_reason reasons[] = {
		{ .stage = "typed", .reason = "cannot cast 'x#' to int", .count = 80 },
		{ .stage = "source", .reason = "ragged row", .count = 20 },
	};
	struct analyzer_input in;
	calm_input(&in);
	in.records_in = 10000;
	in.reasons = reasons;
	in.nreasons = 2;
	struct findings out;

	in.records_errors = 99;
	run(&in, &out);
	ck_assert_uint_eq(count_type(&out, FIND_ERRORS), 0);
	findings_free(&out);

	in.records_errors = 100;
	run(&in, &out);
	const struct finding *f = one_of(&out, FIND_ERRORS);
	assert_sev(f, SEV_MEDIUM);
	ck_assert_str_eq(f->component, "typed");
	ck_assert_str_eq(f->stage, "typed");
	ck_assert_str_eq(f->description, "1.0% of records failed: 100 of 10,000 read in the window; the first reasons: "
					 "typed: cannot cast 'x#' to int (80); source: ragged row (20)");
	ck_assert_double_eq_tol(f->impact_pct, 1, TOL);
	findings_free(&out);

	in.records_errors = 500;
	run(&in, &out);
	assert_sev(one_of(&out, FIND_ERRORS), SEV_HIGH);
	findings_free(&out);

	in.records_errors = 2000;
	in.nreasons = 0;
	run(&in, &out);
	f = one_of(&out, FIND_ERRORS);
	assert_sev(f, SEV_CRITICAL);
	ck_assert_str_eq(f->component, "process");
	ck_assert_str_eq(f->description, "20.0% of records failed: 2,000 of 10,000 read in the window");
	findings_free(&out);
}
END_TEST

/* --- order ------------------------------------------------------------------------------------------ */

START_TEST(lock_in_bottleneck_ranks_with_it)
{
	/* parse is a critical bottleneck (waiting 90); its lock's waiters wait
	 * 30% (high by itself): the lock ranks with the stage, and first */
	const struct an_stage st[] = {
		SRC(1, 8, 90, 2, 50000),
		XF("parse", 4, 95, 0, 5, 50000),
		DST(1, 10, 0, 90, 50000),
	};
	const struct an_lock locks[] = {
		{ .name = "stage parse: shared lock", .contentions_per_sec = 200, .wait_s = 12, .waiters = 4 },
		{ .name = "stage other: shared lock", .contentions_per_sec = 200, .wait_s = 12, .waiters = 4 },
	};
	struct analyzer_input in;
	input_set_stages(&in, st, 3, NULL, 0);
	in.locks = locks;
	in.nlocks = 2;
	struct findings out;
	run(&in, &out);
	ck_assert_int_eq(out.v[0].type, FIND_LOCK_CONTENTION);
	ck_assert_str_eq(out.v[0].component, "stage parse: shared lock");
	assert_sev(&out.v[0], SEV_CRITICAL);
	ck_assert_msg(strstr(out.v[0].description, "it holds back the bottleneck stage"), "description: %s",
		      out.v[0].description);
	ck_assert_int_eq(out.v[1].type, FIND_PIPELINE_BOTTLENECK);
	/* a lock of another stage keeps its own severity */
	assert_sev(find_comp(&out, FIND_LOCK_CONTENTION, "stage other: shared lock"), SEV_HIGH);
	findings_free(&out);
}
END_TEST

START_TEST(order_allocator_before_bottleneck)
{
	/* bottleneck parse high (waiting 70), allocator high (12%): the allocator is the primary */
	const struct an_stage st[] = {
		SRC(1, 10, 90, 0, 1000),
		XF("parse", 4, 95, 0, 5, 1000),
		DST(1, 50, 0, 50, 1000),
	};
	struct analyzer_input in;
	input_set_stages(&in, st, 3, NULL, 0);
	in.cpu_samples = 1000;
	in.allocator_pct = 12;
	struct findings out;
	run(&in, &out);
	ck_assert_uint_eq(out.n, 2);
	ck_assert_int_eq(out.v[0].type, FIND_ALLOCATOR_PRESSURE);
	assert_sev(&out.v[0], SEV_HIGH);
	ck_assert_int_eq(out.v[1].type, FIND_PIPELINE_BOTTLENECK);
	assert_sev(&out.v[1], SEV_HIGH);
	findings_free(&out);
}
END_TEST

START_TEST(order_full)
{
	/* six findings at high (one of each type that breaks ties), one critical
	 * (errors), one medium (thread growth), two hotspots at high ordered by impact */
	const struct an_stage st[] = {
		SRC(1, 10, 90, 0, 1000),
		XF("parse", 4, 95, 0, 5, 1000),
		DST(1, 50, 0, 50, 1000),
	};
	const struct an_channel ch[] = { CHAN("source->parse", 0), CHAN("parse->destination", 90) };
	const struct an_function fn[] = {
		{ .name = "json_escape", .stage = "parse", .flat_pct = 35, .stage_pct = 50 },
		{ .name = "write_all", .stage = "parse", .flat_pct = 40, .stage_pct = 50 },
	};
	const struct an_lock locks[] = { { .name = "pool", .contentions_per_sec = 100, .wait_s = 12, .waiters = 4 } };
	struct an_point heap[NPTS];
	line(heap, 100e6, (double)O.memory_growth_high + (double)O.memory_growth_medium);
	struct analyzer_input in;
	input_set_stages(&in, st, 3, ch, 2);
	in.cpu_samples = 1000;
	in.functions = fn;
	in.nfunctions = 2;
	in.allocator_pct = 12;
	in.locks = locks;
	in.nlocks = 1;
	in.heap = heap;
	in.nheap = NPTS;
	in.heap_now = heap[NPTS - 1].value;
	in.records_in = 10000;
	in.records_errors = 2500;
	in.threads_before = 10;
	in.threads_now = 13;
	in.threads_only_grew = 1;
	struct findings out;
	run(&in, &out);
	const struct {
		enum finding_type t;
		enum severity s;
		const char *comp;
	} want[] = {
		{ FIND_ERRORS, SEV_CRITICAL, "process" },
		{ FIND_MEMORY_GROWTH, SEV_HIGH, "process" },
		{ FIND_LOCK_CONTENTION, SEV_HIGH, "pool" },
		{ FIND_ALLOCATOR_PRESSURE, SEV_HIGH, "allocator" },
		{ FIND_PIPELINE_BOTTLENECK, SEV_HIGH, "parse" },
		{ FIND_CPU_HOTSPOT, SEV_HIGH, "write_all" },
		{ FIND_CPU_HOTSPOT, SEV_HIGH, "json_escape" },
		{ FIND_CHANNEL_BACKPRESSURE, SEV_HIGH, "parse->destination" },
		{ FIND_THREAD_LEAK, SEV_MEDIUM, "process" },
	};
	size_t nw = sizeof want / sizeof want[0];
	ck_assert_uint_eq(out.n, nw);
	for (size_t i = 0; i < nw; i++) {
		ck_assert_msg(out.v[i].type == want[i].t && out.v[i].severity == want[i].s &&
				      !strcmp(out.v[i].component, want[i].comp),
			      "v[%zu] is %s/%s/%s, expected %s/%s/%s", i, analyzer_type_name(out.v[i].type),
			      analyzer_severity_name(out.v[i].severity), out.v[i].component, analyzer_type_name(want[i].t),
			      analyzer_severity_name(want[i].s), want[i].comp);
	}
	size_t n[4];
	findings_count(&out, n);
	ck_assert_uint_eq(n[SEV_CRITICAL], 1);
	ck_assert_uint_eq(n[SEV_HIGH], 7);
	ck_assert_uint_eq(n[SEV_MEDIUM], 1);
	ck_assert_uint_eq(n[SEV_LOW], 0);
	findings_free(&out);
}
END_TEST

START_TEST(sort_and_count)
{
	struct findings f = { 0 };
	f.cap = f.n = 6;
	f.v = calloc(f.cap, sizeof *f.v);
	ck_assert_ptr_nonnull(f.v);
	const struct {
		enum finding_type t;
		enum severity s;
		double impact;
		const char *comp;
	} in[] = {
		{ FIND_CHANNEL_BACKPRESSURE, SEV_MEDIUM, 50, "a->b" },  { FIND_PIPELINE_BOTTLENECK, SEV_MEDIUM, 10, "b" },
		{ FIND_CPU_UNDERUSE, SEV_LOW, 90, "process" },        { FIND_CPU_HOTSPOT, SEV_CRITICAL, 50, "f" },
		{ FIND_PIPELINE_BOTTLENECK, SEV_MEDIUM, 30, "c" },     { FIND_MEMORY_GROWTH, SEV_MEDIUM, 1, "process" },
	};
	for (size_t i = 0; i < 6; i++) {
		f.v[i].type = in[i].t;
		f.v[i].severity = in[i].s;
		f.v[i].impact_pct = in[i].impact;
		snprintf(f.v[i].component, sizeof f.v[i].component, "%s", in[i].comp);
	}
	findings_sort(&f);
	const char *order[] = { "f", "process", "c", "b", "a->b", "process" };
	for (size_t i = 0; i < 6; i++)
		ck_assert_msg(!strcmp(f.v[i].component, order[i]), "v[%zu] = %s, expected %s", i, f.v[i].component,
			      order[i]);
	ck_assert_int_eq(f.v[1].type, FIND_MEMORY_GROWTH);
	ck_assert_int_eq(f.v[5].type, FIND_CPU_UNDERUSE);
	size_t n[4] = { 9, 9, 9, 9 };
	findings_count(&f, n);
	ck_assert_uint_eq(n[SEV_LOW], 1);
	ck_assert_uint_eq(n[SEV_MEDIUM], 4);
	ck_assert_uint_eq(n[SEV_HIGH], 0);
	ck_assert_uint_eq(n[SEV_CRITICAL], 1);
	findings_free(&f);
	ck_assert_ptr_null(f.v);
	ck_assert_uint_eq(f.n, 0);
	/* empty */
	findings_sort(&f);
	findings_count(&f, n);
	ck_assert_uint_eq(n[SEV_LOW] + n[SEV_MEDIUM] + n[SEV_HIGH] + n[SEV_CRITICAL], 0);
}
END_TEST

/* --- consistency: no two findings disagree -------------------------------------------------------- */

/* The demo: a generate source paced by its rate = 200000; stage enrich is
 * 12% busy but its spin function takes 77% of the CPU samples. The verdict
 * is that the pipeline keeps up (low, naming the rate and the headroom);
 * the hot function is listed, low (the machine has idle cores), says that
 * its stage holds nothing back, and suggests no workers. */
START_TEST(demo_paced_source_is_primary)
{
	const struct an_stage st[] = {
		{ .name = "source", .kind = STAGE_SOURCE, .threads = 1, .busy_pct = 100, .out_per_sec = 199907,
		  .rate_limit = 200000, .rate_key = "rate" },
		XF("parse", 4, 3, 0, 97, 199907),
		XF("enrich", 4, 12, 0, 88, 199907),
		XF("keep", 4, 2, 0, 98, 199907),
		DST(1, 2, 0, 98, 199907),
	};
	const struct an_function fn[] = {
		{ .name = "spin_burn_cpu", .stage = "enrich", .flat_pct = 77.2, .stage_pct = 85 },
	};
	struct analyzer_input in;
	input_set_stages(&in, st, 5, NULL, 0);
	in.cpu_samples = 400;
	in.functions = fn;
	in.nfunctions = 1;
	in.cores = 2;
	in.cores_used = 0.6;
	struct findings out;
	run(&in, &out);
	ck_assert_int_eq(out.v[0].type, FIND_KEEPS_UP);
	ck_assert_str_eq(out.v[0].component, "source");
	const struct finding *b = &out.v[0];
	assert_sev(b, SEV_LOW);
	ck_assert_msg(b->impact_pct >= 0 && b->impact_pct <= 100, "impact %.1f", b->impact_pct);
	ck_assert_msg(has_suggestion(b, "its rate = 200000 in [source] sets the pace"), "%s", all_suggestions(&out));
	ck_assert_msg(!any_suggestion(&out, "disk"), "%s", all_suggestions(&out));
	ck_assert_msg(strstr(b->description, "The pipeline keeps up with its input: the source delivers its configured "
					     "rate = 200000 (199,907 records/s) and every stage has headroom"),
		      "description: %s", b->description);
	const struct finding *h = one_of(&out, FIND_CPU_HOTSPOT);
	assert_sev(h, SEV_LOW);
	ck_assert_msg(strstr(h->description, "stage enrich is 12% busy and holds nothing back"), "description: %s",
		      h->description);
	ck_assert_msg(strstr(h->impact_of, "not throughput held back"), "impact_of: %s", h->impact_of);
	ck_assert_msg(has_suggestion(h, "Do less per record in this function: make it cheaper"), "%s",
		      all_suggestions(&out));
	ck_assert_msg(!any_suggestion(&out, "more workers") || any_suggestion(&out, "more workers will not help"), "%s",
		      all_suggestions(&out));
	ck_assert_msg(!any_suggestion(&out, "spread its stage"), "%s", all_suggestions(&out));
	findings_free(&out);

	/* the same stage busy (and no bottleneck elsewhere): the hotspot keeps its band */
	const struct an_stage busy[] = {
		SRC(1, 40, 30, 30, 10000),
		XF("enrich", 4, 90, 0, 10, 10000),
		DST(1, 30, 0, 20, 10000),
	};
	in.stages = busy;
	in.nstages = 3;
	in.cores = 8;
	run(&in, &out);
	ck_assert_uint_eq(count_type(&out, FIND_PIPELINE_BOTTLENECK), 0);
	h = one_of(&out, FIND_CPU_HOTSPOT);
	assert_sev(h, SEV_CRITICAL);
	ck_assert_msg(!strstr(h->description, "not the bottleneck"), "description: %s", h->description);
	ck_assert_msg(has_suggestion(h, "spread its stage over more workers"), "%s", all_suggestions(&out));
	findings_free(&out);
}
END_TEST

/* A source that is not paced by a rate and waits on nothing outside (an
 * unlimited generate): no disk or network advice; a destination paced by
 * its rate_limit says so. */
START_TEST(connector_pace_suggestions)
{
	const struct an_stage st[] = {
		SRC(1, 100, 0, 0, 900000),
		XF("work", 4, 5, 0, 95, 900000),
		DST(1, 2, 0, 98, 900000),
	};
	struct analyzer_input in;
	input_set_stages(&in, st, 3, NULL, 0);
	struct findings out;
	run(&in, &out);
	const struct finding *f = one_of(&out, FIND_KEEPS_UP);
	ck_assert_str_eq(f->component, "source");
	assert_sev(f, SEV_LOW);
	ck_assert_msg(strstr(f->description, "as fast as its thread can"), "description: %s", f->description);
	ck_assert_msg(!any_suggestion(&out, "disk or network") && !any_suggestion(&out, "rate limit"), "%s",
		      all_suggestions(&out));
	findings_free(&out);

	const struct an_stage dst[] = {
		SRC(1, 5, 95, 0, 5000),
		XF("clean", 4, 5, 95, 0, 5000),
		{ .name = "destination", .kind = STAGE_DESTINATION, .threads = 1, .busy_pct = 100, .in_per_sec = 5098,
		  .out_per_sec = 5098, .waits_on = "file", .rate_limit = 5000, .rate_key = "rate_limit" },
	};
	in.stages = dst;
	run(&in, &out);
	f = one_of(&out, FIND_PIPELINE_BOTTLENECK);
	ck_assert_str_eq(f->component, "destination");
	ck_assert_msg(has_suggestion(f, "Its rate_limit = 5000 in [destination] sets the pace"), "%s",
		      all_suggestions(&out));
	ck_assert_msg(strstr(f->description, "runs at its configured rate_limit = 5000"), "description: %s",
		      f->description);
	assert_sev(f, SEV_LOW);
	findings_free(&out);
}
END_TEST

/* bottleneck_lock.ini: the 8 workers of ledger wait 84% of their time on
 * its lock, one of two cores is used: no finding suggests more workers for
 * ledger; the bottleneck says why not (the lock). */
START_TEST(lock_held_stage_gets_no_workers)
{
	const struct an_stage st[] = {
		SRC(1, 4, 96, 0, 47569),
		XF("ledger", 8, 100, 0, 0, 47569),
		DST(1, 2, 0, 98, 47569),
	};
	const struct an_channel ch[] = { CHAN("source->ledger", 97.5), CHAN("ledger->destination", 1) };
	const struct an_lock locks[] = {
		{ .name = "stage ledger: shared lock", .contentions_per_sec = 154, .wait_s = 8 * 10 * 0.842, .waiters = 8 },
	};
	const struct an_function fn[] = {
		{ .name = "spin_burn_cpu", .stage = "ledger", .flat_pct = 76.8, .stage_pct = 77 },
	};
	struct analyzer_input in;
	input_set_stages(&in, st, 3, ch, 2);
	in.locks = locks;
	in.nlocks = 1;
	in.cpu_samples = 861;
	in.functions = fn;
	in.nfunctions = 1;
	in.cores = 2;
	in.cores_used = 1.0;
	struct findings out;
	run(&in, &out);
	ck_assert_int_eq(out.v[0].type, FIND_LOCK_CONTENTION);
	ck_assert_int_eq(out.v[1].type, FIND_PIPELINE_BOTTLENECK);
	ck_assert_msg(!any_suggestion(&out, "Give stage ledger more workers"), "%s", all_suggestions(&out));
	ck_assert_msg(!any_suggestion(&out, "give it more workers"), "%s", all_suggestions(&out));
	ck_assert_msg(!any_suggestion(&out, "spread its stage"), "%s", all_suggestions(&out));
	ck_assert_msg(has_suggestion(&out.v[1], "More workers will not help stage ledger: its workers spend 84% of "
						"their time waiting for lock 'stage ledger: shared lock'"),
		      "%s", all_suggestions(&out));
	ck_assert_msg(has_suggestion(&out.v[1], "make the lock cheaper first"), "%s", all_suggestions(&out));
	findings_free(&out);

	/* without the lock, its 8 workers already outnumber the 2 cores */
	in.nlocks = 0;
	run(&in, &out);
	ck_assert_msg(has_suggestion(&out.v[0], "More workers will not help stage ledger: its 8 workers already "
						"outnumber the machine's 2 cores"),
		      "%s", all_suggestions(&out));
	findings_free(&out);

	/* on 16 cores with one used, more workers are worth it, in every finding */
	in.cores = 16;
	run(&in, &out);
	ck_assert_msg(any_suggestion(&out, "Give stage ledger more workers"), "%s", all_suggestions(&out));
	ck_assert_msg(any_suggestion(&out, "give it more workers"), "%s", all_suggestions(&out));
	ck_assert_msg(any_suggestion(&out, "spread its stage over more workers"), "%s", all_suggestions(&out));
	findings_free(&out);
}
END_TEST

/* bottleneck_cpu.ini: score busy, both cores in use: the bottleneck, the
 * hot function and the channel in front of score all agree that more
 * workers will not help. */
START_TEST(all_cores_used_no_workers_anywhere)
{
	const struct an_stage st[] = {
		SRC(1, 5, 95, 0, 33898),
		XF("score", 4, 100, 0, 0, 33898),
		XF("keep", 4, 2, 0, 98, 33898),
		DST(1, 2, 0, 98, 33898),
	};
	const struct an_channel ch[] = { CHAN("source->score", 96.7), CHAN("score->keep", 1), CHAN("keep->destination", 1) };
	const struct an_function fn[] = {
		{ .name = "spin_burn_cpu", .stage = "score", .flat_pct = 79.9, .stage_pct = 80 },
	};
	struct analyzer_input in;
	input_set_stages(&in, st, 4, ch, 3);
	in.cpu_samples = 1426;
	in.functions = fn;
	in.nfunctions = 1;
	in.cores = 2;
	in.cores_used = 1.98;
	struct findings out;
	run(&in, &out);
	ck_assert_int_eq(out.v[0].type, FIND_PIPELINE_BOTTLENECK);
	ck_assert_msg(has_suggestion(&out.v[0], "More workers will not help stage score: its 4 workers already "
						"outnumber the machine's 2 cores"),
		      "%s", all_suggestions(&out));
	ck_assert_msg(!any_suggestion(&out, "Give stage score more workers"), "%s", all_suggestions(&out));
	ck_assert_msg(!any_suggestion(&out, "give it more workers"), "%s", all_suggestions(&out));
	ck_assert_msg(!any_suggestion(&out, "spread its stage"), "%s", all_suggestions(&out));
	ck_assert_msg(has_suggestion(find_comp(&out, FIND_CHANNEL_BACKPRESSURE, "source->score"),
				     "more workers will not help: its 4 workers already outnumber the machine's 2 cores"),
		      "%s", all_suggestions(&out));
	findings_free(&out);

	/* on 8 cores, all in use: the same agreement, for that reason */
	in.cores = 8;
	in.cores_used = 7.9;
	run(&in, &out);
	ck_assert_msg(has_suggestion(&out.v[0], "More workers will not help stage score: the machine's cores are all in "
						"use (nebtop uses 7.9 of 8 cores"),
		      "%s", all_suggestions(&out));
	ck_assert_msg(!any_suggestion(&out, "give it more workers") && !any_suggestion(&out, "spread its stage"), "%s",
		      all_suggestions(&out));
	findings_free(&out);
}
END_TEST

/* on_error = dead_letter already: the error finding points to the file. */
START_TEST(errors_dead_letter_configured)
{
	const struct an_reason reasons[] = { { "amounts", "cannot convert 'x' to float", 40 } };
	struct analyzer_input in;
	calm_input(&in);
	in.records_in = 140;
	in.records_errors = 40;
	in.reasons = reasons;
	in.nreasons = 1;
	struct findings out;
	run(&in, &out);
	const struct finding *f = one_of(&out, FIND_ERRORS);
	ck_assert_msg(has_suggestion(f, "on_error = dead_letter, dead_letter_path = FILE"), "%s", all_suggestions(&out));
	findings_free(&out);
	in.dead_letter_path = "/tmp/bad.jsonl";
	run(&in, &out);
	f = one_of(&out, FIND_ERRORS);
	ck_assert_msg(!has_suggestion(f, "dead_letter_path = FILE"), "%s", all_suggestions(&out));
	ck_assert_msg(has_suggestion(f, "The bad records are kept with their reasons in /tmp/bad.jsonl"), "%s",
		      all_suggestions(&out));
	findings_free(&out);
}
END_TEST

/* --- healthy ----------------------------------------------------------------------------------------- */

START_TEST(healthy_nothing_above_low)
{
	/* a rate-limited generator into one null destination, idle; CPU quiet */
	const struct an_stage st[] = {
		SRC(1, 20, 0, 80, 10000),
		DST(1, 2, 0, 98, 10000),
	};
	const struct an_channel ch[] = { CHAN("source->destination", 0.5) };
	const struct an_function fn[] = { { .name = "gen_put_uint", .stage = "source", .flat_pct = 12, .stage_pct = 30 } };
	struct an_point heap[NPTS], rss[NPTS];
	for (int i = 0; i < NPTS; i++) {
		heap[i] = (struct an_point){ 5 + i, 8e6 + (i % 3) * 4096, 0 };
		rss[i] = (struct an_point){ 5 + i, 30e6 + (i % 2) * 8192, 0 };
	}
	struct analyzer_input in;
	input_set_stages(&in, st, 2, ch, 1);
	in.cpu_samples = 300;
	in.functions = fn;
	in.nfunctions = 1;
	in.allocator_pct = 0.5;
	in.heap = heap;
	in.nheap = NPTS;
	in.rss = rss;
	in.nrss = NPTS;
	in.heap_now = 8e6;
	in.rss_now = 30e6;
	in.cores = 2;
	in.cores_used = 0.1;
	in.input_wait_pct = 0;
	in.threads_before = 8;
	in.threads_now = 8;
	in.threads_only_grew = 1;
	struct findings out;
	run(&in, &out);
	for (size_t i = 0; i < out.n; i++)
		ck_assert_msg(out.v[i].severity == SEV_LOW, "finding above low: %s %s %s",
			      analyzer_severity_name(out.v[i].severity), analyzer_type_name(out.v[i].type),
			      out.v[i].description);
	size_t n[4];
	findings_count(&out, n);
	ck_assert_uint_eq(n[SEV_MEDIUM] + n[SEV_HIGH] + n[SEV_CRITICAL], 0);
	ck_assert_uint_eq(n[SEV_LOW], out.n);
	findings_free(&out);
}
END_TEST

/* --- verdicts a user can act on: the predicates over made-up figures ----------------------------- */

/* A stage whose workers wait off the CPU (sleeping, on I/O or a server) uses
 * no core: more workers help it whatever the cores; a CPU-bound one only
 * with fewer workers than cores and idle cores on the whole machine, whose
 * figures (nebtop's and the machine's) the advice shows. "2 workers" do not
 * outnumber 2 cores: they match them. */
START_TEST(workers_oncpu_and_machine)
{
	struct an_stage st[] = {
		SRC(1, 5, 95, 0, 1000),
		XF("sleepy", 2, 99, 0, 1, 1000),
		DST(1, 2, 0, 98, 1000),
	};
	struct analyzer_input in;
	input_set_stages(&in, st, 3, NULL, 0);
	in.cores = 2;
	in.cores_used = 0.1;
	in.machine_busy_cores = 0.3;
	st[1].oncpu_pct = 3;
	struct findings out;
	run(&in, &out);
	const struct finding *f = one_of(&out, FIND_PIPELINE_BOTTLENECK);
	ck_assert_str_eq(f->component, "sleepy");
	ck_assert_msg(has_suggestion(f, "Give stage sleepy more workers (-workers or [pipeline] workers): its workers "
					"wait off the CPU (only 3% of their busy time on a CPU or ready for one)"),
		      "%s", all_suggestions(&out));
	findings_free(&out);

	/* the same stage on the CPU: its 2 workers match the 2 cores */
	st[1].oncpu_pct = 97;
	run(&in, &out);
	f = one_of(&out, FIND_PIPELINE_BOTTLENECK);
	ck_assert_msg(has_suggestion(f, "More workers will not help stage sleepy: its 2 workers already match the "
					"machine's 2 cores"),
		      "%s", all_suggestions(&out));
	ck_assert_msg(!any_suggestion(&out, "outnumber"), "%s", all_suggestions(&out));
	findings_free(&out);

	/* one CPU-bound worker: nebtop uses 0.3 of 2 cores, but the machine is
	 * all busy (another program): no idle cores, both figures said */
	st[1].threads = 1;
	in.cores_used = 0.3;
	in.machine_busy_cores = 1.9;
	run(&in, &out);
	f = one_of(&out, FIND_PIPELINE_BOTTLENECK);
	ck_assert_msg(has_suggestion(f, "More workers will not help stage sleepy: the machine's cores are all in use "
					"(nebtop uses 0.3 of 2 cores, the whole machine 1.9)"),
		      "%s", all_suggestions(&out));
	findings_free(&out);

	/* the machine idle: they help, and say so with both figures */
	in.machine_busy_cores = 0.4;
	run(&in, &out);
	f = one_of(&out, FIND_PIPELINE_BOTTLENECK);
	ck_assert_msg(has_suggestion(f, "Give stage sleepy more workers (-workers or [pipeline] workers): the machine "
					"has idle cores (nebtop uses 0.3 of 2 cores, the whole machine 0.4)"),
		      "%s", all_suggestions(&out));
	findings_free(&out);
}
END_TEST

/* A full channel in front of a stage that only passes the wait on (0-1%
 * busy, backpressured) names the stage that limits, further down. */
START_TEST(channel_names_the_limit)
{
	const struct an_stage st[] = {
		SRC(1, 2, 97, 1, 5000),
		XF("clean", 4, 1, 98, 1, 5000),
		XF("enrich", 4, 1, 97, 2, 5000),
		XF("burn", 2, 99, 0, 1, 5000),
		DST(1, 2, 0, 98, 5000),
	};
	const struct an_channel ch[] = { CHAN("source->clean", 99), CHAN("clean->enrich", 99),
					 CHAN("enrich->burn", 99), CHAN("burn->destination", 1) };
	struct analyzer_input in;
	input_set_stages(&in, st, 5, ch, 4);
	struct findings out;
	run(&in, &out);
	ck_assert_str_eq(one_of(&out, FIND_PIPELINE_BOTTLENECK)->component, "burn");
	const struct finding *c = find_comp(&out, FIND_CHANNEL_BACKPRESSURE, "source->clean");
	ck_assert_ptr_nonnull(c);
	ck_assert_str_eq(c->stage, "burn");
	ck_assert_msg(has_suggestion(c, "Stage clean, which drains it, is not the cause: it is 1% busy and waits 98% of "
					"its time to send on; stage burn further down sets the pace"),
		      "%s", all_suggestions(&out));
	ck_assert_msg(!any_suggestion(&out, "Stage clean drains this channel") &&
			      !any_suggestion(&out, "Stage enrich drains this channel"),
		      "%s", all_suggestions(&out));
	/* the channel right in front of burn: burn drains it slower */
	c = find_comp(&out, FIND_CHANNEL_BACKPRESSURE, "enrich->burn");
	ck_assert_msg(has_suggestion(c, "Stage burn drains this channel slower than it fills"), "%s",
		      all_suggestions(&out));
	findings_free(&out);
}
END_TEST

/* Memory that grows while the pools and buffers fill at start-up, then
 * stops, is no leak; a steady leak is found over a 10 s window. */
START_TEST(growth_that_stops_is_no_leak)
{
	struct an_point p[41];
	struct analyzer_input in;
	calm_input(&in);
	/* 4 s rising 3 MB/s, then 6 s flat (4 samples a second) */
	for (int i = 0; i < 41; i++) {
		double t = i * 0.25;
		p[i] = (struct an_point){ t, 20e6 + 3e6 * (t < 4 ? t : 4), 0 };
	}
	in.heap = p;
	in.nheap = 41;
	in.heap_now = p[40].value;
	struct findings out;
	run(&in, &out);
	ck_assert_uint_eq(count_type(&out, FIND_MEMORY_GROWTH), 0);
	findings_free(&out);

	/* the same rise held for the whole window: a leak */
	for (int i = 0; i < 41; i++)
		p[i].value = 20e6 + 3e6 * p[i].t_s;
	in.heap_now = p[40].value;
	run(&in, &out);
	assert_sev(one_of(&out, FIND_MEMORY_GROWTH), SEV_MEDIUM);
	findings_free(&out);
}
END_TEST

/* The error finding counts every failed record in the window (thousands),
 * and its reasons say they are counted among the first errors kept. */
START_TEST(errors_count_not_samples)
{
	const struct an_reason r[] = { { "typed", "cannot cast 'abc' to int", 100 } };
	struct analyzer_input in;
	calm_input(&in);
	in.records_in = 50000;
	in.records_errors = 12345;
	in.reasons = r;
	in.nreasons = 1;
	in.reasons_kept = 100;
	in.reasons_full = 1;
	struct findings out;
	run(&in, &out);
	const struct finding *f = one_of(&out, FIND_ERRORS);
	assert_sev(f, SEV_CRITICAL);
	ck_assert_int_eq(out.v[0].type, FIND_ERRORS);
	ck_assert_str_eq(f->description, "24.7% of records failed: 12,345 of 50,000 read in the window; the first "
					 "reasons: typed: cannot cast 'abc' to int (100 of the first 100 errors)");
	ck_assert_double_eq_tol(figure(f, "errors"), 12345, TOL);
	findings_free(&out);

	/* two stages fail records: each is counted, the one failing most named */
	struct an_stage st[] = {
		SRC(1, 40, 30, 30, 10000),
		XF("typed", 4, 40, 30, 30, 10000),
		DST(1, 40, 0, 60, 10000),
	};
	st[0].errors = 1345;
	st[1].errors = 11000;
	in.stages = st;
	run(&in, &out);
	f = one_of(&out, FIND_ERRORS);
	ck_assert_str_eq(f->component, "typed");
	ck_assert_msg(strstr(f->description, "12,345 of 50,000 read in the window (by stage: source 1,345, typed 11,000)"),
		      "%s", f->description);
	findings_free(&out);
}
END_TEST

/* Too short to judge: a 7-record run of 50 ms, or a window under a second,
 * gets one low too_short finding instead of findings (none of the locks,
 * hot functions or bottlenecks its figures would show). */
START_TEST(too_short_to_judge)
{
	const struct an_stage st[] = {
		SRC(1, 99, 0, 1, 140),
		XF("work", 1, 5, 0, 95, 140),
		DST(1, 2, 0, 98, 140),
	};
	const struct an_lock locks[] = { { "stage work: counter", 500, 0.04, 2 } };
	struct analyzer_input in;
	input_set_stages(&in, st, 3, NULL, 0);
	in.locks = locks;
	in.nlocks = 1;
	in.window_s = 0.05;
	in.records_in = 7;
	in.run_s = 0.05;
	in.run_records = 7;
	struct findings out;
	run(&in, &out);
	ck_assert_uint_eq(out.n, 1);
	const struct finding *f = one_of(&out, FIND_TOO_SHORT);
	assert_sev(f, SEV_LOW);
	ck_assert_msg(!strncmp(f->description, "Too short to judge: 7 records in 50", 35), "description: %s",
		      f->description);
	findings_free(&out);

	/* record errors are counts: judged however short the run (2 of 7) */
	const struct an_reason r[] = { { "work", "cannot cast 'x' to int", 2 } };
	in.records_errors = 2;
	in.reasons = r;
	in.nreasons = 1;
	in.reasons_kept = 2;
	run(&in, &out);
	ck_assert_uint_eq(out.n, 2);
	ck_assert_int_eq(out.v[0].type, FIND_ERRORS);
	ck_assert_int_eq(out.v[1].type, FIND_TOO_SHORT);
	findings_free(&out);
	in.records_errors = 0;
	in.nreasons = 0;

	/* 6 records over 3 s: still too few */
	in.window_s = in.run_s = 3;
	in.records_in = in.run_records = 6;
	run(&in, &out);
	ck_assert_uint_eq(out.n, 1);
	one_of(&out, FIND_TOO_SHORT);
	findings_free(&out);

	/* 6 records over 20 s (a slow API): judged */
	in.window_s = 10;
	in.run_s = 20;
	run(&in, &out);
	ck_assert_uint_eq(count_type(&out, FIND_TOO_SHORT), 0);
	findings_free(&out);
}
END_TEST

/* A configured pace never outranks a problem no configuration asked for:
 * a leak behind a rate-limited destination is primary; the destination's
 * pace is low. */
START_TEST(configured_pace_below_problems)
{
	struct an_stage st[] = {
		SRC(1, 2, 97, 1, 5000),
		XF("hoard", 4, 3, 96, 1, 5000),
		DST(1, 99, 0, 1, 5000),
	};
	st[2].rate_limit = 5000;
	st[2].rate_key = "rate_limit";
	struct an_point p[40];
	for (int i = 0; i < 40; i++)
		p[i] = (struct an_point){ i * 0.25, 30e6 + 2.5e6 * i * 0.25, 0 };
	struct analyzer_input in;
	input_set_stages(&in, st, 3, NULL, 0);
	in.heap = p;
	in.nheap = 40;
	in.heap_now = p[39].value;
	struct findings out;
	run(&in, &out);
	ck_assert_int_eq(out.v[0].type, FIND_MEMORY_GROWTH);
	const struct finding *b = one_of(&out, FIND_PIPELINE_BOTTLENECK);
	assert_sev(b, SEV_LOW);
	ck_assert_msg(strstr(b->description, "runs at its configured rate_limit = 5000"), "%s", b->description);
	findings_free(&out);
}
END_TEST

/* The verdict holds still: the previous bottleneck stays it while its
 * figures are within a margin of the thresholds (busy 75%, under 80). */
START_TEST(bottleneck_holds_within_margin)
{
	const struct an_stage st[] = {
		SRC(1, 10, 85, 5, 1000),
		XF("burn", 2, 75, 0, 25, 1000),
		DST(1, 2, 0, 98, 1000),
	};
	struct analyzer_input in;
	input_set_stages(&in, st, 3, NULL, 0);
	struct findings out;
	run(&in, &out);
	ck_assert_uint_eq(count_type(&out, FIND_PIPELINE_BOTTLENECK), 0);
	findings_free(&out);
	in.prev_bottleneck = "burn";
	run(&in, &out);
	ck_assert_str_eq(one_of(&out, FIND_PIPELINE_BOTTLENECK)->component, "burn");
	findings_free(&out);
	in.prev_bottleneck = "destination";
	run(&in, &out);
	ck_assert_uint_eq(count_type(&out, FIND_PIPELINE_BOTTLENECK), 0);
	findings_free(&out);
}
END_TEST

/* Names quoted for pprof's -list, which reads a regular expression: anchored,
 * metacharacters escaped; unnamed frames are never a finding. */
START_TEST(pprof_names_and_unknown_frames)
{
	const struct an_function fn[] = {
		{ .name = "[unknown]", .stage = "work", .flat_pct = 40, .stage_pct = 60 },
		{ .name = "0x7f3a2b1c", .stage = "work", .flat_pct = 30, .stage_pct = 30 },
		{ .name = "libfoo.so+0x1f0", .stage = "work", .flat_pct = 25, .stage_pct = 20 },
		{ .name = "ns::f(int).cold", .stage = "work", .flat_pct = 22, .stage_pct = 20 },
	};
	const struct an_stage st[] = {
		SRC(1, 40, 30, 30, 10000),
		XF("work", 4, 90, 0, 10, 10000),
		DST(1, 30, 0, 70, 10000),
	};
	struct analyzer_input in;
	calm_input(&in);
	in.stages = st;
	in.cpu_samples = 1000;
	in.functions = fn;
	in.nfunctions = 4;
	struct findings out;
	run(&in, &out);
	ck_assert_uint_eq(count_type(&out, FIND_CPU_HOTSPOT), 1);
	const struct finding *f = one_of(&out, FIND_CPU_HOTSPOT);
	ck_assert_str_eq(f->component, "ns::f(int).cold");
	ck_assert_msg(has_suggestion(f, "go tool pprof -list '^ns::f\\(int\\)\\.cold$' cpu_*.prof"), "%s",
		      all_suggestions(&out));
	findings_free(&out);
}
END_TEST

/* Two busy stages: fetch (sleeping, pushed by a backpressured source, not
 * backpressured itself) is the limit even though crunch after it is 85%
 * busy on a loaded machine; crunch's hot function is then not inside the
 * bottleneck. */
START_TEST(bottleneck_with_busy_downstream)
{
	const struct an_stage st[] = {
		SRC(1, 1, 99, 0, 13000),
		XF("fetch", 4, 100, 0, 0, 13000),
		XF("crunch", 4, 85, 0, 15, 13000),
		DST(1, 0, 0, 100, 13000),
	};
	const struct an_channel ch[] = { CHAN("source->fetch", 89), CHAN("fetch->crunch", 9),
					 CHAN("crunch->destination", 1) };
	const struct an_function fn[] = { { .name = "spin_burn_cpu", .stage = "crunch", .flat_pct = 75, .stage_pct = 99 } };
	struct analyzer_input in;
	input_set_stages(&in, st, 4, ch, 3);
	in.cpu_samples = 800;
	in.functions = fn;
	in.nfunctions = 1;
	struct findings out;
	run(&in, &out);
	ck_assert_int_eq(out.v[0].type, FIND_PIPELINE_BOTTLENECK);
	ck_assert_str_eq(out.v[0].component, "fetch");
	assert_sev(find_comp(&out, FIND_CPU_HOTSPOT, "spin_burn_cpu"), SEV_LOW);
	findings_free(&out);

	/* fetch backpressured by a full channel into crunch: crunch is the limit */
	const struct an_stage st2[] = {
		SRC(1, 1, 99, 0, 13000),
		XF("fetch", 4, 30, 70, 0, 13000),
		XF("crunch", 4, 99, 0, 1, 13000),
		DST(1, 0, 0, 100, 13000),
	};
	const struct an_channel ch2[] = { CHAN("source->fetch", 95), CHAN("fetch->crunch", 95),
					  CHAN("crunch->destination", 1) };
	in.stages = st2;
	in.channels = ch2;
	run(&in, &out);
	ck_assert_str_eq(one_of(&out, FIND_PIPELINE_BOTTLENECK)->component, "crunch");
	findings_free(&out);
}
END_TEST

/* A big allocator share of a process that does little (a leak making the
 * heap grow, 6% of a core in all) is CPU spent, not throughput held back:
 * low, and it says so; the same share of a busy process keeps its band. */
START_TEST(allocator_little_cpu_is_low)
{
	struct analyzer_input in;
	calm_input(&in);
	in.cpu_samples = 500;
	in.allocator_pct = 68;
	in.cores = 2;
	in.cores_used = 0.06;
	struct findings out;
	run(&in, &out);
	const struct finding *f = one_of(&out, FIND_ALLOCATOR_PRESSURE);
	assert_sev(f, SEV_LOW);
	ck_assert_msg(strstr(f->description, "that is 0.04 of a core: CPU spent, not throughput held back"), "%s",
		      f->description);
	findings_free(&out);
	/* beside a keeps_up verdict, both low: the verdict leads */
	const struct an_stage st[] = {
		SRC(1, 60, 0, 40, 10000),
		XF("work", 4, 5, 0, 95, 10000),
		DST(1, 2, 0, 98, 10000),
	};
	in.stages = st;
	run(&in, &out);
	ck_assert_int_eq(out.v[0].type, FIND_KEEPS_UP);
	assert_sev(one_of(&out, FIND_ALLOCATOR_PRESSURE), SEV_LOW);
	findings_free(&out);
	/* a busy process that keeps up: CPU spent, medium while the machine's
	 * cores are busy; with no verdict on the pace the band stands */
	in.cores_used = 1.5;
	run(&in, &out);
	assert_sev(one_of(&out, FIND_ALLOCATOR_PRESSURE), SEV_MEDIUM);
	findings_free(&out);
	calm_input(&in);
	in.cpu_samples = 500;
	in.allocator_pct = 68;
	in.cores = 2;
	in.cores_used = 1.5;
	run(&in, &out);
	assert_sev(one_of(&out, FIND_ALLOCATOR_PRESSURE), SEV_CRITICAL);
	findings_free(&out);
}
END_TEST

/* The hold margin eases every test for the stage held, never makes one
 * stricter: fetch backpressured 55% is not the bottleneck (crunch is),
 * unless it was at the previous analysis; at 45% it is, held or not. */
START_TEST(hold_margin_eases_tests)
{
	struct an_stage st[] = {
		SRC(1, 1, 99, 0, 13000),
		XF("fetch", 4, 100, 55, 0, 13000),
		XF("crunch", 4, 85, 0, 15, 13000),
		DST(1, 0, 0, 100, 13000),
	};
	const struct an_channel ch[] = { CHAN("source->fetch", 89), CHAN("fetch->crunch", 9),
					 CHAN("crunch->destination", 1) };
	struct analyzer_input in;
	input_set_stages(&in, st, 4, ch, 3);
	struct findings out;
	/* fetch waits to send 55% of its time: crunch, pushed, is the limit */
	run(&in, &out);
	ck_assert_str_eq(one_of(&out, FIND_PIPELINE_BOTTLENECK)->component, "crunch");
	findings_free(&out);
	/* fetch held from the previous analysis: within 10 points, it stays */
	in.prev_bottleneck = "fetch";
	run(&in, &out);
	ck_assert_str_eq(one_of(&out, FIND_PIPELINE_BOTTLENECK)->component, "fetch");
	findings_free(&out);
	/* 45%: fetch, held or not (the margin never makes a test stricter) */
	st[1].backpressured_pct = 45;
	run(&in, &out);
	ck_assert_str_eq(one_of(&out, FIND_PIPELINE_BOTTLENECK)->component, "fetch");
	findings_free(&out);
	in.prev_bottleneck = NULL;
	run(&in, &out);
	ck_assert_str_eq(one_of(&out, FIND_PIPELINE_BOTTLENECK)->component, "fetch");
	findings_free(&out);
}
END_TEST

/* A destination's advice by what it waits on: a pipe's reader, the disk, the
 * HTTP server, the PostgreSQL table; a terminal; and a destination waiting
 * on its system is not told it spends its time encoding. */
START_TEST(destination_waits_by_kind)
{
	static const struct {
		const char *waits_on, *want, *never;
	} kinds[] = {
		{ "pipe", "The program reading from the pipe sets the pace", "disk" },
		{ "file", "Writing the file is the limit: the disk", "index" },
		{ "HTTP server", "The HTTP server sets the pace: send fewer, larger requests", "index" },
		{ "PostgreSQL server", "indexes, constraints and triggers", "disk or network" },
		{ "terminal", "write to a file (file_path) instead of the screen", "program" },
		{ "socket", "The program reading from the socket", "disk" },
	};
	struct an_stage st[] = {
		SRC(1, 10, 90, 0, 20000),
		XF("typed", 4, 15, 80, 5, 20000),
		DST(1, 98, 0, 2, 20000),
	};
	const struct an_channel ch[] = { CHAN("source->typed", 95), CHAN("typed->destination", 95) };
	struct analyzer_input in;
	input_set_stages(&in, st, 3, ch, 2);
	for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++) {
		st[2].waits_on = kinds[k].waits_on;
		st[2].wait_pct = 90;
		struct findings out;
		run(&in, &out);
		const struct finding *f = one_of(&out, FIND_PIPELINE_BOTTLENECK);
		ck_assert_msg(has_suggestion(f, kinds[k].want), "%s: %s", kinds[k].waits_on, all_suggestions(&out));
		ck_assert_msg(!has_suggestion(f, kinds[k].never), "%s: %s", kinds[k].waits_on, all_suggestions(&out));
		ck_assert_msg(!has_suggestion(f, "spends its time encoding"), "%s", all_suggestions(&out));
		/* the channel in front names what it waits on */
		const struct finding *c = find_comp(&out, FIND_CHANNEL_BACKPRESSURE, "typed->destination");
		char want[128];
		snprintf(want, sizeof want, "because it waits on its %s", kinds[k].waits_on);
		ck_assert_msg(has_suggestion(c, want), "%s", all_suggestions(&out));
		findings_free(&out);
	}
}
END_TEST

/* A paced destination whose upstream is not all backpressured (a cast 30%
 * busy, bp 45) but whose input channel is full is the bottleneck, low; the
 * channels in front are low and name it, never the cheap cast. */
START_TEST(paced_destination_with_full_channel)
{
	struct an_stage st[] = {
		SRC(1, 2, 97, 1, 5000),
		XF("cast", 4, 30, 45, 25, 5000),
		DST(1, 99, 0, 1, 5000),
	};
	st[2].rate_limit = 5000;
	st[2].rate_key = "rate_limit";
	const struct an_channel ch[] = { CHAN("source->cast", 99), CHAN("cast->destination", 99) };
	struct analyzer_input in;
	input_set_stages(&in, st, 3, ch, 2);
	struct findings out;
	run(&in, &out);
	const struct finding *b = one_of(&out, FIND_PIPELINE_BOTTLENECK);
	ck_assert_str_eq(b->component, "destination");
	assert_sev(b, SEV_LOW);
	for (size_t i = 0; i < out.n; i++)
		assert_sev(&out.v[i], SEV_LOW);
	ck_assert_str_eq(find_comp(&out, FIND_CHANNEL_BACKPRESSURE, "source->cast")->stage, "destination");
	ck_assert_msg(!any_suggestion(&out, "Stage cast drains"), "%s", all_suggestions(&out));
	ck_assert_msg(has_suggestion(find_comp(&out, FIND_CHANNEL_BACKPRESSURE, "cast->destination"),
				     "runs at its configured rate_limit = 5000: the channel fills in front of it by "
				     "configuration"),
		      "%s", all_suggestions(&out));
	findings_free(&out);
}
END_TEST

/* Under a keeps_up verdict (the source at its rate, a stage 85% busy), no
 * stage holds anything back: a hot function anywhere is low; with no
 * records at all (a program on libnebula) nothing is known of the stages
 * and its band stands. */
START_TEST(hotspot_under_keeps_up_and_without_records)
{
	struct an_stage st[] = {
		SRC(1, 100, 0, 0, 10000),
		XF("enrich", 4, 85, 0, 15, 10000),
		DST(1, 2, 0, 98, 10000),
	};
	st[0].rate_limit = 10000;
	st[0].rate_key = "rate";
	const struct an_function fn[] = { { .name = "enrich_row", .stage = "enrich", .flat_pct = 50, .stage_pct = 90 } };
	struct analyzer_input in;
	input_set_stages(&in, st, 3, NULL, 0);
	in.cpu_samples = 1000;
	in.functions = fn;
	in.nfunctions = 1;
	struct findings out;
	run(&in, &out);
	ck_assert_int_eq(out.v[0].type, FIND_KEEPS_UP);
	assert_sev(find_comp(&out, FIND_CPU_HOTSPOT, "enrich_row"), SEV_LOW);
	/* enrich at 85% has 1.2x headroom */
	ck_assert_double_eq_tol(figure(&out.v[0], "headroom"), 100 / 85.0, 1e-6);
	findings_free(&out);

	in.records_in = 0;
	run(&in, &out);
	const struct finding *h = one_of(&out, FIND_CPU_HOTSPOT);
	assert_sev(h, SEV_CRITICAL);
	ck_assert_str_eq(h->description, "Function 'enrich_row' in stage enrich consuming 50.0% of CPU time");
	findings_free(&out);
}
END_TEST

/* Smaller pieces: reasons counted exactly while the kept list is not full;
 * pprof names with a quote and in a small buffer; a zero window in a run
 * that has started is too short. */
START_TEST(small_pieces)
{
	const struct an_reason r[] = { { "typed", "bad int", 7 } };
	struct analyzer_input in;
	calm_input(&in);
	in.records_in = 100;
	in.records_errors = 7;
	in.reasons = r;
	in.nreasons = 1;
	in.reasons_kept = 7;
	in.reasons_full = 0;
	struct findings out;
	run(&in, &out);
	ck_assert_msg(strstr(one_of(&out, FIND_ERRORS)->description, "typed: bad int (7)"), "%s",
		      one_of(&out, FIND_ERRORS)->description);
	findings_free(&out);

	/* a long reason is cut after a whole word */
	char cut[64];
	finding_clip(cut, sizeof cut, "connection lost: server closed the connection unexpectedly; 0 records committed",
		     40);
	ck_assert_str_eq(cut, "connection lost: server closed the...");
	finding_clip(cut, sizeof cut, "short reason", 40);
	ck_assert_str_eq(cut, "short reason");

	char re[32];
	analyzer_pprof_regex("o'clock", re, sizeof re);
	ck_assert_str_eq(re, "^o.clock$");
	analyzer_pprof_regex("a_very_long_function_name_indeed", re, 12);
	ck_assert_uint_le(strlen(re), 11);
	ck_assert_int_eq(re[0], '^');
	ck_assert_int_eq(re[strlen(re) - 1], '$');

	calm_input(&in);
	in.window_s = 0;
	in.run_s = 0.2;
	in.run_records = 5000;
	run(&in, &out);
	one_of(&out, FIND_TOO_SHORT);
	findings_free(&out);
}
END_TEST

/* No stage holds it back and the source waits to send, but the machine's
 * cores are all busy: the CPU is the limit (cpu_bound, low), saying whether
 * nebtop or other programs take it; hot functions are then CPU spent. */
START_TEST(cpu_bound_verdict)
{
	const struct an_stage st[] = {
		SRC(2, 60, 35, 5, 2500000),
		XF("typed", 2, 70, 20, 10, 2500000),
		DST(1, 65, 0, 35, 2500000),
	};
	const struct an_function fn[] = { { .name = "csv_fast_parse", .stage = "source", .flat_pct = 35, .stage_pct = 70 } };
	struct analyzer_input in;
	input_set_stages(&in, st, 3, NULL, 0);
	in.cores = 2;
	in.cores_used = 1.8;
	in.machine_busy_cores = 1.9;
	in.cpu_samples = 1000;
	in.functions = fn;
	in.nfunctions = 1;
	struct findings out;
	run(&in, &out);
	const struct finding *f = one_of(&out, FIND_CPU_BOUND);
	assert_sev(f, SEV_LOW);
	ck_assert_msg(strstr(f->description, "the machine's cores are busy (nebtop uses 1.8 of 2 cores, the whole machine "
					     "1.9)"),
		      "%s", f->description);
	ck_assert_int_le(find_comp(&out, FIND_CPU_HOTSPOT, "csv_fast_parse")->severity, SEV_MEDIUM);
	findings_free(&out);
	in.cores_used = 0.3;
	run(&in, &out);
	ck_assert_msg(strstr(one_of(&out, FIND_CPU_BOUND)->description, "most of that CPU goes to other programs"), "%s",
		      one_of(&out, FIND_CPU_BOUND)->description);
	findings_free(&out);
	in.machine_busy_cores = 1.2;
	run(&in, &out);
	ck_assert_uint_eq(count_type(&out, FIND_CPU_BOUND), 0);
	findings_free(&out);
}
END_TEST

/* A CPU-bound stage on a machine that other programs load too (as the
 * planted spin pipeline ran under TSan on a busy CI machine): its input
 * channel is 81% full and its source waits 44% of its time for room, the
 * rest producing on the shared cores. Both signals, each under its own
 * threshold, agree: the stage is the bottleneck, not "no stage" (cpu_bound). */
START_TEST(bottleneck_on_shared_cores)
{
	const struct an_stage st[] = {
		SRC(1, 56, 44, 0, 3000),
		XF("burn", 4, 97, 0, 3, 3000),
		DST(1, 4, 0, 96, 3000),
	};
	const struct an_channel ch[] = { CHAN("source->burn", 81.1), CHAN("burn->destination", 1) };
	struct analyzer_input in;
	input_set_stages(&in, st, 3, ch, 2);
	in.cores = 2;
	in.cores_used = 1.2;
	in.machine_busy_cores = 2.0;
	struct findings out;
	run(&in, &out);
	ck_assert_uint_eq(count_type(&out, FIND_CPU_BOUND), 0);
	const struct finding *f = find_comp(&out, FIND_PIPELINE_BOTTLENECK, "burn");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_ge(f->severity, SEV_MEDIUM);
	findings_free(&out);
	/* one signal alone stays below the verdict: a half-full channel with the
	 * source waiting 44%, or an 81% full channel with the source waiting 20% */
	const struct an_channel half[] = { CHAN("source->burn", 50), CHAN("burn->destination", 1) };
	in.channels = half;
	run(&in, &out);
	ck_assert_uint_eq(count_type(&out, FIND_PIPELINE_BOTTLENECK), 0);
	findings_free(&out);
	const struct an_stage st2[] = {
		SRC(1, 80, 20, 0, 3000),
		XF("burn", 4, 97, 0, 3, 3000),
		DST(1, 4, 0, 96, 3000),
	};
	input_set_stages(&in, st2, 3, ch, 2);
	in.cores = 2;
	in.cores_used = 1.2;
	in.machine_busy_cores = 2.0;
	run(&in, &out);
	ck_assert_uint_eq(count_type(&out, FIND_PIPELINE_BOTTLENECK), 0);
	findings_free(&out);
}
END_TEST

static Suite *analyzer_suite(void)
{
	Suite *s = suite_create("analyzer");
	TCase *tc = tcase_create("basics");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, defaults);
	tcase_add_test(tc, names);
	tcase_add_test(tc, calm_pipeline_has_no_finding);
	suite_add_tcase(s, tc);

	tc = tcase_create("fit");
	tcase_add_test(tc, fit_line);
	tcase_add_test(tc, fit_shrinking_line);
	tcase_add_test(tc, fit_imperfect_line);
	tcase_add_test(tc, fit_degenerate);
	suite_add_tcase(s, tc);

	tc = tcase_create("bottleneck");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, bottleneck_transform_critical);
	tcase_add_test(tc, bottleneck_transform_bands);
	tcase_add_test(tc, bottleneck_transform_medium_four_stages);
	tcase_add_test(tc, bottleneck_pushed_by_full_channel_low);
	tcase_add_test(tc, bottleneck_needs_pushed_upstream);
	tcase_add_test(tc, bottleneck_needs_idle_downstream);
	tcase_add_test(tc, bottleneck_destination);
	tcase_add_test(tc, bottleneck_connector_waiting);
	tcase_add_test(tc, bottleneck_with_busy_downstream);
	tcase_add_test(tc, allocator_little_cpu_is_low);
	tcase_add_test(tc, hold_margin_eases_tests);
	tcase_add_test(tc, destination_waits_by_kind);
	tcase_add_test(tc, paced_destination_with_full_channel);
	tcase_add_test(tc, hotspot_under_keeps_up_and_without_records);
	tcase_add_test(tc, small_pieces);
	tcase_add_test(tc, cpu_bound_verdict);
	tcase_add_test(tc, bottleneck_on_shared_cores);
	tcase_add_test(tc, source_keeps_up);
	tcase_add_test(tc, source_waits_by_kind);
	tcase_add_test(tc, configured_pace_caps);
	tcase_add_test(tc, workers_oncpu_and_machine);
	tcase_add_test(tc, channel_names_the_limit);
	tcase_add_test(tc, growth_that_stops_is_no_leak);
	tcase_add_test(tc, errors_count_not_samples);
	tcase_add_test(tc, too_short_to_judge);
	tcase_add_test(tc, configured_pace_below_problems);
	tcase_add_test(tc, bottleneck_holds_within_margin);
	tcase_add_test(tc, pprof_names_and_unknown_frames);
	tcase_add_test(tc, bottleneck_impact_unknown_capacity);
	tcase_add_test(tc, bottleneck_needs_records);
	tcase_add_test(tc, bottleneck_impact_measured_by_whatif);
	suite_add_tcase(s, tc);

	tc = tcase_create("rules");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, channel_bands);
	tcase_add_test(tc, channel_feeding_bottleneck_capped);
	tcase_add_test(tc, hotspot_bands);
	tcase_add_test(tc, hotspot_not_sanitizer_runtime);
	tcase_add_test(tc, hotspot_in_bottleneck_capped);
	tcase_add_test(tc, allocator_bands);
	tcase_add_test(tc, growth_bands);
	tcase_add_test(tc, growth_shrinking_none);
	tcase_add_test(tc, growth_too_short_none);
	tcase_add_test(tc, growth_noisy_none);
	tcase_add_test(tc, growth_names_leak_suspects);
	tcase_add_test(tc, growth_until_the_source_stops);
	tcase_add_test(tc, growth_per_record_bursty);
	tcase_add_test(tc, growth_rss_without_heap);
	tcase_add_test(tc, lock_bands);
	tcase_add_test(tc, thread_leaks);
	tcase_add_test(tc, cpu_underuse);
	tcase_add_test(tc, error_bands);
	suite_add_tcase(s, tc);

	tc = tcase_create("order");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, lock_in_bottleneck_ranks_with_it);
	tcase_add_test(tc, order_allocator_before_bottleneck);
	tcase_add_test(tc, order_full);
	tcase_add_test(tc, sort_and_count);
	tcase_add_test(tc, healthy_nothing_above_low);
	tcase_add_test(tc, demo_paced_source_is_primary);
	tcase_add_test(tc, connector_pace_suggestions);
	tcase_add_test(tc, lock_held_stage_gets_no_workers);
	tcase_add_test(tc, all_cores_used_no_workers_anywhere);
	tcase_add_test(tc, errors_dead_letter_configured);
	suite_add_tcase(s, tc);
	return s;
}

int main(void) { return unit_run_suite(analyzer_suite()); }
