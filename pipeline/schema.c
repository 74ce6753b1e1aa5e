/* schema.c: building, copying and searching field schemas. */
#include "autoconfig.h"

#include "schema.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *schema_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);
	if (!p) {
		fprintf(stderr, "nebtop: out of memory\n");
		abort();
	}
	return p;
}

void schema_init(struct schema *s, uint32_t width)
{
	s->width = width;
	s->names = schema_xcalloc(width, sizeof *s->names);
	s->types = schema_xcalloc(width, sizeof *s->types);
}

void schema_set_name(struct schema *s, uint32_t i, const char *name)
{
	free(s->names[i]);
	s->names[i] = strdup(name);
	if (!s->names[i]) {
		fprintf(stderr, "nebtop: out of memory\n");
		abort();
	}
}

void schema_copy(struct schema *dst, const struct schema *src)
{
	schema_init(dst, src->width);
	for (uint32_t i = 0; i < src->width; i++) {
		schema_set_name(dst, i, src->names[i]);
		dst->types[i] = src->types[i];
	}
}

int schema_find_field(const struct schema *s, const char *name)
{
	for (uint32_t i = 0; i < s->width; i++)
		if (!strcmp(s->names[i], name))
			return (int)i;
	return -1;
}

void schema_free(struct schema *s)
{
	for (uint32_t i = 0; s->names && i < s->width; i++)
		free(s->names[i]);
	free(s->names);
	free(s->types);
	memset(s, 0, sizeof *s);
}

/* The names in use while deduplicating: an open-addressing hash set of
 * copies (a name, once in use, stays in use: a renamed field's old name is
 * still held by the earlier field it repeated), each with the next suffix to
 * try for it, so that a name repeated many times costs no rescans. */
struct schema_nameset {
	struct schema_name_slot {
		char *name; /* NULL: free */
		unsigned next_suffix;
	} *slot;
	size_t mask;
};

static uint64_t schema_hash_name(const char *p)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */
	for (; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
	return h;
}

/* The slot of name: its own, or the free one where it would go. */
static struct schema_name_slot *schema_nameset_find(struct schema_nameset *set, const char *name)
{
	size_t i = (size_t)schema_hash_name(name) & set->mask;
	while (set->slot[i].name && strcmp(set->slot[i].name, name))
		i = (i + 1) & set->mask;
	return &set->slot[i];
}

static void schema_nameset_add(struct schema_name_slot *at, const char *name)
{
	at->name = strdup(name);
	if (!at->name) {
		fprintf(stderr, "nebtop: out of memory\n");
		abort();
	}
	at->next_suffix = 2;
}

void schema_dedup_names(struct schema *s)
{
	struct schema_nameset set;
	size_t cap = 16;
	while (cap < 4 * (size_t)s->width) /* at most half full: every name and its renaming */
		cap *= 2;
	set.slot = schema_xcalloc(cap, sizeof *set.slot);
	set.mask = cap - 1;
	for (uint32_t i = 0; i < s->width; i++) {
		struct schema_name_slot *at = schema_nameset_find(&set, s->names[i]);
		if (!at->name)
			schema_nameset_add(at, s->names[i]);
	}
	/* field i repeats an earlier name: the first suffix no field has */
	uint8_t *seen = schema_xcalloc(cap, 1);
	for (uint32_t i = 0; i < s->width; i++) {
		struct schema_name_slot *at = schema_nameset_find(&set, s->names[i]);
		if (!seen[at - set.slot]) {
			seen[at - set.slot] = 1;
			continue;
		}
		for (;; at->next_suffix++) {
			char cand[1024];
			snprintf(cand, sizeof cand, "%s_%u", s->names[i], at->next_suffix);
			struct schema_name_slot *c = schema_nameset_find(&set, cand);
			if (c->name)
				continue;
			schema_nameset_add(c, cand);
			seen[c - set.slot] = 1;
			schema_set_name(s, i, cand);
			at->next_suffix++;
			break;
		}
	}
	for (size_t i = 0; i < cap; i++)
		free(set.slot[i].name);
	free(set.slot);
	free(seen);
}

const char *ftype_name(enum ftype t)
{
	static const char *const names[] = { "string", "int", "float", "bool" };
	return t <= FTYPE_BOOL ? names[t] : "?";
}
