/* draw.c: the panels on screen, from the model only: header, throughput
 * with its history, stages, the selected stage's latency histogram (and
 * the block of its what-if experiments under it), channel gauges, memory,
 * alerts, top functions and the key bar. Two
 * columns from 150 columns on, one below; panels that do not fit are cut
 * from the bottom, and a list longer than its panel shows the part the
 * keys moved to (nav.h), the selection always in view. The focused panel's
 * title is marked and highlighted. Every line fits its panel's width: a
 * line of figures comes in variants, longest first, each with shorter
 * labels or a field of less weight dropped whole, and the first that fits
 * is drawn; text (alerts, functions, the status line) is cut at a word and
 * ended with an ellipsis (tui_text_fit): the detail view (draw_detail.c)
 * shows a finding whole. Never half a number. */
#include "autoconfig.h"

#include "draw_internal.h"

#include <stdio.h>
#include <string.h>

#include "../pipeline/pipeline.h"
#include "../src/analyze/analyzer.h"
#include "../src/base/units.h"

enum { PAIR_TITLE = 1, PAIR_OK, PAIR_MEDIUM, PAIR_HIGH, PAIR_KEYS, PAIR_FOCUS };

void draw_init_colors(void)
{
	start_color();
	use_default_colors();
	init_pair(PAIR_TITLE, COLOR_CYAN, -1);
	init_pair(PAIR_OK, COLOR_GREEN, -1);
	init_pair(PAIR_MEDIUM, COLOR_YELLOW, -1);
	init_pair(PAIR_HIGH, COLOR_RED, -1);
	init_pair(PAIR_KEYS, COLOR_BLACK, COLOR_CYAN);
	init_pair(PAIR_FOCUS, COLOR_BLACK, COLOR_YELLOW);
}

/* A region of the screen panels are drawn into, top to bottom. */
struct draw_area {
	int y, x, w, bottom; /* next row, left column, width, first row not ours */
};

static attr_t draw_pair(const struct draw_opts *d, int pair)
{
	return d->color ? COLOR_PAIR(pair) : A_NORMAL;
}

void draw_text(int y, int x, int w, const char *s)
{
	if (w > 0)
		mvaddnstr(y, x, s, (int)tui_text_bytes(s, w));
}

void draw_fit(const struct draw_opts *d, int y, int x, int w, const char *s)
{
	char buf[1024];
	tui_text_fit(buf, sizeof buf, s, w, d->utf8);
	draw_text(y, x, w, buf);
}

/* The first of k variants of a line (longest first) that fits w cells, or
 * the last one when none does (draw_fit then ellipsizes it). */
static const char *draw_pick(const char (*v)[512], size_t k, int w)
{
	for (size_t i = 0; i + 1 < k; i++)
		if (tui_text_cells(v[i]) <= w)
			return v[i];
	return v[k - 1];
}

/* A panel's title; the focused panel's (panel: enum tui_panel, -1 for a
 * panel that takes no focus) is marked with a triangle ('*' in ASCII) for
 * a terminal without colour or a reader of its text, and highlighted. */
static int draw_title(const struct draw_opts *d, struct draw_area *a, const char *title, int panel)
{
	if (a->y >= a->bottom)
		return 0;
	int focused = panel >= 0 && panel == d->nav.focus;
	attr_t at = focused ? (d->color ? COLOR_PAIR(PAIR_FOCUS) : A_REVERSE) : (draw_pair(d, PAIR_TITLE) | A_BOLD);
	char text[512];
	snprintf(text, sizeof text, "%s%s", focused ? (d->utf8 ? "\u25b6 " : "* ") : "", title);
	attron(at);
	draw_fit(d, a->y, a->x, a->w, text);
	attroff(at);
	a->y++;
	return 1;
}

/* A list of count items in rows rows: its first item shown (sel in view;
 * a list without a selection passes its top) and how many show, into l;
 * range (n bytes) gets "; 3-5 of 9" when they do not all show, else "". */
static void draw_list_place(struct tui_list *l, size_t sel, size_t rows, size_t count, char *range, size_t n)
{
	l->top = tui_nav_follow(l->top, sel, rows, count);
	l->rows = count - l->top < rows ? count - l->top : rows;
	if (l->top == 0 && l->rows >= count)
		range[0] = 0;
	else
		snprintf(range, n, "; %zu-%zu of %zu", l->top + 1, l->top + l->rows, count);
}

/* The rows of a panel's area below its title (and head lines more). */
static size_t draw_rows_below(const struct draw_area *a, int head)
{
	int r = a->bottom - a->y - 1 - head;
	return r > 0 ? (size_t)r : 0;
}

static int draw_line(const struct draw_opts *d, struct draw_area *a, const char *s)
{
	if (a->y >= a->bottom)
		return 0;
	draw_fit(d, a->y++, a->x, a->w, s);
	return 1;
}

static int draw_band_pair(enum tui_band b) { return b == TUI_BAND_HIGH ? PAIR_HIGH : b == TUI_BAND_MEDIUM ? PAIR_MEDIUM : PAIR_OK; }

static int draw_severity_pair(int sev) { return sev >= SEV_HIGH ? PAIR_HIGH : sev == SEV_MEDIUM ? PAIR_MEDIUM : PAIR_OK; }

attr_t draw_severity_attr(const struct draw_opts *d, int severity)
{
	return draw_pair(d, draw_severity_pair(severity)) | (severity >= SEV_HIGH ? A_BOLD : A_NORMAL);
}

