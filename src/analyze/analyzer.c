/* analyzer.c: the live analyzer: builds the rules' input from the running
 * pipeline (the sampler's window, the CPU and memory profilers, the locks,
 * the thread registry, the record errors), runs the rules every second on
 * its own thread and keeps the latest findings; snapshots analyze on demand.
 * It keeps a short history of the locks' counters and of the allocation
 * sites' in-use bytes, so that both can be read over the window. */
#include "autoconfig.h"

#include "analyzer.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../base/clock.h"
#include "../../pipeline/figures.h"
#include "../../pipeline/latency.h"
#include "../../pipeline/lock.h"
#include "../../pipeline/pipeline.h"
#include "../../pipeline/sampler.h"
#include "../../pipeline/spec.h"
#include "../profile/memprof.h"
#include "../profile/prof_cpu.h"
#include "../profile/prof_threads.h"
#include "../base/units.h"
#include "../profile/profiler.h"
#include "../symbols/symbolize.h"
#include "../base/thread_registry.h"
#include "whatif_run.h"

#define AN_MAX_LOCKS 64
#define AN_MAX_SITES 32
#define AN_MAX_TICKS 32
#define AN_MAX_FUNCTIONS 10

struct an_site_tick {
	uint32_t id;
	double inuse;
};

/* What the thread saw at one tick: the locks' cumulative counters and the
 * biggest allocation sites. */
struct an_tick {
	uint64_t t_ns; /* on the sampler's clock */
	size_t nlocks, nsites;
	struct nlock_stats locks[AN_MAX_LOCKS];
	struct an_site_tick sites[AN_MAX_SITES];
};

struct analyzer {
	struct pipeline *p;
	struct sampler *s;
	struct profiler *prof;
	struct alert_opts o;
	uint64_t tick_ns;
	pthread_mutex_t mu; /* guards everything below */
	pthread_cond_t cv;
	int stop, started;
	pthread_t th;
	struct an_tick *ticks; /* a ring of AN_MAX_TICKS */
	size_t nticks, head;   /* head: the next slot to write */
	struct findings latest;
	int final;     /* analyzer_finish ran: latest is the run's last analysis */
	/* the previous analysis's bottleneck stage and primary finding, so
	 * that a steady pipeline's verdict holds still */
	char prev_bneck[64];
	enum finding_type prev_type;
	char prev_component[128];
	int finishing; /* analyzer_finish is analyzing the ended series */
	struct whatif_run *whatif; /* set before the thread starts */
};

/* A run that drained for longer than this after its source stopped (a slow
 * destination emptying full channels) is analyzed, at its end, over the
 * window before the source stopped: the drain alone shows no bottleneck. */
#define AN_DRAIN_NS 1000000000ull

/* The pipeline's, the profilers' and the front end's threads start in the
 * run's first seconds: only a window that begins after this can show
 * threads that keep coming. */
#define AN_THREADS_SETTLED_NS 3000000000ull

/* Everything the input points into, owned for one analysis. */
struct an_scratch {
	struct figures f;
	struct an_stage *stages;
	struct an_channel *channels;
	struct an_point *heap, *rss;
	struct an_function fns[AN_MAX_FUNCTIONS];
	struct an_lock locks[AN_MAX_LOCKS];
	struct nlock_stats now_locks[AN_MAX_LOCKS];
	struct an_site sites[8];
	char site_names[8][200];
	struct an_reason reasons[8];
	char reason_text[8][256]; /* the first reason of the group, as it was */
	char reason_key[8][256];  /* what groups them: the reason with its numbers as '#' */
	char reason_stage[8][64];
	struct memprof_site *msites;
	double pool_growth; /* what the batch pool's buffers gained over the window */
	uint64_t *stage_errors; /* records each stage failed in the window */
};

