/* sf_api.h: what the Snowflake source and destination share: their common
 * keys (account, user, credentials, context, endpoint, the HTTP limits) and
 * statements run through the SQL API v2 (POST /api/v2/statements, then GET
 * of the statement's status URL while it runs and for the partitions of its
 * result).
 *
 * Credentials: a key pair (private_key_file: an RSA private key in PEM whose
 * public half is set on the user) signs an RS256 JWT with iss =
 * ACCOUNT.USER.SHA256:<fingerprint of the public key>, sub = ACCOUNT.USER
 * and exp at most an hour after iat, made again before it expires; or an
 * OAuth token given as is (token, ${VAR} allowed). Every request carries
 * User-Agent, Accept: application/json, the token's type
 * (X-Snowflake-Authorization-Token-Type: KEYPAIR_JWT or OAUTH) and, with a
 * body, Content-Type: application/json. The key, its lines, each JWT and the
 * token are registered as secrets before they can reach a message.
 *
 * Each statement has a requestId (a UUID); a try after the first sends the
 * same requestId with retry=true, so that Snowflake runs the statement once
 * however often it is sent. Tried again, with the backoff of http_client.h:
 * a connection error, a timeout, 429, 503 and 504; a 401 with a key pair
 * makes a new JWT and sends once more. A 202 (still running) is polled at
 * its statementStatusUrl every poll_interval until it answers otherwise. A
 * 422 is a SQL error, told apart from a failure of the request. */
#ifndef NEB_SF_API_H
#define NEB_SF_API_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "http_client.h"

/* The most Snowflake takes between a JWT's iat and its exp. */
#define SF_API_JWT_MAX_S 3600

struct sf_settings {
	char *account, *user, *private_key_file, *token, *endpoint;
	char *database, *schema, *warehouse, *role;
	uint64_t jwt_lifetime_ns, statement_timeout_ns, poll_ns;
	struct http_settings http; /* no header.NAME keys */
};

/* The confkeys of struct sf_settings `member` of options struct `type`. */
/* clang-format off */
#define SF_API_KEYS(type, member)                                                                               \
	{ "account", CONF_STRING, NULL, offsetof(type, member.account),                                        \
	  "account identifier (orgname-account, or an account locator with its region)", NULL, 0, 0, 0 },      \
	{ "user", CONF_STRING, NULL, offsetof(type, member.user), "the Snowflake user", NULL, 0, 0, 0 },        \
	{ "private_key_file", CONF_STRING, NULL, offsetof(type, member.private_key_file),                      \
	  "RSA private key (PEM, not encrypted) of the user's key pair: signs a JWT", NULL, 0, 0, 0 },         \
	{ "token", CONF_STRING, NULL, offsetof(type, member.token),                                            \
	  "OAuth token instead of a key pair; ${VAR} is replaced by the environment variable", NULL, 0, 0, 1 },\
	{ "endpoint", CONF_STRING, NULL, offsetof(type, member.endpoint),                                      \
	  "base URL of the SQL API (default https://ACCOUNT.snowflakecomputing.com)", NULL, 0, 0, 0 },         \
	{ "database", CONF_STRING, NULL, offsetof(type, member.database),                                      \
	  "database of the statements (unset: the user's default)", NULL, 0, 0, 0 },                           \
	{ "schema", CONF_STRING, NULL, offsetof(type, member.schema),                                          \
	  "schema of the statements (unset: the user's default)", NULL, 0, 0, 0 },                             \
	{ "warehouse", CONF_STRING, NULL, offsetof(type, member.warehouse),                                    \
	  "warehouse that runs the statements (unset: the user's default)", NULL, 0, 0, 0 },                   \
	{ "role", CONF_STRING, NULL, offsetof(type, member.role),                                              \
	  "role of the statements (unset: the user's default)", NULL, 0, 0, 0 },                               \
	{ "jwt_lifetime", CONF_DURATION, "1h", offsetof(type, member.jwt_lifetime_ns),                         \
	  "time from a JWT's iat to its exp; made again before it ends", NULL, 1, SF_API_JWT_MAX_S, 0 },       \
	{ "statement_timeout", CONF_DURATION, "1h", offsetof(type, member.statement_timeout_ns),               \
	  "longest a statement may run in Snowflake (its timeout field)", NULL, 1, 604800, 0 },                \
	{ "poll_interval", CONF_DURATION, "1s", offsetof(type, member.poll_ns),                                \
	  "wait between two checks of a statement still running (202)", NULL, 0.001, 3600, 0 },                \
	HTTP_CLIENT_API_KEYS(type, member.http,                                                                 \
			     "times a request is tried again after a connection error, a timeout, 429, 503 or 504")
