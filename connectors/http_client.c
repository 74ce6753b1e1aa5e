/* http_client.c: requests with retries over one reused libcurl handle (see
 * http_client.h). */
#include "autoconfig.h"

#include <fcntl.h>
#include <unistd.h>

#include "http_client.h"

#include <ctype.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/base/clock.h"
#include "../pipeline/batch.h"
#include "../src/base/envexpand.h"
#include "../src/base/secrets.h"

/* How much of a response body a message shows. */
#define HTTP_EXCERPT 200

/* ---- messages ------------------------------------------------------------ */

void http_client_redact_url(const char *url, char *dst, size_t n) { secrets_redact_url(url, dst, n); }

/* The start of body for a message (dst has room for n >= 4 bytes): HTML
 * tags left out (an error page's text is what tells), control bytes and
 * runs of spaces as one space; when it does not all fit, cut after a whole
 * word (or on a UTF-8 character boundary) and ended with "...". */
static void http_client_excerpt(const char *body, size_t len, char *dst, size_t n)
{
	size_t o = 0, i = 0;
	int in_tag = 0, cut = 0;
	for (; i < len; i++) {
		unsigned char ch = (unsigned char)body[i];
		if (ch == '<' && i + 1 < len && (body[i + 1] == '/' || body[i + 1] == '!' ||
						  ((body[i + 1] | 0x20) >= 'a' && (body[i + 1] | 0x20) <= 'z')))
			in_tag = 1;
		if (in_tag) {
			in_tag = ch != '>';
			ch = ' ';
		}
		if (ch < 0x20 || ch == 0x7f)
			ch = ' ';
		if (ch == ' ' && (o == 0 || dst[o - 1] == ' '))
			continue;
		if (o + 1 >= n - 3) {
			cut = 1;
			break;
		}
		dst[o++] = (char)ch;
	}
	if (cut) {
		size_t m = o;
		while (m > 0 && dst[m - 1] != ' ')
			m--;
		if (m == 0) { /* one long word: drop a last character cut short */
			size_t k = o - 1;
			while (k > 0 && ((unsigned char)dst[k] & 0xC0) == 0x80)
				k--;
			unsigned char lead = (unsigned char)dst[k];
			size_t need = lead < 0x80 ? 1 : (lead & 0xE0) == 0xC0 ? 2 : (lead & 0xF0) == 0xE0 ? 3 : 4;
			m = o - k < need ? k : o;
		}
		o = m;
	}
	while (o > 0 && dst[o - 1] == ' ')
		o--;
	if (cut)
		o += (size_t)snprintf(dst + o, n - o, "...");
	dst[o] = 0;
}

/* ---- set-up ---------------------------------------------------------------- */

static int http_client_valid_name(const char *name)
{
	if (!*name)
		return 0;
	for (const char *p = name; *p; p++)
		if (*p <= ' ' || *p >= 0x7f || *p == ':')
			return 0;
	return 1;
}

static int http_client_add_headers(struct http_client *c, const struct http_settings *s,
				   const struct connector_env *env, struct errbuf *e)
{
	struct curl_slist *list = NULL;
	for (size_t i = 0; i < s->headers.n; i++) {
		const struct confpair *h = &s->headers.v[i];
		const char *name = h->key + strlen("header.");
		char where[512], var[128];
		confmap_where_key(where, sizeof where, env->section, h->key);
		if (!http_client_valid_name(name)) {
			curl_slist_free_all(list);
			return errbuf_set(e, "%s: '%s' is not a valid header name", where, name);
		}
		char *value;
		if (envexpand_value(h->value, &value, var, sizeof var)) {
			curl_slist_free_all(list);
			char msg[700];
			envexpand_explain(msg, sizeof msg, where, var);
			return errbuf_set(e, "%s", msg);
		}
		secrets_register(value); /* the expansion: hidden from messages too */
		size_t n = strlen(name) + strlen(value) + 3;
		char *line = malloc(n);
		if (!line) {
			free(value);
			curl_slist_free_all(list);
			return errbuf_set(e, "out of memory");
		}
		/* "Name;" sends a header with an empty value in libcurl */
		snprintf(line, n, value[0] ? "%s: %s" : "%s;", name, value);
		struct curl_slist *l = curl_slist_append(list, line);
		memset(line, 0, n); /* a token: no copy left behind */
		memset(value, 0, strlen(value));
		free(line);
		free(value);
		if (!l) {
			curl_slist_free_all(list);
			return errbuf_set(e, "out of memory");
		}
		list = l;
	}
	c->headers = list;
	return 0;
}

