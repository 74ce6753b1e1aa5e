/* stack_table.c: hash interning of call stacks. */
#include "autoconfig.h"

#include "stack_table.h"

#include <stdlib.h>
#include <string.h>

static uint64_t stack_table_hash(const uint64_t *pcs, uint32_t depth)
{
	uint64_t h = 0x9E3779B97F4A7C15ull ^ depth;
	for (uint32_t i = 0; i < depth; i++) {
		h ^= pcs[i];
		h *= 0xBF58476D1CE4E5B9ull;
		h ^= h >> 31;
	}
	return h;
}

void stack_table_init(struct stack_table *t, void *(*realloc_fn)(void *, size_t), void (*free_fn)(void *))
{
	memset(t, 0, sizeof *t);
	t->realloc_fn = realloc_fn ? realloc_fn : realloc;
	t->free_fn = free_fn ? free_fn : free;
}

void stack_table_free(struct stack_table *t)
{
	t->free_fn(t->pcs);
	t->free_fn(t->off);
	t->free_fn(t->depth);
	t->free_fn(t->index);
	void *(*r)(void *, size_t) = t->realloc_fn;
	void (*f)(void *) = t->free_fn;
	stack_table_init(t, r, f);
}

static int stack_table_grow_index(struct stack_table *t)
{
	uint32_t cap = t->index_cap ? t->index_cap * 2 : 1024;
	uint32_t *idx = t->realloc_fn(NULL, (size_t)cap * sizeof *idx);
	if (!idx)
		return -1;
	memset(idx, 0, (size_t)cap * sizeof *idx);
	for (uint32_t i = 0; i < t->n; i++) {
		uint32_t j = (uint32_t)stack_table_hash(t->pcs + t->off[i], t->depth[i]) & (cap - 1);
		while (idx[j])
			j = (j + 1) & (cap - 1);
		idx[j] = i + 1;
	}
	t->free_fn(t->index);
	t->index = idx;
	t->index_cap = cap;
	return 0;
}

uint32_t stack_table_intern(struct stack_table *t, const uint64_t *pcs, uint32_t depth)
{
	if ((t->n + 1) * 2 > t->index_cap && stack_table_grow_index(t))
		return STACK_TABLE_FULL;
	uint32_t mask = t->index_cap - 1, j = (uint32_t)stack_table_hash(pcs, depth) & mask;
	while (t->index[j]) {
		uint32_t id = t->index[j] - 1;
		if (t->depth[id] == depth && !memcmp(t->pcs + t->off[id], pcs, depth * sizeof *pcs))
			return id;
		j = (j + 1) & mask;
	}
	if (t->n == t->cap) {
		uint32_t cap = t->cap ? t->cap * 2 : 256;
		uint32_t *off = t->realloc_fn(t->off, (size_t)cap * sizeof *off);
		if (!off)
			return STACK_TABLE_FULL;
		t->off = off;
		uint32_t *dep = t->realloc_fn(t->depth, (size_t)cap * sizeof *dep);
		if (!dep)
			return STACK_TABLE_FULL;
		t->depth = dep;
		t->cap = cap;
	}
	if (t->npcs + depth > t->pcs_cap) {
		uint32_t cap = t->pcs_cap ? t->pcs_cap : 4096;
		while (t->npcs + depth > cap)
			cap *= 2;
		uint64_t *pcsn = t->realloc_fn(t->pcs, (size_t)cap * sizeof *pcsn);
		if (!pcsn)
			return STACK_TABLE_FULL;
		t->pcs = pcsn;
		t->pcs_cap = cap;
	}
	uint32_t id = t->n++;
	t->off[id] = t->npcs;
	t->depth[id] = depth;
	memcpy(t->pcs + t->npcs, pcs, depth * sizeof *pcs);
	t->npcs += depth;
	t->index[j] = id + 1;
	return id;
}
