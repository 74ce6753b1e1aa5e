/* sf_api.c: statements through Snowflake's SQL API v2, shared by its source
 * and destination (see sf_api.h). */
#include "autoconfig.h"

#include "sf_api.h"

#include <ctype.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../src/base/clock.h"
#include "../src/base/secrets.h"
#include "gcp_auth.h"

/* A JWT is made again this long before its exp (at most a quarter of its
 * lifetime). */
#define SF_API_JWT_MARGIN_S 300
/* A statement still running is waited for its timeout and this much more. */
#define SF_API_WAIT_SLACK_S 60

void sf_api_jwt_account(const char *account, char *dst, size_t n)
{
	size_t len = strstr(account, ".global") ? strcspn(account, "-") : strcspn(account, ".");
	size_t i = 0;
	for (; i < len && i + 1 < n; i++)
		dst[i] = (char)toupper((unsigned char)account[i]);
	if (n)
		dst[i] = 0;
}

int sf_api_fingerprint(void *key, char *dst, size_t n)
{
	unsigned char *der = NULL;
	int len = i2d_PUBKEY(key, &der);
	if (len <= 0)
		return -1;
	unsigned char md[32], b64[48];
	unsigned int mdlen = 0;
	int ok = EVP_Digest(der, (size_t)len, md, &mdlen, EVP_sha256(), NULL) == 1 && mdlen == sizeof md;
	OPENSSL_free(der);
	if (!ok)
		return -1;
	EVP_EncodeBlock(b64, md, (int)mdlen);
	snprintf(dst, n, "SHA256:%s", (const char *)b64);
	return 0;
}

char *sf_api_jwt_claims(const char *iss, const char *sub, int64_t iat, uint64_t lifetime_s)
{
	json_t *o = json_pack("{s:s, s:s, s:I, s:I}", "iss", iss, "sub", sub, "iat", (json_int_t)iat, "exp",
			      (json_int_t)(iat + (int64_t)lifetime_s));
	char *text = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(o);
	return text;
}

/* Sets a->auth to "Authorization: Bearer value" (value registered as a
 * secret). */
static int sf_api_set_bearer(struct sf_api *a, const char *value, struct errbuf *e)
{
	secrets_register(value);
	if (a->auth)
		memset(a->auth, 0, strlen(a->auth));
	free(a->auth);
	size_t n = strlen(value) + 32;
	a->auth = malloc(n);
	if (!a->auth)
		return errbuf_set(e, "out of memory");
	snprintf(a->auth, n, "Authorization: Bearer %s", value);
	return 0;
}

/* A new JWT, signed with the key pair's private key. */
static int sf_api_make_jwt(struct sf_api *a, struct errbuf *e)
{
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	uint64_t mono = clock_now_ns();
	char *claims = sf_api_jwt_claims(a->iss, a->sub, (int64_t)now.tv_sec, a->lifetime_s);
	if (!claims)
		return errbuf_set(e, "out of memory");
	char *jwt = gcp_auth_sign_jwt(a->key, NULL, claims, e);
	free(claims);
	if (!jwt)
		return -1;
	int rc = sf_api_set_bearer(a, jwt, e);
	memset(jwt, 0, strlen(jwt));
	free(jwt);
	if (rc)
		return -1;
	/* made again a quarter of its lifetime (at most SF_API_JWT_MARGIN_S)
	 * before exp, which is iat (whole seconds) + lifetime */
	uint64_t life = a->lifetime_s * 1000000000ull - (uint64_t)now.tv_nsec;
	uint64_t margin = a->lifetime_s * 250000000ull;
	if (margin > SF_API_JWT_MARGIN_S * 1000000000ull)
		margin = SF_API_JWT_MARGIN_S * 1000000000ull;
	a->renew_at = mono + life - margin;
	a->jwts++;
	return 0;
}

/* The Authorization header line, a JWT made first when due. */
static const char *sf_api_header(struct sf_api *a, struct errbuf *e)
{
	if (a->key && (!a->auth || clock_now_ns() >= a->renew_at) && sf_api_make_jwt(a, e))
		return NULL;
	return a->auth;
}

