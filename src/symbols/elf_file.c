/* elf_file.c: reading a 64-bit ELF file for the symbolizer: headers,
 * sections (zlib-compressed ones inflated), the build ID note, the load bias
 * of a mapping and the function symbols. Files are read with pread into
 * malloc'd buffers; every offset and size from the file is bounds-checked. */
#include "autoconfig.h"

#include "elf_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#if defined(__has_include)
#if __has_include(<zlib.h>)
#include <zlib.h>
#define ELF_FILE_ZLIB 1
#endif
#endif

#if defined(__x86_64__)
#define ELF_FILE_MACHINE EM_X86_64
#elif defined(__aarch64__)
#define ELF_FILE_MACHINE EM_AARCH64
#else
#error "elf_file.c reads the ELF files of x86-64 and AArch64 only"
#endif

/* No single section we read may claim more than this when inflated. */
#define ELF_MAX_SECTION ((uint64_t)1 << 31)

struct elf_file {
	int fd;                     /* -1 for an image in memory */
	const unsigned char *image; /* the image, when fd < 0 */
	uint64_t size;              /* of the file or image */
	Elf64_Ehdr eh;
	Elf64_Phdr *ph;
	size_t phnum;
	Elf64_Shdr *sh;
	size_t shnum;
	char *shstr; /* section names, NUL-terminated */
	size_t shstr_size;
};

