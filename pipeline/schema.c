/* schema.c: building, copying and searching field schemas. */
#include "schema.h"

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

void schema_dedup_names(struct schema *s)
{
	for (uint32_t i = 1; i < s->width; i++) {
		int seen = 0;
		for (uint32_t j = 0; j < i; j++)
			if (!strcmp(s->names[i], s->names[j]))
				seen = 1;
		if (!seen)
			continue;
		/* the first free suffix: id_2, id_3, ... */
		for (unsigned k = 2;; k++) {
			char cand[1024];
			snprintf(cand, sizeof cand, "%s_%u", s->names[i], k);
			int taken = 0;
			for (uint32_t j = 0; j < s->width; j++)
				if (j != i && !strcmp(cand, s->names[j]))
					taken = 1;
			if (!taken) {
				schema_set_name(s, i, cand);
				break;
			}
		}
	}
}

const char *ftype_name(enum ftype t)
{
	static const char *const names[] = { "string", "int", "float", "bool" };
	return t <= FTYPE_BOOL ? names[t] : "?";
}
