/* test_config.c: unit tests of the configuration: the INI loader
 * (config_load_string / config_load_file), the command line (cli_parse,
 * cli_apply_overrides), config_resolve and, for the keys of connectors and
 * stages, pipeline_build. Every validation message is checked word for word:
 * file and line, section, key, "did you mean" suggestions, the lists of
 * known types and choices, bounds; plus continuation lines, the too-long
 * line message, profile type lists, command-line overrides winning over the
 * file, and the built-in demo pipeline.
 *
 * Expected messages may use two shorthands (see test_msg_matches): '#' for a
 * line number where a section's header line is meant (its exact value is
 * pinned by test_section_line_is_header_line) and "[@NAME]" for a stage
 * section, written [stage.NAME]. */
#include "autoconfig.h"

#include <check.h>
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pipeline/pipeline.h"
#include "src/cli.h"
#include "src/config/config.h"
#include "tests/unit/unit_main.h"

#define STAGE_TYPES "filter, select, rename, cast, spin, delay, alloc, contend"
#define PROFILE_TYPES "(types: cpu, memory, block, mutex, goroutine, trace, all, none)"
#define NS_PER_S 1000000000ull

/* A folder of its own for the files the tests make (created in main). */
static char test_dir[64];

/* ---- helpers ---------------------------------------------------------------- */

/* Does message `got` match `want`? In want, '#' stands for a line number
 * (one or more digits) and "[@" for "[stage.". */
static int test_msg_matches(const char *got, const char *want)
{
	while (*want) {
		if (*want == '#') {
			if (!isdigit((unsigned char)*got))
				return 0;
			while (isdigit((unsigned char)*got))
				got++;
			want++;
			continue;
		}
		if (want[0] == '[' && want[1] == '@') {
			if (strncmp(got, "[stage.", 7))
				return 0;
			got += 7;
			want += 2;
			continue;
		}
		if (*got != *want)
			return 0;
		got++;
		want++;
	}
	return *got == 0;
}

/* Replaces every "@D" in t with the test folder; the caller frees. */
static char *test_subst(const char *t)
{
	size_t n = strlen(t) + 1, dl = strlen(test_dir);
	for (const char *p = t; (p = strstr(p, "@D")); p += 2)
		n += dl;
	char *out = malloc(n), *o = out;
	ck_assert_ptr_nonnull(out);
	while (*t) {
		if (t[0] == '@' && t[1] == 'D') {
			memcpy(o, test_dir, dl);
			o += dl;
			t += 2;
		} else {
			*o++ = *t++;
		}
	}
	*o = 0;
	return out;
}

#define test_assert_msg(got, want_tmpl)                                                                      \
	do {                                                                                                 \
		char *want_ = test_subst(want_tmpl);                                                         \
		ck_assert_msg(test_msg_matches((got), want_), "wrong message\n  got:  %s\n  want: %s", (got), \
			      want_);                                                                        \
		free(want_);                                                                                 \
	} while (0)

/* Loads text (with @D replaced) as "t.ini". */
static int test_load(struct config *c, const char *text, struct errbuf *e)
{
	char *t = test_subst(text);
	e->msg[0] = 0;
	int rc = config_load_string(c, t, "t.ini", e);
	free(t);
	return rc;
}

static void test_load_fails(const char *text, const char *want)
{
	struct config c;
	struct errbuf e;
	config_init(&c);
	ck_assert_msg(test_load(&c, text, &e) == -1, "loaded:\n%s", text);
	test_assert_msg(e.msg, want);
	config_free(&c);
}

/* Loads and resolves; 0 or -1 with the message in e. */
static int test_load_resolve(struct config *c, const char *text, struct errbuf *e)
{
	config_init(c);
	if (test_load(c, text, e))
		return -1;
	return config_resolve(c, e);
}

static void test_resolve_fails(const char *text, const char *want)
{
	struct config c;
	struct errbuf e;
	config_init(&c);
	ck_assert_msg(test_load(&c, text, &e) == 0, "load failed: %s", e.msg);
	ck_assert_msg(config_resolve(&c, &e) == -1, "resolved:\n%s", text);
	test_assert_msg(e.msg, want);
	config_free(&c);
}

static void test_build_fails(const char *text, const char *want)
{
	struct config c;
	struct errbuf e;
	ck_assert_msg(test_load_resolve(&c, text, &e) == 0, "load/resolve failed: %s", e.msg);
	struct pipeline *p = config_build_pipeline(&c, &e);
	if (p)
		pipeline_free(p);
	ck_assert_msg(p == NULL, "built:\n%s", text);
	test_assert_msg(e.msg, want);
	config_free(&c);
}

static void test_build_ok(const char *text)
{
	struct config c;
	struct errbuf e;
	ck_assert_msg(test_load_resolve(&c, text, &e) == 0, "load/resolve failed: %s", e.msg);
	struct pipeline *p = config_build_pipeline(&c, &e);
	ck_assert_msg(p != NULL, "build failed: %s", p ? "" : e.msg);
	pipeline_free(p);
	config_free(&c);
}

/* Parses a command line given as string literals. */
static int test_cli_parse(struct cli *cli, struct errbuf *e, int argc, const char *const *args)
{
	char *argv[32];
	ck_assert_int_lt(argc, 32);
	for (int i = 0; i < argc; i++)
		argv[i] = (char *)args[i];
	argv[argc] = NULL;
	e->msg[0] = 0;
	return cli_parse(cli, argc, argv, e);
}

#define TEST_ARGC(a) ((int)(sizeof(a) / sizeof((a)[0])))

static void test_cli_fails(int argc, const char *const *args, const char *want)
{
	struct cli cli;
	struct errbuf e;
	ck_assert_int_eq(test_cli_parse(&cli, &e, argc, args), -1);
	test_assert_msg(e.msg, want);
	cli_free(&cli);
}

static int test_file_exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

static void test_write_file(const char *path, const void *data, size_t n)
{
	FILE *f = fopen(path, "wb");
	ck_assert_msg(f != NULL, "cannot create %s", path);
	ck_assert_uint_eq(fwrite(data, 1, n, f), n);
	ck_assert_int_eq(fclose(f), 0);
}

/* A value of n copies of 'a'. */
static char *test_repeat(char ch, size_t n)
{
	char *s = malloc(n + 1);
	ck_assert_ptr_nonnull(s);
	memset(s, ch, n);
	s[n] = 0;
	return s;
}

/* ---- the INI loader ------------------------------------------------------------- */

START_TEST(test_load_sections_and_entries)
{
	struct config c;
	struct errbuf e;
	config_init(&c);
	ck_assert_int_eq(test_load(&c,
				   "; a comment\n"
				   "# another\n"
				   "[pipeline]\n"
				   "batch = 500\n"
				   "name=  spaced out  \n"
				   "[source]\n"
				   "type = generate\n"
				   "[stage.first]\n"
				   "type = spin\n"
				   "[stage.second-2_b]\n"
				   "type = delay\n"
				   "[destination]\n"
				   "type = null ; an inline comment\n"
				   "[pipeline]\n"
				   "workers = 2\n",
				   &e),
			 0);
	ck_assert_uint_eq(c.pipeline.n, 3);
	ck_assert_str_eq(c.pipeline.entries[0].key, "batch");
	ck_assert_str_eq(c.pipeline.entries[0].value, "500");
	ck_assert_str_eq(c.pipeline.entries[0].origin, "t.ini");
	ck_assert_int_eq(c.pipeline.entries[0].line, 4);
	ck_assert_str_eq(c.pipeline.entries[1].value, "spaced out"); /* trimmed */
	ck_assert_str_eq(c.pipeline.entries[2].key, "workers");      /* a section may come back */
	ck_assert_int_eq(c.pipeline.entries[2].line, 15);
	ck_assert_uint_eq(c.nstages, 2); /* in file order */
	ck_assert_str_eq(c.stages[0].name, "first");
	ck_assert_str_eq(c.stages[1].name, "second-2_b");
	ck_assert_str_eq(confsection_find(&c.stages[1], "type")->value, "delay");
	ck_assert_str_eq(confsection_find(&c.destination, "type")->value, "null");
	ck_assert_ptr_eq(config_find_section(&c, "first"), &c.stages[0]);
	ck_assert_ptr_eq(config_find_section(&c, "source"), &c.source);
	ck_assert_ptr_null(config_find_section(&c, "third"));
	ck_assert_int_eq(config_resolve(&c, &e), 0);
	ck_assert_uint_eq(c.pl.batch, 500);
	ck_assert_uint_eq(c.pl.workers, 2);
	ck_assert_str_eq(c.pl.name, "spaced out");
	config_free(&c);
}
END_TEST

START_TEST(test_crlf_bom_and_colon)
{
	struct config c;
	struct errbuf e;
	ck_assert_int_eq(test_load_resolve(&c, "\xEF\xBB\xBF[pipeline]\r\nbatch = 7\r\nworkers: 3\r\n", &e), 0);
	ck_assert_uint_eq(c.pl.batch, 7);
	ck_assert_uint_eq(c.pl.workers, 3);
	config_free(&c);
}
END_TEST

START_TEST(test_key_set_twice)
{
	/* a key set twice in the file is a mistake, even in a section that comes back */
	test_load_fails("[pipeline]\nbatch = 5\nbatch = 6\n", "t.ini:3: [pipeline] key 'batch' is set twice (first on line 2)");
	test_load_fails("[source]\ntype = generate\n[pipeline]\n[source]\ntype = csv\n",
			"t.ini:5: [source] key 'type' is set twice (first on line 2)");
	test_load_fails("[stage.a]\ntype = spin\ntype = delay\n", "t.ini:3: [stage.a] key 'type' is set twice (first on line 2)");
	/* the command line may still override the file's value */
	struct config c;
	struct errbuf e;
	config_init(&c);
	ck_assert_int_eq(test_load(&c, "[pipeline]\nbatch = 5\n", &e), 0);
	confsection_add(&c.pipeline, "batch", "6", "-batch", 0);
	ck_assert_int_eq(config_resolve(&c, &e), 0);
	ck_assert_uint_eq(c.pl.batch, 6);
	config_free(&c);
}
END_TEST

START_TEST(test_key_outside_section)
{
	test_load_fails("batch = 5\n[pipeline]\n", "t.ini:1: key outside any section (start with a [section] header)");
	test_load_fails("; comment\n\nbatch = 5\n", "t.ini:3: key outside any section (start with a [section] header)");
}
END_TEST

/* [export] listen: [HOST:]PORT with 127.0.0.1 when no host, IPv6 in
 * brackets; an address other machines reach needs a token (a host name
 * counts as reachable: only 127.0.0.0/8, ::1 and localhost do not). */
