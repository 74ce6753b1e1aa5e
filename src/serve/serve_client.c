/* serve_client.c: requests to another nebtop's listener over libcurl
 * (serve_client.h), for `nebtop attach`. */
#include "autoconfig.h"

#include "serve_client.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/secrets.h"

/* An answer larger than this is not a nebtop's. */
#define SERVE_CLIENT_MAX_BODY (64u << 20)

struct serve_client {
	CURL *curl;
	struct curl_slist *headers;
	char base[300]; /* http://host:port */
};

struct serve_client *serve_client_new(const char *host, unsigned port, const char *token)
{
	struct serve_client *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	int v6 = strchr(host, ':') != NULL;
	snprintf(c->base, sizeof c->base, "http://%s%s%s:%u", v6 ? "[" : "", host, v6 ? "]" : "", port);
	c->curl = curl_easy_init();
	if (!c->curl) {
		free(c);
		return NULL;
	}
	if (token && *token) {
		struct buf h = { 0 };
		buf_printf(&h, "Authorization: Bearer %s", token);
		secrets_register(token);
		c->headers = curl_slist_append(NULL, h.p ? h.p : "");
		free(h.p);
	}
	c->headers = curl_slist_append(c->headers, "Accept: application/json");
	curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, c->headers);
	curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c->curl, CURLOPT_USERAGENT, "nebtop-attach/" PACKAGE_VERSION);
	curl_easy_setopt(c->curl, CURLOPT_CONNECTTIMEOUT_MS, 2000L);
	return c;
}

void serve_client_free(struct serve_client *c)
{
	if (!c)
		return;
	curl_easy_cleanup(c->curl);
	curl_slist_free_all(c->headers);
	free(c);
}

static size_t serve_client_take(char *p, size_t size, size_t n, void *arg)
{
	struct buf *b = arg;
	if (b->len + size * n > SERVE_CLIENT_MAX_BODY)
		return 0; /* curl stops: the answer is refused */
	buf_append(b, p, size * n);
	return size * n;
}

int serve_client_request(struct serve_client *c, const char *method, const char *path, uint64_t timeout_ms,
			 long *status, struct buf *body, struct errbuf *e)
{
	char url[1200];
	snprintf(url, sizeof url, "%s%s", c->base, path);
	body->len = 0;
	curl_easy_setopt(c->curl, CURLOPT_URL, url);
	curl_easy_setopt(c->curl, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
	curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, serve_client_take);
	curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, body);
	if (!strcmp(method, "POST")) {
		curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, "");
		curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE, 0L);
	} else {
		curl_easy_setopt(c->curl, CURLOPT_HTTPGET, 1L);
	}
	CURLcode rc = curl_easy_perform(c->curl);
	if (rc != CURLE_OK) {
		errbuf_set(e, "%s: %s", c->base,
			   rc == CURLE_WRITE_ERROR ? "the answer is too large" : curl_easy_strerror(rc));
		return -1;
	}
	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, status);
	buf_append(body, "", 1); /* a NUL after the text, not counted */
	body->len--;
	return 0;
}
