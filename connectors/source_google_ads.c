/* source_google_ads.c: the google_ads source: runs a GAQL `query` with the
 * Google Ads API's googleAds:searchStream (POST
 * {endpoint}/{api_version}/customers/{customer_id}/googleAds:searchStream,
 * headers developer-token, login-customer-id when set, and a Bearer token
 * from an OAuth refresh token or given as access_token) and reads its
 * answer, a JSON array of {"results": [...], "fieldMask": "a.b,c.d"}
 * chunks, one chunk after the other: each row is flattened by the field
 * mask's paths (campaign.id, metrics.clicks), in the order of the first
 * chunk's field mask, which gives the schema (with no chunk: the SELECT
 * list). A path missing from a row is null. A field's type comes from the
 * first non-null value of the first chunk: an int64 (a JSON string of
 * digits, as proto3 JSON writes it, or a JSON integer) an int field, kept a
 * JSON number; a double a float field; a bool a bool field; the rest
 * strings (a message or a list as its JSON text).
 *
 * Errors follow Google's failure format (error.status, error.details[] of
 * type GoogleAdsFailure with errors[].errorCode, message, location,
 * trigger). A quota error (429 RESOURCE_EXHAUSTED) is tried again after its
 * quotaErrorDetails.retryDelay (at most max_retry_delay; the backoff when it
 * names none), up to max_retries times; 5xx and connection errors are tried
 * again with the backoff. Any other error (INVALID_ARGUMENT, a queryError)
 * ends the run with the API's message, its error code and the location in
 * the query: at open, before any record, it is a configuration error (exit
 * 2); an error object inside the stream, after chunks, stops the run (exit
 * 1) after the records read before it. The answer is read as it streams
 * (http_client_stream_request): its array is split into its elements as the
 * bytes come, each chunk parsed when its last byte came and handed on
 * before the next is read (the transfer pauses while a chunk waits), so
 * that at most a chunk or two are held, never the whole answer. */
#include "autoconfig.h"

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../pipeline/batch.h"
#include "../pipeline/connector.h"
#include "../pipeline/schema.h"
#include "../pipeline/worker.h"
#include "../src/base/clock.h"
#include "../src/base/secrets.h"
#include "gcp_auth.h"
#include "api_rows.h"
#include "cell_text.h"
#include "http_client.h"

#define GADS_ENDPOINT "https://googleads.googleapis.com"
/* The newest version the Google Ads API documentation names (see
 * nebtop.ini(5)). */
#define GADS_API_VERSION "v26"

struct gads_source {
	char *endpoint, *api_version, *customer_id, *login_customer_id, *developer_token;
	char *client_id, *client_secret, *refresh_token, *token_uri, *access_token;
	char *query;
	uint64_t max_retry_delay_ns;
	struct http_settings http;
	/* resolved at open */
	struct http_client client;
	struct gcp_auth auth;
	char *url, *devtok_header, *login_header;
	uint32_t batch, width;
	uint8_t *types;
	char **paths; /* the field mask's paths, in order */
	struct schema schema;
	char *body;	  /* the request's body */
	json_t *queue;	  /* the chunks parsed, not yet read */
	json_t *cur;	  /* the chunk being read */
	size_t chunk, at; /* its number (1-based) and its next row */
	/* the answer's array split into its elements as it arrives */
	struct buf elem;
	int depth, in_str, esc, started, closed, done, bad;
	char bad_msg[200];
	char pending[1024];   /* the stream's failure, told after the chunks before it */
	uint64_t chunk_bytes; /* the answer's bytes, not yet given to a batch */
	uint64_t records, quota, refreshed;
};

