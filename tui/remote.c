/* remote.c: the screen attached to a remote nebtop (remote.h): the loop
 * that asks for the remote's view every refresh, follows the connection
 * (lost, ended, a new run), and the keys of its own (s, t, w, p, r). The
 * requests go out from a thread of their own, one at a time, so that the
 * keys answer at once while a remote is slow to answer (q ends the request
 * under way). */
#include "autoconfig.h"

#include "remote.h"

#include <curses.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "../src/base/buf.h"
#include "../src/base/clock.h"
#include "../src/base/errbuf.h"
#include "../src/base/signals.h"
#include "draw.h"
#include "keys.h"
#include "screen.h"
#include "view.h"

/* How long a view may take to come, and a snapshot to be written. */
#define REMOTE_VIEW_TIMEOUT_MS 3000u
#define REMOTE_SNAPSHOT_TIMEOUT_MS 70000u
#define REMOTE_REFRESH_NS 1000000000ull

enum remote_kind { REMOTE_VIEW, REMOTE_SNAPSHOT };

/* The exchange under way, between the screen and the request thread. */
struct remote_call {
	pthread_t tid;
	pthread_mutex_t mu;
	pthread_cond_t cond;
	int started;
	int want, busy, done, stop; /* posted; taken by the thread; answered; the thread ends */
	enum remote_kind kind;
	char method[8], path[200];
	uint64_t timeout_ms;
	int rc;
	long status;
	struct buf body;
	struct errbuf e;
};

struct remote_state {
	struct tui_state st;
	struct tui_view_meta meta; /* of the latest view */
	int have_view;
	int new_run;	  /* the latest view is of another run than the one before */
	int lost;	  /* the last request had no good answer */
	char lost_at[16]; /* HH:MM:SS, local time */
	char lost_why[200];
	uint64_t next_push; /* the graphs take a point a second */
	int want_snapshot;  /* s was pressed: asked for when the request thread is free */
	struct remote_call call;
	struct buf body; /* the latest answer, taken from the call */
};

static void *remote_call_main(void *arg)
{
	struct tui_remote *r = ((void **)arg)[0];
	struct remote_call *c = ((void **)arg)[1];
	struct buf body = { 0 };
	pthread_mutex_lock(&c->mu);
	for (;;) {
		while (!c->want && !c->stop)
			pthread_cond_wait(&c->cond, &c->mu);
		if (c->stop)
			break;
		c->want = 0;
		c->busy = 1;
		char method[sizeof c->method], path[sizeof c->path];
		memcpy(method, c->method, sizeof method);
		memcpy(path, c->path, sizeof path);
		uint64_t timeout_ms = c->timeout_ms;
		pthread_mutex_unlock(&c->mu);
		long status = 0;
		struct errbuf e = { { 0 } };
		int rc = r->request(r->ctx, method, path, timeout_ms, &status, &body, &e);
		pthread_mutex_lock(&c->mu);
		struct buf t = c->body; /* the answer goes to the call, its old buffer comes back */
		c->body = body;
		body = t;
		c->rc = rc;
		c->status = status;
		c->e = e;
		c->busy = 0;
		c->done = 1;
	}
	pthread_mutex_unlock(&c->mu);
	buf_free(&body);
	return NULL;
}

/* Posts a request when none is under way or waiting to be read: 0, or -1. */
static int remote_post(struct remote_call *c, enum remote_kind kind, const char *method, const char *path,
		       uint64_t timeout_ms)
{
	pthread_mutex_lock(&c->mu);
	int free_now = !c->want && !c->busy && !c->done;
	if (free_now) {
		c->kind = kind;
		snprintf(c->method, sizeof c->method, "%s", method);
		snprintf(c->path, sizeof c->path, "%s", path);
		c->timeout_ms = timeout_ms;
		c->want = 1;
		pthread_cond_signal(&c->cond);
	}
	pthread_mutex_unlock(&c->mu);
	return free_now ? 0 : -1;
}

/* Takes the answer that came, if one did: 1 with its kind, rc, status and
 * body (swapped into *body), else 0. */
static int remote_take(struct remote_call *c, enum remote_kind *kind, int *rc, long *status, struct buf *body,
		       struct errbuf *e)
{
	pthread_mutex_lock(&c->mu);
	int done = c->done;
	if (done) {
		*kind = c->kind;
		*rc = c->rc;
		*status = c->status;
		struct buf t = c->body;
		c->body = *body;
		*body = t;
		*e = c->e;
		c->done = 0;
	}
	pthread_mutex_unlock(&c->mu);
	return done;
}

