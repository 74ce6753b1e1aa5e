/* tui.h: the interactive front end. It runs on the main thread over a
 * running pipeline: redraws the panels every refresh from the model
 * (model.h), reads keys and the mouse, takes snapshots and traces on
 * request, and restores the terminal on every way out. */
#ifndef NEB_TUI_H
#define NEB_TUI_H

#include <stddef.h>
#include <stdint.h>

struct analyzer;
struct config;
struct pipeline;
struct profiler;
struct sampler;
struct signals;

struct snapreq;

struct tui_run {
	struct pipeline *p;
	struct sampler *s;
	struct profiler *prof;
	struct analyzer *an;
	const struct config *c;
	struct signals *sig;
	struct snapreq *snap; /* snapshots asked for over the listener (NULL: none) */
	const char *serving;  /* the listener's address ("127.0.0.1:9464"), or NULL */
	/* writes a snapshot; 0 with what was written in status, -1 with the error */
	int (*take_snapshot)(void *ctx, char *status, size_t n);
	/* finishes the run (joins the threads, commits the output, ends the
	 * sampler's series with a last sample, writes the final snapshot) when the
	 * input has ended; 1 when it wrote the final snapshot, 0 when that
	 * failed (the status says so), -1 when the run failed */
	int (*finish)(void *ctx, char *status, size_t n);
	void *ctx;
	uint64_t duration_ns; /* -duration: the run stops then and the screen closes (0: none) */
	unsigned snapshots; /* written so far (the caller's count is updated) */
	/* set when the user abandoned the drain ("a second q", "Ctrl-C
	 * (SIGINT)", "a second stop signal"): the screen is closed and the caller exits
	 * without draining (progress_print_abandoned) */
	const char *abandoned;
	char last_snapshot[256];
};

/* 1 when the TUI can run: stdout and stdin are terminals. */
int tui_can_run(void);
/* Runs until the user quits (q, F10), a stop signal or the end of
 * -duration, after the pipeline has drained (at the end of the input the
 * screen stays up with the final figures until the user quits); returns 0, or -1 when the terminal could not be set up (the
 * message is in err). Standard error is kept aside while the screen is in
 * use and printed when it is restored. */
int tui_run(struct tui_run *r, char *err, size_t errlen);

#endif
