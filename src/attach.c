/* attach.c: `nebtop attach [HOST:]PORT`: the front end against a remote
 * nebtop's listener (tui/remote.c) instead of a local pipeline. Reads the
 * command line and NEBTOP_TOKEN, starts the signal thread (Ctrl-C closes the
 * view) and gives the screen its way of asking the remote
 * (src/serve/serve_client.c). */
#include "autoconfig.h"

#include "attach.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../tui/remote.h"
#include "../tui/tui.h"
#include "base/signals.h"
#include "config/config.h"
#include "serve/serve_client.h"

static void attach_usage(FILE *to)
{
	fprintf(to, "Usage: nebtop attach [--no-color] [HOST:]PORT\n"
		    "Runs the front end against a nebtop started with -listen (or [export] listen):\n"
		    "the same panels and keys, filled from its /api/v1/view. s asks it for a\n"
		    "snapshot; p pauses and q closes this view only. HOST defaults to 127.0.0.1;\n"
		    "the address the remote prints (http://HOST:PORT/) is taken as well;\n"
		    "a listener with a token needs it in NEBTOP_TOKEN. See nebtop(1).\n");
}

static int attach_request(void *ctx, const char *method, const char *path, uint64_t timeout_ms, long *status,
			  struct buf *body, struct errbuf *e)
{
	return serve_client_request(ctx, method, path, timeout_ms, status, body, e);
}

static void attach_cancel(void *ctx) { serve_client_cancel(ctx); }

int attach_main(int argc, char **argv)
{
	const char *addr = NULL;
	int color = 1;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			attach_usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "--no-color")) {
			color = 0;
		} else if (argv[i][0] == '-' || addr) {
			fprintf(stderr, "nebtop attach: unexpected argument '%s'\n", argv[i]);
			attach_usage(stderr);
			return 2;
		} else {
			addr = argv[i];
		}
	}
	char host[256];
	unsigned port = 0;
	if (!addr) {
		fprintf(stderr, "nebtop attach: the address is missing\n");
		attach_usage(stderr);
		return 2;
	}
	/* the address as the remote says where it listens: http://HOST:PORT/ */
	char given[300];
	const char *scheme = "http://";
	int url = !strncmp(addr, scheme, strlen(scheme));
	snprintf(given, sizeof given, "%s", url ? addr + strlen(scheme) : addr);
	size_t gl = strlen(given);
	if (url && gl && given[gl - 1] == '/')
		given[gl - 1] = 0;
	if (config_parse_listen(given, host, sizeof host, &port) != 0 || port == 0) {
		fprintf(stderr, "nebtop attach: '%s' is not an address: [HOST:]PORT, [IPV6]:PORT or PORT (1-65535)\n",
			addr);
		return 2;
	}
	if (!tui_can_run()) {
		fprintf(stderr, "nebtop attach: needs a terminal (standard input and output); GET "
				"/api/v1/metrics gives the same figures to a program\n");
		return 2;
	}
	char target[300];
	int v6 = strchr(host, ':') != NULL;
	snprintf(target, sizeof target, "%s%s%s:%u", v6 ? "[" : "", host, v6 ? "]" : "", port);
	struct serve_client *client = serve_client_new(host, port, getenv("NEBTOP_TOKEN"));
	if (!client) {
		fprintf(stderr, "nebtop attach: out of memory\n");
		return 1;
	}
	struct signals sig = { 0 };
	signals_block();
	signals_start(&sig);
	struct tui_remote r = {
		.target = target,
		.sig = &sig,
		.color = color, /* NO_COLOR is read with the terminal (tui/screen.c) */
		.request = attach_request,
		.cancel = attach_cancel,
		.ctx = client,
	};
	char err[600];
	int rc = tui_remote_run(&r, err, sizeof err);
	signals_stop(&sig);
	serve_client_free(client);
	if (rc != 0) {
		fprintf(stderr, "nebtop attach: %s\n", err);
		return 1;
	}
	return 0;
}
