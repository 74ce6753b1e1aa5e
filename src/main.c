/* main.c: nebtop's entry: reads the command line and the INI file, builds the
 * pipeline, runs it with the sampler and the headless front end, serves
 * snapshot and stop requests, and writes the final snapshot. */
#include "autoconfig.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"
#include "../pipeline/pipeline.h"
#include "../pipeline/sampler.h"
#include "../tui/progress.h"
#include "../tui/tui.h"
#include "../tui/view.h"
#include "analyze/analyzer.h"
#include "analyze/whatif_run.h"
#include "attach.h"
#include "cli.h"
#include "compare/compare.h"
#include "config/config.h"
#include "base/outcome.h"
#include "profile/profiler.h"
#include "base/secrets.h"
#include "base/signals.h"
#include "base/snapreq.h"
#include "base/thread_registry.h"
#include "report/snapshot.h"
#include "serve/otlp.h"
#include "serve/serve.h"
#include "base/units.h"

/* Samples kept: 10 minutes at the default 100 ms interval. */
#define MAIN_SERIES_SAMPLES 6000

/* The input that never ends gets this much, headless, unless -duration says. */
#define MAIN_ENDLESS_HEADLESS_NS (30ull * 1000000000ull)
/* At the end, how long the listener waits for an attached screen to see the
 * final figures (nebtop attach asks every refresh, 1 s by default). */
#define MAIN_LINGER_FOR_VIEW_NS (3ull * 1000000000ull)

static int main_usage_error(const char *msg)
{
	char shown[1024];
	snprintf(shown, sizeof shown, "%s", msg);
	secrets_scrub(shown, sizeof shown);
	fprintf(stderr, "nebtop: %s\n", shown);
	return OUTCOME_USAGE;
}

/* What a snapshot request over the listener is answered with: the folder,
 * the stamp, then each file, one per line (serve_pages.c reads them so). */
static void main_answer_snapshot(struct snapreq *snap, const char *dir, const struct snapshot_result *res)
{
	if (!snap)
		return;
	char text[SNAPREQ_TEXT];
	size_t o = (size_t)snprintf(text, sizeof text, "%s\n%s", dir, res->stamp);
	for (size_t i = 0; i < res->nfiles && o < sizeof text; i++)
		o += (size_t)snprintf(text + o, sizeof text - o, "\n%s", res->files[i]);
	snapreq_set_result(snap, 1, text);
}

/* Writes a snapshot (with the counts of the OTLP export otlp, or NULL) and
 * says where; -1 when it could not be written (why in *why when not NULL).
 * snap (or NULL) gets the outcome for a request. */
static int main_take_snapshot(struct pipeline *p, struct sampler *s, struct profiler *prof, struct analyzer *an,
			      const struct otlp *otlp, const char *dir, int final, struct errbuf *why,
			      struct snapreq *snap)
{
	struct export_counts ec;
	struct snapshot_result res;
	struct errbuf e;
	uint64_t t0 = clock_now_ns();
	if (snapshot_is_off(dir)) {
		if (!final)
			fprintf(stderr, "nebtop: no snapshot: snapshots are off (-output none)\n");
		if (snap)
			snapreq_set_result(snap, 0, "no snapshot: snapshots are off (-output none)");
		return 0;
	}
	if (snapshot_write(p, s, prof, an, otlp_read_export(otlp, &ec), dir, final, &res, &e)) {
		fprintf(stderr, "nebtop: error: %ssnapshot not written (nothing of it left in %s): %s\n",
			final ? "final " : "", dir, e.msg);
		if (snap)
			snapreq_set_result(snap, 0, e.msg);
		if (why)
			*why = e;
		return -1;
	}
	main_answer_snapshot(snap, dir, &res);
	fprintf(stderr, "nebtop: %ssnapshot %s in %s (%.1f ms):", final ? "final " : "", res.stamp, dir,
		(double)(clock_now_ns() - t0) / 1e6);
	for (size_t i = 0; i < res.nfiles; i++)
		fprintf(stderr, " %s", res.files[i]);
	fputc('\n', stderr);
	return 0;
}