static const struct confkey gads_source_keys[] = {
	{ "customer_id", CONF_STRING, NULL, offsetof(struct gads_source, customer_id),
	  "Google Ads customer id (123-456-7890 or digits)", NULL, 0, 0, 0 },
	{ "login_customer_id", CONF_STRING, NULL, offsetof(struct gads_source, login_customer_id),
	  "manager account id sent as login-customer-id (when access is through a manager)", NULL, 0, 0, 0 },
	{ "developer_token", CONF_STRING, NULL, offsetof(struct gads_source, developer_token),
	  "Google Ads developer token; ${VAR} is replaced by the environment variable", NULL, 0, 0, 1 },
	{ "client_id", CONF_STRING, NULL, offsetof(struct gads_source, client_id), "OAuth client id", NULL, 0, 0, 0 },
	{ "client_secret", CONF_STRING, NULL, offsetof(struct gads_source, client_secret),
	  "OAuth client secret; ${VAR} is replaced by the environment variable", NULL, 0, 0, 1 },
	{ "refresh_token", CONF_STRING, NULL, offsetof(struct gads_source, refresh_token),
	  "OAuth refresh token; ${VAR} is replaced by the environment variable", NULL, 0, 0, 1 },
	{ "token_uri", CONF_STRING, GCP_AUTH_TOKEN_URI, offsetof(struct gads_source, token_uri),
	  "where the refresh token is exchanged for an access token", NULL, 0, 0, 0 },
	{ "access_token", CONF_STRING, NULL, offsetof(struct gads_source, access_token),
	  "OAuth access token instead of a refresh token; ${VAR} is replaced by the environment variable", NULL, 0, 0,
	  1 },
	{ "endpoint", CONF_STRING, GADS_ENDPOINT, offsetof(struct gads_source, endpoint),
	  "base URL of the Google Ads API", NULL, 0, 0, 0 },
	{ "api_version", CONF_STRING, GADS_API_VERSION, offsetof(struct gads_source, api_version),
	  "Google Ads API version (vNN)", NULL, 0, 0, 0 },
	{ "query", CONF_STRING, NULL, offsetof(struct gads_source, query), "GAQL query whose rows to read", NULL, 0, 0,
	  0 },
	{ "max_retry_delay", CONF_DURATION, "60s", offsetof(struct gads_source, max_retry_delay_ns),
	  "longest wait a quota error's retryDelay is followed for", NULL, 0, 86400, 0 },
	{ "timeout", CONF_DURATION, "300s", offsetof(struct gads_source, http.timeout_ns),
	  "longest time one request may take, connecting included", NULL, 0.001, 86400, 0 },
	{ "max_retries", CONF_UINT, "5", offsetof(struct gads_source, http.max_retries),
	  "times a request is tried again after a quota error, 5xx or a connection error", NULL, 0, 100, 0 },
	{ "retry_backoff", CONF_DURATION, "1s", offsetof(struct gads_source, http.backoff_ns),
	  "wait before the first retry; doubles each retry, with jitter", NULL, 0, 3600, 0 },
	{ "insecure", CONF_BOOL, "false", offsetof(struct gads_source, http.insecure),
	  "do not verify TLS certificates (warns)", NULL, 0, 0, 0 },
	{ NULL, 0, NULL, 0, NULL, NULL, 0, 0, 0 },
};

/* The first GoogleAdsError of a failure body and the status: code
 * ("queryError: PROHIBITED_FIELD_IN_SELECT_CLAUSE"), message, location
 * ("at 'query' (trigger 'x')"), retryDelay in ns (0: none). Secrets hidden. */
struct gads_error {
	char status[64], code[160], msg[600], where[300];
	uint64_t retry_ns;
};

static uint64_t gads_parse_duration(const char *s)
{
	if (!s)
		return 0;
	char *end;
	double v = strtod(s, &end);
	if (end == s || v < 0 || (*end && strcmp(end, "s")))
		return 0;
	return (uint64_t)(v * 1e9);
}