/* Reads n bytes at off; 0 on success. */
static int elf_pread(const struct elf_file *e, void *buf, uint64_t off, uint64_t n)
{
	if (off > e->size || n > e->size - off)
		return -1;
	if (e->fd < 0) {
		memcpy(buf, e->image + off, n);
		return 0;
	}
	unsigned char *p = buf;
	while (n) {
		ssize_t r = pread(e->fd, p, n > (1u << 30) ? (1u << 30) : n, (off_t)off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		off += (uint64_t)r;
		n -= (uint64_t)r;
	}
	return 0;
}

/* A malloc'd copy of n bytes at off with a NUL after them. */
static unsigned char *elf_read_alloc(const struct elf_file *e, uint64_t off, uint64_t n)
{
	if (n > ELF_MAX_SECTION || off > e->size || n > e->size - off)
		return NULL;
	unsigned char *p = malloc(n + 1);
	if (!p)
		return NULL;
	if (elf_pread(e, p, off, n)) {
		free(p);
		return NULL;
	}
	p[n] = 0;
	return p;
}

static int elf_load_headers(struct elf_file *e)
{
	if (elf_pread(e, &e->eh, 0, sizeof e->eh))
		return -1;
	const unsigned char *id = e->eh.e_ident;
	if (memcmp(id, ELFMAG, SELFMAG) || id[EI_CLASS] != ELFCLASS64 || id[EI_DATA] != ELFDATA2LSB ||
	    e->eh.e_machine != ELF_FILE_MACHINE)
		return -1;
	if (e->eh.e_phoff && e->eh.e_phnum && e->eh.e_phentsize == sizeof(Elf64_Phdr)) {
		e->phnum = e->eh.e_phnum;
		e->ph = (Elf64_Phdr *)elf_read_alloc(e, e->eh.e_phoff, e->phnum * sizeof(Elf64_Phdr));
		if (!e->ph)
			e->phnum = 0;
	}
	if (!e->eh.e_shoff || e->eh.e_shentsize != sizeof(Elf64_Shdr))
		return 0;
	Elf64_Shdr first;
	if (elf_pread(e, &first, e->eh.e_shoff, sizeof first))
		return 0;
	uint64_t shnum = e->eh.e_shnum ? e->eh.e_shnum : first.sh_size; /* extended numbering */
	uint64_t shstrndx = e->eh.e_shstrndx == SHN_XINDEX ? first.sh_link : e->eh.e_shstrndx;
	if (!shnum || shnum > 1u << 20)
		return 0;
	e->sh = (Elf64_Shdr *)elf_read_alloc(e, e->eh.e_shoff, shnum * sizeof(Elf64_Shdr));
	if (!e->sh)
		return 0;
	e->shnum = shnum;
	if (shstrndx < shnum && e->sh[shstrndx].sh_type != SHT_NOBITS) {
		e->shstr_size = e->sh[shstrndx].sh_size;
		e->shstr = (char *)elf_read_alloc(e, e->sh[shstrndx].sh_offset, e->shstr_size);
	}
	if (!e->shstr)
		e->shstr_size = 0;
	return 0;
}

static struct elf_file *elf_open_common(struct elf_file *e)
{
	if (elf_load_headers(e)) {
		elf_file_close(e);
		return NULL;
	}
	return e;
}

struct elf_file *elf_file_open(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	struct stat st;
	struct elf_file *e = calloc(1, sizeof *e);
	if (!e || fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		free(e);
		close(fd);
		return NULL;
	}
	e->fd = fd;
	e->size = (uint64_t)st.st_size;
	return elf_open_common(e);
}

struct elf_file *elf_file_open_memory(const void *image, size_t size)
{
	struct elf_file *e = calloc(1, sizeof *e);
	if (!e)
		return NULL;
	e->fd = -1;
	e->image = image;
	e->size = size;
	return elf_open_common(e);
}

void elf_file_close(struct elf_file *e)
{
	if (!e)
		return;
	if (e->fd >= 0)
		close(e->fd);
	free(e->ph);
	free(e->sh);
	free(e->shstr);
	free(e);
}

uint64_t elf_file_size(const struct elf_file *e)
{
	return e->size;
}

size_t elf_file_phdrs(const struct elf_file *e, const Elf64_Phdr **out)
{
	*out = e->ph;
	return e->phnum;
}

size_t elf_file_sections(const struct elf_file *e, const Elf64_Shdr **out)
{
	*out = e->sh;
	return e->shnum;
}

static const char *elf_section_name(const struct elf_file *e, const Elf64_Shdr *sh)
{
	return sh->sh_name < e->shstr_size ? e->shstr + sh->sh_name : "";
}

const Elf64_Shdr *elf_file_section(const struct elf_file *e, const char *name)
{
	for (size_t i = 1; i < e->shnum; i++)
		if (!strcmp(elf_section_name(e, &e->sh[i]), name))
			return &e->sh[i];
	return NULL;
}

int elf_file_has_data(const struct elf_file *e, const char *name)
{
	const Elf64_Shdr *sh = elf_file_section(e, name);
	return sh && sh->sh_type != SHT_NOBITS && sh->sh_size > 0;
}

/* Inflates n compressed bytes at in into a malloc'd buffer of exactly want
 * bytes (plus a NUL). */
static unsigned char *elf_inflate(const unsigned char *in, uint64_t n, uint64_t want)
{
#ifdef ELF_FILE_ZLIB
	/* deflate shrinks by 1032:1 at most: a bigger claim is a damaged header */
	if (want > ELF_MAX_SECTION || n > ELF_MAX_SECTION || want > n * 1032 + 64)
		return NULL;
	unsigned char *out = malloc(want + 1);
	if (!out)
		return NULL;
	uLongf got = (uLongf)want;
	if (uncompress(out, &got, in, (uLong)n) != Z_OK || got != want) {
		free(out);
		return NULL;
	}
	out[want] = 0;
	return out;
#else
	(void)in;
	(void)n;
	(void)want;
	return NULL;
#endif
}

unsigned char *elf_file_read_section(struct elf_file *e, const Elf64_Shdr *sh, size_t *size)
{
	if (!sh || sh->sh_type == SHT_NOBITS)
		return NULL;
	unsigned char *raw = elf_read_alloc(e, sh->sh_offset, sh->sh_size);
	if (!raw)
		return NULL;
	uint64_t n = sh->sh_size;
	const char *name = elf_section_name(e, sh);
	if (sh->sh_flags & SHF_COMPRESSED) {
		Elf64_Chdr ch;
		unsigned char *out = NULL;
		if (n >= sizeof ch) {
			memcpy(&ch, raw, sizeof ch);
			if (ch.ch_type == ELFCOMPRESS_ZLIB)
				out = elf_inflate(raw + sizeof ch, n - sizeof ch, ch.ch_size);
		}
		free(raw);
		if (out)
			*size = ch.ch_size;
		return out;
	}
	if (!strncmp(name, ".zdebug", 7)) { /* the GNU format before SHF_COMPRESSED: "ZLIB", size big-endian */
		unsigned char *out = NULL;
		uint64_t want = 0;
		if (n >= 12 && !memcmp(raw, "ZLIB", 4)) {
			for (int i = 4; i < 12; i++)
				want = want << 8 | raw[i];
			out = elf_inflate(raw + 12, n - 12, want);
		}
		free(raw);
		if (out)
			*size = want;
		return out;
	}
	*size = n;
	return raw;
}

unsigned char *elf_file_read_named(struct elf_file *e, const char *name, size_t *size)
{
	const Elf64_Shdr *sh = elf_file_section(e, name);
	if (!sh && !strncmp(name, ".debug_", 7)) {
		char z[64];
		size_t len = strlen(name);
		if (len + 2 <= sizeof z) {
			z[0] = '.';
			z[1] = 'z';
			memcpy(z + 2, name + 1, len); /* ".debug_x" -> ".zdebug_x", NUL included */
			sh = elf_file_section(e, z);
		}
	}
	return elf_file_read_section(e, sh, size);
}

/* Finds NT_GNU_BUILD_ID in n bytes of notes aligned to align. */
static size_t elf_notes_build_id(const unsigned char *p, uint64_t n, uint64_t align, char *hex, size_t cap)
{
	uint64_t off = 0;
	while (n - off >= 12) {
		uint32_t namesz, descsz, type;
		memcpy(&namesz, p + off, 4);
		memcpy(&descsz, p + off + 4, 4);
		memcpy(&type, p + off + 8, 4);
		off += 12;
		uint64_t name_end = off + ((namesz + align - 1) & ~(align - 1));
		if (name_end > n)
			return 0;
		uint64_t desc_end = name_end + ((descsz + align - 1) & ~(align - 1));
		if (desc_end > n || descsz > n - name_end)
			return 0;
		if (type == NT_GNU_BUILD_ID && namesz == 4 && !memcmp(p + off, "GNU", 4) && descsz > 0 &&
		    2 * (size_t)descsz < cap) {
			static const char digits[] = "0123456789abcdef";
			for (uint32_t i = 0; i < descsz; i++) {
				hex[2 * i] = digits[p[name_end + i] >> 4];
				hex[2 * i + 1] = digits[p[name_end + i] & 15];
			}
			hex[2 * descsz] = 0;
			return 2 * (size_t)descsz;
		}
		off = desc_end;
	}
	return 0;
}

static size_t elf_note_area_build_id(struct elf_file *e, uint64_t off, uint64_t n, uint64_t align, char *hex,
				     size_t cap)
{
	if (n > 1 << 20)
		return 0;
	unsigned char *p = elf_read_alloc(e, off, n);
	if (!p)
		return 0;
	size_t len = elf_notes_build_id(p, n, align == 8 ? 8 : 4, hex, cap);
	free(p);
	return len;
}

size_t elf_file_build_id(struct elf_file *e, char *hex, size_t cap)
{
	if (cap)
		hex[0] = 0;
	for (size_t i = 1; i < e->shnum; i++) {
		const Elf64_Shdr *sh = &e->sh[i];
		if (sh->sh_type != SHT_NOTE)
			continue;
		size_t len = elf_note_area_build_id(e, sh->sh_offset, sh->sh_size, sh->sh_addralign, hex, cap);
		if (len)
			return len;
	}
	for (size_t i = 0; i < e->phnum; i++) {
		const Elf64_Phdr *ph = &e->ph[i];
		if (ph->p_type != PT_NOTE)
			continue;
		size_t len = elf_note_area_build_id(e, ph->p_offset, ph->p_filesz, ph->p_align, hex, cap);
		if (len)
			return len;
	}
	return 0;
}

int elf_load_bias(const Elf64_Phdr *phdrs, size_t n, uint64_t start, uint64_t offset, uint64_t *bias)
{
	const Elf64_Phdr *best = NULL;
	for (size_t i = 0; i < n; i++) {
		const Elf64_Phdr *ph = &phdrs[i];
		if (ph->p_type != PT_LOAD || !ph->p_filesz)
			continue;
		uint64_t lo = ph->p_offset & ~(uint64_t)0xfff;
		if (offset < lo || offset >= ph->p_offset + ph->p_filesz)
			continue;
		if (!best || ((ph->p_flags & PF_X) && !(best->p_flags & PF_X)))
			best = ph;
	}
	if (!best)
		return -1;
	*bias = start - offset - best->p_vaddr + best->p_offset;
	return 0;
}

/* --- function symbols ------------------------------------------------------------------ */

static int elf_funcs_push(struct elf_funcs *f, const struct elf_func *fn)
{
	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 256;
		struct elf_func *v = realloc(f->v, cap * sizeof *v);
		if (!v)
			return -1;
		f->v = v;
		f->cap = cap;
	}
	f->v[f->n++] = *fn;
	return 0;
}

