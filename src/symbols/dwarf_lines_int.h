/* dwarf_lines_int.h: the insides of a line table (dwarf_lines.c), shared
 * with the code that saves an opened table and opens it again without its
 * ELF file (dwarf_lines_saved.c). Nothing else includes it. */
#ifndef NEB_DWARF_LINES_INT_H
#define NEB_DWARF_LINES_INT_H

#include <stddef.h>
#include <stdint.h>

#include "dwarf_lines.h"

#define DW_NOFILE UINT32_MAX      /* the row ending a sequence */
#define DW_BADFILE (UINT32_MAX - 1) /* a row whose file is not known */

struct dw_row {
	uint64_t addr;
	uint32_t file; /* index into names, DW_NOFILE at the end of a sequence */
	uint32_t line;
};

struct dwarf_lines {
	struct dw_row *rows;
	size_t nrows, cap;
	char **names; /* interned file names */
	size_t nnames, names_cap;
	uint32_t *name_hash; /* open addressing: index + 1, 0 = empty */
	size_t hash_cap;
	struct dw_lazy *lazy; /* an opened table: the sequences are decoded when asked for */
	int indexing;         /* the index pass: sequences are recorded, no row is kept */
};

/* The sections, read from elf on first use when elf is set. */
struct dw_ctx {
	struct dwarf_sections s;
	struct elf_file *elf;
	int tried_str, tried_info;
	unsigned char *owned[5];
};

struct dw_compdir {
	uint64_t stmt_list;
	const char *dir;
};

struct dw_compdirs {
	struct dw_compdir *v;
	size_t n;
	int built;
};

struct dw_file {
	const char *name;
	uint64_t dir;
	uint32_t id; /* interned, DW_NOFILE until first used */
};

struct dw_unit {
	int version;
	unsigned offsz, addrsz, min_inst, max_ops, line_range, opcode_base;
	int line_base, default_stmt;
	const unsigned char *std_lengths;
	const char **dirs; /* dirs[0]: the compilation directory (may be NULL) */
	size_t ndirs, dirs_cap;
	struct dw_file *files;
	size_t nfiles, files_cap;
	int file_base; /* the number of the first file: 1 before DWARF 5, 0 from it */
};

/* A sequence of an opened table: its addresses and where its program starts. */
struct dw_seqref {
	uint64_t lo, hi, unit_off, prog_off;
};

struct dw_lazy {
	struct dw_ctx x; /* the sections, kept */
	struct dw_compdirs cds;
	struct dw_unit u;     /* the header of unit_off */
	uint64_t unit_off;    /* UINT64_MAX: none read yet */
	const unsigned char *unit_end;
	struct dw_seqref *seqs; /* by lo */
	uint64_t *maxhi;        /* maxhi[i]: the highest hi of seqs[0..i] */
	unsigned char *done;    /* decoded into the rows */
	size_t nseqs, cap;
	void *mapped; /* a saved table: the mapped file the sections point into */
	size_t mapped_size;
};

/* Sorts the sequences of an opened table and makes what dwarf_lines_need
 * searches them with: 0, or -1 (no sequence, or out of memory). */
int dwarf_lines_index_sequences(struct dwarf_lines *d);

#endif
