/* test_histogram.c: unit tests of the log-linear latency histogram
 * (pipeline/histogram.c): bucket_of/lower/upper agree with each other over
 * the whole range of uint64_t; percentiles of several distributions are
 * checked against a sorted array, both against the documented formula (the
 * midpoint of the bucket holding the value of rank ceil(q*n), clamped to the
 * maximum) and against the documented error (1/16 relative from 1 us to
 * 2^42 ns); merging and differences of views; an empty histogram gives 0. */
#include "autoconfig.h"

#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/histogram.h"
#include "tests/unit/unit_main.h"

/* Check's ck_assert records a checkpoint on every success, too slow in the
 * loops below: there, only fail. */
#define TOP_LOWER (1ull << HISTOGRAM_MAX_EXP)
#define LAST_BUCKET (HISTOGRAM_BUCKETS - 1u)

static uint64_t test_rng_next(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*s = x;
	return x * 0x2545F4914F6CDD1Dull;
}

/* A uniform double in [0, 1). */
static double test_rng_unit(uint64_t *s) { return (double)(test_rng_next(s) >> 11) / 9007199254740992.0; }

static struct histogram *test_histogram_new(void)
{
	struct histogram *h = calloc(1, sizeof *h);
	ck_assert_ptr_nonnull(h);
	return h;
}

static struct histogram_view *test_view_new(void)
{
	struct histogram_view *v = calloc(1, sizeof *v);
	ck_assert_ptr_nonnull(v);
	return v;
}

/* A new view holding what h has counted. */
static struct histogram_view *test_view_of(const struct histogram *h)
{
	struct histogram_view *v = test_view_new();
	histogram_merge_into(v, h);
	return v;
}

static int test_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

/* ---- buckets ------------------------------------------------------------ */

/* v lies in bucket_of(v), whose [lower, upper) holds it (the last bucket is
 * [2^42, UINT64_MAX]). */
static void test_check_value_in_its_bucket(uint64_t v)
{
	unsigned i = histogram_bucket_of(v);
	unit_require(i < HISTOGRAM_BUCKETS, "bucket %u out of range for %llu", i, (unsigned long long)v);
	uint64_t lo = histogram_bucket_lower(i), hi = histogram_bucket_upper(i);
	unit_require(lo <= v, "value %llu below its bucket %u [%llu, %llu)", (unsigned long long)v, i,
		     (unsigned long long)lo, (unsigned long long)hi);
	if (i < LAST_BUCKET)
		unit_require(v < hi, "value %llu not below the upper bound of bucket %u [%llu, %llu)",
			     (unsigned long long)v, i, (unsigned long long)lo, (unsigned long long)hi);
}

START_TEST(test_bucket_layout)
{
	/* the documented shape: bucket 0 below 1 us, 16 per power of two, the
	 * last one from 2^42 ns on */
	ck_assert_uint_eq(HISTOGRAM_BUCKETS, 1 + 32 * 16 + 1);
	ck_assert_uint_eq(histogram_bucket_lower(0), 0);
	ck_assert_uint_eq(histogram_bucket_upper(0), 1024);
	ck_assert_uint_eq(histogram_bucket_lower(1), 1024);
	ck_assert_uint_eq(histogram_bucket_upper(1), 1024 + 64);
	ck_assert_uint_eq(histogram_bucket_lower(17), 2048);
	ck_assert_uint_eq(histogram_bucket_lower(LAST_BUCKET), TOP_LOWER);
	ck_assert_uint_eq(histogram_bucket_upper(LAST_BUCKET), UINT64_MAX);
	ck_assert_uint_eq(histogram_bucket_upper(LAST_BUCKET - 1), TOP_LOWER);
	ck_assert_uint_eq(histogram_bucket_of(0), 0);
	ck_assert_uint_eq(histogram_bucket_of(1023), 0);
	ck_assert_uint_eq(histogram_bucket_of(1024), 1);
	ck_assert_uint_eq(histogram_bucket_of(TOP_LOWER - 1), LAST_BUCKET - 1);
	ck_assert_uint_eq(histogram_bucket_of(TOP_LOWER), LAST_BUCKET);
	ck_assert_uint_eq(histogram_bucket_of(UINT64_MAX), LAST_BUCKET);
}
END_TEST

