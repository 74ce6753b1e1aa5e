/* flame_svg.c: draws folded stacks as an SVG flame graph (flame_svg.h): the
 * heading, the legend (stages) or the key (a diff), one group per frame with
 * the root at the bottom, and the embedded style and script. */
#include "autoconfig.h"

#include "flame_svg.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../base/utf8.h"
#include "flame_tree.h"
#include "../base/units.h"

#define FLAME_SVG_CHARW (FLAME_SVG_FONT * 0.62) /* a monospace character, with room to spare */
#define FLAME_SVG_HEAD 84                        /* the heading, legend and buttons above the frames */
#define FLAME_SVG_FOOT 34                        /* the details line under them */

/* Pipeline stages' hues (degrees), in the order of their samples. */
static const double flame_svg_hues[] = { 28, 205, 120, 280, 48, 330, 175, 0, 90, 240 };
#define FLAME_SVG_NHUES (sizeof flame_svg_hues / sizeof flame_svg_hues[0])

struct flame_rgb {
	int r, g, b;
};

struct flame_draw {
	struct flame_tree t;
	int diff;
	double px;          /* pixels per side-0 sample */
	unsigned char *shown; /* per node: drawn */
	int *hue;           /* per stage node: index into flame_svg_hues, -1 = grey */
	uint32_t *stages;   /* the stage nodes drawn, by samples, largest first */
	size_t nstages;
	uint32_t rows;      /* rows of frames drawn (the deepest + 1) */
	double dscale;      /* a diff: the change of share drawn at full colour */
};

/* --- text ------------------------------------------------------------------------- */

/* The length of the character at s (n > 0 bytes left); *bad when it is not
 * valid UTF-8 or is a character XML does not allow (controls, U+FFFE/F). */
static size_t flame_svg_char(const unsigned char *s, size_t n, int *bad)
{
	size_t k = s[0] < 0x80 ? 1 : s[0] >= 0xC2 && s[0] <= 0xDF ? 2 : s[0] >= 0xE0 && s[0] <= 0xEF ? 3
		: s[0] >= 0xF0 && s[0] <= 0xF4 ? 4 : 0;
	if (k == 0 || k > n || utf8_find_invalid((const char *)s, k) != k) {
		*bad = 1;
		return 1;
	}
	*bad = (k == 1 && s[0] < 0x20) || (k == 3 && s[0] == 0xEF && s[1] == 0xBF && s[2] >= 0xBE);
	return k;
}

/* Appends s[0..n) as XML character data: & < > " ' escaped, a bad
 * character as U+FFFD; at most max characters (0: no limit; a longer text is
 * cut to max - 2 and ".."). */
static void flame_svg_escape(struct buf *b, const char *s, size_t n, size_t max)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t chars = 0, keep;
	int bad;
	for (size_t i = 0; i < n; chars++)
		i += flame_svg_char(u + i, n - i, &bad);
	keep = max && chars > max ? max - 2 : chars;
	for (size_t i = 0, c = 0; c < keep; c++) {
		size_t k = flame_svg_char(u + i, n - i, &bad);
		if (bad)
			buf_append_str(b, "\xEF\xBF\xBD");
		else if (k > 1)
			buf_append(b, s + i, k);
		else if (s[i] == '&')
			buf_append_str(b, "&amp;");
		else if (s[i] == '<')
			buf_append_str(b, "&lt;");
		else if (s[i] == '>')
			buf_append_str(b, "&gt;");
		else if (s[i] == '"')
			buf_append_str(b, "&quot;");
		else if (s[i] == '\'')
			buf_append_str(b, "&apos;");
		else
			buf_append_byte(b, s[i]);
		i += k;
	}
	if (keep < chars)
		buf_append_str(b, "..");
}

static void flame_svg_escape_str(struct buf *b, const char *s)
{
	flame_svg_escape(b, s, strlen(s), 0);
}

/* How many characters fit in a frame w pixels wide (0: none). */
static size_t flame_svg_fit(double w)
{
	double n = floor((w - 6) / FLAME_SVG_CHARW);
	return n < 3 ? 0 : (size_t)n;
}

static void flame_svg_count(struct buf *b, uint64_t v)
{
	char s[32];
	units_format_count(s, sizeof s, v);
	buf_append_str(b, s);
}

/* --- colour ------------------------------------------------------------------------ */

