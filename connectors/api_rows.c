/* api_rows.c: the rows of the warehouse connectors between batches and
 * requests (see api_rows.h). */
#include "autoconfig.h"

#include <string.h>

#include "../pipeline/batch.h"
#include "../pipeline/worker.h"
#include "../src/base/errbuf.h"
#include "api_rows.h"
#include "json_record.h"

int api_rows_write(struct batch *b, struct worker *w, struct api_row *rows, const struct api_request_size *sz,
		   api_rows_send_fn send, void *ctx, struct errbuf *e)
{
	const char *p = b->out.p, *end = b->out.p + b->out.len;
	uint32_t r = 0;
	size_t n = 0;
	while (p < end) {
		while (b->marks[r] != MARK_KEPT)
			r++;
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = (size_t)((nl ? nl : end) - p);
		if (sz->fixed + len + sz->per_row > sz->max_bytes)
			worker_fail_record(w, b, r, "the %s's %zu bytes do not fit in %s of max_request_bytes (%llu)",
					   sz->row, len, sz->request, (unsigned long long)sz->max_bytes);
		else
			rows[n++] = (struct api_row){ r, (uint32_t)len, (size_t)(p - b->out.p) };
		p = nl ? nl + 1 : end;
		r++;
	}
	/* cut into requests, in order */
	size_t first = 0, bytes = sz->fixed;
	for (size_t i = 0; i <= n; i++) {
		size_t count = i - first, add = i < n ? rows[i].len + sz->per_row + (count ? sz->between : 0) : 0;
		if (i < n && count < sz->max_rows && bytes + add <= sz->max_bytes) {
			bytes += add;
			continue;
		}
		if (count && send(ctx, b, rows + first, count, w, e))
			return -1;
		first = i;
		bytes = sz->fixed + (i < n ? rows[i].len + sz->per_row : 0);
	}
	return 0;
}

long api_rows_take(struct buf *raw, const json_t *rows, size_t *at, size_t max)
{
	long n = 0;
	for (; (size_t)n < max && *at < json_array_size(rows); n++, (*at)++)
		if (json_record_append_raw(raw, json_array_get(rows, *at)))
			return -1;
	return n;
}

void api_rows_each(struct batch *b, struct worker *w, size_t flags, api_rows_row_fn row, void *opts)
{
	b->data.len = 0;
	for (size_t at = 0; at < b->raw.len;) {
		const char *text = b->raw.p + at;
		size_t len = strlen(text);
		at += len + 1;
		uint32_t r = batch_add_record(b);
		json_t *v = json_loadb(text, len, flags, NULL);
		row(opts, b, w, r, v);
		json_decref(v);
	}
}

/* api_rows_decode's row: its cells, each through set_cell. */
struct api_rows_cells {
	uint32_t width;
	const char *schema, *unit;
	api_rows_cell_fn set_cell;
	void *opts;
};

static void api_rows_decode_cells(void *opts, struct batch *b, struct worker *w, uint32_t r, json_t *cells)
{
	const struct api_rows_cells *c = opts;
	char msg[256];
	if (!json_is_array(cells) || json_array_size(cells) != c->width) {
		worker_fail_record(w, b, r, "the row has %zu cells, the %s %u %s", json_array_size(cells), c->schema,
				   c->width, c->unit);
		return;
	}
	for (uint32_t i = 0; i < c->width; i++)
		if (c->set_cell(c->opts, b, r, i, json_array_get(cells, i), msg, sizeof msg)) {
			worker_fail_record(w, b, r, "%s", msg);
			return;
		}
}

void api_rows_decode(struct batch *b, struct worker *w, uint32_t width, size_t flags, const char *schema,
		     const char *unit, api_rows_cell_fn set_cell, void *opts)
{
	struct api_rows_cells c = { width, schema, unit, set_cell, opts };
	api_rows_each(b, w, flags, api_rows_decode_cells, &c);
}
