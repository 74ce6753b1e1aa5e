/* test_gcp_auth.c: unit tests of the service-account credentials of the
 * BigQuery connectors (connectors/gcp_auth.c): base64url without padding;
 * the JWT's header and claims, and its RS256 signature verified with the
 * key's public half (a changed claim does not verify); a key file read, its
 * private key's lines registered as secrets; key files that are not
 * service-account keys refused with a message that quotes no key. */
#include "autoconfig.h"

#include <check.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "connectors/gcp_auth.h"
#include "src/base/secrets.h"
#include "tests/unit/unit_main.h"

static EVP_PKEY *test_key(void)
{
	static EVP_PKEY *key;
	if (!key)
		key = EVP_RSA_gen(2048);
	ck_assert_ptr_nonnull(key);
	return key;
}

static void b64(const char *s, size_t n, const char *want)
{
	struct buf out = { 0 };
	gcp_auth_base64url(&out, (const unsigned char *)s, n);
	ck_assert_str_eq(out.p, want);
	buf_free(&out);
}

START_TEST(test_base64url)
{
	b64("", 0, "");
	b64("f", 1, "Zg");
	b64("fo", 2, "Zm8");
	b64("foo", 3, "Zm9v");
	b64("foob", 4, "Zm9vYg");
	b64("\xfb\xff", 2, "-_8"); /* standard base64: "+/8=" */
}
END_TEST

/* base64url text p[0..n) decoded (NUL-terminated, malloc'd; *len bytes). */
static unsigned char *unb64(const char *p, size_t n, size_t *len)
{
	unsigned char *out = malloc(n + 1);
	unsigned acc = 0;
	int bits = 0;
	*len = 0;
	for (size_t i = 0; i < n; i++) {
		const char *tbl = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
		const char *at = strchr(tbl, p[i]);
		ck_assert_msg(at && p[i], "'%c' is not base64url", p[i]);
		acc = acc << 6 | (unsigned)(at - tbl);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[(*len)++] = (unsigned char)(acc >> bits);
		}
	}
	out[*len] = 0;
	return out;
}

static json_t *part_json(const char *p, size_t n)
{
	size_t len;
	unsigned char *text = unb64(p, n, &len);
	json_t *o = json_loadb((const char *)text, len, 0, NULL);
	free(text);
	ck_assert_ptr_nonnull(o);
	return o;
}

/* Whether sig verifies over signed with key (RS256). */
static int verifies(EVP_PKEY *key, const char *signed_part, size_t n, const unsigned char *sig, size_t siglen)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok = EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, key) == 1 &&
		 EVP_DigestVerify(ctx, sig, siglen, (const unsigned char *)signed_part, n) == 1;
	EVP_MD_CTX_free(ctx);
	return ok;
}

START_TEST(test_jwt_signed)
{
	struct errbuf e;
	char *jwt = gcp_auth_make_jwt(test_key(), "kid1", "a@p.iam.gserviceaccount.com", GCP_AUTH_SCOPE_BIGQUERY,
				      "https://oauth2.googleapis.com/token", 1700000000, &e);
	ck_assert_ptr_nonnull(jwt);
	char *dot1 = strchr(jwt, '.'), *dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
	ck_assert(dot1 && dot2 && !strchr(dot2 + 1, '.'));
	ck_assert(!strchr(jwt, '=') && !strchr(jwt, '+') && !strchr(jwt, '/'));
	json_t *head = part_json(jwt, (size_t)(dot1 - jwt));
	ck_assert_str_eq(json_string_value(json_object_get(head, "alg")), "RS256");
	ck_assert_str_eq(json_string_value(json_object_get(head, "typ")), "JWT");
	ck_assert_str_eq(json_string_value(json_object_get(head, "kid")), "kid1");
	json_t *claims = part_json(dot1 + 1, (size_t)(dot2 - dot1 - 1));
	ck_assert_str_eq(json_string_value(json_object_get(claims, "iss")), "a@p.iam.gserviceaccount.com");
	ck_assert_str_eq(json_string_value(json_object_get(claims, "scope")), GCP_AUTH_SCOPE_BIGQUERY);
	ck_assert_str_eq(json_string_value(json_object_get(claims, "aud")), "https://oauth2.googleapis.com/token");
	ck_assert_int_eq(json_integer_value(json_object_get(claims, "iat")), 1700000000);
	ck_assert_int_eq(json_integer_value(json_object_get(claims, "exp")), 1700003600);
	json_decref(head);
	json_decref(claims);
	size_t siglen;
	unsigned char *sig = unb64(dot2 + 1, strlen(dot2 + 1), &siglen);
	ck_assert_uint_eq(siglen, 256); /* RSA 2048 */
	ck_assert(verifies(test_key(), jwt, (size_t)(dot2 - jwt), sig, siglen));
	/* the check can fail: one byte of the claims changed */
	dot1[3] ^= 1;
	ck_assert(!verifies(test_key(), jwt, (size_t)(dot2 - jwt), sig, siglen));
	free(sig);
	free(jwt);
}
END_TEST

