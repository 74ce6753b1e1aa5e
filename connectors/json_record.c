/* json_record.c: JSON objects (jansson) into records: the field names a set
 * of objects has (json_fields), and one object into one record
 * (json_record_fill). See json_record.h for how values become text. */
#include "autoconfig.h"

#include "json_record.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../pipeline/batch.h"
#include "../pipeline/schema.h"
#include "../src/base/utf8.h"

/* --- a set of names with a hash index -------------------------------------- */

struct json_names {
	char **names; /* owned when own */
	uint32_t *lens;
	uint32_t n, cap;
	uint32_t *slots; /* open addressing: 0 = empty, else index + 1 */
	uint32_t mask;   /* number of slots - 1 */
	int own;
};

/* What the values of a field were in the records collected: the field's
 * type. Nulls leave it as it was; numbers and booleans keep their kind;
 * anything else, or a mix, makes it a string. */
enum jr_kind { JR_UNSEEN = 0, JR_INT, JR_REAL, JR_BOOL, JR_TEXT };

struct json_fields {
	struct json_names nm;
	uint8_t *kinds; /* enum jr_kind, per name */
	uint32_t kinds_cap;
};

struct json_index {
	struct json_names nm;
	const uint8_t *types; /* the schema's (enum ftype), per name */
};

static void jr_out_of_memory(void)
{
	fprintf(stderr, "nebtop: out of memory\n");
	abort();
}

static void *jr_xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		jr_out_of_memory();
	return p;
}

static uint32_t jr_hash(const char *k, size_t len)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)k[i]) * 16777619u;
	return h;
}

static void jr_names_rehash(struct json_names *nm, uint32_t nslots)
{
	free(nm->slots);
	nm->slots = calloc(nslots, sizeof *nm->slots);
	if (!nm->slots)
		jr_out_of_memory();
	nm->mask = nslots - 1;
	for (uint32_t i = 0; i < nm->n; i++) {
		uint32_t h = jr_hash(nm->names[i], nm->lens[i]) & nm->mask;
		while (nm->slots[h])
			h = (h + 1) & nm->mask;
		nm->slots[h] = i + 1;
	}
}

static int jr_names_find(const struct json_names *nm, const char *key, size_t len)
{
	if (!nm->slots)
		return -1;
	for (uint32_t h = jr_hash(key, len) & nm->mask; nm->slots[h]; h = (h + 1) & nm->mask) {
		uint32_t i = nm->slots[h] - 1;
		if (nm->lens[i] == len && !memcmp(nm->names[i], key, len))
			return (int)i;
	}
	return -1;
}

/* Appends a name (copied when the set owns its names; else borrowed). */
static void jr_names_add(struct json_names *nm, const char *key, size_t len)
{
	if (nm->n == nm->cap) {
		nm->cap = nm->cap ? nm->cap * 2 : 16;
		nm->names = jr_xrealloc(nm->names, nm->cap * sizeof *nm->names);
		nm->lens = jr_xrealloc(nm->lens, nm->cap * sizeof *nm->lens);
	}
	char *name = (char *)key;
	if (nm->own) {
		name = jr_xrealloc(NULL, len + 1);
		memcpy(name, key, len);
		name[len] = 0;
	}
	nm->names[nm->n] = name;
	nm->lens[nm->n] = (uint32_t)len;
	nm->n++;
	if (!nm->slots || (uint64_t)nm->n * 2 > (uint64_t)nm->mask + 1)
		jr_names_rehash(nm, nm->slots ? (nm->mask + 1) * 2 : 32);
	else {
		uint32_t h = jr_hash(key, len) & nm->mask;
		while (nm->slots[h])
			h = (h + 1) & nm->mask;
		nm->slots[h] = nm->n;
	}
}

static void jr_names_free(struct json_names *nm)
{
	for (uint32_t i = 0; nm->own && i < nm->n; i++)
		free(nm->names[i]);
	free(nm->names);
	free(nm->lens);
	free(nm->slots);
	memset(nm, 0, sizeof *nm);
}

/* --- dotted key paths ------------------------------------------------------- */

/* The key being built while walking nested objects: "a.b.c". */
struct jr_path {
	char *p;
	size_t len, cap;
	char stack[256];
};

static void jr_path_init(struct jr_path *pa)
{
	pa->p = pa->stack;
	pa->len = 0;
	pa->cap = sizeof pa->stack;
}

/* Appends ".key" (or "key" at the top); returns the length to restore. */
static size_t jr_path_push(struct jr_path *pa, const char *key, size_t len)
{
	size_t old = pa->len, need = old + len + 2;
	if (need > pa->cap) {
		size_t cap = need * 2;
		char *p = jr_xrealloc(pa->p == pa->stack ? NULL : pa->p, cap);
		if (pa->p == pa->stack)
			memcpy(p, pa->stack, pa->len);
		pa->p = p;
		pa->cap = cap;
	}
	if (old)
		pa->p[pa->len++] = '.';
	memcpy(pa->p + pa->len, key, len);
	pa->len += len;
	return old;
}

static void jr_path_free(struct jr_path *pa)
{
	if (pa->p != pa->stack)
		free(pa->p);
}

