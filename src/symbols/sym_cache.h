/* sym_cache.h: the symbolizer's cache on disk. What reading an object's
 * symbols and opening its line table made (its function table; the line
 * table's sections as inflated, its sequences indexed) is saved in a file
 * named after the object's build ID, so that a later run reads that file
 * rather than the ELF and DWARF sections: for libc with its debug file, a
 * symbol table of 10,000 entries, an unwind table and a 1.3 MB compressed
 * .debug_line inflated and indexed at every run otherwise.
 * A file is used only when it is whole and of the same object: same build
 * ID, same size of the object and of its debug file, same name the code
 * without a symbol is named after, and its checksum matches; anything else
 * (missing, older format, damaged, truncated) is ignored and the object is
 * read from its ELF file as without a cache, then saved again. Files are
 * written under a temporary name and renamed, so concurrent runs never see
 * half a file; the folder keeps at most SYM_CACHE_MAX_FILES, the oldest
 * removed first. Nothing here is required: any failure means no cache. */
#ifndef NEB_SYM_CACHE_H
#define NEB_SYM_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "elf_file.h"

struct dwarf_lines;

#define SYM_CACHE_MAX_FILES 64

/* What a cache file must match to be used. */
struct sym_cache_key {
	const char *build_id; /* lowercase hex (names the file) */
	const char *label;    /* what code without a symbol is named after ("libz.so.1") */
	uint64_t file_size;   /* of the object */
	uint64_t debug_size;  /* of its separate debug file, 0 when none */
};

/* The folder: $XDG_CACHE_HOME/nebtop, else $HOME/.cache/nebtop (malloc'd);
 * NULL when neither variable is an absolute path. */
char *sym_cache_default_dir(void);

/* Fills f (empty) with the function table saved for k: 0, or -1 (f stays
 * empty) when there is none that matches. */
int sym_cache_read_funcs(const char *dir, const struct sym_cache_key *k, struct elf_funcs *f);
/* The opened line table saved for k (dwarf_lines_open_saved), NULL when
 * there is none that matches. */
struct dwarf_lines *sym_cache_read_lines(const char *dir, const struct sym_cache_key *k);
/* Save them (the folder made when missing): 0, or -1 when nothing was
 * written. */
int sym_cache_write_funcs(const char *dir, const struct sym_cache_key *k, const struct elf_funcs *f);
int sym_cache_write_lines(const char *dir, const struct sym_cache_key *k, const struct dwarf_lines *d);

/* The file of k and kind ("functions", "lines") under dir, into path. */
void sym_cache_path(const char *dir, const struct sym_cache_key *k, const char *kind, char *path, size_t cap);

#endif