static struct flame_rgb flame_svg_hsl(double h, double s, double l)
{
	double c = (1 - fabs(2 * l - 1)) * s, hp = fmod(fmod(h, 360) + 360, 360) / 60;
	double x = c * (1 - fabs(fmod(hp, 2) - 1)), m = l - c / 2, r = 0, g = 0, b = 0;
	int sector = (int)hp;
	if (sector == 0)
		r = c, g = x;
	else if (sector == 1)
		r = x, g = c;
	else if (sector == 2)
		g = c, b = x;
	else if (sector == 3)
		g = x, b = c;
	else if (sector == 4)
		r = x, b = c;
	else
		r = c, b = x;
	return (struct flame_rgb){ (int)lround((r + m) * 255), (int)lround((g + m) * 255), (int)lround((b + m) * 255) };
}

/* A number in [0, 1) from a frame's name and a salt: the same function has
 * the same shade wherever it appears. */
static double flame_svg_jitter(const char *s, size_t n, unsigned salt)
{
	uint32_t h = 2166136261u ^ salt;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	h ^= h >> 15;
	return (double)(h % 1000) / 1000.0;
}

/* A frame of a profile: its stage's hue (grey for nebtop's own threads),
 * stronger for the stage frame itself, lighter and varied by name above. */
static struct flame_rgb flame_svg_stage_colour(const struct flame_draw *d, uint32_t i)
{
	const struct flame_node *x = &d->t.n[i];
	if (x->depth == 0)
		return (struct flame_rgb){ 205, 205, 205 };
	int hue = d->hue[x->stage];
	double hj = flame_svg_jitter(x->name, x->len, 1), sj = flame_svg_jitter(x->name, x->len, 2);
	double lj = flame_svg_jitter(x->name, x->len, 3);
	if (hue < 0)
		return flame_svg_hsl(0, 0, x->depth == 1 ? 0.62 : 0.70 + 0.14 * lj);
	double h = flame_svg_hues[hue];
	if (x->depth == 1)
		return flame_svg_hsl(h, 0.62, 0.56);
	return flame_svg_hsl(h + (hj - 0.5) * 18, 0.55 + 0.25 * sj, 0.64 + 0.16 * lj);
}

/* The change of a frame's share of samples, as a fraction (+: more in side 0). */
static double flame_svg_delta(const struct flame_draw *d, uint32_t i)
{
	const struct flame_node *x = &d->t.n[i], *root = &d->t.n[0];
	double s0 = (double)x->v[0] / (double)root->v[0], s1 = (double)x->v[1] / (double)root->v[1];
	return s0 - s1;
}

/* A frame of a diff: from neutral grey to red (a larger share) or blue (a
 * smaller one) with the size of the change against dscale (its square root,
 * so that a change a tenth of the largest still shows). */
static struct flame_rgb flame_svg_diff_colour(const struct flame_draw *d, uint32_t i)
{
	static const struct flame_rgb neutral = { 226, 226, 226 }, red = { 228, 52, 44 }, blue = { 58, 108, 232 };
	double delta = flame_svg_delta(d, i), k = sqrt(fabs(delta) / d->dscale);
	if (k > 1)
		k = 1;
	const struct flame_rgb *to = delta > 0 ? &red : &blue;
	return (struct flame_rgb){ (int)lround(neutral.r + (to->r - neutral.r) * k),
				   (int)lround(neutral.g + (to->g - neutral.g) * k),
				   (int)lround(neutral.b + (to->b - neutral.b) * k) };
}

/* --- layout ------------------------------------------------------------------------ */

static int flame_svg_by_samples(const void *a, const void *b, void *arg)
{
	const struct flame_node *n = arg, *x = &n[*(const uint32_t *)a], *y = &n[*(const uint32_t *)b];
	if (x->v[0] != y->v[0])
		return x->v[0] < y->v[0] ? 1 : -1;
	return (x > y) - (x < y);
}

/* Chooses the frames drawn (wide enough, all of rows 0 and 1), the rows,
 * the stages' hues (by samples, largest first) and a diff's colour scale. */
