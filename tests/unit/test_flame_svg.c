/* test_flame_svg.c: unit tests of src/flame_svg.c on hand-made folded
 * stacks. Each SVG is read back by a small XML reader (XML 1.0
 * well-formedness: one root, nested tags that close in order, quoted
 * attributes, only the five named entities and character references, CDATA
 * and comments) and checked as a person reading the drawing would: the
 * bottom frame holds every sample, the stage row above it adds up to them,
 * each frame's width is its share of the drawing, the frames resting on a
 * frame hold at most its samples, every label fits its frame, names with
 * XML's special characters come back as they were; an empty profile says
 * so; a diff is red where the second profile spends a larger share and blue
 * where a smaller one. */
#include "autoconfig.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/flame/flame_svg.h"
#include "src/flame/folded.h"
#include "tests/unit/unit_main.h"

/* --- a small XML reader ------------------------------------------------------------- */

struct xel {
	char name[32];
	char attr[12][2][256]; /* name, value (entities resolved) */
	int nattr;
	int parent;            /* -1 for the root */
	char text[1024];       /* the character data directly inside, entities resolved */
};

struct xdoc {
	struct xel *v;
	int n;
	char err[256];
};

/* Resolves the reference at *p (after '&') into out; 0, or -1 when it is
 * not one XML knows. */
static int xml_entity(const char **p, char *out, size_t *o, size_t cap)
{
	static const struct {
		const char *name, *c;
	} named[] = { { "amp;", "&" }, { "lt;", "<" }, { "gt;", ">" }, { "quot;", "\"" }, { "apos;", "'" } };
	for (size_t i = 0; i < 5; i++)
		if (!strncmp(*p, named[i].name, strlen(named[i].name))) {
			if (*o + 1 < cap)
				out[(*o)++] = named[i].c[0];
			*p += strlen(named[i].name);
			return 0;
		}
	if (**p == '#') {
		const char *q = *p + 1;
		int hex = *q == 'x';
		q += hex;
		const char *d = q;
		while (hex ? strchr("0123456789abcdefABCDEF", *q) && *q : (*q >= '0' && *q <= '9'))
			q++;
		if (q == d || *q != ';')
			return -1;
		*p = q + 1;
		if (*o + 1 < cap)
			out[(*o)++] = '?';
		return 0;
	}
	return -1;
}

/* Appends character data [s, e) to out, resolving references; -1 on a bad
 * one or a '<'. */
static int xml_chars(const char *s, const char *e, char *out, size_t cap)
{
	size_t o = strlen(out);
	while (s < e) {
		if (*s == '<')
			return -1;
		if (*s == '&') {
			s++;
			if (xml_entity(&s, out, &o, cap))
				return -1;
			continue;
		}
		if (o + 1 < cap)
			out[o++] = *s;
		s++;
	}
	out[o] = 0;
	return 0;
}

static int xml_fail(struct xdoc *d, const char *at, const char *base, const char *what)
{
	snprintf(d->err, sizeof d->err, "%s at byte %ld", what, (long)(at - base));
	return -1;
}

