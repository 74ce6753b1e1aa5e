/* source_json.c: the JSON source: JSON Lines (one value per line) or one
 * top-level JSON array, read in constant memory. One reader thread cuts the
 * input into chunks of whole records (lines, or array elements found by a
 * small scanner that follows strings and nesting); the stage's worker
 * threads parse them with jansson and fill records (json_record.c).
 *
 * The field names come from the keys of the first `schema_sample` records,
 * which open reads ahead (and hands on: nothing read is lost). A later record
 * with a key outside them is a record error naming the key; a missing key
 * is a null field. A line or element that is not valid JSON, or not an
 * object, is a record error; a malformed array (not starting with '[',
 * truncated, text between elements) fails the run, naming the line. */
#include "autoconfig.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../pipeline/batch.h"
#include "../pipeline/schema.h"
#include "../pipeline/worker.h"
#include "../pipeline/connector.h"
#include "fdio.h"
#include "json_fast.h"
#include "json_record.h"
#include "json_scan.h"

enum jsrc_format { JSRC_LINES = 0, JSRC_ARRAY = 1 };

#define JSRC_CHUNK_TARGET (1u << 20)   /* bytes a chunk aims at when records are large */
#define JSRC_SAMPLE_BYTES (64u << 20)  /* reading ahead for the field names stops here */

/* Where the array scanner is, between elements or inside one. */
enum jsrc_arr_state { ARR_START, ARR_FIRST, ARR_VALUE, ARR_IN, ARR_AFTER, ARR_END };
struct jsrc_arr_scan {
	int state;
	struct json_scan el; /* inside an element */
};

/* What a chunk holds: where it starts in the input. */
struct jsrc_chunk_info {
	uint64_t first_line, first_record, bytes_in;
};

/* A chunk cut while reading ahead at open, handed on by the first reads. */
struct jsrc_pending {
	struct buf raw;
	struct jsrc_chunk_info info;
};

struct json_source {
	char *file_path;
	int format, flatten;
	uint64_t schema_sample, max_record_size;
	/* reader state */
	struct fdio_input in; /* in.carry: bytes read but not yet cut into a chunk */
	uint64_t lines;    /* input lines before carry[0] */
	uint64_t records;  /* records cut so far */
	struct jsrc_arr_scan arr;
	uint32_t batch;
	double avg_record_bytes;
	struct jsrc_pending *pend;
	size_t npend, pend_next;
	int pend_failed;        /* reading ahead met an input error: the run gets it */
	struct errbuf pend_err; /* after the chunks before it */
	struct json_index *ix;
};

static const char *const jsrc_format_choices[] = { "jsonl", "array", NULL };

static const struct confkey jsrc_keys[] = {
	{ "file_path", CONF_STRING, NULL, offsetof(struct json_source, file_path), "file to read (- = standard input)",
	  NULL, 0, 0, 0 },
	{ "format", CONF_ENUM, "jsonl", offsetof(struct json_source, format),
	  "jsonl: one JSON object per line (blank lines skipped); array: one top-level JSON array of objects",
	  jsrc_format_choices, 0, 0, 0 },
	{ "flatten", CONF_BOOL, "false", offsetof(struct json_source, flatten),
	  "nested objects become dotted fields (a.b); otherwise objects and arrays travel as compact JSON text", NULL,
	  0, 0, 0 },
	{ "schema_sample", CONF_UINT, "1000", offsetof(struct json_source, schema_sample),
	  "how many leading records decide the field names (their keys, in first-seen order)", NULL, 1, 1e9, 0 },
	{ "max_record_size", CONF_SIZE, "16MiB", offsetof(struct json_source, max_record_size),
	  "largest line or array element accepted", NULL, 1024, 1e10, 0 },
	{ NULL, 0, NULL, 0, NULL, NULL, 0, 0, 0 },
};

/* --- reading ------------------------------------------------------------- */


static int jsrc_blank(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!json_scan_is_space((unsigned char)p[i]))
			return 0;
	return 1;
}

