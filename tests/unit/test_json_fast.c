/* test_json_fast.c: unit tests for the JSON fast path (connectors/json_fast.c):
 * the values it writes (as RFC 8259 reads them and as json_record.h says
 * they are written), the records it must hand back to jansson, and the
 * verdicts of JSONTestSuite's parsing cases (tests/data/JSONTestSuite):
 * through the fast path then jansson, each case, and each case made a value
 * of a flat object, is accepted or refused exactly as jansson alone does,
 * and the y_ and n_ cases as the suite says. */
#include "autoconfig.h"

#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../connectors/json_fast.h"
#include "../../connectors/json_record.h"
#include "../../pipeline/batch.h"
#include "../../pipeline/schema.h"
#include "tests/unit/unit_main.h"

/* A schema of string fields named by names (NULL-ended), with types from
 * types ("sifb": string, int, float, bool; NULL: all strings). */
static void schema_of(struct schema *s, const char *const *names, const char *types)
{
	uint32_t n = 0;
	while (names[n])
		n++;
	schema_init(s, n);
	for (uint32_t i = 0; i < n; i++) {
		schema_set_name(s, i, names[i]);
		char t = types ? types[i] : 's';
		s->types[i] = t == 'i' ? FTYPE_INT : t == 'f' ? FTYPE_FLOAT : t == 'b' ? FTYPE_BOOL : FTYPE_STRING;
	}
}

/* The record's fields rendered "a=1|b=<null>|..." */
static void render(const struct schema *s, struct batch *b, uint32_t r, char *out, size_t n)
{
	size_t o = 0;
	out[0] = 0;
	for (uint32_t i = 0; i < s->width && o < n; i++) {
		struct field f = batch_record(b, r)[i];
		if (f.len == FIELD_NULL)
			o += (size_t)snprintf(out + o, n - o, "%s%s=<null>", i ? "|" : "", s->names[i]);
		else
			o += (size_t)snprintf(out + o, n - o, "%s%s=%.*s", i ? "|" : "", s->names[i], (int)f.len,
					      b->data.p + f.off);
	}
}

/* The fast path on text: 1 and the record rendered when it took it; 0 (and
 * the record checked all null, the arena untouched) when it handed it back. */
static int fast(const struct schema *s, const char *text, size_t len, char *out, size_t n)
{
	struct json_index *ix = json_index_new(s);
	struct batch *b = batch_new();
	batch_reserve_records(b, s->width, 4);
	uint32_t r = batch_add_record(b);
	int took = json_fast_fill(b, r, text, len, ix);
	if (took) {
		render(s, b, r, out, n);
	} else {
		ck_assert_uint_eq(b->data.len, 0);
		for (uint32_t i = 0; i < s->width; i++)
			ck_assert_uint_eq(batch_record(b, r)[i].len, FIELD_NULL);
		out[0] = 0;
	}
	batch_free(b);
	json_index_free(ix);
	return took;
}

struct fast_case {
	const char *text, *want;
};