static void draw_header(const struct draw_opts *d, const struct tui_model *m, int cols, int frozen, int paused)
{
	char v[4][512], el[32], state[48], route[512], lead[128];
	units_format_duration(el, sizeof el, (uint64_t)(m->elapsed_s * 1e9));
	/* an attached view paused with p: the remote's run goes on */
	if (paused && m->attached[0])
		snprintf(state, sizeof state, "[%s, view paused]", m->state);
	else
		snprintf(state, sizeof state, "[%s%s]", paused ? "paused" : m->state, frozen ? ", display frozen" : "");
	/* an attached screen says so first: what it shows is another process's */
	if (m->attached[0])
		snprintf(lead, sizeof lead, "nebtop attached to %s", m->attached);
	else
		snprintf(lead, sizeof lead, "nebtop");
	/* what goes first: where the last snapshot went, the profile types, the workers */
	char serving[96] = "";
	if (m->serving[0])
		snprintf(serving, sizeof serving, "  serving %s", m->serving);
	snprintf(v[0], sizeof v[0], "%s  %s  %s  %s  %s  workers %d  profiles %s  snapshots %u%s%s%s", lead,
		 m->pipeline, m->route, state, el, m->workers, m->types, m->snapshots, m->last_snapshot[0] ? " in " : "",
		 m->last_snapshot, serving);
	snprintf(v[1], sizeof v[1], "%s  %s  %s  %s  %s  workers %d  profiles %s  snapshots %u%s", lead, m->pipeline,
		 m->route, state, el, m->workers, m->types, m->snapshots, serving);
	snprintf(v[2], sizeof v[2], "%s  %s  %s  %s  %s  workers %d  snapshots %u", lead, m->pipeline, m->route, state,
		 el, m->workers, m->snapshots);
	/* the shortest: the route ellipsized to the room the rest leaves */
	snprintf(v[3], sizeof v[3], "%s  %s    %s  %s  snapshots %u", lead, m->pipeline, state, el, m->snapshots);
	tui_text_fit(route, sizeof route, m->route, cols - tui_text_cells(v[3]), d->utf8);
	snprintf(v[3], sizeof v[3], "%s  %s  %s  %s  %s  snapshots %u", lead, m->pipeline, route, state, el,
		 m->snapshots);
	attron(A_BOLD);
	mvhline(0, 0, ' ', cols);
	draw_fit(d, 0, 0, cols, draw_pick(v, 4, cols));
	attroff(A_BOLD);
	move(1, 0);
	clrtoeol();
	if (m->status[0])
		draw_fit(d, 1, 0, cols, m->status);
}

/* A connector's part of the connector line; level 1 drops the batches,
 * level 2 the type too. */
static void draw_connector_part(char *dst, size_t n, const struct tui_conn *c, int dest, int level)
{
	char rate[32];
	units_format_count(rate, sizeof rate, (uint64_t)(c->records_per_sec + 0.5));
	int o = snprintf(dst, n, "%s%s%s %s rec/s", dest ? "dst" : "src", level < 2 ? " " : "", level < 2 ? c->type : "",
			 rate);
	/* connectors that talk to something outside count its round trips and waits */
	if (c->waits_on[0] && o > 0 && (size_t)o < n) {
		if (level < 1)
			o += snprintf(dst + o, n - (size_t)o, " %.0f batch/s", c->batches_per_sec);
		if ((size_t)o < n)
			o += snprintf(dst + o, n - (size_t)o, " wait %.0f%%", c->wait_pct);
	}
	if ((c->retries || c->errors) && o > 0 && (size_t)o < n)
		snprintf(dst + o, n - (size_t)o, " retries %llu failed %llu", (unsigned long long)c->retries,
			 (unsigned long long)c->errors);
}

/* One line: each connector's rate, batches per second, the share of its
 * busy time spent waiting on its system, and its retries and failed batches. */
static void draw_connectors(const struct draw_opts *d, struct draw_area *a, const struct tui_model *m)
{
	char v[3][512], part[2][240];
	for (int level = 0; level < 3; level++) {
		for (int k = 0; k < 2; k++)
			draw_connector_part(part[k], sizeof part[k], &m->conn[k], k, level);
		snprintf(v[level], sizeof v[level], level ? "%s | %s" : "%s  |  %s", part[0], part[1]);
	}
	draw_line(d, a, draw_pick(v, 3, a->w));
}

static void draw_throughput(const struct draw_opts *d, const struct tui_model *m, struct draw_area *a)
{
	if (!draw_title(d, a, "Throughput", -1))
		return;
	char rate[32], bytes[32], in[32], out[32], filt[32], err[32], line[512], v[5][512];
	units_format_count(rate, sizeof rate, (uint64_t)(m->records_per_sec + 0.5));
	units_format_bytes(bytes, sizeof bytes, m->bytes_per_sec);
	units_format_count(in, sizeof in, m->in);
	units_format_count(out, sizeof out, m->out);
	units_format_count(filt, sizeof filt, m->filtered);
	units_format_count(err, sizeof err, m->errors);
	/* shorter labels, then the bytes and the filtered dropped: the errors stay */
	snprintf(v[0], sizeof v[0], "%s records/s  %s/s   in %s  out %s  filtered %s  errors %s", rate, bytes, in, out,
		 filt, err);
	snprintf(v[1], sizeof v[1], "%s records/s  %s/s  in %s  out %s  filt %s  err %s", rate, bytes, in, out, filt, err);
	snprintf(v[2], sizeof v[2], "%s rec/s  %s/s  in %s  out %s  filt %s  err %s", rate, bytes, in, out, filt, err);
	snprintf(v[3], sizeof v[3], "%s rec/s  in %s  out %s  filt %s  err %s", rate, in, out, filt, err);
	snprintf(v[4], sizeof v[4], "%s rec/s  in %s  out %s  err %s", rate, in, out, err);
	draw_line(d, a, draw_pick(v, 5, a->w));
	if (a->y >= a->bottom)
		return;
	int w = a->w - 20 > 10 ? a->w - 20 : 10;
	if (w > TUI_HISTORY)
		w = TUI_HISTORY;
	char spark[TUI_HISTORY * 4 + 1];
	tui_sparkline_text(spark, sizeof spark, &m->rate, w, d->utf8);
	char peak[32];
	units_format_count(peak, sizeof peak, (uint64_t)(tui_history_max(&m->rate) + 0.5));
	attron(draw_pair(d, PAIR_OK));
	mvaddstr(a->y, a->x, spark);
	attroff(draw_pair(d, PAIR_OK));
	snprintf(line, sizeof line, " max %s/s", peak);
	draw_fit(d, a->y, a->x + w, a->w - w, line);
	a->y++;
	if (a->y < a->bottom)
		draw_connectors(d, a, m);
}

