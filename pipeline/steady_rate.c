/* steady_rate.c: the input rate of a run at its typical moments
 * (figures_steady_rate in figures.h): over the sampling intervals while the
 * source ran, the first and the last left out, the middle half by rate, its
 * records over its time (an interquartile mean). A run that other processes
 * slowed down for some of its intervals keeps the rate of the others, where
 * the whole run's average takes the slow ones in. */
#include "autoconfig.h"

#include "figures.h"

#include <math.h>
#include <stdlib.h>

#include "sampler.h"

/* One interval of the series: records read and nanoseconds. */
struct steady_interval {
	double records, ns, rate;
};

static int steady_by_rate(const void *x, const void *y)
{
	double a = ((const struct steady_interval *)x)->rate, b = ((const struct steady_interval *)y)->rate;
	return a < b ? -1 : a > b ? 1 : 0;
}

double figures_steady_rate(const struct sampler *s)
{
	size_t n = sampler_count(s);
	const struct sample *end = sampler_find_source_end(s);
	size_t last = n ? n - 1 : 0; /* the sample that ends the source's intervals */
	while (end && last > 0 && sampler_get(s, last) != end)
		last--;
	/* intervals (i - 1, i) for i in 2 .. last - 1: not the first, not the last */
	if (last < 2 + FIGURES_STEADY_MIN_INTERVALS)
		return NAN;
	size_t k = 0;
	struct steady_interval *v = malloc((last - 2) * sizeof *v);
	if (!v)
		return NAN;
	for (size_t i = 2; i < last; i++) {
		const struct sample *a = sampler_get(s, i - 1), *b = sampler_get(s, i);
		if (b->t_ns <= a->t_ns)
			continue;
		double r = (double)(b->stages[0].records_in - a->stages[0].records_in), t = (double)(b->t_ns - a->t_ns);
		v[k++] = (struct steady_interval){ r, t, r / t };
	}
	double rate = NAN;
	if (k >= FIGURES_STEADY_MIN_INTERVALS) {
		qsort(v, k, sizeof *v, steady_by_rate);
		double records = 0, ns = 0;
		for (size_t i = k / 4; i < k - k / 4; i++) {
			records += v[i].records;
			ns += v[i].ns;
		}
		rate = ns > 0 ? records / ns * 1e9 : NAN;
	}
	free(v);
	return rate;
}
