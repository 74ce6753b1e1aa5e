/* test_procstat.c: unit tests for pipeline/procstat.c: /proc/stat texts as
 * the kernel writes them (proc(5)), made up, and the machine's busy cores
 * between two of them. */
#include "autoconfig.h"

#include <check.h>
#include <math.h>

#include "../../pipeline/procstat.h"
#include "tests/unit/unit_main.h"

/* A 2-CPU machine: user nice system idle iowait irq softirq steal guest guest_nice. */
static const char stat_a[] = "cpu  100 20 30 800 50 5 5 10 7 0\n"
			     "cpu0 50 10 15 400 25 3 2 5 7 0\n"
			     "cpu1 50 10 15 400 25 2 3 5 0 0\n"
			     "intr 12345 1 2 3\n"
			     "ctxt 99\n"
			     "btime 1700000000\n"
			     "processes 1234\n"
			     "procs_running 3\n";
/* a while later: 200 ticks more busy, 50 more idle */
static const char stat_b[] = "cpu  250 20 80 850 50 5 5 10 7 0\n"
			     "cpu0 150 10 65 400 25 3 2 5 7 0\n"
			     "cpu1 100 10 15 450 25 2 3 5 0 0\n"
			     "intr 12400 1 2 3\n";

START_TEST(test_parse_sums)
{
	struct procstat_cpu c;
	ck_assert_int_eq(procstat_parse(stat_a, &c), 0);
	ck_assert_int_eq(c.ok, 1);
	/* busy: user + nice + system + irq + softirq + steal; guest is inside user already */
	ck_assert_uint_eq(c.busy, 100 + 20 + 30 + 5 + 5 + 10);
	ck_assert_uint_eq(c.idle, 800 + 50); /* idle + iowait */
	ck_assert_uint_eq(c.cpus, 2);
}
END_TEST

START_TEST(test_busy_cores)
{
	struct procstat_cpu a, b;
	procstat_parse(stat_a, &a);
	procstat_parse(stat_b, &b);
	/* 200 busy and 50 idle ticks of 2 CPUs: 1.6 cores busy */
	ck_assert_double_eq_tol(procstat_busy_cores(&a, &b), 2.0 * 200 / 250, 1e-9);
	/* no tick between two equal readings: unknown, not 0 */
	ck_assert_double_eq(procstat_busy_cores(&a, &a), -1);
	/* counters that went back (another boot, a damaged read): unknown */
	ck_assert_double_eq(procstat_busy_cores(&b, &a), -1);
}
END_TEST

/* All busy and all idle are the two ends. */
START_TEST(test_busy_cores_bounds)
{
	struct procstat_cpu a, b, c;
	procstat_parse("cpu  0 0 0 0 0 0 0 0\ncpu0 0 0 0 0\ncpu1 0 0 0 0\ncpu2 0 0 0 0\ncpu3 0 0 0 0\n", &a);
	procstat_parse("cpu  400 0 0 0 0 0 0 0\ncpu0 0 0 0 0\ncpu1 0 0 0 0\ncpu2 0 0 0 0\ncpu3 0 0 0 0\n", &b);
	procstat_parse("cpu  400 0 0 400 0 0 0 0\ncpu0 0 0 0 0\ncpu1 0 0 0 0\ncpu2 0 0 0 0\ncpu3 0 0 0 0\n", &c);
	ck_assert_uint_eq(a.cpus, 4);
	ck_assert_double_eq_tol(procstat_busy_cores(&a, &b), 4, 1e-9);
	ck_assert_double_eq_tol(procstat_busy_cores(&b, &c), 0, 1e-9);
	/* steal (a hypervisor gave the CPU to someone else) is not idle time */
	procstat_parse("cpu  0 0 0 0 0 0 0 300\ncpu0 0 0 0 0\n", &a);
	procstat_parse("cpu  0 0 0 100 0 0 0 400\ncpu0 0 0 0 0\n", &b);
	ck_assert_double_eq_tol(procstat_busy_cores(&a, &b), 0.5, 1e-9);
}
END_TEST

/* Kernels before 2.6.11 write only user, nice, system, idle. */
START_TEST(test_parse_old_kernel)
{
	struct procstat_cpu c;
	ck_assert_int_eq(procstat_parse("cpu  10 2 3 40\ncpu0 10 2 3 40\n", &c), 0);
	ck_assert_uint_eq(c.busy, 15);
	ck_assert_uint_eq(c.idle, 40);
	ck_assert_uint_eq(c.cpus, 1);
}
END_TEST

START_TEST(test_parse_nothing)
{
	struct procstat_cpu a, b;
	ck_assert_int_eq(procstat_parse("", &a), -1);
	ck_assert_int_eq(a.ok, 0);
	ck_assert_int_eq(procstat_parse("intr 1 2 3\nctxt 4\n", &a), -1);
	ck_assert_int_eq(procstat_parse("cpu  1 2\n", &a), -1); /* too few fields */
	ck_assert_int_eq(procstat_parse(stat_b, &b), 0);
	ck_assert_double_eq(procstat_busy_cores(&a, &b), -1);
	ck_assert_double_eq(procstat_busy_cores(&b, &a), -1);
}
END_TEST

/* This machine's own /proc/stat reads, and no more cores are busy than it has. */
START_TEST(test_read_here)
{
	struct procstat_cpu a, b;
	procstat_read(&a);
	ck_assert_uint_ge(a.cpus, 1);
	if (!a.ok)
		return; /* no /proc here */
	volatile double x = 0;
	for (int i = 0; i < 20000000; i++)
		x += sqrt((double)i);
	procstat_read(&b);
	double busy = procstat_busy_cores(&a, &b);
	if (busy >= 0) {
		ck_assert(busy <= b.cpus + 1e-9);
	}
}
END_TEST

static Suite *procstat_suite(void)
{
	Suite *s = suite_create("procstat");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_parse_sums);
	tcase_add_test(tc, test_busy_cores);
	tcase_add_test(tc, test_busy_cores_bounds);
	tcase_add_test(tc, test_parse_old_kernel);
	tcase_add_test(tc, test_parse_nothing);
	tcase_add_test(tc, test_read_here);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run_suite(procstat_suite());
}
