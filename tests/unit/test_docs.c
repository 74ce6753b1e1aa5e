/* test_docs.c: every configuration key nebtop accepts (the [pipeline],
 * [profile], [alerts] and [tui] tables, every connector's and every stage's table) and
 * every connector and stage type is documented in man/nebtop.ini.5. */
#include "autoconfig.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connectors/registry.h"
#include "pipeline/stage.h"
#include "src/config/config.h"
#include "tests/unit/unit_main.h"

extern const struct confkey dest_common_keys[];

static char *docs_read_man(void)
{
	FILE *f = fopen(NEB_SRCDIR "/man/nebtop.ini.5", "rb");
	ck_assert_msg(f != NULL, "cannot open man/nebtop.ini.5");
	static char text[1 << 20];
	size_t n = fread(text, 1, sizeof text - 1, f);
	fclose(f);
	text[n] = 0;
	return text;
}

/* A key is documented when the page has a line ".B key" or ".BR key ...". */
static int docs_mentions_key(const char *man, const char *key)
{
	char pat[128];
	snprintf(pat, sizeof pat, "\n.B %s\n", key);
	if (strstr(man, pat))
		return 1;
	snprintf(pat, sizeof pat, "\n.BR %s ", key);
	if (strstr(man, pat))
		return 1;
	snprintf(pat, sizeof pat, "\": \" %s ", key); /* .BR "type = spin" ": " us_per_record ... */
	if (strstr(man, pat))
		return 1;
	snprintf(pat, sizeof pat, "\", \" %s ", key); /* .BR a_medium ", " a_high ... (keys of one kind) */
	return strstr(man, pat) != NULL;
}

static int docs_check_table(const char *man, const char *what, const struct confkey *keys)
{
	int missing = 0;
	for (const struct confkey *k = keys; k->name; k++)
		if (!docs_mentions_key(man, k->name)) {
			fprintf(stderr, "man/nebtop.ini.5 does not document key '%s' of %s\n", k->name, what);
			missing++;
		}
	return missing;
}

static int docs_mentions_type(const char *man, const char *type)
{
	char pat[128];
	snprintf(pat, sizeof pat, "type = %s", type);
	return strstr(man, pat) != NULL;
}

START_TEST(every_key_is_documented)
{
	const char *man = docs_read_man();
	int missing = 0;
	missing += docs_check_table(man, "[pipeline]", config_pipeline_keys);
	missing += docs_check_table(man, "[profile]", config_profile_keys);
	missing += docs_check_table(man, "[tui]", config_tui_keys);
	missing += docs_check_table(man, "[export]", config_export_keys);
	missing += docs_check_table(man, "[alerts]", analyzer_alert_keys);
	missing += docs_check_table(man, "every destination", dest_common_keys);
	for (const struct source_ops *const *s = registry_get_catalog()->sources; *s; s++)
		missing += docs_check_table(man, (*s)->type, (*s)->keys);
	for (const struct dest_ops *const *d = registry_get_catalog()->dests; *d; d++)
		missing += docs_check_table(man, (*d)->type, (*d)->keys);
	for (const struct stage_ops *const *t = stage_list_types(); *t; t++)
		missing += docs_check_table(man, (*t)->type, (*t)->keys);
	ck_assert_int_eq(missing, 0);
}
END_TEST

START_TEST(every_type_is_documented)
{
	const char *man = docs_read_man();
	int missing = 0;
	for (const struct source_ops *const *s = registry_get_catalog()->sources; *s; s++)
		missing += !docs_mentions_type(man, (*s)->type);
	for (const struct dest_ops *const *d = registry_get_catalog()->dests; *d; d++)
		missing += !docs_mentions_type(man, (*d)->type);
	for (const struct stage_ops *const *t = stage_list_types(); *t; t++)
		if (!docs_mentions_type(man, (*t)->type)) {
			fprintf(stderr, "man/nebtop.ini.5 does not document stage type '%s'\n", (*t)->type);
			missing++;
		}
	ck_assert_int_eq(missing, 0);
}
END_TEST

START_TEST(a_missing_key_is_noticed)
{
	/* the check itself can fail */
	const char *man = docs_read_man();
	ck_assert(!docs_mentions_key(man, "no_such_key_anywhere"));
	ck_assert(docs_mentions_key(man, "file_path"));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("docs");
	TCase *tc = tcase_create("man");
	tcase_add_test(tc, every_key_is_documented);
	tcase_add_test(tc, every_type_is_documented);
	tcase_add_test(tc, a_missing_key_is_noticed);
	suite_add_tcase(s, tc);
	return unit_run_suite(s);
}