/* TLS and time limits, the same for the main handle and a probe. */
static void http_client_set_common(const struct http_client *c, CURL *h, int insecure)
{
	long ms = (long)(c->timeout_ns / 1000000);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, ms > 0 ? ms : 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, ms > 0 ? ms : 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, insecure ? 0L : 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, insecure ? 0L : 2L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
}

static size_t http_client_on_body(char *p, size_t size, size_t n, void *arg)
{
	struct http_client *c = arg;
	buf_append(&c->body, p, size * n);
	return size * n;
}

static size_t http_client_on_header(char *p, size_t size, size_t n, void *arg)
{
	struct http_client *c = arg;
	size_t len = size * n;
	static const char name[] = "retry-after:";
	if (len > sizeof name - 1 && !strncasecmp(p, name, sizeof name - 1)) {
		const char *v = p + sizeof name - 1, *end = p + len;
		while (v < end && (*v == ' ' || *v == '\t'))
			v++;
		long s = 0;
		int digits = 0;
		while (v < end && isdigit((unsigned char)*v) && s < 1000000) {
			s = s * 10 + (*v++ - '0');
			digits++;
		}
		/* an HTTP date is not followed: the backoff applies */
		if (digits)
			c->retry_after_s = s;
	}
	return len;
}

/* Counts the requests sent, one per request header block libcurl logs:
 * libcurl sends a request again by itself, on a new connection, when a
 * kept-alive connection it reused turns out closed by the server before any
 * answer came. That is a retry the server may have seen (it may have
 * handled the first request before closing), so it is counted as one:
 * libcurl has no switch to leave the re-send to us, and
 * CURLINFO_NUM_CONNECTS cannot tell a re-send from a connection found dead
 * before the request went out. */
static int http_client_on_debug(CURL *h, curl_infotype type, char *p, size_t n, void *arg)
{
	(void)h;
	(void)p;
	(void)n;
	struct http_client *c = arg;
	if (type == CURLINFO_HEADER_OUT)
		c->headers_out++;
	return 0;
}

/* Stops a transfer when the stop flag comes up, and a streamed one whose
 * data stalled for timeout (not counting the time it is paused). */
static int http_client_on_progress(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	(void)dt;
	(void)ut;
	(void)un;
	struct http_client *c = arg;
	if (c->stop && atomic_load_explicit(c->stop, memory_order_relaxed))
		return 1;
	if (c->streaming && !c->paused) {
		uint64_t now = clock_now_ns();
		if ((uint64_t)dn != c->last_dl) {
			c->last_dl = (uint64_t)dn;
			c->progress_ns = now;
		} else if (now - c->progress_ns > c->timeout_ns) {
			c->stalled = now - c->progress_ns;
			return 1;
		}
	}
	return 0;
}

int http_client_open(struct http_client *c, const struct http_settings *s, const struct connector_env *env,
		     const _Atomic int *stop, struct errbuf *e)
{
	memset(c, 0, sizeof *c);
	c->timeout_ns = s->timeout_ns;
	c->max_retries = s->max_retries;
	c->backoff_ns = s->backoff_ns;
	c->metrics = env->metrics;
	c->stop = stop;
	c->rng = clock_now_ns() ^ (uint64_t)(uintptr_t)c;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return errbuf_set(e, "cannot initialise libcurl");
	c->global_init = 1;
	if (http_client_add_headers(c, s, env, e))
		return -1;
	CURL *h = curl_easy_init();
	if (!h)
		return errbuf_set(e, "cannot initialise libcurl");
	c->curl = h;
	http_client_set_common(c, h, s->insecure);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, http_client_on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, c);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, http_client_on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, c);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, http_client_on_progress);
	curl_easy_setopt(h, CURLOPT_XFERINFODATA, c);
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(h, CURLOPT_USERAGENT, "nebtop/" PACKAGE_VERSION);
	curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
	/* verbose only feeds the debug callback, which writes nothing */
	curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, http_client_on_debug);
	curl_easy_setopt(h, CURLOPT_DEBUGDATA, c);
	curl_easy_setopt(h, CURLOPT_VERBOSE, 1L);
	if (s->insecure) {
		char where[512];
		confmap_where_key(where, sizeof where, env->section, "insecure");
		fprintf(stderr, "nebtop: warning: %s: TLS certificates are not verified\n", where);
	}
	return 0;
}

