/* test_symbolize.c: the symbolizer names the functions, source files and
 * lines of this test (checked against __LINE__ and against addr2line), of
 * libc and of a library opened later; names code without a symbol (PLT
 * stubs as objdump names them, static functions of a stripped library and
 * helpers of the vDSO after the file and the start readelf shows for them
 * in the unwind table); lists the mappings with build IDs (checked against
 * readelf); answers repeated lookups from its cache; and can be used by
 * several threads at once. Reads nothing before a lookup needs it (a
 * function's name reads no line table; a line decodes only the sequences
 * asked, which answer as the whole table does). Prints what lookups cost. */
#include "autoconfig.h"

#include <check.h>
#include <dlfcn.h>
#include <gnu/libc-version.h>
#include <link.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <time.h>
#include <unistd.h>

#include "src/symbols/dwarf_lines.h"
#include "src/symbols/elf_file.h"
#include "src/symbols/symbolize.h"
#include "tests/unit/unit_main.h"

/* Where a probe function was: an address inside it and the line of it. */
struct symt_probe {
	uint64_t pc;
	int line;
};

/* Keeps a probe a function of its own, under its own name. */
#if defined(__clang__)
#define SYMT_KEEP __attribute__((noinline))
#else
#define SYMT_KEEP __attribute__((noinline, noclone))
#endif

/* The address of the call instruction in the caller. */
static SYMT_KEEP uint64_t symt_caller_pc(void)
{
	return (uint64_t)(uintptr_t)__builtin_return_address(0) - 1;
}

/* In the probes the call and __LINE__ share a line on purpose. */
int symt_global_probe(struct symt_probe *p);

/* noinline: else the test functions would get a copy of it */
__attribute__((noinline)) int symt_global_probe(struct symt_probe *p)
{
	p->pc = symt_caller_pc(); p->line = __LINE__;
	return p->line;
}

static SYMT_KEEP int symt_static_probe(struct symt_probe *p)
{
	p->pc = symt_caller_pc(); p->line = __LINE__;
	return p->line;
}

static uint64_t symt_fn_addr(void (*fn)(void))
{
	return (uint64_t)(uintptr_t)fn;
}

static double symt_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The path of the test's own binary (not /proc/self/exe: a command run
 * from the test would see its own). */
static const char *symt_self_path(char *path, size_t cap)
{
	ssize_t n = readlink("/proc/self/exe", path, cap - 1);
	ck_assert_int_gt(n, 0);
	path[n] = 0;
	return path;
}

/* Whether a program is on the PATH. */
static int symt_have(const char *tool)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "command -v %s >/dev/null 2>&1", tool);
	if (system(cmd) == 0)
		return 1;
	printf("test_symbolize: no %s (binutils): that comparison is skipped\n", tool);
	return 0;
}

static int symt_first_object(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	*(uint64_t *)data = (uint64_t)info->dlpi_addr;
	return 1; /* the first one is the executable */
}

/* The load bias of the executable, as the dynamic loader has it. */
static uint64_t symt_exe_bias(void)
{
	uint64_t bias = 0;
	dl_iterate_phdr(symt_first_object, &bias);
	return bias;
}

static int symt_ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), t = strlen(tail);
	return n >= t && !strcmp(s + n - t, tail);
}

static const char *symt_basename(const char *s)
{
	const char *slash = strrchr(s, '/');
	return slash ? slash + 1 : s;
}

/* Runs a command and returns its output (malloc'd). */
static char *symt_run(const char *cmd)
{
	FILE *f = popen(cmd, "r");
	ck_assert_ptr_nonnull(f);
	size_t cap = 1 << 16, len = 0;
	char *out = malloc(cap);
	ck_assert_ptr_nonnull(out);
	size_t n;
	while ((n = fread(out + len, 1, cap - 1 - len, f)) > 0)
		len += n;
	out[len] = 0;
	ck_assert_int_eq(pclose(f), 0);
	return out;
}

/* Checks a probe's lookup: its function, this file and its line, the same
 * as addr2line says. */
