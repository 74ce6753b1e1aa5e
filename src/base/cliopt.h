/* cliopt.h: the one getopt loop of nebtop's command lines (nebtop's own and
 * `nebtop compare`): long options with one dash or two, an error that names
 * the argument whole as typed, and "did you mean" for a mistyped option. */
#ifndef NEB_CLIOPT_H
#define NEB_CLIOPT_H

#include <getopt.h>

#include "errbuf.h"

/* Takes one option (opt as getopt_long_only returns it, arg its value or
 * NULL); 0, or -1 with the message in e. */
typedef int (*cliopt_take_fn)(void *ctx, int opt, const char *arg, struct errbuf *e);

/* Runs getopt_long_only over argv with shortopts (which must start with
 * ':') and longopts, handing each option to take. help names where to look
 * in messages ("nebtop --help"). Returns the index of the first operand, or
 * -1 with the message in e. */
int cliopt_parse(int argc, char **argv, const char *shortopts, const struct option *longopts, cliopt_take_fn take,
		 void *ctx, const char *help, struct errbuf *e);

#endif
