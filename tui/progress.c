/* progress.c: progress lines and the final summary of a headless run. */
#include "autoconfig.h"

#include "progress.h"

#include <stdio.h>
#include <string.h>

#include "../pipeline/figures.h"
#include "../pipeline/pipeline.h"
#include "../pipeline/sampler.h"
#include "../src/config/config.h"
#include "../src/base/outcome.h"
#include "../src/report/snapshot.h"
#include "../src/base/units.h"

void progress_print_line(struct pipeline *p, struct sampler *s)
{
	struct figures f;
	sampler_lock(s);
	figures_compute(&f, s, 1000000000ull);
	sampler_unlock(s);
	char in[32], out[32], rin[32], rout[32], errs[32], bytes[32];
	units_format_count(in, sizeof in, f.records_in);
	units_format_count(out, sizeof out, f.records_out);
	units_format_count(rin, sizeof rin, (uint64_t)f.records_per_sec);
	units_format_count(rout, sizeof rout, (uint64_t)f.stages[f.nstages - 1].out_per_sec);
	units_format_count(errs, sizeof errs, f.records_errors);
	units_format_bytes(bytes, sizeof bytes, f.bytes_per_sec);
	fprintf(stderr, "nebtop: %6.1fs  in %s (%s/s, %s/s)  out %s (%s/s)  %s error%s  %s\n", f.elapsed_s, in, rin,
		bytes, out, rout, errs, f.records_errors == 1 ? "" : "s", pipeline_state_name(pipeline_get_state(p)));
	figures_free(&f);
}

void progress_judge_run(struct run_outcome *o, struct pipeline *p, struct sampler *s, int failed,
			int snapshot_written, const struct max_errors *m)
{
	struct figures f;
	sampler_lock(s);
	figures_compute(&f, s, 0);
	sampler_unlock(s);
	outcome_judge(o, failed, snapshot_written, f.records_in, f.records_errors, f.records_dead_lettered, m);
	o->complete = pipeline_input_ended(p);
	figures_free(&f);
}

/* Why the exit status is 3 or 4, in words (out: the records written). */
static void progress_print_outcome(struct pipeline *p, const struct run_outcome *o, const char *dst, uint64_t out)
{
	const struct config *c = config_of_pipeline(p);
	char lost[32], read[32], allowed[32];
	units_format_count(lost, sizeof lost, o->lost);
	units_format_count(read, sizeof read, o->read);
	units_format_count(allowed, sizeof allowed, o->allowed);
	if (o->status == OUTCOME_LOST)
		fprintf(stderr,
			"nebtop: error: %s record%s lost to errors (%.1f%% of %s read%s), more than [pipeline] "
			"max_errors = %s allows (%s of %s): exit status 3\n",
			lost, o->lost == 1 ? "" : "s", o->read ? 100.0 * (double)o->lost / (double)o->read : 0.0, read,
			o->dead_lettered ? "; those in the dead-letter file are not lost" : "", c->pl.max_errors,
			allowed, read);
	else if (o->status == OUTCOME_NO_SNAPSHOT) {
		char n[32];
		units_format_count(n, sizeof n, out);
		fprintf(stderr,
			"nebtop: error: the output is complete and committed (%s record%s in %s); the final snapshot could not be "
			"written: %s: exit status 4\n",
			n, out == 1 ? "" : "s", dst, o->snapshot_error[0] ? o->snapshot_error : "the reason is above");
	}
}

void progress_print_summary(struct pipeline *p, struct sampler *s, const struct run_outcome *o)
{
	int failed = o->status == OUTCOME_FAILED;
	struct figures f;
	sampler_lock(s);
	figures_compute(&f, s, 0);
	sampler_unlock(s);
	char in[32], out[32], filt[32], errs[32], rate[32], bytes[32], dur[32], dst[300], dl[32];
	units_format_count(in, sizeof in, f.records_in);
	units_format_count(out, sizeof out, f.records_out);
	units_format_count(filt, sizeof filt, f.records_filtered);
	units_format_count(errs, sizeof errs, f.records_errors);
	double secs = f.elapsed_s > 0 ? f.elapsed_s : 1;
	units_format_count(rate, sizeof rate, (uint64_t)((double)f.records_in / secs));
	units_format_bytes(bytes, sizeof bytes, (double)f.bytes_in / secs);
	units_format_duration(dur, sizeof dur, (uint64_t)(f.elapsed_s * 1e9));
	pipeline_describe_dest(p, dst, sizeof dst);
	const char *why = pipeline_stop_reason(p);
	/* how the run ended: what stopped it, or the end of its input */
	const char *how = why ? ", stopped by " : !failed && pipeline_input_ended(p) ? ", at the end of the input" : "";
	fprintf(stderr, "nebtop: %s after %s%s%s: %s in, %s out, %s filtered, %s error%s (%s records/s, %s/s)\n",
		failed ? "failed" : "finished", dur, how, why ? why : "", in, out, filt, errs,
		f.records_errors == 1 ? "" : "s", rate, bytes);
	const struct config *c = config_of_pipeline(p);
	if (f.records_dead_lettered) {
		units_format_count(dl, sizeof dl, f.records_dead_lettered);
		/* a failed run commits nothing: its bad records stay in PATH.part */
		fprintf(stderr, "nebtop: %s bad record%s written to %s%s\n", dl, f.records_dead_lettered == 1 ? "" : "s",
			c->pl.dead_letter_path, failed ? ".part (not committed: the run failed)" : "");
	} else if (f.records_errors && snapshot_is_off(c->prof.output)) {
		fprintf(stderr, "nebtop: no report lists the record errors (-output none); on_error = dead_letter keeps "
				"them with their reasons\n");
	} else if (f.records_errors) {
		fprintf(stderr, "nebtop: the report lists the first record errors with their reasons\n");
	}
	if (!failed)
		fprintf(stderr, "nebtop: output: %s\n", dst);
	if (!failed && why && !pipeline_input_ended(p) && !pipeline_input_is_endless(p))
		fprintf(stderr, "nebtop: warning: stopped by %s before the end of the input: the output holds the "
			"records read until then%s\n", why, !strncmp(why, "duration", 8) ? " (-duration 0 reads it all)" : "");
	progress_print_outcome(p, o, dst, f.records_out);
	figures_free(&f);
}

void progress_print_abandoned(struct pipeline *p, struct sampler *s, const char *how)
{
	struct figures f;
	sampler_take_sample(s);
	sampler_lock(s);
	figures_compute(&f, s, 0);
	sampler_unlock(s);
	uint64_t done = f.records_out + f.records_filtered + f.records_errors;
	uint64_t left = f.records_in > done ? f.records_in - done : 0, queued = 0;
	for (size_t i = 0; i < f.nchannels; i++)
		queued += f.channels[i].fill;
	if (queued > left)
		queued = left;
	char l[32], q[32], in[32], out[32], where[600];
	units_format_count(l, sizeof l, left);
	units_format_count(q, sizeof q, queued);
	units_format_count(in, sizeof in, f.records_in);
	units_format_count(out, sizeof out, f.records_out);
	pipeline_describe_left(p, where, sizeof where);
	fprintf(stderr,
		"nebtop: abandoned by %s while draining: %s record%s read not written (%s waiting in channels, the "
		"rest in the stages; %s read, %s written)%s%s; no final snapshot: exit status %d\n",
		how, l, left == 1 ? "" : "s", q, in, out, where[0] ? "; " : "", where, PROGRESS_ABANDONED_STATUS);
	fflush(stderr);
	figures_free(&f);
}
