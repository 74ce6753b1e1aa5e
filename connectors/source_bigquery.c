/* source_bigquery.c: the bigquery source: runs a GoogleSQL `query` with
 * jobs.query (useLegacySql = false, which is not the API's default) and
 * reads its result page after page with getQueryResults (pageToken) until a
 * page has no next token. An answer with jobComplete = false is waited out
 * at open (getQueryResults without a page token, each a long poll), at most
 * job_timeout; the result's schema then gives the fields: INT64/INTEGER
 * become int fields, FLOAT64/FLOAT float fields, BOOL/BOOLEAN bool fields,
 * every other type a string (a RECORD or REPEATED value as its JSON text);
 * NULL is null. A failure at open (the query refused, no such table, the
 * credentials) is a configuration error (exit 2); a page that fails later
 * stops the run (exit 1) after the records read before it.
 *
 * The reader thread fetches the pages and hands each batch its rows as
 * JSON text (the cells' "f" array, NUL-separated in b->raw); the decoder
 * threads fill the records. BigQuery sends every value as a string (64-bit
 * integers too): a value that does not fit its field's type (a FLOAT64 NaN
 * or Infinity, which JSON cannot hold) is a record error. */
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
#include "../src/base/clock.h"
#include "bq_api.h"
#include "cell_text.h"
#include "api_rows.h"
#include "json_record.h"

/* The long poll of one getQueryResults while the job runs (timeoutMs), at
 * most; less when the request timeout is shorter. */
#define BQS_POLL_MS 10000

struct bq_source {
	struct bq_settings bq;
	char *query;
	uint64_t max_results, job_timeout_ns;
	/* resolved at open */
	struct bq_api api;
	uint32_t batch, width;
	uint8_t *types;
	struct schema schema; /* the fields, for messages */
	char *job_url;	      /* .../queries/{jobId}?maxResults=N[&location=L] */
	uint64_t poll_ms;
	json_t *page;	     /* the page being read */
	size_t at;	     /* its next row */
	uint64_t page_bytes; /* its body's bytes, not yet given to a batch */
	char *token;	     /* the next page's token; NULL: none */
	uint64_t records, pages;
	int64_t total;	/* totalRows as the service says; -1 = not said */
	char what[160]; /* "getQueryResults job ID", for messages */
};

static const struct confkey bq_source_keys[] = {
	BQ_API_KEYS(struct bq_source, bq),
	{ "query", CONF_STRING, NULL, offsetof(struct bq_source, query),
	  "GoogleSQL query whose rows to read (standard SQL, not legacy)", NULL, 0, 0, 0 },
	{ "max_results", CONF_UINT, "10000", offsetof(struct bq_source, max_results), "rows per page asked at most",
	  NULL, 1, 1e9, 0 },
	{ "job_timeout", CONF_DURATION, "10m", offsetof(struct bq_source, job_timeout_ns),
	  "longest wait at open for the query job to complete", NULL, 0.001, 86400 * 7, 0 },
	{ NULL, 0, NULL, 0, NULL, NULL, 0, 0, 0 },
};

/* The body of a 2xx answer as JSON; -1 when it is not an object. */
static json_t *bqs_parse(struct bq_source *s, const struct http_response *rs, const char *what, struct errbuf *e)
{
	json_error_t je;
	json_t *o = json_loadb(rs->body, rs->len, 0, &je);
	if (!json_is_object(o)) {
		json_decref(o);
		errbuf_set(e, "%s: the answer is not a JSON object: %s", what, je.text);
		return NULL;
	}
	s->page_bytes += rs->len;
	return o;
}

/* The field type of a schema type. */
static uint8_t bqs_type(const char *type, const char *mode)
{
	if (mode && !strcmp(mode, "REPEATED"))
		return FTYPE_STRING;
	if (!type)
		return FTYPE_STRING;
	if (!strcmp(type, "INT64") || !strcmp(type, "INTEGER"))
		return FTYPE_INT;
	if (!strcmp(type, "FLOAT64") || !strcmp(type, "FLOAT"))
		return FTYPE_FLOAT;
	if (!strcmp(type, "BOOL") || !strcmp(type, "BOOLEAN"))
		return FTYPE_BOOL;
	return FTYPE_STRING;
}

