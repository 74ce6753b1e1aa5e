/* prof_cpu.c: the CPU profiler: timers and the SIGPROF handler, per-thread
 * sample rings, the collector, and the aggregated views (prof_cpu.h). */
#include "autoconfig.h"

#include "prof_cpu.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../base/buf.h"
#include "../base/clock.h"
#include "../base/globals.h"
#include "pprof.h"
#include "pprof_sym.h"
#include "../base/stack_table.h"
#include "../symbols/symbolize.h"
#include "../base/thread_registry.h"

#define CPU_RING_SIZE 256 /* samples a thread can hold between two drains */
#define CPU_BUCKET_NS 1000000000ull
#define CPU_MIN_BUCKETS 10 /* keep at least the last 10 s for "recent" views */

struct cpu_sample {
	uint64_t t_ns;
	const char *stage;
	uint32_t weight;
	uint32_t depth;
	uint64_t pcs[STACK_WALK_MAX];
};

/* Written by one thread's signal handler, read by the collector. */
struct cpu_ring {
	_Atomic uint32_t head, tail;
	_Atomic uint64_t dropped;
	enum stack_walk_kind walk;
	struct cpu_sample slots[CPU_RING_SIZE];
};

/* One (stack, thread, stage) with its samples, in one bucket. */
struct cpu_entry {
	uint32_t stack, thread, stage;
	uint64_t weight;
};

struct cpu_bucket {
	uint64_t second; /* since the profiler started; UINT64_MAX = empty */
	struct cpu_entry *entries;
	uint32_t n, cap;
	uint32_t *index; /* open addressing over entries, cap * 2 slots, 0 = free */
};

struct cpuprof {
	struct cpuprof_config cfg;
	struct symbolizer *sym;
	uint64_t start_ns;
	struct sigaction old_action;
	pthread_mutex_t mu; /* guards everything below the rings */
	pthread_cond_t wake;
	pthread_t collector;
	int running, stopping;
	struct stack_table stacks;
	/* interned stage names: stage 0 is "" */
	const char **stages;
	size_t nstages, stages_cap;
	struct cpu_bucket *buckets;
	size_t nbuckets;
	uint64_t samples;
};

static void *cpuprof_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q) {
		fprintf(stderr, "nebtop: out of memory in the CPU profiler\n");
		abort();
	}
	return q;
}

void cpuprof_set_stage(const char *stage) { globals_current_stage = stage; }

/* --- the signal handler ---------------------------------------------------- */

static void cpuprof_on_sigprof(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	int saved = errno;
	struct thread_entry *t = globals_thread_entry;
	struct cpu_ring *r = t ? atomic_load_explicit(&t->cpu_ring, memory_order_acquire) : NULL;
	if (r) {
		uint32_t h = atomic_load_explicit(&r->head, memory_order_relaxed);
		uint32_t tl = atomic_load_explicit(&r->tail, memory_order_acquire);
		if (h - tl < CPU_RING_SIZE) {
			struct cpu_sample *s = &r->slots[h % CPU_RING_SIZE];
			s->depth = (uint32_t)stack_walk_from_signal(r->walk, uc, t->stack_lo, t->stack_hi, s->pcs,
								    STACK_WALK_MAX);
			s->weight = 1 + (uint32_t)(si && si->si_overrun > 0 ? si->si_overrun : 0);
			s->stage = globals_current_stage;
			s->t_ns = clock_now_ns();
			atomic_store_explicit(&r->head, h + 1, memory_order_release);
		} else {
			atomic_fetch_add_explicit(&r->dropped, 1, memory_order_relaxed);
		}
	}
	errno = saved;
}

/* --- timers -------------------------------------------------------------------- */