/* What the front end's snapshot key needs. */
struct main_ctx {
	struct pipeline *p;
	struct sampler *s;
	struct profiler *prof;
	struct analyzer *an;
	struct otlp *otlp; /* the OTLP export, or NULL */
	const char *dir;
	struct snapreq *snap; /* the listener's snapshot requests */
	int finished, failed; /* pipeline_finish ran (at the end of the input, on the screen) */
	int final_written;    /* the final snapshot was written then */
	struct errbuf e, snap_e; /* why the run, the final snapshot failed */
};

/* The input ended while the screen is up: join the threads and commit the
 * output now, so that the screen shows the run finished (or failed). */
static int main_tui_finish(void *arg, char *status, size_t n)
{
	struct main_ctx *x = arg;
	if (x->finished)
		return x->failed ? -1 : 0;
	x->finished = 1;
	if (pipeline_finish(x->p, &x->e) != 0) {
		x->failed = 1;
		snprintf(status, n, "the run failed: %s", x->e.msg);
		return -1;
	}
	/* the run ends here, not when the user quits: the series stops, the
	 * analyzer analyzes it once more and the screen shows those findings,
	 * the ones the final snapshot writes, as a headless run's does */
	sampler_end(x->s);
	analyzer_finish(x->an);
	if (main_take_snapshot(x->p, x->s, x->prof, x->an, x->otlp, x->dir, 1, &x->snap_e, NULL) == 0)
		x->final_written = 1;
	if (x->final_written && snapshot_is_off(x->dir))
		snprintf(status, n, "the input ended: the run finished (q quits; no snapshot: -output none)");
	else if (x->final_written)
		snprintf(status, n, "the input ended: the run finished; final snapshot in %s (q quits)", x->dir);
	else
		snprintf(status, n, "the input ended: the run finished, but the final snapshot failed (q quits; "
				    "the reason follows)");
	return x->final_written;
}

/* A snapshot asked for in the front end: the outcome goes to its status line. */
static int main_tui_snapshot(void *arg, char *status, size_t n)
{
	struct main_ctx *x = arg;
	struct snapshot_result res;
	struct errbuf e;
	struct export_counts ec;
	if (snapshot_is_off(x->dir)) {
		snprintf(status, n, "no snapshot: snapshots are off (-output none)");
		snapreq_set_result(x->snap, 0, status);
		return -1;
	}
	sampler_take_sample(x->s);
	if (snapshot_write(x->p, x->s, x->prof, x->an, otlp_read_export(x->otlp, &ec), x->dir, 0, &res, &e)) {
		snprintf(status, n, "snapshot failed (the pipeline keeps running): %s", e.msg);
		snapreq_set_result(x->snap, 0, e.msg);
		return -1;
	}
	main_answer_snapshot(x->snap, x->dir, &res);
	size_t o = (size_t)snprintf(status, n, "snapshot %s in %s:", res.stamp, x->dir);
	/* whole names only: " ..." says that more were written than fit */
	for (size_t i = 0; i < res.nfiles && o < n; i++) {
		if (o + 1 + strlen(res.files[i]) + 5 > n) {
			snprintf(status + o, n - o, " ...");
			break;
		}
		o += (size_t)snprintf(status + o, n - o, " %s", res.files[i]);
	}
	return 0;
}

/* What stderr last said about the primary bottleneck, and a change waiting
 * to be said: a change is said once it has held for PRIMARY_STEADY checks
 * (seconds), so that a finding flickering at a threshold does not fill the
 * log. */
#define PRIMARY_STEADY 3
struct main_primary {
	char said[300];    /* kind, severity and place said last ("" = none above low) */
	char pending[300]; /* the one seen lately that differs from it */
	int seen;          /* checks in a row that saw pending */
};

/* Says so on stderr when the analyzer's primary bottleneck (medium or
 * worse) changes and holds. */
