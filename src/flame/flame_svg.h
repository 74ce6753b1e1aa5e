/* flame_svg.h: a CPU profile (folded stacks) drawn as a self-contained,
 * interactive SVG flame graph that a browser opens from a file: root at the
 * bottom, one <g class="f" data-samples="N"> per frame holding a <title>
 * (full name, samples, share), a <rect> and a <text> (the name cut to fit);
 * inline style and script for hover details, click to zoom, and search.
 * flame_svg_profile colours frames by pipeline stage (the first frame of
 * each stack); flame_svg_diff draws one profile coloured by how each frame's
 * share of samples changed from another (red: more, blue: less). */
#ifndef NEB_FLAME_SVG_H
#define NEB_FLAME_SVG_H

#include <stddef.h>

#include "../base/buf.h"
#include "folded.h"

/* The drawing's width in pixels and its frame rows. */
#define FLAME_SVG_WIDTH 1200
#define FLAME_SVG_PAD 10
#define FLAME_SVG_ROW 16
#define FLAME_SVG_FONT 11
/* Frames narrower than this at full width are left out (their samples still
 * count in their parent's); the root and the stage frames never are. */
#define FLAME_SVG_MIN_PX 0.1

/* The heading: title (say, "CPU flame graph") and a line under it (NULL:
 * none), as plain text (the renderer escapes it). */
struct flame_svg_text {
	const char *title, *subtitle;
};

/* Appends the SVG of f to out. An empty profile draws a valid SVG that says
 * "no CPU samples in this window". 0, or -1 without memory. */
int flame_svg_profile(const struct folded *f, const struct flame_svg_text *t, struct buf *out);

/* Appends the SVG of the optimized side (the sum of nopt profiles) drawn in
 * its shape, each frame coloured by the change of its share of samples
 * against the baseline side (the sum of nbase profiles): red where the
 * optimized side spends a larger share, blue a smaller one, stronger with
 * the size of the change. Each frame also carries data-base-samples (its
 * samples in the baseline). A side without samples draws an SVG that says
 * so. 0, or -1 without memory. */
int flame_svg_diff(const struct folded *base, size_t nbase, const struct folded *opt, size_t nopt,
		   const struct flame_svg_text *t, struct buf *out);

/* The style sheet and the script every flame graph embeds (flame_script.c). */
extern const char flame_svg_style[];
extern const char flame_svg_script[];

#endif
