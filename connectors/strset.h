/* strset.h: a set of strings (open addressing, FNV-1a), growing with what is
 * added: the HTTP source's next links and cursors already followed, so that
 * a page that points back to one is found at once. */
#ifndef NEB_STRSET_H
#define NEB_STRSET_H

#include <stddef.h>

struct strset {
	char **slots; /* copies of the strings; NULL = empty slot */
	size_t cap, n;
};

/* Adds a copy of str: 1 when it was new, 0 when it was there, -1 when out of
 * memory. */
int strset_add(struct strset *s, const char *str);
void strset_free(struct strset *s);

#endif
