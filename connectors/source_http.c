/* source_http.c: the HTTP source: GETs `url`, takes the records (JSON
 * objects) from each response at records_path, and follows the pagination
 * (a next link, a cursor, or page numbers / offsets) until a page has no
 * records or no next link/cursor. A next link or cursor that leads back to a
 * page already read, or a next page past max_pages, fails the run (exit 1):
 * the input has no end, or was not read to it.
 *
 * A page is read as it arrives (http_page.h): its records go on in batches
 * while the rest of it downloads, so memory stays flat whatever the page's
 * size; the transfer pauses while the pipeline has enough (backpressure).
 * Its next link or cursor is known at its end.
 *
 * The first page starts at open: the field names come from its first
 * schema_sample records (json_record.h), and a failure there (no connection,
 * a 4xx other than 429, retries used up, a body that is not JSON) is a
 * configuration error (exit 2). The rest is read on the reader thread; a
 * page that fails for good or does not parse stops the run (exit 1) with the
 * URL (its query values hidden), the page number and the reason, after the
 * records read before it went on. The reader thread hands each batch its
 * records as JSON text (NUL-separated in b->raw); the decoder threads parse
 * them and fill the records (a key not seen at open is a record error). */
#include "autoconfig.h"

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../pipeline/batch.h"
#include "../pipeline/schema.h"
#include "../pipeline/worker.h"
#include "../pipeline/connector.h"
#include "http_client.h"
#include "http_page.h"
#include "json_fast.h"
#include "json_record.h"
#include "strset.h"

/* max_pages by default: far beyond the APIs it was tried on (a few thousand
 * pages), yet a server whose pages never end (a loop the URLs do not show,
 * page numbers without end) stops within hours, not never. */
#define HTTP_MAX_PAGES_DEFAULT "100000"
/* Record bytes a batch takes at most, and reading ahead at open at most. */
#define HTTP_CHUNK_BYTES (4u << 20)
#define HTTP_SAMPLE_BYTES (64u << 20)

enum http_paging { PAGING_NONE = 0, PAGING_NEXT_LINK, PAGING_CURSOR, PAGING_PAGE };

struct http_source {
	char *url, *records_path, *next_path, *cursor_param, *cursor_path, *page_param, *page_size_param,
		*offset_param;
	int pagination, flatten;
	uint64_t page_size, start_page, max_pages, schema_sample;
	struct http_settings http;
	/* resolved at open */
	struct http_client client;
	struct schema schema;    /* the source's schema, for the decoders */
	struct json_index *index;
	uint32_t batch;
	struct http_page page;   /* the page being read */
	int in_page;             /* its transfer is under way */
	size_t want;             /* records the transfer pauses at */
	size_t want_bytes;       /* record bytes it pauses at */
	char *page_url;          /* the current page's URL */
	char *next_url;          /* NULL: no more pages */
	uint64_t pages, page_no, records;
	uint64_t body_bytes, bytes_given; /* page bytes read, and given to batches */
	int failed;              /* the run fails once the records read are handed on */
	struct errbuf fail;
	char shown[512];         /* url for messages */
	struct strset seen;      /* the URLs of the pages read (next_link, cursor) */
};

static const char *const http_paging_choices[] = { "none", "next_link", "cursor", "page", NULL };

