/* config_pipeline.c: building the pipeline a configuration describes: its
 * sections and [pipeline] options as a pipeline spec, with every connector
 * of this build. */
#include "autoconfig.h"

#include "config.h"

#include "../../connectors/registry.h"
#include "../../pipeline/pipeline.h"

#include <stdio.h>
#include <string.h>

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
	if (p && config_whatif_stage(c, p, e) == CONFIG_WHATIF_BAD) {
		pipeline_free(p);
		return NULL;
	}
	return p;
}

int config_whatif_stage(const struct config *c, const struct pipeline *p, struct errbuf *e)
{
	const char *w = c->prof.whatif;
	if (!w || !*w)
		return CONFIG_WHATIF_NONE;
	if (!strcmp(w, "auto"))
		return CONFIG_WHATIF_AUTO;
	char names[512] = "";
	size_t n = pipeline_count_stages(p), len = 0;
	for (size_t i = 0; i < n; i++) {
		const char *name = pipeline_get_stage(p, i)->name;
		if (!strcmp(name, w))
			return (int)i;
		if (len < sizeof names)
			len += (size_t)snprintf(names + len, sizeof names - len, "%s%s", i ? ", " : "", name);
	}
	char where[600];
	confmap_where_key(where, sizeof where, &c->profile, "whatif");
	errbuf_set(e, "%s: no stage named '%s' (the stages: %s, or auto)", where, w, names);
	return CONFIG_WHATIF_BAD;
}

const struct config *config_of_pipeline(const struct pipeline *p) { return pipeline_get_owner(p); }
