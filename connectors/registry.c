/* registry.c: the connectors nebtop knows: one table entry each. */
#include "autoconfig.h"

#include "registry.h"

static const struct source_ops *const registry_sources[] = {
	&source_csv, &source_json, &source_generate, &source_http, &source_bigquery, &source_snowflake,
	&source_google_ads,
#ifdef HAVE_LIBPQ
	&source_postgresql,
#endif
	NULL
};
static const struct dest_ops *const registry_dests[] = {
	&dest_json, &dest_csv, &dest_null, &dest_http, &dest_bigquery, &dest_snowflake,
#ifdef HAVE_LIBPQ
	&dest_postgresql,
#endif
	NULL
};

static const struct connector_catalog registry_catalog = { registry_sources, registry_dests };

const struct connector_catalog *registry_get_catalog(void) { return &registry_catalog; }