static void remote_clock_text(char *dst, size_t n)
{
	time_t t = time(NULL);
	struct tm tm;
	localtime_r(&t, &tm);
	strftime(dst, n, "%H:%M:%S", &tm);
}

/* Why an answer that came is not a view, for a status other than 200. */
static void remote_status_why(char *dst, size_t n, long status, const struct buf *body)
{
	if (status == 401)
		snprintf(dst, n,
			 "401: the remote wants its token: NEBTOP_TOKEN is not set or is not the remote's "
			 "[export] token");
	else if (status == 404)
		snprintf(dst, n, "404: no view there (is it a nebtop %s started with -listen?)", PACKAGE_VERSION);
	else
		snprintf(dst, n, "HTTP %ld: %.120s", status, body->len ? body->p : "");
	for (char *c = dst; *c; c++) /* one line */
		if (*c == '\n' || *c == '\r')
			*c = ' ';
}

/* The path of the view the user's choices call for. */
static void remote_view_path(const struct tui_model *m, char *path, size_t n)
{
	snprintf(path, n, "/api/v1/view?stage=%zu&fns=%s&since=%llu", m->selected,
		 m->fn_for_stage ? "stage" : "process", (unsigned long long)m->reset_t_ns);
}

/* An answer to a view request (rc and status of the exchange, the body in
 * rs->body): 0 with it read into the model, or -1 with why in why. */
static int remote_read_view(struct tui_remote *r, struct remote_state *rs, int rc, long status, const struct errbuf *e,
			    char *why, size_t n)
{
	struct tui_model *m = &rs->st.m;
	rs->new_run = 0;
	if (rc != 0) {
		snprintf(why, n, "%s", e->msg);
		return -1;
	}
	if (status != 200) {
		remote_status_why(why, n, status, &rs->body);
		return -1;
	}
	struct tui_view_meta meta;
	char err[200];
	if (tui_view_parse(m, &meta, rs->body.p, rs->body.len, err, sizeof err) != 0) {
		snprintf(why, n, "%s", err);
		return -1;
	}
	/* a new run there: what belonged to the old one goes */
	if (rs->have_view && strcmp(meta.run_id, rs->meta.run_id)) {
		memset(&m->rate, 0, sizeof m->rate);
		memset(&m->alloc, 0, sizeof m->alloc);
		m->reset_t_ns = 0;
		m->snapshots = 0;
		m->last_snapshot[0] = 0;
		snprintf(m->status, sizeof m->status, "a new run on %s (run %s): attached to it", r->target,
			 meta.run_id);
		rs->new_run = 1;
	}
	rs->meta = meta;
	rs->have_view = 1;
	return 0;
}

/* A view's answer, and what the screen says about the connection. */
static void remote_take_view(struct tui_remote *r, struct remote_state *rs, int rc, long status, const struct errbuf *e)
{
	struct tui_model *m = &rs->st.m;
	int was_final = rs->have_view && rs->meta.final;
	char why[sizeof rs->lost_why];
	if (remote_read_view(r, rs, rc, status, e, why, sizeof why) != 0) {
		if (!rs->lost) {
			rs->lost = 1;
			remote_clock_text(rs->lost_at, sizeof rs->lost_at);
		}
		/* the time it was lost stays; the reason is the latest (nobody
		 * there, then another server on the port, ...) */
		snprintf(rs->lost_why, sizeof rs->lost_why, "%s", why);
		snprintf(m->state, sizeof m->state, "%s", was_final ? "ended" : "lost");
		if (was_final)
			snprintf(m->status, sizeof m->status,
				 "the run on %s ended and its nebtop has gone (%s): these are its final figures; "
				 "attach follows a new run there (q quits)",
				 r->target, rs->lost_at);
		else
			snprintf(m->status, sizeof m->status,
				 "lost %s at %s (%s): the figures are from then; trying again every refresh (q quits)",
				 r->target, rs->lost_at, rs->lost_why);
		return;
	}
	if (rs->lost && !rs->new_run)
		snprintf(m->status, sizeof m->status, "attached to %s again", r->target);
	rs->lost = 0;
	if (rs->meta.final && !was_final)
		snprintf(m->status, sizeof m->status, "the run on %s has ended: its final figures (q quits)",
			 r->target);
	uint64_t now = clock_now_ns();
	if (now >= rs->next_push) {
		tui_history_push(&m->rate, m->records_per_sec);
		tui_history_push(&m->alloc, m->alloc_bytes_per_sec);
		rs->next_push = now + REMOTE_REFRESH_NS;
	}
}

