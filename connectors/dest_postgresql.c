/* dest_postgresql.c: the postgresql destination. Worker threads encode each
 * batch into COPY text; the writer thread streams the batches into one
 * `COPY table (fields) FROM STDIN`, inside a transaction that open begins
 * (with CREATE TABLE and TRUNCATE when asked) and close commits, or that is
 * committed every `commit_every` batches.
 *
 * A COPY carries many batches, which the pipeline holds (DEST_HELD) until it
 * ends: a row the server refuses is known before its batch is counted, and
 * the server names it by its COPY line (= the n-th record sent) and column.
 * The COPY ends at PGD_SPAN_BYTES, at a commit, when the server speaks
 * during it (a refusal) or when the pipeline flushes (it holds batches a
 * quarter of a second, DEST_HOLD_NS). Long COPYs matter to the server: each
 * gets a new 16 MB ring of shared buffers for the pages it fills, and one
 * that never comes round its ring takes a cold buffer for every page. A held
 * batch's COPY text is not kept: its buffer goes to the spares once sent
 * (pgd_release_out), and a refusal encodes the held batches again.
 *
 * With on_error = skip or dead_letter each COPY runs after a savepoint; a
 * refused row is marked failed with the server's reason, the transaction
 * goes back to the savepoint, and the rows are sent again without it: those
 * before it in one COPY, the rest batch by batch, until each row went in or
 * was refused. With on_error = fail there is no savepoint: the row is marked
 * failed, the run stops and the transaction is rolled back. A connection lost during the run
 * stops it (exit 1) naming how many records were committed.
 *
 * The pass-through: when the records come straight from a source that can
 * leave them plain (a CSV file, no stage between), the COPY names the
 * source's delimiter (DELIMITER ','), and a plain record is sent almost as
 * it was read: its quotes dropped and the delimiters between them escaped
 * (pg_copy_write_plain), never split into fields. The other records are
 * encoded field by field with that delimiter escaped; both give the server
 * the same values as the tab-separated rows it gets otherwise. */
#include "autoconfig.h"

#include <ctype.h>
#include <poll.h>
#include <sys/socket.h>
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
#include "../pipeline/lock.h"
#include "pg_conn.h"
#include "pg_copy.h"

#define PGD_SAVEPOINT "nebtop_batch"
/* A COPY stays open across batches until it carries this many bytes. */
#define PGD_SPAN_BYTES ((size_t)64 << 20)
/* The most batches one COPY carries (held, unsettled, meanwhile). */
#define PGD_MAX_HELD 512
/* Spare COPY-text buffers kept for the encoders (pgd_release_out). */
#define PGD_SPARES 16
/* The socket's send buffer asked for: rows queued ahead of the server, so
 * that it never waits for the writer thread to be scheduled (the kernel caps
 * it at its own limit, net.core.wmem_max on Linux). */
#define PGD_SNDBUF (4 << 20)
/* Threads that feed one server connection, when the workers key is not
 * given: one backend takes about 500,000 rows/s, one encoder writes COPY
 * text ten times as fast and two decoders of any source parse faster than
 * that; more threads only take CPU from the server on a shared machine. */
#define PGD_FEED_DECODERS 2
#define PGD_FEED_ENCODERS 1

/* A row the open COPY sent, on the error path. */
struct pgd_line {
	const char *p; /* its COPY text, in its batch's out */
	size_t len;
	uint32_t batch, rec; /* d->span[batch], record rec */
	int refused;
};