static int xml_parse(struct xdoc *d, const char *s)
{
	const char *base = s;
	int stack[256], top = 0, roots = 0;
	memset(d, 0, sizeof *d);
	d->v = calloc(20000, sizeof *d->v);
	if (!strncmp(s, "<?xml", 5)) {
		s = strstr(s, "?>");
		if (!s)
			return xml_fail(d, base, base, "unterminated XML declaration");
		s += 2;
	}
	while (*s) {
		if (!strncmp(s, "<!--", 4)) {
			const char *e = strstr(s, "-->");
			if (!e)
				return xml_fail(d, s, base, "unterminated comment");
			s = e + 3;
		} else if (!strncmp(s, "<![CDATA[", 9)) {
			const char *e = strstr(s, "]]>");
			if (!top || !e)
				return xml_fail(d, s, base, "CDATA outside an element or unterminated");
			s = e + 3;
		} else if (!strncmp(s, "</", 2)) {
			const char *n = s + 2, *e = n;
			while (*e && *e != '>' && *e != ' ')
				e++;
			if (!top || strncmp(d->v[stack[top - 1]].name, n, (size_t)(e - n)) ||
			    d->v[stack[top - 1]].name[e - n])
				return xml_fail(d, s, base, "end tag that closes no open element");
			while (*e == ' ')
				e++;
			if (*e != '>')
				return xml_fail(d, s, base, "bad end tag");
			top--;
			s = e + 1;
		} else if (*s == '<') {
			if (d->n == 20000)
				return xml_fail(d, s, base, "too many elements for this reader");
			if (!top && roots++)
				return xml_fail(d, s, base, "a second root element");
			struct xel *x = &d->v[d->n];
			x->parent = top ? stack[top - 1] : -1;
			const char *n = ++s;
			while (*s && !strchr(" \t\n/>", *s))
				s++;
			if (s == n || (size_t)(s - n) >= sizeof x->name)
				return xml_fail(d, n, base, "bad element name");
			memcpy(x->name, n, (size_t)(s - n));
			for (;;) {
				while (*s == ' ' || *s == '\n' || *s == '\t')
					s++;
				if (*s == '>' || !strncmp(s, "/>", 2))
					break;
				const char *an = s;
				while (*s && !strchr(" =/>", *s))
					s++;
				if (s == an || *s != '=' || (s[1] != '"' && s[1] != '\'') || x->nattr == 12)
					return xml_fail(d, an, base, "bad attribute");
				char q = s[1];
				snprintf(x->attr[x->nattr][0], sizeof x->attr[0][0], "%.*s", (int)(s - an), an);
				for (int i = 0; i < x->nattr; i++)
					if (!strcmp(x->attr[i][0], x->attr[x->nattr][0]))
						return xml_fail(d, an, base, "attribute given twice");
				const char *vs = s + 2, *ve = strchr(vs, q);
				if (!ve || xml_chars(vs, ve, x->attr[x->nattr][1], sizeof x->attr[0][1]))
					return xml_fail(d, vs, base, "bad attribute value");
				x->nattr++;
				s = ve + 1;
				if (*s != ' ' && *s != '>' && *s != '/' && *s != '\n')
					return xml_fail(d, s, base, "no space between attributes");
			}
			int self = *s == '/';
			s += self ? 2 : 1;
			if (!self) {
				if (top == 256)
					return xml_fail(d, s, base, "nested too deep");
				stack[top++] = d->n;
			}
			d->n++;
		} else {
			const char *e = strchr(s, '<');
			if (!e)
				e = s + strlen(s);
			if (!top) {
				for (const char *c = s; c < e; c++)
					if (!strchr(" \t\r\n", *c))
						return xml_fail(d, c, base, "text outside the root");
			} else if (xml_chars(s, e, d->v[stack[top - 1]].text, sizeof d->v[0].text)) {
				return xml_fail(d, s, base, "bad character data");
			}
			s = e;
		}
	}
	if (top || roots != 1)
		return xml_fail(d, s, base, top ? "elements left open" : "no root element");
	return 0;
}

static const char *xml_attr(const struct xel *x, const char *name)
{
	for (int i = 0; i < x->nattr; i++)
		if (!strcmp(x->attr[i][0], name))
			return x->attr[i][1];
	return NULL;
}

/* The first child of element i named name, or NULL. */
static const struct xel *xml_child(const struct xdoc *d, int i, const char *name)
{
	for (int k = i + 1; k < d->n; k++)
		if (d->v[k].parent == i && !strcmp(d->v[k].name, name))
			return &d->v[k];
	return NULL;
}

/* The text of the first element of class cls, or "". */
static const char *xml_text_of_class(const struct xdoc *d, const char *cls)
{
	for (int i = 0; i < d->n; i++) {
		const char *c = xml_attr(&d->v[i], "class");
		if (c && !strcmp(c, cls))
			return d->v[i].text;
	}
	return "";
}

/* --- frames as drawn --------------------------------------------------------------- */

struct frame {
	double x, y, w;
	unsigned long long samples, base;
	int r, g, b;
	const char *title, *label;
};

/* The frames of a parsed SVG (every <g class="f">); their count. */
static int frames_of(const struct xdoc *d, struct frame *out, int max)
{
	int n = 0;
	for (int i = 0; i < d->n && n < max; i++) {
		const char *cls = xml_attr(&d->v[i], "class");
		if (strcmp(d->v[i].name, "g") || !cls || strcmp(cls, "f"))
			continue;
		const struct xel *title = xml_child(d, i, "title"), *rect = xml_child(d, i, "rect"),
				 *text = xml_child(d, i, "text");
		ck_assert_msg(title && rect && text, "a frame without its title, rect or text");
		struct frame *f = &out[n++];
		f->x = atof(xml_attr(rect, "x"));
		f->y = atof(xml_attr(rect, "y"));
		f->w = atof(xml_attr(rect, "width"));
		f->samples = strtoull(xml_attr(&d->v[i], "data-samples"), NULL, 10);
		const char *b = xml_attr(&d->v[i], "data-base-samples");
		f->base = b ? strtoull(b, NULL, 10) : 0;
		ck_assert_int_eq(sscanf(xml_attr(rect, "fill"), "rgb(%d,%d,%d)", &f->r, &f->g, &f->b), 3);
		f->title = title->text;
		f->label = text->text;
	}
	return n;
}

