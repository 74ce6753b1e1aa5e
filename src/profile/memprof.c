/* memprof.c: counting and sampling the allocations the malloc hooks report,
 * and the memory profile (memprof.h). Everything here may run inside
 * malloc: it allocates only through glibc's __libc_malloc family, guards
 * against recursion, and takes its lock only for sampled allocations. */
#include "autoconfig.h"

#include "memprof.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/globals.h"
#include "pprof.h"
#include "pprof_sym.h"
#include "../symbols/symbolize.h"

/* glibc's allocator under the interposed names */
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);

#define MS (&globals_memprof)

/* --- counters ---------------------------------------------------------------- */

static struct memprof_slot *memprof_my_slot(void)
{
	struct memprof_thread *t = &globals_memprof_thread;
	if (!t->slot) {
		uint32_t i = atomic_fetch_add_explicit(&MS->next_slot, 1, memory_order_relaxed) + 1;
		t->slot = i < MEMPROF_SLOTS ? &MS->slots[i] : &MS->slots[0];
	}
	return t->slot;
}

static void memprof_count(_Atomic uint64_t *c, uint64_t v, int shared)
{
	if (shared)
		atomic_fetch_add_explicit(c, v, memory_order_relaxed);
	else /* the slot's only writer: no locked instruction */
		atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + v, memory_order_relaxed);
}

void memprof_mark_hooks_active(void) { atomic_store(&MS->hooks_active, 1); }
int memprof_hooks_active(void) { return atomic_load(&MS->hooks_active); }

void memprof_read_stats(struct memprof_stats *s)
{
	memset(s, 0, sizeof *s);
	for (uint32_t i = 0; i < MEMPROF_SLOTS; i++) {
		struct memprof_slot *sl = &MS->slots[i];
		s->allocs += atomic_load_explicit(&sl->allocs, memory_order_relaxed);
		s->frees += atomic_load_explicit(&sl->frees, memory_order_relaxed);
		s->bytes_alloc += atomic_load_explicit(&sl->bytes_alloc, memory_order_relaxed);
		s->bytes_freed += atomic_load_explicit(&sl->bytes_freed, memory_order_relaxed);
	}
	pthread_mutex_lock(&MS->mu);
	s->sampled_live = MS->live_count;
	pthread_mutex_unlock(&MS->mu);
}

/* --- sampling ------------------------------------------------------------------- */

static uint64_t memprof_random(struct memprof_thread *t)
{
	if (!t->rng)
		t->rng = (uint64_t)(uintptr_t)t * 0x9E3779B97F4A7C15ull | 1;
	t->rng ^= t->rng << 13;
	t->rng ^= t->rng >> 7;
	t->rng ^= t->rng << 17;
	return t->rng;
}

/* Bytes until the next sample: exponential with mean `rate`. */
static int64_t memprof_next_countdown(struct memprof_thread *t, uint64_t rate)
{
	double u = ((double)(memprof_random(t) >> 11) + 1.0) / 9007199254740993.0; /* (0, 1] */
	double v = -log(u) * (double)rate;
	return v < 1 ? 1 : (int64_t)v;
}

/* The site of a stack, made when new; with the lock held. UINT32_MAX when
 * memory ran out. */
static uint32_t memprof_intern_site(const uint64_t *pcs, uint32_t depth)
{
	if (!MS->stacks.realloc_fn)
		stack_table_init(&MS->stacks, __libc_realloc, __libc_free);
	uint32_t id = stack_table_intern(&MS->stacks, pcs, depth);
	if (id == STACK_TABLE_FULL)
		return UINT32_MAX;
	if (id >= MS->sites_cap) {
		uint32_t cap = MS->sites_cap ? MS->sites_cap * 2 : 128;
		while (cap <= id)
			cap *= 2;
		struct memprof_site_data *n = __libc_realloc(MS->sites, (size_t)cap * sizeof *n);
		if (!n)
			return UINT32_MAX;
		memset(n + MS->sites_cap, 0, (size_t)(cap - MS->sites_cap) * sizeof *n);
		MS->sites = n;
		MS->sites_cap = cap;
	}
	return id;
}

