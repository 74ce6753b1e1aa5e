/* folded.c: reads folded stacks back (folded.h): parsing, summing equal
 * stacks, and the flat and cumulative samples of each function. */
#include "autoconfig.h"

#include "folded.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void folded_free(struct folded *f)
{
	for (size_t i = 0; i < f->n; i++)
		free(f->rows[i].stack);
	free(f->rows);
	memset(f, 0, sizeof *f);
}

/* Adds count to the row of stack (a new row when none has it). Linear
 * search over a hash of the text keeps this simple: profiles hold a few
 * thousand distinct stacks. */
struct folded_index {
	size_t *slots; /* row index + 1, 0 = empty */
	size_t cap;
};

static uint64_t folded_hash(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
	return h;
}

static int folded_index_grow(struct folded_index *ix, const struct folded *f)
{
	size_t cap = ix->cap ? ix->cap * 2 : 1024;
	size_t *slots = calloc(cap, sizeof *slots);
	if (!slots)
		return -1;
	for (size_t r = 0; r < f->n; r++) {
		size_t k = folded_hash(f->rows[r].stack, strlen(f->rows[r].stack)) & (cap - 1);
		while (slots[k])
			k = (k + 1) & (cap - 1);
		slots[k] = r + 1;
	}
	free(ix->slots);
	ix->slots = slots;
	ix->cap = cap;
	return 0;
}

static int folded_add(struct folded *f, struct folded_index *ix, size_t *cap, const char *stack, size_t n,
		      uint64_t count)
{
	if ((f->n + 1) * 2 > ix->cap && folded_index_grow(ix, f))
		return -1;
	size_t k = folded_hash(stack, n) & (ix->cap - 1);
	for (; ix->slots[k]; k = (k + 1) & (ix->cap - 1)) {
		struct folded_row *r = &f->rows[ix->slots[k] - 1];
		if (strlen(r->stack) == n && !memcmp(r->stack, stack, n)) {
			r->count += count;
			f->total += count;
			return 0;
		}
	}
	if (f->n == *cap) {
		size_t nc = *cap ? *cap * 2 : 256;
		struct folded_row *rows = realloc(f->rows, nc * sizeof *rows);
		if (!rows)
			return -1;
		f->rows = rows;
		*cap = nc;
	}
	char *copy = malloc(n + 1);
	if (!copy)
		return -1;
	memcpy(copy, stack, n);
	copy[n] = 0;
	f->rows[f->n++] = (struct folded_row){ copy, count };
	ix->slots[k] = f->n;
	f->total += count;
	return 0;
}

int folded_parse(struct folded *f, const char *text, size_t len, struct errbuf *e)
{
	memset(f, 0, sizeof *f);
	struct folded_index ix = { NULL, 0 };
	size_t cap = 0, line = 0;
	const char *p = text, *end = text + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		line++;
		const char *q = le;
		while (q > p && (q[-1] == '\r' || q[-1] == ' ' || q[-1] == '\t'))
			q--;
		if (q > p) {
			const char *sp = q;
			while (sp > p && sp[-1] != ' ')
				sp--;
			uint64_t count = 0;
			int ok = sp > p && sp < q;
			for (const char *d = sp; ok && d < q; d++) {
				if (*d < '0' || *d > '9' || count > (UINT64_MAX - 9) / 10)
					ok = 0;
				else
					count = count * 10 + (uint64_t)(*d - '0');
			}
			size_t n = ok ? (size_t)(sp - 1 - p) : 0;
			if (!ok || n == 0) {
				free(ix.slots);
				folded_free(f);
				return errbuf_set(e, "line %zu: not a folded stack ('frame;frame;... COUNT')", line);
			}
			if (folded_add(f, &ix, &cap, p, n, count)) {
				free(ix.slots);
				folded_free(f);
				return errbuf_set(e, "out of memory reading folded stacks");
			}
		}
		p = nl ? nl + 1 : end;
	}
	free(ix.slots);
	return 0;
}