/* Gives thread t a ring and arms its CPU-time timer. */
static void cpuprof_arm_thread(struct cpuprof *p, struct thread_entry *t)
{
	if (!t->has_cpu_clock || atomic_load(&t->has_cpu_timer))
		return;
	struct cpu_ring *r = atomic_load(&t->cpu_ring);
	if (!r) {
		r = calloc(1, sizeof *r);
		if (!r)
			return;
		atomic_store(&t->cpu_ring, r);
	}
	r->walk = p->cfg.walk;
	struct sigevent sev;
	memset(&sev, 0, sizeof sev);
	sev.sigev_notify = SIGEV_THREAD_ID;
	sev.sigev_signo = SIGPROF;
	sev._sigev_un._tid = t->tid;
	timer_t timer;
	if (timer_create(t->cpu_clock, &sev, &timer) != 0)
		return;
	uint64_t period = 1000000000ull / (p->cfg.hz ? p->cfg.hz : 100);
	struct itimerspec its;
	its.it_interval.tv_sec = (time_t)(period / 1000000000ull);
	its.it_interval.tv_nsec = (long)(period % 1000000000ull);
	its.it_value = its.it_interval;
	if (timer_settime(timer, 0, &its, NULL) != 0) {
		timer_delete(timer);
		return;
	}
	t->cpu_timer = timer;
	atomic_store(&t->has_cpu_timer, 1);
}

static void cpuprof_disarm_thread(struct thread_entry *t)
{
	if (atomic_exchange(&t->has_cpu_timer, 0))
		timer_delete(t->cpu_timer);
}

static void cpuprof_on_thread_start(struct thread_entry *t, void *arg) { cpuprof_arm_thread(arg, t); }

static void cpuprof_on_thread_end(struct thread_entry *t, void *arg)
{
	(void)arg;
	cpuprof_disarm_thread(t);
}

/* --- aggregation --------------------------------------------------------------- */

static uint32_t cpuprof_intern_stage(struct cpuprof *p, const char *stage)
{
	if (!stage || !*stage)
		return 0;
	for (size_t i = 1; i < p->nstages; i++)
		if (p->stages[i] == stage || !strcmp(p->stages[i], stage))
			return (uint32_t)i;
	if (p->nstages == p->stages_cap) {
		p->stages_cap = p->stages_cap ? p->stages_cap * 2 : 16;
		p->stages = cpuprof_xrealloc(p->stages, p->stages_cap * sizeof *p->stages);
	}
	char *copy = strdup(stage);
	if (!copy)
		abort();
	p->stages[p->nstages] = copy;
	return (uint32_t)p->nstages++;
}

static void cpuprof_bucket_reset(struct cpu_bucket *b, uint64_t second)
{
	b->second = second;
	b->n = 0;
	if (b->index)
		memset(b->index, 0, (size_t)b->cap * 2 * sizeof *b->index);
}

static void cpuprof_bucket_add(struct cpu_bucket *b, uint32_t stack, uint32_t thread, uint32_t stage, uint64_t w)
{
	if (b->n == b->cap) {
		uint32_t cap = b->cap ? b->cap * 2 : 64;
		b->entries = cpuprof_xrealloc(b->entries, cap * sizeof *b->entries);
		free(b->index);
		b->index = calloc((size_t)cap * 2, sizeof *b->index);
		if (!b->index)
			abort();
		b->cap = cap;
		for (uint32_t i = 0; i < b->n; i++) {
			const struct cpu_entry *e = &b->entries[i];
			size_t j = (e->stack * 31u + e->thread * 7u + e->stage) & (cap * 2 - 1);
			while (b->index[j])
				j = (j + 1) & (cap * 2 - 1);
			b->index[j] = i + 1;
		}
	}
	size_t mask = (size_t)b->cap * 2 - 1, j = (stack * 31u + thread * 7u + stage) & mask;
	while (b->index[j]) {
		struct cpu_entry *e = &b->entries[b->index[j] - 1];
		if (e->stack == stack && e->thread == thread && e->stage == stage) {
			e->weight += w;
			return;
		}
		j = (j + 1) & mask;
	}
	b->entries[b->n] = (struct cpu_entry){ stack, thread, stage, w };
	b->index[j] = ++b->n;
}

static struct cpu_bucket *cpuprof_bucket_for(struct cpuprof *p, uint64_t t_ns)
{
	uint64_t second = t_ns > p->start_ns ? (t_ns - p->start_ns) / CPU_BUCKET_NS : 0;
	struct cpu_bucket *b = &p->buckets[second % p->nbuckets];
	if (b->second != second) {
		if (b->second != UINT64_MAX && b->second > second)
			return NULL; /* older than what is kept */
		cpuprof_bucket_reset(b, second);
	}
	return b;
}

