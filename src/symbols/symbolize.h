/* symbolize.h: the symbolizer of the CPU and memory profilers: turns
 * addresses of this process's code into function, source file and line,
 * and lists the executable mappings with their build IDs for pprof. ELF
 * files are read from disk (never through the dynamic loader): function
 * names from .symtab and .dynsym, positions from DWARF .debug_line (of the
 * file or of its separate debug file under /usr/lib/debug/.build-id). Code
 * without a symbol still gets a name: a PLT stub after its target
 * ("free@plt"), a function of the unwind table (.eh_frame) after its file
 * and address ("libz.so.1+0x2a40"), any other address in a mapping after
 * the mapping ("[anon]+0x1f0").
 * Nothing is read before it is needed: an object's symbols on the first
 * lookup inside it, its line table on the first lookup that wants a source
 * position, and then only the runs of code holding the addresses asked.
 * Runs outside signal handlers; thread-safe (one internal mutex); every
 * answer is cached, so a repeated address costs a hash-table lookup. */
#ifndef NEB_SYMBOLIZE_H
#define NEB_SYMBOLIZE_H

#include <stddef.h>
#include <stdint.h>

struct symbolizer;

/* An executable mapping of this process, from /proc/self/maps. */
struct sym_mapping {
	uint64_t start, limit, offset;
	const char *file;     /* path, a pseudo name like "[vdso]", or "" when anonymous */
	const char *build_id; /* lowercase hex of NT_GNU_BUILD_ID, or "" */
	int has_functions, has_lines;
};

struct sym_info {
	const char *function;    /* NULL when the address is in no mapping */
	uint64_t function_start; /* address of the function's first byte, 0 when unknown */
	const char *file;        /* source file, NULL when unknown */
	int line;                /* 0 when unknown */
	int mapping;             /* index into the mappings, -1 when none */
	int no_symbol;           /* function is a name made for code without a symbol:
				  * "free@plt" is not one, "libz.so.1+0x2a40" (the unwind
				  * table's function at that address, or the address alone
				  * when there is none) is */
};

/* Reads /proc/self/maps; NULL when out of memory. */
struct symbolizer *symbolize_new(void);
void symbolize_free(struct symbolizer *s);
/* Rereads /proc/self/maps (new libraries). Cached symbols stay valid;
 * mappings that are gone are kept in the list (their indexes do not change)
 * but addresses are no longer looked up in them. */
void symbolize_refresh(struct symbolizer *s);
/* pc is an address inside the instruction (callers pass return address - 1).
 * The strings stay valid until symbolize_free, and one function always gets
 * the same name pointer. Returns 1 when the function is known (its name may
 * be a made one: no_symbol). An address in no known mapping gives mapping
 * -1 (and is not cached: after a symbolize_refresh it may be found; the
 * lookup itself rereads the maps for it, at most once a second). */
int symbolize_lookup(struct symbolizer *s, uint64_t pc, struct sym_info *out);
/* The same without the source position (file NULL, line 0 unless an earlier
 * lookup found them): never reads a line table. */
int symbolize_lookup_function(struct symbolizer *s, uint64_t pc, struct sym_info *out);
/* Reads what full lookups of these addresses will need, for each object
 * holding some of them: its symbols, its line table opened, the sequences
 * of those addresses decoded. Optional (a lookup reads what it needs), it
 * lets a thread other than the one that will look them up do the reading. */
void symbolize_prepare(struct symbolizer *s, const uint64_t *pcs, size_t n);

/* The folder of the cache of function and line tables (sym_cache.h), by
 * default $XDG_CACHE_HOME/nebtop or else $HOME/.cache/nebtop; NULL: no
 * cache. For objects read from now on. */
void symbolize_set_cache_dir(struct symbolizer *s, const char *dir);

/* What the symbolizer has read from disk so far (for tests and benches). */
struct symbolize_stats {
	unsigned long objects_probed;   /* ELF headers read (build ID, what the file holds) */
	unsigned long symbol_reads;     /* symbol tables read (one per object, on its first lookup) */
	unsigned long line_reads;       /* line tables opened (their sequences found) */
	unsigned long line_rows;        /* rows decoded from them, for the addresses asked */
	unsigned long cache_reads;      /* of those reads and opens, how many came from the cache */
	unsigned long cache_writes;     /* function and line tables saved in the cache */
};
void symbolize_get_stats(struct symbolizer *s, struct symbolize_stats *out);
/* The mappings known so far; *out stays valid until symbolize_free (a later
 * refresh that finds new mappings makes a longer array, with the same
 * entries first). */
size_t symbolize_mappings(struct symbolizer *s, const struct sym_mapping **out);

#endif
