/* replay_main.c: a small stand-in for libFuzzer's driver, for builds without
 * clang. Link it with any harness that defines LLVMFuzzerTestOneInput.
 *
 *   replay [-runs=N] [-seed=N] [-max_len=N] [-artifact_prefix=P] FILE|DIR...
 *
 * Runs the harness on every corpus file (directories are read recursively,
 * in name order), then on N (default 2000) deterministic pseudo-random
 * mutations of them: bit flips, byte changes, insertions of '"' ',' '\n'
 * '\r', deletions, truncations, duplications and splices of two files. Each
 * input is passed in a heap block of its exact size so that ASan sees reads
 * past its end. Prints one summary line; exits 0 when the harness never
 * crashed, 2 on a usage or I/O error. If the harness does crash, the input is
 * saved to P + "crash-replay" (default ./crash-replay) and named on stderr.
 * Other -flag=value arguments of libFuzzer are accepted and ignored. */
#if !defined(_GNU_SOURCE) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L /* strdup, opendir, ... */
#endif
#include "autoconfig.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* Optional in the harness; optional in the sanitizer runtime. */
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));
void __sanitizer_set_death_callback(void (*callback)(void)) __attribute__((weak));

struct replay_file {
	char *path;
	uint8_t *data;
	size_t len;
};

struct replay_corpus {
	struct replay_file *files;
	size_t n, cap;
};

/* What is running now, for the crash report (a signal handler reads it). */
static const uint8_t *replay_cur_data;
static size_t replay_cur_len;
static char replay_cur_what[512];
static char replay_crash_path[4096];

static void replay_report_crash(void)
{
	static volatile sig_atomic_t reported;
	if (reported)
		return;
	reported = 1;
	const char *m1 = "\nreplay: the harness crashed on ";
	const char *m2 = "\nreplay: input saved to ";
	if (write(2, m1, strlen(m1)) < 0 || write(2, replay_cur_what, strlen(replay_cur_what)) < 0)
		return;
	int fd = open(replay_crash_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return;
	if (replay_cur_len == 0 || write(fd, replay_cur_data, replay_cur_len) >= 0) {
		if (write(2, m2, strlen(m2)) < 0 || write(2, replay_crash_path, strlen(replay_crash_path)) < 0 ||
		    write(2, "\n", 1) < 0) {
			/* nothing more to do */
		}
	}
	close(fd);
}

static void replay_on_signal(int sig)
{
	replay_report_crash();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void replay_add_file(struct replay_corpus *c, const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		exit(2);
	}
	size_t cap = 4096, len = 0;
	uint8_t *data = malloc(cap);
	for (;;) {
		if (!data) {
			fprintf(stderr, "replay: out of memory\n");
			exit(2);
		}
		len += fread(data + len, 1, cap - len, f);
		if (len < cap)
			break;
		cap *= 2;
		data = realloc(data, cap);
	}
	if (ferror(f)) {
		fprintf(stderr, "replay: %s: read error\n", path);
		exit(2);
	}
	fclose(f);
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 16;
		c->files = realloc(c->files, c->cap * sizeof *c->files);
		if (!c->files) {
			fprintf(stderr, "replay: out of memory\n");
			exit(2);
		}
	}
	c->files[c->n].path = strdup(path);
	c->files[c->n].data = data;
	c->files[c->n].len = len;
	c->n++;
}

static int replay_compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void replay_add_path(struct replay_corpus *c, const char *path, int depth)
{
	struct stat st;
	if (stat(path, &st) != 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		exit(2);
	}
	if (!S_ISDIR(st.st_mode)) {
		replay_add_file(c, path);
		return;
	}
	if (depth > 16)
		return;
	DIR *dir = opendir(path);
	if (!dir) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		exit(2);
	}
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *e;
	while ((e = readdir(dir)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 32;
			names = realloc(names, cap * sizeof *names);
			if (!names) {
				fprintf(stderr, "replay: out of memory\n");
				exit(2);
			}
		}
		size_t len = strlen(path) + strlen(e->d_name) + 2;
		names[n] = malloc(len);
		if (!names[n]) {
			fprintf(stderr, "replay: out of memory\n");
			exit(2);
		}
		snprintf(names[n], len, "%s/%s", path, e->d_name);
		n++;
	}
	closedir(dir);
	if (n)
		qsort(names, n, sizeof *names, replay_compare_names);
	for (size_t i = 0; i < n; i++) {
		replay_add_path(c, names[i], depth + 1);
		free(names[i]);
	}
	free(names);
}

