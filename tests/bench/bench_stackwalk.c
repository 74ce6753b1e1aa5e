/* bench_stackwalk.c: the CPU profiler's two ways of taking a stack, compared
 * from inside a SIGPROF handler as the profiler uses them: nanoseconds per
 * capture, and whether the stack is whole. The interrupted code runs inside
 * a qsort comparator (glibc is built without frame pointers), under a chain
 * of our own functions; a whole stack reaches main. Prints figures; never
 * fails on a timing. */
#include "autoconfig.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "src/base/stack_walk.h"
#include "src/symbols/symbolize.h"

#define BENCH_CAPTURES 20000

static volatile sig_atomic_t bench_kind, bench_done;
static uint64_t bench_pcs[STACK_WALK_MAX];
static int bench_depth;
static uint64_t bench_ns;
static volatile int bench_sink;

static uint64_t bench_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void bench_handler(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)si;
	uint64_t t0 = bench_now();
	for (int i = 0; i < BENCH_CAPTURES; i++)
		bench_depth = stack_walk_from_signal((enum stack_walk_kind)bench_kind, uc, 0, 0, bench_pcs, STACK_WALK_MAX);
	bench_ns = bench_now() - t0;
	bench_done = 1;
}

static int bench_compare(const void *a, const void *b)
{
	if (!bench_done)
		raise(SIGPROF); /* the capture happens here, inside qsort */
	return *(const int *)a - *(const int *)b;
}

__attribute__((noinline)) static void bench_sort(void)
{
	int v[8] = { 5, 3, 7, 1, 8, 2, 6, 4 };
	qsort(v, 8, sizeof v[0], bench_compare);
	bench_sink += v[0];
}

__attribute__((noinline)) static void bench_chain(int n)
{
	if (n > 0)
		bench_chain(n - 1);
	else
		bench_sort();
	bench_sink++;
}


int main(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = bench_handler;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGPROF, &sa, NULL);
	struct symbolizer *sym = symbolize_new();
	static const char *const names[] = { "frame pointers", "libunwind" };
	for (int kind = 0; kind < 2; kind++) {
		bench_kind = kind;
		bench_done = 0;
		bench_chain(10);
		int whole = 0;
		for (int i = 0; i < bench_depth; i++) {
			struct sym_info si;
			if (symbolize_lookup(sym, i ? bench_pcs[i] - 1 : bench_pcs[i], &si) && si.function &&
			    !strcmp(si.function, "main"))
				whole = 1;
		}
		printf("%-15s %7.0f ns per capture, %2d frames, %s\n", names[kind], (double)bench_ns / BENCH_CAPTURES,
		       bench_depth, whole ? "whole stack (reaches main)" : "stack cut short at qsort");
	}
	symbolize_free(sym);
	return 0;
}