/* Drains one thread's ring; with the lock held. */
static void cpuprof_drain_thread(struct cpuprof *p, struct thread_entry *t)
{
	struct cpu_ring *r = atomic_load(&t->cpu_ring);
	if (!r)
		return;
	uint32_t tl = atomic_load_explicit(&r->tail, memory_order_relaxed);
	uint32_t h = atomic_load_explicit(&r->head, memory_order_acquire);
	for (; tl != h; tl++) {
		const struct cpu_sample *s = &r->slots[tl % CPU_RING_SIZE];
		struct cpu_bucket *b = cpuprof_bucket_for(p, s->t_ns);
		uint32_t stack = b && s->depth > 0 ? stack_table_intern(&p->stacks, s->pcs, s->depth) : STACK_TABLE_FULL;
		if (stack != STACK_TABLE_FULL) {
			cpuprof_bucket_add(b, stack, (uint32_t)t->index, cpuprof_intern_stage(p, s->stage), s->weight);
			p->samples += s->weight;
		}
	}
	atomic_store_explicit(&r->tail, tl, memory_order_release);
}

void cpuprof_collect(struct cpuprof *p)
{
	pthread_mutex_lock(&p->mu);
	size_t n = thread_registry_count();
	for (size_t i = 0; i < n; i++) {
		struct thread_entry *t = thread_registry_get(i);
		if (t)
			cpuprof_drain_thread(p, t);
	}
	pthread_mutex_unlock(&p->mu);
}

static void *cpuprof_collector_main(void *arg)
{
	struct cpuprof *p = arg;
	thread_registry_enter("nebtop/profiler", "profiler", NULL, NULL);
	pthread_setname_np(pthread_self(), "nebtop/profiler");
	pthread_mutex_lock(&p->mu);
	while (!p->stopping) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 100000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&p->wake, &p->mu, &ts);
		pthread_mutex_unlock(&p->mu);
		cpuprof_collect(p);
		pthread_mutex_lock(&p->mu);
	}
	pthread_mutex_unlock(&p->mu);
	thread_registry_leave();
	return NULL;
}

/* --- life ------------------------------------------------------------------------- */

struct cpuprof *cpuprof_start(const struct cpuprof_config *cfg, struct symbolizer *sym, struct errbuf *e)
{
	struct cpuprof *p = calloc(1, sizeof *p);
	if (!p) {
		errbuf_set(e, "out of memory");
		return NULL;
	}
	p->cfg = *cfg;
	if (!p->cfg.hz)
		p->cfg.hz = 100;
	p->sym = sym;
	p->start_ns = clock_now_ns();
	p->nbuckets = (size_t)(cfg->window_ns / CPU_BUCKET_NS) + 2;
	if (p->nbuckets < CPU_MIN_BUCKETS)
		p->nbuckets = CPU_MIN_BUCKETS;
	p->buckets = calloc(p->nbuckets, sizeof *p->buckets);
	p->stages = calloc(16, sizeof *p->stages);
	if (!p->buckets || !p->stages) {
		free(p->buckets);
		free(p->stages);
		free(p);
		errbuf_set(e, "out of memory");
		return NULL;
	}
	for (size_t i = 0; i < p->nbuckets; i++)
		p->buckets[i].second = UINT64_MAX;
	stack_table_init(&p->stacks, NULL, NULL);
	p->stages[0] = "";
	p->nstages = 1;
	p->stages_cap = 16;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->wake, NULL);

	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = cpuprof_on_sigprof;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGPROF, &sa, &p->old_action) != 0) {
		errbuf_set(e, "cannot install the SIGPROF handler: %s", strerror(errno));
		cpuprof_free(p);
		return NULL;
	}
	struct thread_hook hook = { cpuprof_on_thread_start, cpuprof_on_thread_end, p };
	thread_registry_add_hook(&hook);
	size_t n = thread_registry_count();
	for (size_t i = 0; i < n; i++) {
		struct thread_entry *t = thread_registry_get(i);
		if (t && atomic_load(&t->alive))
			cpuprof_arm_thread(p, t);
	}
	if (pthread_create(&p->collector, NULL, cpuprof_collector_main, p) != 0) {
		errbuf_set(e, "cannot start the CPU profiler's collector");
		cpuprof_stop(p);
		cpuprof_free(p);
		return NULL;
	}
	p->running = 1;
	return p;
}