/* A list panel's title: head, then the part of the list shown
 * (draw_list_place: sel in view in rows rows of count) and ")"; 0 when the
 * title does not fit. */
static int draw_list_title(struct draw_opts *d, struct draw_area *a, enum tui_panel panel, size_t sel, size_t rows,
			   size_t count, const char *head)
{
	struct tui_list *l = &d->nav.list[panel];
	char title[256], range[64];
	draw_list_place(l, sel, rows, count, range, sizeof range);
	snprintf(title, sizeof title, "%s%s)", head, range);
	if (!draw_title(d, a, title, (int)panel))
		return 0;
	l->shown = rows > 0;
	return 1;
}

static void draw_stages(struct draw_opts *d, const struct tui_model *m, struct draw_area *a)
{
	struct tui_list *l = &d->nav.list[TUI_PANEL_STAGES];
	size_t rows = draw_rows_below(a, 1);
	if (!draw_list_title(d, a, TUI_PANEL_STAGES, m->selected, rows, m->nstages,
			     "Stages (up/down select; ! marks the bottleneck"))
		return;
	char line[512];
	snprintf(line, sizeof line, "   %-12s %9s %6s %6s %6s %8s %8s %8s %6s", "STAGE", "REC/S", "BUSY", "BP", "IDLE", "P50",
		 "P99", "MAX", "ERRORS");
	attron(A_BOLD);
	draw_line(d, a, line);
	attroff(A_BOLD);
	d->stage_row0 = a->y;
	d->stage_col0 = a->x;
	d->stage_cols = a->w;
	for (size_t i = l->top; i < m->nstages && a->y < a->bottom; i++) {
		const struct tui_stage_row *r = &m->stages[i];
		char rate[32], p50[24], p99[24], mx[24], errs[32], busy[16], bp[16], idle[16];
		units_format_count(rate, sizeof rate, (uint64_t)(r->rate + 0.5));
		units_format_duration(p50, sizeof p50, r->p50_ns);
		units_format_duration(p99, sizeof p99, r->p99_ns);
		units_format_duration(mx, sizeof mx, r->max_ns);
		units_format_count(errs, sizeof errs, r->errors);
		/* a stage whose threads have ended (the source after the end of its
		 * input or the duration, while the channels drain) spends no time */
		if (r->ended) {
			snprintf(busy, sizeof busy, "%s", "done");
			snprintf(bp, sizeof bp, "%s", "-");
			snprintf(idle, sizeof idle, "%s", "-");
		} else {
			snprintf(busy, sizeof busy, "%5.1f%%", r->busy_pct);
			snprintf(bp, sizeof bp, "%5.1f%%", r->bp_pct);
			snprintf(idle, sizeof idle, "%5.1f%%", r->idle_pct);
		}
		snprintf(line, sizeof line, "%c%c %-12.12s %9s %6s %6s %6s %8s %8s %8s %6s", i == m->selected ? '>' : ' ',
			 r->bottleneck ? '!' : ' ', r->name, rate, busy, bp, idle, p50, p99, mx, errs);
		/* the word after the row when there is room (the ! mark says it too) */
		if (r->bottleneck && tui_text_cells(line) + 12 <= a->w)
			strcat(line, "  BOTTLENECK");
		attr_t at = (i == m->selected ? A_REVERSE : A_NORMAL) |
			    (r->bottleneck ? draw_pair(d, PAIR_HIGH) | A_BOLD : A_NORMAL);
		attron(at);
		draw_line(d, a, line);
		attroff(at);
	}
}

static void draw_histogram(const struct draw_opts *d, const struct tui_model *m, struct draw_area *a)
{
	char title[160];
	snprintf(title, sizeof title, "Latency of stage %s (per batch)",
		 m->nstages ? m->stages[m->selected].name : "-");
	if (!draw_rows_below(a, 0) || !draw_title(d, a, title, -1)) /* no title without a row under it */
		return;
	char p50[24], p90[24], p99[24], p999[24], mx[24], line[512];
	units_format_duration(p50, sizeof p50, m->p50_ns);
	units_format_duration(p90, sizeof p90, m->p90_ns);
	units_format_duration(p99, sizeof p99, m->p99_ns);
	units_format_duration(p999, sizeof p999, m->p999_ns);
	units_format_duration(mx, sizeof mx, m->max_ns);
	snprintf(line, sizeof line, "p50 %s  p90 %s  p99 %s  p999 %s  max %s", p50, p90, p99, p999, mx);
	draw_line(d, a, line);
	uint64_t top = 0;
	for (size_t i = 0; i < m->nbuckets; i++)
		if (m->buckets[i].count > top)
			top = m->buckets[i].count;
	/* as many buckets as rows left, merged evenly */
	int rows = a->bottom - a->y;
	if (rows <= 0 || !m->nbuckets) {
		if (!m->nbuckets)
			draw_line(d, a, "(no batch yet)");
		return;
	}
	size_t per = (m->nbuckets + (size_t)rows - 1) / (size_t)rows;
	int barw = a->w - 24 > 4 ? a->w - 24 : 4;
	for (size_t i = 0; i < m->nbuckets && a->y < a->bottom; i += per) {
		uint64_t c = 0;
		size_t j = i;
		for (; j < i + per && j < m->nbuckets; j++)
			c += m->buckets[j].count;
		char lo[24], bar[512];
		units_format_duration(lo, sizeof lo, m->buckets[i].lo_ns);
		tui_bar_text(bar, sizeof bar, top ? (double)c / (double)(top * per) : 0, barw, d->utf8);
		snprintf(line, sizeof line, "%9s %10llu ", lo, (unsigned long long)c);
		draw_text(a->y, a->x, a->w, line);
		attron(draw_pair(d, PAIR_TITLE));
		mvaddstr(a->y, a->x + 21, bar);
		attroff(draw_pair(d, PAIR_TITLE));
		a->y++;
	}
}

