/* elf_file.h: reading the parts of a 64-bit little-endian ELF file the
 * symbolizer needs, from disk (pread, nothing stays mapped) or from an image
 * in memory (the vDSO): program and section headers, section contents
 * (SHF_COMPRESSED zlib sections inflated), the GNU build ID, the load bias of
 * a mapping, and the function symbols of .symtab and .dynsym. Every offset
 * and size read from the file is checked: a damaged file gives no data,
 * never a crash. */
#ifndef NEB_ELF_FILE_H
#define NEB_ELF_FILE_H

#include <elf.h>
#include <stddef.h>
#include <stdint.h>

struct elf_file;

/* NULL when the file cannot be read or is not a 64-bit little-endian ELF
 * file of this machine. */
struct elf_file *elf_file_open(const char *path);
/* The same for an image in memory; it must stay readable until the close. */
struct elf_file *elf_file_open_memory(const void *image, size_t size);
void elf_file_close(struct elf_file *e);

/* The size of the file (or image) in bytes. */
uint64_t elf_file_size(const struct elf_file *e);
size_t elf_file_phdrs(const struct elf_file *e, const Elf64_Phdr **out);
/* The section headers (index 0 is the null section). */
size_t elf_file_sections(const struct elf_file *e, const Elf64_Shdr **out);
/* The section header of the first section of that name, NULL when none. */
const Elf64_Shdr *elf_file_section(const struct elf_file *e, const char *name);
/* Whether the section exists and is not SHT_NOBITS (stripped debug files
 * keep the headers of the sections they leave out). */
int elf_file_has_data(const struct elf_file *e, const char *name);
/* The contents of a section (inflated when compressed) in a malloc'd buffer
 * with a NUL byte after its *size bytes; NULL when missing or unreadable. */
unsigned char *elf_file_read_section(struct elf_file *e, const Elf64_Shdr *sh, size_t *size);
unsigned char *elf_file_read_named(struct elf_file *e, const char *name, size_t *size);

/* Writes the NT_GNU_BUILD_ID as lowercase hex (NUL-terminated) into hex,
 * which holds cap bytes; returns its length, 0 when there is none. */
size_t elf_file_build_id(struct elf_file *e, char *hex, size_t cap);

/* The load bias (runtime address - link-time address) of a file with
 * program headers ph mapped at start from file offset `offset`: from the
 * PT_LOAD that covers that offset (an executable one first). -1 when no
 * PT_LOAD does. */
int elf_load_bias(const Elf64_Phdr *ph, size_t n, uint64_t start, uint64_t offset, uint64_t *bias);

/* The function symbols of an object, sorted by address. */
struct elf_func {
	uint64_t addr, size; /* addr first: elf_nosym.c searches by it */
	uint64_t section_end; /* end of the section holding it: the limit of a nearest-preceding match */
	const char *name;
	unsigned rank; /* binding and leading '_': which of several names of an address wins */
	int no_symbol; /* the name was made (from the file and address): the code has no symbol */
};
struct elf_funcs {
	struct elf_func *v;
	size_t n, cap;
	unsigned char **strtabs; /* the string tables the names point into */
	size_t nstrtabs;
	void *mapped; /* or a mapped file they point into (a cache file), unmapped with them */
	size_t mapped_size;
};

/* Adds the STT_FUNC and STT_GNU_IFUNC symbols of .symtab and .dynsym of e
 * (a call per file: an object and its separate debug file). Returns the
 * number added. */
size_t elf_funcs_add(struct elf_funcs *f, struct elf_file *e);
/* Adds one function under a name of its own (copied): a PLT stub, or
 * code without a symbol (no_symbol). 0, or -1 without memory. */
int elf_funcs_add_named(struct elf_funcs *f, uint64_t addr, uint64_t size, const char *name, int no_symbol);
/* Sorts and removes duplicates (one symbol per address: a global name
 * before a weak one before a local one, then the fewest leading '_'). */
void elf_funcs_finish(struct elf_funcs *f);
/* The function containing addr, else the nearest one before it in the same
 * section; NULL when none. */
const struct elf_func *elf_funcs_find(const struct elf_funcs *f, uint64_t addr);
void elf_funcs_free(struct elf_funcs *f);

#endif
