/* symbolize.c: the symbolizer: the executable mappings of /proc/self/maps,
 * one object per mapped ELF file (its symbols, PLT stubs and the unwind
 * table's functions without a symbol read on the first lookup inside it;
 * its line table opened on the first lookup that wants a line, and decoded
 * only for the sequences of the addresses asked), and a hash table of every
 * address looked up (with or without its line).
 * One mutex guards it all. Mappings are only ever appended, so an index
 * handed out stays valid; the public arrays are kept until the end.
 *
 * Why nebtop reads ELF and DWARF itself rather than through elfutils'
 * libdw/libdwfl: it is cheaper for what the profiler needs, measured by
 * tests/bench/run_symbolize_bench.sh (part of `make bench`) in a program
 * linked like nebtop and with libdw (42 mapped objects), 1000 return
 * addresses of its own code, medians of 11 interleaved runs on a 2-core
 * machine, libdw 0.188: start-up (the mappings read, every ELF file opened for its build
 * ID) 5.0 ms here against 9.9 ms with dwfl_linux_proc_report; the first
 * lookup of the 1000 addresses (symbols and line tables read on first use)
 * 26 ms against 84 ms (dwfl_module_addrname + dwfl_module_getsrc); a
 * repeated lookup is a hash-table hit here (0.015 ms for the 1000) where
 * libdwfl searches again (46 ms); peak RSS grows by 1.3 MiB against
 * 8.4 MiB. The whole process takes 0.040 s of CPU against 0.094 s (a run
 * that symbolizes nothing: 0.027 s), its peak RSS is at most 11.4 MiB
 * against 16.9 MiB. Both name the same function and file:line for every
 * address. Also, libnebula links no
 * elfutils: libdw would add libdw, libelf, liblzma and libbz2 to what its
 * users load. (Async-signal-safety is not a reason: the signal handlers
 * only capture addresses, with frame pointers or libunwind; this runs
 * outside them, and .eh_frame is read to name code without a symbol, not
 * to unwind.) */
#include "autoconfig.h"

#include "symbolize.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

#include "../base/clock.h"
#include "dwarf_lines.h"
#include "elf_file.h"
#include "elf_nosym.h"
#include "sym_cache.h"

#define SYM_DEBUG_ROOT "/usr/lib/debug/.build-id/"
#define SYM_CACHE_MAX (1u << 18) /* entries; the cache starts over beyond */
#define SYM_MADE_NAMES_MAX 4096  /* names made for single addresses */
#define SYM_REFRESH_NS 1000000000ull /* an unknown address rereads the maps at most this often */

/* An ELF file mapped into the process (shared by its mappings). */
struct sym_object {
	char *open_path;           /* what to open, NULL for the vDSO */
	char label[64];            /* what code without a symbol is named after: "libz.so.1", "[vdso]" */
	const void *image;         /* the vDSO image */
	size_t image_size;
	uint64_t inode;
	uint64_t file_size, debug_size; /* of the file and of its debug file (0: none): the cache's key */
	char build_id[129];
	Elf64_Phdr *phdrs; /* kept to compute the bias of each mapping */
	size_t nphdrs;
	int has_functions, has_lines, has_debug_file;
	int state; /* 0 = symbols not read yet, 1 = read */
	struct elf_funcs funcs;
	/* The line table: opened on the first lookup that wants a line, its
	 * sequences decoded for the addresses asked (dwarf_lines_open). */
	struct dwarf_lines *lines;
	int lines_opened;
};

/* A mapping; the same index as in the public array. */
struct sym_map {
	uint64_t start, limit, offset, inode, bias;
	char *file;
	struct sym_object *obj; /* NULL: no ELF file (anonymous, pseudo, unreadable) */
	int live;               /* still in /proc/self/maps */
};

struct sym_cached {
	uint64_t pc, function_start;
	const char *function, *file;
	int32_t line;
	int32_t slot; /* mapping + 1; 0 = empty */
	int no_symbol;
	int has_line; /* file and line looked up (else only the function) */
};

