/* view.c: the front end's model as JSON and back (view.h). Each struct of
 * the model has one table of its fields (name, kind, place, size), read by
 * both the writer and the reader, so that the two cannot drift apart. */
#include "autoconfig.h"

#include "view.h"

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../pipeline/sampler.h"
#include "../src/analyze/analyzer.h"
#include "../src/base/secrets.h"
#include "../src/report/snapshot.h"

enum view_kind { VIEW_STR, VIEW_DBL, VIEW_U64, VIEW_INT };

struct view_field {
	const char *key;
	enum view_kind kind;
	size_t off, size;
};

#define VIEW_F(type, field, kind)                                                                                      \
	{                                                                                                              \
#field, kind, offsetof(type, field), sizeof(((type *)0)->field)                                        \
	}
#define VIEW_N(t) (sizeof t / sizeof t[0])

static const struct view_field view_header[] = {
	VIEW_F(struct tui_model, pipeline, VIEW_STR),
	VIEW_F(struct tui_model, route, VIEW_STR),
	VIEW_F(struct tui_model, state, VIEW_STR),
	VIEW_F(struct tui_model, elapsed_s, VIEW_DBL),
	VIEW_F(struct tui_model, workers, VIEW_INT),
	VIEW_F(struct tui_model, types, VIEW_STR),
	VIEW_F(struct tui_model, records_per_sec, VIEW_DBL),
	VIEW_F(struct tui_model, bytes_per_sec, VIEW_DBL),
	VIEW_F(struct tui_model, in, VIEW_U64),
	VIEW_F(struct tui_model, out, VIEW_U64),
	VIEW_F(struct tui_model, filtered, VIEW_U64),
	VIEW_F(struct tui_model, errors, VIEW_U64),
	VIEW_F(struct tui_model, p50_ns, VIEW_U64),
	VIEW_F(struct tui_model, p90_ns, VIEW_U64),
	VIEW_F(struct tui_model, p99_ns, VIEW_U64),
	VIEW_F(struct tui_model, p999_ns, VIEW_U64),
	VIEW_F(struct tui_model, max_ns, VIEW_U64),
	VIEW_F(struct tui_model, rss, VIEW_U64),
	VIEW_F(struct tui_model, rss_peak, VIEW_U64),
	VIEW_F(struct tui_model, heap, VIEW_U64),
	VIEW_F(struct tui_model, have_heap, VIEW_INT),
	VIEW_F(struct tui_model, alloc_bytes_per_sec, VIEW_DBL),
	VIEW_F(struct tui_model, allocs_per_sec, VIEW_DBL),
	VIEW_F(struct tui_model, bytes_per_record, VIEW_DBL),
	VIEW_F(struct tui_model, allocator_pct, VIEW_DBL),
	VIEW_F(struct tui_model, fn_for_stage, VIEW_INT),
	VIEW_F(struct tui_model, latency_every, VIEW_U64),
	VIEW_F(struct tui_model, latency_batches, VIEW_U64),
};

_Static_assert(TUI_LATENCY_PARTS == 3, "the view carries three parts a quantile");
static const struct view_field view_latency[] = {
	VIEW_F(struct tui_latency_q, name, VIEW_STR),	  VIEW_F(struct tui_latency_q, us, VIEW_DBL),
	VIEW_F(struct tui_latency_q, part[0], VIEW_STR),  VIEW_F(struct tui_latency_q, part[1], VIEW_STR),
	VIEW_F(struct tui_latency_q, part[2], VIEW_STR),  VIEW_F(struct tui_latency_q, share[0], VIEW_DBL),
	VIEW_F(struct tui_latency_q, share[1], VIEW_DBL), VIEW_F(struct tui_latency_q, share[2], VIEW_DBL),
};

static const struct view_field view_whatif[] = {
	VIEW_F(struct tui_whatif, state, VIEW_INT),   VIEW_F(struct tui_whatif, rounds, VIEW_INT),
	VIEW_F(struct tui_whatif, stage, VIEW_STR),   VIEW_F(struct tui_whatif, limiter, VIEW_STR),
	VIEW_F(struct tui_whatif, seconds, VIEW_DBL), VIEW_F(struct tui_whatif, cost_pct, VIEW_DBL),
	VIEW_F(struct tui_whatif, tell, VIEW_STR),
};