static void symt_check_probe(struct symbolizer *s, const struct symt_probe *p, const char *name, uint64_t start)
{
	struct sym_info si;
	ck_assert_int_eq(symbolize_lookup(s, p->pc, &si), 1);
	ck_assert_str_eq(si.function, name);
	ck_assert_uint_eq(si.function_start, start);
	ck_assert_ptr_nonnull(si.file);
	ck_assert_msg(si.file[0] == '/', "not absolute: %s", si.file);
	ck_assert_msg(symt_ends_with(si.file, "tests/unit/test_symbolize.c"), "file %s", si.file);
	ck_assert_int_eq(si.line, p->line);
	ck_assert_int_ge(si.mapping, 0);

	if (!symt_have("addr2line"))
		return;
	char cmd[4200], self[4096];
	snprintf(cmd, sizeof cmd, "addr2line -f -e '%s' 0x%llx", symt_self_path(self, sizeof self),
		 (unsigned long long)(p->pc - symt_exe_bias()));
	char *out = symt_run(cmd);
	char fn[256], file[4096];
	int line = -1;
	ck_assert_msg(sscanf(out, "%255s\n%4095[^:]:%d", fn, file, &line) == 3, "addr2line said %s", out);
	ck_assert_str_eq(fn, name);
	ck_assert_str_eq(symt_basename(file), symt_basename(si.file));
	ck_assert_int_eq(line, si.line);
	free(out);
}

START_TEST(global_function_has_name_file_and_line)
{
	struct symbolizer *s = symbolize_new();
	ck_assert_ptr_nonnull(s);
	struct symt_probe p;
	symt_global_probe(&p);
	symt_check_probe(s, &p, "symt_global_probe", symt_fn_addr((void (*)(void))symt_global_probe));
	symbolize_free(s);
}
END_TEST

START_TEST(static_function_has_name_file_and_line)
{
	struct symbolizer *s = symbolize_new();
	ck_assert_ptr_nonnull(s);
	struct symt_probe p;
	symt_static_probe(&p);
	symt_check_probe(s, &p, "symt_static_probe", symt_fn_addr((void (*)(void))symt_static_probe));
	symbolize_free(s);
}
END_TEST

START_TEST(middle_and_start_of_a_function)
{
	struct symbolizer *s = symbolize_new();
	struct symt_probe p;
	symt_static_probe(&p);
	uint64_t start = symt_fn_addr((void (*)(void))symt_static_probe);
	ck_assert_uint_gt(p.pc, start);
	uint64_t at[] = { start, start + 1, start + (p.pc - start) / 2, p.pc + 1 };
	for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
		struct sym_info si;
		ck_assert_int_eq(symbolize_lookup(s, at[i], &si), 1);
		ck_assert_str_eq(si.function, "symt_static_probe");
		ck_assert_uint_eq(si.function_start, start);
		ck_assert_ptr_nonnull(si.file);
		ck_assert_int_gt(si.line, 0);
		ck_assert_int_lt(si.line, p.line + 3);
	}
	symbolize_free(s);
}
END_TEST

START_TEST(libc_functions_are_named)
{
	struct symbolizer *s = symbolize_new();
	struct sym_info si;
	/* qsort may be a sanitizer's interceptor: then its name has qsort in it too */
	ck_assert_int_eq(symbolize_lookup(s, symt_fn_addr((void (*)(void))qsort), &si), 1);
	ck_assert_msg(strstr(si.function, "qsort") != NULL, "qsort is %s", si.function);
	ck_assert_uint_eq(si.function_start, symt_fn_addr((void (*)(void))qsort));

	uint64_t v = symt_fn_addr((void (*)(void))gnu_get_libc_version);
	ck_assert_int_eq(symbolize_lookup(s, v + 2, &si), 1);
	ck_assert_str_eq(si.function, "gnu_get_libc_version");
	ck_assert_uint_eq(si.function_start, v);
	const struct sym_mapping *m;
	size_t n = symbolize_mappings(s, &m);
	ck_assert_int_ge(si.mapping, 0);
	ck_assert_uint_lt((size_t)si.mapping, n);
	ck_assert_msg(strstr(m[si.mapping].file, "/libc.so") != NULL, "mapped from %s", m[si.mapping].file);
	ck_assert(v >= m[si.mapping].start && v < m[si.mapping].limit);
	printf("test_symbolize: libc: %s at %s:%d\n", si.function, si.file ? si.file : "?", si.line);
	symbolize_free(s);
}
END_TEST

/* The build ID readelf -n prints for a file. */
static void symt_readelf_build_id(const char *path, char *id, size_t cap)
{
	char cmd[4200];
	snprintf(cmd, sizeof cmd, "readelf -n '%s'", path);
	char *out = symt_run(cmd);
	const char *at = strstr(out, "Build ID: ");
	ck_assert_ptr_nonnull(at);
	ck_assert_int_eq(sscanf(at + 10, "%127s", id), 1);
	ck_assert_uint_lt(strlen(id), cap);
	free(out);
}

