/* fuzz_ini.c: libFuzzer harness for the INI loader (src/config.c with inih)
 * and the resolving of [pipeline], [profile] and [tui] (config_resolve,
 * src/confmap.c, src/units.c).
 *
 * The input is the INI text (a NUL byte ends it, as for a string). It must
 * never crash, leak or hang, and every message must be a sentence that
 * names the file and a line of it: any message that does not start with
 * "fuzz.ini" or names a line past the end of the input abort()s. Other
 * properties checked: a loaded configuration's stages have valid names and
 * every entry of every section has a line inside the input. */
#include "autoconfig.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/config/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define fuzz_ini_require(cond, what, detail)                                                           \
	do {                                                                                           \
		if (!(cond)) {                                                                         \
			fprintf(stderr, "fuzz_ini: %s: %s (%s:%d)\n", what, detail, __FILE__, __LINE__); \
			abort();                                                                       \
		}                                                                                      \
	} while (0)

/* The message names the file and, when it gives one, a line that exists. */
static void fuzz_ini_check_message(const struct errbuf *e, int nlines)
{
	size_t len = strnlen(e->msg, sizeof e->msg);
	fuzz_ini_require(len < sizeof e->msg, "message not terminated", "");
	fuzz_ini_require(len > 0, "empty message", "");
	fuzz_ini_require(!strncmp(e->msg, "fuzz.ini", 8), "message does not name the file", e->msg);
	if (e->msg[8] == ':' && isdigit((unsigned char)e->msg[9])) {
		long line = strtol(e->msg + 9, NULL, 10);
		fuzz_ini_require(line >= 1 && line <= nlines, "message names a line outside the input", e->msg);
	}
}

static void fuzz_ini_check_section(const struct confsection *sec, int nlines)
{
	fuzz_ini_require(sec->n <= sec->cap || sec->cap == 0, "entry count beyond capacity", sec->name);
	for (size_t i = 0; i < sec->n; i++) {
		const struct confentry *en = &sec->entries[i];
		fuzz_ini_require(en->key && en->value, "entry without key or value", sec->name);
		fuzz_ini_require(en->line >= 1 && en->line <= nlines, "entry line outside the input", en->key);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > (1u << 20))
		return 0;
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = 0;
	/* lines of the text as the loader sees it (up to the first NUL) */
	int nlines = 1;
	for (const char *p = text; *p; p++)
		nlines += *p == '\n';

	struct config c;
	struct errbuf e;
	config_init(&c);
	e.msg[0] = 0;
	if (config_load_string(&c, text, "fuzz.ini", &e) == 0) {
		const struct confsection *fixed[] = { &c.pipeline, &c.source, &c.destination, &c.profile, &c.alerts, &c.tui };
		for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
			fuzz_ini_check_section(fixed[i], nlines);
		for (size_t i = 0; i < c.nstages; i++) {
			const char *n = c.stages[i].name;
			fuzz_ini_require(*n && strlen(n) <= 48, "bad stage name accepted", n);
			for (const char *p = n; *p; p++)
				fuzz_ini_require(isalnum((unsigned char)*p) || *p == '_' || *p == '-', "bad stage name accepted",
						 n);
			fuzz_ini_check_section(&c.stages[i], nlines);
		}
		e.msg[0] = 0;
		if (config_resolve(&c, &e) != 0) {
			fuzz_ini_check_message(&e, nlines);
		} else {
			char types[128];
			config_format_types(types, sizeof types, c.prof.type_mask);
			fuzz_ini_require(c.pl.name != NULL, "no pipeline name", "");
			fuzz_ini_require(c.pl.batch >= 1 && c.pl.workers >= 1 && c.pl.buffer >= 1, "value out of bounds",
					 "");
		}
	} else {
		fuzz_ini_check_message(&e, nlines);
	}
	config_free(&c);
	free(text);
	return 0;
}
