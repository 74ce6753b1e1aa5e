/* remote.h: the front end attached to a remote nebtop (`nebtop attach`):
 * the same panels, keys and layout as over a local run, filled from the
 * remote's view (GET /api/v1/view, view.h) every refresh. s asks the
 * remote for a snapshot (POST /api/v1/snapshot) and shows where it was
 * written; p pauses this view and q closes it, the remote's run going on.
 * When the remote ends, the screen keeps its final figures and says so;
 * when a nebtop listens there again, it attaches to the new run. */
#ifndef NEB_TUI_REMOTE_H
#define NEB_TUI_REMOTE_H

#include <stddef.h>
#include <stdint.h>

struct signals;
struct buf;
struct errbuf;

struct tui_remote {
	const char *target; /* "127.0.0.1:9464", as the header shows it */
	struct signals *sig;
	int color; /* colour wanted (--no-color and NO_COLOR say no) */
	/* an exchange with the remote: 0 with the HTTP status and the body,
	 * -1 with why there was no answer */
	int (*request)(void *ctx, const char *method, const char *path, uint64_t timeout_ms, long *status,
		       struct buf *body, struct errbuf *e);
	void *ctx;
};

/* Asks for the first view, then runs the screen until q, F10 or a stop
 * signal: 0; -1 with why in err when the first view cannot be had (the
 * remote cannot be reached, needs a token, is not a nebtop that serves
 * views) or the terminal cannot be set up. */
int tui_remote_run(struct tui_remote *r, char *err, size_t errlen);

#endif
