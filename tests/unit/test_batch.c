/* test_batch.c: unit tests of batches (pipeline/batch.c) and their byte
 * buffers (pipeline/buf.c): adding records and setting fields (empty, null,
 * large), offsets staying valid while the arena grows, reset keeping every
 * buffer and array in place (no reallocation on reuse at the same sizes),
 * huge buffers trimmed on reset, record marks and the nkept count,
 * record errors with their reasons, and records of a batch of no fields. */
#include "autoconfig.h"

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/batch.h"
#include "src/base/buf.h"
#include "tests/unit/unit_main.h"

#define TRIM_LIMIT (16u << 20) /* documented in batch.c: "huge" starts above 16 MiB */

/* The text of field i of record r: "r<r>f<i>" repeated (r + i) % 7 times,
 * so lengths vary and include 0. */
static size_t test_field_text(char *dst, uint32_t r, uint32_t i)
{
	char unit[32];
	int n = snprintf(unit, sizeof unit, "r%uf%u;", r, i);
	size_t len = 0;
	for (uint32_t k = 0; k < (r + i) % 7; k++) {
		memcpy(dst + len, unit, (size_t)n);
		len += (size_t)n;
	}
	return len;
}

/* Fills b with n records of `width` fields as test_field_text says, with
 * field 1 of every fifth record null. */
static void test_fill(struct batch *b, uint32_t width, uint32_t n)
{
	char text[256];
	batch_reserve_records(b, width, n);
	for (uint32_t r = 0; r < n; r++) {
		uint32_t got = batch_add_record(b);
		unit_require(got == r, "record index %u, want %u", got, r);
		for (uint32_t i = 0; i < width; i++) {
			if (i == 1 && r % 5 == 0) {
				batch_set_null(b, r, i);
				continue;
			}
			size_t len = test_field_text(text, r, i);
			batch_set_field(b, r, i, text, len);
		}
	}
}

/* A new batch filled by test_fill. */
static struct batch *test_new_filled(uint32_t width, uint32_t n)
{
	struct batch *b = batch_new();
	test_fill(b, width, n);
	return b;
}

/* Checks every field of the n records test_fill made. */
static void test_check_filled(struct batch *b, uint32_t width, uint32_t n)
{
	char text[256];
	unit_require(b->nrec == n, "nrec %u, want %u", b->nrec, n);
	unit_require(b->width == width, "width %u, want %u", b->width, width);
	for (uint32_t r = 0; r < n; r++) {
		const struct field *f = batch_record(b, r);
		for (uint32_t i = 0; i < width; i++) {
			if (i == 1 && r % 5 == 0) {
				unit_require(f[i].len == FIELD_NULL, "record %u field %u should be null", r, i);
				continue;
			}
			size_t len = test_field_text(text, r, i);
			unit_require(f[i].len == len, "record %u field %u: length %u, want %zu", r, i, f[i].len, len);
			unit_require((size_t)f[i].off + len <= b->data.len, "record %u field %u beyond the arena", r, i);
			unit_require(len == 0 || memcmp(batch_field_ptr(b, f[i]), text, len) == 0,
				     "record %u field %u: wrong bytes", r, i);
		}
	}
}

/* A new batch with room for cap records of width fields, holding one record
 * (of null fields). */
static struct batch *test_one_record(uint32_t width, uint32_t cap)
{
	struct batch *b = batch_new();
	batch_reserve_records(b, width, cap);
	batch_add_record(b);
	return b;
}

START_TEST(test_new_batch_is_empty)
{
	struct batch *b = batch_new();
	ck_assert_ptr_nonnull(b);
	ck_assert_uint_eq(b->nrec, 0);
	ck_assert_uint_eq(b->nkept, 0);
	ck_assert_uint_eq(b->nerrors, 0);
	ck_assert_uint_eq(b->data.len, 0);
	ck_assert_uint_eq(b->seq, 0);
	batch_free(b);
	batch_free(NULL); /* allowed */
}
END_TEST

