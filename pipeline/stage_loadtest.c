/* stage_loadtest.c: stages that plant a known bottleneck, for load tests and
 * for studying nebtop itself: spin burns CPU per record, delay sleeps per
 * batch, alloc allocates (and with leak = true keeps) memory per record,
 * contend makes all workers of the stage take one shared lock per record.
 * Their hot functions are not inlined so that profiles name them. */
#include "autoconfig.h"

#include <pthread.h>
#include <stdio.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "../src/base/clock.h"
#include "lock.h"
#include "schema.h"
#include "stage.h"
#include "worker.h"

static int loadtest_init_passthrough(void *opts, const struct confsection *sec, const struct schema *in,
				     struct schema *out, struct errbuf *e)
{
	(void)opts;
	(void)sec;
	(void)e;
	schema_copy(out, in);
	return 0;
}

/* Keeps the CPU busy for ns nanoseconds of wall time. */
__attribute__((noinline)) static uint64_t spin_burn_cpu(uint64_t ns, uint64_t seed)
{
	uint64_t end = clock_now_ns() + ns, x = seed | 1;
	do {
		for (int i = 0; i < 64; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
		}
	} while (clock_now_ns() < end);
	return x;
}

/* --- spin --- */

struct spin_stage {
	uint64_t us_per_record;
	_Atomic uint64_t sink;
};

static const struct confkey spin_keys[] = {
	{ "us_per_record", CONF_UINT, "10", offsetof(struct spin_stage, us_per_record),
	  "microseconds of CPU burnt per record", NULL, 0, 10000000, 0 },
	{ NULL, 0, NULL, 0, NULL, NULL, 0, 0, 0 },
};

static void spin_process(void *opts, struct batch *b, struct worker *w)
{
	(void)w;
	struct spin_stage *s = opts;
	uint64_t x = 0;
	for (uint32_t r = 0; r < b->nrec; r++)
		if (b->marks[r] == MARK_KEPT)
			x += spin_burn_cpu(s->us_per_record * 1000, r);
	atomic_store_explicit(&s->sink, x, memory_order_relaxed);
}

const struct stage_ops stage_spin = {
	.type = "spin",
	.summary = "burn CPU per record (load test)",
	.keys = spin_keys,
	.opts_size = sizeof(struct spin_stage),
	.init = loadtest_init_passthrough,
	.process = spin_process,
};

/* --- delay --- */

struct delay_stage {
	uint64_t us_per_batch;
};

static const struct confkey delay_keys[] = {
	{ "us_per_batch", CONF_UINT, "1000", offsetof(struct delay_stage, us_per_batch),
	  "microseconds slept per batch", NULL, 0, 60000000, 0 },
	{ NULL, 0, NULL, 0, NULL, NULL, 0, 0, 0 },
};

__attribute__((noinline)) static void delay_sleep_batch(uint64_t us) { clock_sleep_ns(us * 1000); }

static void delay_process(void *opts, struct batch *b, struct worker *w)
{
	(void)b;
	(void)w;
	delay_sleep_batch(((struct delay_stage *)opts)->us_per_batch);
}

const struct stage_ops stage_delay = {
	.type = "delay",
	.summary = "sleep per batch (load test)",
	.keys = delay_keys,
	.opts_size = sizeof(struct delay_stage),
	.init = loadtest_init_passthrough,
	.process = delay_process,
};

/* --- alloc --- */

struct alloc_stage {
	uint64_t bytes_per_record;
	int leak;
	struct nlock mu; /* guards kept, merged once per worker at its end */
	void *kept;         /* leaked blocks, chained through their first bytes */
	int mu_ready;
};

struct alloc_worker {
	struct alloc_stage *stage;
	void *kept;
};

static const struct confkey alloc_keys[] = {
	{ "bytes_per_record", CONF_SIZE, "1KiB", offsetof(struct alloc_stage, bytes_per_record),
	  "bytes allocated (and touched) per record", NULL, 0, 1e9, 0 },
	{ "leak", CONF_BOOL, "false", offsetof(struct alloc_stage, leak),
	  "keep every block until the pipeline is freed (a planted leak)", NULL, 0, 0, 0 },
	{ NULL, 0, NULL, 0, NULL, NULL, 0, 0, 0 },
};

