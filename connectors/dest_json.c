/* dest_json.c: the JSON destination: JSON Lines (one object per line) or one
 * JSON array. Encoding runs on the destination's worker threads with the
 * hand-written escaper; the writer thread only writes bytes, in order.
 * Output is byte-identical to Python's json.dumps(dict(zip(header, row)),
 * ensure_ascii=False, separators=(",", ":")) for string values. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../pipeline/batch.h"
#include "../pipeline/jsonesc.h"
#include "../pipeline/schema.h"
#include "connector.h"
#include "outfile.h"

enum json_format { JSON_LINES = 0, JSON_ARRAY = 1 };

struct json_dest {
	char *file_path;
	int format;
	/* resolved at open */
	struct outfile out;
	uint32_t width;
	char **prefix;      /* {"name": for field 0, ,"name": for the others */
	size_t *prefix_len;
	size_t prefixes_total;
	uint8_t *types;
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
	j->width = in->width;
	j->prefix = calloc(in->width ? in->width : 1, sizeof *j->prefix);
	j->prefix_len = calloc(in->width ? in->width : 1, sizeof *j->prefix_len);
	j->types = malloc(in->width ? in->width : 1);
	if (!j->prefix || !j->prefix_len || !j->types)
		return errbuf_set(e, "out of memory");
	for (uint32_t i = 0; i < in->width; i++) {
		size_t n = strlen(in->names[i]);
		char *p = malloc(JSONESC_BOUND(n) + 4);
		if (!p)
			return errbuf_set(e, "out of memory");
		char *o = p;
		*o++ = i == 0 ? '{' : ',';
		*o++ = '"';
		o = jsonesc_write_string(o, in->names[i], n);
		*o++ = '"';
		*o++ = ':';
		j->prefix[i] = p;
		j->prefix_len[i] = (size_t)(o - p);
		j->prefixes_total += j->prefix_len[i];
		j->types[i] = in->types[i];
	}
	return 0;
}

static void json_encode(void *opts, struct batch *b, struct worker *w)
{
	(void)w;
	struct json_dest *j = opts;
	struct buf *out = &b->out;
	/* one reservation for the whole batch: the worst case of every byte escaped */
	buf_reserve(out, JSONESC_BOUND(b->data.len) + (size_t)b->nrec * (j->prefixes_total + 8 + 4 * j->width));
	char *o = out->p + out->len;
	for (uint32_t r = 0; r < b->nrec; r++) {
		if (b->marks[r] != MARK_KEPT)
			continue;
		if (j->format == JSON_ARRAY) {
			*o++ = ',';
			*o++ = '\n';
		}
		const struct field *f = batch_record(b, r);
		if (j->width == 0)
			*o++ = '{';
		for (uint32_t i = 0; i < j->width; i++) {
			memcpy(o, j->prefix[i], j->prefix_len[i]);
			o += j->prefix_len[i];
			if (f[i].len == FIELD_NULL) {
				memcpy(o, "null", 4);
				o += 4;
			} else if (j->types[i] != FTYPE_STRING) {
				memcpy(o, b->data.p + f[i].off, f[i].len);
				o += f[i].len;
			} else {
				*o++ = '"';
				o = jsonesc_write_string(o, b->data.p + f[i].off, f[i].len);
				*o++ = '"';
			}
		}
		*o++ = '}';
		if (j->format == JSON_LINES)
			*o++ = '\n';
	}
	out->len = (size_t)(o - out->p);
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

static void json_release(struct json_dest *j)
{
	for (uint32_t i = 0; j->prefix && i < j->width; i++)
		free(j->prefix[i]);
	free(j->prefix);
	free(j->prefix_len);
	free(j->types);
	j->prefix = NULL;
	j->prefix_len = NULL;
	j->types = NULL;
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
	json_release(j);
	return rc;
}

static void json_describe(void *opts, char *dst, size_t n)
{
	struct json_dest *j = opts;
	snprintf(dst, n, "%s", !j->file_path ? "?" : !strcmp(j->file_path, "-") ? "stdout" : j->file_path);
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
};