/* The frame whose title starts with "name (". */
static const struct frame *frame_named(const struct frame *v, int n, const char *name)
{
	size_t len = strlen(name);
	for (int i = 0; i < n; i++)
		if (!strncmp(v[i].title, name, len) && !strncmp(v[i].title + len, " (", 2))
			return &v[i];
	return NULL;
}

static const struct frame *frame_bottom(const struct frame *v, int n)
{
	const struct frame *b = &v[0];
	for (int i = 1; i < n; i++)
		if (v[i].y > b->y)
			b = &v[i];
	return b;
}

/* The samples of the frames resting on f (the row above, within its width). */
static unsigned long long frames_above(const struct frame *v, int n, const struct frame *f)
{
	unsigned long long sum = 0;
	for (int i = 0; i < n; i++)
		if (fabs(v[i].y - (f->y - FLAME_SVG_ROW)) < 0.5 && v[i].x >= f->x - 0.011 &&
		    v[i].x + v[i].w <= f->x + f->w + 0.011)
			sum += v[i].samples;
	return sum;
}

/* Renders text as folded stacks into *d; the SVG text stays in *svg. */
static void render(const char *text, struct buf *svg, struct xdoc *d)
{
	struct folded f;
	struct errbuf e;
	ck_assert_int_eq(folded_parse(&f, text, strlen(text), &e), 0);
	struct flame_svg_text t = { "CPU flame graph", "test <profile> & more" };
	ck_assert_int_eq(flame_svg_profile(&f, &t, svg), 0);
	folded_free(&f);
	buf_append_byte(svg, 0);
	ck_assert_msg(xml_parse(d, svg->p) == 0, "not well-formed XML: %s", d->err);
}

/* A drawing of hand-made stacks, read back. */
struct drawing {
	struct buf svg;
	struct xdoc d;
	struct frame v[64];
	int n;
};

static struct drawing *draw(const char *text)
{
	struct drawing *w = calloc(1, sizeof *w);
	render(text, &w->svg, &w->d);
	w->n = frames_of(&w->d, w->v, 64);
	return w;
}

static void drawing_free(struct drawing *w)
{
	free(w->d.v);
	buf_free(&w->svg);
	free(w);
}

/* The checks every drawing passes: widths are shares of the drawing, the
 * bottom frame holds total samples and so does the stage row, no frame holds
 * more above it than itself, every label fits. */
static void check_arithmetic(const struct frame *v, int n, unsigned long long total)
{
	const struct frame *root = frame_bottom(v, n);
	double full = FLAME_SVG_WIDTH - 2.0 * FLAME_SVG_PAD;
	ck_assert_uint_eq(root->samples, total);
	ck_assert_msg(fabs(root->w - full) < 0.01, "the bottom frame is %.2f wide, not %.0f", root->w, full);
	ck_assert_uint_eq(frames_above(v, n, root), total);
	for (int i = 0; i < n; i++) {
		double want = full * (double)v[i].samples / (double)total;
		ck_assert_msg(fabs(v[i].w - want) < 0.011, "%s: width %.3f, %llu samples make %.3f", v[i].title, v[i].w,
			      v[i].samples, want);
		ck_assert_msg(frames_above(v, n, &v[i]) <= v[i].samples, "%s: the frames above hold %llu samples",
			      v[i].title, frames_above(v, n, &v[i]));
		size_t room = (size_t)fmax(0, floor((v[i].w - 6) / (FLAME_SVG_FONT * 0.62)));
		size_t len = strlen(v[i].label);
		ck_assert_msg(len <= room || len == 0, "label '%s' is wider than its frame (%.1f px)", v[i].label, v[i].w);
		size_t nl = strcspn(v[i].title, " ");
		if (len > 2 && !strcmp(v[i].label + len - 2, ".."))
			ck_assert_msg(!strncmp(v[i].label, v[i].title, len - 2), "label '%s' is not the start of '%s'",
				      v[i].label, v[i].title);
		else if (len)
			ck_assert_msg(len == nl && !strncmp(v[i].label, v[i].title, nl), "label '%s' of '%s'", v[i].label,
				      v[i].title);
	}
}

