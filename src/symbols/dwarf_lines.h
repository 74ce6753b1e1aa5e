/* dwarf_lines.h: the DWARF line tables (.debug_line, versions 2 to 5) of an
 * object turned into one sorted table address -> (source file, line), for
 * the symbolizer. File names are the directory joined with the name as DWARF
 * gives them, under the compilation directory when they are relative. */
#ifndef NEB_DWARF_LINES_H
#define NEB_DWARF_LINES_H

#include <stddef.h>
#include <stdint.h>

struct buf;
struct elf_file;
struct dwarf_lines;

/* The sections a line table needs; any may be NULL. */
struct dwarf_sections {
	const unsigned char *line, *line_str, *str, *info, *abbrev;
	size_t line_size, line_str_size, str_size, info_size, abbrev_size;
};

/* From the sections of e (read when needed: .debug_info only for line tables
 * older than DWARF 5, which do not name the compilation directory). NULL
 * when e has no line table or no row in it. */
struct dwarf_lines *dwarf_lines_load(struct elf_file *e);
/* The same table decoded on demand: reads the sections and runs the
 * programs once to know where each sequence (run of code) is, keeping no
 * row; dwarf_lines_need then decodes the sequences of the addresses asked.
 * A large library's table (libc's debug file: 140,000 rows) costs a pass
 * over its bytes, not the rows, their memory and their sort. NULL when e
 * has no line table or no sequence in it. (A DW_LNE_define_file of a unit
 * before DWARF 5 names its file for the rows after it in the same sequence
 * only.) */
struct dwarf_lines *dwarf_lines_open(struct elf_file *e);
/* Decodes the sequences holding these link-time addresses (those not
 * decoded yet) so that dwarf_lines_find answers for them as a whole table
 * would. Returns 1 when rows were added, 0 when none, -1 out of memory.
 * Nothing to do for a table from dwarf_lines_load or _build. */
int dwarf_lines_need(struct dwarf_lines *d, const uint64_t *addrs, size_t n);
/* Appends an opened table (from dwarf_lines_open, decoded or not) to out as
 * bytes (dwarf_lines_saved.c): 0, or -1 when d is not an opened table or
 * memory runs out. */
int dwarf_lines_save(const struct dwarf_lines *d, struct buf *out);
/* The table saved at map[off..size), opened again without its ELF file;
 * takes map (a mapping of size bytes: unmapped with the table, or at once
 * on failure). NULL when the bytes are not a saved table. */
struct dwarf_lines *dwarf_lines_open_saved(void *map, size_t size, size_t off);
/* From sections in memory (the buffers may be freed afterwards). */
struct dwarf_lines *dwarf_lines_build(const struct dwarf_sections *s);
void dwarf_lines_free(struct dwarf_lines *d);

/* The source position of addr (a link-time address): 1 with *file and *line
 * set (the file string lives as long as d), 0 when addr has none. */
int dwarf_lines_find(const struct dwarf_lines *d, uint64_t addr, const char **file, int *line);
/* How many address ranges the table holds. */
size_t dwarf_lines_rows(const struct dwarf_lines *d);

#endif
