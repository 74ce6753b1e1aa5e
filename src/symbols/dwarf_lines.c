/* dwarf_lines.c: runs the DWARF line-number programs of .debug_line
 * (versions 2 to 5, 32- and 64-bit DWARF) and keeps the rows as one table
 * sorted by address, each row (address, file, line) valid up to the next
 * row; the end of every sequence is a row without a file. Consecutive rows
 * with the same position are merged; of rows at the same address the last
 * wins (as binutils does). For versions before 5 the compilation directory
 * comes from the first DIE of the unit in .debug_info. An opened table
 * (dwarf_lines_open) first only indexes the sequences (addresses, where
 * their program starts) and decodes a sequence when an address in it is
 * asked. Every read is bounds-checked: a damaged section ends its unit,
 * never the process. */
#include "autoconfig.h"

#include "dwarf_lines.h"
#include "dwarf_lines_int.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "elf_file.h"

/* forms (DWARF 5, 7.5.6) */
enum {
	DWF_addr = 0x01, DWF_block2 = 0x03, DWF_block4 = 0x04, DWF_data2 = 0x05, DWF_data4 = 0x06,
	DWF_data8 = 0x07, DWF_string = 0x08, DWF_block = 0x09, DWF_block1 = 0x0a, DWF_data1 = 0x0b,
	DWF_flag = 0x0c, DWF_sdata = 0x0d, DWF_strp = 0x0e, DWF_udata = 0x0f, DWF_ref_addr = 0x10,
	DWF_ref1 = 0x11, DWF_ref2 = 0x12, DWF_ref4 = 0x13, DWF_ref8 = 0x14, DWF_ref_udata = 0x15,
	DWF_indirect = 0x16, DWF_sec_offset = 0x17, DWF_exprloc = 0x18, DWF_flag_present = 0x19,
	DWF_strx = 0x1a, DWF_addrx = 0x1b, DWF_ref_sup4 = 0x1c, DWF_strp_sup = 0x1d, DWF_data16 = 0x1e,
	DWF_line_strp = 0x1f, DWF_ref_sig8 = 0x20, DWF_implicit_const = 0x21, DWF_loclistx = 0x22,
	DWF_rnglistx = 0x23, DWF_ref_sup8 = 0x24, DWF_strx1 = 0x25, DWF_strx2 = 0x26, DWF_strx3 = 0x27,
	DWF_strx4 = 0x28, DWF_addrx1 = 0x29, DWF_addrx2 = 0x2a, DWF_addrx3 = 0x2b, DWF_addrx4 = 0x2c,
	DWF_GNU_addr_index = 0x1f01, DWF_GNU_str_index = 0x1f02, DWF_GNU_ref_alt = 0x1f20,
	DWF_GNU_strp_alt = 0x1f21,
};
enum { DWAT_stmt_list = 0x10, DWAT_comp_dir = 0x1b };
enum { DWLNCT_path = 1, DWLNCT_directory_index = 2 };
enum { DWUT_compile = 1, DWUT_type = 2, DWUT_partial = 3, DWUT_skeleton = 4, DWUT_split_compile = 5,
       DWUT_split_type = 6 };
enum { DWLNS_copy = 1, DWLNS_advance_pc, DWLNS_advance_line, DWLNS_set_file, DWLNS_set_column,
       DWLNS_negate_stmt, DWLNS_set_basic_block, DWLNS_const_add_pc, DWLNS_fixed_advance_pc };
enum { DWLNE_end_sequence = 1, DWLNE_set_address = 2, DWLNE_define_file = 3 };

/* --- reading ---------------------------------------------------------------------------- */

struct dw_cur {
	const unsigned char *p, *end;
	int bad;
};

static int dw_need(struct dw_cur *c, uint64_t n)
{
	if (c->bad || (uint64_t)(c->end - c->p) < n) {
		c->bad = 1;
		c->p = c->end;
		return 0;
	}
	return 1;
}

/* An n-byte little-endian number; wider ones (a bogus address size) are
 * skipped and read as 0. */
static uint64_t dw_u(struct dw_cur *c, unsigned n)
{
	if (!dw_need(c, n))
		return 0;
	if (n > 8) {
		c->p += n;
		return 0;
	}
	uint64_t v = 0;
	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)c->p[i] << (8 * i);
	c->p += n;
	return v;
}

static uint64_t dw_uleb(struct dw_cur *c)
{
	uint64_t v = 0;
	for (unsigned shift = 0;; shift += 7) {
		if (!dw_need(c, 1))
			return 0;
		unsigned char b = *c->p++;
		if (shift < 64)
			v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return v;
	}
}

static int64_t dw_sleb(struct dw_cur *c)
{
	uint64_t v = 0;
	unsigned shift = 0;
	unsigned char b;
	do {
		if (!dw_need(c, 1))
			return 0;
		b = *c->p++;
		if (shift < 64)
			v |= (uint64_t)(b & 0x7f) << shift;
		shift += 7;
	} while (b & 0x80);
	if (shift < 64 && (b & 0x40))
		v |= ~(uint64_t)0 << shift;
	return (int64_t)v;
}

static void dw_skip(struct dw_cur *c, uint64_t n)
{
	if (dw_need(c, n))
		c->p += n;
}

