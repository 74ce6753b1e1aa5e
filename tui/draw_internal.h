/* draw_internal.h: what the drawing files (draw.c, draw_detail.c) share:
 * text within a width, a severity's colour, the key bar and the too-small
 * message. The loop (tui.c) uses draw.h only. */
#ifndef NEB_TUI_DRAW_INTERNAL_H
#define NEB_TUI_DRAW_INTERNAL_H

#include <curses.h>
#include <stddef.h>

#include "draw.h"

/* A key of the key bar: the key, what it does, and how long it stays when
 * the bar is short (0 always; the higher, the sooner it goes). */
struct draw_key {
	const char *key, *label;
	int drop;
};

/* Text at (y, x), at most w cells (callers fit their text first: this
 * only guards the edge). */
void draw_text(int y, int x, int w, const char *s);
/* s at (y, x), fitted to w cells with an ellipsis when it is longer. */
void draw_fit(const struct draw_opts *d, int y, int x, int w, const char *s);
/* The colour and weight of a severity (enum severity). */
attr_t draw_severity_attr(const struct draw_opts *d, int severity);
/* The keys on the last row, as htop shows them; the keys with the highest
 * drop go first when they do not all fit. */
void draw_keybar(const struct draw_opts *d, const struct draw_key *keys, size_t n, int rows, int cols);
/* The screen is under DRAW_MIN_COLS x DRAW_MIN_ROWS. */
void draw_too_small(int rows, int cols);

#endif
