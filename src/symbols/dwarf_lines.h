/* dwarf_lines.h: the DWARF line tables (.debug_line, versions 2 to 5) of an
 * object turned into one sorted table address -> (source file, line), for
 * the symbolizer. File names are the directory joined with the name as DWARF
 * gives them, under the compilation directory when they are relative. */
#ifndef NEB_DWARF_LINES_H
#define NEB_DWARF_LINES_H

#include <stddef.h>
#include <stdint.h>

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
/* From sections in memory (the buffers may be freed afterwards). */
struct dwarf_lines *dwarf_lines_build(const struct dwarf_sections *s);
void dwarf_lines_free(struct dwarf_lines *d);

/* The source position of addr (a link-time address): 1 with *file and *line
 * set (the file string lives as long as d), 0 when addr has none. */
int dwarf_lines_find(const struct dwarf_lines *d, uint64_t addr, const char **file, int *line);
/* How many address ranges the table holds. */
size_t dwarf_lines_rows(const struct dwarf_lines *d);

#endif
