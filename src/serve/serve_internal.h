/* serve_internal.h: what the listener's pages share: the route table's row
 * and the answer helpers (serve.c), and the pages themselves. */
#ifndef NEB_SERVE_INTERNAL_H
#define NEB_SERVE_INTERNAL_H

#include <stddef.h>

#include "serve.h"

#include <stdatomic.h>

struct MHD_Connection;
struct MHD_Daemon;

struct serve {
	struct MHD_Daemon *d;
	struct serve_source src;
	char *auth; /* the token, or NULL: no token needed */
	unsigned port;
	_Atomic int stopping; /* serve_stop runs: a page that waits stops waiting */
	_Atomic int inflight; /* requests begun and not yet over (answered or dropped) */
};

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
int serve_page_pprof_cpu(struct serve *sv, struct MHD_Connection *c);
int serve_page_pprof_heap(struct serve *sv, struct MHD_Connection *c);
int serve_page_pprof_index(struct serve *sv, struct MHD_Connection *c);

#endif
