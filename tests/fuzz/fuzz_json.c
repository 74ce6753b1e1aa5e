/* fuzz_json.c: libFuzzer harness for the JSON source (source_json.c): the
 * JSON Lines cutter, the array scanner and the records they make
 * (json_record.c), driven through the source's own open/read/decode/locate.
 *
 * The input reaches the source through a stand-in for fdio's reads that
 * hands it on in pieces of fuzzer-chosen sizes, as a pipe would, so that
 * every record, string, escape and nesting level can be cut anywhere. The
 * properties a user relies on (README, nebtop.ini(5): "jsonl: one JSON object
 * per line (blank lines skipped); array: one top-level JSON array of
 * objects"; a bad line or element is a record error, a malformed array fails
 * the run):
 * - the same input read in one piece and in many pieces, with different
 *   batch sizes, gives the same schema, the same records (values, marks,
 *   reasons, the lines they are located on) and the same end (success, or
 *   the same failure);
 * - records are numbered 1, 2, 3 ... across batches, none lost or repeated;
 * - JSON Lines: one record per non-blank line, in order, and only a line
 *   longer than max_record_size fails the run; a line jansson accepts alone
 *   is never an "invalid JSON" error and one it refuses is never kept;
 * - array: when jansson accepts the whole input as one array of N elements,
 *   the run succeeds with N records, and record i is element i: its bytes
 *   (locate) parse alone to a value equal to element i, located on the
 *   line where element i starts; a whole input that
 *   is valid JSON but not an array fails the run;
 * - a kept record holds what the documented conversion says: strings as
 *   their text, numbers as numbers of the same value, true/false as is,
 *   null or an absent key as null, objects and arrays as compact JSON of an
 *   equal value; every record error locates its line and bytes.
 * Any difference abort()s.
 *
 * Input layout: byte 0 the options (bit 0: format = array; bit 1: flatten;
 * bits 2-3: schema_sample 1, 2, 5, 1000; bit 4: max_record_size 1024 bytes,
 * else 16 MiB), byte 1 the sizes of the pieces the input is read in, byte 2
 * the batch size; the rest is the input. */
#include "autoconfig.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/connector.h"
#include "connectors/fdio.h"
#include "connectors/json_record.h"
#include "pipeline/batch.h"
#include "pipeline/schema.h"
#include "pipeline/worker.h"
#include "src/base/confmap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
extern const struct source_ops source_json;

#define fuzz_json_require(cond, what)                                                   \
	do {                                                                            \
		if (!(cond)) {                                                          \
			fprintf(stderr, "fuzz_json: %s (%s:%d)\n", what, __FILE__, __LINE__); \
			abort();                                                        \
		}                                                                       \
	} while (0)

/* --- the input, read in pieces (stands in for fdio.c) ---------------------- */

struct fuzz_json_feed {
	const char *p;
	size_t n, off;
	size_t maxp; /* largest piece, (size_t)-1: all at once */
	uint32_t rng;
};

/* The feed the stand-in reads from: the harness runs one source at a time. */
static struct fuzz_json_feed *fuzz_json_feed_now;

static uint32_t fuzz_json_rng_next(uint32_t *r)
{
	uint32_t x = *r ? *r : 0x9E3779B9u;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*r = x;
	return x;
}

int fdio_input_open(struct fdio_input *in, const char *path, const char *where, struct connmetrics *m,
		    struct errbuf *e)
{
	(void)where;
	(void)e;
	memset(in, 0, sizeof *in);
	in->fd = 3;
	in->metrics = m;
	snprintf(in->name, sizeof in->name, "%s", path);
	return 0;
}

int fdio_input_read_block(struct fdio_input *in, struct buf *b, const _Atomic int *stop, int idle_ms,
			  struct errbuf *e)
{
	(void)stop;
	(void)idle_ms;
	(void)e;
	struct fuzz_json_feed *f = fuzz_json_feed_now;
	buf_reserve(b, 1); /* as fdio does: room for a block, even at the end */
	if (f->off == f->n) {
		in->eof = 1;
		return 0;
	}
	size_t len = f->n - f->off;
	if (f->maxp != (size_t)-1) {
		size_t want = 1 + fuzz_json_rng_next(&f->rng) % f->maxp;
		if (want < len)
			len = want;
	}
	buf_reserve(b, len);
	memcpy(b->p + b->len, f->p + f->off, len);
	b->len += len;
	f->off += len;
	in->last_byte = b->p[b->len - 1];
	return 1;
}

