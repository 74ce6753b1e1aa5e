/* config.c: loading the INI file (inih) into sections, the built-in demo
 * pipeline, and the option tables of [pipeline], [profile] and [tui]: every
 * default of a run is in these tables. */
#include "autoconfig.h"

#include "config.h"
#include "../base/utf8.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const config_on_error_choices[] = { "skip", "fail", "dead_letter", NULL };

const struct confkey config_pipeline_keys[] = {
	{ "name", CONF_STRING, NULL, offsetof(struct pipeline_opts, name),
	  "pipeline name shown in reports (default: the INI file's name)", NULL, 0, 0, 0 },
	{ "batch", CONF_UINT, "1000", offsetof(struct pipeline_opts, batch), "records per batch", NULL, 1, 1000000, 0 },
	{ "workers", CONF_UINT, "4", offsetof(struct pipeline_opts, workers),
	  "worker threads per stage (transforms, CSV parsing, encoding)", NULL, 1, 256, 0 },
	{ "buffer", CONF_UINT, "10000", offsetof(struct pipeline_opts, buffer), "channel capacity, in records", NULL,
	  1, 100000000, 0 },
	{ "ordered", CONF_BOOL, "true", offsetof(struct pipeline_opts, ordered),
	  "the destination writes records in input order", NULL, 0, 0, 0 },
	{ "on_error", CONF_ENUM, "skip", offsetof(struct pipeline_opts, on_error),
	  "what a bad record does: skip, fail or dead_letter", config_on_error_choices, 0, 0, 0 },
	{ "dead_letter_path", CONF_STRING, NULL, offsetof(struct pipeline_opts, dead_letter_path),
	  "file that receives bad records with their reasons (on_error = dead_letter)", NULL, 0, 0, 0 },
	{ "duration", CONF_DURATION, NULL, offsetof(struct pipeline_opts, duration_ns),
	  "run length; 0 = no limit (default: none for an input that ends, 30s headless for an endless one)", NULL,
	  0, 0, 0 },
	{ "max_errors", CONF_STRING, "0", offsetof(struct pipeline_opts, max_errors),
	  "records a run may lose to errors and still exit 0: a count or a percentage of those read (0.5%); "
	  "records kept in the dead-letter file are not lost",
	  NULL, 0, 0, 0 },
	{ NULL, 0, NULL, 0, NULL, NULL, 0, 0, 0 },
};

const struct confkey config_profile_keys[] = {
	{ "types", CONF_STRING, "cpu,memory", offsetof(struct profile_opts, types),
	  "profiles to take: cpu,memory,block,mutex,goroutine,trace, all or none", NULL, 0, 0, 0 },
	{ "output", CONF_STRING, "./profiles", offsetof(struct profile_opts, output), "folder for snapshots", NULL, 0,
	  0, 0 },
	{ "cpu_duration", CONF_DURATION, "30s", offsetof(struct profile_opts, cpu_duration_ns),
	  "how much recent time a snapshot's CPU profile covers", NULL, CONF_SECONDS(1), CONF_SECONDS(3600), 0 },
	{ "cpu_hz", CONF_UINT, "100", offsetof(struct profile_opts, cpu_hz), "CPU samples per second per thread",
	  NULL, 1, 10000, 0 },
	{ "sampling_interval", CONF_DURATION, "100ms", offsetof(struct profile_opts, sampling_interval_ns),
	  "how often the sampler reads the metrics", NULL, CONF_SECONDS(0.001), CONF_SECONDS(10), 0 },
	{ "trace_duration", CONF_DURATION, "5s", offsetof(struct profile_opts, trace_duration_ns),
	  "how much recent time a trace covers (at most 10s)", NULL, CONF_SECONDS(0.001), CONF_SECONDS(10), 0 },
	{ "mem_rate", CONF_SIZE, "512KiB", offsetof(struct profile_opts, mem_rate),
	  "average bytes allocated between two sampled allocation stacks", NULL, 1, 1e12, 0 },
	{ "block_rate", CONF_DURATION, "10us", offsetof(struct profile_opts, block_rate_ns),
	  "blocking events are sampled about once per this much blocked time", NULL, CONF_SECONDS(0),
	  CONF_SECONDS(3600), 0 },
	{ "mutex_fraction", CONF_UINT, "10", offsetof(struct profile_opts, mutex_fraction),
	  "one in this many contended lock acquisitions is sampled with its stack", NULL, 1, 1000000, 0 },
	{ "latency_sample", CONF_UINT, "64", offsetof(struct profile_opts, latency_sample),
	  "one batch in this many is followed from read to write (where a record's time goes); 0: none", NULL, 0,
	  1000000, 0 },
	{ "whatif", CONF_STRING, "", offsetof(struct profile_opts, whatif),
	  "virtual speed-up experiments on a stage (its name), or auto: the bottleneck and the next candidate", NULL,
	  0, 0, 0 },
	{ NULL, 0, NULL, 0, NULL, NULL, 0, 0, 0 },
};

