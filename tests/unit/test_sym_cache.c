/* test_sym_cache.c: the symbolizer's cache on disk (sym_cache.h). A first
 * symbolizer saves the function and line tables it reads in a folder, a
 * second reads them from there and opens no ELF file for them, and both
 * answer every lookup (function, start, file, line) as a symbolizer without
 * a cache does; damaged cache files (truncated, bytes changed, with their
 * checksum made right again or not, of another object) are ignored and
 * never crash the symbolizer; the folder keeps at most SYM_CACHE_MAX_FILES
 * files. */
#include "autoconfig.h"

#include <check.h>
#include <dirent.h>
#include <gnu/libc-version.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "src/symbols/sym_cache.h"
#include "src/symbols/symbolize.h"
#include "tests/unit/unit_main.h"
#include "tests/unit/unit_random.h"

#define SCT_MAX_PCS 1024

/* The addresses looked up: code of this test and of libc, starts and
 * insides of functions. */
static size_t sct_addresses(uint64_t *pcs)
{
	const uint64_t fns[] = {
		(uint64_t)(uintptr_t)sct_addresses, (uint64_t)(uintptr_t)qsort, (uint64_t)(uintptr_t)malloc,
		(uint64_t)(uintptr_t)free, (uint64_t)(uintptr_t)printf, (uint64_t)(uintptr_t)strtol,
		(uint64_t)(uintptr_t)gnu_get_libc_version, (uint64_t)(uintptr_t)snprintf,
		(uint64_t)(uintptr_t)opendir, (uint64_t)(uintptr_t)crc32_z,
	};
	size_t n = 0;
	for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++)
		for (uint64_t off = 0; off < 400 && n < SCT_MAX_PCS; off += 7)
			pcs[n++] = fns[i] + off;
	return n;
}

struct sct_answer {
	char text[512];
};

/* What s says of each address, as one line of text. */
static void sct_lookup_all(struct symbolizer *s, const uint64_t *pcs, size_t n, struct sct_answer *out)
{
	for (size_t i = 0; i < n; i++) {
		struct sym_info si;
		int known = symbolize_lookup(s, pcs[i], &si);
		snprintf(out[i].text, sizeof out[i].text, "%d %s %#llx %s:%d %d", known, si.function ? si.function : "-",
			 (unsigned long long)si.function_start, si.file ? si.file : "-", si.line, si.no_symbol);
	}
}

static void sct_assert_same(const struct sct_answer *want, const struct sct_answer *got, size_t n, const char *what)
{
	for (size_t i = 0; i < n; i++)
		ck_assert_msg(!strcmp(want[i].text, got[i].text), "%s: address %zu: %s, without a cache %s", what, i,
			      got[i].text, want[i].text);
}

/* The answers of a symbolizer with the cache folder dir (NULL: none), and
 * its figures. */
static void sct_run(const char *dir, const uint64_t *pcs, size_t n, struct sct_answer *out, struct symbolize_stats *st)
{
	struct symbolizer *s = symbolize_new();
	ck_assert_ptr_nonnull(s);
	symbolize_set_cache_dir(s, dir);
	sct_lookup_all(s, pcs, n, out);
	symbolize_get_stats(s, st);
	symbolize_free(s);
}

static char *sct_make_dir(void)
{
	char tmpl[] = "/tmp/nebtop_sym_cache_XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(tmpl));
	char *dir = malloc(strlen(tmpl) + 16);
	sprintf(dir, "%s/nebtop", tmpl); /* made by the first write */
	return dir;
}

static void sct_remove_dir(char *dir)
{
	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -rf '%.*s'", (int)(strrchr(dir, '/') - dir), dir);
	ck_assert_int_eq(system(cmd), 0);
	free(dir);
}

/* The names of the cache files in dir. */
static size_t sct_list(const char *dir, char names[][256], size_t max)
{
	DIR *d = opendir(dir);
	size_t n = 0;
	struct dirent *de;
	while (d && (de = readdir(d)) && n < max)
		if (de->d_name[0] != '.')
			snprintf(names[n++], 256, "%s", de->d_name);
	if (d)
		closedir(d);
	return n;
}

static unsigned char *sct_read(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	ck_assert_ptr_nonnull(f);
	fseek(f, 0, SEEK_END);
	*n = (size_t)ftell(f);
	fseek(f, 0, SEEK_SET);
	unsigned char *p = malloc(*n + 1);
	ck_assert_uint_eq(fread(p, 1, *n, f), *n);
	fclose(f);
	return p;
}

static void sct_write(const char *path, const unsigned char *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(p, 1, n, f), n);
	fclose(f);
}

START_TEST(a_second_symbolizer_reads_the_cache_and_answers_the_same)
{
	static uint64_t pcs[SCT_MAX_PCS];
	static struct sct_answer none[SCT_MAX_PCS], first[SCT_MAX_PCS], second[SCT_MAX_PCS];
	size_t n = sct_addresses(pcs);
	char *dir = sct_make_dir();
	struct symbolize_stats st0, st1, st2;
	sct_run(NULL, pcs, n, none, &st0);
	ck_assert_uint_eq(st0.cache_reads + st0.cache_writes, 0);
	sct_run(dir, pcs, n, first, &st1);
	sct_assert_same(none, first, n, "the run that saves the tables");
	ck_assert_uint_eq(st1.cache_reads, 0);
	ck_assert_uint_ge(st1.cache_writes, 3); /* this test's functions and lines, libc's functions at least */
	char names[64][256];
	ck_assert_uint_eq(sct_list(dir, names, 64), st1.cache_writes);
	sct_run(dir, pcs, n, second, &st2);
	sct_assert_same(none, second, n, "the run that reads them");
	ck_assert_uint_eq(st2.cache_reads, st1.cache_writes);
	ck_assert_uint_eq(st2.cache_writes, 0);
	ck_assert_uint_eq(st2.symbol_reads, st1.symbol_reads);
	ck_assert_uint_eq(st2.line_reads, st1.line_reads);
	ck_assert_uint_eq(st2.line_rows, st1.line_rows); /* only the sequences asked, decoded the same */
	sct_remove_dir(dir);
}
END_TEST

