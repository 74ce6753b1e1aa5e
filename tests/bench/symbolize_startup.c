/* symbolize_startup.c: what symbolizing costs the profiler, measured two
 * ways in the same process: nebtop's own symbolizer (src/symbols) and,
 * when configure found libdw, elfutils' libdwfl doing the same work
 * (dwfl_linux_proc_report on our pid and each module's ELF file opened for
 * its build ID, as nebtop's start-up does; dwfl_module_addrname for the
 * function, dwfl_module_getsrc for file:line). The program links libnebtop
 * and the libraries nebtop links, so its mappings are a stand-in for
 * nebtop's own.
 *
 * Usage: symbolize_startup MODE ADDRESSES [--dump]
 *   MODE       own | libdw | none (reads the addresses only: the floor)
 *              | probe (exit 0 when the libdw mode is built in, 2 when not)
 *   ADDRESSES  a file of return addresses of this program, one link-time
 *              address in hex a line (run_symbolize_bench.sh makes it)
 *   --dump     prints "address function file:line" per address instead
 *              of the figures (to check that both ways agree)
 * Prints one line of figures: start-up (reading the mappings and opening
 * their ELF files), the first pass over the addresses (where each way
 * reads symbols and line tables lazily), a second pass (cached), how many
 * addresses got a function and a line, and peak RSS. Never fails on a
 * timing. */
#include "autoconfig.h"

#include <inttypes.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "pipeline/pipeline.h"
#include "pipeline/sampler.h"
#include "src/analyze/analyzer.h"
#include "src/cli.h"
#include "src/compare/compare.h"
#include "src/config/config.h"
#include "src/profile/profiler.h"
#include "src/report/snapshot.h"
#include "src/symbols/symbolize.h"

#ifdef SYMBOLIZE_BENCH_LIBDW
#include <elfutils/libdwfl.h>
#endif

/* nebtop's entry points, kept so the linker brings in the code nebtop
 * carries (the connectors, the profilers, the reports); never called. */
static void (*const volatile bench_keep[])(void) = {
	(void (*)(void))config_build_pipeline, (void (*)(void))config_load_file, (void (*)(void))pipeline_start,
	(void (*)(void))profiler_start,	       (void (*)(void))snapshot_write,	 (void (*)(void))compare_main,
	(void (*)(void))analyzer_start,	       (void (*)(void))sampler_start,	 (void (*)(void))cli_parse,
};

struct bench_result {
	const char *function, *file;
	int line;
};

static uint64_t bench_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static long bench_peak_rss_kib(void)
{
	struct rusage ru;
	return getrusage(RUSAGE_SELF, &ru) ? -1 : ru.ru_maxrss;
}

/* The load bias of the main program: the first object dl_iterate_phdr reports. */
static int bench_take_bias(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	*(uint64_t *)data = (uint64_t)info->dlpi_addr;
	return 1;
}

/* Reads the link-time addresses and turns them into this run's pcs (one
 * byte back from the return address, as the profiler passes them). */
static uint64_t *bench_read_addresses(const char *path, size_t *n)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return NULL;
	uint64_t bias = 0, a, *v = NULL;
	size_t cap = 0;
	dl_iterate_phdr(bench_take_bias, &bias);
	*n = 0;
	while (fscanf(f, "%" SCNx64, &a) == 1) {
		if (*n == cap) {
			cap = cap ? 2 * cap : 1024;
			uint64_t *w = realloc(v, cap * sizeof *w);
			if (!w) {
				free(v);
				fclose(f);
				return NULL;
			}
			v = w;
		}
		v[(*n)++] = bias + a - 1;
	}
	fclose(f);
	return v;
}

/* --- nebtop's own symbolizer ------------------------------------------------------------ */

static void *bench_own_start(void)
{
	return symbolize_new();
}

static void bench_own_lookup(void *h, uint64_t pc, struct bench_result *r)
{
	struct sym_info si;
	symbolize_lookup(h, pc, &si);
	*r = (struct bench_result){ si.function, si.file, si.line };
}

static void bench_own_free(void *h)
{
	symbolize_free(h);
}

/* --- elfutils' libdwfl ------------------------------------------------------------------ */

#ifdef SYMBOLIZE_BENCH_LIBDW
static const Dwfl_Callbacks bench_dwfl_callbacks = {
	.find_elf = dwfl_linux_proc_find_elf,
	.find_debuginfo = dwfl_standard_find_debuginfo,
};

/* Opens a module's ELF file and reads its build ID: what nebtop's start-up
 * does for each mapping (pprof lists the mappings with their build IDs). */
static int bench_dwfl_open_module(Dwfl_Module *mod, void **userdata, const char *name, Dwarf_Addr start, void *arg)
{
	(void)userdata;
	(void)name;
	(void)start;
	const unsigned char *id;
	GElf_Addr vaddr, bias;
	if (dwfl_module_getelf(mod, &bias))
		*(int *)arg += dwfl_module_build_id(mod, &id, &vaddr) > 0;
	return DWARF_CB_OK;
}