struct pg_dest {
	struct pg_conn_opts conn;
	char *table;
	int create_table, truncate;
	uint64_t commit_every;
	/* resolved at open */
	struct pg_link link;
	struct buf copy_sql; /* COPY "t" ("a", "b") FROM STDIN */
	struct buf sql;      /* the statements sent before the next COPY */
	struct buf resend;   /* rows sent again after a refusal */
	unsigned char delim; /* the rows' field separator: tab, or the plain records' */
	int plain;	     /* the encoders take plain records (pgd_take_plain) */
	struct plain_format plain_fmt;
	int on_error;
	int in_txn;                    /* a transaction is open */
	int stopped;                   /* the run was stopped, and the message says what was committed */
	uint64_t committed, open_recs; /* records committed; settled in the open transaction */
	uint64_t batches_in_txn;
	/* the open COPY and the batches its rows came from, held until it ends */
	struct batch *span[PGD_MAX_HELD];
	uint32_t nspan;
	int copying, put_failed;
	size_t span_bytes;
	/* after a refusal: the COPY's rows, and those of the last COPY sent */
	struct pgd_line *lines;
	uint32_t *sent;
	uint32_t lines_cap, nsent;
	/* the COPY-text buffers of held batches, once sent (pgd_release_out) */
	struct nlock spare_mu;
	struct buf spare[PGD_SPARES];
	uint32_t nspare;
	int spare_init;
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
	nlock_init(&d->spare_mu, "postgresql: spare COPY buffers");
	d->spare_init = 1;
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
	if (!rc) {
		int fd = PQsocket(d->link.conn), sndbuf = PGD_SNDBUF;
		if (fd >= 0)
			(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf); /* a hint: kept as is when refused */
		rc = pgd_prepare_table(d, env, in, qname.p, e);
	}
	d->delim = '\t';
	if (!rc) {
		buf_printf(&d->copy_sql, "COPY %s (", qname.p);
		pgd_append_columns(&d->copy_sql, in, 0);
		buf_append_str(&d->copy_sql, ") FROM STDIN");
	}
	buf_free(&qname);
	return rc;
}

/* A delimiter the COPY text format takes whose escape (backslash and
 * itself) means itself: a tab, a space, or punctuation but the backslash
 * and the dot. */
static int pgd_delimiter_ok(unsigned char c)
{
	return c == '\t' || c == ' ' || (c < 0x80 && ispunct(c) && c != '\\' && c != '.');
}

/* The pass-through (see the top): the COPY names the plain records'
 * delimiter, and the encoders take them as they are. */
static int pgd_take_plain(void *opts, const struct plain_format *f)
{
	struct pg_dest *d = opts;
	if (!pgd_delimiter_ok(f->delim) || f->quote == '\\' || f->quote == f->delim)
		return 0;
	d->plain = 1;
	d->plain_fmt = *f;
	d->delim = f->delim;
	if (f->delim != '\t') {
		buf_append_str(&d->copy_sql, " (DELIMITER '");
		if (f->delim == '\'')
			buf_append_byte(&d->copy_sql, '\'');
		buf_append_byte(&d->copy_sql, (char)f->delim);
		buf_append_str(&d->copy_sql, "')");
	}
	return 1;
}

/* A held batch's COPY text went to the server: its buffer goes to the
 * spares, for the encoders to fill again (the rare resend after a refusal
 * encodes the batch again, pgd_map_span), so that held batches keep no
 * text and no buffer is allocated anew per batch. */
static void pgd_release_out(struct pg_dest *d, struct batch *b)
{
	nlock_lock(&d->spare_mu);
	if (d->nspare < PGD_SPARES) {
		b->out.len = 0;
		d->spare[d->nspare++] = b->out;
	} else {
		buf_free(&b->out);
	}
	nlock_unlock(&d->spare_mu);
	b->out = (struct buf){ 0 };
}

/* A batch with no COPY-text buffer takes a spare one, when there is. */
static void pgd_take_spare(struct pg_dest *d, struct batch *b)
{
	nlock_lock(&d->spare_mu);
	if (d->nspare)
		b->out = d->spare[--d->nspare];
	nlock_unlock(&d->spare_mu);
}