START_TEST(test_export_listen)
{
	static const struct {
		const char *listen, *token, *host;
		unsigned port;
	} ok[] = {
		{ "9464", NULL, "127.0.0.1", 9464 },       { "0", NULL, "127.0.0.1", 0 },
		{ "127.0.0.1:80", NULL, "127.0.0.1", 80 }, { "127.9.8.7:80", NULL, "127.9.8.7", 80 },
		{ "[::1]:9464", NULL, "::1", 9464 },       { "localhost:65535", NULL, "localhost", 65535 },
		{ "0.0.0.0:9464", "s3cret-token", "0.0.0.0", 9464 },
		{ "[::]:9464", "s3cret-token", "::", 9464 },
		{ "metrics.example:9464", "s3cret-token", "metrics.example", 9464 },
	};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		char text[256];
		snprintf(text, sizeof text, "[export]\nlisten = %s\n%s%s%s", ok[i].listen, ok[i].token ? "token = " : "",
			 ok[i].token ? ok[i].token : "", ok[i].token ? "\n" : "");
		struct config c;
		struct errbuf e;
		ck_assert_msg(test_load_resolve(&c, text, &e) == 0, "%s: %s", ok[i].listen, e.msg);
		ck_assert_str_eq(c.ex.host, ok[i].host);
		ck_assert_uint_eq(c.ex.port, ok[i].port);
		config_free(&c);
	}
	test_resolve_fails("[export]\nlisten = 0.0.0.0:9464\n",
			   "t.ini:2: [export] key 'listen': 0.0.0.0 can be reached from other machines: set token in "
			   "[export] (every request must then carry it), or listen on 127.0.0.1");
	unsetenv("NEB_TEST_UNSET_TOKEN");
	test_resolve_fails("[export]\nlisten = 9464\ntoken = ${NEB_TEST_UNSET_TOKEN}\n",
			   "t.ini:3: [export] key 'token': environment variable 'NEB_TEST_UNSET_TOKEN' is not set");
	setenv("NEB_TEST_EMPTY_TOKEN", "", 1);
	test_resolve_fails("[export]\nlisten = 9464\ntoken = ${NEB_TEST_EMPTY_TOKEN}\n",
			   "t.ini:3: [export] key 'token': the token is empty");
	test_resolve_fails("[export]\nlisten = 10.0.0.5:80\n",
			   "t.ini:2: [export] key 'listen': 10.0.0.5 can be reached from other machines: set token in "
			   "[export] (every request must then carry it), or listen on 127.0.0.1");
	test_resolve_fails("[export]\nlisten = metrics.example:80\n",
			   "t.ini:2: [export] key 'listen': metrics.example can be reached from other machines: set token "
			   "in [export] (every request must then carry it), or listen on 127.0.0.1");
	const char *bad[] = { "abc", "70000", "::1:80", "127.0.0.1:", ":80", "[::1]x:80", "[::1", "-1", "1.2.3.4:99999", "" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char text[128];
		snprintf(text, sizeof text, "[export]\nlisten = %s\n", bad[i]);
		struct config c;
		struct errbuf e;
		ck_assert_msg(test_load_resolve(&c, text, &e) == -1, "listen = '%s' was accepted", bad[i]);
		ck_assert_msg(strstr(e.msg, "listen") != NULL, "%s", e.msg);
		config_free(&c);
	}
}
END_TEST

/* [pipeline] name goes into every report, Prometheus label and OTLP
 * attribute: one that is not UTF-8 or holds a control character is refused
 * at its line; one made from a file name of any bytes is made text (U+FFFD
 * for the bad bytes, '?' for control characters). */
START_TEST(test_pipeline_name_is_text)
{
	test_resolve_fails("[pipeline]\nname = caf\xe9\n",
			   "t.ini:2: [pipeline] key 'name': not valid UTF-8 (the name goes into every report and metric)");
	test_resolve_fails("[pipeline]\nname = a\x01b\n",
			   "t.ini:2: [pipeline] key 'name': holds a control character (the name goes into every report "
			   "and metric)");
	struct config c;
	struct errbuf e;
	ck_assert_int_eq(test_load_resolve(&c, "[pipeline]\nname = caf\xc3\xa9 \xe2\x82\xac\n", &e), 0);
	ck_assert_str_eq(c.pl.name, "caf\xc3\xa9 \xe2\x82\xac");
	config_free(&c);
	char dir[] = "/tmp/nebtop-test-config-XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char path[128];
	snprintf(path, sizeof path, "%s/odd\xff\x01name.ini", dir);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("[source]\ntype = generate\n", f);
	fclose(f);
	config_init(&c);
	ck_assert_int_eq(config_load_file(&c, path, &e), 0);
	ck_assert_int_eq(config_resolve(&c, &e), 0);
	ck_assert_str_eq(c.pl.name, "odd\xef\xbf\xbd?name");
	config_free(&c);
	unlink(path);
	rmdir(dir);
}
END_TEST

START_TEST(test_unknown_sections)
{
	test_load_fails("[pipelin]\nbatch = 5\n", "t.ini:#: unknown section [pipelin] (did you mean [pipeline]?)");
	test_load_fails("[source]\ntype = generate\n[destinaton]\ntype = null\n",
			"t.ini:#: unknown section [destinaton] (did you mean [destination]?)");
	test_load_fails("[Source]\ntype = generate\n", "t.ini:#: unknown section [Source] (did you mean [source]?)");
	test_load_fails("[zzzzzzzz]\nx = 1\n",
			"t.ini:#: unknown section [zzzzzzzz] (sections: pipeline, source, stage.NAME, destination, "
			"profile, alerts, tui, export)");
	test_load_fails("[stage]\ntype = spin\n", "t.ini:#: unknown section [stage] (did you mean [stage.NAME]?)");
}
END_TEST

START_TEST(test_bad_stage_names)
{
	static const char *const bad[] = { "bad name", "source", "destination", "", "a/b", "a.b", "caf\xc3\xa9",
					   "x!" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char text[200], want[300];
		snprintf(text, sizeof text, "[stage.%s]\ntype = spin\n", bad[i]);
		snprintf(want, sizeof want,
			 "t.ini:#: [stage.%s]: a stage name is letters, digits, '_' and '-' (at most 48), and not "
			 "'source' or 'destination'",
			 bad[i]);
		test_load_fails(text, want);
	}
	/* and good ones */
	struct config c;
	struct errbuf e;
	config_init(&c);
	ck_assert_int_eq(test_load(&c, "[stage.A-z_09]\ntype = spin\n[stage.Source]\ntype = spin\n", &e), 0);
	ck_assert_uint_eq(c.nstages, 2);
	ck_assert_str_eq(c.stages[0].name, "A-z_09");
	ck_assert_str_eq(c.stages[1].name, "Source");
	config_free(&c);
}
END_TEST

START_TEST(test_long_stage_names)
{
	/* up to 48 characters is a valid name, and is kept as written */
	struct config c;
	struct errbuf e;
	char *n48 = test_repeat('s', 48), text[200];
	snprintf(text, sizeof text, "[stage.%s]\ntype = spin\n", n48);
	config_init(&c);
	ck_assert_msg(test_load(&c, text, &e) == 0, "48-character stage name refused: %s", e.msg);
	ck_assert_uint_eq(c.nstages, 1);
	ck_assert_msg(!strcmp(c.stages[0].name, n48), "stage name '%s' (%zu characters), want the 48 written",
		      c.stages[0].name, strlen(c.stages[0].name));
	config_free(&c);
	free(n48);
	/* 49 is too long */
	char *n49 = test_repeat('s', 49), want[300];
	snprintf(text, sizeof text, "[stage.%s]\ntype = spin\n", n49);
	snprintf(want, sizeof want,
		 "t.ini:#: [stage.%s]: a stage name is letters, digits, '_' and '-' (at most 48), and not 'source' "
		 "or 'destination'",
		 n49);
	test_load_fails(text, want);
	free(n49);
}
END_TEST

START_TEST(test_duplicate_stage_names)
{
	/* two [stage.a] sections are two stages with one name: refused, not
	 * merged into one stage */
	struct config c;
	struct errbuf e;
	config_init(&c);
	const char *text = "[source]\ntype = generate\n"
			   "[stage.a]\ntype = spin\n"
			   "[stage.b]\ntype = delay\n"
			   "[stage.a]\ntype = filter\nfield = col1\nvalue = 1\n"
			   "[destination]\ntype = null\n";
	int rc = test_load(&c, text, &e);
	if (rc == 0)
		rc = config_resolve(&c, &e);
	if (rc == 0) {
		struct pipeline *p = config_build_pipeline(&c, &e);
		if (p) {
			pipeline_free(p);
			rc = 0;
		} else {
			rc = -1;
		}
	}
	ck_assert_msg(rc == -1, "a duplicate [stage.a] was accepted (%zu stages)", c.nstages);
	ck_assert_msg(strstr(e.msg, "t.ini:") && strstr(e.msg, "stage.a"), "message does not name it: %s", e.msg);
	config_free(&c);
}
END_TEST

START_TEST(test_empty_sections_are_checked)
{
	/* a misspelt or invalid section is an error even with no keys in it */
	test_load_fails("[sorce]\n[source]\ntype = generate\n", "t.ini:1: unknown section [sorce] (did you mean [source]?)");
	test_load_fails("[stage.bad name]\n[source]\ntype = generate\n",
			"t.ini:1: [stage.bad name]: a stage name is letters, digits, '_' and '-' (at most 48), and not "
			"'source' or 'destination'");
	/* a stage with no keys has no type */
	test_build_fails("[source]\ntype = generate\n[stage.x]\n[destination]\ntype = null\n",
			 "t.ini:3: [@x]: missing key 'type' (stage types: " STAGE_TYPES ")");
}
END_TEST

START_TEST(test_unreadable_lines)
{
	test_load_fails("[source]\nfoo\n", "t.ini:2: cannot read this line: expected '[section]', 'key = value' or a comment");
	test_load_fails("[source]\ntype = generate\n\n  \nnot a key\n",
			"t.ini:5: cannot read this line: expected '[section]', 'key = value' or a comment");
}
END_TEST

START_TEST(test_unterminated_header)
{
	/* the error is the header on line 1, not the key under it */
	test_load_fails("[source\ntype = generate\n", "t.ini:1: '[' without ']': a section header is [name]");
}
END_TEST