static size_t memprof_slot_of(uintptr_t ptr)
{
	uint64_t h = (uint64_t)ptr * 0x9E3779B97F4A7C15ull;
	return (size_t)(h >> 48) & (MEMPROF_TABLE - 1);
}

/* The expected number of allocations a sample of `size` bytes stands for. */
static double memprof_scale(uint64_t size, uint64_t rate)
{
	if (!rate || !size)
		return 1;
	double p = 1 - exp(-(double)size / (double)rate);
	return p > 0 ? 1 / p : 1;
}

__attribute__((noinline)) static void memprof_sample(void *ptr, size_t size, const void *caller)
{
	uint64_t pcs[STACK_WALK_MAX];
	int depth = stack_walk_here(STACK_WALK_LIBUNWIND, pcs, STACK_WALK_MAX);
	/* the stack starts where the program called the allocator */
	int skip = 0;
	while (skip < depth && pcs[skip] != (uint64_t)(uintptr_t)caller)
		skip++;
	if (skip == depth)
		skip = 0;
	uint64_t rate = atomic_load(&MS->rate);
	double scale = memprof_scale(size, rate);
	pthread_mutex_lock(&MS->mu);
	struct memprof_live *live = atomic_load_explicit(&MS->live, memory_order_relaxed);
	if (!live) {
		/* calloc: fresh zero pages, touched only where a sample lands (a
		 * memset would fault in the whole table at the first sample) */
		live = __libc_calloc(MEMPROF_TABLE, sizeof *live);
		if (live)
			atomic_store_explicit(&MS->live, live, memory_order_release);
	}
	uint32_t site = live ? memprof_intern_site(pcs + skip, (uint32_t)(depth - skip)) : UINT32_MAX;
	if (site == UINT32_MAX || MS->live_count * 10 >= MEMPROF_TABLE * 7) {
		MS->dropped++;
		pthread_mutex_unlock(&MS->mu);
		return;
	}
	struct memprof_site_data *s = &MS->sites[site];
	s->alloc_objects += scale;
	s->alloc_bytes += scale * (double)size;
	s->inuse_objects += scale;
	s->inuse_bytes += scale * (double)size;
	size_t j = memprof_slot_of((uintptr_t)ptr);
	for (;;) {
		uintptr_t q = atomic_load_explicit(&live[j].ptr, memory_order_relaxed);
		if (q == 0 || q == MEMPROF_TOMBSTONE)
			break;
		j = (j + 1) & (MEMPROF_TABLE - 1);
	}
	live[j].site = site;
	live[j].size = size;
	atomic_fetch_or_explicit(&MS->used[j / 64], 1ull << (j % 64), memory_order_relaxed);
	atomic_store_explicit(&live[j].ptr, (uintptr_t)ptr, memory_order_release);
	MS->live_count++;
	pthread_mutex_unlock(&MS->mu);
}

/* A freed pointer that was sampled leaves the in-use figures. The probe
 * reads without the lock: most frees find an empty slot at once. */