void http_client_close(struct http_client *c)
{
	http_client_stream_close(c);
	if (c->multi)
		curl_multi_cleanup(c->multi);
	if (c->curl)
		curl_easy_cleanup(c->curl);
	curl_slist_free_all(c->headers);
	buf_free(&c->body);
	if (c->global_init)
		curl_global_cleanup();
	memset(c, 0, sizeof *c);
}

/* ---- requests -------------------------------------------------------------- */

/* Errors worth another try: the network or the server may recover. */
static int http_client_transient(CURLcode rc)
{
	switch (rc) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return 1;
	default:
		return 0;
	}
}

/* The wait before retry number `retry` (1-based): Retry-After when the
 * response had one, else the backoff doubled retry - 1 times, capped, with
 * "equal jitter" (between half and all of it). */
static uint64_t http_client_delay(struct http_client *c, uint64_t retry)
{
	if (c->retry_after_s >= 0) {
		long s = c->retry_after_s < HTTP_RETRY_AFTER_MAX_S ? c->retry_after_s : HTTP_RETRY_AFTER_MAX_S;
		return (uint64_t)s * 1000000000ull;
	}
	uint64_t cap = (uint64_t)HTTP_BACKOFF_CAP_S * 1000000000ull, d = c->backoff_ns;
	for (uint64_t i = 1; i < retry && d < cap; i++)
		d *= 2;
	if (d > cap)
		d = cap;
	c->rng ^= c->rng << 13;
	c->rng ^= c->rng >> 7;
	c->rng ^= c->rng << 17;
	return d / 2 + (d / 2 ? c->rng % (d / 2 + 1) : 0);
}

/* Sleeps ns unless the stop flag comes up; 0 when stopped. */
static int http_client_wait(const struct http_client *c, uint64_t ns)
{
	uint64_t end = clock_now_ns() + ns;
	for (;;) {
		if (c->stop && atomic_load_explicit(c->stop, memory_order_relaxed))
			return 0;
		uint64_t now = clock_now_ns();
		if (now >= end)
			return 1;
		clock_sleep_ns(end - now > 50000000 ? 50000000 : end - now);
	}
}

/* The headers of one request: the configured ones, then rq's. */
static struct curl_slist *http_client_request_headers(const struct http_client *c, const struct http_request *rq)
{
	struct curl_slist *list = NULL;
	for (const struct curl_slist *h = c->headers; h; h = h->next)
		list = curl_slist_append(list, h->data);
	for (size_t i = 0; rq->extra && rq->extra[i]; i++)
		list = curl_slist_append(list, rq->extra[i]);
	if (!strcmp(rq->method, "POST"))
		list = curl_slist_append(list, "Expect:"); /* no 100-continue round trip */
	return list;
}

/* One try, done, counted in the metrics: its bytes and time (t0 to t0 +
 * busy) always, as a batch (a request) only when it is the first try, so
 * that retries do not look like more batches; libcurl's own re-sends as
 * retries. */
static void http_client_count(struct http_client *c, uint64_t t0, uint64_t busy, int first)
{
	CURL *h = c->curl;
	long connects = 0, hdr = 0, req = 0, redirects = 0;
	curl_off_t up = 0, down = 0, conn_us = 0, app_us = 0;
	curl_easy_getinfo(h, CURLINFO_NUM_CONNECTS, &connects);
	curl_easy_getinfo(h, CURLINFO_HEADER_SIZE, &hdr);
	curl_easy_getinfo(h, CURLINFO_REQUEST_SIZE, &req);
	curl_easy_getinfo(h, CURLINFO_SIZE_UPLOAD_T, &up);
	curl_easy_getinfo(h, CURLINFO_SIZE_DOWNLOAD_T, &down);
	curl_easy_getinfo(h, CURLINFO_REDIRECT_COUNT, &redirects);
	if (connects > 0) {
		curl_easy_getinfo(h, CURLINFO_CONNECT_TIME_T, &conn_us);
		curl_easy_getinfo(h, CURLINFO_APPCONNECT_TIME_T, &app_us);
		uint64_t us = (uint64_t)(app_us > conn_us ? app_us : conn_us);
		connmetrics_count_connect(c->metrics, t0, t0 + us * 1000);
	}
	/* requests sent beyond one per redirect followed: libcurl's re-sends */
	if (c->headers_out > 1 + redirects)
		connmetrics_add(&c->metrics->retries, (uint64_t)(c->headers_out - 1 - redirects));
	c->headers_out = 0;
	if (first)
		connmetrics_count_request(c->metrics, (uint64_t)(hdr + req + up + down), t0, t0 + busy);
	else
		connmetrics_count_wait(c->metrics, (uint64_t)(hdr + req + up + down), busy);
}

