/* tui.c: the interactive front end's loop: terminal set-up and restore,
 * keys and mouse, the refresh timer, snapshots, traces, pause and the
 * screen-size check. Drawing is in draw.c and draw_detail.c, the figures
 * in model.c, what the movement keys do to the focused panel and to the
 * detail view in nav.c. */
#include "autoconfig.h"

#include "tui.h"

#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "../src/base/clock.h"
#include "../pipeline/pipeline.h"
#include "../pipeline/sampler.h"
#include "../src/config/config.h"
#include "../src/profile/prof_trace.h"
#include "../src/base/signals.h"
#include "../src/base/snapreq.h"
#include "../src/report/snapshot.h"
#include "draw.h"
#include "drain.h"
#include "model.h"
#include "nav.h"

/* The terminal as it was before the screen took it, for an exit at once
 * from the signal thread (tui_restore_at_once). Written before the signal
 * thread can use it, read only by it. */
static struct termios tui_saved_termios;
static int tui_saved_valid;
/* standard error as it was before the screen held it (-1: not held), so
 * that the message of an exit at once reaches the terminal */
static _Atomic int tui_saved_stderr = -1;

static void tui_restore_at_once(void)
{
	static const char seq[] = "\033[?1000l\033[0m\033[?25h\033[?1049l\r\n";
	ssize_t w = write(STDOUT_FILENO, seq, sizeof seq - 1);
	(void)w;
	if (tui_saved_valid)
		tcsetattr(STDIN_FILENO, TCSANOW, &tui_saved_termios);
	int fd = atomic_load(&tui_saved_stderr);
	if (fd >= 0)
		dup2(fd, STDERR_FILENO);
}

int tui_can_run(void) { return isatty(STDOUT_FILENO) && isatty(STDIN_FILENO); }

/* Standard error goes to a temporary file while the screen is in use. */
struct tui_stderr {
	int saved_fd;
	FILE *tmp;
};

static void tui_stderr_hold(struct tui_stderr *h)
{
	h->saved_fd = -1;
	h->tmp = tmpfile();
	if (!h->tmp)
		return;
	fflush(stderr);
	h->saved_fd = dup(STDERR_FILENO);
	if (h->saved_fd < 0 || dup2(fileno(h->tmp), STDERR_FILENO) < 0) {
		fclose(h->tmp);
		h->tmp = NULL;
		return;
	}
	atomic_store(&tui_saved_stderr, h->saved_fd);
}

static void tui_stderr_release(struct tui_stderr *h)
{
	if (!h->tmp)
		return;
	fflush(stderr);
	atomic_store(&tui_saved_stderr, -1);
	dup2(h->saved_fd, STDERR_FILENO);
	close(h->saved_fd);
	rewind(h->tmp);
	char buf[4096];
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, h->tmp)) > 0)
		fwrite(buf, 1, n, stderr);
	fclose(h->tmp);
	h->tmp = NULL;
}

/* What the user's keys change. */
struct tui_state {
	struct tui_model m;
	struct draw_opts d;
	struct tui_detail detail; /* the finding opened with Enter */
	uint64_t refresh_ns;
	int frozen, help, paused, quitting;
	int quit_by_key;         /* the quit came from q or -duration, not a signal: a stop signal abandons it */
	uint64_t quit_t_ns, quit_out; /* when the quit came, and the records written then */
	uint64_t trace_until_ns; /* a trace capture ends then (0: none) */
	int trace_started;       /* the capture turned tracing on */
	char notice[320];        /* a failed snapshot, shown among the alerts */
	int rows, cols;
};