static const char *dw_cstr(struct dw_cur *c)
{
	if (c->bad)
		return NULL;
	const unsigned char *z = memchr(c->p, 0, (size_t)(c->end - c->p));
	if (!z) {
		dw_need(c, (uint64_t)(c->end - c->p) + 1);
		return NULL;
	}
	const char *s = (const char *)c->p;
	c->p = z + 1;
	return s;
}

/* A string at off in a section (the buffers end with a NUL, see dwarf_lines_load). */
static const char *dw_sec_str(const unsigned char *sec, size_t size, uint64_t off)
{
	if (!sec || off >= size || !memchr(sec + off, 0, size - off))
		return NULL;
	return (const char *)sec + off;
}

static void dw_ctx_read(struct dw_ctx *x, int slot, const char *name, const unsigned char **data, size_t *size)
{
	if (!x->elf || *data)
		return;
	x->owned[slot] = elf_file_read_named(x->elf, name, size);
	*data = x->owned[slot];
	if (!*data)
		*size = 0;
}

static const unsigned char *dw_ctx_str(struct dw_ctx *x)
{
	if (!x->tried_str) {
		x->tried_str = 1;
		dw_ctx_read(x, 2, ".debug_str", &x->s.str, &x->s.str_size);
	}
	return x->s.str;
}

struct dw_val {
	uint64_t u;
	const char *s;
};

/* Reads (or skips) one attribute value of form `form`. */
static void dw_form(struct dw_cur *c, struct dw_ctx *x, uint64_t form, unsigned offsz, unsigned addrsz, int version,
		    struct dw_val *v)
{
	v->u = 0;
	v->s = NULL;
	switch (form) {
	case DWF_addr: v->u = dw_u(c, addrsz); break;
	case DWF_data1: case DWF_ref1: case DWF_flag: case DWF_strx1: case DWF_addrx1: v->u = dw_u(c, 1); break;
	case DWF_data2: case DWF_ref2: case DWF_strx2: case DWF_addrx2: v->u = dw_u(c, 2); break;
	case DWF_strx3: case DWF_addrx3: v->u = dw_u(c, 3); break;
	case DWF_data4: case DWF_ref4: case DWF_ref_sup4: case DWF_strx4: case DWF_addrx4: v->u = dw_u(c, 4); break;
	case DWF_data8: case DWF_ref8: case DWF_ref_sig8: case DWF_ref_sup8: v->u = dw_u(c, 8); break;
	case DWF_data16: dw_skip(c, 16); break;
	case DWF_udata: case DWF_ref_udata: case DWF_strx: case DWF_addrx: case DWF_loclistx: case DWF_rnglistx:
	case DWF_GNU_addr_index: case DWF_GNU_str_index:
		v->u = dw_uleb(c);
		break;
	case DWF_sdata: v->u = (uint64_t)dw_sleb(c); break;
	case DWF_flag_present: v->u = 1; break;
	case DWF_implicit_const: break; /* the value is in the abbreviation */
	case DWF_string: v->s = dw_cstr(c); break;
	case DWF_strp:
		v->u = dw_u(c, offsz);
		v->s = dw_sec_str(dw_ctx_str(x), x->s.str_size, v->u);
		break;
	case DWF_line_strp:
		v->u = dw_u(c, offsz);
		v->s = dw_sec_str(x->s.line_str, x->s.line_str_size, v->u);
		break;
	case DWF_ref_addr: v->u = dw_u(c, version <= 2 ? addrsz : offsz); break;
	case DWF_sec_offset: case DWF_strp_sup: case DWF_GNU_ref_alt: case DWF_GNU_strp_alt:
		v->u = dw_u(c, offsz);
		break;
	case DWF_block1: dw_skip(c, dw_u(c, 1)); break;
	case DWF_block2: dw_skip(c, dw_u(c, 2)); break;
	case DWF_block4: dw_skip(c, dw_u(c, 4)); break;
	case DWF_block: case DWF_exprloc: dw_skip(c, dw_uleb(c)); break;
	case DWF_indirect: {
		uint64_t f = dw_uleb(c);
		if (f == DWF_indirect || f == DWF_implicit_const)
			c->bad = 1;
		else
			dw_form(c, x, f, offsz, addrsz, version, v);
		break;
	}
	default: c->bad = 1;
	}
}

/* Reads a unit length; sets *offsz to 4 or 8; returns the unit's end. */
static const unsigned char *dw_unit_length(struct dw_cur *c, unsigned *offsz)
{
	uint64_t len = dw_u(c, 4);
	*offsz = 4;
	if (len == 0xffffffff) {
		len = dw_u(c, 8);
		*offsz = 8;
	} else if (len >= 0xfffffff0) {
		c->bad = 1;
	}
	if (!dw_need(c, len))
		return c->p;
	return c->p + len;
}

/* --- compilation directories (.debug_info) for line tables before DWARF 5 ----------------- */

/* Finds the attribute specs of abbreviation `code` in the table at off. */
static int dw_find_abbrev(const struct dw_ctx *x, uint64_t off, uint64_t code, struct dw_cur *specs)
{
	if (off >= x->s.abbrev_size)
		return -1;
	struct dw_cur c = { x->s.abbrev + off, x->s.abbrev + x->s.abbrev_size, 0 };
	while (!c.bad) {
		uint64_t k = dw_uleb(&c);
		if (!k || c.bad)
			return -1;
		dw_uleb(&c); /* tag */
		dw_skip(&c, 1); /* children */
		if (k == code) {
			*specs = c;
			return c.bad ? -1 : 0;
		}
		for (;;) {
			uint64_t name = dw_uleb(&c), form = dw_uleb(&c);
			if (c.bad || (!name && !form))
				break;
			if (form == DWF_implicit_const)
				dw_sleb(&c);
		}
	}
	return -1;
}

