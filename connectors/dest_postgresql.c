/* dest_postgresql.c: the postgresql destination. Worker threads encode each
 * batch into COPY text; the writer thread loads it with one
 * `COPY table (fields) FROM STDIN` per batch, inside a transaction that open
 * begins (with CREATE TABLE and TRUNCATE when asked) and close commits, or
 * that is committed every `commit_every` batches.
 *
 * One COPY per batch, so that a row the server refuses is known before the
 * batch is counted: the server names the COPY line (= the batch's n-th
 * record sent) and column. With on_error = skip or dead_letter each COPY runs
 * after a savepoint; a refused row is marked failed with the server's reason,
 * the batch rolled back to the savepoint and sent again without it. With
 * on_error = fail there is no savepoint: the row is marked failed, the run
 * stops and the transaction is rolled back. A connection lost during the run
 * stops it (exit 1) naming how many records were committed. */
#include "autoconfig.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../pipeline/batch.h"
#include "../src/base/clock.h"
#include "../pipeline/schema.h"
#include "../pipeline/worker.h"
#include "../pipeline/spec.h"
#include "../pipeline/connector.h"
#include "pg_conn.h"
#include "pg_copy.h"

#define PGD_SAVEPOINT "nebtop_batch"

struct pg_dest {
	struct pg_conn_opts conn;
	char *table;
	int create_table, truncate;
	uint64_t commit_every;
	/* resolved at open */
	struct pg_link link;
	struct buf copy_sql; /* COPY "t" ("a", "b") FROM STDIN */
	struct buf sql;      /* the statements sent before the next COPY */
	struct buf resend;   /* a batch's rows without those the server refused */
	uint32_t *sent;      /* on the error path: record of each line of b->out */
	uint32_t *lines;     /* record of each line of the COPY last sent */
	uint32_t lines_cap;
	int on_error;
	int in_txn;                   /* a transaction is open */
	int stopped;                  /* the run was stopped, and the message says what was committed */
	uint64_t committed, open_recs; /* records committed; sent in the open transaction */
	uint64_t batches_in_txn;
};

static const struct confkey pgd_keys[] = {
	PG_CONN_KEYS(struct pg_dest, conn),
	{ "table", CONF_STRING, NULL, offsetof(struct pg_dest, table), "table (or schema.table) to load", NULL, 0,
	  0, 0 },
	{ "create_table", CONF_BOOL, "false", offsetof(struct pg_dest, create_table),
	  "create the table when missing (text columns, or the cast types)", NULL, 0, 0, 0 },
	{ "truncate", CONF_BOOL, "false", offsetof(struct pg_dest, truncate),
	  "empty the table first (in the run's first transaction)", NULL, 0, 0, 0 },
	{ "commit_every", CONF_UINT, "0", offsetof(struct pg_dest, commit_every),
	  "commit every N batches (0 = one transaction for the whole run)", NULL, 0, 0, 0 },
	{ NULL, 0, NULL, 0, NULL, NULL, 0, 0, 0 },
};

static const char *pgd_sql_type(uint8_t t)
{
	switch (t) {
	case FTYPE_INT:
		return "bigint";
	case FTYPE_FLOAT:
		return "double precision";
	case FTYPE_BOOL:
		return "boolean";
	default:
		return "text";
	}
}

/* Appends the quoted field names, comma-separated, with their SQL types
 * when `typed`. */
static void pgd_append_columns(struct buf *o, const struct schema *in, int typed)
{
	for (uint32_t i = 0; i < in->width; i++) {
		if (i)
			buf_append_str(o, ", ");
		pg_quote_ident(in->names[i], strlen(in->names[i]), o);
		if (typed) {
			buf_append_byte(o, ' ');
			buf_append_str(o, pgd_sql_type(in->types[i]));
		}
	}
}

/* BEGIN, CREATE TABLE, the check that the table and the fields exist,
 * TRUNCATE: the run's first transaction, rolled back when it never starts. */