/* http_client's retry_if: what the API asks to send again. 500 is not
 * (the spec calls it unrecoverable), nor a 422 (the same SQL error again). */
static int sf_api_retry_if(long status, const char *body, size_t len)
{
	(void)body;
	(void)len;
	return status == 429 || status == 503 || status == 504;
}

/* A string key (a secret one with ${VAR}), NULL when unset or empty. */
static const char *sf_api_given(const char *v) { return v && *v ? v : NULL; }

static int sf_api_open_auth(struct sf_api *a, const struct sf_settings *s, const struct connector_env *env,
			    struct errbuf *e)
{
	char where[512];
	const char *token = sf_api_given(s->token), *path = sf_api_given(s->private_key_file);
	if (token && path) {
		confmap_where_key(where, sizeof where, env->section, "token");
		return errbuf_set(e, "%s: give token or private_key_file, not both", where);
	}
	if (!token && !path) {
		confmap_where_key(where, sizeof where, env->section, "private_key_file");
		return errbuf_set(e,
				  "%s: missing (the RSA private key of the user's key pair; or token, an OAuth "
				  "token)",
				  where);
	}
	if (token) {
		confmap_where_key(where, sizeof where, env->section, "token");
		char *value = http_client_secret_value(token, env, "token", e);
		if (!value)
			return -1;
		int bad = !*value || strpbrk(value, " \t\r\n") != NULL;
		int rc = bad ? errbuf_set(e, "%s: the token is empty or holds a space", where)
			     : sf_api_set_bearer(a, value, e);
		http_client_free_secret(value);
		a->auth_type = "X-Snowflake-Authorization-Token-Type: OAUTH";
		return rc;
	}
	confmap_where_key(where, sizeof where, env->section, "private_key_file");
	a->key = gcp_auth_read_pem_key(path, e);
	if (!a->key) {
		errbuf_prefix(e, "%s", where);
		return -1;
	}
	char account[256], fp[64];
	sf_api_jwt_account(s->account, account, sizeof account);
	if (sf_api_fingerprint(a->key, fp, sizeof fp))
		return errbuf_set(e, "%s: cannot take the public key's fingerprint", where);
	size_t n = strlen(account) + strlen(s->user) + strlen(fp) + 4;
	a->iss = malloc(n);
	a->sub = malloc(n);
	if (!a->iss || !a->sub)
		return errbuf_set(e, "out of memory");
	snprintf(a->sub, n, "%s.", account);
	for (const char *u = s->user; *u; u++) {
		size_t k = strlen(a->sub);
		a->sub[k] = (char)toupper((unsigned char)*u);
		a->sub[k + 1] = 0;
	}
	snprintf(a->iss, n, "%s.%s", a->sub, fp);
	a->auth_type = "X-Snowflake-Authorization-Token-Type: KEYPAIR_JWT";
	a->lifetime_s = s->jwt_lifetime_ns / 1000000000ull;
	if (a->lifetime_s < 1)
		a->lifetime_s = 1;
	if (sf_api_make_jwt(a, e)) {
		errbuf_prefix(e, "%s", where);
		return -1;
	}
	return 0;
}

/* The context fields of every statement's body. */
static int sf_api_make_context(struct sf_api *a, const struct sf_settings *s)
{
	json_t *o = json_object();
	if (!o)
		return -1;
	json_object_set_new(o, "timeout", json_integer((json_int_t)(s->statement_timeout_ns / 1000000000ull)));
	const char *names[] = { "database", "schema", "warehouse", "role" };
	const char *values[] = { s->database, s->schema, s->warehouse, s->role };
	for (size_t i = 0; i < 4; i++)
		if (sf_api_given(values[i]))
			json_object_set_new(o, names[i], json_string(values[i]));
	char *text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (!text)
		return -1;
	text[0] = ','; /* {"timeout":...} -> ,"timeout":... } */
	text[strlen(text) - 1] = 0;
	a->context = text;
	return 0;
}