/* A temporary folder for key files, and a file in it. */
static char dir[64];
static void key_file(const char *name, const char *json_text, char *path, size_t n)
{
	if (!dir[0]) {
		snprintf(dir, sizeof dir, "%s/nebtop-gcp.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
		ck_assert_ptr_nonnull(mkdtemp(dir));
	}
	snprintf(path, n, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(json_text, f);
	fclose(f);
}

static void remove_file(const char *path)
{
	unlink(path);
	rmdir(dir);
	dir[0] = 0;
}

/* The test key as PEM (PKCS#8), malloc'd. */
static char *key_pem(void)
{
	BIO *bio = BIO_new(BIO_s_mem());
	ck_assert(PEM_write_bio_PrivateKey(bio, test_key(), NULL, NULL, 0, NULL, NULL) == 1);
	char *p;
	long n = BIO_get_mem_data(bio, &p);
	char *out = strndup(p, (size_t)n);
	BIO_free(bio);
	return out;
}

START_TEST(test_key_file)
{
	char *pem = key_pem();
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s}", "type", "service_account", "client_email", "l@p.iam",
			      "private_key", pem, "private_key_id", "k9", "token_uri", "http://127.0.0.1:1/token");
	char *text = json_dumps(o, 0), path[256];
	json_decref(o);
	key_file("sa.json", text, path, sizeof path);
	struct gcp_auth a;
	struct errbuf e;
	ck_assert_int_eq(gcp_auth_open_key(&a, path, GCP_AUTH_SCOPE_BIGQUERY, &e), 0);
	ck_assert_str_eq(a.client_email, "l@p.iam");
	ck_assert_str_eq(a.token_uri, "http://127.0.0.1:1/token");
	ck_assert_str_eq(a.key_id, "k9");
	ck_assert_ptr_null(a.header); /* no token before the first call */
	/* a line of the key, quoted by a server, is hidden */
	char line[128], msg[512], out[512];
	const char *l2 = strchr(pem, '\n') + 1;
	snprintf(line, sizeof line, "%.*s", (int)(strchr(l2, '\n') - l2), l2);
	snprintf(msg, sizeof msg, "bad key %s here", line);
	secrets_redact(out, sizeof out, msg, strlen(msg));
	ck_assert_str_eq(out, "bad key " SECRETS_SHOWN " here");
	gcp_auth_close(&a);
	remove_file(path);
	free(text);
	free(pem);
}
END_TEST

/* gcp_auth_open_key refuses the file with a message holding `want`, and
 * never a part of the secret `secret`. */
static void refused(const char *json_text, const char *want, const char *secret)
{
	char path[256];
	key_file("bad.json", json_text, path, sizeof path);
	struct gcp_auth a;
	struct errbuf e;
	ck_assert_int_eq(gcp_auth_open_key(&a, path, GCP_AUTH_SCOPE_BIGQUERY, &e), -1);
	ck_assert_msg(strstr(e.msg, want), "'%s' lacks '%s'", e.msg, want);
	if (secret)
		ck_assert_msg(!strstr(e.msg, secret), "'%s' shows the key", e.msg);
	gcp_auth_close(&a);
	remove_file(path);
}

START_TEST(test_key_file_refused)
{
	refused("{\"type\": \"authorized_user\", \"client_id\": \"x\"}",
		"type is 'authorized_user', not 'service_account'", NULL);
	refused("{\"type\": \"service_account\", \"private_key\": \"x\"}", "no client_email", NULL);
	refused("{\"type\": \"service_account\", \"client_email\": \"a@b\", \"private_key\": \"MIIEsecretsecret\"}",
		"private_key is not a PEM private key", "MIIEsecretsecret");
	refused("{\"type\": \"service_account\", \"private_key\": \"MIIEsecret2secret\" ", "is not a JSON object",
		"MIIEsecret2secret");
	struct gcp_auth a;
	struct errbuf e;
	ck_assert_int_eq(gcp_auth_open_key(&a, "/nonexistent/sa.json", GCP_AUTH_SCOPE_BIGQUERY, &e), -1);
	ck_assert(strstr(e.msg, "cannot open '/nonexistent/sa.json'"));
	gcp_auth_close(&a);
	ck_assert_int_eq(gcp_auth_open_token(&a, "ab cd", &e), -1);
	gcp_auth_close(&a);
	ck_assert_int_eq(gcp_auth_open_token(&a, "ya29.abcdef", &e), 0);
	ck_assert_str_eq(a.header, "Authorization: Bearer ya29.abcdef");
	ck_assert_int_eq(gcp_auth_expire(&a), -1); /* a token given as is cannot be renewed */
	gcp_auth_close(&a);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("gcp_auth");
	TCase *tc = tcase_create("auth");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_base64url);
	tcase_add_test(tc, test_jwt_signed);
	tcase_add_test(tc, test_key_file);
	tcase_add_test(tc, test_key_file_refused);
	suite_add_tcase(s, tc);
	return unit_run_suite(s);
}
