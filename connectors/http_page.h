/* http_page.h: the HTTP source's page parser, fed a page's body as it
 * arrives: it cuts the records (the elements of the array at records_path)
 * out as they come, in constant memory whatever the page's size, and keeps
 * the rest of the page (the page with that array emptied: its next link,
 * cursor and other fields) to parse at its end with jansson. So a next link
 * or cursor after the records is found too; it is known at the page's end.
 *
 * The records are found by following the document's structure (strings,
 * nesting, the keys along records_path compared as written, without
 * unescaping them); an element's end is found by json_scan.h's scanner,
 * and the element is not parsed here: the decoder threads parse it (a
 * record that is not valid JSON is a record error). Should the array not be
 * recognised on the way (a key written with escapes), it is still found in
 * the rest at the end, and its records given then. */
#ifndef NEB_HTTP_PAGE_H
#define NEB_HTTP_PAGE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "../src/base/buf.h"
#include "json_scan.h"

/* Longest text of a page outside its records (the rest), and longest record. */
#define HTTP_PAGE_MAX_REST (16u << 20)
#define HTTP_PAGE_MAX_RECORD (16u << 20)
/* records_path components and open containers followed (deeper: not on the path) */
#define HTTP_PAGE_MAX_PATH 64
#define HTTP_PAGE_MAX_DEPTH 4096

struct http_page {
	/* records_path, split at its dots */
	const char *comp[HTTP_PAGE_MAX_PATH];
	size_t complen[HTTP_PAGE_MAX_PATH];
	uint32_t ncomp;
	/* the document outside the records */
	int in_records;      /* inside the records' array */
	int in_str, esc, expect, key_on, value_on;
	uint32_t depth;      /* containers open */
	uint32_t onpath;     /* containers 1..onpath are objects along records_path */
	uint8_t is_obj[HTTP_PAGE_MAX_DEPTH / 8];
	char key[256];
	size_t keylen;
	struct buf rest;     /* the page with the records' array emptied */
	/* inside the records' array */
	int el_state;
	struct json_scan el;
	size_t el_start;     /* where the element being cut starts in recs */
	/* out: complete records, each followed by a NUL byte, then the start of
	 * the next one */
	struct buf recs;
	size_t recs_bound;   /* recs[0..recs_bound) holds whole records */
	size_t nrecs;        /* how many */
	uint64_t records;    /* records of the page so far */
	uint64_t bytes;      /* bytes of the page so far */
	char err[256];       /* why feed or finish failed */
};

/* Starts a page; records_path "" is a page that is the array itself. */
void http_page_init(struct http_page *p, const char *records_path);
/* Sets a page back to its start, keeping its buffers (and records_path). */
void http_page_reset(struct http_page *p);
void http_page_free(struct http_page *p);
/* The next n bytes of the body: 0, or -1 with the reason in p->err (a
 * malformed array of records, a record or a rest too large). */
int http_page_feed(struct http_page *p, const char *data, size_t n);
/* The body ended: the rest parsed (*root, the caller's to json_decref), and
 * records the scan did not recognise added; 0, or -1 with the reason in
 * p->err (the body is not JSON, ends inside the records, or its records_path
 * holds no array). */
int http_page_finish(struct http_page *p, json_t **root);
/* Moves up to max whole records (NUL-separated) to the end of dst; returns
 * how many. */
size_t http_page_take(struct http_page *p, struct buf *dst, size_t max);
/* The value at a dotted path ("data.items"; "" = root), or NULL. */
json_t *http_page_lookup(json_t *root, const char *path);

#endif
