/* nav.c: focus, selections and scrolling of the front end's panels, and
 * the detail view's finding (nav.h): plain numbers, no curses, so that
 * the unit tests drive them as the keys do. */
#include "autoconfig.h"

#include "nav.h"

#include <stdio.h>
#include <string.h>

const char *tui_panel_name(int panel)
{
	static const char *const names[TUI_PANELS] = { "Stages", "Channels", "Alerts", "Top functions" };
	return panel >= 0 && panel < TUI_PANELS ? names[panel] : "?";
}

void tui_nav_focus_step(struct tui_nav *n, int step)
{
	for (int k = 1; k <= TUI_PANELS; k++) {
		int p = ((n->focus + step * k) % TUI_PANELS + TUI_PANELS) % TUI_PANELS;
		if (n->list[p].shown || p == TUI_PANEL_STAGES) {
			n->focus = p;
			return;
		}
	}
}

void tui_nav_focus_check(struct tui_nav *n)
{
	if (n->focus < 0 || n->focus >= TUI_PANELS || !n->list[n->focus].shown)
		n->focus = TUI_PANEL_STAGES;
}

size_t tui_nav_select(size_t sel, size_t count, size_t page, enum tui_move mv)
{
	if (!count)
		return 0;
	if (!page)
		page = 1;
	switch (mv) {
	case TUI_MOVE_UP:
		sel = sel ? sel - 1 : 0;
		break;
	case TUI_MOVE_DOWN:
		sel++;
		break;
	case TUI_MOVE_PAGE_UP:
		sel = sel > page ? sel - page : 0;
		break;
	case TUI_MOVE_PAGE_DOWN:
		sel += page;
		break;
	case TUI_MOVE_HOME:
		sel = 0;
		break;
	case TUI_MOVE_END:
		sel = count - 1;
		break;
	}
	return sel < count ? sel : count - 1;
}

size_t tui_nav_scroll(size_t top, size_t count, size_t rows, enum tui_move mv)
{
	size_t last = count > rows ? count - rows : 0; /* the last top that fills the rows */
	if (top > last)
		top = last;
	if (mv == TUI_MOVE_PAGE_UP || mv == TUI_MOVE_PAGE_DOWN) {
		/* a page keeps one line of the one before, as less does not but most pagers do */
		size_t page = rows > 1 ? rows - 1 : 1;
		return mv == TUI_MOVE_PAGE_UP ? (top > page ? top - page : 0) : (top + page < last ? top + page : last);
	}
	/* up and down move by one line, Home and End to the ends: as a selection of 0..last */
	return tui_nav_select(top, last + 1, 1, mv);
}

size_t tui_nav_follow(size_t top, size_t sel, size_t rows, size_t count)
{
	if (!rows) /* nothing shown: nothing to follow */
		return top;
	if (count <= rows)
		return 0;
	if (sel < top)
		top = sel;
	if (sel >= top + rows)
		top = sel - rows + 1;
	/* no room left empty below the last item (a list that shrank, a screen that grew) */
	if (top > count - rows)
		top = count - rows;
	return top;
}

/* Channels or functions: a scroll, or why there is nothing to scroll. */
static void tui_nav_scroll_list(struct tui_list *l, size_t count, const char *what, enum tui_move mv, char *msg,
				size_t len)
{
	if (count <= l->rows) {
		snprintf(msg, len, "all %zu %s are shown: nothing to scroll", count, what);
		return;
	}
	l->top = tui_nav_scroll(l->top, count, l->rows, mv);
}

void tui_nav_move(struct tui_nav *n, struct tui_model *m, enum tui_move mv, char *msg, size_t len)
{
	struct tui_list *l = &n->list[n->focus];
	if (len)
		msg[0] = 0;
	switch (n->focus) {
	case TUI_PANEL_STAGES:
		m->selected = tui_nav_select(m->selected, m->nstages, l->rows, mv);
		break;
	case TUI_PANEL_ALERTS:
		if (!m->nalerts)
			snprintf(msg, len, "no alert to select");
		m->alert_selected = tui_nav_select(m->alert_selected, m->nalerts, l->rows, mv);
		m->alert_chosen = m->nalerts > 0;
		break;
	case TUI_PANEL_CHANNELS:
		tui_nav_scroll_list(l, m->nchannels, "channels", mv, msg, len);
		break;
	case TUI_PANEL_FUNCTIONS:
		tui_nav_scroll_list(l, m->nfns, "functions", mv, msg, len);
		break;
	default:
		break;
	}
}

int tui_detail_open(struct tui_detail *d, const struct tui_model *m)
{
	if (m->alert_selected >= m->nalerts)
		return -1;
	memset(d, 0, sizeof *d);
	d->open = 1;
	d->present = 1;
	d->index = m->alert_selected;
	d->a = m->alerts[m->alert_selected];
	return 0;
}

void tui_detail_follow(struct tui_detail *d, const struct tui_model *m)
{
	if (!d->open)
		return;
	long at = tui_model_find_alert(m, d->a.type, d->a.component);
	d->present = at >= 0;
	if (at >= 0) {
		d->index = (size_t)at;
		d->a = m->alerts[at];
	}
}

void tui_detail_move(struct tui_detail *d, enum tui_move mv)
{
	d->note[0] = 0;
	if (d->lines <= d->rows) {
		snprintf(d->note, sizeof d->note, "the whole finding is shown: nothing to scroll");
		d->top = 0;
		return;
	}
	d->top = tui_nav_scroll(d->top, d->lines, d->rows, mv);
}