static void gads_error_of(json_t *err, struct gads_error *g)
{
	memset(g, 0, sizeof *g);
	const char *st = json_string_value(json_object_get(err, "status"));
	const char *m = json_string_value(json_object_get(err, "message"));
	char raw[700] = "";
	json_t *details = json_object_get(err, "details");
	json_t *first = NULL;
	for (size_t i = 0; !first && i < json_array_size(details); i++)
		first = json_array_get(json_object_get(json_array_get(details, i), "errors"), 0);
	if (first) {
		const char *fm = json_string_value(json_object_get(first, "message"));
		if (fm)
			m = fm;
		const char *k;
		json_t *v;
		json_object_foreach(json_object_get(first, "errorCode"), k, v)
		{
			snprintf(raw, sizeof raw, "%s: %s", k, json_is_string(v) ? json_string_value(v) : "?");
			break;
		}
		secrets_redact(g->code, sizeof g->code, raw, strlen(raw));
		struct buf w = { 0 };
		json_t *el = json_object_get(json_object_get(first, "location"), "fieldPathElements");
		for (size_t i = 0; i < json_array_size(el); i++) {
			json_t *x = json_array_get(el, i);
			const char *f = json_string_value(json_object_get(x, "fieldName"));
			buf_printf(&w, "%s%s", i ? "." : "", f ? f : "?");
			if (json_is_integer(json_object_get(x, "index")))
				buf_printf(&w, "[%lld]", (long long)json_integer_value(json_object_get(x, "index")));
		}
		json_t *trig = json_object_get(first, "trigger");
		const char *ts = json_string_value(json_object_get(trig, "stringValue"));
		char *tn = !ts && json_object_size(trig) ? json_dumps(trig, JSON_COMPACT) : NULL;
		if (ts || tn)
			buf_printf(&w, "%strigger %s%.200s%s", w.len ? ", " : "", ts ? "'" : "", ts ? ts : tn,
				   ts ? "'" : "");
		free(tn);
		if (w.len)
			secrets_redact(g->where, sizeof g->where, w.p, w.len);
		buf_free(&w);
		g->retry_ns = gads_parse_duration(json_string_value(json_object_get(
		    json_object_get(json_object_get(first, "details"), "quotaErrorDetails"), "retryDelay")));
	}
	if (st)
		secrets_redact(g->status, sizeof g->status, st, strlen(st));
	if (m)
		secrets_redact(g->msg, sizeof g->msg, m, strlen(m));
}

/* The error of a failure body, which may be an object or an array holding
 * one (searchStream answers with an array). */
static int gads_error_body(const char *body, size_t len, struct gads_error *g)
{
	json_t *o = json_loadb(body, len, 0, NULL);
	if (json_is_array(o)) {
		json_t *x = json_array_get(o, 0);
		json_incref(x);
		json_decref(o);
		o = x;
	}
	json_t *err = json_object_get(o, "error");
	int found = json_is_object(err);
	if (found)
		gads_error_of(err, g);
	else
		memset(g, 0, sizeof *g);
	json_decref(o);
	return found;
}

/* http_client's retry_if: 5xx, and a 429 without a retryDelay (the backoff);
 * a quota error with retryDelay is waited out by gads_search. */
static int gads_retry_if(long status, const char *body, size_t len)
{
	if (status >= 500)
		return 1;
	if (status != 429)
		return 0;
	struct gads_error g;
	gads_error_body(body, len, &g);
	return g.retry_ns == 0;
}

static void gads_word_error(const struct gads_error *g, long status, uint64_t retries, struct errbuf *e)
{
	char tries[64] = "";
	if (retries)
		snprintf(tries, sizeof tries, " (after %llu %s)", (unsigned long long)retries,
			 retries == 1 ? "retry" : "retries");
	errbuf_set(e, "googleAds:searchStream: HTTP %ld %s%s%s: %s%s%s%s", status, g->status, g->code[0] ? ", " : "",
		   g->code, g->msg[0] ? g->msg : "(no message)", g->where[0] ? " (at " : "", g->where,
		   g->where[0] ? ")" : "");
	if (tries[0] && strlen(e->msg) + strlen(tries) < sizeof e->msg)
		strcat(e->msg, tries);
}

/* Waits ns (stopped early by the stop flag): 0 when stopped. */
static int gads_wait(struct gads_source *s, uint64_t ns)
{
	uint64_t t0 = clock_now_ns();
	while (clock_now_ns() - t0 < ns) {
		if (s->client.stop && atomic_load_explicit(s->client.stop, memory_order_relaxed))
			return 0;
		uint64_t left = ns - (clock_now_ns() - t0);
		if (left > 50000000)
			left = 50000000;
		struct timespec ts = { (time_t)(left / 1000000000), (long)(left % 1000000000) };
		nanosleep(&ts, NULL);
	}
	connmetrics_count_wait(s->client.metrics, 0, clock_now_ns() - t0);
	connmetrics_add(&s->client.metrics->retries, 1);
	return 1;
}

/* The stream's sink: splits the answer's array into its elements, each
 * parsed and queued as soon as its last byte came. */