static const struct view_field view_whatif_point[] = {
	VIEW_F(struct tui_whatif_point, speedup, VIEW_DBL),  VIEW_F(struct tui_whatif_point, records_per_sec, VIEW_DBL),
	VIEW_F(struct tui_whatif_point, low, VIEW_DBL),	     VIEW_F(struct tui_whatif_point, high, VIEW_DBL),
	VIEW_F(struct tui_whatif_point, gain_pct, VIEW_DBL),
};

static const struct view_field view_conn[] = {
	VIEW_F(struct tui_conn, type, VIEW_STR),
	VIEW_F(struct tui_conn, waits_on, VIEW_STR),
	VIEW_F(struct tui_conn, records_per_sec, VIEW_DBL),
	VIEW_F(struct tui_conn, batches_per_sec, VIEW_DBL),
	VIEW_F(struct tui_conn, wait_pct, VIEW_DBL),
	VIEW_F(struct tui_conn, retries, VIEW_U64),
	VIEW_F(struct tui_conn, errors, VIEW_U64),
};

static const struct view_field view_stage[] = {
	VIEW_F(struct tui_stage_row, name, VIEW_STR),	    VIEW_F(struct tui_stage_row, type, VIEW_STR),
	VIEW_F(struct tui_stage_row, kind, VIEW_INT),	    VIEW_F(struct tui_stage_row, threads, VIEW_INT),
	VIEW_F(struct tui_stage_row, rate, VIEW_DBL),	    VIEW_F(struct tui_stage_row, busy_pct, VIEW_DBL),
	VIEW_F(struct tui_stage_row, bp_pct, VIEW_DBL),	    VIEW_F(struct tui_stage_row, idle_pct, VIEW_DBL),
	VIEW_F(struct tui_stage_row, p50_ns, VIEW_U64),	    VIEW_F(struct tui_stage_row, p99_ns, VIEW_U64),
	VIEW_F(struct tui_stage_row, max_ns, VIEW_U64),	    VIEW_F(struct tui_stage_row, errors, VIEW_U64),
	VIEW_F(struct tui_stage_row, bottleneck, VIEW_INT), VIEW_F(struct tui_stage_row, ended, VIEW_INT),
};

static const struct view_field view_channel[] = {
	VIEW_F(struct tui_channel_row, name, VIEW_STR),
	VIEW_F(struct tui_channel_row, capacity, VIEW_U64),
	VIEW_F(struct tui_channel_row, fill_pct, VIEW_DBL),
	VIEW_F(struct tui_channel_row, avg_pct, VIEW_DBL),
	VIEW_F(struct tui_channel_row, max_pct, VIEW_DBL),
	VIEW_F(struct tui_channel_row, send_blocked_pct, VIEW_DBL),
	VIEW_F(struct tui_channel_row, recv_blocked_pct, VIEW_DBL),
};

static const struct view_field view_bucket[] = {
	VIEW_F(struct tui_bucket, lo_ns, VIEW_U64),
	VIEW_F(struct tui_bucket, hi_ns, VIEW_U64),
	VIEW_F(struct tui_bucket, count, VIEW_U64),
};

static const struct view_field view_alert[] = {
	VIEW_F(struct tui_alert, severity, VIEW_INT),  VIEW_F(struct tui_alert, type, VIEW_STR),
	VIEW_F(struct tui_alert, component, VIEW_STR), VIEW_F(struct tui_alert, stage, VIEW_STR),
	VIEW_F(struct tui_alert, text, VIEW_STR),      VIEW_F(struct tui_alert, impact_pct, VIEW_DBL),
	VIEW_F(struct tui_alert, impact_of, VIEW_STR), VIEW_F(struct tui_alert, impact, VIEW_STR),
};

static const struct view_field view_fn[] = {
	VIEW_F(struct tui_fn, name, VIEW_STR),
	VIEW_F(struct tui_fn, flat_pct, VIEW_DBL),
	VIEW_F(struct tui_fn, cum_pct, VIEW_DBL),
};

/* --- writing ------------------------------------------------------------------ */

/* A text of the model as a JSON string, its secrets hidden (the last line
 * of defence, as for the metrics JSON: the view leaves nebtop). */
static json_t *view_text(const char *s)
{
	size_t n;
	char *clean = secrets_redact_dup(s, strlen(s), &n);
	json_t *v = clean ? json_stringn(clean, n) : NULL;
	free(clean);
	return v ? v : json_string("?");
}

