/* http_client.h: the part of the HTTP source and destination that talks
 * HTTP: one libcurl easy handle reused for every request (keep-alive), the
 * headers of the header.NAME keys with ${ENV} expansion, a timeout, TLS
 * verification (off only with insecure = true, which warns once), and the
 * retry policy: connection errors, timeouts, 429 and 5xx are tried again up
 * to max_retries times, waiting retry_backoff, then twice as long each time
 * (capped at HTTP_BACKOFF_CAP_S), with jitter, or as long as Retry-After
 * says (in seconds, capped at HTTP_RETRY_AFTER_MAX_S). Every request is
 * counted in the connector's connmetrics. A GET may also be streamed
 * (http_client_stream_*): its body goes to a sink as it arrives, and the
 * transfer pauses while the sink has enough. One client is used by one
 * thread at a time. Header values are secrets: no message ever shows them. */
#ifndef NEB_HTTP_CLIENT_H
#define NEB_HTTP_CLIENT_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "../src/base/buf.h"
#include "../pipeline/connector.h"

/* Longest wait between two tries from the backoff, and from Retry-After. */
#define HTTP_BACKOFF_CAP_S 30
#define HTTP_RETRY_AFTER_MAX_S 60

/* The keys both HTTP connectors take, embedded in their options. */
struct http_settings {
	uint64_t timeout_ns, max_retries, backoff_ns;
	int insecure;
	struct confpairs headers; /* header.NAME = value */
};

/* The confkeys of struct http_settings `member` of options struct `type`. */
#define HTTP_CLIENT_KEYS(type, member)                                                                          \
	{ "timeout", CONF_DURATION, "30s", offsetof(type, member.timeout_ns),                                  \
	  "longest time one request may take, connecting included", NULL, 0.001, 3600, 0 },                    \
	{ "max_retries", CONF_UINT, "3", offsetof(type, member.max_retries),                                   \
	  "times a request is tried again after a connection error, a timeout, 429 or 5xx", NULL, 0, 100, 0 }, \
	{ "retry_backoff", CONF_DURATION, "1s", offsetof(type, member.backoff_ns),                              \
	  "wait before the first retry; doubles each retry, with jitter", NULL, 0, 3600, 0 },                   \
	{ "insecure", CONF_BOOL, "false", offsetof(type, member.insecure),                                     \
	  "do not verify TLS certificates (warns)", NULL, 0, 0, 0 },                                            \
	{ "header.", CONF_PREFIX, NULL, offsetof(type, member.headers),                                         \
	  "header.NAME = value: a request header; ${VAR} is replaced by the environment variable", NULL, 0, 0, 1 }

/* The keys of struct http_settings `member` that an API connector takes
 * (no header.NAME): timeout 60s, max_retries 5 (retry_help says what is
 * tried again), retry_backoff 1s, insecure. */
/* clang-format off */
#define HTTP_CLIENT_API_KEYS(type, member, retry_help)                                                          \
	{ "timeout", CONF_DURATION, "60s", offsetof(type, member.timeout_ns),                                  \
	  "longest time one request may take, connecting included", NULL, 0.001, 3600, 0 },                    \
	{ "max_retries", CONF_UINT, "5", offsetof(type, member.max_retries), retry_help, NULL, 0, 100, 0 },    \
	{ "retry_backoff", CONF_DURATION, "1s", offsetof(type, member.backoff_ns),                              \
	  "wait before the first retry; doubles each retry, with jitter", NULL, 0, 3600, 0 },                   \
	{ "insecure", CONF_BOOL, "false", offsetof(type, member.insecure),                                     \
	  "do not verify TLS certificates (warns)", NULL, 0, 0, 0 }
/* clang-format on */

/* Takes the next n bytes of a streamed body: 0, or -1 to end the transfer
 * (the sink keeps its reason). */
typedef int (*http_sink_fn)(void *arg, const char *p, size_t n);
/* Whether the sink has enough for now: the transfer pauses until the next
 * pump. */
typedef int (*http_enough_fn)(void *arg);

struct http_client {
	void *curl;                 /* CURL * */
	void *multi;                /* CURLM *: for streamed GETs, made by the first */
	int streaming;              /* a streamed GET is under way */
	void *headers;              /* struct curl_slist *: the header.NAME headers, expanded */
	uint64_t timeout_ns, max_retries, backoff_ns;
	struct connmetrics *metrics;
	const _Atomic int *stop;    /* NULL: never stopped */
	uint64_t rng;               /* jitter */
	long retry_after_s;         /* of the last response; -1 = none */
	/* Optional: whether a response that is not 2xx is worth another try,
	 * for an API whose error bodies say so (set after http_client_open);
	 * NULL: 429 and 5xx are. Connection errors and timeouts always are. */
	int (*retry_if)(long status, const char *body, size_t len);
	struct buf body;            /* the last response's body */
	int global_init;
	long headers_out;           /* requests sent by the try under way, libcurl's re-sends included */
	/* a streamed GET (http_client_stream_*) */
	http_sink_fn sink;
	http_enough_fn enough;
	void *sink_arg;
	int paused, sink_failed;
	int stream_post;            /* the streamed request is a POST */
	uint64_t delivered;         /* body bytes the sink took */
	uint64_t retry;             /* tries after the first */
	uint64_t t0, busy_ns;       /* the try's start, and its time inside the pumps */
	uint64_t sink_ns;           /* of which in the sink (parsing, not waiting) */
	uint64_t last_dl, progress_ns; /* body bytes so far, and when they last grew */
	uint64_t stalled;           /* the try stalled this long (ns): timed out */
	char *url;
	void *rq_headers;           /* struct curl_slist * */
	char cerr[256];             /* CURL_ERROR_SIZE */
};