const struct confkey config_tui_keys[] = {
	{ "refresh", CONF_DURATION, "500ms", offsetof(struct tui_opts, refresh_ns), "screen redraw interval", NULL,
	  CONF_SECONDS(0.05), CONF_SECONDS(10), 0 },
	{ "color", CONF_BOOL, "true", offsetof(struct tui_opts, color), "draw in colour", NULL, 0, 0, 0 },
	{ NULL, 0, NULL, 0, NULL, NULL, 0, 0, 0 },
};

const char *config_find_key_section(const char *key)
{
	static const struct {
		const char *section;
		const struct confkey *keys;
	} tables[] = { { "pipeline", config_pipeline_keys },
		       { "profile", config_profile_keys },
		       { "tui", config_tui_keys },
		       { "export", config_export_keys },
		       { "alerts", analyzer_alert_keys } };
	for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++)
		for (const struct confkey *k = tables[t].keys; k->name; k++)
			if (!strcmp(k->name, key))
				return tables[t].section;
	return NULL;
}

/* The sections every configuration has, whether its file names them or not. */
#define CONFIG_FIXED(c) { &(c)->pipeline, &(c)->source, &(c)->destination, &(c)->profile, &(c)->alerts, &(c)->tui, \
			  &(c)->export_ }

static char *config_strdup(const char *s)
{
	char *d = strdup(s);
	if (!d) {
		fprintf(stderr, "nebtop: out of memory\n");
		abort();
	}
	return d;
}

void config_init(struct config *c)
{
	memset(c, 0, sizeof *c);
	c->pipeline.name = config_strdup("pipeline");
	c->source.name = config_strdup("source");
	c->destination.name = config_strdup("destination");
	c->profile.name = config_strdup("profile");
	c->alerts.name = config_strdup("alerts");
	c->tui.name = config_strdup("tui");
	c->export_.name = config_strdup("export");
	struct confsection *fixed[] = CONFIG_FIXED(c);
	for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
		fixed[i]->home_of = config_find_key_section;
}

void config_free(struct config *c)
{
	confmap_free(config_pipeline_keys, &c->pl);
	confmap_free(config_profile_keys, &c->prof);
	confmap_free(config_tui_keys, &c->ui);
	confmap_free(config_export_keys, &c->ex);
	confsection_free(&c->pipeline);
	confsection_free(&c->source);
	confsection_free(&c->destination);
	confsection_free(&c->profile);
	confsection_free(&c->alerts);
	confsection_free(&c->tui);
	confsection_free(&c->export_);
	for (size_t i = 0; i < c->nstages; i++)
		confsection_free(&c->stages[i]);
	free(c->stages);
	free(c->file);
	memset(c, 0, sizeof *c);
}

struct confsection *config_find_section(struct config *c, const char *name)
{
	struct confsection *fixed[] = CONFIG_FIXED(c);
	for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
		if (!strcmp(fixed[i]->name, name))
			return fixed[i];
	for (size_t i = 0; i < c->nstages; i++)
		if (!strcmp(c->stages[i].name, name))
			return &c->stages[i];
	return NULL;
}

