/* pprof_sym.h: a pprof profile's mappings and locations from the
 * symbolizer, and its encoding: what every profiler that writes pprof
 * (CPU, memory, block, mutex) does the same way. */
#ifndef NEB_PPROF_SYM_H
#define NEB_PPROF_SYM_H

#include <stddef.h>
#include <stdint.h>

#include "../base/errbuf.h"

struct pprof;
struct symbolizer;

struct pprof_sym {
	struct pprof *pp;
	struct symbolizer *sym;  /* NULL: locations are bare addresses */
	uint64_t *mapping_ids;   /* pp's id of each of the symbolizer's mappings; NULL when out of memory */
	size_t nmappings;
};

/* What a profile's samples hold: up to four (type, unit) values, the
 * type pprof shows by default, and the (type, unit) the period counts. */
struct pprof_shape {
	const char *values[4][2];
	const char *shown;
	const char *period[2];
};

/* A new profile of that shape, its samples one period apart. */
struct pprof *pprof_sym_new(const struct pprof_shape *shape, int64_t period);
/* Adds the symbolizer's mappings to pp (after its sample types, so the
 * string table keeps its order); sym may be NULL. */
void pprof_sym_add_mappings(struct pprof_sym *ps, struct pprof *pp, struct symbolizer *sym);
/* Reads ahead what the source positions of these n code addresses need
 * (each as it will be given to pprof_sym_add_location): one pass over the
 * line table of each library for all of them, rather than one per new
 * address. */
void pprof_sym_prepare(const struct pprof_sym *ps, const uint64_t *ats, size_t n);
/* The location of code address at (a return address - 1, or a sampled pc),
 * symbolized. */
uint64_t pprof_sym_add_location(const struct pprof_sym *ps, uint64_t at);
/* Encodes the profile gzipped into *out and frees it and ps's tables;
 * what names the profile in the error ("cannot encode the %s profile"). */
int pprof_sym_encode(struct pprof_sym *ps, const char *what, unsigned char **out, size_t *len, struct errbuf *e);

#endif
