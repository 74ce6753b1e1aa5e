/* serve_pprof.c: the pprof-over-HTTP convention of Go programs (and of
 * Pyroscope and Parca): GET /debug/pprof/profile?seconds=N waits N seconds
 * and answers with the CPU profile of those seconds, /debug/pprof/heap
 * with the memory profile, both gzipped pprof as the snapshot files are,
 * so that `go tool pprof http://HOST:PORT/debug/pprof/profile?seconds=5`
 * works as it does against a Go program. */
#include "autoconfig.h"

#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../base/clock.h"
#include "../profile/profiler.h"
#include "serve_internal.h"

/* Go's default when seconds is not given. */
#define SERVE_PPROF_DEFAULT_S 30

/* The answer to a profile request: the gzipped pprof (rc 0), 404 with off
 * when that profiler is off (rc 1), else 500 with why. */
static int serve_pprof_answer(struct MHD_Connection *c, int rc, unsigned char *gz, size_t len,
			      const struct errbuf *e, const char *name, const char *off)
{
	if (rc == 1)
		return serve_reply_text(c, MHD_HTTP_NOT_FOUND, off);
	if (rc)
		return serve_reply_failure(c, e->msg);
	struct MHD_Response *r = MHD_create_response_from_buffer(len, gz, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(gz);
		return MHD_NO;
	}
	char disp[96];
	snprintf(disp, sizeof disp, "attachment; filename=\"%s\"", name);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/octet-stream");
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_DISPOSITION, disp);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	enum MHD_Result res = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return res;
}

int serve_page_pprof_cpu(struct serve *sv, struct MHD_Connection *c)
{
	uint64_t keep = profiler_cpu_window(sv->src.prof);
	const char *arg = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "seconds");
	long secs = SERVE_PPROF_DEFAULT_S;
	if (arg) {
		char *end;
		secs = strtol(arg, &end, 10);
		if (!*arg || *end || secs <= 0 || secs > 3600)
			return serve_reply_text(c, MHD_HTTP_BAD_REQUEST,
						"400: seconds must be a whole number of seconds, 1 to 3600\n");
	}
	if (!sv->src.prof || !keep) {
		return serve_reply_text(c, MHD_HTTP_NOT_FOUND,
					"404: the CPU profiler is off in this run (-types without cpu)\n");
	}
	if ((uint64_t)secs * 1000000000ull > keep) {
		char msg[200];
		snprintf(msg, sizeof msg,
			 "400: seconds=%ld is more than the %.0f s of CPU profile this run keeps "
			 "(-cpu-duration)\n",
			 secs, (double)keep / 1e9);
		return serve_reply_text(c, MHD_HTTP_BAD_REQUEST, msg);
	}
	/* wait the seconds asked for (the profile is of them), unless the
	 * listener stops meanwhile: then what there is */
	uint64_t t0 = clock_now_ns(), until = t0 + (uint64_t)secs * 1000000000ull;
	while (clock_now_ns() < until && !atomic_load(&sv->stopping))
		clock_sleep_ns(50 * 1000000ull);
	unsigned char *gz = NULL;
	size_t len = 0;
	struct errbuf e;
	int rc = profiler_cpu_pprof(sv->src.prof, clock_now_ns() - t0, &gz, &len, &e);
	return serve_pprof_answer(c, rc, gz, len, &e, "profile", "404: the CPU profiler is off in this run\n");
}

int serve_page_pprof_heap(struct serve *sv, struct MHD_Connection *c)
{
	unsigned char *gz = NULL;
	size_t len = 0;
	struct errbuf e;
	int rc = profiler_memory_pprof(sv->src.prof, &gz, &len, &e);
	return serve_pprof_answer(c, rc, gz, len, &e, "heap",
				  "404: the memory profiler is off in this run (-types without memory, or a build "
				  "without its malloc hooks)\n");
}

int serve_page_pprof_index(struct serve *sv, struct MHD_Connection *c)
{
	(void)sv;
	return serve_reply_text(c, MHD_HTTP_OK,
				"nebtop's profiles, as Go's net/http/pprof serves them (go tool pprof URL):\n\n"
				"/debug/pprof/profile?seconds=N  the CPU profile of the next N seconds (default 30)\n"
				"/debug/pprof/heap               the memory profile: in use and allocated\n");
}