START_TEST(test_line_length)
{
	/* 199 characters is the longest line (inih's 200-byte buffer) */
	char *v = test_repeat('7', 199 - 5), text[600];
	snprintf(text, sizeof text, "[pipeline]\n; x\nname=%s\n", v); /* "name=" + 194 */
	ck_assert_uint_eq(strlen(strchr(strchr(text, '\n') + 1, '\n') + 1), 200); /* with the newline */
	struct config c;
	struct errbuf e;
	ck_assert_msg(test_load_resolve(&c, text, &e) == 0, "199-character line refused: %s", e.msg);
	ck_assert_str_eq(c.pl.name, v);
	config_free(&c);
	/* the same without a newline at the end of the file */
	text[strlen(text) - 1] = 0;
	ck_assert_msg(test_load_resolve(&c, text, &e) == 0, "199-character last line refused: %s", e.msg);
	config_free(&c);
	free(v);
	v = test_repeat('7', 200 - 5);
	snprintf(text, sizeof text, "[pipeline]\n; x\nname=%s\n", v);
	test_load_fails(text, "t.ini:3: line is longer than 199 characters; continue a long value on indented lines");
	/* the first of several long lines is named; a long comment counts too */
	char *w = test_repeat(';', 250);
	snprintf(text, sizeof text, "[pipeline]\n%s\nname=%s\n", w, v);
	test_load_fails(text, "t.ini:2: line is longer than 199 characters; continue a long value on indented lines");
	free(w);
	free(v);
}
END_TEST

START_TEST(test_continuation_lines)
{
	struct config c;
	struct errbuf e;
	config_init(&c);
	ck_assert_int_eq(test_load(&c,
				   "[stage.pick]\n"
				   "type = select\n"
				   "fields = col1,\n"
				   "  col2,\n"
				   "\tcol3\n"
				   "\n"
				   "[pipeline]\n"
				   "name = a\n"
				   "    b\n",
				   &e),
			 0);
	const struct confentry *f = confsection_find(&c.stages[0], "fields");
	ck_assert_ptr_nonnull(f);
	ck_assert_str_eq(f->value, "col1, col2, col3"); /* joined with single spaces */
	ck_assert_int_eq(f->line, 3);                   /* where the value started */
	ck_assert_uint_eq(c.stages[0].n, 2);
	ck_assert_str_eq(confsection_find(&c.pipeline, "name")->value, "a b");
	config_free(&c);

	/* an indented line that looks like a key would continue the value
	 * before it (inih's rule): nebtop refuses it and says why */
	test_load_fails("[source]\ntype = generate\n  rows = 5\n",
			"t.ini:3: this indented line continues the value of 'type'; to start a new key, remove the "
			"indentation");

	/* a long value split over indented lines, each under the limit */
	char *part = test_repeat('x', 150), text[1000];
	snprintf(text, sizeof text, "[pipeline]\nname = %s\n  %s\n  %s\n", part, part, part);
	ck_assert_int_eq(test_load_resolve(&c, text, &e), 0);
	ck_assert_uint_eq(strlen(c.pl.name), 3 * 150 + 2);
	config_free(&c);
	free(part);

	/* a continuation goes into the stage where it is written and the
	 * stage still validates it */
	test_build_fails("[source]\ntype = generate\ncolumns = 3\n[stage.s]\ntype = select\nfields = col1,\n  col4\n"
			 "[destination]\ntype = null\n",
			 "t.ini:6: [@s] key 'fields': no field 'col4' in the input (did you mean 'col1'?)");
}
END_TEST

START_TEST(test_indented_key_after_repeated_header)
{
	/* after a section header an indented line is a key (inih starts no
	 * continuation there); set again, it is refused */
	test_load_fails("[source]\ntype = generate\n[source]\n  type = csv\n",
			"t.ini:4: [source] key 'type' is set twice (first on line 2)");
	struct config c;
	struct errbuf e;
	config_init(&c);
	ck_assert_int_eq(test_load(&c, "[source]\ntype = generate\n[pipeline]\n  batch = 7\n", &e), 0);
	ck_assert_str_eq(confsection_find(&c.pipeline, "batch")->value, "7");
	config_free(&c);
}
END_TEST

START_TEST(test_load_file)
{
	char path[128];
	struct config c;
	struct errbuf e;
	/* a good file: its name names the pipeline and the messages */
	snprintf(path, sizeof path, "%s/my.pipeline.ini", test_dir);
	const char *good = "[pipeline]\nbatch = 9\n[profile]\ncpu_hz = 0\n";
	test_write_file(path, good, strlen(good));
	config_init(&c);
	ck_assert_int_eq(config_load_file(&c, path, &e), 0);
	ck_assert_str_eq(c.file, path);
	ck_assert_int_eq(config_resolve(&c, &e), -1);
	test_assert_msg(e.msg, "@D/my.pipeline.ini:4: [profile] key 'cpu_hz': 0 is out of range (1 to 10000)");
	config_free(&c);
	const char *good2 = "[pipeline]\nbatch = 9\n";
	test_write_file(path, good2, strlen(good2));
	config_init(&c);
	ck_assert_int_eq(config_load_file(&c, path, &e), 0);
	ck_assert_int_eq(config_resolve(&c, &e), 0);
	ck_assert_str_eq(c.pl.name, "my.pipeline"); /* the file name less its extension */
	ck_assert_uint_eq(c.pl.batch, 9);
	config_free(&c);
	unlink(path);

	/* missing */
	snprintf(path, sizeof path, "%s/none.ini", test_dir);
	config_init(&c);
	ck_assert_int_eq(config_load_file(&c, path, &e), -1);
	test_assert_msg(e.msg, "@D/none.ini: No such file or directory");
	config_free(&c);
	/* a NUL byte */
	snprintf(path, sizeof path, "%s/nul.ini", test_dir);
	test_write_file(path, "[pipeline]\nbatch = 5\0\n", 22);
	config_init(&c);
	ck_assert_int_eq(config_load_file(&c, path, &e), -1);
	test_assert_msg(e.msg, "@D/nul.ini: contains a NUL byte; is this an INI file?");
	config_free(&c);
	unlink(path);
	/* a folder */
	config_init(&c);
	ck_assert_int_eq(config_load_file(&c, test_dir, &e), -1);
	test_assert_msg(e.msg, "@D: read error");
	config_free(&c);
	/* too large */
	snprintf(path, sizeof path, "%s/big.ini", test_dir);
	size_t big = (16u << 20) + 100;
	char *blob = malloc(big);
	ck_assert_ptr_nonnull(blob);
	for (size_t i = 0; i < big; i++)
		blob[i] = i % 64 == 63 ? '\n' : ';';
	test_write_file(path, blob, big);
	free(blob);
	config_init(&c);
	ck_assert_int_eq(config_load_file(&c, path, &e), -1);
	test_assert_msg(e.msg, "@D/big.ini: larger than 16 MiB; is this an INI file?");
	config_free(&c);
	unlink(path);
	/* an empty file is an empty configuration */
	snprintf(path, sizeof path, "%s/empty.ini", test_dir);
	test_write_file(path, "", 0);
	config_init(&c);
	ck_assert_int_eq(config_load_file(&c, path, &e), 0);
	ck_assert_int_eq(config_resolve(&c, &e), 0);
	ck_assert_str_eq(c.pl.name, "empty");
	config_free(&c);
	unlink(path);
}
END_TEST

/* ---- resolving [pipeline], [profile], [tui] -------------------------------------- */

START_TEST(test_defaults)
{
	struct config c;
	struct errbuf e;
	ck_assert_int_eq(test_load_resolve(&c, "", &e), 0);
	ck_assert_str_eq(c.pl.name, "pipeline");
	ck_assert_uint_eq(c.pl.batch, 1000);
	ck_assert_uint_eq(c.pl.workers, 4);
	ck_assert_uint_eq(c.pl.buffer, 10000);
	ck_assert_int_eq(c.pl.ordered, 1);
	ck_assert_int_eq(c.pl.on_error, ON_ERROR_SKIP);
	ck_assert_ptr_null(c.pl.dead_letter_path);
	ck_assert_uint_eq(c.pl.duration_ns, 0);
	ck_assert_int_eq(c.duration_given, 0);
	ck_assert_str_eq(c.prof.types, "cpu,memory");
	ck_assert_uint_eq(c.prof.type_mask, PROFILE_CPU | PROFILE_MEMORY);
	ck_assert_str_eq(c.prof.output, "./profiles");
	ck_assert_uint_eq(c.prof.cpu_duration_ns, 30 * NS_PER_S);
	ck_assert_uint_eq(c.prof.cpu_hz, 100);
	ck_assert_uint_eq(c.prof.sampling_interval_ns, 100000000ull);
	ck_assert_uint_eq(c.prof.trace_duration_ns, 5 * NS_PER_S);
	ck_assert_uint_eq(c.prof.mem_rate, 512 * 1024);
	ck_assert_uint_eq(c.prof.block_rate_ns, 10000);
	ck_assert_uint_eq(c.prof.mutex_fraction, 10);
	ck_assert_uint_eq(c.ui.refresh_ns, 500000000ull);
	ck_assert_int_eq(c.ui.color, 1);
	config_free(&c);
}
END_TEST

START_TEST(test_values_of_every_type)
{
	struct config c;
	struct errbuf e;
	ck_assert_int_eq(test_load_resolve(&c,
					   "[pipeline]\nname = nightly\nbatch = 250\nworkers = 8\nbuffer = 1\n"
					   "ordered = no\non_error = dead_letter\ndead_letter_path = /tmp/dl.jsonl\n"
					   "duration = 1.5m\n"
					   "[profile]\ntypes = all\noutput = /tmp/p\ncpu_duration = 1h\ncpu_hz = 10000\n"
					   "sampling_interval = 1ms\ntrace_duration = 10s\nmem_rate = 1MiB\n"
					   "block_rate = 0\nmutex_fraction = 1\n"
					   "[tui]\nrefresh = 50ms\ncolor = off\n",
					   &e),
			 0);
	ck_assert_str_eq(c.pl.name, "nightly");
	ck_assert_uint_eq(c.pl.batch, 250);
	ck_assert_uint_eq(c.pl.workers, 8);
	ck_assert_uint_eq(c.pl.buffer, 1);
	ck_assert_int_eq(c.pl.ordered, 0);
	ck_assert_int_eq(c.pl.on_error, ON_ERROR_DEAD_LETTER);
	ck_assert_str_eq(c.pl.dead_letter_path, "/tmp/dl.jsonl");
	ck_assert_uint_eq(c.pl.duration_ns, 90 * NS_PER_S);
	ck_assert_int_eq(c.duration_given, 1);
	ck_assert_uint_eq(c.prof.type_mask, PROFILE_ALL);
	ck_assert_str_eq(c.prof.output, "/tmp/p");
	ck_assert_uint_eq(c.prof.cpu_duration_ns, 3600 * NS_PER_S);
	ck_assert_uint_eq(c.prof.cpu_hz, 10000);
	ck_assert_uint_eq(c.prof.sampling_interval_ns, 1000000);
	ck_assert_uint_eq(c.prof.trace_duration_ns, 10 * NS_PER_S);
	ck_assert_uint_eq(c.prof.mem_rate, 1048576);
	ck_assert_uint_eq(c.prof.block_rate_ns, 0);
	ck_assert_uint_eq(c.prof.mutex_fraction, 1);
	ck_assert_uint_eq(c.ui.refresh_ns, 50000000);
	ck_assert_int_eq(c.ui.color, 0);
	config_free(&c);
	/* on_error = fail needs nothing else */
	ck_assert_int_eq(test_load_resolve(&c, "[pipeline]\non_error = fail\n", &e), 0);
	ck_assert_int_eq(c.pl.on_error, ON_ERROR_FAIL);
	config_free(&c);
}
END_TEST