/* JSON Lines: cuts up to `want` records (non-blank lines) of whole lines
 * from carry + input into out. Returns the records, -1 on error; *lines gets
 * the lines cut. A chunk ends early when the run stops or a pipe pauses.
 * The input is read into carry, and out gets just the lines cut: a batch's
 * buffer holds one chunk, not a chunk and a read block. */
static long jsrc_cut_lines(struct json_source *s, struct buf *out, size_t want, const _Atomic int *stop,
			   uint64_t *lines, struct errbuf *e)
{
	struct buf *in = &s->in.carry;
	size_t scanned = 0, last = 0, got = 0;
	uint64_t n = 0;
	out->len = 0;
	for (;;) {
		while (got < want) {
			const char *nl = scanned < in->len ? memchr(in->p + scanned, '\n', in->len - scanned) : NULL;
			if (!nl) {
				scanned = in->len;
				break;
			}
			size_t end = (size_t)(nl - in->p) + 1;
			if (end - last > s->max_record_size)
				break;
			got += !jsrc_blank(in->p + last, end - last);
			n++;
			last = scanned = end;
		}
		if (got == want)
			break;
		if (in->len - last > s->max_record_size) {
			if (got)
				break; /* hand on the lines before it; the next call fails */
			return errbuf_set(e, "%s: line %llu is longer than max_record_size (%llu bytes)", s->in.name,
					  (unsigned long long)(s->lines + n + 1), (unsigned long long)s->max_record_size);
		}
		if (s->in.eof) {
			if (in->len > last) { /* a last line without its newline */
				got += !jsrc_blank(in->p + last, in->len - last);
				n++;
				last = in->len;
			}
			break;
		}
		int rc = fdio_input_read_block(&s->in, in, stop, got ? 100 : 0, e);
		if (rc == -1)
			return -1;
		if (rc == -2 || rc == -3)
			break;
	}
	if (last) { /* in->p is NULL when nothing was read (an empty input) */
		buf_append(out, in->p, last);
		memmove(in->p, in->p + last, in->len - last);
		in->len -= last;
	}
	*lines = n;
	return (long)got;
}

/* "'x'", or "byte 0xNN" for a byte that does not print. */
static const char *jsrc_show_byte(unsigned char c, char *dst, size_t n)
{
	if (c > 0x20 && c < 0x7f)
		snprintf(dst, n, "'%c'", c);
	else
		snprintf(dst, n, "byte 0x%02x", c);
	return dst;
}

/* Appends element in[0..n) to out as decode reads it: the newlines met since
 * the previous element (so decode can count lines), the element with any NUL
 * byte made 0x01 (invalid JSON either way), and a NUL after it. */
static void jsrc_arr_emit(struct buf *out, const char *in, size_t n, size_t newlines)
{
	buf_reserve(out, newlines + n + 1);
	memset(out->p + out->len, '\n', newlines);
	out->len += newlines;
	char *o = out->p + out->len;
	memcpy(o, in, n);
	json_scan_hide_nul(o, n);
	out->len += n;
	out->p[out->len++] = 0;
}

/* One top-level array: cuts up to `want` elements from carry + input into
 * out (see jsrc_arr_emit). Returns the elements, -1 on error (a malformed
 * array or an element larger than max_record_size); *lines gets the lines
 * consumed and *bytes_in the input bytes. */
