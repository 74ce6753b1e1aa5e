/* test_tui_nav.c: moving about the front end (tui/nav.c) as the keys do,
 * without ncurses: Tab goes round the panels that had room and skips the
 * others; a movement key acts on the focused panel only (Down in Alerts
 * moves the alert selection and leaves the stage selection alone, and the
 * other way round); pages, Home and End; channels and functions scroll
 * within their bounds, and say so when everything is shown; the detail
 * view keeps the finding it opened, follows it when the order changes,
 * marks it gone when the analyzer drops it, and scrolls within its lines. */
#include "autoconfig.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/unit_main.h"
#include "tui/nav.h"

/* A model of 3 stages, 12 channels, 3 alerts and 5 functions, as a draw
 * would leave it: every panel shown, 2 rows each. */
static struct tui_model *model_made_up(struct tui_nav *n)
{
	struct tui_model *m = calloc(1, sizeof *m);
	ck_assert_ptr_nonnull(m);
	m->nstages = 3;
	m->nchannels = 12;
	m->nfns = 5;
	const char *comp[] = { "destination", "source->score", "score->destination" };
	for (size_t i = 0; i < 3; i++) {
		snprintf(m->alerts[i].type, sizeof m->alerts[i].type, "%s", i ? "channel_backpressure" : "pipeline_bottleneck");
		snprintf(m->alerts[i].component, sizeof m->alerts[i].component, "%s", comp[i]);
		snprintf(m->alerts[i].text, sizeof m->alerts[i].text, "finding %zu", i);
	}
	m->nalerts = 3;
	memset(n, 0, sizeof *n);
	for (int p = 0; p < TUI_PANELS; p++) {
		n->list[p].shown = 1;
		n->list[p].rows = 2;
	}
	return m;
}

START_TEST(tab_goes_round_the_panels_shown)
{
	struct tui_nav n;
	struct tui_model *m = model_made_up(&n);
	ck_assert_int_eq(n.focus, TUI_PANEL_STAGES);
	tui_nav_focus_step(&n, 1);
	ck_assert_int_eq(n.focus, TUI_PANEL_CHANNELS);
	tui_nav_focus_step(&n, 1);
	ck_assert_int_eq(n.focus, TUI_PANEL_ALERTS);
	tui_nav_focus_step(&n, 1);
	ck_assert_int_eq(n.focus, TUI_PANEL_FUNCTIONS);
	tui_nav_focus_step(&n, 1);
	ck_assert_int_eq(n.focus, TUI_PANEL_STAGES);
	/* at 80x24 the functions have no room: Tab skips them, both ways */
	n.list[TUI_PANEL_FUNCTIONS].shown = 0;
	tui_nav_focus_step(&n, -1);
	ck_assert_int_eq(n.focus, TUI_PANEL_ALERTS);
	tui_nav_focus_step(&n, 1);
	ck_assert_int_eq(n.focus, TUI_PANEL_STAGES);
	/* a focused panel that lost its room (a resize) gives the focus back to Stages */
	n.focus = TUI_PANEL_CHANNELS;
	n.list[TUI_PANEL_CHANNELS].shown = 0;
	tui_nav_focus_check(&n);
	ck_assert_int_eq(n.focus, TUI_PANEL_STAGES);
	ck_assert_str_eq(tui_panel_name(TUI_PANEL_ALERTS), "Alerts");
	free(m);
}
END_TEST

/* Down in Alerts moves the alert selection, not the stage selection; in
 * Stages the other way round. */