/* clang-format on */

struct sf_api {
	struct http_client client;
	void *key;		   /* EVP_PKEY *: the key pair's private key; NULL: a token */
	char *iss, *sub;	   /* the JWT's claims */
	char *auth;		   /* "Authorization: Bearer ..." */
	const char *auth_type;	   /* "X-Snowflake-Authorization-Token-Type: ..." */
	uint64_t lifetime_s;	   /* of a JWT */
	uint64_t renew_at;	   /* clock_now_ns when the JWT is made again */
	uint64_t jwts, refreshed;  /* JWTs made; of which after a 401 */
	char *base;		   /* the endpoint, without a trailing / */
	char *statements;	   /* {base}/api/v2/statements */
	char *context;		   /* the body's fields after the statement: ,"timeout":N,"database":... */
	uint64_t poll_ns, wait_ns; /* poll_interval; longest wait for a running statement */
	uint64_t polls;		   /* 202s polled */
};

/* Checks the keys, reads the key (or takes the token), sets up the client
 * and checks that the endpoint can be reached. -1 with a message naming the
 * key. */
int sf_api_open(struct sf_api *a, const struct sf_settings *s, const struct connector_env *env, struct errbuf *e);
/* Appends to body (which holds {"statement":"...", and maybe more fields)
 * the statement's context fields and the closing brace. */
void sf_api_body_close(const struct sf_api *a, struct buf *body);
/* Runs the statement of body (a complete request body): 0 with the
 * ResultSet in *result (the caller frees it); 1 when Snowflake refused the
 * statement (422: a SQL error), its message, code and SQL state in e; -1
 * when the request failed (e starts with `what`, then the status, the
 * service's message and the retries; rs.status 0 when no answer came). */
int sf_api_execute(struct sf_api *a, const char *body, size_t len, const char *what, json_t **result, struct errbuf *e);
/* The same for a statement that is no batch nor page (a check at open):
 * its time, bytes and connections count, not as a request. */
int sf_api_execute_aside(struct sf_api *a, const char *body, size_t len, const char *what, json_t **result,
			 struct errbuf *e);
/* GET of url (a statement's status URL, with partition=N for a partition
 * after the first), polled while it answers 202: as sf_api_execute. */
int sf_api_fetch(struct sf_api *a, const char *url, const char *what, json_t **result, struct errbuf *e);
/* The URL of the statement of a ResultSet or QueryStatus (its
 * statementStatusUrl resolved against the endpoint, else one made of its
 * statementHandle), malloc'd; NULL when it names neither. */
char *sf_api_status_url(const struct sf_api *a, json_t *o);
void sf_api_close(struct sf_api *a);

/* The account as a JWT names it: upper case, without what follows its
 * first '.' (a locator's region), or its first '-' for an account whose
 * identifier holds ".global". */
void sf_api_jwt_account(const char *account, char *dst, size_t n);
/* "SHA256:" and the base64 (standard, padded) of the SHA-256 of the DER
 * SubjectPublicKeyInfo of key's public half: the fingerprint Snowflake
 * shows as RSA_PUBLIC_KEY_FP. -1 when out of memory. */
int sf_api_fingerprint(void *key, char *dst, size_t n);
/* The claims of a JWT of iss and sub (a JSON object's text, malloc'd): iss,
 * sub, iat and exp = iat + lifetime_s. NULL when out of memory. */
char *sf_api_jwt_claims(const char *iss, const char *sub, int64_t iat, uint64_t lifetime_s);

#endif
