/* compare_load.c: for `nebtop compare`: finds the metrics files an argument
 * names (a file, a snapshot folder's metrics_STAMP.json files in stamp
 * order, its latest one) and the CPU profile beside each, and reads the
 * figures and findings the comparison needs from a metrics file, checking
 * keys and types with messages that name the file and the key. */
#include "autoconfig.h"

#include "compare.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../../connectors/json_record.h"

/* A snapshot stamp YYYYmmdd_HHMMSS[_N], as numbers that order it. */
struct compare_stamp {
	unsigned long date, time;
	unsigned long long n; /* no suffix: 1 */
};

/* Reads `count` digits at s into *v; 0, or -1. */
static int compare_load_digits(const char *s, size_t count, unsigned long *v)
{
	*v = 0;
	for (size_t i = 0; i < count; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		*v = *v * 10 + (unsigned long)(s[i] - '0');
	}
	return 0;
}

/* Parses "metrics_YYYYmmdd_HHMMSS[_N].json"; 0, or -1 for any other name. */
static int compare_load_parse_stamp(const char *name, struct compare_stamp *st)
{
	static const char prefix[] = "metrics_", suffix[] = ".json";
	size_t len = strlen(name), pl = sizeof prefix - 1, sl = sizeof suffix - 1;
	if (len < pl + 15 + sl || strncmp(name, prefix, pl) || strcmp(name + len - sl, suffix))
		return -1;
	const char *s = name + pl, *end = name + len - sl;
	if (compare_load_digits(s, 8, &st->date) || s[8] != '_' || compare_load_digits(s + 9, 6, &st->time))
		return -1;
	s += 15;
	st->n = 1;
	if (s == end)
		return 0;
	if (*s != '_' || end - s < 2 || end - s > 10)
		return -1;
	st->n = 0;
	for (s++; s < end; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		st->n = st->n * 10 + (unsigned long long)(*s - '0');
	}
	return 0;
}

static int compare_load_stamp_cmp(const struct compare_stamp *a, const struct compare_stamp *b)
{
	if (a->date != b->date)
		return a->date < b->date ? -1 : 1;
	if (a->time != b->time)
		return a->time < b->time ? -1 : 1;
	if (a->n != b->n)
		return a->n < b->n ? -1 : 1;
	return 0;
}

static char *compare_load_join(const char *dir, const char *name)
{
	size_t dl = strlen(dir), nl = strlen(name);
	int slash = dl > 0 && dir[dl - 1] != '/';
	char *p = malloc(dl + slash + nl + 1);
	if (!p)
		return NULL;
	memcpy(p, dir, dl);
	if (slash)
		p[dl] = '/';
	memcpy(p + dl + slash, name, nl + 1);
	return p;
}

/* A stamped metrics file's name and its stamp, for sorting. */
struct compare_named {
	char *name;
	struct compare_stamp st;
};

static int compare_load_named_cmp(const void *a, const void *b)
{
	const struct compare_named *x = a, *y = b;
	return compare_load_stamp_cmp(&x->st, &y->st);
}

void compare_load_list_free(char **files, size_t n)
{
	for (size_t i = 0; files && i < n; i++)
		free(files[i]);
	free(files);
}

int compare_load_list(const char *dir, char ***files, size_t *n, size_t *others, struct errbuf *e)
{
	*files = NULL;
	*n = *others = 0;
	DIR *d = opendir(dir);
	if (!d)
		return errbuf_set(e, "%s: cannot open the folder: %s", dir, strerror(errno));
	struct compare_named *v = NULL;
	size_t nv = 0, cap = 0;
	struct dirent *de;
	int oom = 0;
	while (!oom && (de = readdir(d)) != NULL) {
		struct compare_stamp st;
		if (compare_load_parse_stamp(de->d_name, &st)) {
			size_t len = strlen(de->d_name);
			if (!strncmp(de->d_name, "metrics_", 8) && len > 13 && !strcmp(de->d_name + len - 5, ".json"))
				(*others)++;
			continue;
		}
		if (nv == cap) {
			size_t nc = cap ? 2 * cap : 16;
			struct compare_named *t = realloc(v, nc * sizeof *t);
			if (!t) {
				oom = 1;
				break;
			}
			v = t;
			cap = nc;
		}
		v[nv].st = st;
		v[nv].name = compare_load_join(dir, de->d_name);
		if (!v[nv].name)
			oom = 1;
		else
			nv++;
	}
	closedir(d);
	if (!oom && nv == 0) {
		if (*others)
			return errbuf_set(e, "%s: no metrics_YYYYmmdd_HHMMSS.json snapshot in this folder (%zu "
					  "metrics_*.json file%s without a snapshot stamp: name the file instead)",
					  dir, *others, *others == 1 ? "" : "s");
		return errbuf_set(e, "%s: no metrics_*.json snapshot in this folder", dir);
	}
	char **out = oom ? NULL : calloc(nv + 1, sizeof *out);
	if (!out) {
		for (size_t i = 0; i < nv; i++)
			free(v[i].name);
		free(v);
		return errbuf_set(e, "out of memory");
	}
	if (nv)
		qsort(v, nv, sizeof *v, compare_load_named_cmp);
	for (size_t i = 0; i < nv; i++)
		out[i] = v[i].name;
	free(v);
	*files = out;
	*n = nv;
	return 0;
}

