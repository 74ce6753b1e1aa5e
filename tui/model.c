/* model.c: the front end's model — every number and string the panels show,
 * filled from the sampler's figures, the analyzer's latest findings and the
 * CPU profile apart from drawing (model.h), and the pure helpers the draw
 * code uses: fill bands, bars, sparklines and histories. */
#include "autoconfig.h"

#include "model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../pipeline/figures.h"
#include "../pipeline/histogram.h"
#include "../pipeline/latency.h"
#include "../pipeline/pipeline.h"
#include "../pipeline/sampler.h"
#include "../src/analyze/analyzer.h"
#include "../src/analyze/whatif_run.h"
#include "../src/config/config.h"
#include "../src/profile/profiler.h"
#include "../src/report/report_latency.h"
#include "../src/report/report_whatif.h"

/* the analyzer's channel bands (its [alerts] defaults) */
#define TUI_BAND_MEDIUM_PCT 60.0
#define TUI_BAND_HIGH_PCT 85.0

/* --- the pure parts ---------------------------------------------------------- */

void tui_history_push(struct tui_history *h, double v)
{
	if (h->n >= TUI_HISTORY) {
		memmove(h->v, h->v + 1, (TUI_HISTORY - 1) * sizeof h->v[0]);
		h->n = TUI_HISTORY - 1;
	}
	h->v[h->n++] = v;
}

double tui_history_max(const struct tui_history *h)
{
	if (!h->n)
		return 0;
	double m = h->v[0];
	for (size_t i = 1; i < h->n; i++)
		if (h->v[i] > m)
			m = h->v[i];
	return m;
}

enum tui_band tui_band_of_fill(double fill_pct)
{
	if (fill_pct > TUI_BAND_HIGH_PCT)
		return TUI_BAND_HIGH;
	if (fill_pct > TUI_BAND_MEDIUM_PCT)
		return TUI_BAND_MEDIUM;
	return TUI_BAND_OK;
}

/* Appends the character s (len bytes) when it and the final NUL fit;
 * 0 when it does not (the text stops there, at a character boundary). */
static int tui_text_put(char *dst, size_t n, size_t *o, const char *s, size_t len)
{
	if (*o + len + 1 > n)
		return 0;
	memcpy(dst + *o, s, len);
	*o += len;
	dst[*o] = 0;
	return 1;
}

static double tui_clamp01(double x)
{
	if (!(x > 0)) /* NaN too */
		return 0;
	return x > 1 ? 1 : x;
}

void tui_bar_text(char *dst, size_t n, double frac, int width, int utf8)
{
	/* U+2589..U+258F: seven eighths down to one eighth */
	static const char *const partial[8] = { "", "\u258f", "\u258e", "\u258d", "\u258c", "\u258b", "\u258a", "\u2589" };
	if (!n)
		return;
	dst[0] = 0;
	if (width <= 0)
		return;
	frac = tui_clamp01(frac);
	size_t o = 0;
	int cells = 0;
	if (utf8) {
		long eighths = lround(frac * width * 8);
		if (eighths > (long)width * 8)
			eighths = (long)width * 8;
		long full = eighths / 8, part = eighths % 8;
		for (long i = 0; i < full; i++, cells++)
			if (!tui_text_put(dst, n, &o, "\u2588", strlen("\u2588")))
				return;
		if (part) {
			if (!tui_text_put(dst, n, &o, partial[part], strlen(partial[part])))
				return;
			cells++;
		}
	} else {
		long filled = lround(frac * width);
		for (long i = 0; i < filled && cells < width; i++, cells++)
			if (!tui_text_put(dst, n, &o, "#", 1))
				return;
	}
	for (; cells < width; cells++)
		if (!tui_text_put(dst, n, &o, " ", 1))
			return;
}

