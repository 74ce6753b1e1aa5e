/* sym_cache.c: the symbolizer's cache files (sym_cache.h): a fixed header
 * (format, kind, build ID, the object's and its debug file's sizes, label,
 * payload size and CRC-32), then the payload: a function table (below) or
 * an opened line table (dwarf_lines_saved.c). A file is read whole with one
 * read and checked before anything in it is used. */
#include "autoconfig.h"

#include "sym_cache.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "../base/buf.h"
#include "dwarf_lines.h"

#define SYM_CACHE_MAGIC "NEBSYMC1" /* the format: another one is ignored */
#define SYM_CACHE_MAX_PAYLOAD ((uint64_t)1 << 30)
#define SYM_CACHE_STALE_TMP_S 600 /* a temporary file this old was left by a run that died */

enum { SYM_CACHE_FUNCS = 1, SYM_CACHE_LINES = 2 };

struct sym_cache_head {
	char magic[8];
	uint32_t kind, crc; /* crc: CRC-32 of the payload */
	uint64_t file_size, debug_size, payload_size;
	char build_id[136]; /* NUL-padded */
	char label[64];     /* NUL-padded */
};

static const char *sym_cache_kind_name(uint32_t kind)
{
	return kind == SYM_CACHE_FUNCS ? "functions" : "lines";
}

char *sym_cache_default_dir(void)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	char path[4096];
	if (xdg && xdg[0] == '/')
		snprintf(path, sizeof path, "%s/nebtop", xdg);
	else if (home && home[0] == '/')
		snprintf(path, sizeof path, "%s/.cache/nebtop", home);
	else
		return NULL;
	return strdup(path);
}

void sym_cache_path(const char *dir, const struct sym_cache_key *k, const char *kind, char *path, size_t cap)
{
	snprintf(path, cap, "%s/%s.%s", dir, k->build_id, kind);
}

/* Whether the key can name and be checked against a cache file. */
static int sym_cache_key_ok(const char *dir, const struct sym_cache_key *k)
{
	struct sym_cache_head h;
	size_t n = strlen(k->build_id);
	return dir && dir[0] && n >= 4 && n < sizeof h.build_id && strlen(k->label) < sizeof h.label &&
	       strspn(k->build_id, "0123456789abcdef") == n;
}

static void sym_cache_head_make(struct sym_cache_head *h, const struct sym_cache_key *k, uint32_t kind,
				const void *payload, size_t n)
{
	memset(h, 0, sizeof *h);
	memcpy(h->magic, SYM_CACHE_MAGIC, sizeof h->magic);
	h->kind = kind;
	h->crc = (uint32_t)crc32_z(0, payload, n);
	h->file_size = k->file_size;
	h->debug_size = k->debug_size;
	h->payload_size = n;
	snprintf(h->build_id, sizeof h->build_id, "%s", k->build_id);
	snprintf(h->label, sizeof h->label, "%s", k->label);
}

/* Maps the file of k and kind and checks its header and checksum: the
 * mapping (the payload from sizeof(struct sym_cache_head)) and its size, or
 * NULL. Mapped, not read: the pages come from the page cache as they are
 * touched, where a copy would fault in as many fresh pages of memory (the
 * dearer, measured: 1.4 MB read into malloc'd memory took 8 to 12 ms on the
 * 2-core virtual machine of the benchmarks, mapped and checksummed 1.3 ms).
 * The files are only ever replaced whole (renamed over), never truncated,
 * so a mapping stays readable to its end. */
static unsigned char *sym_cache_map(const char *dir, const struct sym_cache_key *k, uint32_t kind, size_t *size)
{
	if (!sym_cache_key_ok(dir, k))
		return NULL;
	char path[4400];
	sym_cache_path(dir, k, sym_cache_kind_name(kind), path, sizeof path);
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return NULL;
	struct stat st;
	struct sym_cache_head h;
	void *map = MAP_FAILED;
	if (!fstat(fd, &st) && S_ISREG(st.st_mode) && (uint64_t)st.st_size >= sizeof h &&
	    (uint64_t)st.st_size - sizeof h <= SYM_CACHE_MAX_PAYLOAD)
		map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED) {
		close(fd);
		return NULL;
	}
	unsigned char *p = map;
	size_t n = (size_t)st.st_size;
	struct sym_cache_head expect;
	memcpy(&h, p, sizeof h);
	sym_cache_head_make(&expect, k, kind, p + sizeof h, n - sizeof h);
	if (memcmp(&h, &expect, sizeof h)) {
		munmap(map, n);
		close(fd);
		return NULL;
	}
	futimens(fd, NULL); /* used: the last to be removed (sym_cache_prune) */
	close(fd);
	*size = n;
	return p;
}