static json_t *view_put(const void *base, const struct view_field *t, size_t n)
{
	json_t *o = json_object();
	for (size_t i = 0; i < n; i++) {
		const char *at = (const char *)base + t[i].off;
		json_t *v = NULL;
		switch (t[i].kind) {
		case VIEW_STR:
			v = view_text(at);
			break;
		case VIEW_DBL:
			v = json_real(*(const double *)at);
			break;
		case VIEW_U64:
			v = json_integer((json_int_t) * (const uint64_t *)at);
			break;
		case VIEW_INT:
			v = json_integer(*(const int *)at);
			break;
		}
		json_object_set_new(o, t[i].key, v);
	}
	return o;
}

static json_t *view_put_array(const void *v, size_t stride, size_t count, const struct view_field *t, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < count; i++)
		json_array_append_new(a, view_put((const char *)v + i * stride, t, n));
	return a;
}

static json_t *view_put_strings(const char *v, size_t stride, size_t count)
{
	json_t *a = json_array();
	for (size_t i = 0; i < count; i++)
		json_array_append_new(a, view_text(v + i * stride));
	return a;
}

char *tui_view_text(const struct tui_model *m, const struct tui_view_meta *meta)
{
	json_t *o = view_put(m, view_header, VIEW_N(view_header));
	json_object_set_new(o, "view", json_integer(TUI_VIEW_VERSION));
	json_object_set_new(o, "nebtop_version", json_string(PACKAGE_VERSION));
	json_object_set_new(o, "run_id", json_string(meta->run_id));
	json_object_set_new(o, "sample_t_ns", json_integer((json_int_t)meta->sample_t_ns));
	json_object_set_new(o, "final", json_boolean(meta->final));
	json_object_set_new(o, "selected", json_integer((json_int_t)m->selected));
	json_object_set_new(o, "conn", view_put_array(m->conn, sizeof m->conn[0], 2, view_conn, VIEW_N(view_conn)));
	json_object_set_new(o, "stages",
			    view_put_array(m->stages, sizeof m->stages[0], m->nstages, view_stage, VIEW_N(view_stage)));
	json_object_set_new(
	    o, "channels",
	    view_put_array(m->channels, sizeof m->channels[0], m->nchannels, view_channel, VIEW_N(view_channel)));
	json_object_set_new(
	    o, "buckets",
	    view_put_array(m->buckets, sizeof m->buckets[0], m->nbuckets, view_bucket, VIEW_N(view_bucket)));
	json_t *alerts = json_array();
	for (size_t i = 0; i < m->nalerts; i++) {
		const struct tui_alert *a = &m->alerts[i];
		json_t *x = view_put(a, view_alert, VIEW_N(view_alert));
		json_object_set_new(x, "figures", view_put_strings(a->figures[0], sizeof a->figures[0], a->nfigures));
		json_object_set_new(x, "suggestions",
				    view_put_strings(a->suggestions[0], sizeof a->suggestions[0], a->nsuggestions));
		json_array_append_new(alerts, x);
	}
	json_object_set_new(o, "alerts", alerts);
	json_object_set_new(o, "fns", view_put_array(m->fns, sizeof m->fns[0], m->nfns, view_fn, VIEW_N(view_fn)));
	json_t *lat = json_array();
	for (size_t i = 0; i < m->nlatency; i++) {
		json_t *x = view_put(&m->latency[i], view_latency, VIEW_N(view_latency));
		json_object_set_new(x, "nparts", json_integer((json_int_t)m->latency[i].nparts));
		json_array_append_new(lat, x);
	}
	json_object_set_new(o, "latency", lat);
	json_t *wi = view_put(&m->whatif, view_whatif, VIEW_N(view_whatif));
	json_object_set_new(wi, "points",
			    view_put_array(m->whatif.points, sizeof m->whatif.points[0], TUI_WHATIF_POINTS,
					   view_whatif_point, VIEW_N(view_whatif_point)));
	json_object_set_new(o, "whatif", wi);
	char *text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	return text;
}