/* --- field names ------------------------------------------------------------- */

struct json_fields *json_fields_new(void)
{
	struct json_fields *f = jr_xrealloc(NULL, sizeof *f);
	memset(f, 0, sizeof *f);
	f->nm.own = 1;
	return f;
}

void json_fields_free(struct json_fields *f)
{
	if (!f)
		return;
	jr_names_free(&f->nm);
	free(f->kinds);
	free(f);
}

/* The kind of field i after it has seen v. */
static void jr_note_kind(struct json_fields *f, uint32_t i, const json_t *v)
{
	if (i >= f->kinds_cap) {
		uint32_t cap = f->kinds_cap ? f->kinds_cap * 2 : 16;
		while (cap <= i)
			cap *= 2;
		f->kinds = jr_xrealloc(f->kinds, cap);
		memset(f->kinds + f->kinds_cap, JR_UNSEEN, cap - f->kinds_cap);
		f->kinds_cap = cap;
	}
	uint8_t *k = &f->kinds[i];
	switch (json_typeof(v)) {
	case JSON_NULL:
		break;
	case JSON_INTEGER:
		if (*k == JR_UNSEEN)
			*k = JR_INT;
		else if (*k != JR_INT && *k != JR_REAL)
			*k = JR_TEXT;
		break;
	case JSON_REAL:
		*k = *k == JR_UNSEEN || *k == JR_INT || *k == JR_REAL ? JR_REAL : JR_TEXT;
		break;
	case JSON_TRUE:
	case JSON_FALSE:
		*k = *k == JR_UNSEEN || *k == JR_BOOL ? JR_BOOL : JR_TEXT;
		break;
	default:
		*k = JR_TEXT;
		break;
	}
}

static void jr_collect(struct json_fields *f, const json_t *obj, int flatten, struct jr_path *pa)
{
	const char *key;
	size_t klen;
	json_t *v;
	json_object_keylen_foreach((json_t *)obj, key, klen, v)
	{
		size_t old = jr_path_push(pa, key, klen);
		if (flatten && json_is_object(v) && json_object_size(v)) {
			jr_collect(f, v, flatten, pa);
		} else {
			int i = jr_names_find(&f->nm, pa->p, pa->len);
			if (i < 0) {
				jr_names_add(&f->nm, pa->p, pa->len);
				i = (int)f->nm.n - 1;
			}
			jr_note_kind(f, (uint32_t)i, v);
		}
		pa->len = old;
	}
}

int json_fields_collect(struct json_fields *f, const json_t *obj, int flatten)
{
	if (json_is_object(obj)) {
		struct jr_path pa;
		jr_path_init(&pa);
		jr_collect(f, obj, flatten, &pa);
		jr_path_free(&pa);
	}
	return (int)f->nm.n;
}

uint32_t json_fields_count(const struct json_fields *f) { return f->nm.n; }

void json_fields_to_schema(const struct json_fields *f, struct schema *out)
{
	schema_init(out, f->nm.n);
	for (uint32_t i = 0; i < f->nm.n; i++) {
		schema_set_name(out, i, f->nm.names[i]);
		uint8_t k = i < f->kinds_cap ? f->kinds[i] : JR_UNSEEN;
		out->types[i] = k == JR_INT ? FTYPE_INT : k == JR_REAL ? FTYPE_FLOAT : k == JR_BOOL ? FTYPE_BOOL : FTYPE_STRING;
	}
}

struct json_index *json_index_new(const struct schema *s)
{
	struct json_index *ix = jr_xrealloc(NULL, sizeof *ix);
	memset(ix, 0, sizeof *ix);
	for (uint32_t i = 0; i < s->width; i++)
		jr_names_add(&ix->nm, s->names[i], strlen(s->names[i]));
	ix->types = s->types;
	return ix;
}

int json_index_find(const struct json_index *ix, const char *key, size_t len, uint32_t hint, uint8_t *type)
{
	const struct json_names *nm = &ix->nm;
	int i;
	if (hint < nm->n && nm->lens[hint] == len && !memcmp(nm->names[hint], key, len))
		i = (int)hint;
	else if ((i = jr_names_find(nm, key, len)) < 0)
		return -1;
	*type = ix->types ? ix->types[i] : FTYPE_STRING;
	return i;
}

void json_index_free(struct json_index *ix)
{
	if (!ix)
		return;
	jr_names_free(&ix->nm);
	free(ix);
}

/* --- one object into one record ------------------------------------------- */

struct jr_fill {
	struct batch *b;
	uint32_t r;
	const struct json_names *ix;   /* the fields, by name */
	const uint8_t *types;          /* the fields' types (enum ftype) */
	int flatten;
	char *msg;
	size_t n;
	struct jr_path path;
};

const char *json_record_kind(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
	case JSON_REAL:
		return "a number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	default:
		return "null";
	}
}

