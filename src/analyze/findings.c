/* findings.c: the analyzer's list of findings: names of severities and
 * types, adding a finding and filling its text, suggestions and figures,
 * sorting them most severe first, and the severity bands every rule uses. */
#include "autoconfig.h"

#include "analyzer_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/utf8.h"
#include "../base/secrets.h"

static const char *const analyzer_severity_names[] = { "low", "medium", "high", "critical" };
static const char *const analyzer_severity_uppers[] = { "LOW", "MEDIUM", "HIGH", "CRITICAL" };
static const char *const analyzer_type_names[] = {
	"memory_growth",	"errors",      "lock_contention", "allocator_pressure", "pipeline_bottleneck", "keeps_up", "cpu_bound",
	"cpu_hotspot", "channel_backpressure", "thread_leak", "cpu_underuse", "too_short", "latency_tail",
};

const char *analyzer_severity_name(enum severity s) { return analyzer_severity_names[s]; }
const char *analyzer_severity_upper(enum severity s) { return analyzer_severity_uppers[s]; }
const char *analyzer_type_name(enum finding_type t) { return analyzer_type_names[t]; }

void findings_free(struct findings *f)
{
	free(f->v);
	memset(f, 0, sizeof *f);
}

/* The place of a type among findings of one severity: the type order, but
 * among lows (nothing is an alarm) the verdict on the pipeline's pace (its
 * bottleneck, that it keeps up, or that it is too short to judge) leads. */
static int findings_rank(const struct finding *f)
{
	int pace = f->type == FIND_PIPELINE_BOTTLENECK || f->type == FIND_KEEPS_UP || f->type == FIND_CPU_BOUND ||
		   f->type == FIND_TOO_SHORT;
	return f->severity == SEV_LOW && pace ? -1 : (int)f->type;
}

static int findings_order(const void *pa, const void *pb)
{
	const struct finding *a = pa, *b = pb;
	if (a->severity != b->severity)
		return a->severity > b->severity ? -1 : 1;
	int ra = findings_rank(a), rb = findings_rank(b);
	if (ra != rb)
		return ra < rb ? -1 : 1;
	if (a->type != b->type)
		return a->type < b->type ? -1 : 1;
	if (a->impact_pct != b->impact_pct)
		return a->impact_pct > b->impact_pct ? -1 : 1;
	return strcmp(a->component, b->component);
}

/* The texts of a finding quote record errors and names, cut to fit their
 * buffers: make them fit to be written (secrets.h: no secret, valid UTF-8). */
static void findings_scrub(struct finding *f)
{
	secrets_scrub(f->component, sizeof f->component);
	secrets_scrub(f->stage, sizeof f->stage);
	secrets_scrub(f->description, sizeof f->description);
	for (size_t i = 0; i < f->nsuggestions; i++)
		secrets_scrub(f->suggestions[i], sizeof f->suggestions[i]);
	for (size_t i = 0; i < f->nfigures; i++)
		secrets_scrub(f->figures[i].text, sizeof f->figures[i].text);
}

void findings_sort(struct findings *f)
{
	for (size_t i = 0; i < f->n; i++)
		findings_scrub(&f->v[i]);
	if (f->n)
		qsort(f->v, f->n, sizeof *f->v, findings_order);
}

void findings_count(const struct findings *f, size_t n[4])
{
	memset(n, 0, 4 * sizeof *n);
	for (size_t i = 0; i < f->n; i++)
		n[f->v[i].severity]++;
}

/* A new finding at the end of out (NULL without memory). */
struct finding *analyzer_add_finding(struct findings *out, enum finding_type t, enum severity s)
{
	if (out->n == out->cap) {
		size_t cap = out->cap ? out->cap * 2 : 8;
		struct finding *v = realloc(out->v, cap * sizeof *v);
		if (!v)
			return NULL;
		out->v = v;
		out->cap = cap;
	}
	struct finding *f = &out->v[out->n++];
	memset(f, 0, sizeof *f);
	f->type = t;
	f->severity = s;
	return f;
}

struct finding *analyzer_add_stage_finding(struct findings *out, enum finding_type t, enum severity s,
					   const char *stage)
{
	struct finding *f = analyzer_add_finding(out, t, s);
	if (f) {
		snprintf(f->component, sizeof f->component, "%s", stage);
		snprintf(f->stage, sizeof f->stage, "%s", stage);
	}
	return f;
}

void finding_clip(char *dst, size_t n, const char *src, size_t max)
{
	size_t len = strlen(src);
	if (max + 1 > n)
		max = n ? n - 1 : 0;
	if (len <= max) {
		snprintf(dst, n, "%s", src);
		return;
	}
	/* room for "..." after a whole word */
	size_t cut = max > 3 ? max - 3 : 0;
	while (cut > 0 && src[cut] != ' ')
		cut--;
	while (cut > 0 && (src[cut - 1] == ' ' || src[cut - 1] == ',' || src[cut - 1] == ';' || src[cut - 1] == ':'))
		cut--;
	if (cut == 0)
		cut = utf8_cut(src, max > 3 ? max - 3 : 0); /* whole characters */
	snprintf(dst, n, "%.*s...", (int)cut, src);
}

void finding_set(char *dst, size_t n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(dst, n, fmt, ap);
	va_end(ap);
}

void finding_suggest(struct finding *f, const char *fmt, ...)
{
	if (f->nsuggestions == FINDING_MAX_SUGGESTIONS)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(f->suggestions[f->nsuggestions++], sizeof f->suggestions[0], fmt, ap);
	va_end(ap);
}

void finding_figure(struct finding *f, const char *name, double value, const char *fmt, ...)
{
	if (f->nfigures == FINDING_MAX_FIGURES)
		return;
	struct finding_figure *g = &f->figures[f->nfigures++];
	snprintf(g->name, sizeof g->name, "%s", name);
	g->value = value;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(g->text, sizeof g->text, fmt, ap);
	va_end(ap);
}

/* The severity band of value against medium/high/critical thresholds; -1 below medium. */
int analyzer_band(double value, double medium, double high, double critical)
{
	if (value >= critical)
		return SEV_CRITICAL;
	if (value >= high)
		return SEV_HIGH;
	if (value >= medium)
		return SEV_MEDIUM;
	return -1;
}

