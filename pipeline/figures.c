/* figures.c: turning cumulative samples into rates, shares and percentiles. */
#include "autoconfig.h"

#include "figures.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "channel.h"
#include "sampler.h"

static double figures_pct(double part, double whole) { return whole > 0 ? 100.0 * part / whole : 0; }

/* A thread time counted by the kernel (CPU, run-queue wait) as a share of
 * the busy time, 0..100: what the threads also did while blocked (a
 * little CPU to block and wake) is no share of the busy time, and a
 * thread's clock read alive may run a little past the time kept at its
 * end. */
static double figures_share_of_busy(uint64_t a, uint64_t b, double busy_ns)
{
	double pct = figures_pct(b > a ? (double)(b - a) : 0, busy_ns);
	return pct > 100 ? 100 : pct;
}

static void figures_alloc(struct figures *f, size_t nstages, size_t nchannels)
{
	memset(f, 0, sizeof *f);
	f->nstages = nstages;
	f->nchannels = nchannels;
	f->stages = calloc(nstages ? nstages : 1, sizeof *f->stages);
	f->channels = calloc(nchannels ? nchannels : 1, sizeof *f->channels);
	if (!f->stages || !f->channels) {
		fprintf(stderr, "nebtop: out of memory\n");
		abort();
	}
}

void figures_free(struct figures *f)
{
	free(f->stages);
	free(f->channels);
	memset(f, 0, sizeof *f);
}

static void figures_stage(struct stage_figures *sf, const struct stage_info *si, const struct stage_sample *a,
			  const struct stage_sample *b, double dt, const struct histogram_view *lat)
{
	sf->name = si->name;
	sf->type = si->type;
	sf->kind = si->kind;
	sf->threads = si->nthreads;
	sf->records_in = b->records_in;
	sf->records_out = b->records_out;
	sf->errors = b->errors;
	sf->filtered = b->filtered;
	sf->batches = b->batches;
	sf->bytes_in = b->bytes_in;
	sf->bytes_out = b->bytes_out;
	sf->in_per_sec = dt > 0 ? (double)(b->records_in - a->records_in) / dt : 0;
	sf->out_per_sec = dt > 0 ? (double)(b->records_out - a->records_out) / dt : 0;
	double t[TSTATE_TIMED], total = 0;
	for (int k = 0; k < TSTATE_TIMED; k++) {
		t[k] = (double)(b->time_ns[k] - a->time_ns[k]);
		if (k != TSTATE_INTERNAL) /* waits inside the stage are none of the three */
			total += t[k];
	}
	sf->busy_pct = figures_pct(t[TSTATE_BUSY], total);
	sf->backpressured_pct = figures_pct(t[TSTATE_BACKPRESSURED], total);
	sf->idle_pct = figures_pct(t[TSTATE_IDLE], total);
	sf->busy_seconds = t[TSTATE_BUSY] / 1e9;
	/* a sample before the threads started holds 0: right, as they had used none */
	int enough = t[TSTATE_BUSY] >= (double)FIGURES_MIN_BUSY_NS;
	sf->oncpu_pct = enough && b->cpu_known ? figures_share_of_busy(a->cpu_ns, b->cpu_ns, t[TSTATE_BUSY]) : -1;
	sf->cpu_wait_pct = enough && b->cpu_known && b->cpu_wait_known
				   ? figures_share_of_busy(a->cpu_wait_ns, b->cpu_wait_ns, t[TSTATE_BUSY])
				   : -1;
	/* the run queue's wait includes the wake-ups after idle and blocked
	 * time, which is not busy time: it can only fill what the CPU left */
	if (sf->cpu_wait_pct >= 0 && sf->oncpu_pct >= 0 && sf->cpu_wait_pct > 100 - sf->oncpu_pct)
		sf->cpu_wait_pct = 100 - sf->oncpu_pct;
	sf->p50_ns = histogram_view_quantile(lat, 0.50);
	sf->p90_ns = histogram_view_quantile(lat, 0.90);
	sf->p99_ns = histogram_view_quantile(lat, 0.99);
	sf->p999_ns = histogram_view_quantile(lat, 0.999);
	sf->max_ns = lat->max_ns;
	sf->avg_ns = lat->n ? lat->sum_ns / lat->n : 0;
}

