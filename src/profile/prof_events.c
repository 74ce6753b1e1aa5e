/* prof_events.c: sampling waits by stack for the block and mutex profiles. */
#include "autoconfig.h"

#include "prof_events.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/buf.h"
#include "../base/globals.h"
#include "pprof.h"
#include "pprof_sym.h"
#include "../base/stack_walk.h"

static struct evprof_state *evprof_of(enum evprof_kind k) { return &globals_evprof[k == EVPROF_MUTEX]; }

void evprof_start(enum evprof_kind k, uint64_t rate)
{
	struct evprof_state *s = evprof_of(k);
	pthread_mutex_lock(&s->mu);
	if (!s->stacks.realloc_fn)
		stack_table_init(&s->stacks, NULL, NULL);
	pthread_mutex_unlock(&s->mu);
	atomic_store(&s->rate, rate ? rate : 1);
	atomic_store(&s->on, 1);
}

void evprof_stop(enum evprof_kind k) { atomic_store(&evprof_of(k)->on, 0); }

int evprof_is_on(enum evprof_kind k) { return atomic_load_explicit(&evprof_of(k)->on, memory_order_relaxed); }

/* A per-thread random number in [0, 1). */
static double evprof_random(void)
{
	uint64_t x = globals_evprof_rng;
	if (!x)
		x = (uint64_t)(uintptr_t)&globals_evprof_rng * 0x9E3779B97F4A7C15ull | 1;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	globals_evprof_rng = x;
	return (double)(x >> 11) / 9007199254740992.0;
}

/* The index of a label, copied when new; with the lock held. */
static uint32_t evprof_intern_label(struct evprof_state *s, const char *on)
{
	if (!on)
		on = "";
	for (uint32_t i = 0; i < s->nlabels; i++)
		if (!strcmp(s->labels[i], on))
			return i;
	if (s->nlabels == s->labels_cap) {
		uint32_t cap = s->labels_cap ? s->labels_cap * 2 : 16;
		char **n = realloc(s->labels, (size_t)cap * sizeof *n);
		if (!n)
			return UINT32_MAX;
		s->labels = n;
		s->labels_cap = cap;
	}
	s->labels[s->nlabels] = strdup(on);
	return s->labels[s->nlabels] ? s->nlabels++ : UINT32_MAX;
}

/* The site of (stack, label), made when new; with the lock held. */
static struct evprof_site *evprof_site_of(struct evprof_state *s, uint32_t stack, uint32_t label)
{
	for (uint32_t i = s->nsites; i-- > 0;)
		if (s->sites[i].stack == stack && s->sites[i].label == label)
			return &s->sites[i];
	if (s->nsites == s->sites_cap) {
		uint32_t cap = s->sites_cap ? s->sites_cap * 2 : 64;
		struct evprof_site *n = realloc(s->sites, (size_t)cap * sizeof *n);
		if (!n)
			return NULL;
		s->sites = n;
		s->sites_cap = cap;
	}
	s->sites[s->nsites] = (struct evprof_site){ stack, label, 0, 0 };
	return &s->sites[s->nsites++];
}

void evprof_note_wait(enum hooks_wait kind, uint64_t wait_ns, const char *on)
{
	enum evprof_kind k = (enum evprof_kind)kind;
	struct evprof_state *s = evprof_of(k);
	if (!atomic_load_explicit(&s->on, memory_order_relaxed))
		return;
	uint64_t rate = atomic_load_explicit(&s->rate, memory_order_relaxed);
	double weight; /* the events this sample stands for */
	if (k == EVPROF_BLOCK) {
		if (wait_ns < rate) {
			double p = (double)wait_ns / (double)rate;
			if (evprof_random() >= p)
				return;
			weight = 1 / p;
		} else {
			weight = 1;
		}
	} else {
		if (evprof_random() * (double)rate >= 1)
			return;
		weight = (double)rate;
	}
	uint64_t pcs[STACK_WALK_MAX];
	int depth = stack_walk_here(STACK_WALK_LIBUNWIND, pcs, STACK_WALK_MAX);
	int skip = depth > 1 ? 1 : 0; /* evprof_note_wait itself */
	pthread_mutex_lock(&s->mu);
	uint32_t id = stack_table_intern(&s->stacks, pcs + skip, (uint32_t)(depth - skip));
	uint32_t label = id != STACK_TABLE_FULL ? evprof_intern_label(s, on) : UINT32_MAX;
	struct evprof_site *site = label != UINT32_MAX ? evprof_site_of(s, id, label) : NULL;
	if (site) {
		site->count += weight;
		site->delay_ns += weight * (double)wait_ns;
		s->sampled++;
	}
	pthread_mutex_unlock(&s->mu);
}

int evprof_write_pprof(enum evprof_kind k, struct symbolizer *sym, unsigned char **out, size_t *len,
		       struct errbuf *e)
{
	struct evprof_state *s = evprof_of(k);
	static const struct pprof_shape shape = {
		{ { "contentions", "count" }, { "delay", "nanoseconds" } },
		"delay",
		{ "contentions", "count" },
	};
	struct pprof *pp = pprof_sym_new(&shape, (int64_t)atomic_load(&s->rate));
	struct pprof_sym ps;
	pprof_sym_add_mappings(&ps, pp, sym);
	const char *key = k == EVPROF_MUTEX ? "lock" : "channel";
	pthread_mutex_lock(&s->mu);
	struct buf ats = { NULL, 0, 0 };
	for (uint32_t i = 0; i < s->nsites; i++) {
		const uint64_t *pcs = stack_table_pcs(&s->stacks, s->sites[i].stack);
		for (uint32_t f = 0; f < stack_table_depth(&s->stacks, s->sites[i].stack); f++) {
			uint64_t at = pcs[f] - 1;
			buf_append(&ats, &at, sizeof at);
		}
	}
	pprof_sym_prepare(&ps, (const uint64_t *)(void *)ats.p, ats.len / sizeof(uint64_t));
	buf_free(&ats);
	for (uint32_t i = 0; i < s->nsites; i++) {
		const struct evprof_site *site = &s->sites[i];
		const uint64_t *pcs = stack_table_pcs(&s->stacks, site->stack);
		uint32_t depth = stack_table_depth(&s->stacks, site->stack);
		uint64_t locs[STACK_WALK_MAX];
		for (uint32_t f = 0; f < depth; f++) /* return addresses: the call is one byte earlier */
			locs[f] = pprof_sym_add_location(&ps, pcs[f] - 1);
		int64_t v[2] = { llround(site->count), llround(site->delay_ns) };
		struct pprof_label label = { key, s->labels[site->label], 0, NULL };
		if (v[0] || v[1])
			pprof_add_sample(pp, locs, depth, v, 2, &label, s->labels[site->label][0] ? 1 : 0);
	}
	pthread_mutex_unlock(&s->mu);
	return pprof_sym_encode(&ps, k == EVPROF_MUTEX ? "mutex" : "block", out, len, e);
}
