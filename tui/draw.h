/* draw.h: drawing the model (model.h) with ncurses: the panels, the key
 * bar, the help screen, the detail view of one finding and the too-small
 * message. Nothing here reads the pipeline: only the model, and what the
 * keys moved (nav.h). */
#ifndef NEB_TUI_DRAW_H
#define NEB_TUI_DRAW_H

#include "model.h"
#include "nav.h"

#define DRAW_MIN_ROWS 24
#define DRAW_MIN_COLS 80

struct draw_opts {
	int utf8, color;
	struct tui_nav nav; /* the focus; each panel's first item and rows, written by the draw */
	int stage_row0, stage_col0, stage_cols; /* where the stage rows were drawn (mouse) */
	int fns_hidden; /* the Top functions had no room for a row at this size (f would show nothing) */
	int attached;   /* the screen shows a remote nebtop (nebtop attach): the help says what its keys do */
};

void draw_init_colors(void);
/* The whole screen of rows x cols (or the too-small message). */
/* notice: a failure of nebtop's own (a snapshot not written) shown first
 * among the alerts, or "". */
void draw_screen(struct draw_opts *d, const struct tui_model *m, int rows, int cols, int frozen, int paused,
		 const char *notice);
void draw_help(const struct draw_opts *d, int rows, int cols);
/* One finding, whole, word-wrapped to the width, from v->top (clamped);
 * writes back v->lines and v->rows. nalerts: how many the list holds. */
void draw_detail(const struct draw_opts *d, struct tui_detail *v, size_t nalerts, int rows, int cols);
/* The stage row at screen position (y, x), or -1. */
int draw_stage_at(const struct draw_opts *d, int y, int x);

#endif
