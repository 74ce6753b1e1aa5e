/* dest_snowflake.c: the snowflake destination: inserts the records into a
 * table through the SQL API v2, as multi-row statements
 * INSERT INTO table (cols) VALUES (?, ?), (?, ?) ... whose values travel as
 * numbered bindings typed from the pipeline's schema (an int field FIXED, a
 * float REAL, a bool BOOLEAN, the rest TEXT; a null as a null value), in
 * statements of at most max_rows rows and max_request_bytes bytes of body.
 *
 * The worker threads encode each record's bindings (one {"type","value"}
 * object per field); the writer thread numbers them into statements and
 * runs those in order, each with its own requestId (sent again with the
 * same requestId and retry=true, so that a statement whose answer was lost
 * inserts its rows once). A statement Snowflake refuses with a SQL error
 * (HTTP 422) makes each of its records a record error with Snowflake's
 * message (on_error applies, the dead letter keeps them); a statement
 * still running (202) is polled; 429, 503, 504 and connection errors are
 * tried again with backoff; any other failure stops the run (exit 1) with
 * the service's message. At open, SELECT * FROM table LIMIT 0 checks the
 * credentials and that the table has a column for each field: a failure
 * there is a configuration error (exit 2).
 *
 * Column names: a field whose name is a plain identifier (a letter or _,
 * then letters, digits, _ or $) is written unquoted, so Snowflake matches
 * it case-insensitively (to an upper-case column); any other is quoted and
 * matched exactly. The table key is SQL text, written as given. */
#include "autoconfig.h"

#include <ctype.h>
#include <jansson.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../pipeline/batch.h"
#include "../pipeline/connector.h"
#include "../pipeline/jsonesc.h"
#include "../pipeline/schema.h"
#include "../pipeline/worker.h"
#include "api_rows.h"
#include "sf_api.h"

/* Snowflake takes at most this many rows in one INSERT ... VALUES. */
#define SFD_MAX_ROWS 16384
/* Between the statement and the bindings, and after the bindings. */
#define SFD_MID "\",\"bindings\":{"

struct sf_dest {
	struct sf_settings sf;
	char *table;
	uint64_t max_rows, max_request_bytes;
	/* resolved at open */
	struct sf_api api;
	uint32_t width;
	const char **btype; /* per field: {"type":"FIXED","value": */
	char *head;	    /* {"statement":"INSERT INTO t (c1,c2) VALUES  (JSON-escaped) */
	char *row;	    /* (?,?) */
	size_t head_len, row_len, fixed, digits;
	char what[300]; /* "INSERT INTO t", for messages */
	struct buf body;
	struct api_row *rows;
	size_t rows_cap;
	uint64_t statements, refused;
};

static const struct confkey sf_dest_keys[] = {
	SF_API_KEYS(struct sf_dest, sf),
	{ "table", CONF_STRING, NULL, offsetof(struct sf_dest, table),
	  "table the records are inserted into (SQL text: may be qualified, db.schema.table)", NULL, 0, 0, 0 },
	{ "max_rows", CONF_UINT, "1000", offsetof(struct sf_dest, max_rows), "rows per INSERT statement at most", NULL,
	  1, SFD_MAX_ROWS, 0 },
	{ "max_request_bytes", CONF_SIZE, "4MiB", offsetof(struct sf_dest, max_request_bytes),
	  "largest request body (statement and bindings); a larger record is a record error", NULL, 4096, 64e6, 0 },
	{ NULL, 0, NULL, 0, NULL, NULL, 0, 0, 0 },
};

/* Whether name can go unquoted: a letter or _, then letters, digits, _, $. */
static int sfd_plain_name(const char *name)
{
	if (!isalpha((unsigned char)name[0]) && name[0] != '_')
		return 0;
	for (const char *p = name; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '$')
			return 0;
	return 1;
}