/* A rate in at most 6 cells: "309k", "1.25M", "950". */
static void draw_rate_short(char *dst, size_t n, double v)
{
	if (!(v > 0))
		v = 0;
	if (v < 1e4)
		snprintf(dst, n, "%.0f", v);
	else if (v < 1e5)
		snprintf(dst, n, "%.1fk", v / 1e3);
	else if (v < 1e6)
		snprintf(dst, n, "%.0fk", v / 1e3);
	else if (v < 1e7)
		snprintf(dst, n, "%.2fM", v / 1e6);
	else if (v < 1e8)
		snprintf(dst, n, "%.1fM", v / 1e6);
	else
		snprintf(dst, n, "%.0fM", v / 1e6);
}

/* Rows the selected stage's what-if block wants: none without
 * experiments, a title while they have no round, else the title, a row per
 * speed-up (the control first) and what they tell. */
static int draw_whatif_height(const struct tui_model *m)
{
	const struct tui_whatif *w = &m->whatif;
	if (w->state == TUI_WHATIF_NONE)
		return 0;
	return w->rounds ? TUI_WHATIF_POINTS + 2 : 1;
}

/* The what-if experiments on the selected stage (w): a bar per speed-up,
 * scaled to the highest interval's top, the gain over the control and the
 * 95% interval when there is room, then what they tell. When the rows are
 * short, the rows go by weight: the 1.25x first, then the 1.5x, the
 * control, the 2x; what they tell stays longest. */
static void draw_whatif(const struct draw_opts *d, const struct tui_model *m, struct draw_area *a)
{
	static const char *const states[] = { "", "waiting its turn", "running", "done", "cut short" };
	const struct tui_whatif *w = &m->whatif;
	int st = w->state >= TUI_WHATIF_NONE && w->state <= TUI_WHATIF_CUT ? w->state : TUI_WHATIF_NONE;
	char title[256];
	if (!draw_whatif_height(m) || a->y >= a->bottom)
		return;
	if (!w->rounds) {
		snprintf(title, sizeof title, "What if %s were faster (virtual speed-up: %s, no round yet)", w->stage,
			 states[st]);
		draw_title(d, a, title, -1);
		return;
	}
	int k = a->bottom - a->y - 1; /* rows under the title */
	if (k < 1)
		return;
	snprintf(title, sizeof title, "What if %s were faster (virtual speed-up, %d round%s, %s; cost %.0f%%)",
		 w->stage, w->rounds, w->rounds == 1 ? "" : "s", states[st], w->cost_pct);
	draw_title(d, a, title, -1);
	/* what fits, by weight: what they tell, 2x, the control, 1.5x, 1.25x */
	static const int weight[TUI_WHATIF_POINTS + 1] = { -1, TUI_WHATIF_POINTS - 1, 0, 2, 1 };
	int show[TUI_WHATIF_POINTS] = { 0 }, tell = 0;
	for (int i = 0; i < TUI_WHATIF_POINTS + 1 && i < k; i++) {
		if (weight[i] < 0)
			tell = 1;
		else
			show[weight[i]] = 1;
	}
	double top = 0;
	for (int i = 0; i < TUI_WHATIF_POINTS; i++) {
		if (w->points[i].high > top)
			top = w->points[i].high;
		if (w->points[i].records_per_sec > top)
			top = w->points[i].records_per_sec;
	}
	/* "2x     398k/s [bar] +29%  95% 390k-405k": the interval only with room */
	const int fixed = 5 + 1 + 8 + 2 + 1 + 6, interval = 18;
	int with_interval = w->rounds > 1 && a->w >= fixed + 12 + interval; /* one round: no interval */
	int barw = a->w - fixed - (with_interval ? interval : 0);
	if (barw > 30)
		barw = 30;
	if (barw < 4)
		barw = 4;
	for (int i = 0; i < TUI_WHATIF_POINTS && a->y < a->bottom; i++) {
		if (!show[i])
			continue;
		const struct tui_whatif_point *pt = &w->points[i];
		char sp[16], rate[24], lo[24], hi[24], head[64], tail[96], bar[30 * 4 + 1];
		if (i == 0)
			snprintf(sp, sizeof sp, "1.0x");
		else
			snprintf(sp, sizeof sp, "%gx", pt->speedup);
		draw_rate_short(rate, sizeof rate, pt->records_per_sec);
		draw_rate_short(lo, sizeof lo, pt->low);
		draw_rate_short(hi, sizeof hi, pt->high);
		snprintf(head, sizeof head, "%-5s %6s/s [", sp, rate);
		int o = snprintf(tail, sizeof tail, "]");
		if (i > 0)
			o += snprintf(tail + o, sizeof tail - (size_t)o, " %+4.0f%%", pt->gain_pct);
		else
			o += snprintf(tail + o, sizeof tail - (size_t)o, "      ");
		if (with_interval && o > 0 && (size_t)o < sizeof tail)
			snprintf(tail + o, sizeof tail - (size_t)o, "  95%% %s-%s", lo, hi);
		tui_bar_text(bar, sizeof bar, top > 0 ? pt->records_per_sec / top : 0, barw, d->utf8);
		int hw = tui_text_cells(head);
		draw_text(a->y, a->x, a->w, head);
		attron(draw_pair(d, PAIR_OK));
		draw_text(a->y, a->x + hw, a->w - hw, bar);
		attroff(draw_pair(d, PAIR_OK));
		draw_fit(d, a->y, a->x + hw + barw, a->w - hw - barw, tail);
		a->y++;
	}
	if (tell)
		draw_line(d, a, w->tell);
}

