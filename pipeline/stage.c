/* stage.c: the registry of transform stage types. */
#include "autoconfig.h"

#include "stage.h"

#include <string.h>

#include "schema.h"

static const struct stage_ops *const stage_types[] = {
	&stage_filter, &stage_select, &stage_rename, &stage_cast, &stage_spin, &stage_delay, &stage_alloc,
	&stage_contend, NULL,
};

const struct stage_ops *stage_find_type(const char *type)
{
	for (size_t i = 0; stage_types[i]; i++)
		if (!strcmp(stage_types[i]->type, type))
			return stage_types[i];
	return NULL;
}

const struct stage_ops *const *stage_list_types(void) { return stage_types; }

int stage_find_input_field(const struct confsection *sec, const char *key, const char *name,
			   const struct schema *in, struct errbuf *e)
{
	char where[512];
	confmap_where_key(where, sizeof where, sec, key);
	if (!name)
		return errbuf_set(e, "%s: missing (a field name)", where);
	int i = schema_find_field(in, name);
	if (i >= 0)
		return i;
	const char *hint = confmap_suggest_key(name, (const char *const *)in->names, in->width);
	if (hint)
		return errbuf_set(e, "%s: no field '%s' in the input (did you mean '%s'?)", where, name, hint);
	return errbuf_set(e, "%s: no field '%s' in the input", where, name);
}
