/* build.c: turning a configuration into a ready pipeline: connectors and
 * stages looked up and configured, schemas computed, channels and the batch
 * pool sized, thread slots laid out. Everything that can be wrong with a
 * configuration is found here, before any thread starts. */
#include "autoconfig.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/base/paths.h"
#include "channel.h"
#include "pipeline_internal.h"
#include "pool.h"

const struct confkey dest_common_keys[] = {
	{ "rate_limit", CONF_UINT, "0", offsetof(struct dest_common_opts, rate_limit),
	  "most records written per second (0 = no limit)", NULL, 0, 0, 0 },
	{ NULL, 0, NULL, 0, NULL, NULL, 0, 0, 0 },
};

static void *build_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);
	if (!p) {
		fprintf(stderr, "nebtop: out of memory\n");
		abort();
	}
	return p;
}

static const char *const build_ignore_type[] = { "type", NULL };

/* After a key was refused for a type set on the command line, say so: the
 * file is right for the type it names. */
static int build_note_type_origin(const struct confsection *sec, struct errbuf *e)
{
	const struct confentry *t = confsection_find(sec, "type");
	if (t && t->line == 0 && strstr(e->msg, "unknown key") && e->msg[0] != '-') {
		size_t len = strlen(e->msg);
		snprintf(e->msg + len, sizeof e->msg - len, " for type '%s', set by %s", t->value, t->origin);
	}
	return -1;
}

/* The `type` of a section, or the default; names the known types when unknown. */
static const char *build_section_type(const struct confsection *sec, const char *def, const char *what,
				      const char *known, struct errbuf *e)
{
	const struct confentry *t = confsection_find(sec, "type");
	if (t)
		return t->value;
	if (def)
		return def;
	char where[512];
	confmap_format_where(where, sizeof where, sec, NULL);
	errbuf_set(e, "%s: missing key 'type' (%s types: %s)", where, what, known);
	return NULL;
}

static int build_unknown_type(const struct confsection *sec, const char *type, const char *what,
			      const char *known, struct errbuf *e)
{
	char where[512], list[256];
	const char *names[32];
	size_t n = 0;
	snprintf(list, sizeof list, "%s", known);
	for (char *save = NULL, *tok = strtok_r(list, ", ", &save); tok && n < 32; tok = strtok_r(NULL, ", ", &save))
		names[n++] = tok;
	const char *hint = confmap_suggest_key(type, names, n);
	const struct confentry *en = confsection_find(sec, "type");
	confmap_format_where(where, sizeof where, sec, en);
	if (hint)
		return errbuf_set(e, "%s: unknown %s type '%s' (did you mean '%s'? known: %s)", where, what, type, hint,
				  known);
	return errbuf_set(e, "%s: unknown %s type '%s' (known: %s)", where, what, type, known);
}

static void build_list_stages(char *dst, size_t n)
{
	size_t o = 0;
	const struct stage_ops *const *l = stage_list_types();
	for (size_t i = 0; l[i]; i++)
		o += (size_t)snprintf(dst + o, o < n ? n - o : 0, "%s%s", i ? ", " : "", l[i]->type);
}

/* The source's and the destination's connectors (p->src, p->dst), found
 * before either is opened: an unknown type is the error to report, not a
 * key the other connector misses. */
static int build_find_connectors(struct pipeline *p, struct errbuf *e)
{
	const struct pipeline_spec *c = &p->spec;
	char known[256];
	connector_format_sources(c->connectors, known, sizeof known);
	const char *type = build_section_type(c->source, "csv", "source", known, e);
	p->src = connector_find_source(c->connectors, type);
	if (!p->src)
		return build_unknown_type(c->source, type, "source", known, e);
	connector_format_dests(c->connectors, known, sizeof known);
	type = build_section_type(c->destination, "json", "destination", known, e);
	p->dst = connector_find_dest(c->connectors, type);
	if (!p->dst)
		return build_unknown_type(c->destination, type, "destination", known, e);
	return 0;
}