START_TEST(mappings_have_build_ids)
{
	struct symbolizer *s = symbolize_new();
	const struct sym_mapping *m;
	size_t n = symbolize_mappings(s, &m);
	ck_assert_uint_gt(n, 1);
	char self[4096];
	symt_self_path(self, sizeof self);
	int saw_self = 0, saw_libc = 0, readelf = symt_have("readelf");
	uint64_t probe = symt_fn_addr((void (*)(void))symt_global_probe);
	for (size_t i = 0; i < n; i++) {
		ck_assert_uint_lt(m[i].start, m[i].limit);
		ck_assert_ptr_nonnull(m[i].file);
		ck_assert_ptr_nonnull(m[i].build_id);
		if (!strcmp(m[i].file, self) && probe >= m[i].start && probe < m[i].limit) {
			ck_assert_uint_eq(strlen(m[i].build_id), 40);
			ck_assert_uint_eq(strspn(m[i].build_id, "0123456789abcdef"), 40);
			char id[128];
			if (readelf) {
				symt_readelf_build_id(self, id, sizeof id);
				ck_assert_str_eq(m[i].build_id, id);
			}
			ck_assert_int_eq(m[i].has_functions, 1);
			ck_assert_int_eq(m[i].has_lines, 1);
			saw_self++;
		}
		if (strstr(m[i].file, "/libc.so")) {
			char id[128];
			if (readelf) {
				symt_readelf_build_id(m[i].file, id, sizeof id);
				ck_assert_str_eq(m[i].build_id, id);
			}
			ck_assert_int_eq(m[i].has_functions, 1);
			saw_libc++;
		}
	}
	ck_assert_int_eq(saw_self, 1);
	ck_assert_int_eq(saw_libc, 1);
	symbolize_free(s);
}
END_TEST

START_TEST(vdso_functions_are_named)
{
	uint64_t vdso = (uint64_t)getauxval(AT_SYSINFO_EHDR);
	if (!vdso) {
		printf("test_symbolize: no vDSO: skipped\n");
		return;
	}
	struct symbolizer *s = symbolize_new();
	const struct sym_mapping *m;
	size_t n = symbolize_mappings(s, &m), named = 0;
	for (size_t i = 0; i < n; i++) {
		if (m[i].start != vdso)
			continue;
		ck_assert_str_eq(m[i].file, "[vdso]");
		ck_assert_int_eq(m[i].has_functions, 1);
		for (uint64_t pc = m[i].start; pc < m[i].limit; pc += 16) {
			struct sym_info si;
			if (symbolize_lookup(s, pc, &si) && strstr(si.function, "gettime")) {
				ck_assert_int_eq((int)si.mapping, (int)i);
				named++;
			}
		}
	}
	ck_assert_uint_gt(named, 0);
	symbolize_free(s);
}
END_TEST

/* A function of the unwind table of the ELF file at path that no function
 * symbol covers (readelf's view of .eh_frame and of the symbol tables):
 * its start in *start; 0 when every one has a symbol. */
static int symt_uncovered_fde(const char *path, uint64_t *start)
{
	char cmd[4400];
	snprintf(cmd, sizeof cmd,
		 "readelf -W --syms --dyn-syms '%s' 2>/dev/null | awk '$4 ~ /FUNC/ && $7 != \"UND\" {print $2, $3}'",
		 path);
	char *syms = symt_run(cmd);
	snprintf(cmd, sizeof cmd, "readelf --debug-dump=frames '%s' 2>/dev/null | grep -o 'pc=[0-9a-f]*[.][.][0-9a-f]*'",
		 path);
	char *fdes = symt_run(cmd);
	int found = 0;
	for (char *l = fdes; *l && !found;) {
		unsigned long long s, e;
		if (sscanf(l, "pc=%llx..%llx", &s, &e) == 2 && s && e > s) {
			int covered = 0;
			for (char *y = syms; *y && !covered;) {
				char *end;
				unsigned long long a = strtoull(y, &end, 16), n = strtoull(end, &end, 0);
				covered = (a >= s && a < e) || (s >= a && s < a + n);
				y = strchr(y, '\n') ? strchr(y, '\n') + 1 : y + strlen(y);
			}
			if (!covered) {
				*start = s;
				found = 1;
			}
		}
		l = strchr(l, '\n') ? strchr(l, '\n') + 1 : l + strlen(l);
	}
	free(syms);
	free(fdes);
	return found;
}