struct symbolizer {
	pthread_mutex_t mu;
	struct sym_map *maps;
	size_t nmaps, maps_cap;
	size_t *live; /* indexes of the live mappings, by start */
	size_t nlive;
	struct sym_mapping *pub; /* the newest public array */
	size_t npub;
	struct sym_mapping **old_pub; /* earlier ones, freed at the end */
	size_t nold_pub;
	struct sym_object **objs;
	size_t nobjs;
	struct sym_cached *cache;
	size_t cache_cap, cache_n; /* cap: a power of two */
	char **made;               /* names made for single addresses ("[anon]+0x1234") */
	size_t nmade;
	uint64_t refreshed_ns;     /* when the maps were last read */
	char *cache_dir;           /* of sym_cache.h, NULL: none */
	struct symbolize_stats stats;
};

/* --- objects ---------------------------------------------------------------------------- */

static struct elf_file *sym_object_open(const struct sym_object *o)
{
	return o->open_path ? elf_file_open(o->open_path) : elf_file_open_memory(o->image, o->image_size);
}

/* The separate debug file named by the build ID, NULL when there is none. */
static struct elf_file *sym_open_debug_file(const struct sym_object *o)
{
	size_t n = strlen(o->build_id);
	if (n < 4)
		return NULL;
	char path[sizeof SYM_DEBUG_ROOT + sizeof o->build_id + 8];
	snprintf(path, sizeof path, SYM_DEBUG_ROOT "%.2s/%s.debug", o->build_id, o->build_id + 2);
	return elf_file_open(path);
}

static int sym_has_symbols(const struct elf_file *e)
{
	return elf_file_has_data(e, ".symtab") || elf_file_has_data(e, ".dynsym");
}

static int sym_has_line_table(const struct elf_file *e)
{
	return elf_file_has_data(e, ".debug_line") || elf_file_has_data(e, ".zdebug_line");
}

/* Reads the headers: build ID, program headers, what the file holds. */
static int sym_object_probe(struct sym_object *o)
{
	struct elf_file *e = sym_object_open(o);
	if (!e)
		return -1;
	const Elf64_Phdr *ph;
	size_t n = elf_file_phdrs(e, &ph);
	o->phdrs = n ? malloc(n * sizeof *ph) : NULL;
	if (o->phdrs) {
		memcpy(o->phdrs, ph, n * sizeof *ph);
		o->nphdrs = n;
	}
	elf_file_build_id(e, o->build_id, sizeof o->build_id);
	o->file_size = elf_file_size(e);
	o->has_functions = sym_has_symbols(e);
	o->has_lines = sym_has_line_table(e);
	elf_file_close(e);
	struct elf_file *dbg = sym_open_debug_file(o);
	if (dbg) {
		o->has_debug_file = 1;
		o->debug_size = elf_file_size(dbg);
		o->has_functions |= sym_has_symbols(dbg);
		o->has_lines |= sym_has_line_table(dbg);
		elf_file_close(dbg);
	}
	return o->phdrs ? 0 : -1;
}

/* What o's cache files are found by and checked against; 0, or -1 when o
 * has none (no cache, the vDSO, no build ID). */
static int sym_object_cache_key(const struct symbolizer *s, const struct sym_object *o, struct sym_cache_key *k)
{
	if (!s->cache_dir || !o->open_path || !o->build_id[0])
		return -1;
	*k = (struct sym_cache_key){ o->build_id, o->label, o->file_size, o->debug_size };
	return 0;
}

/* Reads the symbols (the first lookup in the object): from the cache when
 * it has them, else from the ELF files, then saved there. */
static void sym_object_load(struct symbolizer *s, struct sym_object *o)
{
	o->state = 1;
	s->stats.symbol_reads++;
	struct sym_cache_key k;
	int keyed = sym_object_cache_key(s, o, &k) == 0;
	if (keyed && sym_cache_read_funcs(s->cache_dir, &k, &o->funcs) == 0) {
		s->stats.cache_reads++;
		return;
	}
	struct elf_file *e = sym_object_open(o);
	struct elf_file *dbg = o->has_debug_file ? sym_open_debug_file(o) : NULL;
	if (e)
		elf_funcs_add(&o->funcs, e);
	if (dbg)
		elf_funcs_add(&o->funcs, dbg);
	if (e) { /* code without a symbol: PLT stubs, then what the unwind table knows */
		elf_funcs_add_plt(&o->funcs, e, o->label);
		elf_funcs_add_unwind(&o->funcs, e, o->label);
	}
	elf_funcs_finish(&o->funcs);
	elf_file_close(e);
	elf_file_close(dbg);
	if (keyed && (e || dbg) && sym_cache_write_funcs(s->cache_dir, &k, &o->funcs) == 0)
		s->stats.cache_writes++;
}