static int bqs_take_schema(struct bq_source *s, json_t *o, struct schema *out, struct errbuf *e)
{
	json_t *fields = json_object_get(json_object_get(o, "schema"), "fields");
	size_t width = json_array_size(fields);
	if (!width)
		return errbuf_set(e, "%s: the result has no schema fields (a statement that returns no rows?)",
				  s->what);
	schema_init(out, (uint32_t)width);
	s->width = (uint32_t)width;
	s->types = calloc(width, 1);
	if (!s->types)
		return errbuf_set(e, "out of memory");
	for (size_t i = 0; i < width; i++) {
		json_t *f = json_array_get(fields, i);
		const char *name = json_string_value(json_object_get(f, "name"));
		char fallback[32];
		snprintf(fallback, sizeof fallback, "f%zu_", i);
		schema_set_name(out, (uint32_t)i, name && *name ? name : fallback);
		s->types[i] = bqs_type(json_string_value(json_object_get(f, "type")),
				       json_string_value(json_object_get(f, "mode")));
		out->types[i] = s->types[i];
	}
	schema_dedup_names(out);
	return 0;
}

/* Takes a complete answer (jobs.query's or a page's) as the current page. */
static void bqs_take_page(struct bq_source *s, json_t *o)
{
	json_decref(s->page);
	s->page = o;
	s->at = 0;
	s->pages++;
	free(s->token);
	const char *t = json_string_value(json_object_get(o, "pageToken"));
	s->token = t && *t ? strdup(t) : NULL;
	const char *total = json_string_value(json_object_get(o, "totalRows"));
	if (total)
		s->total = strtoll(total, NULL, 10);
	else if (json_is_integer(json_object_get(o, "totalRows")))
		s->total = json_integer_value(json_object_get(o, "totalRows"));
}

/* GET of the job's results (the page of token, or the first while the job
 * runs). */
static json_t *bqs_get(struct bq_source *s, const char *token, struct errbuf *e)
{
	struct buf url = { 0 };
	buf_printf(&url, "%s&timeoutMs=%llu", s->job_url, (unsigned long long)s->poll_ms);
	if (token) {
		char *t = bq_api_escape(&s->api, token);
		if (!t) {
			buf_free(&url);
			errbuf_set(e, "out of memory");
			return NULL;
		}
		buf_printf(&url, "&pageToken=%s", t);
		free(t);
	}
	struct http_response rs;
	int rc = bq_api_call(&s->api, "GET", url.p, NULL, 0, s->what, &rs, e);
	buf_free(&url);
	return rc ? NULL : bqs_parse(s, &rs, s->what, e);
}

/* jobs.query, then getQueryResults until the job is complete: the first
 * page, or NULL (e). */