START_TEST(test_add_records_and_fields)
{
	struct batch *b = batch_new();
	batch_reserve_records(b, 3, 4);
	ck_assert_uint_eq(b->width, 3);
	ck_assert_uint_ge(b->rec_cap, 4);
	ck_assert_uint_ge(b->field_cap, 12);
	uint32_t r0 = batch_add_record(b), r1 = batch_add_record(b);
	ck_assert_uint_eq(r0, 0);
	ck_assert_uint_eq(r1, 1);
	ck_assert_uint_eq(b->nrec, 2);
	ck_assert_uint_eq(b->nkept, 2);
	ck_assert_int_eq(b->marks[0], MARK_KEPT);
	ck_assert_int_eq(b->marks[1], MARK_KEPT);
	batch_set_field(b, 0, 0, "hello", 5);
	batch_set_field(b, 0, 1, "", 0); /* empty, not null */
	batch_set_null(b, 0, 2);
	batch_set_field(b, 1, 2, "a\0b", 3); /* bytes, NUL included */
	batch_set_field(b, 1, 0, "x", 1);
	batch_set_null(b, 1, 1);
	const struct field *f0 = batch_record(b, 0), *f1 = batch_record(b, 1);
	ck_assert_uint_eq(f0[0].len, 5);
	ck_assert_mem_eq(batch_field_ptr(b, f0[0]), "hello", 5);
	ck_assert_uint_eq(f0[1].len, 0);
	ck_assert_uint_ne(f0[1].len, FIELD_NULL);
	ck_assert_uint_eq(f0[2].len, FIELD_NULL);
	ck_assert_uint_eq(f1[2].len, 3);
	ck_assert_mem_eq(batch_field_ptr(b, f1[2]), "a\0b", 3);
	ck_assert_uint_eq(f1[0].len, 1);
	ck_assert_mem_eq(batch_field_ptr(b, f1[0]), "x", 1);
	ck_assert_uint_eq(f1[1].len, FIELD_NULL);
	ck_assert_uint_eq(b->data.len, 5 + 0 + 3 + 1);
	/* the same slot set twice: the last value counts */
	batch_set_field(b, 0, 0, "bye", 3);
	ck_assert_uint_eq(batch_record(b, 0)[0].len, 3);
	ck_assert_mem_eq(batch_field_ptr(b, batch_record(b, 0)[0]), "bye", 3);
	batch_free(b);
}
END_TEST

START_TEST(test_empty_field_in_empty_arena)
{
	/* a 0-length field as the first bytes of a batch */
	struct batch *b = test_one_record(2, 1);
	batch_set_field(b, 0, 0, "", 0);
	batch_set_field(b, 0, 1, "z", 1);
	ck_assert_uint_eq(batch_record(b, 0)[0].len, 0);
	ck_assert_uint_eq(batch_record(b, 0)[1].len, 1);
	ck_assert_mem_eq(batch_field_ptr(b, batch_record(b, 0)[1]), "z", 1);
	batch_free(b);
}
END_TEST

