/* gcp_auth.c: service-account JWTs and access tokens for Google Cloud APIs
 * (see gcp_auth.h). */
#include "autoconfig.h"

#include "gcp_auth.h"

#include <errno.h>
#include <jansson.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../src/base/clock.h"
#include "../src/base/secrets.h"

/* A key file larger than this is not a key file. */
#define GCP_KEY_FILE_MAX (1u << 20)
/* The JWT's lifetime, the most Google takes. */
#define GCP_JWT_LIFETIME_S 3600

void gcp_auth_base64url(struct buf *out, const unsigned char *s, size_t n)
{
	static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	buf_reserve(out, (n + 2) / 3 * 4 + 1);
	for (size_t i = 0; i < n; i += 3) {
		unsigned v =
		    (unsigned)s[i] << 16 | (i + 1 < n ? (unsigned)s[i + 1] << 8 : 0) | (i + 2 < n ? s[i + 2] : 0);
		out->p[out->len++] = tbl[v >> 18 & 63];
		out->p[out->len++] = tbl[v >> 12 & 63];
		if (i + 1 < n)
			out->p[out->len++] = tbl[v >> 6 & 63];
		if (i + 2 < n)
			out->p[out->len++] = tbl[v & 63];
	}
	out->p[out->len] = 0;
}

/* The last OpenSSL error, for a message (no key material in it). */
static void gcp_auth_ssl_error(char *dst, size_t n)
{
	unsigned long code = ERR_get_error();
	if (code)
		ERR_error_string_n(code, dst, n);
	else
		snprintf(dst, n, "unknown error");
	ERR_clear_error();
}

/* base64url(json of o) appended to out. */
static int gcp_auth_append_json(struct buf *out, json_t *o)
{
	char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (!s)
		return -1;
	gcp_auth_base64url(out, (const unsigned char *)s, strlen(s));
	free(s);
	return 0;
}

char *gcp_auth_sign_jwt(void *key, const char *kid, const char *claims, struct errbuf *e)
{
	struct buf jwt = { 0 };
	json_t *head = json_pack("{s:s, s:s}", "alg", "RS256", "typ", "JWT");
	if (head && kid)
		json_object_set_new(head, "kid", json_string(kid));
	if (!head || gcp_auth_append_json(&jwt, head)) {
		buf_free(&jwt);
		errbuf_set(e, "out of memory");
		return NULL;
	}
	buf_append_byte(&jwt, '.');
	gcp_auth_base64url(&jwt, (const unsigned char *)claims, strlen(claims));
	/* RS256: RSASSA-PKCS1-v1_5 over SHA-256 of "header.claims" */
	unsigned char *sig = NULL;
	size_t siglen = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok = ctx && EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, key) == 1 &&
		 EVP_DigestSign(ctx, NULL, &siglen, (const unsigned char *)jwt.p, jwt.len) == 1 &&
		 (sig = malloc(siglen)) &&
		 EVP_DigestSign(ctx, sig, &siglen, (const unsigned char *)jwt.p, jwt.len) == 1;
	EVP_MD_CTX_free(ctx);
	if (!ok) {
		char why[256];
		gcp_auth_ssl_error(why, sizeof why);
		free(sig);
		buf_free(&jwt);
		errbuf_set(e, "cannot sign the JWT with the key's private key: %s", why);
		return NULL;
	}
	buf_append_byte(&jwt, '.');
	gcp_auth_base64url(&jwt, sig, siglen);
	free(sig);
	return jwt.p;
}