/* The answer to a snapshot request: it names the folder and the files. */
static void remote_take_snapshot(struct tui_remote *r, struct remote_state *rs, int rc, long status,
				 const struct errbuf *e)
{
	struct tui_model *m = &rs->st.m;
	if (rc != 0) {
		snprintf(m->status, sizeof m->status, "no snapshot: %s", e->msg);
		snprintf(rs->st.notice, sizeof rs->st.notice, "%s", m->status);
		return;
	}
	json_t *o = json_loadb(rs->body.p, rs->body.len, 0, NULL);
	const char *dir = json_string_value(json_object_get(o, "dir"));
	const char *error = json_string_value(json_object_get(o, "error"));
	const json_t *files = json_object_get(o, "files");
	if (status == 200 && dir) {
		m->snapshots++;
		snprintf(m->last_snapshot, sizeof m->last_snapshot, "%s (on the remote)", dir);
		const char *first = json_string_value(json_array_get(files, 0));
		snprintf(m->status, sizeof m->status, "snapshot written on %s into %s: %zu files (%s%s)", r->target,
			 dir, json_array_size(files), first ? first : "", json_array_size(files) > 1 ? ", ..." : "");
		rs->st.notice[0] = 0;
	} else {
		char why[200];
		const char *said = "no snapshot: "; /* the remote's reason may say so already */
		if (error && !strncmp(error, said, strlen(said)))
			error += strlen(said);
		if (error)
			snprintf(why, sizeof why, "%s", error);
		else
			remote_status_why(why, sizeof why, status, &rs->body);
		snprintf(m->status, sizeof m->status, "%s%s", said, why);
		snprintf(rs->st.notice, sizeof rs->st.notice, "%s", m->status);
	}
	json_decref(o);
}

static void remote_own_key(struct tui_remote *r, struct remote_state *rs, int ch)
{
	struct tui_model *m = &rs->st.m;
	switch (ch) {
	case 's':
		rs->want_snapshot = 1;
		snprintf(m->status, sizeof m->status, "asking %s for a snapshot ...", r->target);
		break;
	case 't':
		snprintf(m->status, sizeof m->status,
			 "t: a trace is captured where the pipeline runs (its own screen); s asks %s for a snapshot",
			 r->target);
		break;
	case 'w':
		snprintf(m->status, sizeof m->status,
			 "w: what-if experiments are asked for where the pipeline runs (on its own screen, or with "
			 "-whatif); their results show here, under the stage's latency histogram");
		break;
	case 'p':
		rs->st.paused = !rs->st.paused;
		snprintf(m->status, sizeof m->status, "%s",
			 rs->st.paused ? "this view paused: no requests to the remote, whose run goes on (p resumes)"
				       : "this view resumed");
		break;
	case 'r':
		m->reset_t_ns = rs->meta.sample_t_ns;
		snprintf(m->status, sizeof m->status, "peaks and averages reset");
		break;
	default:
		break;
	}
}

/* Starts the request thread; 0, or -1. */
static int remote_call_start(struct remote_call *c, void **args)
{
	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->cond, NULL);
	if (pthread_create(&c->tid, NULL, remote_call_main, args) != 0) {
		pthread_cond_destroy(&c->cond);
		pthread_mutex_destroy(&c->mu);
		return -1;
	}
	c->started = 1;
	return 0;
}

/* Ends the request under way and the thread. */
static void remote_call_stop(struct tui_remote *r, struct remote_call *c)
{
	if (!c->started)
		return;
	pthread_mutex_lock(&c->mu);
	c->stop = 1;
	pthread_cond_signal(&c->cond);
	pthread_mutex_unlock(&c->mu);
	if (r->cancel)
		r->cancel(r->ctx);
	pthread_join(c->tid, NULL);
	pthread_cond_destroy(&c->cond);
	pthread_mutex_destroy(&c->mu);
	buf_free(&c->body);
}

/* This turn's request, when the thread is free: a snapshot asked for, or
 * the view when it is due (not while the view is paused or frozen). */
static void remote_ask(struct remote_state *rs, uint64_t now, uint64_t *next_fetch)
{
	struct tui_state *st = &rs->st;
	if (rs->want_snapshot) {
		if (remote_post(&rs->call, REMOTE_SNAPSHOT, "POST", "/api/v1/snapshot", REMOTE_SNAPSHOT_TIMEOUT_MS) ==
		    0)
			rs->want_snapshot = 0;
		return;
	}
	if (now < *next_fetch || st->paused || st->frozen)
		return;
	char path[160];
	remote_view_path(&st->m, path, sizeof path);
	if (remote_post(&rs->call, REMOTE_VIEW, "GET", path, REMOTE_VIEW_TIMEOUT_MS) == 0)
		*next_fetch = now + st->refresh_ns;
}