static uint64_t replay_rng_next(uint64_t *state)
{
	uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static size_t replay_rng_below(uint64_t *state, size_t n)
{
	return n ? (size_t)(replay_rng_next(state) % n) : 0;
}

/* Runs the harness on data[0..len), copied to a block of exactly len bytes. */
static void replay_run_one(const uint8_t *data, size_t len)
{
	uint8_t *copy = malloc(len ? len : 1);
	if (!copy) {
		fprintf(stderr, "replay: out of memory\n");
		exit(2);
	}
	if (len)
		memcpy(copy, data, len);
	replay_cur_data = copy;
	replay_cur_len = len;
	LLVMFuzzerTestOneInput(copy, len);
	replay_cur_data = NULL;
	replay_cur_len = 0;
	free(copy);
}

/* Applies one random mutation to buf[0..*len), which has room for max bytes. */
static void replay_mutate_once(uint8_t *buf, size_t *len, size_t max, const struct replay_corpus *c,
			       uint64_t *rng)
{
	static const uint8_t specials[4] = { '"', ',', '\n', '\r' };
	size_t n = *len;
	switch (replay_rng_below(rng, 8)) {
	case 0: /* flip a bit */
		if (n)
			buf[replay_rng_below(rng, n)] ^= (uint8_t)(1u << replay_rng_below(rng, 8));
		break;
	case 1: /* change a byte */
		if (n)
			buf[replay_rng_below(rng, n)] = (uint8_t)replay_rng_next(rng);
		break;
	case 2:
	case 3: { /* insert one to four of '"' ',' '\n' '\r' */
		size_t k = 1 + replay_rng_below(rng, 4);
		if (k > max - n)
			k = max - n;
		size_t at = replay_rng_below(rng, n + 1);
		memmove(buf + at + k, buf + at, n - at);
		for (size_t i = 0; i < k; i++)
			buf[at + i] = specials[replay_rng_below(rng, 4)];
		n += k;
		break;
	}
	case 4: { /* delete a range */
		if (!n)
			break;
		size_t at = replay_rng_below(rng, n);
		size_t k = 1 + replay_rng_below(rng, n - at < 16 ? n - at : 16);
		memmove(buf + at, buf + at + k, n - at - k);
		n -= k;
		break;
	}
	case 5: /* truncate */
		n = replay_rng_below(rng, n + 1);
		break;
	case 6: { /* duplicate a range somewhere else */
		if (!n)
			break;
		size_t from = replay_rng_below(rng, n);
		size_t k = 1 + replay_rng_below(rng, n - from < 32 ? n - from : 32);
		if (k > max - n)
			k = max - n;
		size_t at = replay_rng_below(rng, n + 1);
		uint8_t tmp[32];
		memcpy(tmp, buf + from, k);
		memmove(buf + at + k, buf + at, n - at);
		memcpy(buf + at, tmp, k);
		n += k;
		break;
	}
	default: { /* splice: our head, another file's tail */
		if (!c->n)
			break;
		const struct replay_file *o = &c->files[replay_rng_below(rng, c->n)];
		size_t head = replay_rng_below(rng, n + 1);
		size_t from = replay_rng_below(rng, o->len + 1);
		size_t k = o->len - from;
		if (k > max - head)
			k = max - head;
		memcpy(buf + head, o->data + from, k);
		n = head + k;
		break;
	}
	}
	*len = n;
}

static int replay_parse_flag(const char *arg, const char *name, unsigned long long *out)
{
	size_t len = strlen(name);
	if (strncmp(arg, name, len) != 0 || arg[len] != '=')
		return 0;
	char *end;
	errno = 0;
	*out = strtoull(arg + len + 1, &end, 10);
	if (errno || end == arg + len + 1 || *end) {
		fprintf(stderr, "replay: bad value in %s\n", arg);
		exit(2);
	}
	return 1;
}

int main(int argc, char **argv)
{
	unsigned long long runs = 2000, seed = 1, max_len = 4096, v;
	const char *prefix = "./";
	struct replay_corpus corpus = { 0 };
	int npaths = 0;

	if (LLVMFuzzerInitialize)
		LLVMFuzzerInitialize(&argc, &argv);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (replay_parse_flag(a, "-runs", &v))
			runs = v;
		else if (replay_parse_flag(a, "-seed", &v))
			seed = v;
		else if (replay_parse_flag(a, "-max_len", &v))
			max_len = v ? v : 1;
		else if (strncmp(a, "-artifact_prefix=", 17) == 0)
			prefix = a + 17;
		else if (a[0] == '-' && strchr(a, '='))
			fprintf(stderr, "replay: ignoring %s\n", a);
		else if (a[0] == '-') {
			fprintf(stderr, "usage: %s [-runs=N] [-seed=N] [-max_len=N] [-artifact_prefix=P] FILE|DIR...\n",
				argv[0]);
			return 2;
		} else {
			replay_add_path(&corpus, a, 0);
			npaths++;
		}
	}
	if (npaths == 0) {
		fprintf(stderr, "usage: %s [-runs=N] [-seed=N] [-max_len=N] [-artifact_prefix=P] FILE|DIR...\n",
			argv[0]);
		return 2;
	}
	snprintf(replay_crash_path, sizeof replay_crash_path, "%scrash-replay", prefix);
	signal(SIGABRT, replay_on_signal);
	signal(SIGSEGV, replay_on_signal);
	signal(SIGBUS, replay_on_signal);
	signal(SIGFPE, replay_on_signal);
	signal(SIGILL, replay_on_signal);
	if (__sanitizer_set_death_callback)
		__sanitizer_set_death_callback(replay_report_crash);

	size_t bytes = 0, longest = 0;
	for (size_t i = 0; i < corpus.n; i++) {
		snprintf(replay_cur_what, sizeof replay_cur_what, "corpus file %s", corpus.files[i].path);
		replay_run_one(corpus.files[i].data, corpus.files[i].len);
		bytes += corpus.files[i].len;
		if (corpus.files[i].len > longest)
			longest = corpus.files[i].len;
	}

	uint8_t *buf = malloc((size_t)max_len);
	if (!buf) {
		fprintf(stderr, "replay: out of memory\n");
		return 2;
	}
	uint64_t rng = seed;
	for (unsigned long long r = 0; r < runs; r++) {
		size_t len = 0, base = 0;
		if (corpus.n) {
			base = replay_rng_below(&rng, corpus.n);
			len = corpus.files[base].len < max_len ? corpus.files[base].len : (size_t)max_len;
			memcpy(buf, corpus.files[base].data, len);
		}
		size_t steps = 1 + replay_rng_below(&rng, 4);
		for (size_t s = 0; s < steps; s++)
			replay_mutate_once(buf, &len, (size_t)max_len, &corpus, &rng);
		snprintf(replay_cur_what, sizeof replay_cur_what, "mutation %llu (seed %llu) of %s", r, seed,
			 corpus.n ? corpus.files[base].path : "the empty input");
		replay_run_one(buf, len);
		bytes += len;
		if (len > longest)
			longest = len;
	}
	printf("replay: %zu corpus files and %llu mutations (seed %llu) run, %zu bytes, longest %zu: no crash\n",
	       corpus.n, runs, seed, bytes, longest);

	free(buf);
	for (size_t i = 0; i < corpus.n; i++) {
		free(corpus.files[i].path);
		free(corpus.files[i].data);
	}
	free(corpus.files);
	return 0;
}