char *gcp_auth_make_jwt(void *key, const char *kid, const char *iss, const char *scope, const char *aud, int64_t iat,
			struct errbuf *e)
{
	json_t *claims = json_pack("{s:s, s:s, s:s, s:I, s:I}", "iss", iss, "scope", scope, "aud", aud, "iat",
				   (json_int_t)iat, "exp", (json_int_t)(iat + GCP_JWT_LIFETIME_S));
	char *text = claims ? json_dumps(claims, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(claims);
	if (!text) {
		errbuf_set(e, "out of memory");
		return NULL;
	}
	char *jwt = gcp_auth_sign_jwt(key, kid, text, e);
	free(text);
	return jwt;
}

/* Registers the private key as secrets: the PEM text, its JSON-escaped form
 * (as the key file holds it) and each line of it, so that no part of it a
 * server might quote shows. */
static void gcp_auth_register_key(const char *pem)
{
	secrets_register(pem);
	struct buf esc = { 0 };
	for (const char *p = pem; *p; p++) {
		if (*p == '\n')
			buf_append_str(&esc, "\\n");
		else
			buf_append_byte(&esc, *p);
	}
	buf_append_byte(&esc, 0);
	secrets_register(esc.p);
	memset(esc.p, 0, esc.len);
	buf_free(&esc);
	char line[256];
	for (const char *p = pem; *p;) {
		size_t n = strcspn(p, "\r\n");
		if (n < sizeof line && strncmp(p, "-----", 5)) {
			memcpy(line, p, n);
			line[n] = 0;
			secrets_register(line);
		}
		p += n;
		p += strspn(p, "\r\n");
	}
	memset(line, 0, sizeof line);
}

/* The whole file (at most GCP_KEY_FILE_MAX bytes), malloc'd and NUL-terminated. */
static char *gcp_auth_read_file(const char *path, size_t *len, struct errbuf *e)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		errbuf_set(e, "cannot open '%s': %s", path, strerror(errno));
		return NULL;
	}
	char *p = malloc(GCP_KEY_FILE_MAX + 1);
	size_t n = p ? fread(p, 1, GCP_KEY_FILE_MAX + 1, f) : 0;
	int bad = ferror(f);
	fclose(f);
	if (!p || bad || n > GCP_KEY_FILE_MAX) {
		free(p);
		errbuf_set(e, "cannot read '%s': %s", path,
			   !p	 ? "out of memory"
			   : bad ? "read error"
				 : "larger than 1 MiB");
		return NULL;
	}
	p[n] = 0;
	*len = n;
	return p;
}

/* No passphrase: an encrypted key fails to load rather than prompt on the
 * terminal (OpenSSL's default). */
static int gcp_auth_no_passphrase(char *buf, int size, int rwflag, void *arg)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)arg;
	return -1;
}

/* The private key of PEM text, or NULL with OpenSSL's reason in why. */
static EVP_PKEY *gcp_auth_parse_pem(const char *pem, char *why, size_t n)
{
	BIO *bio = BIO_new_mem_buf(pem, -1);
	EVP_PKEY *key = bio ? PEM_read_bio_PrivateKey(bio, NULL, gcp_auth_no_passphrase, NULL) : NULL;
	BIO_free(bio);
	if (!key)
		gcp_auth_ssl_error(why, n);
	return key;
}

void *gcp_auth_read_pem_key(const char *path, struct errbuf *e)
{
	size_t len = 0;
	char *text = gcp_auth_read_file(path, &len, e);
	if (!text)
		return NULL;
	gcp_auth_register_key(text);
	char why[256];
	EVP_PKEY *key = strlen(text) == len ? gcp_auth_parse_pem(text, why, sizeof why) : NULL;
	if (strlen(text) != len)
		snprintf(why, sizeof why, "it holds a NUL byte");
	int encrypted = strstr(text, "ENCRYPTED") != NULL;
	memset(text, 0, len); /* the private key: no copy left behind */
	free(text);
	if (!key) {
		errbuf_set(e, "'%s' is not a PEM private key%s (%s)", path,
			   encrypted ? " without a passphrase (an encrypted key is not supported)" : "", why);
		return NULL;
	}
	if (EVP_PKEY_base_id(key) != EVP_PKEY_RSA) {
		EVP_PKEY_free(key);
		errbuf_set(e, "'%s' holds a private key that is not an RSA key (RS256 needs one)", path);
		return NULL;
	}
	return key;
}