/* Makes the line table answer for the link-time addresses addrs[0..n):
 * opened on the first call (from the cache when it has it, else from the
 * ELF files, then saved there), then the sequences holding them decoded. */
static void sym_object_lines(struct symbolizer *s, struct sym_object *o, const uint64_t *addrs, size_t n)
{
	if (!o->has_lines)
		return;
	struct sym_cache_key k;
	if (!o->lines_opened && sym_object_cache_key(s, o, &k) == 0 &&
	    (o->lines = sym_cache_read_lines(s->cache_dir, &k))) {
		o->lines_opened = 1;
		s->stats.line_reads++;
		s->stats.cache_reads++;
	}
	if (!o->lines_opened) {
		o->lines_opened = 1;
		s->stats.line_reads++;
		struct elf_file *e = sym_object_open(o);
		int own = e && sym_has_line_table(e); /* the file's table first, as for the symbols */
		if (own)
			o->lines = dwarf_lines_open(e);
		elf_file_close(e);
		if (!own && o->has_debug_file) {
			struct elf_file *dbg = sym_open_debug_file(o);
			o->lines = dbg ? dwarf_lines_open(dbg) : NULL;
			elf_file_close(dbg);
		}
		if (o->lines && sym_object_cache_key(s, o, &k) == 0 &&
		    sym_cache_write_lines(s->cache_dir, &k, o->lines) == 0)
			s->stats.cache_writes++;
	}
	dwarf_lines_need(o->lines, addrs, n);
}

static void sym_object_free(struct sym_object *o)
{
	elf_funcs_free(&o->funcs);
	dwarf_lines_free(o->lines);
	free(o->phdrs);
	free(o->open_path);
	free(o);
}

/* The object of a file mapping (made and probed on first sight); NULL when
 * it is not a readable ELF file. */
static struct sym_object *sym_object_get(struct symbolizer *s, const char *open_path, const void *image,
					 size_t image_size, uint64_t inode, const char *label)
{
	for (size_t i = 0; i < s->nobjs; i++) {
		struct sym_object *o = s->objs[i];
		if (open_path ? o->open_path && !strcmp(o->open_path, open_path) && o->inode == inode
			      : o->image == image && o->image_size == image_size)
			return o->phdrs ? o : NULL;
	}
	struct sym_object **v = realloc(s->objs, (s->nobjs + 1) * sizeof *v);
	if (!v)
		return NULL;
	s->objs = v;
	struct sym_object *o = calloc(1, sizeof *o);
	if (!o)
		return NULL;
	o->open_path = open_path ? strdup(open_path) : NULL;
	o->image = image;
	o->image_size = image_size;
	o->inode = inode;
	snprintf(o->label, sizeof o->label, "%s", label);
	if (open_path && !o->open_path) {
		free(o);
		return NULL;
	}
	s->objs[s->nobjs++] = o; /* kept even when unreadable: not probed twice */
	s->stats.objects_probed++;
	return sym_object_probe(o) ? NULL : o;
}

/* --- mappings --------------------------------------------------------------------------- */

struct sym_maps_line {
	uint64_t start, limit, offset, inode;
	char perms[8];
	const char *path; /* "" when anonymous */
};

/* Parses one line of /proc/self/maps (modified: the newline goes). */
static int sym_parse_maps_line(char *line, struct sym_maps_line *m)
{
	unsigned dev_major, dev_minor;
	int n = -1;
	if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %7s %" SCNx64 " %x:%x %" SCNu64 "%n", &m->start, &m->limit, m->perms,
		   &m->offset, &dev_major, &dev_minor, &m->inode, &n) < 7 ||
	    n < 0)
		return -1;
	char *p = line + n;
	while (*p == ' ' || *p == '\t')
		p++;
	p[strcspn(p, "\n")] = 0;
	m->path = p;
	return 0;
}