static const struct confkey http_source_keys[] = {
	{ "url", CONF_STRING, NULL, offsetof(struct http_source, url), "URL of the first page", NULL, 0, 0, 0 },
	{ "records_path", CONF_STRING, "", offsetof(struct http_source, records_path),
	  "dotted path of the array of records in a response (empty: the response is the array)", NULL, 0, 0, 0 },
	{ "pagination", CONF_ENUM, "none", offsetof(struct http_source, pagination),
	  "none, next_link, cursor or page", http_paging_choices, 0, 0, 0 },
	{ "next_path", CONF_STRING, NULL, offsetof(struct http_source, next_path),
	  "next_link: dotted path of the next page's URL", NULL, 0, 0, 0 },
	{ "cursor_param", CONF_STRING, NULL, offsetof(struct http_source, cursor_param),
	  "cursor: query parameter the cursor is sent in", NULL, 0, 0, 0 },
	{ "cursor_path", CONF_STRING, NULL, offsetof(struct http_source, cursor_path),
	  "cursor: dotted path of the next cursor in a response", NULL, 0, 0, 0 },
	{ "page_param", CONF_STRING, "page", offsetof(struct http_source, page_param),
	  "page: query parameter of the page number", NULL, 0, 0, 0 },
	{ "offset_param", CONF_STRING, NULL, offsetof(struct http_source, offset_param),
	  "page: query parameter of the offset (records before the page), instead of a page number", NULL, 0, 0,
	  0 },
	{ "page_size_param", CONF_STRING, NULL, offsetof(struct http_source, page_size_param),
	  "page: query parameter of the page size (unset: not sent)", NULL, 0, 0, 0 },
	{ "page_size", CONF_UINT, "100", offsetof(struct http_source, page_size), "page: records per page asked",
	  NULL, 1, 1e9, 0 },
	{ "start_page", CONF_UINT, "1", offsetof(struct http_source, start_page), "page: number of the first page",
	  NULL, 0, 0, 0 },
	{ "max_pages", CONF_UINT, HTTP_MAX_PAGES_DEFAULT, offsetof(struct http_source, max_pages),
	  "pages to read at most; a next page past them fails the run (0 = no limit)", NULL, 0, 0, 0 },
	{ "schema_sample", CONF_UINT, "1000", offsetof(struct http_source, schema_sample),
	  "how many records of the first page decide the field names", NULL, 1, 1e9, 0 },
	{ "flatten", CONF_BOOL, "false", offsetof(struct http_source, flatten),
	  "nested objects become dotted fields (a.b)", NULL, 0, 0, 0 },
	HTTP_CLIENT_KEYS(struct http_source, http),
	{ NULL, 0, NULL, 0, NULL, NULL, 0, 0, 0 },
};

/* The URL of page number n (0-based count of pages read) in page mode. */
static char *http_source_page_url(struct http_source *s, uint64_t n)
{
	char num[32];
	char *u;
	if (s->offset_param) {
		/* the records of the pages before: those handed out and the current page's */
		snprintf(num, sizeof num, "%llu", (unsigned long long)(s->records + s->page.nrecs));
		u = http_client_add_query(&s->client, s->url, s->offset_param, num);
	} else {
		snprintf(num, sizeof num, "%llu", (unsigned long long)(s->start_page + n));
		u = http_client_add_query(&s->client, s->url, s->page_param, num);
	}
	if (u && s->page_size_param) {
		snprintf(num, sizeof num, "%llu", (unsigned long long)s->page_size);
		char *v = http_client_add_query(&s->client, u, s->page_size_param, num);
		free(u);
		u = v;
	}
	return u;
}

/* The next page's URL must be new: a next link or cursor that leads back to
 * a page already read would read the same pages for ever. The set holds the
 * URLs of the pages read (a cursor is part of its page's URL), so its memory
 * grows with the pages read, bounded by max_pages. */
static int http_source_check_loop(struct http_source *s, const char *cursor, struct errbuf *e)
{
	int added = strset_add(&s->seen, s->next_url);
	if (added > 0)
		return 0;
	if (added < 0)
		return errbuf_set(e, "out of memory");
	char shown[512];
	http_client_redact_url(s->next_url, shown, sizeof shown);
	if (cursor)
		return errbuf_set(e, "the cursor '%.64s%s' at cursor_path '%s' was already sent: the pages loop, the "
				  "input has no end", cursor,
				  strlen(cursor) > 64 ? "..." : "", s->cursor_path);
	return errbuf_set(e, "the next link at next_path '%s' (%s) points back to a page already read: the pages "
			  "loop, the input has no end", s->next_path, shown);
}

/* After a page with records: where the next one is (NULL: none). A next
 * page past max_pages fails the run: the input was not read to its end. */
static int http_source_find_next(struct http_source *s, json_t *root, struct errbuf *e)
{
	free(s->next_url);
	s->next_url = NULL;
	const char *cursor = NULL;
	char num[32];
	switch (s->pagination) {
	case PAGING_NEXT_LINK: {
		const char *link = json_string_value(http_page_lookup(root, s->next_path));
		if (link && *link && !(s->next_url = http_client_resolve_url(s->page_url, link)))
			return errbuf_set(e, "next_path '%s' does not hold a URL", s->next_path);
		break;
	}
	case PAGING_CURSOR: {
		json_t *c = http_page_lookup(root, s->cursor_path);
		cursor = json_string_value(c);
		if (json_is_integer(c)) {
			snprintf(num, sizeof num, "%lld", (long long)json_integer_value(c));
			cursor = num;
		}
		if (cursor && *cursor &&
		    !(s->next_url = http_client_add_query(&s->client, s->url, s->cursor_param, cursor)))
			return errbuf_set(e, "out of memory");
		break;
	}
	case PAGING_PAGE:
		if (!(s->next_url = http_source_page_url(s, s->pages)))
			return errbuf_set(e, "out of memory");
		break;
	default:
		break;
	}
	if (!s->next_url)
		return 0;
	if (s->max_pages && s->pages >= s->max_pages)
		return errbuf_set(e, "max_pages (%llu) reached and the page has a next one: the input was not read to "
				  "its end (raise max_pages, or set it to 0 for no limit)", (unsigned long long)s->max_pages);
	return s->pagination == PAGING_PAGE ? 0 : http_source_check_loop(s, cursor, e);
}