static void memprof_unsample(void *ptr)
{
	struct memprof_live *live = atomic_load_explicit(&MS->live, memory_order_acquire);
	if (!live)
		return;
	size_t j = memprof_slot_of((uintptr_t)ptr);
	if (!(atomic_load_explicit(&MS->used[j / 64], memory_order_relaxed) & (1ull << (j % 64))))
		return; /* its probe would stop at once: an empty home slot */
	for (size_t n = 0; n < MEMPROF_TABLE; n++, j = (j + 1) & (MEMPROF_TABLE - 1)) {
		uintptr_t q = atomic_load_explicit(&live[j].ptr, memory_order_acquire);
		if (q == 0)
			return;
		if (q != (uintptr_t)ptr)
			continue;
		pthread_mutex_lock(&MS->mu);
		if (atomic_load_explicit(&live[j].ptr, memory_order_relaxed) == (uintptr_t)ptr) {
			struct memprof_site_data *s = &MS->sites[live[j].site];
			double scale = memprof_scale(live[j].size, atomic_load(&MS->rate));
			s->inuse_objects -= scale;
			s->inuse_bytes -= scale * (double)live[j].size;
			if (s->inuse_objects < 0.5) {
				s->inuse_objects = 0;
				s->inuse_bytes = 0;
			}
			atomic_store_explicit(&live[j].ptr, MEMPROF_TOMBSTONE, memory_order_relaxed);
			MS->live_count--;
		}
		pthread_mutex_unlock(&MS->mu);
		return;
	}
}

void memprof_note_alloc(void *ptr, size_t usable, const void *caller)
{
	struct memprof_thread *t = &globals_memprof_thread;
	struct memprof_slot *sl = memprof_my_slot();
	int shared = sl == &MS->slots[0];
	memprof_count(&sl->allocs, 1, shared);
	memprof_count(&sl->bytes_alloc, usable, shared);
	if (!atomic_load_explicit(&MS->sampling, memory_order_relaxed) || t->depth)
		return;
	uint64_t rate = atomic_load_explicit(&MS->rate, memory_order_relaxed);
	if (!t->rng) /* the thread's first allocation while sampling: arm the countdown */
		t->countdown = memprof_next_countdown(t, rate);
	t->countdown -= (int64_t)usable;
	if (t->countdown > 0)
		return;
	t->countdown = memprof_next_countdown(t, rate);
	t->depth++;
	memprof_sample(ptr, usable, caller);
	t->depth--;
}

void memprof_note_free(void *ptr, size_t usable)
{
	struct memprof_slot *sl = memprof_my_slot();
	int shared = sl == &MS->slots[0];
	memprof_count(&sl->frees, 1, shared);
	memprof_count(&sl->bytes_freed, usable, shared);
	memprof_unsample(ptr);
}

void memprof_start_sampling(uint64_t rate)
{
	atomic_store(&MS->rate, rate ? rate : 512 * 1024);
	atomic_store(&MS->sampling, 1);
}

void memprof_stop_sampling(void) { atomic_store(&MS->sampling, 0); }

/* --- views --------------------------------------------------------------------------- */

static int memprof_site_by_inuse(const void *a, const void *b)
{
	const struct memprof_site *x = a, *y = b;
	return x->inuse_bytes < y->inuse_bytes ? 1 : x->inuse_bytes > y->inuse_bytes ? -1 : 0;
}

size_t memprof_top_sites(struct memprof_site *out, size_t max)
{
	globals_memprof_thread.depth++; /* the calloc below must not sample (the lock is held) */
	pthread_mutex_lock(&MS->mu);
	size_t n = MS->stacks.n;
	struct memprof_site *all = calloc(n ? n : 1, sizeof *all);
	for (size_t i = 0; all && i < n; i++) {
		const struct memprof_site_data *s = &MS->sites[i];
		uint32_t depth = stack_table_depth(&MS->stacks, (uint32_t)i);
		if (depth > STACK_WALK_MAX)
			depth = STACK_WALK_MAX;
		all[i].id = (uint32_t)i;
		all[i].depth = depth;
		memcpy(all[i].pcs, stack_table_pcs(&MS->stacks, (uint32_t)i), depth * sizeof *all[i].pcs);
		all[i].inuse_bytes = s->inuse_bytes;
		all[i].inuse_objects = s->inuse_objects;
		all[i].alloc_bytes = s->alloc_bytes;
		all[i].alloc_objects = s->alloc_objects;
	}
	pthread_mutex_unlock(&MS->mu);
	globals_memprof_thread.depth--;
	if (!all)
		return 0;
	size_t k = n < max ? n : max;
	if (k) {
		qsort(all, n, sizeof *all, memprof_site_by_inuse);
		memcpy(out, all, k * sizeof *out);
	}
	free(all);
	return k;
}