START_TEST(test_buckets_contiguous_and_monotone)
{
	for (unsigned i = 0; i < LAST_BUCKET; i++) {
		uint64_t lo = histogram_bucket_lower(i), hi = histogram_bucket_upper(i);
		unit_require(lo < hi, "bucket %u is empty: [%llu, %llu)", i, (unsigned long long)lo,
			     (unsigned long long)hi);
		unit_require(hi == histogram_bucket_lower(i + 1), "bucket %u ends at %llu but %u starts at %llu", i,
			     (unsigned long long)hi, i + 1, (unsigned long long)histogram_bucket_lower(i + 1));
		unit_require(histogram_bucket_of(lo) == i, "lower bound %llu of bucket %u lands in %u",
			     (unsigned long long)lo, i, histogram_bucket_of(lo));
		unit_require(histogram_bucket_of(hi - 1) == i, "last value %llu of bucket %u lands in %u",
			     (unsigned long long)(hi - 1), i, histogram_bucket_of(hi - 1));
		unit_require(histogram_bucket_of(hi) == i + 1, "upper bound %llu of bucket %u lands in %u",
			     (unsigned long long)hi, i, histogram_bucket_of(hi));
		/* the resolution the percentiles rely on: a bucket above 1 us is
		 * at most 1/16 of its lower bound wide */
		if (i > 0)
			unit_require(hi - lo <= lo / HISTOGRAM_SUB, "bucket %u [%llu, %llu) is wider than 1/16", i,
				     (unsigned long long)lo, (unsigned long long)hi);
	}
}
END_TEST

START_TEST(test_every_value_in_its_bucket)
{
	/* every value up to 2^16, around every power of two, and a spread of
	 * random values of every magnitude */
	for (uint64_t v = 0; v <= 65536; v++)
		test_check_value_in_its_bucket(v);
	for (unsigned e = 0; e < 64; e++) {
		uint64_t p = 1ull << e;
		for (int d = -3; d <= 3; d++)
			test_check_value_in_its_bucket(p + (uint64_t)(int64_t)d);
	}
	test_check_value_in_its_bucket(UINT64_MAX);
	test_check_value_in_its_bucket(UINT64_MAX - 1);
	uint64_t s = 42, prev_v = 0;
	unsigned prev_i = 0;
	for (int k = 0; k < 2000000; k++) {
		uint64_t v = test_rng_next(&s) >> (test_rng_next(&s) % 64);
		test_check_value_in_its_bucket(v);
		/* monotone: a larger value never lands in a lower bucket */
		unsigned i = histogram_bucket_of(v);
		if (v >= prev_v)
			unit_require(i >= prev_i, "%llu -> %u but %llu -> %u", (unsigned long long)v, i,
				     (unsigned long long)prev_v, prev_i);
		else
			unit_require(i <= prev_i, "%llu -> %u but %llu -> %u", (unsigned long long)v, i,
				     (unsigned long long)prev_v, prev_i);
		prev_v = v;
		prev_i = i;
	}
}
END_TEST

/* ---- percentiles -------------------------------------------------------- */

/* The quantiles checked: p50, p90, p99, p999 and the maximum, as fractions
 * so that the true rank ceil(q*n) is computed exactly. */
static const struct {
	double q;
	uint64_t num, den;
} test_quantiles[] = {
	{ 0.5, 1, 2 }, { 0.9, 9, 10 }, { 0.99, 99, 100 }, { 0.999, 999, 1000 }, { 1.0, 1, 1 },
};

/* What the histogram promises for the value t (the true quantile) when the
 * maximum recorded value is max. */
static uint64_t test_expected_quantile(uint64_t t, uint64_t max)
{
	unsigned i = histogram_bucket_of(t);
	uint64_t lo = histogram_bucket_lower(i), hi = histogram_bucket_upper(i);
	uint64_t mid = i == LAST_BUCKET ? lo : lo + (hi - lo) / 2;
	return mid > max ? max : mid;
}

/* Records vals[0..n) into a histogram (and checks n, sum and max), then
 * checks every quantile of test_quantiles against the sorted values. */
