/* keys.h: what the user's keys change on either screen (the one over a
 * local run, tui.c, and the one attached to a remote nebtop, attach.c),
 * and the keys both take the same way: movement, Tab, Enter and the
 * detail view, the mouse, space, f, + and -, help, and the quit keys. What
 * differs between the two (s, t, w, p, r) is left to each screen. */
#ifndef NEB_TUI_KEYS_H
#define NEB_TUI_KEYS_H

#include <stdint.h>

#include "draw.h"
#include "model.h"
#include "nav.h"
#include "screen.h"

struct tui_state {
	struct tui_model m;
	struct draw_opts d;
	struct tui_detail detail; /* the finding opened with Enter */
	struct tui_screen scr;
	uint64_t refresh_ns;
	int frozen, help, paused, quitting;
	int quit_by_key;	      /* the quit came from q or -duration, not a signal: a stop signal abandons it */
	uint64_t quit_t_ns, quit_out; /* when the quit came, and the records written then */
	uint64_t trace_until_ns;      /* a trace capture ends then (0: none) */
	int trace_started;	      /* the capture turned tracing on */
	char notice[320];	      /* a failed snapshot, shown among the alerts */
	/* w asked for what-if experiments on stage whatif_watch - 1 (0: none),
	 * or found them under way: once they ran and ended, the status line
	 * says so with their answer */
	int whatif_watch, whatif_seen_running;
};

enum tui_key_result {
	TUI_KEY_DONE, /* taken (or nothing to do) */
	TUI_KEY_QUIT, /* q, Q or F10 (F10 also in the detail view) */
	TUI_KEY_OWN,  /* the screen's own: s, t, w, p, r */
};

/* One key, as both screens take it. */
enum tui_key_result tui_keys_handle(struct tui_state *st, int ch);

#endif
