/* serve_guard.c: the listener's deadline for a request's headers. A
 * connection has SERVE_HEADER_S seconds from its opening, or from the end of
 * its previous request, to send a whole request head; one that has not (a
 * client that trickles a header line now and then to hold one of the
 * listener's few connections) is shut down by a thread of its own.
 * libmicrohttpd's own timeout only closes connections idle for a while, and
 * a trickle is never idle. */
#include "autoconfig.h"

#include <microhttpd.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

#include "../base/clock.h"
#include "serve_internal.h"

/* A whole request head must come within this many seconds. */
#define SERVE_HEADER_S 5

struct serve_conn {
	struct serve_conn *next, **pprev;
	int fd;
	uint64_t since; /* opened, or its last request ended */
	int busy;       /* a request is being answered */
	int shut;       /* shut down for want of a request head */
};

static void *serve_guard_main(void *arg)
{
	struct serve_guard *g = arg;
	pthread_mutex_lock(&g->mu);
	while (!g->stop) {
		uint64_t now = clock_now_ns();
		/* under the lock: a connection is unlinked, under the same lock,
		 * before its socket is closed, so fd is still its own */
		for (struct serve_conn *c = g->head; c; c = c->next)
			if (!c->busy && !c->shut && now - c->since > (uint64_t)SERVE_HEADER_S * 1000000000ull) {
				shutdown(c->fd, SHUT_RDWR);
				c->shut = 1;
			}
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_nsec += 500000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&g->cond, &g->mu, &ts);
	}
	pthread_mutex_unlock(&g->mu);
	return NULL;
}

int serve_guard_start(struct serve_guard *g)
{
	pthread_mutex_init(&g->mu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&g->cond, &ca);
	pthread_condattr_destroy(&ca);
	g->head = NULL;
	g->stop = 0;
	return pthread_create(&g->tid, NULL, serve_guard_main, g) ? -1 : 0;
}

void serve_guard_stop(struct serve_guard *g)
{
	pthread_mutex_lock(&g->mu);
	g->stop = 1;
	pthread_cond_broadcast(&g->cond);
	pthread_mutex_unlock(&g->mu);
	pthread_join(g->tid, NULL);
	pthread_cond_destroy(&g->cond);
	pthread_mutex_destroy(&g->mu);
}

void serve_guard_notify(void *cls, struct MHD_Connection *mc, void **socket_context,
			enum MHD_ConnectionNotificationCode toe)
{
	struct serve_guard *g = cls;
	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *ci = MHD_get_connection_info(mc, MHD_CONNECTION_INFO_CONNECTION_FD);
		struct serve_conn *c = calloc(1, sizeof *c);
		*socket_context = c;
		if (!c || !ci) {
			free(c);
			*socket_context = NULL;
			return;
		}
		c->fd = ci->connect_fd;
		c->since = clock_now_ns();
		pthread_mutex_lock(&g->mu);
		c->next = g->head;
		c->pprev = &g->head;
		if (g->head)
			g->head->pprev = &c->next;
		g->head = c;
		pthread_mutex_unlock(&g->mu);
	} else if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
		struct serve_conn *c = *socket_context;
		if (!c)
			return;
		pthread_mutex_lock(&g->mu);
		*c->pprev = c->next;
		if (c->next)
			c->next->pprev = c->pprev;
		pthread_mutex_unlock(&g->mu);
		free(c);
		*socket_context = NULL;
	}
}

void serve_guard_mark(struct serve_guard *g, struct MHD_Connection *mc, int busy)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(mc, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	struct serve_conn *c = ci ? ci->socket_context : NULL;
	if (!c)
		return;
	pthread_mutex_lock(&g->mu);
	c->busy = busy;
	if (!busy)
		c->since = clock_now_ns();
	pthread_mutex_unlock(&g->mu);
}
