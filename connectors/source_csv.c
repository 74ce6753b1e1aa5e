/* source_csv.c: the CSV source. One reader thread reads the input and cuts it
 * into chunks of whole records with the quote-aware scanner (csv_scan); the
 * stage's worker threads parse chunks, several at a time, into records (the
 * fast path csv_fast, and csv_slow, Python's csv.reader rules, for the
 * records with quote quirks). Fields are kept exactly as written (no
 * trimming); a row with the wrong number of fields or with invalid UTF-8 is
 * a record error naming the record and line, unless `ragged` or
 * `invalid_utf8` say how to mend it. When the destination takes plain
 * records (batch.h), the parsers leave each plain record (csv_plain) as it
 * was read and parse only the others. */
#include "autoconfig.h"

#include <stdarg.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../pipeline/batch.h"
#include "../pipeline/schema.h"
#include "../src/base/utf8.h"
#include "../pipeline/worker.h"
#include "../pipeline/connector.h"
#include "csv_fast.h"
#include "csv_plain.h"
#include "csv_scan.h"
#include "csv_slow.h"
#include "fdio.h"

enum csv_ragged { RAGGED_ERROR = 0, RAGGED_PAD, RAGGED_TRUNCATE };
enum csv_bad_utf8 { UTF8_ERROR = 0, UTF8_REPLACE };
enum csv_parser_kind { PARSER_AUTO = 0, PARSER_SLOW };

#define CSV_CHUNK_TARGET (1u << 20) /* bytes a chunk aims at when records are large */
#define CSV_READ_MIN (16u << 10)     /* the least one read asks for */
#define CSV_READ_MAX (256u << 10)    /* the most */

struct csv_source {
	char *file_path;
	char delimiter, quote;
	int has_header, ragged, invalid_utf8, parser;
	uint64_t max_record_size;
	/* reader state */
	struct fdio_input in; /* in.carry: bytes read but not yet cut into a chunk (not scanned) */
	struct csv_scan scan;
	int open_quote;
	uint32_t batch, width;
	uint64_t header_records;
	double avg_record_bytes;
	const struct schema *schema;
};

/* Per worker: the slow parser's scratch and the fields of the row being parsed. */
struct csv_worker {
	struct csv_slow parser;
	uint32_t *row; /* (offset, length) pairs into batch->data */
	size_t row_n, row_cap;
	uint32_t row_start; /* batch->data offset where this row's bytes start */
	int open_quote;     /* the chunk's last record never closes its quote */
	struct csv_source *src;
	struct batch *b;
	struct worker *w;
	int oom;
};

static const char *const csv_ragged_choices[] = { "error", "pad", "truncate", NULL };
static const char *const csv_utf8_choices[] = { "error", "replace", NULL };
static const char *const csv_parser_choices[] = { "auto", "slow", NULL };

static const struct confkey csv_keys[] = {
	{ "file_path", CONF_STRING, NULL, offsetof(struct csv_source, file_path), "file to read (- = standard input)",
	  NULL, 0, 0, 0 },
	{ "delimiter", CONF_CHAR, ",", offsetof(struct csv_source, delimiter), "field separator (one byte, or tab)",
	  NULL, 0, 0, 0 },
	{ "quote", CONF_CHAR, "\"", offsetof(struct csv_source, quote), "quote character", NULL, 0, 0, 0 },
	{ "has_header", CONF_BOOL, "true", offsetof(struct csv_source, has_header),
	  "the first record names the fields (otherwise col1..colN)", NULL, 0, 0, 0 },
	{ "ragged", CONF_ENUM, "error", offsetof(struct csv_source, ragged),
	  "rows with a wrong field count: error, pad (short rows get nulls) or truncate (long rows lose the extra)",
	  csv_ragged_choices, 0, 0, 0 },
	{ "invalid_utf8", CONF_ENUM, "error", offsetof(struct csv_source, invalid_utf8),
	  "rows with invalid UTF-8: error, or replace the bad bytes with U+FFFD", csv_utf8_choices, 0, 0, 0 },
	{ "max_record_size", CONF_SIZE, "16MiB", offsetof(struct csv_source, max_record_size),
	  "largest record accepted (a bigger one usually means a quote left open)", NULL, 1024, 1e10, 0 },
	{ "parser", CONF_ENUM, "auto", offsetof(struct csv_source, parser),
	  "auto: simple records by the fast path, the others byte by byte; slow: every record byte by byte",
	  csv_parser_choices, 0, 0, 0 },
	{ NULL, 0, NULL, 0, NULL, NULL, 0, 0, 0 },
};

