/* test_latency.c: following sampled batches from read to write
 * (pipeline/latency.c), with steps made up as the runner hands them: a
 * source read, a stage, a destination write, each with the wait in front of
 * it. Only the batches whose sequence is a multiple of the sample are
 * counted; the time starts at the end of the read; the parts are in
 * pipeline order, named by stage and channel, and their means add up to the
 * end-to-end mean; the quantiles are told by the
 * parts of the batches at them (a slow tail that is all queueing shows as
 * queueing at p99 and as work at p50); a batch whose read was overwritten by
 * a newer one in the table is not counted; off (sample 0) keeps nothing. */
#include "autoconfig.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/hooks.h"
#include "pipeline/latency.h"
#include "tests/unit/unit_main.h"

#define MS 1000000ull

/* One batch through read (1 ms), a wait of wait_ms in source->enrich,
 * enrich's work (work_ms), a wait of 1 ms and the write (1 ms), from t. */
static void latency_feed(struct latency *l, uint64_t seq, uint64_t t, uint64_t wait_ms, uint64_t work_ms)
{
	struct span_step read = { "source", "read", 0, -1, seq, t, t + 1 * MS, 0, 100, 1000 };
	latency_note(l, &read, 0);
	t += 1 * MS + wait_ms * MS;
	struct span_step enrich = { "enrich", NULL, 1, 0, seq, t, t + work_ms * MS, wait_ms * MS, 100, 1000 };
	latency_note(l, &enrich, 0);
	t += work_ms * MS + 1 * MS;
	struct span_step write = { "destination", "write", 2, 1, seq, t, t + 1 * MS, 1 * MS, 100, 1000 };
	latency_note(l, &write, 1);
}

START_TEST(parts_add_up_and_are_named)
{
	struct latency l;
	ck_assert_int_eq(latency_init(&l, 4), 0);
	for (uint64_t seq = 0; seq < 40; seq++)
		if (latency_follows(&l, seq))
			latency_feed(&l, seq, seq * 100 * MS, 2, 10);
	/* a step of a batch that is not followed, by mistake: ignored */
	latency_feed(&l, 41, 0, 500, 500);
	struct latency_view *v = malloc(sizeof *v);
	latency_read(&l, v);
	ck_assert_uint_eq(v->every, 4);
	ck_assert_uint_eq(v->batches, 10);
	ck_assert_uint_eq(v->nparts, 4); /* the read is not the records' time in the pipeline */
	const char *names[4] = { "waiting in source->enrich", "enrich", "waiting in enrich->destination",
				 "destination write" };
	double mean = 0;
	for (size_t i = 0; i < 4; i++) {
		char n[200];
		latency_part_name(&v->parts[i], n, sizeof n);
		ck_assert_str_eq(n, names[i]);
		mean += v->parts[i].mean_us;
	}
	ck_assert_int_eq(v->parts[0].queue, 1);
	ck_assert_int_eq(v->parts[1].queue, 0);
	/* from the end of the read: 2 + 10 + 1 + 1 ms */
	ck_assert_double_eq_tol(v->mean_us, 14000, 1);
	ck_assert_double_eq_tol(mean, v->mean_us, 1);
	ck_assert_double_eq_tol(v->parts[1].mean_us, 10000, 1);
	ck_assert_double_eq_tol(v->parts[1].share_pct, 100.0 * 10 / 14, 0.01);
	ck_assert(v->p50_us <= v->p90_us && v->p90_us <= v->p99_us && v->p99_us <= v->max_us * 1.07);
	ck_assert_uint_eq(v->e2e.n, 10);
	free(v);
	latency_free(&l);
}
END_TEST

/* Most batches are quick and spend their time in enrich's work; the
 * slowest few wait 200 ms in front of it: p99 is told as the wait, p50 as
 * the work. */
START_TEST(quantiles_told_by_their_batches)
{
	struct latency l;
	ck_assert_int_eq(latency_init(&l, 1), 0);
	for (uint64_t seq = 0; seq < 200; seq++)
		latency_feed(&l, seq, seq * 1000 * MS, seq % 50 == 49 ? 200 : 0, 10);
	struct latency_view *v = malloc(sizeof *v);
	latency_read(&l, v);
	ck_assert_uint_eq(v->batches, 200);
	ck_assert_double_eq(v->q[0], 0.5);
	ck_assert_double_eq(v->q[2], 0.99);
	ck_assert_msg(v->q_share[2][0] > 50, "p99: %.1f%% waiting", v->q_share[2][0]);
	ck_assert_msg(v->q_share[0][1] > 50, "p50: %.1f%% enrich", v->q_share[0][1]);
	ck_assert_msg(v->q_share[0][0] < 1, "p50: %.1f%% waiting", v->q_share[0][0]);
	for (int q = 0; q < LATENCY_QUANTILES; q++) {
		double s = 0;
		for (size_t i = 0; i < v->nparts; i++)
			s += v->q_share[q][i];
		ck_assert_double_eq_tol(s, 100, 1.5); /* the shares are of whole microseconds */
	}
	free(v);
	latency_free(&l);
}
END_TEST

/* More batches under way than the table holds: the oldest is overwritten
 * and never counted; a write without its read counts nothing. */
START_TEST(overwritten_batch_not_counted)
{
	struct latency l;
	ck_assert_int_eq(latency_init(&l, 1), 0);
	struct span_step read = { "source", "read", 0, -1, 0, 0, MS, 0, 1, 1 };
	latency_note(&l, &read, 0);
	read.seq = LATENCY_INFLIGHT; /* the same slot */
	latency_note(&l, &read, 0);
	struct span_step write = { "destination", "write", 1, 0, 0, 2 * MS, 3 * MS, MS, 1, 1 };
	latency_note(&l, &write, 1); /* batch 0's write: its read is gone */
	write.seq = 7;		     /* never read */
	latency_note(&l, &write, 1);
	struct latency_view *v = malloc(sizeof *v);
	latency_read(&l, v);
	ck_assert_uint_eq(v->batches, 0);
	write.seq = LATENCY_INFLIGHT;
	latency_note(&l, &write, 1);
	latency_read(&l, v);
	ck_assert_uint_eq(v->batches, 1);
	ck_assert_double_eq_tol(v->mean_us, 2000, 1); /* from the read's end */
	free(v);
	latency_free(&l);
}
END_TEST

START_TEST(off_keeps_nothing)
{
	struct latency l;
	ck_assert_int_eq(latency_init(&l, 0), 0);
	ck_assert_int_eq(latency_follows(&l, 0), 0);
	latency_feed(&l, 0, 0, 1, 1);
	struct latency_view *v = malloc(sizeof *v);
	latency_read(&l, v);
	ck_assert_uint_eq(v->batches, 0);
	ck_assert_uint_eq(v->nparts, 0);
	free(v);
	latency_free(&l);
}
END_TEST

static Suite *latency_suite(void)
{
	Suite *s = suite_create("latency");
	TCase *tc = tcase_create("latency");
	tcase_add_test(tc, parts_add_up_and_are_named);
	tcase_add_test(tc, quantiles_told_by_their_batches);
	tcase_add_test(tc, overwritten_batch_not_counted);
	tcase_add_test(tc, off_keeps_nothing);
	suite_add_tcase(s, tc);
	return s;
}

int main(void) { return unit_run_suite(latency_suite()); }