/* The selected stage's latency histogram and, under it, its what-if block
 * when it has one: the block takes the rows the histogram leaves beyond its
 * title, its percentiles and a bar (beyond the first two when that leaves
 * the block a line under its title), and a blank row above it. */
static void draw_stage_latency(const struct draw_opts *d, const struct tui_model *m, struct draw_area *a)
{
	int want = draw_whatif_height(m), left = a->bottom - a->y, least = want > 1 ? 3 : 2;
	int give = want ? want + 1 : 0;
	if (give && left - give < 3)
		give = left - 3 >= least ? left - 3 : left - 2;
	if (give < least)
		give = 0;
	struct draw_area h = *a;
	h.bottom -= give;
	draw_histogram(d, m, &h);
	a->y = h.y;
	if (give) {
		a->y++;
		draw_whatif(d, m, a);
	}
}

/* Where a record's time goes: a stacked bar per quantile of the followed
 * batches' end-to-end latency, a glyph per part (the largest first) and
 * the rest blank, then the parts named with their shares. */
static void draw_anatomy(const struct draw_opts *d, const struct tui_model *m, struct draw_area *a)
{
	static const char *const glyph_utf8[TUI_LATENCY_PARTS] = { "\u2588", "\u2593", "\u2592" };
	static const char glyph_ascii[TUI_LATENCY_PARTS] = { '#', '=', '-' };
	if (!m->nlatency)
		return;
	char title[160];
	snprintf(title, sizeof title, "End to end, read to write (one batch in %llu, %llu followed)",
		 (unsigned long long)m->latency_every, (unsigned long long)m->latency_batches);
	if (!draw_rows_below(a, 0) || !draw_title(d, a, title, -1))
		return;
	int barw = a->w >= 100 ? 24 : 12;
	for (size_t q = 0; q < m->nlatency && a->y < a->bottom; q++) {
		const struct tui_latency_q *l = &m->latency[q];
		char dur[24], bar[24 * 4 + 1], text[512], line[700];
		units_format_duration(dur, sizeof dur, (uint64_t)(l->us * 1000.0));
		size_t o = 0;
		int cells = 0;
		for (size_t k = 0; k < l->nparts; k++) {
			int c = (int)(l->share[k] / 100.0 * barw + 0.5);
			for (int i = 0; i < c && cells < barw; i++, cells++) {
				size_t g = d->utf8 ? strlen(glyph_utf8[k]) : 1;
				memcpy(bar + o, d->utf8 ? glyph_utf8[k] : &glyph_ascii[k], g);
				o += g;
			}
		}
		for (; cells < barw; cells++)
			bar[o++] = d->utf8 ? ' ' : '.';
		bar[o] = 0;
		size_t t = 0;
		text[0] = 0;
		for (size_t k = 0; k < l->nparts && t < sizeof text; k++)
			t += (size_t)snprintf(text + t, sizeof text - t, "%s%.0f%% %s", k ? ", " : "", l->share[k], l->part[k]);
		snprintf(line, sizeof line, "%-4s %8s [%s] %s", l->name, dur, bar, text);
		draw_line(d, a, line);
	}
}

static void draw_channels(struct draw_opts *d, const struct tui_model *m, struct draw_area *a)
{
	struct tui_list *l = &d->nav.list[TUI_PANEL_CHANNELS];
	size_t rows = draw_rows_below(a, 0);
	if (!draw_list_title(d, a, TUI_PANEL_CHANNELS, l->top, rows, m->nchannels,
			     "Channels (fill now, avg, max; senders / receivers blocked"))
		return;
	/* the name column as wide as the longest name (at most 22) */
	int namew = 8;
	for (size_t i = 0; i < m->nchannels; i++) {
		int n = tui_text_cells(m->channels[i].name);
		if (n > namew)
			namew = n;
	}
	if (namew > 22)
		namew = 22;
	for (size_t i = l->top; i < m->nchannels && a->y < a->bottom; i++) {
		const struct tui_channel_row *c = &m->channels[i];
		char bar[256], line[512], v[4][512];
		/* the figures right of the bar, tighter and tighter; the blocked
		 * senders and receivers stay, the average goes first, then the max */
		snprintf(v[0], sizeof v[0], "] %5.1f%% avg %5.1f%% max %5.1f%%  %4.0f%% / %4.0f%%", c->fill_pct, c->avg_pct,
			 c->max_pct, c->send_blocked_pct, c->recv_blocked_pct);
		snprintf(v[1], sizeof v[1], "] %5.1f%% avg %5.1f%% max %5.1f%% %3.0f%%/%3.0f%%", c->fill_pct, c->avg_pct,
			 c->max_pct, c->send_blocked_pct, c->recv_blocked_pct);
		snprintf(v[2], sizeof v[2], "] %5.1f%% max %5.1f%% %3.0f%%/%3.0f%%", c->fill_pct, c->max_pct,
			 c->send_blocked_pct, c->recv_blocked_pct);
		snprintf(v[3], sizeof v[3], "] %5.1f%% %3.0f%%/%3.0f%%", c->fill_pct, c->send_blocked_pct,
			 c->recv_blocked_pct);
		/* the bar: 6 to 30 cells, from what the figures leave */
		const char *right = v[3];
		for (int k = 0; k < 4; k++)
			if (namew + 2 + 6 + tui_text_cells(v[k]) <= a->w) {
				right = v[k];
				break;
			}
		int barw = a->w - namew - 2 - tui_text_cells(right);
		if (barw > 30)
			barw = 30;
		if (barw < 1)
			barw = 1;
		tui_bar_text(bar, sizeof bar, c->fill_pct / 100, barw, d->utf8);
		snprintf(line, sizeof line, "%-*.*s [", namew, namew, c->name);
		draw_text(a->y, a->x, a->w, line);
		attron(draw_pair(d, draw_band_pair(c->band)));
		mvaddstr(a->y, a->x + namew + 2, bar);
		attroff(draw_pair(d, draw_band_pair(c->band)));
		draw_fit(d, a->y, a->x + namew + 2 + barw, a->w - namew - 2 - barw, right);
		a->y++;
	}
}