static int pgd_prepare_table(struct pg_dest *d, const struct connector_env *env, const struct schema *in,
			     const char *qname, struct errbuf *e)
{
	char where[512];
	struct buf q = { 0 };
	int rc = pg_link_command(&d->link, "BEGIN", e);
	d->in_txn = !rc;
	if (!rc && d->create_table) {
		buf_printf(&q, "CREATE TABLE IF NOT EXISTS %s (", qname);
		pgd_append_columns(&q, in, 1);
		buf_append_str(&q, ")");
		buf_append_byte(&q, 0);
		rc = pg_link_command(&d->link, q.p, e);
		confmap_where_key(where, sizeof where, env->section, "create_table");
	}
	if (!rc) {
		q.len = 0;
		buf_append_str(&q, "SELECT ");
		pgd_append_columns(&q, in, 0);
		buf_printf(&q, " FROM %s LIMIT 0", qname);
		buf_append_byte(&q, 0);
		rc = pg_link_command(&d->link, q.p, e);
		confmap_where_key(where, sizeof where, env->section, "table");
		if (rc && !d->create_table && strstr(e->msg, "relation") && strstr(e->msg, "does not exist")) {
			char msg[sizeof e->msg];
			snprintf(msg, sizeof msg, "%s", e->msg);
			errbuf_set(e, "%s (create_table = true creates it)", msg);
		}
	}
	if (!rc && d->truncate) {
		q.len = 0;
		buf_printf(&q, "TRUNCATE %s", qname);
		buf_append_byte(&q, 0);
		rc = pg_link_command(&d->link, q.p, e);
		confmap_where_key(where, sizeof where, env->section, "truncate");
	}
	buf_free(&q);
	if (rc)
		errbuf_prefix(e, "%s (%s)", where, d->link.name);
	return rc;
}

static int pgd_open(void *opts, const struct connector_env *env, const struct schema *in, struct errbuf *e)
{
	struct pg_dest *d = opts;
	char where[512];
	d->on_error = env->on_error;
	confmap_where_key(where, sizeof where, env->section, "table");
	if (!d->table)
		return errbuf_set(e, "%s: missing (the table to load)", where);
	struct buf qname = { 0 };
	if (pg_quote_name(d->table, &qname))
		return errbuf_set(e, "%s: '%s' is not a table name (table or schema.table)", where, d->table);
	buf_append_byte(&qname, 0);
	int rc = 0;
	if (!in->width)
		rc = errbuf_set(e, "%s: the records have no fields to load", where);
	if (!rc)
		rc = pg_link_open(&d->link, &d->conn, env, e);
	if (!rc)
		rc = pgd_prepare_table(d, env, in, qname.p, e);
	if (!rc) {
		buf_printf(&d->copy_sql, "COPY %s (", qname.p);
		pgd_append_columns(&d->copy_sql, in, 0);
		buf_append_str(&d->copy_sql, ") FROM STDIN");
	}
	buf_free(&qname);
	return rc;
}

static void pgd_encode(void *opts, struct batch *b, struct worker *w)
{
	(void)opts;
	(void)w;
	struct buf *out = &b->out;
	buf_reserve(out, PG_COPY_BOUND(b->data.len) + (size_t)b->nrec * (3 * (size_t)b->width + 1));
	char *o = out->p + out->len;
	for (uint32_t r = 0; r < b->nrec; r++) {
		if (b->marks[r] != MARK_KEPT)
			continue;
		const struct field *f = batch_record(b, r);
		for (uint32_t i = 0; i < b->width; i++) {
			if (i)
				*o++ = '\t';
			if (f[i].len == FIELD_NULL) {
				*o++ = '\\';
				*o++ = 'N';
			} else {
				o = pg_copy_write_field(o, b->data.p + f[i].off, f[i].len);
			}
		}
		*o++ = '\n';
	}
	out->len = (size_t)(o - out->p);
}

/* --- writing (writer thread) ---------------------------------------------- */

/* What a failed COPY said, read from its result. */
struct pgd_refusal {
	uint64_t line;    /* COPY line the server names (1-based), 0 = none */
	char column[128]; /* column it names, "" = none */
	char reason[600];
	int lost; /* the connection is gone: the run must stop */
};