START_TEST(keys_move_the_focused_panel_only)
{
	struct tui_nav n;
	struct tui_model *m = model_made_up(&n);
	char msg[160];
	n.focus = TUI_PANEL_ALERTS;
	tui_nav_move(&n, m, TUI_MOVE_DOWN, msg, sizeof msg);
	ck_assert_uint_eq(m->alert_selected, 1);
	ck_assert_uint_eq(m->selected, 0);
	ck_assert_int_eq(m->alert_chosen, 1);
	ck_assert_str_eq(msg, "");
	tui_nav_move(&n, m, TUI_MOVE_DOWN, msg, sizeof msg);
	tui_nav_move(&n, m, TUI_MOVE_DOWN, msg, sizeof msg); /* past the last: stays */
	ck_assert_uint_eq(m->alert_selected, 2);
	n.focus = TUI_PANEL_STAGES;
	tui_nav_move(&n, m, TUI_MOVE_DOWN, msg, sizeof msg);
	ck_assert_uint_eq(m->selected, 1);
	ck_assert_uint_eq(m->alert_selected, 2);
	tui_nav_move(&n, m, TUI_MOVE_END, msg, sizeof msg);
	ck_assert_uint_eq(m->selected, 2);
	tui_nav_move(&n, m, TUI_MOVE_HOME, msg, sizeof msg);
	ck_assert_uint_eq(m->selected, 0);
	/* the channels scroll, the selections stay */
	n.focus = TUI_PANEL_CHANNELS;
	tui_nav_move(&n, m, TUI_MOVE_DOWN, msg, sizeof msg);
	ck_assert_uint_eq(n.list[TUI_PANEL_CHANNELS].top, 1);
	ck_assert_uint_eq(m->selected, 0);
	ck_assert_uint_eq(m->alert_selected, 2);
	/* no alert: nothing to select, and the status says so */
	m->nalerts = 0;
	n.focus = TUI_PANEL_ALERTS;
	tui_nav_move(&n, m, TUI_MOVE_DOWN, msg, sizeof msg);
	ck_assert_str_eq(msg, "no alert to select");
	ck_assert_uint_eq(m->alert_selected, 0);
	free(m);
}
END_TEST

START_TEST(select_pages_and_ends)
{
	ck_assert_uint_eq(tui_nav_select(0, 10, 4, TUI_MOVE_PAGE_DOWN), 4);
	ck_assert_uint_eq(tui_nav_select(8, 10, 4, TUI_MOVE_PAGE_DOWN), 9);
	ck_assert_uint_eq(tui_nav_select(3, 10, 4, TUI_MOVE_PAGE_UP), 0);
	ck_assert_uint_eq(tui_nav_select(5, 10, 0, TUI_MOVE_PAGE_UP), 4); /* no rows known: a page of one */
	ck_assert_uint_eq(tui_nav_select(0, 10, 4, TUI_MOVE_UP), 0);
	ck_assert_uint_eq(tui_nav_select(0, 10, 4, TUI_MOVE_END), 9);
	ck_assert_uint_eq(tui_nav_select(7, 0, 4, TUI_MOVE_DOWN), 0);
	ck_assert_uint_eq(tui_nav_select(12, 10, 4, TUI_MOVE_UP), 9); /* a list that shrank */
}
END_TEST

START_TEST(scroll_within_bounds)
{
	/* 30 lines, 21 shown: the last top is 9 */
	ck_assert_uint_eq(tui_nav_scroll(0, 30, 21, TUI_MOVE_DOWN), 1);
	ck_assert_uint_eq(tui_nav_scroll(9, 30, 21, TUI_MOVE_DOWN), 9);
	ck_assert_uint_eq(tui_nav_scroll(0, 30, 21, TUI_MOVE_PAGE_DOWN), 9);
	ck_assert_uint_eq(tui_nav_scroll(0, 100, 21, TUI_MOVE_PAGE_DOWN), 20); /* a page keeps one line */
	ck_assert_uint_eq(tui_nav_scroll(30, 100, 21, TUI_MOVE_PAGE_UP), 10);
	ck_assert_uint_eq(tui_nav_scroll(5, 30, 21, TUI_MOVE_END), 9);
	ck_assert_uint_eq(tui_nav_scroll(5, 30, 21, TUI_MOVE_HOME), 0);
	ck_assert_uint_eq(tui_nav_scroll(50, 30, 21, TUI_MOVE_UP), 8); /* a screen that grew */
	ck_assert_uint_eq(tui_nav_scroll(0, 5, 21, TUI_MOVE_DOWN), 0);
	/* follow: the selection in view, no room left empty below the last */
	ck_assert_uint_eq(tui_nav_follow(0, 5, 3, 10), 3);
	ck_assert_uint_eq(tui_nav_follow(4, 2, 3, 10), 2);
	ck_assert_uint_eq(tui_nav_follow(8, 9, 3, 10), 7);
	ck_assert_uint_eq(tui_nav_follow(6, 2, 3, 4), 1);
	ck_assert_uint_eq(tui_nav_follow(6, 2, 5, 4), 0);
	ck_assert_uint_eq(tui_nav_follow(6, 2, 0, 4), 6);
	/* everything shown: nothing to scroll, and the status says so */
	struct tui_nav n;
	struct tui_model *m = model_made_up(&n);
	char msg[160];
	n.focus = TUI_PANEL_FUNCTIONS;
	n.list[TUI_PANEL_FUNCTIONS].rows = 5;
	tui_nav_move(&n, m, TUI_MOVE_DOWN, msg, sizeof msg);
	ck_assert_str_eq(msg, "all 5 functions are shown: nothing to scroll");
	ck_assert_uint_eq(n.list[TUI_PANEL_FUNCTIONS].top, 0);
	free(m);
}
END_TEST