/* --- reading ------------------------------------------------------------- */

/* How much to read for about `records` more records: a little more than
 * they take on average, so that what is left over after the chunk (copied
 * to the carry) stays small. */
static size_t csv_read_size(const struct csv_source *s, size_t records)
{
	double want = (double)records * s->avg_record_bytes * 1.125 + 8192;
	size_t n = want > CSV_READ_MAX ? CSV_READ_MAX : ((size_t)want + 4095) & ~(size_t)4095;
	return n < CSV_READ_MIN ? CSV_READ_MIN : n;
}

/* Cuts the next chunk of up to `want` whole records from carry + input into
 * out. A chunk ends early, with the records complete so far, when the run
 * is stopped or when a pipe has nothing more for a moment, so that slow
 * streams flow and nothing read is lost. Returns the records in the chunk
 * (the last may lack its terminator at end of input), 0 when there are none
 * (end of input, or stopped), -1 on error. */
static long csv_cut_chunk(struct csv_source *s, struct buf *out, size_t want, const _Atomic int *stop,
			  struct errbuf *e)
{
	/* the carry becomes the chunk (the buffers trade places, no copy) */
	struct buf spare = *out;
	*out = s->in.carry;
	s->in.carry = spare;
	s->in.carry.len = 0;
	size_t scanned = 0, last = 0, got = 0;
	struct csv_scan at_last = s->scan; /* the scan state at `last`, where the carry will start */
	for (;;) {
		while (got < want && scanned < out->len) {
			size_t g;
			scanned += csv_scan_records(&s->scan, out->p + scanned, out->len - scanned, 1, &g);
			if (!g)
				continue;
			if (scanned - last > s->max_record_size)
				break;
			last = scanned;
			at_last = s->scan;
			got++;
		}
		if (got == want)
			break;
		if (scanned - last > s->max_record_size) {
			if (got)
				break; /* hand on the records before it; the next call fails */
			uint64_t line = at_last.lines + 1;
			for (size_t i = last; i < out->len && (out->p[i] == '\r' || out->p[i] == '\n'); i++)
				line += out->p[i] == '\n';
			return errbuf_set(e, "%s: the record starting on line %llu is larger than max_record_size (%llu "
					  "bytes); is a quote left open?", s->in.name, (unsigned long long)line,
					  (unsigned long long)s->max_record_size);
		}
		if (s->in.eof) {
			if (out->len > last && !csv_scan_at_boundary(&s->scan)) {
				got++; /* a last record without its terminator */
				s->open_quote = csv_scan_in_quotes(&s->scan);
			}
			last = out->len;
			at_last = s->scan;
			break;
		}
		int rc = fdio_input_read_some(&s->in, out, csv_read_size(s, want - got), stop, got ? 100 : 0, e);
		if (rc == -1)
			return -1;
		if (rc == -2 || rc == -3)
			break; /* stopped, or a pause in a stream: hand on what is complete */
	}
	buf_append(&s->in.carry, out->p + last, out->len - last);
	out->len = last;
	s->scan = at_last; /* the carry is scanned again next time */
	return (long)got;
}

struct csv_header_ctx {
	struct schema *out;
	uint32_t n, cap; /* names so far, room for them */
	int rows;
};

static void csv_header_field(void *f, size_t len, void *data)
{
	struct csv_header_ctx *h = data;
	if (h->rows)
		return;
	char name[512];
	size_t n = len < 160 ? len : utf8_cut(f, 160); /* whole characters */
	n = utf8_write_replaced(name, f, n); /* a header name is always shown: mend bad bytes */
	name[n] = 0;
	if (h->n == h->cap) { /* room doubles: a wide header is read in linear time */
		h->cap = h->cap ? 2 * h->cap : 64;
		h->out->names = realloc(h->out->names, h->cap * sizeof *h->out->names);
		h->out->types = realloc(h->out->types, h->cap);
		if (!h->out->names || !h->out->types)
			abort();
	}
	h->out->names[h->n] = strdup(name);
	h->out->types[h->n] = 0;
	h->n++;
}

static void csv_header_row(int c, void *data)
{
	(void)c;
	struct csv_header_ctx *h = data;
	h->rows++;
}

