/* fuzz_json_fast.c: libFuzzer harness that checks the JSON fast path
 * (json_fast_fill) against the jansson path (json_loadb, then
 * json_record_fill) on the same record.
 *
 * The property: whenever the fast path takes a record, jansson parses the
 * same text to an object that json_record_fill turns into the very same
 * fields (null or not, byte for byte), with flatten off and on; whenever it
 * does not, it leaves the record all null and the arena as it was. Any
 * difference abort()s.
 *
 * Input layout: byte 0 picks types to force on the fields (bits 0-1: none,
 * all strings, the first field an int, the first field a bool); the rest is
 * "SAMPLE\nRECORD" (or just RECORD): the field names and types come from
 * the sample's keys as the sources collect them (the record's own when
 * there is no sample), so keys outside the schema and values that do not
 * fit their field's type are met as well. */
#include "autoconfig.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connectors/json_fast.h"
#include "connectors/json_record.h"
#include "pipeline/batch.h"
#include "pipeline/schema.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define fuzz_json_fast_require(cond, what)                                                   \
	do {                                                                                 \
		if (!(cond)) {                                                               \
			fprintf(stderr, "fuzz_json_fast: %s (%s:%d)\n", what, __FILE__, __LINE__); \
			abort();                                                             \
		}                                                                            \
	} while (0)

/* The jansson path on one record, as the sources run it: 0 when it gave a
 * record, -1 when the record is an error. */
static int fuzz_json_fast_slow(struct batch *b, uint32_t r, const char *rec, size_t len, const struct json_index *ix,
			       int flatten)
{
	if (memchr(rec, 0, len))
		return -1; /* the sources refuse a NUL byte before jansson sees it */
	json_t *v = json_loadb(rec, len, JSON_RECORD_LOAD_FLAGS, NULL);
	if (!v)
		return -1;
	char msg[400];
	int rc = json_record_fill(b, r, v, ix, flatten, msg, sizeof msg);
	json_decref(v);
	return rc;
}

static void fuzz_json_fast_same(const struct batch *a, const struct batch *b)
{
	for (uint32_t i = 0; i < a->width; i++) {
		struct field fa = a->fields[i], fb = b->fields[i];
		fuzz_json_fast_require(fa.len == fb.len, "a field's length (or null) differs from jansson's");
		if (fa.len != FIELD_NULL && fa.len)
			fuzz_json_fast_require(!memcmp(a->data.p + fa.off, b->data.p + fb.off, fa.len),
					       "a field's bytes differ from jansson's");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	unsigned force = data[0] & 3;
	const char *text = (const char *)data + 1;
	size_t n = size - 1;
	const char *nl = memchr(text, '\n', n);
	const char *sample = text, *rec = text;
	size_t sample_len = n, len = n;
	if (nl) {
		sample_len = (size_t)(nl - text);
		rec = nl + 1;
		len = n - sample_len - 1;
	}
	struct json_fields *f = json_fields_new();
	json_t *sv = memchr(sample, 0, sample_len) ? NULL : json_loadb(sample, sample_len, JSON_RECORD_LOAD_FLAGS, NULL);
	if (sv)
		json_fields_collect(f, sv, data[0] & 4);
	json_decref(sv);
	struct schema s;
	json_fields_to_schema(f, &s);
	json_fields_free(f);
	for (uint32_t i = 0; i < s.width; i++)
		if (force == 1 || (i == 0 && force >= 2))
			s.types[i] = force == 1 ? FTYPE_STRING : force == 2 ? FTYPE_INT : FTYPE_BOOL;
	struct json_index *ix = json_index_new(&s);
	/* the record copied alone, so that a read past its end is caught */
	char *own = malloc(len ? len : 1);
	fuzz_json_fast_require(own != NULL, "out of memory");
	memcpy(own, rec, len);

	struct batch *fast = batch_new(), *slow = batch_new();
	batch_reserve_records(fast, s.width, 2);
	batch_reserve_records(slow, s.width, 2);
	uint32_t r0 = batch_add_record(fast);
	if (s.width)
		batch_set_field(fast, r0, 0, "x", 1); /* something already in the arena */
	uint32_t r = batch_add_record(fast);
	size_t before = fast->data.len;
	int took = json_fast_fill(fast, r, own, len, ix);
	if (!took) {
		fuzz_json_fast_require(fast->data.len == before, "a record handed back left bytes in the arena");
		for (uint32_t i = 0; i < s.width; i++)
			fuzz_json_fast_require(batch_record(fast, r)[i].len == FIELD_NULL, "a record handed back kept a field");
	} else {
		struct batch view = *fast;
		view.fields = batch_record(fast, r);
		for (int flatten = 0; flatten <= 1; flatten++) {
			batch_reset(slow);
			batch_reserve_records(slow, s.width, 1);
			uint32_t rs = batch_add_record(slow);
			fuzz_json_fast_require(fuzz_json_fast_slow(slow, rs, own, len, ix, flatten) == 0,
					       "the fast path took a record that jansson refuses");
			fuzz_json_fast_same(&view, slow);
		}
	}
	batch_free(fast);
	batch_free(slow);
	free(own);
	json_index_free(ix);
	schema_free(&s);
	return 0;
}