/* Whether the symbolizer already has this mapping live; marks it seen. */
static int sym_map_known(struct symbolizer *s, const struct sym_maps_line *m, unsigned char *seen)
{
	size_t lo = 0, hi = s->nlive;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->maps[s->live[mid]].start < m->start)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < s->nlive && s->maps[s->live[lo]].start == m->start; lo++) {
		const struct sym_map *k = &s->maps[s->live[lo]];
		if (k->limit == m->limit && k->offset == m->offset && k->inode == m->inode &&
		    !strcmp(k->file, m->path)) {
			seen[lo] = 1;
			return 1;
		}
	}
	return 0;
}

/* What code without a symbol in the mapping of `file` is named after: the
 * file's name without its folder and without " (deleted)", a pseudo name
 * as it is ("[vdso]"), "[anon]" for an anonymous mapping. */
static void sym_label(const char *file, char *dst, size_t n)
{
	static const char deleted[] = " (deleted)";
	const char *base = file[0] == '/' && strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
	size_t len = strlen(base), dl = sizeof deleted - 1;
	if (len > dl && !strcmp(base + len - dl, deleted))
		len -= dl;
	if (!len)
		snprintf(dst, n, "[anon]");
	else
		snprintf(dst, n, "%.*s", (int)len, base);
}

static void sym_map_add(struct symbolizer *s, const struct sym_maps_line *m)
{
	if (s->nmaps == s->maps_cap) {
		size_t cap = s->maps_cap ? s->maps_cap * 2 : 64;
		struct sym_map *v = realloc(s->maps, cap * sizeof *v);
		if (!v)
			return;
		s->maps = v;
		s->maps_cap = cap;
	}
	struct sym_map *k = &s->maps[s->nmaps];
	*k = (struct sym_map){ m->start, m->limit, m->offset, m->inode, 0, strdup(m->path), NULL, 1 };
	if (!k->file)
		return;
	static const char deleted[] = " (deleted)";
	size_t len = strlen(k->file), dl = sizeof deleted - 1;
	if (k->file[0] == '/') {
		char open_path[96];
		const char *path = k->file;
		if (len > dl && !strcmp(k->file + len - dl, deleted)) { /* replaced on disk: the mapped file */
			snprintf(open_path, sizeof open_path, "/proc/self/map_files/%" PRIx64 "-%" PRIx64, m->start,
				 m->limit);
			path = open_path;
		}
		char label[64];
		sym_label(k->file, label, sizeof label);
		k->obj = sym_object_get(s, path, NULL, 0, m->inode, label);
	} else if (!strcmp(k->file, "[vdso]") && getauxval(AT_SYSINFO_EHDR) == m->start) {
		k->obj = sym_object_get(s, NULL, (const void *)(uintptr_t)m->start, (size_t)(m->limit - m->start), 0,
					"[vdso]");
	}
	if (k->obj && elf_load_bias(k->obj->phdrs, k->obj->nphdrs, m->start, m->offset, &k->bias))
		k->obj = NULL;
	s->nmaps++;
}

static size_t sym_hash(uint64_t pc, size_t cap)
{
	return (size_t)((pc * 0x9e3779b97f4a7c15ull) >> 32) & (cap - 1);
}

/* Drops the cached answers of mappings no longer live. */
static void sym_cache_prune(struct symbolizer *s)
{
	size_t cap = s->cache_cap;
	struct sym_cached *old = s->cache;
	s->cache = NULL;
	s->cache_cap = s->cache_n = 0;
	if (!old)
		return;
	s->cache = calloc(cap, sizeof *s->cache);
	if (s->cache)
		s->cache_cap = cap;
	for (size_t i = 0; s->cache && i < cap; i++) {
		if (!old[i].slot || !s->maps[old[i].slot - 1].live)
			continue;
		size_t k = sym_hash(old[i].pc, cap);
		while (s->cache[k].slot)
			k = (k + 1) & (cap - 1);
		s->cache[k] = old[i];
		s->cache_n++;
	}
	free(old);
}

static int sym_live_cmp(const void *a, const void *b, void *maps)
{
	const struct sym_map *m = maps;
	uint64_t x = m[*(const size_t *)a].start, y = m[*(const size_t *)b].start;
	return x < y ? -1 : x > y;
}