static void test_check_distribution(const char *name, uint64_t *vals, size_t n)
{
	struct histogram *h = test_histogram_new();
	uint64_t sum = 0, max = 0;
	for (size_t i = 0; i < n; i++) {
		histogram_add_value(h, vals[i]);
		sum += vals[i];
		if (vals[i] > max)
			max = vals[i];
	}
	struct histogram_view *v = test_view_of(h);
	ck_assert_msg(v->n == n, "%s: n %llu, want %zu", name, (unsigned long long)v->n, n);
	ck_assert_msg(v->sum_ns == sum, "%s: sum differs", name);
	ck_assert_msg(v->max_ns == max, "%s: max %llu, want %llu", name, (unsigned long long)v->max_ns,
		      (unsigned long long)max);
	uint64_t counted = 0;
	for (unsigned i = 0; i < HISTOGRAM_BUCKETS; i++)
		counted += v->count[i];
	ck_assert_msg(counted == n, "%s: buckets hold %llu values, want %zu", name, (unsigned long long)counted, n);

	qsort(vals, n, sizeof *vals, test_cmp_u64);
	for (size_t k = 0; k < sizeof test_quantiles / sizeof test_quantiles[0]; k++) {
		uint64_t rank = ((uint64_t)n * test_quantiles[k].num + test_quantiles[k].den - 1) / test_quantiles[k].den;
		if (rank == 0)
			rank = 1;
		uint64_t t = vals[rank - 1];
		uint64_t got = histogram_view_quantile(v, test_quantiles[k].q);
		uint64_t want = test_expected_quantile(t, max);
		ck_assert_msg(got == want, "%s: q=%g: got %llu, want %llu (true value %llu)", name, test_quantiles[k].q,
			      (unsigned long long)got, (unsigned long long)want, (unsigned long long)t);
		ck_assert_msg(got <= max, "%s: q=%g: %llu above the maximum %llu", name, test_quantiles[k].q,
			      (unsigned long long)got, (unsigned long long)max);
		/* the documented error, where it applies */
		if (t >= 1024 && t < TOP_LOWER) {
			uint64_t err = got > t ? got - t : t - got;
			ck_assert_msg(err * HISTOGRAM_SUB <= t, "%s: q=%g: %llu is more than 1/16 from %llu", name,
				      test_quantiles[k].q, (unsigned long long)got, (unsigned long long)t);
		} else if (t < 1024) {
			ck_assert_msg(got < 1024, "%s: q=%g: %llu for a value below 1 us", name, test_quantiles[k].q,
				      (unsigned long long)got);
		}
	}
	free(v);
	free(h);
}

START_TEST(test_quantiles_uniform)
{
	size_t n = 100000;
	uint64_t *vals = malloc(n * sizeof *vals), s = 7;
	ck_assert_ptr_nonnull(vals);
	for (size_t i = 0; i < n; i++)
		vals[i] = 1000 + test_rng_next(&s) % 10000000; /* 1 us .. 10 ms */
	test_check_distribution("uniform", vals, n);
	/* a second scale, and an odd count */
	for (size_t i = 0; i < 12345; i++)
		vals[i] = 50000 + test_rng_next(&s) % 150000;
	test_check_distribution("uniform 50-200us", vals, 12345);
	free(vals);
}
END_TEST

START_TEST(test_quantiles_lognormal)
{
	size_t n = 50000;
	uint64_t *vals = malloc(n * sizeof *vals), s = 99;
	ck_assert_ptr_nonnull(vals);
	for (size_t i = 0; i < n; i++) {
		/* approximately normal: the sum of 12 uniforms minus 6 */
		double z = -6;
		for (int k = 0; k < 12; k++)
			z += test_rng_unit(&s);
		vals[i] = (uint64_t)exp(log(200000.0) + 1.5 * z); /* median 200 us, long tail */
	}
	test_check_distribution("log-normal", vals, n);
	free(vals);
}
END_TEST

