/* flame_tree.h: folded stacks merged into the tree a flame graph draws: one
 * node per frame in its context (the same function under two callers is two
 * nodes), children in name order, each node's samples and its offset among
 * its siblings. Two sides can be merged into one tree (a diff: side 0 is the
 * profile drawn, side 1 the one it is compared with). */
#ifndef NEB_FLAME_TREE_H
#define NEB_FLAME_TREE_H

#include <stddef.h>
#include <stdint.h>

#include "folded.h"

struct flame_node {
	const char *name; /* borrowed from the folded rows; not NUL-terminated */
	size_t len;
	uint32_t parent;  /* node 0 (the root, "all") is its own parent */
	uint32_t child;   /* first child (in name order), 0 = none */
	uint32_t next;    /* next sibling, 0 = none */
	uint32_t depth;   /* root 0, the stage (first frame) 1 */
	uint32_t stage;   /* the node of depth 1 above it (itself at depth 1), 0 for the root */
	uint64_t v[2];    /* samples per side, stacks through this frame */
	uint64_t off;     /* side-0 samples of the siblings before it, plus the parent's off */
};

struct flame_tree {
	struct flame_node *n; /* n[0] is the root */
	size_t len, cap;
	uint32_t *slots;      /* index by (parent, name): node + 1, 0 = empty */
	size_t nslots;
	uint32_t max_depth;
};

/* Adds every row of f to side (0 or 1) of t, which starts zeroed. 0, or -1
 * without memory. The rows must outlive t. */
int flame_tree_add(struct flame_tree *t, const struct folded *f, int side);
/* Orders each node's children by name and sets every off; call once after
 * the last flame_tree_add. 0, or -1 without memory. */
int flame_tree_finish(struct flame_tree *t);
void flame_tree_free(struct flame_tree *t);

#endif