/* Reads DW_AT_stmt_list and DW_AT_comp_dir of the unit DIE at c. */
static void dw_unit_die(struct dw_cur *c, struct dw_ctx *x, uint64_t abbrev_off, unsigned offsz, unsigned addrsz,
			int version, struct dw_compdirs *out)
{
	struct dw_cur spec;
	uint64_t code = dw_uleb(c);
	if (c->bad || !code || dw_find_abbrev(x, abbrev_off, code, &spec))
		return;
	uint64_t stmt = UINT64_MAX;
	const char *dir = NULL;
	for (;;) {
		uint64_t name = dw_uleb(&spec), form = dw_uleb(&spec);
		if (spec.bad || (!name && !form))
			break;
		if (form == DWF_implicit_const)
			dw_sleb(&spec);
		struct dw_val v;
		dw_form(c, x, form, offsz, addrsz, version, &v);
		if (c->bad)
			return;
		if (name == DWAT_stmt_list && form != DWF_implicit_const)
			stmt = v.u;
		else if (name == DWAT_comp_dir)
			dir = v.s;
	}
	if (stmt == UINT64_MAX || !dir)
		return;
	struct dw_compdir *v = realloc(out->v, (out->n + 1) * sizeof *v);
	if (!v)
		return;
	out->v = v;
	out->v[out->n++] = (struct dw_compdir){ stmt, dir };
}

static int dw_compdir_cmp(const void *a, const void *b)
{
	const struct dw_compdir *x = a, *y = b;
	return x->stmt_list < y->stmt_list ? -1 : x->stmt_list > y->stmt_list;
}

static void dw_compdirs_build(struct dw_ctx *x, struct dw_compdirs *out)
{
	out->built = 1;
	if (!x->tried_info) {
		x->tried_info = 1;
		dw_ctx_read(x, 3, ".debug_info", &x->s.info, &x->s.info_size);
		dw_ctx_read(x, 4, ".debug_abbrev", &x->s.abbrev, &x->s.abbrev_size);
	}
	if (!x->s.info || !x->s.abbrev)
		return;
	struct dw_cur c = { x->s.info, x->s.info + x->s.info_size, 0 };
	while (c.p < c.end && !c.bad) {
		unsigned offsz;
		const unsigned char *end = dw_unit_length(&c, &offsz);
		if (c.bad)
			break;
		struct dw_cur u = { c.p, end, 0 };
		c.p = end;
		int version = (int)dw_u(&u, 2);
		uint64_t abbrev;
		unsigned addrsz, type = DWUT_compile;
		if (version >= 5) {
			type = (unsigned)dw_u(&u, 1);
			addrsz = (unsigned)dw_u(&u, 1);
			abbrev = dw_u(&u, offsz);
			if (type == DWUT_skeleton || type == DWUT_split_compile)
				dw_skip(&u, 8);
			else if (type == DWUT_type || type == DWUT_split_type)
				dw_skip(&u, 8 + offsz);
		} else if (version >= 2) {
			abbrev = dw_u(&u, offsz);
			addrsz = (unsigned)dw_u(&u, 1);
		} else {
			continue;
		}
		if (!u.bad && (type == DWUT_compile || type == DWUT_partial || type == DWUT_skeleton))
			dw_unit_die(&u, x, abbrev, offsz, addrsz, version, out);
	}
	if (out->n)
		qsort(out->v, out->n, sizeof *out->v, dw_compdir_cmp);
}