static void remote_draw(struct remote_state *rs)
{
	struct tui_state *st = &rs->st;
	struct tui_model *m = &st->m;
	tui_detail_follow(&st->detail, m);
	if (st->help) {
		draw_help(&st->d, st->scr.rows, st->scr.cols);
	} else if (st->detail.open) {
		draw_detail(&st->d, &st->detail, m->nalerts, st->scr.rows, st->scr.cols);
	} else {
		draw_screen(&st->d, m, st->scr.rows, st->scr.cols, st->frozen, st->paused, st->notice);
		tui_nav_focus_check(&st->d.nav);
	}
}

int tui_remote_run(struct tui_remote *r, char *err, size_t errlen)
{
	struct remote_state *rs = calloc(1, sizeof *rs);
	if (!rs) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	struct tui_state *st = &rs->st;
	struct tui_model *m = &st->m;
	/* the first view, before the screen: what is wrong is said plainly */
	char why[300], path[160];
	long status = 0;
	struct errbuf e = { { 0 } };
	remote_view_path(m, path, sizeof path);
	int rc = r->request(r->ctx, "GET", path, REMOTE_VIEW_TIMEOUT_MS, &status, &rs->body, &e);
	void *args[2] = { r, &rs->call };
	if (remote_read_view(r, rs, rc, status, &e, why, sizeof why) != 0 || remote_call_start(&rs->call, args) != 0) {
		snprintf(err, errlen, "cannot attach to %s: %s", r->target, rs->have_view ? "no thread" : why);
		buf_free(&rs->body);
		free(rs);
		return -1;
	}
	if (tui_screen_open(&st->scr, r->sig, &st->d, r->color, err, errlen) != 0) {
		remote_call_stop(r, &rs->call);
		buf_free(&rs->body);
		free(rs);
		return -1;
	}
	st->d.attached = 1;
	snprintf(m->attached, sizeof m->attached, "%s", r->target);
	snprintf(m->status, sizeof m->status, "attached to %s (run %s): q closes this view, the run goes on", r->target,
		 rs->meta.run_id);
	if (rs->meta.final)
		snprintf(m->status, sizeof m->status, "the run on %s has ended: its final figures (q quits)",
			 r->target);
	st->refresh_ns = REMOTE_REFRESH_NS;
	uint64_t next_draw = 0, next_fetch = clock_now_ns() + st->refresh_ns;
	tui_history_push(&m->rate, m->records_per_sec);
	tui_history_push(&m->alloc, m->alloc_bytes_per_sec);
	rs->next_push = clock_now_ns() + REMOTE_REFRESH_NS;
	for (;;) {
		if (atomic_load(&r->sig->stop_requests) > 0)
			break;
		int quit = 0, ch = getch();
		/* what the view is asked for: when a key changes it, ask at once */
		size_t asked_stage = m->selected;
		int asked_fns = m->fn_for_stage;
		uint64_t asked_since = m->reset_t_ns;
		while (ch != ERR && !quit) {
			enum tui_key_result k = tui_keys_handle(st, ch);
			if (k == TUI_KEY_QUIT)
				quit = 1;
			else if (k == TUI_KEY_OWN)
				remote_own_key(r, rs, ch);
			next_draw = 0;
			ch = getch();
		}
		if (m->selected != asked_stage || m->fn_for_stage != asked_fns || m->reset_t_ns != asked_since)
			next_fetch = 0;
		if (quit)
			break;
		tui_screen_follow_size(&st->scr);
		uint64_t now = clock_now_ns();
		remote_ask(rs, now, &next_fetch);
		enum remote_kind kind;
		if (remote_take(&rs->call, &kind, &rc, &status, &rs->body, &e)) {
			if (kind == REMOTE_VIEW && !st->paused && !st->frozen) /* (asked for before the pause) */
				remote_take_view(r, rs, rc, status, &e);
			else if (kind == REMOTE_SNAPSHOT)
				remote_take_snapshot(r, rs, rc, status, &e);
			next_draw = 0;
		}
		if (now >= next_draw) {
			remote_draw(rs);
			next_draw = now + st->refresh_ns;
		}
	}
	tui_screen_close(&st->scr);
	remote_call_stop(r, &rs->call);
	buf_free(&rs->body);
	free(rs);
	return 0;
}
