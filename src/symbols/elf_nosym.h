/* elf_nosym.h: names for the code of an ELF file that has no symbol of its
 * own: each PLT stub after the function it jumps to ("free@plt"), and every
 * other function the unwind table knows of but no symbol covers (a static
 * function of a stripped library, a helper inside the vDSO) after the file
 * and its address ("libjansson.so.4+0x3c40"), so that its samples are
 * neither a bare address nor counted in the exported function before it. */
#ifndef NEB_ELF_NOSYM_H
#define NEB_ELF_NOSYM_H

#include <stddef.h>

#include "elf_file.h"

/* Adds the PLT stubs of e (.plt, .plt.sec, .plt.got; x86-64): the ones
 * whose GOT slot a relocation names as "NAME@plt", the others (the lazy
 * binding stubs) as code without a symbol, "LABEL+0xADDR". Call after the
 * symbols are added. Returns how many. */
size_t elf_funcs_add_plt(struct elf_funcs *f, struct elf_file *e, const char *label);
/* Adds every function of e's .eh_frame that no function already in f
 * covers, as code without a symbol named "LABEL+0xADDR" (its link-time
 * start). Call after the symbols and PLT stubs; sorts f. Returns how many. */
size_t elf_funcs_add_unwind(struct elf_funcs *f, struct elf_file *e, const char *label);

#endif