static int http_source_sink(void *arg, const char *p, size_t n)
{
	struct http_source *s = arg;
	s->body_bytes += n;
	return http_page_feed(&s->page, p, n);
}

static int http_source_enough(void *arg)
{
	const struct http_source *s = arg;
	return s->page.nrecs >= s->want || s->page.recs_bound >= s->want_bytes;
}

/* Starts the GET of the page at url (taken). */
static int http_source_start(struct http_source *s, char *url, struct errbuf *e)
{
	free(s->page_url);
	s->page_url = url;
	s->page_no = s->pages + 1;
	http_page_reset(&s->page);
	s->in_page = 1;
	return http_client_stream_open(&s->client, url, http_source_sink, http_source_enough, s, e);
}

/* Reads on in the page until `want` records (or want_bytes) are cut, or the
 * page ends: then its next page is found (a loop or max_pages is kept in
 * s->fail, for after its records). 1: records wait, 0: the page ended, -1:
 * it failed (the URL, the reason). */
static int http_source_pump(struct http_source *s, struct errbuf *e)
{
	struct http_response rs;
	int rc = http_client_stream_pump(&s->client, &rs, e);
	if (rc == 1)
		return 1;
	s->in_page = 0;
	http_client_stream_close(&s->client);
	if (rs.stopped)
		return 0;
	char shown[512];
	http_client_redact_url(s->page_url, shown, sizeof shown);
	if (rc < 0 && s->page.err[0])
		return errbuf_set(e, "GET %s: %s", shown, s->page.err);
	if (rc < 0)
		return -1;
	s->pages++;
	json_t *root;
	if (http_page_finish(&s->page, &root))
		return errbuf_set(e, "GET %s: %s", shown, s->page.err);
	free(s->next_url);
	s->next_url = NULL;
	if (s->page.records && http_source_find_next(s, root, &s->fail)) {
		errbuf_prefix(&s->fail, "page %llu", (unsigned long long)s->page_no);
		s->failed = 1;
	}
	json_decref(root);
	return 0;
}

static int http_source_check_keys(struct http_source *s, const struct connector_env *env, struct errbuf *e)
{
	char where[512];
	confmap_where_key(where, sizeof where, env->section, "url");
	if (!s->url)
		return errbuf_set(e, "%s: missing (the URL of the first page)", where);
	if (strncmp(s->url, "http://", 7) && strncmp(s->url, "https://", 8))
		return errbuf_set(e, "%s: not an http:// or https:// URL", where);
	const char *need = NULL;
	if (s->pagination == PAGING_NEXT_LINK && !s->next_path)
		need = "next_path";
	else if (s->pagination == PAGING_CURSOR && !s->cursor_param)
		need = "cursor_param";
	else if (s->pagination == PAGING_CURSOR && !s->cursor_path)
		need = "cursor_path";
	if (need) {
		confmap_where_key(where, sizeof where, env->section, "pagination");
		return errbuf_set(e, "%s: pagination = %s needs %s", where, http_paging_choices[s->pagination], need);
	}
	return 0;
}

