/* keys.c: the keys both screens take the same way (keys.h): what the
 * movement keys, Tab, Enter, the mouse and the display keys do, with the
 * status line saying why when a key can do nothing where it is pressed. */
#include "autoconfig.h"

#include "keys.h"

#include <curses.h>
#include <stdio.h>

/* The movement a key asks for, or -1. */
static int tui_keys_move_of(int ch)
{
	switch (ch) {
	case KEY_UP:
	case 'k':
		return TUI_MOVE_UP;
	case KEY_DOWN:
	case 'j':
		return TUI_MOVE_DOWN;
	case KEY_PPAGE:
		return TUI_MOVE_PAGE_UP;
	case KEY_NPAGE:
		return TUI_MOVE_PAGE_DOWN;
	case KEY_HOME:
		return TUI_MOVE_HOME;
	case KEY_END:
		return TUI_MOVE_END;
	default:
		return -1;
	}
}

static int tui_keys_is_enter(int ch) { return ch == '\n' || ch == '\r' || ch == KEY_ENTER; }

/* A key in the detail view: the movement keys scroll it, Esc, q and Enter
 * close it (q does not quit there), F10 still quits. */
static enum tui_key_result tui_keys_detail(struct tui_state *st, int ch)
{
	struct tui_detail *v = &st->detail;
	int mv = tui_keys_move_of(ch);
	if (mv >= 0) {
		tui_detail_move(v, (enum tui_move)mv);
		return TUI_KEY_DONE;
	}
	if (ch == 27 || ch == 'q' || ch == 'Q' || tui_keys_is_enter(ch)) {
		v->open = 0;
		return TUI_KEY_DONE;
	}
	if (ch == KEY_F(10))
		return TUI_KEY_QUIT;
	if (ch == KEY_MOUSE) {
		MEVENT ev;
		getmouse(&ev); /* taken off the queue: the view has nothing to click */
		return TUI_KEY_DONE;
	}
	if (ch != ERR && ch != KEY_RESIZE)
		snprintf(v->note, sizeof v->note, "this view takes only the keys below (Esc closes it)");
	return TUI_KEY_DONE;
}

/* What the focused panel does with the movement keys. */
static void tui_keys_focus_status(struct tui_state *st)
{
	static const char *const what[TUI_PANELS] = {
		"up/down select a stage",
		"up/down scroll the channels",
		"up/down select an alert, Enter shows it whole",
		"up/down scroll the functions",
	};
	snprintf(st->m.status, sizeof st->m.status, "focus on %s: %s", tui_panel_name(st->d.nav.focus),
		 what[st->d.nav.focus]);
}

static void tui_keys_enter(struct tui_state *st)
{
	if (st->d.nav.focus != TUI_PANEL_ALERTS)
		snprintf(st->m.status, sizeof st->m.status, "Enter opens an alert whole: Tab to the Alerts first");
	else if (tui_detail_open(&st->detail, &st->m) != 0)
		snprintf(st->m.status, sizeof st->m.status, "no alert to open");
}

static void tui_keys_mouse(struct tui_state *st)
{
	MEVENT ev;
	if (getmouse(&ev) == OK && (ev.bstate & (BUTTON1_CLICKED | BUTTON1_PRESSED))) {
		int row = draw_stage_at(&st->d, ev.y, ev.x);
		if (row >= 0 && (size_t)row < st->m.nstages) {
			st->m.selected = (size_t)row;
			st->d.nav.focus = TUI_PANEL_STAGES;
		}
	}
}

enum tui_key_result tui_keys_handle(struct tui_state *st, int ch)
{
	if (st->help && ch != ERR && ch != KEY_RESIZE && ch != KEY_MOUSE) {
		st->help = 0;
		return TUI_KEY_DONE;
	}
	if (st->detail.open)
		return tui_keys_detail(st, ch);
	int mv = tui_keys_move_of(ch);
	if (mv >= 0) {
		char msg[sizeof st->m.status];
		tui_nav_move(&st->d.nav, &st->m, (enum tui_move)mv, msg, sizeof msg);
		if (msg[0]) /* the key could do nothing there: the status line says why */
			snprintf(st->m.status, sizeof st->m.status, "%s", msg);
		return TUI_KEY_DONE;
	}
	if (tui_keys_is_enter(ch)) {
		tui_keys_enter(st);
		return TUI_KEY_DONE;
	}
	switch (ch) {
	case 'q':
	case 'Q':
	case KEY_F(10):
		return TUI_KEY_QUIT;
	case 's':
	case 't':
	case 'w':
	case 'p':
	case 'r':
		return TUI_KEY_OWN;
	case ' ':
		st->frozen = !st->frozen;
		snprintf(st->m.status, sizeof st->m.status, "%s",
			 st->frozen ? "display frozen (space thaws; the pipeline keeps running)" : "display live");
		break;
	case '\t':
	case KEY_BTAB:
		tui_nav_focus_step(&st->d.nav, ch == '\t' ? 1 : -1);
		tui_keys_focus_status(st);
		break;
	case 'f':
		if (st->d.fns_hidden)
			snprintf(st->m.status, sizeof st->m.status,
				 "f: the Top functions have no room at %dx%d (a taller terminal shows them)",
				 st->scr.cols, st->scr.rows);
		else
			st->m.fn_for_stage = !st->m.fn_for_stage;
		break;
	case '+':
		if (st->refresh_ns > 100000000ull)
			st->refresh_ns /= 2;
		snprintf(st->m.status, sizeof st->m.status, "refresh every %.0f ms", (double)st->refresh_ns / 1e6);
		break;
	case '-':
		if (st->refresh_ns < 8000000000ull)
			st->refresh_ns *= 2;
		snprintf(st->m.status, sizeof st->m.status, "refresh every %.0f ms", (double)st->refresh_ns / 1e6);
		break;
	case 'h':
	case '?':
	case KEY_F(1):
		st->help = 1;
		break;
	case KEY_MOUSE:
		tui_keys_mouse(st);
		break;
	default:
		break;
	}
	return TUI_KEY_DONE;
}
