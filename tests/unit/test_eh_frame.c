/* test_eh_frame.c: unit tests for src/eh_frame.c on .eh_frame sections
 * built byte by byte as the LSB's "Exception Frames" describes them (CIEs
 * with "zR", "zPLR" and no augmentation; pc-relative and absolute pointer
 * encodings; 32- and 64-bit lengths), and on damaged ones. */
#include "autoconfig.h"

#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "src/symbols/eh_frame.h"
#include "tests/unit/unit_main.h"

#define SEC 0x1000u /* the section's link-time address */

struct sec {
	unsigned char b[1024];
	size_t n;
};

static void put(struct sec *s, uint64_t v, size_t size)
{
	for (size_t i = 0; i < size; i++)
		s->b[s->n++] = (unsigned char)(v >> (8 * i));
}

static void put_str(struct sec *s, const char *str)
{
	size_t n = strlen(str) + 1;
	memcpy(s->b + s->n, str, n);
	s->n += n;
}

/* Sets the 4-byte length at `at` to what follows it up to the end. */
static void close_record(struct sec *s, size_t at)
{
	while ((s->n - at) % 4)
		put(s, 0, 1); /* DW_CFA_nop */
	uint32_t len = (uint32_t)(s->n - at - 4);
	memcpy(s->b + at, &len, 4);
}

/* A CIE of augmentation aug with n bytes of augmentation data (after
 * their length, when aug begins with 'z'); returns its offset. */
static size_t cie(struct sec *s, const char *aug, const unsigned char *data, size_t n)
{
	size_t at = s->n;
	put(s, 0, 4);       /* length, set at the end */
	put(s, 0, 4);       /* CIE id */
	put(s, 1, 1);       /* version */
	put_str(s, aug);
	put(s, 1, 1);       /* code alignment 1 */
	put(s, 0x78, 1);    /* data alignment -8 */
	put(s, 16, 1);      /* return address register */
	if (aug[0] == 'z')
		put(s, n, 1);
	for (size_t i = 0; i < n; i++)
		put(s, data[i], 1);
	close_record(s, at);
	return at;
}

/* A CIE "zR" with FDE pointers in encoding enc. */
static size_t cie_zr(struct sec *s, unsigned enc)
{
	unsigned char data[1] = { (unsigned char)enc };
	return cie(s, "zR", data, 1);
}

/* An FDE of [start, start + len) for the CIE at c, pc-relative sdata4. */
static void fde_pcrel(struct sec *s, size_t c, uint64_t start, uint32_t len)
{
	size_t at = s->n;
	put(s, 0, 4);
	put(s, s->n - c, 4); /* the distance back to the CIE, from this field */
	put(s, (uint32_t)(int32_t)(int64_t)(start - (SEC + s->n)), 4);
	put(s, len, 4);
	put(s, 0, 1); /* augmentation data: none */
	close_record(s, at);
}

/* eh_frame_ranges finds in s (at SEC) the n ranges of want, { start, end }
 * each, in that order. */
static void check_ranges(const struct sec *s, const uint64_t (*want)[2], size_t nwant)
{
	size_t n = 0;
	struct eh_range *r = eh_frame_ranges(s->b, s->n, SEC, &n);
	ck_assert_uint_eq(n, nwant);
	for (size_t i = 0; i < nwant; i++) {
		ck_assert_uint_eq(r[i].start, want[i][0]);
		ck_assert_uint_eq(r[i].end, want[i][1]);
	}
	free(r);
}

START_TEST(ranges_of_pcrel_fdes_sorted)
{
	struct sec s = { .n = 0 };
	size_t c = cie_zr(&s, 0x1b); /* DW_EH_PE_pcrel | DW_EH_PE_sdata4 */
	fde_pcrel(&s, c, 0x2000, 0x40);
	fde_pcrel(&s, c, 0x1800, 0x20);  /* earlier code, later in the table */
	fde_pcrel(&s, c, 0x0, 0x10);     /* code the linker dropped: pc 0 */
	fde_pcrel(&s, c, 0x400, 0x100);  /* code before the section */
	put(&s, 0, 4);                     /* the terminator */
	check_ranges(&s, (const uint64_t[][2]){ { 0x400, 0x500 }, { 0x1800, 0x1820 }, { 0x2000, 0x2040 } }, 3);
}
END_TEST