struct analyzer *analyzer_create(struct pipeline *p, struct sampler *s, struct profiler *prof,
				 const struct alert_opts *o)
{
	struct analyzer *a = calloc(1, sizeof *a);
	if (!a)
		return NULL;
	a->ticks = calloc(AN_MAX_TICKS, sizeof *a->ticks);
	if (!a->ticks) {
		free(a);
		return NULL;
	}
	a->p = p;
	a->s = s;
	a->prof = prof;
	a->o = *o;
	/* a tick a second, or fewer so that the ring covers the window */
	a->tick_ns = o->window_ns / (AN_MAX_TICKS - 2);
	if (a->tick_ns < 1000000000ull)
		a->tick_ns = 1000000000ull;
	pthread_mutex_init(&a->mu, NULL);
	pthread_cond_init(&a->cv, NULL);
	return a;
}

/* --- gathering the input --------------------------------------------------------------- */

static uint64_t analyzer_sampler_now(struct analyzer *a)
{
	sampler_lock(a->s);
	uint64_t t = sampler_latest(a->s)->t_ns;
	sampler_unlock(a->s);
	return t;
}

/* The oldest tick at or after `since` (NULL when none): the window's start. */
static const struct an_tick *analyzer_tick_since(const struct analyzer *a, uint64_t since)
{
	const struct an_tick *best = NULL;
	for (size_t k = 0; k < a->nticks; k++) {
		const struct an_tick *t = &a->ticks[(a->head + AN_MAX_TICKS - a->nticks + k) % AN_MAX_TICKS];
		if (t->t_ns + a->tick_ns / 2 >= since) {
			best = t;
			break;
		}
	}
	return best;
}

static void analyzer_gather_locks(struct analyzer *a, struct analyzer_input *in, struct an_scratch *x,
				  uint64_t now_ns, uint64_t since)
{
	size_t n = nlock_read_all(x->now_locks, AN_MAX_LOCKS);
	pthread_mutex_lock(&a->mu);
	const struct an_tick *t = analyzer_tick_since(a, since);
	double secs = (double)(now_ns - (t ? t->t_ns : 0)) / 1e9;
	for (size_t i = 0; i < n; i++) {
		const struct nlock_stats *l = &x->now_locks[i];
		uint64_t c0 = 0, w0 = 0;
		for (size_t j = 0; t && j < t->nlocks; j++)
			if (!strcmp(t->locks[j].name, l->name)) {
				c0 = t->locks[j].contentions;
				w0 = t->locks[j].wait_ns;
				break;
			}
		if (l->contentions <= c0 || secs <= 0)
			continue;
		struct an_lock *o = &x->locks[in->nlocks++];
		o->name = l->name;
		o->contentions_per_sec = (double)(l->contentions - c0) / secs;
		/* the share is of the window the counters cover */
		o->wait_s = (double)(l->wait_ns - w0) / 1e9 * (in->window_s / secs);
		o->waiters = __builtin_popcountll(l->waiter_mask);
	}
	pthread_mutex_unlock(&a->mu);
	in->locks = x->locks;
}

/* "function (file:line)" of an allocation site's first frame. */
static void analyzer_name_site(struct analyzer *a, const struct memprof_site *ms, char *dst, size_t n)
{
	struct sym_info si;
	struct symbolizer *sym = profiler_symbolizer(a->prof);
	if (ms->depth && sym && symbolize_lookup(sym, ms->pcs[0] - 1, &si) && si.function) {
		if (si.file && si.line)
			snprintf(dst, n, "%s (%s:%d)", si.function, si.file, si.line);
		else
			snprintf(dst, n, "%s", si.function);
	} else {
		snprintf(dst, n, "0x%llx", ms->depth ? (unsigned long long)ms->pcs[0] : 0ull);
	}
}

/* 1 when an allocation site is where the batches' buffers grow (the
 * pool's working size): buf.c's and batch.c's growth functions. */
static int analyzer_site_is_pool(const char *function)
{
	return !strncmp(function, "buf_grow", 8) || !strncmp(function, "batch_reserve_records", 21) ||
	       !strncmp(function, "batch_add_record", 16) || !strncmp(function, "batch_mark_error", 16);
}