static int alloc_init(void *opts, const struct confsection *sec, const struct schema *in, struct schema *out,
		      struct errbuf *e)
{
	struct alloc_stage *a = opts;
	char name[128];
	snprintf(name, sizeof name, "stage %s: kept blocks", sec->name);
	nlock_init(&a->mu, name);
	a->mu_ready = 1;
	return loadtest_init_passthrough(opts, sec, in, out, e);
}

static void *alloc_worker_new(void *opts)
{
	struct alloc_worker *aw = calloc(1, sizeof *aw);
	if (!aw)
		abort();
	aw->stage = opts;
	return aw;
}

__attribute__((noinline)) static void *alloc_record_memory(size_t n)
{
	void *p = malloc(n < sizeof(void *) ? sizeof(void *) : n);
	if (!p)
		abort();
	memset(p, 0xA5, n);
	return p;
}

static void alloc_process(void *opts, struct batch *b, struct worker *w)
{
	struct alloc_stage *a = opts;
	struct alloc_worker *aw = w->local;
	for (uint32_t r = 0; r < b->nrec; r++) {
		if (b->marks[r] != MARK_KEPT)
			continue;
		void *p = alloc_record_memory(a->bytes_per_record);
		if (a->leak) {
			*(void **)p = aw->kept;
			aw->kept = p;
		} else {
			free(p);
		}
	}
}

static void alloc_worker_free(void *local)
{
	struct alloc_worker *aw = local;
	if (aw->kept) {
		void *last = aw->kept;
		while (*(void **)last)
			last = *(void **)last;
		nlock_lock(&aw->stage->mu);
		*(void **)last = aw->stage->kept;
		aw->stage->kept = aw->kept;
		nlock_unlock(&aw->stage->mu);
	}
	free(aw);
}

static void alloc_fini(void *opts)
{
	struct alloc_stage *a = opts;
	for (void *p = a->kept; p;) {
		void *next = *(void **)p;
		free(p);
		p = next;
	}
	if (a->mu_ready)
		nlock_destroy(&a->mu);
}

const struct stage_ops stage_alloc = {
	.type = "alloc",
	.summary = "allocate memory per record, optionally leaking it (load test)",
	.keys = alloc_keys,
	.opts_size = sizeof(struct alloc_stage),
	.init = alloc_init,
	.worker_new = alloc_worker_new,
	.worker_free = alloc_worker_free,
	.process = alloc_process,
	.fini = alloc_fini,
};

/* --- contend --- */

struct contend_stage {
	uint64_t hold_us;
	struct nlock lock;
	int lock_ready;
	_Atomic uint64_t sink;
};

static const struct confkey contend_keys[] = {
	{ "hold_us", CONF_UINT, "5", offsetof(struct contend_stage, hold_us),
	  "microseconds the shared lock is held per record", NULL, 0, 1000000, 0 },
	{ NULL, 0, NULL, 0, NULL, NULL, 0, 0, 0 },
};

static int contend_init(void *opts, const struct confsection *sec, const struct schema *in, struct schema *out,
			struct errbuf *e)
{
	struct contend_stage *c = opts;
	char name[128];
	snprintf(name, sizeof name, "stage %s: shared lock", sec->name);
	nlock_init(&c->lock, name);
	c->lock_ready = 1;
	return loadtest_init_passthrough(opts, sec, in, out, e);
}

__attribute__((noinline)) static uint64_t contend_hold_lock(struct contend_stage *c, uint64_t seed)
{
	nlock_lock(&c->lock);
	uint64_t x = spin_burn_cpu(c->hold_us * 1000, seed);
	nlock_unlock(&c->lock);
	return x;
}

static void contend_process(void *opts, struct batch *b, struct worker *w)
{
	(void)w;
	struct contend_stage *c = opts;
	uint64_t x = 0;
	for (uint32_t r = 0; r < b->nrec; r++)
		if (b->marks[r] == MARK_KEPT)
			x += contend_hold_lock(c, r);
	atomic_store_explicit(&c->sink, x, memory_order_relaxed);
}

static void contend_fini(void *opts)
{
	struct contend_stage *c = opts;
	if (c->lock_ready)
		nlock_destroy(&c->lock);
}

const struct stage_ops stage_contend = {
	.type = "contend",
	.summary = "all workers take one shared lock per record (load test)",
	.keys = contend_keys,
	.opts_size = sizeof(struct contend_stage),
	.init = contend_init,
	.process = contend_process,
	.fini = contend_fini,
};