START_TEST(test_quantiles_constant)
{
	uint64_t vals[1000];
	for (size_t i = 0; i < 1000; i++)
		vals[i] = 5000;
	test_check_distribution("constant", vals, 1000);
	/* every percentile is the same bucket's midpoint: 5000 lies in
	 * [4864, 5120), midpoint 4992; a value below its bucket's midpoint
	 * (4900 in [4864, 5120)) is read exactly through the clamp */
	struct histogram *h = test_histogram_new();
	for (int i = 0; i < 1000; i++)
		histogram_add_value(h, 5000);
	struct histogram_view *v = test_view_of(h);
	ck_assert_uint_eq(histogram_view_quantile(v, 0.5), 4992);
	ck_assert_uint_eq(histogram_view_quantile(v, 0.999), 4992);
	ck_assert_uint_eq(histogram_view_quantile(v, 1.0), 4992);
	struct histogram *h2 = test_histogram_new();
	for (int i = 0; i < 1000; i++)
		histogram_add_value(h2, 4900);
	memset(v, 0, sizeof *v);
	histogram_merge_into(v, h2);
	ck_assert_uint_eq(histogram_view_quantile(v, 0.5), 4900);
	ck_assert_uint_eq(histogram_view_quantile(v, 1.0), 4900);
	free(h2);
	free(v);
	free(h);
}
END_TEST

START_TEST(test_quantiles_two_values)
{
	/* 90% fast (2 us), 10% slow (1 ms): p50 and p90 see the fast ones,
	 * p99 and above the slow ones */
	uint64_t vals[1000];
	for (size_t i = 0; i < 1000; i++)
		vals[i] = i % 10 == 3 ? 1000000 : 2000;
	test_check_distribution("two values", vals, 1000);
	struct histogram *h = test_histogram_new();
	for (size_t i = 0; i < 1000; i++)
		histogram_add_value(h, i % 10 == 3 ? 1000000 : 2000);
	struct histogram_view *v = test_view_of(h);
	uint64_t p90 = histogram_view_quantile(v, 0.9), p99 = histogram_view_quantile(v, 0.99);
	ck_assert_uint_ge(p90, 2000 - 2000 / 16);
	ck_assert_uint_le(p90, 2000 + 2000 / 16);
	ck_assert_uint_ge(p99, 1000000 - 1000000 / 16);
	ck_assert_uint_le(p99, 1000000);
	free(v);
	free(h);
}
END_TEST

START_TEST(test_quantiles_below_one_us)
{
	/* everything below 1 us is one bucket: the answer is its midpoint
	 * (512 ns), or the maximum when that is lower */
	uint64_t vals[1000], s = 3;
	for (size_t i = 0; i < 1000; i++)
		vals[i] = 1 + test_rng_next(&s) % 1023;
	test_check_distribution("below 1us", vals, 1000);
	for (size_t i = 0; i < 1000; i++)
		vals[i] = 1 + test_rng_next(&s) % 100;
	test_check_distribution("below 100ns", vals, 1000);

	struct histogram *h = test_histogram_new();
	for (uint64_t i = 1; i <= 100; i++)
		histogram_add_value(h, i);
	struct histogram_view *v = test_view_of(h);
	ck_assert_uint_eq(histogram_view_quantile(v, 0.5), 100); /* 512 clamped to the maximum */
	histogram_add_value(h, 900);
	memset(v, 0, sizeof *v);
	histogram_merge_into(v, h);
	ck_assert_uint_eq(histogram_view_quantile(v, 0.5), 512);
	free(v);
	free(h);
}
END_TEST

START_TEST(test_quantiles_of_zeros)
{
	/* values of 0 ns: the maximum is 0, and the documented clamp to the
	 * maximum makes every percentile 0 */
	struct histogram *h = test_histogram_new();
	for (int i = 0; i < 100; i++)
		histogram_add_value(h, 0);
	struct histogram_view *v = test_view_of(h);
	ck_assert_uint_eq(v->n, 100);
	ck_assert_uint_eq(v->max_ns, 0);
	ck_assert_uint_eq(histogram_view_quantile(v, 0.5), 0);
	ck_assert_uint_eq(histogram_view_quantile(v, 1.0), 0);
	free(v);
	free(h);
}
END_TEST