static int flame_svg_layout(struct flame_draw *d)
{
	struct flame_tree *t = &d->t;
	d->shown = calloc(t->len, 1);
	d->hue = calloc(t->len, sizeof *d->hue);
	uint32_t *stages = d->stages = malloc(t->len * sizeof *stages);
	if (!d->shown || !d->hue || !stages)
		return -1;
	d->px = (FLAME_SVG_WIDTH - 2.0 * FLAME_SVG_PAD) / (double)t->n[0].v[0];
	size_t nst = 0;
	double maxd = 0;
	for (size_t i = 0; i < t->len; i++) {
		const struct flame_node *x = &t->n[i];
		int wide = x->depth <= 1 || (double)x->v[0] * d->px >= FLAME_SVG_MIN_PX;
		d->shown[i] = x->v[0] > 0 && wide && (i == 0 || d->shown[x->parent]);
		if (!d->shown[i])
			continue;
		if (x->depth + 1 > d->rows)
			d->rows = x->depth + 1;
		if (x->depth == 1)
			stages[nst++] = (uint32_t)i;
		if (d->diff && fabs(flame_svg_delta(d, (uint32_t)i)) > maxd)
			maxd = fabs(flame_svg_delta(d, (uint32_t)i));
	}
	/* a change of 2 points or less never shows at full colour */
	d->dscale = maxd > 0.02 ? maxd : 0.02;
	/* stages by samples, largest first; hues in that order */
	qsort_r(stages, nst, sizeof *stages, flame_svg_by_samples, t->n);
	int next = 0;
	for (size_t a = 0; a < nst; a++) {
		const struct flame_node *x = &t->n[stages[a]];
		int own = x->len > 7 && !memcmp(x->name, "nebtop/", 7);
		d->hue[stages[a]] = own ? -1 : next++ % (int)FLAME_SVG_NHUES;
	}
	d->nstages = nst;
	return 0;
}

static double flame_svg_row_y(const struct flame_draw *d, uint32_t depth)
{
	return FLAME_SVG_HEAD + (double)(d->rows - 1 - depth) * FLAME_SVG_ROW;
}

/* --- output ------------------------------------------------------------------------ */

static void flame_svg_open(struct buf *b, double height, const struct flame_svg_text *t)
{
	buf_printf(b,
		   "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n"
		   "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%d\" height=\"%.0f\" "
		   "viewBox=\"0 0 %d %.0f\" data-pad=\"%d\" data-charw=\"%.2f\">\n<title>",
		   FLAME_SVG_WIDTH, height, FLAME_SVG_WIDTH, height, FLAME_SVG_PAD, FLAME_SVG_CHARW);
	flame_svg_escape_str(b, t->title);
	buf_printf(b, "</title>\n<style>\n%s</style>\n", flame_svg_style);
	buf_printf(b, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%.0f\" fill=\"#fafafa\"/>\n", FLAME_SVG_WIDTH,
		   height);
	buf_printf(b, "<text id=\"title\" x=\"%d\" y=\"24\" text-anchor=\"middle\">", FLAME_SVG_WIDTH / 2);
	flame_svg_escape_str(b, t->title);
	buf_append_str(b, "</text>\n");
	if (t->subtitle) {
		buf_printf(b, "<text id=\"subtitle\" x=\"%d\" y=\"43\" text-anchor=\"middle\">", FLAME_SVG_WIDTH / 2);
		flame_svg_escape_str(b, t->subtitle);
		buf_append_str(b, "</text>\n");
	}
}

static void flame_svg_close(struct buf *b)
{
	buf_printf(b, "<script type=\"text/ecmascript\"><![CDATA[\n%s]]></script>\n</svg>\n", flame_svg_script);
}

/* A document without frames: the heading and a sentence. */
static void flame_svg_empty(struct buf *b, const struct flame_svg_text *t, const char *why)
{
	double height = FLAME_SVG_HEAD + 60;
	flame_svg_open(b, height, t);
	buf_printf(b, "<text class=\"empty\" x=\"%d\" y=\"%d\" text-anchor=\"middle\">", FLAME_SVG_WIDTH / 2,
		   FLAME_SVG_HEAD + 24);
	flame_svg_escape_str(b, why);
	buf_append_str(b, "</text>\n");
	flame_svg_close(b);
}

/* The buttons (top right: Search; top left: Reset zoom, shown when zoomed)
 * and the details line with the search result (bottom). */
