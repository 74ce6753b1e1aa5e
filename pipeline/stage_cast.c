/* stage_cast.c: gives fields a type so the JSON output carries numbers and
 * booleans: int (64-bit, written in canonical decimal), float (finite,
 * written as given when it is a valid JSON number, else in shortest
 * round-trip form) or bool (true/false, 1/0, yes/no, t/f, y/n in any case).
 * An empty value becomes null; anything else that does not convert is a
 * record error naming the field and the value. */
#include "autoconfig.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "batch.h"
#include "schema.h"
#include "stage.h"
#include "../src/base/utf8.h"
#include "worker.h"

struct cast_stage {
	char *field;
	int to;
	int *index; /* input fields to cast */
	size_t n;
};

static const char *const cast_types[] = { "int", "float", "bool", NULL };

static const struct confkey cast_keys[] = {
	{ "field", CONF_STRING, NULL, offsetof(struct cast_stage, field), "field(s) to convert, comma-separated",
	  NULL, 0, 0, 0 },
	{ "to", CONF_ENUM, NULL, offsetof(struct cast_stage, to), "int, float or bool", cast_types, 0, 0, 0 },
	{ NULL, 0, NULL, 0, NULL, NULL, 0, 0, 0 },
};

static int cast_init(void *opts, const struct confsection *sec, const struct schema *in, struct schema *out,
		     struct errbuf *e)
{
	struct cast_stage *c = opts;
	char where[512];
	if (!confsection_find(sec, "to")) {
		confmap_where_key(where, sizeof where, sec, "to");
		return errbuf_set(e, "%s: missing (int, float or bool)", where);
	}
	schema_copy(out, in);
	confmap_where_key(where, sizeof where, sec, "field");
	if (!c->field || !*c->field)
		return errbuf_set(e, "%s: missing (a field name)", where);
	char *copy = strdup(c->field), *save = NULL;
	c->index = calloc(in->width + 1, sizeof *c->index);
	if (!copy || !c->index)
		return errbuf_set(e, "out of memory");
	int rc = 0;
	for (char *tok = strtok_r(copy, ",", &save); tok && c->n < in->width; tok = strtok_r(NULL, ",", &save)) {
		while (*tok == ' ')
			tok++;
		char *end = tok + strlen(tok);
		while (end > tok && end[-1] == ' ')
			*--end = 0;
		int i = stage_find_input_field(sec, "field", tok, in, e);
		if (i < 0) {
			rc = -1;
			break;
		}
		for (size_t k = 0; k < c->n; k++)
			if (c->index[k] == i) {
				rc = errbuf_set(e, "%s: field '%s' is listed twice", where, tok);
				break;
			}
		if (rc)
			break;
		c->index[c->n++] = i;
		out->types[i] = (uint8_t)(FTYPE_INT + c->to);
	}
	free(copy);
	return rc;
}

/* Is s[0..n) a number as JSON writes them? */
static int cast_is_json_number(const char *s, size_t n)
{
	size_t i = 0;
	if (i < n && s[i] == '-')
		i++;
	if (i >= n || !isdigit((unsigned char)s[i]))
		return 0;
	if (s[i] == '0')
		i++;
	else
		while (i < n && isdigit((unsigned char)s[i]))
			i++;
	if (i < n && s[i] == '.') {
		i++;
		if (i >= n || !isdigit((unsigned char)s[i]))
			return 0;
		while (i < n && isdigit((unsigned char)s[i]))
			i++;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		if (i >= n || !isdigit((unsigned char)s[i]))
			return 0;
		while (i < n && isdigit((unsigned char)s[i]))
			i++;
	}
	return i == n;
}

/* Is s a decimal number: [+-] digits [. digits] [e [+-] digits], with
 * digits on at least one side of the point? (No hex, inf or nan.) */