START_TEST(test_fast_values)
{
	/* s: string, i: int, f: float, b: bool */
	const char *names[] = { "s", "i", "f", "b", NULL };
	struct schema sch;
	schema_of(&sch, names, "sifb");
	static const struct fast_case cases[] = {
		{ "{\"s\":\"plain\",\"i\":42,\"f\":2.5,\"b\":true}", "s=plain|i=42|f=2.5|b=true" },
		/* RFC 8259 section 7's escapes, and \u as UTF-8 (a surrogate pair is one character) */
		{ "{\"s\":\"q\\\" b\\\\ s\\/ \\b\\f\\n\\r\\t\"}", "s=q\" b\\ s/ \b\f\n\r\t|i=<null>|f=<null>|b=<null>" },
		{ "{\"s\":\"\\u00e9\\u20AC\\ud83d\\ude00\\u0041\"}", "s=\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80" "A|i=<null>|f=<null>|b=<null>" },
		{ "{\"s\":\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80 raw\"}", "s=\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80 raw|i=<null>|f=<null>|b=<null>" },
		/* white space anywhere between tokens; keys in any order; absent keys null */
		{ " \t{ \"b\" : false ,\r\n\"s\" :\"\" } \r\n", "s=|i=<null>|f=<null>|b=false" },
		{ "{}", "s=<null>|i=<null>|f=<null>|b=<null>" },
		{ "{\"s\":null,\"i\":null,\"f\":null,\"b\":null}", "s=<null>|i=<null>|f=<null>|b=<null>" },
		/* integers as written, -0 as 0; any number fits a float field */
		{ "{\"i\":-9007199254740993,\"f\":7}", "s=<null>|i=-9007199254740993|f=7|b=<null>" },
		{ "{\"i\":-0,\"f\":0}", "s=<null>|i=0|f=0|b=<null>" },
		/* other numbers: the shortest text that reads back as the same double */
		{ "{\"f\":80268.60}", "s=<null>|i=<null>|f=80268.6|b=<null>" },
		{ "{\"f\":3.000}", "s=<null>|i=<null>|f=3.0|b=<null>" },
		{ "{\"f\":-0.0}", "s=<null>|i=<null>|f=-0.0|b=<null>" },
		{ "{\"f\":0.0001}", "s=<null>|i=<null>|f=0.0001|b=<null>" },
		{ "{\"f\":0.00001}", "s=<null>|i=<null>|f=1e-05|b=<null>" },
		{ "{\"f\":1e5}", "s=<null>|i=<null>|f=100000.0|b=<null>" },
		{ "{\"f\":1.5E+2}", "s=<null>|i=<null>|f=150.0|b=<null>" },
		{ "{\"f\":0.1}", "s=<null>|i=<null>|f=0.1|b=<null>" },
		{ "{\"f\":123456789012345.6}", "s=<null>|i=<null>|f=123456789012345.6|b=<null>" },
		{ "{\"f\":1234567890123456.7}", "s=<null>|i=<null>|f=1234567890123456.8|b=<null>" },
		{ "{\"f\":1e16}", "s=<null>|i=<null>|f=1e+16|b=<null>" },
		{ "{\"f\":0.30000000000000004}", "s=<null>|i=<null>|f=0.30000000000000004|b=<null>" },
		/* a string field takes any scalar, as its JSON text */
		{ "{\"s\":12.50}", "s=12.5|i=<null>|f=<null>|b=<null>" },
		{ "{\"s\":true}", "s=true|i=<null>|f=<null>|b=<null>" },
		/* a key met twice after null: the last value, as jansson keeps it */
		{ "{\"s\":null,\"s\":\"x\"}", "s=x|i=<null>|f=<null>|b=<null>" },
	};
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		char got[512];
		ck_assert_msg(fast(&sch, cases[k].text, strlen(cases[k].text), got, sizeof got), "not taken: %s",
			      cases[k].text);
		ck_assert_str_eq(got, cases[k].want);
	}
	/* \u0000 is a NUL byte in the value (jansson's JSON_ALLOW_NUL) */
	const char nul[] = "{\"s\":\"a\\u0000b\"}";
	struct json_index *ix = json_index_new(&sch);
	struct batch *b = batch_new();
	batch_reserve_records(b, sch.width, 1);
	uint32_t r = batch_add_record(b);
	ck_assert(json_fast_fill(b, r, nul, sizeof nul - 1, ix));
	struct field f = batch_record(b, r)[0];
	ck_assert_uint_eq(f.len, 3);
	ck_assert_int_eq(memcmp(b->data.p + f.off, "a\0b", 3), 0);
	batch_free(b);
	json_index_free(ix);
	schema_free(&sch);
}
END_TEST