/* Allocation sites whose in-use bytes only grew over the ticks of the window. */
static void analyzer_gather_sites(struct analyzer *a, struct analyzer_input *in, struct an_scratch *x, uint64_t since)
{
	x->msites = calloc(AN_MAX_SITES, sizeof *x->msites);
	if (!x->msites)
		return;
	size_t n = memprof_top_sites(x->msites, AN_MAX_SITES);
	pthread_mutex_lock(&a->mu);
	size_t first = a->nticks;
	for (size_t k = 0; k < a->nticks; k++) {
		const struct an_tick *t = &a->ticks[(a->head + AN_MAX_TICKS - a->nticks + k) % AN_MAX_TICKS];
		if (t->t_ns + a->tick_ns / 2 >= since) {
			first = k;
			break;
		}
	}
	for (size_t i = 0; i < n && in->nsites < 8; i++) {
		const struct memprof_site *ms = &x->msites[i];
		double prev = -1, start = -1;
		int grew = a->nticks - first >= 3;
		for (size_t k = first; k < a->nticks && grew; k++) {
			const struct an_tick *t = &a->ticks[(a->head + AN_MAX_TICKS - a->nticks + k) % AN_MAX_TICKS];
			double v = 0; /* a site not among the biggest yet (or not born) */
			for (size_t j = 0; j < t->nsites; j++)
				if (t->sites[j].id == ms->id)
					v = t->sites[j].inuse;
			if (v < prev)
				grew = 0;
			if (start < 0)
				start = v;
			prev = v;
		}
		if (!grew || ms->inuse_bytes < prev || ms->inuse_bytes <= start)
			continue;
		struct an_site *o = &x->sites[in->nsites];
		analyzer_name_site(a, ms, x->site_names[in->nsites], sizeof x->site_names[0]);
		o->function = x->site_names[in->nsites];
		o->inuse_bytes = ms->inuse_bytes;
		o->growth_bytes = ms->inuse_bytes - start;
		in->nsites++;
	}
	pthread_mutex_unlock(&a->mu);
	/* the pool's batches grow through the buffer code until they reach
	 * their working size: that growth is the pool's, bounded, and no leak */
	double pool = x->pool_growth;
	size_t kept_sites = 0;
	for (size_t i = 0; i < in->nsites; i++) {
		struct an_site *s = &x->sites[i];
		if (pool > 0 && analyzer_site_is_pool(s->function)) {
			double taken = fmin(pool, s->growth_bytes);
			s->growth_bytes -= taken;
			pool -= taken;
			if (s->growth_bytes <= 0)
				continue;
		}
		if (kept_sites != i) {
			x->sites[kept_sites] = *s;
			snprintf(x->site_names[kept_sites], sizeof x->site_names[0], "%s", x->site_names[i]);
			x->sites[kept_sites].function = x->site_names[kept_sites];
		}
		kept_sites++;
	}
	in->nsites = kept_sites;
	/* suspects are the big growers: at least a tenth of the biggest growth */
	double top = 0;
	for (size_t i = 0; i < in->nsites; i++)
		top = fmax(top, x->sites[i].growth_bytes);
	size_t kept = 0;
	for (size_t i = 0; i < in->nsites; i++)
		if (x->sites[i].growth_bytes >= top / 10)
			x->sites[kept++] = x->sites[i];
	in->nsites = kept;
	in->sites = x->sites;
}

/* Replaces runs of digits by one '#', so that reasons differing only by a
 * row or a value group together. */
static void analyzer_normalize_reason(const char *src, char *dst, size_t n)
{
	size_t o = 0;
	for (const char *p = src; *p && o + 1 < n; p++) {
		if (*p >= '0' && *p <= '9') {
			if (o == 0 || dst[o - 1] != '#')
				dst[o++] = '#';
		} else {
			dst[o++] = *p;
		}
	}
	dst[o] = 0;
}

static int analyzer_reason_order(const void *pa, const void *pb)
{
	const struct an_reason *x = pa, *y = pb;
	return x->count < y->count ? 1 : x->count > y->count ? -1 : 0;
}