/* Publishes a new public array when mappings were added. */
static void sym_publish(struct symbolizer *s)
{
	if (s->npub == s->nmaps)
		return;
	struct sym_mapping *pub = malloc(s->nmaps * sizeof *pub);
	struct sym_mapping **old = s->pub ? realloc(s->old_pub, (s->nold_pub + 1) * sizeof *old) : s->old_pub;
	if (!pub || (s->pub && !old)) {
		free(pub);
		return;
	}
	for (size_t i = 0; i < s->nmaps; i++) {
		const struct sym_map *k = &s->maps[i];
		pub[i] = (struct sym_mapping){ k->start, k->limit, k->offset, k->file ? k->file : "",
					       k->obj ? k->obj->build_id : "", k->obj && k->obj->has_functions,
					       k->obj && k->obj->has_lines };
	}
	s->old_pub = old;
	if (s->pub)
		s->old_pub[s->nold_pub++] = s->pub;
	s->pub = pub;
	s->npub = s->nmaps;
}

static void sym_refresh_locked(struct symbolizer *s)
{
	FILE *f = fopen("/proc/self/maps", "re");
	if (!f)
		return;
	unsigned char *seen = calloc(s->nlive + 1, 1);
	if (!seen) {
		fclose(f);
		return;
	}
	size_t before = s->nmaps;
	char *line = NULL;
	size_t cap = 0;
	while (getline(&line, &cap, f) > 0) {
		struct sym_maps_line m;
		if (sym_parse_maps_line(line, &m) || m.perms[0] != 'r' || m.perms[2] != 'x' || m.limit <= m.start)
			continue;
		if (!sym_map_known(s, &m, seen))
			sym_map_add(s, &m);
	}
	free(line);
	fclose(f);
	int gone = 0;
	for (size_t i = 0; i < s->nlive; i++)
		if (!seen[i]) {
			s->maps[s->live[i]].live = 0;
			gone = 1;
		}
	free(seen);
	size_t *live = realloc(s->live, (s->nmaps ? s->nmaps : 1) * sizeof *live);
	if (live) {
		s->live = live;
		s->nlive = 0;
		for (size_t i = 0; i < s->nmaps; i++)
			if (s->maps[i].live)
				s->live[s->nlive++] = i;
		qsort_r(s->live, s->nlive, sizeof *s->live, sym_live_cmp, s->maps);
	} else {
		for (size_t i = before; i < s->nmaps; i++) /* cannot index them: never live */
			s->maps[i].live = 0;
	}
	if (gone)
		sym_cache_prune(s);
	sym_publish(s);
}

/* The live mapping holding pc, NULL when none. */
static struct sym_map *sym_find_map(struct symbolizer *s, uint64_t pc)
{
	size_t lo = 0, hi = s->nlive; /* first mapping starting above pc */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->maps[s->live[mid]].start <= pc)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return NULL;
	struct sym_map *m = &s->maps[s->live[lo - 1]];
	return pc < m->limit ? m : NULL;
}

/* --- the cache -------------------------------------------------------------------------- */

static const struct sym_cached *sym_cache_find(const struct symbolizer *s, uint64_t pc)
{
	if (!s->cache_n)
		return NULL;
	for (size_t k = sym_hash(pc, s->cache_cap);; k = (k + 1) & (s->cache_cap - 1)) {
		if (!s->cache[k].slot)
			return NULL;
		if (s->cache[k].pc == pc)
			return &s->cache[k];
	}
}

static void sym_cache_put(struct symbolizer *s, const struct sym_cached *c)
{
	if (s->cache_n >= SYM_CACHE_MAX) { /* a bound on the memory: start over */
		memset(s->cache, 0, s->cache_cap * sizeof *s->cache);
		s->cache_n = 0;
	}
	if (2 * (s->cache_n + 1) > s->cache_cap) {
		size_t cap = s->cache_cap ? s->cache_cap * 2 : 1024;
		struct sym_cached *v = calloc(cap, sizeof *v);
		if (!v)
			return;
		for (size_t i = 0; i < s->cache_cap; i++) {
			if (!s->cache[i].slot)
				continue;
			size_t k = sym_hash(s->cache[i].pc, cap);
			while (v[k].slot)
				k = (k + 1) & (cap - 1);
			v[k] = s->cache[i];
		}
		free(s->cache);
		s->cache = v;
		s->cache_cap = cap;
	}
	size_t k = sym_hash(c->pc, s->cache_cap);
	while (s->cache[k].slot)
		k = (k + 1) & (s->cache_cap - 1);
	s->cache[k] = *c;
	s->cache_n++;
}

