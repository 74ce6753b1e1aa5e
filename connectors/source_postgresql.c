/* source_postgresql.c: the postgresql source. At open it connects and asks
 * the server for the result's columns (the query is prepared, not run); the
 * reader thread then streams `COPY (query) TO STDOUT` in the text format,
 * row messages cut into chunks of whole rows, never the whole result in
 * memory; the stage's worker threads parse the chunks into records (\N is
 * null). Integer columns become int fields and boolean columns bool fields
 * (true/false); every other type keeps the server's text form as a string. */
#include "autoconfig.h"

#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../pipeline/batch.h"
#include "../src/base/clock.h"
#include "../pipeline/schema.h"
#include "../pipeline/worker.h"
#include "../pipeline/connector.h"
#include "pg_conn.h"
#include "pg_copy.h"

#define PGS_CHUNK_BYTES (1u << 20) /* a chunk ends early past this many bytes */

/* PostgreSQL type oids (pg_type.h is not part of libpq's headers) */
enum { PGS_OID_BOOL = 16, PGS_OID_INT8 = 20, PGS_OID_INT2 = 21, PGS_OID_INT4 = 23 };

struct pg_source {
	struct pg_conn_opts conn;
	char *table, *query;
	/* resolved at open */
	struct pg_link link;
	struct buf copy_sql;
	uint32_t batch, width;
	uint8_t *types;
	/* reader state */
	int started, done;
	uint64_t rows;
};

static const struct confkey pgs_keys[] = {
	PG_CONN_KEYS(struct pg_source, conn),
	{ "table", CONF_STRING, NULL, offsetof(struct pg_source, table),
	  "table (or schema.table) to read; give table or query", NULL, 0, 0, 0 },
	{ "query", CONF_STRING, NULL, offsetof(struct pg_source, query), "SELECT whose rows to read", NULL, 0, 0, 0 },
	{ NULL, 0, NULL, 0, NULL, NULL, 0, 0, 0 },
};

/* The SELECT to stream: the table's rows, or the query without a trailing
 * semicolon (COPY takes one statement in parentheses). */
static int pgs_build_select(struct pg_source *s, const struct connector_env *env, struct buf *sel, struct errbuf *e)
{
	char where[512];
	if (!s->table == !s->query) {
		confmap_where_key(where, sizeof where, env->section, s->table ? "query" : "table");
		return errbuf_set(e, "%s: give either table or query (exactly one of them)", where);
	}
	if (s->table) {
		buf_append_str(sel, "SELECT * FROM ");
		if (pg_quote_name(s->table, sel)) {
			confmap_where_key(where, sizeof where, env->section, "table");
			return errbuf_set(e, "%s: '%s' is not a table name (table or schema.table)", where, s->table);
		}
		return 0;
	}
	size_t n = strlen(s->query);
	while (n && (s->query[n - 1] == ';' || s->query[n - 1] == ' ' || s->query[n - 1] == '\n' ||
		     s->query[n - 1] == '\t' || s->query[n - 1] == '\r'))
		n--;
	if (!n) {
		confmap_where_key(where, sizeof where, env->section, "query");
		return errbuf_set(e, "%s: the query is empty", where);
	}
	buf_append(sel, s->query, n);
	return 0;
}

/* Prepares the SELECT (without running it) to learn its columns. */
static int pgs_describe_columns(struct pg_source *s, const struct connector_env *env, const char *sel,
				struct schema *out, struct errbuf *e)
{
	char where[512], msg[700];
	confmap_where_key(where, sizeof where, env->section, s->table ? "table" : "query");
	uint64_t t0 = clock_now_ns();
	PGresult *r = PQprepare(s->link.conn, "", sel, 0, NULL);
	if (PQresultStatus(r) == PGRES_COMMAND_OK) {
		PQclear(r);
		r = PQdescribePrepared(s->link.conn, "");
	}
	connmetrics_count_request(s->link.metrics, strlen(sel), t0, clock_now_ns());
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		pg_link_error(&s->link, r, msg, sizeof msg);
		PQclear(r);
		return errbuf_set(e, "%s: %s (%s)", where, msg, s->link.name);
	}
	uint32_t width = (uint32_t)PQnfields(r);
	if (!width) {
		PQclear(r);
		return errbuf_set(e, "%s: the query returns no columns", where);
	}
	schema_init(out, width);
	s->types = calloc(width, 1);
	if (!s->types)
		abort();
	for (uint32_t i = 0; i < width; i++) {
		schema_set_name(out, i, PQfname(r, (int)i));
		Oid t = PQftype(r, (int)i);
		s->types[i] = t == PGS_OID_BOOL ? FTYPE_BOOL
			      : (t == PGS_OID_INT2 || t == PGS_OID_INT4 || t == PGS_OID_INT8) ? FTYPE_INT
											     : FTYPE_STRING;
		out->types[i] = s->types[i];
	}
	PQclear(r);
	schema_dedup_names(out);
	s->width = width;
	return 0;
}

