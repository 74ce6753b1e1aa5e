/* screen.h: the terminal, taken and given back: curses set up for the
 * front end (keys, mouse, colours, the locale's UTF-8), standard error held
 * aside while the screen is up and printed after, the terminal put back on
 * every way out (an exit at once from the signal thread included), and the
 * screen following the terminal's size. Both screens use it: the one over
 * a local run (tui.c) and the one attached to a remote nebtop (attach.c). */
#ifndef NEB_TUI_SCREEN_H
#define NEB_TUI_SCREEN_H

#include <stddef.h>
#include <stdio.h>

struct draw_opts;
struct signals;

struct tui_screen {
	struct signals *sig;
	int saved_fd; /* standard error as it was (-1: not held) */
	FILE *tmp;    /* what was written to it meanwhile */
	int rows, cols;
};

/* Takes the terminal; colour when want_color, the terminal has it and
 * NO_COLOR is not set; fills d->utf8 and d->color. 0, or -1 with why in
 * err (nothing is left changed then). */
int tui_screen_open(struct tui_screen *sc, struct signals *sig, struct draw_opts *d, int want_color, char *err,
		    size_t errlen);
/* Gives the terminal back and prints what went to standard error. */
void tui_screen_close(struct tui_screen *sc);
/* Follows the terminal's size (SIGWINCH goes to the signal thread, so the
 * size is read on every turn); sc->rows and sc->cols. */
void tui_screen_follow_size(struct tui_screen *sc);

#endif