int sf_api_open(struct sf_api *a, const struct sf_settings *s, const struct connector_env *env, struct errbuf *e)
{
	char where[512];
	memset(a, 0, sizeof *a);
	const char *need = !sf_api_given(s->account) ? "account" : !sf_api_given(s->user) ? "user" : NULL;
	if (need) {
		confmap_where_key(where, sizeof where, env->section, need);
		return errbuf_set(e, "%s: missing (the Snowflake %s)", where,
				  *need == 'a' ? "account identifier, as in ACCOUNT.snowflakecomputing.com" : "user");
	}
	confmap_where_key(where, sizeof where, env->section, "endpoint");
	struct buf base = { 0 };
	if (sf_api_given(s->endpoint)) {
		if (strncmp(s->endpoint, "http://", 7) && strncmp(s->endpoint, "https://", 8))
			return errbuf_set(e, "%s: not an http:// or https:// URL", where);
		size_t n = strlen(s->endpoint);
		while (n && s->endpoint[n - 1] == '/')
			n--;
		buf_append(&base, s->endpoint, n);
	} else {
		for (const char *p = s->account; *p; p++)
			if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_' && *p != '.') {
				confmap_where_key(where, sizeof where, env->section, "account");
				return errbuf_set(e,
						  "%s: '%s' is not an account identifier (letters, digits, '-', '_', "
						  "'.')",
						  where, s->account);
			}
		buf_append_str(&base, "https://");
		for (const char *p = s->account; *p; p++)
			buf_append_byte(&base, (char)tolower((unsigned char)*p));
		buf_append_str(&base, ".snowflakecomputing.com");
	}
	buf_append_byte(&base, 0);
	a->base = base.p;
	struct buf st = { 0 };
	buf_printf(&st, "%s/api/v2/statements", a->base);
	a->statements = st.p;
	a->poll_ns = s->poll_ns;
	a->wait_ns = s->statement_timeout_ns + SF_API_WAIT_SLACK_S * 1000000000ull;
	if (sf_api_make_context(a, s))
		return errbuf_set(e, "out of memory");
	if (http_client_open(&a->client, &s->http, env, NULL, e))
		return -1;
	a->client.retry_if = sf_api_retry_if;
	if (sf_api_open_auth(a, s, env, e))
		return -1;
	if (http_client_probe(&a->client, a->base, e)) {
		errbuf_prefix(e, "%s", where);
		return -1;
	}
	return 0;
}

void sf_api_body_close(const struct sf_api *a, struct buf *body)
{
	buf_append_str(body, a->context);
	buf_append_byte(body, '}');
}

/* Snowflake's words in an error body: "message (code C, SQL state S)",
 * secrets hidden; "" when the body has no message. */
static void sf_api_error_text(const char *body, size_t len, char *dst, size_t n)
{
	dst[0] = 0;
	json_t *o = json_loadb(body, len, 0, NULL);
	const char *msg = json_string_value(json_object_get(o, "message"));
	const char *code = json_string_value(json_object_get(o, "code"));
	const char *state = json_string_value(json_object_get(o, "sqlState"));
	if (code && !*code)
		code = NULL;
	if (state && !*state)
		state = NULL;
	if (msg) {
		char raw[1200];
		snprintf(raw, sizeof raw, "%s%s%s%s%s%s", msg, code || state ? " (" : "", code ? "code " : "",
			 code ? code : "", state ? (code ? ", SQL state " : "SQL state ") : "", state ? state : "");
		if (code || state)
			snprintf(raw + strlen(raw), sizeof raw - strlen(raw), ")");
		for (char *p = raw; *p; p++) /* "SQL compilation error:\nObject ..." on one line */
			if ((unsigned char)*p < 0x20)
				*p = ' ';
		secrets_redact(dst, n, raw, strlen(raw));
	}
	json_decref(o);
}

/* One request with the credentials and the retry policy (a 401 with a key
 * pair: a new JWT, once). */