static int pgs_open(void *opts, const struct connector_env *env, struct schema *out, struct errbuf *e)
{
	struct pg_source *s = opts;
	struct buf sel = { 0 };
	s->batch = env->batch;
	int rc = pgs_build_select(s, env, &sel, e);
	buf_append_byte(&sel, 0);
	if (!rc)
		rc = pg_link_open(&s->link, &s->conn, env, e);
	if (!rc)
		rc = pgs_describe_columns(s, env, sel.p, out, e);
	if (!rc)
		buf_printf(&s->copy_sql, "COPY (%s) TO STDOUT", sel.p);
	buf_free(&sel);
	return rc;
}

/* Waits until the server sends more (or a moment passes); -2 when stopped,
 * -1 when the connection failed, else 0. Adds the time waited to *wait_ns. */
static int pgs_wait_input(struct pg_source *s, const _Atomic int *stop, int ms, uint64_t *wait_ns)
{
	struct pollfd pfd = { PQsocket(s->link.conn), POLLIN, 0 };
	uint64_t t0 = clock_now_ns();
	int n = poll(&pfd, 1, ms);
	*wait_ns += clock_now_ns() - t0;
	if (stop && atomic_load_explicit(stop, memory_order_relaxed))
		return -2;
	if (n < 0 && errno != EINTR)
		return -1;
	return PQconsumeInput(s->link.conn) ? 0 : -1;
}

static int pgs_fail(struct pg_source *s, struct errbuf *e, const char *what, PGresult *r)
{
	char msg[700];
	pg_link_error(&s->link, r, msg, sizeof msg);
	if (r)
		PQclear(r);
	return errbuf_set(e, "%s from PostgreSQL (%s) after %llu records: %s", what, s->link.name,
			  (unsigned long long)s->rows, msg);
}

/* Sends the COPY and waits for the server to start streaming. */
static int pgs_start_copy(struct pg_source *s, const _Atomic int *stop, uint64_t *wait_ns, struct errbuf *e)
{
	s->started = 1;
	if (!PQsendQuery(s->link.conn, s->copy_sql.p) || PQsetnonblocking(s->link.conn, 1) != 0)
		return pgs_fail(s, e, "reading", NULL);
	while (PQisBusy(s->link.conn)) {
		int rc = pgs_wait_input(s, stop, 100, wait_ns);
		if (rc == -2)
			return -2;
		if (rc < 0)
			return pgs_fail(s, e, "reading", NULL);
	}
	PGresult *r = PQgetResult(s->link.conn);
	if (PQresultStatus(r) != PGRES_COPY_OUT)
		return pgs_fail(s, e, "reading", r);
	PQclear(r);
	return 0;
}

/* The end of the COPY: the server's final word on it. */
static int pgs_finish_copy(struct pg_source *s, struct errbuf *e)
{
	s->done = 1;
	PQsetnonblocking(s->link.conn, 0);
	PGresult *r = PQgetResult(s->link.conn);
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		return pgs_fail(s, e, "reading", r);
	PQclear(r);
	while ((r = PQgetResult(s->link.conn)))
		PQclear(r);
	return 0;
}