int fdio_input_skip_bom(struct fdio_input *in, struct errbuf *e)
{
	while (in->carry.len < 3 && !in->eof)
		if (fdio_input_read_block(in, &in->carry, NULL, 0, e) < 0)
			return -1;
	if (in->carry.len >= 3 && !memcmp(in->carry.p, "\xEF\xBB\xBF", 3)) {
		memmove(in->carry.p, in->carry.p + 3, in->carry.len - 3);
		in->carry.len -= 3;
	}
	return 0;
}

void fdio_input_close(struct fdio_input *in)
{
	in->fd = -1;
	buf_free(&in->carry);
}

void fdio_input_describe(const struct fdio_input *in, const char *path, char *dst, size_t n)
{
	snprintf(dst, n, "%s", in->name[0] ? in->name : path ? path : "?");
}

/* The worker's record failure (stands in for worker.c): marks the record
 * with its reason, no dead letter. */
void worker_fail_record(struct worker *w, struct batch *b, uint32_t r, const char *fmt, ...)
{
	(void)w;
	char reason[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(reason, sizeof reason, fmt, ap);
	va_end(ap);
	fuzz_json_require(n > 0, "a record error without a reason");
	batch_mark_error(b, r, 0, reason, strlen(reason));
}

/* --- what the input holds, found without the source ----------------------- */

/* One record the input should give: its bytes and the line it starts on. */
struct fuzz_json_expect {
	const char *p;
	size_t len;
	uint64_t line;
	json_t *v; /* jansson's value, or NULL when it refuses the bytes alone */
};

struct fuzz_json_case {
	const char *in; /* without a leading BOM */
	size_t n;
	int array, flatten;
	uint64_t max_record_size;
	/* JSON Lines: one per non-blank line; array: jansson's elements, when it
	 * accepts the whole input as one array (else nexp = -1) */
	struct fuzz_json_expect *exp;
	long nexp;
	int whole_not_array; /* array: the whole input is valid JSON, not an array */
	size_t longest_line; /* JSON Lines: with its line feed */
};

static int fuzz_json_blank(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r' && p[i] != '\n')
			return 0;
	return 1;
}

static void fuzz_json_expect_lines(struct fuzz_json_case *c)
{
	c->exp = calloc(c->n + 1, sizeof *c->exp);
	fuzz_json_require(c->exp != NULL, "out of memory");
	c->nexp = 0;
	uint64_t line = 1;
	for (size_t start = 0; start < c->n; line++) {
		const char *nl = memchr(c->in + start, '\n', c->n - start);
		size_t end = nl ? (size_t)(nl - c->in) : c->n;
		size_t with_lf = end - start + (nl != NULL);
		if (with_lf > c->longest_line)
			c->longest_line = with_lf;
		if (!fuzz_json_blank(c->in + start, end - start)) {
			struct fuzz_json_expect *x = &c->exp[c->nexp++];
			x->p = c->in + start;
			x->len = end - start;
			if (x->len && x->p[x->len - 1] == '\r')
				x->len--;
			x->line = line;
			/* a NUL byte is invalid JSON (RFC 8259), though jansson skips
			 * it in some places */
			x->v = memchr(x->p, 0, x->len) ? NULL : json_loadb(x->p, x->len, JSON_RECORD_LOAD_FLAGS, NULL);
		}
		start = end + 1;
	}
}

static void fuzz_json_expect_array(struct fuzz_json_case *c)
{
	c->nexp = -1;
	/* jansson skips a NUL byte in some places ("[1\0]" loads), the source
	 * makes it invalid (RFC 8259 has no NUL outside strings): no oracle */
	if (memchr(c->in, 0, c->n))
		return;
	json_t *whole = json_loadb(c->in, c->n, JSON_RECORD_LOAD_FLAGS, NULL);
	if (!whole)
		return;
	if (!json_is_array(whole)) {
		c->whole_not_array = 1;
		json_decref(whole);
		return;
	}
	size_t k = json_array_size(whole);
	c->exp = calloc(k + 1, sizeof *c->exp);
	fuzz_json_require(c->exp != NULL, "out of memory");
	for (size_t i = 0; i < k; i++)
		c->exp[i].v = json_incref(json_array_get(whole, i));
	c->nexp = (long)k;
	json_decref(whole);

	/* the line each element starts on: valid JSON, so an element starts at
	 * the first byte that is not white space after the '[' or after a ','
	 * outside strings at depth 1 */
	uint64_t line = 1;
	size_t i = 0, depth = 0, found = 0;
	int in_str = 0, want = 0;
	for (; i < c->n; i++) {
		char ch = c->in[i];
		if (ch == '\n')
			line++;
		if (in_str) {
			if (ch == '\\')
				i++; /* an escaped byte is never a line feed in valid JSON */
			else if (ch == '"')
				in_str = 0;
			continue;
		}
		if (want && ch != ' ' && ch != '\t' && ch != '\r' && ch != '\n' && !(depth == 1 && ch == ']')) {
			fuzz_json_require(found < k, "more elements than jansson found");
			c->exp[found++].line = line;
			want = 0;
		}
		if (ch == '"')
			in_str = 1;
		else if (ch == '[' || ch == '{')
			want = ++depth == 1 && ch == '[';
		else if (ch == ']' || ch == '}')
			depth--;
		else if (ch == ',' && depth == 1)
			want = 1;
	}
	fuzz_json_require(found == k, "fewer elements than jansson found");
}

/* --- one run of the source --------------------------------------------------- */

struct fuzz_json_out {
	unsigned char *b;
	size_t len, cap;
};

static void fuzz_json_put(struct fuzz_json_out *o, const void *p, size_t n)
{
	if (o->len + n > o->cap) {
		size_t cap = o->cap ? o->cap * 2 : 1024;
		while (cap < o->len + n)
			cap *= 2;
		o->b = realloc(o->b, cap);
		fuzz_json_require(o->b != NULL, "out of memory");
		o->cap = cap;
	}
	if (n)
		memcpy(o->b + o->len, p, n);
	o->len += n;
}

static void fuzz_json_put_bytes(struct fuzz_json_out *o, char tag, const void *p, size_t n)
{
	uint64_t l = n;
	fuzz_json_put(o, &tag, 1);
	fuzz_json_put(o, &l, sizeof l);
	fuzz_json_put(o, p, n);
}

static void fuzz_json_set(const struct source_ops *ops, void *opts, const char *key, const char *value)
{
	struct errbuf e;
	for (const struct confkey *k = ops->keys; k->name; k++)
		if (!strcmp(k->name, key)) {
			fuzz_json_require(confmap_set_value(k, opts, value, key, &e) == 0, "an option the source refuses");
			return;
		}
	fuzz_json_require(0, "an option the source does not know");
}

/* The field value v should have become, as the source's documentation says. */
static void fuzz_json_check_value(const json_t *v, const char *p, uint32_t len)
{
	if (!v || json_is_null(v)) {
		fuzz_json_require(len == FIELD_NULL, "null or an absent key is not a null field");
		return;
	}
	fuzz_json_require(len != FIELD_NULL, "a value became a null field");
	char text[64];
	if (json_is_string(v)) {
		fuzz_json_require(len == json_string_length(v) && !memcmp(p, json_string_value(v), len),
				  "a string field differs from the string");
	} else if (json_is_true(v) || json_is_false(v)) {
		const char *t = json_is_true(v) ? "true" : "false";
		fuzz_json_require(len == strlen(t) && !memcmp(p, t, len), "a boolean field differs from true/false");
	} else if (json_is_integer(v)) {
		int n = snprintf(text, sizeof text, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		fuzz_json_require((size_t)n == len && !memcmp(p, text, len), "an integer field differs from the integer");
	} else if (json_is_real(v)) {
		fuzz_json_require(len < sizeof text, "a number field too long");
		memcpy(text, p, len);
		text[len] = 0;
		json_t *back = json_loadb(p, len, JSON_DECODE_ANY, NULL);
		fuzz_json_require(back && json_is_number(back), "a number field is not a JSON number");
		fuzz_json_require(json_number_value(back) == json_real_value(v), "a number field has another value");
		json_decref(back);
	} else {
		json_t *back = json_loadb(p, len, JSON_RECORD_LOAD_FLAGS, NULL);
		fuzz_json_require(back && json_equal(back, v), "an object or array field is not JSON of an equal value");
		json_decref(back);
	}
}

static int fuzz_json_has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Reads the whole input with the source, checking each record against what
 * the input holds; o gets the schema, the records and the end. */
static void fuzz_json_run(const struct fuzz_json_case *c, struct fuzz_json_feed *feed, uint32_t batch,
			  uint64_t sample, struct fuzz_json_out *o)
{
	const struct source_ops *ops = &source_json;
	void *opts = calloc(1, ops->opts_size);
	struct errbuf e;
	fuzz_json_require(opts && confmap_set_defaults(ops->keys, opts, &e) == 0, "defaults refused");
	char num[32];
	fuzz_json_set(ops, opts, "file_path", "fuzz.json");
	fuzz_json_set(ops, opts, "format", c->array ? "array" : "jsonl");
	fuzz_json_set(ops, opts, "flatten", c->flatten ? "true" : "false");
	snprintf(num, sizeof num, "%llu", (unsigned long long)sample);
	fuzz_json_set(ops, opts, "schema_sample", num);
	snprintf(num, sizeof num, "%llu", (unsigned long long)c->max_record_size);
	fuzz_json_set(ops, opts, "max_record_size", num);

	fuzz_json_feed_now = feed;
	struct confsection sec = { "source", "source", "-source-config", 0, NULL, 0, 0 };
	struct connector_env env = { batch, 0, &sec, NULL };
	struct schema sch = { 0, NULL, NULL };
	fuzz_json_require(ops->open(opts, &env, &sch, &e) == 0, "open failed");
	for (uint32_t i = 0; i < sch.width; i++) {
		fuzz_json_put_bytes(o, 'N', sch.names[i], strlen(sch.names[i]));
		fuzz_json_put(o, &sch.types[i], 1);
	}

	struct batch *b = batch_new();
	_Atomic int stop = 0;
	uint64_t records = 0;
	int rc;
	for (;;) {
		batch_reset(b);
		batch_reserve_records(b, sch.width, batch);
		rc = ops->read(opts, b, &stop, &e);
		if (rc <= 0)
			break;
		ops->decode(opts, b, NULL);
		/* a chunk may hold no record: the bytes of an array's end */
		fuzz_json_require(b->first_record == records + 1, "records numbered with a gap or a repeat");
		uint32_t nerr = 0;
		for (uint32_t r = 0; r < b->nrec; r++, records++) {
			const struct field *f = batch_record(b, r);
			uint64_t line;
			const char *raw;
			size_t raw_len;
			ops->locate(opts, b, r, &line, &raw, &raw_len);
			fuzz_json_require(raw != NULL && line > 0, "a record cannot be located");
			fuzz_json_put(o, &line, sizeof line);
			const struct fuzz_json_expect *x = c->nexp >= 0 && records < (uint64_t)c->nexp ? &c->exp[records] : NULL;
			if (!c->array) {
				fuzz_json_require(x != NULL, "more records than non-blank lines");
				fuzz_json_require(raw_len == x->len && !memcmp(raw, x->p, raw_len),
						  "a record's bytes differ from its line");
				fuzz_json_require(line == x->line, "a record is located on another line");
			} else if (x) {
				fuzz_json_require(line == x->line, "an element is located on another line");
				json_t *alone = json_loadb(raw, raw_len, JSON_RECORD_LOAD_FLAGS, NULL);
				fuzz_json_require(alone != NULL, "an element of a valid array does not parse alone");
				fuzz_json_require(json_equal(alone, x->v), "an element differs from jansson's element");
				json_decref(alone);
			}
			if (b->marks[r] == MARK_ERROR) {
				fuzz_json_require(nerr < b->nerrors && b->errors[nerr].rec == r, "an error mark without its error");
				const char *why = batch_error_reason(b, &b->errors[nerr]);
				size_t why_len = b->errors[nerr].reason_len;
				nerr++;
				fuzz_json_require(why_len > 0, "a record error without a reason");
				if (x && x->v)
					fuzz_json_require(!fuzz_json_has_prefix(why, "invalid JSON"),
							  "valid JSON reported as invalid");
				fuzz_json_put(o, "E", 1);
				fuzz_json_put_bytes(o, 'R', why, why_len);
				continue;
			}
			fuzz_json_require(b->marks[r] == MARK_KEPT, "a record neither kept nor failed");
			fuzz_json_require(!x || x->v, "a record jansson refuses was kept");
			fuzz_json_require(!x || json_is_object(x->v), "a record that is not an object was kept");
			fuzz_json_put(o, "K", 1);
			for (uint32_t i = 0; i < sch.width; i++) {
				if (x && !c->flatten)
					fuzz_json_check_value(json_object_get(x->v, sch.names[i]), batch_field_ptr(b, f[i]),
							      f[i].len);
				if (f[i].len == FIELD_NULL)
					fuzz_json_put(o, "0", 1);
				else
					fuzz_json_put_bytes(o, 'F', batch_field_ptr(b, f[i]), f[i].len);
			}
			if (x && !c->flatten) {
				const char *key;
				json_t *val;
				json_object_foreach(x->v, key, val) {
					fuzz_json_require(schema_find_field(&sch, key) >= 0, "a kept record with a key outside the schema");
				}
			}
		}
		fuzz_json_require(nerr == b->nerrors, "more errors than error marks");
	}
	fuzz_json_put(o, rc < 0 ? "X" : "Z", 1);
	if (rc < 0)
		fuzz_json_put_bytes(o, 'M', e.msg, strlen(e.msg));

	if (!c->array) {
		if (rc < 0)
			fuzz_json_require(strstr(e.msg, "max_record_size") != NULL, "JSON Lines failed for another reason");
		else
			fuzz_json_require(records == (uint64_t)c->nexp, "fewer records than non-blank lines");
		if (c->longest_line <= c->max_record_size)
			fuzz_json_require(rc == 0, "JSON Lines failed with every line short enough");
	} else {
		if (c->nexp >= 0 && c->n <= c->max_record_size) {
			fuzz_json_require(rc == 0, "a valid array failed the run");
			fuzz_json_require(records == (uint64_t)c->nexp, "a valid array gave another count of records");
		}
		if (c->whole_not_array)
			fuzz_json_require(rc < 0, "valid JSON that is not an array was read as one");
	}

	batch_free(b);
	ops->close(opts);
	confmap_free(ops->keys, opts);
	free(opts);
	schema_free(&sch);
	fuzz_json_feed_now = NULL;
}

/* Prints a run's schema, records and end, printable bytes as they are. */
static void fuzz_json_show(const char *what, const struct fuzz_json_out *o)
{
	fprintf(stderr, "fuzz_json: %s: ", what);
	for (size_t i = 0; i < o->len; i++) {
		unsigned char ch = o->b[i];
		if (ch >= 0x20 && ch < 0x7f)
			fputc(ch, stderr);
		else
			fprintf(stderr, "\\x%02x", ch);
	}
	fputc('\n', stderr);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint64_t samples[4] = { 1, 2, 5, 1000 };
	static const size_t piece_max[8] = { 1, 2, 3, 5, 8, 16, 64, 700 };
	static const uint32_t batches[8] = { 1, 2, 3, 4, 7, 16, 100, 1000 };
	uint8_t h[3] = { 0, 0, 0 };
	size_t skip = size < 3 ? size : 3;
	memcpy(h, data, skip);
	const char *in = (const char *)data + skip;
	size_t n = size - skip;

	struct fuzz_json_case c = { 0 };
	c.in = in;
	c.n = n;
	if (n >= 3 && !memcmp(in, "\xEF\xBB\xBF", 3)) {
		c.in += 3;
		c.n -= 3;
	}
	c.array = h[0] & 1;
	c.flatten = (h[0] >> 1) & 1;
	c.max_record_size = (h[0] & 0x10) ? 1024 : 16u << 20;
	uint64_t sample = samples[(h[0] >> 2) & 3];
	if (c.array)
		fuzz_json_expect_array(&c);
	else
		fuzz_json_expect_lines(&c);

	struct fuzz_json_feed whole = { in, n, 0, (size_t)-1, 0 };
	struct fuzz_json_feed pieces = { in, n, 0, piece_max[h[1] & 7], 0x100u + h[1] };
	struct fuzz_json_out a = { 0 }, b = { 0 };
	fuzz_json_run(&c, &whole, 1000, sample, &a);
	fuzz_json_run(&c, &pieces, batches[h[2] & 7], sample, &b);
	if (a.len != b.len || (a.len && memcmp(a.b, b.b, a.len))) {
		fuzz_json_show("in one piece", &a);
		fuzz_json_show("in pieces", &b);
		fuzz_json_require(0, "read in pieces, the input gives other records or another end");
	}

	for (long i = 0; i < c.nexp; i++)
		json_decref(c.exp[i].v);
	free(c.exp);
	free(a.b);
	free(b.b);
	return 0;
}
