/* compare_stats.h: the statistics `nebtop compare` uses when a side holds
 * several runs: the median, the 95% percentile-bootstrap interval of the
 * change between two sides' medians, and how many more runs a side would
 * make an interval clear a threshold. */
#ifndef NEB_COMPARE_STATS_H
#define NEB_COMPARE_STATS_H

#include <stddef.h>

/* Resamples of each side for an interval. */
#define COMPARE_STATS_RESAMPLES 10000
/* The seed of the resampling: the same runs give the same interval. */
#define COMPARE_STATS_SEED 0x6e6562746f70ull
/* Below this many runs a side a percentile bootstrap interval is too
 * narrow (it misses the true change more often than 1 time in 20). */
#define COMPARE_STATS_MIN_RUNS 5
/* More runs a side than this is not worth estimating. */
#define COMPARE_STATS_MAX_MORE_RUNS 1000

/* The median of v[0..n) (the mean of the two middle values when n is
 * even); NAN when n is 0. v is not changed. */
double compare_stats_median(const double *v, size_t n);

/* The 95% interval of the change between the medians of a (baseline) and b
 * (optimized), in percent of a's median: the 2.5th and 97.5th percentiles
 * (linear between order statistics) of 100 * (median(b*) / median(a*) - 1)
 * over COMPARE_STATS_RESAMPLES resamples with replacement of each side. A
 * resample whose baseline median is 0 counts as +inf (-inf when b*'s median
 * is negative), 0 when both are 0. Needs na, nb >= 2; 0, or -1 (no memory,
 * or too few values). */
int compare_stats_interval(const double *a, size_t na, const double *b, size_t nb, double *lo_pct,
			   double *hi_pct);

/* How many more runs on each side would make the interval [lo, hi] (percent)
 * around the change (percent) clear the threshold (percent, on the same
 * scale, either sign): its part on the threshold's side shrinks as the
 * standard error of the difference, sqrt(1/(na+k) + 1/(nb+k)) against
 * sqrt(1/na + 1/nb); then, when res > 1, each end moves out by the factor
 * res on the ratio (1 + pct/100), as an interval widened for a resolution
 * is. At least enough to reach COMPARE_STATS_MIN_RUNS a side. 0 when the
 * interval already clears the threshold; COMPARE_STATS_MAX_MORE_RUNS + 1
 * when more than that would be needed; COMPARE_STATS_UNDECIDABLE when no
 * number would (the change is the threshold, or within the resolution of
 * it). */
#define COMPARE_STATS_UNDECIDABLE (-1L)
long compare_stats_more_runs(double change, double lo, double hi, double threshold, size_t na, size_t nb,
			     double res);
/* [lo, hi] (percent changes) widened by the factor res on the ratio. */
void compare_stats_widen(double *lo, double *hi, double res);

#endif