struct symt_lib {
	const char *prefix; /* "libjansson.so" */
	char path[4096];
	uint64_t bias;
};

static int symt_find_lib(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	struct symt_lib *l = data;
	if (!strncmp(symt_basename(info->dlpi_name), l->prefix, strlen(l->prefix))) {
		snprintf(l->path, sizeof l->path, "%s", info->dlpi_name);
		l->bias = (uint64_t)info->dlpi_addr;
		return 1;
	}
	return 0;
}

/* A static function of a library without .symtab has no name of its own:
 * it is named after the file and the start the unwind table gives it, never
 * after the exported function before it. */
START_TEST(stripped_library_functions_are_named_by_file_and_start)
{
	if (!symt_have("readelf"))
		return;
	static const char *const libs[] = { "libjansson.so", "libz.so", "libcurl.so", "libinih.so" };
	struct symbolizer *s = symbolize_new();
	int checked = 0;
	for (size_t i = 0; i < sizeof libs / sizeof libs[0] && !checked; i++) {
		struct symt_lib l = { libs[i], "", 0 };
		if (!dl_iterate_phdr(symt_find_lib, &l))
			continue;
		char cmd[4200];
		snprintf(cmd, sizeof cmd, "readelf -S -W '%s' | grep -c ' .symtab ' || true", l.path);
		char *out = symt_run(cmd);
		int has_symtab = atoi(out) > 0;
		free(out);
		uint64_t start;
		if (has_symtab || !symt_uncovered_fde(l.path, &start))
			continue;
		struct sym_info si;
		ck_assert_int_eq(symbolize_lookup(s, l.bias + start + 1, &si), 1);
		char want[256], real[4096]; /* the file as mapped, not the soname's link */
		ck_assert_ptr_nonnull(realpath(l.path, real));
		snprintf(want, sizeof want, "%s+0x%llx", symt_basename(real), (unsigned long long)start);
		ck_assert_str_eq(si.function, want);
		ck_assert_int_eq(si.no_symbol, 1);
		ck_assert_uint_eq(si.function_start, l.bias + start);
		checked = 1;
	}
	if (!checked)
		printf("test_symbolize: no stripped library with a static function here: skipped\n");
	symbolize_free(s);
}
END_TEST

/* The PLT stubs of this test are named as objdump names them ("getenv@plt"). */
START_TEST(plt_stubs_are_named_after_their_target)
{
#if defined(__x86_64__)
	if (!symt_have("objdump"))
		return;
	char self[4096], cmd[4400];
	snprintf(cmd, sizeof cmd, "objdump -d -j .plt -j .plt.sec '%s' 2>/dev/null | grep '@plt>:$' | head -n 20",
		 symt_self_path(self, sizeof self));
	char *out = symt_run(cmd);
	struct symbolizer *s = symbolize_new();
	uint64_t bias = symt_exe_bias();
	int checked = 0;
	for (char *l = out; *l;) {
		unsigned long long at;
		char name[256];
		if (sscanf(l, "%llx <%255[^>]>:", &at, name) == 2) {
			struct sym_info si;
			ck_assert_int_eq(symbolize_lookup(s, bias + at + 2, &si), 1);
			ck_assert_str_eq(si.function, name);
			ck_assert_int_eq(si.no_symbol, 0);
			checked++;
		}
		l = strchr(l, '\n') ? strchr(l, '\n') + 1 : l + strlen(l);
	}
	ck_assert_int_gt(checked, 0);
	free(out);
	symbolize_free(s);
#endif
}
END_TEST

/* A helper of the vDSO without a symbol (the clock read behind
 * clock_gettime on some kernels) is named "[vdso]+0xSTART". */
START_TEST(vdso_helpers_are_named_by_start)
{
	uint64_t vdso = (uint64_t)getauxval(AT_SYSINFO_EHDR);
	if (!vdso || !symt_have("readelf"))
		return;
	struct symbolizer *s = symbolize_new();
	const struct sym_mapping *m;
	size_t n = symbolize_mappings(s, &m);
	char path[] = "/tmp/nebtop-test-vdso.XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	for (size_t i = 0; i < n; i++)
		if (m[i].start == vdso)
			ck_assert_int_eq(write(fd, (const void *)(uintptr_t)vdso, m[i].limit - m[i].start),
					 (ssize_t)(m[i].limit - m[i].start));
	close(fd);
	uint64_t start;
	if (symt_uncovered_fde(path, &start)) { /* the vDSO is linked at 0 */
		struct sym_info si;
		ck_assert_int_eq(symbolize_lookup(s, vdso + start + 1, &si), 1);
		char want[64];
		snprintf(want, sizeof want, "[vdso]+0x%llx", (unsigned long long)start);
		ck_assert_str_eq(si.function, want);
		ck_assert_int_eq(si.no_symbol, 1);
	} else {
		printf("test_symbolize: every function of this vDSO has a symbol: skipped\n");
	}
	unlink(path);
	symbolize_free(s);
}
END_TEST

