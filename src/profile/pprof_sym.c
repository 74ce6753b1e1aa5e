/* pprof_sym.c: symbolized mappings and locations for pprof profiles, and
 * their encoding (pprof_sym.h). */
#include "autoconfig.h"

#include "pprof_sym.h"

#include <stdlib.h>

#include "pprof.h"
#include "../symbols/symbolize.h"

void pprof_sym_add_mappings(struct pprof_sym *ps, struct pprof *pp, struct symbolizer *sym)
{
	const struct sym_mapping *m = NULL;
	size_t nm = sym ? symbolize_mappings(sym, &m) : 0;
	*ps = (struct pprof_sym){ pp, sym, calloc(nm ? nm : 1, sizeof *ps->mapping_ids), nm };
	for (size_t i = 0; ps->mapping_ids && i < nm; i++)
		ps->mapping_ids[i] = pprof_add_mapping(pp, m[i].start, m[i].limit, m[i].offset, m[i].file,
						       m[i].build_id, m[i].has_functions, m[i].has_lines,
						       m[i].has_lines);
}

void pprof_sym_prepare(const struct pprof_sym *ps, const uint64_t *ats, size_t n)
{
	if (ps->sym && n)
		symbolize_prepare(ps->sym, ats, n);
}

uint64_t pprof_sym_add_location(const struct pprof_sym *ps, uint64_t at)
{
	struct sym_info si = { 0 };
	si.mapping = -1;
	int known = ps->sym && symbolize_lookup(ps->sym, at, &si);
	uint64_t mid = ps->mapping_ids && si.mapping >= 0 && (size_t)si.mapping < ps->nmappings
			       ? ps->mapping_ids[si.mapping]
			       : 0;
	return pprof_add_location(ps->pp, at, mid, known ? si.function : NULL, si.file, si.line);
}

int pprof_sym_encode(struct pprof_sym *ps, const char *what, unsigned char **out, size_t *len, struct errbuf *e)
{
	free(ps->mapping_ids);
	ps->mapping_ids = NULL;
	int rc = pprof_encode_gzip(ps->pp, out, len);
	pprof_free(ps->pp);
	ps->pp = NULL;
	if (rc)
		return errbuf_set(e, "cannot encode the %s profile", what);
	return 0;
}

struct pprof *pprof_sym_new(const struct pprof_shape *shape, int64_t period)
{
	struct pprof *pp = pprof_new();
	for (size_t i = 0; i < 4 && shape->values[i][0]; i++)
		pprof_add_sample_type(pp, shape->values[i][0], shape->values[i][1]);
	pprof_set_default_sample_type(pp, shape->shown);
	pprof_set_period(pp, shape->period[0], shape->period[1], period);
	return pp;
}
