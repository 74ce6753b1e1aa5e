/* compare_stats.c: for `nebtop compare` over repeated runs (compare_stats.h):
 * medians, the percentile-bootstrap interval of the change between two
 * sides' medians (a fixed seed, so the same runs give the same interval),
 * and the number of runs that would decide an interval that spans a
 * threshold. */
#include "autoconfig.h"

#include "compare_stats.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int compare_stats_cmp(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;
	return a < b ? -1 : a > b ? 1 : 0;
}

/* The median of v[0..n), which it sorts. */
static double compare_stats_median_sorting(double *v, size_t n)
{
	qsort(v, n, sizeof *v, compare_stats_cmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double compare_stats_median(const double *v, size_t n)
{
	if (n == 0)
		return NAN;
	double small[64], *w = n <= 64 ? small : malloc(n * sizeof *w);
	if (!w)
		return NAN;
	memcpy(w, v, n * sizeof *w);
	double m = compare_stats_median_sorting(w, n);
	if (w != small)
		free(w);
	return m;
}

/* splitmix64: a small generator whose whole state is one number. */
static uint64_t compare_stats_next(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* An index below n, without the bias of a plain modulo. */
static size_t compare_stats_index(uint64_t *state, size_t n)
{
	uint64_t limit = UINT64_MAX - UINT64_MAX % n, x;
	do
		x = compare_stats_next(state);
	while (x >= limit);
	return (size_t)(x % n);
}

/* The median of a resample of v[0..n) into w. */
static double compare_stats_resample(uint64_t *state, const double *v, size_t n, double *w)
{
	for (size_t i = 0; i < n; i++)
		w[i] = v[compare_stats_index(state, n)];
	return compare_stats_median_sorting(w, n);
}

/* The p-th quantile (0..1) of sorted s[0..n), linear between order
 * statistics (as R's type 7 and numpy's default). */
static double compare_stats_quantile(const double *s, size_t n, double p)
{
	double h = (double)(n - 1) * p;
	size_t i = (size_t)floor(h);
	if (i + 1 >= n)
		return s[n - 1];
	double f = h - (double)i;
	if (f == 0 || s[i] == s[i + 1])
		return s[i];
	return s[i] + f * (s[i + 1] - s[i]);
}

/* The change in percent from median ma to median mb. */
static double compare_stats_change(double ma, double mb)
{
	if (ma == 0)
		return mb == 0 ? 0 : mb > 0 ? INFINITY : -INFINITY;
	return (mb / ma - 1) * 100;
}

int compare_stats_interval(const double *a, size_t na, const double *b, size_t nb, double *lo_pct, double *hi_pct)
{
	if (na < 2 || nb < 2)
		return -1;
	double *r = malloc(COMPARE_STATS_RESAMPLES * sizeof *r);
	double *w = malloc((na > nb ? na : nb) * sizeof *w);
	if (!r || !w) {
		free(r);
		free(w);
		return -1;
	}
	uint64_t state = COMPARE_STATS_SEED;
	for (size_t i = 0; i < COMPARE_STATS_RESAMPLES; i++) {
		double ma = compare_stats_resample(&state, a, na, w);
		double mb = compare_stats_resample(&state, b, nb, w);
		r[i] = compare_stats_change(ma, mb);
	}
	qsort(r, COMPARE_STATS_RESAMPLES, sizeof *r, compare_stats_cmp);
	*lo_pct = compare_stats_quantile(r, COMPARE_STATS_RESAMPLES, 0.025);
	*hi_pct = compare_stats_quantile(r, COMPARE_STATS_RESAMPLES, 0.975);
	free(r);
	free(w);
	return 0;
}

void compare_stats_widen(double *lo, double *hi, double res)
{
	if (res == 1.0)
		return; /* not even a rounding error */
	*lo = ((1 + *lo / 100) / res - 1) * 100;
	*hi = ((1 + *hi / 100) * res - 1) * 100;
}

/* Whether [lo, hi], widened by res, lies wholly on one side of threshold. */
static int compare_stats_clears(double lo, double hi, double threshold, double res)
{
	compare_stats_widen(&lo, &hi, res);
	return lo > threshold || hi < threshold;
}

long compare_stats_more_runs(double change, double lo, double hi, double threshold, size_t na, size_t nb,
			     double res)
{
	if (compare_stats_clears(lo, hi, threshold, res))
		return 0;
	if (!compare_stats_clears(change, change, threshold, res))
		return COMPARE_STATS_UNDECIDABLE;
	if (!isfinite(lo) || !isfinite(hi))
		return COMPARE_STATS_MAX_MORE_RUNS + 1;
	double se2 = 1.0 / (double)na + 1.0 / (double)nb;
	size_t least = na < nb ? na : nb;
	long k = least < COMPARE_STATS_MIN_RUNS ? (long)(COMPARE_STATS_MIN_RUNS - least) : 1;
	for (; k <= COMPARE_STATS_MAX_MORE_RUNS; k++) {
		double f = sqrt((1.0 / (double)(na + (size_t)k) + 1.0 / (double)(nb + (size_t)k)) / se2);
		if (compare_stats_clears(change - (change - lo) * f, change + (hi - change) * f, threshold, res))
			return k;
	}
	return COMPARE_STATS_MAX_MORE_RUNS + 1;
}