static int gads_sink(void *arg, const char *p, size_t n)
{
	struct gads_source *s = arg;
	s->chunk_bytes += n;
	for (size_t i = 0; i < n; i++) {
		char ch = p[i];
		int space = ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
		if (s->closed) {
			if (space)
				continue;
			snprintf(s->bad_msg, sizeof s->bad_msg, "text after the answer's closing ]");
			return s->bad = -1;
		}
		if (!s->started) {
			if (space)
				continue;
			if (ch != '[') {
				snprintf(s->bad_msg, sizeof s->bad_msg, "the answer is not a JSON array");
				return s->bad = -1;
			}
			s->started = 1;
			continue;
		}
		if (s->depth == 0) { /* between elements */
			if (space || ch == ',')
				continue;
			if (ch == ']') {
				s->closed = 1;
				continue;
			}
			if (ch != '{') {
				snprintf(s->bad_msg, sizeof s->bad_msg, "an element of the answer is not an object");
				return s->bad = -1;
			}
		}
		buf_append_byte(&s->elem, ch);
		if (s->in_str) {
			if (s->esc)
				s->esc = 0;
			else if (ch == '\\')
				s->esc = 1;
			else if (ch == '"')
				s->in_str = 0;
			continue;
		}
		if (ch == '"')
			s->in_str = 1;
		else if (ch == '{' || ch == '[')
			s->depth++;
		else if ((ch == '}' || ch == ']') && --s->depth == 0) {
			json_error_t je;
			json_t *o = json_loadb(s->elem.p, s->elem.len, 0, &je);
			s->elem.len = 0;
			if (!json_is_object(o)) {
				json_decref(o);
				snprintf(s->bad_msg, sizeof s->bad_msg, "a chunk of the answer is not JSON: %s",
					 je.text);
				return s->bad = -1;
			}
			json_array_append_new(s->queue, o);
		}
	}
	return 0;
}

static int gads_enough(void *arg)
{
	struct gads_source *s = arg;
	return json_array_size(s->queue) > 0;
}

/* Starts the searchStream request. */
static int gads_start(struct gads_source *s, struct errbuf *e)
{
	const char *auth = gcp_auth_header(&s->auth, &s->client, e);
	if (!auth)
		return -1;
	const char *extra[] = {
		auth, s->devtok_header, "Accept: application/json", "Content-Type: application/json", s->login_header,
		NULL
	};
	struct http_request hr = { "POST", s->url, s->body, strlen(s->body), extra, NULL };
	s->elem.len = 0;
	s->depth = s->in_str = s->esc = s->started = s->closed = s->done = s->bad = 0;
	return http_client_stream_request(&s->client, &hr, gads_sink, gads_enough, s, e);
}

/* The next chunk of the answer (the caller's): the stream is pumped until
 * one is parsed. NULL at the end of the answer (e->msg empty) or on a
 * failure (e); a failure before any byte of the answer is tried again
 * (quota errors after their retryDelay, a refused token once). */
static json_t *gads_next_chunk(struct gads_source *s, struct errbuf *e)
{
	e->msg[0] = 0;
	for (;;) {
		if (json_array_size(s->queue)) {
			json_t *c = json_array_get(s->queue, 0);
			json_incref(c);
			json_array_remove(s->queue, 0);
			return c;
		}
		if (s->done) {
			if (s->pending[0])
				errbuf_set(e, "%s", s->pending);
			s->pending[0] = 0;
			return NULL;
		}
		struct http_response rs;
		int rc = http_client_stream_pump(&s->client, &rs, e);
		if (rc == 1)
			continue;
		s->done = 1;
		if (rc == 0) {
			if (!s->closed)
				snprintf(s->pending, sizeof s->pending, "googleAds:searchStream: the answer ended %s",
					 s->started ? "before its closing ]" : "empty (not a JSON array)");
			continue;
		}
		if (rs.stopped)
			return NULL;
		if (s->bad || s->client.delivered) { /* told after the chunks parsed before it */
			if (s->bad)
				snprintf(s->pending, sizeof s->pending, "googleAds:searchStream: %s", s->bad_msg);
			else /* the client's words: part of the answer was read */
				snprintf(s->pending, sizeof s->pending, "%s", e->msg);
			e->msg[0] = 0;
			continue;
		}
		if (rs.status == 401 && !s->refreshed && gcp_auth_expire(&s->auth) == 0) {
			s->refreshed++;
			if (gads_start(s, e))
				return NULL;
			continue;
		}
		struct gads_error g;
		if (!rs.status || !gads_error_body(rs.body, rs.len, &g))
			return NULL; /* the client's words */
		if (rs.status == 429 && g.retry_ns && s->quota < s->http.max_retries) {
			uint64_t ns = g.retry_ns < s->max_retry_delay_ns ? g.retry_ns : s->max_retry_delay_ns;
			s->quota++;
			if (!gads_wait(s, ns) || gads_start(s, e))
				return NULL;
			continue;
		}
		gads_word_error(&g, rs.status, rs.retries + s->quota, e);
		return NULL;
	}
}

