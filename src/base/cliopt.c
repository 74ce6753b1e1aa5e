/* cliopt.c: the one getopt loop of nebtop's command lines (cliopt.h). */
#include "autoconfig.h"

#include "cliopt.h"

#include <stdio.h>
#include <string.h>

#include "confmap.h"

/* An option getopt did not take: a mistyped one ("-sourc", "--durration")
 * gets the closest option's name, in the form typed (one dash or two), by
 * the rule that suggests INI keys (confmap_suggest_key). */
static int cliopt_fail_unknown(const struct option *longopts, const char *arg, const char *help, struct errbuf *e)
{
	const char *known[32];
	size_t n = 0;
	for (; longopts[n].name && n < sizeof known / sizeof known[0]; n++)
		known[n] = longopts[n].name;
	size_t dashes = strspn(arg, "-");
	char name[64];
	snprintf(name, sizeof name, "%.*s", (int)strcspn(arg + dashes, "="), arg + dashes);
	/* a letter or two is a short option, too short to guess from */
	const char *hint = strlen(name) > 2 ? confmap_suggest_key(name, known, n) : NULL;
	if (hint)
		return errbuf_set(e, "unknown option %s (did you mean %.*s%s?)", arg, (int)dashes, arg, hint);
	return errbuf_set(e, "unknown or ambiguous option %s (see %s)", arg, help);
}

int cliopt_parse(int argc, char **argv, const char *shortopts, const struct option *longopts, cliopt_take_fn take,
		 void *ctx, const char *help, struct errbuf *e)
{
	opterr = 0;
	optind = 1;
	int opt, at = optind;
	/* `at` is the argument getopt works on: an error names it whole, even
	 * when getopt took "-bogus" for the short options -b -o ... */
	while ((opt = getopt_long_only(argc, argv, shortopts, longopts, NULL)) != -1) {
		const char *arg = at < argc ? argv[at] : argv[argc - 1];
		if (arg[0] != '-')
			arg = argv[optind - 1];
		at = optind;
		if (opt == ':')
			return errbuf_set(e, "option %s needs a value (see %s)", arg, help);
		if (opt == '?') {
			if (optopt && strchr(arg, '='))
				return errbuf_set(e, "option %.*s takes no value", (int)(strchr(arg, '=') - arg), arg);
			return cliopt_fail_unknown(longopts, arg, help, e);
		}
		if (take(ctx, opt, optarg, e))
			return -1;
	}
	return optind;
}