static int build_source(struct pipeline *p, struct errbuf *e)
{
	const struct pipeline_spec *c = &p->spec;
	p->src_opts = build_xcalloc(1, p->src->opts_size);
	struct confbinding b = { p->src->keys, p->src_opts };
	if (confmap_apply(&b, 1, c->source, build_ignore_type, e))
		return build_note_type_origin(c->source, e);
	struct pstage *st = &p->stages[0];
	p->env.section = c->source;
	p->env.metrics = &p->src_metrics;
	p->env.removed_ns = &p->whatif.ledger_ns;
	p->env.paced_ns = &p->paced_ns[0];
	if (p->src->open(p->src_opts, &p->env, &st->schema, e))
		return -1;
	snprintf(st->info.name, sizeof st->info.name, "source");
	st->info.type = p->src->type;
	st->info.kind = STAGE_SOURCE;
	return 0;
}

static int build_dest(struct pipeline *p, struct errbuf *e)
{
	const struct pipeline_spec *c = &p->spec;
	p->dst_opts = build_xcalloc(1, p->dst->opts_size);
	struct confbinding b[2] = { { p->dst->keys, p->dst_opts }, { dest_common_keys, &p->dst_common } };
	if (confmap_apply(b, 2, c->destination, build_ignore_type, e))
		return build_note_type_origin(c->destination, e);
	p->pace.rate = p->dst_common.rate_limit;
	p->pace.removed_ns = &p->whatif.ledger_ns;
	p->pace.paced_ns = &p->paced_ns[1];
	struct pstage *st = &p->stages[p->nstages - 1];
	const struct schema *in = &p->stages[p->nstages - 2].schema;
	p->env.section = c->destination;
	p->env.metrics = &p->dst_metrics;
	if (p->dst->open(p->dst_opts, &p->env, in, e))
		return -1;
	schema_copy(&st->schema, in);
	snprintf(st->info.name, sizeof st->info.name, "destination");
	st->info.type = p->dst->type;
	st->info.kind = STAGE_DESTINATION;
	return 0;
}

/* The pass-through: with no stage between them, a source that can leave
 * records plain and a destination that takes them so agree on it; the
 * reader then marks every batch BATCH_PLAIN. */
static void build_plain(struct pipeline *p)
{
	struct plain_format f = { 0, 0 };
	if (p->nstages == 2 && p->src->decode && p->src->plain_format && p->dst->encode && p->dst->take_plain &&
	    p->src->plain_format(p->src_opts, &f) && p->dst->take_plain(p->dst_opts, &f)) {
		p->plain = f;
		p->plain_on = 1;
	}
}

static int build_transform(struct pipeline *p, size_t i, struct errbuf *e)
{
	struct confsection *sec = &p->spec.stages[i - 1];
	struct pstage *st = &p->stages[i];
	char known[256];
	build_list_stages(known, sizeof known);
	const char *type = build_section_type(sec, NULL, "stage", known, e);
	if (!type)
		return -1;
	st->ops = stage_find_type(type);
	if (!st->ops)
		return build_unknown_type(sec, type, "stage", known, e);
	st->opts = build_xcalloc(1, st->ops->opts_size);
	struct confbinding b = { st->ops->keys, st->opts };
	if (confmap_apply(&b, 1, sec, build_ignore_type, e))
		return -1;
	snprintf(st->info.name, sizeof st->info.name, "%s", sec->name);
	st->info.type = st->ops->type;
	st->info.kind = STAGE_TRANSFORM;
	if (st->ops->init(st->opts, sec, &p->stages[i - 1].schema, &st->schema, e))
		return -1;
	return 0;
}

/* The file a section's connector reads or writes (key file_path), or NULL
 * for standard input or output and for connectors without a file. */
static const char *build_file_of(const struct confsection *sec)
{
	const struct confentry *en = confsection_find(sec, "file_path");
	return en && strcmp(en->value, "-") ? en->value : NULL;
}

