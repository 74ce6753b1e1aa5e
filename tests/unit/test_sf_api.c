/* test_sf_api.c: unit tests of the key-pair credentials of the Snowflake
 * connectors (connectors/sf_api.c) and of the cell checks they share with
 * BigQuery (connectors/cell_text.c): the public key's fingerprint (the JWT's
 * iss) equals what the openssl program computes from the same key file
 * (SHA-256 of the DER SubjectPublicKeyInfo, in base64); the account as a
 * JWT names it; the claims; a PEM key file read (its lines registered as
 * secrets) or refused (not PEM, not RSA) with a message that quotes no key;
 * 64-bit integers and JSON numbers told from other texts. */
#include "autoconfig.h"

#include <check.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "connectors/cell_text.h"
#include "connectors/gcp_auth.h"
#include "connectors/sf_api.h"
#include "src/base/secrets.h"
#include "tests/unit/unit_main.h"

static char dir[64];

/* The temporary folder of the key files. */
static const char *test_dir(void)
{
	if (!dir[0]) {
		snprintf(dir, sizeof dir, "%s/nebtop-sf.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
		ck_assert_ptr_nonnull(mkdtemp(dir));
	}
	return dir;
}

/* The first line of what cmd prints (newline dropped), in out. */
static void run_line(const char *cmd, char *out, size_t n)
{
	FILE *p = popen(cmd, "r");
	ck_assert_msg(p != NULL, "cannot run %s", cmd);
	out[0] = 0;
	if (!fgets(out, (int)n, p))
		out[0] = 0;
	int rc = pclose(p);
	ck_assert_msg(rc == 0, "%s: exit status %d", cmd, rc);
	out[strcspn(out, "\r\n")] = 0;
}

START_TEST(test_fingerprint_as_openssl)
{
	char key[128], cmd[1024], want[128], got[128];
	snprintf(key, sizeof key, "%s/key.pem", test_dir());
	for (int round = 0; round < 2; round++) { /* PKCS#8, then PKCS#1 ("BEGIN RSA PRIVATE KEY") */
		snprintf(cmd, sizeof cmd,
			 "openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out %s 2>/dev/null && "
			 "echo done",
			 key);
		if (round == 1)
			snprintf(
			    cmd, sizeof cmd,
			    "openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 2>/dev/null | "
			    "openssl pkey -traditional -out %s 2>/dev/null && grep -q 'BEGIN RSA PRIVATE KEY' %s && "
			    "echo done",
			    key, key);
		run_line(cmd, got, sizeof got);
		ck_assert_str_eq(got, "done");
		/* what Snowflake's documentation does with openssl */
		snprintf(cmd, sizeof cmd,
			 "openssl pkey -in %s -pubout -outform DER 2>/dev/null | openssl dgst -sha256 -binary | "
			 "openssl enc -base64 -A",
			 key);
		run_line(cmd, want, sizeof want);
		ck_assert_uint_eq(strlen(want), 44); /* 32 bytes in base64 */
		struct errbuf e;
		void *k = gcp_auth_read_pem_key(key, &e);
		ck_assert_msg(k != NULL, "%s", e.msg);
		ck_assert_int_eq(sf_api_fingerprint(k, got, sizeof got), 0);
		ck_assert_str_eq(got + strlen("SHA256:"), want);
		ck_assert(!strncmp(got, "SHA256:", 7));
		EVP_PKEY_free(k);
		/* the key's lines are secrets now */
		char line[128], shown[256];
		snprintf(cmd, sizeof cmd, "sed -n 3p %s", key);
		run_line(cmd, line, sizeof line);
		ck_assert_uint_gt(strlen(line), 40);
		secrets_redact(shown, sizeof shown, line, strlen(line));
		ck_assert_str_eq(shown, SECRETS_SHOWN);
		unlink(key);
	}
	rmdir(dir);
	dir[0] = 0;
}
END_TEST

START_TEST(test_key_refused)
{
	char path[128];
	struct errbuf e;
	snprintf(path, sizeof path, "%s/bad.pem", test_dir());
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("-----BEGIN PRIVATE KEY-----\nMIIEsecretsecretsecret\n-----END PRIVATE KEY-----\n", f);
	fclose(f);
	ck_assert_ptr_null(gcp_auth_read_pem_key(path, &e));
	ck_assert_msg(strstr(e.msg, "is not a PEM private key") != NULL, "%s", e.msg);
	ck_assert_msg(strstr(e.msg, "MIIEsecret") == NULL, "%s", e.msg);
	char cmd[512], out[64];
	snprintf(cmd, sizeof cmd,
		 "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out %s 2>/dev/null && echo done",
		 path);
	run_line(cmd, out, sizeof out);
	ck_assert_ptr_null(gcp_auth_read_pem_key(path, &e));
	ck_assert_msg(strstr(e.msg, "not an RSA key") != NULL, "%s", e.msg);
	unlink(path);
	ck_assert_ptr_null(gcp_auth_read_pem_key(path, &e));
	ck_assert_msg(strstr(e.msg, "cannot open") != NULL, "%s", e.msg);
	rmdir(dir);
	dir[0] = 0;
}
END_TEST

static void account(const char *given, const char *want)
{
	char got[64];
	sf_api_jwt_account(given, got, sizeof got);
	ck_assert_str_eq(got, want);
}

START_TEST(test_jwt_account_and_claims)
{
	account("myorg-myaccount", "MYORG-MYACCOUNT");
	account("xy12345.us-east-2.aws", "XY12345");
	account("xy12345", "XY12345");
	account("myorg-acct.global", "MYORG");
	char *c = sf_api_jwt_claims("A.U.SHA256:abc=", "A.U", 1700000000, 3600);
	ck_assert_ptr_nonnull(c);
	ck_assert_str_eq(c, "{\"iss\":\"A.U.SHA256:abc=\",\"sub\":\"A.U\",\"iat\":1700000000,\"exp\":1700003600}");
	free(c);
}
END_TEST

START_TEST(test_cell_text)
{
	ck_assert(cell_text_is_int("0", 1));
	ck_assert(cell_text_is_int("-12", 3));
	ck_assert(cell_text_is_int("9223372036854775807", 19));
	ck_assert(cell_text_is_int("-9223372036854775808", 20));
	ck_assert(cell_text_is_int("0009223372036854775807", 22));
	ck_assert(!cell_text_is_int("9223372036854775808", 19));
	ck_assert(!cell_text_is_int("-9223372036854775809", 20));
	ck_assert(!cell_text_is_int("99999999999999999999", 20));
	ck_assert(!cell_text_is_int("", 0));
	ck_assert(!cell_text_is_int("-", 1));
	ck_assert(!cell_text_is_int("1.0", 3));
	ck_assert(cell_text_is_number("1.50", 4));
	ck_assert(cell_text_is_number("-0.5e-3", 7));
	ck_assert(!cell_text_is_number("NaN", 3));
	ck_assert(!cell_text_is_number("inf", 3));
	ck_assert(!cell_text_is_number(".5", 2));
	ck_assert(!cell_text_is_number("+1", 2));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("sf_api");
	TCase *tc = tcase_create("sf_api");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_fingerprint_as_openssl);
	tcase_add_test(tc, test_key_refused);
	tcase_add_test(tc, test_jwt_account_and_claims);
	tcase_add_test(tc, test_cell_text);
	suite_add_tcase(s, tc);
	return unit_run_suite(s);
}