struct confsection *config_add_section(struct config *c, const char *name, const char *origin, int line)
{
	struct confsection *s = realloc(c->stages, (c->nstages + 1) * sizeof *c->stages);
	if (!s) {
		fprintf(stderr, "nebtop: out of memory\n");
		abort();
	}
	c->stages = s;
	struct confsection *sec = &c->stages[c->nstages++];
	memset(sec, 0, sizeof *sec);
	sec->name = config_strdup(name);
	sec->origin = origin;
	sec->line = line;
	sec->home_of = config_find_key_section;
	return sec;
}

/* --- INI loading ------------------------------------------------------- */

/* inih reads the text line by line through config_ini_read_line, which lets
 * nebtop see every line itself: it counts lines (the Debian build of inih
 * does not pass line numbers to the handler) and opens each [section] at its
 * header line, so that a section with no keys is still checked and messages
 * about a section name its header. inih then hands over the key = value
 * lines of the current section. */
struct config_ini_ctx {
	struct config *c;
	const char *file;
	struct errbuf *e;
	const char *text;
	size_t len, pos;
	int line;                 /* the line last handed to inih */
	int line_indented;        /* it starts with white space */
	int line_has_equals;      /* it holds a '=' */
	int failed;
	struct confsection *sec;  /* the section being read */
	char *last_key;           /* the key of the previous key line, for continuations */
};

static const char *const config_fixed_sections[] = { "pipeline", "source", "destination", "profile", "alerts",
						     "tui",      "export" };