static unsigned elf_sym_rank(const Elf64_Sym *s, const char *name)
{
	unsigned bind = ELF64_ST_BIND(s->st_info);
	unsigned r = bind == STB_GLOBAL ? 0 : bind == STB_WEAK ? 1 : bind == STB_LOCAL ? 2 : 3;
	unsigned under = 0;
	while (name[under] == '_' && under < 15)
		under++;
	return r << 4 | under;
}

/* Adds the functions of the symbol table sh; returns how many. */
static size_t elf_funcs_add_table(struct elf_funcs *f, struct elf_file *e, const Elf64_Shdr *sh)
{
	if (!sh || sh->sh_type == SHT_NOBITS || sh->sh_entsize != sizeof(Elf64_Sym) || sh->sh_link >= e->shnum)
		return 0;
	size_t nsyms, nstr;
	unsigned char *syms = elf_file_read_section(e, sh, &nsyms);
	unsigned char *str = syms ? elf_file_read_section(e, &e->sh[sh->sh_link], &nstr) : NULL;
	unsigned char **tabs = str ? realloc(f->strtabs, (f->nstrtabs + 1) * sizeof *tabs) : NULL;
	if (!tabs) {
		free(syms);
		free(str);
		return 0;
	}
	f->strtabs = tabs;
	f->strtabs[f->nstrtabs++] = str;
	size_t added = 0;
	for (size_t i = 0; i + sizeof(Elf64_Sym) <= nsyms; i += sizeof(Elf64_Sym)) {
		Elf64_Sym s;
		memcpy(&s, syms + i, sizeof s);
		unsigned type = ELF64_ST_TYPE(s.st_info);
		if ((type != STT_FUNC && type != STT_GNU_IFUNC) || !s.st_value || s.st_name >= nstr ||
		    s.st_shndx == SHN_UNDEF || s.st_shndx >= SHN_LORESERVE || s.st_shndx >= e->shnum)
			continue;
		const char *name = (const char *)str + s.st_name;
		if (!*name)
			continue;
		const Elf64_Shdr *sec = &e->sh[s.st_shndx];
		struct elf_func fn = { s.st_value, s.st_size, sec->sh_addr + sec->sh_size, name,
				       elf_sym_rank(&s, name), 0 };
		if (fn.section_end <= fn.addr) /* not in its section: trust the size only */
			fn.section_end = fn.addr + fn.size;
		if (elf_funcs_push(f, &fn))
			break;
		added++;
	}
	free(syms);
	return added;
}

