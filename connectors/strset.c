/* strset.c: a set of strings (see strset.h). */
#include "autoconfig.h"

#include "strset.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static uint64_t strset_hash(const char *str)
{
	uint64_t h = 1469598103934665603ull;
	for (const unsigned char *p = (const unsigned char *)str; *p; p++)
		h = (h ^ *p) * 1099511628211ull;
	return h;
}

/* The slot of str, or the empty slot where it would go. */
static size_t strset_find(char *const *slots, size_t cap, const char *str)
{
	size_t i = (size_t)strset_hash(str) & (cap - 1);
	while (slots[i] && strcmp(slots[i], str))
		i = (i + 1) & (cap - 1);
	return i;
}

static int strset_grow(struct strset *s)
{
	size_t cap = s->cap ? s->cap * 2 : 16;
	char **slots = calloc(cap, sizeof *slots);
	if (!slots)
		return -1;
	for (size_t i = 0; i < s->cap; i++)
		if (s->slots[i])
			slots[strset_find(slots, cap, s->slots[i])] = s->slots[i];
	free(s->slots);
	s->slots = slots;
	s->cap = cap;
	return 0;
}

int strset_add(struct strset *s, const char *str)
{
	/* at most half full: probes stay short */
	if ((s->n + 1) * 2 > s->cap && strset_grow(s))
		return -1;
	size_t i = strset_find(s->slots, s->cap, str);
	if (s->slots[i])
		return 0;
	if (!(s->slots[i] = strdup(str)))
		return -1;
	s->n++;
	return 1;
}

void strset_free(struct strset *s)
{
	for (size_t i = 0; i < s->cap; i++)
		free(s->slots[i]);
	free(s->slots);
	memset(s, 0, sizeof *s);
}