START_TEST(unknown_addresses_have_no_function)
{
	struct symbolizer *s = symbolize_new();
	struct sym_info si;
	uint64_t bad[] = { 0, 16, 4096, UINT64_MAX, (uint64_t)(uintptr_t)&si };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ck_assert_int_eq(symbolize_lookup(s, bad[i], &si), 0);
		ck_assert_ptr_null(si.function);
		ck_assert_uint_eq(si.function_start, 0);
		ck_assert_ptr_null(si.file);
		ck_assert_int_eq(si.line, 0);
		ck_assert_int_eq(si.mapping, -1);
	}
	symbolize_free(s);
}
END_TEST

/* Addresses spread over the test's code and libc's. */
static size_t symt_sample_pcs(uint64_t *pcs, size_t max)
{
	struct symt_probe p;
	symt_global_probe(&p);
	uint64_t base[] = { p.pc,
			    symt_fn_addr((void (*)(void))symt_static_probe),
			    symt_fn_addr((void (*)(void))symt_run),
			    symt_fn_addr((void (*)(void))qsort),
			    symt_fn_addr((void (*)(void))strtod),
			    symt_fn_addr((void (*)(void))gnu_get_libc_version),
			    symt_fn_addr((void (*)(void))snprintf),
			    symt_fn_addr((void (*)(void))srunner_run_all) };
	size_t n = 0;
	for (size_t i = 0; n < max; i++)
		pcs[n++] = base[i % (sizeof base / sizeof base[0])] + (i / 8) * 7 % 64;
	return n;
}

START_TEST(cached_lookups_give_the_same_answer)
{
	struct symbolizer *s = symbolize_new();
	uint64_t pcs[64];
	size_t n = symt_sample_pcs(pcs, 64);
	struct sym_info first[64];
	for (size_t i = 0; i < n; i++)
		symbolize_lookup(s, pcs[i], &first[i]);
	const long loops = 1000000;
	double t0 = symt_now();
	for (long i = 0; i < loops; i++) {
		struct sym_info si;
		size_t k = (size_t)i % n;
		symbolize_lookup(s, pcs[k], &si);
		if (si.function != first[k].function || si.file != first[k].file || si.line != first[k].line ||
		    si.mapping != first[k].mapping || si.function_start != first[k].function_start)
			ck_abort_msg("lookup %ld of %#llx differs", i, (unsigned long long)pcs[k]);
	}
	double t = symt_now() - t0;
	printf("test_symbolize: %ld cached lookups: %.3f s, %.1f ns each\n", loops, t, t * 1e9 / (double)loops);
	symbolize_free(s);
}
END_TEST

START_TEST(first_lookups_cost)
{
	double t0 = symt_now();
	struct symbolizer *s = symbolize_new();
	double t1 = symt_now();
	struct symt_probe p;
	symt_global_probe(&p);
	struct sym_info si;
	symbolize_lookup(s, p.pc, &si);
	double t2 = symt_now();
	symbolize_lookup(s, symt_fn_addr((void (*)(void))gnu_get_libc_version), &si);
	double t3 = symt_now();
	symbolize_lookup(s, symt_fn_addr((void (*)(void))strtod), &si);
	double t4 = symt_now();
	printf("test_symbolize: symbolize_new (maps, headers, build ids): %.2f ms; first lookup in the test binary: "
	       "%.2f ms; first in libc: %.2f ms; a new address in libc: %.1f us\n",
	       (t1 - t0) * 1e3, (t2 - t1) * 1e3, (t3 - t2) * 1e3, (t4 - t3) * 1e6);
	symbolize_free(s);
}
END_TEST

/* An opened line table, its sequences decoded for addresses asked (half
 * in one call, others one by one), answers as the whole table for
 * three addresses of every function of the file. */
