/* stage_filter.c: keeps the records whose field compares true to a value.
 * eq/ne compare text; lt/le/gt/ge compare numbers when both sides are
 * numbers and text otherwise; contains looks for a substring; matches tests
 * a POSIX extended regular expression. A null field matches only ne. */
#include "autoconfig.h"

#include <errno.h>
#include <math.h>
#include <regex.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "schema.h"
#include "stage.h"
#include "worker.h"

enum filter_op { OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE, OP_CONTAINS, OP_MATCHES };

struct filter_stage {
	char *field, *value;
	int op;
	int index;
	size_t value_len;
	int value_is_number;
	double value_number;
	regex_t re;
	int have_re;
};

static const char *const filter_ops[] = { "eq", "ne", "lt", "le", "gt", "ge", "contains", "matches", NULL };

static const struct confkey filter_keys[] = {
	{ "field", CONF_STRING, NULL, offsetof(struct filter_stage, field), "field to test", NULL, 0, 0, 0 },
	{ "op", CONF_ENUM, "eq", offsetof(struct filter_stage, op),
	  "eq, ne, lt, le, gt, ge, contains or matches (POSIX extended regex)", filter_ops, 0, 0, 0 },
	{ "value", CONF_STRING, NULL, offsetof(struct filter_stage, value), "value to compare with", NULL, 0, 0, 0 },
	{ NULL, 0, NULL, 0, NULL, NULL, 0, 0, 0 },
};

/* Parses s[0..n) as a number; 1 when all of it is one. */
static int filter_parse_number(const char *s, size_t n, double *out)
{
	char tmp[64];
	if (n == 0 || n >= sizeof tmp)
		return 0;
	memcpy(tmp, s, n);
	tmp[n] = 0;
	char *end;
	errno = 0;
	double v = strtod(tmp, &end);
	if (end != tmp + n || errno == ERANGE || isnan(v))
		return 0;
	*out = v;
	return 1;
}

static int filter_init(void *opts, const struct confsection *sec, const struct schema *in, struct schema *out,
		       struct errbuf *e)
{
	struct filter_stage *f = opts;
	f->index = stage_find_input_field(sec, "field", f->field, in, e);
	if (f->index < 0)
		return -1;
	char where[512];
	confmap_where_key(where, sizeof where, sec, "value");
	if (!f->value)
		return errbuf_set(e, "%s: missing (the value to compare with)", where);
	f->value_len = strlen(f->value);
	f->value_is_number = filter_parse_number(f->value, f->value_len, &f->value_number);
	if (f->op == OP_MATCHES) {
		int rc = regcomp(&f->re, f->value, REG_EXTENDED | REG_NOSUB);
		if (rc) {
			char msg[256];
			regerror(rc, &f->re, msg, sizeof msg);
			return errbuf_set(e, "%s: bad regular expression: %s", where, msg);
		}
		f->have_re = 1;
	}
	schema_copy(out, in);
	return 0;
}

static int filter_compare_text(const char *a, size_t an, const char *b, size_t bn)
{
	int c = memcmp(a, b, an < bn ? an : bn);
	return c ? c : (an > bn) - (an < bn);
}

static int filter_test(struct filter_stage *f, const char *s, uint32_t n, struct buf *tmp)
{
	if (n == FIELD_NULL)
		return f->op == OP_NE;
	switch (f->op) {
	case OP_EQ:
		return n == f->value_len && !memcmp(s, f->value, n);
	case OP_NE:
		return !(n == f->value_len && !memcmp(s, f->value, n));
	case OP_CONTAINS:
		return memmem(s, n, f->value, f->value_len) != NULL;
	case OP_MATCHES:
		tmp->len = 0;
		buf_append(tmp, s, n);
		buf_append_byte(tmp, 0);
		return regexec(&f->re, tmp->p, 0, NULL, 0) == 0;
	default: {
		double v;
		int c;
		if (f->value_is_number && filter_parse_number(s, n, &v))
			c = (v > f->value_number) - (v < f->value_number);
		else
			c = filter_compare_text(s, n, f->value, f->value_len);
		return f->op == OP_LT ? c < 0 : f->op == OP_LE ? c <= 0 : f->op == OP_GT ? c > 0 : c >= 0;
	}
	}
}

static void filter_process(void *opts, struct batch *b, struct worker *w)
{
	struct filter_stage *f = opts;
	for (uint32_t r = 0; r < b->nrec; r++) {
		if (b->marks[r] != MARK_KEPT)
			continue;
		struct field v = batch_record(b, r)[f->index];
		if (!filter_test(f, b->data.p + v.off, v.len, &w->scratch))
			batch_mark_filtered(b, r);
	}
}

static void filter_fini(void *opts)
{
	struct filter_stage *f = opts;
	if (f->have_re)
		regfree(&f->re);
}

const struct stage_ops stage_filter = {
	.type = "filter",
	.summary = "keep records where a field compares true to a value",
	.keys = filter_keys,
	.opts_size = sizeof(struct filter_stage),
	.init = filter_init,
	.process = filter_process,
	.fini = filter_fini,
};