void cpuprof_stop(struct cpuprof *p)
{
	if (!p)
		return;
	thread_registry_remove_hook(p);
	size_t n = thread_registry_count();
	for (size_t i = 0; i < n; i++) {
		struct thread_entry *t = thread_registry_get(i);
		if (t)
			cpuprof_disarm_thread(t);
	}
	if (p->running) {
		pthread_mutex_lock(&p->mu);
		p->stopping = 1;
		pthread_cond_broadcast(&p->wake);
		pthread_mutex_unlock(&p->mu);
		pthread_join(p->collector, NULL);
		p->running = 0;
	}
	cpuprof_collect(p);
	/* a signal still on its way must not kill the process */
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPROF, &sa, NULL);
}

void cpuprof_free(struct cpuprof *p)
{
	if (!p)
		return;
	/* rings of ended threads go; a live thread keeps its ring, which a
	 * signal already on its way may still be writing */
	size_t n = thread_registry_count();
	for (size_t i = 0; i < n; i++) {
		struct thread_entry *t = thread_registry_get(i);
		if (t && !atomic_load(&t->alive))
			free(atomic_exchange(&t->cpu_ring, NULL));
	}
	for (size_t i = 0; i < p->nbuckets; i++) {
		free(p->buckets[i].entries);
		free(p->buckets[i].index);
	}
	for (size_t i = 1; i < p->nstages; i++)
		free((char *)p->stages[i]);
	free(p->stages);
	free(p->buckets);
	stack_table_free(&p->stacks);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->wake);
	free(p);
}

uint64_t cpuprof_count_samples(struct cpuprof *p)
{
	pthread_mutex_lock(&p->mu);
	uint64_t n = p->samples;
	pthread_mutex_unlock(&p->mu);
	return n;
}

uint64_t cpuprof_count_dropped(struct cpuprof *p)
{
	(void)p; /* the rings belong to the threads */
	uint64_t n = 0;
	size_t k = thread_registry_count();
	for (size_t i = 0; i < k; i++) {
		struct thread_entry *t = thread_registry_get(i);
		struct cpu_ring *r = t ? atomic_load(&t->cpu_ring) : NULL;
		if (r)
			n += atomic_load(&r->dropped);
	}
	return n;
}

/* --- views ---------------------------------------------------------------------------- */

/* Calls fn for every entry of the buckets within the last window_ns; with the lock held. */
static void cpuprof_each_entry(struct cpuprof *p, uint64_t window_ns,
			       void (*fn)(struct cpuprof *p, const struct cpu_entry *e, void *arg), void *arg)
{
	uint64_t now = clock_now_ns() > p->start_ns ? (clock_now_ns() - p->start_ns) / CPU_BUCKET_NS : 0;
	uint64_t keep = window_ns ? (window_ns + CPU_BUCKET_NS - 1) / CPU_BUCKET_NS : p->nbuckets;
	for (size_t i = 0; i < p->nbuckets; i++) {
		const struct cpu_bucket *b = &p->buckets[i];
		if (b->second == UINT64_MAX || b->second + keep <= now)
			continue;
		for (uint32_t k = 0; k < b->n; k++)
			fn(p, &b->entries[k], arg);
	}
}

/* What names an address in no mapping of the process (nothing was ever
 * mapped there, or no longer is). */
static const char cpuprof_unmapped[] = "[unmapped]";

/* The function of a stack frame: frames past the leaf are return addresses,
 * looked up one byte earlier so that they fall in the calling instruction.
 * *no_symbol (when not NULL) says the name was made, not a symbol's. */
static const char *cpuprof_frame_function(struct cpuprof *p, uint32_t stack, uint32_t i, int *no_symbol)
{
	uint64_t pc = stack_table_pcs(&p->stacks, stack)[i];
	struct sym_info si;
	if (no_symbol)
		*no_symbol = 1;
	if (p->sym && symbolize_lookup_function(p->sym, i ? pc - 1 : pc, &si) && si.function) {
		if (no_symbol)
			*no_symbol = si.no_symbol;
		return si.function;
	}
	return cpuprof_unmapped;
}