static void analyzer_gather_reasons(struct analyzer *a, struct analyzer_input *in, struct an_scratch *x)
{
	struct error_sample *es = calloc(ERROR_SAMPLES, sizeof *es);
	if (!es)
		return;
	size_t n = pipeline_copy_error_samples(a->p, es, ERROR_SAMPLES);
	in->reasons_kept = n;
	in->reasons_full = n == ERROR_SAMPLES;
	for (size_t i = 0; i < n; i++) {
		char norm[256];
		analyzer_normalize_reason(es[i].reason, norm, sizeof norm);
		size_t j = 0;
		while (j < in->nreasons && (strcmp(x->reason_key[j], norm) || strcmp(x->reason_stage[j], es[i].stage)))
			j++;
		if (j == in->nreasons) {
			if (j == 8)
				continue;
			snprintf(x->reason_key[j], sizeof x->reason_key[j], "%s", norm);
			snprintf(x->reason_text[j], sizeof x->reason_text[j], "%s", es[i].reason);
			snprintf(x->reason_stage[j], sizeof x->reason_stage[j], "%s", es[i].stage);
			x->reasons[j] = (struct an_reason){ x->reason_stage[j], x->reason_text[j], 0 };
			in->nreasons++;
		}
		x->reasons[j].count++;
	}
	free(es);
	if (in->nreasons)
		qsort(x->reasons, in->nreasons, sizeof *x->reasons, analyzer_reason_order);
	in->reasons = x->reasons;
}

static void analyzer_gather_cpu(struct analyzer *a, struct analyzer_input *in, struct an_scratch *x)
{
	struct cpuprof *cpu = profiler_cpu(a->prof);
	in->cpu_samples = 0;
	in->allocator_pct = -1;
	if (!cpu)
		return;
	struct cpuprof_fn top[AN_MAX_FUNCTIONS], st[64];
	uint64_t total = 0;
	size_t n = cpuprof_top(cpu, a->o.window_ns, NULL, top, AN_MAX_FUNCTIONS, &total);
	in->cpu_samples = (double)total;
	in->allocator_pct = 100 * cpuprof_allocator_share(cpu, a->o.window_ns);
	if (!total)
		return;
	for (size_t i = 0; i < n; i++) {
		if (!top[i].name || top[i].no_symbol)
			continue; /* code without a symbol: nothing a finding could name */
		struct an_function *fn = &x->fns[in->nfunctions++];
		fn->name = top[i].name;
		fn->flat_pct = 100.0 * (double)top[i].flat / (double)total;
		fn->stage = NULL;
		fn->stage_pct = 0;
		if (fn->flat_pct < a->o.hotspot_medium_pct)
			continue; /* only hotspots need their stage */
		uint64_t best = 0;
		for (size_t s = 0; s < in->nstages; s++) {
			uint64_t stotal = 0;
			size_t m = cpuprof_top(cpu, a->o.window_ns, in->stages[s].name, st, 64, &stotal);
			for (size_t j = 0; j < m; j++)
				if (st[j].name == top[i].name && st[j].flat > best) {
					best = st[j].flat;
					fn->stage = in->stages[s].name;
					fn->stage_pct = stotal ? 100.0 * (double)st[j].flat / (double)stotal : 0;
				}
		}
	}
	in->functions = x->fns;
}

/* Heap in use and RSS of every sample in the window (the sampler locked). */
static void analyzer_gather_series(struct analyzer *a, struct analyzer_input *in, struct an_scratch *x,
				   const struct sample *from, const struct sample *until)
{
	size_t n = sampler_count(a->s), k = 0;
	x->heap = calloc(n ? n : 1, sizeof *x->heap);
	x->rss = calloc(n ? n : 1, sizeof *x->rss);
	if (!x->heap || !x->rss)
		return;
	int hooks = 0;
	for (size_t i = 0; i < n; i++) {
		const struct sample *smp = sampler_get(a->s, i);
		if (smp->t_ns < from->t_ns || smp->t_ns > until->t_ns)
			continue;
		double t = (double)smp->t_ns / 1e9;
		double rec = smp->stages ? (double)smp->stages[0].records_out : 0;
		/* the batch pool's buffers grow to their working size and stop:
		 * bounded, so not part of what the growth rule looks at */
		x->heap[k] = (struct an_point){ t,
						(double)smp->rt.bytes_alloc - (double)smp->rt.bytes_freed -
							(double)smp->pool_bytes,
						rec };
		x->rss[k] = (struct an_point){ t, (double)smp->rt.rss_bytes, rec };
		hooks |= smp->rt.allocs > 0;
		k++;
	}
	in->heap = x->heap;
	in->rss = x->rss;
	in->nheap = hooks ? k : 0;
	in->nrss = k;
	in->pool_now = (double)until->pool_bytes;
	x->pool_growth = until->pool_bytes > from->pool_bytes ? (double)(until->pool_bytes - from->pool_bytes) : 0;
}