static void main_report_primary(struct analyzer *an, struct main_primary *st)
{
	struct findings f = { 0 };
	if (!an || analyzer_copy_latest(an, &f))
		return;
	char now[700] = "";
	if (f.n && f.v[0].severity >= SEV_MEDIUM)
		snprintf(now, sizeof now, "[%s] %s", analyzer_severity_upper(f.v[0].severity), f.v[0].description);
	secrets_scrub(now, sizeof now);
	/* the figures in the description move; the kind, place and severity are what changed */
	char key[300] = "";
	if (f.n && f.v[0].severity >= SEV_MEDIUM)
		snprintf(key, sizeof key, "%d %d %s", (int)f.v[0].type, (int)f.v[0].severity, f.v[0].component);
	if (!strcmp(key, st->said)) {
		st->seen = 0;
	} else {
		st->seen = strcmp(key, st->pending) ? 1 : st->seen + 1;
		snprintf(st->pending, sizeof st->pending, "%s", key);
		if (st->seen >= PRIMARY_STEADY) {
			if (key[0])
				fprintf(stderr, "nebtop: primary bottleneck: %s\n", now);
			else
				fprintf(stderr, "nebtop: primary bottleneck: none above low\n");
			snprintf(st->said, sizeof st->said, "%s", key);
			st->seen = 0;
		}
	}
	findings_free(&f);
}

/* Runs until the pipeline ends, printing progress and serving requests;
 * 1 when a second stop signal abandoned the drain. */
static int main_run_loop(struct pipeline *p, struct sampler *s, struct profiler *prof, struct analyzer *an,
			 const struct otlp *otlp, struct signals *sig, struct snapreq *snap, const struct config *c)
{
	struct main_primary primary = { "", "", 0 };
	uint64_t start = clock_now_ns(), next_progress = start + 1000000000ull;
	uint64_t duration = c->pl.duration_ns;
	int stop_seen = 0;
	uint64_t wait = 100000000ull;
	atomic_store(&sig->main_takes_abandon, 1);
	while (!pipeline_wait_done(p, wait)) {
		uint64_t now = clock_now_ns();
		if (atomic_load(&sig->abandon))
			return 1;
		if (!stop_seen && atomic_load(&sig->stop_requests) > 0) {
			stop_seen = 1;
			int which = atomic_load(&sig->last_signal);
			pipeline_request_stop(p, which == SIGTERM ? "SIGTERM" : "SIGINT");
			fprintf(stderr, "nebtop: stopping: draining the pipeline (signal again after a second to exit at "
				"once, leaving partial output)\n");
		}
		if (duration && now - start >= duration && !stop_seen) {
			char d[32], why[64];
			units_format_duration(d, sizeof d, duration);
			snprintf(why, sizeof why, "duration %s", d);
			pipeline_request_stop(p, why);
			stop_seen = 1;
		}
		while (atomic_load(&sig->snapshot_requests) > 0) {
			atomic_fetch_sub(&sig->snapshot_requests, 1);
			sampler_take_sample(s);
			main_take_snapshot(p, s, prof, an, otlp, c->prof.output, 0, NULL, NULL);
		}
		while (snap && snapreq_take(snap)) {
			sampler_take_sample(s);
			main_take_snapshot(p, s, prof, an, otlp, c->prof.output, 0, NULL, snap);
			snapreq_done(snap);
		}
		/* wake in time for a short -duration */
		wait = 100000000ull;
		if (duration && !stop_seen && start + duration > now && start + duration - now < wait)
			wait = start + duration - now;
		if (now >= next_progress) {
			progress_print_line(p, s);
			main_report_primary(an, &primary);
			next_progress += 1000000000ull;
			if (next_progress < now)
				next_progress = now + 1000000000ull;
		}
	}
	atomic_store(&sig->main_takes_abandon, 0);
	return 0;
}

/* A run's parts: main_teardown frees whatever of them was made, whichever
 * way the run ended (the one cleanup path of main). */
struct main_run {
	struct cli cli;
	struct config c;
	int config_ready; /* c was initialised */
	struct pipeline *p;
	struct signals sig;
	int signals_on, registered; /* the signal thread runs; main is in the thread registry */
	struct profiler *prof;
	struct sampler *s;
	struct analyzer *an;
	struct whatif_run *whatif; /* what-if experiments ([profile] whatif, the w key) */
	struct serve *serve;  /* the listener, or NULL */
	struct otlp *otlp;    /* the OTLP export, or NULL */
	struct snapreq snap;  /* snapshots asked for over it */
	char serving[96];     /* where it listens ("127.0.0.1:9464"), or "" */
	int snap_ready;
};

