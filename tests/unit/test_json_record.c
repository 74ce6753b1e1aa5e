/* test_json_record.c: unit tests for JSON objects into records
 * (connectors/json_record.c): field collection in first-seen order, field
 * types, value text, flattening, the errors, and a record of 300 fields in
 * reverse order (the hash index). */
#include "autoconfig.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../connectors/json_record.h"
#include "../../pipeline/batch.h"
#include "../../pipeline/schema.h"
#include "tests/unit/unit_main.h"

static json_t *load(const char *text)
{
	json_error_t err;
	json_t *v = json_loads(text, JSON_RECORD_LOAD_FLAGS, &err);
	ck_assert_msg(v != NULL, "%s: %s", text, err.text);
	return v;
}

/* The schema of the records of texts (NULL-ended), flattened or not; it
 * must have width fields (0: not checked). */
static void schema_from(const char *const *texts, int flatten, uint32_t width, struct schema *s)
{
	struct json_fields *f = json_fields_new();
	for (size_t i = 0; texts[i]; i++) {
		json_t *v = load(texts[i]);
		json_fields_collect(f, v, flatten);
		json_decref(v);
	}
	json_fields_to_schema(f, s);
	json_fields_free(f);
	if (width)
		ck_assert_uint_eq(s->width, width);
}

/* Fills one record from text; returns the record's fields rendered
 * "a=1|b=<null>|..." or the error. */
static void fill_text(const struct schema *s, const char *text, int flatten, char *out, size_t n)
{
	struct json_index *ix = json_index_new(s);
	struct batch *b = batch_new();
	batch_reserve_records(b, s->width, 4);
	uint32_t r = batch_add_record(b);
	json_t *v = load(text);
	char msg[512];
	int rc = json_record_fill(b, r, v, ix, flatten, msg, sizeof msg);
	json_decref(v);
	size_t o = 0;
	out[0] = 0;
	if (rc) {
		snprintf(out, n, "error: %s", msg);
	} else {
		for (uint32_t i = 0; i < s->width && o < n; i++) {
			struct field f = batch_record(b, r)[i];
			if (f.len == FIELD_NULL)
				o += (size_t)snprintf(out + o, n - o, "%s%s=<null>", i ? "|" : "", s->names[i]);
			else
				o += (size_t)snprintf(out + o, n - o, "%s%s=%.*s", i ? "|" : "", s->names[i], (int)f.len,
						      b->data.p + f.off);
		}
	}
	batch_free(b);
	json_index_free(ix);
}

/* fill_text of text (flattened or not) must give want. */
static void fill_check_text(const struct schema *s, const char *text, int flatten, const char *want)
{
	char got[1024];
	fill_text(s, text, flatten, got, sizeof got);
	ck_assert_str_eq(got, want);
}

/* A text to fill a record from, flattened or not, and what fill_text must
 * give. */
struct fill_case {
	const char *text;
	int flatten;
	const char *want;
};

/* fill_check_text of each of the n cases, in order. */
static void fill_check_all(const struct schema *s, const struct fill_case *c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fill_check_text(s, c[i].text, c[i].flatten, c[i].want);
}

START_TEST(test_fields_first_seen_order)
{
	const char *texts[] = { "{\"b\":1,\"a\":2}", "{\"c\":3,\"a\":4}", "[1,2]", "{\"d\":{\"x\":1}}", NULL };
	struct schema s;
	schema_from(texts, 0, 4, &s);
	ck_assert_str_eq(s.names[0], "b");
	ck_assert_str_eq(s.names[1], "a");
	ck_assert_str_eq(s.names[2], "c");
	ck_assert_str_eq(s.names[3], "d");
	schema_free(&s);
}
END_TEST

START_TEST(test_values_as_text)
{
	/* string fields (the first record's values are strings): every value fits, as text */
	const char *texts[] = { "{\"s\":\"\",\"i\":\"\",\"r\":\"\",\"t\":\"\",\"f\":\"\",\"n\":\"\",\"o\":\"\",\"a\":\"\","
				"\"e\":\"\",\"m\":\"\"}",
				NULL };
	struct schema s;
	schema_from(texts, 0, 0, &s);
	fill_check_text(&s, "{\"s\":\"h\\u00e9\\\"\\n\",\"i\":-9007199254740993,\"r\":0.1,\"t\":true,\"f\":false,\"n\":null,"
			"\"o\":{\"x\": [1, {\"y\": \"z\"}]},\"a\":[],\"e\":1e5}", 0,
			"s=h\xc3\xa9\"\n|i=-9007199254740993|r=0.1|t=true|f=false|n=<null>|"
			"o={\"x\":[1,{\"y\":\"z\"}]}|a=[]|e=100000.0|m=<null>");
	schema_free(&s);
}
END_TEST

/* Types from the first records: all integers -> int, numbers -> float (an
 * integer among reals too), true/false -> bool, nulls leave a type as it
 * was, a mix or any string/object/array -> string, never seen -> string.
 * Later values must fit: 1.5 or "7" in an int field, a string in a float
 * field, 1 in a bool field are record errors naming the key and the types. */
