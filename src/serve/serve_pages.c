/* serve_pages.c: the listener's pages: /metrics (Prometheus), the metrics
 * JSON of the latest window (/api/v1/metrics, no file written), a snapshot
 * on request (POST /api/v1/snapshot) and the index of what is served. */
#include "autoconfig.h"

#include <jansson.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../analyze/analyzer.h"
#include "../base/clock.h"
#include "../base/snapreq.h"
#include "../report/snapshot.h"
#include "otlp.h"
#include "serve_internal.h"

/* How long a snapshot request waits for the snapshot to be written. */
#define SERVE_SNAPSHOT_WAIT_NS (60ull * 1000000000ull)

int serve_page_metrics(struct serve *sv, struct MHD_Connection *c)
{
	const struct serve_source *src = &sv->src;
	struct buf b = { 0 };
	serve_prom_build(src, &b);
	return serve_reply(c, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", b.p, b.len);
}

int serve_page_metrics_json(struct serve *sv, struct MHD_Connection *c)
{
	const struct serve_source *src = &sv->src;
	char timestamp[40];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(timestamp, sizeof timestamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
	struct findings found = { 0 };
	if (src->an)
		analyzer_copy_latest(src->an, &found);
	struct export_counts ec;
	struct snapshot_ctx x = { src->p,	  src->s, src->prof, &found, timestamp, 0, otlp_read_export(src->otlp, &ec),
				  analyzer_get_whatif(src->an) };
	char *text = NULL;
	struct errbuf e;
	int rc = report_json_build(&x, &text, &e);
	findings_free(&found);
	if (rc)
		return serve_reply_failure(c, e.msg);
	return serve_reply(c, MHD_HTTP_OK, "application/json", text, strlen(text));
}

static int serve_reply_json(struct MHD_Connection *c, unsigned status, json_t *v)
{
	char *text = v ? json_dumps(v, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
	json_decref(v);
	if (!text)
		return serve_reply_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "500: out of memory\n");
	size_t n = strlen(text);
	char *t = realloc(text, n + 2);
	if (t) {
		t[n++] = '\n';
		t[n] = 0;
		text = t;
	}
	return serve_reply(c, status, "application/json", text, strlen(text));
}

/* The answer to a snapshot request: {"dir", "stamp", "files": [...]} (the
 * writer's text: the folder, the stamp, then one file per line), or
 * {"error"} with 503 when none could be written. */
int serve_page_snapshot(struct serve *sv, struct MHD_Connection *c)
{
	const struct serve_source *src = &sv->src;
	if (!src->snap)
		return serve_reply_json(c, MHD_HTTP_SERVICE_UNAVAILABLE,
					json_pack("{s:s}", "error", "this nebtop takes no snapshot requests"));
	uint64_t n = snapreq_ask(src->snap);
	int ok = 0;
	char text[SNAPREQ_TEXT];
	if (!n || !snapreq_wait(src->snap, n, SERVE_SNAPSHOT_WAIT_NS, &ok, text, sizeof text))
		return serve_reply_json(c, MHD_HTTP_SERVICE_UNAVAILABLE,
					json_pack("{s:s}", "error",
						  n ? "the snapshot was not written in time: the run is ending or busy"
						    : "the run is over: no more snapshots"));
	if (!ok)
		return serve_reply_json(c, MHD_HTTP_SERVICE_UNAVAILABLE, json_pack("{s:s}", "error", text));
	json_t *files = json_array(), *v = json_object();
	char *save = NULL;
	int line = 0;
	for (char *tok = strtok_r(text, "\n", &save); tok; tok = strtok_r(NULL, "\n", &save), line++) {
		if (line == 0)
			json_object_set_new(v, "dir", json_string(tok));
		else if (line == 1)
			json_object_set_new(v, "stamp", json_string(tok));
		else
			json_array_append_new(files, json_string(tok));
	}
	json_object_set_new(v, "files", files);
	return serve_reply_json(c, MHD_HTTP_OK, v);
}

/* An unsigned number of the query (key=N), or dflt when absent or not one. */
static uint64_t serve_query_u64(struct MHD_Connection *c, const char *key, uint64_t dflt)
{
	const char *v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, key);
	if (!v || !*v)
		return dflt;
	char *end;
	unsigned long long n = strtoull(v, &end, 10);
	return *end || *v == '-' ? dflt : (uint64_t)n;
}

/* The front end's view of the run, for `nebtop attach`. */
int serve_page_view(struct serve *sv, struct MHD_Connection *c)
{
	const struct serve_source *src = &sv->src;
	if (!src->view)
		return serve_reply_text(c, MHD_HTTP_NOT_FOUND, "404: this nebtop serves no view\n");
	const char *fns = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "fns");
	struct serve_view_ask ask = {
		.stage = (size_t)serve_query_u64(c, "stage", 0),
		.fns_for_stage = fns && !strcmp(fns, "stage"),
		.reset_t_ns = serve_query_u64(c, "since", 0),
	};
	int final = 0;
	char *text = src->view(src->view_ctx, &ask, &final);
	if (!text)
		return serve_reply_failure(c, "out of memory");
	int rc = serve_reply(c, MHD_HTTP_OK, "application/json", text, strlen(text));
	serve_note_view(sv, c, final);
	return rc;
}

int serve_page_index(struct serve *sv, struct MHD_Connection *c)
{
	const struct serve_source *src = &sv->src;
	struct buf b = { 0 };
	buf_printf(&b, "nebtop %s: pipeline %s\n\n", PACKAGE_VERSION, src->pipeline_name);
	size_t n;
	const struct serve_route *r = serve_routes_list(&n);
	for (size_t i = 0; i < n; i++)
		if (strcmp(r[i].path, "/"))
			buf_printf(&b, "%-5s %s\n", r[i].method, r[i].path);
	return serve_reply(c, MHD_HTTP_OK, "text/plain; charset=utf-8", b.p, b.len);
}
