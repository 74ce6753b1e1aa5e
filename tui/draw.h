/* draw.h: drawing the model (model.h) with ncurses: the panels, the key
 * bar, the help screen and the too-small message. Nothing here reads the
 * pipeline: only the model. */
#ifndef NEB_TUI_DRAW_H
#define NEB_TUI_DRAW_H

#include "model.h"

#define DRAW_PANELS 4 /* panels Tab moves between: stages, channels, alerts, functions */
#define DRAW_MIN_ROWS 24
#define DRAW_MIN_COLS 80

struct draw_opts {
	int utf8, color;
	int focus;                 /* which of the DRAW_PANELS has the focus */
	int stage_row0, stage_col0, stage_cols; /* where the stage rows were drawn (mouse) */
};

void draw_init_colors(void);
/* The whole screen of rows x cols (or the too-small message). */
/* notice: a failure of nebtop's own (a snapshot not written) shown first
 * among the alerts, or "". */
void draw_screen(struct draw_opts *d, const struct tui_model *m, int rows, int cols, int frozen, int paused,
		 const char *notice);
void draw_help(const struct draw_opts *d, int rows, int cols);
/* The stage row at screen position (y, x), or -1. */
int draw_stage_at(const struct draw_opts *d, int y, int x);

#endif
