/* dest_http.c: the HTTP destination: POSTs the records to `url`, as a JSON
 * array or as NDJSON, in requests of at most max_batch_bytes (a record larger
 * than that is sent alone). Records are encoded on the destination's worker
 * threads (one JSON object per line in b->out, the JSON destination's
 * encoding); the writer thread cuts them into requests and sends them over
 * one reused connection, with the retry policy of http_client.h. Every
 * request carries a batch id header, RUN-SEQ (RUN random per run, SEQ the
 * request's number), the same on each retry, so that a server can drop a
 * batch it already took. A request that still fails after its retries
 * follows on_error: with skip or dead_letter its records are record errors
 * with the reason (status and the start of the body); with fail the run
 * stops (exit 1). Nothing is dropped silently. */
#include "autoconfig.h"

#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../pipeline/batch.h"
#include "../src/base/clock.h"
#include "../pipeline/worker.h"
#include "../pipeline/spec.h"
#include "../pipeline/connector.h"
#include "http_client.h"
#include "json_encode.h"

enum http_format { HTTP_FORMAT_JSON = 0, HTTP_FORMAT_NDJSON = 1 };

struct http_dest {
	char *url, *batch_id_header;
	int format;
	uint64_t max_batch_bytes;
	struct http_settings http;
	/* resolved at open */
	struct http_client client;
	struct json_encoder enc;
	int on_error;
	char run_id[24];
	uint64_t seq;        /* requests made */
	struct buf body;     /* a JSON array request */
	char content_type[64];
	char *id_line;       /* "Idempotency-Key: " + room for the id */
	size_t id_prefix;
};

static const char *const http_format_choices[] = { "json", "ndjson", NULL };

static const struct confkey http_dest_keys[] = {
	{ "url", CONF_STRING, NULL, offsetof(struct http_dest, url), "URL the records are POSTed to", NULL, 0, 0,
	  0 },
	{ "format", CONF_ENUM, "json", offsetof(struct http_dest, format),
	  "json: each request is a JSON array; ndjson: one object per line", http_format_choices, 0, 0, 0 },
	{ "max_batch_bytes", CONF_SIZE, "1MiB", offsetof(struct http_dest, max_batch_bytes),
	  "largest request body; a larger record is sent alone", NULL, 1, 1e12, 0 },
	{ "batch_id_header", CONF_STRING, "Idempotency-Key", offsetof(struct http_dest, batch_id_header),
	  "header carrying the request's id, the same on a retry (empty = none)", NULL, 0, 0, 0 },
	HTTP_CLIENT_KEYS(struct http_dest, http),
	{ NULL, 0, NULL, 0, NULL, NULL, 0, 0, 0 },
};

static int http_dest_open(void *opts, const struct connector_env *env, const struct schema *in, struct errbuf *e)
{
	struct http_dest *d = opts;
	char where[512];
	confmap_where_key(where, sizeof where, env->section, "url");
	if (!d->url)
		return errbuf_set(e, "%s: missing (the URL to POST the records to)", where);
	if (strncmp(d->url, "http://", 7) && strncmp(d->url, "https://", 8))
		return errbuf_set(e, "%s: not an http:// or https:// URL", where);
	if (d->batch_id_header[0]) {
		char w2[512];
		confmap_where_key(w2, sizeof w2, env->section, "batch_id_header");
		if (strpbrk(d->batch_id_header, ": \t\r\n"))
			return errbuf_set(e, "%s: '%s' is not a valid header name", w2, d->batch_id_header);
		d->id_prefix = strlen(d->batch_id_header) + 2;
		d->id_line = malloc(d->id_prefix + sizeof d->run_id + 24);
		if (!d->id_line)
			return errbuf_set(e, "out of memory");
		snprintf(d->id_line, d->id_prefix + 1, "%s: ", d->batch_id_header);
	}
	d->on_error = env->on_error;
	snprintf(d->content_type, sizeof d->content_type, "Content-Type: %s",
		 d->format == HTTP_FORMAT_JSON ? "application/json" : "application/x-ndjson");
	http_client_make_run_id(d->run_id, sizeof d->run_id);
	if (json_encoder_init(&d->enc, in))
		return errbuf_set(e, "out of memory");
	/* the retries of a destination end by themselves: the pipeline drains
	 * what it read before stopping, so no stop flag */
	if (http_client_open(&d->client, &d->http, env, NULL, e))
		return -1;
	if (http_client_probe(&d->client, d->url, e)) {
		errbuf_prefix(e, "%s", where);
		return -1;
	}
	return 0;
}