/* The column name as the statement writes it (appended to out). */
static void sfd_append_column(struct buf *out, const char *name)
{
	if (sfd_plain_name(name)) {
		buf_append_str(out, name);
		return;
	}
	buf_append_byte(out, '"');
	for (const char *p = name; *p; p++) {
		if (*p == '"')
			buf_append_byte(out, '"');
		buf_append_byte(out, *p);
	}
	buf_append_byte(out, '"');
}

/* Whether the column `name` (as the field is named) is among the table's
 * (the rowType of a SELECT). */
static int sfd_has_column(json_t *row_type, const char *name)
{
	size_t i;
	json_t *c;
	json_array_foreach(row_type, i, c)
	{
		const char *col = json_string_value(json_object_get(c, "name"));
		if (col && (sfd_plain_name(name) ? !strcasecmp(col, name) : !strcmp(col, name)))
			return 1;
	}
	return 0;
}

/* SELECT * FROM table LIMIT 0: the credentials, the table and its columns.
 * Not a request of the connector (its time and bytes count). */
static int sfd_check_table(struct sf_dest *d, const struct schema *in, const struct connector_env *env,
			   struct errbuf *e)
{
	struct buf sql = { 0 }, body = { 0 };
	buf_printf(&sql, "SELECT * FROM %s LIMIT 0", d->table);
	buf_append_byte(&sql, 0);
	json_t *st = json_string(sql.p);
	char *text = st ? json_dumps(st, JSON_ENCODE_ANY) : NULL;
	json_decref(st);
	if (!text) {
		buf_free(&sql);
		return errbuf_set(e, "out of memory");
	}
	buf_printf(&body, "{\"statement\":%s", text);
	free(text);
	sf_api_body_close(&d->api, &body);
	json_t *o = NULL;
	int rc = sf_api_execute_aside(&d->api, body.p, body.len, sql.p, &o, e);
	buf_free(&body);
	char where[512];
	confmap_where_key(where, sizeof where, env->section, "table");
	if (rc == 1)
		errbuf_prefix(e, "%s: Snowflake refused %s", where, sql.p);
	else if (rc)
		errbuf_prefix(e, "%s", where);
	buf_free(&sql);
	if (rc)
		return -1;
	json_t *row_type = json_object_get(json_object_get(o, "resultSetMetaData"), "rowType");
	for (uint32_t i = 0; i < in->width && json_array_size(row_type); i++)
		if (!sfd_has_column(row_type, in->names[i])) {
			json_decref(o);
			return errbuf_set(e, "%s: the table %s has no column %s%s%s for the field '%s'", where,
					  d->table, sfd_plain_name(in->names[i]) ? "" : "\"", in->names[i],
					  sfd_plain_name(in->names[i]) ? " (matched case-insensitively)" : "\"",
					  in->names[i]);
		}
	json_decref(o);
	return 0;
}

/* The statement's fixed text: {"statement":"INSERT INTO t (c1,c2) VALUES  and (?,?). */
static int sfd_make_statement(struct sf_dest *d, const struct schema *in)
{
	struct buf sql = { 0 }, row = { 0 };
	buf_printf(&sql, "INSERT INTO %s (", d->table);
	buf_append_byte(&row, '(');
	for (uint32_t i = 0; i < in->width; i++) {
		if (i) {
			buf_append_byte(&sql, ',');
			buf_append_byte(&row, ',');
		}
		sfd_append_column(&sql, in->names[i]);
		buf_append_byte(&row, '?');
	}
	buf_append_str(&sql, ") VALUES ");
	buf_append_byte(&row, ')');
	buf_append_byte(&row, 0);
	d->head = malloc(JSONESC_BOUND(sql.len) + 16);
	if (!d->head) {
		buf_free(&sql);
		buf_free(&row);
		return -1;
	}
	char *o = d->head;
	o += sprintf(o, "{\"statement\":\"");
	o = jsonesc_write_string(o, sql.p, sql.len);
	*o = 0;
	d->head_len = (size_t)(o - d->head);
	d->row = row.p;
	d->row_len = row.len - 1;
	snprintf(d->what, sizeof d->what, "INSERT INTO %.*s", (int)(sizeof d->what - 16), d->table);
	buf_free(&sql);
	return 0;
}

