/* serve.c: the listener: a libmicrohttpd daemon (a thread per connection,
 * so that a snapshot or a CPU profile that takes seconds holds up no
 * scrape), the bearer token check, and the table of what it serves. */
#include "autoconfig.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include "../base/clock.h"
#include "../base/envexpand.h"
#include "../base/secrets.h"
#include "serve.h"
#include "serve_internal.h"

/* At most this many connections at once; each idle one is closed after
 * SERVE_IDLE_S seconds. */
#define SERVE_CONNECTIONS 16
#define SERVE_IDLE_S 30
/* At the end, how long the requests under way get to finish their answers
 * (a CPU profile cut short, a snapshot request told no) before the
 * connections are closed. */
#define SERVE_DRAIN_NS (5ull * 1000000000ull)

/* What the listener serves: one row per path (a new endpoint is one
 * function and one row). */
static const struct serve_route serve_routes[] = {
	{ "/metrics", "GET", serve_page_metrics },
	{ "/api/v1/metrics", "GET", serve_page_metrics_json },
	{ "/api/v1/snapshot", "POST", serve_page_snapshot },
	{ "/api/v1/view", "GET", serve_page_view },
	{ "/debug/pprof/profile", "GET", serve_page_pprof_cpu },
	{ "/debug/pprof/heap", "GET", serve_page_pprof_heap },
	{ "/debug/pprof/", "GET", serve_page_pprof_index },
	{ "/", "GET", serve_page_index },
};

const struct serve_route *serve_routes_list(size_t *n)
{
	*n = sizeof serve_routes / sizeof serve_routes[0];
	return serve_routes;
}

int serve_reply(struct MHD_Connection *c, unsigned status, const char *type, char *body, size_t len)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	if (status == MHD_HTTP_UNAUTHORIZED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer realm=\"nebtop\"");
	enum MHD_Result rc = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return rc;
}

int serve_reply_text(struct MHD_Connection *c, unsigned status, const char *text)
{
	char *body = strdup(text);
	return body ? serve_reply(c, status, "text/plain; charset=utf-8", body, strlen(body)) : MHD_NO;
}

int serve_reply_failure(struct MHD_Connection *c, const char *why)
{
	char msg[600];
	snprintf(msg, sizeof msg, "500: %s\n", why);
	return serve_reply_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, msg);
}

/* The token, compared in time that does not depend on where it differs.
 * The scheme is case-insensitive and spaces around the token do not count
 * (RFC 7235: "bearer TOKEN" is "Bearer TOKEN"). */
static int serve_authorized(const struct serve *sv, struct MHD_Connection *c)
{
	if (!sv->auth)
		return 1;
	const char *got = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
	if (!got)
		return 0;
	got += strspn(got, " \t");
	if (strncasecmp(got, "Bearer", 6) || (got[6] != ' ' && got[6] != '\t'))
		return 0;
	got += 6;
	got += strspn(got, " \t");
	size_t g = strlen(got);
	while (g && (got[g - 1] == ' ' || got[g - 1] == '\t'))
		g--;
	size_t a = strlen(sv->auth);
	unsigned char diff = a != g;
	for (size_t i = 0; i < a; i++)
		diff |= (unsigned char)(sv->auth[i] ^ (i < g ? got[i] : 0));
	return diff == 0;
}

