/* spec.h: what a pipeline is built from: the sections of its source,
 * destination and stages as the INI file or the command line gave them, its
 * resolved [pipeline] options, and the catalog of connectors it may use. The
 * configuration layer (src/config) fills one in; the engine sees nothing else
 * of a configuration. */
#ifndef NEB_SPEC_H
#define NEB_SPEC_H

#include <stddef.h>
#include <stdint.h>

#include "../src/base/confmap.h"
#include "../src/base/outcome.h"

struct connector_catalog;

/* What a bad record does ([pipeline] on_error). */
enum on_error { ON_ERROR_SKIP = 0, ON_ERROR_FAIL, ON_ERROR_DEAD_LETTER };

/* [pipeline], resolved. */
struct pipeline_opts {
	char *name;
	uint64_t batch, workers, buffer;
	int ordered, on_error;
	char *dead_letter_path;
	uint64_t duration_ns;
	char *max_errors;          /* as written: "0", "250", "0.5%" */
	struct max_errors max_err; /* resolved from max_errors */
};

struct pipeline_spec {
	struct confsection *pipeline, *source, *destination;
	struct confsection *stages; /* [stage.NAME], in order */
	size_t nstages;
	const struct pipeline_opts *pl;
	const struct connector_catalog *connectors;
	/* The caller's whole configuration, handed back by pipeline_get_owner
	 * (the reports read it); the engine never looks inside. */
	const void *owner;
};

#endif