static int pgs_read(void *opts, struct batch *b, const _Atomic int *stop, struct errbuf *e)
{
	struct pg_source *s = opts;
	uint64_t wait_ns = 0, messages = 0, t0 = clock_now_ns();
	uint32_t got = 0;
	int rc = 0;
	b->raw.len = 0;
	if (!s->started)
		rc = pgs_start_copy(s, stop, &wait_ns, e);
	while (!rc && !s->done && got < s->batch && b->raw.len < PGS_CHUNK_BYTES) {
		if (atomic_load_explicit(stop, memory_order_relaxed))
			break;
		char *row;
		int n = PQgetCopyData(s->link.conn, &row, 1);
		if (n > 0) {
			buf_append(&b->raw, row, (size_t)n);
			PQfreemem(row);
			got++;
			messages++;
		} else if (n == 0) {
			/* nothing complete yet: hand on the rows so far after a pause */
			rc = pgs_wait_input(s, stop, got ? 100 : 200, &wait_ns);
			if (rc == -1)
				rc = pgs_fail(s, e, "connection lost while reading", NULL);
			else if (!rc && got && clock_now_ns() - t0 > 100000000ull)
				break;
		} else if (n == -1) {
			rc = pgs_finish_copy(s, e);
		} else {
			rc = pgs_fail(s, e, "reading", NULL);
		}
	}
	if (messages)
		connmetrics_add(&s->link.metrics->requests, messages);
	connmetrics_count_wait(s->link.metrics, b->raw.len, wait_ns);
	if (rc == -1)
		return -1;
	if (!got)
		return 0; /* the end, or stopped */
	b->first_record = s->rows + 1;
	b->bytes_in = b->raw.len;
	s->rows += got;
	return 1;
}

static void pgs_decode(void *opts, struct batch *b, struct worker *w)
{
	struct pg_source *s = opts;
	const char *p = b->raw.p, *end = p + b->raw.len;
	b->data.len = 0;
	buf_reserve(&b->data, b->raw.len + 64);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		uint32_t r = batch_add_record(b);
		buf_reserve(&b->data, n);
		struct field *f = batch_record(b, r);
		uint32_t nf = pg_copy_parse_row(p, n, &b->data, f, s->width);
		if (nf != s->width) {
			worker_fail_record(w, b, r, "the server sent %u fields, expected %u", nf, s->width);
		} else {
			for (uint32_t i = 0; i < s->width; i++) {
				if (s->types[i] != FTYPE_BOOL || f[i].len != 1)
					continue;
				const char *v = b->data.p[f[i].off] == 't' ? "true" : "false";
				f = batch_record(b, r);
				f[i].off = (uint32_t)b->data.len;
				f[i].len = (uint32_t)strlen(v);
				buf_append(&b->data, v, f[i].len);
			}
		}
		p += n + 1;
	}
}

static void pgs_locate(void *opts, const struct batch *b, uint32_t r, uint64_t *line, const char **raw,
		       size_t *raw_len)
{
	(void)opts;
	const char *p = b->raw.p, *end = p + b->raw.len;
	*line = 0;
	*raw = NULL;
	*raw_len = 0;
	for (uint32_t i = 0; p < end; i++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (i == r) {
			*raw = p;
			*raw_len = n;
			return;
		}
		p += n + 1;
	}
}

static void pgs_close(void *opts)
{
	struct pg_source *s = opts;
	pg_link_close(&s->link);
	buf_free(&s->copy_sql);
	free(s->types);
	s->types = NULL;
}

static void pgs_describe(void *opts, char *dst, size_t n)
{
	struct pg_source *s = opts;
	snprintf(dst, n, "postgresql %s%s%s", s->table ? s->table : "query", s->link.name[0] ? " in " : "",
		 s->link.name);
}

const struct source_ops source_postgresql = {
	.type = "postgresql",
	.summary = "PostgreSQL table or query, streamed with COPY TO STDOUT",
	.waits_on = "PostgreSQL server",
	.keys = pgs_keys,
	.opts_size = sizeof(struct pg_source),
	.open = pgs_open,
	.read = pgs_read,
	.decode = pgs_decode,
	.locate = pgs_locate,
	.close = pgs_close,
	.describe = pgs_describe,
};
