/* json_encode.h: records as JSON objects, the encoding shared by the JSON
 * and HTTP destinations. Each record is an object with the schema's fields in
 * order; string values are escaped as Python's json.dumps(...,
 * ensure_ascii=False, separators=(",", ":")) writes them, typed values (from
 * cast) are written bare and nulls as null. The encoder is set up once at
 * open and then only read, so any number of worker threads may share it. */
#ifndef NEB_JSON_ENCODE_H
#define NEB_JSON_ENCODE_H

#include <stddef.h>
#include <stdint.h>

struct batch;
struct schema;

struct json_encoder {
	uint32_t width;
	char **prefix; /* {"name": for field 0, ,"name": for the others */
	size_t *prefix_len;
	size_t prefixes_total;
	uint8_t *types;
};

/* Prepares the field-name prefixes of schema s; -1 when out of memory. */
int json_encoder_init(struct json_encoder *j, const struct schema *s);
void json_encoder_free(struct json_encoder *j);
/* Most bytes the records of b can take, with `extra` bytes per record. */
size_t json_encoder_bound(const struct json_encoder *j, const struct batch *b, size_t extra);
/* Writes record r of b as one object at o (room as json_encoder_bound
 * gives); returns the end. */
char *json_encoder_write_record(const struct json_encoder *j, char *o, struct batch *b, uint32_t r);
/* Appends the kept records of b to b->out: each followed by a newline
 * (JSON Lines), or, with array_separators, each after ",\n" (the JSON
 * destination's array, whose writer drops the first separator). */
void json_encoder_write_batch(const struct json_encoder *j, struct batch *b, int array_separators);

#endif