START_TEST(test_growth_keeps_offsets_valid)
{
	/* far more records than reserved, and an arena that grows many times:
	 * every field is still read back intact afterwards */
	struct batch *b = batch_new();
	batch_reserve_records(b, 4, 8);
	char text[256];
	uint32_t n = 20000;
	for (uint32_t r = 0; r < n; r++) {
		batch_add_record(b);
		for (uint32_t i = 0; i < 4; i++) {
			if (i == 1 && r % 5 == 0) {
				batch_set_null(b, r, i);
				continue;
			}
			batch_set_field(b, r, i, text, test_field_text(text, r, i));
		}
	}
	ck_assert_uint_ge(b->rec_cap, n);
	ck_assert_uint_ge(b->field_cap, (size_t)n * 4);
	ck_assert_uint_le(b->data.len, b->data.cap);
	test_check_filled(b, 4, n);
	/* one large field in between */
	struct batch *c = batch_new();
	batch_reserve_records(c, 1, 1);
	size_t big = 3u << 20;
	char *blob = malloc(big);
	ck_assert_ptr_nonnull(blob);
	for (size_t k = 0; k < big; k++)
		blob[k] = (char)(k * 31 + 7);
	batch_add_record(c);
	batch_set_field(c, 0, 0, "head", 4);
	batch_add_record(c);
	batch_set_field(c, 1, 0, blob, big);
	batch_add_record(c);
	batch_set_field(c, 2, 0, "tail", 4);
	ck_assert_mem_eq(batch_field_ptr(c, batch_record(c, 0)[0]), "head", 4);
	ck_assert_uint_eq(batch_record(c, 1)[0].len, big);
	ck_assert_int_eq(memcmp(batch_field_ptr(c, batch_record(c, 1)[0]), blob, big), 0);
	ck_assert_mem_eq(batch_field_ptr(c, batch_record(c, 2)[0]), "tail", 4);
	free(blob);
	batch_free(c);
	batch_free(b);
}
END_TEST

START_TEST(test_reset_clears_state)
{
	struct batch *b = test_new_filled(3, 100);
	b->seq = 7;
	b->first_record = 1001;
	b->first_line = 1002;
	b->bytes_in = 12345;
	b->work_ns = 99;
	buf_append(&b->raw, "raw bytes", 9);
	buf_append(&b->out, "out bytes", 9);
	batch_mark_error(b, 3, 1, "bad", 3);
	batch_mark_filtered(b, 4);
	batch_reset(b);
	ck_assert_uint_eq(b->nrec, 0);
	ck_assert_uint_eq(b->nkept, 0);
	ck_assert_uint_eq(b->nerrors, 0);
	ck_assert_uint_eq(b->seq, 0);
	ck_assert_uint_eq(b->first_record, 0);
	ck_assert_uint_eq(b->first_line, 0);
	ck_assert_uint_eq(b->bytes_in, 0);
	ck_assert_uint_eq(b->work_ns, 0);
	ck_assert_uint_eq(b->data.len, 0);
	ck_assert_uint_eq(b->raw.len, 0);
	ck_assert_uint_eq(b->out.len, 0);
	ck_assert_uint_eq(b->errtext.len, 0);
	/* and it works again: the new records are kept, not the old marks */
	test_fill(b, 3, 50);
	ck_assert_uint_eq(b->nkept, 50);
	for (uint32_t r = 0; r < 50; r++)
		ck_assert_int_eq(b->marks[r], MARK_KEPT);
	test_check_filled(b, 3, 50);
	batch_free(b);
}
END_TEST

/* The working set test_reset_keeps_capacity puts in a batch: records,
 * raw and out bytes, record errors. */
static void test_fill_working_set(struct batch *b)
{
	test_fill(b, 5, 1000);
	buf_append(&b->raw, "0123456789", 10);
	buf_reserve(&b->raw, 100000);
	buf_reserve(&b->out, 200000);
	b->out.len = 150000;
	for (uint32_t r = 0; r < 40; r++)
		batch_mark_error(b, r, 2, "a reason of some length", 23);
}

/* b's arrays and buffers are still where w (a copy of b's struct taken
 * earlier) says and data's capacity is the same; with all_caps, every other
 * capacity is the same too. */