/* The pace a connector's section sets, records/s (0 when the key is absent
 * or 0): generate's `rate` in [source], `rate_limit` in [destination]. The
 * value was checked when the pipeline was built. */
static double analyzer_config_rate(const struct confsection *sec, const char *key)
{
	const struct confentry *en = confsection_find(sec, key);
	uint64_t v;
	return en && !units_parse_uint(en->value, &v) ? (double)v : 0;
}

/* The part that takes the most of the p99 batches (latency.h), into lat
 * with its names in part and stage; NULL when no batch was followed yet. */
static const struct an_latency *analyzer_gather_latency(struct analyzer *a, struct an_latency *lat, char *part,
							size_t pn, char *stage, size_t sn)
{
	struct latency_view *v = malloc(sizeof *v);
	if (!v)
		return NULL;
	pipeline_read_latency(a->p, v);
	const struct an_latency *r = NULL;
	if (v->batches && v->nparts) {
		size_t top = 0;
		for (size_t i = 1; i < v->nparts; i++)
			if (v->q_share[2][i] > v->q_share[2][top])
				top = i;
		latency_part_name(&v->parts[top], part, pn);
		snprintf(stage, sn, "%s", v->parts[top].stage);
		*lat = (struct an_latency){ v->batches, v->p99_us, v->mean_us, part, stage, v->parts[top].queue,
					    v->q_share[2][top] };
		r = lat;
	}
	free(v);
	return r;
}

/* The configured pace of the source and the destination (stages[0] and
 * stages[ns - 1]), and where bad records go. */
static void analyzer_gather_config(struct analyzer *a, struct analyzer_input *in, struct an_stage *stages, size_t ns)
{
	const struct pipeline_spec *c = pipeline_get_spec(a->p);
	if (!c || !ns)
		return;
	static const char *const keys[2] = { "rate", "rate_limit" };
	const struct confsection *secs[2] = { c->source, c->destination };
	for (int d = 0; d < 2; d++) {
		struct an_stage *s = &stages[d ? ns - 1 : 0];
		s->rate_limit = analyzer_config_rate(secs[d], keys[d]);
		s->rate_key = s->rate_limit > 0 ? keys[d] : NULL;
	}
	if (c->pl->on_error == ON_ERROR_DEAD_LETTER)
		in->dead_letter_path = c->pl->dead_letter_path;
	in->batch = c->pl->batch;
	in->buffer = c->pl->buffer;
}

static void analyzer_free_scratch(struct an_scratch *x)
{
	figures_free(&x->f);
	free(x->stages);
	free(x->channels);
	free(x->heap);
	free(x->rss);
	free(x->msites);
	free(x->stage_errors);
	free(x);
}

/* A steady verdict: when the previous primary finding is still there at the
 * top severity, it stays first (findings of equal severity would otherwise
 * trade places as their impacts wobble); then the primary and the
 * bottleneck stage are remembered for the next analysis. */
static void analyzer_hold_primary(struct analyzer *a, struct findings *out)
{
	pthread_mutex_lock(&a->mu);
	for (size_t i = 1; i < out->n && out->v[0].severity == out->v[i].severity; i++) {
		if (out->v[i].type != a->prev_type || strcmp(out->v[i].component, a->prev_component))
			continue;
		/* causes still go before places before symptoms: only a finding of
		 * the same type or an earlier one may take the lead */
		if (out->v[i].type > out->v[0].type)
			break;
		struct finding held = out->v[i];
		memmove(&out->v[1], &out->v[0], i * sizeof *out->v);
		out->v[0] = held;
		break;
	}
	a->prev_bneck[0] = 0;
	a->prev_component[0] = 0;
	a->prev_type = FIND_TOO_SHORT;
	for (size_t i = 0; i < out->n; i++)
		if (out->v[i].type == FIND_PIPELINE_BOTTLENECK)
			snprintf(a->prev_bneck, sizeof a->prev_bneck, "%s", out->v[i].component);
	if (out->n) {
		a->prev_type = out->v[0].type;
		snprintf(a->prev_component, sizeof a->prev_component, "%s", out->v[0].component);
	}
	pthread_mutex_unlock(&a->mu);
}