/* draw of text, which must pass check_arithmetic with total samples. */
static struct drawing *draw_checked(const char *text, unsigned long long total)
{
	struct drawing *w = draw(text);
	check_arithmetic(w->v, w->n, total);
	return w;
}

START_TEST(test_profile_arithmetic)
{
	const char *text = "alpha;main;work;spin 30\n"
			   "alpha;main;work 10\n"
			   "alpha;main;idle 5\n"
			   "beta;main;read_a_rather_long_function_name_that_needs_cutting 7\n"
			   "nebtop/sampler;loop 3\n";
	struct drawing *w = draw(text);
	const struct frame *v = w->v;
	int n = w->n;
	ck_assert_int_eq(n, 11); /* all, 3 stages, alpha: main work spin idle, beta: main read, sampler: loop */
	check_arithmetic(v, n, 55);
	const struct frame *work = frame_named(v, n, "work"), *spin = frame_named(v, n, "spin");
	ck_assert_ptr_nonnull(work);
	ck_assert_ptr_nonnull(spin);
	ck_assert_uint_eq(work->samples, 40);
	ck_assert_uint_eq(frames_above(v, n, work), 30); /* 10 samples end in work itself */
	ck_assert_str_eq(spin->title, "spin (30 samples, 54.55%)");
	ck_assert_msg(spin->y < work->y, "spin (called by work) is not above it: the root is at the bottom");
	/* stage colours: alpha's frames share a hue unlike beta's, nebtop's own threads are grey */
	const struct frame *alpha = frame_named(v, n, "alpha"), *beta = frame_named(v, n, "beta"),
			   *own = frame_named(v, n, "nebtop/sampler");
	ck_assert_msg(alpha->r != beta->r || alpha->g != beta->g || alpha->b != beta->b, "two stages, one colour");
	ck_assert_msg(own->r == own->g && own->g == own->b, "nebtop's own thread is not grey");
	ck_assert_msg(strstr(w->svg.p, ">alpha 81.8%<"), "the legend does not give alpha's share");
	ck_assert_msg(strstr(w->svg.p, "<script") && strstr(w->svg.p, "<![CDATA["), "no embedded script");
	ck_assert_msg(!strstr(w->svg.p, "href") && !strstr(w->svg.p, "http://www.w3.org/1999/xlink"),
		      "the SVG refers to something outside it");
	drawing_free(w);
}
END_TEST

START_TEST(test_escaping)
{
	/* C++ names, quotes, an invalid UTF-8 byte and a control character */
	const char *text = "main;std::vector<int>::push_back(int_const&) 4\n"
			   "main;operator\"\"_km(char_const*) 3\n"
			   "main;it's_<fine>&&_\"quoted\" 2\n"
			   "main;Gr\xc3\xb6\xc3\x9f""e 2\n"
			   "main;bad\xff\x01name 1\n";
	struct drawing *w = draw_checked(text, 12);
	const struct frame *v = w->v;
	int n = w->n;
	ck_assert_ptr_nonnull(frame_named(v, n, "std::vector<int>::push_back(int_const&)"));
	ck_assert_ptr_nonnull(frame_named(v, n, "operator\"\"_km(char_const*)"));
	ck_assert_ptr_nonnull(frame_named(v, n, "it's_<fine>&&_\"quoted\""));
	ck_assert_ptr_nonnull(frame_named(v, n, "Gr\xc3\xb6\xc3\x9f""e"));
	/* the invalid byte and the control character become U+FFFD */
	ck_assert_ptr_nonnull(frame_named(v, n, "bad\xef\xbf\xbd\xef\xbf\xbdname"));
	ck_assert_msg(strstr(w->svg.p, "test &lt;profile&gt; &amp; more"), "the subtitle is not escaped");
	drawing_free(w);
}
END_TEST

START_TEST(test_empty)
{
	struct drawing *w = draw("");
	ck_assert_int_eq(w->n, 0);
	ck_assert_str_eq(xml_text_of_class(&w->d, "empty"), "no CPU samples in this window");
	ck_assert_str_eq(w->d.v[0].name, "svg");
	drawing_free(w);
}
END_TEST