static int sf_api_send(struct sf_api *a, const char *method, const char *url, const char *retry_url, const char *body,
		       size_t len, struct http_response *rs, struct errbuf *e)
{
	int post = !strcmp(method, "POST");
	for (int again = 0;; again = 1) {
		const char *auth = sf_api_header(a, e);
		if (!auth) {
			memset(rs, 0, sizeof *rs);
			return -1;
		}
		const char *extra[] = { auth, a->auth_type, "Accept: application/json",
					post ? "Content-Type: application/json" : NULL, NULL };
		struct http_request rq = { method, again && retry_url ? retry_url : url, body, len, extra, retry_url };
		if (http_client_send(&a->client, &rq, rs, e) == 0)
			return 0;
		if (rs->status == 401 && !again && a->key && !rs->stopped) {
			memset(a->auth, 0, strlen(a->auth));
			free(a->auth);
			a->auth = NULL; /* made again by sf_api_header */
			a->refreshed++;
			continue;
		}
		return -1;
	}
}

/* A failed request's outcome: 1 for a SQL error (422), -1 otherwise, with
 * the service's words. */
static int sf_api_failure(const char *what, const struct http_response *rs, struct errbuf *e)
{
	if (rs->stopped)
		return -1;
	char msg[sizeof e->msg];
	snprintf(msg, sizeof msg, "%s", e->msg);
	if (rs->status == 0)
		return errbuf_set(e, "%s: Snowflake did not answer: %s", what, msg);
	char text[1200], tries[64] = "";
	sf_api_error_text(rs->body, rs->len, text, sizeof text);
	if (rs->status == 422 && text[0]) {
		errbuf_set(e, "%s", text);
		return 1;
	}
	if (!text[0]) /* not an API error: the client's words (status, excerpt) */
		return errbuf_set(e, "%s: %s", what, msg);
	if (rs->retries)
		snprintf(tries, sizeof tries, " (after %llu %s)", (unsigned long long)rs->retries,
			 rs->retries == 1 ? "retry" : "retries");
	return errbuf_set(e, "%s: HTTP %ld: %s%s", what, rs->status, text, tries);
}

/* The body of a 2xx answer as a JSON object, or NULL (e). */
static json_t *sf_api_parse(const struct http_response *rs, const char *what, struct errbuf *e)
{
	json_error_t je;
	json_t *o = json_loadb(rs->body, rs->len, 0, &je);
	if (!json_is_object(o)) {
		json_decref(o);
		errbuf_set(e, "%s: the answer is not a JSON object: %s", what, je.text);
		return NULL;
	}
	return o;
}

char *sf_api_status_url(const struct sf_api *a, json_t *o)
{
	const char *url = json_string_value(json_object_get(o, "statementStatusUrl"));
	if (url && *url) {
		struct buf base = { 0 };
		buf_printf(&base, "%s/", a->base);
		char *out = http_client_resolve_url(base.p, url);
		buf_free(&base);
		return out;
	}
	const char *handle = json_string_value(json_object_get(o, "statementHandle"));
	if (!handle || !*handle || strspn(handle, "0123456789abcdefABCDEF-") != strlen(handle))
		return NULL;
	struct buf u = { 0 };
	buf_printf(&u, "%s/%s", a->statements, handle);
	return u.p;
}

/* Sleeps ns unless the stop flag comes up (counted as waiting on the
 * server); 0 when stopped. */
static int sf_api_wait(struct sf_api *a, uint64_t ns)
{
	uint64_t t0 = clock_now_ns(), end = t0 + ns;
	int ok = 1;
	for (;;) {
		if (a->client.stop && atomic_load_explicit(a->client.stop, memory_order_relaxed)) {
			ok = 0;
			break;
		}
		uint64_t now = clock_now_ns();
		if (now >= end)
			break;
		clock_sleep_ns(end - now > 50000000 ? 50000000 : end - now);
	}
	connmetrics_count_wait(a->client.metrics, 0, clock_now_ns() - t0);
	return ok;
}