struct http_request {
	const char *method;      /* "GET" or "POST" */
	const char *url;
	const char *body;        /* POST */
	size_t len;
	const char *const *extra; /* more "Name: value" headers, NULL-terminated; may be NULL */
	/* where the tries after the first go (the same request marked as sent
	 * again, for an API that wants to know); NULL: url */
	const char *retry_url;
};

struct http_response {
	long status;             /* 0 when no response came */
	const char *body;        /* valid until the next request */
	size_t len;
	int stopped;             /* the stop flag ended the request or its retries */
	uint64_t retries;        /* tries after the first */
};

/* Sets up the client from s; `section` names the keys in messages. stop may
 * be NULL. A header.NAME naming an unset variable, or an invalid header
 * name, is an error naming the key (and the variable). */
int http_client_open(struct http_client *c, const struct http_settings *s, const struct connector_env *env,
		     const _Atomic int *stop, struct errbuf *e);
/* Sends rq, with retries. 0 on a 2xx response; -1 otherwise, with the
 * method, the URL (its credentials and query values hidden), the status and
 * an excerpt of the body, or the connection error, in e. rs is filled in
 * both cases. */
int http_client_send(struct http_client *c, const struct http_request *rq, struct http_response *rs,
		     struct errbuf *e);
/* Waits before retry number `retry` (1-based) of a request the caller
 * repeats itself (part of an answer the API asks to send again), as
 * http_client_send waits: counted as a retry and as waiting on the server.
 * 0 when the stop flag came up. */
int http_client_backoff(struct http_client *c, uint64_t retry);
/* Starts a GET of url whose body, on a 2xx response, goes to fn as it
 * arrives, while enough(arg) says no (then the transfer pauses: no more of
 * the body is read until the next pump; the server waits). 0, or -1 with the
 * reason (out of memory). */
int http_client_stream_open(struct http_client *c, const char *url, http_sink_fn fn, http_enough_fn enough,
			    void *arg, struct errbuf *e);
/* The same for any request rq (a POST's body and rq->extra headers
 * included; the body must stay valid until http_client_stream_close). */
int http_client_stream_request(struct http_client *c, const struct http_request *rq, http_sink_fn fn,
			       http_enough_fn enough, void *arg, struct errbuf *e);
/* Runs the transfer until the sink has enough (1) or the body ended (0),
 * or it failed (-1, with the reason in e as http_client_send words it; rs
 * tells the status and whether the stop flag ended it). Tries again, as
 * http_client_send does, while no byte of the body was given to the sink;
 * after that a failure is final: a second try would give the same bytes
 * twice. A body that stalls for `timeout` fails (a timed-out try). */
int http_client_stream_pump(struct http_client *c, struct http_response *rs, struct errbuf *e);
/* Ends the streamed GET (done or abandoned). */
void http_client_stream_close(struct http_client *c);
/* Opens (and drops) a connection to url's server, once, without a request:
 * a check at open that the server can be reached. */
int http_client_probe(struct http_client *c, const char *url, struct errbuf *e);
void http_client_close(struct http_client *c);
/* A random id for this run (16 hex digits), so that request and row ids do
 * not repeat across runs. */
void http_client_make_run_id(char *dst, size_t n);
/* A random UUID (version 4, 36 characters and the NUL: n >= 37), for APIs
 * whose request ids make a request sent again idempotent. */
void http_client_make_uuid(char *dst, size_t n);
struct batch;
/* A source's locate (source_ops) for batches whose raw bytes are the
 * records' JSON texts, each ended by a NUL, in record order: record r's
 * text; opts is not read. */
void http_client_locate_raw(void *opts, const struct batch *b, uint32_t r, uint64_t *line, const char **raw,
			    size_t *raw_len);

/* url with name=value (value URL-encoded) added to its query, malloc'd; NULL
 * when out of memory. */
char *http_client_add_query(struct http_client *c, const char *url, const char *name, const char *value);
/* ref (absolute, or relative as in a link) resolved against base, malloc'd;
 * NULL when it is not a URL. */
char *http_client_resolve_url(const char *base, const char *ref);

/* The value of the secret key `key` (value as configured): ${VAR}
 * expanded (malloc'd; free it with http_client_free_secret), the value and
 * its expansion registered as secrets. NULL when a variable is unset, with
 * the message naming the key and the variable in e. */
char *http_client_secret_value(const char *value, const struct connector_env *env, const char *key,
			       struct errbuf *e);
/* Wipes and frees what http_client_secret_value gave; NULL is nothing. */
void http_client_free_secret(char *s);

/* url for a message: user and password removed, query values shown as "..."
 * (secrets_redact_url). */
void http_client_redact_url(const char *url, char *dst, size_t n);

#endif