static enum MHD_Result serve_handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
				    const char *version, const char *upload, size_t *upload_size, void **state)
{
	struct serve *sv = cls;
	(void)version;
	(void)upload;
	/* the first call only announces the request; a body (none is read) is
	 * passed over; the answer goes with the last call */
	if (!*state) {
		*state = sv;
		atomic_fetch_add(&sv->inflight, 1);
		serve_guard_mark(&sv->guard, c, 1); /* its head has come: no deadline while it is answered */
		return MHD_YES;
	}
	if (*upload_size) {
		*upload_size = 0;
		return MHD_YES;
	}
	if (!serve_authorized(sv, c))
		return (enum MHD_Result)serve_reply_text(c, MHD_HTTP_UNAUTHORIZED,
							 "401: this nebtop needs its token: Authorization: Bearer "
							 "TOKEN ([export] token)\n");
	size_t n;
	const struct serve_route *routes = serve_routes_list(&n);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(url, routes[i].path))
			continue;
		if (strcmp(method, routes[i].method) &&
		    !(!strcmp(method, "HEAD") && !strcmp(routes[i].method, "GET"))) {
			char msg[160];
			snprintf(msg, sizeof msg, "405: %s takes %s\n", routes[i].path, routes[i].method);
			struct MHD_Response *r =
			    MHD_create_response_from_buffer(strlen(msg), msg, MHD_RESPMEM_MUST_COPY);
			if (!r)
				return MHD_NO;
			MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, routes[i].method);
			MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
			enum MHD_Result rc = MHD_queue_response(c, MHD_HTTP_METHOD_NOT_ALLOWED, r);
			MHD_destroy_response(r);
			return rc;
		}
		return (enum MHD_Result)routes[i].page(sv, c);
	}
	return (enum MHD_Result)serve_reply_text(c, MHD_HTTP_NOT_FOUND,
						 "404: not here; nebtop serves /metrics, /api/v1/metrics, POST "
						 "/api/v1/snapshot and /debug/pprof/ (GET / lists them)\n");
}

/* A request is over (answered, or its connection closed): one fewer for
 * serve_stop to wait for. */
static void serve_completed(void *cls, struct MHD_Connection *c, void **state, enum MHD_RequestTerminationCode why)
{
	struct serve *sv = cls;
	(void)why;
	if (*state) {
		atomic_fetch_sub(&sv->inflight, 1);
		serve_guard_mark(&sv->guard, c, 0); /* the next request's head has the deadline again */
	}
	*state = NULL;
}

/* host:port as a socket address (a numeric address, or a name such as
 * localhost, the first address it resolves to). */
static int serve_resolve(const struct serve_opts *o, struct sockaddr_storage *sa, socklen_t *len, int *family,
			 struct errbuf *e)
{
	struct addrinfo hints = { .ai_flags = AI_PASSIVE | AI_NUMERICSERV, .ai_socktype = SOCK_STREAM }, *res;
	char port[8];
	snprintf(port, sizeof port, "%u", o->port);
	int rc = getaddrinfo(o->host, port, &hints, &res);
	if (rc)
		return errbuf_set(e, "%s: cannot listen on %s: %s", o->where, o->host, gai_strerror(rc));
	memcpy(sa, res->ai_addr, res->ai_addrlen);
	*len = res->ai_addrlen;
	*family = res->ai_family;
	freeaddrinfo(res);
	return 0;
}

