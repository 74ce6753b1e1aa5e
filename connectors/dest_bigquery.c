/* dest_bigquery.c: the bigquery destination: streams the records into a
 * table with tabledata.insertAll, in requests of at most max_rows rows and
 * max_request_bytes bytes. The worker threads encode each record as an
 * insertAll row, {"insertId":"RUN-N","json":{...}} (RUN random per run, N
 * the record's number in the input), so that a request sent again carries
 * the same ids and BigQuery can drop rows it already took. The writer thread
 * cuts the rows into requests and sends them in order.
 *
 * Requests go with skipInvalidRows = false: when BigQuery refuses a row
 * (reason invalid, or any other reason it gives a row) it takes none of the
 * request and answers 200 with insertErrors; the refused rows are record
 * errors with BigQuery's message (on_error applies, the dead letter keeps
 * them), and the rows it stopped because of them are sent again without
 * them. Rows stopped or failed for a retryable reason alone are sent again
 * after a backoff, max_retries times at most. A request that fails for good
 * (retries used up, a 400, 403 or 404 error) stops the run (exit 1) with
 * the service's message. The table must exist: tables.get checks it at open. */
#include "autoconfig.h"

#include <fcntl.h>
#include <jansson.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../pipeline/batch.h"
#include "../pipeline/connector.h"
#include "../pipeline/worker.h"
#include "../src/base/clock.h"
#include "../src/base/secrets.h"
#include "api_rows.h"
#include "bq_api.h"
#include "json_encode.h"

/* The request's fixed part around its rows. */
#define BQD_HEAD "{\"skipInvalidRows\":false,\"ignoreUnknownValues\":false,\"rows\":["
#define BQD_TAIL "]}"

struct bq_dest {
	struct bq_settings bq;
	char *dataset, *table;
	uint64_t max_rows, max_request_bytes;
	/* resolved at open */
	struct bq_api api;
	struct json_encoder enc;
	char run_id[24];
	char *url;	/* insertAll */
	char what[512]; /* "insertAll into p:d.t", for messages */
	char name[400]; /* "p:d.t" */
	struct buf body;
	struct api_row *rows, *next; /* the batch's rows; the ones to send again */
	size_t rows_cap;
	uint8_t *seen; /* per row of a request: its fate in the answer */
};

static const struct confkey bq_dest_keys[] = {
	BQ_API_KEYS(struct bq_dest, bq),
	{ "dataset", CONF_STRING, NULL, offsetof(struct bq_dest, dataset), "dataset of the table", NULL, 0, 0, 0 },
	{ "table", CONF_STRING, NULL, offsetof(struct bq_dest, table), "table the records are inserted into", NULL, 0,
	  0, 0 },
	{ "max_rows", CONF_UINT, "500", offsetof(struct bq_dest, max_rows), "rows per insertAll request at most", NULL,
	  1, 50000, 0 },
	{ "max_request_bytes", CONF_SIZE, "10MB", offsetof(struct bq_dest, max_request_bytes),
	  "largest insertAll request body; a larger row is a record error", NULL, 1024, 10e6, 0 },
	{ NULL, 0, NULL, 0, NULL, NULL, 0, 0, 0 },
};

/* tables.get: the table exists and the credentials may see it. */
static int bqd_check_table(struct bq_dest *d, const char *ds, const char *tb, struct errbuf *e)
{
	struct buf url = { 0 };
	buf_printf(&url, "%s/datasets/%s/tables/%s", d->api.base, ds, tb);
	char what[600];
	snprintf(what, sizeof what, "tables.get %s", d->name);
	struct http_response rs;
	int rc = bq_api_call_aside(&d->api, "GET", url.p, what, &rs, e);
	buf_free(&url);
	return rc;
}

static int bq_dest_open(void *opts, const struct connector_env *env, const struct schema *in, struct errbuf *e)
{
	struct bq_dest *d = opts;
	char where[512];
	const char *need = !d->dataset ? "dataset" : !d->table ? "table" : NULL;
	if (need) {
		confmap_where_key(where, sizeof where, env->section, need);
		return errbuf_set(e, "%s: missing (the %s to insert into)", where, need);
	}
	if (bq_api_open(&d->api, &d->bq, env, e))
		return -1;
	snprintf(d->name, sizeof d->name, "%s:%s.%s", d->bq.project, d->dataset, d->table);
	snprintf(d->what, sizeof d->what, "insertAll into %s", d->name);
	char *ds = bq_api_escape(&d->api, d->dataset), *tb = bq_api_escape(&d->api, d->table);
	int rc = -1;
	if (!ds || !tb) {
		errbuf_set(e, "out of memory");
	} else if (bqd_check_table(d, ds, tb, e)) {
		confmap_where_key(where, sizeof where, env->section, "table");
		errbuf_prefix(e, "%s", where);
	} else {
		struct buf url = { 0 };
		buf_printf(&url, "%s/datasets/%s/tables/%s/insertAll", d->api.base, ds, tb);
		d->url = url.p;
		rc = 0;
	}
	free(ds);
	free(tb);
	if (rc)
		return -1;
	http_client_make_run_id(d->run_id, sizeof d->run_id);
	if (json_encoder_init(&d->enc, in))
		return errbuf_set(e, "out of memory");
	return 0;
}

