/* serve.h: the listener (-listen, [export] listen): an HTTP server inside
 * nebtop (libmicrohttpd, its own thread) that serves what the run knows to
 * other programs: /metrics in Prometheus's text format, the metrics JSON at
 * /api/v1/metrics, snapshots on POST /api/v1/snapshot. A request never
 * touches a pipeline thread: it reads the sampler's series under its lock
 * and the analyzer's latest findings, as the front end does. */
#ifndef NEB_SERVE_H
#define NEB_SERVE_H

#include <stddef.h>
#include <stdint.h>

#include "../base/buf.h"
#include "../base/errbuf.h"

struct analyzer;
struct pipeline;
struct profiler;
struct sampler;
struct snapreq;
struct otlp;
struct serve;

/* What GET /api/v1/view asks for (its query: stage=I, fns=stage|process,
 * since=T_NS). */
struct serve_view_ask {
	size_t stage;
	int fns_for_stage;
	uint64_t reset_t_ns;
};

/* What requests read; it must outlive the listener. */
struct serve_source {
	struct pipeline *p;
	struct sampler *s;
	struct profiler *prof;
	struct analyzer *an;
	const char *pipeline_name;
	struct snapreq *snap; /* where snapshot requests go; NULL: none are served */
	struct otlp *otlp;    /* the OTLP export, whose counts /metrics shows, or NULL */
	/* the front end's view of the run as JSON (malloc'd; *final set when
	 * the run's series has ended), for `nebtop attach`; built by the layer
	 * above (the front end's model), NULL: not served */
	char *(*view)(void *ctx, const struct serve_view_ask *ask, int *final);
	void *view_ctx;
};

struct serve_opts {
	const char *host;  /* a numeric address or "localhost" */
	unsigned port;	   /* 0: any free port */
	const char *token; /* as configured (${VAR} expanded here), or NULL: no token */
	const char *where; /* the key's place, for messages ("f.ini:12: listen") */
};

/* Starts listening; NULL with a message naming the address. */
struct serve *serve_start(const struct serve_opts *o, const struct serve_source *src, struct errbuf *e);
/* The port it listens on (the one the system chose for port 0). */
unsigned serve_port(const struct serve *sv);
/* At the end of a run: while a screen that asked for views lately (on its
 * connection; an attached screen polls) has not been answered the run's last
 * figures, waits, at most max_ns, so that every attached screen gets them
 * before the listener goes. */
void serve_linger_for_view(struct serve *sv, uint64_t max_ns);
/* Stops listening, after the requests under way are answered. */
void serve_stop(struct serve *sv);

/* The Prometheus text (version 0.0.4) of the run as of the latest sample
 * (serve_prom.c). */
void serve_prom_build(const struct serve_source *src, struct buf *out);

#endif