static void flame_svg_controls(struct buf *b, double height)
{
	buf_printf(b,
		   "<g id=\"search\" class=\"btn\"><title>Find frames by name (Ctrl-F, F3)</title>"
		   "<rect x=\"%d\" y=\"8\" width=\"64\" height=\"20\" rx=\"3\"/>"
		   "<text x=\"%d\" y=\"22\" text-anchor=\"middle\">Search</text></g>\n",
		   FLAME_SVG_WIDTH - FLAME_SVG_PAD - 64, FLAME_SVG_WIDTH - FLAME_SVG_PAD - 32);
	buf_printf(b,
		   "<g id=\"reset\" class=\"btn hidden\"><title>Show every frame again (Escape)</title>"
		   "<rect x=\"%d\" y=\"8\" width=\"84\" height=\"20\" rx=\"3\"/>"
		   "<text x=\"%d\" y=\"22\" text-anchor=\"middle\">Reset zoom</text></g>\n",
		   FLAME_SVG_PAD, FLAME_SVG_PAD + 42);
	buf_printf(b,
		   "<text id=\"info\" x=\"%d\" y=\"%.0f\">Hover over a frame for its samples; click to zoom "
		   "(the bottom frame or Escape resets); Ctrl-F or Search to find.</text>\n",
		   FLAME_SVG_PAD, height - 12);
	buf_printf(b, "<text id=\"matched\" x=\"%d\" y=\"%.0f\" text-anchor=\"end\"></text>\n",
		   FLAME_SVG_WIDTH - FLAME_SVG_PAD, height - 12);
}

/* The stages' legend: a swatch, the name and the share of each, in the
 * order of their samples, as many as fit on one line. */
static void flame_svg_legend(struct buf *b, const struct flame_draw *d)
{
	const struct flame_tree *t = &d->t;
	const uint32_t *v = d->stages;
	size_t n = d->nstages;
	double x = FLAME_SVG_PAD, right = FLAME_SVG_WIDTH - FLAME_SVG_PAD - 90;
	buf_printf(b, "<g id=\"key\"><text x=\"%.0f\" y=\"66\">stages:</text>\n", x);
	x += 56;
	size_t i = 0;
	for (; i < n; i++) {
		const struct flame_node *s = &t->n[v[i]];
		size_t chars = s->len > 24 ? 24 : s->len;
		double w = 16 + (double)(chars + 8) * 7;
		if (x + w > right)
			break;
		struct flame_rgb c = flame_svg_stage_colour(d, v[i]);
		buf_printf(b, "<rect x=\"%.0f\" y=\"56\" width=\"12\" height=\"12\" fill=\"rgb(%d,%d,%d)\"/>", x, c.r,
			   c.g, c.b);
		buf_printf(b, "<text x=\"%.0f\" y=\"66\">", x + 16);
		flame_svg_escape(b, s->name, s->len, 24);
		buf_printf(b, " %.1f%%</text>\n", 100.0 * (double)s->v[0] / (double)t->n[0].v[0]);
		x += w;
	}
	if (i < n)
		buf_printf(b, "<text x=\"%.0f\" y=\"66\">+%zu more</text>\n", x, n - i);
	buf_append_str(b, "</g>\n");
}

/* A diff's key: what the colours mean and what is not drawn. */
static void flame_svg_diff_key(struct buf *b, const struct flame_draw *d)
{
	const struct flame_tree *t = &d->t;
	uint64_t gone = 0;
	for (size_t i = 1; i < t->len; i++)
		if (!t->n[i].v[0] && t->n[t->n[i].parent].v[0])
			gone += t->n[i].v[1];
	buf_printf(b,
		   "<g id=\"key\"><rect x=\"%d\" y=\"56\" width=\"12\" height=\"12\" fill=\"rgb(228,52,44)\"/>"
		   "<text x=\"%d\" y=\"66\">larger share in the optimized run</text>"
		   "<rect x=\"%d\" y=\"56\" width=\"12\" height=\"12\" fill=\"rgb(58,108,232)\"/>"
		   "<text x=\"%d\" y=\"66\">smaller share (full colour: %.1f points). Widths: the optimized "
		   "run's samples; frames only in the baseline (%.1f%% of its samples) are not drawn.</text></g>\n",
		   FLAME_SVG_PAD, FLAME_SVG_PAD + 16, FLAME_SVG_PAD + 226, FLAME_SVG_PAD + 242, 100 * d->dscale,
		   100.0 * (double)gone / (double)t->n[0].v[1]);
}

/* The title of a frame: its full name, samples and share (both sides in a diff). */
static void flame_svg_frame_title(struct buf *b, const struct flame_draw *d, const struct flame_node *x)
{
	const struct flame_node *root = &d->t.n[0];
	flame_svg_escape(b, x->name, x->len, 0);
	double s0 = 100.0 * (double)x->v[0] / (double)root->v[0];
	if (!d->diff) {
		buf_append_str(b, " (");
		flame_svg_count(b, x->v[0]);
		buf_printf(b, " sample%s, %.2f%%)", x->v[0] == 1 ? "" : "s", s0);
		return;
	}
	double s1 = 100.0 * (double)x->v[1] / (double)root->v[1];
	buf_printf(b, " (optimized %.2f%%, ", s0);
	flame_svg_count(b, x->v[0]);
	buf_printf(b, " samples; baseline %.2f%%, ", s1);
	flame_svg_count(b, x->v[1]);
	buf_printf(b, " samples; change %+.2f points)", s0 - s1);
}