/* Worker threads: one insertAll row and a newline per kept record. */
static void bq_dest_encode(void *opts, struct batch *b, struct worker *w)
{
	(void)w;
	struct bq_dest *d = opts;
	/* {"insertId":"RUN-N","json":...} */
	size_t extra = 96 + sizeof d->run_id;
	buf_reserve(&b->out, json_encoder_bound(&d->enc, b, extra));
	char *o = b->out.p + b->out.len;
	for (uint32_t r = 0; r < b->nrec; r++) {
		if (b->marks[r] != MARK_KEPT)
			continue;
		/* the record's number in the input; a source that does not number
		 * its records gets ids from the batch's place and the record's */
		if (b->first_record)
			o += sprintf(o, "{\"insertId\":\"%s-%llu\",\"json\":", d->run_id,
				     (unsigned long long)(b->first_record + r));
		else
			o += sprintf(o, "{\"insertId\":\"%s-s%llu-%u\",\"json\":", d->run_id,
				     (unsigned long long)b->seq, r);
		o = json_encoder_write_record(&d->enc, o, b, r);
		*o++ = '}';
		*o++ = '\n';
	}
	b->out.len = (size_t)(o - b->out.p);
}

/* The body of an insertAll request of rows[0..n). */
static void bqd_build_body(struct bq_dest *d, const struct batch *b, const struct api_row *rows, size_t n)
{
	d->body.len = 0;
	buf_append_str(&d->body, BQD_HEAD);
	for (size_t i = 0; i < n; i++) {
		if (i)
			buf_append_byte(&d->body, ',');
		buf_append(&d->body, b->out.p + rows[i].off, rows[i].len);
	}
	buf_append_str(&d->body, BQD_TAIL);
}

/* The error of an insertErrors entry that tells: its first reason other
 * than "stopped" (NULL when all are stopped). */
static json_t *bqd_row_error(json_t *errors)
{
	size_t i;
	json_t *er;
	json_array_foreach(errors, i, er)
	{
		const char *reason = json_string_value(json_object_get(er, "reason"));
		if (!reason || strcmp(reason, "stopped"))
			return er;
	}
	return NULL;
}

/* Fates of a row in an answer. */
enum { BQD_TAKEN = 0, BQD_AGAIN = 1, BQD_REFUSED = 2 };

/* Reads the insertErrors of the answer to rows[0..n): marks the refused
 * rows' records failed and the others to be sent again in d->seen. Returns
 * the number refused, or -1 (e) when the answer is not one. */
static long bqd_read_errors(struct bq_dest *d, struct batch *b, const struct api_row *rows, size_t n, json_t *ierr,
			    struct worker *w, struct errbuf *e)
{
	long refused = 0;
	size_t i;
	json_t *ent;
	json_array_foreach(ierr, i, ent)
	{
		json_t *ix = json_object_get(ent, "index");
		json_int_t k = json_is_integer(ix) ? json_integer_value(ix) : -1;
		if (k < 0 || (size_t)k >= n)
			return errbuf_set(e, "%s: the answer's insertErrors name row %lld of a request of %zu rows",
					  d->what, (long long)k, n);
		if (d->seen[k] != BQD_TAKEN)
			continue;
		json_t *er = bqd_row_error(json_object_get(ent, "errors"));
		const char *reason = json_string_value(json_object_get(er, "reason"));
		if (!er || bq_api_retryable_reason(reason)) {
			d->seen[k] = BQD_AGAIN;
			continue;
		}
		d->seen[k] = BQD_REFUSED;
		refused++;
		const char *msg = json_string_value(json_object_get(er, "message"));
		const char *loc = json_string_value(json_object_get(er, "location"));
		char text[400];
		secrets_redact(text, sizeof text, msg ? msg : "", msg ? strlen(msg) : 0);
		worker_fail_record(w, b, rows[k].rec, "BigQuery refused the row: %s (reason %s%s%s)",
				   text[0] ? text : "no message", reason ? reason : "none",
				   loc && *loc ? ", location " : "", loc && *loc ? loc : "");
	}
	return refused;
}

