/* nav.h: moving about the front end, apart from curses: which panel has
 * the focus (Tab), what the movement keys do to it (the selection in
 * Stages and Alerts, a scroll in Channels and Top functions), and the
 * finding opened whole in the detail view (Enter), followed across the
 * analyzer's refreshes. The draw code writes back what each panel showed
 * (its first item and its rows), so that a page is a page at any size and
 * a panel with no room takes no focus. tui.c maps the keys. */
#ifndef NEB_TUI_NAV_H
#define NEB_TUI_NAV_H

#include <stddef.h>

#include "model.h"

enum tui_panel { TUI_PANEL_STAGES = 0, TUI_PANEL_CHANNELS, TUI_PANEL_ALERTS, TUI_PANEL_FUNCTIONS, TUI_PANELS };

enum tui_move { TUI_MOVE_UP, TUI_MOVE_DOWN, TUI_MOVE_PAGE_UP, TUI_MOVE_PAGE_DOWN, TUI_MOVE_HOME, TUI_MOVE_END };

/* A panel's list as last drawn. */
struct tui_list {
	size_t top;  /* the first item shown */
	size_t rows; /* items shown */
	int shown;   /* the panel had room for its title and a row */
};

struct tui_nav {
	int focus; /* enum tui_panel */
	struct tui_list list[TUI_PANELS];
};

/* "Stages", "Channels", "Alerts", "Top functions". */
const char *tui_panel_name(int panel);

/* The focus on the next panel shown (step 1) or the one before (-1). */
void tui_nav_focus_step(struct tui_nav *n, int step);
/* After a draw: a focused panel that had no room gives the focus to Stages. */
void tui_nav_focus_check(struct tui_nav *n);
/* A movement key on the focused panel: the stage or alert selection
 * moves, or the channels or functions scroll. When the key can do nothing
 * there (no alert, everything shown), msg says so; else msg is "". */
void tui_nav_move(struct tui_nav *n, struct tui_model *m, enum tui_move mv, char *msg, size_t len);

/* The pure steps: a selection among count items (page items a page); a
 * scroll of count lines rows at a time; the first item shown so that sel
 * is in view with as many items as rows allow. */
size_t tui_nav_select(size_t sel, size_t count, size_t page, enum tui_move mv);
size_t tui_nav_scroll(size_t top, size_t count, size_t rows, enum tui_move mv);
size_t tui_nav_follow(size_t top, size_t sel, size_t rows, size_t count);

/* The detail view: one finding, whole. It keeps its copy of the finding
 * and follows it (same type and component) in the latest alerts; when the
 * analyzer no longer reports it, the copy stays, marked gone. */
struct tui_detail {
	int open;
	int present;        /* among the latest alerts */
	size_t index;       /* its place there, when present */
	struct tui_alert a; /* as last seen */
	size_t top;         /* the first line shown */
	size_t lines, rows; /* lines in all and lines shown, at the last draw */
	char note[160];     /* what the last key did not do, or "" */
};

/* Opens the selected alert; 0, or -1 when there is none. */
int tui_detail_open(struct tui_detail *d, const struct tui_model *m);
/* After a model update. */
void tui_detail_follow(struct tui_detail *d, const struct tui_model *m);
/* A movement key in the view (a note when all of it is shown). */
void tui_detail_move(struct tui_detail *d, enum tui_move mv);

#endif