size_t elf_funcs_add(struct elf_funcs *f, struct elf_file *e)
{
	size_t n = 0;
	for (size_t i = 1; i < e->shnum; i++)
		if (e->sh[i].sh_type == SHT_SYMTAB || e->sh[i].sh_type == SHT_DYNSYM)
			n += elf_funcs_add_table(f, e, &e->sh[i]);
	return n;
}

int elf_funcs_add_named(struct elf_funcs *f, uint64_t addr, uint64_t size, const char *name, int no_symbol)
{
	size_t len = strlen(name);
	unsigned char *copy = malloc(len + 1);
	unsigned char **tabs = copy ? realloc(f->strtabs, (f->nstrtabs + 1) * sizeof *tabs) : NULL;
	if (!tabs) {
		free(copy);
		return -1;
	}
	memcpy(copy, name, len + 1);
	f->strtabs = tabs;
	f->strtabs[f->nstrtabs++] = copy;
	/* after every symbol of the address: a symbol's own name wins */
	struct elf_func fn = { addr, size, addr + size, (const char *)copy, 0xffu, no_symbol };
	return elf_funcs_push(f, &fn);
}

static int elf_func_cmp(const void *a, const void *b)
{
	const struct elf_func *x = a, *y = b;
	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	return strcmp(x->name, y->name);
}

void elf_funcs_finish(struct elf_funcs *f)
{
	if (!f->n)
		return;
	qsort(f->v, f->n, sizeof *f->v, elf_func_cmp);
	size_t out = 0;
	for (size_t i = 0; i < f->n; i++) {
		if (out && f->v[out - 1].addr == f->v[i].addr) {
			struct elf_func *keep = &f->v[out - 1];
			if (f->v[i].size > keep->size)
				keep->size = f->v[i].size;
			if (f->v[i].section_end > keep->section_end)
				keep->section_end = f->v[i].section_end;
			continue;
		}
		f->v[out++] = f->v[i];
	}
	f->n = out;
}

const struct elf_func *elf_funcs_find(const struct elf_funcs *f, uint64_t addr)
{
	size_t lo = 0, hi = f->n; /* the first symbol above addr */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (f->v[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return NULL;
	const struct elf_func *near = &f->v[lo - 1];
	if (addr - near->addr < near->size)
		return near;
	/* a bigger function starting earlier may contain it (entry points inside functions) */
	for (size_t i = lo - 1, k = 0; i-- > 0 && k < 8; k++)
		if (addr - f->v[i].addr < f->v[i].size)
			return &f->v[i];
	return addr < near->section_end ? near : NULL;
}

void elf_funcs_free(struct elf_funcs *f)
{
	for (size_t i = 0; i < f->nstrtabs; i++)
		free(f->strtabs[i]);
	free(f->strtabs);
	free(f->v);
	if (f->mapped)
		munmap(f->mapped, f->mapped_size);
	memset(f, 0, sizeof *f);
}