/* A string member of the key file, or NULL. */
static const char *gcp_auth_member(json_t *o, const char *name)
{
	const char *v = json_string_value(json_object_get(o, name));
	return v && *v ? v : NULL;
}

static int gcp_auth_load_key(struct gcp_auth *a, json_t *o, struct errbuf *e)
{
	const char *type = gcp_auth_member(o, "type"), *email = gcp_auth_member(o, "client_email");
	const char *pem = gcp_auth_member(o, "private_key"), *uri = gcp_auth_member(o, "token_uri");
	const char *kid = gcp_auth_member(o, "private_key_id");
	if (pem)
		gcp_auth_register_key(pem);
	if (!type || strcmp(type, "service_account"))
		return errbuf_set(e,
				  "'%s': type is '%s', not 'service_account' (a service account's JSON key is "
				  "needed; or give access_token)",
				  a->file, type ? type : "(none)");
	if (!email)
		return errbuf_set(e, "'%s': no client_email", a->file);
	if (!pem)
		return errbuf_set(e, "'%s': no private_key", a->file);
	if (uri && strncmp(uri, "https://", 8) && strncmp(uri, "http://", 7))
		return errbuf_set(e, "'%s': token_uri '%s' is not an http:// or https:// URL", a->file, uri);
	char why[256];
	EVP_PKEY *key = gcp_auth_parse_pem(pem, why, sizeof why);
	if (!key)
		return errbuf_set(e, "'%s': private_key is not a PEM private key (%s)", a->file, why);
	a->key = key;
	if (EVP_PKEY_base_id(key) != EVP_PKEY_RSA)
		return errbuf_set(e, "'%s': private_key is not an RSA key (RS256 needs one)", a->file);
	a->client_email = strdup(email);
	a->token_uri = strdup(uri ? uri : GCP_AUTH_TOKEN_URI);
	a->key_id = kid ? strdup(kid) : NULL;
	if (!a->client_email || !a->token_uri || (kid && !a->key_id))
		return errbuf_set(e, "out of memory");
	return 0;
}

int gcp_auth_open_key(struct gcp_auth *a, const char *path, const char *scope, struct errbuf *e)
{
	memset(a, 0, sizeof *a);
	a->file = strdup(path);
	a->scope = strdup(scope);
	if (!a->file || !a->scope)
		return errbuf_set(e, "out of memory");
	size_t len = 0;
	char *text = gcp_auth_read_file(path, &len, e);
	if (!text)
		return -1;
	json_error_t je;
	json_t *o = json_loadb(text, len, 0, &je);
	memset(text, 0, len); /* the private key: no copy left behind */
	free(text);
	if (!json_is_object(o)) {
		json_decref(o);
		/* the parser's message, not its quote of the text */
		return errbuf_set(e, "'%s' is not a JSON object (line %d, column %d)", path, je.line, je.column);
	}
	int rc = gcp_auth_load_key(a, o, e);
	json_decref(o);
	return rc;
}

