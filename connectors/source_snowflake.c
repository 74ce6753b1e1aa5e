/* source_snowflake.c: the snowflake source: runs a `query` (or SELECT * FROM
 * `table`) through the SQL API v2 and reads its result partition after
 * partition: the first comes with the answer (a 202 is polled until the
 * statement ends), the others with GET of the statement's status URL and
 * partition=N (the server may send them gzip-encoded: libcurl decodes
 * them). The result's rowType gives the fields: FIXED with scale 0 becomes
 * an int field, FIXED with a scale and REAL float fields, BOOLEAN bool
 * fields, every other type (TEXT, DATE, TIMESTAMP_*, VARIANT, ...) a string
 * as Snowflake writes it; NULL is null. A failure at open (the credentials,
 * the query refused) is a configuration error (exit 2); a partition that
 * fails later stops the run (exit 1) after the records read before it.
 *
 * The reader thread fetches the partitions and hands each batch its rows
 * as JSON text (each row's array, NUL-separated in b->raw); the decoder
 * threads fill the records. Every value comes as a string: one that does
 * not fit its field's type (a NUMBER beyond 64 bits in an int field, a
 * REAL NaN or inf, which JSON cannot hold) is a record error. */
#include "autoconfig.h"

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../pipeline/batch.h"
#include "../pipeline/connector.h"
#include "../pipeline/schema.h"
#include "../pipeline/worker.h"
#include "api_rows.h"
#include "cell_text.h"
#include "sf_api.h"

struct sf_source {
	struct sf_settings sf;
	char *query, *table;
	/* resolved at open */
	struct sf_api api;
	uint32_t batch, width;
	uint8_t *types;
	struct schema schema; /* the fields, for messages */
	char *status_url;     /* the statement's */
	json_t *result;	      /* the first answer: its partitionInfo */
	json_t *page;	      /* the partition being read (its data) */
	size_t at;	      /* its next row */
	uint64_t page_bytes;  /* its rows' bytes, not yet given to a batch */
	size_t parts, next;   /* partitions; the next to fetch */
	uint64_t records;
	int64_t total; /* numRows as the service says; -1 = not said */
	char what[128];
};

static const struct confkey sf_source_keys[] = {
	SF_API_KEYS(struct sf_source, sf),
	{ "query", CONF_STRING, NULL, offsetof(struct sf_source, query), "SQL query whose rows to read", NULL, 0, 0,
	  0 },
	{ "table", CONF_STRING, NULL, offsetof(struct sf_source, table),
	  "table to read whole (SELECT * FROM table) instead of a query", NULL, 0, 0, 0 },
	{ NULL, 0, NULL, 0, NULL, NULL, 0, 0, 0 },
};

/* The field type of a rowType entry. */
static uint8_t sfs_type(json_t *col)
{
	const char *type = json_string_value(json_object_get(col, "type"));
	json_int_t scale = json_integer_value(json_object_get(col, "scale"));
	if (!type)
		return FTYPE_STRING;
	if (!strcasecmp(type, "fixed"))
		return scale == 0 ? FTYPE_INT : FTYPE_FLOAT;
	if (!strcasecmp(type, "real"))
		return FTYPE_FLOAT;
	if (!strcasecmp(type, "boolean"))
		return FTYPE_BOOL;
	return FTYPE_STRING;
}

static int sfs_take_schema(struct sf_source *s, json_t *o, struct schema *out, struct errbuf *e)
{
	json_t *meta = json_object_get(o, "resultSetMetaData");
	json_t *cols = json_object_get(meta, "rowType");
	size_t width = json_array_size(cols);
	if (!width)
		return errbuf_set(e, "%s: the result has no rowType (a statement that returns no rows?)", s->what);
	schema_init(out, (uint32_t)width);
	s->width = (uint32_t)width;
	s->types = calloc(width, 1);
	if (!s->types)
		return errbuf_set(e, "out of memory");
	for (size_t i = 0; i < width; i++) {
		json_t *c = json_array_get(cols, i);
		const char *name = json_string_value(json_object_get(c, "name"));
		char fallback[32];
		snprintf(fallback, sizeof fallback, "f%zu_", i);
		schema_set_name(out, (uint32_t)i, name && *name ? name : fallback);
		out->types[i] = s->types[i] = sfs_type(c);
	}
	schema_dedup_names(out);
	s->parts = json_array_size(json_object_get(meta, "partitionInfo"));
	if (s->parts == 0)
		s->parts = 1; /* no rows: the one (empty) partition of the answer */
	json_t *num = json_object_get(meta, "numRows");
	s->total = json_is_integer(num) ? json_integer_value(num) : -1;
	return 0;
}

