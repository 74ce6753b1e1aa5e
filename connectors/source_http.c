/* source_http.c: the HTTP source: GETs `url`, takes the records (JSON
 * objects) from each response at records_path, and follows the pagination
 * (a next link, a cursor, or page numbers / offsets) until a page has no
 * records or no next link/cursor, or max_pages pages were read.
 *
 * The first page is read at open: the field names come from its records
 * (json_record.h), and a failure there (no connection, a 4xx other than 429,
 * retries used up, a body that is not JSON) is a configuration error (exit
 * 2). Later pages are read on the reader thread; a page that fails for good
 * or does not parse stops the run (exit 1) with the URL (its query values
 * hidden), the page number and the reason. The reader thread hands each
 * batch its records as jansson objects it alone owns (pointers in b->raw);
 * the decoder threads fill the records (a key not seen on the first page is
 * a record error) and free the objects. */
#include <jansson.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../pipeline/batch.h"
#include "../pipeline/schema.h"
#include "../pipeline/worker.h"
#include "connector.h"
#include "http_client.h"
#include "json_record.h"

enum http_paging { PAGING_NONE = 0, PAGING_NEXT_LINK, PAGING_CURSOR, PAGING_PAGE };

struct http_source {
	char *url, *records_path, *next_path, *cursor_param, *cursor_path, *page_param, *page_size_param,
		*offset_param;
	int pagination, flatten;
	uint64_t page_size, start_page, max_pages;
	struct http_settings http;
	/* resolved at open */
	struct http_client client;
	struct schema schema;    /* the source's schema, for the decoders */
	struct json_index *index;
	uint32_t batch;
	json_t **items;          /* records of the current page, owned one by one */
	size_t nitems, next_item;
	char *page_url;          /* the current page's URL */
	char *next_url;          /* NULL: no more pages */
	uint64_t pages, page_no, records;
	uint64_t page_bytes;     /* the current page's body, shared out among its batches */
	uint64_t page_bytes_given; /* how much of it the batches so far got */
	char shown[512];         /* url for messages */
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
	{ "max_pages", CONF_UINT, "0", offsetof(struct http_source, max_pages), "pages to read at most (0 = no limit)",
	  NULL, 0, 0, 0 },
	{ "flatten", CONF_BOOL, "false", offsetof(struct http_source, flatten),
	  "nested objects become dotted fields (a.b)", NULL, 0, 0, 0 },
	HTTP_CLIENT_KEYS(struct http_source, http),
	{ NULL, 0, NULL, 0, NULL, NULL, 0, 0, 0 },
};

/* The value at a dotted path ("data.items"; "" = root), or NULL. */
static json_t *http_source_lookup(json_t *root, const char *path)
{
	json_t *v = root;
	const char *p = path;
	while (v && *p) {
		size_t n = strcspn(p, ".");
		if (!json_is_object(v))
			return NULL;
		v = json_object_getn(v, p, n);
		p += n;
		if (*p == '.')
			p++;
	}
	return v;
}

static void http_source_free_items(struct http_source *s)
{
	for (size_t i = s->next_item; i < s->nitems; i++)
		json_decref(s->items[i]);
	free(s->items);
	s->items = NULL;
	s->nitems = s->next_item = 0;
}

