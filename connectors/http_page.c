/* http_page.c: the HTTP source's page parser (see http_page.h). */
#include "autoconfig.h"

#include "http_page.h"

#include <stdio.h>
#include <string.h>

/* What comes next outside the records: a value, a key, or neither (',',
 * ':' or a closer). */
enum { EXPECT_VALUE, EXPECT_KEY, EXPECT_OTHER };
/* Where the cutting of the records' array is. */
enum { EL_FIRST, EL_VALUE, EL_IN, EL_AFTER };

void http_page_init(struct http_page *p, const char *records_path)
{
	memset(p, 0, sizeof *p);
	for (const char *c = records_path; *c && p->ncomp < HTTP_PAGE_MAX_PATH;) {
		size_t n = strcspn(c, ".");
		p->comp[p->ncomp] = c;
		p->complen[p->ncomp++] = n;
		c += n;
		if (*c == '.')
			c++;
	}
	http_page_reset(p);
}

void http_page_reset(struct http_page *p)
{
	p->in_records = p->in_str = p->esc = p->key_on = 0;
	p->expect = EXPECT_VALUE;
	p->value_on = 1; /* the root is on the path */
	p->depth = p->onpath = 0;
	p->keylen = 0;
	p->rest.len = p->recs.len = 0;
	p->recs_bound = p->nrecs = 0;
	p->records = p->bytes = 0;
	p->err[0] = 0;
}

void http_page_free(struct http_page *p)
{
	buf_free(&p->rest);
	buf_free(&p->recs);
}

static int http_page_fail(struct http_page *p, const char *what)
{
	snprintf(p->err, sizeof p->err, "%s", what);
	return -1;
}

static int http_page_top_is_obj(const struct http_page *p)
{
	uint32_t d = p->depth - 1;
	return d < HTTP_PAGE_MAX_DEPTH && (p->is_obj[d >> 3] >> (d & 7)) & 1;
}

static void http_page_push(struct http_page *p, int is_obj)
{
	uint32_t d = p->depth;
	if (d < HTTP_PAGE_MAX_DEPTH) {
		uint8_t bit = (uint8_t)(1u << (d & 7));
		if (is_obj)
			p->is_obj[d >> 3] |= bit;
		else
			p->is_obj[d >> 3] &= (uint8_t)~bit;
	}
	p->depth++;
}

/* A whole record ends at recs.len: a NUL after it. */
static int http_page_end_record(struct http_page *p)
{
	buf_append_byte(&p->recs, 0);
	p->recs_bound = p->recs.len;
	p->nrecs++;
	p->records++;
	p->el_state = EL_AFTER;
	return 0;
}

/* Appends bytes of a record; a NUL byte would cut the record: 0x01 is as
 * invalid in JSON. */
static void http_page_append_record(struct http_page *p, const char *data, size_t n)
{
	size_t at = p->recs.len;
	buf_append(&p->recs, data, n);
	json_scan_hide_nul(p->recs.p + at, n);
}

/* One byte inside the records' array, between records or at a record's
 * first byte (http_page_feed follows a record to its end). */
static int http_page_step_records(struct http_page *p, unsigned char c)
{
	if (json_scan_is_space(c))
		return 0;
	switch (p->el_state) {
	case EL_AFTER:
		if (c == ',') {
			p->el_state = EL_VALUE;
			return 0;
		}
		if (c != ']')
			return http_page_fail(p, "expected ',' or ']' after a record in the array of records");
		break;
	default: /* EL_FIRST, EL_VALUE */
		if (c == ']' && p->el_state == EL_FIRST)
			break;
		if (c == ',' || c == ']')
			return http_page_fail(p, "expected a record in the array of records");
		p->el_start = p->recs.len;
		json_scan_begin(&p->el, c);
		buf_append_byte(&p->recs, c ? (char)c : 1);
		p->el_state = EL_IN;
		return 0;
	}
	/* the array's end: it stands as [] in the rest */
	buf_append_byte(&p->rest, ']');
	p->in_records = 0;
	p->expect = EXPECT_OTHER;
	p->value_on = 0;
	return 0;
}

/* A key of an on-path object ended: is its value on the path? */
static void http_page_end_key(struct http_page *p)
{
	uint32_t level = p->depth - 1;
	p->value_on = p->key_on && level < p->ncomp && p->keylen == p->complen[level] &&
		      !memcmp(p->key, p->comp[level], p->keylen);
	p->key_on = 0;
}