/* Takes partition `part`'s answer o as the page being read; -1 (e) when
 * its rows are not those partitionInfo announced. */
static int sfs_take_page(struct sf_source *s, json_t *o, size_t part, struct errbuf *e)
{
	json_t *data = json_object_get(o, "data");
	if (!json_is_array(data)) {
		json_decref(o);
		return errbuf_set(e, "%s: partition %zu has no data array", s->what, part);
	}
	json_t *info =
	    json_array_get(json_object_get(json_object_get(s->result, "resultSetMetaData"), "partitionInfo"), part);
	json_t *count = json_object_get(info, "rowCount");
	if (json_is_integer(count) && (size_t)json_integer_value(count) != json_array_size(data)) {
		long long want = (long long)json_integer_value(count);
		json_decref(o);
		return errbuf_set(e, "%s: partition %zu holds %zu rows, partitionInfo says %lld", s->what, part,
				  json_array_size(data), want);
	}
	json_decref(s->page);
	s->page = o;
	s->at = 0;
	s->next = part + 1;
	return 0;
}

static int sf_source_open(void *opts, const struct connector_env *env, struct schema *out, struct errbuf *e)
{
	struct sf_source *s = opts;
	char where[512];
	const char *key = s->table && *s->table ? "table" : "query";
	confmap_where_key(where, sizeof where, env->section, key);
	if (s->query && *s->query && s->table && *s->table)
		return errbuf_set(e, "%s: give query or table, not both", where);
	if (!s->query || !*s->query) {
		if (!s->table || !*s->table)
			return errbuf_set(e, "%s: missing (the SQL query whose rows to read; or table)", where);
	}
	s->batch = env->batch;
	s->total = -1;
	if (sf_api_open(&s->api, &s->sf, env, e))
		return -1;
	struct buf sql = { 0 }, body = { 0 };
	if (s->table && *s->table)
		buf_printf(&sql, "SELECT * FROM %s", s->table);
	else
		buf_append_str(&sql, s->query);
	buf_append_byte(&sql, 0);
	json_t *st = json_string(sql.p);
	char *text = st ? json_dumps(st, JSON_ENCODE_ANY) : NULL;
	json_decref(st);
	buf_free(&sql);
	if (!text)
		return errbuf_set(e, "out of memory");
	buf_printf(&body, "{\"statement\":%s", text);
	free(text);
	sf_api_body_close(&s->api, &body);
	snprintf(s->what, sizeof s->what, "the query");
	json_t *o = NULL;
	uint64_t before = connmetrics_get(&s->api.client.metrics->bytes);
	int rc = sf_api_execute(&s->api, body.p, body.len, s->what, &o, e);
	s->page_bytes += connmetrics_get(&s->api.client.metrics->bytes) - before;
	buf_free(&body);
	if (rc == 1) {
		errbuf_prefix(e, "%s: Snowflake refused the query", where);
		return -1;
	}
	if (rc || sfs_take_schema(s, o, out, e)) {
		json_decref(o);
		errbuf_prefix(e, "%s", where);
		return -1;
	}
	s->result = o;
	s->status_url = sf_api_status_url(&s->api, o);
	const char *handle = json_string_value(json_object_get(o, "statementHandle"));
	snprintf(s->what, sizeof s->what, "statement %.60s", handle ? handle : "?");
	schema_copy(&s->schema, out);
	json_incref(o);
	if (sfs_take_page(s, o, 0, e)) {
		errbuf_prefix(e, "%s", where);
		return -1;
	}
	if (s->parts > 1 && !s->status_url)
		return errbuf_set(e, "%s: %zu partitions, and no statementStatusUrl nor statementHandle to fetch them",
				  where, s->parts);
	return 0;
}

/* GET of partition `part`. */
static int sfs_fetch(struct sf_source *s, size_t part, struct errbuf *e)
{
	char n[24];
	snprintf(n, sizeof n, "%zu", part);
	char *url = http_client_add_query(&s->api.client, s->status_url, "partition", n);
	if (!url)
		return errbuf_set(e, "out of memory");
	json_t *o = NULL;
	uint64_t before = connmetrics_get(&s->api.client.metrics->bytes);
	int rc = sf_api_fetch(&s->api, url, s->what, &o, e);
	free(url);
	s->page_bytes += connmetrics_get(&s->api.client.metrics->bytes) - before;
	if (rc)
		return -1; /* a SQL error too (1): the run stops */
	return sfs_take_page(s, o, part, e);
}

/* Reader thread: up to `batch` rows of the current partition (the next
 * fetched first when it is read). */