/* A run never writes over its own input, nor two outputs into one file. */
static int build_check_files(struct pipeline *p, struct errbuf *e)
{
	const struct pipeline_spec *c = &p->spec;
	const char *in = build_file_of(c->source), *out = build_file_of(c->destination);
	const char *dl = c->pl->on_error == ON_ERROR_DEAD_LETTER ? c->pl->dead_letter_path : NULL;
	char where[512];
	if (in && out && paths_same_file(in, out)) {
		confmap_where_key(where, sizeof where, c->destination, "file_path");
		return errbuf_set(e, "%s: %s is also the input; writing it would destroy the input", where, out);
	}
	if (dl && out && paths_same_file(dl, out)) {
		confmap_where_key(where, sizeof where, c->pipeline, "dead_letter_path");
		return errbuf_set(e, "%s: %s is also the destination's file; bad records need a file of their own",
				  where, dl);
	}
	if (dl && in && paths_same_file(dl, in)) {
		confmap_where_key(where, sizeof where, c->pipeline, "dead_letter_path");
		return errbuf_set(e, "%s: %s is also the input; writing it would destroy the input", where, dl);
	}
	return 0;
}

static int build_dead_letter(struct pipeline *p, struct errbuf *e)
{
	if (p->spec.pl->on_error != ON_ERROR_DEAD_LETTER)
		return 0;
	const char *path = p->spec.pl->dead_letter_path;
	p->dead_letter = build_xcalloc(1, sizeof *p->dead_letter);
	if (deadletter_open(p->dead_letter, path, e)) {
		free(p->dead_letter);
		p->dead_letter = NULL;
		char where[512];
		confmap_format_where(where, sizeof where, p->spec.pipeline,
				     confsection_find(p->spec.pipeline, "dead_letter_path"));
		errbuf_prefix(e, "%s", where);
		return -1;
	}
	return 0;
}

/* The decoders or encoders to run: the workers key, or when it is not given
 * and the destination asks for fewer (cap), cap. */
static int build_feed_threads(const struct pipeline *p, uint32_t cap)
{
	int workers = (int)p->spec.pl->workers;
	int given = p->spec.pipeline && confsection_find(p->spec.pipeline, "workers");
	return !given && cap && (int)cap < workers ? (int)cap : workers;
}

/* Thread slots: reader (+ decoders), workers per transform, (encoders +) writer. */
static void build_threads(struct pipeline *p)
{
	int workers = (int)p->spec.pl->workers;
	size_t n = 0;
	int per_stage[p->nstages];
	for (size_t i = 0; i < p->nstages; i++) {
		int k;
		if (i == 0)
			k = 1 + (p->src->decode ? build_feed_threads(p, p->dst->feed_decoders) : 0);
		else if (i == p->nstages - 1)
			k = 1 + (p->dst->encode ? build_feed_threads(p, p->dst->feed_encoders) : 0);
		else
			k = workers;
		per_stage[i] = k;
		n += (size_t)k;
	}
	p->nthreads = n;
	p->threads = build_xcalloc(n, sizeof *p->threads);
	p->metrics = aligned_alloc(64, ((n * sizeof *p->metrics + 63) / 64) * 64);
	if (!p->metrics) {
		fprintf(stderr, "nebtop: out of memory\n");
		abort();
	}
	memset(p->metrics, 0, n * sizeof *p->metrics);
	size_t t = 0;
	for (size_t i = 0; i < p->nstages; i++) {
		struct pstage *st = &p->stages[i];
		st->info.threads = &p->metrics[t];
		st->info.nthreads = per_stage[i];
		for (int k = 0; k < per_stage[i]; k++, t++) {
			struct pthread_slot *s = &p->threads[t];
			struct tmetrics *m = &p->metrics[t];
			enum trole role = TROLE_WORKER;
			const char *what = "work";
			if (i == 0) {
				role = k == 0 ? TROLE_READER : TROLE_DECODER;
				what = k == 0 ? "read" : "parse";
			} else if (i == p->nstages - 1) {
				role = k == per_stage[i] - 1 ? TROLE_WRITER : TROLE_ENCODER;
				what = role == TROLE_WRITER ? "write" : "encode";
			}
			s->p = p;
			s->st = st;
			s->role = role;
			s->w.pipeline = p;
			s->w.metrics = m;
			s->w.stage = (uint32_t)i;
			s->w.schema = i == 0 ? &st->schema : &p->stages[i - 1].schema;
			m->stage = (int)i;
			m->role = role;
			s->wa.stage = (int)i;
			/* the reader and the writer work alone; parsers, workers
			 * and encoders share their stage's work */
			s->wa.sharers = role == TROLE_READER || role == TROLE_WRITER ? 1
				       : role == TROLE_WORKER			     ? per_stage[i]
										     : per_stage[i] - 1;
			atomic_store(&m->state, TSTATE_EXITED);
			if (role == TROLE_READER || role == TROLE_WRITER)
				snprintf(m->name, sizeof m->name, "%.20s/%s", st->info.name, what);
			else
				snprintf(m->name, sizeof m->name, "%.20s/%s%d", st->info.name, what,
					 role == TROLE_DECODER ? k : role == TROLE_ENCODER ? k + 1 : k + 1);
		}
	}
}