static void figures_channel(struct channel_figures *cf, const char *name, const struct channel_sample *a,
			    const struct channel_sample *b, double dt_ns, int whole_run)
{
	cf->name = name;
	cf->capacity = b->capacity;
	cf->fill = b->fill;
	double cap = b->capacity ? (double)b->capacity : 1;
	cf->fill_pct = figures_pct((double)b->fill, cap);
	cf->fill_avg_pct = dt_ns > 0 ? figures_pct((double)(b->fill_integral - a->fill_integral) / dt_ns, cap) : 0;
	cf->fill_max_pct = figures_pct((double)(whole_run ? b->fill_max : (b->fill > a->fill ? b->fill : a->fill)), cap);
	/* above 100% when a batch larger than the whole channel sits in it */
	double send = (double)(b->send_blocked_ns - a->send_blocked_ns), recv = (double)(b->recv_blocked_ns - a->recv_blocked_ns);
	cf->send_blocked_pct = figures_pct(send, dt_ns * (b->producers ? b->producers : 1));
	cf->recv_blocked_pct = figures_pct(recv, dt_ns * (b->consumers ? b->consumers : 1));
}

static void figures_connector(struct connector_figures *cf, const struct stage_figures *sf, const char *waits_on,
			      const struct conn_sample *a, const struct conn_sample *b, uint64_t stage_records, double dt)
{
	double busy_s = sf->busy_seconds;
	cf->role = sf->kind == STAGE_SOURCE ? "source" : "destination";
	cf->type = sf->type;
	cf->waits_on = waits_on;
	cf->records = stage_records;
	cf->bytes = b->bytes;
	cf->requests = b->requests;
	cf->retries = b->retries;
	cf->errors = b->errors;
	cf->connects = b->connects;
	cf->rolled_back = b->rolled_back;
	cf->plain = b->plain;
	cf->connect_ms = (double)b->connect_ns / 1e6;
	cf->records_per_sec = sf->kind == STAGE_SOURCE ? sf->out_per_sec : sf->in_per_sec;
	cf->bytes_per_sec = dt > 0 ? (double)(b->bytes - a->bytes) / dt : 0;
	cf->requests_per_sec = dt > 0 ? (double)(b->requests - a->requests) / dt : 0;
	cf->records_per_request = b->requests ? (double)stage_records / (double)b->requests : 0;
	cf->wait_s = (double)(b->wait_ns - a->wait_ns) / 1e9;
	/* the wait happens inside the stage's busy time; what is left is its own work */
	cf->work_s = busy_s > cf->wait_s ? busy_s - cf->wait_s : 0;
	cf->wait_pct = figures_pct(cf->wait_s, cf->wait_s + cf->work_s);
}

