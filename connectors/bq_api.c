/* bq_api.c: calls to the BigQuery REST API, shared by its source and
 * destination (see bq_api.h). */
#include "autoconfig.h"

#include "bq_api.h"

#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/base/secrets.h"

int bq_api_retryable_reason(const char *reason)
{
	static const char *const retryable[] = { "rateLimitExceeded", "backendError", "internalError", "badGateway",
						 NULL };
	for (size_t i = 0; reason && retryable[i]; i++)
		if (!strcmp(reason, retryable[i]))
			return 1;
	return 0;
}

void bq_api_error_text(const char *body, size_t len, char *reason, size_t nr, char *msg, size_t nm)
{
	reason[0] = msg[0] = 0;
	json_t *o = json_loadb(body, len, 0, NULL);
	json_t *err = json_object_get(o, "error");
	const char *r = json_string_value(json_object_get(json_array_get(json_object_get(err, "errors"), 0), "reason"));
	const char *m = json_string_value(json_object_get(err, "message"));
	if (!m) /* an error of the errors list only */
		m = json_string_value(json_object_get(json_array_get(json_object_get(err, "errors"), 0), "message"));
	if (!r) /* no reason: the status word (PERMISSION_DENIED) */
		r = json_string_value(json_object_get(err, "status"));
	if (r)
		secrets_redact(reason, nr, r, strlen(r));
	if (m)
		secrets_redact(msg, nm, m, strlen(m));
	json_decref(o);
}

/* http_client's retry_if: 429, 5xx, and the reasons BigQuery asks to retry. */
static int bq_api_retry_if(long status, const char *body, size_t len)
{
	if (status == 429 || status >= 500)
		return 1;
	char reason[64], msg[8];
	bq_api_error_text(body, len, reason, sizeof reason, msg, sizeof msg);
	return bq_api_retryable_reason(reason);
}

char *bq_api_escape(struct bq_api *a, const char *s)
{
	char *v = curl_easy_escape(a->client.curl, s, 0);
	char *out = v ? strdup(v) : NULL;
	curl_free(v);
	return out;
}

/* The credentials: access_token (with ${VAR}), else credentials_file, else
 * $GOOGLE_APPLICATION_CREDENTIALS. */
static int bq_api_open_auth(struct bq_api *a, const struct bq_settings *s, const struct connector_env *env,
			    struct errbuf *e)
{
	char where[512];
	const char *token = s->access_token && *s->access_token ? s->access_token : NULL;
	const char *path = s->credentials_file && *s->credentials_file ? s->credentials_file : NULL;
	if (token && path) {
		confmap_where_key(where, sizeof where, env->section, "access_token");
		return errbuf_set(e, "%s: give access_token or credentials_file, not both", where);
	}
	if (token) {
		confmap_where_key(where, sizeof where, env->section, "access_token");
		char *value = http_client_secret_value(token, env, "access_token", e);
		if (!value)
			return -1;
		int rc = gcp_auth_open_token(&a->auth, value, e);
		http_client_free_secret(value);
		if (rc)
			errbuf_prefix(e, "%s", where);
		return rc;
	}
	confmap_where_key(where, sizeof where, env->section, "credentials_file");
	if (!path)
		path = getenv("GOOGLE_APPLICATION_CREDENTIALS");
	if (!path || !*path)
		return errbuf_set(e,
				  "%s: missing (a service account's JSON key file; or access_token, or "
				  "GOOGLE_APPLICATION_CREDENTIALS in the environment)",
				  where);
	if (gcp_auth_open_key(&a->auth, path, GCP_AUTH_SCOPE_BIGQUERY, e)) {
		errbuf_prefix(e, "%s", where);
		return -1;
	}
	return 0;
}

