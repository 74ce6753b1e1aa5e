/* confmap.h: tables of configuration keys, and applying a section to them.
 *
 * Every part that takes keys (the [pipeline] section, each connector, each
 * stage) describes them once in a table of struct confkey: name, type,
 * default, where the value goes in the part's options struct, and a line of
 * help. One function applies a section of key = value entries to one or more
 * tables: it sets the defaults, converts and checks every value, and rejects
 * unknown keys with the file, line and a suggestion when a known key is close. */
#ifndef NEB_CONFMAP_H
#define NEB_CONFMAP_H

#include <stddef.h>
#include <stdint.h>

#include "errbuf.h"

enum conftype {
	CONF_STRING,   /* char * (owned by the options struct; free with confmap_free) */
	CONF_UINT,     /* uint64_t */
	CONF_SIZE,     /* uint64_t bytes: "64KiB", "10MB" */
	CONF_DURATION, /* uint64_t nanoseconds: "250ms", "30s", "2m" */
	CONF_BOOL,     /* int */
	CONF_ENUM,     /* int: index into choices */
	CONF_CHAR,     /* char: one byte, or "tab" / "\t" */
	CONF_DOUBLE,   /* double */
	CONF_PREFIX,   /* struct confpairs: a family of keys; the key's name ends with '.' ("header.") and
			* every entry "header.X = v" is kept, in order (see struct confpairs) */
};

/* The entries of a CONF_PREFIX key, in the order given; a key given twice
 * keeps its first place and its last value. key is the whole key as written
 * ("header.Accept"); the name after the prefix is key + strlen(prefix). */
struct confpair {
	char *key, *value;
};
struct confpairs {
	struct confpair *v;
	size_t n;
};

/* A CONF_DURATION key's bound, in seconds: { ..., CONF_SECONDS(0.001), CONF_SECONDS(10), 0 }. */
#define CONF_SECONDS(s) ((double)(s))

struct confkey {
	const char *name;
	enum conftype type;
	const char *def;              /* default, as text; NULL = no default */
	size_t offset;                /* offsetof(options struct, member) */
	const char *help;
	const char *const *choices;   /* CONF_ENUM: NULL-terminated */
	double min, max;              /* numeric bounds when max > min; a
	                               * CONF_DURATION's in seconds (CONF_SECONDS) */
	int secret;                   /* never echoed in messages */
};

/* One key = value line, with where it came from: file and line (> 0) for the
 * INI file; for the command line, the flag as origin with line 0 when the
 * flag sets one key ("-batch"), or -1 when it sets several ("-source-config"). */
struct confentry {
	char *key, *value;
	const char *origin;
	int line;
};

struct confsection {
	char *name;         /* "source", or a stage's name: "clean" */
	char *header;       /* as written in the file: "source", "stage.clean" */
	const char *origin; /* file it came from, or the flag */
	int line;           /* line of the [header], 0 when from the command line */
	struct confentry *entries;
	size_t n, cap;
	/* The section a key unknown here belongs in, for the message "it
	 * belongs in [profile]"; set by whoever made the section (config.c),
	 * NULL for no such hint. */
	const char *(*home_of)(const char *key);
};

/* A table and the struct its values go into. */
struct confbinding {
	const struct confkey *keys; /* terminated by a key with name == NULL */
	void *opts;
};

/* Sets every key's default, then every entry of sec (skipping the keys listed
 * in `ignore`, NULL-terminated), into whichever binding knows the key. */
int confmap_apply(const struct confbinding *b, size_t nb, const struct confsection *sec,
		  const char *const *ignore, struct errbuf *e);
/* Sets the defaults only. */
int confmap_set_defaults(const struct confkey *keys, void *opts, struct errbuf *e);
/* Converts one value into its place; `where` prefixes an error message. */
int confmap_set_value(const struct confkey *k, void *opts, const char *value, const char *where,
		      struct errbuf *e);
void confmap_free(const struct confkey *keys, void *opts);

/* The known key closest to `name` (a likely typo), or NULL. */
const char *confmap_suggest_key(const char *name, const char *const *known, size_t n);
/* "FILE:LINE: [section] key 'k'", "-source-config: key 'k'" or "-batch". */
void confmap_format_where(char *dst, size_t n, const struct confsection *sec, const struct confentry *en);

/* Where key `key` of sec was set, for a message about its value: the entry
 * when present, else the section header. */
void confmap_where_key(char *dst, size_t n, const struct confsection *sec, const char *key);

/* Section building, used by the INI loader and the command line. */
void confsection_add(struct confsection *sec, const char *key, const char *value, const char *origin,
		     int line);
const struct confentry *confsection_find(const struct confsection *sec, const char *key);
void confsection_free(struct confsection *sec);

#endif