/* One byte of the document outside the records. */
static int http_page_step_rest(struct http_page *p, unsigned char c)
{
	if (p->in_str) {
		if (p->esc)
			p->esc = 0;
		else if (c == '\\')
			p->esc = 1;
		else if (c == '"') {
			p->in_str = 0;
			if (p->expect == EXPECT_KEY)
				http_page_end_key(p);
			else
				p->value_on = 0;
			p->expect = EXPECT_OTHER;
		}
		if (p->key_on && p->in_str) {
			if (p->keylen < sizeof p->key)
				p->key[p->keylen] = (char)c;
			p->keylen++; /* a key longer than the buffer matches nothing */
		}
		buf_append_byte(&p->rest, (char)c);
		return 0;
	}
	if (!json_scan_is_space(c)) {
		/* at a value on the path, at the depth of records_path, an array: the records */
		int value = p->expect == EXPECT_VALUE;
		int on = value && p->value_on && p->depth == p->onpath;
		switch (c) {
		case '"':
			p->in_str = 1;
			p->esc = 0;
			p->keylen = 0;
			p->key_on = p->expect == EXPECT_KEY && p->depth == p->onpath;
			break;
		case '[':
			if (on && p->depth == p->ncomp) {
				buf_append_byte(&p->rest, '[');
				p->in_records = 1;
				p->el_state = EL_FIRST;
				return 0;
			}
			http_page_push(p, 0);
			p->expect = EXPECT_VALUE;
			break;
		case '{':
			if (on && p->depth < p->ncomp && p->depth < HTTP_PAGE_MAX_DEPTH)
				p->onpath = p->depth + 1;
			http_page_push(p, 1);
			p->expect = EXPECT_KEY;
			break;
		case '}':
		case ']':
			if (p->depth)
				p->depth--;
			if (p->onpath > p->depth)
				p->onpath = p->depth;
			p->expect = EXPECT_OTHER;
			break;
		case ',':
			p->expect = p->depth && http_page_top_is_obj(p) ? EXPECT_KEY : EXPECT_VALUE;
			break;
		case ':':
			p->expect = EXPECT_VALUE;
			break;
		default: /* a number, true, false, null, or garbage: jansson judges */
			p->expect = EXPECT_OTHER;
			break;
		}
		if (c != ':') /* only a key's ':' keeps the key's verdict */
			p->value_on = 0;
	}
	buf_append_byte(&p->rest, (char)c);
	return 0;
}

int http_page_feed(struct http_page *p, const char *data, size_t n)
{
	if (p->err[0])
		return -1;
	for (size_t i = 0; i < n;) {
		if (p->in_records && p->el_state == EL_IN) {
			/* inside a record: up to its end at once */
			int end;
			uint64_t lines = 0;
			size_t k = json_scan_run(&p->el, data + i, n - i, &end, &lines);
			http_page_append_record(p, data + i, k);
			if (p->recs.len - p->el_start > HTTP_PAGE_MAX_RECORD)
				return http_page_fail(p, "a record is larger than 16 MiB");
			i += k;
			if (end)
				http_page_end_record(p); /* a number, true, ...: ended before data[i] */
			continue;
		}
		unsigned char c = (unsigned char)data[i++];
		if (p->in_records ? http_page_step_records(p, c) : http_page_step_rest(p, c))
			return -1;
		if (p->rest.len > HTTP_PAGE_MAX_REST)
			return http_page_fail(p, "the page's text outside its records is larger than 16 MiB");
	}
	p->bytes += n;
	return 0;
}

json_t *http_page_lookup(json_t *root, const char *path)
{
	json_t *v = root;
	const char *c = path;
	while (v && *c) {
		size_t n = strcspn(c, ".");
		if (!json_is_object(v))
			return NULL;
		v = json_object_getn(v, c, n);
		c += n;
		if (*c == '.')
			c++;
	}
	return v;
}

/* The records path as written: for messages. */
static void http_page_path(const struct http_page *p, char *dst, size_t n)
{
	size_t o = 0;
	dst[0] = 0;
	for (uint32_t i = 0; i < p->ncomp && o < n; i++)
		o += (size_t)snprintf(dst + o, n - o, "%s%.*s", i ? "." : "", (int)p->complen[i], p->comp[i]);
}

int http_page_finish(struct http_page *p, json_t **root)
{
	*root = NULL;
	if (p->err[0])
		return -1;
	if (p->in_records)
		return http_page_fail(p, "the response is not JSON: it ends inside the array of records (is it truncated?)");
	json_error_t je;
	json_t *r = json_loadb(p->rest.p ? p->rest.p : "", p->rest.len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
	if (!r) {
		snprintf(p->err, sizeof p->err, "the response is not JSON: %s (line %d, column %d%s)", je.text, je.line,
			 je.column, p->records ? ", its records left out" : "");
		return -1;
	}
	json_t *arr = p->ncomp ? NULL : r;
	if (p->ncomp) {
		char path[512];
		http_page_path(p, path, sizeof path);
		arr = http_page_lookup(r, path);
		if (arr && !json_is_array(arr) && !json_is_null(arr)) {
			snprintf(p->err, sizeof p->err, "records_path '%s' is %s, not an array of records", path,
				 json_is_object(arr) ? "an object" : json_is_string(arr) ? "a string" : "not an array");
			json_decref(r);
			return -1;
		}
	} else if (!json_is_array(r) && !json_is_null(r)) {
		json_decref(r);
		return http_page_fail(p, "the response is not an array of records");
	}
	/* an array the scan did not take (a key with escapes): its records now */
	for (size_t i = 0; json_is_array(arr) && i < json_array_size(arr); i++) {
		char *text = json_dumps(json_array_get(arr, i), JSON_COMPACT | JSON_ENCODE_ANY);
		if (text) {
			buf_append_str(&p->recs, text);
			free(text);
		}
		http_page_end_record(p);
	}
	if (json_is_array(arr))
		json_array_clear(arr); /* the rest has the records' array emptied */
	*root = r;
	return 0;
}

size_t http_page_take(struct http_page *p, struct buf *dst, size_t max)
{
	size_t n = p->nrecs, cut = p->recs_bound;
	if (!n)
		return 0;
	if (n > max) {
		const char *z = p->recs.p;
		for (size_t i = 0; i < max; i++)
			z = (const char *)memchr(z, 0, p->recs_bound - (size_t)(z - p->recs.p)) + 1;
		cut = (size_t)(z - p->recs.p);
		n = max;
	}
	buf_append(dst, p->recs.p, cut);
	memmove(p->recs.p, p->recs.p + cut, p->recs.len - cut);
	p->recs.len -= cut;
	p->el_start -= p->el_start >= cut ? cut : p->el_start;
	p->recs_bound -= cut;
	p->nrecs -= n;
	return n;
}