static void test_check_places(const struct batch *b, const struct batch *w, int all_caps)
{
	ck_assert_ptr_eq(b->fields, w->fields);
	ck_assert_ptr_eq(b->marks, w->marks);
	ck_assert_ptr_eq(b->errors, w->errors);
	ck_assert_ptr_eq(b->data.p, w->data.p);
	ck_assert_ptr_eq(b->raw.p, w->raw.p);
	ck_assert_ptr_eq(b->out.p, w->out.p);
	ck_assert_ptr_eq(b->errtext.p, w->errtext.p);
	ck_assert_uint_eq(b->data.cap, w->data.cap);
	if (!all_caps)
		return;
	ck_assert_uint_eq(b->raw.cap, w->raw.cap);
	ck_assert_uint_eq(b->out.cap, w->out.cap);
	ck_assert_uint_eq(b->errtext.cap, w->errtext.cap);
	ck_assert_uint_eq(b->field_cap, w->field_cap);
	ck_assert_uint_eq(b->rec_cap, w->rec_cap);
	ck_assert_uint_eq(b->errors_cap, w->errors_cap);
}

START_TEST(test_reset_keeps_capacity)
{
	/* the record path's promise: once a batch has held a working set, using
	 * it again for the same sizes reallocates nothing */
	struct batch *b = batch_new();
	test_fill_working_set(b);
	/* where the arrays and buffers are, and their capacities */
	const struct batch w = *b;
	for (int round = 0; round < 5; round++) {
		batch_reset(b);
		test_check_places(b, &w, 1);
		/* the same work again */
		test_fill_working_set(b);
		test_check_places(b, &w, 0);
		test_check_filled(b, 5, 1000);
	}
	/* fewer records or a narrower schema fit in what is there too */
	batch_reset(b);
	test_fill(b, 2, 700);
	ck_assert_ptr_eq(b->fields, w.fields);
	ck_assert_ptr_eq(b->marks, w.marks);
	ck_assert_ptr_eq(b->data.p, w.data.p);
	test_check_filled(b, 2, 700);
	batch_free(b);
}
END_TEST

START_TEST(test_add_record_slots_empty)
{
	/* "Appends a record of `width` null fields": a record added to a
	 * reused batch must not show the fields of the batch's previous use */
	struct batch *b = test_one_record(2, 4);
	batch_set_field(b, 0, 0, "old-value", 9);
	batch_set_field(b, 0, 1, "other", 5);
	batch_reset(b);
	batch_reserve_records(b, 2, 4);
	uint32_t r = batch_add_record(b);
	const struct field *f = batch_record(b, r);
	for (uint32_t i = 0; i < 2; i++)
		ck_assert_msg(f[i].len == FIELD_NULL, "field %u of a new record has length %u, not null", i, f[i].len);
	batch_free(b);
}
END_TEST

START_TEST(test_trim_huge_buffers)
{
	/* a buffer grown above 16 MiB by one huge record is released on reset;
	 * one of exactly 16 MiB is kept */
	struct batch *b = batch_new();
	size_t huge = TRIM_LIMIT + 1;
	char *blob = calloc(1, huge);
	ck_assert_ptr_nonnull(blob);
	batch_reserve_records(b, 1, 2);
	batch_add_record(b);
	batch_set_field(b, 0, 0, blob, huge);
	buf_append(&b->raw, blob, huge);
	buf_append(&b->out, blob, huge);
	buf_append(&b->errtext, blob, huge);
	ck_assert_uint_gt(b->data.cap, TRIM_LIMIT);
	batch_reset(b);
	ck_assert_ptr_null(b->data.p);
	ck_assert_uint_eq(b->data.cap, 0);
	ck_assert_ptr_null(b->raw.p);
	ck_assert_uint_eq(b->raw.cap, 0);
	ck_assert_ptr_null(b->out.p);
	ck_assert_uint_eq(b->out.cap, 0);
	ck_assert_ptr_null(b->errtext.p);
	ck_assert_uint_eq(b->errtext.cap, 0);
	/* usable again afterwards */
	batch_add_record(b);
	batch_set_field(b, 0, 0, "after", 5);
	ck_assert_mem_eq(batch_field_ptr(b, batch_record(b, 0)[0]), "after", 5);
	batch_reset(b);

	/* exactly the limit: kept */
	batch_add_record(b);
	batch_set_field(b, 0, 0, blob, TRIM_LIMIT);
	ck_assert_uint_eq(b->data.cap, TRIM_LIMIT);
	char *p = b->data.p;
	batch_reset(b);
	ck_assert_ptr_eq(b->data.p, p);
	ck_assert_uint_eq(b->data.cap, TRIM_LIMIT);
	free(blob);
	batch_free(b);
}
END_TEST