/* The latest snapshot's metrics file in folder dir. */
static int compare_load_latest(const char *dir, char **file, struct errbuf *e)
{
	char **files;
	size_t n, others;
	if (compare_load_list(dir, &files, &n, &others, e))
		return -1;
	*file = files[n - 1];
	files[n - 1] = NULL;
	compare_load_list_free(files, n);
	return 0;
}

char *compare_load_folded_path(const char *metrics_file)
{
	const char *base = strrchr(metrics_file, '/');
	base = base ? base + 1 : metrics_file;
	struct compare_stamp st;
	if (compare_load_parse_stamp(base, &st))
		return NULL;
	size_t dl = (size_t)(base - metrics_file), sl = strlen(base) - 8 - 5; /* the stamp */
	char *p = malloc(dl + 4 + sl + 7 + 1);
	if (!p)
		return NULL;
	snprintf(p, dl + 4 + sl + 7 + 1, "%.*scpu_%.*s.folded", (int)dl, metrics_file, (int)sl, base + 8);
	return p;
}

int compare_load_resolve(const char *arg, char **file, struct errbuf *e)
{
	struct stat sb;
	*file = NULL;
	if (!*arg)
		return errbuf_set(e, "an empty path");
	if (stat(arg, &sb) != 0)
		return errbuf_set(e, "%s: %s", arg, strerror(errno));
	if (S_ISDIR(sb.st_mode))
		return compare_load_latest(arg, file, e);
	if (!S_ISREG(sb.st_mode))
		return errbuf_set(e, "%s: not a metrics file or a snapshot folder", arg);
	*file = strdup(arg);
	if (!*file)
		return errbuf_set(e, "out of memory");
	return 0;
}

/* --- keys ----------------------------------------------------------------------- */

/* The value at the dotted path under obj (`where` names obj in messages: ""
 * for the root, "stages[1]"). *out is NULL when a part is absent or null;
 * -1 when a part on the way is not an object. */
static int compare_load_lookup(json_t *obj, const char *where, const char *path, json_t **out, struct errbuf *e)
{
	char at[512]; /* the path of obj */
	snprintf(at, sizeof at, "%s", where);
	*out = NULL;
	for (const char *p = path;;) {
		if (!json_is_object(obj))
			return errbuf_set(e, "key \"%s\" is %s, expected an object", at, json_record_kind(obj));
		const char *dot = strchr(p, '.');
		char key[128];
		snprintf(key, sizeof key, "%.*s", dot ? (int)(dot - p) : (int)strlen(p), p);
		json_t *v = json_object_get(obj, key);
		if (!v || json_is_null(v))
			return 0;
		if (!dot) {
			*out = v;
			return 0;
		}
		size_t l = strlen(at);
		snprintf(at + l, sizeof at - l, "%s%s", l ? "." : "", key);
		obj = v;
		p = dot + 1;
	}
}

/* The value at path when it has the JSON type `want` (JSON_REAL stands for
 * any number): 0 with *out (NULL when absent and not required), or -1. */
static int compare_load_typed(json_t *obj, const char *where, const char *path, int required, json_type want,
			      json_t **out, struct errbuf *e)
{
	json_t *j;
	*out = NULL;
	if (compare_load_lookup(obj, where, path, &j, e))
		return -1;
	const char *sep = *where ? "." : "";
	if (!j)
		return required ? errbuf_set(e, "missing key \"%s%s%s\"", where, sep, path) : 0;
	int ok = want == JSON_REAL ? json_is_number(j) : json_typeof(j) == want;
	if (!ok)
		return errbuf_set(e, "key \"%s%s%s\" is %s, expected %s", where, sep, path, json_record_kind(j),
				  want == JSON_REAL ? "a number" : "a string");
	*out = j;
	return 0;
}