static void pgd_read_refusal(struct pg_dest *d, const PGresult *r, struct pgd_refusal *f)
{
	memset(f, 0, sizeof *f);
	pg_link_error(&d->link, r, f->reason, sizeof f->reason);
	const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	const char *sev = r ? PQresultErrorField(r, PG_DIAG_SEVERITY_NONLOCALIZED) : NULL;
	f->lost = pg_link_lost(&d->link) || !r || (state && (!strncmp(state, "08", 2) || !strncmp(state, "57P", 3))) ||
		  (sev && (!strcmp(sev, "FATAL") || !strcmp(sev, "PANIC")));
	/* context: "COPY t, line 3, column amount: "abc"" */
	const char *ctx = r ? PQresultErrorField(r, PG_DIAG_CONTEXT) : NULL;
	const char *at = ctx ? strstr(ctx, ", line ") : NULL;
	if (at)
		f->line = strtoull(at + 7, NULL, 10);
	const char *col = ctx ? strstr(ctx, ", column ") : NULL;
	if (col) {
		col += 9;
		size_t n = strcspn(col, ":\n");
		snprintf(f->column, sizeof f->column, "%.*s", (int)n, col);
	} else if (r && PQresultErrorField(r, PG_DIAG_COLUMN_NAME)) {
		snprintf(f->column, sizeof f->column, "%s", PQresultErrorField(r, PG_DIAG_COLUMN_NAME));
	}
}

/* Sends d->sql (statements ending with the COPY) and `data` as its rows.
 * Returns 0 when the COPY succeeded, 1 when the server refused it (details
 * in *f; f->lost when the connection is gone). */
static int pgd_copy(struct pg_dest *d, const char *data, size_t n, struct pgd_refusal *f)
{
	PGconn *c = d->link.conn;
	PGresult *r = NULL;
	int refused = 0;
	buf_append_byte(&d->sql, 0);
	if (!PQsendQuery(c, d->sql.p)) {
		pgd_read_refusal(d, NULL, f);
		d->sql.len = 0;
		return 1;
	}
	d->sql.len = 0;
	/* the results of the statements before the COPY, then COPY IN */
	for (;;) {
		r = pg_link_next_result(&d->link);
		ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
		if (st == PGRES_COPY_IN)
			break;
		if (st != PGRES_COMMAND_OK) {
			pgd_read_refusal(d, r, f);
			PQclear(r);
			while ((r = PQgetResult(c)))
				PQclear(r);
			return 1;
		}
		PQclear(r);
	}
	PQclear(r);
	uint64_t t0 = clock_now_ns();
	int ok = (n == 0 || PQputCopyData(c, data, (int)n) == 1) && PQputCopyEnd(c, NULL) == 1;
	connmetrics_count_request(d->link.metrics, n, t0, clock_now_ns());
	r = pg_link_next_result(&d->link);
	if (!ok || !r || PQresultStatus(r) != PGRES_COMMAND_OK) {
		pgd_read_refusal(d, r, f);
		refused = 1;
	}
	PQclear(r);
	while ((r = PQgetResult(c)))
		PQclear(r);
	return refused;
}

/* Stops the run: WHAT happened (REASON); the message counts what was
 * committed and what the server rolled back: the open transaction's
 * batches written before, which were counted out and are now rolled_back
 * (the same number in both), and apart from them the `in_flight` records of
 * the batch being sent, which the pipeline counts as not written. */
static int pgd_stop(struct pg_dest *d, const char *what, const char *reason, uint64_t in_flight, struct errbuf *e)
{
	connmetrics_add(&d->link.metrics->errors, 1);
	connmetrics_add(&d->link.metrics->rolled_back, d->open_recs);
	d->in_txn = 0;
	d->stopped = 1;
	char batch[96] = "";
	if (in_flight)
		snprintf(batch, sizeof batch, ", and the batch being sent (%llu records) not written",
			 (unsigned long long)in_flight);
	return errbuf_set(e, "%s (%s): %s; %llu records committed, the open transaction (%llu records) rolled back%s",
			  what, d->link.name, reason, (unsigned long long)d->committed, (unsigned long long)d->open_recs,
			  batch);
}

static int pgd_lost(struct pg_dest *d, const struct pgd_refusal *f, uint64_t in_flight, struct errbuf *e)
{
	return pgd_stop(d, "connection to PostgreSQL lost", f->reason, in_flight, e);
}