START_TEST(test_types_from_first_records)
{
	const char *texts[] = { "{\"i\":1,\"r\":1,\"b\":true,\"mix\":1,\"s\":\"a\",\"n\":null,\"o\":{}}",
				"{\"i\":null,\"r\":2.5,\"b\":false,\"mix\":\"x\",\"s\":2}", NULL };
	struct schema s;
	schema_from(texts, 0, 7, &s);
	const uint8_t want[] = { FTYPE_INT, FTYPE_FLOAT, FTYPE_BOOL, FTYPE_STRING, FTYPE_STRING, FTYPE_STRING, FTYPE_STRING };
	for (uint32_t i = 0; i < s.width; i++)
		ck_assert_msg(s.types[i] == want[i], "field %s: type %d, expected %d", s.names[i], s.types[i], want[i]);
	fill_check_all(&s, (const struct fill_case[]){
		{ "{\"i\":-3,\"r\":7,\"b\":true,\"mix\":false,\"s\":1.5,\"n\":\"t\",\"o\":[1]}", 0,
			"i=-3|r=7|b=true|mix=false|s=1.5|n=t|o=[1]" },
		{ "{\"i\":1.5}", 0, "error: key 'i' holds a number, where the first records held integers" },
		{ "{\"i\":\"7\"}", 0, "error: key 'i' holds a string, where the first records held integers" },
		{ "{\"r\":\"x\"}", 0, "error: key 'r' holds a string, where the first records held numbers" },
		{ "{\"b\":1}", 0, "error: key 'b' holds a number, where the first records held booleans" },
		{ "{\"i\":null,\"r\":null,\"b\":null}", 0,
			"i=<null>|r=<null>|b=<null>|mix=<null>|s=<null>|n=<null>|o=<null>" },
	}, 6);
	schema_free(&s);
}
END_TEST

START_TEST(test_flatten)
{
	const char *texts[] = { "{\"id\":1,\"user\":{\"name\":\"a\",\"geo\":{\"lat\":1.5}},\"tags\":[1],\"x\":{}}", NULL };
	struct schema s;
	schema_from(texts, 1, 5, &s);
	ck_assert_str_eq(s.names[1], "user.name");
	ck_assert_str_eq(s.names[2], "user.geo.lat");
	ck_assert_str_eq(s.names[4], "x");
	fill_check_all(&s, (const struct fill_case[]){
		{ "{\"x\":{},\"user\":{\"geo\":{\"lat\":2}},\"id\":7}", 1,
			"id=7|user.name=<null>|user.geo.lat=2|tags=<null>|x={}" },
		{ "{\"user\":{\"geo\":{\"lon\":2}}}", 1,
			"error: key 'user.geo.lon' is not a field of the input (fields come from the first "
			"records)" },
	}, 2);
	schema_free(&s);
}
END_TEST

START_TEST(test_errors)
{
	const char *texts[] = { "{\"a.b\":1,\"a\":{\"b\":2}}", NULL };
	struct schema s;
	schema_from(texts, 1, 1, &s);
	fill_check_all(&s, (const struct fill_case[]){
		{ "{\"a.b\":1,\"a\":{\"b\":2}}", 1,
			"error: key 'a.b' appears twice (a dotted key and a nested object name one field)" },
		{ "[1]", 1, "error: expected a JSON object, found an array" },
		{ "\"x\"", 0, "error: expected a JSON object, found a string" },
		{ "{\"zz\":1}", 0,
			"error: key 'zz' is not a field of the input (fields come from the first records)" },
	}, 4);
	schema_free(&s);
}
END_TEST

/* Writes {"k0":0,...,"k299":299} into text, the keys in reverse order when
 * reverse is set. */
static void many_write_keys(char *text, size_t n, int reverse)
{
	size_t o = 0;
	o += (size_t)snprintf(text + o, n - o, "{");
	for (int k = 0; k < 300; k++) {
		int i = reverse ? 299 - k : k;
		o += (size_t)snprintf(text + o, n - o, "%s\"k%d\":%d", k ? "," : "", i, i);
	}
	snprintf(text + o, n - o, "}");
}

/* Many fields, keys in reverse order: both lookups find every field. */
START_TEST(test_many_fields_any_order)
{
	char text[8192];
	many_write_keys(text, sizeof text, 0);
	const char *texts[] = { text, NULL };
	struct schema s;
	schema_from(texts, 0, 300, &s);
	many_write_keys(text, sizeof text, 1);
	static char got[16384];
	fill_text(&s, text, 0, got, sizeof got);
	ck_assert(strstr(got, "k0=0|k1=1|") == got);
	ck_assert(strstr(got, "|k299=299") != NULL);
	schema_free(&s);
}
END_TEST

static Suite *json_record_suite(void)
{
	Suite *s = suite_create("json_record");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_fields_first_seen_order);
	tcase_add_test(tc, test_values_as_text);
	tcase_add_test(tc, test_types_from_first_records);
	tcase_add_test(tc, test_flatten);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_many_fields_any_order);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run_suite(json_record_suite());
}