struct sym_cache_old {
	struct timespec mtime;
	char name[256];
};

static int sym_cache_old_cmp(const void *a, const void *b)
{
	const struct timespec *x = &((const struct sym_cache_old *)a)->mtime;
	const struct timespec *y = &((const struct sym_cache_old *)b)->mtime;
	if (x->tv_sec != y->tv_sec)
		return x->tv_sec < y->tv_sec ? -1 : 1;
	return x->tv_nsec < y->tv_nsec ? -1 : x->tv_nsec > y->tv_nsec;
}

/* Keeps the folder at SYM_CACHE_MAX_FILES cache files (the least recently
 * used go) and removes temporary files that dead runs left. */
static void sym_cache_prune(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct sym_cache_old *v = NULL;
	size_t n = 0, cap = 0;
	time_t now = time(NULL);
	struct dirent *de;
	while ((de = readdir(d))) {
		const char *dot = strrchr(de->d_name, '.');
		struct stat st;
		if (!dot || strlen(de->d_name) >= sizeof v->name ||
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) || !S_ISREG(st.st_mode))
			continue;
		if (de->d_name[0] == '.' && !strcmp(dot, ".tmp")) {
			if (now - st.st_mtime > SYM_CACHE_STALE_TMP_S)
				unlinkat(dirfd(d), de->d_name, 0);
			continue;
		}
		if (strcmp(dot, ".functions") && strcmp(dot, ".lines"))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			struct sym_cache_old *w = realloc(v, cap * sizeof *w);
			if (!w)
				break;
			v = w;
		}
		v[n].mtime = st.st_mtim;
		snprintf(v[n++].name, sizeof v->name, "%s", de->d_name);
	}
	if (n > SYM_CACHE_MAX_FILES) {
		qsort(v, n, sizeof *v, sym_cache_old_cmp);
		for (size_t i = 0; i < n - SYM_CACHE_MAX_FILES; i++)
			unlinkat(dirfd(d), v[i].name, 0);
	}
	free(v);
	closedir(d);
}

/* Makes dir and its parent when missing (only the private cache folders). */
static int sym_cache_make_dir(const char *dir)
{
	if (mkdir(dir, 0700) == 0 || errno == EEXIST)
		return 0;
	if (errno != ENOENT)
		return -1;
	char parent[4096];
	snprintf(parent, sizeof parent, "%s", dir);
	char *slash = strrchr(parent, '/');
	if (!slash || slash == parent)
		return -1;
	*slash = 0;
	if (mkdir(parent, 0700) != 0 && errno != EEXIST)
		return -1;
	return mkdir(dir, 0700) == 0 || errno == EEXIST ? 0 : -1;
}