int analyzer_analyze_now(struct analyzer *a, struct findings *out)
{
	/* after the run's end the series no longer moves: the last analysis is
	 * the one every front end and snapshot shows */
	if (a->final)
		return analyzer_copy_latest(a, out);
	struct an_scratch *x = calloc(1, sizeof *x);
	if (!x)
		return -1;
	struct analyzer_input in;
	memset(&in, 0, sizeof in);
	sampler_lock(a->s);
	const struct sample *b = sampler_latest(a->s);
	uint64_t latest_ns = b->t_ns;
	if (a->finishing) {
		const struct sample *end = sampler_find_source_end(a->s);
		if (end && b->t_ns - end->t_ns >= AN_DRAIN_NS && end->t_ns >= AN_DRAIN_NS)
			b = end;
	}
	figures_compute_until(&x->f, a->s, a->o.window_ns, b);
	const struct sample *s0 = b->t_ns > a->o.window_ns ? sampler_find_before(a->s, b->t_ns - a->o.window_ns)
							    : sampler_zero(a->s);
	uint64_t now_ns = b->t_ns, since = s0->t_ns;
	size_t ns = x->f.nstages;
	in.records_in = b->stages[0].records_in - s0->stages[0].records_in;
	in.run_s = (double)b->t_ns / 1e9;
	in.run_records = b->stages[0].records_in;
	x->stage_errors = calloc(ns ? ns : 1, sizeof *x->stage_errors);
	for (size_t i = 0; i < ns; i++) {
		uint64_t e = b->stages[i].errors - s0->stages[i].errors;
		in.records_errors += e;
		if (x->stage_errors)
			x->stage_errors[i] = e;
	}
	analyzer_gather_series(a, &in, x, s0, b);
	sampler_unlock(a->s);

	const struct figures *f = &x->f;
	in.window_s = f->window_s > 0 ? f->window_s : (double)(now_ns - since) / 1e9;
	in.records_per_sec = f->records_per_sec;
	x->stages = calloc(ns ? ns : 1, sizeof *x->stages);
	x->channels = calloc(f->nchannels ? f->nchannels : 1, sizeof *x->channels);
	if (!x->stages || !x->channels) {
		analyzer_free_scratch(x);
		return -1;
	}
	for (size_t i = 0; i < ns; i++) {
		const struct stage_figures *sf = &f->stages[i];
		x->stages[i] = (struct an_stage){ .name = sf->name,
						  .kind = (int)sf->kind,
						  .threads = sf->threads,
						  .busy_pct = sf->busy_pct,
						  .backpressured_pct = sf->backpressured_pct,
						  .idle_pct = sf->idle_pct,
						  .oncpu_pct = sf->oncpu_pct,
						  .cpu_wait_pct = sf->cpu_wait_pct,
						  .errors = x->stage_errors ? x->stage_errors[i] : 0,
						  .in_per_sec = sf->in_per_sec,
						  .out_per_sec = sf->out_per_sec };
		const struct connector_figures *cf = i == 0 ? &f->conn[0] : i == ns - 1 ? &f->conn[1] : NULL;
		if (cf && cf->waits_on) {
			x->stages[i].wait_pct = cf->wait_pct;
			x->stages[i].waits_on = cf->waits_on;
		}
	}
	for (size_t i = 0; i < f->nchannels; i++) {
		const struct channel_figures *cf = &f->channels[i];
		x->channels[i] = (struct an_channel){ cf->name, cf->fill_avg_pct, cf->fill_max_pct, cf->send_blocked_pct,
						      cf->recv_blocked_pct };
	}
	analyzer_gather_config(a, &in, x->stages, ns);
	in.nstages = ns;
	in.stages = x->stages;
	in.nchannels = f->nchannels;
	in.channels = x->channels;
	in.heap_now = (double)f->heap_live_bytes;
	in.rss_now = (double)f->rss_bytes;
	in.alloc_bytes_per_record = f->have_alloc_figures ? f->alloc_bytes_per_record : -1;
	in.allocs_per_sec = f->have_alloc_figures ? f->allocs_per_sec : -1;
	in.cores_used = f->cpu_pct / 100;
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	in.cores = cores > 0 ? (double)cores : 1;
	in.machine_busy_cores = f->machine_busy_cores;
	pthread_mutex_lock(&a->mu);
	char prev[64];
	snprintf(prev, sizeof prev, "%s", a->prev_bneck);
	pthread_mutex_unlock(&a->mu);
	in.prev_bottleneck = prev[0] ? prev : NULL;
	in.input_wait_pct = ns ? f->stages[0].idle_pct : 0;
	in.threads_before = f->threads_before;
	in.threads_now = f->threads;
	/* threads started with the pipeline are no leak: only a window that
	 * begins after the start can show one */
	in.threads_only_grew = f->threads_only_grew && since >= AN_THREADS_SETTLED_NS;
	struct thread_leak leaks[16];
	in.leaked_threads = (int)threads_find_leaks(leaks, 16);

	analyzer_gather_cpu(a, &in, x);
	analyzer_gather_locks(a, &in, x, now_ns, since);
	analyzer_gather_sites(a, &in, x, since);
	analyzer_gather_reasons(a, &in, x);
	struct an_latency lat;
	char lat_part[200], lat_stage[64];
	in.latency = analyzer_gather_latency(a, &lat, lat_part, sizeof lat_part, lat_stage, sizeof lat_stage);
	struct whatif_result wr[WHATIF_MAX_TARGETS];
	in.nwhatif = whatif_run_read(a->whatif, wr, WHATIF_MAX_TARGETS);
	in.whatif = wr;
	int rc = analyzer_run_rules(&in, &a->o, out);
	if (rc == 0)
		analyzer_hold_primary(a, out);
	out->drained_s = (double)(latest_ns - b->t_ns) / 1e9;
	analyzer_free_scratch(x);
	return rc;
}

