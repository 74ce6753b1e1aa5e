/* confmap.c: applying key = value sections to tables of typed keys. */
#include "autoconfig.h"

#include "confmap.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "secrets.h"
#include "units.h"

static void *confmap_place(void *opts, const struct confkey *k) { return (char *)opts + k->offset; }

static char *confmap_strdup(const char *s)
{
	char *d = strdup(s);
	if (!d) {
		fprintf(stderr, "nebtop: out of memory\n");
		abort();
	}
	return d;
}

/* Refuses a value outside [min, max], showing it as written; durations'
 * bounds are in seconds. */
static int confmap_check_bounds(const struct confkey *k, double v, const char *text, const char *where,
				struct errbuf *e)
{
	if (k->max > k->min && (v < k->min || v > k->max)) {
		const char *unit = k->type == CONF_DURATION ? "s" : "";
		return errbuf_set(e, "%s: %s is out of range (%.15g%s to %.15g%s)", where, text, k->min, unit, k->max,
				  unit);
	}
	return 0;
}

static int confmap_join_choices(const struct confkey *k, char *dst, size_t n)
{
	size_t o = 0;
	dst[0] = 0;
	for (size_t i = 0; k->choices[i]; i++)
		o += (size_t)snprintf(dst + o, o < n ? n - o : 0, "%s%s", i ? ", " : "", k->choices[i]);
	return 0;
}

int confmap_set_value(const struct confkey *k, void *opts, const char *value, const char *where,
		      struct errbuf *e)
{
	void *p = confmap_place(opts, k);
	const char *shown = k->secret ? SECRETS_SHOWN : value;
	if (k->secret)
		secrets_register(value); /* hidden from every text nebtop writes */
	switch (k->type) {
	case CONF_STRING: {
		char **sp = p;
		free(*sp);
		*sp = confmap_strdup(value);
		return 0;
	}
	case CONF_UINT: {
		uint64_t v;
		if (units_parse_uint(value, &v)) {
			uint64_t neg;
			if (value[0] == '-' && !units_parse_uint(value + 1, &neg)) /* a negative number */
				return confmap_check_bounds(k, -(double)neg, shown, where, e) ?
					       -1 :
					       errbuf_set(e, "%s: %s is negative: a count is 0 or more", where, shown);
			return errbuf_set(e, "%s: '%s' is not a whole number", where, shown);
		}
		if (confmap_check_bounds(k, (double)v, shown, where, e))
			return -1;
		*(uint64_t *)p = v;
		return 0;
	}
	case CONF_SIZE: {
		uint64_t v;
		if (units_parse_size(value, &v))
			return errbuf_set(e, "%s: '%s' is not a size (examples: 4096, 64KiB, 10MB)", where, shown);
		if (confmap_check_bounds(k, (double)v, shown, where, e))
			return -1;
		*(uint64_t *)p = v;
		return 0;
	}
	case CONF_DURATION: {
		uint64_t v;
		if (units_parse_duration(value, &v))
			return errbuf_set(e, "%s: '%s' is not a duration (examples: 250ms, 30s, 2m)", where, shown);
		if (confmap_check_bounds(k, v / 1e9, shown, where, e))
			return -1;
		*(uint64_t *)p = v;
		return 0;
	}
	case CONF_BOOL:
		if (units_parse_bool(value, (int *)p))
			return errbuf_set(e, "%s: '%s' is not true or false (or yes/no, on/off, 1/0)", where, shown);
		return 0;
	case CONF_ENUM:
		for (int i = 0; k->choices[i]; i++) {
			if (!strcmp(value, k->choices[i])) {
				*(int *)p = i;
				return 0;
			}
		}
		{
			char list[512];
			confmap_join_choices(k, list, sizeof list);
			return errbuf_set(e, "%s: '%s' is not one of: %s", where, shown, list);
		}
	case CONF_CHAR:
		if (!strcmp(value, "tab") || !strcmp(value, "\\t"))
			*(char *)p = '\t';
		else if (strlen(value) == 1)
			*(char *)p = value[0];
		else
			return errbuf_set(e, "%s: '%s' is not a single character (or 'tab')", where, shown);
		return 0;
	case CONF_DOUBLE: {
		char *end;
		errno = 0;
		double v = strtod(value, &end);
		if (errno || end == value || *end || !isfinite(v))
			return errbuf_set(e, "%s: '%s' is not a number", where, shown);
		if (confmap_check_bounds(k, v, shown, where, e))
			return -1;
		*(double *)p = v;
		return 0;
	}
	case CONF_PREFIX:
		break; /* set entry by entry in confmap_apply */
	}
	return errbuf_set(e, "%s: unsupported key type", where);
}

