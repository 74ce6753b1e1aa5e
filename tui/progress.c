/* progress.c: progress lines and the final summary of a headless run. */
#include "progress.h"

#include <stdio.h>

#include "../pipeline/figures.h"
#include "../pipeline/pipeline.h"
#include "../pipeline/sampler.h"
#include "../src/units.h"

void progress_print_line(struct pipeline *p, struct sampler *s)
{
	struct figures f;
	sampler_lock(s);
	figures_compute(&f, s, 1000000000ull);
	sampler_unlock(s);
	char in[32], rate[32], errs[32];
	units_format_count(in, sizeof in, f.records_in);
	units_format_count(rate, sizeof rate, (uint64_t)f.records_per_sec);
	units_format_count(errs, sizeof errs, f.records_errors);
	fprintf(stderr, "nebtop: %6.1fs  %s in  %s rec/s  %.1f MB/s  %s errors  %s\n", f.elapsed_s, in, rate,
		f.bytes_per_sec / 1e6, errs, pipeline_state_name(pipeline_get_state(p)));
	figures_free(&f);
}

void progress_print_summary(struct pipeline *p, struct sampler *s, int failed)
{
	struct figures f;
	sampler_lock(s);
	figures_compute(&f, s, 0);
	sampler_unlock(s);
	char in[32], out[32], filt[32], errs[32], rate[32], bytes[32], dur[32], dst[300];
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
	fprintf(stderr, "nebtop: %s after %s%s%s: %s in, %s out, %s filtered, %s errors (%s records/s, %s/s)\n",
		failed ? "failed" : "finished", dur, why ? ", stopped by " : "", why ? why : "", in, out, filt, errs,
		rate, bytes);
	if (f.records_dead_lettered)
		fprintf(stderr, "nebtop: %llu bad records written to the dead-letter file\n",
			(unsigned long long)f.records_dead_lettered);
	if (!failed)
		fprintf(stderr, "nebtop: output: %s\n", dst);
	figures_free(&f);
}
