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
	struct pipeline *p = pipeline_build(&spec, e);
	if (p && pipeline_set_latency_sample(p, c->prof.latency_sample) != 0) {
		pipeline_free(p);
		errbuf_set(e, "out of memory");
		return NULL;
	}
	return p;
}

const struct config *config_of_pipeline(const struct pipeline *p) { return pipeline_get_owner(p); }