/* --- the API ---------------------------------------------------------------------------- */

struct symbolizer *symbolize_new(void)
{
	struct symbolizer *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	if (pthread_mutex_init(&s->mu, NULL)) {
		free(s);
		return NULL;
	}
	s->cache_dir = sym_cache_default_dir();
	sym_refresh_locked(s); /* nobody else sees s yet */
	s->refreshed_ns = clock_now_ns();
	return s;
}

void symbolize_free(struct symbolizer *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nobjs; i++)
		sym_object_free(s->objs[i]);
	for (size_t i = 0; i < s->nmaps; i++)
		free(s->maps[i].file);
	for (size_t i = 0; i < s->nold_pub; i++)
		free(s->old_pub[i]);
	for (size_t i = 0; i < s->nmade; i++)
		free(s->made[i]);
	free(s->made);
	free(s->old_pub);
	free(s->pub);
	free(s->objs);
	free(s->maps);
	free(s->live);
	free(s->cache);
	free(s->cache_dir);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

void symbolize_set_cache_dir(struct symbolizer *s, const char *dir)
{
	char *copy = dir ? strdup(dir) : NULL;
	pthread_mutex_lock(&s->mu);
	free(s->cache_dir);
	s->cache_dir = copy;
	pthread_mutex_unlock(&s->mu);
}

void symbolize_refresh(struct symbolizer *s)
{
	pthread_mutex_lock(&s->mu);
	sym_refresh_locked(s);
	s->refreshed_ns = clock_now_ns();
	pthread_mutex_unlock(&s->mu);
}

/* A name for one address of code with no function around it: the
 * mapping's label and the address's offset, kept until the end (NULL past
 * SYM_MADE_NAMES_MAX of them). With the lock held. */
static const char *sym_make_name(struct symbolizer *s, const struct sym_map *m, uint64_t pc)
{
	if (s->nmade == SYM_MADE_NAMES_MAX)
		return NULL;
	char label[64], name[192];
	uint64_t off = m->obj ? pc - m->bias : pc - m->start + m->offset; /* as objdump shows it, or in the file */
	if (m->obj)
		snprintf(label, sizeof label, "%s", m->obj->label);
	else
		sym_label(m->file ? m->file : "", label, sizeof label);
	snprintf(name, sizeof name, "%s+0x%" PRIx64, label, off);
	char **v = realloc(s->made, (s->nmade + 1) * sizeof *v);
	if (!v)
		return NULL;
	s->made = v;
	if (!(s->made[s->nmade] = strdup(name)))
		return NULL;
	return s->made[s->nmade++];
}

static struct sym_cached *sym_cache_slot(struct symbolizer *s, uint64_t pc)
{
	return (struct sym_cached *)sym_cache_find(s, pc);
}

/* Sets c's file and line from its object's line table (read for c's
 * address when it does not answer for it yet). With the lock held. */
static void sym_cached_line(struct symbolizer *s, struct sym_cached *c)
{
	c->has_line = 1;
	const struct sym_map *m = &s->maps[c->slot - 1];
	struct sym_object *o = m->obj;
	if (!o)
		return;
	uint64_t addr = c->pc - m->bias;
	sym_object_lines(s, o, &addr, 1);
	int line = 0;
	if (dwarf_lines_find(o->lines, addr, &c->file, &line))
		c->line = line;
}

