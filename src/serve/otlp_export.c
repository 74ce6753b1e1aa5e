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
#include "../base/globals.h"
#include "../base/secrets.h"
#include "../../pipeline/hooks.h"
#include "otlp.h"

/* The end of the run waits at most this long for its last push; when the
 * collector did not answer the push before, only this long (one try). */
#define OTLP_FINAL_NS (5ull * 1000000000ull)
#define OTLP_FINAL_UNANSWERED_NS (1000000000ull)
/* One request's limit. */
#define OTLP_REQUEST_S 10L

struct otlp {
	struct span_sink sink; /* first: the engine's calls get it back */
	struct otlp_opts o;
	struct serve_source src;
	char url[2][1024]; /* OTLP_METRICS, OTLP_TRACES */
	char shown[2][1024]; /* the same for messages: without user or password */
	char endpoint[512];  /* the endpoint so, for the reports */
	pthread_t tid;
	pthread_mutex_t mu;
	pthread_cond_t cond;
	int stopping;
	CURL *curl;
	struct curl_slist *headers;
	_Atomic uint64_t sent[2], retried[2], dropped[2];
	_Atomic long last_drop;	 /* the answer to the last push dropped (0: none) */
	struct otlp_spans spans; /* the steps of sampled batches, waiting to be sent */
	int said;    /* a refusal was said on stderr (once) */
	int unanswered; /* the last request had no answer (the collector is not there) */
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

/* One POST, waiting until deadline at most: the HTTP status (0: no
 * answer), and the Retry-After seconds. */
static long otlp_post(struct otlp *x, int sig, const char *body, uint64_t deadline, long *retry_after)
{
	uint64_t now = clock_now_ns(), left_ms = deadline > now ? (deadline - now) / 1000000u : 0;
	if (left_ms > OTLP_REQUEST_S * 1000)
		left_ms = OTLP_REQUEST_S * 1000;
	curl_easy_setopt(x->curl, CURLOPT_TIMEOUT_MS, (long)(left_ms < 100 ? 100 : left_ms));
	curl_easy_setopt(x->curl, CURLOPT_URL, x->url[sig]);
	curl_easy_setopt(x->curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(x->curl, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	long status = 0;
	*retry_after = -1;
	if (curl_easy_perform(x->curl) == CURLE_OK) {
		curl_easy_getinfo(x->curl, CURLINFO_RESPONSE_CODE, &status);
		curl_off_t ra = -1;
		x->unanswered = 0;
		if (curl_easy_getinfo(x->curl, CURLINFO_RETRY_AFTER, &ra) == CURLE_OK && ra > 0)
			*retry_after = (long)ra;
	} else {
		x->unanswered = 1;
	}
	return status;
}

static void otlp_say(struct otlp *x, int sig, long status)
{
	if (x->said)
		return;
	x->said = 1;
	char msg[1300];
	if (status)
		snprintf(msg, sizeof msg, "nebtop: OTLP export to %s: answered %ld, not retried (said once)",
			 x->shown[sig], status);
	else
		snprintf(msg, sizeof msg, "nebtop: OTLP export to %s: no answer; retrying (said once)", x->shown[sig]);
	secrets_scrub(msg, sizeof msg);
	fprintf(stderr, "%s\n", msg);
}

/* A push given up: counted, and its last answer kept for the summary. */
static void otlp_drop(struct otlp *x, int sig, long status)
{
	atomic_fetch_add(&x->dropped[sig], 1);
	atomic_store(&x->last_drop, status ? status : -1);
}

/* Pushes body until it is accepted, refused for good, or the deadline
 * passes (then dropped). Each request counts once: sent (accepted),
 * retried (refused for now and tried again) or dropped (the last one). */
static void otlp_push(struct otlp *x, int sig, const char *body, uint64_t deadline, int final)
{
	uint64_t backoff = 500000000ull;
	for (;;) {
		long ra, status = otlp_post(x, sig, body, deadline, &ra);
		if (status >= 200 && status < 300) {
			atomic_fetch_add(&x->sent[sig], 1);
			return;
		}
		int again = status == 0 || status == 429 || status == 502 || status == 503 || status == 504;
		if (!again) {
			otlp_say(x, sig, status);
			otlp_drop(x, sig, status);
			return;
		}
		if (status == 0)
			otlp_say(x, sig, 0);
		uint64_t wait = ra > 0 ? (uint64_t)ra * 1000000000ull : backoff;
		backoff = backoff < 8000000000ull ? backoff * 2 : backoff;
		uint64_t at = clock_now_ns() + wait;
		if (at >= deadline) {
			otlp_drop(x, sig, status);
			return;
		}
		if (otlp_wait_until(x, at, final) && !final) {
			otlp_drop(x, sig, status); /* the end's push replaces it */
			return;
		}
		/* counted as it is tried again: every request has one outcome */
		atomic_fetch_add(&x->retried[sig], 1);
	}
}

/* One round: the metrics, then the steps gathered since the last round. */
static void otlp_round(struct otlp *x, uint64_t deadline, int final)
{
	char *body = otlp_metrics_build(&x->src);
	if (body)
		otlp_push(x, OTLP_METRICS, body, deadline, final);
	free(body);
	body = otlp_spans_build(&x->spans, &x->src);
	if (body)
		otlp_push(x, OTLP_TRACES, body, deadline, final);
	free(body);
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
		otlp_round(x, next, 0);
	}
	/* the run's last figures and steps: a collector that did not answer
	 * the push before gets one short try, not the end's whole wait */
	otlp_round(x, clock_now_ns() + (x->unanswered ? OTLP_FINAL_UNANSWERED_NS : OTLP_FINAL_NS), 1);
	return NULL;
}

static void otlp_take_step(const struct span_sink *s, const struct span_step *st)
{
	otlp_spans_add(&((struct otlp *)s)->spans, st);
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
	int cut = (int)(n && o->endpoint[n - 1] == '/' ? n - 1 : n);
	snprintf(x->url[OTLP_METRICS], sizeof x->url[0], "%.*s/v1/metrics", cut, o->endpoint);
	snprintf(x->url[OTLP_TRACES], sizeof x->url[0], "%.*s/v1/traces", cut, o->endpoint);
	for (int i = 0; i < 2; i++)
		secrets_redact_url(x->url[i], x->shown[i], sizeof x->shown[i]);
	char cut_endpoint[1024];
	snprintf(cut_endpoint, sizeof cut_endpoint, "%.*s", cut, o->endpoint);
	secrets_redact_url(cut_endpoint, x->endpoint, sizeof x->endpoint);
	if (otlp_spans_init(&x->spans)) {
		free(x);
		errbuf_set(e, "out of memory");
		return NULL;
	}
	x->sink.every = o->sample;
	x->sink.step = otlp_take_step;
	pthread_mutex_init(&x->mu, NULL);
	clock_cond_init(&x->cond);
	x->curl = curl_easy_init();
	x->headers = curl_slist_append(NULL, "Content-Type: application/json");
	if (!x->curl || !x->headers) {
		errbuf_set(e, "out of memory");
		otlp_free(x);
		return NULL;
	}
	curl_easy_setopt(x->curl, CURLOPT_HTTPHEADER, x->headers);
	curl_easy_setopt(x->curl, CURLOPT_WRITEFUNCTION, otlp_discard);
	curl_easy_setopt(x->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(x->curl, CURLOPT_USERAGENT, "nebtop/" PACKAGE_VERSION);
	if (pthread_create(&x->tid, NULL, otlp_main, x)) {
		errbuf_set(e, "cannot start the OTLP export thread");
		otlp_free(x);
		return NULL;
	}
	x->running = 1;
	if (o->sample) /* the engine hands the steps of every sample-th batch */
		atomic_store_explicit(&globals_spans, &x->sink, memory_order_release);
	return x;
}

void otlp_finish(struct otlp *x)
{
	if (!x || !x->running)
		return;
	/* no more steps: the pipeline has ended (and a sink left behind would
	 * point at freed memory) */
	if (atomic_load(&globals_spans) == &x->sink)
		atomic_store(&globals_spans, NULL);
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
	otlp_spans_free(&x->spans);
	pthread_cond_destroy(&x->cond);
	pthread_mutex_destroy(&x->mu);
	free(x);
}

const struct export_counts *otlp_read_export(const struct otlp *x, struct export_counts *out)
{
	if (!x)
		return NULL;
	memset(out, 0, sizeof *out);
	snprintf(out->endpoint, sizeof out->endpoint, "%s", x->endpoint);
	for (int sig = 0; sig < 2; sig++) {
		out->sig[sig].sent = atomic_load(&x->sent[sig]);
		out->sig[sig].retried = atomic_load(&x->retried[sig]);
		out->sig[sig].dropped = atomic_load(&x->dropped[sig]);
	}
	out->spans_dropped = otlp_spans_dropped(&x->spans);
	return out;
}

void otlp_say_drops(const struct otlp *x)
{
	struct export_counts ec;
	if (!otlp_read_export(x, &ec))
		return;
	uint64_t m = ec.sig[EXPORT_METRICS].dropped, t = ec.sig[EXPORT_TRACES].dropped;
	if (!m && !t && !ec.spans_dropped)
		return;
	long last = atomic_load(&x->last_drop);
	char msg[1400], why[64] = "unreachable";
	if (last > 0)
		snprintf(why, sizeof why, "answered %ld", last);
	size_t o = (size_t)snprintf(msg, sizeof msg, "nebtop: OTLP:");
	static const char *const what[2] = { "metric", "trace" };
	for (int sig = 0; sig < 2; sig++) {
		uint64_t d = ec.sig[sig].dropped;
		if (d && o < sizeof msg)
			o += (size_t)snprintf(msg + o, sizeof msg - o, "%s %llu %s push%s", sig && m ? " and" : "",
					      (unsigned long long)d, what[sig], d == 1 ? "" : "es");
	}
	if ((m || t) && o < sizeof msg)
		o += (size_t)snprintf(msg + o, sizeof msg - o, " dropped (the collector at %s %s)", ec.endpoint, why);
	if (ec.spans_dropped && o < sizeof msg)
		snprintf(msg + o, sizeof msg - o, "%s %llu spans dropped (the queue was full)", m || t ? ";" : "",
			 (unsigned long long)ec.spans_dropped);
	secrets_scrub(msg, sizeof msg);
	fprintf(stderr, "%s\n", msg);
}