static int config_valid_stage_name(const char *n)
{
	if (!*n || strlen(n) > 48)
		return 0;
	for (const char *p = n; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-')
			return 0;
	return strcmp(n, "source") && strcmp(n, "destination");
}

static int config_ini_fail(struct config_ini_ctx *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int config_ini_fail(struct config_ini_ctx *x, const char *fmt, ...)
{
	char msg[900];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	errbuf_set(x->e, "%s:%d: %s", x->file, x->line, msg);
	x->failed = 1;
	return -1;
}

/* Opens the section of a [header] on the current line. */
static int config_ini_open_section(struct config_ini_ctx *x, const char *header)
{
	struct config *c = x->c;
	free(x->last_key);
	x->last_key = NULL;
	struct confsection *sec = NULL;
	if (!strncmp(header, "stage.", 6)) {
		const char *name = header + 6;
		if (!config_valid_stage_name(name))
			return config_ini_fail(x, "[%s]: a stage name is letters, digits, '_' and '-' (at most 48), and "
					       "not 'source' or 'destination'", header);
		for (size_t i = 0; i < c->nstages; i++)
			if (!strcmp(c->stages[i].name, name))
				return config_ini_fail(x, "[%s] appears twice (first on line %d)", header,
						       c->stages[i].line);
		sec = config_add_section(c, name, x->file, x->line);
	} else {
		for (size_t i = 0; i < sizeof config_fixed_sections / sizeof config_fixed_sections[0]; i++)
			if (!strcmp(header, config_fixed_sections[i]))
				sec = config_find_section(c, header);
		if (!sec) {
			const char *hint = confmap_suggest_key(header, config_fixed_sections,
							       sizeof config_fixed_sections / sizeof config_fixed_sections[0]);
			if (!hint && !strncmp(header, "stage", 5))
				hint = "stage.NAME";
			if (hint)
				return config_ini_fail(x, "unknown section [%s] (did you mean [%s]?)", header, hint);
			return config_ini_fail(x, "unknown section [%s] (sections: pipeline, source, stage.NAME, "
					       "destination, profile, alerts, tui, export)", header);
		}
		if (!sec->line) { /* a fixed section may come back; it is where it first appeared */
			sec->origin = x->file;
			sec->line = x->line;
		}
	}
	free(sec->header);
	sec->header = config_strdup(header);
	x->sec = sec;
	return 0;
}

/* Looks at a line before inih does: headers open their section here. */
static int config_ini_look_at_line(struct config_ini_ctx *x, const char *p, size_t n)
{
	size_t i = 0;
	while (i < n && (p[i] == ' ' || p[i] == '\t'))
		i++;
	x->line_indented = i > 0;
	x->line_has_equals = memchr(p, '=', n) != NULL;
	if (i >= n || p[i] != '[')
		return 0;
	const char *close = memchr(p + i, ']', n - i);
	if (!close)
		return config_ini_fail(x, "'[' without ']': a section header is [name]");
	const char *start = p + i + 1, *end = close;
	while (start < end && (*start == ' ' || *start == '\t'))
		start++;
	while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	char header[256];
	size_t len = (size_t)(end - start) < sizeof header - 1 ? (size_t)(end - start) : sizeof header - 1;
	memcpy(header, start, len);
	header[len] = 0;
	return config_ini_open_section(x, header);
}

static char *config_ini_read_line(char *str, int num, void *stream)
{
	struct config_ini_ctx *x = stream;
	if (x->failed || x->pos >= x->len)
		return NULL;
	size_t start = x->pos, end = start;
	while (end < x->len && x->text[end] != '\n')
		end++;
	x->pos = end < x->len ? end + 1 : end;
	x->line++;
	size_t n = end - start;
	if (n > 0 && x->text[end - 1] == '\r')
		n--;
	if (n > (size_t)num - 1) {
		config_ini_fail(x, "line is longer than %d characters; continue a long value on indented lines",
				num - 1);
		return NULL;
	}
	if (memchr(x->text + start, 0, n)) {
		config_ini_fail(x, "holds a NUL byte");
		return NULL;
	}
	if (config_ini_look_at_line(x, x->text + start, n))
		return NULL;
	memcpy(str, x->text + start, n);
	str[n] = 0;
	return str;
}

static int config_ini_handle(void *user, const char *section, const char *name, const char *value)
{
	(void)section; /* inih's copy may be cut short; nebtop tracks the section itself */
	struct config_ini_ctx *x = user;
	if (x->failed)
		return 1;
	struct confsection *sec = x->sec;
	if (!sec) {
		config_ini_fail(x, "key outside any section (start with a [section] header)");
		return 1;
	}
	if (x->line_indented && x->last_key && !strcmp(x->last_key, name) && sec->n > 0) {
		/* a continuation line: the value goes on */
		if (x->line_has_equals) {
			config_ini_fail(x, "this indented line continues the value of '%s'; to start a new key, "
					"remove the indentation", name);
			return 1;
		}
		struct confentry *en = &sec->entries[sec->n - 1];
		size_t a = strlen(en->value), b = strlen(value);
		char *v = realloc(en->value, a + b + 2);
		if (!v)
			abort();
		v[a] = ' ';
		memcpy(v + a + 1, value, b + 1);
		en->value = v;
		return 1;
	}
	for (size_t i = 0; i < sec->n; i++)
		if (sec->entries[i].line > 0 && !strcmp(sec->entries[i].key, name)) {
			config_ini_fail(x, "[%s] key '%s' is set twice (first on line %d)",
					sec->header ? sec->header : sec->name, name, sec->entries[i].line);
			return 1;
		}
	confsection_add(sec, name, value, x->file, x->line);
	free(x->last_key);
	x->last_key = config_strdup(name);
	return 1;
}

int config_load_string(struct config *c, const char *text, const char *name, struct errbuf *e)
{
	struct config_ini_ctx x;
	memset(&x, 0, sizeof x);
	x.c = c;
	x.file = name;
	x.e = e;
	x.text = text;
	x.len = strlen(text);
	if (x.len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3))
		x.pos = 3;
	int rc = ini_parse_stream(config_ini_read_line, &x, config_ini_handle, &x);
	free(x.last_key);
	if (x.failed)
		return -1;
	if (rc > 0)
		return errbuf_set(e, "%s:%d: cannot read this line: expected '[section]', 'key = value' or a comment",
				  name, rc);
	/* a section the file leaves out is still the file's: messages about it name the file */
	struct confsection *fixed[] = CONFIG_FIXED(c);
	for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
		if (!fixed[i]->origin)
			fixed[i]->origin = name;
	if (rc < 0)
		return errbuf_set(e, "%s: cannot be read", name);
	return 0;
}

int config_load_file(struct config *c, const char *path, struct errbuf *e)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return errbuf_set(e, "%s: %s", path, strerror(errno));
	struct buf_like {
		char *p;
		size_t len, cap;
	} b = { NULL, 0, 0 };
	char chunk[65536];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
		if (b.len + n + 1 > b.cap) {
			b.cap = (b.len + n + 1) * 2;
			b.p = realloc(b.p, b.cap);
			if (!b.p)
				abort();
		}
		memcpy(b.p + b.len, chunk, n);
		b.len += n;
		if (b.len > (16u << 20)) {
			fclose(f);
			free(b.p);
			return errbuf_set(e, "%s: larger than 16 MiB; is this an INI file?", path);
		}
	}
	int err = ferror(f);
	fclose(f);
	if (err) {
		free(b.p);
		return errbuf_set(e, "%s: read error", path);
	}
	if (!b.p)
		b.p = config_strdup("");
	else
		b.p[b.len] = 0;
	if (memchr(b.p, 0, b.len)) {
		free(b.p);
		return errbuf_set(e, "%s: contains a NUL byte; is this an INI file?", path);
	}
	free(c->file);
	c->file = config_strdup(path);
	int rc = config_load_string(c, b.p, c->file, e);
	free(b.p);
	return rc;
}

