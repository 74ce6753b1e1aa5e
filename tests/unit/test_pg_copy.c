/* test_pg_copy.c: unit tests for PostgreSQL's COPY text format
 * (connectors/pg_copy.c): escapes the server writes (octal, hex, \b ...),
 * nulls, empty fields, rows of the wrong width, every byte value through
 * encode then parse, and each escaped byte at each place of a value (the
 * encoder reads eight bytes at a time; its wide form also reads past the
 * value, which must change nothing). */
#include "autoconfig.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "../../connectors/pg_copy.h"
#include "tests/unit/unit_main.h"

/* Parses row into at most 8 fields; returns the field count. */
static uint32_t parse(const char *row, struct buf *data, struct field *f)
{
	data->len = 0;
	buf_reserve(data, strlen(row) + 1);
	return pg_copy_parse_row(row, strlen(row), data, f, 8);
}

static int field_is(const struct buf *data, struct field f, const char *want, size_t n)
{
	return f.len != FIELD_NULL && f.len == n && !memcmp(data->p + f.off, want, n);
}

START_TEST(test_fields_nulls_and_escapes)
{
	struct buf data = { 0 };
	struct field f[8];
	ck_assert_uint_eq(parse("a\t\\N\t\tx\\ty\\\\\\nz\t\\101\\x41\\x4a\\b\\f\\v\\r\\q", &data, f), 5);
	ck_assert(field_is(&data, f[0], "a", 1));
	ck_assert_uint_eq(f[1].len, FIELD_NULL);
	ck_assert(field_is(&data, f[2], "", 0));
	ck_assert(field_is(&data, f[3], "x\ty\\\nz", 6));
	ck_assert(field_is(&data, f[4], "AAJ\b\f\v\rq", 8));
	/* \N inside a longer field is not null; an escaped tab is no separator */
	ck_assert_uint_eq(parse("\\Nx\t\\\\N\tq\\\tr", &data, f), 3);
	ck_assert(field_is(&data, f[0], "Nx", 2));
	ck_assert(field_is(&data, f[1], "\\N", 2));
	ck_assert(field_is(&data, f[2], "q\tr", 3));
	/* one empty field; more fields than room: counted, not stored */
	ck_assert_uint_eq(parse("", &data, f), 1);
	ck_assert(field_is(&data, f[0], "", 0));
	ck_assert_uint_eq(parse("1\t2\t3\t4\t5\t6\t7\t8\t9\t10", &data, f), 10);
	ck_assert(field_is(&data, f[7], "8", 1));
	buf_free(&data);
}
END_TEST

START_TEST(test_every_byte_round_trip)
{
	char value[300], enc[700];
	size_t n = 0;
	for (int c = 1; c < 256; c++)
		value[n++] = (char)c;
	memcpy(value + n, "\\N\\\\", 4);
	n += 4;
	char *end = pg_copy_write_field(enc, value, n, '\t');
	ck_assert_uint_le((size_t)(end - enc), PG_COPY_BOUND(n));
	ck_assert_ptr_null(memchr(enc, '\t', (size_t)(end - enc)));
	ck_assert_ptr_null(memchr(enc, '\n', (size_t)(end - enc)));
	ck_assert_ptr_null(memchr(enc, '\r', (size_t)(end - enc)));
	struct buf data = { 0 };
	buf_reserve(&data, (size_t)(end - enc));
	struct field f[2];
	ck_assert_uint_eq(pg_copy_parse_row(enc, (size_t)(end - enc), &data, f, 2), 1);
	ck_assert(field_is(&data, f[0], value, n));
	buf_free(&data);
}
END_TEST

/* The escapes one byte at a time, as the COPY text format defines them. */
static size_t escape_slowly(char *o, const char *s, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		const char *esc = s[i] == '\\' ? "\\\\" : s[i] == '\t' ? "\\t" : s[i] == '\n' ? "\\n" : s[i] == '\r' ? "\\r" : NULL;
		if (esc) {
			memcpy(o + k, esc, 2);
			k += 2;
		} else {
			o[k++] = s[i];
		}
	}
	return k;
}

START_TEST(test_escape_at_every_place)
{
	/* the escaped bytes, and control bytes beside them that stay as they are */
	static const char specials[] = { '\\', '\t', '\n', '\r', 0, 1, '\b', '\v', '\f', 0x0e, 0x1f };
	char value[40], want[80], got[80];
	for (size_t n = 0; n <= 33; n++)
		for (size_t at = 0; at < n; at++)
			for (size_t k = 0; k < sizeof specials; k++) {
				for (size_t i = 0; i < n; i++)
					value[i] = (char)('a' + i % 26);
				value[at] = specials[k];
				if (at + 9 < n)
					value[at + 9] = '\\'; /* two in one value, words apart */
				/* past the value: read by the wide form, never escaped */
				memset(value + n, k % 2 ? '\\' : '\n', 7);
				size_t wn = escape_slowly(want, value, n);
				char *end = pg_copy_write_field(got, value, n, '\t');
				ck_assert_uint_eq((size_t)(end - got), wn);
				ck_assert(!memcmp(got, want, wn));
				end = pg_copy_write_field_wide(got, value, n, '\t');
				ck_assert_uint_eq((size_t)(end - got), wn);
				ck_assert(!memcmp(got, want, wn));
			}
}
END_TEST

static Suite *pg_copy_suite(void)
{
	Suite *s = suite_create("pg_copy");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_fields_nulls_and_escapes);
	tcase_add_test(tc, test_every_byte_round_trip);
	tcase_add_test(tc, test_escape_at_every_place);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run_suite(pg_copy_suite());
}