int bq_api_open(struct bq_api *a, const struct bq_settings *s, const struct connector_env *env, struct errbuf *e)
{
	char where[512];
	memset(a, 0, sizeof *a);
	if (!s->project || !*s->project) {
		confmap_where_key(where, sizeof where, env->section, "project");
		return errbuf_set(e, "%s: missing (the Google Cloud project id)", where);
	}
	confmap_where_key(where, sizeof where, env->section, "endpoint");
	if (strncmp(s->endpoint, "http://", 7) && strncmp(s->endpoint, "https://", 8))
		return errbuf_set(e, "%s: not an http:// or https:// URL", where);
	if (http_client_open(&a->client, &s->http, env, NULL, e))
		return -1;
	a->client.retry_if = bq_api_retry_if;
	char *project = bq_api_escape(a, s->project);
	size_t n = strlen(s->endpoint) + (project ? strlen(project) : 0) + 40;
	a->base = malloc(n);
	if (!project || !a->base) {
		free(project);
		return errbuf_set(e, "out of memory");
	}
	size_t elen = strlen(s->endpoint);
	while (elen && s->endpoint[elen - 1] == '/')
		elen--;
	snprintf(a->base, n, "%.*s/bigquery/v2/projects/%s", (int)elen, s->endpoint, project);
	free(project);
	a->shown = malloc(n);
	if (!a->shown)
		return errbuf_set(e, "out of memory");
	http_client_redact_url(a->base, a->shown, n);
	if (bq_api_open_auth(a, s, env, e))
		return -1;
	if (http_client_probe(&a->client, a->base, e)) {
		errbuf_prefix(e, "%s", where);
		return -1;
	}
	/* the token endpoint too: a connection refused there would otherwise
	 * wait through its retries */
	if (a->auth.token_uri && http_client_probe(&a->client, a->auth.token_uri, e)) {
		confmap_where_key(where, sizeof where, env->section, "credentials_file");
		errbuf_prefix(e, "%s: the key file's token_uri", where);
		return -1;
	}
	if (!gcp_auth_header(&a->auth, &a->client, e)) {
		confmap_where_key(where, sizeof where, env->section, "credentials_file");
		errbuf_prefix(e, "%s", where);
		return -1;
	}
	return 0;
}

/* The failure of a call for good, worded with the service's error. */
static int bq_api_failure(const char *what, const struct http_response *rs, struct errbuf *e)
{
	if (rs->stopped)
		return -1;
	char msg[sizeof e->msg];
	snprintf(msg, sizeof msg, "%s", e->msg);
	if (rs->status == 0)
		return errbuf_set(e, "%s: BigQuery did not answer: %s", what, msg);
	char reason[128], text[600], tries[64] = "";
	bq_api_error_text(rs->body, rs->len, reason, sizeof reason, text, sizeof text);
	if (!text[0]) /* not an API error: the client's words (status, excerpt) */
		return errbuf_set(e, "%s: %s", what, msg);
	if (rs->retries)
		snprintf(tries, sizeof tries, " (after %llu %s)", (unsigned long long)rs->retries,
			 rs->retries == 1 ? "retry" : "retries");
	return errbuf_set(e, "%s: HTTP %ld%s%s: %s%s", what, rs->status, reason[0] ? " " : "", reason, text, tries);
}

int bq_api_call(struct bq_api *a, const char *method, const char *url, const char *body, size_t len, const char *what,
		struct http_response *rs, struct errbuf *e)
{
	int post = !strcmp(method, "POST");
	for (int again = 0;; again = 1) {
		const char *auth = gcp_auth_header(&a->auth, &a->client, e);
		if (!auth) {
			errbuf_prefix(e, "%s", what);
			memset(rs, 0, sizeof *rs);
			return -1;
		}
		const char *extra[] = { auth, "Accept: application/json",
					post ? "Content-Type: application/json" : NULL, NULL };
		struct http_request rq = { method, url, body, len, extra, NULL };
		if (http_client_send(&a->client, &rq, rs, e) == 0)
			return 0;
		/* a token refused (revoked, expired early): a new one, once */
		if (rs->status == 401 && !again && gcp_auth_expire(&a->auth) == 0) {
			a->refreshed++;
			continue;
		}
		return bq_api_failure(what, rs, e);
	}
}

int bq_api_call_aside(struct bq_api *a, const char *method, const char *url, const char *what, struct http_response *rs,
		      struct errbuf *e)
{
	struct connmetrics side = { 0 }, *real = a->client.metrics;
	a->client.metrics = &side;
	int rc = bq_api_call(a, method, url, NULL, 0, what, rs, e);
	a->client.metrics = real;
	gcp_auth_count_aside(real, &side);
	return rc;
}

void bq_api_close(struct bq_api *a)
{
	http_client_close(&a->client);
	gcp_auth_close(&a->auth);
	free(a->base);
	free(a->shown);
	memset(a, 0, sizeof *a);
}
