/* test_api_rows.c: the warehouse destinations' requests (api_rows_write),
 * as nebtop.ini(5) promises them for bigquery and snowflake: every kept
 * record's row sent once and in order, requests of at most max_rows rows
 * and max_request_bytes bytes (the fixed part, each row's text and its
 * per-row and between-row bytes counted), and a request ended only when the
 * next row would not fit in it; records not kept (filtered, failed before)
 * are never sent. Random rows and limits, with a reference count of the
 * bytes written here from that promise. */
#include "autoconfig.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

#include "connectors/api_rows.h"
#include "pipeline/batch.h"
#include "src/base/errbuf.h"
#include "tests/unit/unit_main.h"
#include "tests/unit/unit_random.h"

#define ROWS_MAX 300

/* What the requests carried. */
struct rows_seen {
	const struct api_request_size *sz;
	uint32_t rec[ROWS_MAX];	 /* the records sent, in order */
	uint32_t len[ROWS_MAX];	 /* their rows' lengths */
	size_t nsent;
	size_t start[ROWS_MAX + 1]; /* where each request began in rec[] */
	size_t nreq;
	int fail_at; /* the request that fails (-1: none) */
};

static size_t rows_bytes(const struct api_request_size *sz, const uint32_t *len, size_t n)
{
	size_t bytes = sz->fixed;
	for (size_t i = 0; i < n; i++)
		bytes += len[i] + sz->per_row + (i ? sz->between : 0);
	return bytes;
}

static int rows_send(void *ctx, struct batch *b, struct api_row *rows, size_t n, struct worker *w, struct errbuf *e)
{
	(void)w;
	(void)e;
	struct rows_seen *s = ctx;
	unit_require(n > 0, "an empty request");
	if ((int)s->nreq == s->fail_at)
		return -1;
	s->start[s->nreq++] = s->nsent;
	for (size_t i = 0; i < n; i++) {
		/* the row is the record's line of b->out */
		const char *p = b->out.p + rows[i].off;
		char want[32];
		int k = snprintf(want, sizeof want, "r%u:", rows[i].rec);
		unit_require(rows[i].len >= (uint32_t)k && !memcmp(p, want, (size_t)k), "row %zu is not record %u's",
			     i, rows[i].rec);
		unit_require(rows[i].off + rows[i].len == b->out.len || p[rows[i].len] == '\n',
			     "record %u's row does not end at its line's end", rows[i].rec);
		s->rec[s->nsent] = rows[i].rec;
		s->len[s->nsent++] = rows[i].len;
	}
	return 0;
}

/* A batch of n records, some not kept, whose kept ones have rows "rN:xxx" of
 * random lengths in b->out. */
static struct batch *rows_batch(uint32_t *st, uint32_t n, uint32_t *kept, uint32_t *nkept)
{
	struct batch *b = batch_new();
	batch_reserve_records(b, 1, n);
	*nkept = 0;
	for (uint32_t r = 0; r < n; r++) {
		unit_require(batch_add_record(b) == r, "record %u", r);
		if (unit_random_next(st) % 5 == 0) {
			b->marks[r] = MARK_FILTERED;
			continue;
		}
		char head[32];
		int k = snprintf(head, sizeof head, "r%u:", r);
		buf_append(&b->out, head, (size_t)k);
		for (uint32_t i = unit_random_next(st) % 200; i--;)
			buf_append_byte(&b->out, 'x');
		buf_append_byte(&b->out, '\n');
		kept[(*nkept)++] = r;
	}
	if (b->out.len && unit_random_next(st) % 2) /* the last row without its LF */
		b->out.len--;
	return b;
}

START_TEST(test_requests_within_limits)
{
	uint32_t st = 0x5eed1234u;
	for (int round = 0; round < 500; round++) {
		uint32_t kept[ROWS_MAX], nkept;
		struct batch *b = rows_batch(&st, 1 + unit_random_next(&st) % 250, kept, &nkept);
		struct api_request_size sz = {
			.fixed = unit_random_next(&st) % 64,
			.per_row = unit_random_next(&st) % 3 ? 0 : unit_random_next(&st) % 40,
			.between = unit_random_next(&st) % 2,
			.max_rows = 1 + unit_random_next(&st) % 60,
			.request = "a request",
			.row = "row",
		};
		/* room for the longest row alone (204 bytes), so that none fails */
		sz.max_bytes = sz.fixed + sz.per_row + 204 + unit_random_next(&st) % 3000;
		struct api_row rows[ROWS_MAX];
		struct rows_seen s = { .sz = &sz, .fail_at = -1 };
		struct errbuf e;
		unit_require(api_rows_write(b, NULL, rows, &sz, rows_send, &s, &e) == 0, "round %d failed", round);
		/* every kept record once, in order */
		unit_require(s.nsent == nkept, "round %d: %zu rows sent of %u kept", round, s.nsent, nkept);
		for (size_t i = 0; i < nkept; i++)
			unit_require(s.rec[i] == kept[i], "round %d: row %zu is record %u, not %u", round, i, s.rec[i],
				     kept[i]);
		s.start[s.nreq] = s.nsent;
		for (size_t q = 0; q < s.nreq; q++) {
			size_t first = s.start[q], n = s.start[q + 1] - first, bytes = rows_bytes(&sz, s.len + first, n);
			unit_require(n <= sz.max_rows, "round %d: request %zu has %zu rows", round, q, n);
			unit_require(bytes <= sz.max_bytes, "round %d: request %zu has %zu bytes, max_bytes %llu", round,
				     q, bytes, (unsigned long long)sz.max_bytes);
			/* it ended because the next row did not fit */
			unit_require(q + 1 == s.nreq || n == sz.max_rows ||
					 rows_bytes(&sz, s.len + first, n + 1) > sz.max_bytes,
				     "round %d: request %zu ended before it was full", round, q);
		}
		batch_free(b);
	}
}
END_TEST

/* A request that fails stops the batch there: nothing after it is sent. */
START_TEST(test_failed_request_stops)
{
	uint32_t st = 7, kept[ROWS_MAX], nkept;
	struct batch *b = rows_batch(&st, 200, kept, &nkept);
	struct api_request_size sz = { .max_rows = 10, .max_bytes = 1 << 20, .request = "a request", .row = "row" };
	struct api_row rows[ROWS_MAX];
	struct rows_seen s = { .sz = &sz, .fail_at = 3 };
	struct errbuf e;
	ck_assert_int_eq(api_rows_write(b, NULL, rows, &sz, rows_send, &s, &e), -1);
	ck_assert_uint_eq(s.nreq, 3);
	ck_assert_uint_eq(s.nsent, 30);
	batch_free(b);
}
END_TEST

static Suite *api_rows_suite(void)
{
	Suite *s = suite_create("api_rows");
	TCase *tc = tcase_create("core");
	/* the sanitizer builds on a loaded machine: Check's 4 s is not a bound */
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_requests_within_limits);
	tcase_add_test(tc, test_failed_request_stops);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run_suite(api_rows_suite());
}
