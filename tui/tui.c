/* tui.c: the front end's loop over a local run: the refresh timer, the
 * stop and snapshot requests, the drain on quit, and the keys of its own
 * (s, t, w, p, r). The terminal is taken and given back in screen.c, the keys
 * both screens share are in keys.c, drawing in draw.c and draw_detail.c,
 * the figures in model.c, what the movement keys do in nav.c. */
#include "autoconfig.h"

#include "tui.h"

#include <curses.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../src/base/clock.h"
#include "../pipeline/pipeline.h"
#include "../pipeline/sampler.h"
#include "../src/analyze/analyzer.h"
#include "../src/analyze/whatif_run.h"
#include "../src/config/config.h"
#include "../src/profile/prof_trace.h"
#include "../src/base/signals.h"
#include "../src/base/snapreq.h"
#include "../src/report/report_whatif.h"
#include "../src/report/snapshot.h"
#include "draw.h"
#include "drain.h"
#include "model.h"
#include "keys.h"
#include "nav.h"
#include "screen.h"

int tui_can_run(void) { return isatty(STDOUT_FILENO) && isatty(STDIN_FILENO); }

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

/* w: what-if experiments on the selected stage (whatif_run.h), or why not,
 * on the status line. */
static void tui_ask_whatif(struct tui_run *r, struct tui_state *st)
{
	struct tui_model *m = &st->m;
	char *s = m->status;
	size_t n = sizeof m->status;
	struct whatif_run *w = analyzer_get_whatif(r->an);
	enum pipeline_state ps = pipeline_get_state(r->p);
	if (!m->nstages) {
		snprintf(s, n, "w: no stage to experiment on");
		return;
	}
	const char *name = m->stages[m->selected].name;
	if (!w) {
		snprintf(s, n, "w: this run has no what-if experiments");
		return;
	}
	/* the experiments measure a running pipeline, and end with its input */
	if (st->quitting) {
		snprintf(s, n, "w: the pipeline is draining: no what-if experiments now");
		return;
	}
	if (pipeline_input_ended(r->p) || pipeline_wait_done(r->p, 0)) {
		snprintf(s, n, "w: the input has ended: what-if experiments need a running pipeline");
		return;
	}
	if (ps != PSTATE_RUNNING && ps != PSTATE_PAUSED) {
		snprintf(s, n, "w: the pipeline is %s: what-if experiments need a running pipeline",
			 pipeline_state_name(ps));
		return;
	}
	struct whatif_result v[WHATIF_MAX_TARGETS];
	size_t k = whatif_run_read(w, v, WHATIF_MAX_TARGETS);
	const char *busy = NULL; /* a stage whose experiments run now */
	int again = 0;		 /* the stage's experiments ran before: they run again */
	for (size_t i = 0; i < k; i++) {
		int under_way = v[i].state == WHATIF_QUEUED || v[i].state == WHATIF_RUNNING;
		if ((size_t)v[i].stage_index == m->selected) {
			if (under_way) {
				st->whatif_watch = (int)m->selected + 1;
				st->whatif_seen_running = 1;
				snprintf(
				    s, n,
				    "what-if experiments on %s: under way already (%u round%s so far; results under "
				    "the stage's latency histogram)",
				    name, v[i].rounds, v[i].rounds == 1 ? "" : "s");
				return;
			}
			again = 1;
		}
		if (v[i].state == WHATIF_RUNNING)
			busy = v[i].stage;
	}
	/* the results of as many stages as WHATIF_MAX_TARGETS are kept */
	if (!again && k >= WHATIF_MAX_TARGETS) {
		snprintf(s, n, "w: what-if experiments have run on %d stages, as many as a run keeps: not on %s",
			 WHATIF_MAX_TARGETS, name);
		return;
	}
	if (whatif_run_request(w, (int)m->selected) != 0) {
		snprintf(s, n,
			 "w: what-if experiments on %s not asked for: their queue is full or their thread cannot start",
			 name);
		return;
	}
	st->whatif_watch = (int)m->selected + 1;
	st->whatif_seen_running = 0;
	char after[96] = "";
	if (busy)
		snprintf(after, sizeof after, " after those on %s", busy);
	snprintf(s, n,
		 "what-if experiments on %s: asked for%s; they run%s for up to %.0fs and slow the pipeline while they "
		 "run (results under the stage's latency histogram)%s",
		 name, again ? " again" : "", after, (double)WHATIF_BUDGET_NS / 1e9,
		 st->paused ? "; the source is paused: they measure once it resumes" : "");
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

/* One key; returns 1 when the user asked to quit. */
static int tui_handle_key(struct tui_run *r, struct tui_state *st, int ch)
{
	enum tui_key_result k = tui_keys_handle(st, ch);
	if (k != TUI_KEY_OWN)
		return k == TUI_KEY_QUIT;
	switch (ch) {
	case 's':
		tui_take_snapshot(r, st);
		break;
	case 't':
		tui_start_trace(r, st);
		break;
	case 'w':
		tui_ask_whatif(r, st);
		break;
	case 'p':
		st->paused = !st->paused;
		pipeline_set_paused(r->p, st->paused);
		snprintf(st->m.status, sizeof st->m.status, "%s", st->paused ? "source paused (p resumes)" : "source resumed");
		break;
	case 'r':
		sampler_lock(r->s);
		st->m.reset_t_ns = sampler_latest(r->s)->t_ns;
		sampler_unlock(r->s);
		snprintf(st->m.status, sizeof st->m.status, "peaks and averages reset");
		break;
	default:
		break;
	}
	return 0;
}

/* The experiments w asked for: once they have run and ended, the status
 * line (if it still tells of them: asked for, or under way) gives their
 * answer. */
static void tui_follow_whatif(struct tui_run *r, struct tui_state *st)
{
	if (!st->whatif_watch)
		return;
	int stage = st->whatif_watch - 1;
	char asked[128];
	snprintf(asked, sizeof asked, "what-if experiments on %s: ",
		 (size_t)stage < st->m.nstages ? st->m.stages[stage].name : "?");
	if (strncmp(st->m.status, asked, strlen(asked))) {
		st->whatif_watch = 0; /* another message took the line */
		return;
	}
	struct whatif_result v[WHATIF_MAX_TARGETS];
	size_t k = whatif_run_read(analyzer_get_whatif(r->an), v, WHATIF_MAX_TARGETS);
	for (size_t i = 0; i < k; i++) {
		if (v[i].stage_index != stage)
			continue;
		if (v[i].state == WHATIF_QUEUED || v[i].state == WHATIF_RUNNING) {
			st->whatif_seen_running = 1;
		} else if (st->whatif_seen_running) {
			char tell[200] = "no round could be measured";
			if (v[i].rounds)
				report_whatif_tell(&v[i], tell, sizeof tell);
			snprintf(st->m.status, sizeof st->m.status,
				 "what-if experiments on %s: %s after %u round%s (%.0fs): %s", v[i].stage, v[i].state == WHATIF_CUT ? "cut short" : "done", v[i].rounds,
				 v[i].rounds == 1 ? "" : "s", v[i].seconds, tell);
			st->whatif_watch = 0;
		}
	}
}

static void tui_update_model(struct tui_run *r, struct tui_state *st, int push)
{
	st->m.snapshots = r->snapshots;
	snprintf(st->m.last_snapshot, sizeof st->m.last_snapshot, "%s", r->last_snapshot);
	snprintf(st->m.serving, sizeof st->m.serving, "%s", r->serving ? r->serving : "");
	tui_model_update(&st->m, r->p, r->s, r->prof, r->an, push);
	tui_detail_follow(&st->detail, &st->m);
	tui_follow_whatif(r, st);
}

int tui_run(struct tui_run *r, char *err, size_t errlen)
{
	struct tui_state *st = calloc(1, sizeof *st);
	if (!st) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (tui_screen_open(&st->scr, r->sig, &st->d, r->c->ui.color && !r->c->no_color, err, errlen) != 0) {
		free(st);
		return -1;
	}
	st->refresh_ns = r->c->ui.refresh_ns;
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
		tui_screen_follow_size(&st->scr);
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
				draw_help(&st->d, st->scr.rows, st->scr.cols);
			} else if (st->detail.open) {
				draw_detail(&st->d, &st->detail, st->m.nalerts, st->scr.rows, st->scr.cols);
			} else {
				draw_screen(&st->d, &st->m, st->scr.rows, st->scr.cols, st->frozen, st->paused, st->notice);
				tui_nav_focus_check(&st->d.nav);
			}
			next_draw = now + st->refresh_ns;
		}
	}
	atomic_store(&r->sig->main_takes_abandon, 0);
	if (st->trace_until_ns && !r->abandoned)
		tui_finish_trace(r, st);
	tui_screen_close(&st->scr);
	free(st);
	return 0;
}