void figures_between(struct figures *f, const struct sampler *s, const struct sample *a, const struct sample *b)
{
	struct pipeline *p = sampler_pipeline(s);
	size_t ns = pipeline_count_stages(p), nc = pipeline_count_channels(p);
	figures_alloc(f, ns, nc);
	double dt_ns = b->t_ns > a->t_ns ? (double)(b->t_ns - a->t_ns) : 0, dt = dt_ns / 1e9;
	f->elapsed_s = (double)b->t_ns / 1e9;
	f->window_s = dt;
	int whole = a->t_ns == 0;
	for (size_t i = 0; i < ns; i++)
		figures_stage(&f->stages[i], pipeline_get_stage(p, i), &a->stages[i], &b->stages[i], dt,
			      sampler_latency(s, i));
	for (size_t i = 0; i < nc; i++)
		figures_channel(&f->channels[i], channel_name(pipeline_get_channel(p, i)), &a->channels[i],
				&b->channels[i], dt_ns, whole);
	/* the record equation: in at the source, out at the destination, the rest
	 * filtered or failed wherever it happened */
	f->records_in = b->stages[0].records_in;
	f->records_out = b->stages[ns - 1].records_out;
	for (size_t i = 0; i < ns; i++) {
		f->records_filtered += b->stages[i].filtered;
		f->records_errors += b->stages[i].errors;
	}
	f->records_dead_lettered = pipeline_count_dead_lettered(p);
	/* records the destination's system undid after they were written (a
	 * transaction rolled back) did not stay: errors, not out */
	uint64_t undone = b->conn[1].rolled_back;
	struct stage_figures *last = &f->stages[ns - 1];
	if (undone > last->records_out)
		undone = last->records_out;
	last->records_out -= undone;
	last->errors += undone;
	f->records_out -= undone;
	f->records_errors += undone;
	figures_connector(&f->conn[0], &f->stages[0], pipeline_connector_waits_on(p, 0), &a->conn[0], &b->conn[0],
			  b->stages[0].records_in, dt);
	figures_connector(&f->conn[1], &f->stages[ns - 1], pipeline_connector_waits_on(p, 1), &a->conn[1], &b->conn[1],
			  f->stages[ns - 1].records_out, dt);
	f->bytes_in = b->stages[0].bytes_in;
	f->bytes_out = b->stages[ns - 1].bytes_out;
	f->records_per_sec = dt > 0 ? (double)(b->stages[0].records_in - a->stages[0].records_in) / dt : 0;
	f->bytes_per_sec = dt > 0 ? (double)(b->stages[0].bytes_in - a->stages[0].bytes_in) / dt : 0;
	double user = (double)b->rt.cpu_user_ns - (double)a->rt.cpu_user_ns;
	double sys = (double)b->rt.cpu_sys_ns - (double)a->rt.cpu_sys_ns;
	f->cpu_user_pct = figures_pct(user, dt_ns);
	f->cpu_sys_pct = figures_pct(sys, dt_ns);
	f->cpu_pct = f->cpu_user_pct + f->cpu_sys_pct;
	f->machine_busy_cores = procstat_busy_cores(&a->rt.machine, &b->rt.machine);
	f->machine_cores = b->rt.machine.cpus;
	f->heap_live_bytes = b->rt.bytes_alloc > b->rt.bytes_freed ? b->rt.bytes_alloc - b->rt.bytes_freed : 0;
	f->have_alloc_figures = b->rt.allocs > 0;
	if (dt > 0) {
		f->allocs_per_sec = (double)(b->rt.allocs - a->rt.allocs) / dt;
		f->alloc_bytes_per_sec = (double)(b->rt.bytes_alloc - a->rt.bytes_alloc) / dt;
		f->minor_faults_per_sec = (double)(b->rt.minor_faults - a->rt.minor_faults) / dt;
		f->voluntary_switches_per_sec = (double)(b->rt.voluntary_switches - a->rt.voluntary_switches) / dt;
		f->involuntary_switches_per_sec = (double)(b->rt.involuntary_switches - a->rt.involuntary_switches) / dt;
	}
	uint64_t recs = b->stages[0].records_in - a->stages[0].records_in;
	f->alloc_bytes_per_record = recs ? (double)(b->rt.bytes_alloc - a->rt.bytes_alloc) / (double)recs : 0;
	f->open_fds = b->rt.open_fds;
	f->rss_bytes = b->rt.rss_bytes;
	f->rss_peak_bytes = b->rt.rss_peak_bytes;
	f->threads = b->rt.threads;
}

void figures_compute(struct figures *f, const struct sampler *s, uint64_t window_ns)
{
	figures_compute_until(f, s, window_ns, sampler_latest(s));
}

void figures_compute_until(struct figures *f, const struct sampler *s, uint64_t window_ns, const struct sample *b)
{
	const struct sample *a = sampler_zero(s);
	if (window_ns && b->t_ns > window_ns)
		a = sampler_find_before(s, b->t_ns - window_ns);
	else if (window_ns)
		a = sampler_get(s, 0) ? sampler_get(s, 0) : a;
	figures_between(f, s, a, b);
	f->threads_peak = f->threads;
	f->threads_before = a->rt.threads;
	f->threads_only_grew = 1;
	uint32_t later = f->threads;
	for (size_t i = sampler_count(s); i-- > 0;) {
		const struct sample *x = sampler_get(s, i);
		if (x->t_ns > b->t_ns)
			continue;
		if (x->t_ns < a->t_ns)
			break;
		if (x->rt.threads > f->threads_peak)
			f->threads_peak = x->rt.threads;
		/* over a window, the fullest any sample saw each channel */
		for (size_t c = 0; window_ns && c < f->nchannels; c++) {
			double cap = x->channels[c].capacity ? (double)x->channels[c].capacity : 1;
			double pct = figures_pct((double)x->channels[c].fill, cap);
			if (pct > f->channels[c].fill_max_pct)
				f->channels[c].fill_max_pct = pct;
		}
		if (x->rt.threads > later)
			f->threads_only_grew = 0;
		later = x->rt.threads;
	}
}