START_TEST(test_buf_basics)
{
	struct buf x = { 0 };
	buf_append(&x, "", 0);
	ck_assert_uint_eq(x.len, 0);
	buf_append_str(&x, "abc");
	buf_append_byte(&x, 'd');
	buf_append(&x, "efg", 3);
	ck_assert_uint_eq(x.len, 7);
	ck_assert_mem_eq(x.p, "abcdefg", 7);
	ck_assert_uint_ge(x.cap, 256); /* the first growth */
	size_t cap = x.cap;
	buf_reserve(&x, cap - x.len); /* fits: no growth */
	ck_assert_uint_eq(x.cap, cap);
	buf_reserve(&x, cap); /* does not fit: at least doubles */
	ck_assert_uint_ge(x.cap, x.len + cap);
	ck_assert_mem_eq(x.p, "abcdefg", 7);
	buf_trim(&x, 1u << 20); /* under the limit: kept, emptied */
	ck_assert_ptr_nonnull(x.p);
	ck_assert_uint_eq(x.len, 0);
	buf_trim(&x, 16); /* over: released */
	ck_assert_ptr_null(x.p);
	ck_assert_uint_eq(x.cap, 0);
	buf_free(&x);
	buf_free(&x); /* twice is fine */
}
END_TEST

START_TEST(test_marks_and_nkept)
{
	struct batch *b = test_new_filled(2, 10);
	ck_assert_uint_eq(b->nkept, 10);
	batch_mark_filtered(b, 2);
	ck_assert_uint_eq(b->nkept, 9);
	ck_assert_int_eq(b->marks[2], MARK_FILTERED);
	batch_mark_filtered(b, 2); /* already filtered: counted once */
	ck_assert_uint_eq(b->nkept, 9);
	batch_mark_error(b, 5, 1, "why", 3);
	ck_assert_uint_eq(b->nkept, 8);
	ck_assert_int_eq(b->marks[5], MARK_ERROR);
	batch_mark_error(b, 2, 1, "filtered then failed", 20); /* was not kept */
	ck_assert_uint_eq(b->nkept, 8);
	ck_assert_int_eq(b->marks[2], MARK_ERROR);
	batch_mark_filtered(b, 5); /* a failed record filtered later: not kept either way */
	ck_assert_uint_eq(b->nkept, 8);
	/* the invariant the destination relies on */
	uint32_t kept = 0, filtered = 0, failed = 0;
	for (uint32_t r = 0; r < b->nrec; r++) {
		kept += b->marks[r] == MARK_KEPT;
		filtered += b->marks[r] == MARK_FILTERED;
		failed += b->marks[r] == MARK_ERROR;
	}
	ck_assert_uint_eq(kept, b->nkept);
	ck_assert_uint_eq(kept + filtered + failed, b->nrec);
	/* new records after marking are kept */
	uint32_t r = batch_add_record(b);
	ck_assert_int_eq(b->marks[r], MARK_KEPT);
	ck_assert_uint_eq(b->nkept, 9);
	/* everything filtered */
	for (uint32_t k = 0; k < b->nrec; k++)
		batch_mark_filtered(b, k);
	ck_assert_uint_eq(b->nkept, 0);
	batch_free(b);
}
END_TEST