/* Damages the cache file at path as `how` says, from its good bytes. */
static void sct_damage(const char *path, const unsigned char *good, size_t n, uint32_t *rng, int how)
{
	unsigned char *p = malloc(n + 1);
	memcpy(p, good, n);
	size_t len = n;
	switch (how) {
	case 0: len = unit_random_next(rng) % n; break;     /* truncated */
	case 1: p[unit_random_next(rng) % n] ^= (unsigned char)(1u << (unit_random_next(rng) % 8)); break;
	case 2: p[8 + unit_random_next(rng) % 232] ^= (unsigned char)(1 + unit_random_next(rng) % 255); break; /* the header */
	default: { /* the payload changed and its checksum made right: what the checks inside stop */
		const size_t head = 240;
		for (int k = 0; k < 4; k++)
			p[head + unit_random_next(rng) % (n - head)] = (unsigned char)unit_random_next(rng);
		uint32_t crc = (uint32_t)crc32_z(0, p + head, n - head);
		memcpy(p + 12, &crc, sizeof crc);
	}
	}
	sct_write(path, p, len);
	free(p);
}

START_TEST(damaged_cache_files_are_ignored)
{
	static uint64_t pcs[SCT_MAX_PCS];
	static struct sct_answer none[SCT_MAX_PCS], got[SCT_MAX_PCS];
	size_t n = sct_addresses(pcs);
	char *dir = sct_make_dir();
	struct symbolize_stats st;
	sct_run(NULL, pcs, n, none, &st);
	sct_run(dir, pcs, n, got, &st);
	char names[64][256];
	size_t nfiles = sct_list(dir, names, 64);
	ck_assert_uint_gt(nfiles, 0);
	uint32_t rng = 20261204;
	for (size_t f = 0; f < nfiles; f++) {
		char path[600];
		snprintf(path, sizeof path, "%s/%s", dir, names[f]);
		size_t len;
		unsigned char *good = sct_read(path, &len);
		for (int round = 0; round < 24; round++) {
			sct_damage(path, good, len, &rng, round % 4);
			sct_run(dir, pcs, n, got, &st);
			if (round % 4 == 3) /* made to pass the checksum: used when whole inside, never a crash */
				continue;
			sct_assert_same(none, got, n, names[f]);
			/* the header or checksum cannot match: read from the ELF file, saved again */
			ck_assert_uint_ge(st.cache_writes, 1);
		}
		/* another object's file under this name: its build ID does not match */
		snprintf(path, sizeof path, "%s/%s", dir, names[(f + 1) % nfiles]);
		size_t other_len;
		unsigned char *other = sct_read(path, &other_len);
		snprintf(path, sizeof path, "%s/%s", dir, names[f]);
		sct_write(path, other, other_len);
		sct_run(dir, pcs, n, got, &st);
		sct_assert_same(none, got, n, "another object's file");
		free(other);
		free(good);
	}
	sct_remove_dir(dir);
}
END_TEST

START_TEST(the_folder_keeps_the_most_recently_used_files)
{
	char *dir = sct_make_dir();
	struct elf_funcs f = { 0 };
	ck_assert_int_eq(elf_funcs_add_named(&f, 0x1000, 16, "a_function", 0), 0);
	elf_funcs_finish(&f);
	for (int i = 0; i < SYM_CACHE_MAX_FILES + 10; i++) {
		char id[64];
		snprintf(id, sizeof id, "%040x", i + 1);
		struct sym_cache_key k = { id, "libx.so", 100, 0 };
		ck_assert_int_eq(sym_cache_write_funcs(dir, &k, &f), 0);
		struct elf_funcs back = { 0 };
		ck_assert_int_eq(sym_cache_read_funcs(dir, &k, &back), 0);
		ck_assert_uint_eq(back.n, 1);
		ck_assert_str_eq(back.v[0].name, "a_function");
		elf_funcs_free(&back);
		/* a different size of the object: not this file's */
		struct sym_cache_key other = { id, "libx.so", 101, 0 };
		ck_assert_int_eq(sym_cache_read_funcs(dir, &other, &back), -1);
		ck_assert_uint_eq(back.n, 0);
	}
	char names[SYM_CACHE_MAX_FILES + 20][256];
	ck_assert_uint_eq(sct_list(dir, names, SYM_CACHE_MAX_FILES + 20), SYM_CACHE_MAX_FILES);
	elf_funcs_free(&f);
	sct_remove_dir(dir);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("sym_cache");
	TCase *tc = tcase_create("cache");
	tcase_add_test(tc, a_second_symbolizer_reads_the_cache_and_answers_the_same);
	tcase_add_test(tc, damaged_cache_files_are_ignored);
	tcase_add_test(tc, the_folder_keeps_the_most_recently_used_files);
	tcase_set_timeout(tc, 300);
	suite_add_tcase(s, tc);
	return unit_run_suite(s);
}
