/* compare.c: the command line of `nebtop compare BASELINE OPTIMIZED
 * [--fail-on-regression PCT] [--json] [--flame FILE]`: reads the options
 * (cliopt_parse), loads the runs of both sides, compares them, writes
 * the diff flame graph and sets the exit status. */
#include "autoconfig.h"

#include "compare.h"
#include "../base/cliopt.h"

#include <stdlib.h>
#include <string.h>

enum { COMPARE_EXIT_OK = 0, COMPARE_EXIT_REGRESSION = 1, COMPARE_EXIT_USAGE = 2 };

enum { COMPARE_OPT_FAIL = 256, COMPARE_OPT_JSON, COMPARE_OPT_FLAME };

struct compare_opts {
	const char *base, *opt; /* the two arguments */
	const char *flame;      /* --flame: the diff flame graph's file, or "none" */
	double threshold_pct;
	int threshold_given, json, help;
};

static void compare_print_help(void)
{
	fputs("Usage: nebtop compare BASELINE OPTIMIZED [OPTIONS]\n"
	      "Compares two runs: throughput, per-stage latency (p50, p99), peak RSS, heap in\n"
	      "use, allocations per record, the allocator's share of CPU, CPU per record and\n"
	      "error rate, side by side with the change and a verdict (better, worse, same);\n"
	      "then the bottleneck findings resolved, new and persisting, and each run's\n"
	      "primary bottleneck; then what changed: the stage whose busy share and the\n"
	      "stage latency that moved most, the functions whose share of CPU grew most.\n"
	      "BASELINE and OPTIMIZED are each a metrics_STAMP.json file or a snapshot\n"
	      "folder: each run in it by its final snapshot (the folder's latest snapshot\n"
	      "when no run has one). A folder of several runs is a sample: medians, and\n"
	      "the 95% interval of each change (a bootstrap).\n"
	      "\n"
	      "  --fail-on-regression PCT  exit 1 when a figure got worse by more than PCT\n"
	      "                            percent (or went from 0 to some, the bad way);\n"
	      "                            with several runs a side, when the whole interval\n"
	      "                            is past PCT (one that spans it is inconclusive)\n"
	      "  --json                    print one JSON object instead of the table\n"
	      "  --flame FILE              write the diff flame graph to FILE (default\n"
	      "                            diff_flame.svg; none: no file)\n"
	      "  -h, --help                this help\n"
	      "\n"
	      "Exit status: 0 done, 1 a regression over PCT, 2 bad usage or unreadable input.\n"
	      "See nebtop(1), section COMPARE.\n",
	      stdout);
}

/* A percentage: a decimal number, at least 0, with an optional '%'. */
static int compare_parse_pct(const char *s, double *v)
{
	size_t digits = 0, dots = 0, i = 0;
	for (; s[i] && s[i] != '%'; i++) {
		if (s[i] >= '0' && s[i] <= '9')
			digits++;
		else if (s[i] == '.')
			dots++;
		else
			return -1;
	}
	if (digits == 0 || dots > 1 || (s[i] == '%' && s[i + 1]))
		return -1;
	*v = strtod(s, NULL);
	return 0;
}

/* One option of nebtop compare's command line (cliopt_parse). */
static int compare_take_option(void *ctx, int opt, const char *optarg, struct errbuf *e)
{
	struct compare_opts *o = ctx;
	switch (opt) {
	case COMPARE_OPT_FAIL:
		if (compare_parse_pct(optarg, &o->threshold_pct))
			return errbuf_set(e, "--fail-on-regression: '%s' is not a percentage (a number, at least "
					  "0, such as 5 or 2.5)", optarg);
		o->threshold_given = 1;
		break;
	case COMPARE_OPT_JSON:
		o->json = 1;
		break;
	case COMPARE_OPT_FLAME:
		if (!optarg[0] || optarg[strlen(optarg) - 1] == '/')
			return errbuf_set(e, "--flame: '%s' is not a file name (a file such as diff.svg, or none)",
					  optarg);
		o->flame = optarg;
		break;
	case 'h':
		o->help = 1;
		break;
	}
	return 0;
}