START_TEST(test_quantiles_minutes_and_beyond)
{
	/* minutes: still within the 1/16 error (2^42 ns is about 73 minutes) */
	uint64_t vals[2000], s = 11;
	for (size_t i = 0; i < 2000; i++)
		vals[i] = 60000000000ull + test_rng_next(&s) % (60ull * 60000000000ull); /* 1 to 61 minutes */
	test_check_distribution("minutes", vals, 2000);
	/* above the top bucket: they all land in it, a percentile there is its
	 * lower bound 2^42 ns (clamped to the maximum) and the maximum is exact */
	for (size_t i = 0; i < 2000; i++)
		vals[i] = 2 * 3600000000000ull + test_rng_next(&s) % 3600000000000ull; /* 2 to 3 hours */
	test_check_distribution("hours", vals, 2000);
	struct histogram *h = test_histogram_new();
	histogram_add_value(h, 10000); /* 10 us */
	histogram_add_value(h, 3 * 3600000000000ull);
	histogram_add_value(h, 1ull << 62);
	struct histogram_view *v = test_view_of(h);
	ck_assert_uint_eq(v->count[LAST_BUCKET], 2);
	ck_assert_uint_eq(v->max_ns, 1ull << 62);
	ck_assert_uint_eq(histogram_view_quantile(v, 1.0), TOP_LOWER);
	/* a mix: the fast value is still read precisely */
	uint64_t p0 = histogram_view_quantile(v, 0.1);
	ck_assert_uint_ge(p0, 10000 - 10000 / 16);
	ck_assert_uint_le(p0, 10000 + 10000 / 16);
	free(v);
	free(h);
}
END_TEST

START_TEST(test_quantile_bounds_of_q)
{
	struct histogram *h = test_histogram_new();
	for (uint64_t i = 1; i <= 1000; i++)
		histogram_add_value(h, i * 1000000); /* 1 ms .. 1 s */
	struct histogram_view *v = test_view_of(h);
	/* q = 0 (and below) is the smallest value, q above 1 the largest */
	uint64_t lo = histogram_view_quantile(v, 0), hi = histogram_view_quantile(v, 1.5);
	ck_assert_uint_eq(lo, test_expected_quantile(1000000, 1000000000));
	ck_assert_uint_eq(histogram_view_quantile(v, -1), lo);
	ck_assert_uint_eq(hi, histogram_view_quantile(v, 1.0));
	ck_assert_uint_eq(hi, test_expected_quantile(1000000000, 1000000000));
	/* percentiles never decrease with q */
	uint64_t prev = 0;
	for (int k = 1; k <= 1000; k++) {
		uint64_t q = histogram_view_quantile(v, k / 1000.0);
		unit_require(q >= prev, "quantile %d/1000 = %llu below the previous %llu", k, (unsigned long long)q,
			     (unsigned long long)prev);
		prev = q;
	}
	free(v);
	free(h);
}
END_TEST

/* ---- views ------------------------------------------------------------------ */

START_TEST(test_empty_histogram)
{
	struct histogram *h = test_histogram_new();
	struct histogram_view *v = test_view_of(h);
	ck_assert_uint_eq(v->n, 0);
	ck_assert_uint_eq(v->sum_ns, 0);
	ck_assert_uint_eq(v->max_ns, 0);
	ck_assert_uint_eq(histogram_view_quantile(v, 0.5), 0);
	ck_assert_uint_eq(histogram_view_quantile(v, 0.99), 0);
	ck_assert_uint_eq(histogram_view_quantile(v, 1.0), 0);
	/* a difference of two equal readings is empty too */
	histogram_add_value(h, 123456);
	struct histogram_view *a = test_view_new(), *d = test_view_new();
	histogram_merge_into(a, h);
	histogram_view_diff(d, a, a);
	ck_assert_uint_eq(d->n, 0);
	ck_assert_uint_eq(d->sum_ns, 0);
	ck_assert_uint_eq(histogram_view_quantile(d, 0.5), 0);
	free(a);
	free(d);
	free(v);
	free(h);
}
END_TEST