int analyzer_analyze_profile(struct profiler *prof, const struct alert_opts *o, uint64_t window_ns,
			     const char *const *stages, size_t nstages, struct findings *out)
{
	struct analyzer a;
	memset(&a, 0, sizeof a);
	a.prof = prof;
	a.o = *o;
	a.o.window_ns = window_ns;
	struct an_scratch *x = calloc(1, sizeof *x);
	struct an_stage *st = calloc(nstages ? nstages : 1, sizeof *st);
	int rc = -1;
	if (x && st) {
		for (size_t i = 0; i < nstages; i++)
			st[i] = (struct an_stage){ .name = stages[i], .kind = STAGE_TRANSFORM, .threads = 1,
						   .oncpu_pct = -1, .cpu_wait_pct = -1 };
		/* no records: the rules about the pipeline's stages stay silent */
		struct analyzer_input in;
		memset(&in, 0, sizeof in);
		in.window_s = (double)window_ns / 1e9;
		in.stages = st;
		in.nstages = nstages;
		in.alloc_bytes_per_record = -1;
		in.allocs_per_sec = -1;
		in.machine_busy_cores = -1;
		analyzer_gather_cpu(&a, &in, x);
		rc = analyzer_run_rules(&in, o, out);
	}
	free(st);
	free(x);
	return rc;
}

/* --- the thread ---------------------------------------------------------------------- */

