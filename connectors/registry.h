/* registry.h: the catalog of the connectors this build of nebtop has. */
#ifndef NEB_REGISTRY_H
#define NEB_REGISTRY_H

#include "../pipeline/connector.h"

/* The connectors, each defined in its own file. */
extern const struct source_ops source_csv, source_json, source_generate, source_http, source_bigquery,
    source_snowflake, source_google_ads;
extern const struct dest_ops dest_json, dest_csv, dest_null, dest_http, dest_bigquery, dest_snowflake;
/* built only with libpq (HAVE_LIBPQ) */
extern const struct source_ops source_postgresql;
extern const struct dest_ops dest_postgresql;

/* Every source and destination compiled in (postgresql only with libpq). */
const struct connector_catalog *registry_get_catalog(void);

#endif