static json_t *bqs_run_query(struct bq_source *s, struct errbuf *e)
{
	char rid[40];
	http_client_make_uuid(rid, sizeof rid); /* jobs.query sent again does not start a second job */
	json_t *rq = json_pack("{s:s, s:b, s:I, s:I, s:s}", "query", s->query, "useLegacySql", 0, "maxResults",
			       (json_int_t)s->max_results, "timeoutMs", (json_int_t)s->poll_ms, "requestId", rid);
	if (rq && s->bq.location)
		json_object_set_new(rq, "location", json_string(s->bq.location));
	char *body = rq ? json_dumps(rq, JSON_COMPACT) : NULL;
	json_decref(rq);
	if (!body) {
		errbuf_set(e, "out of memory");
		return NULL;
	}
	struct buf url = { 0 };
	buf_printf(&url, "%s/queries", s->api.base);
	struct http_response rs;
	int rc = bq_api_call(&s->api, "POST", url.p, body, strlen(body), "jobs.query", &rs, e);
	free(body);
	buf_free(&url);
	json_t *o = rc ? NULL : bqs_parse(s, &rs, "jobs.query", e);
	if (!o)
		return NULL;
	json_t *ref = json_object_get(o, "jobReference");
	const char *job = json_string_value(json_object_get(ref, "jobId"));
	const char *loc = json_string_value(json_object_get(ref, "location"));
	if (!job || !*job) {
		json_decref(o);
		errbuf_set(e, "jobs.query: the answer has no jobReference.jobId");
		return NULL;
	}
	snprintf(s->what, sizeof s->what, "getQueryResults of job %.100s", job);
	char id[128];
	snprintf(id, sizeof id, "%.100s", job);
	char *j = bq_api_escape(&s->api, job), *l = loc ? bq_api_escape(&s->api, loc) : NULL;
	buf_printf(&url, "%s/queries/%s?maxResults=%llu%s%s", s->api.base, j ? j : "",
		   (unsigned long long)s->max_results, l ? "&location=" : "", l ? l : "");
	free(j);
	free(l);
	s->job_url = url.p;
	/* wait the job out: each poll waits up to poll_ms on the server */
	uint64_t t0 = clock_now_ns();
	while (!json_is_true(json_object_get(o, "jobComplete"))) {
		json_decref(o);
		if (clock_now_ns() - t0 > s->job_timeout_ns) {
			errbuf_set(e, "job %s: not complete after job_timeout (%.0f s)", id,
				   (double)s->job_timeout_ns / 1e9);
			return NULL;
		}
		s->page_bytes = 0; /* a poll's answer holds no rows */
		if (!(o = bqs_get(s, NULL, e)))
			return NULL;
	}
	return o;
}

static int bq_source_open(void *opts, const struct connector_env *env, struct schema *out, struct errbuf *e)
{
	struct bq_source *s = opts;
	char where[512];
	confmap_where_key(where, sizeof where, env->section, "query");
	if (!s->query || !*s->query)
		return errbuf_set(e, "%s: missing (the GoogleSQL query whose rows to read)", where);
	s->batch = env->batch;
	s->total = -1;
	s->poll_ms = s->bq.http.timeout_ns / 2000000;
	if (s->poll_ms > BQS_POLL_MS)
		s->poll_ms = BQS_POLL_MS;
	if (bq_api_open(&s->api, &s->bq, env, e))
		return -1;
	snprintf(s->what, sizeof s->what, "jobs.query");
	json_t *o = bqs_run_query(s, e);
	if (!o || bqs_take_schema(s, o, out, e)) {
		json_decref(o);
		errbuf_prefix(e, "%s", where);
		return -1;
	}
	schema_copy(&s->schema, out);
	bqs_take_page(s, o);
	return 0;
}

/* Reader thread: up to `batch` rows of the current page (the next page
 * fetched first when it is read). */
static int bq_source_read(void *opts, struct batch *b, const _Atomic int *stop, struct errbuf *e)
{
	struct bq_source *s = opts;
	s->api.client.stop = stop;
	b->raw.len = 0;
	json_t *rows = json_object_get(s->page, "rows");
	while (s->at >= json_array_size(rows)) {
		if (atomic_load_explicit(stop, memory_order_relaxed))
			return 0;
		if (!s->token) {
			if (s->total >= 0 && (uint64_t)s->total != s->records)
				return errbuf_set(e, "%s: the result has %lld rows, its pages held %llu", s->what,
						  (long long)s->total, (unsigned long long)s->records);
			return 0;
		}
		char *token = s->token;
		s->token = NULL;
		json_t *o = bqs_get(s, token, e);
		if (!o) {
			free(token);
			if (atomic_load_explicit(stop, memory_order_relaxed))
				return 0;
			errbuf_prefix(e, "page %llu", (unsigned long long)s->pages + 1);
			return -1;
		}
		if (!json_is_true(json_object_get(o, "jobComplete"))) { /* not yet: the same page again */
			json_decref(o);
			s->token = token;
			continue;
		}
		free(token);
		bqs_take_page(s, o);
		rows = json_object_get(s->page, "rows");
	}
	size_t n = 0;
	for (; n < s->batch && s->at < json_array_size(rows); n++, s->at++) {
		json_t *f = json_object_get(json_array_get(rows, s->at), "f");
		if (json_record_append_raw(&b->raw, f ? f : json_null()))
			return errbuf_set(e, "out of memory");
	}
	b->first_record = s->records + 1;
	b->bytes_in = s->page_bytes;
	s->page_bytes = 0;
	s->records += n;
	return 1;
}