/* Adds (or, for a key given again, replaces) one entry of a CONF_PREFIX key. */
static int confmap_add_pair(const struct confkey *k, void *opts, const char *key, const char *value,
			    const char *where, struct errbuf *e)
{
	if (!key[strlen(k->name)])
		return errbuf_set(e, "%s: a name is needed after '%s'", where, k->name);
	struct confpairs *l = confmap_place(opts, k);
	if (k->secret)
		secrets_register(value);
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i].key, key)) {
			free(l->v[i].value);
			l->v[i].value = confmap_strdup(value);
			return 0;
		}
	struct confpair *v = realloc(l->v, (l->n + 1) * sizeof *v);
	if (!v) {
		fprintf(stderr, "nebtop: out of memory\n");
		abort();
	}
	l->v = v;
	l->v[l->n++] = (struct confpair){ confmap_strdup(key), confmap_strdup(value) };
	return 0;
}

int confmap_set_defaults(const struct confkey *keys, void *opts, struct errbuf *e)
{
	for (const struct confkey *k = keys; k->name; k++) {
		if (!k->def)
			continue;
		char where[128];
		snprintf(where, sizeof where, "default of key '%s'", k->name);
		if (confmap_set_value(k, opts, k->def, where, e))
			return -1;
	}
	return 0;
}

void confmap_free(const struct confkey *keys, void *opts)
{
	for (const struct confkey *k = keys; k->name; k++) {
		if (k->type == CONF_STRING) {
			char **sp = confmap_place(opts, k);
			free(*sp);
			*sp = NULL;
		} else if (k->type == CONF_PREFIX) {
			struct confpairs *l = confmap_place(opts, k);
			for (size_t i = 0; i < l->n; i++) {
				free(l->v[i].key);
				free(l->v[i].value);
			}
			free(l->v);
			memset(l, 0, sizeof *l);
		}
	}
}

/* Edit distance where swapping two neighbouring letters counts as one edit
 * ("nmae" is one edit from "name"). */
static size_t confmap_edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 40 || lb > 40)
		return 99;
	size_t d[41][41];
	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++)
		for (size_t j = 1; j <= lb; j++) {
			size_t best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
			if (d[i - 1][j] + 1 < best)
				best = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < best)
				best = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < best)
				best = d[i - 2][j - 2] + 1;
			d[i][j] = best;
		}
	return d[la][lb];
}

const char *confmap_suggest_key(const char *name, const char *const *known, size_t n)
{
	const char *best = NULL;
	size_t bestd = 99, len = strlen(name);
	for (size_t i = 0; i < n; i++) {
		size_t d = confmap_edit_distance(name, known[i]);
		if (d < bestd) {
			bestd = d;
			best = known[i];
		}
	}
	size_t limit = len <= 4 ? 1 : len <= 8 ? 2 : 3;
	return bestd <= limit ? best : NULL;
}

void confmap_format_where(char *dst, size_t n, const struct confsection *sec, const struct confentry *en)
{
	const char *head = sec->header ? sec->header : sec->name;
	if (en && en->line > 0)
		snprintf(dst, n, "%s:%d: [%s] key '%s'", en->origin, en->line, head, en->key);
	else if (en && en->line < 0)
		snprintf(dst, n, "%s: key '%s'", en->origin, en->key);
	else if (en)
		snprintf(dst, n, "%s", en->origin);
	else if (sec->line > 0)
		snprintf(dst, n, "%s:%d: [%s]", sec->origin, sec->line, head);
	else if (sec->origin && sec->origin[0] != '-')
		snprintf(dst, n, "%s: [%s]", sec->origin, head); /* a file without the section */
	else
		snprintf(dst, n, "[%s]", head);
}