struct serve *serve_start(const struct serve_opts *o, const struct serve_source *src, struct errbuf *e)
{
	struct serve *sv = calloc(1, sizeof *sv);
	if (!sv) {
		errbuf_set(e, "out of memory");
		return NULL;
	}
	sv->src = *src;
	pthread_mutex_init(&sv->screens_mu, NULL);
	if (o->token) {
		char *tok, var[128];
		if (envexpand_value(o->token, &tok, var, sizeof var)) {
			char msg[700];
			envexpand_explain(msg, sizeof msg, o->where, var);
			errbuf_set(e, "%s (token)", msg);
			free(sv);
			return NULL;
		}
		if (!tok[0]) {
			errbuf_set(e, "%s: the token is empty", o->where);
			free(tok);
			free(sv);
			return NULL;
		}
		secrets_register(tok); /* the expansion too: hidden from every text */
		sv->auth = tok;
	}
	struct sockaddr_storage sa;
	socklen_t salen = 0;
	int family = AF_INET;
	if (serve_resolve(o, &sa, &salen, &family, e)) {
		free(sv->auth);
		free(sv);
		return NULL;
	}
	if (serve_guard_start(&sv->guard)) {
		errbuf_set(e, "cannot start the listener's guard thread");
		free(sv->auth);
		free(sv);
		return NULL;
	}
	sv->guard_on = 1;
	unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL;
	if (family == AF_INET6)
		flags |= MHD_USE_IPv6;
	sv->d = MHD_start_daemon(flags, (uint16_t)o->port, NULL, NULL, serve_handle, sv, MHD_OPTION_SOCK_ADDR, &sa,
				 MHD_OPTION_CONNECTION_LIMIT, (unsigned)SERVE_CONNECTIONS, MHD_OPTION_CONNECTION_TIMEOUT,
				 (unsigned)SERVE_IDLE_S, MHD_OPTION_NOTIFY_COMPLETED, serve_completed, sv,
				 MHD_OPTION_NOTIFY_CONNECTION, serve_guard_notify, &sv->guard, MHD_OPTION_END);
	if (!sv->d) {
		errbuf_set(e, "%s: cannot listen on %s port %u (in use, or not an address of this machine)", o->where,
			   o->host, o->port);
		serve_guard_stop(&sv->guard);
		free(sv->auth);
		free(sv);
		return NULL;
	}
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(sv->d, MHD_DAEMON_INFO_BIND_PORT);
	sv->port = di ? di->port : o->port;
	(void)salen;
	return sv;
}

unsigned serve_port(const struct serve *sv) { return sv->port; }

void serve_note_view(struct serve *sv, const struct MHD_Connection *c, int final)
{
	const size_t n = sizeof sv->screens / sizeof sv->screens[0];
	uint64_t now = clock_now_ns();
	pthread_mutex_lock(&sv->screens_mu);
	size_t at = 0; /* its own row, else the one asked longest ago */
	for (size_t i = 0; i < n; i++) {
		if (sv->screens[i].conn == c) {
			at = i;
			break;
		}
		if (sv->screens[i].asked_ns < sv->screens[at].asked_ns)
			at = i;
	}
	sv->screens[at] = (struct serve_screen){ c, now, final };
	pthread_mutex_unlock(&sv->screens_mu);
}

/* 1 while a screen that asked for a view lately has not had the final one. */
static int serve_screen_waits(struct serve *sv, uint64_t lately_ns)
{
	const size_t n = sizeof sv->screens / sizeof sv->screens[0];
	uint64_t now = clock_now_ns();
	int waits = 0;
	pthread_mutex_lock(&sv->screens_mu);
	for (size_t i = 0; i < n && !waits; i++)
		waits = sv->screens[i].asked_ns && now - sv->screens[i].asked_ns <= lately_ns && !sv->screens[i].final;
	pthread_mutex_unlock(&sv->screens_mu);
	return waits;
}

void serve_linger_for_view(struct serve *sv, uint64_t max_ns)
{
	/* an attached screen asks every refresh (8 s at the slowest) */
	const uint64_t lately_ns = 10ull * 1000000000ull;
	if (!sv)
		return;
	for (uint64_t until = clock_now_ns() + max_ns; serve_screen_waits(sv, lately_ns) && clock_now_ns() < until;)
		clock_sleep_ns(20000000ull);
}

void serve_stop(struct serve *sv)
{
	if (!sv)
		return;
	atomic_store(&sv->stopping, 1);
	/* the pages that wait stop waiting and answer: let the answers go out
	 * (stopping the daemon shuts every connection at once) */
	uint64_t until = clock_now_ns() + SERVE_DRAIN_NS;
	while (atomic_load(&sv->inflight) > 0 && clock_now_ns() < until)
		clock_sleep_ns(10 * 1000000ull);
	MHD_stop_daemon(sv->d);
	if (sv->guard_on)
		serve_guard_stop(&sv->guard);
	pthread_mutex_destroy(&sv->screens_mu);
	free(sv->auth);
	free(sv);
}