/* A C++ CIE: personality (indirect, pc-relative), LSDA encoding, then R;
 * and an FDE with a 64-bit length and an LSDA pointer in its augmentation. */
START_TEST(personality_lsda_and_64_bit_length)
{
	struct sec s = { .n = 0 };
	/* P: indirect | pcrel | sdata4 and a pointer; L and R: pcrel | sdata4 */
	static const unsigned char aug[] = { 0x9b, 0x78, 0x56, 0x34, 0x12, 0x1b, 0x1b };
	size_t c = cie(&s, "zPLR", aug, sizeof aug);
	put(&s, 0xffffffffu, 4);
	size_t len_at = s.n;
	put(&s, 0, 8);
	put(&s, s.n - c, 4);
	put(&s, (uint32_t)(int32_t)(int64_t)(0x3000 - (SEC + s.n)), 4);
	put(&s, 0x80, 4);
	put(&s, 4, 1);    /* augmentation data: the LSDA pointer */
	put(&s, 0, 4);
	uint64_t len = s.n - len_at - 8;
	memcpy(s.b + len_at, &len, 8);
	put(&s, 0, 4);
	check_ranges(&s, (const uint64_t[][2]){ { 0x3000, 0x3080 } }, 1);
}
END_TEST

/* No augmentation: pointers are absolute, 8 bytes. */
START_TEST(absolute_pointers)
{
	struct sec s = { .n = 0 };
	size_t c = cie(&s, "", NULL, 0);
	size_t at = s.n;
	put(&s, 0, 4);
	put(&s, s.n - c, 4);
	put(&s, 0x7000, 8);
	put(&s, 0x33, 8);
	close_record(&s, at);
	/* no terminator: the end of the section */
	check_ranges(&s, (const uint64_t[][2]){ { 0x7000, 0x7033 } }, 1);
}
END_TEST

/* A record that claims more than the section holds, or an FDE whose CIE
 * pointer leads outside, ends the walk; what came before stays. */
START_TEST(damaged_sections)
{
	struct sec s = { .n = 0 };
	size_t c = cie_zr(&s, 0x1b);
	fde_pcrel(&s, c, 0x2000, 0x40);
	size_t good = s.n;
	put(&s, 0x1000, 4); /* a length past the end */
	put(&s, 1, 4);
	size_t n = 0;
	struct eh_range *r = eh_frame_ranges(s.b, s.n, SEC, &n);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(r[0].start, 0x2000);
	free(r);

	s.n = good;
	put(&s, 8, 4);
	put(&s, 0x7fffffff, 4); /* a CIE pointer before the section */
	put(&s, 0, 4);
	r = eh_frame_ranges(s.b, s.n, SEC, &n);
	ck_assert_uint_eq(n, 1);
	free(r);

	/* an unknown augmentation letter: its FDEs are not read */
	struct sec t = { .n = 0 };
	size_t c2 = cie(&t, "zX", NULL, 0);
	fde_pcrel(&t, c2, 0x2000, 0x40);
	r = eh_frame_ranges(t.b, t.n, SEC, &n);
	ck_assert_uint_eq(n, 0);
	free(r);

	/* nothing at all, and cut lengths */
	r = eh_frame_ranges(s.b, 0, SEC, &n);
	ck_assert_uint_eq(n, 0);
	r = eh_frame_ranges(s.b, 3, SEC, &n);
	ck_assert_uint_eq(n, 0);
	free(r);
}
END_TEST

static Suite *eh_frame_suite(void)
{
	Suite *s = suite_create("eh_frame");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, ranges_of_pcrel_fdes_sorted);
	tcase_add_test(tc, personality_lsda_and_64_bit_length);
	tcase_add_test(tc, absolute_pointers);
	tcase_add_test(tc, damaged_sections);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run_suite(eh_frame_suite());
}