/* Worker threads: one object and a newline per kept record. */
static void http_dest_encode(void *opts, struct batch *b, struct worker *w)
{
	(void)w;
	struct http_dest *d = opts;
	json_encoder_write_batch(&d->enc, b, 0);
}

/* POSTs the lines p[0..n) (records first..last of b, the kept ones); a
 * request that fails for good marks them (skip, dead_letter) or fails the
 * run (-1, fail). */
static int http_dest_post(struct http_dest *d, const char *p, size_t n, struct batch *b, uint32_t first,
			  uint32_t last, struct worker *w, struct errbuf *e)
{
	const char *body = p;
	size_t len = n;
	if (d->format == HTTP_FORMAT_JSON) {
		/* [a,b,c]: the lines' newlines become the separators */
		d->body.len = 0;
		buf_reserve(&d->body, n + 1);
		d->body.p[0] = '[';
		memcpy(d->body.p + 1, p, n);
		for (char *c = d->body.p + 1, *end = c + n; (c = memchr(c, '\n', (size_t)(end - c))); c++)
			*c = ',';
		d->body.p[n] = ']';
		d->body.len = n + 1;
		body = d->body.p;
		len = d->body.len;
	}
	const char *extra[3] = { d->content_type, NULL, NULL };
	if (d->id_line) {
		snprintf(d->id_line + d->id_prefix, sizeof d->run_id + 24, "%s-%llu", d->run_id,
			 (unsigned long long)++d->seq);
		extra[1] = d->id_line;
	}
	struct http_request rq = { "POST", d->url, body, len, extra, NULL };
	struct http_response rs;
	if (http_client_send(&d->client, &rq, &rs, e) == 0)
		return 0;
	if (d->on_error == ON_ERROR_FAIL)
		return -1; /* the pipeline marks every record still kept, and stops */
	if (rs.status == 0) {
		/* no answer at all after the retries (refused, unreachable, timed
		 * out): the server is gone, and every later batch would wait through
		 * its retries to fail the same way: the run stops, as when a
		 * database connection is lost; what was not sent is counted */
		char msg[sizeof e->msg];
		snprintf(msg, sizeof msg, "%s", e->msg);
		return errbuf_set(e, "the HTTP server did not answer: %s", msg);
	}
	for (uint32_t r = first; r <= last; r++)
		if (b->marks[r] == MARK_KEPT)
			worker_fail_record(w, b, r, "%s", e->msg);
	return 0;
}

/* Writer thread: the lines of b->out, in requests of at most max_batch_bytes. */
static int http_dest_write(void *opts, struct batch *b, struct worker *w, struct errbuf *e)
{
	struct http_dest *d = opts;
	/* the JSON array costs one byte more than its lines: [ and ] for the
	 * last newline and the first */
	size_t over = d->format == HTTP_FORMAT_JSON ? 1 : 0;
	const char *p = b->out.p, *end = b->out.p + b->out.len, *start = p;
	uint32_t r = 0, first = 0, count = 0;
	while (p < end) {
		while (b->marks[r] != MARK_KEPT)
			r++;
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *next = nl ? nl + 1 : end;
		if (count && (size_t)(next - start) + over > d->max_batch_bytes) {
			if (http_dest_post(d, start, (size_t)(p - start), b, first, r - 1, w, e))
				return -1;
			start = p;
			count = 0;
		}
		if (!count)
			first = r;
		count++;
		p = next;
		r++;
	}
	if (count && http_dest_post(d, start, (size_t)(end - start), b, first, r - 1, w, e))
		return -1;
	return 0;
}

static int http_dest_close(void *opts, int ok, struct errbuf *e)
{
	(void)ok;
	(void)e;
	struct http_dest *d = opts;
	http_client_close(&d->client);
	json_encoder_free(&d->enc);
	buf_free(&d->body);
	free(d->id_line);
	d->id_line = NULL;
	return 0;
}

static void http_dest_describe(void *opts, char *dst, size_t n)
{
	struct http_dest *d = opts;
	if (d->url)
		http_client_redact_url(d->url, dst, n);
	else
		snprintf(dst, n, "?");
}

const struct dest_ops dest_http = {
	.type = "http",
	.summary = "POSTs the records to an HTTP endpoint, as a JSON array or NDJSON",
	.waits_on = "HTTP server",
	.keys = http_dest_keys,
	.opts_size = sizeof(struct http_dest),
	.open = http_dest_open,
	.encode = http_dest_encode,
	.write = http_dest_write,
	.close = http_dest_close,
	.describe = http_dest_describe,
};