/* One try with curl_easy_perform: rc and status say how it went. */
static CURLcode http_client_perform(struct http_client *c, long *status, char *cerr, int first)
{
	CURL *h = c->curl;
	c->body.len = 0;
	c->retry_after_s = -1;
	c->headers_out = 0;
	cerr[0] = 0;
	uint64_t t0 = clock_now_ns();
	CURLcode rc = curl_easy_perform(h);
	uint64_t t1 = clock_now_ns();
	*status = 0;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
	http_client_count(c, t0, t1 - t0, first);
	return rc;
}

/* Whether a try that ended with rc and status is worth another. */
static int http_client_again(const struct http_client *c, CURLcode rc, long status)
{
	if (rc != CURLE_OK)
		return http_client_transient(rc);
	if (status >= 200 && status < 300)
		return 0;
	if (c->retry_if)
		return c->retry_if(status, c->body.p ? c->body.p : "", c->body.len);
	return status == 429 || status >= 500;
}

/* Waits before retry number `retry`, counted as waiting on the server; 0
 * when the stop flag came up. */
int http_client_backoff(struct http_client *c, uint64_t retry)
{
	uint64_t w0 = clock_now_ns();
	int waited = http_client_wait(c, http_client_delay(c, retry));
	connmetrics_count_wait(c->metrics, 0, clock_now_ns() - w0);
	if (waited)
		connmetrics_add(&c->metrics->retries, 1);
	return waited;
}

/* The failure of a request for good, in e: counted, and worded with the
 * method, the URL (redacted), the tries, and the connection error or the
 * status with an excerpt of the body. */
static int http_client_failure(struct http_client *c, const char *method, const char *u, CURLcode rc,
			       const struct http_response *rs, uint64_t retry, const char *cerr, struct errbuf *e)
{
	connmetrics_add(&c->metrics->errors, 1);
	char url[512], tries[64] = "";
	http_client_redact_url(u, url, sizeof url);
	if (retry)
		snprintf(tries, sizeof tries, " (after %llu %s)", (unsigned long long)retry,
			 retry == 1 ? "retry" : "retries");
	if (rs->stopped)
		return errbuf_set(e, "%s %s: stopped", method, url);
	if (rc != CURLE_OK)
		return errbuf_set(e, "%s %s: %s%s", method, url, cerr[0] ? cerr : curl_easy_strerror(rc), tries);
	/* a server may echo the request's headers: hide them before quoting */
	char ex[HTTP_EXCERPT + 1];
	size_t rlen = 0;
	char *redacted = secrets_redact_dup(rs->body, rs->len, &rlen);
	http_client_excerpt(redacted ? redacted : "", rlen, ex, sizeof ex);
	free(redacted);
	return errbuf_set(e, "%s %s: HTTP %ld%s%s%s", method, url, rs->status, tries, ex[0] ? ": " : "", ex);
}

/* Time limit of a request sent whole: the whole request within timeout. A
 * streamed one may take long, read as fast as the pipeline takes it: the
 * progress callback fails it when no data came for timeout (connecting and
 * waiting for the response included), not counting the time it is paused. */
static void http_client_set_limits(const struct http_client *c, int streamed)
{
	long ms = (long)(c->timeout_ns / 1000000);
	curl_easy_setopt(c->curl, CURLOPT_TIMEOUT_MS, streamed ? 0L : ms > 0 ? ms : 1L);
}