static int sf_dest_open(void *opts, const struct connector_env *env, const struct schema *in, struct errbuf *e)
{
	struct sf_dest *d = opts;
	char where[512];
	if (!d->table || !*d->table) {
		confmap_where_key(where, sizeof where, env->section, "table");
		return errbuf_set(e, "%s: missing (the table to insert into)", where);
	}
	if (!in->width)
		return errbuf_set(e, "the records have no field to insert");
	if (sf_api_open(&d->api, &d->sf, env, e))
		return -1;
	d->width = in->width;
	d->btype = calloc(in->width, sizeof *d->btype);
	if (!d->btype || sfd_make_statement(d, in))
		return errbuf_set(e, "out of memory");
	for (uint32_t i = 0; i < in->width; i++)
		d->btype[i] = in->types[i] == FTYPE_INT	    ? "{\"type\":\"FIXED\",\"value\":"
			      : in->types[i] == FTYPE_FLOAT ? "{\"type\":\"REAL\",\"value\":"
			      : in->types[i] == FTYPE_BOOL  ? "{\"type\":\"BOOLEAN\",\"value\":"
							    : "{\"type\":\"TEXT\",\"value\":";
	/* the most digits a binding's number has */
	d->digits = (size_t)snprintf(NULL, 0, "%llu", (unsigned long long)(d->max_rows * d->width));
	d->fixed = d->head_len + strlen(SFD_MID) + 1 + strlen(d->api.context) + 1;
	return sfd_check_table(d, in, env, e);
}

/* Worker threads: per kept record, its fields' bindings separated by tabs
 * (never inside a binding: JSON escapes them), then a newline. */
static void sf_dest_encode(void *opts, struct batch *b, struct worker *w)
{
	(void)w;
	struct sf_dest *d = opts;
	/* {"type":"BOOLEAN","value":"..."} and a tab: 32 bytes and the value */
	buf_reserve(&b->out, JSONESC_BOUND(b->data.len) + (size_t)b->nrec * (d->width * 36 + 1));
	char *o = b->out.p + b->out.len;
	for (uint32_t r = 0; r < b->nrec; r++) {
		if (b->marks[r] != MARK_KEPT)
			continue;
		const struct field *f = batch_record(b, r);
		for (uint32_t i = 0; i < d->width; i++) {
			if (i)
				*o++ = '\t';
			size_t n = strlen(d->btype[i]);
			memcpy(o, d->btype[i], n);
			o += n;
			if (f[i].len == FIELD_NULL) {
				memcpy(o, "null", 4);
				o += 4;
			} else {
				*o++ = '"';
				o = jsonesc_write_string(o, b->data.p + f[i].off, f[i].len);
				*o++ = '"';
			}
			*o++ = '}';
		}
		*o++ = '\n';
	}
	b->out.len = (size_t)(o - b->out.p);
}

/* The body of the statement of rows[0..n). */
static void sfd_build_body(struct sf_dest *d, const struct batch *b, const struct api_row *rows, size_t n)
{
	struct buf *body = &d->body;
	body->len = 0;
	buf_append(body, d->head, d->head_len);
	buf_reserve(body, n * (d->row_len + 1));
	for (size_t i = 0; i < n; i++) {
		if (i)
			buf_append_byte(body, ',');
		buf_append(body, d->row, d->row_len);
	}
	buf_append_str(body, SFD_MID);
	uint64_t k = 0;
	for (size_t i = 0; i < n; i++) {
		const char *p = b->out.p + rows[i].off, *end = p + rows[i].len;
		buf_reserve(body, rows[i].len + d->width * (d->digits + 4));
		char *o = body->p + body->len;
		while (p < end) {
			const char *tab = memchr(p, '\t', (size_t)(end - p));
			const char *stop = tab ? tab : end;
			if (k)
				*o++ = ',';
			o += sprintf(o, "\"%llu\":", (unsigned long long)++k);
			memcpy(o, p, (size_t)(stop - p));
			o += stop - p;
			p = tab ? tab + 1 : end;
		}
		body->len = (size_t)(o - body->p);
	}
	buf_append_byte(body, '}');
	sf_api_body_close(&d->api, body);
}