static long jsrc_cut_array(struct json_source *s, struct buf *out, size_t want, const _Atomic int *stop,
			   uint64_t *lines, uint64_t *bytes_in, struct errbuf *e)
{
	struct jsrc_arr_scan *a = &s->arr;
	struct buf *in = &s->in.carry;
	out->len = 0;
	size_t pos = 0, bound = 0, elem = 0, out_bound = 0, newlines = 0, got = 0;
	uint64_t n = 0, bound_lines = 0, elem_lines = 0; /* lines before pos, bound, elem */
	int bound_state = a->state, too_big = 0;
	char shown[32];
	for (;;) {
		while (got < want && pos < in->len) {
			unsigned char c = (unsigned char)in->p[pos];
			if (a->state == ARR_IN) {
				int end;
				pos += json_scan_run(&a->el, in->p + pos, in->len - pos, &end, &n);
				if (end == 0)
					continue;
				size_t stop_at = pos;
				if (stop_at - elem > s->max_record_size) {
					too_big = 1;
					break;
				}
				jsrc_arr_emit(out, in->p + elem, stop_at - elem, newlines);
				newlines = 0;
				got++;
				pos = bound = stop_at;
				bound_lines = n;
				a->state = bound_state = ARR_AFTER;
				out_bound = out->len;
				continue;
			}
			if (json_scan_is_space(c)) {
				if (c == '\n') {
					n++;
					newlines++;
				}
				pos++;
				if (a->state == ARR_END) {
					bound = pos;
					bound_lines = n;
					newlines = 0;
				}
				continue;
			}
			const char *bad = NULL;
			switch (a->state) {
			case ARR_START:
				if (c != '[')
					bad = "format = array: the input must be one JSON array, starting with '['";
				else
					a->state = ARR_FIRST;
				break;
			case ARR_AFTER:
				if (c == ',')
					a->state = ARR_VALUE;
				else if (c == ']')
					a->state = ARR_END;
				else
					bad = "expected ',' or ']' after an element of the array";
				break;
			case ARR_END:
				bad = "text after the end of the array";
				break;
			default: /* ARR_FIRST, ARR_VALUE: an element starts */
				if (c == ']' && a->state == ARR_FIRST) {
					a->state = ARR_END;
					break;
				}
				if (c == ',' || c == ']') {
					bad = "expected an element of the array";
					break;
				}
				a->state = ARR_IN;
				json_scan_begin(&a->el, c);
				elem = pos;
				elem_lines = n;
				break;
			}
			if (bad) {
				if (got)
					goto done; /* hand on the elements before it; the next call fails */
				return errbuf_set(e, "%s: line %llu: %s, found %s", s->in.name,
						  (unsigned long long)(s->lines + n + 1), bad, jsrc_show_byte(c, shown, sizeof shown));
			}
			pos++;
			if (a->state == ARR_END || a->state == ARR_FIRST) {
				/* newlines goes on counting: the lines before '[' come
				 * before the first element of this chunk */
				bound = pos;
				bound_lines = n;
				bound_state = a->state;
			}
		}
		if (got == want)
			break;
		if (a->state == ARR_IN && (too_big || pos - elem > s->max_record_size)) {
			if (got)
				break;
			return errbuf_set(e, "%s: the array element starting on line %llu is larger than max_record_size (%llu "
					  "bytes)", s->in.name, (unsigned long long)(s->lines + elem_lines + 1),
					  (unsigned long long)s->max_record_size);
		}
		if (s->in.eof) {
			if (a->state == ARR_IN && a->el.kind == JSON_SCAN_SCALAR) { /* "[1" ends in a number */
				jsrc_arr_emit(out, in->p + elem, pos - elem, newlines);
				got++;
				out_bound = out->len;
				bound = pos;
				bound_lines = n;
				a->state = bound_state = ARR_AFTER;
			}
			if (a->state == ARR_START || a->state == ARR_END)
				break; /* an empty input, or the array's end */
			if (got)
				break;
			return errbuf_set(e, "%s: the input ends inside the array (line %llu): is it truncated?", s->in.name,
					  (unsigned long long)(s->lines + n + (s->in.last_byte != '\n')));
		}
		int rc = fdio_input_read_block(&s->in, in, stop, got ? 100 : 0, e);
		if (rc == -1)
			return -1;
		if (rc == -2 || rc == -3)
			break;
	}
done:
	/* the next call starts at the boundary after the last element cut */
	out->len = out_bound;
	if (in->len > bound)
		memmove(in->p, in->p + bound, in->len - bound);
	in->len -= bound;
	a->state = bound_state;
	*lines = bound_lines;
	*bytes_in = bound;
	return (long)got;
}