START_TEST(test_errors_with_reasons)
{
	struct batch *b = test_new_filled(2, 200);
	/* more errors than the first allocation holds; reasons of every
	 * length, including 0 */
	char reason[64];
	for (uint32_t r = 0; r < 100; r++) {
		int n = snprintf(reason, sizeof reason, "reason %u", r);
		size_t len = r % 10 == 0 ? 0 : (size_t)n;
		struct batch_error *e = batch_mark_error(b, r * 2, r % 3, reason, len);
		ck_assert_ptr_eq(e, &b->errors[r]);
		ck_assert_uint_eq(e->rec, r * 2);
		ck_assert_uint_eq(e->stage, r % 3);
		ck_assert_uint_eq(e->deadletter_len, 0);
	}
	ck_assert_uint_eq(b->nerrors, 100);
	ck_assert_uint_ge(b->errors_cap, 100);
	ck_assert_uint_eq(b->nkept, 100);
	for (uint32_t r = 0; r < 100; r++) {
		const struct batch_error *e = &b->errors[r];
		int n = snprintf(reason, sizeof reason, "reason %u", r);
		size_t len = r % 10 == 0 ? 0 : (size_t)n;
		ck_assert_uint_eq(e->reason_len, len);
		/* the reason is NUL-terminated in place */
		const char *got = batch_error_reason(b, e);
		if (len)
			ck_assert_str_eq(got, reason);
		else
			ck_assert_str_eq(got, "");
		ck_assert_uint_eq(e->rec, r * 2);
	}
	batch_free(b);
}
END_TEST

/* A batch of no fields (a JSON input whose first records have no keys):
 * its records still have a place, so that batch_record never does
 * arithmetic on a null pointer (UBSan: "applying zero offset to null
 * pointer", found by fuzz_json). */
START_TEST(test_width_zero_records)
{
	struct batch *b = batch_new();
	batch_reserve_records(b, 0, 64);
	for (uint32_t i = 0; i < 3; i++) {
		uint32_t r = batch_add_record(b);
		ck_assert_uint_eq(r, i);
		ck_assert_ptr_nonnull(batch_record(b, r));
	}
	ck_assert_uint_eq(b->nrec, 3);
	ck_assert_uint_eq(b->nkept, 3);
	batch_free(b);
}
END_TEST

START_TEST(test_reserve_changes_width)
{
	/* a batch reused for a wider schema gets room for the wider records */
	struct batch *b = test_new_filled(2, 300);
	batch_reset(b);
	test_fill(b, 9, 300);
	ck_assert_uint_ge(b->field_cap, 9 * 300);
	test_check_filled(b, 9, 300);
	batch_reset(b);
	/* and records added past the reservation of a wide schema */
	batch_reserve_records(b, 9, 1);
	for (uint32_t r = 0; r < 1000; r++)
		batch_add_record(b);
	ck_assert_uint_ge(b->field_cap, 9 * 1000);
	ck_assert_uint_ge(b->rec_cap, 1000);
	batch_set_field(b, 999, 8, "last", 4);
	ck_assert_mem_eq(batch_field_ptr(b, batch_record(b, 999)[8]), "last", 4);
	batch_free(b);
}
END_TEST

static Suite *batch_suite(void)
{
	Suite *s = suite_create("batch");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_new_batch_is_empty);
	tcase_add_test(tc, test_add_records_and_fields);
	tcase_add_test(tc, test_empty_field_in_empty_arena);
	tcase_add_test(tc, test_growth_keeps_offsets_valid);
	tcase_add_test(tc, test_reset_clears_state);
	tcase_add_test(tc, test_reset_keeps_capacity);
	tcase_add_test(tc, test_add_record_slots_empty);
	tcase_add_test(tc, test_trim_huge_buffers);
	tcase_add_test(tc, test_buf_basics);
	tcase_add_test(tc, test_marks_and_nkept);
	tcase_add_test(tc, test_errors_with_reasons);
	tcase_add_test(tc, test_reserve_changes_width);
	tcase_add_test(tc, test_width_zero_records);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run_suite(batch_suite());
}