int http_client_send(struct http_client *c, const struct http_request *rq, struct http_response *rs,
		     struct errbuf *e)
{
	CURL *h = c->curl;
	char cerr[CURL_ERROR_SIZE];
	struct curl_slist *headers = http_client_request_headers(c, rq);
	curl_easy_setopt(h, CURLOPT_URL, rq->url);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, cerr);
	if (!strcmp(rq->method, "POST")) {
		curl_easy_setopt(h, CURLOPT_POST, 1L);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, rq->body);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)rq->len);
		curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	} else {
		curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
		curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
		curl_easy_setopt(h, CURLOPT_MAXREDIRS, 5L);
	}
	http_client_set_limits(c, 0);
	memset(rs, 0, sizeof *rs);
	CURLcode rc = CURLE_OK;
	uint64_t retry = 0;
	for (;;) {
		rc = http_client_perform(c, &rs->status, cerr, retry == 0);
		int ok = rc == CURLE_OK && rs->status >= 200 && rs->status < 300;
		if (ok || !http_client_again(c, rc, rs->status) || retry >= c->max_retries)
			break;
		retry++;
		if (!http_client_backoff(c, retry)) {
			rs->stopped = 1;
			break;
		}
		if (rq->retry_url)
			curl_easy_setopt(h, CURLOPT_URL, rq->retry_url);
	}
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, NULL);
	curl_slist_free_all(headers);
	rs->body = c->body.p ? c->body.p : "";
	rs->len = c->body.len;
	rs->retries = retry;
	if (rc == CURLE_ABORTED_BY_CALLBACK)
		rs->stopped = 1;
	if (rc == CURLE_OK && rs->status >= 200 && rs->status < 300)
		return 0;
	return http_client_failure(c, rq->method, rq->url, rc, rs, retry, cerr, e);
}

/* ---- streamed GETs ---------------------------------------------------------- */

/* How much of an error response's body is kept for its message. */
#define HTTP_ERROR_BODY_MAX (64u << 10)

static size_t http_client_on_stream(char *p, size_t size, size_t n, void *arg)
{
	struct http_client *c = arg;
	size_t len = size * n;
	long status = 0;
	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
	if (status < 200 || status >= 300) { /* an error page: for the message */
		if (c->body.len < HTTP_ERROR_BODY_MAX)
			buf_append(&c->body, p, len < HTTP_ERROR_BODY_MAX ? len : HTTP_ERROR_BODY_MAX);
		return len;
	}
	/* Backpressure: with enough taken (a batch, the pipeline's channel
	 * then full or not), the transfer pauses, keeping these bytes for the
	 * next pump, rather than blocking here: the reader thread is the one
	 * that hands on the batches, and a paused transfer is not timed out. */
	if (c->enough(c->sink_arg)) {
		c->paused = 1;
		return CURL_WRITEFUNC_PAUSE;
	}
	c->delivered += len;
	/* the sink's time is parsing, not waiting on the server */
	uint64_t t0 = clock_now_ns();
	int refused = c->sink(c->sink_arg, p, len);
	c->sink_ns += clock_now_ns() - t0;
	if (refused) {
		c->sink_failed = 1;
		return 0; /* ends the transfer: CURLE_WRITE_ERROR */
	}
	return len;
}

/* Starts (or starts again) a try of the streamed GET. */
static int http_client_stream_try(struct http_client *c)
{
	c->body.len = 0;
	c->retry_after_s = -1;
	c->headers_out = 0;
	c->cerr[0] = 0;
	c->paused = c->sink_failed = 0;
	c->t0 = c->progress_ns = clock_now_ns();
	c->busy_ns = c->sink_ns = 0;
	c->last_dl = 0;
	c->stalled = 0;
	return curl_multi_add_handle(c->multi, c->curl) == CURLM_OK ? 0 : -1;
}

int http_client_stream_open(struct http_client *c, const char *url, http_sink_fn fn, http_enough_fn enough,
			    void *arg, struct errbuf *e)
{
	struct http_request rq = { "GET", url, NULL, 0, NULL, NULL };
	return http_client_stream_request(c, &rq, fn, enough, arg, e);
}

int http_client_stream_request(struct http_client *c, const struct http_request *rq, http_sink_fn fn,
			       http_enough_fn enough, void *arg, struct errbuf *e)
{
	CURL *h = c->curl;
	const char *url = rq->url;
	int post = !strcmp(rq->method, "POST");
	http_client_stream_close(c);
	c->sink = fn;
	c->enough = enough;
	c->sink_arg = arg;
	c->delivered = 0;
	c->retry = 0;
	c->stream_post = post;
	c->rq_headers = http_client_request_headers(c, rq);
	c->url = strdup(url);
	if (!c->multi) /* kept: its connections are kept alive from page to page */
		c->multi = curl_multi_init();
	c->streaming = 1;
	if (!c->url || !c->multi)
		return errbuf_set(e, "out of memory");
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, c->rq_headers);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, c->cerr);
	if (post) { /* the body stays the caller's until the stream is closed */
		curl_easy_setopt(h, CURLOPT_POST, 1L);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, rq->body);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)rq->len);
		curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	} else {
		curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
		curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
		curl_easy_setopt(h, CURLOPT_MAXREDIRS, 5L);
	}
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, http_client_on_stream);
	http_client_set_limits(c, 1);
	if (http_client_stream_try(c))
		return errbuf_set(e, "cannot start a request with libcurl");
	return 0;
}