int folded_load(struct folded *f, const char *path, struct errbuf *e)
{
	memset(f, 0, sizeof *f);
	FILE *fp = fopen(path, "rb");
	if (!fp)
		return errbuf_set(e, "%s: %s", path, strerror(errno));
	char *text = NULL;
	size_t len = 0, cap = 0;
	for (;;) {
		if (len == cap) {
			size_t nc = cap ? cap * 2 : 65536;
			char *t = realloc(text, nc);
			if (!t) {
				free(text);
				fclose(fp);
				return errbuf_set(e, "%s: out of memory", path);
			}
			text = t;
			cap = nc;
		}
		size_t got = fread(text + len, 1, cap - len, fp);
		len += got;
		if (got == 0)
			break;
	}
	int bad = ferror(fp);
	fclose(fp);
	if (bad) {
		free(text);
		return errbuf_set(e, "%s: read error", path);
	}
	int rc = folded_parse(f, text, len, e);
	free(text);
	if (rc)
		errbuf_prefix(e, "%s", path);
	return rc;
}

static int folded_fn_order(const void *a, const void *b)
{
	const struct folded_fn *x = a, *y = b;
	if (x->flat != y->flat)
		return x->flat < y->flat ? 1 : -1;
	if (x->cum != y->cum)
		return x->cum < y->cum ? 1 : -1;
	return strcmp(x->name, y->name);
}

/* The functions seen so far, with an open-addressing index by name. */
struct folded_fns {
	struct folded_fn *v;
	size_t n, cap;
	size_t *slots; /* index + 1, 0 = empty */
	size_t nslots;
	uint64_t *seen; /* per function: the last row that counted its cum (row + 1) */
};

static int folded_fns_rehash(struct folded_fns *t)
{
	size_t ns = t->nslots ? t->nslots * 2 : 256;
	size_t *slots = calloc(ns, sizeof *slots);
	if (!slots)
		return -1;
	for (size_t i = 0; i < t->n; i++) {
		size_t k = folded_hash(t->v[i].name, strlen(t->v[i].name)) & (ns - 1);
		while (slots[k])
			k = (k + 1) & (ns - 1);
		slots[k] = i + 1;
	}
	free(t->slots);
	t->slots = slots;
	t->nslots = ns;
	return 0;
}

/* The index of the function named by [s, s+n), added when new; -1 without memory. */
static long folded_fns_find(struct folded_fns *t, const char *s, size_t n)
{
	if ((t->n + 1) * 2 > t->nslots && folded_fns_rehash(t))
		return -1;
	size_t k = folded_hash(s, n) & (t->nslots - 1);
	for (; t->slots[k]; k = (k + 1) & (t->nslots - 1)) {
		const char *name = t->v[t->slots[k] - 1].name;
		if (!strncmp(name, s, n) && name[n] == 0)
			return (long)(t->slots[k] - 1);
	}
	if (t->n == t->cap) {
		size_t nc = t->cap ? t->cap * 2 : 64;
		struct folded_fn *v = realloc(t->v, nc * sizeof *v);
		if (!v)
			return -1;
		t->v = v;
		uint64_t *seen = realloc(t->seen, nc * sizeof *seen);
		if (!seen)
			return -1;
		t->seen = seen;
		t->cap = nc;
	}
	char *copy = malloc(n + 1);
	if (!copy)
		return -1;
	memcpy(copy, s, n);
	copy[n] = 0;
	t->v[t->n] = (struct folded_fn){ copy, 0, 0 };
	t->seen[t->n] = 0;
	t->slots[k] = t->n + 1;
	return (long)t->n++;
}

long folded_functions(const struct folded *f, struct folded_fn **out)
{
	struct folded_fns t = { 0 };
	*out = NULL;
	for (size_t r = 0; r < f->n; r++) {
		const char *s = f->rows[r].stack;
		const char *semi = strchr(s, ';'); /* the first frame is the stage */
		long leaf = -1;
		while (semi) {
			const char *name = semi + 1;
			semi = strchr(name, ';');
			size_t len = semi ? (size_t)(semi - name) : strlen(name);
			long i = folded_fns_find(&t, name, len);
			if (i < 0) {
				folded_functions_free(t.v, t.n);
				free(t.slots);
				free(t.seen);
				return -1;
			}
			if (t.seen[i] != r + 1) { /* once per stack, however deep it recurs */
				t.seen[i] = r + 1;
				t.v[i].cum += f->rows[r].count;
			}
			leaf = i;
		}
		if (leaf >= 0)
			t.v[leaf].flat += f->rows[r].count;
	}
	free(t.slots);
	free(t.seen);
	if (t.n)
		qsort(t.v, t.n, sizeof *t.v, folded_fn_order);
	*out = t.v;
	return (long)t.n;
}

void folded_functions_free(struct folded_fn *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].name);
	free(v);
}
