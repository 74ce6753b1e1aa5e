/* otlp_export.c: the OTLP export's thread: every interval it builds the
 * metrics request and posts it with libcurl; a push refused for now is
 * retried until the next one is due (then dropped); the last figures are
 * pushed once more at the end of the run. */
#include "autoconfig.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../base/clock.h"
#include "../base/secrets.h"
#include "otlp.h"

/* The end of the run waits at most this long for its last push. */
#define OTLP_FINAL_NS (5ull * 1000000000ull)
/* One request's limit. */
#define OTLP_REQUEST_S 10L

struct otlp {
	struct otlp_opts o;
	struct serve_source src;
	char url[1024];
	pthread_t tid;
	pthread_mutex_t mu;
	pthread_cond_t cond;
	int stopping;
	CURL *curl;
	struct curl_slist *headers;
	_Atomic uint64_t sent, retried, dropped;
	int said;    /* a refusal was said on stderr (once) */
	int running; /* the thread runs */
};

static size_t otlp_discard(char *p, size_t size, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return size * n;
}

/* Waits until deadline (CLOCK_MONOTONIC ns) or, unless final, the stop; 1
 * when stopping. */
static int otlp_wait_until(struct otlp *x, uint64_t deadline, int final)
{
	pthread_mutex_lock(&x->mu);
	while ((final || !x->stopping) && clock_now_ns() < deadline) {
		struct timespec ts = clock_timespec_at(deadline);
		pthread_cond_timedwait(&x->cond, &x->mu, &ts);
	}
	int s = x->stopping;
	pthread_mutex_unlock(&x->mu);
	return s;
}

/* One POST: the HTTP status (0: no answer), and the Retry-After seconds. */
static long otlp_post(struct otlp *x, const char *body, long *retry_after)
{
	curl_easy_setopt(x->curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(x->curl, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	long status = 0;
	*retry_after = -1;
	if (curl_easy_perform(x->curl) == CURLE_OK) {
		curl_easy_getinfo(x->curl, CURLINFO_RESPONSE_CODE, &status);
		curl_off_t ra = -1;
		if (curl_easy_getinfo(x->curl, CURLINFO_RETRY_AFTER, &ra) == CURLE_OK && ra > 0)
			*retry_after = (long)ra;
	}
	return status;
}

static void otlp_say(struct otlp *x, long status)
{
	if (x->said)
		return;
	x->said = 1;
	char msg[1300];
	if (status)
		snprintf(msg, sizeof msg, "nebtop: OTLP export to %s: answered %ld, not retried (said once)", x->url,
			 status);
	else
		snprintf(msg, sizeof msg, "nebtop: OTLP export to %s: no answer; retrying (said once)", x->url);
	secrets_scrub(msg, sizeof msg);
	fprintf(stderr, "%s\n", msg);
}

/* Pushes body until it is accepted, refused for good, or the deadline
 * passes (then dropped). */
static void otlp_push(struct otlp *x, const char *body, uint64_t deadline, int final)
{
	uint64_t backoff = 500000000ull;
	for (;;) {
		long ra, status = otlp_post(x, body, &ra);
		if (status >= 200 && status < 300) {
			atomic_fetch_add(&x->sent, 1);
			return;
		}
		int again = status == 0 || status == 429 || status == 502 || status == 503 || status == 504;
		if (!again) {
			otlp_say(x, status);
			atomic_fetch_add(&x->dropped, 1);
			return;
		}
		if (status == 0)
			otlp_say(x, 0);
		uint64_t wait = ra > 0 ? (uint64_t)ra * 1000000000ull : backoff;
		backoff = backoff < 8000000000ull ? backoff * 2 : backoff;
		uint64_t at = clock_now_ns() + wait;
		if (at >= deadline) {
			atomic_fetch_add(&x->dropped, 1);
			return;
		}
		atomic_fetch_add(&x->retried, 1);
		if (otlp_wait_until(x, at, final) && !final) {
			atomic_fetch_add(&x->dropped, 1); /* the end's push replaces it */
			return;
		}
	}
}

static void *otlp_main(void *arg)
{
	struct otlp *x = arg;
	pthread_setname_np(pthread_self(), "nebtop/otlp");
	uint64_t next = clock_now_ns() + x->o.interval_ns;
	while (!otlp_wait_until(x, next, 0)) {
		next += x->o.interval_ns;
		if (next < clock_now_ns())
			next = clock_now_ns() + x->o.interval_ns;
		char *body = otlp_metrics_build(&x->src);
		if (body)
			otlp_push(x, body, next, 0);
		free(body);
	}
	/* the run's last figures */
	char *body = otlp_metrics_build(&x->src);
	if (body)
		otlp_push(x, body, clock_now_ns() + OTLP_FINAL_NS, 1);
	free(body);
	return NULL;
}

struct otlp *otlp_start(const struct otlp_opts *o, const struct serve_source *src, struct errbuf *e)
{
	struct otlp *x = calloc(1, sizeof *x);
	if (!x) {
		errbuf_set(e, "out of memory");
		return NULL;
	}
	x->o = *o;
	x->src = *src;
	size_t n = strlen(o->endpoint);
	snprintf(x->url, sizeof x->url, "%.*s/v1/metrics", (int)(n && o->endpoint[n - 1] == '/' ? n - 1 : n),
		 o->endpoint);
	pthread_mutex_init(&x->mu, NULL);
	clock_cond_init(&x->cond);
	x->curl = curl_easy_init();
	x->headers = curl_slist_append(NULL, "Content-Type: application/json");
	if (!x->curl || !x->headers) {
		errbuf_set(e, "out of memory");
		otlp_free(x);
		return NULL;
	}
	curl_easy_setopt(x->curl, CURLOPT_URL, x->url);
	curl_easy_setopt(x->curl, CURLOPT_HTTPHEADER, x->headers);
	curl_easy_setopt(x->curl, CURLOPT_WRITEFUNCTION, otlp_discard);
	curl_easy_setopt(x->curl, CURLOPT_TIMEOUT, OTLP_REQUEST_S);
	curl_easy_setopt(x->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(x->curl, CURLOPT_USERAGENT, "nebtop/" PACKAGE_VERSION);
	if (pthread_create(&x->tid, NULL, otlp_main, x)) {
		errbuf_set(e, "cannot start the OTLP export thread");
		otlp_free(x);
		return NULL;
	}
	x->running = 1;
	return x;
}

void otlp_finish(struct otlp *x)
{
	if (!x || !x->running)
		return;
	pthread_mutex_lock(&x->mu);
	x->stopping = 1;
	pthread_cond_broadcast(&x->cond);
	pthread_mutex_unlock(&x->mu);
	pthread_join(x->tid, NULL);
	x->running = 0;
}

void otlp_free(struct otlp *x)
{
	if (!x)
		return;
	otlp_finish(x);
	if (x->curl)
		curl_easy_cleanup(x->curl);
	curl_slist_free_all(x->headers);
	pthread_cond_destroy(&x->cond);
	pthread_mutex_destroy(&x->mu);
	free(x);
}

void otlp_read_counts(const struct otlp *x, struct otlp_counts *out)
{
	out->sent = atomic_load(&x->sent);
	out->retried = atomic_load(&x->retried);
	out->dropped = atomic_load(&x->dropped);
}
