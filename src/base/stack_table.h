/* stack_table.h: interning of call stacks: the same stack always gets the
 * same small id, found by hash. The CPU, memory, block and mutex profilers
 * keep their stacks in one of these. The table allocates through the
 * functions it is given, so the memory profiler can keep its own stacks
 * from inside malloc (with glibc's __libc_ functions). Not thread-safe: its
 * owner locks. */
#ifndef NEB_STACK_TABLE_H
#define NEB_STACK_TABLE_H

#include <stddef.h>
#include <stdint.h>

#define STACK_TABLE_FULL UINT32_MAX

struct stack_table {
	void *(*realloc_fn)(void *, size_t);
	void (*free_fn)(void *);
	uint64_t *pcs;
	uint32_t npcs, pcs_cap;
	uint32_t *off, *depth; /* stack i is pcs[off[i] .. off[i] + depth[i]) */
	uint32_t n, cap;
	uint32_t *index; /* open addressing: id + 1, 0 = free */
	uint32_t index_cap;
};

/* realloc_fn/free_fn NULL: the C library's. */
void stack_table_init(struct stack_table *t, void *(*realloc_fn)(void *, size_t), void (*free_fn)(void *));
void stack_table_free(struct stack_table *t);
/* The id of the stack, added when new; STACK_TABLE_FULL when memory ran out. */
uint32_t stack_table_intern(struct stack_table *t, const uint64_t *pcs, uint32_t depth);

static inline const uint64_t *stack_table_pcs(const struct stack_table *t, uint32_t id) { return t->pcs + t->off[id]; }
static inline uint32_t stack_table_depth(const struct stack_table *t, uint32_t id) { return t->depth[id]; }

#endif