static const char *dw_compdir_find(const struct dw_compdirs *d, uint64_t stmt_list)
{
	size_t lo = 0, hi = d->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (d->v[mid].stmt_list == stmt_list)
			return d->v[mid].dir;
		if (d->v[mid].stmt_list < stmt_list)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* --- file names ------------------------------------------------------------------------- */

static uint64_t dw_hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static int dw_grow_hash(struct dwarf_lines *d)
{
	size_t cap = d->hash_cap ? d->hash_cap * 2 : 64;
	uint32_t *h = calloc(cap, sizeof *h);
	if (!h)
		return -1;
	for (size_t i = 0; i < d->nnames; i++) {
		size_t k = dw_hash(d->names[i]) & (cap - 1);
		while (h[k])
			k = (k + 1) & (cap - 1);
		h[k] = (uint32_t)i + 1;
	}
	free(d->name_hash);
	d->name_hash = h;
	d->hash_cap = cap;
	return 0;
}

/* The index of the name dir/name (prefixed by comp when dir is relative). */
static uint32_t dw_intern(struct dwarf_lines *d, const char *comp, const char *dir, const char *name)
{
	const char *part[3];
	size_t n = 0, len = 0;
	if (name[0] != '/') {
		if (dir && dir[0] && dir[0] != '/' && comp && comp[0])
			part[n++] = comp;
		if (dir && dir[0])
			part[n++] = dir;
	}
	part[n++] = name;
	for (size_t i = 0; i < n; i++)
		len += strlen(part[i]) + 1;
	char *s = malloc(len + 1), *w = s;
	if (!s)
		return DW_BADFILE;
	for (size_t i = 0; i < n; i++) {
		const char *p = part[i];
		if (i) {
			while (p[0] == '.' && p[1] == '/') /* "/x" + "./y" is "/x/y" */
				p += 2;
			if (w > s && w[-1] != '/')
				*w++ = '/';
		}
		size_t l = strlen(p);
		memcpy(w, p, l);
		w += l;
	}
	*w = 0;
	if (2 * (d->nnames + 1) > d->hash_cap && dw_grow_hash(d)) {
		free(s);
		return DW_BADFILE;
	}
	size_t k = dw_hash(s) & (d->hash_cap - 1);
	for (; d->name_hash[k]; k = (k + 1) & (d->hash_cap - 1))
		if (!strcmp(d->names[d->name_hash[k] - 1], s)) {
			free(s);
			return d->name_hash[k] - 1;
		}
	if (d->nnames == d->names_cap) {
		size_t cap = d->names_cap ? d->names_cap * 2 : 64;
		char **v = realloc(d->names, cap * sizeof *v);
		if (!v) {
			free(s);
			return DW_BADFILE;
		}
		d->names = v;
		d->names_cap = cap;
	}
	d->names[d->nnames] = s;
	d->name_hash[k] = (uint32_t)d->nnames + 1;
	return (uint32_t)d->nnames++;
}

/* --- one line-number program ------------------------------------------------------------ */

static int dw_add_dir(struct dw_unit *u, const char *dir)
{
	if (u->ndirs == u->dirs_cap) {
		size_t cap = u->dirs_cap ? u->dirs_cap * 2 : 16;
		const char **v = realloc(u->dirs, cap * sizeof *v);
		if (!v)
			return -1;
		u->dirs = v;
		u->dirs_cap = cap;
	}
	u->dirs[u->ndirs++] = dir;
	return 0;
}

static int dw_add_file(struct dw_unit *u, const char *name, uint64_t dir)
{
	if (u->nfiles == u->files_cap) {
		size_t cap = u->files_cap ? u->files_cap * 2 : 32;
		struct dw_file *v = realloc(u->files, cap * sizeof *v);
		if (!v)
			return -1;
		u->files = v;
		u->files_cap = cap;
	}
	u->files[u->nfiles++] = (struct dw_file){ name, dir, DW_NOFILE };
	return 0;
}

/* Reads a DWARF 5 directory or file-name table. */
static int dw_entry_table(struct dw_cur *c, struct dw_ctx *x, struct dw_unit *u, int files)
{
	unsigned nfmt = (unsigned)dw_u(c, 1);
	uint64_t fmt[2 * 255];
	for (unsigned i = 0; i < nfmt; i++) {
		fmt[2 * i] = dw_uleb(c);
		fmt[2 * i + 1] = dw_uleb(c);
	}
	uint64_t count = dw_uleb(c);
	if (c->bad || count > (uint64_t)(c->end - c->p))
		return -1;
	for (uint64_t k = 0; k < count && !c->bad; k++) {
		const char *path = NULL;
		uint64_t dir = 0;
		for (unsigned i = 0; i < nfmt; i++) {
			struct dw_val v;
			dw_form(c, x, fmt[2 * i + 1], u->offsz, u->addrsz, u->version, &v);
			if (fmt[2 * i] == DWLNCT_path)
				path = v.s;
			else if (fmt[2 * i] == DWLNCT_directory_index)
				dir = v.u;
		}
		if (files ? dw_add_file(u, path, dir) : dw_add_dir(u, path))
			return -1;
	}
	return c->bad ? -1 : 0;
}

/* Reads the header of the unit whose length field is at c; sets *prog to
 * its program. Without `names`, not its directories and files (the
 * compilation directories are read all the same, while the file is open). */
static int dw_unit_header(struct dw_cur *c, struct dw_ctx *x, struct dw_unit *u, struct dw_compdirs *cds,
			  uint64_t unit_off, struct dw_cur *prog, int names)
{
	u->ndirs = u->nfiles = 0;
	const unsigned char *end = dw_unit_length(c, &u->offsz);
	if (c->bad)
		return -1;
	struct dw_cur h = { c->p, end, 0 };
	c->p = end;
	u->version = (int)dw_u(&h, 2);
	if (u->version < 2 || u->version > 5)
		return -1;
	u->addrsz = 8;
	if (u->version >= 5) {
		u->addrsz = (unsigned)dw_u(&h, 1);
		dw_skip(&h, 1); /* segment selector size */
	}
	uint64_t hlen = dw_u(&h, u->offsz);
	if (h.bad || hlen > (uint64_t)(h.end - h.p))
		return -1;
	*prog = (struct dw_cur){ h.p + hlen, end, 0 };
	h.end = h.p + hlen;
	u->min_inst = (unsigned)dw_u(&h, 1);
	u->max_ops = u->version >= 4 ? (unsigned)dw_u(&h, 1) : 1;
	if (!u->max_ops)
		u->max_ops = 1;
	u->default_stmt = (int)dw_u(&h, 1);
	u->line_base = (int)(int8_t)dw_u(&h, 1);
	u->line_range = (unsigned)dw_u(&h, 1);
	u->opcode_base = (unsigned)dw_u(&h, 1);
	u->std_lengths = h.p;
	if (!u->line_range || !u->opcode_base)
		return -1;
	dw_skip(&h, u->opcode_base - 1);
	if (!names) {
		if (u->version < 5 && !cds->built)
			dw_compdirs_build(x, cds);
		return h.bad ? -1 : 0;
	}
	if (u->version >= 5) {
		u->file_base = 0;
		if (dw_entry_table(&h, x, u, 0) || dw_entry_table(&h, x, u, 1))
			return -1;
		return 0;
	}
	u->file_base = 1;
	if (!cds->built)
		dw_compdirs_build(x, cds);
	if (dw_add_dir(u, dw_compdir_find(cds, unit_off)))
		return -1;
	for (;;) {
		const char *d = dw_cstr(&h);
		if (!d || !*d)
			break;
		if (dw_add_dir(u, d))
			return -1;
	}
	for (;;) {
		const char *f = dw_cstr(&h);
		if (!f || !*f)
			break;
		uint64_t dir = dw_uleb(&h);
		dw_uleb(&h); /* modification time */
		dw_uleb(&h); /* length */
		if (h.bad || dw_add_file(u, f, dir))
			return -1;
	}
	return h.bad ? -1 : 0;
}

static uint32_t dw_file_id(struct dwarf_lines *d, struct dw_unit *u, uint64_t file)
{
	if (file < (uint64_t)u->file_base || file - (uint64_t)u->file_base >= u->nfiles)
		return DW_BADFILE;
	struct dw_file *f = &u->files[file - (uint64_t)u->file_base];
	if (!f->name)
		return DW_BADFILE;
	if (f->id == DW_NOFILE) {
		const char *dir = f->dir < u->ndirs ? u->dirs[f->dir] : NULL;
		const char *comp = u->ndirs ? u->dirs[0] : NULL;
		f->id = dw_intern(d, f->dir ? comp : NULL, dir, f->name);
	}
	return f->id;
}

static int dw_push_row(struct dwarf_lines *d, uint64_t addr, uint32_t file, uint32_t line)
{
	if (d->nrows == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 1024;
		struct dw_row *v = realloc(d->rows, cap * sizeof *v);
		if (!v)
			return -1;
		d->rows = v;
		d->cap = cap;
	}
	d->rows[d->nrows++] = (struct dw_row){ addr, file, line };
	return 0;
}

/* A row of the sequence that started at row `first`. */
static void dw_emit(struct dwarf_lines *d, size_t first, uint64_t addr, uint32_t file, uint32_t line)
{
	if (d->nrows > first) {
		struct dw_row *last = &d->rows[d->nrows - 1];
		if (addr < last->addr) /* going backwards inside a sequence: not valid, dropped */
			return;
		if (addr == last->addr) { /* the last row at an address wins */
			last->file = file;
			last->line = line;
			if (d->nrows - 1 > first && last[-1].file == file && last[-1].line == line)
				d->nrows--;
			return;
		}
		if (last->file == file && last->line == line && file != DW_NOFILE)
			return;
	}
	dw_push_row(d, addr, file, line);
}

static void dw_index_add(struct dwarf_lines *d, uint64_t lo, uint64_t hi, uint64_t unit_off, uint64_t prog_off);

/* Ends the sequence of rows [first, nrows): its files (numbers of the unit
 * until now) interned. */
static void dw_end_sequence(struct dwarf_lines *d, struct dw_unit *u, size_t first)
{
	for (size_t i = first; i < d->nrows; i++)
		if (d->rows[i].file != DW_NOFILE && d->rows[i].file != DW_BADFILE)
			d->rows[i].file = dw_file_id(d, u, d->rows[i].file);
}

/* Runs the program of one unit from c (the unit's header at unit_off of
 * base); appends its rows and sequences (rows name the unit's file numbers
 * until their sequence ends), or only records the sequences while
 * d->indexing. With `one`, stops after the first sequence. */
static void dw_run(struct dwarf_lines *d, const unsigned char *base, uint64_t unit_off, struct dw_unit *u,
		   struct dw_cur *c, int one)
{
	uint64_t addr = 0, op_index = 0, file = 1, line = 1;
	size_t first = d->nrows; /* first row of the current sequence */
	const unsigned char *seq_start = c->p;
	uint64_t lo = 0, last = 0; /* while indexing: the first row's address and the highest one */
	int rows = 0;
	while (c->p < c->end && !c->bad) {
		unsigned op = (unsigned)dw_u(c, 1);
		uint64_t adv = 0;
		int emit = 0;
		if (op >= u->opcode_base) {
			unsigned adj = op - u->opcode_base;
			adv = adj / u->line_range;
			line += (uint64_t)(int64_t)(u->line_base + (int)(adj % u->line_range));
			emit = 1;
		} else if (op == 0) {
			uint64_t len = dw_uleb(c);
			if (c->bad || !len || len > (uint64_t)(c->end - c->p))
				break;
			struct dw_cur e = { c->p, c->p + len, 0 };
			c->p += len;
			unsigned sub = (unsigned)dw_u(&e, 1);
			if (sub == DWLNE_end_sequence) {
				if (d->indexing) {
					if (rows && lo != 0 && addr >= last)
						dw_index_add(d, lo, addr, unit_off, (uint64_t)(seq_start - base));
				} else if (d->nrows > first && d->rows[first].addr != 0 &&
					   addr >= d->rows[d->nrows - 1].addr) {
					dw_emit(d, first, addr, DW_NOFILE, 0);
					dw_end_sequence(d, u, first);
				} else {
					d->nrows = first; /* discarded code (address 0) or nonsense */
				}
				first = d->nrows;
				addr = op_index = 0;
				file = line = 1;
				rows = 0;
				seq_start = c->p;
				if (one)
					return;
			} else if (sub == DWLNE_set_address) {
				addr = dw_u(&e, (unsigned)(len - 1 > 8 ? 8 : len - 1));
				op_index = 0;
			} else if (sub == DWLNE_define_file) {
				const char *name = dw_cstr(&e);
				uint64_t dir = dw_uleb(&e);
				if (name && !e.bad)
					dw_add_file(u, name, dir);
			}
			continue;
		} else {
			switch (op) {
			case DWLNS_copy: emit = 1; break;
			case DWLNS_advance_pc: adv = dw_uleb(c); break;
			case DWLNS_advance_line: line += (uint64_t)dw_sleb(c); break;
			case DWLNS_set_file: file = dw_uleb(c); break;
			case DWLNS_const_add_pc: adv = (255 - u->opcode_base) / u->line_range; break;
			case DWLNS_fixed_advance_pc:
				addr += dw_u(c, 2);
				op_index = 0;
				break;
			default: /* set_column, set_isa and unknown ones: skip their operands */
				for (unsigned i = 0; i < u->std_lengths[op - 1]; i++)
					dw_uleb(c);
			}
		}
		if (adv) {
			if (u->max_ops == 1) {
				addr += u->min_inst * adv;
			} else {
				addr += u->min_inst * ((op_index + adv) / u->max_ops);
				op_index = (op_index + adv) % u->max_ops;
			}
		}
		if (emit && d->indexing) { /* as dw_emit keeps them: the first row, none going backwards */
			if (!rows)
				lo = last = addr;
			else if (addr > last)
				last = addr;
			rows = 1;
		} else if (emit) {
			dw_emit(d, first, addr, file < DW_BADFILE ? (uint32_t)file : DW_BADFILE, (uint32_t)line);
		}
	}
	d->nrows = first; /* a sequence without its end is dropped */
}

/* --- the table -------------------------------------------------------------------------- */

struct dw_seq {
	size_t first, n;
};

static int dw_seq_cmp(const void *a, const void *b, void *rows)
{
	const struct dw_seq *x = a, *y = b;
	const struct dw_row *r = rows;
	uint64_t ax = r[x->first].addr, ay = r[y->first].addr;
	if (ax != ay)
		return ax < ay ? -1 : 1;
	return x->first < y->first ? -1 : x->first > y->first;
}

static int dw_row_cmp(const void *a, const void *b)
{
	const struct dw_row *x = a, *y = b;
	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return (x->file != DW_NOFILE) - (y->file != DW_NOFILE); /* an end before a start */
}

/* Puts the sequences in address order. */
static int dw_sort(struct dwarf_lines *d)
{
	struct dw_seq *seqs = NULL;
	size_t nseq = 0, cap = 0;
	for (size_t i = 0, start = 0; i < d->nrows; i++) {
		if (d->rows[i].file != DW_NOFILE)
			continue;
		if (nseq == cap) {
			cap = cap ? cap * 2 : 256;
			struct dw_seq *v = realloc(seqs, cap * sizeof *v);
			if (!v) {
				free(seqs);
				return -1;
			}
			seqs = v;
		}
		seqs[nseq++] = (struct dw_seq){ start, i + 1 - start };
		start = i + 1;
	}
	if (nseq > 1)
		qsort_r(seqs, nseq, sizeof *seqs, dw_seq_cmp, d->rows);
	struct dw_row *out = malloc((d->nrows ? d->nrows : 1) * sizeof *out);
	if (!out) {
		free(seqs);
		return -1;
	}
	size_t n = 0;
	int ordered = 1;
	for (size_t i = 0; i < nseq; i++) {
		if (n && d->rows[seqs[i].first].addr < out[n - 1].addr)
			ordered = 0; /* overlapping sequences */
		memcpy(out + n, d->rows + seqs[i].first, seqs[i].n * sizeof *out);
		n += seqs[i].n;
	}
	free(seqs);
	free(d->rows);
	d->rows = out;
	d->nrows = d->cap = n;
	if (!ordered)
		qsort(d->rows, d->nrows, sizeof *d->rows, dw_row_cmp);
	return 0;
}

static struct dwarf_lines *dw_build(struct dw_ctx *x)
{
	struct dwarf_lines *d = calloc(1, sizeof *d);
	if (!d)
		return NULL;
	struct dw_unit u = { 0 };
	struct dw_compdirs cds = { 0 };
	struct dw_cur c = { x->s.line, x->s.line + x->s.line_size, 0 };
	while (x->s.line && c.p < c.end && !c.bad) {
		struct dw_cur prog;
		uint64_t off = (uint64_t)(c.p - x->s.line);
		if (dw_unit_header(&c, x, &u, &cds, off, &prog, 1)) {
			if (c.bad)
				break;
			continue;
		}
		dw_run(d, x->s.line, off, &u, &prog, 0);
	}
	free(u.dirs);
	free(u.files);
	free(cds.v);
	if (!d->nrows || dw_sort(d)) {
		dwarf_lines_free(d);
		return NULL;
	}
	return d;
}

struct dwarf_lines *dwarf_lines_build(const struct dwarf_sections *s)
{
	struct dw_ctx x = { .s = *s, .tried_str = 1, .tried_info = 1 };
	return dw_build(&x);
}

struct dwarf_lines *dwarf_lines_load(struct elf_file *e)
{
	struct dw_ctx x = { .elf = e };
	dw_ctx_read(&x, 0, ".debug_line", &x.s.line, &x.s.line_size);
	if (!x.s.line)
		return NULL;
	dw_ctx_read(&x, 1, ".debug_line_str", &x.s.line_str, &x.s.line_str_size);
	struct dwarf_lines *d = dw_build(&x);
	for (size_t i = 0; i < sizeof x.owned / sizeof x.owned[0]; i++)
		free(x.owned[i]);
	return d;
}

/* --- a table decoded on demand ---------------------------------------------------------- */

static void dw_lazy_free(struct dw_lazy *z)
{
	if (!z)
		return;
	for (size_t i = 0; i < sizeof z->x.owned / sizeof z->x.owned[0]; i++)
		free(z->x.owned[i]);
	free(z->cds.v);
	free(z->u.dirs);
	free(z->u.files);
	free(z->seqs);
	free(z->maxhi);
	free(z->done);
	if (z->mapped)
		munmap(z->mapped, z->mapped_size);
	free(z);
}

static void dw_index_add(struct dwarf_lines *d, uint64_t lo, uint64_t hi, uint64_t unit_off, uint64_t prog_off)
{
	struct dw_lazy *z = d->lazy;
	if (z->nseqs == z->cap) {
		size_t cap = z->cap ? z->cap * 2 : 256;
		struct dw_seqref *v = realloc(z->seqs, cap * sizeof *v);
		if (!v)
			return;
		z->seqs = v;
		z->cap = cap;
	}
	z->seqs[z->nseqs++] = (struct dw_seqref){ lo, hi, unit_off, prog_off };
}

static int dw_seqref_cmp(const void *a, const void *b)
{
	const struct dw_seqref *x = a, *y = b;
	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return x->prog_off < y->prog_off ? -1 : x->prog_off > y->prog_off;
}

/* The address advance of each special opcode, for units of one header
 * (made again only when the next unit's differs: they are mostly alike). */
struct dw_advances {
	unsigned opcode_base, line_range, min_inst; /* 0: not made */
	uint64_t adv[256];
};

static void dw_advances_make(struct dw_advances *t, const struct dw_unit *u)
{
	if (t->opcode_base == u->opcode_base && t->line_range == u->line_range && t->min_inst == u->min_inst)
		return;
	t->opcode_base = u->opcode_base;
	t->line_range = u->line_range;
	t->min_inst = u->min_inst;
	uint64_t q = 0;
	unsigned r = 0;
	for (unsigned op = u->opcode_base; op < 256; op++) { /* (op - opcode_base) / line_range */
		t->adv[op] = q * u->min_inst;
		if (++r == u->line_range) {
			r = 0;
			q++;
		}
	}
}

/* dw_run while indexing, for a unit of one operation per instruction (all
 * but VLIW ones): the same sequences, from addresses alone (a table of
 * each opcode's advance, no line, no file). */
static void dw_index_unit(struct dwarf_lines *d, const unsigned char *base, uint64_t unit_off,
			  const struct dw_unit *u, struct dw_advances *t, struct dw_cur *c)
{
	dw_advances_make(t, u);
	const uint64_t *adv = t->adv;
	uint64_t addr = 0, lo = 0, last = 0;
	int rows = 0;
	const unsigned char *seq_start = c->p;
	while (c->p < c->end && !c->bad) {
		unsigned op = *c->p++;
		if (op >= u->opcode_base) {
			addr += adv[op];
		} else if (op == 0) {
			uint64_t len = dw_uleb(c);
			if (c->bad || !len || len > (uint64_t)(c->end - c->p))
				break;
			struct dw_cur e = { c->p + 1, c->p + len, 0 };
			unsigned sub = c->p[0];
			c->p += len;
			if (sub == DWLNE_end_sequence) {
				if (rows && lo != 0 && addr >= last)
					dw_index_add(d, lo, addr, unit_off, (uint64_t)(seq_start - base));
				rows = 0;
				addr = 0;
				seq_start = c->p;
			} else if (sub == DWLNE_set_address) {
				addr = dw_u(&e, (unsigned)(len - 1 > 8 ? 8 : len - 1));
			}
			continue;
		} else if (op != DWLNS_copy) {
			if (op == DWLNS_advance_pc)
				addr += u->min_inst * dw_uleb(c);
			else if (op == DWLNS_const_add_pc)
				addr += adv[255];
			else if (op == DWLNS_fixed_advance_pc)
				addr += dw_u(c, 2);
			else if (op == DWLNS_advance_line)
				dw_sleb(c);
			else if (op == DWLNS_set_file)
				dw_uleb(c);
			else
				for (unsigned i = 0; i < u->std_lengths[op - 1]; i++)
					dw_uleb(c);
			continue;
		}
		if (!rows) /* a row, kept as dw_emit keeps them: the first, none going backwards */
			lo = last = addr;
		else if (addr > last)
			last = addr;
		rows = 1;
	}
}

struct dwarf_lines *dwarf_lines_open(struct elf_file *e)
{
	struct dwarf_lines *d = calloc(1, sizeof *d);
	struct dw_lazy *z = calloc(1, sizeof *z);
	if (!d || !z) {
		free(d);
		free(z);
		return NULL;
	}
	d->lazy = z;
	z->unit_off = UINT64_MAX;
	struct dw_ctx *x = &z->x;
	x->elf = e;
	dw_ctx_read(x, 0, ".debug_line", &x->s.line, &x->s.line_size);
	dw_ctx_read(x, 1, ".debug_line_str", &x->s.line_str, &x->s.line_str_size);
	struct dw_cur c = { x->s.line, x->s.line + x->s.line_size, 0 };
	struct dw_advances *adv = calloc(1, sizeof *adv);
	d->indexing = 1;
	while (x->s.line && c.p < c.end && !c.bad) {
		struct dw_cur prog;
		uint64_t off = (uint64_t)(c.p - x->s.line);
		if (dw_unit_header(&c, x, &z->u, &z->cds, off, &prog, 0)) {
			if (c.bad)
				break;
			continue;
		}
		if (z->u.max_ops == 1 && adv)
			dw_index_unit(d, x->s.line, off, &z->u, adv, &prog);
		else
			dw_run(d, x->s.line, off, &z->u, &prog, 0);
	}
	d->indexing = 0;
	free(adv);
	x->elf = NULL; /* from now on only what was read */
	if (dwarf_lines_index_sequences(d)) {
		dwarf_lines_free(d);
		return NULL;
	}
	return d;
}

int dwarf_lines_index_sequences(struct dwarf_lines *d)
{
	struct dw_lazy *z = d->lazy;
	if (!z->nseqs || !(z->maxhi = malloc(z->nseqs * sizeof *z->maxhi)) || !(z->done = calloc(z->nseqs, 1)))
		return -1;
	qsort(z->seqs, z->nseqs, sizeof *z->seqs, dw_seqref_cmp);
	for (size_t i = 0; i < z->nseqs; i++)
		z->maxhi[i] = i && z->maxhi[i - 1] > z->seqs[i].hi ? z->maxhi[i - 1] : z->seqs[i].hi;
	return 0;
}

/* Decodes sequence i into the rows. */
static void dw_lazy_decode(struct dwarf_lines *d, size_t i)
{
	struct dw_lazy *z = d->lazy;
	const struct dw_seqref *r = &z->seqs[i];
	struct dw_ctx *x = &z->x;
	struct dw_cur prog;
	if (z->unit_off != r->unit_off) {
		struct dw_cur c = { x->s.line + r->unit_off, x->s.line + x->s.line_size, 0 };
		z->unit_off = UINT64_MAX;
		if (dw_unit_header(&c, x, &z->u, &z->cds, r->unit_off, &prog, 1))
			return;
		z->unit_off = r->unit_off;
		z->unit_end = prog.end;
	}
	if (r->prog_off > (uint64_t)(z->unit_end - x->s.line)) /* not in its unit (a damaged saved index) */
		return;
	prog = (struct dw_cur){ x->s.line + r->prog_off, z->unit_end, 0 };
	dw_run(d, x->s.line, r->unit_off, &z->u, &prog, 1);
}

int dwarf_lines_need(struct dwarf_lines *d, const uint64_t *addrs, size_t n)
{
	struct dw_lazy *z = d ? d->lazy : NULL;
	if (!z)
		return 0;
	size_t before = d->nrows;
	for (size_t k = 0; k < n; k++) {
		size_t lo = 0, hi = z->nseqs; /* the first sequence starting above the address */
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (z->seqs[mid].lo <= addrs[k])
				lo = mid + 1;
			else
				hi = mid;
		}
		for (size_t i = lo; i-- > 0 && z->maxhi[i] > addrs[k];) /* every sequence holding it */
			if (!z->done[i] && z->seqs[i].hi > addrs[k]) {
				z->done[i] = 1;
				dw_lazy_decode(d, i);
			}
	}
	if (d->nrows == before)
		return 0;
	return dw_sort(d) ? -1 : 1;
}

void dwarf_lines_free(struct dwarf_lines *d)
{
	if (!d)
		return;
	dw_lazy_free(d->lazy);
	for (size_t i = 0; i < d->nnames; i++)
		free(d->names[i]);
	free(d->names);
	free(d->name_hash);
	free(d->rows);
	free(d);
}

int dwarf_lines_find(const struct dwarf_lines *d, uint64_t addr, const char **file, int *line)
{
	size_t lo = 0, hi = d ? d->nrows : 0; /* the first row above addr */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (d->rows[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* line 0: code the compiler made up (no source line) */
	if (!lo || d->rows[lo - 1].file >= d->nnames || !d->rows[lo - 1].line)
		return 0;
	*file = d->names[d->rows[lo - 1].file];
	*line = (int)d->rows[lo - 1].line;
	return 1;
}

size_t dwarf_lines_rows(const struct dwarf_lines *d)
{
	return d ? d->nrows : 0;
}