/* Parses the first record of s->in.carry (of length len) as field names. */
static void csv_parse_first_record(struct csv_source *s, size_t len, struct schema *out)
{
	struct csv_slow p;
	csv_slow_init(&p);
	struct csv_header_ctx h = { out, 0, 0, 0 };
	out->names = NULL;
	out->types = NULL;
	csv_slow_parse(&p, s->in.carry.p, len, (unsigned char)s->delimiter, (unsigned char)s->quote,
		       csv_header_field, csv_header_row, &h);
	csv_slow_free(&p);
	out->width = h.n;
}

static int csv_open(void *opts, const struct connector_env *env, struct schema *out, struct errbuf *e)
{
	struct csv_source *s = opts;
	char where[512];
	s->in.fd = -1;
	if (s->delimiter == s->quote || s->delimiter == '\n' || s->delimiter == '\r' || s->quote == '\n' ||
	    s->quote == '\r') {
		confmap_where_key(where, sizeof where, env->section, "delimiter");
		return errbuf_set(e, "%s: the delimiter and the quote must differ from each other and from CR/LF",
				  where);
	}
	confmap_where_key(where, sizeof where, env->section, "file_path");
	if (!s->file_path)
		return errbuf_set(e, "%s: missing (the CSV file to read, or - for standard input)", where);
	if (fdio_input_open(&s->in, s->file_path, where, env->metrics, e))
		return -1;
	s->batch = env->batch;
	s->avg_record_bytes = 200;
	csv_scan_init(&s->scan, (unsigned char)s->delimiter, (unsigned char)s->quote);
	if (fdio_input_skip_bom(&s->in, e))
		return -1;
	/* the first record: field names, or (without a header) just the width */
	size_t got = 0, off = 0;
	while (!got) {
		off = csv_scan_records(&s->scan, s->in.carry.p, s->in.carry.len, 1, &got);
		if (got || s->in.eof)
			break;
		csv_scan_init(&s->scan, (unsigned char)s->delimiter, (unsigned char)s->quote);
		if (s->in.carry.len > s->max_record_size)
			return errbuf_set(e, "%s: the first record is larger than max_record_size", s->in.name);
		if (fdio_input_read_block(&s->in, &s->in.carry, NULL, 0, e) < 0)
			return -1;
	}
	if (!got)
		off = s->in.carry.len; /* one record without a terminator, or nothing */
	csv_parse_first_record(s, off, out);
	if (s->has_header) {
		memmove(s->in.carry.p, s->in.carry.p + off, s->in.carry.len - off);
		s->in.carry.len -= off;
		s->header_records = got;
		schema_dedup_names(out);
	} else {
		csv_scan_init(&s->scan, (unsigned char)s->delimiter, (unsigned char)s->quote);
		for (uint32_t i = 0; i < out->width; i++) {
			char name[32];
			snprintf(name, sizeof name, "col%u", i + 1);
			free(out->names[i]);
			out->names[i] = strdup(name);
		}
	}
	s->width = out->width;
	s->schema = out;
	return 0;
}

static int csv_read(void *opts, struct batch *b, const _Atomic int *stop, struct errbuf *e)
{
	struct csv_source *s = opts;
	double want_d = CSV_CHUNK_TARGET / (s->avg_record_bytes > 1 ? s->avg_record_bytes : 1);
	size_t want = want_d < 1 ? 1 : want_d > s->batch ? s->batch : (size_t)want_d;
	uint64_t records0 = s->scan.records, lines0 = s->scan.lines;
	long got = csv_cut_chunk(s, &b->raw, want, stop, e);
	if (got < 0)
		return -1;
	if (got == 0 && b->raw.len == 0)
		return 0;
	if (s->open_quote) {
		b->flags |= BATCH_OPEN_QUOTE;
		s->open_quote = 0;
	}
	b->first_record = records0 - s->header_records + 1;
	b->first_line = lines0 + 1;
	b->bytes_in = b->raw.len;
	if (got > 0)
		s->avg_record_bytes = 0.8 * s->avg_record_bytes + 0.2 * ((double)b->raw.len / (double)got);
	return 1;
}

/* --- parsing (worker threads) -------------------------------------------- */

static void *csv_worker_new(void *opts)
{
	struct csv_worker *cw = calloc(1, sizeof *cw);
	if (!cw)
		abort();
	cw->src = opts;
	csv_slow_init(&cw->parser);
	return cw;
}