static int compare_parse_options(struct compare_opts *o, int argc, char **argv, struct errbuf *e)
{
	static const struct option longopts[] = {
		{ "fail-on-regression", required_argument, NULL, COMPARE_OPT_FAIL },
		{ "json", no_argument, NULL, COMPARE_OPT_JSON },
		{ "flame", required_argument, NULL, COMPARE_OPT_FLAME },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	memset(o, 0, sizeof *o);
	o->flame = "diff_flame.svg";
	int first = cliopt_parse(argc, argv, ":h", longopts, compare_take_option, o, "nebtop compare --help", e);
	if (first < 0)
		return -1;
	if (o->help)
		return 0;
	int n = argc - first;
	if (n != 2)
		return errbuf_set(e, "%s: two arguments are needed, BASELINE and OPTIMIZED (a metrics_STAMP.json "
				  "file or a snapshot folder each); usage: nebtop compare BASELINE OPTIMIZED "
				  "[--fail-on-regression PCT] [--json] [--flame FILE]",
				  n < 2 ? (n == 0 ? "no run given" : "only one run given") : "too many arguments");
	o->base = argv[first];
	o->opt = argv[first + 1];
	return 0;
}

/* Finds and reads the runs an argument names ("baseline" or "optimized"). */
static int compare_load_arg(struct compare_side *s, const char *role, const char *arg, struct errbuf *e)
{
	if (compare_runs_load(s, arg, e) == 0)
		return 0;
	errbuf_prefix(e, "%s", role);
	return -1;
}

/* The metrics files of a side's runs, into a malloc'd array (NULL without memory). */
static const char **compare_side_files(const struct compare_side *s)
{
	const char **v = calloc(s->n ? s->n : 1, sizeof *v);
	for (size_t i = 0; v && i < s->n; i++)
		v[i] = s->runs[i].file;
	return v;
}

/* The diff flame graph of --flame (named in res when written), each side's
 * runs' profiles summed; a run without a CPU profile is said on stderr and
 * is no error. 0, or -1 when the file cannot be written (said on stderr). */
static int compare_write_flame(const struct compare_opts *o, const struct compare_side *base,
			       const struct compare_side *opt, struct compare_result *res)
{
	if (!strcmp(o->flame, "none"))
		return 0;
	const char **b = compare_side_files(base), **p = compare_side_files(opt);
	struct errbuf e;
	int rc = b && p ? compare_flame_write(b, base->n, p, opt->n, o->flame, &e)
			: errbuf_set(&e, "out of memory");
	free(b);
	free(p);
	if (rc > 0)
		fprintf(stderr, "nebtop compare: no diff flame graph: %s\n", e.msg);
	else if (rc < 0)
		fprintf(stderr, "nebtop compare: --flame %s: %s\n", o->flame, e.msg);
	else
		res->diff_flame = o->flame;
	return rc < 0 ? -1 : 0;
}

int compare_main(int argc, char **argv)
{
	struct compare_opts o;
	struct errbuf e;
	if (compare_parse_options(&o, argc, argv, &e)) {
		fprintf(stderr, "nebtop compare: %s\n", e.msg);
		return COMPARE_EXIT_USAGE;
	}
	if (o.help) {
		compare_print_help();
		return COMPARE_EXIT_OK;
	}
	struct compare_side base, opt;
	struct compare_result res;
	memset(&opt, 0, sizeof opt);
	memset(&res, 0, sizeof res);
	int rc = COMPARE_EXIT_USAGE;
	if (compare_load_arg(&base, "baseline", o.base, &e) || compare_load_arg(&opt, "optimized", o.opt, &e)) {
		fprintf(stderr, "nebtop compare: %s\n", e.msg);
		goto out;
	}
	if (compare_judge_sides(&res, &base, &opt, o.threshold_pct, o.threshold_given)) {
		fprintf(stderr, "nebtop compare: out of memory\n");
		goto out;
	}
	if (compare_write_flame(&o, &base, &opt, &res))
		goto out;
	if (o.json) {
		if (compare_print_json(stdout, &res, &e)) {
			fprintf(stderr, "nebtop compare: %s\n", e.msg);
			goto out;
		}
	} else {
		compare_print_text(stdout, &res);
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "nebtop compare: cannot write the output\n");
		goto out;
	}
	rc = o.threshold_given && res.nregressions ? COMPARE_EXIT_REGRESSION : COMPARE_EXIT_OK;
out:
	compare_free_result(&res);
	compare_side_free(&opt);
	compare_side_free(&base);
	return rc;
}