/* A number at path: 0 with *v (NAN when absent and not required), or -1. */
static int compare_load_number(json_t *obj, const char *where, const char *path, int required, double *v,
			       struct errbuf *e)
{
	json_t *j;
	*v = NAN;
	if (compare_load_typed(obj, where, path, required, JSON_REAL, &j, e))
		return -1;
	if (!j)
		return 0;
	*v = json_number_value(j);
	if (!isfinite(*v))
		return errbuf_set(e, "key \"%s%s%s\" is not a finite number", where, *where ? "." : "", path);
	return 0;
}

/* A string at path: 0 with *s (NULL when absent and not required), or -1. */
static int compare_load_string(json_t *obj, const char *where, const char *path, int required, const char **s,
			       struct errbuf *e)
{
	json_t *j;
	*s = NULL;
	if (compare_load_typed(obj, where, path, required, JSON_STRING, &j, e))
		return -1;
	if (j)
		*s = json_string_value(j);
	return 0;
}

/* An array at key of the root: 0 with *a (NULL when absent or null), or -1. */
static int compare_load_array(json_t *root, const char *key, json_t **a, struct errbuf *e)
{
	*a = json_object_get(root, key);
	if (*a && json_is_null(*a))
		*a = NULL;
	if (*a && !json_is_array(*a))
		return errbuf_set(e, "key \"%s\" is %s, expected an array", key, json_record_kind(*a));
	return 0;
}

/* --- sections ------------------------------------------------------------------- */

static int compare_load_stages(struct compare_run *r, struct errbuf *e)
{
	json_t *a;
	if (compare_load_array(r->root, "stages", &a, e))
		return -1;
	if (!a || json_array_size(a) == 0)
		return 0;
	r->stages = calloc(json_array_size(a), sizeof *r->stages);
	if (!r->stages)
		return errbuf_set(e, "out of memory");
	size_t i;
	json_t *st;
	json_array_foreach(a, i, st) {
		char where[48];
		snprintf(where, sizeof where, "stages[%zu]", i);
		struct compare_stage *s = &r->stages[r->nstages];
		if (!json_is_object(st))
			return errbuf_set(e, "key \"%s\" is %s, expected an object", where, json_record_kind(st));
		if (compare_load_string(st, where, "name", 1, &s->name, e) ||
		    compare_load_number(st, where, "busy_pct", 0, &s->busy_pct, e) ||
		    compare_load_number(st, where, "latency_us.p50", 0, &s->p50_us, e) ||
		    compare_load_number(st, where, "latency_us.p99", 0, &s->p99_us, e))
			return -1;
		r->nstages++;
	}
	return 0;
}

/* Checks one finding object (bottlenecks[i] or primary_bottleneck). */
static int compare_load_finding(json_t *obj, const char *where, struct compare_finding *f, struct errbuf *e)
{
	if (!json_is_object(obj))
		return errbuf_set(e, "key \"%s\" is %s, expected an object", where, json_record_kind(obj));
	f->obj = obj;
	if (compare_load_string(obj, where, "type", 1, &f->type, e) ||
	    compare_load_string(obj, where, "component", 1, &f->component, e) ||
	    compare_load_string(obj, where, "severity", 0, &f->severity, e) ||
	    compare_load_string(obj, where, "description", 0, &f->description, e))
		return -1;
	if (!f->severity)
		f->severity = "";
	if (!f->description)
		f->description = "";
	return 0;
}

static int compare_load_findings(struct compare_run *r, struct errbuf *e)
{
	json_t *a;
	if (compare_load_array(r->root, "bottlenecks", &a, e))
		return -1;
	r->has_findings = json_object_get(r->root, "bottlenecks") != NULL;
	if (a && json_array_size(a) > 0) {
		r->findings = calloc(json_array_size(a), sizeof *r->findings);
		if (!r->findings)
			return errbuf_set(e, "out of memory");
		size_t i;
		json_t *f;
		json_array_foreach(a, i, f) {
			char where[48];
			snprintf(where, sizeof where, "bottlenecks[%zu]", i);
			if (compare_load_finding(f, where, &r->findings[r->nfindings], e))
				return -1;
			r->nfindings++;
		}
	}
	json_t *p = json_object_get(r->root, "primary_bottleneck");
	if (p && !json_is_null(p)) {
		struct compare_finding pf;
		if (compare_load_finding(p, "primary_bottleneck", &pf, e))
			return -1;
		r->primary = p;
	}
	return 0;
}