static void csv_worker_free(void *local)
{
	struct csv_worker *cw = local;
	csv_slow_free(&cw->parser);
	free(cw->row);
	free(cw);
}

static void csv_on_field(void *f, size_t len, void *data)
{
	struct csv_worker *cw = data;
	struct batch *b = cw->b;
	if (cw->row_n + 2 > cw->row_cap) {
		cw->row_cap = cw->row_cap ? cw->row_cap * 2 : 64;
		cw->row = realloc(cw->row, cw->row_cap * sizeof *cw->row);
		if (!cw->row)
			abort();
	}
	cw->row[cw->row_n++] = (uint32_t)b->data.len;
	cw->row[cw->row_n++] = (uint32_t)len;
	buf_append(&b->data, f, len);
}

/* Checks the UTF-8 of record r field by field (a sequence must not be split
 * by a delimiter, so the row's bytes are not checked as one): mends the bad
 * fields (invalid_utf8 = replace) or fails the record naming the first. */
static void csv_check_utf8(struct csv_worker *cw, uint32_t r)
{
	struct batch *b = cw->b;
	struct field *f = batch_record(b, r);
	for (uint32_t i = 0; i < b->width; i++) {
		if (f[i].len == FIELD_NULL)
			continue;
		size_t bad = utf8_find_invalid(b->data.p + f[i].off, f[i].len);
		if (bad == f[i].len)
			continue;
		if (cw->src->invalid_utf8 != UTF8_REPLACE) {
			worker_fail_record(cw->w, b, r, "invalid UTF-8 in field '%s' (field %u) at byte %zu",
					   cw->src->schema->names[i], i + 1, bad + 1);
			return;
		}
		struct buf *tmp = &cw->w->scratch;
		tmp->len = 0;
		buf_reserve(tmp, (size_t)f[i].len * 3);
		tmp->len = utf8_write_replaced(tmp->p, b->data.p + f[i].off, f[i].len);
		f[i].off = (uint32_t)b->data.len;
		f[i].len = (uint32_t)tmp->len;
		buf_append(&b->data, tmp->p, tmp->len);
	}
}