/* The SELECT list of a GAQL query: the paths, for an answer with no chunk. */
static int gads_select_paths(const char *q, struct buf *out)
{
	const char *p = q;
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	if (strncasecmp(p, "SELECT", 6))
		return -1;
	p += 6;
	const char *end = NULL;
	for (const char *x = p; *x; x++)
		if (!strncasecmp(x, " FROM", 5) || !strncasecmp(x, "\nFROM", 5) || !strncasecmp(x, "\tFROM", 5)) {
			end = x;
			break;
		}
	if (!end)
		return -1;
	for (; p < end; p++)
		if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
			buf_append_byte(out, *p);
	buf_append_byte(out, 0);
	return 0;
}

/* The value at a dotted path of row r; NULL when missing. */
static json_t *gads_at_path(json_t *r, const char *path)
{
	char part[256];
	for (const char *p = path; r;) {
		size_t n = strcspn(p, ".");
		if (n >= sizeof part)
			return NULL;
		memcpy(part, p, n);
		part[n] = 0;
		r = json_object_get(r, part);
		if (!p[n])
			return r;
		p += n + 1;
	}
	return NULL;
}

static uint8_t gads_type_of(json_t *v)
{
	if (json_is_integer(v))
		return FTYPE_INT;
	if (json_is_real(v))
		return FTYPE_FLOAT;
	if (json_is_boolean(v))
		return FTYPE_BOOL;
	if (json_is_string(v) && cell_text_is_int(json_string_value(v), json_string_length(v)))
		return FTYPE_INT;
	return FTYPE_STRING;
}

/* The schema from the field mask of the first chunk (or the SELECT list). */
static int gads_take_schema(struct gads_source *s, json_t *c0, struct schema *out, struct errbuf *e)
{
	const char *mask = json_string_value(json_object_get(c0, "fieldMask"));
	struct buf sel = { 0 };
	if (!mask || !*mask) {
		if (gads_select_paths(s->query, &sel))
			return errbuf_set(e,
					  "googleAds:searchStream: no fieldMask in the answer, and no SELECT list in "
					  "the query");
		mask = sel.p;
	}
	uint32_t width = 1;
	for (const char *p = mask; *p; p++)
		width += *p == ',';
	s->width = width;
	s->paths = calloc(width, sizeof *s->paths);
	s->types = calloc(width, 1);
	if (!s->paths || !s->types) {
		buf_free(&sel);
		return errbuf_set(e, "out of memory");
	}
	schema_init(out, width);
	const char *p = mask;
	for (uint32_t i = 0; i < width; i++) {
		size_t n = strcspn(p, ",");
		s->paths[i] = strndup(p, n);
		if (!s->paths[i]) {
			buf_free(&sel);
			return errbuf_set(e, "out of memory");
		}
		p += n + (p[n] == ',');
		schema_set_name(out, i, s->paths[i][0] ? s->paths[i] : "field");
		json_t *rows = json_object_get(c0, "results");
		json_t *v = NULL;
		for (size_t r = 0; !v && r < json_array_size(rows); r++) {
			v = gads_at_path(json_array_get(rows, r), s->paths[i]);
			if (json_is_null(v))
				v = NULL;
		}
		s->types[i] = v ? gads_type_of(v) : FTYPE_STRING;
		out->types[i] = s->types[i];
	}
	buf_free(&sel);
	schema_dedup_names(out);
	return 0;
}