size_t json_record_format_real(char *o, size_t n, double d)
{
	int len = 0;
	for (int prec = 15; prec <= 17; prec++) {
		len = snprintf(o, n, "%.*g", prec, d);
		if (strtod(o, NULL) == d)
			break;
	}
	int plain = 1;
	for (int i = 0; i < len; i++) {
		if (o[i] == 'e' || o[i] == 'n' || o[i] == 'i')
			plain = 0;
		else if (!(o[i] >= '0' && o[i] <= '9') && o[i] != '-' && o[i] != '+') {
			o[i] = '.'; /* a locale's decimal comma */
			plain = 0;
		}
	}
	if (plain && (size_t)len + 2 < n) {
		o[len++] = '.';
		o[len++] = '0';
		o[len] = 0;
	}
	return (size_t)len;
}

static int jr_dump_append(const char *p, size_t size, void *data)
{
	buf_append(data, p, size);
	return 0;
}

static int jr_fail(struct jr_fill *c, const char *key, size_t len, const char *what)
{
	int shown = (int)utf8_cut(key, len > 200 ? 200 : len); /* whole characters */
	snprintf(c->msg, c->n, "key '%.*s%s' %s", shown, key, (size_t)shown < len ? "..." : "", what);
	return -1;
}

/* A value fits a typed field when the JSON destination can write it bare
 * and a typed column takes it: integers in an integer field, any number in a
 * number field, true/false in a boolean field; null fits everywhere. */
static int jr_fits_type(uint8_t type, const json_t *v)
{
	switch (type) {
	case FTYPE_INT:
		return json_is_integer(v) || json_is_null(v);
	case FTYPE_FLOAT:
		return json_is_number(v) || json_is_null(v);
	case FTYPE_BOOL:
		return json_is_boolean(v) || json_is_null(v);
	default:
		return 1;
	}
}

static const char *jr_type_text(uint8_t type)
{
	return type == FTYPE_INT ? "integers" : type == FTYPE_FLOAT ? "numbers" : "booleans";
}

static int jr_set(struct jr_fill *c, const char *key, size_t klen, const json_t *v)
{
	int i = jr_names_find(c->ix, key, klen);
	if (i < 0)
		return jr_fail(c, key, klen, "is not a field of the input (fields come from the first records)");
	struct batch *b = c->b;
	struct field *f = &batch_record(b, c->r)[i];
	if (f->len != FIELD_NULL)
		return jr_fail(c, key, klen, "appears twice (a dotted key and a nested object name one field)");
	char num[64];
	if (!jr_fits_type(c->types ? c->types[i] : FTYPE_STRING, v)) {
		snprintf(num, sizeof num, "holds %s, where the first records held %s", json_record_kind(v),
			 jr_type_text(c->types[i]));
		return jr_fail(c, key, klen, num);
	}
	switch (json_typeof(v)) {
	case JSON_STRING:
		batch_set_field(b, c->r, (uint32_t)i, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		batch_set_field(b, c->r, (uint32_t)i, num,
				(size_t)snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(v)));
		break;
	case JSON_REAL:
		batch_set_field(b, c->r, (uint32_t)i, num, json_record_format_real(num, sizeof num, json_real_value(v)));
		break;
	case JSON_TRUE:
		batch_set_field(b, c->r, (uint32_t)i, "true", 4);
		break;
	case JSON_FALSE:
		batch_set_field(b, c->r, (uint32_t)i, "false", 5);
		break;
	case JSON_NULL:
		break;
	default: { /* an object or an array: compact JSON text */
		size_t start = b->data.len;
		json_dump_callback(v, jr_dump_append, &b->data, JSON_COMPACT | JSON_ENCODE_ANY);
		f = &batch_record(b, c->r)[i];
		f->off = (uint32_t)start;
		f->len = (uint32_t)(b->data.len - start);
		break;
	}
	}
	return 0;
}

static int jr_fill_object(struct jr_fill *c, const json_t *obj)
{
	const char *key;
	size_t klen;
	json_t *v;
	json_object_keylen_foreach((json_t *)obj, key, klen, v)
	{
		if (!c->flatten) {
			if (jr_set(c, key, klen, v))
				return -1;
			continue;
		}
		size_t old = jr_path_push(&c->path, key, klen);
		int rc = json_is_object(v) && json_object_size(v) ? jr_fill_object(c, v)
								 : jr_set(c, c->path.p, c->path.len, v);
		c->path.len = old;
		if (rc)
			return -1;
	}
	return 0;
}

static int jr_fill(struct jr_fill *c, const json_t *obj)
{
	if (!json_is_object(obj)) {
		snprintf(c->msg, c->n, "expected a JSON object, found %s", json_record_kind(obj));
		return -1;
	}
	jr_path_init(&c->path);
	int rc = jr_fill_object(c, obj);
	jr_path_free(&c->path);
	return rc;
}

int json_record_fill(struct batch *b, uint32_t r, const json_t *obj, const struct json_index *ix, int flatten,
		     char *msg, size_t n)
{
	struct jr_fill c = { .b = b, .r = r, .ix = &ix->nm, .types = ix->types, .flatten = flatten, .msg = msg, .n = n };
	return jr_fill(&c, obj);
}

int json_record_append_raw(struct buf *raw, const json_t *v)
{
	char *text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	if (!text)
		return -1;
	buf_append(raw, text, strlen(text) + 1);
	free(text);
	return 0;
}