static void *bench_dwfl_start(void)
{
	Dwfl *d = dwfl_begin(&bench_dwfl_callbacks);
	if (!d)
		return NULL;
	dwfl_report_begin(d);
	if (dwfl_linux_proc_report(d, getpid()) || dwfl_report_end(d, NULL, NULL)) {
		dwfl_end(d);
		return NULL;
	}
	int build_ids = 0;
	dwfl_getmodules(d, bench_dwfl_open_module, &build_ids, 0);
	return d;
}

static void bench_dwfl_lookup(void *h, uint64_t pc, struct bench_result *r)
{
	*r = (struct bench_result){ NULL, NULL, 0 };
	Dwfl_Module *mod = dwfl_addrmodule(h, (Dwarf_Addr)pc);
	if (!mod)
		return;
	r->function = dwfl_module_addrname(mod, (GElf_Addr)pc);
	Dwfl_Line *line = dwfl_module_getsrc(mod, (Dwarf_Addr)pc);
	if (line)
		r->file = dwfl_lineinfo(line, NULL, &r->line, NULL, NULL, NULL);
}

static void bench_dwfl_free(void *h)
{
	dwfl_end(h);
}
#endif

/* --- the run ---------------------------------------------------------------------------- */

struct bench_way {
	const char *name;
	void *(*start)(void);
	void (*lookup)(void *h, uint64_t pc, struct bench_result *r);
	void (*free)(void *h);
};

static const struct bench_way bench_ways[] = {
	{ "own", bench_own_start, bench_own_lookup, bench_own_free },
#ifdef SYMBOLIZE_BENCH_LIBDW
	{ "libdw", bench_dwfl_start, bench_dwfl_lookup, bench_dwfl_free },
#endif
};

static int bench_run_way(const struct bench_way *w, const uint64_t *pcs, size_t n, int dump)
{
	long rss0 = bench_peak_rss_kib();
	uint64_t t0 = bench_now_ns();
	void *h = w->start();
	uint64_t t1 = bench_now_ns();
	if (!h) {
		fprintf(stderr, "symbolize_startup: %s: could not start\n", w->name);
		return 1;
	}
	size_t functions = 0, lines = 0;
	struct bench_result r;
	for (size_t i = 0; i < n; i++) {
		w->lookup(h, pcs[i], &r);
		functions += r.function != NULL;
		lines += r.file && r.line > 0;
		if (dump)
			printf("%" PRIx64 " %s %s:%d\n", pcs[i], r.function ? r.function : "?", r.file ? r.file : "?",
			       r.line);
	}
	uint64_t t2 = bench_now_ns();
	for (size_t i = 0; i < n; i++)
		w->lookup(h, pcs[i], &r);
	uint64_t t3 = bench_now_ns();
	long rss1 = bench_peak_rss_kib();
	if (!dump)
		printf("way=%s start_ms=%.3f first_ms=%.3f again_ms=%.3f addresses=%zu functions=%zu lines=%zu "
		       "peak_rss_kib=%ld added_rss_kib=%ld\n",
		       w->name, (double)(t1 - t0) / 1e6, (double)(t2 - t1) / 1e6, (double)(t3 - t2) / 1e6, n,
		       functions, lines, rss1, rss1 - rss0);
	w->free(h);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "probe")) {
		for (size_t i = 0; i < sizeof bench_ways / sizeof bench_ways[0]; i++)
			if (!strcmp(bench_ways[i].name, "libdw"))
				return 0;
		return 2;
	}
	if (argc < 3 || (argc == 4 && strcmp(argv[3], "--dump")) || argc > 4) {
		fprintf(stderr, "usage: symbolize_startup own|libdw|none|probe ADDRESSES [--dump]\n");
		return 2;
	}
	size_t n = 0;
	uint64_t *pcs = bench_read_addresses(argv[2], &n);
	if (!pcs) {
		fprintf(stderr, "symbolize_startup: no addresses in %s\n", argv[2]);
		return 1;
	}
	int rc = 2;
	if (!strcmp(argv[1], "none")) {
		printf("way=none addresses=%zu peak_rss_kib=%ld keep=%d\n", n, bench_peak_rss_kib(),
		       bench_keep[0] != NULL);
		rc = 0;
	}
	for (size_t i = 0; i < sizeof bench_ways / sizeof bench_ways[0]; i++)
		if (!strcmp(bench_ways[i].name, argv[1]))
			rc = bench_run_way(&bench_ways[i], pcs, n, argc == 4);
	if (rc == 2)
		fprintf(stderr, "symbolize_startup: no way %s in this build\n", argv[1]);
	free(pcs);
	return rc;
}
