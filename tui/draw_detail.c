/* draw_detail.c: the detail view of one finding (Enter on an alert): its
 * severity, type, component and stage, the whole description, the impact,
 * every figure and every suggestion, word-wrapped to the terminal's width
 * with nothing cut, scrolled from the line the keys moved to. The first
 * row names the finding and whether the analyzer still reports it, the
 * second which lines show; the key bar says how to scroll (when there is
 * more than the screen holds) and how to close the view. */
#include "autoconfig.h"

#include "draw_internal.h"

#include <stdio.h>
#include <string.h>

#include "../src/analyze/analyzer.h"

#define DETAIL_MAX_LINES 400 /* a finding wraps to about 100 lines at 80 columns */
#define DETAIL_LABEL_CELLS 12

/* One line of the view: a label (or "") at column lx, then len bytes of
 * text at column x. */
struct detail_line {
	const char *label, *text;
	size_t len;
	int lx, x;
	attr_t at;
};

struct detail_text {
	struct detail_line v[DETAIL_MAX_LINES];
	size_t n;
	int width;
	char num[TUI_ALERT_SUGGESTIONS][8]; /* the suggestions' labels, "1." ... */
};

/* text wrapped to the width from column x, label at column lx on its
 * first line; an empty text is one line (the label alone, or blank). */
static void detail_add(struct detail_text *t, int lx, const char *label, int x, const char *text, attr_t at)
{
	size_t start[DETAIL_MAX_LINES], len[DETAIL_MAX_LINES];
	size_t k = tui_text_wrap(text, t->width - x, start, len, DETAIL_MAX_LINES);
	if (k > DETAIL_MAX_LINES)
		k = DETAIL_MAX_LINES;
	for (size_t i = 0; i < (k ? k : 1) && t->n < DETAIL_MAX_LINES; i++) {
		struct detail_line *l = &t->v[t->n++];
		l->label = i ? "" : label;
		l->lx = lx;
		l->x = x;
		l->text = k ? text + start[i] : "";
		l->len = k ? len[i] : 0;
		l->at = at;
	}
}

static void detail_heading(struct detail_text *t, const char *title)
{
	detail_add(t, 0, "", 0, "", A_NORMAL);
	detail_add(t, 0, title, 0, "", A_BOLD);
}

/* Every line of the finding a at this width. */
static void detail_build(const struct draw_opts *d, struct detail_text *t, const struct tui_alert *a)
{
	t->n = 0;
	detail_add(t, 0, "Severity:", DETAIL_LABEL_CELLS, analyzer_severity_upper((enum severity)a->severity),
		   draw_severity_attr(d, a->severity));
	detail_add(t, 0, "Type:", DETAIL_LABEL_CELLS, a->type, A_NORMAL);
	detail_add(t, 0, "Component:", DETAIL_LABEL_CELLS, a->component, A_NORMAL);
	if (a->stage[0])
		detail_add(t, 0, "Stage:", DETAIL_LABEL_CELLS, a->stage, A_NORMAL);
	detail_heading(t, "Description");
	detail_add(t, 0, "", 2, a->text, A_NORMAL);
	detail_heading(t, "Impact");
	detail_add(t, 0, "", 2, a->impact, A_NORMAL);
	if (a->nfigures) {
		detail_heading(t, "Figures");
		for (size_t i = 0; i < a->nfigures; i++)
			detail_add(t, 2, "-", 4, a->figures[i], A_NORMAL);
	}
	if (a->nsuggestions) {
		detail_heading(t, "Suggestions");
		for (size_t i = 0; i < a->nsuggestions; i++) {
			snprintf(t->num[i], sizeof t->num[i], "%zu.", i + 1);
			detail_add(t, 2, t->num[i], 5, a->suggestions[i], A_NORMAL);
		}
	}
}

void draw_detail(const struct draw_opts *d, struct tui_detail *v, size_t nalerts, int rows, int cols)
{
	if (rows < DRAW_MIN_ROWS || cols < DRAW_MIN_COLS) {
		draw_too_small(rows, cols);
		return;
	}
	struct detail_text t;
	t.width = cols;
	detail_build(d, &t, &v->a);
	/* rows 0 and 1 name the finding and the lines shown, the last one is the key bar */
	v->rows = (size_t)(rows - 3);
	v->lines = t.n;
	/* the screen may have grown or the finding shrunk since the keys moved it */
	if (v->lines <= v->rows)
		v->top = 0;
	else if (v->top > v->lines - v->rows)
		v->top = v->lines - v->rows;
	erase();
	char head[256], where[256];
	if (v->present)
		snprintf(head, sizeof head, "Finding %zu of %zu  [%s] %s", v->index + 1, nalerts,
			 analyzer_severity_upper((enum severity)v->a.severity), v->a.type);
	else
		snprintf(head, sizeof head, "Finding (no longer present: as last seen)  [%s] %s",
			 analyzer_severity_upper((enum severity)v->a.severity), v->a.type);
	attron(A_BOLD);
	draw_fit(d, 0, 0, cols, head);
	attroff(A_BOLD);
	size_t last = v->top + v->rows < v->lines ? v->top + v->rows : v->lines;
	snprintf(where, sizeof where, "lines %zu-%zu of %zu%s%s", v->lines ? v->top + 1 : 0, last, v->lines,
		 v->note[0] ? "; " : "", v->note);
	draw_fit(d, 1, 0, cols, where);
	for (size_t i = v->top; i < last; i++) {
		const struct detail_line *l = &t.v[i];
		int y = 2 + (int)(i - v->top);
		attron(l->at);
		if (l->label[0])
			draw_text(y, l->lx, cols - l->lx, l->label);
		if (l->len)
			mvaddnstr(y, l->x, l->text, (int)l->len);
		attroff(l->at);
	}
	struct draw_key k[4];
	size_t n = 0;
	if (v->lines > v->rows) { /* the scroll keys only when there is something to scroll */
		k[n++] = (struct draw_key){ "Up/Dn", "Scroll", 2 };
		k[n++] = (struct draw_key){ "PgUp/PgDn", "Page", 1 };
		k[n++] = (struct draw_key){ "Home/End", "Ends", 3 };
	}
	k[n++] = (struct draw_key){ "Esc/q/Enter", "Close (q does not quit)", 0 };
	draw_keybar(d, k, n, rows, cols);
	refresh();
}
