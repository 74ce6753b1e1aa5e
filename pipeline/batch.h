/* batch.h: the unit that moves through the pipeline.
 *
 * A batch holds up to `batch` records of one fixed width. Field bytes live in
 * the batch's arena (`data`), addressed by offset so the arena may grow; the
 * source's raw input bytes (`raw`) and the destination's encoded bytes (`out`)
 * travel with it. Records are never removed from a batch: a stage marks them
 * filtered or failed, and the destination counts every record by its mark, so
 * that records in == out + filtered + errors holds by construction.
 *
 * A record may also stay plain: its bytes as the source read them, in raw,
 * not split into fields. A source leaves records so only when the pipeline
 * asks (BATCH_PLAIN: no stage between the source and a destination that
 * takes them as they are); the record's fields are unset until
 * batch_split_plain gives them (worker_fail_record does, for the dead
 * letter). */
#ifndef NEB_BATCH_H
#define NEB_BATCH_H

#include <stdint.h>

#include "../src/base/buf.h"

#define FIELD_NULL UINT32_MAX

struct field {
	uint32_t off; /* into batch->data */
	uint32_t len; /* FIELD_NULL for a null value */
};

enum record_mark { MARK_KEPT = 0, MARK_FILTERED = 1, MARK_ERROR = 2 };

/* One failed record: which stage marked it, why, and (with on_error =
 * dead_letter) the dead-letter line ready to be written. */
struct batch_error {
	uint32_t rec;
	uint32_t stage;
	uint32_t reason_off, reason_len;     /* into batch->errtext */
	uint32_t deadletter_off, deadletter_len; /* into batch->errtext; len 0 = none */
};

/* What a plain record is: `width` fields separated by the byte delim, then
 * LF (not part of it) or the end of the input. Each field is either bare (no
 * delim, quote, CR, LF or backslash) or quoted: quote, then bytes with no CR
 * or backslash in which a quote stands for itself when doubled (delim and LF
 * are bytes of the field there), then quote; the field is the bytes between
 * the quotes, each doubled quote made one. The record is valid UTF-8 and no
 * field is null. Most records of a CSV file are plain; the destination turns
 * one into its format without splitting it (COPY text: the quotes dropped,
 * delimiters and line feeds between them escaped). */
struct plain_format {
	unsigned char delim, quote;
};

struct batch {
	uint64_t seq;          /* position in the stream, for ordered output */
	uint64_t first_record; /* 1-based input record number of record 0 */
	uint64_t first_line;   /* line in the input where raw starts (0 = unknown) */
	uint64_t bytes_in;     /* input bytes these records came from */
	uint64_t work_ns;      /* time the current stage has spent on it so far */
	uint64_t handed_ns;    /* a sampled batch (hooks.h, span_sink): when its last step ended */
	uint32_t nrec, width;
	struct field *fields; /* nrec * width */
	uint8_t *marks;       /* nrec, enum record_mark */
	uint32_t rec_cap;     /* records marks has room for */
	size_t field_cap;     /* field slots fields has room for */
	struct buf data;      /* field bytes */
	struct buf raw;       /* source input bytes, when the source decodes in parallel */
	struct buf out;       /* encoded output */
	struct buf errtext;   /* error reasons and dead-letter lines */
	struct batch_error *errors;
	uint32_t nerrors, errors_cap;
	uint32_t nkept;       /* maintained by batch_mark_record */
	uint32_t flags;       /* BATCH_*: what the source noticed about the input */
	/* plain[r]: record r's bytes in raw when it is plain, else len
	 * FIELD_NULL; valid when nplain > 0 (then for every record) */
	struct field *plain;
	uint32_t plain_cap, nplain;
	uint64_t plain_bytes; /* the plain records' bytes */
	size_t held_bytes;    /* its buffers' capacity as its pool last counted it */
};

/* The input ended inside a quoted field: the last record swallowed the rest. */
#define BATCH_OPEN_QUOTE 1u
/* The pipeline takes plain records: decode may leave a record plain. */
#define BATCH_PLAIN 2u

struct batch *batch_new(void);
void batch_free(struct batch *b);
/* The bytes its buffers have room for (what it holds on to between uses). */
size_t batch_capacity_bytes(const struct batch *b);
/* Empties the batch for reuse, keeping its buffers (trimming huge ones). */
void batch_reset(struct batch *b);
/* Sets the width and makes room for n records. */
void batch_reserve_records(struct batch *b, uint32_t width, uint32_t n);

/* Appends a record of `width` null fields and returns its index. */
uint32_t batch_add_record(struct batch *b);
/* Appends a plain record: raw[off, off + len); its fields are unset. */
uint32_t batch_add_plain(struct batch *b, uint32_t off, uint32_t len);
static inline int batch_is_plain(const struct batch *b, uint32_t r)
{
	return b->nplain && b->plain[r].len != FIELD_NULL;
}
/* Splits plain record r (format f) into its fields, their bytes appended
 * to the arena; the record is plain no more. */
void batch_split_plain(struct batch *b, uint32_t r, const struct plain_format *f);
/* Copies bytes into the arena and stores them as field i of record r. */
void batch_set_field(struct batch *b, uint32_t r, uint32_t i, const char *p, size_t n);
static inline void batch_set_null(struct batch *b, uint32_t r, uint32_t i)
{
	b->fields[(size_t)r * b->width + i] = (struct field){ 0, FIELD_NULL };
}
static inline struct field *batch_record(struct batch *b, uint32_t r)
{
	return b->fields + (size_t)r * b->width;
}
static inline const char *batch_field_ptr(const struct batch *b, struct field f)
{
	return b->data.p + f.off;
}

/* Marks record r filtered. */
void batch_mark_filtered(struct batch *b, uint32_t r);
/* Marks record r failed in stage `stage` with a reason; returns the error. */
struct batch_error *batch_mark_error(struct batch *b, uint32_t r, uint32_t stage, const char *reason,
				     size_t reason_len);
static inline const char *batch_error_reason(const struct batch *b, const struct batch_error *e)
{
	return b->errtext.p + e->reason_off;
}

#endif
