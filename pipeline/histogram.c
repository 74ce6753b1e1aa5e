/* histogram.c: bucket arithmetic and percentiles of the latency histogram. */
#include "autoconfig.h"

#include "histogram.h"

#include <string.h>

unsigned histogram_bucket_of(uint64_t ns)
{
	if (ns < (1ull << HISTOGRAM_MIN_EXP))
		return 0;
	unsigned e = 63u - (unsigned)__builtin_clzll(ns);
	if (e >= HISTOGRAM_MAX_EXP)
		return HISTOGRAM_BUCKETS - 1;
	unsigned sub = (unsigned)(ns >> (e - HISTOGRAM_SUB_BITS)) & (HISTOGRAM_SUB - 1);
	return 1 + (e - HISTOGRAM_MIN_EXP) * HISTOGRAM_SUB + sub;
}

uint64_t histogram_bucket_lower(unsigned i)
{
	if (i == 0)
		return 0;
	if (i >= HISTOGRAM_BUCKETS - 1)
		return 1ull << HISTOGRAM_MAX_EXP;
	unsigned e = (i - 1) / HISTOGRAM_SUB + HISTOGRAM_MIN_EXP, sub = (i - 1) % HISTOGRAM_SUB;
	return (1ull << e) + ((uint64_t)sub << (e - HISTOGRAM_SUB_BITS));
}

uint64_t histogram_bucket_upper(unsigned i)
{
	if (i >= HISTOGRAM_BUCKETS - 1)
		return UINT64_MAX;
	return histogram_bucket_lower(i + 1);
}

void histogram_add_value(struct histogram *h, uint64_t ns)
{
	unsigned i = histogram_bucket_of(ns);
	/* single writer: load + store is enough and avoids a locked instruction */
	atomic_store_explicit(&h->count[i], atomic_load_explicit(&h->count[i], memory_order_relaxed) + 1,
			      memory_order_relaxed);
	atomic_store_explicit(&h->n, atomic_load_explicit(&h->n, memory_order_relaxed) + 1, memory_order_relaxed);
	atomic_store_explicit(&h->sum_ns, atomic_load_explicit(&h->sum_ns, memory_order_relaxed) + ns,
			      memory_order_relaxed);
	if (ns > atomic_load_explicit(&h->max_ns, memory_order_relaxed))
		atomic_store_explicit(&h->max_ns, ns, memory_order_relaxed);
}

void histogram_merge_into(struct histogram_view *v, const struct histogram *h)
{
	for (unsigned i = 0; i < HISTOGRAM_BUCKETS; i++)
		v->count[i] += atomic_load_explicit(&h->count[i], memory_order_relaxed);
	v->n += atomic_load_explicit(&h->n, memory_order_relaxed);
	v->sum_ns += atomic_load_explicit(&h->sum_ns, memory_order_relaxed);
	uint64_t m = atomic_load_explicit(&h->max_ns, memory_order_relaxed);
	if (m > v->max_ns)
		v->max_ns = m;
}

void histogram_view_add(struct histogram_view *dst, const struct histogram_view *src)
{
	for (unsigned i = 0; i < HISTOGRAM_BUCKETS; i++)
		dst->count[i] += src->count[i];
	dst->n += src->n;
	dst->sum_ns += src->sum_ns;
	if (src->max_ns > dst->max_ns)
		dst->max_ns = src->max_ns;
}

void histogram_view_diff(struct histogram_view *dst, const struct histogram_view *a,
			 const struct histogram_view *b)
{
	dst->n = 0;
	for (unsigned i = 0; i < HISTOGRAM_BUCKETS; i++) {
		dst->count[i] = a->count[i] >= b->count[i] ? a->count[i] - b->count[i] : 0;
		dst->n += dst->count[i];
	}
	dst->sum_ns = a->sum_ns >= b->sum_ns ? a->sum_ns - b->sum_ns : 0;
	dst->max_ns = a->max_ns;
}

uint64_t histogram_view_quantile(const struct histogram_view *v, double q)
{
	uint64_t total = 0;
	for (unsigned i = 0; i < HISTOGRAM_BUCKETS; i++)
		total += v->count[i];
	if (total == 0)
		return 0;
	if (q <= 0)
		q = 0;
	if (q > 1)
		q = 1;
	uint64_t rank = (uint64_t)(q * (double)total + 0.999999999);
	if (rank == 0)
		rank = 1;
	uint64_t seen = 0;
	for (unsigned i = 0; i < HISTOGRAM_BUCKETS; i++) {
		seen += v->count[i];
		if (seen >= rank) {
			uint64_t lo = histogram_bucket_lower(i), hi = histogram_bucket_upper(i);
			uint64_t mid = i == HISTOGRAM_BUCKETS - 1 ? lo : lo + (hi - lo) / 2;
			if (mid > v->max_ns)
				mid = v->max_ns;
			return mid;
		}
	}
	return v->max_ns;
}
