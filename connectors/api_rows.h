/* api_rows.h: the rows of the warehouse connectors (BigQuery, Snowflake)
 * between the pipeline's batches and the service's requests: a
 * destination's encoded records (one line of b->out per kept record) cut
 * into requests of at most max_rows rows and max_request_bytes bytes, in
 * order; a source's rows kept as JSON text in b->raw between the reader
 * thread and the decoder threads, and decoded cell by cell. */
#ifndef NEB_API_ROWS_H
#define NEB_API_ROWS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct batch;
struct buf;
struct errbuf;
struct worker;

/* A record's row in b->out. */
struct api_row {
	uint32_t rec; /* the record in the batch */
	uint32_t len; /* of its text */
	size_t off;   /* into b->out */
};

/* What a request holds: `fixed` bytes, and per row its text, `per_row`
 * bytes and `between` bytes between two rows; at most max_rows rows and
 * max_bytes bytes. A message names a request (`request`: "an insertAll
 * request") and a row (`row`: "row", "record"). */
struct api_request_size {
	size_t fixed, per_row, between;
	uint64_t max_rows, max_bytes;
	const char *request, *row;
};

/* Sends rows[0..n) of b as one request (rows may be rearranged); 0 or -1. */
typedef int (*api_rows_send_fn)(void *ctx, struct batch *b, struct api_row *rows, size_t n, struct worker *w,
				struct errbuf *e);

/* Writer thread: the rows of b->out into `rows` (room for b->nrec); a row
 * that cannot fit a request alone fails its record, the others go to send,
 * as many a request as fit, in order. Returns 0, or -1 when send did. */
int api_rows_write(struct batch *b, struct worker *w, struct api_row *rows, const struct api_request_size *sz,
		   api_rows_send_fn send, void *ctx, struct errbuf *e);

/* Reader thread: appends the rows of a page (a JSON array) from *at on, at
 * most max of them, to raw as JSON text (json_record_append_raw). Returns
 * how many, or -1 when out of memory. */
long api_rows_take(struct buf *raw, const json_t *rows, size_t *at, size_t max);

/* Record r from its row's JSON value v (NULL when the text is not JSON). */
typedef void (*api_rows_row_fn)(void *opts, struct batch *b, struct worker *w, uint32_t r, json_t *v);

/* Decoder threads: a record for each row of b->raw (the NUL-terminated JSON
 * texts the reader appended), made by `row` from the text read with the
 * jansson `flags`. */
void api_rows_each(struct batch *b, struct worker *w, size_t flags, api_rows_row_fn row, void *opts);

/* Fills field i of record r from cell v; -1 with a message in msg when the
 * value does not fit the field. */
typedef int (*api_rows_cell_fn)(void *opts, struct batch *b, uint32_t r, uint32_t i, json_t *v, char *msg,
				size_t n);

/* Decoder threads: api_rows_each for rows that are arrays of `width`
 * cells, filled cell by cell through set_cell. A row of another count fails its record:
 * "the row has N cells, the SCHEMA WIDTH UNIT" (schema "rowType", unit
 * "columns"). */
void api_rows_decode(struct batch *b, struct worker *w, uint32_t width, size_t flags, const char *schema,
		     const char *unit, api_rows_cell_fn set_cell, void *opts);

#endif