/* Cuts the next chunk into raw. Returns 1 (chunk in raw, described by info),
 * 0 at end of input, -1 on error. */
static int jsrc_cut_chunk(struct json_source *s, struct buf *raw, const _Atomic int *stop, struct jsrc_chunk_info *info,
			  struct errbuf *e)
{
	double want_d = JSRC_CHUNK_TARGET / (s->avg_record_bytes > 1 ? s->avg_record_bytes : 1);
	size_t want = want_d < 1 ? 1 : want_d > s->batch ? s->batch : (size_t)want_d;
	uint64_t lines = 0, bytes = 0;
	info->first_line = s->lines + 1;
	info->first_record = s->records + 1;
	long got = s->format == JSRC_ARRAY ? jsrc_cut_array(s, raw, want, stop, &lines, &bytes, e)
					   : jsrc_cut_lines(s, raw, want, stop, &lines, e);
	if (got < 0)
		return -1;
	if (s->format != JSRC_ARRAY)
		bytes = raw->len;
	if (got == 0 && raw->len == 0 && bytes == 0)
		return 0;
	s->lines += lines;
	s->records += (uint64_t)got;
	info->bytes_in = bytes;
	if (got > 0)
		s->avg_record_bytes = 0.8 * s->avg_record_bytes + 0.2 * ((double)raw->len / (double)got);
	return 1;
}

/* --- records in a chunk ---------------------------------------------------- */

/* The next record of a chunk from *pos: JSON Lines: the next non-blank line
 * (without its line break); array: the next element. *line is the line *pos
 * is on (advanced past the record); *at gets the line the record starts on.
 * Returns 0 at the end of the chunk. */
static int jsrc_next_record(const struct json_source *s, const char *p, size_t n, size_t *pos, uint64_t *line,
			    uint64_t *at, const char **rec, size_t *len)
{
	if (s->format == JSRC_ARRAY) {
		while (*pos < n && p[*pos] == '\n') {
			(*line)++;
			(*pos)++;
		}
		if (*pos >= n)
			return 0;
		const char *a = p + *pos, *z = memchr(a, 0, n - *pos);
		size_t l = z ? (size_t)(z - a) : n - *pos;
		*at = *line;
		*rec = a;
		*len = l;
		for (const char *q = memchr(a, '\n', l); q; q = memchr(q + 1, '\n', l - (size_t)(q + 1 - a)))
			(*line)++;
		*pos += l + 1;
		return 1;
	}
	while (*pos < n) {
		const char *a = p + *pos, *nl = memchr(a, '\n', n - *pos);
		size_t l = nl ? (size_t)(nl - a) : n - *pos;
		*pos += l + (nl != NULL);
		*at = (*line)++;
		if (jsrc_blank(a, l))
			continue;
		if (l && a[l - 1] == '\r')
			l--;
		*rec = a;
		*len = l;
		return 1;
	}
	return 0;
}

/* One record parsed alone. jansson skips a NUL byte outside strings
 * ('{"a":1<NUL>}' loads); JSON has none, so a record with one is invalid
 * (an array's elements have theirs made 0x01 already). */
static json_t *jsrc_load(const char *rec, size_t len, json_error_t *err)
{
	const char *z = memchr(rec, 0, len);
	if (!z)
		return json_loadb(rec, len, JSON_RECORD_LOAD_FLAGS, err);
	if (err) {
		memset(err, 0, sizeof *err);
		err->line = 1;
		err->column = (int)(z - rec) + 1;
		err->position = (int)(z - rec);
		snprintf(err->text, sizeof err->text, "a NUL byte, which JSON does not allow");
	}
	return NULL;
}

/* jansson's message for one record parsed alone: its "end of file" is the
 * end of the record (`what`: "line" or "element"). */