static void main_teardown(struct main_run *r)
{
	serve_stop(r->serve);
	otlp_free(r->otlp);
	if (r->snap_ready)
		snapreq_destroy(&r->snap);
	if (r->signals_on)
		signals_stop(&r->sig);
	whatif_run_free(r->whatif);
	analyzer_free(r->an);
	sampler_free(r->s);
	profiler_free(r->prof);
	pipeline_free(r->p);
	if (r->registered)
		thread_registry_leave();
	cli_free(&r->cli);
	if (r->config_ready)
		config_free(&r->c);
}

/* Reads the command line and the configuration, and prepares the output
 * folder. -1: go on and build the pipeline; otherwise the exit status. */
static int main_configure(struct main_run *r, int argc, char **argv)
{
	struct errbuf e;
	if (cli_parse(&r->cli, argc, argv, &e))
		return main_usage_error(e.msg);
	if (r->cli.help) {
		cli_print_help();
		return OUTCOME_OK;
	}
	if (r->cli.version) {
		printf("nebtop %s\n", PACKAGE_VERSION);
		return OUTCOME_OK;
	}
	struct config *c = &r->c;
	config_init(c);
	r->config_ready = 1;
	int rc = 0;
	if (r->cli.config_file)
		rc = config_load_file(c, r->cli.config_file, &e);
	else if (!cli_names_connectors(&r->cli))
		config_load_demo(c);
	if (rc == 0) {
		cli_apply_overrides(&r->cli, c);
		rc = config_resolve(c, &e);
	}
	if (rc == 0 && !snapshot_is_off(c->prof.output) && snapshot_prepare_dir(c->prof.output, &e) != 0) {
		char where[600];
		confmap_where_key(where, sizeof where, &c->profile, "output");
		errbuf_prefix(&e, "%s", where);
		rc = -1;
	}
	if (rc)
		return main_usage_error(e.msg);
	/* the front end needs a terminal; without one (or with --headless) the
	 * run is headless */
	c->headless = r->cli.headless || !tui_can_run();
	c->no_color = r->cli.no_color;
	return -1;
}

/* Builds the pipeline and starts the signal thread and the profilers. -1:
 * go on and run; otherwise the exit status. */
static int main_build(struct main_run *r)
{
	struct config *c = &r->c;
	struct errbuf e;
	/* SIGINT keeps its default action while the pipeline is built (opening
	 * the input may wait on a pipe); from here on the signal thread takes it */
	r->p = config_build_pipeline(c, &e);
	if (!r->p)
		return main_usage_error(e.msg);
	/* an input that ends by itself (a file, a query, a generator with rows)
	 * runs to its end; an endless one gets a default length headless, where
	 * no one is there to press q (DESIGN.md) */
	if (!c->duration_given && c->headless && pipeline_input_is_endless(r->p)) {
		c->pl.duration_ns = MAIN_ENDLESS_HEADLESS_NS;
		fprintf(stderr, "nebtop: the input never ends by itself: the run stops after 30s (-duration sets "
				"another length, 0 none)\n");
	}
	signals_block();
	thread_registry_enter("nebtop/main", "main", NULL, NULL);
	r->registered = 1;
	signals_start(&r->sig);
	r->signals_on = 1;
	struct profiler_config pc = {
		.types = c->prof.type_mask,
		.cpu_hz = c->prof.cpu_hz,
		.cpu_window_ns = c->prof.cpu_duration_ns,
		.mem_rate = c->prof.mem_rate,
		.block_rate_ns = c->prof.block_rate_ns,
		.mutex_fraction = c->prof.mutex_fraction,
		.trace_window_ns = c->prof.trace_duration_ns,
		.walk = STACK_WALK_LIBUNWIND,
	};
	r->prof = profiler_start(&pc, &e);
	if (!r->prof) {
		fprintf(stderr, "nebtop: the profilers cannot start: %s\n", e.msg);
		return OUTCOME_FAILED;
	}
	return -1;
}