/* Writes the trace of the last trace_duration into a file of its own. */
static void tui_finish_trace(struct tui_run *r, struct tui_state *st)
{
	char *json = NULL;
	size_t len = 0;
	struct snapshot_result res;
	struct errbuf e;
	uint64_t window = r->c->prof.trace_duration_ns;
	if (trace_write_json(window, &json, &len) == 0 && snapshot_begin(r->c->prof.output, &res, &e) == 0) {
		char name[64];
		snprintf(name, sizeof name, "trace_%s.json", res.stamp);
		if (snapshot_write_bytes(r->c->prof.output, name, json, len, &e) == 0)
			snprintf(st->m.status, sizeof st->m.status, "trace written: %s/%s", r->c->prof.output, name);
		else
			snprintf(st->m.status, sizeof st->m.status, "trace not written: %s", e.msg);
	} else {
		snprintf(st->m.status, sizeof st->m.status, "trace not written: %s", json ? e.msg : "no trace data");
	}
	free(json);
	if (st->trace_started)
		trace_stop();
	st->trace_until_ns = 0;
	st->trace_started = 0;
}

static void tui_start_trace(struct tui_run *r, struct tui_state *st)
{
	if (st->trace_until_ns) {
		snprintf(st->m.status, sizeof st->m.status, "a trace is being captured");
		return;
	}
	st->trace_started = !trace_is_on();
	if (st->trace_started)
		trace_start();
	st->trace_until_ns = clock_now_ns() + r->c->prof.trace_duration_ns;
	char d[32];
	snprintf(d, sizeof d, "%.1fs", (double)r->c->prof.trace_duration_ns / 1e9);
	snprintf(st->m.status, sizeof st->m.status, "capturing a trace for %s ...", d);
}

/* One more snapshot written, into the output folder: the header shows them. */
static void tui_count_snapshot(struct tui_run *r)
{
	r->snapshots++;
	snprintf(r->last_snapshot, sizeof r->last_snapshot, "%s", r->c->prof.output);
}

static void tui_take_snapshot(struct tui_run *r, struct tui_state *st)
{
	char status[sizeof st->m.status];
	if (r->take_snapshot(r->ctx, status, sizeof status) == 0) {
		tui_count_snapshot(r);
		st->notice[0] = 0;
	} else {
		snprintf(st->notice, sizeof st->notice, "%s", status);
	}
	snprintf(st->m.status, sizeof st->m.status, "%s", status);
}

/* The screen is to close (q, a signal, -duration): the pipeline drains
 * first. A run that has already finished (the input ended) keeps its own
 * ending: no stop reason is put on it, so that the summary line, the report
 * and the metrics agree on how it ended. */
static void tui_request_stop(struct tui_run *r, struct tui_state *st, const char *why)
{
	st->quitting = 1;
	st->quit_t_ns = clock_now_ns();
	st->quit_out = st->m.out;
	if (pipeline_wait_done(r->p, 0))
		return;
	pipeline_set_paused(r->p, 0);
	pipeline_request_stop(r->p, why);
}

/* The movement a key asks for, or -1. */
static int tui_key_move(int ch)
{
	switch (ch) {
	case KEY_UP:
	case 'k':
		return TUI_MOVE_UP;
	case KEY_DOWN:
	case 'j':
		return TUI_MOVE_DOWN;
	case KEY_PPAGE:
		return TUI_MOVE_PAGE_UP;
	case KEY_NPAGE:
		return TUI_MOVE_PAGE_DOWN;
	case KEY_HOME:
		return TUI_MOVE_HOME;
	case KEY_END:
		return TUI_MOVE_END;
	default:
		return -1;
	}
}

static int tui_key_is_enter(int ch) { return ch == '\n' || ch == '\r' || ch == KEY_ENTER; }

/* A key in the detail view: the movement keys scroll it, Esc, q and Enter
 * close it (q does not quit there), F10 still quits; 1 when it does. */
