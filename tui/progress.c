/* progress.c: progress lines and the final summary of a headless run. */
#include "progress.h"

#include <stdio.h>
#include <string.h>

#include "../pipeline/figures.h"
#include "../pipeline/pipeline.h"
#include "../pipeline/sampler.h"
#include "../src/config.h"
#include "../src/units.h"

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

void progress_print_summary(struct pipeline *p, struct sampler *s, int failed)
{
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
	const struct config *c = pipeline_get_config(p);
	if (f.records_dead_lettered) {
		units_format_count(dl, sizeof dl, f.records_dead_lettered);
		fprintf(stderr, "nebtop: %s bad record%s written to %s\n", dl, f.records_dead_lettered == 1 ? "" : "s",
			c->pl.dead_letter_path);
	} else if (f.records_errors) {
		fprintf(stderr, "nebtop: the report lists the first record errors with their reasons\n");
	}
	if (!failed)
		fprintf(stderr, "nebtop: output: %s\n", dst);
	if (!failed && why && !pipeline_input_ended(p) && !pipeline_input_is_endless(p))
		fprintf(stderr, "nebtop: warning: stopped by %s before the end of the input: the output holds the "
			"records read until then%s\n", why, !strncmp(why, "duration", 8) ? " (-duration 0 reads it all)" : "");
	figures_free(&f);
}
