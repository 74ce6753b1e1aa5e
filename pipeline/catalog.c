/* catalog.c: finding a connector by type name in the catalog a pipeline
 * was given, and listing a catalog's types for messages. */
#include "autoconfig.h"

#include <stdio.h>
#include <string.h>

#include "connector.h"

const struct source_ops *connector_find_source(const struct connector_catalog *cat, const char *type)
{
	for (size_t i = 0; cat->sources[i]; i++)
		if (!strcmp(cat->sources[i]->type, type))
			return cat->sources[i];
	return NULL;
}

const struct dest_ops *connector_find_dest(const struct connector_catalog *cat, const char *type)
{
	for (size_t i = 0; cat->dests[i]; i++)
		if (!strcmp(cat->dests[i]->type, type))
			return cat->dests[i];
	return NULL;
}

/* "a, b, c" of the types of n entries, each read through type_of. */
static void connector_format_types(char *dst, size_t n, const void *const *list, const char *(*type_of)(const void *))
{
	size_t o = 0;
	dst[0] = 0;
	for (size_t i = 0; list[i]; i++)
		o += (size_t)snprintf(dst + o, o < n ? n - o : 0, "%s%s", i ? ", " : "", type_of(list[i]));
}

static const char *connector_source_type(const void *x) { return ((const struct source_ops *)x)->type; }
static const char *connector_dest_type(const void *x) { return ((const struct dest_ops *)x)->type; }

void connector_format_sources(const struct connector_catalog *cat, char *dst, size_t n)
{
	connector_format_types(dst, n, (const void *const *)cat->sources, connector_source_type);
}

void connector_format_dests(const struct connector_catalog *cat, char *dst, size_t n)
{
	connector_format_types(dst, n, (const void *const *)cat->dests, connector_dest_type);
}