static int tui_detail_key(struct tui_state *st, int ch)
{
	struct tui_detail *v = &st->detail;
	int mv = tui_key_move(ch);
	if (mv >= 0) {
		tui_detail_move(v, (enum tui_move)mv);
		return 0;
	}
	if (ch == 27 || ch == 'q' || ch == 'Q' || tui_key_is_enter(ch)) {
		v->open = 0;
		return 0;
	}
	if (ch == KEY_F(10))
		return 1;
	if (ch == KEY_MOUSE) {
		MEVENT ev;
		getmouse(&ev); /* taken off the queue: the view has nothing to click */
		return 0;
	}
	if (ch != ERR && ch != KEY_RESIZE)
		snprintf(v->note, sizeof v->note, "this view takes only the keys below (Esc closes it)");
	return 0;
}

/* What the focused panel does with the movement keys. */
static void tui_focus_status(struct tui_state *st)
{
	static const char *const what[TUI_PANELS] = {
		"up/down select a stage",
		"up/down scroll the channels",
		"up/down select an alert, Enter shows it whole",
		"up/down scroll the functions",
	};
	snprintf(st->m.status, sizeof st->m.status, "focus on %s: %s", tui_panel_name(st->d.nav.focus),
		 what[st->d.nav.focus]);
}

static void tui_enter(struct tui_state *st)
{
	if (st->d.nav.focus != TUI_PANEL_ALERTS)
		snprintf(st->m.status, sizeof st->m.status, "Enter opens an alert whole: Tab to the Alerts first");
	else if (tui_detail_open(&st->detail, &st->m) != 0)
		snprintf(st->m.status, sizeof st->m.status, "no alert to open");
}

/* One key; returns 1 when the user asked to quit. */
static int tui_handle_key(struct tui_run *r, struct tui_state *st, int ch)
{
	if (st->help && ch != ERR && ch != KEY_RESIZE && ch != KEY_MOUSE) {
		st->help = 0;
		return 0;
	}
	if (st->detail.open)
		return tui_detail_key(st, ch);
	int mv = tui_key_move(ch);
	if (mv >= 0) {
		char msg[sizeof st->m.status];
		tui_nav_move(&st->d.nav, &st->m, (enum tui_move)mv, msg, sizeof msg);
		if (msg[0]) /* the key could do nothing there: the status line says why */
			snprintf(st->m.status, sizeof st->m.status, "%s", msg);
		return 0;
	}
	if (tui_key_is_enter(ch)) {
		tui_enter(st);
		return 0;
	}
	switch (ch) {
	case 'q':
	case 'Q':
	case KEY_F(10):
		return 1;
	case 's':
		tui_take_snapshot(r, st);
		break;
	case 't':
		tui_start_trace(r, st);
		break;
	case 'p':
		st->paused = !st->paused;
		pipeline_set_paused(r->p, st->paused);
		snprintf(st->m.status, sizeof st->m.status, "%s", st->paused ? "source paused (p resumes)" : "source resumed");
		break;
	case ' ':
		st->frozen = !st->frozen;
		snprintf(st->m.status, sizeof st->m.status, "%s",
			 st->frozen ? "display frozen (space thaws; the pipeline keeps running)" : "display live");
		break;
	case '\t':
	case KEY_BTAB:
		tui_nav_focus_step(&st->d.nav, ch == '\t' ? 1 : -1);
		tui_focus_status(st);
		break;
	case 'f':
		if (st->d.fns_hidden)
			snprintf(st->m.status, sizeof st->m.status,
				 "f: the Top functions have no room at %dx%d (a taller terminal shows them)", st->cols,
				 st->rows);
		else
			st->m.fn_for_stage = !st->m.fn_for_stage;
		break;
	case '+':
		if (st->refresh_ns > 100000000ull)
			st->refresh_ns /= 2;
		snprintf(st->m.status, sizeof st->m.status, "refresh every %.0f ms", (double)st->refresh_ns / 1e6);
		break;
	case '-':
		if (st->refresh_ns < 8000000000ull)
			st->refresh_ns *= 2;
		snprintf(st->m.status, sizeof st->m.status, "refresh every %.0f ms", (double)st->refresh_ns / 1e6);
		break;
	case 'r':
		sampler_lock(r->s);
		st->m.reset_t_ns = sampler_latest(r->s)->t_ns;
		sampler_unlock(r->s);
		snprintf(st->m.status, sizeof st->m.status, "peaks and averages reset");
		break;
	case 'h':
	case '?':
	case KEY_F(1):
		st->help = 1;
		break;
	case KEY_MOUSE: {
		MEVENT ev;
		if (getmouse(&ev) == OK && (ev.bstate & (BUTTON1_CLICKED | BUTTON1_PRESSED))) {
			int row = draw_stage_at(&st->d, ev.y, ev.x);
			if (row >= 0 && (size_t)row < st->m.nstages) {
				st->m.selected = (size_t)row;
				st->d.nav.focus = TUI_PANEL_STAGES;
			}
		}
		break;
	}
	default:
		break;
	}
	return 0;
}