START_TEST(test_fast_hands_back)
{
	const char *names[] = { "s", "i", "f", "b", NULL };
	struct schema sch;
	schema_of(&sch, names, "sifb");
	static const char *const back[] = {
		/* not flat: jansson writes nested values as compact text, or flattens them */
		"{\"s\":{\"x\":1}}", "{\"s\":[1,2]}", "{\"s\":[]}",
		/* not an object, or not only one */
		"[1]", "\"s\"", "1", "", "   ", "{\"s\":1} {}", "{\"s\":1}x", "{\"s\":1",
		/* keys: unknown, escaped, twice (the record's error or jansson's last value) */
		"{\"zz\":1}", "{\"\\u0073\":\"x\"}", "{\"s\":\"a\",\"s\":\"b\"}", "{\"s\":\"a\",\"s\":null}",
		/* values that do not fit the field's type: the record's error names them */
		"{\"i\":1.5}", "{\"i\":\"1\"}", "{\"i\":true}", "{\"f\":\"x\"}", "{\"b\":1}", "{\"b\":\"true\"}",
		/* not JSON */
		"{\"s\":'x'}", "{s:1}", "{\"s\":1,}", "{,}", "{\"s\" 1}", "{\"s\":tru}", "{\"s\":nul}", "{\"s\":True}",
		"{\"i\":01}", "{\"i\":+1}", "{\"i\":-}", "{\"f\":1.}", "{\"f\":.5}", "{\"f\":1e}", "{\"f\":1e+}",
		"{\"f\":NaN}", "{\"f\":Infinity}", "{\"i\":0x10}", "{\"s\":\"a\tb\"}", "{\"s\":\"a\nb\"}",
		"{\"s\":\"\\x41\"}", "{\"s\":\"\\u12\"}", "{\"s\":\"\\u12G4\"}", "{\"s\":\"\\'\"}", "{\"s\":\"abc",
		/* lone surrogates: jansson refuses them */
		"{\"s\":\"\\ud800\"}", "{\"s\":\"\\udc00\"}", "{\"s\":\"\\ud800\\u0041\"}", "{\"s\":\"\\ud800x\"}",
		/* ill-formed UTF-8: a lone continuation, an overlong form, a surrogate, past U+10FFFF, cut short */
		"{\"s\":\"\x80\"}", "{\"s\":\"\xc0\xaf\"}", "{\"s\":\"\xed\xa0\x80\"}", "{\"s\":\"\xf4\x90\x80\x80\"}",
		"{\"s\":\"\xe2\x82\"}", "{\"s\xff\":1}",
		/* numbers out of jansson's ranges: its error, or its conversion */
		"{\"i\":12345678901234567890123}", "{\"f\":1e400}", "{\"f\":-1e400}",
	};
	for (size_t k = 0; k < sizeof back / sizeof back[0]; k++) {
		char got[512];
		ck_assert_msg(!fast(&sch, back[k], strlen(back[k]), got, sizeof got), "taken: %s -> %s", back[k], got);
	}
	/* a NUL byte outside a string (JSON has none) */
	const char nul[] = "{\"s\":1\0}";
	char got[64];
	ck_assert(!fast(&sch, nul, sizeof nul - 1, got, sizeof got));
	schema_free(&sch);
}
END_TEST

/* --- JSONTestSuite ----------------------------------------------------------- */

/* jansson's verdict on a record, as the sources parse it: 1 accepted. */
static int suite_jansson(const char *text, size_t len)
{
	if (memchr(text, 0, len))
		return 0;
	json_t *v = json_loadb(text, len, JSON_RECORD_LOAD_FLAGS, NULL);
	json_decref(v);
	return v != NULL;
}

/* The verdict through the fast path, then jansson for what it hands back;
 * when the fast path takes it, jansson must accept it and give the same
 * fields. The schema is the text's own keys (or one string field "k"). */
static int suite_fast_then_jansson(const char *name, const char *text, size_t len)
{
	struct json_fields *f = json_fields_new();
	json_t *v = memchr(text, 0, len) ? NULL : json_loadb(text, len, JSON_RECORD_LOAD_FLAGS, NULL);
	if (v)
		json_fields_collect(f, v, 0);
	struct schema s;
	if (json_fields_count(f)) {
		json_fields_to_schema(f, &s);
	} else {
		const char *names[] = { "k", NULL };
		schema_of(&s, names, NULL);
	}
	json_fields_free(f);
	char got[4096], want[4096];
	int took = fast(&s, text, len, got, sizeof got);
	if (took) {
		ck_assert_msg(v != NULL, "%s: the fast path took what jansson refuses", name);
		struct json_index *ix = json_index_new(&s);
		struct batch *b = batch_new();
		batch_reserve_records(b, s.width, 1);
		uint32_t r = batch_add_record(b);
		char msg[256];
		ck_assert_int_eq(json_record_fill(b, r, v, ix, 0, msg, sizeof msg), 0);
		render(&s, b, r, want, sizeof want);
		ck_assert_msg(!strcmp(got, want), "%s: fast path %s, jansson %s", name, got, want);
		batch_free(b);
		json_index_free(ix);
	}
	json_decref(v);
	schema_free(&s);
	return took || suite_jansson(text, len);
}