static const char *jsrc_error_text(const json_error_t *err, const char *what, char *dst, size_t n)
{
	static const char eof[] = "end of file";
	const char *at = strstr(err->text, eof);
	if (!at)
		return err->text;
	snprintf(dst, n, "%.*send of the %s%s", (int)(at - err->text), err->text, what, at + sizeof eof - 1);
	return dst;
}

/* For a bad JSON Lines record that looks like a piece of one big array (it
 * starts with '[' or ']', or is an object followed by ','): what to do
 * about it; else "". */
static const char *jsrc_array_hint(const struct json_source *s, const char *rec, size_t len)
{
	if (s->format == JSRC_ARRAY)
		return "";
	while (len && (*rec == ' ' || *rec == '\t'))
		rec++, len--;
	while (len && (rec[len - 1] == ' ' || rec[len - 1] == '\t' || rec[len - 1] == '\r'))
		len--;
	if (len && (rec[0] == '[' || rec[0] == ']' || (len >= 2 && rec[len - 2] == '}' && rec[len - 1] == ',')))
		return " (is the input one JSON array? then set format = array)";
	return "";
}

static void jsrc_decode(void *opts, struct batch *b, struct worker *w)
{
	struct json_source *s = opts;
	b->data.len = 0;
	buf_reserve(&b->data, b->raw.len + 64);
	size_t pos = 0;
	uint64_t line = b->first_line, at;
	const char *rec;
	size_t len;
	while (jsrc_next_record(s, b->raw.p, b->raw.len, &pos, &line, &at, &rec, &len)) {
		uint32_t r = batch_add_record(b);
		if (json_fast_fill(b, r, rec, len, s->ix))
			continue;
		json_error_t err;
		json_t *v = jsrc_load(rec, len, &err);
		if (!v) {
			char text[200];
			if (s->format == JSRC_ARRAY)
				worker_fail_record(w, b, r, "invalid JSON at line %llu: %s (byte %d of the element)",
						   (unsigned long long)(at + (uint64_t)(err.line > 0 ? err.line - 1 : 0)),
						   jsrc_error_text(&err, "element", text, sizeof text), err.position);
			else
				worker_fail_record(w, b, r, "invalid JSON at column %d: %s%s", err.column,
						   jsrc_error_text(&err, "line", text, sizeof text),
						   jsrc_array_hint(s, rec, len));
			continue;
		}
		char msg[400];
		if (json_record_fill(b, r, v, s->ix, s->flatten, msg, sizeof msg))
			worker_fail_record(w, b, r, "%s%s", msg, json_is_array(v) ? jsrc_array_hint(s, rec, len) : "");
		json_decref(v);
	}
}

static void jsrc_locate(void *opts, const struct batch *b, uint32_t r, uint64_t *line, const char **raw,
			size_t *raw_len)
{
	struct json_source *s = opts;
	size_t pos = 0;
	uint64_t ln = b->first_line, at = 0;
	*line = 0;
	*raw = NULL;
	*raw_len = 0;
	for (uint32_t i = 0; i <= r; i++)
		if (!jsrc_next_record(s, b->raw.p, b->raw.len, &pos, &ln, &at, raw, raw_len)) {
			*raw = NULL;
			*raw_len = 0;
			return;
		}
	*line = at;
}

/* --- opening: the field names from the first records ----------------------- */

/* Collects the keys of the chunk's records while fewer than schema_sample
 * were seen; *seen counts them. */
static void jsrc_collect_chunk(struct json_source *s, const struct jsrc_pending *c, struct json_fields *f,
			       uint64_t *seen)
{
	size_t pos = 0, len;
	uint64_t line = c->info.first_line, at;
	const char *rec;
	while (*seen < s->schema_sample && jsrc_next_record(s, c->raw.p, c->raw.len, &pos, &line, &at, &rec, &len)) {
		(*seen)++;
		json_t *v = jsrc_load(rec, len, NULL);
		if (v)
			json_fields_collect(f, v, s->flatten);
		json_decref(v);
	}
}