static void flame_svg_frames(struct buf *b, const struct flame_draw *d)
{
	const struct flame_tree *t = &d->t;
	for (size_t i = 0; i < t->len; i++) {
		if (!d->shown[i])
			continue;
		const struct flame_node *x = &t->n[i];
		double xp = FLAME_SVG_PAD + (double)x->off * d->px, w = (double)x->v[0] * d->px;
		double y = flame_svg_row_y(d, x->depth);
		struct flame_rgb c = d->diff ? flame_svg_diff_colour(d, (uint32_t)i) : flame_svg_stage_colour(d, (uint32_t)i);
		buf_printf(b, "<g class=\"f\" data-samples=\"%llu\"", (unsigned long long)x->v[0]);
		if (d->diff)
			buf_printf(b, " data-base-samples=\"%llu\"", (unsigned long long)x->v[1]);
		buf_append_str(b, "><title>");
		flame_svg_frame_title(b, d, x);
		buf_printf(b, "</title><rect x=\"%.2f\" y=\"%.0f\" width=\"%.2f\" height=\"%d\" fill=\"rgb(%d,%d,%d)\"/>",
			   xp, y, w, FLAME_SVG_ROW - 1, c.r, c.g, c.b);
		buf_printf(b, "<text x=\"%.2f\" y=\"%.0f\">", xp + 3, y + FLAME_SVG_ROW - 4);
		size_t fit = flame_svg_fit(w);
		if (fit)
			flame_svg_escape(b, x->name, x->len, fit);
		buf_append_str(b, "</text></g>\n");
	}
}

/* Draws the tree in d (finished); d->diff says which colours. */
static int flame_svg_draw(struct flame_draw *d, const struct flame_svg_text *t, struct buf *out)
{
	if (flame_svg_layout(d))
		return -1;
	double height = FLAME_SVG_HEAD + (double)d->rows * FLAME_SVG_ROW + FLAME_SVG_FOOT;
	flame_svg_open(out, height, t);
	if (d->diff)
		flame_svg_diff_key(out, d);
	else
		flame_svg_legend(out, d);
	flame_svg_controls(out, height);
	flame_svg_frames(out, d);
	flame_svg_close(out);
	return 0;
}

static void flame_svg_draw_free(struct flame_draw *d)
{
	flame_tree_free(&d->t);
	free(d->shown);
	free(d->hue);
	free(d->stages);
}

/* Merges the profiles of both sides into d's tree; -1 without memory. */
static int flame_svg_build(struct flame_draw *d, const struct folded *side0, size_t n0, const struct folded *side1,
			   size_t n1)
{
	for (size_t i = 0; i < n0; i++)
		if (flame_tree_add(&d->t, &side0[i], 0))
			return -1;
	for (size_t i = 0; i < n1; i++)
		if (flame_tree_add(&d->t, &side1[i], 1))
			return -1;
	if (!d->t.len && (flame_tree_add(&d->t, &(struct folded){ 0 }, 0)))
		return -1;
	return flame_tree_finish(&d->t);
}

int flame_svg_profile(const struct folded *f, const struct flame_svg_text *t, struct buf *out)
{
	if (!f->total) {
		flame_svg_empty(out, t, "no CPU samples in this window");
		return 0;
	}
	struct flame_draw d = { 0 };
	int rc = flame_svg_build(&d, f, 1, NULL, 0);
	if (!rc)
		rc = flame_svg_draw(&d, t, out);
	flame_svg_draw_free(&d);
	return rc;
}

int flame_svg_diff(const struct folded *base, size_t nbase, const struct folded *opt, size_t nopt,
		   const struct flame_svg_text *t, struct buf *out)
{
	struct flame_draw d = { .diff = 1 };
	int rc = flame_svg_build(&d, opt, nopt, base, nbase);
	if (!rc && (!d.t.n[0].v[0] || !d.t.n[0].v[1]))
		flame_svg_empty(out, t, !d.t.n[0].v[0] ? "no CPU samples in the optimized run's profile"
							: "no CPU samples in the baseline's profile");
	else if (!rc)
		rc = flame_svg_draw(&d, t, out);
	flame_svg_draw_free(&d);
	return rc;
}
