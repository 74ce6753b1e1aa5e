/* stage_select.c: keeps only the listed fields, in the listed order. */
#include "autoconfig.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "schema.h"
#include "stage.h"
#include "worker.h"

struct select_stage {
	char *fields;
	uint32_t in_width, out_width;
	uint32_t *pick; /* output field i is input field pick[i] */
};

static const struct confkey select_keys[] = {
	{ "fields", CONF_STRING, NULL, offsetof(struct select_stage, fields), "comma-separated fields to keep", NULL,
	  0, 0, 0 },
	{ NULL, 0, NULL, 0, NULL, NULL, 0, 0, 0 },
};

static int select_init(void *opts, const struct confsection *sec, const struct schema *in, struct schema *out,
		       struct errbuf *e)
{
	struct select_stage *s = opts;
	char where[512];
	confmap_where_key(where, sizeof where, sec, "fields");
	if (!s->fields || !*s->fields)
		return errbuf_set(e, "%s: missing (comma-separated field names)", where);
	s->in_width = in->width;
	s->pick = calloc(in->width + 1, sizeof *s->pick);
	if (!s->pick)
		return errbuf_set(e, "out of memory");
	schema_init(out, 0);
	char *copy = strdup(s->fields), *save = NULL;
	if (!copy)
		return errbuf_set(e, "out of memory");
	int rc = 0;
	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		while (*tok == ' ')
			tok++;
		char *end = tok + strlen(tok);
		while (end > tok && end[-1] == ' ')
			*--end = 0;
		int i = stage_find_input_field(sec, "fields", tok, in, e);
		if (i < 0) {
			rc = -1;
			break;
		}
		if (schema_find_field(out, tok) >= 0) {
			rc = errbuf_set(e, "%s: field '%s' is listed twice", where, tok);
			break;
		}
		if (s->out_width == in->width)
			break;
		s->pick[s->out_width] = (uint32_t)i;
		out->names = realloc(out->names, (s->out_width + 1) * sizeof *out->names);
		out->types = realloc(out->types, s->out_width + 1);
		if (!out->names || !out->types)
			abort();
		out->names[s->out_width] = strdup(tok);
		out->types[s->out_width] = in->types[i];
		out->width = ++s->out_width;
	}
	free(copy);
	return rc;
}

static void select_process(void *opts, struct batch *b, struct worker *w)
{
	struct select_stage *s = opts;
	buf_reserve(&w->scratch, s->in_width * sizeof(struct field));
	struct field *row = (struct field *)(void *)w->scratch.p;
	/* rows move down in place: row r's new slots never pass its old ones */
	for (uint32_t r = 0; r < b->nrec; r++) {
		memcpy(row, b->fields + (size_t)r * s->in_width, s->in_width * sizeof *row);
		struct field *dst = b->fields + (size_t)r * s->out_width;
		for (uint32_t i = 0; i < s->out_width; i++)
			dst[i] = row[s->pick[i]];
	}
	b->width = s->out_width;
}

static void select_fini(void *opts)
{
	struct select_stage *s = opts;
	free(s->pick);
}

const struct stage_ops stage_select = {
	.type = "select",
	.summary = "keep only the listed fields, in that order",
	.keys = select_keys,
	.opts_size = sizeof(struct select_stage),
	.init = select_init,
	.process = select_process,
	.fini = select_fini,
};
