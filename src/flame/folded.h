/* folded.h: folded stacks ("stage;root;...;leaf COUNT" lines, as
 * cpu_TS.folded holds them) read back into memory, for the programs that
 * draw or compare CPU profiles after a run (flame graphs, compare). */
#ifndef NEB_FOLDED_H
#define NEB_FOLDED_H

#include <stddef.h>
#include <stdint.h>

#include "../base/errbuf.h"

struct folded_row {
	char *stack;    /* "stage;root;...;leaf", frames separated by ';' */
	uint64_t count; /* samples */
};

struct folded {
	struct folded_row *rows; /* in the order read; a stack seen twice is summed into one row */
	size_t n;
	uint64_t total; /* the samples of every row */
};

/* Parses text (len bytes, need not end in NUL). Blank lines are skipped; a
 * line without a trailing count, or with a count that is not a whole
 * number, is refused with its line number. 0, or -1 with e set. */
int folded_parse(struct folded *f, const char *text, size_t len, struct errbuf *e);
/* folded_parse of a file; the message names the file. */
int folded_load(struct folded *f, const char *path, struct errbuf *e);
void folded_free(struct folded *f);

/* The samples of each function as the leaf (flat) and anywhere in the stack
 * (cum, a function counted once per stack however often it recurs). The
 * first frame (the stage) is not a function. */
struct folded_fn {
	char *name;
	uint64_t flat, cum;
};
/* Fills *out (malloc'd, by flat then cum, largest first) and returns how
 * many, or -1 without memory. */
long folded_functions(const struct folded *f, struct folded_fn **out);
void folded_functions_free(struct folded_fn *v, size_t n);

#endif
