/* elf_nosym.c: functions without symbols: PLT stubs named after the
 * relocation of the GOT slot they jump through, and the unwind table's
 * functions that no symbol covers, named after the file and address. */
#include "autoconfig.h"

#include "elf_nosym.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eh_frame.h"

/* The first of n elements of `size` bytes, sorted by the uint64_t each
 * begins with, whose key is not below `key` (n when none is). */
static size_t elf_lower_bound(const void *v, size_t n, size_t size, uint64_t key)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		uint64_t k;
		memcpy(&k, (const unsigned char *)v + mid * size, sizeof k);
		if (k < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* "LABEL+0xADDR": the name of code without a symbol. */
static int elf_nosym_add(struct elf_funcs *f, const char *label, uint64_t addr, uint64_t size)
{
	char name[192];
	snprintf(name, sizeof name, "%s+0x%" PRIx64, label, addr);
	return elf_funcs_add_named(f, addr, size, name, 1);
}

#if defined(__x86_64__)
struct elf_reloc {
	uint64_t slot;    /* the GOT slot it fills (first: the key of elf_lower_bound) */
	const char *name; /* the symbol, in a dynamic string table */
};

static int elf_reloc_cmp(const void *a, const void *b)
{
	const struct elf_reloc *x = a, *y = b;
	return x->slot < y->slot ? -1 : x->slot > y->slot;
}

struct elf_relocs {
	struct elf_reloc *v;
	size_t n;
	unsigned char *bufs[16]; /* the sections the names point into */
	size_t nbufs;
};

static void elf_relocs_free(struct elf_relocs *r)
{
	for (size_t i = 0; i < r->nbufs; i++)
		free(r->bufs[i]);
	free(r->v);
}

/* The relocations against dynamic symbols of every SHT_RELA section. */
static void elf_relocs_read(struct elf_file *e, struct elf_relocs *r)
{
	const Elf64_Shdr *sh;
	size_t nsh = elf_file_sections(e, &sh);
	for (size_t i = 1; i < nsh && r->nbufs + 3 <= sizeof r->bufs / sizeof r->bufs[0]; i++) {
		if (sh[i].sh_type != SHT_RELA || sh[i].sh_entsize != sizeof(Elf64_Rela) || sh[i].sh_link >= nsh ||
		    sh[sh[i].sh_link].sh_type != SHT_DYNSYM || sh[sh[i].sh_link].sh_link >= nsh)
			continue;
		const Elf64_Shdr *symsh = &sh[sh[i].sh_link], *strsh = &sh[symsh->sh_link];
		size_t nrel = 0, nsym, nstr;
		unsigned char *rel = elf_file_read_section(e, &sh[i], &nrel);
		unsigned char *sym = rel ? elf_file_read_section(e, symsh, &nsym) : NULL;
		unsigned char *str = sym ? elf_file_read_section(e, strsh, &nstr) : NULL;
		size_t count = nrel / sizeof(Elf64_Rela);
		struct elf_reloc *v = str && count ? realloc(r->v, (r->n + count) * sizeof *v) : NULL;
		if (!v) {
			free(rel);
			free(sym);
			free(str);
			continue;
		}
		r->v = v;
		for (size_t k = 0; k + sizeof(Elf64_Rela) <= nrel; k += sizeof(Elf64_Rela)) {
			Elf64_Rela ra;
			memcpy(&ra, rel + k, sizeof ra);
			size_t si = ELF64_R_SYM(ra.r_info);
			Elf64_Sym s;
			if (!si || (si + 1) * sizeof s > nsym)
				continue;
			memcpy(&s, sym + si * sizeof s, sizeof s);
			if (s.st_name >= nstr || !str[s.st_name])
				continue;
			r->v[r->n++] = (struct elf_reloc){ ra.r_offset, (const char *)str + s.st_name };
		}
		free(rel);
		free(sym);
		r->bufs[r->nbufs++] = str; /* the names point into it */
	}
	if (r->n)
		qsort(r->v, r->n, sizeof *r->v, elf_reloc_cmp);
}

static const char *elf_relocs_find(const struct elf_relocs *r, uint64_t slot)
{
	size_t lo = elf_lower_bound(r->v, r->n, sizeof *r->v, slot);
	return lo < r->n && r->v[lo].slot == slot ? r->v[lo].name : NULL;
}

/* The GOT slot an x86-64 PLT entry jumps through: its `jmp *disp32(%rip)`
 * (ff 25, maybe after a bnd prefix and an endbr64); 0 when it has none. */
static uint64_t elf_plt_slot(const unsigned char *code, size_t len, uint64_t addr)
{
	for (size_t k = 0; k + 6 <= len; k++)
		if (code[k] == 0xff && code[k + 1] == 0x25) {
			int32_t disp;
			memcpy(&disp, code + k + 2, 4);
			return addr + k + 6 + (uint64_t)(int64_t)disp;
		}
	return 0;
}
#endif

size_t elf_funcs_add_plt(struct elf_funcs *f, struct elf_file *e, const char *label)
{
	size_t added = 0;
#if defined(__x86_64__)
	static const char *const secs[] = { ".plt", ".plt.sec", ".plt.got" };
	struct elf_relocs r = { 0 };
	elf_relocs_read(e, &r);
	for (size_t i = 0; i < sizeof secs / sizeof secs[0]; i++) {
		const Elf64_Shdr *sh = elf_file_section(e, secs[i]);
		size_t n;
		unsigned char *code = sh && (sh->sh_flags & SHF_EXECINSTR) ? elf_file_read_section(e, sh, &n) : NULL;
		if (!code)
			continue;
		uint64_t ent = sh->sh_entsize >= 8 ? sh->sh_entsize : i == 2 ? 8 : 16;
		for (uint64_t off = 0; off + ent <= n; off += ent) {
			uint64_t at = sh->sh_addr + off, slot = elf_plt_slot(code + off, (size_t)ent, at);
			const char *target = slot ? elf_relocs_find(&r, slot) : NULL;
			char name[192];
			if (target)
				snprintf(name, sizeof name, "%s@plt", target);
			int rc = target ? elf_funcs_add_named(f, at, ent, name, 0) : elf_nosym_add(f, label, at, ent);
			if (rc)
				break;
			added++;
		}
		free(code);
	}
	elf_relocs_free(&r);
#else
	(void)f;
	(void)e;
	(void)label;
#endif
	return added;
}

/* Whether a function of f (sorted) starts within [start, end) or holds start. */
static int elf_funcs_cover(const struct elf_funcs *f, uint64_t start, uint64_t end)
{
	size_t lo = elf_lower_bound(f->v, f->n, sizeof *f->v, start); /* the first at or after start */
	if (lo < f->n && f->v[lo].addr < end)
		return 1;
	return lo > 0 && start - f->v[lo - 1].addr < f->v[lo - 1].size;
}

size_t elf_funcs_add_unwind(struct elf_funcs *f, struct elf_file *e, const char *label)
{
	size_t n, nr = 0, added = 0;
	const Elf64_Shdr *sh = elf_file_section(e, ".eh_frame");
	unsigned char *data = elf_file_read_section(e, sh, &n);
	struct eh_range *rv = data ? eh_frame_ranges(data, n, sh->sh_addr, &nr) : NULL;
	free(data);
	elf_funcs_finish(f); /* sorted, to look up what is covered */
	size_t known = f->n; /* what is added is not looked at again */
	struct elf_funcs view = { f->v, known, known, NULL, 0, NULL, 0 };
	for (size_t i = 0; i < nr; i++) {
		view.v = f->v; /* the array moves as it grows */
		if (elf_funcs_cover(&view, rv[i].start, rv[i].end))
			continue;
		if (elf_nosym_add(f, label, rv[i].start, rv[i].end - rv[i].start))
			break;
		added++;
	}
	free(rv);
	elf_funcs_finish(f);
	return added;
}