START_TEST(test_bad_values_by_type)
{
	/* uint */
	test_resolve_fails("[pipeline]\nbatch = ten\n", "t.ini:2: [pipeline] key 'batch': 'ten' is not a whole number");
	test_resolve_fails("[pipeline]\nworkers = -1\n", "t.ini:2: [pipeline] key 'workers': -1 is out of range (1 to 256)");
	test_resolve_fails("[pipeline]\nbuffer = 1.5\n", "t.ini:2: [pipeline] key 'buffer': '1.5' is not a whole number");
	test_resolve_fails("[pipeline]\nbatch =\n", "t.ini:2: [pipeline] key 'batch': '' is not a whole number");
	/* size */
	test_resolve_fails("[profile]\nmem_rate = lots\n",
			   "t.ini:2: [profile] key 'mem_rate': 'lots' is not a size (examples: 4096, 64KiB, 10MB)");
	test_resolve_fails("[profile]\nmem_rate = 2TB\n",
			   "t.ini:2: [profile] key 'mem_rate': '2TB' is not a size (examples: 4096, 64KiB, 10MB)");
	/* duration */
	test_resolve_fails("[pipeline]\nduration = soon\n",
			   "t.ini:2: [pipeline] key 'duration': 'soon' is not a duration (examples: 250ms, 30s, 2m)");
	test_resolve_fails("[profile]\ncpu_duration = 10x\n",
			   "t.ini:2: [profile] key 'cpu_duration': '10x' is not a duration (examples: 250ms, 30s, 2m)");
	test_resolve_fails("[tui]\nrefresh = -1s\n",
			   "t.ini:2: [tui] key 'refresh': '-1s' is not a duration (examples: 250ms, 30s, 2m)");
	/* bool */
	test_resolve_fails("[pipeline]\nordered = maybe\n", "t.ini:2: [pipeline] key 'ordered': 'maybe' is not true or false (or yes/no, on/off, 1/0)");
	test_resolve_fails("[tui]\ncolor = 2\n", "t.ini:2: [tui] key 'color': '2' is not true or false (or yes/no, on/off, 1/0)");
	/* enum, with its choices */
	test_resolve_fails("[pipeline]\non_error = ignore\n",
			   "t.ini:2: [pipeline] key 'on_error': 'ignore' is not one of: skip, fail, dead_letter");
	test_resolve_fails("[pipeline]\non_error = Skip\n",
			   "t.ini:2: [pipeline] key 'on_error': 'Skip' is not one of: skip, fail, dead_letter");
}
END_TEST

START_TEST(test_bounds)
{
	test_resolve_fails("[pipeline]\nbatch = 0\n", "t.ini:2: [pipeline] key 'batch': 0 is out of range (1 to 1000000)");
	test_resolve_fails("[pipeline]\nworkers = 0\n", "t.ini:2: [pipeline] key 'workers': 0 is out of range (1 to 256)");
	test_resolve_fails("[pipeline]\nworkers = 257\n", "t.ini:2: [pipeline] key 'workers': 257 is out of range (1 to 256)");
	test_resolve_fails("[pipeline]\nbuffer = 0\n", "t.ini:2: [pipeline] key 'buffer': 0 is out of range (1 to 100000000)");
	test_resolve_fails("[profile]\ncpu_duration = 0\n",
			   "t.ini:2: [profile] key 'cpu_duration': 0 is out of range (1s to 3600s)");
	test_resolve_fails("[profile]\ncpu_duration = 2h\n",
			   "t.ini:2: [profile] key 'cpu_duration': 2h is out of range (1s to 3600s)");
	test_resolve_fails("[profile]\ncpu_hz = 10001\n", "t.ini:2: [profile] key 'cpu_hz': 10001 is out of range (1 to 10000)");
	test_resolve_fails("[profile]\nsampling_interval = 0\n",
			   "t.ini:2: [profile] key 'sampling_interval': 0 is out of range (0.001s to 10s)");
	test_resolve_fails("[profile]\nsampling_interval = 11s\n",
			   "t.ini:2: [profile] key 'sampling_interval': 11s is out of range (0.001s to 10s)");
	test_resolve_fails("[profile]\ntrace_duration = 0.5ms\n",
			   "t.ini:2: [profile] key 'trace_duration': 0.5ms is out of range (0.001s to 10s)");
	test_resolve_fails("[profile]\nmem_rate = 0\n", "t.ini:2: [profile] key 'mem_rate': 0 is out of range (1 to 1000000000000)");
	test_resolve_fails("[profile]\nblock_rate = 2h\n",
			   "t.ini:2: [profile] key 'block_rate': 2h is out of range (0s to 3600s)");
	test_resolve_fails("[profile]\nmutex_fraction = 0\n",
			   "t.ini:2: [profile] key 'mutex_fraction': 0 is out of range (1 to 1000000)");
	test_resolve_fails("[tui]\nrefresh = 10ms\n", "t.ini:2: [tui] key 'refresh': 10ms is out of range (0.05s to 10s)");
	/* the limits themselves are in range */
	struct config c;
	struct errbuf e;
	ck_assert_int_eq(test_load_resolve(&c,
					   "[pipeline]\nbatch = 1000000\nworkers = 256\nbuffer = 100000000\n"
					   "[profile]\ncpu_duration = 1s\nsampling_interval = 10s\n[tui]\nrefresh = 10s\n",
					   &e),
			 0);
	ck_assert_uint_eq(c.pl.batch, 1000000);
	ck_assert_uint_eq(c.pl.buffer, 100000000);
	config_free(&c);
}
END_TEST

START_TEST(test_bound_message_shows_the_value)
{
	/* the value refused is shown as written, not rounded to look like
	 * the limit ("1e+06 is out of range (1 to 1e+06)") */
	struct config c;
	struct errbuf e;
	ck_assert_int_eq(test_load_resolve(&c, "[pipeline]\nbatch = 1000001\n", &e), -1);
	ck_assert_msg(strstr(e.msg, "1000001") != NULL, "message hides the value: %s", e.msg);
	config_free(&c);
	ck_assert_int_eq(test_load_resolve(&c, "[pipeline]\nbuffer = 100000001\n", &e), -1);
	ck_assert_msg(strstr(e.msg, "100000001") != NULL, "message hides the value: %s", e.msg);
	config_free(&c);
}
END_TEST

START_TEST(test_unknown_keys)
{
	test_resolve_fails("[pipeline]\nwrokers = 2\n", "t.ini:2: [pipeline] key 'wrokers': unknown key (did you mean 'workers'?)");
	test_resolve_fails("[pipeline]\nbatchsize = 2\n", "t.ini:2: [pipeline] key 'batchsize': unknown key");
	test_resolve_fails("[pipeline]\ntype = csv\n", "t.ini:2: [pipeline] key 'type': unknown key");
	test_resolve_fails("[profile]\ntype = cpu\n", "t.ini:2: [profile] key 'type': unknown key (did you mean 'types'?)");
	test_resolve_fails("[profile]\nsampling_intervl = 1s\n",
			   "t.ini:2: [profile] key 'sampling_intervl': unknown key (did you mean 'sampling_interval'?)");
	test_resolve_fails("[tui]\ncolour = no\n", "t.ini:2: [tui] key 'colour': unknown key (did you mean 'color'?)");
	test_resolve_fails("[alerts]\nthreshold = 5\n", "t.ini:2: [alerts] key 'threshold': unknown key");
	/* channels have two bands: no critical threshold to name */
	test_resolve_fails("[alerts]\nchannel_medium_pct = 90\n",
			   "t.ini:1: [alerts]: channel_*_pct: the high threshold must not be below the medium one (now 90, 85)");
	/* a key of another section, written here */
	test_resolve_fails("[profile]\nworkers = 2\n",
			   "t.ini:2: [profile] key 'workers': unknown key in this section: it belongs in [pipeline]");
}
END_TEST

/* A key family ("header." + CONF_PREFIX) takes every header.X entry in order;
 * a name given twice keeps its place and its last value; the other keys are
 * still checked, with their suggestions. */
struct test_family_opts {
	char *url;
	struct confpairs headers;
};

START_TEST(test_key_family)
{
	static const struct confkey keys[] = {
		{ "url", CONF_STRING, NULL, offsetof(struct test_family_opts, url), "u", NULL, 0, 0, 0 },
		{ "header.", CONF_PREFIX, NULL, offsetof(struct test_family_opts, headers), "h", NULL, 0, 0, 1 },
		{ NULL, 0, NULL, 0, NULL, NULL, 0, 0, 0 },
	};
	struct confsection sec = { .name = strdup("source"), .header = strdup("source"), .origin = "t.ini", .line = 1 };
	confsection_add(&sec, "header.Accept", "a/b", "t.ini", 2);
	confsection_add(&sec, "url", "http://x/", "t.ini", 3);
	confsection_add(&sec, "header.X-Token", "one", "t.ini", 4);
	confsection_add(&sec, "header.Accept", "c/d", "-source-config", -1);
	struct test_family_opts o = { 0 };
	struct confbinding b = { keys, &o };
	struct errbuf e;
	ck_assert_int_eq(confmap_apply(&b, 1, &sec, NULL, &e), 0);
	ck_assert_str_eq(o.url, "http://x/");
	ck_assert_uint_eq(o.headers.n, 2);
	ck_assert_str_eq(o.headers.v[0].key, "header.Accept");
	ck_assert_str_eq(o.headers.v[0].value, "c/d");
	ck_assert_str_eq(o.headers.v[1].key, "header.X-Token");
	ck_assert_str_eq(o.headers.v[1].value, "one");
	confmap_free(keys, &o);
	ck_assert_uint_eq(o.headers.n, 0);
	ck_assert_ptr_null(o.url);
	confsection_free(&sec);

	struct confsection bad = { .name = strdup("source"), .header = strdup("source"), .origin = "t.ini", .line = 1 };
	confsection_add(&bad, "urll", "x", "t.ini", 2);
	ck_assert_int_eq(confmap_apply(&b, 1, &bad, NULL, &e), -1);
	ck_assert_str_eq(e.msg, "t.ini:2: [source] key 'urll': unknown key (did you mean 'url'?)");
	confmap_free(keys, &o);
	confsection_free(&bad);

	struct confsection empty = { .name = strdup("source"), .header = strdup("source"), .origin = "t.ini", .line = 1 };
	confsection_add(&empty, "header.", "x", "t.ini", 2);
	ck_assert_int_eq(confmap_apply(&b, 1, &empty, NULL, &e), -1);
	ck_assert_str_eq(e.msg, "t.ini:2: [source] key 'header.': a name is needed after 'header.'");
	confmap_free(keys, &o);
	confsection_free(&empty);
}
END_TEST