static void pgd_encode(void *opts, struct batch *b, struct worker *w)
{
	struct pg_dest *d = opts;
	(void)w;
	struct buf *out = &b->out;
	if (!out->cap)
		pgd_take_spare(d, b);
	unsigned char delim = d->delim;
	/* 7 bytes more: the wide writes' slack past their end */
	buf_reserve(out,
		    PG_COPY_BOUND(b->data.len + b->plain_bytes) + (size_t)b->nrec * (3 * (size_t)b->width + 1) + 7);
	char *o = out->p + out->len;
	const char *data = b->data.p;
	size_t data_len = b->data.len;
	for (uint32_t r = 0; r < b->nrec; r++) {
		if (b->marks[r] != MARK_KEPT)
			continue;
		if (batch_is_plain(b, r)) {
			o = pg_copy_write_plain(o, b->raw.p + b->plain[r].off, b->plain[r].len, &d->plain_fmt);
			*o++ = '\n';
			continue;
		}
		const struct field *f = batch_record(b, r);
		for (uint32_t i = 0; i < b->width; i++) {
			if (i)
				*o++ = (char)delim;
			if (f[i].len == FIELD_NULL) {
				*o++ = '\\';
				*o++ = 'N';
			} else if ((size_t)f[i].off + f[i].len + 7 <= data_len) {
				/* the 7 bytes after the value are in the arena: a word at a time */
				o = pg_copy_write_field_wide(o, data + f[i].off, f[i].len, delim);
			} else {
				o = pg_copy_write_field(o, data + f[i].off, f[i].len, delim);
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

/* Sends d->sql (statements ending with the COPY) and waits until the server
 * takes rows. Returns 0, or 1 when it refused (details in *f). */
static int pgd_copy_begin(struct pg_dest *d, struct pgd_refusal *f)
{
	PGconn *c = d->link.conn;
	PGresult *r;
	buf_append_byte(&d->sql, 0);
	int sent = PQsendQuery(c, d->sql.p);
	d->sql.len = 0;
	if (!sent) {
		pgd_read_refusal(d, NULL, f);
		return 1;
	}
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
	return 0;
}

/* Rows (n bytes of COPY text) into the open COPY; a failure shows at its end. */
static void pgd_copy_put(struct pg_dest *d, const char *data, size_t n)
{
	uint64_t t0 = clock_now_ns(), bytes = n;
	while (n && !d->put_failed) {
		int part = n > (1u << 30) ? 1 << 30 : (int)n;
		d->put_failed = PQputCopyData(d->link.conn, data, part) != 1;
		data += part;
		n -= (size_t)part;
	}
	connmetrics_count_request(d->link.metrics, bytes, t0, clock_now_ns());
}

/* Ends the open COPY. Returns 0 when the server took every row, 1 when it
 * refused one (details in *f; f->lost when the connection is gone). */
static int pgd_copy_end(struct pg_dest *d, struct pgd_refusal *f)
{
	PGconn *c = d->link.conn;
	int ok = !d->put_failed && PQputCopyEnd(c, NULL) == 1, refused = 0;
	d->put_failed = 0;
	PGresult *r = pg_link_next_result(&d->link);
	if (!ok || !r || PQresultStatus(r) != PGRES_COMMAND_OK) {
		pgd_read_refusal(d, r, f);
		refused = 1;
	}
	PQclear(r);
	while ((r = PQgetResult(c)))
		PQclear(r);
	return refused;
}

/* One COPY of d->sql's statements and the rows in data, to its end. */
static int pgd_copy(struct pg_dest *d, const char *data, size_t n, struct pgd_refusal *f)
{
	if (pgd_copy_begin(d, f))
		return 1;
	pgd_copy_put(d, data, n);
	return pgd_copy_end(d, f);
}

/* 1 when the server has said something during the COPY: it only speaks then
 * to refuse a row (or to end the session), so the COPY ends early. */
static int pgd_server_spoke(const struct pg_dest *d)
{
	struct pollfd p = { .fd = PQsocket(d->link.conn), .events = POLLIN };
	return p.fd >= 0 && poll(&p, 1, 0) > 0;
}

/* The records of the open COPY's batches still kept (not written if the run
 * stops now). */
static uint64_t pgd_span_kept(const struct pg_dest *d)
{
	uint64_t n = 0;
	for (uint32_t i = 0; i < d->nspan; i++)
		n += d->span[i]->nkept;
	return n;
}

static void pgd_end_span(struct pg_dest *d)
{
	d->nspan = 0;
	d->span_bytes = 0;
}

/* Stops the run: WHAT happened (REASON); the message counts what was
 * committed and what the server rolled back: the open transaction's
 * batches settled before, which were counted out and are now rolled_back
 * (the same number in both), and apart from them the `in_flight` records of
 * the batches being sent, which the pipeline counts as not written. */
static int pgd_stop(struct pg_dest *d, const char *what, const char *reason, uint64_t in_flight, struct errbuf *e)
{
	connmetrics_add(&d->link.metrics->errors, 1);
	connmetrics_add(&d->link.metrics->rolled_back, d->open_recs);
	d->in_txn = 0;
	d->stopped = 1;
	pgd_end_span(d);
	char batch[96] = "";
	if (in_flight)
		snprintf(batch, sizeof batch, ", and the batches being sent (%llu records) not written",
			 (unsigned long long)in_flight);
	return errbuf_set(e, "%s (%s): %s; %llu records committed, the open transaction (%llu records) rolled back%s",
			  what, d->link.name, reason, (unsigned long long)d->committed, (unsigned long long)d->open_recs,
			  batch);
}

static int pgd_lost(struct pg_dest *d, const struct pgd_refusal *f, struct errbuf *e)
{
	return pgd_stop(d, "connection to PostgreSQL lost", f->reason, pgd_span_kept(d), e);
}

/* Maps the rows the open COPY sent to their records: d->lines[i] is the
 * i-th row, the i-th record kept when the batches were encoded (none has
 * been marked since). Returns their number. */
static uint32_t pgd_map_span(struct pg_dest *d)
{
	uint64_t total = pgd_span_kept(d);
	if (total > UINT32_MAX)
		abort();
	if (d->lines_cap < total) {
		free(d->lines);
		free(d->sent);
		d->lines = malloc((size_t)total * sizeof *d->lines);
		d->sent = malloc((size_t)total * sizeof *d->sent);
		if (!d->lines || !d->sent)
			abort();
		d->lines_cap = (uint32_t)total;
	}
	uint32_t n = 0;
	for (uint32_t j = 0; j < d->nspan; j++) {
		struct batch *b = d->span[j];
		if (!b->out.len && b->nkept) /* sent, and its text released */
			pgd_encode(d, b, NULL);
		const char *p = b->out.p, *end = b->out.p + b->out.len;
		for (uint32_t r = 0; r < b->nrec && n < total; r++) {
			if (b->marks[r] != MARK_KEPT)
				continue;
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			size_t len = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
			d->lines[n++] = (struct pgd_line){ .p = p, .len = len, .batch = j, .rec = r };
			p += len;
		}
	}
	for (uint32_t i = 0; i < n; i++)
		d->sent[i] = i;
	d->nsent = n;
	return n;
}

/* The end of the rows of the batch that row i belongs to. */
static uint32_t pgd_batch_end(const struct pg_dest *d, uint32_t i, uint32_t n)
{
	uint32_t j = i;
	while (j < n && d->lines[j].batch == d->lines[i].batch)
		j++;
	return j;
}

/* Row i failed: its record is marked with the server's reason. */
static void pgd_refuse_line(struct pg_dest *d, struct worker *w, uint32_t i, const struct pgd_refusal *f,
			    int whole)
{
	struct pgd_line *l = &d->lines[i];
	struct batch *b = d->span[l->batch];
	l->refused = 1;
	if (whole)
		worker_fail_record(w, b, l->rec, "PostgreSQL refused the batch: %s", f->reason);
	else if (f->column[0])
		worker_fail_record(w, b, l->rec, "PostgreSQL refused the row: column %s: %s", f->column, f->reason);
	else
		worker_fail_record(w, b, l->rec, "PostgreSQL refused the row: %s", f->reason);
}

/* Builds d->resend: rows from..end-1 but those refused; d->sent maps its
 * lines to them. Returns their number. */
static uint32_t pgd_build_resend(struct pg_dest *d, uint32_t from, uint32_t end)
{
	d->resend.len = 0;
	d->nsent = 0;
	for (uint32_t i = from; i < end; i++)
		if (!d->lines[i].refused) {
			buf_append(&d->resend, d->lines[i].p, d->lines[i].len);
			d->sent[d->nsent++] = i;
		}
	return d->nsent;
}

/* The open COPY's rows after the server refused one (f): every row gets in
 * once or is refused. Rows before the refused one went in: they are sent
 * again, alone; the rows after it, batch by batch, each COPY after the
 * savepoint, until the server takes every row left. With on_error = fail
 * the run stops at the first refusal. Returns 0 or -1 (the run stops). */
static int pgd_span_refused(struct pg_dest *d, struct worker *w, struct pgd_refusal *f, struct errbuf *e)
{
	uint32_t n = pgd_map_span(d), from = 0, end = n, loaded = 0;
	for (;;) {
		/* f: the COPY of rows from..end-1 (d->sent) was refused */
		if (f->lost)
			return pgd_lost(d, f, e);
		connmetrics_add(&d->link.metrics->errors, 1);
		if (f->line && f->line <= d->nsent) {
			uint32_t k = d->sent[f->line - 1];
			pgd_refuse_line(d, w, k, f, 0);
			if (d->on_error == ON_ERROR_FAIL) {
				const struct batch *b = d->span[d->lines[k].batch];
				return errbuf_set(e, "the open transaction was rolled back after PostgreSQL refused record %llu",
						  (unsigned long long)(b->first_record + d->lines[k].rec));
			}
			if (k > from) {
				end = k; /* the rows before it, alone */
			} else {
				from = k + 1;
				end = pgd_batch_end(d, from, n);
			}
		} else if (pgd_batch_end(d, from, end) < end) {
			/* the server names no row: batch by batch */
			end = pgd_batch_end(d, from, end);
		} else {
			/* no row named in one batch: it fails as a whole */
			for (uint32_t i = from; i < end; i++)
				if (!d->lines[i].refused)
					pgd_refuse_line(d, w, i, f, 1);
			if (d->on_error == ON_ERROR_FAIL)
				return errbuf_set(e, "PostgreSQL refused a batch: %s", f->reason);
			from = end;
			end = pgd_batch_end(d, from, n);
		}
		/* back to the savepoint; then the rows left, until a COPY is refused
		 * (clean: the last COPY went in, the transaction is not failed) */
		int clean = 0;
		for (;;) {
			if (from >= n) {
				if (!clean && pg_link_command(&d->link, "ROLLBACK TO SAVEPOINT " PGD_SAVEPOINT, e)) {
					snprintf(f->reason, sizeof f->reason, "%s", e->msg);
					return pgd_lost(d, f, e);
				}
				buf_append_str(&d->sql, "RELEASE SAVEPOINT " PGD_SAVEPOINT "; ");
				d->open_recs += loaded;
				pgd_end_span(d);
				return 0;
			}
			if (!pgd_build_resend(d, from, end)) {
				from = end;
				end = pgd_batch_end(d, from, n);
				continue;
			}
			connmetrics_add(&d->link.metrics->retries, 1);
			buf_append_str(&d->sql, clean ? "RELEASE SAVEPOINT " PGD_SAVEPOINT "; SAVEPOINT " PGD_SAVEPOINT "; "
						       : "ROLLBACK TO SAVEPOINT " PGD_SAVEPOINT "; ");
			buf_append(&d->sql, d->copy_sql.p, d->copy_sql.len);
			if (pgd_copy(d, d->resend.p, d->resend.len, f))
				break;
			clean = 1;
			loaded += d->nsent;
			from = end;
			end = pgd_batch_end(d, from, n);
		}
	}
}

/* Ends the open COPY: its batches are settled. Returns 0 or -1. */
static int pgd_settle(struct pg_dest *d, struct worker *w, struct errbuf *e)
{
	struct pgd_refusal f;
	if (!d->nspan)
		return 0;
	if (d->copying) {
		d->copying = 0;
		if (pgd_copy_end(d, &f))
			return pgd_span_refused(d, w, &f, e);
	}
	d->open_recs += pgd_span_kept(d);
	if (d->on_error != ON_ERROR_FAIL)
		buf_append_str(&d->sql, "RELEASE SAVEPOINT " PGD_SAVEPOINT "; ");
	pgd_end_span(d);
	return 0;
}

/* Opens a COPY for the batches to come: BEGIN when no transaction is open,
 * the savepoint its rows can be undone to. Returns 0 or 1 (refused, in *f). */
static int pgd_open_copy(struct pg_dest *d, struct pgd_refusal *f)
{
	if (!d->in_txn) {
		buf_append_str(&d->sql, "BEGIN; ");
		d->in_txn = 1;
	}
	if (d->on_error != ON_ERROR_FAIL)
		buf_append_str(&d->sql, "SAVEPOINT " PGD_SAVEPOINT "; ");
	buf_append(&d->sql, d->copy_sql.p, d->copy_sql.len);
	if (pgd_copy_begin(d, f))
		return 1;
	d->copying = 1;
	return 0;
}

/* COMMIT of the open transaction (the savepoint goes with it). */
static int pgd_commit(struct pg_dest *d, struct errbuf *e)
{
	d->sql.len = 0;
	if (pg_link_command(&d->link, "COMMIT", e))
		return -1;
	d->committed += d->open_recs;
	d->open_recs = 0;
	d->batches_in_txn = 0;
	d->in_txn = 0;
	return 0;
}

/* Sends b's rows into the open COPY (opening one when none is), and holds b
 * (DEST_HELD) while the COPY stays open; ends it, settling b and the
 * batches before it, once it carries PGD_SPAN_BYTES, when the server speaks
 * (a row refused) or when a commit is due. */
static int pgd_write(void *opts, struct batch *b, struct worker *w, struct errbuf *e)
{
	struct pg_dest *d = opts;
	struct pgd_refusal f;
	if (d->nspan >= PGD_MAX_HELD)
		abort(); /* the pipeline flushes before */
	d->span[d->nspan++] = b;
	int commit_due = d->commit_every && ++d->batches_in_txn >= d->commit_every;
	uint64_t open_before = d->open_recs;
	if (!d->copying && pgd_open_copy(d, &f)) {
		if (pgd_span_refused(d, w, &f, e))
			return -1;
	} else {
		pgd_copy_put(d, b->out.p, b->out.len);
		d->span_bytes += b->out.len;
		if (!commit_due && d->span_bytes < PGD_SPAN_BYTES && !pgd_server_spoke(d)) {
			pgd_release_out(d, b);
			return DEST_HELD;
		}
		if (pgd_settle(d, w, e))
			return -1;
	}
	struct errbuf ce;
	if (commit_due && pgd_commit(d, &ce)) {
		/* the batches just settled fail with the write (the pipeline counts
		 * their records not written): they are not among those rolled back */
		uint64_t settled = d->open_recs - open_before;
		d->open_recs = open_before;
		return pgd_stop(d, pg_link_lost(&d->link) ? "connection to PostgreSQL lost" : "COMMIT failed", ce.msg,
				settled, e);
	}
	return 0;
}

static int pgd_flush(void *opts, struct worker *w, struct errbuf *e)
{
	return pgd_settle(opts, w, e);
}

static int pgd_close(void *opts, int ok, struct errbuf *e)
{
	struct pg_dest *d = opts;
	int rc = 0;
	struct errbuf ce;
	if (d->copying) /* only when the writer stopped before the end */
		PQputCopyEnd(d->link.conn, "the run stopped");
	if (d->link.conn && !d->stopped) {
		int alive = !pg_link_lost(&d->link);
		if (ok == 1 && d->in_txn && (!alive || pgd_commit(d, &ce))) {
			rc = pgd_stop(d, alive ? "COMMIT failed" : "connection to PostgreSQL lost",
				      alive ? ce.msg : "no connection at the end of the run", 0, e);
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
	d->sent = NULL;
	d->lines = NULL;
	d->lines_cap = 0;
	for (uint32_t i = 0; i < d->nspare; i++)
		buf_free(&d->spare[i]);
	d->nspare = 0;
	if (d->spare_init)
		nlock_destroy(&d->spare_mu);
	d->spare_init = 0;
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
	.take_plain = pgd_take_plain,
	.write = pgd_write,
	.close = pgd_close,
	.feed_decoders = PGD_FEED_DECODERS,
	.feed_encoders = PGD_FEED_ENCODERS,
	.max_held = PGD_MAX_HELD,
	.flush = pgd_flush,
	.describe = pgd_describe,
	.describe_left = pgd_describe_left,
};
