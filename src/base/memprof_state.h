/* memprof_state.h: the memory profiler's process-wide state (the malloc
 * hooks run in every thread, before main too, so it cannot live in a
 * handle). The one instance is globals_memprof in globals.c. */
#ifndef NEB_MEMPROF_STATE_H
#define NEB_MEMPROF_STATE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "stack_table.h"
#include "stack_walk.h"

#define MEMPROF_SLOTS 1024       /* threads with counters of their own; later ones share slot 0 */
#define MEMPROF_TABLE (1u << 16) /* sampled allocations alive at once (open addressing) */
#define MEMPROF_TOMBSTONE ((uintptr_t)1)

/* One thread's counters: written by that thread only (slot 0: by all, atomically). */
struct memprof_slot {
	_Alignas(64) _Atomic uint64_t allocs, frees, bytes_alloc, bytes_freed;
};

struct memprof_live {
	_Atomic uintptr_t ptr; /* 0 free, MEMPROF_TOMBSTONE removed */
	uint32_t site;
	uint32_t pad;
	uint64_t size;
};

/* What was sampled at an allocation site (a stack of the stack table). */
struct memprof_site_data {
	double alloc_objects, alloc_bytes, inuse_objects, inuse_bytes; /* scaled */
};

struct memprof_state {
	_Atomic int hooks_active, sampling;
	_Atomic uint32_t next_slot;
	_Atomic uint64_t rate;
	struct memprof_slot slots[MEMPROF_SLOTS];
	pthread_mutex_t mu; /* guards what follows; taken only for sampled events */
	_Atomic(struct memprof_live *) live; /* MEMPROF_TABLE entries, allocated on first sample */
	/* bit j: live[j] was ever used (never cleared: a slot once used stays
	 * non-zero). A free whose home slot's bit is clear is not sampled:
	 * it reads 8 KiB that stay in the cache, not the 1.5 MiB table. */
	_Atomic uint64_t used[MEMPROF_TABLE / 64];
	uint32_t live_count;
	struct stack_table stacks;      /* the sites' stacks: site i is stack i */
	struct memprof_site_data *sites; /* stacks.n of them */
	uint32_t sites_cap;
	uint64_t dropped; /* samples not kept: the table was full */
};

#endif
