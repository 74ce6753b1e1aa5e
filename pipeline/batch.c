/* batch.c: batch storage, reuse and record marks. */
#include "autoconfig.h"

#include "batch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A buffer above this size after a huge record is released on reuse. */
#define BATCH_TRIM_LIMIT (16u << 20)

static void *batch_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q) {
		fprintf(stderr, "nebtop: out of memory (%zu bytes for a batch)\n", n);
		abort();
	}
	return q;
}

struct batch *batch_new(void)
{
	struct batch *b = calloc(1, sizeof *b);
	if (!b) {
		fprintf(stderr, "nebtop: out of memory allocating a batch\n");
		abort();
	}
	return b;
}

void batch_free(struct batch *b)
{
	if (!b)
		return;
	free(b->fields);
	free(b->marks);
	free(b->plain);
	free(b->errors);
	buf_free(&b->data);
	buf_free(&b->raw);
	buf_free(&b->out);
	buf_free(&b->errtext);
	free(b);
}

size_t batch_capacity_bytes(const struct batch *b)
{
	return b->field_cap * sizeof *b->fields + b->rec_cap + (size_t)b->plain_cap * sizeof *b->plain +
	       (size_t)b->errors_cap * sizeof *b->errors +
	       b->data.cap + b->raw.cap + b->out.cap + b->errtext.cap;
}

void batch_reset(struct batch *b)
{
	b->seq = b->first_record = b->first_line = b->bytes_in = b->work_ns = b->handed_ns = 0;
	b->nrec = b->nkept = b->nerrors = b->flags = b->nplain = 0;
	b->plain_bytes = 0;
	buf_trim(&b->data, BATCH_TRIM_LIMIT);
	buf_trim(&b->raw, BATCH_TRIM_LIMIT);
	buf_trim(&b->out, BATCH_TRIM_LIMIT);
	buf_trim(&b->errtext, BATCH_TRIM_LIMIT);
}

void batch_reserve_records(struct batch *b, uint32_t width, uint32_t n)
{
	b->width = width;
	size_t slots = (size_t)n * width;
	if (slots > b->field_cap || !b->fields) { /* never NULL, even for width 0 */
		b->fields = batch_xrealloc(b->fields, slots * sizeof *b->fields);
		b->field_cap = slots;
	}
	if (n > b->rec_cap) {
		b->marks = batch_xrealloc(b->marks, n);
		b->rec_cap = n;
	}
}

uint32_t batch_add_record(struct batch *b)
{
	if (b->nrec == b->rec_cap || (size_t)(b->nrec + 1) * b->width > b->field_cap)
		batch_reserve_records(b, b->width, b->rec_cap ? b->rec_cap * 2 : 64);
	uint32_t r = b->nrec++;
	b->marks[r] = MARK_KEPT;
	b->nkept++;
	struct field *f = b->fields + (size_t)r * b->width;
	for (uint32_t i = 0; i < b->width; i++)
		f[i] = (struct field){ 0, FIELD_NULL };
	if (b->nplain)
		b->plain[r].len = FIELD_NULL;
	return r;
}

uint32_t batch_add_plain(struct batch *b, uint32_t off, uint32_t len)
{
	if (b->nrec == b->rec_cap || (size_t)(b->nrec + 1) * b->width > b->field_cap)
		batch_reserve_records(b, b->width, b->rec_cap ? b->rec_cap * 2 : 64);
	if (b->plain_cap < b->rec_cap) {
		b->plain = batch_xrealloc(b->plain, (size_t)b->rec_cap * sizeof *b->plain);
		b->plain_cap = b->rec_cap;
	}
	if (!b->nplain) /* the records before the first plain one are not */
		for (uint32_t i = 0; i < b->nrec; i++)
			b->plain[i].len = FIELD_NULL;
	uint32_t r = b->nrec++;
	b->marks[r] = MARK_KEPT;
	b->nkept++;
	b->plain[r] = (struct field){ off, len };
	b->nplain++;
	b->plain_bytes += len;
	return r;
}

void batch_split_plain(struct batch *b, uint32_t r, const struct plain_format *pf)
{
	if (!batch_is_plain(b, r))
		return;
	const unsigned char *s = (const unsigned char *)b->raw.p + b->plain[r].off;
	size_t n = b->plain[r].len, i = 0;
	for (uint32_t k = 0; k < b->width; k++, i++) { /* i++: the delimiter */
		struct field *f = &batch_record(b, r)[k];
		f->off = (uint32_t)b->data.len;
		if (i < n && s[i] == pf->quote) {
			/* its bytes up to the closing quote, each doubled quote made one */
			for (i++; i < n && (s[i] != pf->quote || (i + 1 < n && s[i + 1] == pf->quote)); i++) {
				buf_append_byte(&b->data, (char)s[i]);
				i += s[i] == pf->quote;
			}
			i++; /* the closing quote */
		} else {
			size_t start = i;
			while (i < n && s[i] != pf->delim)
				i++;
			buf_append(&b->data, s + start, i - start);
		}
		f->len = (uint32_t)(b->data.len - f->off);
	}
	b->plain[r].len = FIELD_NULL;
}

void batch_set_field(struct batch *b, uint32_t r, uint32_t i, const char *p, size_t n)
{
	struct field *f = &b->fields[(size_t)r * b->width + i];
	f->off = (uint32_t)b->data.len;
	f->len = (uint32_t)n;
	buf_append(&b->data, p, n);
}

void batch_mark_filtered(struct batch *b, uint32_t r)
{
	if (b->marks[r] == MARK_KEPT)
		b->nkept--;
	b->marks[r] = MARK_FILTERED;
}

struct batch_error *batch_mark_error(struct batch *b, uint32_t r, uint32_t stage, const char *reason,
				     size_t reason_len)
{
	if (b->marks[r] == MARK_KEPT)
		b->nkept--;
	b->marks[r] = MARK_ERROR;
	if (b->nerrors == b->errors_cap) {
		b->errors_cap = b->errors_cap ? b->errors_cap * 2 : 16;
		b->errors = batch_xrealloc(b->errors, b->errors_cap * sizeof *b->errors);
	}
	struct batch_error *e = &b->errors[b->nerrors++];
	e->rec = r;
	e->stage = stage;
	e->reason_off = (uint32_t)b->errtext.len;
	e->reason_len = (uint32_t)reason_len;
	buf_append(&b->errtext, reason, reason_len);
	buf_append_byte(&b->errtext, '\0');
	e->deadletter_off = e->deadletter_len = 0;
	return e;
}