static void draw_memory(const struct draw_opts *d, const struct tui_model *m, struct draw_area *a)
{
	if (!draw_title(d, a, "Memory", -1))
		return;
	char rss[32], peak[32], heap[32], rate[32], line[512];
	units_format_bytes(rss, sizeof rss, (double)m->rss);
	units_format_bytes(peak, sizeof peak, (double)m->rss_peak);
	units_format_bytes(heap, sizeof heap, (double)m->heap);
	units_format_bytes(rate, sizeof rate, m->alloc_bytes_per_sec);
	/* the heap counts reserved space never written, the RSS does not */
	snprintf(line, sizeof line, "RSS %s (peak %s)  heap allocated %s%s", rss, peak, m->have_heap ? heap : "n/a",
		 m->have_heap && m->heap > m->rss ? ", not all touched" : "");
	draw_line(d, a, line);
	if (m->elapsed_s < 1.0) {
		/* buffers, pools and threads set up at the start would make the
		 * rates and bytes per record of a first second meaningless */
		draw_line(d, a, "alloc rates: n/a in the first second (start-up)");
		return;
	}
	char v[3][512], cpu[3][48] = { "", "", "" };
	if (m->allocator_pct >= 0) {
		snprintf(cpu[0], sizeof cpu[0], ", allocator %.1f%% of CPU", m->allocator_pct);
		snprintf(cpu[1], sizeof cpu[1], ", allocator %.1f%%", m->allocator_pct);
		snprintf(cpu[2], sizeof cpu[2], ", alloc CPU %.1f%%", m->allocator_pct);
	}
	snprintf(v[0], sizeof v[0], "alloc %s/s, %.0f allocs/s, %.1f B/record%s", rate, m->allocs_per_sec,
		 m->bytes_per_record, cpu[0]);
	snprintf(v[1], sizeof v[1], "alloc %s/s, %.0f allocs/s, %.1f B/rec%s", rate, m->allocs_per_sec,
		 m->bytes_per_record, cpu[1]);
	snprintf(v[2], sizeof v[2], "alloc %s/s, %.0f/s, %.1f B/rec%s", rate, m->allocs_per_sec, m->bytes_per_record,
		 cpu[2]);
	draw_line(d, a, draw_pick(v, 3, a->w));
	if (a->y >= a->bottom)
		return;
	int w = a->w - 2 < TUI_HISTORY ? a->w - 2 : TUI_HISTORY;
	char spark[TUI_HISTORY * 4 + 1];
	tui_sparkline_text(spark, sizeof spark, &m->alloc, w, d->utf8);
	mvaddstr(a->y++, a->x, spark);
}

/* Lines an alert takes in the panel: its text, and its impact with its
 * first suggestion when it is medium or worse. */
static size_t draw_alert_lines(const struct tui_alert *al) { return al->severity >= SEV_MEDIUM ? 2 : 1; }

static size_t draw_alert_span(const struct tui_model *m, size_t from, size_t to)
{
	size_t n = 0;
	for (size_t i = from; i <= to && i < m->nalerts; i++)
		n += draw_alert_lines(&m->alerts[i]);
	return n;
}

/* The alerts from l->top in rows lines: the selected one in view (whole
 * when there is room), no room left empty below the last; how many show
 * (the last one in part, maybe). */
static size_t draw_alerts_place(struct tui_list *l, const struct tui_model *m, size_t rows)
{
	size_t n = m->nalerts, sel = m->alert_selected < n ? m->alert_selected : 0, top = l->top;
	if (!n || !rows) {
		l->top = 0;
		return 0;
	}
	if (top > sel)
		top = sel;
	while (top < sel && draw_alert_span(m, top, sel) > rows)
		top++;
	while (top > 0 && draw_alert_span(m, top - 1, n - 1) <= rows)
		top--;
	l->top = top;
	size_t shown = 0;
	for (size_t used = 0, i = top; i < n && used < rows; i++, shown++)
		used += draw_alert_lines(&m->alerts[i]);
	return shown;
}