/* The frames of a stack worth showing: those before the first return
 * address in no mapping of the process. A frame-pointer walk that reached
 * code built without frame pointers (a library, a sanitizer's runtime) can
 * follow a register used for data into the thread's own stack and read
 * locals as return addresses: the first that is no code at all shows the
 * walk left the calls, so neither it nor what follows is a caller. */
static uint32_t cpuprof_stack_depth(struct cpuprof *p, uint32_t stack)
{
	uint32_t depth = stack_table_depth(&p->stacks, stack);
	if (!p->sym)
		return depth;
	const uint64_t *pcs = stack_table_pcs(&p->stacks, stack);
	for (uint32_t i = 1; i < depth; i++) {
		struct sym_info si;
		if (!symbolize_lookup_function(p->sym, pcs[i] - 1, &si) && si.mapping < 0)
			return i;
	}
	return depth;
}

struct cpuprof_top_ctx {
	const char *stage;
	struct cpuprof_fn *fns;
	size_t n, cap;
	uint64_t total;
};

static struct cpuprof_fn *cpuprof_top_find(struct cpuprof_top_ctx *c, const char *name, int no_symbol)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->fns[i].name == name)
			return &c->fns[i];
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 64;
		c->fns = cpuprof_xrealloc(c->fns, c->cap * sizeof *c->fns);
	}
	c->fns[c->n] = (struct cpuprof_fn){ name, 0, 0, no_symbol };
	return &c->fns[c->n++];
}

static void cpuprof_top_add(struct cpuprof *p, const struct cpu_entry *e, void *arg)
{
	struct cpuprof_top_ctx *c = arg;
	if (c->stage && strcmp(p->stages[e->stage], c->stage))
		return;
	c->total += e->weight;
	uint32_t depth = cpuprof_stack_depth(p, e->stack);
	const char *seen[STACK_WALK_MAX];
	uint32_t nseen = 0;
	for (uint32_t i = 0; i < depth; i++) {
		int no_symbol;
		const char *f = cpuprof_frame_function(p, e->stack, i, &no_symbol);
		if (i == 0)
			cpuprof_top_find(c, f, no_symbol)->flat += e->weight;
		int dup = 0;
		for (uint32_t k = 0; k < nseen; k++)
			dup |= seen[k] == f;
		if (!dup && nseen < STACK_WALK_MAX) {
			seen[nseen++] = f;
			cpuprof_top_find(c, f, no_symbol)->cum += e->weight;
		}
	}
}

static int cpuprof_fn_by_flat(const void *a, const void *b)
{
	const struct cpuprof_fn *x = a, *y = b;
	if (x->flat != y->flat)
		return x->flat < y->flat ? 1 : -1;
	if (x->cum != y->cum)
		return x->cum < y->cum ? 1 : -1;
	return strcmp(x->name, y->name);
}

size_t cpuprof_top(struct cpuprof *p, uint64_t window_ns, const char *stage, struct cpuprof_fn *out, size_t max,
		   uint64_t *total)
{
	struct cpuprof_top_ctx c = { stage, NULL, 0, 0, 0 };
	pthread_mutex_lock(&p->mu);
	cpuprof_each_entry(p, window_ns, cpuprof_top_add, &c);
	pthread_mutex_unlock(&p->mu);
	size_t n = c.n < max ? c.n : max;
	if (n) { /* c.fns is NULL when the window has no sample */
		qsort(c.fns, c.n, sizeof *c.fns, cpuprof_fn_by_flat);
		memcpy(out, c.fns, n * sizeof *out);
	}
	free(c.fns);
	if (total)
		*total = c.total;
	return n;
}