static int http_source_open(void *opts, const struct connector_env *env, struct schema *out, struct errbuf *e)
{
	struct http_source *s = opts;
	if (http_source_check_keys(s, env, e))
		return -1;
	s->batch = env->batch;
	http_client_redact_url(s->url, s->shown, sizeof s->shown);
	http_page_init(&s->page, s->records_path);
	if (http_client_open(&s->client, &s->http, env, NULL, e))
		return -1;
	char *first = s->pagination == PAGING_PAGE ? http_source_page_url(s, 0) : strdup(s->url);
	/* the first URL as a next link resolves (host in lower case, ...) */
	char *norm = first ? http_client_resolve_url(first, first) : NULL;
	int added = strset_add(&s->seen, norm ? norm : first ? first : "");
	free(norm);
	if (!first || added < 0)
		return errbuf_set(e, "out of memory");
	char where[512];
	confmap_where_key(where, sizeof where, env->section, "url");
	/* the first records, for the field names: read ahead, kept for read */
	s->want = s->schema_sample;
	s->want_bytes = HTTP_SAMPLE_BYTES;
	if (http_source_start(s, first, e) || http_source_pump(s, e) < 0) {
		errbuf_prefix(e, "%s", where);
		return -1;
	}
	struct json_fields *f = json_fields_new();
	const char *p = s->page.recs.p;
	for (size_t i = 0, at = 0; i < s->page.nrecs; i++) {
		size_t len = strlen(p + at);
		json_t *v = json_loadb(p + at, len, JSON_RECORD_LOAD_FLAGS, NULL);
		if (v)
			json_fields_collect(f, v, s->flatten);
		json_decref(v);
		at += len + 1;
	}
	json_fields_to_schema(f, out);
	json_fields_free(f);
	schema_copy(&s->schema, out);
	s->index = json_index_new(&s->schema);
	if (!s->index)
		return errbuf_set(e, "out of memory");
	return 0;
}

/* Reader thread: up to `batch` records, as they are cut from the page being
 * read; the next page when it ended. A failure is reported after the
 * records read before it went on. */
static int http_source_read(void *opts, struct batch *b, const _Atomic int *stop, struct errbuf *e)
{
	struct http_source *s = opts;
	s->client.stop = stop;
	s->want = s->batch;
	s->want_bytes = HTTP_CHUNK_BYTES;
	for (;;) {
		if (s->page.nrecs && (http_source_enough(s) || !s->in_page || s->failed))
			break;
		if (s->failed) {
			memcpy(e, &s->fail, sizeof *e);
			return -1;
		}
		if (atomic_load_explicit(stop, memory_order_relaxed))
			return 0;
		if (s->in_page) {
			if (http_source_pump(s, &s->fail) < 0) {
				if (atomic_load_explicit(stop, memory_order_relaxed))
					return 0;
				errbuf_prefix(&s->fail, "page %llu", (unsigned long long)s->page_no);
				s->failed = 1;
			}
			continue;
		}
		if (!s->next_url)
			return 0;
		char *url = s->next_url;
		s->next_url = NULL;
		if (http_source_start(s, url, e))
			return -1;
	}
	b->first_record = s->records + 1;
	size_t n = http_page_take(&s->page, &b->raw, s->batch);
	b->bytes_in = s->body_bytes - s->bytes_given;
	s->bytes_given = s->body_bytes;
	s->records += n;
	return 1;
}

/* Decoder threads: the records of b->raw (JSON text, NUL-separated). */
static void http_source_decode(void *opts, struct batch *b, struct worker *w)
{
	struct http_source *s = opts;
	char msg[256];
	for (size_t at = 0; at < b->raw.len;) {
		const char *rec = b->raw.p + at;
		size_t len = strlen(rec);
		at += len + 1;
		uint32_t r = batch_add_record(b);
		if (json_fast_fill(b, r, rec, len, s->index))
			continue;
		json_error_t je;
		json_t *obj = json_loadb(rec, len, JSON_RECORD_LOAD_FLAGS, &je);
		if (!obj) {
			worker_fail_record(w, b, r, "invalid JSON: %s (byte %d of the record)", je.text, je.position);
			continue;
		}
		if (json_record_fill(b, r, obj, s->index, s->flatten, msg, sizeof msg))
			worker_fail_record(w, b, r, "%s", msg);
		json_decref(obj);
	}
	b->raw.len = 0;
}

static void http_source_close(void *opts)
{
	struct http_source *s = opts;
	http_page_free(&s->page);
	json_index_free(s->index);
	s->index = NULL;
	schema_free(&s->schema);
	http_client_close(&s->client);
	free(s->page_url);
	free(s->next_url);
	s->page_url = s->next_url = NULL;
	strset_free(&s->seen);
}

static void http_source_describe(void *opts, char *dst, size_t n)
{
	struct http_source *s = opts;
	snprintf(dst, n, "%s", s->shown[0] ? s->shown : "?");
}

const struct source_ops source_http = {
	.type = "http",
	.summary = "JSON records from an HTTP API, page after page",
	.waits_on = "HTTP server",
	.keys = http_source_keys,
	.opts_size = sizeof(struct http_source),
	.open = http_source_open,
	.read = http_source_read,
	.decode = http_source_decode,
	.close = http_source_close,
	.describe = http_source_describe,
};
