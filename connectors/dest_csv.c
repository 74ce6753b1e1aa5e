/* dest_csv.c: the CSV destination. A field is quoted when it holds the
 * delimiter, the quote, CR or LF (quotes doubled inside), as Python's csv
 * writer does with QUOTE_MINIMAL; nulls are empty fields; lines end in LF. */
#include "autoconfig.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../pipeline/batch.h"
#include "../pipeline/schema.h"
#include "../pipeline/connector.h"
#include "../src/base/swar.h"
#include "outfile.h"

struct csv_dest {
	char *file_path;
	char delimiter, quote;
	int header;
	struct outfile out;
	uint32_t width;
};

static const struct confkey csvd_keys[] = {
	{ "file_path", CONF_STRING, NULL, offsetof(struct csv_dest, file_path),
	  "file to write (- = standard output); written as FILE.part and renamed when the run succeeds", NULL, 0,
	  0, 0 },
	{ "delimiter", CONF_CHAR, ",", offsetof(struct csv_dest, delimiter), "field separator (one byte, or tab)",
	  NULL, 0, 0, 0 },
	{ "quote", CONF_CHAR, "\"", offsetof(struct csv_dest, quote), "quote character", NULL, 0, 0, 0 },
	{ "header", CONF_BOOL, "true", offsetof(struct csv_dest, header), "write the field names first", NULL, 0, 0,
	  0 },
	{ NULL, 0, NULL, 0, NULL, NULL, 0, 0, 0 },
};

static inline int csvd_special(char c, char delim, char quote)
{
	return c == delim || c == quote || c == '\n' || c == '\r';
}

/* Writes a field at p (room for 2 * n + 8 bytes); returns the end. It is
 * quoted when it holds the delimiter, the quote, CR or LF: copied eight
 * bytes at a time while none is met (swar.h). */
static char *csvd_put_field(char *p, const char *s, size_t n, char delim, char quote)
{
	size_t i = 0;
#if SWAR_LITTLE_ENDIAN
	for (; i + 8 <= n; i += 8) {
		uint64_t w = swar_load(s + i);
		if (swar_has_byte(w, (unsigned char)delim) | swar_has_byte(w, (unsigned char)quote) |
		    swar_has_byte(w, '\n') | swar_has_byte(w, '\r'))
			goto quoted;
		memcpy(p + i, &w, 8);
	}
#endif
	for (; i < n; i++) {
		if (csvd_special(s[i], delim, quote))
			goto quoted;
		p[i] = s[i];
	}
	return p + n;
quoted:
	*p++ = quote;
	for (i = 0; i < n; i++) {
		if (s[i] == quote)
			*p++ = quote;
		*p++ = s[i];
	}
	*p++ = quote;
	return p;
}

static void csvd_append_field(struct buf *o, const char *s, size_t n, char delim, char quote)
{
	buf_reserve(o, 2 * n + 8);
	o->len = (size_t)(csvd_put_field(o->p + o->len, s, n, delim, quote) - o->p);
}

static int csvd_open(void *opts, const struct connector_env *env, const struct schema *in, struct errbuf *e)
{
	struct csv_dest *c = opts;
	char where[512];
	if (c->delimiter == c->quote || c->delimiter == '\n' || c->delimiter == '\r') {
		confmap_where_key(where, sizeof where, env->section, "delimiter");
		return errbuf_set(e, "%s: the delimiter must differ from the quote and from CR/LF", where);
	}
	confmap_where_key(where, sizeof where, env->section, "file_path");
	if (outfile_open(&c->out, c->file_path, where, e))
		return -1;
	c->out.metrics = env->metrics;
	connmetrics_note_fd(env->metrics, c->out.f.fd);
	c->width = in->width;
	if (c->header && in->width) {
		struct buf h = { 0 };
		for (uint32_t i = 0; i < in->width; i++) {
			if (i)
				buf_append_byte(&h, c->delimiter);
			csvd_append_field(&h, in->names[i], strlen(in->names[i]), c->delimiter, c->quote);
		}
		buf_append_byte(&h, '\n');
		int rc = outfile_write(&c->out, h.p, h.len, e);
		buf_free(&h);
		if (rc)
			return -1;
	}
	return 0;
}

static void csvd_encode(void *opts, struct batch *b, struct worker *w)
{
	(void)w;
	struct csv_dest *c = opts;
	for (uint32_t r = 0; r < b->nrec; r++) {
		if (b->marks[r] != MARK_KEPT)
			continue;
		const struct field *f = batch_record(b, r);
		if (c->width == 1 && (f[0].len == 0 || f[0].len == FIELD_NULL)) {
			/* a lone empty field would be a blank line, which readers skip */
			buf_append_byte(&b->out, c->quote);
			buf_append_byte(&b->out, c->quote);
			buf_append_byte(&b->out, '\n');
			continue;
		}
		size_t need = c->width + 1; /* room for the record at its longest: every field quoted */
		for (uint32_t i = 0; i < c->width; i++)
			need += f[i].len != FIELD_NULL ? 2 * (size_t)f[i].len + 8 : 0;
		buf_reserve(&b->out, need);
		char *p = b->out.p + b->out.len;
		for (uint32_t i = 0; i < c->width; i++) {
			if (i)
				*p++ = c->delimiter;
			if (f[i].len != FIELD_NULL)
				p = csvd_put_field(p, b->data.p + f[i].off, f[i].len, c->delimiter, c->quote);
		}
		*p++ = '\n';
		b->out.len = (size_t)(p - b->out.p);
	}
}

static int csvd_write(void *opts, struct batch *b, struct worker *w, struct errbuf *e)
{
	(void)w;
	struct csv_dest *c = opts;
	return b->out.len ? outfile_write(&c->out, b->out.p, b->out.len, e) : 0;
}

static int csvd_close(void *opts, int ok, struct errbuf *e)
{
	struct csv_dest *c = opts;
	return c->out.path ? outfile_close(&c->out, ok, e) : 0;
}

static void csvd_describe(void *opts, char *dst, size_t n)
{
	struct csv_dest *c = opts;
	snprintf(dst, n, "%s", !c->file_path ? "?" : !strcmp(c->file_path, "-") ? "stdout" : c->file_path);
}

static void csvd_describe_left(void *opts, char *dst, size_t n)
{
	struct csv_dest *c = opts;
	outfile_describe_left(&c->out, dst, n);
}

const struct dest_ops dest_csv = {
	.type = "csv",
	.summary = "CSV with a header line, to a file or standard output",
	.waits_on = "file",
	.keys = csvd_keys,
	.opts_size = sizeof(struct csv_dest),
	.open = csvd_open,
	.encode = csvd_encode,
	.write = csvd_write,
	.close = csvd_close,
	.describe = csvd_describe,
	.describe_left = csvd_describe_left,
};
