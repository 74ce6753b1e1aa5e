/* flame_tree.c: merges folded stacks into a flame graph's tree of frames
 * (flame_tree.h). */
#include "autoconfig.h"

#include "flame_tree.h"

#include <stdlib.h>
#include <string.h>

static uint64_t flame_tree_hash(uint32_t parent, const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull ^ parent;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
	return h ^ (h >> 29);
}

static int flame_tree_rehash(struct flame_tree *t)
{
	size_t ns = t->nslots ? t->nslots * 2 : 1024;
	uint32_t *slots = calloc(ns, sizeof *slots);
	if (!slots)
		return -1;
	for (size_t i = 1; i < t->len; i++) {
		const struct flame_node *x = &t->n[i];
		size_t k = flame_tree_hash(x->parent, x->name, x->len) & (ns - 1);
		while (slots[k])
			k = (k + 1) & (ns - 1);
		slots[k] = (uint32_t)i + 1;
	}
	free(t->slots);
	t->slots = slots;
	t->nslots = ns;
	return 0;
}

/* Appends a node; its index, or 0 without memory (0 is always the root). */
static uint32_t flame_tree_push(struct flame_tree *t, uint32_t parent, const char *name, size_t len)
{
	if (t->len == t->cap) {
		size_t nc = t->cap ? t->cap * 2 : 256;
		if (nc > UINT32_MAX - 1)
			return 0;
		struct flame_node *v = realloc(t->n, nc * sizeof *v);
		if (!v)
			return 0;
		t->n = v;
		t->cap = nc;
	}
	uint32_t i = (uint32_t)t->len++;
	uint32_t depth = i ? t->n[parent].depth + 1 : 0;
	t->n[i] = (struct flame_node){ .name = name, .len = len, .parent = parent, .depth = depth };
	t->n[i].stage = depth == 1 ? i : depth > 1 ? t->n[parent].stage : 0;
	if (depth > t->max_depth)
		t->max_depth = depth;
	return i;
}

/* The child of parent named [name, name+len), made when new; 0 without memory. */
static uint32_t flame_tree_child(struct flame_tree *t, uint32_t parent, const char *name, size_t len)
{
	if ((t->len + 1) * 2 > t->nslots && flame_tree_rehash(t))
		return 0;
	size_t k = flame_tree_hash(parent, name, len) & (t->nslots - 1);
	for (; t->slots[k]; k = (k + 1) & (t->nslots - 1)) {
		const struct flame_node *x = &t->n[t->slots[k] - 1];
		if (x->parent == parent && x->len == len && !memcmp(x->name, name, len))
			return t->slots[k] - 1;
	}
	uint32_t i = flame_tree_push(t, parent, name, len);
	if (i)
		t->slots[k] = i + 1;
	return i;
}

int flame_tree_add(struct flame_tree *t, const struct folded *f, int side)
{
	if (!t->len && (flame_tree_push(t, 0, "all", 3), !t->len))
		return -1;
	for (size_t r = 0; r < f->n; r++) {
		uint64_t count = f->rows[r].count;
		const char *s = f->rows[r].stack;
		uint32_t at = 0;
		t->n[0].v[side] += count;
		for (;;) {
			const char *semi = strchr(s, ';');
			size_t len = semi ? (size_t)(semi - s) : strlen(s);
			at = flame_tree_child(t, at, s, len);
			if (!at)
				return -1;
			t->n[at].v[side] += count;
			if (!semi)
				break;
			s = semi + 1;
		}
	}
	return 0;
}

static int flame_tree_by_name(const void *a, const void *b, void *arg)
{
	const struct flame_node *n = arg, *x = &n[*(const uint32_t *)a], *y = &n[*(const uint32_t *)b];
	int c = memcmp(x->name, y->name, x->len < y->len ? x->len : y->len);
	return c ? c : (x->len > y->len) - (x->len < y->len);
}

int flame_tree_finish(struct flame_tree *t)
{
	if (!t->len)
		return 0;
	/* the children of each node, gathered by parent: counting sort */
	size_t n = t->len;
	uint32_t *start = calloc(n + 1, sizeof *start), *kids = malloc(n * sizeof *kids);
	if (!start || !kids) {
		free(start);
		free(kids);
		return -1;
	}
	for (size_t i = 1; i < n; i++)
		start[t->n[i].parent + 1]++;
	for (size_t i = 0; i < n; i++)
		start[i + 1] += start[i];
	for (size_t i = 1; i < n; i++)
		kids[start[t->n[i].parent]++] = (uint32_t)i;
	/* start[p] now ends p's run: it begins at start[p - 1] (0 for p = 0) */
	for (size_t p = 0; p < n; p++) {
		uint32_t b = p ? start[p - 1] : 0, e = start[p];
		qsort_r(kids + b, e - b, sizeof *kids, flame_tree_by_name, t->n);
		t->n[p].child = b < e ? kids[b] : 0;
		uint64_t off = t->n[p].off;
		for (uint32_t k = b; k < e; k++) {
			struct flame_node *c = &t->n[kids[k]];
			c->next = k + 1 < e ? kids[k + 1] : 0;
			c->off = off;
			off += c->v[0];
		}
	}
	free(start);
	free(kids);
	return 0;
}

void flame_tree_free(struct flame_tree *t)
{
	free(t->n);
	free(t->slots);
	memset(t, 0, sizeof *t);
}
