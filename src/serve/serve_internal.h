/* serve_internal.h: what the listener's pages share: the route table's row
 * and the answer helpers (serve.c), and the pages themselves. */
#ifndef NEB_SERVE_INTERNAL_H
#define NEB_SERVE_INTERNAL_H

#include <stddef.h>

#include "serve.h"

#include <pthread.h>
#include <stdatomic.h>

struct MHD_Connection;
struct MHD_Daemon;

/* The deadline for a request's head (serve_guard.c). */
struct serve_conn;
struct serve_guard {
	pthread_mutex_t mu;
	pthread_cond_t cond;
	pthread_t tid;
	struct serve_conn *head;
	int stop;
};
enum MHD_ConnectionNotificationCode;
int serve_guard_start(struct serve_guard *g);
void serve_guard_stop(struct serve_guard *g);
/* libmicrohttpd's MHD_OPTION_NOTIFY_CONNECTION callback (cls: the guard). */
void serve_guard_notify(void *cls, struct MHD_Connection *mc, void **socket_context,
			enum MHD_ConnectionNotificationCode toe);
/* A request's head has come (busy 1), or its answer is done (busy 0). */
void serve_guard_mark(struct serve_guard *g, struct MHD_Connection *mc, int busy);

struct serve {
	struct MHD_Daemon *d;
	struct serve_source src;
	char *auth; /* the token, or NULL: no token needed */
	unsigned port;
	_Atomic int stopping; /* serve_stop runs: a page that waits stops waiting */
	_Atomic int inflight; /* requests begun and not yet over (answered or dropped) */
	/* the screens attached (one per connection that asked for views):
	 * when each last asked, and whether it was answered the final view */
	pthread_mutex_t screens_mu;
	struct serve_screen {
		const struct MHD_Connection *conn;
		uint64_t asked_ns;
		int final;
	} screens[16];
	struct serve_guard guard;
	int guard_on;
};

/* A view was answered on c (final: of the ended run): its screen noted. */
void serve_note_view(struct serve *sv, const struct MHD_Connection *c, int final);

/* A page: answers the request (queues a response); MHD_YES or MHD_NO. */
typedef int (*serve_page_fn)(struct serve *sv, struct MHD_Connection *c);

struct serve_route {
	const char *path, *method;
	serve_page_fn page;
};

const struct serve_route *serve_routes_list(size_t *n);

/* Queues body (malloc'd; freed by the response) with status and type. */
int serve_reply(struct MHD_Connection *c, unsigned status, const char *type, char *body, size_t len);
int serve_reply_text(struct MHD_Connection *c, unsigned status, const char *text);
/* 500 with why. */
int serve_reply_failure(struct MHD_Connection *c, const char *why);

int serve_page_metrics(struct serve *sv, struct MHD_Connection *c);
int serve_page_metrics_json(struct serve *sv, struct MHD_Connection *c);
int serve_page_snapshot(struct serve *sv, struct MHD_Connection *c);
int serve_page_index(struct serve *sv, struct MHD_Connection *c);
int serve_page_view(struct serve *sv, struct MHD_Connection *c);
int serve_page_pprof_cpu(struct serve *sv, struct MHD_Connection *c);
int serve_page_pprof_heap(struct serve *sv, struct MHD_Connection *c);
int serve_page_pprof_index(struct serve *sv, struct MHD_Connection *c);

#endif