char *tui_view_build(struct pipeline *p, struct sampler *s, struct profiler *prof, struct analyzer *an,
		     const struct tui_view_ask *ask, int *final)
{
	struct tui_model *m = calloc(1, sizeof *m);
	if (!m)
		return NULL;
	m->selected = ask->stage;
	m->fn_for_stage = ask->fns_for_stage;
	m->reset_t_ns = ask->reset_t_ns;
	tui_model_update(m, p, s, prof, an, 0);
	struct tui_view_meta meta = { .version = TUI_VIEW_VERSION };
	sampler_lock(s);
	meta.sample_t_ns = sampler_latest(s)->t_ns;
	meta.final = sampler_ended(s);
	sampler_unlock(s);
	report_run_id(p, meta.run_id, sizeof meta.run_id);
	*final = meta.final;
	char *text = tui_view_text(m, &meta);
	free(m);
	return text;
}

/* --- reading ------------------------------------------------------------------ */

/* A text of the view into dst (size bytes): cut at a character boundary
 * when longer, and a control character (a line break from a remote that
 * is not a nebtop) drawn as '?', which would break the screen's rows. */
static void view_copy_text(char *dst, size_t size, const char *s)
{
	size_t len = strlen(s);
	if (len >= size)
		for (len = size - 1; len > 0 && ((unsigned char)s[len] & 0xC0) == 0x80; len--)
			;
	for (size_t i = 0; i < len; i++)
		dst[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
	dst[len] = 0;
}

/* The fields of t found in o into base; a field that is missing or of
 * another type is left as it was (zero in a fresh row). */
static void view_get(void *base, const json_t *o, const struct view_field *t, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char *at = (char *)base + t[i].off;
		const json_t *v = json_object_get(o, t[i].key);
		if (!v)
			continue;
		switch (t[i].kind) {
		case VIEW_STR:
			if (json_is_string(v)) {
				view_copy_text(at, t[i].size, json_string_value(v));
			}
			break;
		case VIEW_DBL:
			if (json_is_number(v))
				*(double *)at = json_number_value(v);
			break;
		case VIEW_U64:
			if (json_is_integer(v) && json_integer_value(v) >= 0)
				*(uint64_t *)at = (uint64_t)json_integer_value(v);
			break;
		case VIEW_INT:
			if (json_is_integer(v))
				*(int *)at = (int)json_integer_value(v);
			break;
		}
	}
}

/* The rows of the array key of o (at most max) into v; how many. */
static size_t view_get_array(void *v, size_t stride, size_t max, const json_t *o, const char *key,
			     const struct view_field *t, size_t n)
{
	const json_t *a = json_object_get(o, key);
	size_t k = 0;
	if (!json_is_array(a))
		return 0;
	for (size_t i = 0; i < json_array_size(a) && k < max; i++) {
		const json_t *x = json_array_get(a, i);
		if (!json_is_object(x))
			continue;
		void *row = (char *)v + k * stride;
		memset(row, 0, stride);
		view_get(row, x, t, n);
		k++;
	}
	return k;
}

static size_t view_get_strings(char *v, size_t stride, size_t max, const json_t *a)
{
	size_t k = 0;
	if (!json_is_array(a))
		return 0;
	for (size_t i = 0; i < json_array_size(a) && k < max; i++) {
		const json_t *s = json_array_get(a, i);
		if (json_is_string(s))
			view_copy_text(v + stride * k++, stride, json_string_value(s));
	}
	return k;
}

