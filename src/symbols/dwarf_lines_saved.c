/* dwarf_lines_saved.c: an opened line table (dwarf_lines_open) as bytes and
 * back, for the symbolizer's cache (sym_cache.c): what its sequences are
 * decoded from (.debug_line, .debug_line_str, .debug_str when it was read),
 * the compilation directories of units before DWARF 5 and the index of the
 * sequences. Opening the bytes again costs a read, where opening the ELF
 * file costs an inflate (a compressed section) and a pass over every
 * program; a sequence of the reopened table is decoded by the same code
 * from the same bytes, so it answers as the table it was saved from. Every
 * count and offset read back is checked first: damaged bytes give NULL,
 * never a crash.
 *
 * The bytes: flags (u32), the number of parts (u32), then for each part its
 * offset from the start and its length (u64 each), then the parts, each
 * followed by NUL bytes up to a multiple of 8 (at least one). Numbers are
 * in the machine's order: the cache never leaves the machine. */
#include "autoconfig.h"

#include "dwarf_lines.h"
#include "dwarf_lines_int.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "../base/buf.h"

enum { DWS_LINE, DWS_LINE_STR, DWS_STR, DWS_COMPDIRS, DWS_COMPDIR_NAMES, DWS_SEQS, DWS_PARTS };
#define DWS_HAS_LINE_STR 1u
#define DWS_HAS_STR 2u
#define DWS_TRIED_STR 4u
#define DWS_COMPDIRS_BUILT 8u
#define DWS_HEAD (8 + 16 * DWS_PARTS)

struct dws_part {
	const void *p;
	size_t n;
};

static size_t dws_padded(size_t n)
{
	return (n | 7) + 1; /* at least one NUL after the bytes */
}

static void dws_put_u64(unsigned char *at, uint64_t v)
{
	memcpy(at, &v, sizeof v);
}

static uint64_t dws_get_u64(const unsigned char *at)
{
	uint64_t v;
	memcpy(&v, at, sizeof v);
	return v;
}

int dwarf_lines_save(const struct dwarf_lines *d, struct buf *out)
{
	const struct dw_lazy *z = d ? d->lazy : NULL;
	if (!z || !z->nseqs)
		return -1;
	const struct dw_ctx *x = &z->x;
	/* the compilation directories: (stmt_list, offset of the name) and the names */
	size_t names_len = 0;
	for (size_t i = 0; i < z->cds.n; i++)
		names_len += strlen(z->cds.v[i].dir) + 1;
	uint64_t *cds = malloc((z->cds.n ? z->cds.n : 1) * 2 * sizeof *cds);
	char *names = malloc(names_len ? names_len : 1);
	if (!cds || !names) {
		free(cds);
		free(names);
		return -1;
	}
	for (size_t i = 0, at = 0; i < z->cds.n; i++) {
		size_t len = strlen(z->cds.v[i].dir) + 1;
		cds[2 * i] = z->cds.v[i].stmt_list;
		cds[2 * i + 1] = at;
		memcpy(names + at, z->cds.v[i].dir, len);
		at += len;
	}
	struct dws_part parts[DWS_PARTS] = {
		[DWS_LINE] = { x->s.line, x->s.line_size },
		[DWS_LINE_STR] = { x->s.line_str, x->s.line_str ? x->s.line_str_size : 0 },
		[DWS_STR] = { x->s.str, x->s.str ? x->s.str_size : 0 },
		[DWS_COMPDIRS] = { cds, z->cds.n * 2 * sizeof *cds },
		[DWS_COMPDIR_NAMES] = { names, names_len },
		[DWS_SEQS] = { z->seqs, z->nseqs * sizeof *z->seqs },
	};
	uint32_t head[2] = { (x->s.line_str ? DWS_HAS_LINE_STR : 0) | (x->s.str ? DWS_HAS_STR : 0) |
				     (x->tried_str ? DWS_TRIED_STR : 0) | (z->cds.built ? DWS_COMPDIRS_BUILT : 0),
			     DWS_PARTS };
	size_t total = DWS_HEAD;
	for (size_t i = 0; i < DWS_PARTS; i++)
		total += dws_padded(parts[i].n);
	int rc = -1;
	if (buf_try_reserve(out, total) == 0) {
		unsigned char *base = (unsigned char *)out->p + out->len;
		memset(base, 0, total);
		memcpy(base, head, sizeof head);
		size_t at = DWS_HEAD;
		for (size_t i = 0; i < DWS_PARTS; i++) {
			dws_put_u64(base + 8 + 16 * i, at);
			dws_put_u64(base + 16 + 16 * i, parts[i].n);
			if (parts[i].n)
				memcpy(base + at, parts[i].p, parts[i].n);
			at += dws_padded(parts[i].n);
		}
		out->len += total;
		rc = 0;
	}
	free(cds);
	free(names);
	return rc;
}