static int gads_source_open(void *opts, const struct connector_env *env, struct schema *out, struct errbuf *e)
{
	struct gads_source *s = opts;
	char where[512];
	s->batch = env->batch;
	confmap_where_key(where, sizeof where, env->section, "query");
	if (!s->query || !*s->query)
		return errbuf_set(e, "%s: missing (the GAQL query whose rows to read)", where);
	confmap_where_key(where, sizeof where, env->section, "customer_id");
	if (!s->customer_id || !*s->customer_id)
		return errbuf_set(e, "%s: missing (the Google Ads customer id, 123-456-7890)", where);
	char cid[32], lcid[32] = "";
	size_t n = 0;
	for (const char *p = s->customer_id; *p; p++) {
		if (*p == '-')
			continue;
		if (*p < '0' || *p > '9' || n + 1 >= sizeof cid)
			return errbuf_set(e, "%s: '%s' is not a customer id (digits, dashes allowed)", where,
					  s->customer_id);
		cid[n++] = *p;
	}
	cid[n] = 0;
	if (!n)
		return errbuf_set(e, "%s: empty", where);
	if (s->login_customer_id && *s->login_customer_id) {
		confmap_where_key(where, sizeof where, env->section, "login_customer_id");
		n = 0;
		for (const char *p = s->login_customer_id; *p; p++) {
			if (*p == '-')
				continue;
			if (*p < '0' || *p > '9' || n + 1 >= sizeof lcid)
				return errbuf_set(e, "%s: '%s' is not a customer id (digits, dashes allowed)", where,
						  s->login_customer_id);
			lcid[n++] = *p;
		}
		lcid[n] = 0;
	}
	confmap_where_key(where, sizeof where, env->section, "api_version");
	if (s->api_version[0] != 'v' || !s->api_version[1] ||
	    strspn(s->api_version + 1, "0123456789") != strlen(s->api_version + 1))
		return errbuf_set(e, "%s: '%s' is not a version like %s", where, s->api_version, GADS_API_VERSION);
	confmap_where_key(where, sizeof where, env->section, "endpoint");
	if (strncmp(s->endpoint, "http://", 7) && strncmp(s->endpoint, "https://", 8))
		return errbuf_set(e, "%s: not an http:// or https:// URL", where);
	confmap_where_key(where, sizeof where, env->section, "developer_token");
	if (!s->developer_token || !*s->developer_token)
		return errbuf_set(e, "%s: missing (the Google Ads developer token)", where);
	char *dev = http_client_secret_value(s->developer_token, env, "developer_token", e);
	if (!dev)
		return -1;
	size_t hl = strlen(dev) + 32;
	s->devtok_header = malloc(hl);
	if (s->devtok_header)
		snprintf(s->devtok_header, hl, "developer-token: %s", dev);
	http_client_free_secret(dev);
	if (lcid[0] && (s->login_header = malloc(64)))
		snprintf(s->login_header, 64, "login-customer-id: %s", lcid);
	size_t elen = strlen(s->endpoint);
	while (elen && s->endpoint[elen - 1] == '/')
		elen--;
	struct buf url = { 0 };
	buf_printf(&url, "%.*s/%s/customers/%s/googleAds:searchStream", (int)elen, s->endpoint, s->api_version, cid);
	s->url = url.p;
	if (!s->devtok_header || (lcid[0] && !s->login_header) || !s->url)
		return errbuf_set(e, "out of memory");
	if (http_client_open(&s->client, &s->http, env, NULL, e))
		return -1;
	s->client.retry_if = gads_retry_if;
	/* the credentials: access_token, or the refresh token */
	int has_token = s->access_token && *s->access_token;
	int has_refresh = s->refresh_token && *s->refresh_token;
	if (has_token && has_refresh) {
		confmap_where_key(where, sizeof where, env->section, "access_token");
		return errbuf_set(e, "%s: give access_token or refresh_token, not both", where);
	}
	if (has_token) {
		confmap_where_key(where, sizeof where, env->section, "access_token");
		char *tok = http_client_secret_value(s->access_token, env, "access_token", e);
		if (!tok)
			return -1;
		int rc = gcp_auth_open_token(&s->auth, tok, e);
		http_client_free_secret(tok);
		if (rc) {
			errbuf_prefix(e, "%s", where);
			return -1;
		}
	} else {
		confmap_where_key(where, sizeof where, env->section, "refresh_token");
		if (!has_refresh)
			return errbuf_set(e,
					  "%s: missing (an OAuth refresh token with client_id and client_secret; "
					  "or access_token)",
					  where);
		const char *missing = !s->client_id || !*s->client_id		? "client_id"
				      : !s->client_secret || !*s->client_secret ? "client_secret"
										: NULL;
		if (missing) {
			confmap_where_key(where, sizeof where, env->section, missing);
			return errbuf_set(e, "%s: missing (refresh_token needs client_id and client_secret)", where);
		}
		char *sec = http_client_secret_value(s->client_secret, env, "client_secret", e);
		char *ref = sec ? http_client_secret_value(s->refresh_token, env, "refresh_token", e) : NULL;
		int rc = ref ? gcp_auth_open_refresh(&s->auth, s->token_uri, s->client_id, sec, ref, e) : -1;
		http_client_free_secret(sec);
		http_client_free_secret(ref);
		if (rc) {
			errbuf_prefix(e, "%s", where);
			return -1;
		}
		if (http_client_probe(&s->client, s->token_uri, e)) {
			confmap_where_key(where, sizeof where, env->section, "token_uri");
			errbuf_prefix(e, "%s", where);
			return -1;
		}
	}
	confmap_where_key(where, sizeof where, env->section, "endpoint");
	if (http_client_probe(&s->client, s->url, e)) {
		errbuf_prefix(e, "%s", where);
		return -1;
	}
	json_t *rq = json_pack("{s:s}", "query", s->query);
	s->body = rq ? json_dumps(rq, JSON_COMPACT) : NULL;
	json_decref(rq);
	s->queue = json_array();
	if (!s->body || !s->queue)
		return errbuf_set(e, "out of memory");
	confmap_where_key(where, sizeof where, env->section, "query");
	if (gads_start(s, e)) {
		errbuf_prefix(e, "%s", where);
		return -1;
	}
	json_t *c0 = gads_next_chunk(s, e);
	if (!c0 && e->msg[0]) {
		errbuf_prefix(e, "%s", where);
		return -1;
	}
	s->cur = c0;
	s->chunk = 1;
	if (json_is_object(json_object_get(c0, "error"))) {
		struct gads_error g;
		gads_error_of(json_object_get(c0, "error"), &g);
		gads_word_error(&g, 200, 0, e);
		confmap_where_key(where, sizeof where, env->section, "query");
		errbuf_prefix(e, "%s", where);
		return -1;
	}
	if (gads_take_schema(s, c0, out, e))
		return -1;
	schema_copy(&s->schema, out);
	return 0;
}