/* --- demo -------------------------------------------------------------- */

void config_load_demo(struct config *c)
{
	static const char demo[] = "[pipeline]\n"
				   "name = demo\n"
				   "[source]\n"
				   "type = generate\n"
				   "rows = 0\n"
				   "columns = 8\n"
				   "rate = 200000\n"
				   "[stage.parse]\n"
				   "type = cast\n"
				   "field = col1\n"
				   "to = int\n"
				   "[stage.enrich]\n"
				   "type = spin\n"
				   "us_per_record = 2\n"
				   "[stage.keep]\n"
				   "type = filter\n"
				   "field = col2\n"
				   "op = ne\n"
				   "value = x\n"
				   "[destination]\n"
				   "type = null\n";
	struct errbuf e;
	if (config_load_string(c, demo, "(built-in demo)", &e)) {
		fprintf(stderr, "nebtop: internal error in the demo pipeline: %s\n", e.msg);
		abort();
	}
}

/* --- resolving ------------------------------------------------------------ */

int config_parse_types(const char *list, unsigned *mask, const char *where, struct errbuf *e)
{
	unsigned m = 0;
	char *copy = config_strdup(list), *save = NULL;
	int none = 0, count = 0;
	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		while (*tok == ' ')
			tok++;
		char *end = tok + strlen(tok);
		while (end > tok && end[-1] == ' ')
			*--end = 0;
		count++;
		if (!strcmp(tok, "all")) {
			m |= PROFILE_ALL;
			continue;
		}
		if (!strcmp(tok, "none")) {
			none = 1;
			continue;
		}
		if (!strcmp(tok, "threads"))
			tok = "goroutine";
		const char *names[PROFILE_TYPES];
		size_t i, found = PROFILE_TYPES;
		for (i = 0; i < PROFILE_TYPES; i++) {
			names[i] = profiler_type_name(i);
			if (!strcmp(tok, names[i]))
				found = i;
		}
		i = found;
		if (i == PROFILE_TYPES) {
			const char *hint = confmap_suggest_key(tok, names, PROFILE_TYPES);
			errbuf_set(e, "%s: unknown profile type '%s'%s%s%s (types: cpu, memory, block, mutex, goroutine, "
				   "trace, all, none)", where, tok, hint ? " (did you mean '" : "", hint ? hint : "",
				   hint ? "'?)" : "");
			free(copy);
			return -1;
		}
		m |= 1u << i;
	}
	free(copy);
	if (none && (m || count > 1))
		return errbuf_set(e, "%s: 'none' cannot be combined with other profile types", where);
	if (!none && count == 0)
		return errbuf_set(e, "%s: empty profile type list (use 'none' for no profiles)", where);
	*mask = m;
	return 0;
}