/* GET /api/v1/view: the front end's model of this run, for nebtop attach
 * (the listener's threads call it). */
static char *main_view(void *ctx, const struct serve_view_ask *ask, int *final)
{
	struct main_run *r = ctx;
	struct tui_view_ask a = { ask->stage, ask->fns_for_stage, ask->reset_t_ns };
	return tui_view_build(r->p, r->s, r->prof, r->an, &a, final);
}

/* Starts the OTLP export when [export] otlp_endpoint asks for it, and the
 * listener when -listen or [export] listen does (saying where it listens);
 * -1 (said on stderr) when one cannot start. */
static int main_start_export(struct main_run *r)
{
	struct config *c = &r->c;
	struct serve_source src = {
		.p = r->p, .s = r->s, .prof = r->prof, .an = r->an, .pipeline_name = c->pl.name, .snap = &r->snap,
		.view = main_view, .view_ctx = r,
	};
	struct errbuf e;
	if (c->ex.otlp_endpoint) {
		struct otlp_opts oo = { c->ex.otlp_endpoint, c->ex.otlp_interval_ns, c->ex.otlp_sample };
		r->otlp = otlp_start(&oo, &src, &e);
		if (!r->otlp) {
			fprintf(stderr, "nebtop: %s\n", e.msg);
			return -1;
		}
		src.otlp = r->otlp;
	}
	if (!c->ex.listen)
		return 0;
	char where[600];
	confmap_where_key(where, sizeof where, &c->export_, "listen");
	struct serve_opts o = { .host = c->ex.host, .port = c->ex.port, .token = c->ex.token, .where = where };
	r->serve = serve_start(&o, &src, &e);
	if (!r->serve) {
		char shown[1024];
		snprintf(shown, sizeof shown, "%s", e.msg);
		secrets_scrub(shown, sizeof shown);
		fprintf(stderr, "nebtop: %s\n", shown);
		return -1;
	}
	int v6 = strchr(c->ex.host, ':') != NULL;
	snprintf(r->serving, sizeof r->serving, "%s%s%s:%u", v6 ? "[" : "", c->ex.host, v6 ? "]" : "",
		 serve_port(r->serve));
	fprintf(stderr, "nebtop: listening on http://%s/ (/metrics, /api/v1/metrics, POST /api/v1/snapshot)%s\n",
		r->serving, c->ex.token ? "; requests need the token" : "");
	return 0;
}

/* Runs the pipeline to its end under the front end (or headless), writes the
 * final snapshot and judges the run: the exit status. */