int gcp_auth_open_token(struct gcp_auth *a, const char *token, struct errbuf *e)
{
	memset(a, 0, sizeof *a);
	if (!*token)
		return errbuf_set(e, "the access token is empty");
	for (const char *p = token; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			return errbuf_set(e, "the access token holds a space or a control character");
	secrets_register(token);
	size_t n = strlen(token) + 32;
	a->header = malloc(n);
	if (!a->header)
		return errbuf_set(e, "out of memory");
	snprintf(a->header, n, "Authorization: Bearer %s", token);
	return 0;
}

/* The token endpoint's answer to a failed exchange, in its own words
 * ("invalid_grant: Invalid JWT Signature."), secrets hidden. */
static void gcp_auth_token_error(const struct http_response *rs, char *dst, size_t n)
{
	dst[0] = 0;
	json_t *o = json_loadb(rs->body, rs->len, 0, NULL);
	const char *err = json_string_value(json_object_get(o, "error"));
	const char *desc = json_string_value(json_object_get(o, "error_description"));
	if (!err) /* a Google API error object */
		err = json_string_value(json_object_get(json_object_get(o, "error"), "message"));
	char raw[600];
	snprintf(raw, sizeof raw, "%s%s%s", err ? err : "", err && desc ? ": " : "", desc ? desc : "");
	secrets_redact(dst, n, raw, strlen(raw));
	json_decref(o);
}

void gcp_auth_count_aside(struct connmetrics *m, const struct connmetrics *side)
{
	if (!m)
		return;
	connmetrics_count_wait(m, connmetrics_get(&side->bytes), connmetrics_get(&side->wait_ns));
	connmetrics_add(&m->connect_ns, connmetrics_get(&side->connect_ns));
	connmetrics_add(&m->connects, connmetrics_get(&side->connects));
	connmetrics_add(&m->retries, connmetrics_get(&side->retries));
	connmetrics_add(&m->errors, connmetrics_get(&side->errors));
}

int gcp_auth_open_refresh(struct gcp_auth *a, const char *token_uri, const char *client_id, const char *client_secret,
			  const char *refresh_token, struct errbuf *e)
{
	memset(a, 0, sizeof *a);
	secrets_register(client_secret);
	secrets_register(refresh_token);
	if (strncmp(token_uri, "https://", 8) && strncmp(token_uri, "http://", 7))
		return errbuf_set(e, "token_uri '%s' is not an http:// or https:// URL", token_uri);
	a->token_uri = strdup(token_uri);
	a->client_id = strdup(client_id);
	a->client_secret = strdup(client_secret);
	a->refresh_token = strdup(refresh_token);
	a->file = strdup("refresh_token");
	if (!a->token_uri || !a->client_id || !a->client_secret || !a->refresh_token || !a->file)
		return errbuf_set(e, "out of memory");
	return 0;
}

/* form-encodes s (RFC 3986 unreserved kept) onto out */
static void gcp_auth_form_value(struct buf *out, const char *s)
{
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '-' ||
		    ch == '.' || ch == '_' || ch == '~')
			buf_append_byte(out, (char)ch);
		else
			buf_printf(out, "%%%02X", ch);
	}
}