static int compare_load_runtime(struct compare_run *r, struct errbuf *e)
{
	double cpu_pct, allocs_per_sec;
	if (compare_load_number(r->root, "", "runtime.rss_peak_bytes", 0, &r->rss_peak_bytes, e) ||
	    compare_load_number(r->root, "", "runtime.heap_live_bytes", 0, &r->heap_live_bytes, e) ||
	    compare_load_number(r->root, "", "runtime.allocs_per_record", 0, &r->allocs_per_record, e) ||
	    compare_load_number(r->root, "", "runtime.allocs_per_sec", 0, &allocs_per_sec, e) ||
	    compare_load_number(r->root, "", "runtime.allocator_cpu_pct", 0, &r->allocator_cpu_pct, e) ||
	    compare_load_number(r->root, "", "runtime.cpu_seconds", 0, &r->cpu_seconds, e) ||
	    compare_load_number(r->root, "", "runtime.cpu_pct", 0, &cpu_pct, e))
		return -1;
	if (isnan(r->allocs_per_record) && !isnan(allocs_per_sec) && r->records_per_sec > 0)
		r->allocs_per_record = allocs_per_sec / r->records_per_sec;
	if (isnan(r->cpu_seconds) && !isnan(cpu_pct))
		r->cpu_seconds = cpu_pct / 100.0 * r->duration_s;
	return 0;
}

static int compare_load_check(struct compare_run *r, struct errbuf *e)
{
	if (!json_is_object(r->root))
		return errbuf_set(e, "not a nebtop metrics file: the JSON is %s, expected an object",
				  json_record_kind(r->root));
	/* the required keys first, so a file of another kind gets one clear message */
	static const char *const required[] = { "records", "throughput", "duration_s" };
	for (size_t i = 0; i < sizeof required / sizeof required[0]; i++)
		if (!json_object_get(r->root, required[i]))
			return errbuf_set(e, "missing key \"%s\" (not a nebtop metrics file?)", required[i]);
	if (compare_load_number(r->root, "", "duration_s", 1, &r->duration_s, e) ||
	    compare_load_number(r->root, "", "records.in", 1, &r->records_in, e) ||
	    compare_load_number(r->root, "", "records.errors", 0, &r->records_errors, e) ||
	    compare_load_number(r->root, "", "throughput.records_per_sec", 1, &r->records_per_sec, e) ||
	    compare_load_number(r->root, "", "throughput.bytes_per_sec", 0, &r->bytes_per_sec, e) ||
	    compare_load_number(r->root, "", "throughput.steady_records_per_sec", 0, &r->steady_records_per_sec, e) ||
	    compare_load_string(r->root, "", "pipeline.name", 0, &r->pipeline, e) ||
	    compare_load_number(r->root, "", "pipeline.batch", 0, &r->batch, e) ||
	    compare_load_string(r->root, "", "timestamp", 0, &r->timestamp, e) ||
	    compare_load_string(r->root, "", "run_id", 0, &r->run_id, e))
		return -1;
	json_t *final = json_object_get(r->root, "final");
	if (final && !json_is_boolean(final) && !json_is_null(final))
		return errbuf_set(e, "key \"final\" is %s, expected true or false", json_record_kind(final));
	r->final = json_is_true(final);
	if (compare_load_runtime(r, e) || compare_load_stages(r, e) || compare_load_findings(r, e))
		return -1;
	return 0;
}

int compare_load_run(struct compare_run *r, const char *file, struct errbuf *e)
{
	memset(r, 0, sizeof *r);
	FILE *f = fopen(file, "rb");
	if (!f)
		return errbuf_set(e, "%s: %s", file, strerror(errno));
	json_error_t je;
	r->root = json_loadf(f, 0, &je);
	fclose(f);
	if (!r->root)
		return errbuf_set(e, "%s: line %d, column %d: invalid JSON: %s", file, je.line, je.column, je.text);
	r->file = strdup(file);
	if (!r->file) {
		compare_run_free(r);
		return errbuf_set(e, "out of memory");
	}
	if (compare_load_check(r, e)) {
		errbuf_prefix(e, "%s", file);
		compare_run_free(r);
		return -1;
	}
	return 0;
}

void compare_run_free(struct compare_run *r)
{
	free(r->file);
	free(r->stages);
	free(r->findings);
	json_decref(r->root);
	memset(r, 0, sizeof *r);
}
