/* json_record.h: JSON objects (jansson) into records, shared by the sources
 * that read JSON (the json source, the http source).
 *
 * Field names come from the keys of the first objects seen (json_fields, in
 * first-seen order), and so do their types: a field whose values there were
 * all integers (or null) is an int field, all numbers a float field, all
 * true/false a bool field, anything else a string field, so that JSON in is
 * JSON out with its numbers and booleans as they were. Each object then fills
 * one record of a batch: strings as their (unescaped) text, numbers and
 * true/false as JSON text, null or an absent key as a null field, objects and
 * arrays as compact JSON text, or, with flatten, nested objects as dotted keys
 * ("a": {"b": 1} gives the field "a.b"; arrays stay compact JSON text; an
 * empty object is the field "a" holding "{}"). A later value that does not
 * fit its field's type (a string in an int field, 1.5 in an int field) is a
 * record error naming the key; in a string field every value fits.
 *
 * Numbers: jansson keeps integers as 64-bit integers (written back digit for
 * digit) and other numbers as doubles, written as the shortest text that
 * reads back as the same double (1.50 -> 1.5, 1e5 -> 100000.0). An integer
 * beyond 64 bits is a parse error of jansson's ("too big integer"). */
#ifndef NEB_JSON_RECORD_H
#define NEB_JSON_RECORD_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct batch;
struct schema;

/* The flags the JSON readers parse with: any top-level value (a non-object
 * becomes a record error naming its kind), \u0000 allowed in strings. */
#define JSON_RECORD_LOAD_FLAGS (JSON_DECODE_ANY | JSON_ALLOW_NUL)

struct json_fields; /* an ordered, growable set of field names */
struct json_fields *json_fields_new(void);
void json_fields_free(struct json_fields *f);
/* Adds obj's keys not yet known, in first-seen order (dotted keys for nested
 * objects when flatten). A non-object adds nothing. Returns the number of
 * fields now known. */
int json_fields_collect(struct json_fields *f, const json_t *obj, int flatten);
/* The number of fields known. */
uint32_t json_fields_count(const struct json_fields *f);
/* Sets the schema's names and types from the fields (schema_init +
 * schema_set_name + types). */
void json_fields_to_schema(const struct json_fields *f, struct schema *out);

/* A hash index of a schema's field names and types, built once. The schema
 * must outlive it (the names are not copied). Safe to share between threads. */
struct json_index;
struct json_index *json_index_new(const struct schema *s);
void json_index_free(struct json_index *ix);
/* The field named key[0..len): its index (field `hint` is tried first: the
 * one after the previous key, when keys come in the schema's order), its
 * type (enum ftype) in *type; -1 when there is none. */
int json_index_find(const struct json_index *ix, const char *key, size_t len, uint32_t hint, uint8_t *type);

/* Fills record r of b (already added, all fields null) from obj, per the
 * schema ix indexes (one hash lookup per key): strings as their text,
 * numbers/true/false as their JSON text, null (or absent key) as a null
 * field, objects/arrays as compact JSON text (or flattened when flatten).
 * Returns 0, or -1 with a reason in msg (a key not in the schema, a value
 * that does not fit its field's type, a value that is not an object, a
 * flattened key met twice). */
int json_record_fill(struct batch *b, uint32_t r, const json_t *obj, const struct json_index *ix, int flatten,
		     char *msg, size_t n);

/* The text a JSON number that is not an integer (a double d) is written as:
 * the shortest that reads back as d, with a '.' whatever the locale ("1.0"
 * for a whole number). Returns its length. */
size_t json_record_format_real(char *o, size_t n, double d);

/* "an object", "an array", "a string", "a number", "a boolean", "null":
 * for messages. */
const char *json_record_kind(const json_t *v);

/* Appends v's compact JSON text and a NUL to raw: the raw bytes of the
 * sources whose records travel to their decoders as JSON texts (bigquery,
 * snowflake, google_ads; see http_client_locate_raw). -1 when out of
 * memory. */
struct buf;
int json_record_append_raw(struct buf *raw, const json_t *v);

#endif
