/* cli.c: parsing nebtop's command line. */
#include "autoconfig.h"

#include "cli.h"

#include "../connectors/registry.h"
#include "base/cliopt.h"
#include "base/confmap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
	OPT_SOURCE = 256,
	OPT_DESTINATION,
	OPT_SOURCE_CONFIG,
	OPT_DEST_CONFIG,
	OPT_DURATION,
	OPT_OUTPUT,
	OPT_TYPES,
	OPT_BATCH,
	OPT_WORKERS,
	OPT_BUFFER,
	OPT_CPU_DURATION,
	OPT_LISTEN,
	OPT_WHATIF,
	OPT_NO_COLOR,
	OPT_VERSION,
};

/* Flags that set one configuration key. */
static const struct {
	int opt;
	const char *flag, *section, *key;
} cli_key_flags[] = {
	{ OPT_SOURCE, "-source", "source", "type" },
	{ OPT_DESTINATION, "-destination", "destination", "type" },
	{ OPT_DURATION, "-duration", "pipeline", "duration" },
	{ OPT_OUTPUT, "-output", "profile", "output" },
	{ OPT_TYPES, "-types", "profile", "types" },
	{ OPT_BATCH, "-batch", "pipeline", "batch" },
	{ OPT_WORKERS, "-workers", "pipeline", "workers" },
	{ OPT_BUFFER, "-buffer", "pipeline", "buffer" },
	{ OPT_CPU_DURATION, "-cpu-duration", "profile", "cpu_duration" },
	{ OPT_LISTEN, "-listen", "export", "listen" },
	{ OPT_WHATIF, "-whatif", "profile", "whatif" },
};

static void cli_add(struct cli *cli, const char *section, const char *key, const char *value, const char *origin,
		    int line)
{
	cli->ov = realloc(cli->ov, (cli->nov + 1) * sizeof *cli->ov);
	char *k = strdup(key), *v = strdup(value);
	if (!cli->ov || !k || !v) {
		fprintf(stderr, "nebtop: out of memory\n");
		abort();
	}
	cli->ov[cli->nov++] = (struct cli_override){ section, origin, k, v, line };
}

/* Splits "k=v,k=v" (a comma inside a value is written "\,"). */
static int cli_add_pairs(struct cli *cli, const char *section, const char *flag, const char *list,
			 struct errbuf *e)
{
	size_t n = strlen(list);
	char *item = malloc(n + 1);
	if (!item)
		abort();
	for (size_t i = 0; i <= n; i++) {
		size_t o = 0;
		for (; i < n && list[i] != ','; i++) {
			if (list[i] == '\\' && i + 1 < n && list[i + 1] == ',')
				i++;
			item[o++] = list[i];
		}
		item[o] = 0;
		if (o == 0)
			continue;
		char *eq = strchr(item, '=');
		if (!eq || eq == item) {
			errbuf_set(e, "%s: '%s' is not KEY=VALUE", flag, item);
			free(item);
			return -1;
		}
		*eq = 0;
		/* "key = value" written with spaces means key and value */
		char *k = item, *v = eq + 1, *end = eq;
		while (*k == ' ')
			k++;
		while (end > k && end[-1] == ' ')
			*--end = 0;
		while (*v == ' ')
			v++;
		for (end = v + strlen(v); end > v && end[-1] == ' ';)
			*--end = 0;
		if (!*k) {
			errbuf_set(e, "%s: '=%s' has no key", flag, v);
			free(item);
			return -1;
		}
		cli_add(cli, section, k, v, flag, -1);
	}
	free(item);
	return 0;
}

/* One option of nebtop's command line (cliopt_parse). */
static int cli_take_option(void *ctx, int opt, const char *optarg, struct errbuf *e)
{
	struct cli *cli = ctx;
	switch (opt) {
	case 'c':
		if (cli->config_file && strcmp(cli->config_file, optarg))
			return errbuf_set(e, "two configuration files given: %s and %s", cli->config_file, optarg);
		cli->config_file = optarg;
		break;
	case 'b':
		cli->headless = 1;
		break;
	case 'h':
		cli->help = 1;
		break;
	case OPT_NO_COLOR:
		cli->no_color = 1;
		break;
	case OPT_VERSION:
		cli->version = 1;
		break;
	case OPT_SOURCE_CONFIG:
		return cli_add_pairs(cli, "source", "-source-config", optarg, e);
	case OPT_DEST_CONFIG:
		return cli_add_pairs(cli, "destination", "-dest-config", optarg, e);
	default:
		for (size_t i = 0; i < sizeof cli_key_flags / sizeof cli_key_flags[0]; i++)
			if (cli_key_flags[i].opt == opt)
				cli_add(cli, cli_key_flags[i].section, cli_key_flags[i].key, optarg, cli_key_flags[i].flag, 0);
		break;
	}
	return 0;
}

