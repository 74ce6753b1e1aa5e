/* test_compare_stats.c: unit tests of src/compare_stats.c, the statistics of
 * `nebtop compare` over repeated runs: the median (against Python's
 * statistics.median), the percentile-bootstrap interval of the change
 * between two medians (against the exact bootstrap distribution of a median,
 * computed independently from binomial probabilities), its reproducibility,
 * and the number of runs that would decide an interval spanning a threshold
 * (against the sqrt(n) rule worked out in Python). */
#include "autoconfig.h"

#include <check.h>
#include <math.h>
#include <stdlib.h>

#include "src/compare/compare_stats.h"
#include "tests/unit/unit_main.h"

START_TEST(test_median)
{
	/* python3 -c 'import statistics as s; print(s.median([3,1,2]), s.median([4,1,3,2]),
	 *             s.median([5.5,-1,2,2,9,0.5]))'  ->  2 2.5 2.0 */
	const double odd[] = { 3, 1, 2 }, even[] = { 4, 1, 3, 2 }, mixed[] = { 5.5, -1, 2, 2, 9, 0.5 };
	ck_assert_double_eq(compare_stats_median(odd, 3), 2);
	ck_assert_double_eq(compare_stats_median(even, 4), 2.5);
	ck_assert_double_eq(compare_stats_median(mixed, 6), 2.0);
	ck_assert_double_eq(odd[0], 3); /* the input is not reordered */
	ck_assert(isnan(compare_stats_median(odd, 0)));
	double many[100];
	for (int i = 0; i < 100; i++)
		many[i] = (i * 37) % 100; /* 0..99 shuffled: the median is 49.5 */
	ck_assert_double_eq(compare_stats_median(many, 100), 49.5);
}
END_TEST

/* The resample median of n = 5 values is one of them: it is the k-th
 * smallest or less with probability P(Bin(5, k/5) >= 3). For
 * a = 98..102 and b = 88..92 the change of medians then takes 25 values; its
 * exact distribution (Python):
 *   from math import comb; from itertools import product
 *   def d(x):
 *     s=sorted(x); p=0; out={}
 *     for k in range(1,6):
 *       c=sum(comb(5,j)*(k/5)**j*(1-k/5)**(5-j) for j in range(3,6)); out[s[k-1]]=c-p; p=c
 *     return out
 *   ... cumulate (y/x-1)*100 over product(d(a).items(), d(b).items())
 * puts 1.84% of the mass below 89/102 - 1 = -12.745% and 3.34% at or below
 * it, 96.66% at or below 92/100 - 1 = -8% and 98.16% at or below 91/98 - 1 =
 * -7.143%: so the 2.5th and 97.5th percentiles are -12.745% and -7.143%,
 * with a margin of over 4 standard errors of 10,000 resamples. */
START_TEST(test_interval_exact)
{
	const double a[] = { 98, 100, 102, 99, 101 }, b[] = { 88, 90, 92, 89, 91 };
	double lo, hi;
	ck_assert_int_eq(compare_stats_interval(a, 5, b, 5, &lo, &hi), 0);
	ck_assert_double_eq_tol(lo, (89.0 / 102 - 1) * 100, 1e-9);
	ck_assert_double_eq_tol(hi, (91.0 / 98 - 1) * 100, 1e-9);
	/* a constant baseline: only b varies; P(Bin(5, .2) >= 3) = 5.8% > 2.5% puts
	 * the lower end at b's smallest, P(Bin(5, .8) >= 3) = 94.2% < 97.5% the
	 * upper end at b's largest */
	const double c[] = { 100, 100, 100, 100, 100 }, d[] = { 90, 91, 89, 92, 90 };
	ck_assert_int_eq(compare_stats_interval(c, 5, d, 5, &lo, &hi), 0);
	ck_assert_double_eq_tol(lo, -11.0, 1e-9);
	ck_assert_double_eq_tol(hi, -8.0, 1e-9);
}
END_TEST

