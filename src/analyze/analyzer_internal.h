/* analyzer_internal.h: what the analyzer's rule files share (findings.c,
 * analyzer_workers.c, analyzer_pace.c, analyzer_rules.c); nothing outside
 * src/analyzer*.c, src/findings.c and the analyzer's unit test includes it. */
#ifndef NEB_ANALYZER_INTERNAL_H
#define NEB_ANALYZER_INTERNAL_H

#include <stddef.h>

#include "analyzer.h"

/* A new finding at the end of out (NULL without memory). */
struct finding *analyzer_add_finding(struct findings *out, enum finding_type t, enum severity s);
/* The same, about a stage: its component and stage are the stage's name. */
struct finding *analyzer_add_stage_finding(struct findings *out, enum finding_type t, enum severity s,
					   const char *stage);
void finding_set(char *dst, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* src into dst, cut after a whole word with "..." when longer than max. */
void finding_clip(char *dst, size_t n, const char *src, size_t max);
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

/* A stage whose workers are on a CPU less than this share of their busy
 * time waits off the CPU (sleeps, I/O, a server): more workers overlap more
 * waits whatever the cores. */
#define ANALYZER_OFFCPU_PCT 50.0
/* The machine's cores count as mostly busy from this share of them. */
#define ANALYZER_BUSY_MACHINE 0.75

/* The machine's busy cores over the window (the whole machine's when known). */
double analyzer_machine_busy(const struct analyzer_input *in);
int analyzer_machine_mostly_busy(const struct analyzer_input *in);
/* "nebtop uses 0.3 of 2 cores, the whole machine 1.1" into dst. */
void analyzer_format_cores(const struct analyzer_input *in, char *dst, size_t n);
/* A stage's rate (records out of a source, in of the others) and capacity:
 * that rate over its busy share, never past a configured pace (0 unknown). */
double analyzer_stage_rate(const struct an_stage *s);
double analyzer_stage_capacity(const struct an_stage *s);
/* The pace rule (analyzer_pace.c): the pipeline bottleneck, or the source's
 * pace (a keeps_up verdict, or the source as the limit); *which gets the
 * stage it names, or (size_t)-1. */
int analyzer_rule_pace(const struct analyzer_input *in, const struct alert_opts *o, struct findings *out,
		       size_t *which);

/* The latency rule (analyzer_latency.c): the part that dominates the tail. */
int analyzer_rule_latency(const struct analyzer_input *in, struct findings *out);

/* A function name as an anchored, escaped regular expression for pprof's
 * -list ("^spin_burn_cpu$"), into dst. */
void analyzer_pprof_regex(const char *fn, char *dst, size_t n);

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

/* The what-if rule (analyzer_whatif.c): measured gains replace the
 * arithmetic in the pace verdicts on the stages experimented on. */
int analyzer_rule_whatif(const struct analyzer_input *in, struct findings *out);

#endif
