/* config.h: the whole configuration of a run: the INI file's sections, the
 * command line's overrides, and the resolved [pipeline], [profile] and [tui]
 * options. Sources, stages and destinations resolve their own sections when
 * the pipeline is built. */
#ifndef NEB_CONFIG_H
#define NEB_CONFIG_H

#include <stdint.h>

#include "../analyze/analyzer.h"
#include "../base/confmap.h"
#include "../base/errbuf.h"
#include "../base/outcome.h"
#include "../profile/profiler.h"
#include "../../pipeline/spec.h"

struct pipeline;

struct profile_opts {
	char *types, *output;
	uint64_t cpu_duration_ns, cpu_hz, sampling_interval_ns, trace_duration_ns, mem_rate, block_rate_ns;
	uint64_t mutex_fraction;
	uint64_t latency_sample; /* one batch in this many followed from read to write; 0: none */
	char *whatif;            /* "": none; a stage's name, or "auto" */
	unsigned type_mask; /* resolved from types */
};

struct tui_opts {
	uint64_t refresh_ns;
	int color;
};

/* [export] */
struct export_opts {
	char *listen; /* "[HOST:]PORT", or NULL: no listener */
	char *token;  /* as written (${VAR} not yet expanded), or NULL */
	char *otlp_endpoint; /* http://HOST:PORT of an OTLP/HTTP collector, or NULL */
	uint64_t otlp_interval_ns;
	uint64_t otlp_sample; /* a trace for one batch in this many (0: no traces) */
	char host[256];
	unsigned port; /* from listen, by config_check_export */
};

struct config {
	char *file; /* the INI file, or NULL */
	struct confsection pipeline, source, destination, profile, alerts, tui, export_;
	struct confsection *stages; /* [stage.NAME], in file order */
	size_t nstages;
	struct pipeline_opts pl;
	struct profile_opts prof;
	struct tui_opts ui;
	struct alert_opts al; /* [alerts] */
	struct export_opts ex; /* [export] */
	int duration_given; /* -duration or [pipeline] duration was set */
	int headless, no_color;
};

void config_init(struct config *c);
/* Builds the pipeline c describes (pipeline_build with c's sections, [pipeline]
 * options and every connector of this build); c must outlive it. */
struct pipeline *config_build_pipeline(struct config *c, struct errbuf *e);
/* What [profile] whatif names: a stage's index, or one of these (BAD with a
 * message naming the file, line and key, and the stages there are). */
#define CONFIG_WHATIF_NONE (-1)
#define CONFIG_WHATIF_AUTO (-2)
#define CONFIG_WHATIF_BAD (-3)
int config_whatif_stage(const struct config *c, const struct pipeline *p, struct errbuf *e);
/* The configuration a pipeline was built from by config_build_pipeline. */
const struct config *config_of_pipeline(const struct pipeline *p);
void config_free(struct config *c);
/* Reads an INI file into the sections; errors name the file and line. */
int config_load_file(struct config *c, const char *path, struct errbuf *e);
/* Reads INI text (for tests and the fuzzer); `name` stands for the file in messages. */
int config_load_string(struct config *c, const char *text, const char *name, struct errbuf *e);
/* Fills c with the built-in demo pipeline (generate -> stages -> null). */
void config_load_demo(struct config *c);
/* Applies [pipeline], [profile] and [tui] (with their defaults) to pl, prof, ui. */
int config_resolve(struct config *c, struct errbuf *e);
/* The section a stage name or "source"/"destination" refers to, or NULL. */
struct confsection *config_find_section(struct config *c, const char *name);
/* Adds a section (for the command line when the file has none). */
struct confsection *config_add_section(struct config *c, const char *name, const char *origin, int line);

/* Parses a profile type list ("cpu,memory", "all", "none"); -1 with a message. */
int config_parse_types(const char *list, unsigned *mask, const char *where, struct errbuf *e);
/* "cpu,memory" for a mask. */
void config_format_types(char *dst, size_t n, unsigned mask);

extern const struct confkey config_pipeline_keys[], config_profile_keys[], config_tui_keys[], config_export_keys[];

/* [export] (config_export.c): "[HOST:]PORT" split (host 127.0.0.1 when none
 * is given); 1 for a loopback host; and the section's check, which refuses
 * a listener other machines can reach without a token. */
int config_parse_listen(const char *text, char *host, size_t nhost, unsigned *port);
int config_listen_is_loopback(const char *host);
int config_check_export(struct config *c, struct errbuf *e);
/* The section ("pipeline", "profile", "tui", "alerts") whose key `key` is, or
 * NULL: for the message about a key written in the wrong section. */
const char *config_find_key_section(const char *key);

#endif