void tui_sparkline_text(char *dst, size_t n, const struct tui_history *h, int width, int utf8)
{
	static const char *const blocks[8] = { "\u2581", "\u2582", "\u2583", "\u2584",
					       "\u2585", "\u2586", "\u2587", "\u2588" };
	static const char ascii[8] = { ' ', '.', ':', '-', '=', '+', '*', '#' };
	if (!n)
		return;
	dst[0] = 0;
	if (width <= 0)
		return;
	size_t k = h->n < (size_t)width ? h->n : (size_t)width;
	const double *pts = h->v + (h->n - k);
	double max = 0;
	for (size_t i = 0; i < k; i++)
		if (pts[i] > max)
			max = pts[i];
	size_t o = 0;
	for (size_t i = k; i < (size_t)width; i++)
		if (!tui_text_put(dst, n, &o, " ", 1))
			return;
	for (size_t i = 0; i < k; i++) {
		int level = 0;
		if (max > 0 && pts[i] > 0) {
			level = (int)(pts[i] / max * 7.0 + 0.5);
			if (level > 7)
				level = 7;
		}
		int ok = utf8 ? tui_text_put(dst, n, &o, blocks[level], strlen(blocks[level]))
			      : tui_text_put(dst, n, &o, &ascii[level], 1);
		if (!ok)
			return;
	}
}