START_TEST(test_merge_and_add)
{
	/* two threads' histograms merged into one view equal one histogram of
	 * all the values */
	struct histogram *h1 = test_histogram_new(), *h2 = test_histogram_new(), *all = test_histogram_new();
	uint64_t s = 5;
	for (int i = 0; i < 5000; i++) {
		uint64_t x = 1000 + test_rng_next(&s) % 5000000;
		histogram_add_value(i % 3 ? h1 : h2, x);
		histogram_add_value(all, x);
	}
	histogram_add_value(h2, 77777777); /* the maximum is in h2 */
	histogram_add_value(all, 77777777);
	struct histogram_view *v = test_view_new(), *w = test_view_new();
	histogram_merge_into(v, h1);
	histogram_merge_into(v, h2);
	histogram_merge_into(w, all);
	ck_assert_mem_eq(v->count, w->count, sizeof v->count);
	ck_assert_uint_eq(v->n, 5001);
	ck_assert_uint_eq(v->n, w->n);
	ck_assert_uint_eq(v->sum_ns, w->sum_ns);
	ck_assert_uint_eq(v->max_ns, 77777777);
	ck_assert_uint_eq(histogram_view_quantile(v, 0.9), histogram_view_quantile(w, 0.9));

	/* view_add does the same on views */
	struct histogram_view *v1 = test_view_new(), *v2 = test_view_new();
	histogram_merge_into(v1, h1);
	histogram_merge_into(v2, h2);
	histogram_view_add(v1, v2);
	ck_assert_mem_eq(v1->count, w->count, sizeof w->count);
	ck_assert_uint_eq(v1->n, w->n);
	ck_assert_uint_eq(v1->sum_ns, w->sum_ns);
	ck_assert_uint_eq(v1->max_ns, w->max_ns);
	/* the larger maximum wins whichever side it is on */
	histogram_view_add(v2, v1);
	ck_assert_uint_eq(v2->max_ns, 77777777);
	free(v1);
	free(v2);
	free(v);
	free(w);
	free(h1);
	free(h2);
	free(all);
}
END_TEST

START_TEST(test_diff_of_readings)
{
	/* cumulative readings a (later) and b (earlier): a - b is the view of
	 * the values recorded in between, with a's maximum */
	struct histogram *h = test_histogram_new(), *between = test_histogram_new();
	uint64_t s = 17;
	for (int i = 0; i < 3000; i++)
		histogram_add_value(h, 1000 + test_rng_next(&s) % 90000000);
	struct histogram_view *b = test_view_new();
	histogram_merge_into(b, h);
	for (int i = 0; i < 2000; i++) {
		uint64_t x = 5000 + test_rng_next(&s) % 20000;
		histogram_add_value(h, x);
		histogram_add_value(between, x);
	}
	struct histogram_view *a = test_view_new(), *d = test_view_new(), *want = test_view_new();
	histogram_merge_into(a, h);
	histogram_merge_into(want, between);
	memset(d, 0xff, sizeof *d); /* diff overwrites everything */
	histogram_view_diff(d, a, b);
	ck_assert_mem_eq(d->count, want->count, sizeof want->count);
	ck_assert_uint_eq(d->n, 2000);
	ck_assert_uint_eq(d->sum_ns, want->sum_ns);
	ck_assert_uint_eq(d->max_ns, a->max_ns);
	/* the percentiles of the window come from the window's values only */
	uint64_t p50 = histogram_view_quantile(d, 0.5);
	ck_assert_uint_ge(p50, 5000);
	ck_assert_uint_le(p50, 25000 + 25000 / 16);
	ck_assert_uint_eq(p50, histogram_view_quantile(want, 0.5));
	/* a reading diffed against a later one (counters reset) gives no
	 * negative counts */
	histogram_view_diff(d, b, a);
	ck_assert_uint_eq(d->n, 0);
	ck_assert_uint_eq(d->sum_ns, 0);
	free(a);
	free(b);
	free(d);
	free(want);
	free(h);
	free(between);
}
END_TEST

static Suite *histogram_suite(void)
{
	Suite *s = suite_create("histogram");
	TCase *tc = tcase_create("buckets");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_bucket_layout);
	tcase_add_test(tc, test_buckets_contiguous_and_monotone);
	tcase_add_test(tc, test_every_value_in_its_bucket);
	suite_add_tcase(s, tc);
	tc = tcase_create("quantiles");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_quantiles_uniform);
	tcase_add_test(tc, test_quantiles_lognormal);
	tcase_add_test(tc, test_quantiles_constant);
	tcase_add_test(tc, test_quantiles_two_values);
	tcase_add_test(tc, test_quantiles_below_one_us);
	tcase_add_test(tc, test_quantiles_of_zeros);
	tcase_add_test(tc, test_quantiles_minutes_and_beyond);
	tcase_add_test(tc, test_quantile_bounds_of_q);
	suite_add_tcase(s, tc);
	tc = tcase_create("views");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_empty_histogram);
	tcase_add_test(tc, test_merge_and_add);
	tcase_add_test(tc, test_diff_of_readings);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run_suite(histogram_suite());
}