/* glibc's allocator, by the names its functions have in the symbol tables. */
int cpuprof_is_allocator(const char *f)
{
	static const char *const names[] = { "malloc", "free", "calloc", "realloc", "posix_memalign",
					     "aligned_alloc", "memalign", "valloc", "cfree", NULL };
	static const char *const prefixes[] = { "_int_malloc", "_int_free", "_int_realloc", "_int_memalign",
						"malloc_consolidate", "__libc_malloc", "__libc_free",
						"__libc_calloc", "__libc_realloc", "__libc_memalign", "sysmalloc",
						"tcache_", "arena_get", "unlink_chunk", "memprof_", NULL };
	for (size_t i = 0; names[i]; i++)
		if (!strcmp(f, names[i]))
			return 1;
	for (size_t i = 0; prefixes[i]; i++)
		if (!strncmp(f, prefixes[i], strlen(prefixes[i])))
			return 1;
	return 0;
}

struct cpuprof_alloc_ctx {
	uint64_t total, inside;
};

static void cpuprof_alloc_add(struct cpuprof *p, const struct cpu_entry *e, void *arg)
{
	struct cpuprof_alloc_ctx *c = arg;
	c->total += e->weight;
	/* inside the allocator: any of the innermost frames is an allocator
	 * function (the leaf may be a helper such as memset inside malloc) */
	uint32_t depth = cpuprof_stack_depth(p, e->stack);
	for (uint32_t i = 0; i < depth && i < 3; i++) {
		const char *f = cpuprof_frame_function(p, e->stack, i, NULL);
		if (cpuprof_is_allocator(f)) {
			c->inside += e->weight;
			return;
		}
	}
}

double cpuprof_allocator_share(struct cpuprof *p, uint64_t window_ns)
{
	struct cpuprof_alloc_ctx c = { 0, 0 };
	pthread_mutex_lock(&p->mu);
	cpuprof_each_entry(p, window_ns, cpuprof_alloc_add, &c);
	pthread_mutex_unlock(&p->mu);
	return c.total ? (double)c.inside / (double)c.total : 0;
}

/* --- pprof and folded output ------------------------------------------------------------ */

struct cpuprof_pprof_ctx {
	struct pprof_sym ps;
	int64_t period;
	uint64_t *locs;
};

static void cpuprof_pprof_add(struct cpuprof *p, const struct cpu_entry *e, void *arg)
{
	struct cpuprof_pprof_ctx *c = arg;
	uint32_t depth = cpuprof_stack_depth(p, e->stack);
	for (uint32_t i = 0; i < depth; i++) {
		uint64_t pc = stack_table_pcs(&p->stacks, e->stack)[i];
		c->locs[i] = pprof_sym_add_location(&c->ps, i ? pc - 1 : pc);
	}
	int64_t values[2] = { (int64_t)e->weight, (int64_t)e->weight * c->period };
	struct thread_entry *t = thread_registry_get(e->thread);
	struct pprof_label labels[2] = { { "thread", t ? t->name : "?", 0, NULL },
					 { "stage", p->stages[e->stage], 0, NULL } };
	pprof_add_sample(c->ps.pp, c->locs, depth, values, 2, labels, p->stages[e->stage][0] ? 2 : 1);
}

/* Gathers the addresses cpuprof_pprof_add looks up. */
static void cpuprof_pprof_gather(struct cpuprof *p, const struct cpu_entry *e, void *arg)
{
	uint32_t depth = cpuprof_stack_depth(p, e->stack);
	for (uint32_t i = 0; i < depth; i++) {
		uint64_t pc = stack_table_pcs(&p->stacks, e->stack)[i], at = i ? pc - 1 : pc;
		buf_append(arg, &at, sizeof at);
	}
}

void cpuprof_prepare_symbols(struct cpuprof *p, uint64_t window_ns)
{
	if (!p->sym)
		return;
	struct buf ats = { NULL, 0, 0 };
	pthread_mutex_lock(&p->mu);
	cpuprof_each_entry(p, window_ns, cpuprof_pprof_gather, &ats);
	pthread_mutex_unlock(&p->mu);
	symbolize_prepare(p->sym, (const uint64_t *)(void *)ats.p, ats.len / sizeof(uint64_t));
	buf_free(&ats);
}