/* The try under way ended with rc: 0 done (2xx), 1 tried again, -1 failed
 * for good. */
static int http_client_stream_done(struct http_client *c, CURLcode rc, struct http_response *rs, struct errbuf *e)
{
	curl_multi_remove_handle(c->multi, c->curl);
	if (rc == CURLE_ABORTED_BY_CALLBACK && c->stalled) {
		rc = CURLE_OPERATION_TIMEDOUT;
		snprintf(c->cerr, sizeof c->cerr, "Operation timed out after %llu milliseconds with no data",
			 (unsigned long long)(c->stalled / 1000000));
	}
	rs->status = 0;
	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &rs->status);
	http_client_count(c, c->t0, c->busy_ns > c->sink_ns ? c->busy_ns - c->sink_ns : 0, c->retry == 0);
	rs->body = c->body.p ? c->body.p : "";
	rs->len = c->body.len;
	rs->retries = c->retry;
	if (rc == CURLE_OK && rs->status >= 200 && rs->status < 300)
		return 0;
	if (rc == CURLE_ABORTED_BY_CALLBACK)
		rs->stopped = 1;
	else if (!c->sink_failed && !c->delivered && http_client_again(c, rc, rs->status) &&
		 c->retry < c->max_retries) {
		c->retry++;
		if (!http_client_backoff(c, c->retry))
			rs->stopped = 1;
		else if (!http_client_stream_try(c))
			return 1;
	}
	if (c->sink_failed)
		return errbuf_set(e, "the page's body was refused");
	int err = http_client_failure(c, c->stream_post ? "POST" : "GET", c->url, rc, rs, c->retry, c->cerr, e);
	if (c->delivered && rc != CURLE_OK && !rs->stopped)
		snprintf(e->msg + strlen(e->msg), sizeof e->msg - strlen(e->msg),
			 ", %llu bytes into the body (not tried again: they were read)",
			 (unsigned long long)c->delivered);
	return err;
}

int http_client_stream_pump(struct http_client *c, struct http_response *rs, struct errbuf *e)
{
	memset(rs, 0, sizeof *rs);
	uint64_t t0 = clock_now_ns();
	int ret = 1;
	if (c->paused) {
		c->paused = 0;
		c->progress_ns = clock_now_ns();
		curl_easy_pause(c->curl, CURLPAUSE_CONT); /* may hand on the kept bytes at once */
	}
	for (;;) {
		int running = 0, left = 0;
		curl_multi_perform(c->multi, &running);
		CURLMsg *m;
		int r = -2;
		while ((m = curl_multi_info_read(c->multi, &left)))
			if (m->msg == CURLMSG_DONE) {
				c->busy_ns += clock_now_ns() - t0;
				r = http_client_stream_done(c, m->data.result, rs, e);
				t0 = clock_now_ns();
				break;
			}
		if (r == 0 || r == -1) {
			ret = r;
			break;
		}
		if (r == -2 && c->paused)
			break;
		if (c->stop && atomic_load_explicit(c->stop, memory_order_relaxed)) {
			rs->stopped = 1;
			ret = errbuf_set(e, "GET: stopped");
			break;
		}
		if (r == -2)
			curl_multi_poll(c->multi, NULL, 0, 100, NULL);
	}
	c->busy_ns += clock_now_ns() - t0;
	return ret;
}

void http_client_stream_close(struct http_client *c)
{
	if (c->multi)
		curl_multi_remove_handle(c->multi, c->curl);
	c->streaming = 0;
	if (c->curl) {
		curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, NULL);
		curl_easy_setopt(c->curl, CURLOPT_ERRORBUFFER, NULL);
		curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, http_client_on_body);
	}
	curl_slist_free_all(c->rq_headers);
	c->rq_headers = NULL;
	free(c->url);
	c->url = NULL;
	c->paused = 0;
}