static void symt_compare_line_tables(const char *path)
{
	struct elf_file *e = elf_file_open(path);
	ck_assert_ptr_nonnull(e);
	struct dwarf_lines *whole = dwarf_lines_load(e), *opened = dwarf_lines_open(e);
	ck_assert_msg(whole != NULL, "no line table in %s", path);
	ck_assert_ptr_nonnull(opened);
	ck_assert_uint_eq(dwarf_lines_rows(opened), 0); /* nothing decoded yet */
	struct elf_funcs f = { 0 };
	elf_funcs_add(&f, e);
	elf_funcs_finish(&f);
	ck_assert_uint_gt(f.n, 0);
	size_t n = 0;
	uint64_t *at = malloc(3 * f.n * sizeof *at);
	ck_assert_ptr_nonnull(at);
	for (size_t i = 0; i < f.n; i++) {
		at[n++] = f.v[i].addr;
		at[n++] = f.v[i].addr + f.v[i].size / 2;
		at[n++] = f.v[i].addr + (f.v[i].size ? f.v[i].size - 1 : 0);
	}
	ck_assert_int_ge(dwarf_lines_need(opened, at, n / 2), 0);
	/* up to 64 of the others one by one, then the rest in one call: each
	 * call that decodes rows sorts the whole table again into a new array,
	 * which in a ThreadSanitizer build costs page faults on its shadow
	 * memory; libc's 11,000 addresses one by one took minutes there, and
	 * 400 of the test's own, on a loaded machine, more than two */
	size_t step = (n - n / 2) / 64 + 1;
	for (size_t i = n / 2; i < n; i += step)
		ck_assert_int_ge(dwarf_lines_need(opened, &at[i], 1), 0);
	ck_assert_int_ge(dwarf_lines_need(opened, &at[n / 2], n - n / 2), 0);
	size_t with_line = 0;
	for (size_t i = 0; i < n; i++) {
		const char *wf = NULL, *of = NULL;
		int wl = 0, ol = 0;
		int w = dwarf_lines_find(whole, at[i], &wf, &wl), o = dwarf_lines_find(opened, at[i], &of, &ol);
		ck_assert_msg(w == o, "%s: 0x%llx: whole %d, opened %d", path, (unsigned long long)at[i], w, o);
		if (!w)
			continue;
		with_line++;
		ck_assert_str_eq(of, wf);
		ck_assert_int_eq(ol, wl);
	}
	ck_assert_uint_gt(with_line, 0);
	printf("test_symbolize: %s: %zu addresses, %zu with a line; whole table %zu rows, opened %zu\n", path, n,
	       with_line, dwarf_lines_rows(whole), dwarf_lines_rows(opened));
	free(at);
	elf_funcs_free(&f);
	dwarf_lines_free(whole);
	dwarf_lines_free(opened);
	elf_file_close(e);
}

START_TEST(opened_line_tables_answer_as_whole_ones)
{
	char self[4096];
	symt_compare_line_tables(symt_self_path(self, sizeof self));
	/* libc's, from its separate debug file when one is installed (libc6-dbg) */
	struct symbolizer *s = symbolize_new();
	struct sym_info si;
	ck_assert_int_eq(symbolize_lookup_function(s, symt_fn_addr((void (*)(void))gnu_get_libc_version), &si), 1);
	const struct sym_mapping *m;
	size_t nm = symbolize_mappings(s, &m);
	ck_assert_int_ge(si.mapping, 0);
	ck_assert_uint_lt((size_t)si.mapping, nm);
	const char *id = m[si.mapping].build_id;
	char path[512];
	snprintf(path, sizeof path, "/usr/lib/debug/.build-id/%.2s/%s.debug", id, strlen(id) > 2 ? id + 2 : "");
	if (strlen(id) > 2 && access(path, R_OK) == 0)
		symt_compare_line_tables(path);
	else
		printf("test_symbolize: no debug file of libc (%s): that comparison is skipped\n", path);
	symbolize_free(s);
}
END_TEST