int tui_text_cells(const char *s)
{
	int n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

size_t tui_text_bytes(const char *s, int width)
{
	size_t i = 0;
	int cells = 0;
	while (s[i]) {
		if (((unsigned char)s[i] & 0xC0) != 0x80) {
			if (cells == width)
				break;
			cells++;
		}
		i++;
	}
	return i;
}

void tui_text_fit(char *dst, size_t n, const char *src, int width, int utf8)
{
	if (!n)
		return;
	dst[0] = 0;
	if (width <= 0)
		return;
	const char *dots = utf8 ? "\u2026" : "...";
	int dw = utf8 ? 1 : 3;
	size_t len;
	if (tui_text_cells(src) <= width) {
		len = strlen(src);
	} else if (width <= dw) {
		len = tui_text_bytes(src, width);
		dots = "";
	} else {
		/* the first width - dw cells, back to the space before the word cut */
		len = tui_text_bytes(src, width - dw);
		size_t cut = len;
		if (src[len] != ' ') {
			while (cut > 0 && src[cut - 1] != ' ')
				cut--;
			if (cut > 0 && (int)(len - cut) <= (width - dw) / 2)
				len = cut;
		}
		/* no space or stop sign right before the ellipsis */
		while (len > 0 && strchr(" ,;:", src[len - 1]))
			len--;
	}
	if (len + 1 > n) /* the buffer: back to a character boundary */
		for (len = n - 1; len > 0 && ((unsigned char)src[len] & 0xC0) == 0x80; len--)
			;
	memcpy(dst, src, len);
	dst[len] = 0;
	if (len < strlen(src) && *dots && len + strlen(dots) + 1 <= n)
		strcat(dst, dots);
}

size_t tui_text_wrap(const char *src, int width, size_t *start, size_t *len, size_t max)
{
	size_t n = 0, i = 0, total = strlen(src);
	if (width <= 0)
		return 0;
	while (i < total && src[i] == ' ')
		i++;
	while (i < total) {
		size_t end = i + tui_text_bytes(src + i, width);
		if (end < total && src[end] != ' ') {
			/* back to the space before the word cut, unless the word is longer than the line */
			size_t cut = end;
			while (cut > i && src[cut - 1] != ' ')
				cut--;
			if (cut > i)
				end = cut;
		}
		size_t e = end;
		while (e > i && src[e - 1] == ' ')
			e--;
		if (n < max) {
			start[n] = i;
			len[n] = e - i;
		}
		n++;
		for (i = end; i < total && src[i] == ' '; i++)
			;
	}
	return n;
}

/* --- the update ----------------------------------------------------------------- */

static void tui_model_header(struct tui_model *m, struct pipeline *p, const struct figures *w)
{
	const struct config *c = config_of_pipeline(p);
	snprintf(m->pipeline, sizeof m->pipeline, "%s", c && c->pl.name ? c->pl.name : "pipeline");
	char src[300], dst[300];
	pipeline_describe_source(p, src, sizeof src);
	pipeline_describe_dest(p, dst, sizeof dst);
	snprintf(m->route, sizeof m->route, "%s -> %s", src, dst);
	snprintf(m->state, sizeof m->state, "%s", pipeline_state_name(pipeline_get_state(p)));
	m->elapsed_s = w->elapsed_s;
	m->workers = c ? (int)c->pl.workers : 0;
	if (c)
		config_format_types(m->types, sizeof m->types, c->prof.type_mask);
	else
		snprintf(m->types, sizeof m->types, "none");
}

/* The selected stage's latency histogram (lat, with the sampler locked):
 * the non-empty range in at most TUI_MAX_BUCKETS buckets of neighbours
 * merged evenly, and its percentiles. */
static void tui_model_histogram(struct tui_model *m, const struct histogram_view *lat)
{
	m->nbuckets = 0;
	unsigned first = HISTOGRAM_BUCKETS, last = 0;
	for (unsigned i = 0; i < HISTOGRAM_BUCKETS; i++)
		if (lat->count[i]) {
			if (first == HISTOGRAM_BUCKETS)
				first = i;
			last = i;
		}
	if (first < HISTOGRAM_BUCKETS) {
		size_t span = last - first + 1;
		size_t k = span < TUI_MAX_BUCKETS ? span : TUI_MAX_BUCKETS;
		for (size_t j = 0; j < k; j++) {
			unsigned a = first + (unsigned)(j * span / k), b = first + (unsigned)((j + 1) * span / k); /* [a, b) */
			struct tui_bucket *bk = &m->buckets[j];
			bk->lo_ns = histogram_bucket_lower(a);
			bk->hi_ns = histogram_bucket_upper(b - 1);
			bk->count = 0;
			for (unsigned i = a; i < b; i++)
				bk->count += lat->count[i];
		}
		m->nbuckets = k;
	}
	m->p50_ns = histogram_view_quantile(lat, 0.50);
	m->p90_ns = histogram_view_quantile(lat, 0.90);
	m->p99_ns = histogram_view_quantile(lat, 0.99);
	m->p999_ns = histogram_view_quantile(lat, 0.999);
	m->max_ns = lat->max_ns;
}

/* The most RSS any recent sample saw since t_ns (with the sampler locked). */
static uint64_t tui_model_rss_since(const struct sampler *s, uint64_t t_ns, uint64_t now_rss)
{
	uint64_t peak = now_rss;
	for (size_t i = sampler_count(s); i-- > 0;) {
		const struct sample *x = sampler_get(s, i);
		if (x->t_ns < t_ns)
			break;
		if (x->rt.rss_bytes > peak)
			peak = x->rt.rss_bytes;
	}
	return peak;
}

static void tui_model_stages(struct tui_model *m, const struct figures *f, const struct figures *w)
{
	m->nstages = f->nstages < TUI_MAX_STAGES ? f->nstages : TUI_MAX_STAGES;
	for (size_t i = 0; i < m->nstages; i++) {
		const struct stage_figures *sf = &f->stages[i], *sw = &w->stages[i];
		struct tui_stage_row *r = &m->stages[i];
		snprintf(r->name, sizeof r->name, "%s", sf->name ? sf->name : "");
		snprintf(r->type, sizeof r->type, "%s", sf->type ? sf->type : "");
		r->kind = (int)sf->kind;
		r->threads = sf->threads;
		r->rate = sf->kind == STAGE_SOURCE ? sf->out_per_sec : sf->in_per_sec;
		r->busy_pct = sf->busy_pct;
		r->bp_pct = sf->backpressured_pct;
		r->idle_pct = sf->idle_pct;
		/* the three shares add up to 100% of the time the threads spent,
		 * or are all 0 when they spent none: they have ended */
		r->ended = sf->busy_pct + sf->backpressured_pct + sf->idle_pct < 50.0;
		r->p50_ns = sw->p50_ns;
		r->p99_ns = sw->p99_ns;
		r->max_ns = sw->max_ns;
		r->errors = sf->errors;
		r->bottleneck = 0;
	}
	if (!m->nstages)
		m->selected = 0;
	else if (m->selected >= m->nstages)
		m->selected = m->nstages - 1;
}

/* Channels: now from f, average and max since the reset from r (NULL: no
 * sample since the reset yet), with the sampler locked. Over a window the
 * figures' max is the fullest of the samples, which can miss a peak between
 * them: when the channel's own running max rose in the window (a = the
 * window's first sample, b = the latest), that peak is the window's; and a
 * max is never below the average. */
static void tui_model_channels(struct tui_model *m, const struct figures *f, const struct figures *r,
			       const struct sample *a, const struct sample *b)
{
	m->nchannels = f->nchannels < TUI_MAX_CHANNELS ? f->nchannels : TUI_MAX_CHANNELS;
	for (size_t i = 0; i < m->nchannels; i++) {
		const struct channel_figures *cf = &f->channels[i];
		struct tui_channel_row *row = &m->channels[i];
		snprintf(row->name, sizeof row->name, "%s", cf->name ? cf->name : "");
		row->capacity = cf->capacity;
		row->fill_pct = cf->fill_pct;
		if (r) {
			row->avg_pct = r->channels[i].fill_avg_pct;
			row->max_pct = r->channels[i].fill_max_pct;
		} else { /* no sample since the reset yet: only the fill now */
			row->avg_pct = row->max_pct = cf->fill_pct;
		}
		if (r && a && b && b->channels[i].fill_max > a->channels[i].fill_max && b->channels[i].capacity) {
			double peak = 100.0 * (double)b->channels[i].fill_max / (double)b->channels[i].capacity;
			if (peak > row->max_pct)
				row->max_pct = peak;
		}
		if (row->max_pct < row->avg_pct)
			row->max_pct = row->avg_pct;
		if (row->max_pct < row->fill_pct)
			row->max_pct = row->fill_pct;
		row->send_blocked_pct = cf->send_blocked_pct;
		row->recv_blocked_pct = cf->recv_blocked_pct;
		row->band = tui_band_of_fill(cf->fill_pct);
	}
}

static void tui_model_memory(struct tui_model *m, const struct figures *f)
{
	m->rss = f->rss_bytes;
	m->heap = f->heap_live_bytes;
	m->have_heap = f->have_alloc_figures;
	m->alloc_bytes_per_sec = f->alloc_bytes_per_sec;
	m->allocs_per_sec = f->allocs_per_sec;
	m->bytes_per_record = f->alloc_bytes_per_record;
}

_Static_assert(TUI_ALERT_FIGURES == FINDING_MAX_FIGURES, "a finding's figures fit its alert");
_Static_assert(TUI_ALERT_SUGGESTIONS == FINDING_MAX_SUGGESTIONS, "a finding's suggestions fit its alert");

static void tui_model_alert_of(struct tui_alert *a, const struct finding *fd)
{
	a->severity = (int)fd->severity;
	snprintf(a->type, sizeof a->type, "%s", analyzer_type_name(fd->type));
	snprintf(a->component, sizeof a->component, "%s", fd->component);
	snprintf(a->stage, sizeof a->stage, "%s", fd->stage);
	snprintf(a->text, sizeof a->text, "%s", fd->description);
	a->impact_pct = fd->impact_pct;
	snprintf(a->impact_of, sizeof a->impact_of, "%s", fd->impact_of);
	snprintf(a->impact, sizeof a->impact, "%.1f%% of %s", fd->impact_pct, fd->impact_of);
	a->nfigures = 0;
	for (size_t k = 0; k < fd->nfigures && k < TUI_ALERT_FIGURES; k++)
		snprintf(a->figures[a->nfigures++], sizeof a->figures[0], "%s",
			 fd->figures[k].text[0] ? fd->figures[k].text : fd->figures[k].name);
	a->nsuggestions = 0;
	for (size_t k = 0; k < fd->nsuggestions && k < TUI_ALERT_SUGGESTIONS; k++)
		snprintf(a->suggestions[a->nsuggestions++], sizeof a->suggestions[0], "%s", fd->suggestions[k]);
}

long tui_model_find_alert(const struct tui_model *m, const char *type, const char *component)
{
	for (size_t i = 0; i < m->nalerts; i++)
		if (!strcmp(m->alerts[i].type, type) && !strcmp(m->alerts[i].component, component))
			return (long)i;
	return -1;
}

void tui_model_set_alerts(struct tui_model *m, const struct tui_alert *v, size_t n)
{
	char type[sizeof m->alerts[0].type] = "", component[sizeof m->alerts[0].component] = "";
	if (m->alert_chosen && m->alert_selected < m->nalerts) {
		snprintf(type, sizeof type, "%s", m->alerts[m->alert_selected].type);
		snprintf(component, sizeof component, "%s", m->alerts[m->alert_selected].component);
	}
	m->nalerts = n < TUI_MAX_ALERTS ? n : TUI_MAX_ALERTS;
	memcpy(m->alerts, v, m->nalerts * sizeof m->alerts[0]);
	long at = type[0] ? tui_model_find_alert(m, type, component) : -1;
	if (at >= 0)
		m->alert_selected = (size_t)at;
	else if (m->alert_selected >= m->nalerts)
		m->alert_selected = m->nalerts ? m->nalerts - 1 : 0;
}

void tui_model_set_findings(struct tui_model *m, const struct findings *fs)
{
	static const struct tui_alert none;
	size_t n = fs->n < TUI_MAX_ALERTS ? fs->n : TUI_MAX_ALERTS;
	struct tui_alert *v = n ? calloc(n, sizeof *v) : NULL;
	if (!v)
		n = 0;
	for (size_t i = 0; i < n; i++)
		tui_model_alert_of(&v[i], &fs->v[i]);
	tui_model_set_alerts(m, v ? v : &none, n);
	free(v);
	for (size_t k = 0; k < m->nstages; k++)
		m->stages[k].bottleneck = 0;
	/* the bottleneck is the stage the primary finding names, when that
	 * finding is a pipeline bottleneck that matters (medium or worse: a low
	 * one is a pipeline at ease); a leak, errors or a lock ranked first is
	 * the problem, and no stage is marked for the one behind it */
	const struct finding *primary = fs->n ? &fs->v[0] : NULL;
	if (primary && primary->type == FIND_PIPELINE_BOTTLENECK && primary->severity >= SEV_MEDIUM)
		for (size_t k = 0; k < m->nstages; k++)
			if (!strcmp(m->stages[k].name, primary->component))
				m->stages[k].bottleneck = 1;
}

_Static_assert(TUI_WHATIF_POINTS == WHATIF_SPEEDUPS + 1, "the control and every speed-up");

void tui_model_set_whatif(struct tui_model *m, const struct whatif_result *v, size_t n)
{
	static const int states[] = { [WHATIF_QUEUED] = TUI_WHATIF_WAITING,
				      [WHATIF_RUNNING] = TUI_WHATIF_RUNNING,
				      [WHATIF_DONE] = TUI_WHATIF_DONE,
				      [WHATIF_CUT] = TUI_WHATIF_CUT };
	struct tui_whatif *t = &m->whatif;
	memset(t, 0, sizeof *t); /* whole: the view compares it byte for byte */
	if (!m->nstages)
		return;
	const struct whatif_result *w = NULL;
	for (size_t i = 0; i < n && !w; i++)
		if ((size_t)v[i].stage_index == m->selected && !strcmp(v[i].stage, m->stages[m->selected].name))
			w = &v[i];
	if (!w)
		return;
	t->state = states[w->state];
	t->rounds = (int)w->rounds;
	snprintf(t->stage, sizeof t->stage, "%s", w->stage);
	snprintf(t->limiter, sizeof t->limiter, "%s", w->limiter);
	t->seconds = w->seconds;
	t->cost_pct = w->cost_pct;
	t->points[0] = (struct tui_whatif_point){ 1.0, w->baseline, w->baseline_low, w->baseline_high, 0 };
	for (size_t k = 0; k < WHATIF_SPEEDUPS; k++) {
		const struct whatif_point *pt = &w->points[k];
		t->points[k + 1] = (struct tui_whatif_point){ pt->speedup, pt->records_per_sec, pt->low, pt->high,
							      whatif_pct_shown(whatif_gain_pct(w, k)) };
	}
	if (w->rounds)
		report_whatif_tell(w, t->tell, sizeof t->tell);
}

/* The experiments on the selected stage, when the run has any (an may be NULL). */
static void tui_model_whatif(struct tui_model *m, struct analyzer *an)
{
	struct whatif_result v[WHATIF_MAX_TARGETS];
	size_t n = whatif_run_read(analyzer_get_whatif(an), v, WHATIF_MAX_TARGETS);
	tui_model_set_whatif(m, v, n);
}

static void tui_model_alerts(struct tui_model *m, struct analyzer *an)
{
	struct findings fs = { 0 };
	if (!an || analyzer_copy_latest(an, &fs) != 0)
		fs.n = 0;
	tui_model_set_findings(m, &fs);
	findings_free(&fs);
}

static void tui_model_fns(struct tui_model *m, struct profiler *prof)
{
	m->nfns = 0;
	m->allocator_pct = -1;
	if (!prof)
		return;
	m->allocator_pct = profiler_allocator_pct(prof);
	struct profiler_fn fns[TUI_MAX_FNS];
	const char *stage = m->fn_for_stage && m->nstages ? m->stages[m->selected].name : NULL;
	size_t n = profiler_cpu_top(prof, stage, fns, TUI_MAX_FNS);
	for (size_t i = 0; i < n && i < TUI_MAX_FNS; i++) {
		snprintf(m->fns[i].name, sizeof m->fns[i].name, "%s", fns[i].function ? fns[i].function : "?");
		m->fns[i].flat_pct = fns[i].flat_pct;
		m->fns[i].cum_pct = fns[i].cum_pct;
	}
	m->nfns = n < TUI_MAX_FNS ? n : TUI_MAX_FNS;
}

static void tui_model_connector(struct tui_conn *c, const struct connector_figures *cf)
{
	snprintf(c->type, sizeof c->type, "%s", cf->type ? cf->type : "?");
	snprintf(c->waits_on, sizeof c->waits_on, "%s", cf->waits_on ? cf->waits_on : "");
	c->records_per_sec = cf->records_per_sec;
	c->batches_per_sec = cf->requests_per_sec;
	c->wait_pct = cf->wait_pct;
	c->retries = cf->retries;
	c->errors = cf->errors;
}

/* Where the followed batches' time went: each quantile's parts. */
static void tui_model_latency(struct tui_model *m, struct pipeline *p)
{
	static const char *const names[LATENCY_QUANTILES] = { "p50", "p90", "p99" };
	m->nlatency = 0;
	struct latency_view *v = malloc(sizeof *v);
	if (!v)
		return;
	pipeline_read_latency(p, v);
	m->latency_every = v->every;
	m->latency_batches = v->batches;
	for (int q = 0; v->batches && q < LATENCY_QUANTILES; q++) {
		struct tui_latency_q *l = &m->latency[m->nlatency++];
		snprintf(l->name, sizeof l->name, "%s", names[q]);
		l->us = v->q_us[q];
		size_t idx[TUI_LATENCY_PARTS];
		l->nparts = report_latency_top(v, q, idx, TUI_LATENCY_PARTS);
		for (size_t k = 0; k < l->nparts; k++) {
			latency_part_name(&v->parts[idx[k]], l->part[k], sizeof l->part[k]);
			l->share[k] = v->q_share[q][idx[k]];
		}
	}
	free(v);
}

void tui_model_update(struct tui_model *m, struct pipeline *p, struct sampler *s, struct profiler *prof,
		      struct analyzer *an, int push)
{
	struct figures f, w, r;
	int have_r = 0;
	sampler_lock(s);
	figures_compute(&f, s, 1000000000ull);
	figures_compute(&w, s, 0);
	const struct sample *latest = sampler_latest(s);
	const struct figures *since = &w; /* the window of averages and peaks */
	const struct sample *from = NULL;
	if (m->reset_t_ns) {
		if (latest->t_ns > m->reset_t_ns) {
			from = sampler_find_before(s, m->reset_t_ns);
			/* from the newest sample at or before the reset: figures_compute
			 * looks the start up with sampler_find_before and scans for maxima */
			figures_compute(&r, s, latest->t_ns - m->reset_t_ns);
			have_r = 1;
			since = &r;
		} else {
			since = NULL;
		}
		m->rss_peak = tui_model_rss_since(s, m->reset_t_ns, f.rss_bytes);
	} else {
		/* the kernel's high-water mark can lag the RSS a sample read a
		 * moment before: the peak is never below one shown */
		uint64_t seen = tui_model_rss_since(s, 0, f.rss_bytes);
		m->rss_peak = w.rss_peak_bytes > seen ? w.rss_peak_bytes : seen;
	}
	tui_model_stages(m, &f, &w);
	m->nbuckets = 0;
	m->p50_ns = m->p90_ns = m->p99_ns = m->p999_ns = m->max_ns = 0;
	if (m->nstages)
		tui_model_histogram(m, sampler_latency(s, m->selected));
	tui_model_channels(m, &f, since, from, latest);
	sampler_unlock(s);

	tui_model_header(m, p, &w);
	m->records_per_sec = f.records_per_sec;
	m->bytes_per_sec = f.bytes_per_sec;
	m->in = f.records_in;
	m->out = f.records_out;
	m->filtered = f.records_filtered;
	m->errors = f.records_errors;
	tui_model_memory(m, &f);
	for (int d = 0; d < 2; d++)
		tui_model_connector(&m->conn[d], &f.conn[d]);
	/* the analyzer's and the profiler's own locks, not the sampler's */
	tui_model_alerts(m, an);
	tui_model_whatif(m, an);
	tui_model_fns(m, prof);
	tui_model_latency(m, p);
	if (push) {
		tui_history_push(&m->rate, m->records_per_sec);
		tui_history_push(&m->alloc, m->alloc_bytes_per_sec);
	}
	if (have_r)
		figures_free(&r);
	figures_free(&w);
	figures_free(&f);
}