/* Reader thread: up to `batch` rows of the current chunk (the next one
 * read from the stream first when it is read). */
static int gads_source_read(void *opts, struct batch *b, const _Atomic int *stop, struct errbuf *e)
{
	struct gads_source *s = opts;
	s->client.stop = stop;
	b->raw.len = 0;
	json_t *rows = json_object_get(s->cur, "results");
	while (s->at >= json_array_size(rows)) {
		if (atomic_load_explicit(stop, memory_order_relaxed))
			return 0;
		if (!s->cur)
			return 0;
		/* the chunk is read: drop it, on to the next */
		json_decref(s->cur);
		s->cur = gads_next_chunk(s, e);
		s->at = 0;
		if (!s->cur) {
			if (!e->msg[0] || atomic_load_explicit(stop, memory_order_relaxed))
				return 0;
			errbuf_prefix(e, "after chunk %zu of the stream, %llu records", s->chunk,
				      (unsigned long long)s->records);
			return -1;
		}
		s->chunk++;
		rows = json_object_get(s->cur, "results");
		json_t *err = json_object_get(s->cur, "error");
		if (json_is_object(err)) {
			struct gads_error g;
			gads_error_of(err, &g);
			gads_word_error(&g, 200, 0, e);
			errbuf_prefix(e, "chunk %zu of the stream, after %llu records", s->chunk,
				      (unsigned long long)s->records);
			return -1;
		}
	}
	long n = api_rows_take(&b->raw, rows, &s->at, s->batch);
	if (n < 0)
		return errbuf_set(e, "out of memory");
	b->first_record = s->records + 1;
	b->bytes_in = s->chunk_bytes;
	s->chunk_bytes = 0;
	s->records += (uint64_t)n;
	return 1;
}

