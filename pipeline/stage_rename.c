/* stage_rename.c: renames fields (`from` and `to` are comma-separated lists of
 * the same length). Records pass unchanged: only the schema differs. */
#include "autoconfig.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "schema.h"
#include "stage.h"

struct rename_stage {
	char *from, *to;
};

static const struct confkey rename_keys[] = {
	{ "from", CONF_STRING, NULL, offsetof(struct rename_stage, from), "field(s) to rename, comma-separated", NULL,
	  0, 0, 0 },
	{ "to", CONF_STRING, NULL, offsetof(struct rename_stage, to), "new name(s), in the same order", NULL, 0, 0,
	  0 },
	{ NULL, 0, NULL, 0, NULL, NULL, 0, 0, 0 },
};

/* Next comma-separated item of *p, trimmed; NULL at the end. */
static char *rename_next_item(char **p)
{
	char *s = *p;
	if (!s)
		return NULL;
	char *comma = strchr(s, ',');
	if (comma) {
		*comma = 0;
		*p = comma + 1;
	} else {
		*p = NULL;
	}
	while (*s == ' ')
		s++;
	char *end = s + strlen(s);
	while (end > s && end[-1] == ' ')
		*--end = 0;
	return s;
}

static int rename_init(void *opts, const struct confsection *sec, const struct schema *in, struct schema *out,
		       struct errbuf *e)
{
	struct rename_stage *s = opts;
	char where[512];
	confmap_where_key(where, sizeof where, sec, s->from ? "to" : "from");
	if (!s->from || !s->to)
		return errbuf_set(e, "%s: missing (rename needs both from and to)", where);
	schema_copy(out, in);
	char *from = strdup(s->from), *to = strdup(s->to), *pf = from, *pt = to;
	int rc = 0;
	for (;;) {
		char *a = rename_next_item(&pf), *b = rename_next_item(&pt);
		if (!a && !b)
			break;
		if (!a || !b || !*b) {
			rc = errbuf_set(e, "%s: from and to must list the same number of names", where);
			break;
		}
		int i = stage_find_input_field(sec, "from", a, in, e);
		if (i < 0) {
			rc = -1;
			break;
		}
		schema_set_name(out, (uint32_t)i, b);
	}
	for (uint32_t i = 0; !rc && i < out->width; i++)
		for (uint32_t j = i + 1; j < out->width; j++)
			if (!strcmp(out->names[i], out->names[j])) {
				confmap_where_key(where, sizeof where, sec, "to");
				rc = errbuf_set(e, "%s: two fields would be called '%s'", where, out->names[i]);
				break;
			}
	free(from);
	free(to);
	return rc;
}

static void rename_process(void *opts, struct batch *b, struct worker *w)
{
	(void)opts;
	(void)b;
	(void)w;
}

const struct stage_ops stage_rename = {
	.type = "rename",
	.summary = "rename fields",
	.keys = rename_keys,
	.opts_size = sizeof(struct rename_stage),
	.init = rename_init,
	.process = rename_process,
};
