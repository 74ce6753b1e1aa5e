/* connector.h: the interface of sources and destinations, and the catalog
 * a pipeline finds them in.
 *
 * A connector is a table of its keys and a few callbacks. Only the reading or
 * writing of bytes is single-threaded (read, write); the CPU-heavy part
 * (decode: parsing raw bytes into records; encode: records into bytes) runs on
 * the stage's worker threads, several batches at a time. A connector that
 * has no such split leaves decode or encode NULL and does everything in read
 * or write. A connector that reads or writes one file names it with the key
 * file_path, so that a run can refuse to write over its own input. */
#ifndef NEB_CONNECTOR_H
#define NEB_CONNECTOR_H

#include <stddef.h>
#include <stdint.h>

#include "../src/base/confmap.h"
#include "../src/base/errbuf.h"
#include "connmetrics.h"

struct batch;
struct plain_format;
struct schema;
struct worker;

/* What the pipeline tells a connector when it opens it. */
struct connector_env {
	uint32_t batch;                   /* records per batch */
	int on_error;                     /* enum on_error */
	const struct confsection *section; /* for messages: see confmap_where_key */
	/* Where the connector counts what it measures (connmetrics.h); never
	 * NULL. The connector keeps the pointer: it outlives the connector. */
	struct connmetrics *metrics;
	/* Wall time a virtual clock leaves out (whatif.h): a connector that
	 * paces by the clock gives it to its struct pace. */
	const _Atomic uint64_t *removed_ns;
	/* and where it adds the time it waits for its pace (pace.h) */
	_Atomic uint64_t *paced_ns;
};

struct source_ops {
	const char *type;
	const char *summary;
	const char *waits_on; /* what its wait time waits for: "file", "PostgreSQL server" */
	const struct confkey *keys;
	size_t opts_size;
	/* Validates the options, opens the input and sets the schema. Runs before
	 * the pipeline starts; a failure here is a configuration error (exit 2). */
	int (*open)(void *opts, const struct connector_env *env, struct schema *out, struct errbuf *e);
	/* Reader thread: fills b with up to env->batch records, or with raw bytes
	 * for decode. Returns 1 when b holds data, 0 at end of input, -1 on a
	 * failure (message in e). Must return 0 soon after *stop becomes nonzero. */
	int (*read)(void *opts, struct batch *b, const _Atomic int *stop, struct errbuf *e);
	void *(*worker_new)(void *opts);
	void (*worker_free)(void *local);
	/* Decoder threads: turns b->raw into records. Optional. */
	void (*decode)(void *opts, struct batch *b, struct worker *w);
	/* Optional: 1 when decode can leave records plain (batch.h), in the
	 * format it sets in *f, for the batches marked BATCH_PLAIN; the
	 * pipeline marks them when the destination takes plain records. */
	int (*plain_format)(void *opts, struct plain_format *f);
	/* Where record r of b came from: the input line it starts on (0 =
	 * unknown) and its bytes as read (NULL when they are not kept). Error
	 * path only; NULL when the connector cannot tell. */
	void (*locate)(void *opts, const struct batch *b, uint32_t r, uint64_t *line, const char **raw,
		       size_t *raw_len);
	void (*close)(void *opts);
	/* Short name of the input for messages: "data.csv", "stdin", "generate". */
	void (*describe)(void *opts, char *dst, size_t n);
	/* 1 when the input never ends by itself (a generator without a row
	 * count); NULL means it ends. */
	int (*is_endless)(void *opts);
};

/* write's answer for a batch it holds (see max_held). */
#define DEST_HELD 1
/* How long the pipeline lets a destination hold batches while no new one
 * comes (so that a slow input does not leave records uncounted). */
#define DEST_HOLD_NS 250000000ull

struct dest_ops {
	const char *type;
	const char *summary;
	const char *waits_on;
	const struct confkey *keys;
	size_t opts_size;
	/* Validates, opens the output (under a temporary name where it has one). */
	int (*open)(void *opts, const struct connector_env *env, const struct schema *in, struct errbuf *e);
	void *(*worker_new)(void *opts);
	void (*worker_free)(void *local);
	/* Encoder threads: turns the kept records of b into b->out. Optional. */
	void (*encode)(void *opts, struct batch *b, struct worker *w);
	/* Optional, after open, when the source can leave records plain in
	 * format f and no stage stands between them: 1 when encode takes plain
	 * records (batch_is_plain) as they are from now on, 0 to have every
	 * record split into fields. */
	int (*take_plain)(void *opts, const struct plain_format *f);
	/* Optional, when the workers key is not given: the source's decoders and
	 * the encoders to run at most (0 = workers). A destination whose system
	 * takes records slower than so few threads give them asks for fewer:
	 * more would only take CPU from that system on a shared machine. */
	uint32_t feed_decoders, feed_encoders;
	/* Writer thread, batches in order: writes b (b->out when encode is set).
	 * Returns 0, or -1 with the message in e (the run fails). Records the
	 * system refused one by one (a row the server rejected, a request that
	 * failed for good) are marked with worker_fail_record(w, b, r, ...),
	 * which counts them and applies on_error; the rest count as written. */
	int (*write)(void *opts, struct batch *b, struct worker *w, struct errbuf *e);
	/* Optional: write may also return DEST_HELD to keep b unsettled: the
	 * destination has sent it but does not know yet whether the system took
	 * every record (a COPY still open). The pipeline then leaves b alone and
	 * counts nothing of it until write returns 0 or -1 for a later batch or
	 * flush does: that settles b with every batch held before it, in order,
	 * and until then the destination may still mark their records failed
	 * (and may free b->out once sent: the pipeline counts the bytes out had
	 * when write took b). At
	 * most max_held batches are held (the pool has that many more); the
	 * pipeline calls flush when it holds max_held, when the oldest has been
	 * held DEST_HOLD_NS with no new batch, and when the input ends. */
	uint32_t max_held;
	int (*flush)(void *opts, struct worker *w, struct errbuf *e);
	/* Flushes and closes. ok = 1: the run succeeded, commit (rename into
	 * place); ok = 0: the run failed, leave what was written and say where in
	 * e (returning -1); ok = -1: the run never started, remove what open made. */
	int (*close)(void *opts, int ok, struct errbuf *e);
	void (*describe)(void *opts, char *dst, size_t n);
	/* What a run abandoned now (exit without draining or closing) leaves of
	 * the output, for the message: "partial output left in out.json.part".
	 * Main thread, while the writer may still run. NULL: nothing to say. */
	void (*describe_left)(void *opts, char *dst, size_t n);
};

/* The connectors a pipeline may use: two NULL-terminated lists. The engine
 * knows none by name; the caller hands it a catalog (nebtop's is
 * registry_get_catalog() in connectors/registry.h). */
struct connector_catalog {
	const struct source_ops *const *sources;
	const struct dest_ops *const *dests;
};

const struct source_ops *connector_find_source(const struct connector_catalog *cat, const char *type);
const struct dest_ops *connector_find_dest(const struct connector_catalog *cat, const char *type);
/* "csv, json, generate, ...": the catalog's types, for messages and --help. */
void connector_format_sources(const struct connector_catalog *cat, char *dst, size_t n);
void connector_format_dests(const struct connector_catalog *cat, char *dst, size_t n);

#endif