/* The detail view keeps its finding while the alerts change under it. */
START_TEST(detail_follows_its_finding)
{
	struct tui_nav n;
	struct tui_model *m = model_made_up(&n);
	struct tui_detail d;
	memset(&d, 0, sizeof d);
	m->alert_selected = 1;
	ck_assert_int_eq(tui_detail_open(&d, m), 0);
	ck_assert_int_eq(d.open, 1);
	ck_assert_int_eq(d.present, 1);
	ck_assert_str_eq(d.a.component, "source->score");
	/* a new finding ranks first: the view shows the same one, now third */
	struct tui_alert kept = m->alerts[1];
	m->alerts[2] = m->alerts[1];
	m->alerts[1] = m->alerts[0];
	snprintf(m->alerts[0].type, sizeof m->alerts[0].type, "memory_growth");
	snprintf(m->alerts[0].component, sizeof m->alerts[0].component, "leak_site");
	snprintf(m->alerts[2].text, sizeof m->alerts[2].text, "finding 1, refreshed");
	tui_detail_follow(&d, m);
	ck_assert_int_eq(d.present, 1);
	ck_assert_uint_eq(d.index, 2);
	ck_assert_str_eq(d.a.component, "source->score");
	ck_assert_str_eq(d.a.text, "finding 1, refreshed");
	/* gone: the copy stays, marked */
	m->nalerts = 2;
	tui_detail_follow(&d, m);
	ck_assert_int_eq(d.present, 0);
	ck_assert_str_eq(d.a.component, kept.component);
	ck_assert_str_eq(d.a.text, "finding 1, refreshed");
	/* scrolling as the last draw left it: 30 lines, 21 shown */
	d.lines = 30;
	d.rows = 21;
	tui_detail_move(&d, TUI_MOVE_END);
	ck_assert_uint_eq(d.top, 9);
	ck_assert_str_eq(d.note, "");
	tui_detail_move(&d, TUI_MOVE_PAGE_UP);
	ck_assert_uint_eq(d.top, 0);
	d.lines = 18; /* a taller screen: it all shows */
	tui_detail_move(&d, TUI_MOVE_DOWN);
	ck_assert_uint_eq(d.top, 0);
	ck_assert_str_eq(d.note, "the whole finding is shown: nothing to scroll");
	/* nothing to open */
	m->nalerts = 0;
	m->alert_selected = 0;
	ck_assert_int_eq(tui_detail_open(&d, m), -1);
	free(m);
}
END_TEST

static Suite *tui_nav_suite(void)
{
	Suite *s = suite_create("tui_nav");
	TCase *tc = tcase_create("nav");
	tcase_add_test(tc, tab_goes_round_the_panels_shown);
	tcase_add_test(tc, keys_move_the_focused_panel_only);
	tcase_add_test(tc, select_pages_and_ends);
	tcase_add_test(tc, scroll_within_bounds);
	tcase_add_test(tc, detail_follows_its_finding);
	suite_add_tcase(s, tc);
	return s;
}

int main(void) { return unit_run_suite(tui_nav_suite()); }