START_TEST(test_dead_letter_needs_path)
{
	test_resolve_fails("[pipeline]\nbatch = 5\non_error = dead_letter\n",
			   "t.ini:3: [pipeline] key 'on_error': on_error = dead_letter needs dead_letter_path (the file bad "
			   "records go to)");
	/* the path alone is fine, and so is giving it on the command line */
	struct config c;
	struct errbuf e;
	ck_assert_int_eq(test_load_resolve(&c, "[pipeline]\ndead_letter_path = x.jsonl\n", &e), 0);
	config_free(&c);
	const char *args[] = { "nebtop", "-duration", "1s" };
	struct cli cli;
	ck_assert_int_eq(test_cli_parse(&cli, &e, TEST_ARGC(args), args), 0);
	config_init(&c);
	ck_assert_int_eq(test_load(&c, "[pipeline]\non_error = dead_letter\ndead_letter_path = dl.jsonl\n", &e), 0);
	cli_apply_overrides(&cli, &c);
	ck_assert_int_eq(config_resolve(&c, &e), 0);
	ck_assert_str_eq(c.pl.dead_letter_path, "dl.jsonl");
	config_free(&c);
	cli_free(&cli);
}
END_TEST

/* ---- profile types ---------------------------------------------------------------- */

static unsigned test_types_ok(const char *list)
{
	unsigned m = 0xdead;
	struct errbuf e;
	ck_assert_msg(config_parse_types(list, &m, "W", &e) == 0, "'%s' refused: %s", list, e.msg);
	return m;
}

static void test_types_bad(const char *list, const char *want)
{
	unsigned m = 0xdead;
	struct errbuf e;
	ck_assert_msg(config_parse_types(list, &m, "W", &e) == -1, "'%s' accepted", list);
	ck_assert_uint_eq(m, 0xdead);
	test_assert_msg(e.msg, want);
}

START_TEST(test_profile_types)
{
	ck_assert_uint_eq(test_types_ok("cpu"), PROFILE_CPU);
	ck_assert_uint_eq(test_types_ok("cpu,memory"), PROFILE_CPU | PROFILE_MEMORY);
	ck_assert_uint_eq(test_types_ok(" cpu , memory "), PROFILE_CPU | PROFILE_MEMORY);
	ck_assert_uint_eq(test_types_ok("block,mutex,goroutine,trace"),
			  PROFILE_BLOCK | PROFILE_MUTEX | PROFILE_THREADS | PROFILE_TRACE);
	ck_assert_uint_eq(test_types_ok("all"), PROFILE_ALL);
	ck_assert_uint_eq(test_types_ok("all,cpu"), PROFILE_ALL);
	ck_assert_uint_eq(test_types_ok("none"), 0);
	ck_assert_uint_eq(test_types_ok("threads"), PROFILE_THREADS); /* an alias */
	ck_assert_uint_eq(test_types_ok("cpu,cpu"), PROFILE_CPU);
	test_types_bad("cpux", "W: unknown profile type 'cpux' (did you mean 'cpu'?) " PROFILE_TYPES);
	test_types_bad("cpu,mmeory", "W: unknown profile type 'mmeory' (did you mean 'memory'?) " PROFILE_TYPES);
	test_types_bad("mutx", "W: unknown profile type 'mutx' (did you mean 'mutex'?) " PROFILE_TYPES);
	test_types_bad("zzzzzzzz", "W: unknown profile type 'zzzzzzzz' " PROFILE_TYPES);
	test_types_bad("none,cpu", "W: 'none' cannot be combined with other profile types");
	test_types_bad("cpu,none", "W: 'none' cannot be combined with other profile types");
	test_types_bad("all,none", "W: 'none' cannot be combined with other profile types");
	test_types_bad("", "W: empty profile type list (use 'none' for no profiles)");
	test_types_bad(",", "W: empty profile type list (use 'none' for no profiles)");
	/* through the [profile] section */
	test_resolve_fails("[profile]\ntypes = cpu,heap\n", "t.ini:2: [profile] key 'types': unknown profile type 'heap' " PROFILE_TYPES);
	test_resolve_fails("[profile]\ntypes = none, trace\n",
			   "t.ini:2: [profile] key 'types': 'none' cannot be combined with other profile types");
	/* formatting a mask */
	char b[128];
	config_format_types(b, sizeof b, PROFILE_CPU | PROFILE_MEMORY);
	ck_assert_str_eq(b, "cpu,memory");
	config_format_types(b, sizeof b, 0);
	ck_assert_str_eq(b, "none");
	config_format_types(b, sizeof b, PROFILE_ALL);
	ck_assert_str_eq(b, "cpu,memory,block,mutex,goroutine,trace");
	config_format_types(b, sizeof b, PROFILE_THREADS | PROFILE_TRACE);
	ck_assert_str_eq(b, "goroutine,trace");
}
END_TEST

/* ---- the command line ---------------------------------------------------------------- */

START_TEST(test_cli_flags)
{
	struct cli cli;
	struct errbuf e;
	const char *a1[] = { "nebtop", "-b", "--no-color", "-h", "--version", "-c", "p.ini" };
	ck_assert_int_eq(test_cli_parse(&cli, &e, TEST_ARGC(a1), a1), 0);
	ck_assert_int_eq(cli.headless, 1);
	ck_assert_int_eq(cli.no_color, 1);
	ck_assert_int_eq(cli.help, 1);
	ck_assert_int_eq(cli.version, 1);
	ck_assert_str_eq(cli.config_file, "p.ini");
	ck_assert_uint_eq(cli.nov, 0);
	cli_free(&cli);
	const char *a2[] = { "nebtop", "--headless", "--help", "--config=q.ini" };
	ck_assert_int_eq(test_cli_parse(&cli, &e, TEST_ARGC(a2), a2), 0);
	ck_assert_int_eq(cli.headless, 1);
	ck_assert_int_eq(cli.help, 1);
	ck_assert_int_eq(cli.no_color, 0);
	ck_assert_str_eq(cli.config_file, "q.ini");
	cli_free(&cli);
	/* the positional configuration file, and the same file twice */
	const char *a3[] = { "nebtop", "-batch", "5", "r.ini" };
	ck_assert_int_eq(test_cli_parse(&cli, &e, TEST_ARGC(a3), a3), 0);
	ck_assert_str_eq(cli.config_file, "r.ini");
	cli_free(&cli);
	const char *a4[] = { "nebtop", "r.ini", "-c", "r.ini" };
	ck_assert_int_eq(test_cli_parse(&cli, &e, TEST_ARGC(a4), a4), 0);
	ck_assert_str_eq(cli.config_file, "r.ini");
	cli_free(&cli);
	/* none at all */
	const char *a5[] = { "nebtop" };
	ck_assert_int_eq(test_cli_parse(&cli, &e, TEST_ARGC(a5), a5), 0);
	ck_assert_ptr_null(cli.config_file);
	cli_free(&cli);
}
END_TEST

START_TEST(test_cli_key_flags)
{
	struct cli cli;
	struct errbuf e;
	const char *a[] = { "nebtop", "-source", "generate", "-destination", "null", "-duration", "2s", "-output", "/tmp/o",
			    "-types", "cpu", "-batch", "10", "-workers", "3", "-buffer", "99", "-cpu-duration", "5s",
			    "--batch=11", "-workers=2" };
	ck_assert_int_eq(test_cli_parse(&cli, &e, TEST_ARGC(a), a), 0);
	static const struct {
		const char *section, *key, *value, *origin;
	} want[] = {
		{ "source", "type", "generate", "-source" },	  { "destination", "type", "null", "-destination" },
		{ "pipeline", "duration", "2s", "-duration" },	  { "profile", "output", "/tmp/o", "-output" },
		{ "profile", "types", "cpu", "-types" },	  { "pipeline", "batch", "10", "-batch" },
		{ "pipeline", "workers", "3", "-workers" },	  { "pipeline", "buffer", "99", "-buffer" },
		{ "profile", "cpu_duration", "5s", "-cpu-duration" }, { "pipeline", "batch", "11", "-batch" },
		{ "pipeline", "workers", "2", "-workers" },
	};
	ck_assert_uint_eq(cli.nov, sizeof want / sizeof want[0]);
	for (size_t i = 0; i < cli.nov; i++) {
		ck_assert_str_eq(cli.ov[i].section, want[i].section);
		ck_assert_str_eq(cli.ov[i].key, want[i].key);
		ck_assert_str_eq(cli.ov[i].value, want[i].value);
		ck_assert_str_eq(cli.ov[i].origin, want[i].origin);
		ck_assert_int_eq(cli.ov[i].line, 0);
	}
	/* applied: the last of each wins */
	struct config c;
	config_init(&c);
	cli_apply_overrides(&cli, &c);
	ck_assert_int_eq(config_resolve(&c, &e), 0);
	ck_assert_uint_eq(c.pl.batch, 11);
	ck_assert_uint_eq(c.pl.workers, 2);
	ck_assert_uint_eq(c.pl.buffer, 99);
	ck_assert_uint_eq(c.pl.duration_ns, 2 * NS_PER_S);
	ck_assert_int_eq(c.duration_given, 1);
	ck_assert_str_eq(c.prof.output, "/tmp/o");
	ck_assert_uint_eq(c.prof.type_mask, PROFILE_CPU);
	ck_assert_uint_eq(c.prof.cpu_duration_ns, 5 * NS_PER_S);
	struct pipeline *p = config_build_pipeline(&c, &e);
	ck_assert_msg(p != NULL, "%s", e.msg);
	ck_assert_str_eq(pipeline_get_stage(p, 0)->type, "generate");
	ck_assert_str_eq(pipeline_get_stage(p, 1)->type, "null");
	pipeline_free(p);
	config_free(&c);
	cli_free(&cli);
}
END_TEST

