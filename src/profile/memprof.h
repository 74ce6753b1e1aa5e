/* memprof.h: the memory profiler.
 *
 * The nebtop executable interposes the malloc family (malloc_hooks.c) and
 * reports every call here: per-thread counters of allocations, frees and
 * bytes (usable sizes), kept without a lock, and, while sampling is on, a
 * stack for about one allocation per `rate` bytes (geometric sampling, as
 * tcmalloc and Go do), kept with its size until it is freed. A program that
 * does not interpose (a test, a program using libnebula) simply has no
 * figures: memprof_hooks_active() says so. */
#ifndef NEB_MEMPROF_H
#define NEB_MEMPROF_H

#include <stddef.h>
#include <stdint.h>

#include "../base/errbuf.h"
#include "../base/stack_walk.h"

struct symbolizer;

struct memprof_stats {
	uint64_t allocs, frees;           /* calls */
	uint64_t bytes_alloc, bytes_freed; /* usable bytes */
	uint64_t sampled_live;            /* sampled allocations not freed yet */
};

/* Called by the hooks, from any thread, before main too; caller is the
 * return address of the hooked function (where the program called it). */
void memprof_note_alloc(void *ptr, size_t usable, const void *caller);
void memprof_note_free(void *ptr, size_t usable);
/* The hooks mark themselves present. */
void memprof_mark_hooks_active(void);
int memprof_hooks_active(void);

void memprof_read_stats(struct memprof_stats *s);

/* Starts or stops sampling stacks (rate = average bytes between samples);
 * stacks are taken with libunwind, which is right through code built
 * without frame pointers (glibc's strdup calling malloc). */
void memprof_start_sampling(uint64_t rate);
void memprof_stop_sampling(void);

/* Reads ahead what the lookups of the sampled stacks will need
 * (symbolize_prepare), as cpuprof_prepare_symbols does. */
void memprof_prepare_symbols(struct symbolizer *sym);
/* A gzipped pprof profile: alloc_objects, alloc_space, inuse_objects,
 * inuse_space, scaled for the sampling. */
int memprof_write_pprof(struct symbolizer *sym, unsigned char **out, size_t *len, struct errbuf *e);

/* Allocation sites by in-use bytes (scaled), for reports and leak suspects. */
struct memprof_site {
	uint32_t id;    /* the stack's index: the same site keeps it for the run */
	uint32_t depth;
	uint64_t pcs[STACK_WALK_MAX]; /* return addresses, innermost first */
	double inuse_bytes, inuse_objects, alloc_bytes, alloc_objects;
};
size_t memprof_top_sites(struct memprof_site *out, size_t max);

#endif