/* Follows the terminal's size (SIGWINCH goes to the signal thread, so the
 * size is read here on every turn). */
static void tui_follow_size(struct tui_state *st)
{
	struct winsize ws;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) != 0 || !ws.ws_row || !ws.ws_col)
		return;
	if (ws.ws_row != st->rows || ws.ws_col != st->cols) {
		st->rows = ws.ws_row;
		st->cols = ws.ws_col;
		resizeterm(st->rows, st->cols);
		clear();
	}
}

static int tui_utf8_locale(void)
{
	const char *cs = nl_langinfo(CODESET);
	return cs && (!strcmp(cs, "UTF-8") || !strcmp(cs, "utf8"));
}

static void tui_update_model(struct tui_run *r, struct tui_state *st, int push)
{
	st->m.snapshots = r->snapshots;
	snprintf(st->m.last_snapshot, sizeof st->m.last_snapshot, "%s", r->last_snapshot);
	snprintf(st->m.serving, sizeof st->m.serving, "%s", r->serving ? r->serving : "");
	tui_model_update(&st->m, r->p, r->s, r->prof, r->an, push);
	tui_detail_follow(&st->detail, &st->m);
}

int tui_run(struct tui_run *r, char *err, size_t errlen)
{
	setlocale(LC_ALL, "");
	struct tui_state *st = calloc(1, sizeof *st);
	if (!st) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	tui_saved_valid = tcgetattr(STDIN_FILENO, &tui_saved_termios) == 0;
	struct tui_stderr held;
	tui_stderr_hold(&held);
	if (!initscr()) {
		tui_stderr_release(&held);
		snprintf(err, errlen, "cannot set up the terminal (TERM=%s)", getenv("TERM") ? getenv("TERM") : "");
		free(st);
		return -1;
	}
	atomic_store(&r->sig->before_exit, tui_restore_at_once);
	cbreak();
	noecho();
	keypad(stdscr, TRUE);
	curs_set(0);
	timeout(50);
#ifdef NCURSES_VERSION
	set_escdelay(100); /* Esc alone closes the detail view at once, not after a second */
#endif
	mousemask(BUTTON1_CLICKED | BUTTON1_PRESSED, NULL);
	st->d.utf8 = tui_utf8_locale();
	st->d.color = r->c->ui.color && !r->c->no_color && !getenv("NO_COLOR") && has_colors();
	if (st->d.color)
		draw_init_colors();
	st->refresh_ns = r->c->ui.refresh_ns;
	getmaxyx(stdscr, st->rows, st->cols);
	uint64_t start = clock_now_ns(), next_draw = 0, next_push = start + 1000000000ull;
	int done_seen = 0;
	/* a second stop signal now comes here, to close the screen first */
	atomic_store(&r->sig->main_takes_abandon, 1);
	for (;;) {
		uint64_t now = clock_now_ns();
		int sigterm = atomic_load(&r->sig->last_signal) == SIGTERM;
		if (atomic_load(&r->sig->abandon)) {
			r->abandoned = "a second stop signal";
			break;
		}
		if (atomic_load(&r->sig->stop_requests) > 0 && st->quitting && st->quit_by_key &&
		    !pipeline_wait_done(r->p, 0)) {
			/* Ctrl-C (or a SIGTERM) after q or -duration: the second request */
			r->abandoned = sigterm ? "SIGTERM" : "Ctrl-C (SIGINT)";
			break;
		}
		if (atomic_load(&r->sig->stop_requests) > 0 && !st->quitting)
			tui_request_stop(r, st, sigterm ? "SIGTERM" : "SIGINT");
		while (atomic_load(&r->sig->snapshot_requests) > 0) {
			atomic_fetch_sub(&r->sig->snapshot_requests, 1);
			sampler_take_sample(r->s);
			tui_take_snapshot(r, st);
		}
		/* asked over the listener: the answer goes back to the asker */
		while (r->snap && snapreq_take(r->snap)) {
			sampler_take_sample(r->s);
			tui_take_snapshot(r, st);
			snapreq_done(r->snap);
		}
		if (r->duration_ns && now - start >= r->duration_ns && !st->quitting) {
			char d[32], why[64];
			snprintf(d, sizeof d, "%.2fs", (double)r->duration_ns / 1e9);
			snprintf(why, sizeof why, "duration %s", d);
			tui_request_stop(r, st, why);
			st->quit_by_key = 1;
		}
		int done = pipeline_wait_done(r->p, 0);
		if (done && st->quitting)
			break;
		if (done && !done_seen) {
			done_seen = 1;
			/* a failed run is fatal: the screen closes and the message follows */
			/* finish ends the series with the run's last sample */
			/* joining and committing: a second signal there exits at once */
			atomic_store(&r->sig->main_takes_abandon, 0);
			int fin = r->finish(r->ctx, st->m.status, sizeof st->m.status);
			if (fin < 0)
				break;
			if (fin > 0) /* the final snapshot counts as one */
				tui_count_snapshot(r);
			next_draw = 0;
		}
		if (st->trace_until_ns && now >= st->trace_until_ns)
			tui_finish_trace(r, st);
		int ch = getch();
		while (ch != ERR && !r->abandoned) {
			if (tui_handle_key(r, st, ch)) {
				if (st->quitting && !pipeline_wait_done(r->p, 0)) {
					r->abandoned = "a second q";
					break;
				}
				tui_request_stop(r, st, "the user (q)");
				st->quit_by_key = 1;
				snprintf(st->m.status, sizeof st->m.status,
					 "quitting: draining the pipeline (q again or Ctrl-C abandons it) ...");
			}
			next_draw = 0;
			ch = getch();
		}
		if (r->abandoned)
			break;
		tui_follow_size(st);
		if (now >= next_draw) {
			int push = now >= next_push;
			if (push)
				next_push = now + 1000000000ull;
			if (!st->frozen)
				tui_update_model(r, st, push);
			if (st->quitting && !done)
				tui_drain_status(st->m.status, sizeof st->m.status, &st->m, st->quit_out,
						 (double)(now - st->quit_t_ns) / 1e9);
			if (st->help) {
				draw_help(&st->d, st->rows, st->cols);
			} else if (st->detail.open) {
				draw_detail(&st->d, &st->detail, st->m.nalerts, st->rows, st->cols);
			} else {
				draw_screen(&st->d, &st->m, st->rows, st->cols, st->frozen, st->paused, st->notice);
				tui_nav_focus_check(&st->d.nav);
			}
			next_draw = now + st->refresh_ns;
		}
	}
	atomic_store(&r->sig->main_takes_abandon, 0);
	if (st->trace_until_ns && !r->abandoned)
		tui_finish_trace(r, st);
	endwin();
	atomic_store(&r->sig->before_exit, NULL);
	tui_stderr_release(&held);
	free(st);
	return 0;
}