/* ROLLBACK TO SAVEPOINT: the batch is undone, the transaction goes on. */
static int pgd_undo_batch(struct pg_dest *d, struct pgd_refusal *f, struct errbuf *e)
{
	if (pg_link_command(&d->link, "ROLLBACK TO SAVEPOINT " PGD_SAVEPOINT, e) == 0)
		return 0;
	snprintf(f->reason, sizeof f->reason, "%s", e->msg);
	return pgd_lost(d, f, 0, e);
}

/* Maps the lines of b->out to their records: d->sent[i] = the record of
 * line i (the records kept when the batch was encoded); the lines now sent
 * are the same. Returns the number of lines. */
static uint32_t pgd_map_lines(struct pg_dest *d, const struct batch *b)
{
	if (d->lines_cap < b->nrec) {
		free(d->sent);
		free(d->lines);
		d->sent = malloc((size_t)b->nrec * sizeof *d->sent);
		d->lines = malloc((size_t)b->nrec * sizeof *d->lines);
		if (!d->sent || !d->lines)
			abort();
		d->lines_cap = b->nrec;
	}
	uint32_t n = 0;
	for (uint32_t r = 0; r < b->nrec; r++)
		if (b->marks[r] == MARK_KEPT)
			d->lines[n++] = r;
	memcpy(d->sent, d->lines, (size_t)n * sizeof *d->sent);
	return n;
}

/* Builds d->resend: the lines of b->out (nout of them) whose records are
 * still kept; d->lines becomes their records. Returns their number. */
static uint32_t pgd_build_resend(struct pg_dest *d, const struct batch *b, uint32_t nout)
{
	d->resend.len = 0;
	const char *p = b->out.p, *end = b->out.p + b->out.len;
	uint32_t kept = 0;
	for (uint32_t i = 0; i < nout && p < end; i++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
		if (b->marks[d->sent[i]] == MARK_KEPT) {
			buf_append(&d->resend, p, len);
			d->lines[kept++] = d->sent[i];
		}
		p += len;
	}
	return kept;
}

/* The batch after the server refused a row of it. Returns 0 when the rest of
 * the batch went in (skip, dead_letter) or -1 when the run stops. */
static int pgd_handle_refusal(struct pg_dest *d, struct batch *b, struct worker *w, struct pgd_refusal *f,
			      struct errbuf *e)
{
	uint32_t nout = pgd_map_lines(d, b), nlines = nout;
	for (;;) {
		if (f->lost)
			return pgd_lost(d, f, nout, e);
		connmetrics_add(&d->link.metrics->errors, 1);
		if (!f->line || f->line > nlines) {
			/* the server names no row: the batch fails as a whole */
			for (uint32_t i = 0; i < nlines; i++)
				worker_fail_record(w, b, d->lines[i], "PostgreSQL refused the batch: %s", f->reason);
			if (d->on_error == ON_ERROR_FAIL)
				return errbuf_set(e, "PostgreSQL refused a batch: %s", f->reason);
			return pgd_undo_batch(d, f, e);
		}
		uint32_t rec = d->lines[f->line - 1];
		if (f->column[0])
			worker_fail_record(w, b, rec, "PostgreSQL refused the row: column %s: %s", f->column, f->reason);
		else
			worker_fail_record(w, b, rec, "PostgreSQL refused the row: %s", f->reason);
		if (d->on_error == ON_ERROR_FAIL)
			return errbuf_set(e, "the batch was rolled back after PostgreSQL refused record %llu",
					  (unsigned long long)(b->first_record + rec));
		/* back to the savepoint, then the batch again without the row */
		nlines = pgd_build_resend(d, b, nout);
		if (!nlines)
			return pgd_undo_batch(d, f, e);
		connmetrics_add(&d->link.metrics->retries, 1);
		buf_append_str(&d->sql, "ROLLBACK TO SAVEPOINT " PGD_SAVEPOINT "; ");
		buf_append(&d->sql, d->copy_sql.p, d->copy_sql.len);
		if (!pgd_copy(d, d->resend.p, d->resend.len, f)) {
			d->open_recs += nlines;
			return 0;
		}
	}
}