static int main_run(struct main_run *r)
{
	struct config *c = &r->c;
	struct errbuf e;
	r->s = sampler_create(r->p, c->prof.sampling_interval_ns, MAIN_SERIES_SAMPLES);
	char src[300], dst[300];
	pipeline_describe_source(r->p, src, sizeof src);
	pipeline_describe_dest(r->p, dst, sizeof dst);
	fprintf(stderr, "nebtop: running %s: %s -> %s (%zu stages, %d threads)\n", c->pl.name, src, dst,
		pipeline_count_stages(r->p), pipeline_count_threads(r->p));
	r->an = analyzer_create(r->p, r->s, r->prof, &c->al);
	int whatif = config_whatif_stage(c, r->p, &e);
	r->whatif = whatif_run_create(r->p, r->an, whatif == CONFIG_WHATIF_AUTO ? WHATIF_AUTO : whatif);
	if (r->an)
		analyzer_set_whatif(r->an, r->whatif);
	snapreq_init(&r->snap);
	r->snap_ready = 1;
	int failed = 0, finished = 0, final_written = 0, snapshot_failed = 0;
	struct errbuf snap_e = { { 0 } };
	const char *abandoned = NULL; /* how the drain was abandoned */
	if (!r->an || !r->whatif || sampler_start(r->s) != 0) {
		fprintf(stderr, "nebtop: out of memory\n");
		return OUTCOME_FAILED;
	}
	/* the listener before the pipeline: an address it cannot have is bad
	 * configuration, said before any record moves */
	if (main_start_export(r) != 0)
		return OUTCOME_USAGE;
	if (pipeline_start(r->p, &e) != 0 || analyzer_start(r->an, &e) != 0 ||
	    (whatif != CONFIG_WHATIF_NONE && whatif_run_start(r->whatif, &e) != 0)) {
		fprintf(stderr, "nebtop: %s\n", e.msg);
		failed = 1;
	}
	if (!c->headless && !failed) {
		struct main_ctx x = { .p = r->p,
				      .s = r->s,
				      .prof = r->prof,
				      .an = r->an,
				      .otlp = r->otlp,
				      .dir = c->prof.output,
				      .snap = &r->snap };
		struct tui_run tr = {
			.p = r->p,
			.s = r->s,
			.prof = r->prof,
			.an = r->an,
			.c = c,
			.sig = &r->sig,
			.snap = &r->snap,
			.serving = r->serving[0] ? r->serving : NULL,
			.take_snapshot = main_tui_snapshot,
			.finish = main_tui_finish,
			.ctx = &x,
			.duration_ns = c->pl.duration_ns,
		};
		char err[256];
		if (tui_run(&tr, err, sizeof err) != 0) {
			fprintf(stderr, "nebtop: %s; running headless\n", err);
			if (main_run_loop(r->p, r->s, r->prof, r->an, r->otlp, &r->sig, &r->snap, c))
				tr.abandoned = "a second stop signal";
		}
		abandoned = tr.abandoned;
		finished = x.finished;
		final_written = x.final_written;
		if (x.failed) {
			failed = 1;
			fprintf(stderr, "nebtop: error: %s\n", x.e.msg);
		}
	} else if (main_run_loop(r->p, r->s, r->prof, r->an, r->otlp, &r->sig, &r->snap, c)) {
		abandoned = "a second stop signal";
	}
	if (abandoned) {
		/* no drain, no commit, no snapshot: say what was left where and go;
		 * the pipeline's threads may be blocked on a slow output, so a
		 * batch being written gets a second to be written whole */
		pipeline_abandon(r->p, 1000000000u);
		progress_print_abandoned(r->p, r->s, abandoned);
		_exit(PROGRESS_ABANDONED_STATUS);
	}
	/* snapshots are no longer taken on request: askers are told so */
	snapreq_close(&r->snap);
	/* the experiments end with the input (an experiment cut short keeps
	 * what it measured); no delay is left in the drain */
	whatif_run_stop(r->whatif);
	if (!finished && pipeline_finish(r->p, &e) != 0) {
		failed = 1;
		fprintf(stderr, "nebtop: error: %s\n", e.msg);
	}
	/* the series ends with the run's last sample and the analyzer analyzes
	 * it once more: the final snapshot writes that analysis */
	sampler_end(r->s);
	analyzer_finish(r->an);
	profiler_stop(r->prof);
	/* the collector gets the run's last figures, and the final snapshot
	 * counts that push too */
	otlp_finish(r->otlp);
	/* (tried again when it failed on the screen: the disk may have room now) */
	if (!final_written &&
	    main_take_snapshot(r->p, r->s, r->prof, r->an, r->otlp, c->prof.output, 1, &snap_e, NULL) != 0)
		snapshot_failed = 1;
	struct run_outcome o;
	progress_judge_run(&o, r->p, r->s, failed, !snapshot_failed, &c->pl.max_err);
	if (snapshot_failed)
		snprintf(o.snapshot_error, sizeof o.snapshot_error, "%s", snap_e.msg);
	progress_print_summary(r->p, r->s, &o);
	/* what the collector did not get (the exit status does not change) */
	otlp_say_drops(r->otlp);
	/* an attached screen gets the final figures before the listener goes */
	serve_linger_for_view(r->serve, MAIN_LINGER_FOR_VIEW_NS);
	return (int)o.status;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "compare"))
		return compare_main(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "attach"))
		return attach_main(argc - 1, argv + 1);
	struct main_run r = { .config_ready = 0 };
	int status = main_configure(&r, argc, argv);
	if (status < 0)
		status = main_build(&r);
	if (status < 0)
		status = main_run(&r);
	main_teardown(&r);
	return status;
}
