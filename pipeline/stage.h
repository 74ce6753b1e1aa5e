/* stage.h: the interface of a transform stage, and the registry of stage types.
 *
 * A stage type is a table of its keys and three callbacks: init checks the
 * options against the input schema and computes the output schema (once,
 * before the run), process works on one batch (on any of the stage's worker
 * threads, concurrently), fini releases what init made. */
#ifndef NEB_STAGE_H
#define NEB_STAGE_H

#include <stddef.h>

#include "../src/base/confmap.h"
#include "../src/base/errbuf.h"

struct batch;
struct schema;
struct worker;

struct stage_ops {
	const char *type;
	const char *summary;        /* one line for --help and the man page */
	const struct confkey *keys; /* values go into an options struct of opts_size bytes */
	size_t opts_size;
	/* Called once; opts holds the applied keys and is the stage's state.
	 * Messages name the key with confmap_where_key(sec, ...). */
	int (*init)(void *opts, const struct confsection *sec, const struct schema *in, struct schema *out,
		    struct errbuf *e);
	/* Optional per-thread state. */
	void *(*worker_new)(void *opts);
	void (*worker_free)(void *local);
	void (*process)(void *opts, struct batch *b, struct worker *w);
	void (*fini)(void *opts);
};

/* Index of the input field `name` given by key `key` of sec, or -1 with a
 * message naming the key (and the closest field name). */
int stage_find_input_field(const struct confsection *sec, const char *key, const char *name,
			   const struct schema *in, struct errbuf *e);

/* The stage type called `type`, or NULL. */
const struct stage_ops *stage_find_type(const char *type);
/* All stage types, NULL-terminated. */
const struct stage_ops *const *stage_list_types(void);

extern const struct stage_ops stage_filter, stage_select, stage_rename, stage_cast, stage_spin, stage_delay,
	stage_alloc, stage_contend;

#endif
