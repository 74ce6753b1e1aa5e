/* pprof.h: builds a profile in pprof's format (perftools.profiles.Profile,
 * the gzip-compressed protobuf `go tool pprof` reads) and encodes it.
 *
 * Strings, functions (by name and file) and locations (by address, mapping,
 * function and line) are interned through hash tables, so equal ones share
 * one id. Ids start at 1; 0 means "none". Samples are given leaf first
 * (locations[0] is the leaf). A handle is not thread-safe. Running out of
 * memory aborts. */
#ifndef NEB_PPROF_H
#define NEB_PPROF_H

#include <stddef.h>
#include <stdint.h>

struct pprof;

/* A sample's label: a string label (str not NULL; num and num_unit ignored)
 * or a numeric one (str NULL; num_unit NULL when it has no unit). pprof
 * drops a numeric label whose num is 0 and that has no unit, and reads a
 * string label whose str is "" as such a numeric label. */
struct pprof_label {
	const char *key;
	const char *str;
	int64_t num;
	const char *num_unit;
};

struct pprof *pprof_new(void);
void pprof_free(struct pprof *p);

/* One per value of every sample, in the samples' value order. A NULL string
 * is taken as "" here and below. */
void pprof_add_sample_type(struct pprof *p, const char *type, const char *unit);
void pprof_set_period(struct pprof *p, const char *type, const char *unit, int64_t period);
/* time_nanos: when the profile was taken (ns since the epoch) */
void pprof_set_time(struct pprof *p, int64_t time_nanos, int64_t duration_nanos);
void pprof_add_comment(struct pprof *p, const char *comment);
/* the type (as given to pprof_add_sample_type) pprof shows by default */
void pprof_set_default_sample_type(struct pprof *p, const char *type);

/* Returns the new mapping's id (mappings are not interned). */
uint64_t pprof_add_mapping(struct pprof *p, uint64_t start, uint64_t limit, uint64_t offset, const char *file,
			   const char *build_id, int has_functions, int has_filenames, int has_line_numbers);
/* Returns the location's id, the same for the same (address, mapping,
 * function, file, line). function may be NULL (unsymbolized: file and line
 * are then ignored); file NULL or line 0 when unknown; mapping_id 0 = none.
 * Returns 0 when mapping_id is not a mapping's id. */
uint64_t pprof_add_location(struct pprof *p, uint64_t address, uint64_t mapping_id, const char *function,
			    const char *file, int64_t line);
/* locations[0] is the leaf. nvalues must end up equal to the number of
 * sample types. A location id that is not one makes the profile invalid. */
void pprof_add_sample(struct pprof *p, const uint64_t *locations, size_t nlocations, const int64_t *values,
		      size_t nvalues, const struct pprof_label *labels, size_t nlabels);

/* The protobuf, gzip-compressed, in a malloc'd buffer the caller frees.
 * Returns 0, or -1 with errno EINVAL when the profile is invalid (a sample
 * with an unknown location id, or whose number of values is not the number
 * of sample types) or EIO when zlib fails. */
int pprof_encode_gzip(struct pprof *p, unsigned char **out, size_t *len);
/* The same, uncompressed. */
int pprof_encode(struct pprof *p, unsigned char **out, size_t *len);

#endif