/* Polls the statement of the 202 answer o (freed) until it answers
 * otherwise: as sf_api_execute. The polls are not requests of the
 * connector (their time and bytes count). */
static int sf_api_poll(struct sf_api *a, json_t *o, const char *what, json_t **result, struct errbuf *e)
{
	char *url = sf_api_status_url(a, o);
	json_decref(o);
	if (!url)
		return errbuf_set(e, "%s: a 202 answer without statementStatusUrl nor statementHandle", what);
	uint64_t t0 = clock_now_ns();
	int rc;
	for (;;) {
		if (clock_now_ns() - t0 > a->wait_ns) {
			rc = errbuf_set(e, "%s: still running after %.0f s (statement_timeout and a minute)", what,
					(double)a->wait_ns / 1e9);
			break;
		}
		if (!sf_api_wait(a, a->poll_ns)) {
			rc = errbuf_set(e, "%s: stopped", what);
			break;
		}
		a->polls++;
		struct connmetrics side = { 0 }, *real = a->client.metrics;
		a->client.metrics = &side;
		struct http_response rs;
		int sent = sf_api_send(a, "GET", url, NULL, NULL, 0, &rs, e);
		a->client.metrics = real;
		gcp_auth_count_aside(real, &side);
		if (sent) {
			rc = sf_api_failure(what, &rs, e);
			break;
		}
		if (!(o = sf_api_parse(&rs, what, e))) {
			rc = -1;
			break;
		}
		if (rs.status != 202) {
			*result = o;
			rc = 0;
			break;
		}
		json_decref(o);
	}
	free(url);
	return rc;
}

/* The answer rs to a request that went through: the ResultSet, or a poll
 * of a 202. */
static int sf_api_answer(struct sf_api *a, const struct http_response *rs, const char *what, json_t **result,
			 struct errbuf *e)
{
	json_t *o = sf_api_parse(rs, what, e);
	if (!o)
		return -1;
	if (rs->status == 202)
		return sf_api_poll(a, o, what, result, e);
	*result = o;
	return 0;
}

int sf_api_execute(struct sf_api *a, const char *body, size_t len, const char *what, json_t **result, struct errbuf *e)
{
	*result = NULL;
	char rid[40];
	http_client_make_uuid(rid, sizeof rid);
	struct buf url = { 0 }, again = { 0 };
	buf_printf(&url, "%s?requestId=%s", a->statements, rid);
	buf_printf(&again, "%s&retry=true", url.p);
	struct http_response rs;
	int rc = sf_api_send(a, "POST", url.p, again.p, body, len, &rs, e);
	buf_free(&url);
	buf_free(&again);
	if (rc)
		return sf_api_failure(what, &rs, e);
	return sf_api_answer(a, &rs, what, result, e);
}

int sf_api_execute_aside(struct sf_api *a, const char *body, size_t len, const char *what, json_t **result,
			 struct errbuf *e)
{
	struct connmetrics side = { 0 }, *real = a->client.metrics;
	a->client.metrics = &side;
	int rc = sf_api_execute(a, body, len, what, result, e);
	a->client.metrics = real;
	gcp_auth_count_aside(real, &side);
	return rc;
}

int sf_api_fetch(struct sf_api *a, const char *url, const char *what, json_t **result, struct errbuf *e)
{
	*result = NULL;
	struct http_response rs;
	if (sf_api_send(a, "GET", url, NULL, NULL, 0, &rs, e))
		return sf_api_failure(what, &rs, e);
	return sf_api_answer(a, &rs, what, result, e);
}

void sf_api_close(struct sf_api *a)
{
	http_client_close(&a->client);
	EVP_PKEY_free(a->key);
	if (a->auth)
		memset(a->auth, 0, strlen(a->auth));
	free(a->auth);
	free(a->iss);
	free(a->sub);
	free(a->base);
	free(a->statements);
	free(a->context);
	memset(a, 0, sizeof *a);
}