static int cast_is_decimal(const char *s)
{
	if (*s == '+' || *s == '-')
		s++;
	int digits = 0;
	while (isdigit((unsigned char)*s)) {
		s++;
		digits++;
	}
	if (*s == '.') {
		s++;
		while (isdigit((unsigned char)*s)) {
			s++;
			digits++;
		}
	}
	if (!digits)
		return 0;
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '+' || *s == '-')
			s++;
		if (!isdigit((unsigned char)*s))
			return 0;
		while (isdigit((unsigned char)*s))
			s++;
	}
	return *s == 0;
}

/* Converts text to the typed text in out; returns NULL or a reason. */
static const char *cast_convert(int to, const char *text, char *out, size_t outsz)
{
	size_t n = strlen(text);
	if (to == 0) {
		const char *p = text;
		if (*p == '+' || *p == '-')
			p++;
		if (!*p)
			return "is not an integer";
		for (const char *q = p; *q; q++)
			if (!isdigit((unsigned char)*q))
				return "is not an integer";
		errno = 0;
		long long v = strtoll(text, NULL, 10);
		if (errno == ERANGE)
			return "is out of the 64-bit integer range";
		snprintf(out, outsz, "%lld", v);
		return NULL;
	}
	if (to == 1) {
		if (!cast_is_decimal(text))
			return "is not a number";
		double v = strtod(text, NULL); /* an underflow gives a tiny or zero value: fine */
		if (!isfinite(v))
			return "is not a finite number";
		if (cast_is_json_number(text, n) && n < outsz) {
			memcpy(out, text, n + 1);
			return NULL;
		}
		for (int prec = 15; prec <= 17; prec++) {
			snprintf(out, outsz, "%.*g", prec, v);
			if (strtod(out, NULL) == v)
				break;
		}
		return NULL;
	}
	static const char *const yes[] = { "true", "1", "yes", "t", "y" }, *const no[] = { "false", "0", "no", "f", "n" };
	for (size_t i = 0; i < 5; i++) {
		if (!strcasecmp(text, yes[i])) {
			snprintf(out, outsz, "true");
			return NULL;
		}
		if (!strcasecmp(text, no[i])) {
			snprintf(out, outsz, "false");
			return NULL;
		}
	}
	return "is not a boolean (true/false, 1/0, yes/no)";
}

static void cast_process(void *opts, struct batch *b, struct worker *w)
{
	struct cast_stage *c = opts;
	char text[72], typed[80];
	for (uint32_t r = 0; r < b->nrec; r++) {
		if (b->marks[r] != MARK_KEPT)
			continue;
		struct field *f = batch_record(b, r);
		for (size_t k = 0; k < c->n; k++) {
			struct field *v = &f[c->index[k]];
			if (v->len == FIELD_NULL)
				continue;
			if (v->len == 0) {
				*v = (struct field){ 0, FIELD_NULL };
				continue;
			}
			const char *name = w->schema->names[c->index[k]];
			size_t n = v->len < sizeof text - 1 ? v->len : sizeof text - 1;
			memcpy(text, b->data.p + v->off, n);
			text[n] = 0;
			const char *why = v->len >= sizeof text - 1 ? "is too long for a number"
				: memchr(text, 0, n) ? "contains a NUL byte"
				: cast_convert(c->to, text, typed, sizeof typed);
			if (why) {
				int shown = (int)utf8_cut(text, n < 40 ? n : 40); /* whole characters */
				worker_fail_record(w, b, r, "field '%s': '%.*s%s' %s (cast to %s)", name, shown, text,
						   v->len > (size_t)shown ? "..." : "", why, cast_types[c->to]);
				break;
			}
			size_t tn = strlen(typed);
			if (tn == v->len && !memcmp(typed, b->data.p + v->off, tn))
				continue;
			v->off = (uint32_t)b->data.len;
			v->len = (uint32_t)tn;
			buf_append(&b->data, typed, tn);
		}
	}
}

static void cast_fini(void *opts)
{
	struct cast_stage *c = opts;
	free(c->index);
}

const struct stage_ops stage_cast = {
	.type = "cast",
	.summary = "convert fields to int, float or bool",
	.keys = cast_keys,
	.opts_size = sizeof(struct cast_stage),
	.init = cast_init,
	.process = cast_process,
	.fini = cast_fini,
};