int cli_parse(struct cli *cli, int argc, char **argv, struct errbuf *e)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "source", required_argument, NULL, OPT_SOURCE },
		{ "destination", required_argument, NULL, OPT_DESTINATION },
		{ "source-config", required_argument, NULL, OPT_SOURCE_CONFIG },
		{ "dest-config", required_argument, NULL, OPT_DEST_CONFIG },
		{ "duration", required_argument, NULL, OPT_DURATION },
		{ "output", required_argument, NULL, OPT_OUTPUT },
		{ "types", required_argument, NULL, OPT_TYPES },
		{ "batch", required_argument, NULL, OPT_BATCH },
		{ "workers", required_argument, NULL, OPT_WORKERS },
		{ "buffer", required_argument, NULL, OPT_BUFFER },
		{ "cpu-duration", required_argument, NULL, OPT_CPU_DURATION },
		{ "listen", required_argument, NULL, OPT_LISTEN },
		{ "whatif", required_argument, NULL, OPT_WHATIF },
		{ "headless", no_argument, NULL, 'b' },
		{ "no-color", no_argument, NULL, OPT_NO_COLOR },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	memset(cli, 0, sizeof *cli);
	int first = cliopt_parse(argc, argv, ":c:bh", longopts, cli_take_option, cli, "nebtop --help", e);
	if (first < 0)
		return -1;
	for (int i = first; i < argc; i++) {
		if (cli->config_file && strcmp(cli->config_file, argv[i]))
			return errbuf_set(e, "unexpected argument '%s': only one configuration file is taken", argv[i]);
		cli->config_file = argv[i];
	}
	return 0;
}

void cli_apply_overrides(const struct cli *cli, struct config *c)
{
	for (size_t i = 0; i < cli->nov; i++) {
		const struct cli_override *ov = &cli->ov[i];
		struct confsection *sec = config_find_section(c, ov->section);
		if (!sec->origin)
			sec->origin = ov->origin;
		confsection_add(sec, ov->key, ov->value, ov->origin, ov->line);
	}
}

int cli_names_connectors(const struct cli *cli)
{
	for (size_t i = 0; i < cli->nov; i++)
		if (!strcmp(cli->ov[i].section, "source") || !strcmp(cli->ov[i].section, "destination"))
			return 1;
	return 0;
}

void cli_free(struct cli *cli)
{
	for (size_t i = 0; i < cli->nov; i++) {
		free(cli->ov[i].key);
		free(cli->ov[i].value);
	}
	free(cli->ov);
	memset(cli, 0, sizeof *cli);
}

void cli_print_help(void)
{
	char sources[256], dests[256];
	connector_format_sources(registry_get_catalog(), sources, sizeof sources);
	connector_format_dests(registry_get_catalog(), dests, sizeof dests);
	fputs("Usage: nebtop [OPTIONS] [CONFIG.ini]\n"
	      "       nebtop attach [--no-color] [HOST:]PORT   (the screen of a nebtop run with -listen)\n"
	      "       nebtop compare [OPTIONS] BEFORE AFTER\n"
	      "Runs a data pipeline and profiles it: throughput, per-stage latency and busy,\n"
	      "backpressured and idle time, channel fill, CPU, memory, waits and threads, with\n"
	      "snapshots of reports and profiles (go tool pprof) on SIGUSR1 and at the end.\n"
	      "With no INI file and no source or destination options it runs the built-in\ndemo pipeline.\n"
	      "\n"
	      "  -c, --config FILE        INI pipeline file (also the one positional argument)\n",
	      stdout);
	printf("  -source TYPE             source connector: %s (default csv)\n"
	       "  -destination TYPE        destination connector: %s (default json)\n",
	       sources, dests);
	fputs("  -source-config K=V,...   source keys, as in the [source] section\n"
	      "  -dest-config K=V,...     destination keys, as in the [destination] section\n"
	      "  -duration D              stop after D (250ms, 30s, 2m) or at the end of the input;\n"
	      "                           0 = no time limit (default: none for an input that ends;\n"
	      "                           30s for an endless one headless, that is with --headless\n"
	      "                           or without a terminal)\n"
	      "  -output DIR              snapshot folder (default ./profiles); none: no snapshots\n"
	      "  -types LIST              profiles: cpu,memory,block,mutex,goroutine (threads),\n"
	      "                           trace, all or none (default cpu,memory)\n"
	      "  -batch N                 records per batch (default 1000)\n"
	      "  -workers N               worker threads per stage (default 4)\n"
	      "  -buffer N                channel capacity in records (default 10000)\n"
	      "  -cpu-duration D          time a snapshot's CPU profile covers (default 30s)\n"
	      "  -listen [HOST:]PORT      serve /metrics (Prometheus), /api/v1/metrics and\n"
	      "                           /api/v1/snapshot over HTTP (default host 127.0.0.1)\n"
	      "  -whatif STAGE|auto       what-if experiments: the throughput if STAGE were 1.25x,\n"
	      "                           1.5x and 2x faster (auto: the bottleneck and the next)\n"
	      "  -b, --headless           no TUI: progress lines on stderr\n"
	      "      --no-color           monochrome (NO_COLOR in the environment does the same)\n"
	      "      --version            print the version\n"
	      "  -h, --help               this help\n"
	      "\n"
	      "Exit status: 0 success; 1 the pipeline failed (nothing committed); 2 bad usage or\n"
	      "configuration; 3 finished, but more records lost to errors than max_errors allows;\n"
	      "4 the output is committed but the final snapshot could not be written; 130 the\n"
	      "drain was abandoned (a second q or stop signal; FILE.part left).\n"
	      "See nebtop(1) and nebtop.ini(5).\n",
	      stdout);
}