void confmap_where_key(char *dst, size_t n, const struct confsection *sec, const char *key)
{
	const struct confentry *en = confsection_find(sec, key);
	if (en) {
		confmap_format_where(dst, n, sec, en);
		return;
	}
	char head[400];
	confmap_format_where(head, sizeof head, sec, NULL);
	snprintf(dst, n, "%s key '%s'", head, key);
}

/* The key called `name`, else the CONF_PREFIX key whose family it belongs to. */
static const struct confkey *confmap_find_key(const struct confbinding *b, size_t nb, const char *name,
					      void **opts)
{
	for (int family = 0; family < 2; family++)
		for (size_t i = 0; i < nb; i++)
			for (const struct confkey *k = b[i].keys; k->name; k++)
				if (family ? k->type == CONF_PREFIX && !strncmp(k->name, name, strlen(k->name))
					   : k->type != CONF_PREFIX && !strcmp(k->name, name)) {
					*opts = b[i].opts;
					return k;
				}
	return NULL;
}

static int confmap_is_ignored(const char *const *ignore, const char *key)
{
	for (size_t i = 0; ignore && ignore[i]; i++)
		if (!strcmp(ignore[i], key))
			return 1;
	return 0;
}

int confmap_apply(const struct confbinding *b, size_t nb, const struct confsection *sec,
		  const char *const *ignore, struct errbuf *e)
{
	for (size_t i = 0; i < nb; i++)
		if (confmap_set_defaults(b[i].keys, b[i].opts, e))
			return -1;
	for (size_t j = 0; j < sec->n; j++) {
		const struct confentry *en = &sec->entries[j];
		if (confmap_is_ignored(ignore, en->key))
			continue;
		char where[512];
		confmap_format_where(where, sizeof where, sec, en);
		void *opts;
		const struct confkey *k = confmap_find_key(b, nb, en->key, &opts);
		if (!k) {
			const char *known[128];
			size_t nk = 0;
			for (size_t i = 0; i < nb; i++)
				for (const struct confkey *kk = b[i].keys; kk->name && nk < 128; kk++)
					known[nk++] = kk->name;
			const char *home = sec->home_of ? sec->home_of(en->key) : NULL;
			if (home && strcmp(home, sec->header ? sec->header : sec->name))
				return errbuf_set(e, "%s: unknown key in this section: it belongs in [%s]", where, home);
			const char *hint = confmap_suggest_key(en->key, known, nk);
			if (hint)
				return errbuf_set(e, "%s: unknown key (did you mean '%s'?)", where, hint);
			return errbuf_set(e, "%s: unknown key", where);
		}
		if (k->type == CONF_PREFIX ? confmap_add_pair(k, opts, en->key, en->value, where, e)
					   : confmap_set_value(k, opts, en->value, where, e))
			return -1;
	}
	return 0;
}

void confsection_add(struct confsection *sec, const char *key, const char *value, const char *origin, int line)
{
	if (sec->n == sec->cap) {
		sec->cap = sec->cap ? sec->cap * 2 : 8;
		sec->entries = realloc(sec->entries, sec->cap * sizeof *sec->entries);
		if (!sec->entries) {
			fprintf(stderr, "nebtop: out of memory\n");
			abort();
		}
	}
	sec->entries[sec->n++] = (struct confentry){ confmap_strdup(key), confmap_strdup(value), origin, line };
}

const struct confentry *confsection_find(const struct confsection *sec, const char *key)
{
	const struct confentry *found = NULL;
	for (size_t i = 0; i < sec->n; i++)
		if (!strcmp(sec->entries[i].key, key))
			found = &sec->entries[i]; /* the last one wins, as on the command line */
	return found;
}

void confsection_free(struct confsection *sec)
{
	for (size_t i = 0; i < sec->n; i++) {
		free(sec->entries[i].key);
		free(sec->entries[i].value);
	}
	free(sec->entries);
	free(sec->name);
	free(sec->header);
	memset(sec, 0, sizeof *sec);
}