static int pgd_write(void *opts, struct batch *b, struct worker *w, struct errbuf *e)
{
	struct pg_dest *d = opts;
	struct pgd_refusal f;
	uint32_t kept = b->nkept;
	uint64_t open_before = d->open_recs;
	if (!d->in_txn) {
		buf_append_str(&d->sql, "BEGIN; ");
		d->in_txn = 1;
	}
	if (d->on_error != ON_ERROR_FAIL)
		buf_append_str(&d->sql, "SAVEPOINT " PGD_SAVEPOINT "; ");
	buf_append(&d->sql, d->copy_sql.p, d->copy_sql.len);
	if (pgd_copy(d, b->out.p, b->out.len, &f)) {
		if (pgd_handle_refusal(d, b, w, &f, e))
			return -1;
	} else {
		d->open_recs += kept;
	}
	if (d->on_error != ON_ERROR_FAIL)
		buf_append_str(&d->sql, "RELEASE SAVEPOINT " PGD_SAVEPOINT "; ");
	if (d->commit_every && ++d->batches_in_txn >= d->commit_every) {
		d->sql.len = 0; /* COMMIT releases the savepoint */
		struct errbuf ce;
		if (pg_link_command(&d->link, "COMMIT", &ce)) {
			/* this batch fails with the write (the pipeline counts its
			 * records not written): it is not among those rolled back */
			uint64_t batch = d->open_recs - open_before;
			d->open_recs = open_before;
			return pgd_stop(d, pg_link_lost(&d->link) ? "connection to PostgreSQL lost" : "COMMIT failed",
					ce.msg, batch, e);
		}
		d->committed += d->open_recs;
		d->open_recs = 0;
		d->batches_in_txn = 0;
		d->in_txn = 0;
	}
	return 0;
}

static int pgd_close(void *opts, int ok, struct errbuf *e)
{
	struct pg_dest *d = opts;
	int rc = 0;
	struct errbuf ce;
	if (d->link.conn && !d->stopped) {
		int alive = !pg_link_lost(&d->link);
		if (ok == 1 && d->in_txn && (!alive || pg_link_command(&d->link, "COMMIT", &ce))) {
			rc = pgd_stop(d, alive ? "COMMIT failed" : "connection to PostgreSQL lost",
				      alive ? ce.msg : "no connection at the end of the run", 0, e);
		} else if (ok == 1 && d->in_txn) {
			d->committed += d->open_recs;
			d->open_recs = 0;
		} else if (ok != 1) {
			if (d->in_txn && alive)
				pg_link_command(&d->link, "ROLLBACK", &ce);
			if (d->in_txn)
				connmetrics_add(&d->link.metrics->rolled_back, d->open_recs);
			if (ok == 0)
				rc = errbuf_set(e, "%llu records committed to %s, the open transaction (%llu records) rolled back",
						(unsigned long long)d->committed, d->table,
						(unsigned long long)d->open_recs);
		}
	}
	pg_link_close(&d->link);
	buf_free(&d->copy_sql);
	buf_free(&d->sql);
	buf_free(&d->resend);
	free(d->sent);
	free(d->lines);
	d->sent = d->lines = NULL;
	d->lines_cap = 0;
	return rc;
}

static void pgd_describe(void *opts, char *dst, size_t n)
{
	struct pg_dest *d = opts;
	snprintf(dst, n, "postgresql %s%s%s", d->table ? d->table : "?", d->link.name[0] ? " in " : "", d->link.name);
}

static void pgd_describe_left(void *opts, char *dst, size_t n)
{
	struct pg_dest *d = opts;
	snprintf(dst, n, "the server rolls back the open transaction as the connection closes; what was committed "
			 "before stays in %s", d->table ? d->table : "the table");
}

const struct dest_ops dest_postgresql = {
	.type = "postgresql",
	.summary = "PostgreSQL table, loaded with COPY FROM STDIN in transactions",
	.waits_on = "PostgreSQL server",
	.keys = pgd_keys,
	.opts_size = sizeof(struct pg_dest),
	.open = pgd_open,
	.encode = pgd_encode,
	.write = pgd_write,
	.close = pgd_close,
	.describe = pgd_describe,
	.describe_left = pgd_describe_left,
};