START_TEST(test_cli_overrides_win)
{
	struct cli cli;
	struct errbuf e;
	struct config c;
	const char *a[] = { "nebtop", "-batch", "50", "-source", "generate", "-source-config", "columns=3,rows=10",
			    "-types", "none", "t.ini" };
	ck_assert_int_eq(test_cli_parse(&cli, &e, TEST_ARGC(a), a), 0);
	ck_assert_str_eq(cli.config_file, "t.ini");
	config_init(&c);
	ck_assert_int_eq(test_load(&c,
				   "[pipeline]\nbatch = 500\nworkers = 2\n"
				   "[source]\ntype = csv\nfile_path = /nonexistent.csv\ncolumns = 8\n"
				   "[profile]\ntypes = all\n"
				   "[destination]\ntype = null\n",
				   &e),
			 0);
	cli_apply_overrides(&cli, &c);
	ck_assert_int_eq(config_resolve(&c, &e), 0);
	ck_assert_uint_eq(c.pl.batch, 50);  /* the command line */
	ck_assert_uint_eq(c.pl.workers, 2); /* the file, not overridden */
	ck_assert_uint_eq(c.prof.type_mask, 0);
	/* the source is the command line's generate with 3 columns (the
	 * file's file_path would be an unknown key for generate) */
	ck_assert_str_eq(confsection_find(&c.source, "type")->value, "generate");
	ck_assert_str_eq(confsection_find(&c.source, "columns")->value, "3");
	config_free(&c);
	cli_free(&cli);

	/* without the file's file_path: it builds, with the command line's values */
	const char *b[] = { "nebtop", "-source", "generate", "-source-config", "columns=3,rows=10" };
	ck_assert_int_eq(test_cli_parse(&cli, &e, TEST_ARGC(b), b), 0);
	config_init(&c);
	ck_assert_int_eq(test_load(&c, "[source]\ntype = csv\ncolumns = 8\n[destination]\ntype = null\n", &e), 0);
	cli_apply_overrides(&cli, &c);
	ck_assert_int_eq(config_resolve(&c, &e), 0);
	struct pipeline *p = config_build_pipeline(&c, &e);
	ck_assert_msg(p != NULL, "%s", e.msg);
	ck_assert_str_eq(pipeline_get_stage(p, 0)->type, "generate");
	char d[128];
	pipeline_describe_source(p, d, sizeof d);
	ck_assert_str_eq(d, "generate");
	pipeline_free(p);
	config_free(&c);
	cli_free(&cli);
}
END_TEST

START_TEST(test_cli_key_value_lists)
{
	struct cli cli;
	struct errbuf e;
	const char *a[] = { "nebtop", "-source-config", "file_path=a\\,b.csv,has_header=false", "-dest-config",
			    "file_path=out.json,format=array", "-source-config", "delimiter=;,,quote='" };
	ck_assert_int_eq(test_cli_parse(&cli, &e, TEST_ARGC(a), a), 0);
	ck_assert_uint_eq(cli.nov, 6);
	ck_assert_str_eq(cli.ov[0].section, "source");
	ck_assert_str_eq(cli.ov[0].key, "file_path");
	ck_assert_str_eq(cli.ov[0].value, "a,b.csv"); /* "\," is a comma in the value */
	ck_assert_str_eq(cli.ov[0].origin, "-source-config");
	ck_assert_int_eq(cli.ov[0].line, -1);
	ck_assert_str_eq(cli.ov[1].key, "has_header");
	ck_assert_str_eq(cli.ov[1].value, "false");
	ck_assert_str_eq(cli.ov[2].section, "destination");
	ck_assert_str_eq(cli.ov[2].key, "file_path");
	ck_assert_str_eq(cli.ov[2].value, "out.json");
	ck_assert_str_eq(cli.ov[2].origin, "-dest-config");
	ck_assert_str_eq(cli.ov[3].key, "format");
	ck_assert_str_eq(cli.ov[3].value, "array");
	ck_assert_str_eq(cli.ov[4].key, "delimiter"); /* empty items are skipped */
	ck_assert_str_eq(cli.ov[4].value, ";");
	ck_assert_str_eq(cli.ov[5].key, "quote");
	ck_assert_str_eq(cli.ov[5].value, "'");
	/* applied to sections the file does not have */
	struct config c;
	config_init(&c);
	cli_apply_overrides(&cli, &c);
	ck_assert_str_eq(confsection_find(&c.source, "file_path")->value, "a,b.csv");
	ck_assert_str_eq(confsection_find(&c.destination, "format")->value, "array");
	config_free(&c);
	cli_free(&cli);
	/* a value with '=' in it keeps it */
	const char *b[] = { "nebtop", "-source-config", "file_path=x=y.csv" };
	ck_assert_int_eq(test_cli_parse(&cli, &e, TEST_ARGC(b), b), 0);
	ck_assert_str_eq(cli.ov[0].value, "x=y.csv");
	cli_free(&cli);
	/* bad items */
	const char *c1[] = { "nebtop", "-source-config", "rows" };
	test_cli_fails(TEST_ARGC(c1), c1, "-source-config: 'rows' is not KEY=VALUE");
	const char *c2[] = { "nebtop", "-dest-config", "=5" };
	test_cli_fails(TEST_ARGC(c2), c2, "-dest-config: '=5' is not KEY=VALUE");
	const char *c3[] = { "nebtop", "-source-config", "rows=1,columns" };
	test_cli_fails(TEST_ARGC(c3), c3, "-source-config: 'columns' is not KEY=VALUE");
}
END_TEST

START_TEST(test_cli_errors)
{
	const char *a1[] = { "nebtop", "-c", "a.ini", "-c", "b.ini" };
	test_cli_fails(TEST_ARGC(a1), a1, "two configuration files given: a.ini and b.ini");
	const char *a2[] = { "nebtop", "-c", "a.ini", "b.ini" };
	test_cli_fails(TEST_ARGC(a2), a2, "unexpected argument 'b.ini': only one configuration file is taken");
	const char *a3[] = { "nebtop", "a.ini", "b.ini" };
	test_cli_fails(TEST_ARGC(a3), a3, "unexpected argument 'b.ini': only one configuration file is taken");
	const char *a4[] = { "nebtop", "-zzz" };
	test_cli_fails(TEST_ARGC(a4), a4, "unknown or ambiguous option -zzz (see nebtop --help)");
	const char *a5[] = { "nebtop", "--frobnicate" };
	test_cli_fails(TEST_ARGC(a5), a5, "unknown or ambiguous option --frobnicate (see nebtop --help)");
	const char *a6[] = { "nebtop", "-batch" };
	test_cli_fails(TEST_ARGC(a6), a6, "option -batch needs a value (see nebtop --help)");
	const char *a7[] = { "nebtop", "-c" };
	test_cli_fails(TEST_ARGC(a7), a7, "option -c needs a value (see nebtop --help)");
	const char *a8[] = { "nebtop", "-source-config" };
	test_cli_fails(TEST_ARGC(a8), a8, "option -source-config needs a value (see nebtop --help)");
	const char *a9[] = { "nebtop", "-b", "--duration" };
	test_cli_fails(TEST_ARGC(a9), a9, "option --duration needs a value (see nebtop --help)");
}
END_TEST