int http_client_probe(struct http_client *c, const char *url, struct errbuf *e)
{
	CURL *h = curl_easy_init();
	if (!h)
		return errbuf_set(e, "cannot initialise libcurl");
	char cerr[CURL_ERROR_SIZE] = "";
	http_client_set_common(c, h, 0);
	/* the probe checks reachability, not certificates: the requests do */
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_CONNECT_ONLY, 1L);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, cerr);
	uint64_t t0 = clock_now_ns();
	CURLcode rc = curl_easy_perform(h);
	connmetrics_count_connect(c->metrics, t0, clock_now_ns());
	curl_easy_cleanup(h);
	if (rc == CURLE_OK)
		return 0;
	char shown[512];
	http_client_redact_url(url, shown, sizeof shown);
	return errbuf_set(e, "cannot connect to %s: %s", shown, cerr[0] ? cerr : curl_easy_strerror(rc));
}

char *http_client_add_query(struct http_client *c, const char *url, const char *name, const char *value)
{
	char *v = curl_easy_escape(c->curl, value, 0);
	if (!v)
		return NULL;
	size_t n = strlen(url) + strlen(name) + strlen(v) + 3;
	char *out = malloc(n);
	if (out) {
		const char *hash = strchr(url, '#');
		int len = hash ? (int)(hash - url) : (int)strlen(url);
		snprintf(out, n, "%.*s%c%s=%s", len, url, memchr(url, '?', (size_t)len) ? '&' : '?', name, v);
	}
	curl_free(v);
	return out;
}

char *http_client_resolve_url(const char *base, const char *ref)
{
	CURLU *u = curl_url();
	char *got = NULL, *out = NULL;
	if (u && curl_url_set(u, CURLUPART_URL, base, 0) == CURLUE_OK &&
	    curl_url_set(u, CURLUPART_URL, ref, 0) == CURLUE_OK && curl_url_get(u, CURLUPART_URL, &got, 0) == CURLUE_OK)
		out = strdup(got);
	curl_free(got);
	curl_url_cleanup(u);
	return out;
}

void http_client_make_run_id(char *dst, size_t n)
{
	uint64_t r = 0;
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || read(fd, &r, sizeof r) != (ssize_t)sizeof r)
		r = clock_now_ns() * 0x9E3779B97F4A7C15ull ^ (uint64_t)getpid();
	if (fd >= 0)
		close(fd);
	snprintf(dst, n, "%016llx", (unsigned long long)r);
}

char *http_client_secret_value(const char *value, const struct connector_env *env, const char *key,
			       struct errbuf *e)
{
	char where[512], var[128], *out;
	confmap_where_key(where, sizeof where, env->section, key);
	secrets_register(value);
	if (envexpand_value(value, &out, var, sizeof var)) {
		char msg[700];
		envexpand_explain(msg, sizeof msg, where, var);
		errbuf_set(e, "%s", msg);
		return NULL;
	}
	secrets_register(out);
	return out;
}

void http_client_free_secret(char *s)
{
	if (s) {
		memset(s, 0, strlen(s));
		free(s);
	}
}

void http_client_make_uuid(char *dst, size_t n)
{
	unsigned char r[16] = { 0 };
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || read(fd, r, sizeof r) != (ssize_t)sizeof r) {
		uint64_t x = clock_now_ns() ^ (uint64_t)getpid() << 32;
		for (size_t i = 0; i < sizeof r; i++, x = x * 6364136223846793005ull + 1442695040888963407ull)
			r[i] = (unsigned char)(x >> 56);
	}
	if (fd >= 0)
		close(fd);
	r[6] = (unsigned char)((r[6] & 0x0f) | 0x40);
	r[8] = (unsigned char)((r[8] & 0x3f) | 0x80);
	snprintf(dst, n, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", r[0], r[1], r[2], r[3],
		 r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12], r[13], r[14], r[15]);
}

void http_client_locate_raw(void *opts, const struct batch *b, uint32_t r, uint64_t *line, const char **raw,
			    size_t *raw_len)
{
	(void)opts;
	*line = 0;
	*raw = NULL;
	*raw_len = 0;
	for (size_t at = 0, i = 0; at < b->raw.len; i++) {
		size_t len = strlen(b->raw.p + at);
		if (i == r) {
			*raw = b->raw.p + at;
			*raw_len = len;
			return;
		}
		at += len + 1;
	}
}