static char *suite_read(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	ck_assert_msg(fp != NULL, "cannot open %s", path);
	char *p = NULL;
	size_t cap = 0, n = 0;
	for (;;) {
		if (n + 4096 > cap) {
			cap = (n + 4096) * 2;
			p = realloc(p, cap);
			ck_assert(p != NULL);
		}
		size_t got = fread(p + n, 1, cap - n, fp);
		n += got;
		if (got == 0)
			break;
	}
	fclose(fp);
	*len = n;
	return p;
}

/* The case as it is, as the value of a key, and (for "[X]") X as the value
 * of a key: one of them reaches the fast path for most scalar cases. */
static void suite_check_case(const char *name, const char *text, size_t len, int *accepted_as_is)
{
	size_t cap = len + 16;
	char *w = malloc(cap);
	ck_assert(w != NULL);
	ck_assert_int_eq(suite_fast_then_jansson(name, text, len), suite_jansson(text, len));
	*accepted_as_is = suite_jansson(text, len);
	memcpy(w, "{\"k\":", 5);
	memcpy(w + 5, text, len);
	w[5 + len] = '}';
	ck_assert_int_eq(suite_fast_then_jansson(name, w, len + 6), suite_jansson(w, len + 6));
	size_t a = 0, z = len;
	while (a < z && strchr(" \t\r\n", text[a]))
		a++;
	while (z > a && strchr(" \t\r\n", text[z - 1]))
		z--;
	if (z - a >= 2 && text[a] == '[' && text[z - 1] == ']') {
		size_t in = z - a - 2;
		memcpy(w + 5, text + a + 1, in);
		w[5 + in] = '}';
		ck_assert_int_eq(suite_fast_then_jansson(name, w, in + 6), suite_jansson(w, in + 6));
	}
	free(w);
}

static int suite_cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

START_TEST(test_json_test_suite)
{
	/* where jansson's verdict is not the suite's (jansson 2.14, with the
	 * flags the sources parse with): the sources keep jansson's. A key
	 * holding \u0000 is refused: "NUL byte in object key not supported". */
	static const char *const jansson_differs[] = {
		"y_object_escaped_null_in_key.json", NULL,
	};
	const char *dir = NEB_SRCDIR "/tests/data/JSONTestSuite/test_parsing";
	DIR *d = opendir(dir);
	ck_assert_msg(d != NULL, "cannot open %s", dir);
	char **names = NULL;
	size_t n = 0;
	for (struct dirent *e; (e = readdir(d));) {
		if (e->d_name[0] == '.' || !strstr(e->d_name, ".json"))
			continue;
		names = realloc(names, (n + 1) * sizeof *names);
		names[n++] = strdup(e->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof *names, suite_cmp);
	ck_assert_uint_ge(n, 300);
	size_t y = 0, nn = 0, i = 0, differs = 0;
	for (size_t k = 0; k < n; k++) {
		char path[1024];
		snprintf(path, sizeof path, "%s/%s", dir, names[k]);
		size_t len;
		char *text = suite_read(path, &len);
		int accepted;
		suite_check_case(names[k], text, len, &accepted);
		int known = 0;
		for (size_t j = 0; jansson_differs[j]; j++)
			known |= !strcmp(jansson_differs[j], names[k]);
		if (names[k][0] == 'y' || names[k][0] == 'n') {
			int want = names[k][0] == 'y';
			if (known) {
				ck_assert_msg(accepted != want, "%s: now as the suite says: drop it from the list", names[k]);
				differs++;
			} else {
				ck_assert_msg(accepted == want, "%s: %s", names[k], accepted ? "accepted" : "refused");
			}
			*(names[k][0] == 'y' ? &y : &nn) += 1;
		} else {
			i++;
		}
		free(text);
		free(names[k]);
	}
	free(names);
	ck_assert_uint_ge(y, 90);
	ck_assert_uint_ge(nn, 180);
	ck_assert_uint_ge(i, 30);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("json_fast");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_fast_values);
	tcase_add_test(tc, test_fast_hands_back);
	tcase_add_test(tc, test_json_test_suite);
	suite_add_tcase(s, tc);
	return unit_run_suite(s);
}