/* The parts of n bytes at p, each inside them and followed by a NUL. */
static int dws_parts(const unsigned char *p, size_t n, uint32_t *flags, struct dws_part *parts)
{
	if (n < DWS_HEAD)
		return -1;
	uint32_t head[2];
	memcpy(head, p, sizeof head);
	if (head[1] != DWS_PARTS)
		return -1;
	*flags = head[0];
	for (size_t i = 0; i < DWS_PARTS; i++) {
		uint64_t off = dws_get_u64(p + 8 + 16 * i), len = dws_get_u64(p + 16 + 16 * i);
		if (off < DWS_HEAD || off > n || len >= n - off || p[off + len])
			return -1;
		parts[i] = (struct dws_part){ p + off, (size_t)len };
	}
	return 0;
}

/* The compilation directories, pointing into the names part; 0 or -1. */
static int dws_compdirs(struct dw_compdirs *cds, const struct dws_part *v, const struct dws_part *names)
{
	if (v->n % 16)
		return -1;
	cds->n = v->n / 16;
	cds->v = malloc((cds->n ? cds->n : 1) * sizeof *cds->v);
	if (!cds->v)
		return -1;
	for (size_t i = 0; i < cds->n; i++) {
		uint64_t stmt = dws_get_u64((const unsigned char *)v->p + 16 * i);
		uint64_t at = dws_get_u64((const unsigned char *)v->p + 16 * i + 8);
		if (at >= names->n || (i && stmt < cds->v[i - 1].stmt_list)) /* searched by halves */
			return -1;
		cds->v[i] = (struct dw_compdir){ stmt, (const char *)names->p + at };
	}
	return 0;
}

/* The sequences, each inside the .debug_line part; 0 or -1. */
static int dws_seqs(struct dw_lazy *z, const struct dws_part *v, size_t line_size)
{
	if (!v->n || v->n % sizeof *z->seqs)
		return -1;
	z->nseqs = z->cap = v->n / sizeof *z->seqs;
	z->seqs = malloc(v->n);
	if (!z->seqs)
		return -1;
	memcpy(z->seqs, v->p, v->n);
	for (size_t i = 0; i < z->nseqs; i++) {
		const struct dw_seqref *r = &z->seqs[i];
		if (r->lo > r->hi || r->unit_off >= line_size || r->prog_off < r->unit_off || r->prog_off > line_size)
			return -1;
	}
	return 0;
}

struct dwarf_lines *dwarf_lines_open_saved(void *map, size_t size, size_t off)
{
	struct dwarf_lines *d = calloc(1, sizeof *d);
	struct dw_lazy *z = calloc(1, sizeof *z);
	if (!d || !z) {
		free(d);
		free(z);
		munmap(map, size);
		return NULL;
	}
	const unsigned char *bytes = map;
	d->lazy = z;
	z->unit_off = UINT64_MAX;
	z->mapped = map; /* the parts point into it: unmapped with the table */
	z->mapped_size = size;
	uint32_t flags;
	struct dws_part parts[DWS_PARTS];
	if (off > size || dws_parts(bytes + off, size - off, &flags, parts) || !parts[DWS_LINE].n ||
	    dws_compdirs(&z->cds, &parts[DWS_COMPDIRS], &parts[DWS_COMPDIR_NAMES]) ||
	    dws_seqs(z, &parts[DWS_SEQS], parts[DWS_LINE].n)) {
		dwarf_lines_free(d);
		return NULL;
	}
	struct dwarf_sections *s = &z->x.s;
	s->line = parts[DWS_LINE].p;
	s->line_size = parts[DWS_LINE].n;
	if (flags & DWS_HAS_LINE_STR) {
		s->line_str = parts[DWS_LINE_STR].p;
		s->line_str_size = parts[DWS_LINE_STR].n;
	}
	if (flags & DWS_HAS_STR) {
		s->str = parts[DWS_STR].p;
		s->str_size = parts[DWS_STR].n;
	}
	z->x.tried_str = (flags & DWS_TRIED_STR) != 0;
	z->x.tried_info = 1; /* no ELF file to read it from, as after dwarf_lines_open */
	z->cds.built = (flags & DWS_COMPDIRS_BUILT) != 0;
	if (dwarf_lines_index_sequences(d)) {
		dwarf_lines_free(d);
		return NULL;
	}
	return d;
}