START_TEST(nothing_is_read_before_a_lookup_needs_it)
{
	struct symbolizer *s = symbolize_new();
	struct symbolize_stats st;
	symbolize_get_stats(s, &st);
	ck_assert_uint_gt(st.objects_probed, 0); /* the mappings and their build IDs */
	ck_assert_uint_eq(st.symbol_reads, 0);
	ck_assert_uint_eq(st.line_reads, 0);

	/* a function's name: its object's symbols, no line table */
	struct sym_info si;
	ck_assert_int_eq(symbolize_lookup_function(s, symt_fn_addr((void (*)(void))gnu_get_libc_version), &si), 1);
	ck_assert_str_eq(si.function, "gnu_get_libc_version");
	ck_assert_ptr_null(si.file);
	struct symt_probe p;
	symt_global_probe(&p);
	ck_assert_int_eq(symbolize_lookup_function(s, p.pc, &si), 1);
	ck_assert_str_eq(si.function, "symt_global_probe");
	symbolize_get_stats(s, &st);
	ck_assert_uint_eq(st.symbol_reads, 2);
	ck_assert_uint_eq(st.line_reads, 0);

	/* its line, asked after the name was cached: the test binary's table,
	 * only the sequence of that address */
	symt_check_probe(s, &p, "symt_global_probe", symt_fn_addr((void (*)(void))symt_global_probe));
	symbolize_get_stats(s, &st);
	ck_assert_uint_eq(st.symbol_reads, 2);
	ck_assert_uint_eq(st.line_reads, 1);
	char self[4096];
	struct elf_file *e = elf_file_open(symt_self_path(self, sizeof self));
	struct dwarf_lines *whole = dwarf_lines_load(e);
	ck_assert_uint_gt(st.line_rows, 0);
	ck_assert_uint_lt(st.line_rows, dwarf_lines_rows(whole));
	dwarf_lines_free(whole);
	elf_file_close(e);

	/* read ahead for addresses, then looked up: the same answers, no new read */
	struct symt_probe q;
	symt_static_probe(&q);
	symbolize_prepare(s, &q.pc, 1);
	symbolize_get_stats(s, &st);
	unsigned long rows = st.line_rows;
	ck_assert_uint_gt(rows, 0);
	symt_check_probe(s, &q, "symt_static_probe", symt_fn_addr((void (*)(void))symt_static_probe));
	symbolize_get_stats(s, &st);
	ck_assert_uint_eq(st.line_rows, rows);
	ck_assert_uint_eq(st.line_reads, 1);
	symbolize_free(s);
}
END_TEST

struct symt_thread {
	struct symbolizer *s;
	const uint64_t *pcs;
	const struct sym_info *want;
	size_t n;
	int refresher, errors;
};

static void *symt_thread_main(void *arg)
{
	struct symt_thread *t = arg;
	for (int round = 0; round < 50; round++) {
		if (t->refresher) {
			symbolize_refresh(t->s);
			const struct sym_mapping *m;
			size_t n = symbolize_mappings(t->s, &m);
			for (size_t i = 0; i < n; i++)
				if (!m[i].file || !m[i].build_id)
					t->errors++;
		}
		for (size_t i = 0; i < t->n; i++) {
			struct sym_info si;
			symbolize_lookup(t->s, t->pcs[i], &si);
			const struct sym_info *w = &t->want[i];
			if ((si.function == NULL) != (w->function == NULL) ||
			    (si.function && strcmp(si.function, w->function)) || si.line != w->line ||
			    si.function_start != w->function_start || si.mapping != w->mapping)
				t->errors++;
		}
	}
	return NULL;
}

START_TEST(threads_look_up_at_once)
{
	uint64_t pcs[256];
	size_t n = symt_sample_pcs(pcs, 256);
	struct sym_info want[256];
	struct symbolizer *ref = symbolize_new();
	for (size_t i = 0; i < n; i++)
		symbolize_lookup(ref, pcs[i], &want[i]);
	struct symbolizer *s = symbolize_new(); /* the threads race on loading the objects too */
	enum { NT = 4 };
	pthread_t th[NT];
	struct symt_thread t[NT];
	for (int i = 0; i < NT; i++) {
		t[i] = (struct symt_thread){ s, pcs, want, n, i == 0, 0 };
		ck_assert_int_eq(pthread_create(&th[i], NULL, symt_thread_main, &t[i]), 0);
	}
	for (int i = 0; i < NT; i++) {
		pthread_join(th[i], NULL);
		ck_assert_int_eq(t[i].errors, 0);
	}
	symbolize_free(s);
	symbolize_free(ref);
}
END_TEST

/* A library this test does not link, with one of its functions. */
static void *symt_open_new_library(const char **fn_name, void **fn)
{
	static const char *const libs[][2] = { { "libncursesw.so.6", "initscr" },
					       { "libunwind.so.8", "_ULx86_64_init_local" },
					       { "libcurl.so.4", "curl_version" },
					       { "libjansson.so.4", "json_object" } };
	for (size_t i = 0; i < sizeof libs / sizeof libs[0]; i++) {
		void *h = dlopen(libs[i][0], RTLD_NOW | RTLD_NOLOAD);
		if (h) {
			dlclose(h); /* already there */
			continue;
		}
		h = dlopen(libs[i][0], RTLD_NOW | RTLD_LOCAL);
		if (!h)
			continue;
		*fn = dlsym(h, libs[i][1]);
		*fn_name = libs[i][1];
		if (*fn)
			return h;
		dlclose(h);
	}
	return NULL;
}