/* Fills field i of record r from cell value v; -1 (msg) when it does not
 * fit the field's type. */
static int bqs_set_cell(struct bq_source *s, struct batch *b, uint32_t r, uint32_t i, json_t *v, char *msg, size_t n)
{
	if (json_is_null(v) || !v)
		return 0; /* null */
	if (json_is_string(v)) {
		const char *p = json_string_value(v);
		size_t len = json_string_length(v);
		int ok = 1;
		if (s->types[i] == FTYPE_INT)
			ok = cell_text_is_int(p, len);
		else if (s->types[i] == FTYPE_FLOAT)
			ok = cell_text_is_number(p, len);
		else if (s->types[i] == FTYPE_BOOL) {
			ok = !strcasecmp(p, "true") || !strcasecmp(p, "false");
			if (ok) {
				p = (p[0] | 0x20) == 't' ? "true" : "false";
				len = strlen(p);
			}
		}
		if (!ok) {
			snprintf(msg, n, "field '%s': %s value '%.64s%s' is not %s", s->schema.names[i],
				 s->types[i] == FTYPE_INT     ? "INT64"
				 : s->types[i] == FTYPE_FLOAT ? "FLOAT64"
							      : "BOOL",
				 p, len > 64 ? "..." : "",
				 s->types[i] == FTYPE_INT     ? "an integer"
				 : s->types[i] == FTYPE_FLOAT ? "a finite number (JSON cannot hold it)"
							      : "true or false");
			return -1;
		}
		batch_set_field(b, r, i, p, len);
		return 0;
	}
	/* a RECORD ({"f": [...]}) or REPEATED ([{"v": ...}]) value, or a bare
	 * number or boolean: its JSON text */
	char *text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	if (!text)
		abort();
	if (s->types[i] != FTYPE_STRING && !(json_is_number(v) || json_is_boolean(v))) {
		snprintf(msg, n, "field '%s': a %s value where the schema says a scalar", s->schema.names[i],
			 json_is_array(v) ? "repeated" : "record");
		free(text);
		return -1;
	}
	batch_set_field(b, r, i, text, strlen(text));
	free(text);
	return 0;
}

/* Cell i of a row ({"v": value}). */
static int bqs_cell(void *opts, struct batch *b, uint32_t r, uint32_t i, json_t *cell, char *msg, size_t n)
{
	return bqs_set_cell(opts, b, r, i, json_object_get(cell, "v"), msg, n);
}

/* Decoder threads: the rows of b->raw (each the JSON text of a row's cells). */
static void bq_source_decode(void *opts, struct batch *b, struct worker *w)
{
	struct bq_source *s = opts;
	api_rows_decode(b, w, s->width, JSON_DECODE_ANY, "schema", "fields", bqs_cell, s);
}

static void bq_source_close(void *opts)
{
	struct bq_source *s = opts;
	bq_api_close(&s->api);
	json_decref(s->page);
	s->page = NULL;
	free(s->token);
	free(s->job_url);
	free(s->types);
	schema_free(&s->schema);
	s->token = s->job_url = NULL;
	s->types = NULL;
}

static void bq_source_describe(void *opts, char *dst, size_t n)
{
	struct bq_source *s = opts;
	snprintf(dst, n, "query in %s", s->bq.project ? s->bq.project : "?");
}

const struct source_ops source_bigquery = {
	.type = "bigquery",
	.summary = "rows of a BigQuery query (jobs.query, then getQueryResults page after page)",
	.waits_on = "BigQuery service",
	.keys = bq_source_keys,
	.opts_size = sizeof(struct bq_source),
	.open = bq_source_open,
	.read = bq_source_read,
	.decode = bq_source_decode,
	.locate = http_client_locate_raw,
	.close = bq_source_close,
	.describe = bq_source_describe,
};