START_TEST(test_cli_value_messages)
{
	/* a bad value given on the command line is named by its flag */
	static const struct {
		const char *flag, *value, *want;
	} cases[] = {
		{ "-batch", "0", "-batch: 0 is out of range (1 to 1000000)" },
		{ "-workers", "x", "-workers: 'x' is not a whole number" },
		{ "-buffer", "-5", "-buffer: -5 is out of range (1 to 100000000)" },
		{ "-duration", "1x", "-duration: '1x' is not a duration (examples: 250ms, 30s, 2m)" },
		{ "-cpu-duration", "0", "-cpu-duration: 0 is out of range (1s to 3600s)" },
		{ "-types", "cpux", "-types: unknown profile type 'cpux' (did you mean 'cpu'?) " PROFILE_TYPES },
		{ "-types", "none,cpu", "-types: 'none' cannot be combined with other profile types" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *a[] = { "nebtop", cases[i].flag, cases[i].value };
		struct cli cli;
		struct errbuf e;
		ck_assert_int_eq(test_cli_parse(&cli, &e, TEST_ARGC(a), a), 0);
		struct config c;
		config_init(&c);
		ck_assert_int_eq(test_load(&c, "[pipeline]\nbatch = 5\n[profile]\ntypes = cpu\n", &e), 0);
		cli_apply_overrides(&cli, &c);
		ck_assert_int_eq(config_resolve(&c, &e), -1);
		test_assert_msg(e.msg, cases[i].want);
		config_free(&c);
		cli_free(&cli);
	}
	/* keys given with -source-config and -dest-config */
	const char *a[] = { "nebtop", "-source", "generate", "-source-config", "rowz=5", "-destination", "null" };
	struct cli cli;
	struct errbuf e;
	ck_assert_int_eq(test_cli_parse(&cli, &e, TEST_ARGC(a), a), 0);
	struct config c;
	config_init(&c);
	cli_apply_overrides(&cli, &c);
	ck_assert_int_eq(config_resolve(&c, &e), 0);
	ck_assert_ptr_null(config_build_pipeline(&c, &e));
	test_assert_msg(e.msg, "-source-config: key 'rowz': unknown key (did you mean 'rows'?)");
	config_free(&c);
	cli_free(&cli);
	const char *b[] = { "nebtop", "-source", "generate", "-destination", "json", "-dest-config", "format=xml" };
	ck_assert_int_eq(test_cli_parse(&cli, &e, TEST_ARGC(b), b), 0);
	config_init(&c);
	cli_apply_overrides(&cli, &c);
	ck_assert_int_eq(config_resolve(&c, &e), 0);
	ck_assert_ptr_null(config_build_pipeline(&c, &e));
	test_assert_msg(e.msg, "-dest-config: key 'format': 'xml' is not one of: jsonl, array");
	config_free(&c);
	cli_free(&cli);
	/* a required key missing from a section made only on the command line */
	const char *d[] = { "nebtop", "-source", "csv", "-destination", "null" };
	ck_assert_int_eq(test_cli_parse(&cli, &e, TEST_ARGC(d), d), 0);
	config_init(&c);
	cli_apply_overrides(&cli, &c);
	ck_assert_int_eq(config_resolve(&c, &e), 0);
	ck_assert_ptr_null(config_build_pipeline(&c, &e));
	test_assert_msg(e.msg, "[source] key 'file_path': missing (the CSV file to read, or - for standard input)");
	config_free(&c);
	cli_free(&cli);
}
END_TEST

/* ---- connector and stage keys (pipeline_build) ---------------------------------------- */

#define GEN "[source]\ntype = generate\ncolumns = 4\n"
#define NUL "[destination]\ntype = null\n"

/* the postgresql connectors are built only with libpq */
#ifdef HAVE_LIBPQ
#define TEST_PG_TYPE ", postgresql"
#else
#define TEST_PG_TYPE ""
#endif

START_TEST(test_unknown_types)
{
	test_build_fails("[source]\ntype = kafka\n", "t.ini:2: [source] key 'type': unknown source type 'kafka' (known: csv, "
			 "json, generate, http, bigquery, snowflake, google_ads" TEST_PG_TYPE ")");
	test_build_fails(GEN "[destination]\ntype = s3\n",
			 "t.ini:5: [destination] key 'type': unknown destination type 's3' (known: json, csv, null, http, "
			 "bigquery, snowflake" TEST_PG_TYPE ")");
	test_build_fails(GEN "[stage.x]\ntype = map\n" NUL,
			 "t.ini:5: [@x] key 'type': unknown stage type 'map' (known: " STAGE_TYPES ")");
	test_build_fails(GEN "[stage.x]\ntype = Filter\n" NUL,
			 "t.ini:5: [@x] key 'type': unknown stage type 'Filter' (did you mean 'filter'? known: " STAGE_TYPES ")");
	/* a stage without a type */
	test_build_fails(GEN "[stage.x]\nfield = col1\n" NUL,
			 "t.ini:#: [@x]: missing key 'type' (stage types: " STAGE_TYPES ")");
	/* the source defaults to csv and the destination to json */
	test_build_fails("[pipeline]\nbatch = 5\n",
			 "t.ini: [source] key 'file_path': missing (the CSV file to read, or - for standard input)");
	test_build_fails(GEN, "t.ini: [destination] key 'file_path': missing (a file to write, or - for standard output)");
}
END_TEST

START_TEST(test_connector_keys)
{
	/* unknown keys, with suggestions from the connector's own table and
	 * (destinations) the common keys */
	test_build_fails(GEN "rowz = 5\n" NUL, "t.ini:4: [source] key 'rowz': unknown key (did you mean 'rows'?)");
	test_build_fails(GEN "file_path = x\n" NUL, "t.ini:4: [source] key 'file_path': unknown key");
	test_build_fails(GEN NUL "rate_limt = 5\n",
			 "t.ini:6: [destination] key 'rate_limt': unknown key (did you mean 'rate_limit'?)");
	test_build_fails(GEN NUL "rate_limit = fast\n", "t.ini:6: [destination] key 'rate_limit': 'fast' is not a whole number");
	/* generate */
	test_build_fails("[source]\ntype = generate\ncolumns = 0\n" NUL,
			 "t.ini:3: [source] key 'columns': 0 is out of range (1 to 1000)");
	test_build_fails("[source]\ntype = generate\nrows = many\n" NUL,
			 "t.ini:3: [source] key 'rows': 'many' is not a whole number");
	/* csv source */
	test_build_fails("[source]\ntype = csv\nfile_path = @D/in.csv\ndelimiter = ab\n" NUL,
			 "t.ini:4: [source] key 'delimiter': 'ab' is not a single character (or 'tab')");
	test_build_fails("[source]\ntype = csv\nfile_path = @D/in.csv\ndelimiter =\n" NUL,
			 "t.ini:4: [source] key 'delimiter': '' is not a single character (or 'tab')");
	test_build_fails("[source]\ntype = csv\nfile_path = @D/in.csv\ndelimiter = \"\n" NUL,
			 "t.ini:4: [source] key 'delimiter': the delimiter and the quote must differ from each other and "
			 "from CR/LF");
	test_build_fails("[source]\ntype = csv\nfile_path = @D/in.csv\nhas_header = sometimes\n" NUL,
			 "t.ini:4: [source] key 'has_header': 'sometimes' is not true or false (or yes/no, on/off, 1/0)");
	test_build_fails("[source]\ntype = csv\nfile_path = @D/in.csv\nragged = yes\n" NUL,
			 "t.ini:4: [source] key 'ragged': 'yes' is not one of: error, pad, truncate");
	test_build_fails("[source]\ntype = csv\nfile_path = @D/in.csv\ninvalid_utf8 = drop\n" NUL,
			 "t.ini:4: [source] key 'invalid_utf8': 'drop' is not one of: error, replace");
	test_build_fails("[source]\ntype = csv\nfile_path = @D/in.csv\nmax_record_size = 1000\n" NUL,
			 "t.ini:4: [source] key 'max_record_size': 1000 is out of range (1024 to 10000000000)");
	test_build_fails("[source]\ntype = csv\nfile_path = @D/in.csv\nmax_record_size = big\n" NUL,
			 "t.ini:4: [source] key 'max_record_size': 'big' is not a size (examples: 4096, 64KiB, 10MB)");
	test_build_fails("[source]\ntype = csv\nfile_path = @D/missing.csv\n" NUL,
			 "t.ini:3: [source] key 'file_path': cannot open @D/missing.csv: No such file or directory");
	test_build_fails("[source]\ntype = csv\nfile_path = @D\n" NUL, "t.ini:3: [source] key 'file_path': @D is a directory");
	test_build_fails("[source]\ntype = csv\nhas_header = false\n" NUL,
			 "t.ini:#: [source] key 'file_path': missing (the CSV file to read, or - for standard input)");
	/* tab and "\t" are accepted as delimiters */
	test_build_ok("[source]\ntype = csv\nfile_path = @D/in.csv\ndelimiter = tab\n" NUL);
	test_build_ok("[source]\ntype = csv\nfile_path = @D/in.csv\ndelimiter = \\t\nquote = '\n" NUL);
	/* json destination */
	test_build_fails(GEN "[destination]\ntype = json\nfile_path = @D/o.json\nformat = xml\n",
			 "t.ini:7: [destination] key 'format': 'xml' is not one of: jsonl, array");
	test_build_fails(GEN "[destination]\ntype = json\nfile_path = @D/no/such/o.json\n",
			 "t.ini:6: [destination] key 'file_path': cannot create @D/no/such/o.json.part: No such file or "
			 "directory");
	test_build_fails(GEN "[destination]\ntype = json\nformat = array\n",
			 "t.ini:#: [destination] key 'file_path': missing (a file to write, or - for standard output)");
	/* csv destination */
	test_build_fails(GEN "[destination]\ntype = csv\nfile_path = @D/o.csv\nquote = ,\n",
			 "t.ini:#: [destination] key 'delimiter': the delimiter must differ from the quote and from CR/LF");
	test_build_fails(GEN "[destination]\ntype = csv\nfile_path = @D/o.csv\nheader = 3\n",
			 "t.ini:7: [destination] key 'header': '3' is not true or false (or yes/no, on/off, 1/0)");
	/* nothing is left behind by a build that failed after the output was
	 * opened */
	char part[128];
	snprintf(part, sizeof part, "%s/left.json.part", test_dir);
	test_build_fails(
		"[pipeline]\non_error = dead_letter\ndead_letter_path = @D/no/such/dl\n" GEN
		"[destination]\ntype = json\nfile_path = @D/left.json\n",
		"t.ini:3: [pipeline] key 'dead_letter_path': cannot create @D/no/such/dl.part: No such file or directory");
	ck_assert_msg(!test_file_exists(part), "%s left behind", part);
}
END_TEST

START_TEST(test_stage_keys)
{
	/* filter */
	test_build_fails(GEN "[stage.f]\ntype = filter\nfield = cl1\nvalue = 1\n" NUL,
			 "t.ini:6: [@f] key 'field': no field 'cl1' in the input (did you mean 'col1'?)");
	test_build_fails(GEN "[stage.f]\ntype = filter\nfield = price\nvalue = 1\n" NUL,
			 "t.ini:6: [@f] key 'field': no field 'price' in the input");
	test_build_fails(GEN "[stage.f]\ntype = filter\nvalue = 1\n" NUL, "t.ini:#: [@f] key 'field': missing (a field name)");
	test_build_fails(GEN "[stage.f]\ntype = filter\nfield = col1\n" NUL,
			 "t.ini:#: [@f] key 'value': missing (the value to compare with)");
	test_build_fails(GEN "[stage.f]\ntype = filter\nfield = col1\nop = like\nvalue = 1\n" NUL,
			 "t.ini:7: [@f] key 'op': 'like' is not one of: eq, ne, lt, le, gt, ge, contains, matches");
	test_build_fails(GEN "[stage.f]\ntype = filter\nfield = col1\nop = matches\nvalue = (\n" NUL,
			 "t.ini:8: [@f] key 'value': bad regular expression: Unmatched ( or \\(");
	test_build_fails(GEN "[stage.f]\ntype = filter\nfield = col1\nvalue = 1\nvalu = 2\n" NUL,
			 "t.ini:8: [@f] key 'valu': unknown key (did you mean 'value'?)");
	/* select */
	test_build_fails(GEN "[stage.s]\ntype = select\n" NUL, "t.ini:#: [@s] key 'fields': missing (comma-separated field names)");
	test_build_fails(GEN "[stage.s]\ntype = select\nfields = col1, col1\n" NUL,
			 "t.ini:6: [@s] key 'fields': field 'col1' is listed twice");
	test_build_fails(GEN "[stage.s]\ntype = select\nfields = col1, col9\n" NUL,
			 "t.ini:6: [@s] key 'fields': no field 'col9' in the input (did you mean 'col1'?)");
	/* rename */
	test_build_fails(GEN "[stage.r]\ntype = rename\nfrom = col1\n" NUL,
			 "t.ini:#: [@r] key 'to': missing (rename needs both from and to)");
	test_build_fails(GEN "[stage.r]\ntype = rename\nto = id\n" NUL,
			 "t.ini:#: [@r] key 'from': missing (rename needs both from and to)");
	test_build_fails(GEN "[stage.r]\ntype = rename\nfrom = col1, col2\nto = id\n" NUL,
			 "t.ini:7: [@r] key 'to': from and to must list the same number of names");
	test_build_fails(GEN "[stage.r]\ntype = rename\nfrom = col1\nto = col2\n" NUL,
			 "t.ini:7: [@r] key 'to': two fields would be called 'col2'");
	test_build_fails(GEN "[stage.r]\ntype = rename\nfrom = id\nto = x\n" NUL,
			 "t.ini:6: [@r] key 'from': no field 'id' in the input");
	/* cast */
	test_build_fails(GEN "[stage.c]\ntype = cast\nfield = col1\n" NUL, "t.ini:#: [@c] key 'to': missing (int, float or bool)");
	test_build_fails(GEN "[stage.c]\ntype = cast\nfield = col1\nto = string\n" NUL,
			 "t.ini:7: [@c] key 'to': 'string' is not one of: int, float, bool");
	test_build_fails(GEN "[stage.c]\ntype = cast\nto = int\n" NUL, "t.ini:#: [@c] key 'field': missing (a field name)");
	test_build_fails(GEN "[stage.c]\ntype = cast\nfield = col1, colx\nto = int\n" NUL,
			 "t.ini:6: [@c] key 'field': no field 'colx' in the input (did you mean 'col1'?)");
	/* load-test stages */
	test_build_fails(GEN "[stage.b]\ntype = spin\nus_per_record = 20000000\n" NUL,
			 "t.ini:6: [@b] key 'us_per_record': 20000000 is out of range (0 to 10000000)");
	test_build_fails(GEN "[stage.b]\ntype = delay\nus_per_batch = soon\n" NUL,
			 "t.ini:6: [@b] key 'us_per_batch': 'soon' is not a whole number");
	test_build_fails(GEN "[stage.b]\ntype = alloc\nleak = perhaps\n" NUL, "t.ini:6: [@b] key 'leak': 'perhaps' is not true or false (or yes/no, on/off, 1/0)");
	/* a later stage sees the fields an earlier one made */
	test_build_fails(GEN "[stage.r]\ntype = rename\nfrom = col1\nto = id\n[stage.f]\ntype = filter\nfield = col1\n"
			     "value = 1\n" NUL,
			 "t.ini:10: [@f] key 'field': no field 'col1' in the input (did you mean 'col2'?)");
	test_build_ok(GEN "[stage.r]\ntype = rename\nfrom = col1\nto = id\n[stage.f]\ntype = filter\nfield = id\nvalue = 1\n" NUL);
}
END_TEST

START_TEST(test_stage_sections_named_as_written)
{
	/* a message about a stage names its section as the file does */
	test_build_fails(GEN "[stage.keep]\ntype = filter\nfield = col1\n" NUL,
			 "t.ini:#: [stage.keep] key 'value': missing (the value to compare with)");
	test_build_fails(GEN "[stage.keep]\ntype = filter\nfield = cl1\nvalue = 1\n" NUL,
			 "t.ini:6: [stage.keep] key 'field': no field 'cl1' in the input (did you mean 'col1'?)");
}
END_TEST

START_TEST(test_section_line_is_header_line)
{
	/* a section's line is that of its [header]; messages about a section
	 * (rather than one of its keys) name it */
	struct config c;
	struct errbuf e;
	config_init(&c);
	ck_assert_int_eq(test_load(&c, "[source]\n\n; c\ntype = generate\n[stage.x]\n\nfield = col1\n" NUL, &e), 0);
	ck_assert_int_eq(c.source.line, 1);
	ck_assert_uint_eq(c.nstages, 1);
	ck_assert_int_eq(c.stages[0].line, 5);
	config_free(&c);
	test_build_fails("[source]\ntype = generate\n[stage.x]\n\nfield = col1\n" NUL,
			 "t.ini:3: [@x]: missing key 'type' (stage types: " STAGE_TYPES ")");
	test_load_fails("[sorce]\n\ntype = csv\n", "t.ini:1: unknown section [sorce] (did you mean [source]?)");
	test_build_fails(GEN "[destination]\n; the output\ntype = json\n",
			 "t.ini:4: [destination] key 'file_path': missing (a file to write, or - for standard output)");
}
END_TEST

START_TEST(test_build_valid_pipeline)
{
	/* a valid configuration builds: its stages in order, their types and
	 * kinds; the output exists only as FILE.part until the run commits it,
	 * and a pipeline freed without running removes it */
	struct config c;
	struct errbuf e;
	ck_assert_int_eq(test_load_resolve(&c,
					   "[pipeline]\nworkers = 2\n"
					   "[source]\ntype = csv\nfile_path = @D/in.csv\n"
					   "[stage.typed]\ntype = cast\nfield = b\nto = int\n"
					   "[stage.keep]\ntype = filter\nfield = a\nop = ne\nvalue = x\n"
					   "[stage.pick]\ntype = select\nfields = c, a\n"
					   "[destination]\ntype = json\nfile_path = @D/out.json\n",
					   &e),
			 0);
	struct pipeline *p = config_build_pipeline(&c, &e);
	ck_assert_msg(p != NULL, "%s", p ? "" : e.msg);
	ck_assert_uint_eq(pipeline_count_stages(p), 5);
	ck_assert_uint_eq(pipeline_count_channels(p), 4);
	static const struct {
		const char *name, *type;
		enum stage_kind kind;
	} want[] = {
		{ "source", "csv", STAGE_SOURCE },	{ "typed", "cast", STAGE_TRANSFORM },
		{ "keep", "filter", STAGE_TRANSFORM },	{ "pick", "select", STAGE_TRANSFORM },
		{ "destination", "json", STAGE_DESTINATION },
	};
	for (size_t i = 0; i < 5; i++) {
		const struct stage_info *si = pipeline_get_stage(p, i);
		ck_assert_str_eq(si->name, want[i].name);
		ck_assert_str_eq(si->type, want[i].type);
		ck_assert_int_eq(si->kind, want[i].kind);
		ck_assert_int_gt(si->nthreads, 0);
	}
	ck_assert_int_eq(pipeline_get_state(p), PSTATE_READY);
	char d[256], path[128];
	pipeline_describe_source(p, d, sizeof d);
	char *want_src = test_subst("@D/in.csv (csv)");
	ck_assert_str_eq(d, want_src);
	free(want_src);
	pipeline_describe_dest(p, d, sizeof d);
	char *want_dst = test_subst("@D/out.json (json)");
	ck_assert_str_eq(d, want_dst);
	free(want_dst);
	snprintf(path, sizeof path, "%s/out.json.part", test_dir);
	ck_assert_msg(test_file_exists(path), "build did not create %s", path);
	pipeline_free(p);
	ck_assert_msg(!test_file_exists(path), "%s left behind by a pipeline that never ran", path);
	snprintf(path, sizeof path, "%s/out.json", test_dir);
	ck_assert(!test_file_exists(path));
	config_free(&c);
}
END_TEST

START_TEST(test_demo_config)
{
	struct config c;
	struct errbuf e;
	config_init(&c);
	config_load_demo(&c);
	ck_assert_int_eq(config_resolve(&c, &e), 0);
	ck_assert_str_eq(c.pl.name, "demo");
	ck_assert_uint_eq(c.nstages, 3);
	struct pipeline *p = config_build_pipeline(&c, &e);
	ck_assert_msg(p != NULL, "the demo does not build: %s", p ? "" : e.msg);
	ck_assert_uint_eq(pipeline_count_stages(p), 5);
	ck_assert_str_eq(pipeline_get_stage(p, 0)->type, "generate");
	ck_assert_str_eq(pipeline_get_stage(p, 1)->name, "parse");
	ck_assert_str_eq(pipeline_get_stage(p, 1)->type, "cast");
	ck_assert_str_eq(pipeline_get_stage(p, 2)->type, "spin");
	ck_assert_str_eq(pipeline_get_stage(p, 3)->type, "filter");
	ck_assert_str_eq(pipeline_get_stage(p, 4)->type, "null");
	pipeline_free(p);
	config_free(&c);
}
END_TEST

static Suite *config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("ini");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_load_sections_and_entries);
	tcase_add_test(tc, test_crlf_bom_and_colon);
	tcase_add_test(tc, test_key_set_twice);
	tcase_add_test(tc, test_key_outside_section);
	tcase_add_test(tc, test_unknown_sections);
	tcase_add_test(tc, test_export_listen);
	tcase_add_test(tc, test_pipeline_name_is_text);
	tcase_add_test(tc, test_bad_stage_names);
	tcase_add_test(tc, test_unreadable_lines);
	tcase_add_test(tc, test_line_length);
	tcase_add_test(tc, test_continuation_lines);
	tcase_add_test(tc, test_load_file);
	suite_add_tcase(s, tc);
	tc = tcase_create("resolve");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_values_of_every_type);
	tcase_add_test(tc, test_bad_values_by_type);
	tcase_add_test(tc, test_bounds);
	tcase_add_test(tc, test_unknown_keys);
	tcase_add_test(tc, test_key_family);
	tcase_add_test(tc, test_dead_letter_needs_path);
	tcase_add_test(tc, test_profile_types);
	suite_add_tcase(s, tc);
	tc = tcase_create("cli");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_cli_flags);
	tcase_add_test(tc, test_cli_key_flags);
	tcase_add_test(tc, test_cli_overrides_win);
	tcase_add_test(tc, test_cli_key_value_lists);
	tcase_add_test(tc, test_cli_errors);
	tcase_add_test(tc, test_cli_value_messages);
	suite_add_tcase(s, tc);
	tc = tcase_create("build");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_unknown_types);
	tcase_add_test(tc, test_connector_keys);
	tcase_add_test(tc, test_stage_keys);
	tcase_add_test(tc, test_build_valid_pipeline);
	tcase_add_test(tc, test_demo_config);
	suite_add_tcase(s, tc);
	/* sections as written: their lines, names, duplicates, limits */
	tc = tcase_create("sections");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_long_stage_names);
	tcase_add_test(tc, test_duplicate_stage_names);
	tcase_add_test(tc, test_empty_sections_are_checked);
	tcase_add_test(tc, test_unterminated_header);
	tcase_add_test(tc, test_indented_key_after_repeated_header);
	tcase_add_test(tc, test_bound_message_shows_the_value);
	tcase_add_test(tc, test_stage_sections_named_as_written);
	tcase_add_test(tc, test_section_line_is_header_line);
	suite_add_tcase(s, tc);
	return s;
}

/* Makes the test folder with a small CSV input; removes it all afterwards. */
static int test_setup_dir(void)
{
	snprintf(test_dir, sizeof test_dir, "/tmp/nebtop-test-config-XXXXXX");
	if (!mkdtemp(test_dir))
		return -1;
	char path[128];
	snprintf(path, sizeof path, "%s/in.csv", test_dir);
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	fputs("a,b,c\nx,1,p\ny,2,q\n", f);
	return fclose(f);
}

static void test_remove_dir(void)
{
	static const char *const names[] = { "in.csv", "out.json", "out.json.part", "left.json.part", "o.json.part",
					     "o.csv.part", "my.pipeline.ini", "nul.ini", "big.ini", "empty.ini" };
	char path[128];
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", test_dir, names[i]);
		unlink(path);
	}
	if (rmdir(test_dir) != 0)
		fprintf(stderr, "test_config: could not remove %s: %s\n", test_dir, strerror(errno));
}

int main(void)
{
	if (test_setup_dir() != 0) {
		fprintf(stderr, "test_config: cannot make a test folder: %s\n", strerror(errno));
		return EXIT_FAILURE;
	}
	int failed = unit_run_suite(config_suite()) != EXIT_SUCCESS;
	test_remove_dir();
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