/* symbolize_prepare for return addresses (the call is one byte earlier). */
static void memprof_prepare_pcs(struct symbolizer *sym, const uint64_t *pcs, uint32_t n)
{
	uint64_t *ats = sym && n ? malloc((size_t)n * sizeof *ats) : NULL;
	for (uint32_t i = 0; ats && i < n; i++)
		ats[i] = pcs[i] - 1;
	if (ats)
		symbolize_prepare(sym, ats, n);
	free(ats);
}

void memprof_prepare_symbols(struct symbolizer *sym)
{
	if (!sym)
		return;
	globals_memprof_thread.depth++; /* the malloc below must not sample (the lock is held) */
	pthread_mutex_lock(&MS->mu);
	uint32_t n = MS->stacks.npcs;
	uint64_t *pcs = malloc((size_t)(n ? n : 1) * sizeof *pcs);
	if (pcs)
		memcpy(pcs, MS->stacks.pcs, (size_t)n * sizeof *pcs);
	pthread_mutex_unlock(&MS->mu);
	globals_memprof_thread.depth--;
	if (pcs)
		memprof_prepare_pcs(sym, pcs, n);
	free(pcs);
}

int memprof_write_pprof(struct symbolizer *sym, unsigned char **out, size_t *len, struct errbuf *e)
{
	static const struct pprof_shape shape = {
		{ { "alloc_objects", "count" }, { "alloc_space", "bytes" }, { "inuse_objects", "count" },
		  { "inuse_space", "bytes" } },
		"inuse_space",
		{ "space", "bytes" },
	};
	struct pprof *pp = pprof_sym_new(&shape, (int64_t)atomic_load(&MS->rate));
	struct pprof_sym ps;
	pprof_sym_add_mappings(&ps, pp, sym);
	/* copy the sites out of the lock: symbolizing may allocate */
	globals_memprof_thread.depth++;
	pthread_mutex_lock(&MS->mu);
	uint32_t n = MS->stacks.n, npcs = MS->stacks.npcs;
	struct memprof_site_data *sites = malloc((size_t)(n ? n : 1) * sizeof *sites);
	uint64_t *pcs = malloc((size_t)(npcs ? npcs : 1) * sizeof *pcs);
	uint32_t *off = malloc((size_t)(n ? n : 1) * sizeof *off), *dep = malloc((size_t)(n ? n : 1) * sizeof *dep);
	if (sites && pcs && off && dep && n) {
		memcpy(sites, MS->sites, (size_t)n * sizeof *sites);
		memcpy(pcs, MS->stacks.pcs, (size_t)npcs * sizeof *pcs);
		memcpy(off, MS->stacks.off, (size_t)n * sizeof *off);
		memcpy(dep, MS->stacks.depth, (size_t)n * sizeof *dep);
	} else {
		n = 0;
	}
	pthread_mutex_unlock(&MS->mu);
	globals_memprof_thread.depth--;
	memprof_prepare_pcs(sym, pcs, n ? npcs : 0);
	for (uint32_t i = 0; i < n; i++) {
		uint64_t locs[STACK_WALK_MAX];
		const struct memprof_site_data *s = &sites[i];
		for (uint32_t k = 0; k < dep[i]; k++) /* return addresses: the call is one byte earlier */
			locs[k] = pprof_sym_add_location(&ps, pcs[off[i] + k] - 1);
		int64_t v[4] = { llround(s->alloc_objects), llround(s->alloc_bytes), llround(s->inuse_objects),
				 llround(s->inuse_bytes) };
		pprof_add_sample(pp, locs, dep[i], v, 4, NULL, 0);
	}
	free(sites);
	free(pcs);
	free(off);
	free(dep);
	return pprof_sym_encode(&ps, "memory", out, len, e);
}