/* Exchanges a new JWT (or the refresh token) for a token at token_uri. */
static int gcp_auth_fetch(struct gcp_auth *a, struct http_client *c, struct errbuf *e)
{
	struct buf body = { 0 };
	if (a->refresh_token) {
		buf_append_str(&body, "grant_type=refresh_token&client_id=");
		gcp_auth_form_value(&body, a->client_id);
		buf_append_str(&body, "&client_secret=");
		gcp_auth_form_value(&body, a->client_secret);
		buf_append_str(&body, "&refresh_token=");
		gcp_auth_form_value(&body, a->refresh_token);
		goto send;
	}
	char *jwt =
	    gcp_auth_make_jwt(a->key, a->key_id, a->client_email, a->scope, a->token_uri, (int64_t)time(NULL), e);
	if (!jwt) {
		errbuf_prefix(e, "credentials_file '%s'", a->file);
		return -1;
	}
	secrets_register(jwt); /* a bearer credential for an hour */
	buf_printf(&body, "grant_type=urn%%3Aietf%%3Aparams%%3Aoauth%%3Agrant-type%%3Ajwt-bearer&assertion=%s", jwt);
	memset(jwt, 0, strlen(jwt));
	free(jwt);
send:;
	const char *extra[] = { "Content-Type: application/x-www-form-urlencoded", "Accept: application/json", NULL };
	struct http_request rq = { "POST", a->token_uri, body.p, body.len, extra, NULL };
	struct http_response rs;
	/* the token endpoint's errors are OAuth's, not the API's: 429 and 5xx
	 * are tried again */
	int (*retry_if)(long, const char *, size_t) = c->retry_if;
	c->retry_if = NULL;
	/* not one of the connector's requests: its time and bytes count */
	struct connmetrics side = { 0 }, *real = c->metrics;
	c->metrics = &side;
	int rc = http_client_send(c, &rq, &rs, e);
	c->metrics = real;
	gcp_auth_count_aside(real, &side);
	c->retry_if = retry_if;
	memset(body.p, 0, body.len);
	buf_free(&body);
	char shown[512];
	http_client_redact_url(a->token_uri, shown, sizeof shown);
	if (rc) {
		char why[512];
		gcp_auth_token_error(&rs, why, sizeof why);
		if (rs.status && why[0] && a->refresh_token)
			return errbuf_set(e,
					  "the token endpoint %s refused the refresh token of client %s: HTTP %ld: %s",
					  shown, a->client_id, rs.status, why);
		if (rs.status && why[0])
			return errbuf_set(
			    e, "credentials_file '%s': the token endpoint %s refused the key of %s: HTTP %ld: %s",
			    a->file, shown, a->client_email, rs.status, why);
		if (a->refresh_token)
			errbuf_prefix(e, "getting an access token for the refresh token");
		else
			errbuf_prefix(e, "credentials_file '%s': getting an access token", a->file);
		return -1;
	}
	json_t *o = json_loadb(rs.body, rs.len, 0, NULL);
	const char *token = json_string_value(json_object_get(o, "access_token"));
	json_t *exp = json_object_get(o, "expires_in");
	json_int_t secs = json_is_integer(exp) ? json_integer_value(exp)
			  : json_is_real(exp)  ? (json_int_t)json_real_value(exp)
					       : 3600;
	if (!token || !*token || strpbrk(token, " \t\r\n")) {
		json_decref(o);
		return errbuf_set(e, "credentials_file '%s': the token endpoint %s answered without an access_token",
				  a->file, shown);
	}
	secrets_register(token);
	free(a->header);
	size_t n = strlen(token) + 32;
	a->header = malloc(n);
	if (a->header)
		snprintf(a->header, n, "Authorization: Bearer %s", token);
	json_decref(o);
	if (!a->header)
		return errbuf_set(e, "out of memory");
	if (secs < 1)
		secs = 1;
	uint64_t margin = (uint64_t)secs / 4 < GCP_AUTH_MARGIN_S ? (uint64_t)secs / 4 : GCP_AUTH_MARGIN_S;
	a->refresh_at = clock_now_ns() + ((uint64_t)secs - margin) * 1000000000ull;
	a->grants++;
	return 0;
}

const char *gcp_auth_header(struct gcp_auth *a, struct http_client *c, struct errbuf *e)
{
	if ((a->key || a->refresh_token) && (!a->header || clock_now_ns() >= a->refresh_at) && gcp_auth_fetch(a, c, e))
		return NULL;
	if (!a->header)
		errbuf_set(e, "no access token");
	return a->header;
}

int gcp_auth_expire(struct gcp_auth *a)
{
	if (!a->key && !a->refresh_token)
		return -1;
	if (a->header) {
		memset(a->header, 0, strlen(a->header));
		free(a->header);
		a->header = NULL;
	}
	return 0;
}

void gcp_auth_close(struct gcp_auth *a)
{
	if (a->header)
		memset(a->header, 0, strlen(a->header));
	free(a->header);
	EVP_PKEY_free(a->key);
	free(a->client_email);
	free(a->token_uri);
	free(a->key_id);
	free(a->scope);
	free(a->file);
	free(a->client_id);
	if (a->client_secret)
		memset(a->client_secret, 0, strlen(a->client_secret));
	if (a->refresh_token)
		memset(a->refresh_token, 0, strlen(a->refresh_token));
	free(a->client_secret);
	free(a->refresh_token);
	memset(a, 0, sizeof *a);
}
