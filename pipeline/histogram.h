/* histogram.h: log-linear latency histogram.
 *
 * Values are nanoseconds. Below 1 us everything falls in bucket 0; from 1 us
 * (2^10 ns) up to about 73 minutes (2^42 ns) each power of two is split into
 * HISTOGRAM_SUB linear buckets, so a percentile is within 1/HISTOGRAM_SUB
 * (6.25%) of the true value; larger values land in the last bucket. One
 * thread writes a histogram (relaxed atomics, no lock); any thread may read. */
#ifndef NEB_HISTOGRAM_H
#define NEB_HISTOGRAM_H

#include <stdatomic.h>
#include <stdint.h>

#define HISTOGRAM_SUB_BITS 4
#define HISTOGRAM_SUB (1u << HISTOGRAM_SUB_BITS)
#define HISTOGRAM_MIN_EXP 10 /* 1024 ns */
#define HISTOGRAM_MAX_EXP 42
#define HISTOGRAM_BUCKETS (1 + (HISTOGRAM_MAX_EXP - HISTOGRAM_MIN_EXP) * HISTOGRAM_SUB + 1)

struct histogram {
	_Atomic uint64_t count[HISTOGRAM_BUCKETS];
	_Atomic uint64_t n, sum_ns, max_ns;
};

/* A plain (non-atomic) copy for arithmetic: merging, differences, percentiles. */
struct histogram_view {
	uint64_t count[HISTOGRAM_BUCKETS];
	uint64_t n, sum_ns, max_ns;
};

unsigned histogram_bucket_of(uint64_t ns);
/* Upper bound (exclusive) of bucket i in ns; the lower bound is the previous bucket's. */
uint64_t histogram_bucket_upper(unsigned i);
uint64_t histogram_bucket_lower(unsigned i);

/* Records one value; only the owning thread calls this. */
void histogram_add_value(struct histogram *h, uint64_t ns);
/* Adds h into v (reading h with relaxed loads). */
void histogram_merge_into(struct histogram_view *v, const struct histogram *h);
void histogram_view_add(struct histogram_view *dst, const struct histogram_view *src);
/* dst = a - b, for the values recorded between two cumulative readings. max is a's. */
void histogram_view_diff(struct histogram_view *dst, const struct histogram_view *a,
			 const struct histogram_view *b);
/* The q-quantile (0 < q <= 1) in ns: the midpoint of the bucket holding it,
 * clamped to the maximum; 0 for an empty histogram. */
uint64_t histogram_view_quantile(const struct histogram_view *v, double q);

#endif