/* Enough batches for every channel to fill, every thread to hold one, the
 * internal queues and what the destination may hold; the pool bounds the
 * pipeline's memory. */
static void build_channels(struct pipeline *p)
{
	uint64_t batch = p->spec.pl->batch, buffer = p->spec.pl->buffer;
	size_t per_channel = (size_t)((buffer + batch - 1) / batch) + 1;
	size_t internal = 2 * (size_t)p->spec.pl->workers;
	p->nchannels = p->nstages - 1;
	p->pool_batches = p->nchannels * per_channel + p->nthreads + 2 * internal + 4 + p->dst->max_held;
	p->pool = pool_create(p->pool_batches);
	p->channels = build_xcalloc(p->nchannels, sizeof *p->channels);
	for (size_t i = 0; i < p->nchannels; i++) {
		char name[160];
		snprintf(name, sizeof name, "%s->%s", p->stages[i].info.name, p->stages[i + 1].info.name);
		p->channels[i] = channel_create(name, buffer, p->pool_batches, 0);
		p->stages[i].out = p->channels[i];
		p->stages[i + 1].in = p->channels[i];
	}
	/* the queues inside the source and the destination stay short, so that a
	 * slow reader or writer shows as a full channel outside its stage */
	if (p->src->decode)
		p->decode_ch = channel_create("source/parse", UINT64_MAX, internal, 1);
	if (p->dst->encode)
		p->encode_ch = channel_create("destination/write", UINT64_MAX, internal, 1);
	p->reorder = build_xcalloc(p->pool_batches, sizeof *p->reorder);
	if (p->dst->max_held)
		p->held = build_xcalloc(p->dst->max_held, sizeof *p->held);
}

struct pipeline *pipeline_build(const struct pipeline_spec *c, struct errbuf *e)
{
	struct pipeline *p = build_xcalloc(1, sizeof *p);
	p->spec = *c;
	p->env.batch = (uint32_t)c->pl->batch;
	p->env.on_error = c->pl->on_error;
	nlock_init(&p->mu, "pipeline");
	nlock_init(&p->write_gate, "destination write");
	whatif_init(&p->whatif);
	pthread_cond_init(&p->cond, NULL);
	p->nstages = c->nstages + 2;
	p->stages = build_xcalloc(p->nstages, sizeof *p->stages);
	if (build_find_connectors(p, e) || build_check_files(p, e) || build_source(p, e))
		goto fail;
	for (size_t i = 1; i + 1 < p->nstages; i++)
		if (build_transform(p, i, e))
			goto fail;
	if (build_dest(p, e))
		goto fail;
	build_plain(p);
	if (build_dead_letter(p, e))
		goto fail;
	build_threads(p);
	build_channels(p);
	atomic_store(&p->state, PSTATE_READY);
	return p;
fail:
	pipeline_free(p);
	return NULL;
}