static void draw_alerts(struct draw_opts *d, const struct tui_model *m, struct draw_area *a, const char *notice)
{
	struct tui_list *l = &d->nav.list[TUI_PANEL_ALERTS];
	size_t rows = draw_rows_below(a, notice[0] ? 1 : 0);
	l->rows = draw_alerts_place(l, m, rows);
	int focused = d->nav.focus == TUI_PANEL_ALERTS;
	char title[160], range[64] = "";
	if (l->top || l->rows < m->nalerts)
		snprintf(range, sizeof range, "; %zu-%zu of %zu", l->top + 1, l->top + l->rows, m->nalerts);
	snprintf(title, sizeof title, "Alerts (most severe first%s%s)", focused && m->nalerts ? "; Enter: the whole finding" : "",
		 range);
	if (!draw_title(d, a, title, TUI_PANEL_ALERTS))
		return;
	l->shown = a->y < a->bottom;
	if (notice[0]) {
		char line[400];
		snprintf(line, sizeof line, "  [HIGH] %s", notice);
		attron(draw_pair(d, PAIR_HIGH) | A_BOLD);
		draw_line(d, a, line);
		attroff(draw_pair(d, PAIR_HIGH) | A_BOLD);
	}
	if (!m->nalerts && !notice[0])
		draw_line(d, a, "No finding above its threshold.");
	/* a gutter marks the selected alert ('>', as the selected stage), in
	 * reverse video while the panel has the focus */
	for (size_t i = l->top; i < m->nalerts && a->y < a->bottom; i++) {
		const struct tui_alert *al = &m->alerts[i];
		int sel = i == m->alert_selected;
		char line[1024];
		snprintf(line, sizeof line, "%c [%s] %s", sel ? '>' : ' ',
			 analyzer_severity_upper((enum severity)al->severity), al->text);
		attr_t at = draw_severity_attr(d, al->severity) | (sel && focused ? A_REVERSE : A_NORMAL);
		attron(at);
		draw_line(d, a, line);
		attroff(at);
		if (a->y < a->bottom && draw_alert_lines(al) > 1) {
			snprintf(line, sizeof line, "    impact %s; %s", al->impact,
				 al->nsuggestions ? al->suggestions[0] : "");
			draw_line(d, a, line);
		}
	}
}

static void draw_functions(struct draw_opts *d, const struct tui_model *m, struct draw_area *a)
{
	struct tui_list *l = &d->nav.list[TUI_PANEL_FUNCTIONS];
	size_t rows = draw_rows_below(a, 0);
	/* a title with no row under it would be all the panel shows: none, and
	 * f says why it shows nothing */
	d->fns_hidden = rows == 0;
	if (!rows)
		return;
	char title[160], range[64];
	draw_list_place(l, l->top, rows, m->nfns, range, sizeof range);
	snprintf(title, sizeof title, "Top functions (%s; f switches%s)  FLAT   CUM",
		 m->fn_for_stage && m->nstages ? m->stages[m->selected].name : "whole process", range);
	draw_title(d, a, title, TUI_PANEL_FUNCTIONS);
	l->shown = 1;
	if (!m->nfns)
		draw_line(d, a, "(no CPU samples: -types cpu)");
	for (size_t i = l->top; i < m->nfns && a->y < a->bottom; i++) {
		char line[256];
		snprintf(line, sizeof line, "%5.1f%% %5.1f%%  %s", m->fns[i].flat_pct, m->fns[i].cum_pct, m->fns[i].name);
		draw_line(d, a, line);
	}
}

static int draw_key_cells(const struct draw_key *k) { return tui_text_cells(k->key) + tui_text_cells(k->label) + 2; }

void draw_keybar(const struct draw_opts *d, const struct draw_key *keys, size_t n, int rows, int cols)
{
	/* the keys kept: while they do not fit, the one with the highest drop goes */
	int keep[16] = { 0 }, width = -1;
	if (n > 16)
		n = 16;
	for (size_t i = 0; i < n; i++) {
		keep[i] = 1;
		width += draw_key_cells(&keys[i]);
	}
	while (width > cols) {
		size_t worst = n;
		for (size_t i = 0; i < n; i++)
			if (keep[i] && keys[i].drop > 0 && (worst == n || keys[i].drop > keys[worst].drop))
				worst = i;
		if (worst == n)
			break;
		keep[worst] = 0;
		width -= draw_key_cells(&keys[worst]);
	}
	move(rows - 1, 0);
	clrtoeol();
	int x = 0;
	for (size_t i = 0; i < n && x < cols; i++) {
		if (!keep[i])
			continue;
		attron(A_BOLD);
		draw_text(rows - 1, x, cols - x, keys[i].key);
		attroff(A_BOLD);
		x += tui_text_cells(keys[i].key);
		attr_t at = d->color ? COLOR_PAIR(PAIR_KEYS) : A_REVERSE;
		attron(at);
		char label[64]; /* a space after each label, as htop has */
		int w = snprintf(label, sizeof label, "%s ", keys[i].label);
		draw_text(rows - 1, x, cols - x, label);
		attroff(at);
		x += w + 1;
	}
}

/* The main screen's keys: only those that do something at this size and
 * focus (Enter on an alert, f with room for the functions). */
static void draw_main_keys(const struct draw_opts *d, const struct tui_model *m, int rows, int cols)
{
	struct draw_key k[14];
	size_t n = 0;
	k[n++] = (struct draw_key){ "h", "Help", 1 };
	k[n++] = (struct draw_key){ "s", "Snapshot", 3 };
	if (!d->attached) /* a trace is taken where the pipeline runs */
		k[n++] = (struct draw_key){ "t", "Trace", 7 };
	if (!d->attached) /* so are what-if experiments; the least used key */
		k[n++] = (struct draw_key){ "w", "What-if", 10 };
	k[n++] = (struct draw_key){ "p", d->attached ? "Pause view" : "Pause", 4 };
	k[n++] = (struct draw_key){ "Spc", "Freeze", 6 };
	k[n++] = (struct draw_key){ "Tab", "Focus", 2 };
	if (d->nav.focus == TUI_PANEL_ALERTS && m->nalerts)
		k[n++] = (struct draw_key){ "Enter", "Open", 2 };
	if (!d->fns_hidden)
		k[n++] = (struct draw_key){ "f", "Funcs", 5 };
	k[n++] = (struct draw_key){ "+-", "Refresh", 9 };
	k[n++] = (struct draw_key){ "r", "Reset", 8 };
	k[n++] = (struct draw_key){ "q", "Quit", 0 };
	draw_keybar(d, k, n, rows, cols);
}