/* Reads ahead: cuts chunks until schema_sample records (or JSRC_SAMPLE_BYTES,
 * the end of input, or a pause of a pipe after some records), keeping them
 * for read, and collects their keys. An input error met here fails the run
 * when read reaches it, as it would without reading ahead. */
static void jsrc_read_ahead(struct json_source *s, struct json_fields *f)
{
	uint64_t seen = 0, bytes = 0;
	size_t cap = 0;
	while (seen < s->schema_sample && bytes < JSRC_SAMPLE_BYTES && !s->in.paused) {
		struct jsrc_pending c = { { 0 }, { 0 } };
		int rc = jsrc_cut_chunk(s, &c.raw, NULL, &c.info, &s->pend_err);
		if (rc <= 0) {
			s->pend_failed = rc < 0;
			buf_free(&c.raw);
			break;
		}
		if (s->npend == cap) {
			cap = cap ? cap * 2 : 8;
			s->pend = realloc(s->pend, cap * sizeof *s->pend);
			if (!s->pend)
				abort();
		}
		jsrc_collect_chunk(s, &c, f, &seen);
		bytes += c.raw.len;
		s->pend[s->npend++] = c;
	}
}

static int jsrc_open(void *opts, const struct connector_env *env, struct schema *out, struct errbuf *e)
{
	struct json_source *s = opts;
	char where[512];
	s->in.fd = -1;
	confmap_where_key(where, sizeof where, env->section, "file_path");
	if (!s->file_path)
		return errbuf_set(e, "%s: missing (the JSON file to read, or - for standard input)", where);
	if (fdio_input_open(&s->in, s->file_path, where, env->metrics, e))
		return -1;
	s->batch = env->batch;
	s->avg_record_bytes = 200;
	s->arr.state = ARR_START;
	if (fdio_input_skip_bom(&s->in, e))
		return -1;
	struct json_fields *f = json_fields_new();
	jsrc_read_ahead(s, f);
	json_fields_to_schema(f, out);
	json_fields_free(f);
	s->ix = json_index_new(out);
	return 0;
}

static int jsrc_read(void *opts, struct batch *b, const _Atomic int *stop, struct errbuf *e)
{
	struct json_source *s = opts;
	struct jsrc_chunk_info info;
	if (s->pend_next < s->npend) {
		struct jsrc_pending *c = &s->pend[s->pend_next++];
		struct buf t = b->raw;
		b->raw = c->raw;
		c->raw = t; /* freed at close */
		info = c->info;
	} else if (s->pend_failed) {
		s->pend_failed = 0;
		memcpy(e, &s->pend_err, sizeof *e);
		return -1;
	} else {
		int rc = jsrc_cut_chunk(s, &b->raw, stop, &info, e);
		if (rc <= 0)
			return rc;
	}
	b->first_line = info.first_line;
	b->first_record = info.first_record;
	b->bytes_in = info.bytes_in;
	return 1;
}

static void jsrc_close(void *opts)
{
	struct json_source *s = opts;
	fdio_input_close(&s->in);
	for (size_t i = 0; i < s->npend; i++)
		buf_free(&s->pend[i].raw);
	free(s->pend);
	s->pend = NULL;
	s->npend = s->pend_next = 0;
	json_index_free(s->ix);
	s->ix = NULL;
}

static void jsrc_describe(void *opts, char *dst, size_t n)
{
	struct json_source *s = opts;
	fdio_input_describe(&s->in, s->file_path, dst, n);
}

const struct source_ops source_json = {
	.type = "json",
	.summary = "JSON Lines or one JSON array, from a file or standard input, parsed on several threads",
	.waits_on = "file",
	.keys = jsrc_keys,
	.opts_size = sizeof(struct json_source),
	.open = jsrc_open,
	.read = jsrc_read,
	.decode = jsrc_decode,
	.locate = jsrc_locate,
	.close = jsrc_close,
	.describe = jsrc_describe,
};