static void csv_fail_row(struct csv_worker *cw, uint32_t r, size_t nf, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void csv_fail_row(struct csv_worker *cw, uint32_t r, size_t nf, const char *fmt, ...)
{
	struct batch *b = cw->b;
	char reason[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof reason, fmt, ap);
	va_end(ap);
	enum { MAXF = 256 };
	const char *fields[MAXF];
	uint32_t lens[MAXF];
	uint32_t n = nf < MAXF ? (uint32_t)nf : MAXF;
	for (uint32_t i = 0; i < n; i++) {
		fields[i] = b->data.p + cw->row[2 * i];
		lens[i] = cw->row[2 * i + 1];
	}
	worker_fail_raw(cw->w, b, r, fields, lens, n, "%s", reason);
}

static void csv_on_row(int c, void *data)
{
	(void)c;
	struct csv_worker *cw = data;
	struct csv_source *s = cw->src;
	struct batch *b = cw->b;
	size_t nf = cw->row_n / 2;
	uint32_t r = batch_add_record(b);
	struct field *f = batch_record(b, r);
	uint32_t width = b->width;
	for (uint32_t i = 0; i < width && i < nf; i++) {
		f[i].off = cw->row[2 * i];
		f[i].len = cw->row[2 * i + 1];
	}
	for (uint32_t i = (uint32_t)(nf < width ? nf : width); i < width; i++)
		f[i] = (struct field){ 0, FIELD_NULL };
	int ok = 1;
	if (c == -1 && cw->open_quote) {
		csv_fail_row(cw, r, nf, "a quoted field is never closed: the rest of the input was read into it");
		ok = 0;
	} else if (nf != width) {
		int mend = (nf < width && s->ragged == RAGGED_PAD) || (nf > width && s->ragged == RAGGED_TRUNCATE);
		if (!mend) {
			csv_fail_row(cw, r, nf, "expected %u fields, found %zu", width, nf);
			ok = 0;
		}
	}
	/* a row of ASCII (most rows) needs no closer look */
	size_t bytes = b->data.len - cw->row_start;
	if (ok && utf8_skip_ascii(b->data.p + cw->row_start, bytes) != bytes)
		csv_check_utf8(cw, r);
	cw->row_n = 0;
	cw->row_start = (uint32_t)b->data.len;
}

static void csv_on_discard(void *data)
{
	struct csv_worker *cw = data;
	cw->row_n = 0;
	cw->b->data.len = cw->row_start;
}

/* The chunk's plain records are left as they are (batch_add_plain); each
 * other record is parsed on its own, the usual way. */
static void csv_decode_plain(struct csv_source *s, struct csv_worker *cw, struct batch *b)
{
	const char *raw = b->raw.p;
	size_t n = b->raw.len, i = 0, len;
	unsigned char d = (unsigned char)s->delimiter, q = (unsigned char)s->quote;
	while (i < n) {
		if (raw[i] == '\n') { /* a blank line */
			i++;
			continue;
		}
		if (raw[i] != '\r' && csv_plain_record(raw + i, n - i, d, q, b->width, &len)) {
			batch_add_plain(b, (uint32_t)i, (uint32_t)len);
			i += len + 1;
			continue;
		}
		struct csv_scan sc;
		size_t got;
		csv_scan_init(&sc, d, q);
		size_t end = i + csv_scan_records(&sc, raw + i, n - i, 1, &got);
		csv_fast_parse_chunk(raw + i, end - i, d, q, &cw->parser, csv_on_field, csv_on_row, csv_on_discard, cw);
		i = end;
	}
}

static void csv_decode(void *opts, struct batch *b, struct worker *w)
{
	struct csv_source *s = opts;
	struct csv_worker *cw = w->local;
	cw->b = b;
	cw->w = w;
	cw->row_n = 0;
	b->data.len = 0;
	buf_reserve(&b->data, b->raw.len + 64);
	cw->row_start = 0;
	cw->open_quote = (b->flags & BATCH_OPEN_QUOTE) != 0;
	if ((b->flags & BATCH_PLAIN) && s->parser != PARSER_SLOW) {
		csv_decode_plain(s, cw, b);
		return;
	}
	if (s->parser == PARSER_SLOW) {
		csv_slow_parse(&cw->parser, b->raw.p, b->raw.len, (unsigned char)s->delimiter,
			       (unsigned char)s->quote, csv_on_field, csv_on_row, cw);
		return;
	}
	csv_fast_parse_chunk(b->raw.p, b->raw.len, (unsigned char)s->delimiter, (unsigned char)s->quote, &cw->parser,
			     csv_on_field, csv_on_row, csv_on_discard, cw);
}

/* Plain records for the pass-through: with parser = auto, and a delimiter
 * and a quote that are no backslash (a plain record has none). */
static int csv_plain_format(void *opts, struct plain_format *f)
{
	struct csv_source *s = opts;
	f->delim = (unsigned char)s->delimiter;
	f->quote = (unsigned char)s->quote;
	return s->parser == PARSER_AUTO && f->delim != '\\' && f->quote != '\\';
}

static void csv_locate(void *opts, const struct batch *b, uint32_t r, uint64_t *line, const char **raw,
		       size_t *raw_len)
{
	struct csv_source *s = opts;
	struct csv_scan_place at;
	*line = 0;
	*raw = NULL;
	*raw_len = 0;
	if (!b->first_line || !csv_scan_locate_record(b->raw.p, b->raw.len, (unsigned char)s->delimiter,
						      (unsigned char)s->quote, r, b->first_line, &at))
		return;
	*line = at.line;
	*raw = b->raw.p + at.start;
	*raw_len = at.end - at.start;
}

static void csv_close(void *opts)
{
	struct csv_source *s = opts;
	fdio_input_close(&s->in);
}

static void csv_describe(void *opts, char *dst, size_t n)
{
	struct csv_source *s = opts;
	fdio_input_describe(&s->in, s->file_path, dst, n);
}

const struct source_ops source_csv = {
	.type = "csv",
	.summary = "CSV file or standard input, parsed on several threads",
	.waits_on = "file",
	.keys = csv_keys,
	.opts_size = sizeof(struct csv_source),
	.open = csv_open,
	.read = csv_read,
	.worker_new = csv_worker_new,
	.worker_free = csv_worker_free,
	.decode = csv_decode,
	.plain_format = csv_plain_format,
	.locate = csv_locate,
	.close = csv_close,
	.describe = csv_describe,
};
