/* gcp_auth.h: Google Cloud credentials for the BigQuery connectors: a
 * service-account key file (credentials_file: its private key signs an RS256
 * JWT, exchanged at the file's token_uri for an access token, fetched again
 * before it expires) or an access token given as is. Every secret (the
 * private key and each line of it, the JWT, the tokens) is registered with
 * secrets.h before it can reach a message, so that no text nebtop writes
 * shows it, even when a server echoes it. */
#ifndef NEB_GCP_AUTH_H
#define NEB_GCP_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "../src/base/errbuf.h"
#include "http_client.h"

/* The scope the BigQuery connectors ask for. */
#define GCP_AUTH_SCOPE_BIGQUERY "https://www.googleapis.com/auth/bigquery"
/* Where a key file without token_uri sends its JWT. */
#define GCP_AUTH_TOKEN_URI "https://oauth2.googleapis.com/token"
/* A token is fetched again this long before it expires (at most a quarter
 * of its lifetime). */
#define GCP_AUTH_MARGIN_S 300

struct gcp_auth {
	void *key; /* EVP_PKEY *: the key file's private key; NULL: a fixed token */
	char *client_email, *token_uri, *key_id, *scope;
	char *file; /* the key file's path, for messages */
	/* an OAuth refresh token (gcp_auth_open_refresh); NULL: none */
	char *client_id, *client_secret, *refresh_token;
	char *header;	     /* "Authorization: Bearer TOKEN"; NULL: none held */
	uint64_t refresh_at; /* clock_now_ns when the token is fetched again */
	uint64_t grants;     /* tokens fetched */
};

/* From a service-account key file (JSON: type "service_account",
 * client_email, private_key, token_uri). The token is fetched at the first
 * gcp_auth_header. -1 with the reason (never the key) in e. */
int gcp_auth_open_key(struct gcp_auth *a, const char *path, const char *scope, struct errbuf *e);
/* A token given as is (registered as a secret); never refreshed. */
int gcp_auth_open_token(struct gcp_auth *a, const char *token, struct errbuf *e);
/* From an OAuth client's refresh token, exchanged at token_uri (form
 * grant_type=refresh_token with client_id and client_secret) for an access
 * token, fetched again before it expires. client_secret and refresh_token
 * are registered as secrets. The token is fetched at the first
 * gcp_auth_header. */
int gcp_auth_open_refresh(struct gcp_auth *a, const char *token_uri, const char *client_id, const char *client_secret,
			  const char *refresh_token, struct errbuf *e);
/* The "Authorization: Bearer TOKEN" header line, a token fetched through c
 * first when none is held or it is due for refresh. NULL with the reason
 * (the token endpoint's own words) in e. */
const char *gcp_auth_header(struct gcp_auth *a, struct http_client *c, struct errbuf *e);
/* After the service refused the token (401): drops it, so that the next
 * gcp_auth_header fetches a new one. 0 when one can be fetched (a key
 * file), -1 for a token given as is. */
int gcp_auth_expire(struct gcp_auth *a);
void gcp_auth_close(struct gcp_auth *a);

/* Counts into m what a call made with a side struct connmetrics (a token
 * fetched, a check at open) moved and waited, and its connections, but
 * not as a request: the requests of a connector are its batches and pages. */
void gcp_auth_count_aside(struct connmetrics *m, const struct connmetrics *side);
/* The signed JWT assertion (malloc'd) of key (an EVP_PKEY * holding an RSA
 * key): header {"alg":"RS256","typ":"JWT"} (with "kid" when kid is not
 * NULL), claims iss, scope, aud, iat and exp = iat + 3600. NULL with the
 * reason in e. */
char *gcp_auth_make_jwt(void *key, const char *kid, const char *iss, const char *scope, const char *aud, int64_t iat,
			struct errbuf *e);
/* The signed RS256 JWT (malloc'd) of key (an EVP_PKEY * holding an RSA
 * key): header {"alg":"RS256","typ":"JWT"} (with "kid" when kid is not
 * NULL) and claims, the text of a JSON object, as is. NULL with the reason
 * in e. */
char *gcp_auth_sign_jwt(void *key, const char *kid, const char *claims, struct errbuf *e);
/* The RSA private key (an EVP_PKEY *, to free with EVP_PKEY_free) of a PEM
 * file (PKCS#8 or PKCS#1, not encrypted); the file's text and each of its
 * lines are registered as secrets first. NULL with the reason, never the
 * key, in e. */
void *gcp_auth_read_pem_key(const char *path, struct errbuf *e);
/* s[0..n) in base64url without padding, appended to out (NUL-terminated). */
void gcp_auth_base64url(struct buf *out, const unsigned char *s, size_t n);

#endif