int cpuprof_write_pprof(struct cpuprof *p, uint64_t window_ns, unsigned char **out, size_t *len, struct errbuf *e)
{
	static const struct pprof_shape shape = {
		{ { "samples", "count" }, { "cpu", "nanoseconds" } },
		"cpu",
		{ "cpu", "nanoseconds" },
	};
	int64_t period = (int64_t)(1000000000ull / p->cfg.hz);
	struct pprof *pp = pprof_sym_new(&shape, period);
	uint64_t now = clock_now_ns(), span = now - p->start_ns;
	if (window_ns && span > window_ns)
		span = window_ns;
	struct timespec wall;
	clock_gettime(CLOCK_REALTIME, &wall);
	int64_t wall_ns = (int64_t)wall.tv_sec * 1000000000ll + wall.tv_nsec;
	pprof_set_time(pp, wall_ns - (int64_t)span, (int64_t)span);
	uint64_t locs[STACK_WALK_MAX];
	struct cpuprof_pprof_ctx c = { .period = period, .locs = locs };
	pprof_sym_add_mappings(&c.ps, pp, p->sym);
	cpuprof_prepare_symbols(p, window_ns); /* one pass per library rather than one per new address */
	pthread_mutex_lock(&p->mu);
	cpuprof_each_entry(p, window_ns, cpuprof_pprof_add, &c);
	pthread_mutex_unlock(&p->mu);
	return pprof_sym_encode(&c.ps, "CPU", out, len, e);
}

/* Folded lines are by function names: stacks that differ only in the
 * addresses inside a function, or in the thread of one stage, are one line. */
struct cpuprof_folded_row {
	char *text; /* "root;...;leaf" */
	uint64_t weight;
};

struct cpuprof_folded_ctx {
	struct cpuprof_folded_row *rows;
	size_t n, cap;
};

static void cpuprof_folded_gather(struct cpuprof *p, const struct cpu_entry *e, void *arg)
{
	struct cpuprof_folded_ctx *c = arg;
	struct buf line = { NULL, 0, 0 };
	const char *stage = p->stages[e->stage];
	struct thread_entry *t = thread_registry_get(e->thread);
	buf_append_str(&line, stage[0] ? stage : t ? t->name : "?");
	uint32_t depth = cpuprof_stack_depth(p, e->stack);
	for (uint32_t i = depth; i-- > 0;) { /* root first */
		const char *f = cpuprof_frame_function(p, e->stack, i, NULL);
		buf_append_byte(&line, ';');
		for (const char *s = f; *s; s++) /* ';' and ' ' would break the format */
			buf_append_byte(&line, *s == ';' || *s == ' ' ? '_' : *s);
	}
	buf_append_byte(&line, 0);
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 256;
		c->rows = cpuprof_xrealloc(c->rows, c->cap * sizeof *c->rows);
	}
	c->rows[c->n++] = (struct cpuprof_folded_row){ line.p, e->weight };
}

static int cpuprof_folded_order(const void *a, const void *b)
{
	return strcmp(((const struct cpuprof_folded_row *)a)->text, ((const struct cpuprof_folded_row *)b)->text);
}

int cpuprof_write_folded(struct cpuprof *p, uint64_t window_ns, char **out, size_t *len)
{
	struct cpuprof_folded_ctx c = { NULL, 0, 0 };
	pthread_mutex_lock(&p->mu);
	cpuprof_each_entry(p, window_ns, cpuprof_folded_gather, &c);
	pthread_mutex_unlock(&p->mu);
	if (c.n) /* c.rows is NULL when the window has no sample */
		qsort(c.rows, c.n, sizeof *c.rows, cpuprof_folded_order);
	struct buf text = { NULL, 0, 0 };
	for (size_t i = 0; i < c.n;) {
		size_t j = i;
		uint64_t w = 0;
		for (; j < c.n && !strcmp(c.rows[j].text, c.rows[i].text); j++)
			w += c.rows[j].weight;
		char num[32];
		snprintf(num, sizeof num, " %llu\n", (unsigned long long)w);
		buf_append_str(&text, c.rows[i].text);
		buf_append_str(&text, num);
		i = j;
	}
	for (size_t i = 0; i < c.n; i++)
		free(c.rows[i].text);
	free(c.rows);
	buf_append_byte(&text, 0);
	*out = text.p;
	*len = text.len - 1;
	return 0;
}