static int sym_lookup(struct symbolizer *s, uint64_t pc, int want_line, struct sym_info *out)
{
	*out = (struct sym_info){ NULL, 0, NULL, 0, -1, 0 };
	pthread_mutex_lock(&s->mu);
	struct sym_cached *hit = sym_cache_slot(s, pc);
	if (hit) {
		if (want_line && !hit->has_line)
			sym_cached_line(s, hit);
		*out = (struct sym_info){ hit->function, hit->function_start, hit->file, hit->line, hit->slot - 1,
					  hit->no_symbol };
		pthread_mutex_unlock(&s->mu);
		return out->function != NULL;
	}
	struct sym_map *m = sym_find_map(s, pc);
	if (!m && clock_now_ns() - s->refreshed_ns >= SYM_REFRESH_NS) { /* a library loaded since? */
		sym_refresh_locked(s);
		s->refreshed_ns = clock_now_ns();
		m = sym_find_map(s, pc);
	}
	if (!m) {
		pthread_mutex_unlock(&s->mu);
		return 0;
	}
	struct sym_cached c = { pc, 0, NULL, NULL, 0, (int32_t)(m - s->maps) + 1, 0, 0 };
	struct sym_object *o = m->obj;
	if (o) {
		if (!o->state)
			sym_object_load(s, o);
		const struct elf_func *fn = elf_funcs_find(&o->funcs, pc - m->bias);
		if (fn) {
			c.function = fn->name;
			c.function_start = fn->addr + m->bias;
			c.no_symbol = fn->no_symbol;
		}
	}
	if (!c.function) { /* no function around it: named after its mapping */
		c.function = sym_make_name(s, m, pc);
		c.function_start = 0;
		c.no_symbol = 1;
	}
	if (want_line)
		sym_cached_line(s, &c);
	sym_cache_put(s, &c);
	pthread_mutex_unlock(&s->mu);
	*out = (struct sym_info){ c.function, c.function_start, c.file, c.line, c.slot - 1, c.no_symbol };
	return c.function != NULL;
}

int symbolize_lookup(struct symbolizer *s, uint64_t pc, struct sym_info *out)
{
	return sym_lookup(s, pc, 1, out);
}

int symbolize_lookup_function(struct symbolizer *s, uint64_t pc, struct sym_info *out)
{
	return sym_lookup(s, pc, 0, out);
}

struct sym_want {
	struct sym_object *obj;
	uint64_t addr;
};

static int sym_want_cmp(const void *a, const void *b)
{
	const struct sym_want *x = a, *y = b;
	if (x->obj != y->obj)
		return (uintptr_t)x->obj < (uintptr_t)y->obj ? -1 : 1;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

void symbolize_prepare(struct symbolizer *s, const uint64_t *pcs, size_t n)
{
	struct sym_want *w = malloc((n ? n : 1) * sizeof *w);
	uint64_t *addrs = malloc((n ? n : 1) * sizeof *addrs);
	if (!w || !addrs) {
		free(w);
		free(addrs);
		return;
	}
	pthread_mutex_lock(&s->mu);
	size_t nw = 0;
	for (size_t i = 0; i < n; i++) {
		const struct sym_cached *hit = sym_cache_find(s, pcs[i]);
		if (hit && hit->has_line)
			continue;
		const struct sym_map *m = hit ? &s->maps[hit->slot - 1] : sym_find_map(s, pcs[i]);
		if (m && m->obj)
			w[nw++] = (struct sym_want){ m->obj, pcs[i] - m->bias };
	}
	qsort(w, nw, sizeof *w, sym_want_cmp);
	for (size_t i = 0; i < nw;) { /* one read per object, for all its addresses */
		size_t k = 0;
		struct sym_object *o = w[i].obj;
		for (; i < nw && w[i].obj == o; i++)
			addrs[k++] = w[i].addr;
		if (!o->state)
			sym_object_load(s, o);
		sym_object_lines(s, o, addrs, k);
	}
	pthread_mutex_unlock(&s->mu);
	free(w);
	free(addrs);
}

void symbolize_get_stats(struct symbolizer *s, struct symbolize_stats *out)
{
	pthread_mutex_lock(&s->mu);
	*out = s->stats;
	for (size_t i = 0; i < s->nobjs; i++)
		out->line_rows += dwarf_lines_rows(s->objs[i]->lines);
	pthread_mutex_unlock(&s->mu);
}

size_t symbolize_mappings(struct symbolizer *s, const struct sym_mapping **out)
{
	pthread_mutex_lock(&s->mu);
	*out = s->pub;
	size_t n = s->npub;
	pthread_mutex_unlock(&s->mu);
	return n;
}
