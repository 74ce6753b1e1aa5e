/* registry.c: the connectors nebtop knows, by type name. */
#include "autoconfig.h"

#include <stdio.h>
#include <string.h>

#include "../pipeline/connector.h"

static const struct source_ops *const registry_sources[] = {
	&source_csv, &source_json, &source_generate, &source_http,
#ifdef HAVE_LIBPQ
	&source_postgresql,
#endif
	NULL
};
static const struct dest_ops *const registry_dests[] = {
	&dest_json, &dest_csv, &dest_null, &dest_http,
#ifdef HAVE_LIBPQ
	&dest_postgresql,
#endif
	NULL
};

const struct source_ops *connector_find_source(const char *type)
{
	for (size_t i = 0; registry_sources[i]; i++)
		if (!strcmp(registry_sources[i]->type, type))
			return registry_sources[i];
	return NULL;
}

const struct dest_ops *connector_find_dest(const char *type)
{
	for (size_t i = 0; registry_dests[i]; i++)
		if (!strcmp(registry_dests[i]->type, type))
			return registry_dests[i];
	return NULL;
}

const struct source_ops *const *connector_list_sources(void) { return registry_sources; }
const struct dest_ops *const *connector_list_dests(void) { return registry_dests; }

void connector_format_sources(char *dst, size_t n)
{
	size_t o = 0;
	dst[0] = 0;
	for (size_t i = 0; registry_sources[i]; i++)
		o += (size_t)snprintf(dst + o, o < n ? n - o : 0, "%s%s", i ? ", " : "", registry_sources[i]->type);
}

void connector_format_dests(char *dst, size_t n)
{
	size_t o = 0;
	dst[0] = 0;
	for (size_t i = 0; registry_dests[i]; i++)
		o += (size_t)snprintf(dst + o, o < n ? n - o : 0, "%s%s", i ? ", " : "", registry_dests[i]->type);
}