void draw_too_small(int rows, int cols)
{
	erase();
	char a[96], b[96];
	snprintf(a, sizeof a, "nebtop needs a terminal of at least %dx%d", DRAW_MIN_COLS, DRAW_MIN_ROWS);
	snprintf(b, sizeof b, "this one is %dx%d", cols, rows);
	int y = rows / 2 - 1;
	draw_text(y < 0 ? 0 : y, (int)(cols - (int)strlen(a)) / 2 > 0 ? (cols - (int)strlen(a)) / 2 : 0, cols, a);
	draw_text(y + 1 < rows ? y + 1 : 0, (cols - (int)strlen(b)) / 2 > 0 ? (cols - (int)strlen(b)) / 2 : 0, cols, b);
	refresh();
}

void draw_screen(struct draw_opts *d, const struct tui_model *m, int rows, int cols, int frozen, int paused,
		 const char *notice)
{
	if (rows < DRAW_MIN_ROWS || cols < DRAW_MIN_COLS) {
		d->stage_cols = 0;
		draw_too_small(rows, cols);
		return;
	}
	erase();
	for (int p = 0; p < TUI_PANELS; p++) /* each panel says whether it had room */
		d->nav.list[p].shown = 0;
	d->fns_hidden = 1;
	draw_header(d, m, cols, frozen, paused);
	int bottom = rows - 1;
	if (cols >= 150) {
		/* the stage table needs 82 columns */
		int lw = cols / 2 - 1 > 82 ? cols / 2 - 1 : 82;
		struct draw_area l = { 2, 0, lw, bottom }, r = { 2, lw + 2, cols - lw - 2, bottom };
		draw_throughput(d, m, &l);
		l.y++;
		draw_stages(d, m, &l);
		l.y++;
		draw_anatomy(d, m, &l);
		if (m->nlatency)
			l.y++;
		draw_stage_latency(d, m, &l);
		draw_channels(d, m, &r);
		r.y++;
		draw_memory(d, m, &r);
		r.y++;
		struct draw_area al = r;
		al.bottom = r.y + (bottom - r.y) / 2;
		draw_alerts(d, m, &al, notice);
		r.y = al.bottom + 1 < bottom ? al.bottom : r.y;
		draw_functions(d, m, &r);
	} else {
		/* the panels above keep three rows free: the Alerts title, a
		 * finding and its impact, whatever the screen's size; the
		 * Alerts take half of the rows left when that is more */
		struct draw_area a = { 2, 0, cols, bottom - 3 };
		draw_throughput(d, m, &a);
		draw_stages(d, m, &a);
		draw_channels(d, m, &a);
		draw_memory(d, m, &a);
		a.bottom = bottom;
		struct draw_area al = a;
		int left = bottom - a.y;
		al.bottom = a.y + (left / 2 > 4 ? left / 2 : 4);
		if (bottom - al.bottom < 2) /* no room for another title and a row: the Alerts' */
			al.bottom = bottom;
		draw_alerts(d, m, &al, notice);
		a.y = al.y;
		draw_functions(d, m, &a);
		draw_anatomy(d, m, &a);
		draw_stage_latency(d, m, &a);
	}
	draw_main_keys(d, m, rows, cols);
	refresh();
}

void draw_help(const struct draw_opts *d, int rows, int cols)
{
	static const char *const local[] = {
		"nebtop keys",
		"",
		"  q, F10         quit: drain the pipeline, write the final snapshot, exit",
		"                 (while it drains, q again or Ctrl-C abandons it)",
		"  s              write a snapshot now (profiles, reports, metrics)",
		"  t              capture a trace for trace_duration into trace_TS.json",
		"  w              what-if: the gain were the selected stage faster (up to 30s)",
		"  p              pause or resume the source",
		"  space          freeze or thaw the display (the pipeline keeps running)",
	};
	static const char *const attached[] = {
		"nebtop attach keys (this screen shows a remote nebtop)",
		"",
		"  q, F10         close this view; the remote's run goes on",
		"  s              the remote writes a snapshot (into its own folder)",
		"  t              (traces are captured on the remote's own screen)",
		"  w              (what-if experiments too; their results show here)",
		"  p              pause or resume this view: no requests to the remote;",
		"                 its pipeline is not paused",
		"  space          freeze or thaw the display",
	};
	static const char *const common[] = {
		"  Tab, S-Tab     focus the next or previous panel (its title is marked)",
		"  up/down, j/k   in the focused panel: select a stage or an alert, or",
		"                 scroll the channels or the functions",
		"  PgUp/PgDn      a page up or down; Home/End: the first or the last",
		"  Enter          on an alert: its whole finding (description, impact,",
		"                 figures, every suggestion); Esc, q or Enter close it",
		"                 (q there closes the view, it does not quit)",
		"  mouse click    select the stage clicked",
		"  f              top functions of the whole process or of the selected",
		"                 stage (when the terminal has room for them)",
		"  + / -          refresh faster / slower",
		"  r              reset peaks and averages",
		"  h, ?, F1       this help",
		"",
		"Any key closes this help.",
	};
	const char *const *first = d->attached ? attached : local;
	size_t nfirst = d->attached ? sizeof attached / sizeof attached[0] : sizeof local / sizeof local[0];
	size_t ncommon = sizeof common / sizeof common[0];
	erase();
	attron(A_BOLD);
	for (size_t i = 0; i < nfirst + ncommon && (int)i < rows; i++) {
		draw_text((int)i, 2, cols - 2, i < nfirst ? first[i] : common[i - nfirst]);
		if (i == 0)
			attroff(A_BOLD);
	}
	refresh();
}

int draw_stage_at(const struct draw_opts *d, int y, int x)
{
	const struct tui_list *l = &d->nav.list[TUI_PANEL_STAGES];
	if (!d->stage_cols || y < d->stage_row0 || y >= d->stage_row0 + (int)l->rows || x < d->stage_col0 ||
	    x >= d->stage_col0 + d->stage_cols)
		return -1;
	return (int)l->top + (y - d->stage_row0);
}