START_TEST(test_narrow_frames)
{
	/* a frame far under a pixel is left out, its samples stay in its
	 * parent's; a stage of one sample is drawn all the same */
	const char *text = "big;main;loop 999990\n"
			   "big;main;rare;deeper 9\n"
			   "tiny;main 1\n";
	struct drawing *w = draw_checked(text, 1000000);
	ck_assert_ptr_null(frame_named(w->v, w->n, "rare"));
	ck_assert_ptr_null(frame_named(w->v, w->n, "deeper"));
	ck_assert_ptr_nonnull(frame_named(w->v, w->n, "tiny"));
	ck_assert_uint_eq(frame_named(w->v, w->n, "main")->samples, 999999);
	drawing_free(w);
}
END_TEST

/* Renders a diff of base (two profiles, summed) against opt. */
static void render_diff(const char *base1, const char *base2, const char *opt, struct buf *svg, struct xdoc *d)
{
	struct folded b[2], o;
	struct errbuf e;
	ck_assert_int_eq(folded_parse(&b[0], base1, strlen(base1), &e), 0);
	ck_assert_int_eq(folded_parse(&b[1], base2, strlen(base2), &e), 0);
	ck_assert_int_eq(folded_parse(&o, opt, strlen(opt), &e), 0);
	struct flame_svg_text t = { "diff", NULL };
	ck_assert_int_eq(flame_svg_diff(b, 2, &o, 1, &t, svg), 0);
	folded_free(&b[0]);
	folded_free(&b[1]);
	folded_free(&o);
	buf_append_byte(svg, 0);
	ck_assert_msg(xml_parse(d, svg->p) == 0, "not well-formed XML: %s", d->err);
}

START_TEST(test_diff_colours)
{
	/* baseline: A spends 80% (two runs of 40 + 10), optimized: B does */
	struct buf svg = { NULL, 0, 0 };
	struct xdoc d;
	render_diff("A;main;spin 40\nB;main;work 10\nC;gone 25\n", "A;main;spin 40\nB;main;work 10\n",
		    "A;main;spin 40\nB;main;work 160\n", &svg, &d);
	struct frame v[32];
	int n = frames_of(&d, v, 32);
	check_arithmetic(v, n, 200);
	const struct frame *a = frame_named(v, n, "A"), *b = frame_named(v, n, "B"), *spin = frame_named(v, n, "spin"),
			   *work = frame_named(v, n, "work"), *root = frame_bottom(v, n);
	ck_assert_msg(a && b && spin && work, "a frame is missing");
	ck_assert_ptr_null(frame_named(v, n, "C")); /* only in the baseline: no width to draw */
	ck_assert_uint_eq(a->base, 80);
	ck_assert_uint_eq(root->base, 125);
	/* A: 64% -> 20%, blue; B: 16% -> 80%, red; the root did not change */
	ck_assert_msg(a->b > a->r + 100 && spin->b > spin->r + 100, "A's frames are not blue: rgb(%d,%d,%d)", a->r, a->g,
		      a->b);
	ck_assert_msg(b->r > b->b + 100 && work->r > work->b + 100, "B's frames are not red: rgb(%d,%d,%d)", b->r, b->g,
		      b->b);
	ck_assert_msg(root->r == root->g && root->g == root->b, "the root changed colour");
	ck_assert_str_eq(b->title, "B (optimized 80.00%, 160 samples; baseline 16.00%, 20 samples; change +64.00 points)");
	ck_assert_msg(strstr(svg.p, "(20.0% of its samples) are not drawn"), "the key does not give C's share");
	free(d.v);
	buf_free(&svg);
}
END_TEST

START_TEST(test_diff_empty_side)
{
	struct buf svg = { NULL, 0, 0 };
	struct xdoc d;
	render_diff("", "", "A;main 5\n", &svg, &d);
	struct frame v[4];
	ck_assert_int_eq(frames_of(&d, v, 4), 0);
	ck_assert_str_eq(xml_text_of_class(&d, "empty"), "no CPU samples in the baseline's profile");
	free(d.v);
	buf_free(&svg);
}
END_TEST

static Suite *flame_svg_suite(void)
{
	Suite *s = suite_create("flame_svg");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_profile_arithmetic);
	tcase_add_test(tc, test_escaping);
	tcase_add_test(tc, test_empty);
	tcase_add_test(tc, test_narrow_frames);
	tcase_add_test(tc, test_diff_colours);
	tcase_add_test(tc, test_diff_empty_side);
	suite_add_tcase(s, tc);
	return s;
}

int main(void) { return unit_run_suite(flame_svg_suite()); }