/* The URL of page number n (0-based count of pages read) in page mode. */
static char *http_source_page_url(struct http_source *s, uint64_t n)
{
	char num[32];
	char *u;
	if (s->offset_param) {
		/* the records of the pages before: those handed out and the current page's */
		snprintf(num, sizeof num, "%llu", (unsigned long long)(s->records + s->nitems));
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

/* After a page with records: where the next one is (NULL: none). */
static int http_source_find_next(struct http_source *s, json_t *root, struct errbuf *e)
{
	free(s->next_url);
	s->next_url = NULL;
	if (s->max_pages && s->pages >= s->max_pages)
		return 0;
	switch (s->pagination) {
	case PAGING_NEXT_LINK: {
		const char *link = json_string_value(http_source_lookup(root, s->next_path));
		if (link && *link && !(s->next_url = http_client_resolve_url(s->page_url, link)))
			return errbuf_set(e, "page %llu: next_path '%s' does not hold a URL", (unsigned long long)s->pages,
					  s->next_path);
		return 0;
	}
	case PAGING_CURSOR: {
		json_t *c = http_source_lookup(root, s->cursor_path);
		char num[32];
		const char *v = json_string_value(c);
		if (json_is_integer(c)) {
			snprintf(num, sizeof num, "%lld", (long long)json_integer_value(c));
			v = num;
		}
		if (v && *v)
			s->next_url = http_client_add_query(&s->client, s->url, s->cursor_param, v);
		return 0;
	}
	case PAGING_PAGE:
		s->next_url = http_source_page_url(s, s->pages);
		return 0;
	default:
		return 0;
	}
}

/* GETs the page at `url` and takes its records. 0 with the records in
 * s->items (none: the input ends), -1 with the reason. */
static int http_source_fetch(struct http_source *s, char *url, struct errbuf *e)
{
	free(s->page_url);
	s->page_url = url;
	s->page_no = s->pages + 1;
	struct http_request rq = { "GET", url, NULL, 0, NULL };
	struct http_response rs;
	if (http_client_send(&s->client, &rq, &rs, e))
		return -1;
	s->pages++;
	s->page_bytes = rs.len;
	s->page_bytes_given = 0;
	json_error_t je;
	json_t *root = json_loadb(rs.body, rs.len, JSON_RECORD_LOAD_FLAGS, &je);
	char shown[512];
	http_client_redact_url(url, shown, sizeof shown);
	if (!root)
		return errbuf_set(e, "GET %s: the response is not JSON: %s (line %d, column %d)", shown, je.text,
				  je.line, je.column);
	json_t *arr = http_source_lookup(root, s->records_path);
	if (arr && !json_is_array(arr) && !json_is_null(arr)) {
		errbuf_set(e, "GET %s: %s%s%s is %s, not an array of records", shown,
			   s->records_path[0] ? "records_path '" : "the response", s->records_path,
			   s->records_path[0] ? "'" : "", json_record_kind(arr));
		json_decref(root);
		return -1;
	}
	/* the records change hands: each is owned by the reader, then by one
	 * batch, never shared between threads */
	size_t n = json_is_array(arr) ? json_array_size(arr) : 0;
	s->items = malloc((n ? n : 1) * sizeof *s->items);
	if (!s->items) {
		json_decref(root);
		return errbuf_set(e, "out of memory");
	}
	for (size_t i = 0; i < n; i++)
		s->items[i] = json_incref(json_array_get(arr, i));
	s->nitems = n;
	s->next_item = 0;
	int rc = n ? http_source_find_next(s, root, e) : 0;
	if (!n) {
		free(s->next_url);
		s->next_url = NULL;
	}
	if (arr)
		json_array_clear(arr);
	json_decref(root);
	return rc;
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
	if (http_client_open(&s->client, &s->http, env, NULL, e))
		return -1;
	char *first = s->pagination == PAGING_PAGE ? http_source_page_url(s, 0) : strdup(s->url);
	if (!first)
		return errbuf_set(e, "out of memory");
	char where[512];
	confmap_where_key(where, sizeof where, env->section, "url");
	if (http_source_fetch(s, first, e)) {
		errbuf_prefix(e, "%s", where);
		return -1;
	}
	struct json_fields *f = json_fields_new();
	for (size_t i = 0; i < s->nitems; i++)
		json_fields_collect(f, s->items[i], s->flatten);
	json_fields_to_schema(f, out);
	json_fields_free(f);
	schema_copy(&s->schema, out);
	s->index = json_index_new(&s->schema);
	if (!s->index)
		return errbuf_set(e, "out of memory");
	return 0;
}

/* Reader thread: up to `batch` records of the current page, reading the next
 * page when it is used up. */
static int http_source_read(void *opts, struct batch *b, const _Atomic int *stop, struct errbuf *e)
{
	struct http_source *s = opts;
	s->client.stop = stop;
	while (s->next_item == s->nitems) {
		http_source_free_items(s);
		if (!s->next_url || atomic_load_explicit(stop, memory_order_relaxed))
			return 0;
		char *url = s->next_url;
		s->next_url = NULL;
		if (http_source_fetch(s, url, e)) {
			if (atomic_load_explicit(stop, memory_order_relaxed))
				return 0;
			errbuf_prefix(e, "page %llu", (unsigned long long)s->page_no);
			return -1;
		}
	}
	size_t n = s->nitems - s->next_item;
	if (n > s->batch)
		n = s->batch;
	b->first_record = s->records + 1;
	buf_append(&b->raw, s->items + s->next_item, n * sizeof(json_t *));
	/* the page's last batch gets what the shares before it left: the
	 * batches' bytes add up to the page's */
	b->bytes_in = s->next_item + n == s->nitems ? s->page_bytes - s->page_bytes_given
						    : s->page_bytes * n / s->nitems;
	s->page_bytes_given += b->bytes_in;
	s->next_item += n;
	s->records += n;
	return 1;
}

/* Decoder threads: the objects of b->raw into records; frees them. */
static void http_source_decode(void *opts, struct batch *b, struct worker *w)
{
	struct http_source *s = opts;
	size_t n = b->raw.len / sizeof(json_t *);
	char msg[256];
	for (size_t i = 0; i < n; i++) {
		json_t *obj;
		memcpy(&obj, b->raw.p + i * sizeof obj, sizeof obj);
		uint32_t r = batch_add_record(b);
		if (json_record_fill(b, r, obj, s->index, s->flatten, msg, sizeof msg))
			worker_fail_record(w, b, r, "%s", msg);
		json_decref(obj);
	}
	b->raw.len = 0;
}

static void http_source_close(void *opts)
{
	struct http_source *s = opts;
	http_source_free_items(s);
	json_index_free(s->index);
	s->index = NULL;
	schema_free(&s->schema);
	http_client_close(&s->client);
	free(s->page_url);
	free(s->next_url);
	s->page_url = s->next_url = NULL;
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