int tui_view_parse(struct tui_model *m, struct tui_view_meta *meta, const char *text, size_t len, char *err,
		   size_t errlen)
{
	json_error_t je;
	json_t *o = json_loadb(text, len, 0, &je);
	if (!o || !json_is_object(o)) {
		snprintf(err, errlen, "the answer is not a view (%s)", o ? "not a JSON object" : je.text);
		json_decref(o);
		return -1;
	}
	memset(meta, 0, sizeof *meta);
	const json_t *ver = json_object_get(o, "view");
	meta->version = json_is_integer(ver) ? (int)json_integer_value(ver) : 0;
	const char *nv = json_string_value(json_object_get(o, "nebtop_version"));
	snprintf(meta->nebtop_version, sizeof meta->nebtop_version, "%s", nv ? nv : "?");
	if (meta->version != TUI_VIEW_VERSION) {
		snprintf(err, errlen, "the remote (nebtop %s) serves view version %d; this nebtop reads version %d",
			 meta->nebtop_version, meta->version, TUI_VIEW_VERSION);
		json_decref(o);
		return -1;
	}
	const char *id = json_string_value(json_object_get(o, "run_id"));
	snprintf(meta->run_id, sizeof meta->run_id, "%s", id ? id : "");
	const json_t *t = json_object_get(o, "sample_t_ns");
	meta->sample_t_ns = json_is_integer(t) && json_integer_value(t) > 0 ? (uint64_t)json_integer_value(t) : 0;
	meta->final = json_is_true(json_object_get(o, "final"));

	int fn_for_stage = m->fn_for_stage; /* the asker's choice, not the answer's */
	view_get(m, o, view_header, VIEW_N(view_header));
	m->fn_for_stage = fn_for_stage;
	memset(m->conn, 0, sizeof m->conn);
	view_get_array(m->conn, sizeof m->conn[0], 2, o, "conn", view_conn, VIEW_N(view_conn));
	m->nstages =
	    view_get_array(m->stages, sizeof m->stages[0], TUI_MAX_STAGES, o, "stages", view_stage, VIEW_N(view_stage));
	if (m->selected >= m->nstages)
		m->selected = m->nstages ? m->nstages - 1 : 0;
	m->nchannels = view_get_array(m->channels, sizeof m->channels[0], TUI_MAX_CHANNELS, o, "channels", view_channel,
				      VIEW_N(view_channel));
	for (size_t i = 0; i < m->nchannels; i++)
		m->channels[i].band = tui_band_of_fill(m->channels[i].fill_pct);
	m->nbuckets = view_get_array(m->buckets, sizeof m->buckets[0], TUI_MAX_BUCKETS, o, "buckets", view_bucket,
				     VIEW_N(view_bucket));
	struct tui_alert *alerts = calloc(TUI_MAX_ALERTS, sizeof *alerts);
	size_t nalerts = 0;
	const json_t *aa = json_object_get(o, "alerts");
	for (size_t i = 0; alerts && json_is_array(aa) && i < json_array_size(aa) && nalerts < TUI_MAX_ALERTS; i++) {
		const json_t *x = json_array_get(aa, i);
		if (!json_is_object(x))
			continue;
		struct tui_alert *a = &alerts[nalerts++];
		view_get(a, x, view_alert, VIEW_N(view_alert));
		if (a->severity < SEV_LOW || a->severity > SEV_CRITICAL) /* it indexes the severities' names */
			a->severity = a->severity < SEV_LOW ? SEV_LOW : SEV_CRITICAL;
		a->nfigures = view_get_strings(a->figures[0], sizeof a->figures[0], TUI_ALERT_FIGURES,
					       json_object_get(x, "figures"));
		a->nsuggestions = view_get_strings(a->suggestions[0], sizeof a->suggestions[0], TUI_ALERT_SUGGESTIONS,
						   json_object_get(x, "suggestions"));
	}
	tui_model_set_alerts(m, alerts, nalerts);
	free(alerts);
	m->nfns = view_get_array(m->fns, sizeof m->fns[0], TUI_MAX_FNS, o, "fns", view_fn, VIEW_N(view_fn));
	m->nlatency =
	    view_get_array(m->latency, sizeof m->latency[0], 3, o, "latency", view_latency, VIEW_N(view_latency));
	const json_t *la = json_object_get(o, "latency");
	for (size_t i = 0; i < m->nlatency; i++) {
		const json_t *np = json_object_get(json_array_get(la, i), "nparts");
		json_int_t k = json_is_integer(np) ? json_integer_value(np) : 0;
		m->latency[i].nparts = k < 0 ? 0 : k > TUI_LATENCY_PARTS ? TUI_LATENCY_PARTS : (size_t)k;
	}
	/* the selected stage's what-if experiments (none in a view without them) */
	memset(&m->whatif, 0, sizeof m->whatif);
	const json_t *wi = json_object_get(o, "whatif");
	if (json_is_object(wi)) {
		view_get(&m->whatif, wi, view_whatif, VIEW_N(view_whatif));
		view_get_array(m->whatif.points, sizeof m->whatif.points[0], TUI_WHATIF_POINTS, wi, "points",
			       view_whatif_point, VIEW_N(view_whatif_point));
		/* a state out of the five (a newer remote) is drawn as none */
		if (m->whatif.state < TUI_WHATIF_NONE || m->whatif.state > TUI_WHATIF_CUT)
			m->whatif.state = TUI_WHATIF_NONE;
		if (m->whatif.rounds < 0)
			m->whatif.rounds = 0;
	}
	json_decref(o);
	return 0;
}