/* Runs the statement of rows[0..n): 0 (the rows inserted, or refused as
 * record errors), or -1 when it failed (the run stops). */
static int sfd_insert(struct sf_dest *d, struct batch *b, const struct api_row *rows, size_t n, struct worker *w,
		      struct errbuf *e)
{
	sfd_build_body(d, b, rows, n);
	json_t *o = NULL;
	d->statements++;
	int rc = sf_api_execute(&d->api, d->body.p, d->body.len, d->what, &o, e);
	if (rc == 1) { /* a SQL error: none of the rows went in */
		d->refused++;
		for (size_t i = 0; i < n; i++)
			worker_fail_record(w, b, rows[i].rec, "Snowflake refused the INSERT of %zu rows: %s", n,
					   e->msg);
		return 0;
	}
	if (rc)
		return -1;
	json_t *got = json_object_get(json_object_get(o, "stats"), "numRowsInserted");
	if (json_is_integer(got) && (size_t)json_integer_value(got) != n) {
		long long k = (long long)json_integer_value(got);
		json_decref(o);
		return errbuf_set(e, "%s: Snowflake says it inserted %lld rows of the %zu sent", d->what, k, n);
	}
	json_decref(o);
	return 0;
}

static int sfd_send(void *ctx, struct batch *b, struct api_row *rows, size_t n, struct worker *w, struct errbuf *e)
{
	return sfd_insert(ctx, b, rows, n, w, e);
}

/* Writer thread: the records of b->out, in statements of at most max_rows
 * rows and max_request_bytes bytes. */
static int sf_dest_write(void *opts, struct batch *b, struct worker *w, struct errbuf *e)
{
	struct sf_dest *d = opts;
	if (d->rows_cap < b->nrec) {
		free(d->rows);
		d->rows_cap = b->nrec;
		d->rows = malloc(d->rows_cap * sizeof *d->rows);
		if (!d->rows) {
			d->rows_cap = 0;
			return errbuf_set(e, "out of memory");
		}
	}
	/* what a record adds to a body beyond its bindings' text: its
	 * placeholders, the numbers of its bindings and the commas */
	const size_t per_row = d->row_len + 1 + d->width * (d->digits + 4) + 1;
	const struct api_request_size sz = {
		.fixed = d->fixed,
		.per_row = per_row,
		.max_rows = d->max_rows,
		.max_bytes = d->max_request_bytes,
		.request = "a statement",
		.row = "record",
	};
	return api_rows_write(b, w, d->rows, &sz, sfd_send, d, e);
}

static int sf_dest_close(void *opts, int ok, struct errbuf *e)
{
	(void)ok;
	(void)e;
	struct sf_dest *d = opts;
	sf_api_close(&d->api);
	buf_free(&d->body);
	free(d->btype);
	free(d->head);
	free(d->row);
	free(d->rows);
	d->btype = NULL;
	d->head = d->row = NULL;
	d->rows = NULL;
	d->rows_cap = 0;
	return 0;
}

static void sf_dest_describe(void *opts, char *dst, size_t n)
{
	struct sf_dest *d = opts;
	snprintf(dst, n, "%s", d->table ? d->table : "?");
}

const struct dest_ops dest_snowflake = {
	.type = "snowflake",
	.summary = "inserts the records into a Snowflake table through the SQL API (multi-row INSERT with bindings)",
	.waits_on = "Snowflake service",
	.keys = sf_dest_keys,
	.opts_size = sizeof(struct sf_dest),
	.open = sf_dest_open,
	.encode = sf_dest_encode,
	.write = sf_dest_write,
	.close = sf_dest_close,
	.describe = sf_dest_describe,
};