static int sf_source_read(void *opts, struct batch *b, const _Atomic int *stop, struct errbuf *e)
{
	struct sf_source *s = opts;
	s->api.client.stop = stop;
	b->raw.len = 0;
	json_t *rows = json_object_get(s->page, "data");
	while (s->at >= json_array_size(rows)) {
		if (atomic_load_explicit(stop, memory_order_relaxed))
			return 0;
		if (s->next >= s->parts) {
			if (s->total >= 0 && (uint64_t)s->total != s->records)
				return errbuf_set(e, "%s: the result has %lld rows, its partitions held %llu", s->what,
						  (long long)s->total, (unsigned long long)s->records);
			return 0;
		}
		size_t part = s->next;
		if (sfs_fetch(s, part, e)) {
			if (atomic_load_explicit(stop, memory_order_relaxed))
				return 0;
			errbuf_prefix(e, "partition %zu of %zu", part, s->parts);
			return -1;
		}
		rows = json_object_get(s->page, "data");
	}
	long n = api_rows_take(&b->raw, rows, &s->at, s->batch);
	if (n < 0)
		return errbuf_set(e, "out of memory");
	b->first_record = s->records + 1;
	b->bytes_in = s->page_bytes;
	s->page_bytes = 0;
	s->records += (uint64_t)n;
	return 1;
}

/* Fills field i of record r from cell v; -1 (msg) when it does not fit the
 * field's type. */
static int sfs_set_cell(void *opts, struct batch *b, uint32_t r, uint32_t i, json_t *v, char *msg, size_t n)
{
	const struct sf_source *s = opts;
	if (!v || json_is_null(v))
		return 0; /* null */
	if (!json_is_string(v)) {
		snprintf(msg, n, "field '%s': a %s where the API sends strings", s->schema.names[i],
			 json_is_array(v)    ? "list"
			 : json_is_object(v) ? "object"
					     : "bare value");
		return -1;
	}
	const char *p = json_string_value(v);
	size_t len = json_string_length(v);
	int ok = 1;
	if (s->types[i] == FTYPE_INT)
		ok = cell_text_is_int(p, len);
	else if (s->types[i] == FTYPE_FLOAT)
		ok = cell_text_is_number(p, len);
	else if (s->types[i] == FTYPE_BOOL) {
		int t = !strcasecmp(p, "true") || !strcmp(p, "1"), f = !strcasecmp(p, "false") || !strcmp(p, "0");
		ok = t || f;
		p = t ? "true" : "false";
		len = strlen(p);
	}
	if (!ok) {
		snprintf(msg, n, "field '%s': %s value '%.64s%s' is not %s", s->schema.names[i],
			 s->types[i] == FTYPE_INT     ? "NUMBER"
			 : s->types[i] == FTYPE_FLOAT ? "REAL"
						      : "BOOLEAN",
			 json_string_value(v), len > 64 ? "..." : "",
			 s->types[i] == FTYPE_INT     ? "a 64-bit integer"
			 : s->types[i] == FTYPE_FLOAT ? "a finite number (JSON cannot hold it)"
						      : "true or false");
		return -1;
	}
	batch_set_field(b, r, i, p, len);
	return 0;
}

/* Decoder threads: the rows of b->raw (each the JSON text of a row's cells). */
static void sf_source_decode(void *opts, struct batch *b, struct worker *w)
{
	struct sf_source *s = opts;
	api_rows_decode(b, w, s->width, JSON_DECODE_ANY | JSON_ALLOW_NUL, "rowType", "columns", sfs_set_cell, s);
}

static void sf_source_close(void *opts)
{
	struct sf_source *s = opts;
	sf_api_close(&s->api);
	json_decref(s->page);
	json_decref(s->result);
	s->page = s->result = NULL;
	free(s->status_url);
	free(s->types);
	schema_free(&s->schema);
	s->status_url = NULL;
	s->types = NULL;
}

static void sf_source_describe(void *opts, char *dst, size_t n)
{
	struct sf_source *s = opts;
	if (s->table && *s->table)
		snprintf(dst, n, "table %s", s->table);
	else
		snprintf(dst, n, "query in %s", s->sf.account ? s->sf.account : "?");
}

const struct source_ops source_snowflake = {
	.type = "snowflake",
	.summary = "rows of a Snowflake query through the SQL API (partition after partition)",
	.waits_on = "Snowflake service",
	.keys = sf_source_keys,
	.opts_size = sizeof(struct sf_source),
	.open = sf_source_open,
	.read = sf_source_read,
	.decode = sf_source_decode,
	.locate = http_client_locate_raw,
	.close = sf_source_close,
	.describe = sf_source_describe,
};