static void analyzer_take_tick(struct analyzer *a)
{
	struct an_tick *t = calloc(1, sizeof *t);
	struct memprof_site *ms = calloc(AN_MAX_SITES, sizeof *ms);
	if (!t || !ms) {
		free(t);
		free(ms);
		return;
	}
	t->t_ns = analyzer_sampler_now(a);
	t->nlocks = nlock_read_all(t->locks, AN_MAX_LOCKS);
	t->nsites = memprof_top_sites(ms, AN_MAX_SITES);
	for (size_t i = 0; i < t->nsites; i++)
		t->sites[i] = (struct an_site_tick){ ms[i].id, ms[i].inuse_bytes };
	free(ms);
	pthread_mutex_lock(&a->mu);
	a->ticks[a->head] = *t;
	a->head = (a->head + 1) % AN_MAX_TICKS;
	if (a->nticks < AN_MAX_TICKS)
		a->nticks++;
	pthread_mutex_unlock(&a->mu);
	free(t);
}

static void *analyzer_thread_main(void *arg)
{
	struct analyzer *a = arg;
	thread_registry_enter("nebtop/analyzer", "analyzer", NULL, NULL);
	for (;;) {
		analyzer_take_tick(a);
		struct findings fresh = { 0 };
		if (analyzer_analyze_now(a, &fresh) == 0) {
			pthread_mutex_lock(&a->mu);
			findings_free(&a->latest);
			a->latest = fresh;
			pthread_mutex_unlock(&a->mu);
		} else {
			findings_free(&fresh);
		}
		/* the profiles' symbols and lines, read here rather than by the snapshot */
		profiler_prepare_symbols(a->prof);
		pthread_mutex_lock(&a->mu);
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		uint64_t ns = (uint64_t)until.tv_nsec + a->tick_ns;
		until.tv_sec += (time_t)(ns / 1000000000ull);
		until.tv_nsec = (long)(ns % 1000000000ull);
		while (!a->stop && pthread_cond_timedwait(&a->cv, &a->mu, &until) == 0)
			;
		int stop = a->stop;
		pthread_mutex_unlock(&a->mu);
		if (stop)
			break;
	}
	thread_registry_leave();
	return NULL;
}

int analyzer_start(struct analyzer *a, struct errbuf *e)
{
	int rc = pthread_create(&a->th, NULL, analyzer_thread_main, a);
	if (rc)
		return errbuf_set(e, "cannot start the analyzer thread: %s", strerror(rc));
	a->started = 1;
	return 0;
}

void analyzer_stop(struct analyzer *a)
{
	if (!a || !a->started)
		return;
	pthread_mutex_lock(&a->mu);
	a->stop = 1;
	pthread_cond_broadcast(&a->cv);
	pthread_mutex_unlock(&a->mu);
	pthread_join(a->th, NULL);
	a->started = 0;
}

int analyzer_finish(struct analyzer *a)
{
	analyzer_stop(a);
	if (a->final)
		return 0;
	struct findings last = { 0 };
	a->finishing = 1;
	int rc = analyzer_analyze_now(a, &last);
	a->finishing = 0;
	if (rc != 0) {
		findings_free(&last);
		return -1;
	}
	pthread_mutex_lock(&a->mu);
	findings_free(&a->latest);
	a->latest = last;
	a->final = 1;
	pthread_mutex_unlock(&a->mu);
	return 0;
}

void analyzer_free(struct analyzer *a)
{
	if (!a)
		return;
	analyzer_stop(a);
	findings_free(&a->latest);
	pthread_mutex_destroy(&a->mu);
	pthread_cond_destroy(&a->cv);
	free(a->ticks);
	free(a);
}

int analyzer_copy_latest(struct analyzer *a, struct findings *out)
{
	pthread_mutex_lock(&a->mu);
	struct findings copy = { 0 };
	copy.window_s = a->latest.window_s;
	copy.drained_s = a->latest.drained_s;
	if (a->latest.n) {
		copy.v = malloc(a->latest.n * sizeof *copy.v);
		if (!copy.v) {
			pthread_mutex_unlock(&a->mu);
			return -1;
		}
		memcpy(copy.v, a->latest.v, a->latest.n * sizeof *copy.v);
		copy.n = copy.cap = a->latest.n;
	}
	pthread_mutex_unlock(&a->mu);
	findings_free(out);
	*out = copy;
	return 0;
}

void analyzer_set_whatif(struct analyzer *a, struct whatif_run *w) { a->whatif = w; }

struct whatif_run *analyzer_get_whatif(const struct analyzer *a) { return a ? a->whatif : NULL; }
