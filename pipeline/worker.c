/* worker.c: record errors raised by stage and connector code, and the
 * dead-letter line each one gets with on_error = dead_letter. */
#include "autoconfig.h"

#include "worker.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../src/base/secrets.h"
#include "batch.h"
#include "jsonesc.h"
#include "pipeline_internal.h"
#include "../src/base/utf8.h"

static void worker_append_base64(struct buf *o, const unsigned char *s, size_t n)
{
	static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)s[i] << 16 | (i + 1 < n ? (unsigned)s[i + 1] << 8 : 0) | (i + 2 < n ? s[i + 2] : 0);
		char q[4] = { tbl[v >> 18 & 63], tbl[v >> 12 & 63], i + 1 < n ? tbl[v >> 6 & 63] : '=',
			      i + 2 < n ? tbl[v & 63] : '=' };
		buf_append(o, q, 4);
	}
}

/* A JSON string, or {"base64":"..."} for bytes that are not valid UTF-8. */
static void worker_append_json_value(struct buf *o, const char *s, uint32_t n)
{
	if (n == FIELD_NULL) {
		buf_append_str(o, "null");
		return;
	}
	if (utf8_find_invalid(s, n) != n) {
		buf_append_str(o, "{\"base64\":\"");
		worker_append_base64(o, (const unsigned char *)s, n);
		buf_append_str(o, "\"}");
		return;
	}
	buf_reserve(o, JSONESC_BOUND((size_t)n) + 2);
	o->p[o->len++] = '"';
	o->len = (size_t)(jsonesc_write_string(o->p + o->len, s, n) - o->p);
	o->p[o->len++] = '"';
}

static void worker_append_json_string(struct buf *o, const char *s)
{
	worker_append_json_value(o, s, (uint32_t)strlen(s));
}

/* {"record":N,"line":L,"stage":"S","reason":"R","input":"as read","data": */
static void worker_begin_dead_letter(struct worker *w, struct buf *o, const struct batch *b, uint32_t r,
				     const char *reason)
{
	struct pipeline *p = w->pipeline;
	char num[96];
	const char *raw;
	size_t raw_len;
	uint64_t line = pipeline_locate_record(p, b, r, &raw, &raw_len);
	snprintf(num, sizeof num, "{\"record\":%llu,", (unsigned long long)(b->first_record + r));
	buf_append_str(o, num);
	if (line) {
		snprintf(num, sizeof num, "\"line\":%llu,", (unsigned long long)line);
		buf_append_str(o, num);
	}
	buf_append_str(o, "\"stage\":");
	worker_append_json_string(o, p->stages[w->stage].info.name);
	buf_append_str(o, ",\"reason\":");
	worker_append_json_string(o, reason);
	if (raw) {
		buf_append_str(o, ",\"input\":");
		worker_append_json_value(o, raw, (uint32_t)raw_len);
	}
	buf_append_str(o, ",\"data\":");
}

/* Reasons quote values, which may hold line breaks: keep each reason on one
 * line of the report. */
static void worker_flatten_reason(char *r)
{
	for (unsigned char *p = (unsigned char *)r; *p; p++)
		if (*p < 0x20)
			*p = ' ';
}

/* The part common to both kinds of failure; returns the error. */
static struct batch_error *worker_mark(struct worker *w, struct batch *b, uint32_t r, const char *reason)
{
	struct batch_error *be = batch_mark_error(b, r, w->stage, reason, strlen(reason));
	tmetrics_add(&w->metrics->errors, 1);
	if (w->pipeline->spec.pl->on_error == ON_ERROR_FAIL) {
		char msg[1024];
		pipeline_format_record_error(w->pipeline, b, r, w->stage, reason, msg, sizeof msg);
		pipeline_fail(w->pipeline, msg);
	}
	return be;
}

static void worker_finish_dead_letter(struct batch *b, struct batch_error *be, struct buf *o)
{
	buf_append_str(o, "}\n");
	be->deadletter_off = (uint32_t)b->errtext.len;
	be->deadletter_len = (uint32_t)o->len;
	buf_append(&b->errtext, o->p, o->len);
}

/* What both kinds of failure share: the reason, the mark, the policy. Returns
 * the dead-letter line begun in w->scratch when bad records are kept, else NULL. */
static struct buf *worker_begin_failure(struct worker *w, struct batch *b, uint32_t r, struct batch_error **be,
					const char *fmt, va_list ap)
{
	char reason[512];
	vsnprintf(reason, sizeof reason, fmt, ap);
	secrets_scrub(reason, sizeof reason); /* no secret, valid UTF-8: never base64 in the dead letter */
	worker_flatten_reason(reason);
	*be = worker_mark(w, b, r, reason);
	if (w->pipeline->spec.pl->on_error != ON_ERROR_DEAD_LETTER)
		return NULL;
	struct buf *o = &w->scratch;
	o->len = 0;
	worker_begin_dead_letter(w, o, b, r, reason);
	return o;
}

/* A failure with its dead-letter line (when bad records are kept): the
 * reason, then the record written by body between the reason and the end. */
struct worker_failed {
	struct worker *w;
	struct batch *b;
	uint32_t r;
	const char *const *fields; /* worker_fail_raw's fields, else NULL */
	const uint32_t *lens;
	uint32_t nfields;
};

static void worker_fail_v(const struct worker_failed *x, void (*body)(struct buf *o, const struct worker_failed *x),
			  const char *fmt, va_list ap)
{
	struct batch_error *be;
	struct buf *o = worker_begin_failure(x->w, x->b, x->r, &be, fmt, ap);
	if (!o)
		return;
	body(o, x);
	worker_finish_dead_letter(x->b, be, o);
}

/* The record as a JSON object of the schema's fields. */
static void worker_write_record(struct buf *o, const struct worker_failed *x)
{
	const struct field *f = batch_record(x->b, x->r);
	buf_append_byte(o, '{');
	for (uint32_t i = 0; i < x->b->width && i < x->w->schema->width; i++) {
		if (i)
			buf_append_byte(o, ',');
		worker_append_json_string(o, x->w->schema->names[i]);
		buf_append_byte(o, ':');
		worker_append_json_value(o, batch_field_ptr(x->b, f[i]), f[i].len);
	}
	buf_append_byte(o, '}');
}

/* Raw fields (not yet a record) as a JSON array of strings. */
static void worker_write_raw(struct buf *o, const struct worker_failed *x)
{
	buf_append_byte(o, '[');
	for (uint32_t i = 0; i < x->nfields; i++) {
		if (i)
			buf_append_byte(o, ',');
		worker_append_json_value(o, x->fields[i], x->lens[i]);
	}
	buf_append_byte(o, ']');
}

void worker_fail_record(struct worker *w, struct batch *b, uint32_t r, const char *fmt, ...)
{
	struct worker_failed x = { .w = w, .b = b, .r = r };
	if (batch_is_plain(b, r)) /* the dead letter shows its fields */
		batch_split_plain(b, r, &w->pipeline->plain);
	va_list ap;
	va_start(ap, fmt);
	worker_fail_v(&x, worker_write_record, fmt, ap);
	va_end(ap);
}

void worker_fail_raw(struct worker *w, struct batch *b, uint32_t r, const char *const *fields, const uint32_t *lens,
		     uint32_t nfields, const char *fmt, ...)
{
	struct worker_failed x = { .w = w, .b = b, .r = r, .fields = fields, .lens = lens, .nfields = nfields };
	va_list ap;
	va_start(ap, fmt);
	worker_fail_v(&x, worker_write_raw, fmt, ap);
	va_end(ap);
}
