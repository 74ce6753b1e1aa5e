/* screen.c: taking the terminal for the front end and giving it back
 * (screen.h): curses modes, colours, standard error held aside, the
 * restore an exit at once from the signal thread does, the size. */
#include "autoconfig.h"

#include "screen.h"

#include <curses.h>
#include <langinfo.h>
#include <locale.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "../src/base/signals.h"
#include "draw.h"

/* The terminal as it was before the screen took it, for an exit at once
 * from the signal thread (tui_screen_restore_at_once). Written before the
 * signal thread can use it, read only by it. */
static struct termios tui_saved_termios;
static int tui_saved_valid;
/* standard error as it was before the screen held it (-1: not held), so
 * that the message of an exit at once reaches the terminal */
static _Atomic int tui_saved_stderr = -1;

static void tui_screen_restore_at_once(void)
{
	static const char seq[] = "\033[?1000l\033[0m\033[?25h\033[?1049l\r\n";
	ssize_t w = write(STDOUT_FILENO, seq, sizeof seq - 1);
	(void)w;
	if (tui_saved_valid)
		tcsetattr(STDIN_FILENO, TCSANOW, &tui_saved_termios);
	int fd = atomic_load(&tui_saved_stderr);
	if (fd >= 0)
		dup2(fd, STDERR_FILENO);
}

/* Standard error goes to a temporary file while the screen is in use. */
static void tui_screen_hold_stderr(struct tui_screen *sc)
{
	sc->saved_fd = -1;
	sc->tmp = tmpfile();
	if (!sc->tmp)
		return;
	fflush(stderr);
	sc->saved_fd = dup(STDERR_FILENO);
	if (sc->saved_fd < 0 || dup2(fileno(sc->tmp), STDERR_FILENO) < 0) {
		fclose(sc->tmp);
		sc->tmp = NULL;
		return;
	}
	atomic_store(&tui_saved_stderr, sc->saved_fd);
}

static void tui_screen_release_stderr(struct tui_screen *sc)
{
	if (!sc->tmp)
		return;
	fflush(stderr);
	atomic_store(&tui_saved_stderr, -1);
	dup2(sc->saved_fd, STDERR_FILENO);
	close(sc->saved_fd);
	rewind(sc->tmp);
	char buf[4096];
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, sc->tmp)) > 0)
		fwrite(buf, 1, n, stderr);
	fclose(sc->tmp);
	sc->tmp = NULL;
}

static int tui_screen_utf8_locale(void)
{
	const char *cs = nl_langinfo(CODESET);
	return cs && (!strcmp(cs, "UTF-8") || !strcmp(cs, "utf8"));
}

int tui_screen_open(struct tui_screen *sc, struct signals *sig, struct draw_opts *d, int want_color, char *err,
		    size_t errlen)
{
	setlocale(LC_ALL, "");
	sc->sig = sig;
	tui_saved_valid = tcgetattr(STDIN_FILENO, &tui_saved_termios) == 0;
	tui_screen_hold_stderr(sc);
	if (!initscr()) {
		tui_screen_release_stderr(sc);
		snprintf(err, errlen, "cannot set up the terminal (TERM=%s)", getenv("TERM") ? getenv("TERM") : "");
		return -1;
	}
	atomic_store(&sig->before_exit, tui_screen_restore_at_once);
	cbreak();
	noecho();
	keypad(stdscr, TRUE);
	curs_set(0);
	timeout(50);
#ifdef NCURSES_VERSION
	set_escdelay(100); /* Esc alone closes the detail view at once, not after a second */
#endif
	mousemask(BUTTON1_CLICKED | BUTTON1_PRESSED, NULL);
	d->utf8 = tui_screen_utf8_locale();
	d->color = want_color && !getenv("NO_COLOR") && has_colors();
	if (d->color)
		draw_init_colors();
	getmaxyx(stdscr, sc->rows, sc->cols);
	return 0;
}

void tui_screen_close(struct tui_screen *sc)
{
	endwin();
	atomic_store(&sc->sig->before_exit, NULL);
	tui_screen_release_stderr(sc);
}

void tui_screen_follow_size(struct tui_screen *sc)
{
	struct winsize ws;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) != 0 || !ws.ws_row || !ws.ws_col)
		return;
	if (ws.ws_row != sc->rows || ws.ws_col != sc->cols) {
		sc->rows = ws.ws_row;
		sc->cols = ws.ws_col;
		resizeterm(sc->rows, sc->cols);
		clear();
	}
}
