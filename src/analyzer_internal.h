/* analyzer_internal.h: what the analyzer's rule files share (findings.c,
 * analyzer_workers.c, analyzer_rules.c); nothing outside src/analyzer*.c
 * and src/findings.c includes it. */
#ifndef NEB_ANALYZER_INTERNAL_H
#define NEB_ANALYZER_INTERNAL_H

#include <stddef.h>

#include "analyzer.h"

/* A new finding at the end of out (NULL without memory). */
struct finding *analyzer_add_finding(struct findings *out, enum finding_type t, enum severity s);
void finding_set(char *dst, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void finding_suggest(struct finding *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void finding_figure(struct finding *f, const char *name, double value, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* The severity band of value against medium/high/critical thresholds; -1 below medium. */
int analyzer_band(double value, double medium, double high, double critical);

/* Whether more workers would help a stage: yes, or why not. */
enum workers_help {
	WORKERS_HELP = 1,
	WORKERS_NO = 0,      /* the stage is not busy, or cannot be spread, or the cores are all used */
	WORKERS_LOCKED = -1, /* its workers wait on a contended lock of their own */
};

/* The share of its waiters' time a lock was waited for, 0..100. */
double analyzer_lock_share(const struct analyzer_input *in, const struct an_lock *l);
/* The stage a lock belongs to ("stage NAME: what" names it), into dst ("" when none). */
void analyzer_lock_stage(const char *lock, char *dst, size_t n);
/* The index of the stage named name, or (size_t)-1. */
size_t analyzer_stage_index(const struct analyzer_input *in, const char *name);
/* 1 when a source or destination runs at the pace its configuration sets. */
int analyzer_stage_paced(const struct an_stage *s);
/* Would more workers make stage `name` faster? See analyzer_workers.c. */
enum workers_help analyzer_workers_help(const struct analyzer_input *in, const struct alert_opts *o,
					const char *name, char *why, size_t n);

#endif
