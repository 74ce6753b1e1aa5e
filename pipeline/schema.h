/* schema.h: the names and types of the fields a stage emits.
 *
 * Every stage has an output schema, computed once when the pipeline is built
 * (a select narrows it, a rename renames, a cast types a field); batches carry
 * only field values. */
#ifndef NEB_SCHEMA_H
#define NEB_SCHEMA_H

#include <stdint.h>

enum ftype { FTYPE_STRING = 0, FTYPE_INT, FTYPE_FLOAT, FTYPE_BOOL };

struct schema {
	uint32_t width;
	char **names;
	uint8_t *types; /* enum ftype */
};

void schema_init(struct schema *s, uint32_t width);
void schema_set_name(struct schema *s, uint32_t i, const char *name);
void schema_copy(struct schema *dst, const struct schema *src);
/* Index of the field called name, or -1. */
int schema_find_field(const struct schema *s, const char *name);
void schema_free(struct schema *s);
/* Renames duplicate names in place: the second "id" becomes "id_2", the third "id_3". */
void schema_dedup_names(struct schema *s);
const char *ftype_name(enum ftype t);

#endif
