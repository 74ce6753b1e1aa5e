/* dest_json.c: the JSON destination: JSON Lines (one object per line) or one
 * JSON array. Encoding runs on the destination's worker threads with the
 * hand-written escaper; the writer thread only writes bytes, in order.
 * Output is byte-identical to Python's json.dumps(dict(zip(header, row)),
 * ensure_ascii=False, separators=(",", ":")) for string values. */
#include "autoconfig.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../pipeline/batch.h"
#include "../pipeline/connector.h"
#include "json_encode.h"
#include "outfile.h"

enum json_format { JSON_LINES = 0, JSON_ARRAY = 1 };

struct json_dest {
	char *file_path;
	int format;
	/* resolved at open */
	struct outfile out;
	struct json_encoder enc;
	int wrote_any;
};

static const char *const json_format_choices[] = { "jsonl", "array", NULL };

static const struct confkey json_keys[] = {
	{ "file_path", CONF_STRING, NULL, offsetof(struct json_dest, file_path),
	  "file to write (- = standard output); written as FILE.part and renamed when the run succeeds", NULL, 0,
	  0, 0 },
	{ "format", CONF_ENUM, "jsonl", offsetof(struct json_dest, format),
	  "jsonl: one object per line; array: one JSON array", json_format_choices, 0, 0, 0 },
	{ NULL, 0, NULL, 0, NULL, NULL, 0, 0, 0 },
};

static int json_open(void *opts, const struct connector_env *env, const struct schema *in, struct errbuf *e)
{
	struct json_dest *j = opts;
	char where[512];
	confmap_where_key(where, sizeof where, env->section, "file_path");
	if (outfile_open(&j->out, j->file_path, where, e))
		return -1;
	j->out.metrics = env->metrics;
	connmetrics_note_fd(env->metrics, j->out.f.fd);
	if (json_encoder_init(&j->enc, in))
		return errbuf_set(e, "out of memory");
	return 0;
}

static void json_encode(void *opts, struct batch *b, struct worker *w)
{
	(void)w;
	struct json_dest *j = opts;
	json_encoder_write_batch(&j->enc, b, j->format == JSON_ARRAY);
}

static int json_write(void *opts, struct batch *b, struct worker *w, struct errbuf *e)
{
	(void)w;
	struct json_dest *j = opts;
	const char *p = b->out.p;
	size_t n = b->out.len;
	if (j->format == JSON_ARRAY && n >= 2) {
		if (!j->wrote_any) {
			if (outfile_write(&j->out, "[\n", 2, e))
				return -1;
			p += 2; /* the first record has no separator */
			n -= 2;
		}
	}
	if (n && outfile_write(&j->out, p, n, e))
		return -1;
	if (b->out.len)
		j->wrote_any = 1;
	return 0;
}

static int json_close(void *opts, int ok, struct errbuf *e)
{
	struct json_dest *j = opts;
	int rc = 0;
	if (ok == 1 && j->format == JSON_ARRAY)
		rc = outfile_write(&j->out, j->wrote_any ? "\n]\n" : "[]\n", 3, e);
	if (j->out.path) {
		if (rc)
			ok = 0;
		struct errbuf ce;
		if (outfile_close(&j->out, ok, &ce)) {
			if (!rc)
				memcpy(e, &ce, sizeof ce);
			rc = -1;
		}
	}
	json_encoder_free(&j->enc);
	return rc;
}

static void json_describe(void *opts, char *dst, size_t n)
{
	struct json_dest *j = opts;
	snprintf(dst, n, "%s", !j->file_path ? "?" : !strcmp(j->file_path, "-") ? "stdout" : j->file_path);
}

static void json_describe_left(void *opts, char *dst, size_t n)
{
	struct json_dest *j = opts;
	outfile_describe_left(&j->out, dst, n);
}

const struct dest_ops dest_json = {
	.type = "json",
	.summary = "JSON Lines or a JSON array, to a file or standard output",
	.waits_on = "file",
	.keys = json_keys,
	.opts_size = sizeof(struct json_dest),
	.open = json_open,
	.encode = json_encode,
	.write = json_write,
	.close = json_close,
	.describe = json_describe,
	.describe_left = json_describe_left,
};