static int sym_cache_write_all(int fd, const void *p, size_t n)
{
	const unsigned char *c = p;
	while (n) {
		ssize_t w = write(fd, c, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Writes the file of k and kind: a temporary name of this thread, then
 * renamed over the final one (no fsync: a file torn by a crash fails its
 * checksum and is made again). */
static int sym_cache_write(const char *dir, const struct sym_cache_key *k, uint32_t kind, const struct buf *payload)
{
	if (!sym_cache_key_ok(dir, k) || sym_cache_make_dir(dir))
		return -1;
	char path[4400], tmp[4500];
	sym_cache_path(dir, k, sym_cache_kind_name(kind), path, sizeof path);
	snprintf(tmp, sizeof tmp, "%s/.%s.%s.%ld-%ld.tmp", dir, k->build_id, sym_cache_kind_name(kind),
		 (long)getpid(), (long)syscall(SYS_gettid));
	struct sym_cache_head h;
	sym_cache_head_make(&h, k, kind, payload->p, payload->len);
	unlink(tmp); /* left by a thread of the same id that died */
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -1;
	int rc = sym_cache_write_all(fd, &h, sizeof h) || sym_cache_write_all(fd, payload->p, payload->len) ? -1 : 0;
	if (close(fd) || rc || rename(tmp, path)) {
		unlink(tmp);
		return -1;
	}
	sym_cache_prune(dir);
	return 0;
}

/* --- function tables ----------------------------------------------------------------------
 * The payload: the number of functions and the length of the names (u64
 * each), the functions (struct sym_cache_func), the names (each ending
 * with a NUL). */

struct sym_cache_func {
	uint64_t addr, size, section_end, name;
	uint32_t rank, no_symbol;
};

int sym_cache_write_funcs(const char *dir, const struct sym_cache_key *k, const struct elf_funcs *f)
{
	size_t names = 0;
	for (size_t i = 0; i < f->n; i++)
		names += strlen(f->v[i].name) + 1;
	uint64_t counts[2] = { f->n, names };
	struct buf b = { NULL, 0, 0 };
	if (buf_try_reserve(&b, sizeof counts + f->n * sizeof(struct sym_cache_func) + names))
		return -1;
	buf_append(&b, counts, sizeof counts);
	for (size_t i = 0, at = 0; i < f->n; i++) {
		const struct elf_func *fn = &f->v[i];
		struct sym_cache_func c = { fn->addr, fn->size, fn->section_end, at, fn->rank, (uint32_t)fn->no_symbol };
		buf_append(&b, &c, sizeof c);
		at += strlen(fn->name) + 1;
	}
	for (size_t i = 0; i < f->n; i++)
		buf_append(&b, f->v[i].name, strlen(f->v[i].name) + 1);
	int rc = sym_cache_write(dir, k, SYM_CACHE_FUNCS, &b);
	buf_free(&b);
	return rc;
}

/* The function table of a payload of n bytes at p (the names point into
 * it). */
static int sym_cache_funcs_parse(struct elf_funcs *f, const unsigned char *p, size_t n)
{
	uint64_t counts[2];
	if (n < sizeof counts)
		return -1;
	memcpy(counts, p, sizeof counts);
	uint64_t fns = counts[0], names = counts[1], room = n - sizeof counts;
	if (fns > room / sizeof(struct sym_cache_func) || names != room - fns * sizeof(struct sym_cache_func) ||
	    (names && p[n - 1]) || (fns && !names))
		return -1;
	const unsigned char *text = p + sizeof counts + fns * sizeof(struct sym_cache_func);
	f->v = malloc((fns ? fns : 1) * sizeof *f->v);
	if (!f->v)
		return -1;
	f->cap = fns;
	for (size_t i = 0; i < fns; i++) {
		struct sym_cache_func c;
		memcpy(&c, p + sizeof counts + i * sizeof c, sizeof c);
		/* searched by halves: one function per address, in order */
		if (c.name >= names || (i && c.addr <= f->v[i - 1].addr))
			return -1;
		f->v[i] = (struct elf_func){ c.addr, c.size, c.section_end, (const char *)text + c.name, c.rank,
					     c.no_symbol != 0 };
		f->n = i + 1;
	}
	return 0;
}

int sym_cache_read_funcs(const char *dir, const struct sym_cache_key *k, struct elf_funcs *f)
{
	size_t n;
	unsigned char *p = sym_cache_map(dir, k, SYM_CACHE_FUNCS, &n);
	if (!p)
		return -1;
	f->mapped = p; /* unmapped with the table */
	f->mapped_size = n;
	size_t head = sizeof(struct sym_cache_head);
	if (sym_cache_funcs_parse(f, p + head, n - head)) {
		elf_funcs_free(f);
		return -1;
	}
	return 0;
}

/* --- line tables --------------------------------------------------------------------------- */

int sym_cache_write_lines(const char *dir, const struct sym_cache_key *k, const struct dwarf_lines *d)
{
	struct buf b = { NULL, 0, 0 };
	int rc = dwarf_lines_save(d, &b) ? -1 : sym_cache_write(dir, k, SYM_CACHE_LINES, &b);
	buf_free(&b);
	return rc;
}

struct dwarf_lines *sym_cache_read_lines(const char *dir, const struct sym_cache_key *k)
{
	size_t n;
	unsigned char *p = sym_cache_map(dir, k, SYM_CACHE_LINES, &n);
	return p ? dwarf_lines_open_saved(p, n, sizeof(struct sym_cache_head)) : NULL;
}
