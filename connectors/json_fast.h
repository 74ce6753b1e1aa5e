/* json_fast.h: the fast path of the JSON sources for the common record, a
 * flat object of scalars: one pass over the bytes that writes the fields
 * straight into the batch's arena, with no tree built and walked.
 *
 * It takes what it can prove gives the very fields json_record_fill gives
 * for jansson's tree of the same text, and hands back everything else:
 * nested objects and arrays, keys with escapes or outside the schema, a
 * value that does not fit its field's type, a key met twice, a lone
 * surrogate escape, invalid UTF-8, control characters, numbers out of range,
 * and anything that is not valid JSON. The caller then parses the record
 * with jansson, which gives the record or the record's error as before.
 * tests/fuzz/fuzz_json_fast.c checks the identity on arbitrary input. */
#ifndef NEB_JSON_FAST_H
#define NEB_JSON_FAST_H

#include <stddef.h>
#include <stdint.h>

struct batch;
struct json_index;

/* Fills record r of b (added, all fields null) from the JSON text
 * rec[0..len). Returns 1 when it did; 0 when the record is not one it takes
 * (record r's fields are null again and the arena is as it was). */
int json_fast_fill(struct batch *b, uint32_t r, const char *rec, size_t len, const struct json_index *ix);

#endif
