/* view.h: the front end's model as JSON, both ways. A nebtop that listens
 * (-listen) answers GET /api/v1/view with the model of its run as its own
 * screen would fill it (tui_view_build); `nebtop attach` reads that answer
 * back into a model (tui_view_parse) and draws it with the same code as a
 * local screen. The keys are the model's field names; "view" is the
 * version of this layout, checked by the reader. */
#ifndef NEB_TUI_VIEW_H
#define NEB_TUI_VIEW_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"

#define TUI_VIEW_VERSION 1

struct analyzer;
struct pipeline;
struct profiler;
struct sampler;

/* What the asker chose: the stage whose histogram (and, with
 * fns_for_stage, whose functions) it shows, and when its peaks and
 * averages were last reset (a time of the remote's series; 0: never). */
struct tui_view_ask {
	size_t stage;
	int fns_for_stage;
	uint64_t reset_t_ns;
};

/* What comes with the model. */
struct tui_view_meta {
	int version;
	char run_id[64];
	char nebtop_version[32];
	uint64_t sample_t_ns; /* the latest sample's time: what r resets to */
	int final;	      /* the run is over: these are its last figures */
};

/* The view of the run as JSON (malloc'd), or NULL when out of memory;
 * *final set when the run's series has ended. */
char *tui_view_build(struct pipeline *p, struct sampler *s, struct profiler *prof, struct analyzer *an,
		     const struct tui_view_ask *ask, int *final);
/* The view of model m with meta (its version and nebtop_version are this
 * build's), as JSON (malloc'd), or NULL when out of memory. */
char *tui_view_text(const struct tui_model *m, const struct tui_view_meta *meta);
/* Reads a view into m (every field the view carries; selections,
 * histories and reset_t_ns are not touched) and meta. 0, or -1 with why in
 * err (not JSON, not a view, another version). */
int tui_view_parse(struct tui_model *m, struct tui_view_meta *meta, const char *text, size_t len, char *err,
		   size_t errlen);

#endif