START_TEST(test_interval_properties)
{
	const double a[] = { 100, 102, 98, 101, 99 }, b[] = { 97, 103, 99, 102, 100, 98, 101 };
	double lo, hi, lo2, hi2;
	ck_assert_int_eq(compare_stats_interval(a, 5, b, 7, &lo, &hi), 0);
	/* a fixed seed: the same runs give the same interval */
	ck_assert_int_eq(compare_stats_interval(a, 5, b, 7, &lo2, &hi2), 0);
	ck_assert_double_eq(lo, lo2);
	ck_assert_double_eq(hi, hi2);
	/* the same distribution: the interval holds 0, within the extreme ratios */
	ck_assert(lo < 0 && hi > 0);
	ck_assert(lo >= (97.0 / 102 - 1) * 100 && hi <= (103.0 / 98 - 1) * 100);
	/* equal runs: no spread at all */
	const double e[] = { 5, 5, 5 };
	ck_assert_int_eq(compare_stats_interval(e, 3, e, 3, &lo, &hi), 0);
	ck_assert_double_eq(lo, 0);
	ck_assert_double_eq(hi, 0);
	/* a baseline median of 0 in some resamples: +inf at the top */
	const double z[] = { 0, 0, 1 }, y[] = { 1, 1, 1 };
	ck_assert_int_eq(compare_stats_interval(z, 3, y, 3, &lo, &hi), 0);
	ck_assert(isinf(hi) && hi > 0);
	/* fewer than two runs a side: no interval */
	ck_assert_int_eq(compare_stats_interval(a, 1, b, 7, &lo, &hi), -1);
}
END_TEST

START_TEST(test_more_runs)
{
	/* change -8% in [-12%, -3%], threshold -5% (throughput 5% lower), 5 runs a
	 * side: the upper part (5 points) must shrink under the 3 points left:
	 * python3 -c 'print(min(k for k in range(1,1001)
	 *   if -8 + 5*((2/(5+k))/(2/5))**.5 < -5))'  ->  9 */
	ck_assert_int_eq(compare_stats_more_runs(-8, -12, -3, -5, 5, 5, 1.0), 9);
	/* unequal sides, the lower part: +9% in [+2%, +12%], threshold +5%, 4 and 6 runs:
	 * python3 -c 'print(min(k for k in range(1,1001)
	 *   if 9 - 7*((1/(4+k)+1/(6+k))/(1/4+1/6))**.5 > 5))'  ->  10 */
	ck_assert_int_eq(compare_stats_more_runs(9, 2, 12, 5, 4, 6, 1.0), 10);
	/* few runs: at least enough for 5 a side, even when 1 more would clear it
	 * (python: 9 - 4.1*((2/3)/(2/2))**.5 = 5.65 > 5 at k = 1) */
	ck_assert_int_eq(compare_stats_more_runs(9, 4.9, 12, 5, 2, 2, 1.0), 3);
	/* already clear of the threshold: none */
	ck_assert_int_eq(compare_stats_more_runs(-8, -12, -6, -5, 5, 5, 1.0), 0);
	/* the change is the threshold: no number of runs decides */
	ck_assert_int_eq(compare_stats_more_runs(5, 1, 9, 5, 5, 5, 1.0), COMPARE_STATS_UNDECIDABLE);
	/* a latency known to 6.25%: +10.3% widens to +3.8%..+17.2% even with no
	 * spread, which spans 5%: undecidable; +20% clears it at once */
	ck_assert_int_eq(compare_stats_more_runs(10.3, 10.3, 10.3, 5, 5, 5, 1.0625), COMPARE_STATS_UNDECIDABLE);
	ck_assert_int_eq(compare_stats_more_runs(20, 20, 20, 5, 5, 5, 1.0625), 0);
	/* hardly any room: more than the cap */
	ck_assert_int_eq(compare_stats_more_runs(5.01, -40, 50, 5, 5, 5, 1.0), COMPARE_STATS_MAX_MORE_RUNS + 1);
}
END_TEST

START_TEST(test_widen)
{
	/* python3 -c 'print((1.10/1.0625-1)*100, (1.10*1.0625-1)*100)' -> 3.529411764705888 16.875 */
	double lo = 10, hi = 10;
	compare_stats_widen(&lo, &hi, 1.0625);
	ck_assert_double_eq_tol(lo, 3.529411764705888, 1e-9);
	ck_assert_double_eq_tol(hi, 16.875, 1e-9);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("compare_stats");
	TCase *tc = tcase_create("compare_stats");
	tcase_add_test(tc, test_median);
	tcase_add_test(tc, test_interval_exact);
	tcase_add_test(tc, test_interval_properties);
	tcase_add_test(tc, test_more_runs);
	tcase_add_test(tc, test_widen);
	suite_add_tcase(s, tc);
	return unit_run_suite(s);
}
