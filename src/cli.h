/* cli.h: the command line (getopt_long_only, so -source csv and --source=csv
 * both work). Options that set configuration keys are kept as overrides and
 * applied after the INI file is loaded, so the command line wins. */
#ifndef NEB_CLI_H
#define NEB_CLI_H

#include "config/config.h"
#include "base/errbuf.h"

struct cli_override {
	const char *section, *origin;
	char *key, *value;
	int line; /* 0: the flag sets this one key; -1: one of a K=V list */
};

struct cli {
	const char *config_file;
	int headless, no_color, help, version;
	struct cli_override *ov;
	size_t nov;
};

/* Parses argv; -1 with a message naming the option on bad usage. */
int cli_parse(struct cli *cli, int argc, char **argv, struct errbuf *e);
/* Adds the overrides to c's sections (after the INI file). */
void cli_apply_overrides(const struct cli *cli, struct config *c);
/* 1 when the options name a source or destination (-source, -destination,
 * -source-config, -dest-config): without them and without an INI file,
 * nebtop runs its built-in demo. */
int cli_names_connectors(const struct cli *cli);
void cli_free(struct cli *cli);
void cli_print_help(void);

#endif