START_TEST(refresh_finds_new_libraries_and_keeps_indexes)
{
	struct symbolizer *s = symbolize_new();
	const struct sym_mapping *m0, *m1;
	size_t n0 = symbolize_mappings(s, &m0);
	struct symt_probe p;
	symt_global_probe(&p);
	struct sym_info before, after;
	symbolize_lookup(s, p.pc, &before);

	const char *name = NULL;
	void *fn = NULL;
	void *h = symt_open_new_library(&name, &fn);
	if (!h) {
		printf("test_symbolize: no library to open: the dlopen part is skipped\n");
	} else {
		uint64_t at = (uint64_t)(uintptr_t)fn;
		symbolize_refresh(s);
		ck_assert_int_eq(symbolize_lookup(s, at, &after), 1);
		ck_assert_str_eq(after.function, name);
		ck_assert_uint_eq(after.function_start, at);
	}
	symbolize_refresh(s);
	size_t n1 = symbolize_mappings(s, &m1);
	ck_assert_uint_ge(n1, n0);
	for (size_t i = 0; i < n0; i++) { /* the old array is still readable, and the same */
		ck_assert_uint_eq(m0[i].start, m1[i].start);
		ck_assert_uint_eq(m0[i].limit, m1[i].limit);
		ck_assert_str_eq(m0[i].file, m1[i].file);
		ck_assert_str_eq(m0[i].build_id, m1[i].build_id);
	}
	if (h)
		ck_assert_uint_gt(n1, n0);
	symbolize_lookup(s, p.pc, &after);
	ck_assert_ptr_eq(after.function, before.function);
	ck_assert_ptr_eq(after.file, before.file);
	ck_assert_int_eq(after.mapping, before.mapping);
	symbolize_free(s);
	if (h)
		dlclose(h);
}
END_TEST

/* A library opened after the symbolizer read the maps is found by a
 * lookup alone, once the last reading is a second old. */
START_TEST(lookup_finds_a_library_opened_later)
{
	struct symbolizer *s = symbolize_new();
	const char *name = NULL;
	void *fn = NULL;
	void *h = symt_open_new_library(&name, &fn);
	if (!h) {
		printf("test_symbolize: no library to open: skipped\n");
		symbolize_free(s);
		return;
	}
	uint64_t at = (uint64_t)(uintptr_t)fn;
	struct sym_info si;
	struct timespec pause = { 1, 100000000 };
	nanosleep(&pause, NULL);
	ck_assert_int_eq(symbolize_lookup(s, at, &si), 1);
	ck_assert_str_eq(si.function, name);
	ck_assert_int_ge(si.mapping, 0);
	symbolize_free(s);
	dlclose(h);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("symbolize");
	TCase *tc = tcase_create("lookup");
	tcase_add_test(tc, global_function_has_name_file_and_line);
	tcase_add_test(tc, static_function_has_name_file_and_line);
	tcase_add_test(tc, middle_and_start_of_a_function);
	tcase_add_test(tc, libc_functions_are_named);
	tcase_add_test(tc, mappings_have_build_ids);
	tcase_add_test(tc, vdso_functions_are_named);
	tcase_add_test(tc, stripped_library_functions_are_named_by_file_and_start);
	tcase_add_test(tc, plt_stubs_are_named_after_their_target);
	tcase_add_test(tc, vdso_helpers_are_named_by_start);
	tcase_add_test(tc, unknown_addresses_have_no_function);
	tcase_add_test(tc, cached_lookups_give_the_same_answer);
	tcase_add_test(tc, first_lookups_cost);
	tcase_add_test(tc, threads_look_up_at_once);
	tcase_add_test(tc, refresh_finds_new_libraries_and_keeps_indexes);
	tcase_add_test(tc, lookup_finds_a_library_opened_later);
	tcase_add_test(tc, opened_line_tables_answer_as_whole_ones);
	tcase_add_test(tc, nothing_is_read_before_a_lookup_needs_it);
	tcase_set_timeout(tc, 300);
	suite_add_tcase(s, tc);
	return unit_run_suite(s);
}
