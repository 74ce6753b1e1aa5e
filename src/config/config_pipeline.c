/* config_pipeline.c: building the pipeline a configuration describes: its
 * sections and [pipeline] options as a pipeline spec, with every connector
 * of this build. */
#include "autoconfig.h"

#include "config.h"

#include "../../connectors/registry.h"
#include "../../pipeline/pipeline.h"

struct pipeline *config_build_pipeline(struct config *c, struct errbuf *e)
{
	struct pipeline_spec spec = {
		.pipeline = &c->pipeline,
		.source = &c->source,
		.destination = &c->destination,
		.stages = c->stages,
		.nstages = c->nstages,
		.pl = &c->pl,
		.connectors = registry_get_catalog(),
		.owner = c,
	};
	return pipeline_build(&spec, e);
}

const struct config *config_of_pipeline(const struct pipeline *p) { return pipeline_get_owner(p); }