/* Sends rows[0..n) (moved about: d->rows' storage) until BigQuery took or
 * refused each; -1 when a request failed for good (the run stops). */
static int bqd_insert(struct bq_dest *d, struct batch *b, struct api_row *rows, size_t n, struct worker *w,
		      struct errbuf *e)
{
	uint64_t idle = 0; /* rounds in a row where nothing was refused yet rows came back */
	while (n) {
		bqd_build_body(d, b, rows, n);
		struct http_response rs;
		if (bq_api_call(&d->api, "POST", d->url, d->body.p, d->body.len, d->what, &rs, e))
			return -1;
		json_error_t je;
		json_t *o = json_loadb(rs.body, rs.len, 0, &je);
		if (!json_is_object(o)) {
			json_decref(o);
			return errbuf_set(e, "%s: the answer is not a JSON object: %s", d->what, je.text);
		}
		json_t *ierr = json_object_get(o, "insertErrors");
		if (!json_array_size(ierr)) {
			json_decref(o);
			return 0;
		}
		memset(d->seen, BQD_TAKEN, n);
		long refused = bqd_read_errors(d, b, rows, n, ierr, w, e);
		json_decref(o);
		if (refused < 0)
			return -1;
		/* skipInvalidRows = false: a request with insertErrors took none of
		 * its rows; those not refused go again */
		size_t m = 0;
		for (size_t i = 0; i < n; i++)
			if (d->seen[i] != BQD_REFUSED)
				d->next[m++] = rows[i];
		memcpy(rows, d->next, m * sizeof *rows);
		n = m;
		if (!n || refused)
			continue;
		if (++idle > d->bq.http.max_retries) {
			for (size_t i = 0; i < n; i++)
				worker_fail_record(
				    w, b, rows[i].rec,
				    "BigQuery did not take the row after %llu tries (stopped, or failed with "
				    "a retryable reason, each time)",
				    (unsigned long long)idle);
			return 0;
		}
		http_client_backoff(&d->api.client, idle);
	}
	return 0;
}

static int bqd_send(void *ctx, struct batch *b, struct api_row *rows, size_t n, struct worker *w, struct errbuf *e)
{
	return bqd_insert(ctx, b, rows, n, w, e);
}

/* Writer thread: the rows of b->out, in requests of at most max_rows rows
 * and max_request_bytes bytes. */
static int bq_dest_write(void *opts, struct batch *b, struct worker *w, struct errbuf *e)
{
	struct bq_dest *d = opts;
	if (d->rows_cap < b->nrec) {
		free(d->rows);
		free(d->next);
		free(d->seen);
		d->rows_cap = b->nrec;
		d->rows = malloc(d->rows_cap * sizeof *d->rows);
		d->next = malloc(d->rows_cap * sizeof *d->next);
		d->seen = malloc(d->rows_cap);
		if (!d->rows || !d->next || !d->seen) {
			d->rows_cap = 0;
			return errbuf_set(e, "out of memory");
		}
	}
	const struct api_request_size sz = {
		.fixed = strlen(BQD_HEAD) + strlen(BQD_TAIL),
		.between = 1, /* the comma */
		.max_rows = d->max_rows,
		.max_bytes = d->max_request_bytes,
		.request = "an insertAll request",
		.row = "row",
	};
	return api_rows_write(b, w, d->rows, &sz, bqd_send, d, e);
}

static int bq_dest_close(void *opts, int ok, struct errbuf *e)
{
	(void)ok;
	(void)e;
	struct bq_dest *d = opts;
	bq_api_close(&d->api);
	json_encoder_free(&d->enc);
	buf_free(&d->body);
	free(d->url);
	free(d->rows);
	free(d->next);
	free(d->seen);
	d->url = NULL;
	d->rows = d->next = NULL;
	d->seen = NULL;
	d->rows_cap = 0;
	return 0;
}

static void bq_dest_describe(void *opts, char *dst, size_t n)
{
	struct bq_dest *d = opts;
	snprintf(dst, n, "%s", d->name[0] ? d->name : "?");
}

const struct dest_ops dest_bigquery = {
	.type = "bigquery",
	.summary = "streams the records into a BigQuery table with tabledata.insertAll",
	.waits_on = "BigQuery service",
	.keys = bq_dest_keys,
	.opts_size = sizeof(struct bq_dest),
	.open = bq_dest_open,
	.encode = bq_dest_encode,
	.write = bq_dest_write,
	.close = bq_dest_close,
	.describe = bq_dest_describe,
};