void config_format_types(char *dst, size_t n, unsigned mask)
{
	size_t o = 0;
	dst[0] = 0;
	for (size_t i = 0; i < PROFILE_TYPES; i++)
		if (mask & (1u << i))
			o += (size_t)snprintf(dst + o, o < n ? n - o : 0, "%s%s", o ? "," : "", profiler_type_name(i));
	if (!mask)
		snprintf(dst, n, "none");
}

int config_resolve(struct config *c, struct errbuf *e)
{
	struct confbinding pl = { config_pipeline_keys, &c->pl }, prof = { config_profile_keys, &c->prof },
			   ui = { config_tui_keys, &c->ui }, al = { analyzer_alert_keys, &c->al },
			   ex = { config_export_keys, &c->ex };
	if (confmap_apply(&pl, 1, &c->pipeline, NULL, e) || confmap_apply(&prof, 1, &c->profile, NULL, e) ||
	    confmap_apply(&ui, 1, &c->tui, NULL, e) || confmap_apply(&al, 1, &c->alerts, NULL, e) ||
	    confmap_apply(&ex, 1, &c->export_, NULL, e) || analyzer_check_opts(&c->al, &c->alerts, e) ||
	    config_check_export(c, e))
		return -1;
	c->duration_given = confsection_find(&c->pipeline, "duration") != NULL;
	const struct confentry *types = confsection_find(&c->profile, "types");
	char where[512];
	confmap_format_where(where, sizeof where, &c->profile, types);
	if (config_parse_types(c->prof.types, &c->prof.type_mask, where, e))
		return -1;
	if (c->pl.name) {
		/* the name goes into every report, label and attribute: text only */
		size_t n = strlen(c->pl.name), bad = utf8_find_invalid(c->pl.name, n);
		int ctrl = 0;
		for (const unsigned char *q = (const unsigned char *)c->pl.name; *q; q++)
			ctrl |= *q < 0x20 || *q == 0x7f;
		if (bad < n || ctrl) {
			confmap_where_key(where, sizeof where, &c->pipeline, "name");
			return errbuf_set(e, "%s: %s", where,
					  bad < n ? "not valid UTF-8 (the name goes into every report and metric)"
						  : "holds a control character (the name goes into every report and metric)");
		}
	} else {
		const char *base = c->file ? strrchr(c->file, '/') : NULL;
		base = base ? base + 1 : c->file ? c->file : "pipeline";
		/* a file name may be any bytes: the name made from it is text */
		size_t n = strlen(base);
		char *name = malloc(3 * n + 1);
		if (!name) {
			fprintf(stderr, "nebtop: out of memory\n");
			abort();
		}
		name[utf8_write_replaced(name, base, n)] = 0;
		for (char *q = name; *q; q++)
			if ((unsigned char)*q < 0x20 || *q == 0x7f)
				*q = '?';
		c->pl.name = name;
		char *dot = strrchr(c->pl.name, '.');
		if (dot && dot != c->pl.name)
			*dot = 0;
	}
	if (outcome_parse_max_errors(c->pl.max_errors, &c->pl.max_err)) {
		confmap_where_key(where, sizeof where, &c->pipeline, "max_errors");
		return errbuf_set(e, "%s: '%s' is neither a count of records (250) nor a percentage "
				  "of those read (0.5%%)",
				  where, c->pl.max_errors);
	}
	if (c->pl.on_error == ON_ERROR_DEAD_LETTER && !c->pl.dead_letter_path) {
		const struct confentry *en = confsection_find(&c->pipeline, "on_error");
		confmap_format_where(where, sizeof where, &c->pipeline, en);
		return errbuf_set(e, "%s: on_error = dead_letter needs dead_letter_path (the file bad records go to)",
				  where);
	}
	return 0;
}
