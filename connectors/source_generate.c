/* source_generate.c: the generate source makes deterministic rows for load
 * tests and the demo: `rows` rows (0 = unlimited) of `columns` fields named
 * col1..colN, at most `rate` rows per second (0 = as fast as it can), the same
 * for the same `seed`. Fields cycle through an integer, a word, a decimal and
 * a timestamp; col1 is the row number. Its bytes are those of the same rows
 * as CSV (fields, commas, a newline a row; no header, no quoting needed),
 * counted as the stage's bytes read and as the connector's bytes. */
#include "autoconfig.h"

#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "../pipeline/batch.h"
#include "../src/base/clock.h"
#include "../pipeline/pace.h"
#include "../pipeline/schema.h"
#include "../pipeline/connector.h"
#include "../pipeline/connmetrics.h"

struct gen_source {
	uint64_t rows, columns, rate, seed;
	uint64_t next_row; /* rows made so far */
	struct pace pace;
	uint32_t batch;
	struct connmetrics *metrics;
};

static const struct confkey gen_keys[] = {
	{ "rows", CONF_UINT, "1000000", offsetof(struct gen_source, rows), "rows to make (0 = unlimited)", NULL, 0,
	  0, 0 },
	{ "columns", CONF_UINT, "8", offsetof(struct gen_source, columns), "fields per row, named col1..colN", NULL,
	  1, 1000, 0 },
	{ "rate", CONF_UINT, "0", offsetof(struct gen_source, rate), "rows per second (0 = as fast as possible)",
	  NULL, 0, 0, 0 },
	{ "seed", CONF_UINT, "1", offsetof(struct gen_source, seed), "seed of the values", NULL, 0, 0, 0 },
	{ NULL, 0, NULL, 0, NULL, NULL, 0, 0, 0 },
};

static const char *const gen_words[] = { "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf",
					 "hotel", "india", "juliet", "kilo", "lima", "mike", "november",
					 "oscar", "papa" };

static uint64_t gen_mix(uint64_t x)
{
	x += 0x9E3779B97F4A7C15ull;
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
	x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
	return x ^ (x >> 31);
}

/* Writes v in decimal at p, at least `digits` digits; returns the end. */
static char *gen_put_uint(char *p, uint64_t v, int digits)
{
	char tmp[24];
	int n = 0;
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n < digits)
		tmp[n++] = '0';
	while (n)
		*p++ = tmp[--n];
	return p;
}

/* The value of column c (0-based) of row `row` into p; returns the end. */
static char *gen_put_value(const struct gen_source *g, char *p, uint64_t row, uint64_t c)
{
	uint64_t h = gen_mix(g->seed * 0x100000001B3ull ^ row * 0x9E3779B97F4A7C15ull ^ c);
	if (c == 0)
		return gen_put_uint(p, row, 1);
	switch (c % 4) {
	case 1: {
		const char *w = gen_words[h % 16];
		size_t n = strlen(w);
		memcpy(p, w, n);
		return p + n;
	}
	case 2:
		p = gen_put_uint(p, h % 100000, 1);
		*p++ = '.';
		return gen_put_uint(p, (h >> 20) % 100, 2);
	case 3: {
		uint64_t s = 1700000000ull + row + h % 86400;
		p = gen_put_uint(p, 2025, 4);
		*p++ = '-';
		p = gen_put_uint(p, s / 2592000 % 12 + 1, 2);
		*p++ = '-';
		p = gen_put_uint(p, s / 86400 % 28 + 1, 2);
		*p++ = 'T';
		p = gen_put_uint(p, s / 3600 % 24, 2);
		*p++ = ':';
		p = gen_put_uint(p, s / 60 % 60, 2);
		*p++ = ':';
		p = gen_put_uint(p, s % 60, 2);
		*p++ = 'Z';
		return p;
	}
	default:
		return gen_put_uint(p, h % 1000000, 1);
	}
}

static int gen_open(void *opts, const struct connector_env *env, struct schema *out, struct errbuf *e)
{
	(void)e;
	struct gen_source *g = opts;
	g->batch = env->batch;
	g->metrics = env->metrics;
	g->pace.rate = g->rate;
	g->pace.removed_ns = env->removed_ns;
	g->pace.paced_ns = env->paced_ns;
	/* at low rates, smaller batches keep the pipeline live */
	if (g->rate && g->rate / 10 < g->batch)
		g->batch = g->rate / 10 ? (uint32_t)(g->rate / 10) : 1;
	schema_init(out, (uint32_t)g->columns);
	for (uint64_t i = 0; i < g->columns; i++) {
		char name[32];
		snprintf(name, sizeof name, "col%llu", (unsigned long long)i + 1);
		schema_set_name(out, (uint32_t)i, name);
	}
	return 0;
}

/* Waits until the next n rows are due at the configured rate; 0 when stopped. */
static int gen_wait_for_rate(struct gen_source *g, uint64_t n, const _Atomic int *stop)
{
	if (!g->rate)
		return 1;
	uint64_t now = clock_now_ns();
	uint64_t due = pace_take(&g->pace, n, now);
	while (due > now) {
		if (atomic_load_explicit(stop, memory_order_relaxed))
			return 0;
		uint64_t wait = due - now;
		clock_sleep_ns(wait > 50000000 ? 50000000 : wait);
		now = clock_now_ns();
	}
	return 1;
}

static int gen_read(void *opts, struct batch *b, const _Atomic int *stop, struct errbuf *e)
{
	(void)e;
	struct gen_source *g = opts;
	uint64_t n = g->batch;
	if (g->rows && g->rows - g->next_row < n)
		n = g->rows - g->next_row;
	if (n == 0)
		return 0;
	if (!gen_wait_for_rate(g, n, stop))
		return 0;
	b->first_record = g->next_row + 1;
	buf_reserve(&b->data, (size_t)n * g->columns * 24);
	for (uint64_t i = 0; i < n; i++) {
		uint64_t row = ++g->next_row;
		uint32_t r = batch_add_record(b);
		struct field *f = batch_record(b, r);
		for (uint64_t c = 0; c < g->columns; c++) {
			buf_reserve(&b->data, 32);
			char *start = b->data.p + b->data.len;
			char *end = gen_put_value(g, start, row, c);
			f[c].off = (uint32_t)b->data.len;
			f[c].len = (uint32_t)(end - start);
			b->data.len += f[c].len;
		}
	}
	/* as CSV: a comma after every field but the last, and a newline */
	b->bytes_in = b->data.len + n * g->columns;
	connmetrics_count_wait(g->metrics, b->bytes_in, 0);
	return 1;
}

static void gen_close(void *opts) { (void)opts; }

static void gen_describe(void *opts, char *dst, size_t n)
{
	(void)opts;
	snprintf(dst, n, "generate");
}

static int gen_is_endless(void *opts) { return ((struct gen_source *)opts)->rows == 0; }

const struct source_ops source_generate = {
	.type = "generate",
	.summary = "deterministic rows for load tests",
	.keys = gen_keys,
	.opts_size = sizeof(struct gen_source),
	.open = gen_open,
	.read = gen_read,
	.close = gen_close,
	.describe = gen_describe,
	.is_endless = gen_is_endless,
};