/* Record r from row o (a JSON value, NULL when the row is not JSON),
 * flattened by the field mask's paths. */
static void gads_decode_row(void *opts, struct batch *b, struct worker *w, uint32_t r, json_t *o)
{
	const struct gads_source *s = opts;
	if (!json_is_object(o)) {
		worker_fail_record(w, b, r, "the row is not a JSON object");
		return;
	}
	for (uint32_t i = 0; i < s->width; i++) {
		json_t *v = gads_at_path(o, s->paths[i]);
		if (!v || json_is_null(v))
			continue;
		if (json_is_string(v)) {
			const char *p = json_string_value(v);
			if (s->types[i] == FTYPE_INT && !cell_text_is_int(p, json_string_length(v))) {
				worker_fail_record(w, b, r,
						   "field '%s': '%.64s' is not an int64 as in the first chunk",
						   s->schema.names[i], p);
				break;
			}
			if (s->types[i] == FTYPE_FLOAT || s->types[i] == FTYPE_BOOL) {
				worker_fail_record(
				    w, b, r, "field '%s': a string where the first chunk had a %s",
				    s->schema.names[i], s->types[i] == FTYPE_FLOAT ? "double" : "bool");
				break;
			}
			batch_set_field(b, r, i, p, json_string_length(v));
			continue;
		}
		if ((s->types[i] == FTYPE_INT && !json_is_integer(v)) ||
		    (s->types[i] == FTYPE_FLOAT && !json_is_number(v)) ||
		    (s->types[i] == FTYPE_BOOL && !json_is_boolean(v))) {
			worker_fail_record(w, b, r,
					   "field '%s': a value of another type than in the first chunk",
					   s->schema.names[i]);
			break;
		}
		if (json_is_real(v)) { /* the shortest text that reads back the same */
			char num[40];
			double d = json_real_value(v);
			for (int prec = 15; prec <= 17; prec++) {
				snprintf(num, sizeof num, "%.*g", prec, d);
				if (strtod(num, NULL) == d)
					break;
			}
			if (!strpbrk(num, ".eEn"))
				strcat(num, ".0");
			batch_set_field(b, r, i, num, strlen(num));
			continue;
		}
		char *text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		if (!text)
			abort();
		batch_set_field(b, r, i, text, strlen(text));
		free(text);
	}
}

/* Decoder threads: each row flattened by the field mask's paths. */
static void gads_source_decode(void *opts, struct batch *b, struct worker *w)
{
	api_rows_each(b, w, 0, gads_decode_row, opts);
}

static void gads_source_close(void *opts)
{
	struct gads_source *s = opts;
	http_client_close(&s->client);
	gcp_auth_close(&s->auth);
	json_decref(s->cur);
	json_decref(s->queue);
	s->cur = s->queue = NULL;
	buf_free(&s->elem);
	free(s->body);
	s->body = NULL;
	for (uint32_t i = 0; s->paths && i < s->width; i++)
		free(s->paths[i]);
	free(s->paths);
	free(s->types);
	http_client_free_secret(s->devtok_header);
	free(s->login_header);
	free(s->url);
	schema_free(&s->schema);
	s->paths = NULL;
	s->types = NULL;
	s->devtok_header = s->login_header = s->url = NULL;
}

static void gads_source_describe(void *opts, char *dst, size_t n)
{
	struct gads_source *s = opts;
	snprintf(dst, n, "GAQL query of customer %s", s->customer_id ? s->customer_id : "?");
}

const struct source_ops source_google_ads = {
	.type = "google_ads",
	.summary = "rows of a Google Ads GAQL query (googleAds:searchStream), flattened by field-mask path",
	.waits_on = "Google Ads API",
	.keys = gads_source_keys,
	.opts_size = sizeof(struct gads_source),
	.open = gads_source_open,
	.read = gads_source_read,
	.decode = gads_source_decode,
	.locate = http_client_locate_raw,
	.close = gads_source_close,
	.describe = gads_source_describe,
};
