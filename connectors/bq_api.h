/* bq_api.h: what the BigQuery source and destination share: their common
 * keys (endpoint, project, credentials, location, the HTTP limits), calls to
 * the REST API (bigquery/v2) with the Authorization header of gcp_auth.h,
 * and BigQuery's retry policy and error wording.
 *
 * A call is tried again, with the backoff of http_client.h, on a connection
 * error, a timeout, 429, 5xx, and any error whose reason is
 * rateLimitExceeded, backendError, internalError or badGateway (a 403
 * rateLimitExceeded included); nothing else is. A 401 with a key file
 * fetches a new token and sends the call once more. A call that fails for
 * good is worded with the service's own message and reason. */
#ifndef NEB_BQ_API_H
#define NEB_BQ_API_H

#include <stddef.h>
#include <stdint.h>

#include "gcp_auth.h"
#include "http_client.h"

#define BQ_API_ENDPOINT "https://bigquery.googleapis.com"

struct bq_settings {
	char *endpoint, *project, *credentials_file, *access_token, *location;
	struct http_settings http; /* no header.NAME keys */
};

/* The confkeys of struct bq_settings `member` of options struct `type`. */
#define BQ_API_KEYS(type, member)                                                                                      \
	{ "project", CONF_STRING, NULL, offsetof(type, member.project), "Google Cloud project id", NULL, 0, 0, 0 },    \
	    { "credentials_file",                                                                                      \
	      CONF_STRING,                                                                                             \
	      NULL,                                                                                                    \
	      offsetof(type, member.credentials_file),                                                                 \
	      "service account JSON key file (default: $GOOGLE_APPLICATION_CREDENTIALS)",                              \
	      NULL,                                                                                                    \
	      0,                                                                                                       \
	      0,                                                                                                       \
	      0 },                                                                                                     \
	    { "access_token",                                                                                          \
	      CONF_STRING,                                                                                             \
	      NULL,                                                                                                    \
	      offsetof(type, member.access_token),                                                                     \
	      "OAuth access token instead of a key file; ${VAR} is replaced by the environment variable",              \
	      NULL,                                                                                                    \
	      0,                                                                                                       \
	      0,                                                                                                       \
	      1 },                                                                                                     \
	    { "endpoint",                                                                                              \
	      CONF_STRING,                                                                                             \
	      BQ_API_ENDPOINT,                                                                                         \
	      offsetof(type, member.endpoint),                                                                         \
	      "base URL of the BigQuery API",                                                                          \
	      NULL,                                                                                                    \
	      0,                                                                                                       \
	      0,                                                                                                       \
	      0 },                                                                                                     \
	    { "location",                                                                                              \
	      CONF_STRING,                                                                                             \
	      NULL,                                                                                                    \
	      offsetof(type, member.location),                                                                         \
	      "location of the dataset and jobs (US, EU, a region); unset: the service's default",                     \
	      NULL,                                                                                                    \
	      0,                                                                                                       \
	      0,                                                                                                       \
	      0 },                                                                                                     \
	    HTTP_CLIENT_API_KEYS(type, member.http, "times a request is tried again after a retryable error")

struct bq_api {
	struct http_client client;
	struct gcp_auth auth;
	char *base;	    /* {endpoint}/bigquery/v2/projects/{project} */
	char *shown;	    /* base for messages */
	uint64_t refreshed; /* tokens fetched again after a 401 */
};

/* Checks the keys, sets up the client and the credentials, and checks that
 * the endpoint can be reached. The first token of a key file is fetched
 * here. -1 with a message naming the key. */
int bq_api_open(struct bq_api *a, const struct bq_settings *s, const struct connector_env *env, struct errbuf *e);
/* Sends method (GET or POST, JSON body) to url with the credentials and the
 * retry policy. 0 on a 2xx answer, in rs (valid until the next call). -1:
 * e says why, starting with `what` ("insertAll into p:d.t"), with the
 * service's message and reason, the status and the retries; rs->status is
 * 0 when no answer came. */
int bq_api_call(struct bq_api *a, const char *method, const char *url, const char *body, size_t len, const char *what,
		struct http_response *rs, struct errbuf *e);
/* The same for a call that is no batch nor page (a check at open): its
 * time, bytes and connections count, not as a request. */
int bq_api_call_aside(struct bq_api *a, const char *method, const char *url, const char *what, struct http_response *rs,
		      struct errbuf *e);
/* s escaped for a URL path segment or query value (malloc'd; NULL when out
 * of memory). */
char *bq_api_escape(struct bq_api *a, const char *s);
/* Whether an error reason is one BigQuery asks to try again. */
int bq_api_retryable_reason(const char *reason);
/* The error object of a response body: its first reason and its message
 * (secrets hidden); "" for what it lacks. */
void bq_api_error_text(const char *body, size_t len, char *reason, size_t nr, char *msg, size_t nm);
void bq_api_close(struct bq_api *a);

#endif
