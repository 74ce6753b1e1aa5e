/* test_pprof.c: the pprof writer: a small profile decoded field by field with
 * a protobuf reader written here; interning and refusals; CPU-like and
 * memory-like profiles read by the real `go tool pprof` (-raw, -top, -traces,
 * -tagfocus, -sample_index), which must print no warning; and the time to
 * encode 50,000 samples over 20,000 locations (printed, not asserted). */
#include "autoconfig.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "src/profile/pprof.h"
#include "tests/unit/unit_main.h"

/* An assertion for hot loops: Check's ck_assert records every passing
 * assertion (a write to the runner), too slow for millions of them. */
#define FAST_ASSERT(cond, ...)                      \
	do {                                        \
		if (!(cond))                        \
			ck_abort_msg(__VA_ARGS__);  \
	} while (0)

/* --- a protobuf reader ---------------------------------------------------- */

struct pbr {
	const unsigned char *p, *end;
};

static uint64_t pbr_varint(struct pbr *r)
{
	uint64_t v = 0;
	for (unsigned shift = 0;; shift += 7) {
		FAST_ASSERT(r->p < r->end, "varint runs past the end of its message");
		FAST_ASSERT(shift < 64, "varint longer than 10 bytes");
		unsigned char c = *r->p++;
		v |= (uint64_t)(c & 0x7f) << shift;
		if (!(c & 0x80))
			return v;
	}
}

/* The next field: 0 at the end of the message. A varint's value goes in *v,
 * a length-delimited field's bytes in *sub. */
static int pbr_field(struct pbr *r, unsigned *field, unsigned *wire, uint64_t *v, struct pbr *sub)
{
	if (r->p == r->end)
		return 0;
	uint64_t tag = pbr_varint(r);
	*field = (unsigned)(tag >> 3);
	*wire = (unsigned)(tag & 7);
	FAST_ASSERT(*field != 0, "field number 0");
	if (*wire == 0) {
		*v = pbr_varint(r);
	} else if (*wire == 2) {
		uint64_t n = pbr_varint(r);
		FAST_ASSERT(n <= (uint64_t)(r->end - r->p), "length %" PRIu64 " past the end", n);
		sub->p = r->p;
		sub->end = r->p + n;
		r->p += n;
	} else {
		ck_abort_msg("field %u has wire type %u; the encoder writes only 0 and 2", *field, *wire);
	}
	return 1;
}

/* A packed repeated varint field (the encoder packs them all). */
static size_t pbr_packed(unsigned wire, struct pbr *sub, uint64_t *out, size_t max)
{
	FAST_ASSERT(wire == 2, "repeated scalars are to be packed");
	size_t n = 0;
	while (sub->p < sub->end) {
		FAST_ASSERT(n < max, "more than %zu values", max);
		out[n++] = pbr_varint(sub);
	}
	return n;
}

static void pbr_expect_varint(unsigned field, unsigned wire)
{
	FAST_ASSERT(wire == 0, "field %u should be a varint, has wire type %u", field, wire);
}

/* --- the decoded profile ---------------------------------------------------- */

#define DEC_MAX 64

struct dec_vt {
	int64_t type, unit;
};

struct dec_label {
	int64_t key, str, num, num_unit;
};

struct dec_sample {
	uint64_t locs[DEC_MAX];
	size_t nlocs;
	int64_t values[8];
	size_t nvalues;
	struct dec_label labels[8];
	size_t nlabels;
};

struct dec_mapping {
	uint64_t id, start, limit, offset;
	int64_t file, build_id;
	uint64_t has_functions, has_filenames, has_line_numbers, has_inline_frames;
};

struct dec_location {
	uint64_t id, mapping, address;
	size_t nlines;
	uint64_t function;
	int64_t line;
};

struct dec_function {
	uint64_t id;
	int64_t name, system_name, file, start_line;
};

struct dec_profile {
	struct dec_vt types[8];
	size_t ntypes;
	struct dec_sample samples[DEC_MAX];
	size_t nsamples;
	struct dec_mapping mappings[DEC_MAX];
	size_t nmappings;
	struct dec_location locations[DEC_MAX];
	size_t nlocations;
	struct dec_function functions[DEC_MAX];
	size_t nfunctions;
	char *strs[4 * DEC_MAX];
	size_t nstrs;
	int64_t time_nanos, duration_nanos, period, default_sample_type;
	struct dec_vt period_type;
	int has_period_type;
	int64_t comments[8];
	size_t ncomments;
};

/* Decodes a message whose fields 1..n are all varints into *x[1..n] (x[0]
 * unused); fields from bools_from on (0: none) are bools, written 1 when
 * true and left out when false. */
static void dec_varints(struct pbr *m, uint64_t *const x[], unsigned n, unsigned bools_from, const char *what)
{
	unsigned f, w;
	uint64_t v;
	struct pbr sub;
	while (pbr_field(m, &f, &w, &v, &sub)) {
		pbr_expect_varint(f, w);
		ck_assert_msg(f >= 1 && f <= n, "unknown %s field %u", what, f);
		if (bools_from && f >= bools_from)
			ck_assert_msg(v == 1, "bool field %u is %" PRIu64 "; true is written 1, false left out", f, v);
		*x[f] = v;
	}
}

static void dec_value_type(struct pbr *m, struct dec_vt *t)
{
	uint64_t *const x[] = {NULL, (uint64_t *)&t->type, (uint64_t *)&t->unit};
	dec_varints(m, x, 2, 0, "ValueType");
}

static void dec_sample(struct pbr *m, struct dec_sample *s)
{
	unsigned f, w;
	uint64_t v, tmp[DEC_MAX];
	struct pbr sub;
	while (pbr_field(m, &f, &w, &v, &sub)) {
		if (f == 1) {
			s->nlocs = pbr_packed(w, &sub, s->locs, DEC_MAX);
		} else if (f == 2) {
			s->nvalues = pbr_packed(w, &sub, tmp, 8);
			for (size_t i = 0; i < s->nvalues; i++)
				s->values[i] = (int64_t)tmp[i];
		} else if (f == 3) {
			ck_assert_uint_lt(s->nlabels, 8);
			struct dec_label *l = &s->labels[s->nlabels++];
			ck_assert_uint_eq(w, 2);
			uint64_t *const x[] = {NULL, (uint64_t *)&l->key, (uint64_t *)&l->str, (uint64_t *)&l->num,
					       (uint64_t *)&l->num_unit};
			dec_varints(&sub, x, 4, 0, "Label");
		} else {
			ck_abort_msg("unknown Sample field %u", f);
		}
	}
}

static void dec_mapping(struct pbr *m, struct dec_mapping *d)
{
	uint64_t *const x[] = {NULL,
			       &d->id,
			       &d->start,
			       &d->limit,
			       &d->offset,
			       (uint64_t *)&d->file,
			       (uint64_t *)&d->build_id,
			       &d->has_functions,
			       &d->has_filenames,
			       &d->has_line_numbers,
			       &d->has_inline_frames};
	dec_varints(m, x, 10, 7, "Mapping");
}

static void dec_location(struct pbr *m, struct dec_location *d)
{
	unsigned f, w;
	uint64_t v;
	struct pbr sub;
	while (pbr_field(m, &f, &w, &v, &sub)) {
		if (f == 1 || f == 2 || f == 3) {
			pbr_expect_varint(f, w);
			*(f == 1 ? &d->id : f == 2 ? &d->mapping : &d->address) = v;
		} else if (f == 4) {
			ck_assert_uint_eq(w, 2);
			d->nlines++;
			uint64_t *const x[] = {NULL, &d->function, (uint64_t *)&d->line};
			dec_varints(&sub, x, 2, 0, "Line");
		} else {
			ck_abort_msg("unknown Location field %u", f);
		}
	}
}

static void dec_function(struct pbr *m, struct dec_function *d)
{
	uint64_t *const x[] = {NULL,
			       &d->id,
			       (uint64_t *)&d->name,
			       (uint64_t *)&d->system_name,
			       (uint64_t *)&d->file,
			       (uint64_t *)&d->start_line};
	dec_varints(m, x, 5, 0, "Function");
}

static struct dec_profile *dec_profile(const unsigned char *buf, size_t len)
{
	struct dec_profile *d = calloc(1, sizeof *d);
	ck_assert_ptr_nonnull(d);
	struct pbr r = {buf, buf + len}, sub;
	unsigned f, w;
	uint64_t v, tmp[8];
	while (pbr_field(&r, &f, &w, &v, &sub)) {
		switch (f) {
		case 1:
			ck_assert_uint_lt(d->ntypes, 8);
			dec_value_type(&sub, &d->types[d->ntypes++]);
			break;
		case 2:
			ck_assert_uint_lt(d->nsamples, DEC_MAX);
			dec_sample(&sub, &d->samples[d->nsamples++]);
			break;
		case 3:
			ck_assert_uint_lt(d->nmappings, DEC_MAX);
			dec_mapping(&sub, &d->mappings[d->nmappings++]);
			break;
		case 4:
			ck_assert_uint_lt(d->nlocations, DEC_MAX);
			dec_location(&sub, &d->locations[d->nlocations++]);
			break;
		case 5:
			ck_assert_uint_lt(d->nfunctions, DEC_MAX);
			dec_function(&sub, &d->functions[d->nfunctions++]);
			break;
		case 6:
			ck_assert_uint_eq(w, 2);
			ck_assert_uint_lt(d->nstrs, 4 * DEC_MAX);
			d->strs[d->nstrs++] = strndup((const char *)sub.p, (size_t)(sub.end - sub.p));
			break;
		case 9:
		case 10:
		case 12:
		case 14:
			pbr_expect_varint(f, w);
			*(f == 9 ? &d->time_nanos : f == 10 ? &d->duration_nanos : f == 12 ? &d->period
							    : &d->default_sample_type) = (int64_t)v;
			break;
		case 11:
			d->has_period_type = 1;
			dec_value_type(&sub, &d->period_type);
			break;
		case 13:
			d->ncomments = pbr_packed(w, &sub, tmp, 8);
			for (size_t i = 0; i < d->ncomments; i++)
				d->comments[i] = (int64_t)tmp[i];
			break;
		default:
			ck_abort_msg("unexpected Profile field %u", f);
		}
	}
	return d;
}

static void dec_free(struct dec_profile *d)
{
	for (size_t i = 0; i < d->nstrs; i++)
		free(d->strs[i]);
	free(d);
}

static const char *dec_s(const struct dec_profile *d, int64_t idx)
{
	ck_assert_msg(idx >= 0 && (size_t)idx < d->nstrs, "string index %" PRId64 " out of the table (%zu)", idx,
		      d->nstrs);
	return d->strs[idx];
}

static const struct dec_location *dec_loc(const struct dec_profile *d, uint64_t id)
{
	for (size_t i = 0; i < d->nlocations; i++)
		if (d->locations[i].id == id)
			return &d->locations[i];
	ck_abort_msg("no location %" PRIu64, id);
	return NULL;
}

static const struct dec_function *dec_fn(const struct dec_profile *d, uint64_t id)
{
	for (size_t i = 0; i < d->nfunctions; i++)
		if (d->functions[i].id == id)
			return &d->functions[i];
	ck_abort_msg("no function %" PRIu64, id);
	return NULL;
}

static struct dec_profile *encode_and_decode(struct pprof *p)
{
	unsigned char *buf;
	size_t len;
	ck_assert_int_eq(pprof_encode(p, &buf, &len), 0);
	struct dec_profile *d = dec_profile(buf, len);
	free(buf);
	return d;
}

/* --- decoded by hand ---------------------------------------------------------- */

START_TEST(small_profile_decodes)
{
	struct pprof *p = pprof_new();
	pprof_add_sample_type(p, "samples", "count");
	pprof_add_sample_type(p, "cpu", "nanoseconds");
	pprof_set_period(p, "cpu", "nanoseconds", 10000000);
	pprof_set_time(p, 1700000000123456789LL, 2500000000LL);
	pprof_add_comment(p, "first comment");
	pprof_add_comment(p, "second comment");
	pprof_set_default_sample_type(p, "cpu");
	uint64_t m1 = pprof_add_mapping(p, 0x400000, 0x4a0000, 0x1000, "/usr/bin/nebtop", "0123abcd", 1, 1, 1);
	uint64_t m2 = pprof_add_mapping(p, 0x7f0000000000, 0x7f0000200000, 0, "/lib/libc.so.6", NULL, 0, 0, 0);
	ck_assert_uint_eq(m1, 1);
	ck_assert_uint_eq(m2, 2);

	uint64_t la = pprof_add_location(p, 0x401000, m1, "csv_parse", "connectors/csv.c", 10);
	uint64_t lb = pprof_add_location(p, 0x402000, m1, "run_stage", "pipeline/stage.c", 20);
	uint64_t la2 = pprof_add_location(p, 0x401000, m1, "csv_parse", "connectors/csv.c", 10);
	uint64_t lc = pprof_add_location(p, 0x401000, m1, "csv_parse", "connectors/csv.c", 11); /* other line */
	uint64_t ld = pprof_add_location(p, 0x401000, m1, "csv_parse", "other/csv.c", 10);	/* other file */
	uint64_t le = pprof_add_location(p, 0x7f0000001234, m2, NULL, "ignored.c", 99);	/* unsymbolized */
	uint64_t lf = pprof_add_location(p, 0, 0, "main", NULL, 0);				/* no mapping, file, line */
	uint64_t lg = pprof_add_location(p, 0x402000, m1, "run_stage", "pipeline/stage.c", 20);
	ck_assert_uint_eq(pprof_add_location(p, 0x1, 3, "x", "x.c", 1), 0); /* no mapping 3 */
	ck_assert_uint_eq(la, 1);
	ck_assert_uint_eq(lb, 2);
	ck_assert_uint_eq(la2, la);
	ck_assert_uint_eq(lc, 3);
	ck_assert_uint_eq(ld, 4);
	ck_assert_uint_eq(le, 5);
	ck_assert_uint_eq(lf, 6);
	ck_assert_uint_eq(lg, lb);

	uint64_t s1[] = {la, lb, lf}, s2[] = {le, lc, ld, lf};
	int64_t v1[] = {3, 30000000}, v2[] = {1, -7}, v3[] = {2, 1LL << 40};
	struct pprof_label l1[] = {{"thread", "worker-1", 0, NULL},
				   {"stage", "read", 0, NULL},
				   {"bytes", NULL, 4096, "bytes"},
				   {"delta", NULL, -5, NULL}};
	struct pprof_label l2[] = {{"thread", "main", 12345, "ignored"}};
	pprof_add_sample(p, s1, 3, v1, 2, l1, 4);
	pprof_add_sample(p, s2, 4, v2, 2, l2, 1);
	pprof_add_sample(p, NULL, 0, v3, 2, NULL, 0);

	struct dec_profile *d = encode_and_decode(p);

	/* the string table: "" first, no string twice */
	ck_assert_uint_ge(d->nstrs, 1);
	ck_assert_str_eq(d->strs[0], "");
	for (size_t i = 0; i < d->nstrs; i++)
		for (size_t j = i + 1; j < d->nstrs; j++)
			ck_assert_msg(strcmp(d->strs[i], d->strs[j]), "\"%s\" twice in the string table", d->strs[i]);

	ck_assert_uint_eq(d->ntypes, 2);
	ck_assert_str_eq(dec_s(d, d->types[0].type), "samples");
	ck_assert_str_eq(dec_s(d, d->types[0].unit), "count");
	ck_assert_str_eq(dec_s(d, d->types[1].type), "cpu");
	ck_assert_str_eq(dec_s(d, d->types[1].unit), "nanoseconds");
	ck_assert(d->has_period_type);
	ck_assert_str_eq(dec_s(d, d->period_type.type), "cpu");
	ck_assert_str_eq(dec_s(d, d->period_type.unit), "nanoseconds");
	ck_assert_int_eq(d->period, 10000000);
	ck_assert_int_eq(d->time_nanos, 1700000000123456789LL);
	ck_assert_int_eq(d->duration_nanos, 2500000000LL);
	ck_assert_uint_eq(d->ncomments, 2);
	ck_assert_str_eq(dec_s(d, d->comments[0]), "first comment");
	ck_assert_str_eq(dec_s(d, d->comments[1]), "second comment");
	ck_assert_str_eq(dec_s(d, d->default_sample_type), "cpu");

	/* mappings */
	ck_assert_uint_eq(d->nmappings, 2);
	const struct dec_mapping *dm = &d->mappings[0];
	ck_assert_uint_eq(dm->id, 1);
	ck_assert_uint_eq(dm->start, 0x400000);
	ck_assert_uint_eq(dm->limit, 0x4a0000);
	ck_assert_uint_eq(dm->offset, 0x1000);
	ck_assert_str_eq(dec_s(d, dm->file), "/usr/bin/nebtop");
	ck_assert_str_eq(dec_s(d, dm->build_id), "0123abcd");
	ck_assert(dm->has_functions && dm->has_filenames && dm->has_line_numbers && !dm->has_inline_frames);
	dm = &d->mappings[1];
	ck_assert_uint_eq(dm->id, 2);
	ck_assert_uint_eq(dm->start, 0x7f0000000000);
	ck_assert_uint_eq(dm->limit, 0x7f0000200000);
	ck_assert_uint_eq(dm->offset, 0);
	ck_assert_str_eq(dec_s(d, dm->file), "/lib/libc.so.6");
	ck_assert_str_eq(dec_s(d, dm->build_id), "");
	ck_assert(!dm->has_functions && !dm->has_filenames && !dm->has_line_numbers && !dm->has_inline_frames);

	/* locations and functions: ids 1..n, csv_parse twice (two files) */
	ck_assert_uint_eq(d->nlocations, 6);
	for (size_t i = 0; i < d->nlocations; i++)
		ck_assert_uint_eq(d->locations[i].id, i + 1);
	ck_assert_uint_eq(d->nfunctions, 4);
	for (size_t i = 0; i < d->nfunctions; i++) {
		ck_assert_uint_eq(d->functions[i].id, i + 1);
		ck_assert_int_eq(d->functions[i].system_name, d->functions[i].name);
		ck_assert_int_eq(d->functions[i].start_line, 0);
	}
	struct {
		uint64_t id, mapping, address;
		const char *function, *file;
		int64_t line;
	} want[] = {
		{la, m1, 0x401000, "csv_parse", "connectors/csv.c", 10},
		{lb, m1, 0x402000, "run_stage", "pipeline/stage.c", 20},
		{lc, m1, 0x401000, "csv_parse", "connectors/csv.c", 11},
		{ld, m1, 0x401000, "csv_parse", "other/csv.c", 10},
		{le, m2, 0x7f0000001234, NULL, NULL, 0},
		{lf, 0, 0, "main", "", 0},
	};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		const struct dec_location *l = dec_loc(d, want[i].id);
		ck_assert_uint_eq(l->mapping, want[i].mapping);
		ck_assert_uint_eq(l->address, want[i].address);
		if (!want[i].function) {
			ck_assert_uint_eq(l->nlines, 0);
			continue;
		}
		ck_assert_uint_eq(l->nlines, 1);
		ck_assert_int_eq(l->line, want[i].line);
		const struct dec_function *fn = dec_fn(d, l->function);
		ck_assert_str_eq(dec_s(d, fn->name), want[i].function);
		ck_assert_str_eq(dec_s(d, fn->file), want[i].file);
	}
	ck_assert_uint_eq(dec_loc(d, la)->function, dec_loc(d, lc)->function); /* same name and file */
	ck_assert_uint_ne(dec_loc(d, la)->function, dec_loc(d, ld)->function); /* other file */

	/* samples */
	ck_assert_uint_eq(d->nsamples, 3);
	const struct dec_sample *s = &d->samples[0];
	ck_assert_uint_eq(s->nlocs, 3);
	ck_assert_uint_eq(s->locs[0], la);
	ck_assert_uint_eq(s->locs[1], lb);
	ck_assert_uint_eq(s->locs[2], lf);
	ck_assert_uint_eq(s->nvalues, 2);
	ck_assert_int_eq(s->values[0], 3);
	ck_assert_int_eq(s->values[1], 30000000);
	ck_assert_uint_eq(s->nlabels, 4);
	ck_assert_str_eq(dec_s(d, s->labels[0].key), "thread");
	ck_assert_str_eq(dec_s(d, s->labels[0].str), "worker-1");
	ck_assert_int_eq(s->labels[0].num, 0);
	ck_assert_int_eq(s->labels[0].num_unit, 0);
	ck_assert_str_eq(dec_s(d, s->labels[1].key), "stage");
	ck_assert_str_eq(dec_s(d, s->labels[1].str), "read");
	ck_assert_str_eq(dec_s(d, s->labels[2].key), "bytes");
	ck_assert_int_eq(s->labels[2].str, 0);
	ck_assert_int_eq(s->labels[2].num, 4096);
	ck_assert_str_eq(dec_s(d, s->labels[2].num_unit), "bytes");
	ck_assert_str_eq(dec_s(d, s->labels[3].key), "delta");
	ck_assert_int_eq(s->labels[3].str, 0);
	ck_assert_int_eq(s->labels[3].num, -5);
	ck_assert_int_eq(s->labels[3].num_unit, 0);
	s = &d->samples[1];
	ck_assert_uint_eq(s->nlocs, 4);
	ck_assert_uint_eq(s->locs[0], le);
	ck_assert_uint_eq(s->locs[3], lf);
	ck_assert_int_eq(s->values[1], -7);
	ck_assert_uint_eq(s->nlabels, 1);
	ck_assert_str_eq(dec_s(d, s->labels[0].str), "main");
	ck_assert_int_eq(s->labels[0].num, 0);	    /* a string label: num and unit ignored */
	ck_assert_int_eq(s->labels[0].num_unit, 0);
	s = &d->samples[2];
	ck_assert_uint_eq(s->nlocs, 0);
	ck_assert_int_eq(s->values[0], 2);
	ck_assert_int_eq(s->values[1], 1LL << 40);
	ck_assert_uint_eq(s->nlabels, 0);
	dec_free(d);

	/* gzip: a gzip header, and inflated it is the protobuf */
	unsigned char *raw, *gz;
	size_t raw_len, gz_len;
	ck_assert_int_eq(pprof_encode(p, &raw, &raw_len), 0);
	ck_assert_int_eq(pprof_encode_gzip(p, &gz, &gz_len), 0);
	ck_assert_uint_ge(gz_len, 18);
	ck_assert_uint_eq(gz[0], 0x1f);
	ck_assert_uint_eq(gz[1], 0x8b);
	unsigned char *back = malloc(raw_len + 1);
	z_stream zs;
	memset(&zs, 0, sizeof zs);
	ck_assert_int_eq(inflateInit2(&zs, 15 + 16), Z_OK);
	zs.next_in = gz;
	zs.avail_in = (uInt)gz_len;
	zs.next_out = back;
	zs.avail_out = (uInt)raw_len + 1;
	ck_assert_int_eq(inflate(&zs, Z_FINISH), Z_STREAM_END);
	ck_assert_uint_eq(zs.total_out, raw_len);
	ck_assert_uint_eq(zs.avail_in, 0);
	inflateEnd(&zs);
	ck_assert(!memcmp(back, raw, raw_len));
	free(back);
	free(raw);
	free(gz);
	pprof_free(p);
}
END_TEST

START_TEST(empty_profile_has_the_empty_string)
{
	struct pprof *p = pprof_new();
	struct dec_profile *d = encode_and_decode(p);
	ck_assert_uint_eq(d->nstrs, 1);
	ck_assert_str_eq(d->strs[0], "");
	ck_assert_uint_eq(d->nsamples + d->ntypes + d->nlocations + d->nfunctions + d->nmappings, 0);
	ck_assert(!d->has_period_type);
	dec_free(d);
	unsigned char *gz;
	size_t len;
	ck_assert_int_eq(pprof_encode_gzip(p, &gz, &len), 0);
	free(gz);
	pprof_free(p);
	pprof_free(NULL);
}
END_TEST

START_TEST(invalid_profiles_are_refused)
{
	unsigned char *out = NULL;
	size_t len;
	int64_t v1[] = {1}, v2[] = {1, 2};

	/* a location id that is none */
	struct pprof *p = pprof_new();
	pprof_add_sample_type(p, "samples", "count");
	uint64_t l = pprof_add_location(p, 0x10, 0, "f", "f.c", 1);
	uint64_t bad[] = {l, l + 1}, zero[] = {0};
	pprof_add_sample(p, bad, 2, v1, 1, NULL, 0);
	errno = 0;
	ck_assert_int_eq(pprof_encode(p, &out, &len), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(pprof_encode_gzip(p, &out, &len), -1);
	ck_assert_ptr_null(out);
	pprof_free(p);
	p = pprof_new();
	pprof_add_sample_type(p, "samples", "count");
	pprof_add_sample(p, zero, 1, v1, 1, NULL, 0);
	ck_assert_int_eq(pprof_encode(p, &out, &len), -1);
	pprof_free(p);

	/* values that do not match the sample types */
	p = pprof_new();
	pprof_add_sample_type(p, "samples", "count");
	pprof_add_sample(p, NULL, 0, v1, 1, NULL, 0);
	pprof_add_sample(p, NULL, 0, v2, 2, NULL, 0);
	ck_assert_int_eq(pprof_encode(p, &out, &len), -1);
	ck_assert_int_eq(errno, EINVAL);
	pprof_add_sample_type(p, "cpu", "nanoseconds"); /* now the first sample is short */
	ck_assert_int_eq(pprof_encode(p, &out, &len), -1);
	pprof_free(p);

	/* samples but no sample types */
	p = pprof_new();
	pprof_add_sample(p, NULL, 0, NULL, 0, NULL, 0);
	ck_assert_int_eq(pprof_encode(p, &out, &len), -1);
	pprof_free(p);

	/* sample types added after the samples are fine once they match */
	p = pprof_new();
	pprof_add_sample(p, NULL, 0, v2, 2, NULL, 0);
	pprof_add_sample_type(p, "a", "count");
	pprof_add_sample_type(p, "b", "count");
	ck_assert_int_eq(pprof_encode(p, &out, &len), 0);
	free(out);
	pprof_free(p);
}
END_TEST

/* Walks a big encoded profile: counts the top-level fields, checks location
 * and function ids run 1..n. */
static void walk_counts(const unsigned char *buf, size_t len, size_t counts[16])
{
	struct pbr r = {buf, buf + len}, sub;
	unsigned f, w;
	uint64_t v;
	memset(counts, 0, 16 * sizeof counts[0]);
	while (pbr_field(&r, &f, &w, &v, &sub)) {
		FAST_ASSERT(f < 16, "field %u", f);
		counts[f]++;
		if (f == 4 || f == 5) {
			unsigned sf, sw;
			uint64_t sv;
			struct pbr ssub;
			FAST_ASSERT(pbr_field(&sub, &sf, &sw, &sv, &ssub) && sf == 1 && sv == counts[f],
				    "message %zu of field %u does not start with id %zu", counts[f], f, counts[f]);
		}
	}
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

START_TEST(interning_scales)
{
	enum { N = 100000 };
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	struct pprof *p = pprof_new();
	uint64_t m = pprof_add_mapping(p, 0x400000, 0x800000, 0, "/bin/x", "id", 1, 1, 1);
	char name[32], file[32];
	for (int round = 0; round < 2; round++)
		for (unsigned i = 0; i < N; i++) {
			snprintf(name, sizeof name, "function_%u", i);
			snprintf(file, sizeof file, "file_%u.c", i / 10);
			uint64_t id = pprof_add_location(p, 0x400000 + i, m, name, file, (int64_t)(i % 7) + 1);
			/* new the first time, the same the second */
			FAST_ASSERT(id == i + 1, "location %u has id %" PRIu64, i, id);
		}
	double build = seconds_since(&t0);
	unsigned char *buf;
	size_t len;
	ck_assert_int_eq(pprof_encode(p, &buf, &len), 0);
	size_t counts[16];
	walk_counts(buf, len, counts);
	ck_assert_uint_eq(counts[4], N);
	ck_assert_uint_eq(counts[5], N);
	ck_assert_uint_eq(counts[6], 1 + 2 + N + N / 10); /* "", "/bin/x", "id", names, files */
	free(buf);
	pprof_free(p);
	printf("pprof: %d distinct locations, functions and strings, each added twice: %.3f s\n", N, build);
	fflush(stdout);
}
END_TEST

/* --- a pipeline's profiles ------------------------------------------------------ */

static unsigned pp_rand(unsigned *x)
{
	*x = *x * 1103515245u + 12345u;
	return *x >> 16;
}

START_TEST(encoding_time)
{
	enum { NLOC = 20000, NSAMPLES = 50000, DEPTH = 12 };
	static const char *const threads[] = {"main", "worker-1", "worker-2", "worker-3", "worker-4"};
	static const char *const stages[] = {"read", "filter", "cast", "rename", "write"};
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	struct pprof *p = pprof_new();
	pprof_add_sample_type(p, "samples", "count");
	pprof_add_sample_type(p, "cpu", "nanoseconds");
	pprof_set_period(p, "cpu", "nanoseconds", 10000000);
	uint64_t m = pprof_add_mapping(p, 0x400000, 0x1400000, 0, "/usr/bin/nebtop", "f00dfeed", 1, 1, 1);
	uint64_t *locs = malloc(NLOC * sizeof *locs);
	char name[32], file[32];
	for (unsigned i = 0; i < NLOC; i++) { /* 2,000 functions in 200 files, 10 lines each */
		snprintf(name, sizeof name, "fn_%u", i / 10);
		snprintf(file, sizeof file, "src/file_%u.c", i / 100);
		locs[i] = pprof_add_location(p, 0x400000 + 16 * i, m, name, file, (int64_t)(i % 10) * 3 + 1);
	}
	double t_locations = seconds_since(&t0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	unsigned x = 1;
	for (unsigned i = 0; i < NSAMPLES; i++) {
		uint64_t stack[DEPTH];
		for (unsigned k = 0; k < DEPTH; k++)
			stack[k] = locs[pp_rand(&x) % NLOC];
		int64_t n = 1 + pp_rand(&x) % 5;
		int64_t v[] = {n, n * 10000000};
		struct pprof_label l[] = {{"thread", threads[i % 5], 0, NULL}, {"stage", stages[i / 5 % 5], 0, NULL}};
		pprof_add_sample(p, stack, DEPTH, v, 2, l, 2);
	}
	double t_samples = seconds_since(&t0);
	unsigned char *raw, *gz;
	size_t raw_len, gz_len;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_int_eq(pprof_encode(p, &raw, &raw_len), 0);
	double t_encode = seconds_since(&t0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_int_eq(pprof_encode_gzip(p, &gz, &gz_len), 0);
	double t_gzip = seconds_since(&t0);
	size_t counts[16];
	walk_counts(raw, raw_len, counts);
	ck_assert_uint_eq(counts[2], NSAMPLES);
	ck_assert_uint_eq(counts[4], NLOC);
	ck_assert_uint_eq(counts[5], NLOC / 10);
	printf("pprof: %d locations %.3f s; %d samples (depth %d, 2 labels) %.3f s; "
	       "pprof_encode %.3f s (%zu bytes); pprof_encode_gzip %.3f s (%zu bytes)\n",
	       NLOC, t_locations, NSAMPLES, DEPTH, t_samples, t_encode, raw_len, t_gzip, gz_len);
	fflush(stdout);
	free(raw);
	free(gz);
	free(locs);
	pprof_free(p);
}
END_TEST

/* --- go tool pprof ---------------------------------------------------------------- */

/* the temporary folder of the go tool pprof tests (made before, removed after) */
static char go_dir[256];

static int go_rm(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

static void go_dir_make(void)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(go_dir, sizeof go_dir, "%s/nebtop-test-pprof-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(go_dir)) {
		perror(go_dir);
		abort();
	}
}

static void go_dir_remove(void)
{
	nftw(go_dir, go_rm, 16, FTW_DEPTH | FTW_PHYS);
}

/* Fails the test unless `go` is on PATH. */
static void go_require(void)
{
	const char *path = getenv("PATH");
	char buf[4096];
	while (path && *path) {
		size_t n = strcspn(path, ":");
		snprintf(buf, sizeof buf, "%.*s/go", (int)n, n ? path : ".");
		if (access(buf, X_OK) == 0)
			return;
		path += n + (path[n] == ':');
	}
	ck_abort_msg("`go` is not on PATH: this test checks the profiles with `go tool pprof`, "
		     "which needs Debian's golang-go package (apt-get install golang-go)");
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	size_t cap = 4096, len = 0;
	char *s = malloc(cap);
	size_t n;
	while ((n = fread(s + len, 1, cap - len - 1, f)) > 0) {
		len += n;
		if (cap - len < 2)
			s = realloc(s, cap *= 2);
	}
	fclose(f);
	s[len] = 0;
	return s;
}

static void write_profile(struct pprof *p, const char *path)
{
	unsigned char *gz;
	size_t len;
	ck_assert_int_eq(pprof_encode_gzip(p, &gz, &len), 0);
	FILE *f = fopen(path, "wb");
	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	ck_assert_uint_eq(fwrite(gz, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
	free(gz);
}

/* Runs `go tool pprof OPTIONS... FILE` with HOME, GOCACHE, GOPATH and
 * PPROF_TMPDIR in the test's folder; returns its stdout; fails on an exit
 * status but 0 or on anything written to stderr. */
static char *go_pprof(const char *file, const char *const *options)
{
	const char *argv[16] = {"go", "tool", "pprof"};
	size_t argc = 3;
	for (; *options; options++) {
		ck_assert_uint_lt(argc, 14);
		argv[argc++] = *options;
	}
	argv[argc++] = file;
	argv[argc] = NULL;
	char out_path[300], err_path[300], cmd[512] = "";
	snprintf(out_path, sizeof out_path, "%s/stdout", go_dir);
	snprintf(err_path, sizeof err_path, "%s/stderr", go_dir);
	for (size_t i = 0; i < argc; i++)
		snprintf(cmd + strlen(cmd), sizeof cmd - strlen(cmd), "%s%s", i ? " " : "", argv[i]);

	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		static const char *const sub[][2] = {
			{"HOME", "home"},	  {"GOCACHE", "gocache"},   {"GOPATH", "gopath"},
			{"PPROF_TMPDIR", "pprof"}, {"PPROF_BINARY_PATH", "bin"},
		};
		char v[300];
		for (size_t i = 0; i < sizeof sub / sizeof sub[0]; i++) {
			snprintf(v, sizeof v, "%s/%s", go_dir, sub[i][1]);
			mkdir(v, 0700);
			setenv(sub[i][0], v, 1);
		}
		setenv("GOFLAGS", "", 1);
		setenv("GOTOOLCHAIN", "local", 1); /* go >= 1.21 would fetch another toolchain */
		setenv("GOTELEMETRY", "off", 1);
		int in = open("/dev/null", O_RDONLY);
		int out = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int err = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (in < 0 || out < 0 || err < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
			_exit(126);
		execvp("go", (char *const *)argv);
		_exit(127);
	}
	int status;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	char *out = slurp(out_path), *err = slurp(err_path);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "`%s` failed (status %d):\n%s\n%s", cmd, status,
		      err, out);
	ck_assert_msg(!*err, "`%s` wrote to stderr:\n%s", cmd, err);
	free(err);
	return out;
}

static void expect_in(const char *out, const char *want)
{
	ck_assert_msg(strstr(out, want) != NULL, "go tool pprof did not print <%s>:\n%s", want, out);
}

/* -top's line of function `name` shows `flat` first (units as pprof picks
 * them). */
static void expect_top_line(const char *out, const char *name, const char *flat)
{
	for (const char *l = out; *l; l += strcspn(l, "\n") + (l[strcspn(l, "\n")] == '\n')) {
		size_t len = strcspn(l, "\n"), nl = strlen(name);
		if (len < nl + 2 || memcmp(l + len - nl - 2, "  ", 2) || memcmp(l + len - nl, name, nl))
			continue;
		char first[32];
		ck_assert_int_eq(sscanf(l, "%31s", first), 1);
		ck_assert_msg(!strcmp(first, flat), "-top shows %s for %s, not %s:\n%s", first, name, flat, out);
		return;
	}
	ck_abort_msg("-top has no line for %s:\n%s", name, out);
}

/* A sample as the tests expect pprof to show it. */
struct want_sample {
	const char *stack[6]; /* function names, leaf first, NULL-terminated */
	const char *thread, *stage;
	int64_t values[4];
};

/* Expected or printed samples, merged by stack and labels as pprof merges
 * them: "leaf;caller;...|label=value,..." with the values summed. */
struct agg {
	struct {
		char key[256];
		int64_t values[4];
	} e[64];
	size_t n, nvalues;
};

static void agg_add(struct agg *a, const char *key, const int64_t *values)
{
	size_t i = 0;
	while (i < a->n && strcmp(a->e[i].key, key))
		i++;
	if (i == a->n) {
		ck_assert_uint_lt(a->n, 64);
		snprintf(a->e[a->n].key, sizeof a->e[0].key, "%s", key);
		memset(a->e[a->n].values, 0, sizeof a->e[0].values);
		a->n++;
	}
	for (size_t k = 0; k < a->nvalues; k++)
		a->e[i].values[k] += values[k];
}

static void want_key(const struct want_sample *w, char *key, size_t size)
{
	size_t n = 0;
	key[0] = 0;
	for (size_t i = 0; w->stack[i]; i++)
		n += (size_t)snprintf(key + n, size - n, "%s%s", i ? ";" : "", w->stack[i]);
	/* labels sorted by key, as pprof prints them */
	n += (size_t)snprintf(key + n, size - n, "|stage=%s,thread=%s", w->stage, w->thread);
}

static void agg_expect_same(const struct agg *want, const struct agg *got, const char *what)
{
	for (size_t i = 0; i < want->n; i++) {
		size_t j = 0;
		while (j < got->n && strcmp(got->e[j].key, want->e[i].key))
			j++;
		ck_assert_msg(j < got->n, "%s: no sample %s", what, want->e[i].key);
		for (size_t k = 0; k < want->nvalues; k++)
			ck_assert_msg(got->e[j].values[k] == want->e[i].values[k],
				      "%s: sample %s value %zu is %" PRId64 ", not %" PRId64, what, want->e[i].key, k,
				      got->e[j].values[k], want->e[i].values[k]);
	}
	ck_assert_msg(got->n == want->n, "%s: %zu samples, not %zu", what, got->n, want->n);
}

/* Splits text into lines in place; returns how many. */
static size_t split_lines(char *text, char **lines, size_t max)
{
	size_t n = 0;
	for (char *s = text; *s;) {
		ck_assert_uint_lt(n, max);
		lines[n++] = s;
		char *e = strchr(s, '\n');
		if (!e)
			break;
		*e = 0;
		s = e + 1;
	}
	return n;
}

/* -raw: a header of the sample types, each sample as "v1 v2 ...: loc loc"
 * then its labels "key:[value] ..." on the lines below, then "Locations"
 * with "id: address M=mapping function file:line s=0". */
static void parse_raw(char *text, const char *header, struct agg *got)
{
	static char *lines[4096];
	size_t n = split_lines(text, lines, 4096), i = 0;
	char names[256][64] = {{0}};
	while (i < n && strcmp(lines[i], "Samples:"))
		i++;
	ck_assert_msg(i + 1 < n, "-raw printed no samples");
	ck_assert_str_eq(lines[++i], header);
	size_t first = ++i, loc_line = first;
	while (loc_line < n && strcmp(lines[loc_line], "Locations"))
		loc_line++;
	ck_assert_msg(loc_line < n, "-raw printed no locations");
	for (size_t k = loc_line + 1; k < n && strcmp(lines[k], "Mappings"); k++) {
		unsigned id;
		char name[64];
		ck_assert_msg(sscanf(lines[k], "%u: %*s M=%*u %63s", &id, name) == 2, "location line <%s>", lines[k]);
		ck_assert_uint_lt(id, 256);
		snprintf(names[id], sizeof names[id], "%s", name);
	}
	for (i = first; i < loc_line;) {
		char *colon = strchr(lines[i], ':');
		ck_assert_msg(colon && !strchr(lines[i], '['), "sample line <%s>", lines[i]);
		*colon = 0;
		int64_t values[4] = {0};
		char *s = lines[i];
		for (size_t k = 0; k < got->nvalues; k++)
			values[k] = strtoll(s, &s, 10);
		char key[256] = "";
		size_t kn = 0;
		for (s = colon + 1; *s;) {
			char *end;
			unsigned long id = strtoul(s, &end, 10);
			if (end == s)
				break;
			ck_assert_uint_lt(id, 256);
			kn += (size_t)snprintf(key + kn, sizeof key - kn, "%s%s", kn ? ";" : "", names[id]);
			s = end;
		}
		kn += (size_t)snprintf(key + kn, sizeof key - kn, "|");
		int nlabels = 0;
		for (i++; i < loc_line && strchr(lines[i], '['); i++) {
			char k[64], v[64];
			int used;
			for (s = lines[i]; sscanf(s, " %63[^:]:[%63[^]]]%n", k, v, &used) == 2; s += used)
				kn += (size_t)snprintf(key + kn, sizeof key - kn, "%s%s=%s", nlabels++ ? "," : "", k, v);
		}
		agg_add(got, key, values);
	}
}

/* -top with exact units: "flat flat% sum% cum cum% name" under a header
 * line starting with "flat". Values are "<n><unit>" or "0". */
struct top_row {
	char name[64];
	int64_t flat, cum;
};

static int64_t top_value(const char *s, const char *unit)
{
	char *end;
	int64_t v = strtoll(s, &end, 10);
	ck_assert_msg(!strcmp(end, unit) || (v == 0 && !*end), "-top value <%s>, not in %s", s, unit);
	return v;
}

static size_t parse_top(char *text, const char *unit, struct top_row *rows, size_t max)
{
	static char *lines[4096];
	size_t n = split_lines(text, lines, 4096), i = 0, nrows = 0;
	while (i < n && strncmp(lines[i], "      flat  flat%", 17))
		i++;
	ck_assert_msg(i < n, "-top printed no table");
	for (i++; i < n; i++) {
		char flat[32], cum[32], name[64];
		if (!*lines[i])
			continue;
		ck_assert_msg(sscanf(lines[i], "%31s %*s %*s %31s %*s %63s", flat, cum, name) == 3, "-top line <%s>",
			      lines[i]);
		ck_assert_uint_lt(nrows, max);
		rows[nrows].flat = top_value(flat, unit);
		rows[nrows].cum = top_value(cum, unit);
		snprintf(rows[nrows].name, sizeof rows[nrows].name, "%s", name);
		nrows++;
	}
	return nrows;
}

/* What -top should show for the samples that pass `keep` (NULL: all):
 * each function's flat (as the leaf) and cum (anywhere in the stack). */
static void expect_top(const struct want_sample *w, size_t nw, size_t value, const char *stage, char *top_text,
		       const char *unit, const char *what)
{
	struct top_row got[64];
	size_t ngot = parse_top(top_text, unit, got, 64);
	const char *names[64];
	int64_t flat[64] = {0}, cum[64] = {0};
	size_t nnames = 0;
	for (size_t i = 0; i < nw; i++) {
		if (stage && strcmp(w[i].stage, stage))
			continue;
		for (size_t k = 0; w[i].stack[k]; k++) {
			size_t j = 0;
			while (j < nnames && strcmp(names[j], w[i].stack[k]))
				j++;
			if (j == nnames)
				names[nnames++] = w[i].stack[k];
			int seen = 0; /* cum counts a function once per sample */
			for (size_t q = 0; q < k; q++)
				seen |= !strcmp(w[i].stack[q], w[i].stack[k]);
			if (!seen)
				cum[j] += w[i].values[value];
			if (k == 0)
				flat[j] += w[i].values[value];
		}
	}
	for (size_t j = 0; j < nnames; j++) {
		size_t g = 0;
		while (g < ngot && strcmp(got[g].name, names[j]))
			g++;
		ck_assert_msg(g < ngot, "%s: no %s in -top", what, names[j]);
		ck_assert_msg(got[g].flat == flat[j] && got[g].cum == cum[j],
			      "%s: %s has flat %" PRId64 " cum %" PRId64 " in -top, not %" PRId64 " and %" PRId64, what,
			      names[j], got[g].flat, got[g].cum, flat[j], cum[j]);
	}
	ck_assert_msg(ngot == nnames, "%s: -top shows %zu functions, not %zu", what, ngot, nnames);
}

/* -traces: blocks between separator lines; in each "key:  value" labels,
 * then "value   leaf" and "   caller" lines. */
static void parse_traces(char *text, const char *unit, struct agg *got)
{
	static char *lines[4096];
	size_t n = split_lines(text, lines, 4096), i = 0;
	const char *sep = "-----------+";
	while (i < n && strncmp(lines[i], sep, strlen(sep)))
		i++;
	ck_assert_msg(i < n, "-traces printed no trace");
	for (i++; i < n;) {
		char labels[128] = "", stack[128] = "";
		size_t ln = 0, sn = 0;
		int64_t value = -1;
		for (; i < n && strncmp(lines[i], sep, strlen(sep)); i++) {
			char first[64], rest[128];
			if (!*lines[i])
				continue;
			ck_assert_msg(sscanf(lines[i], "%63s %127[^\n]", first, rest) >= 1, "-traces line <%s>",
				      lines[i]);
			size_t fl = strlen(first);
			if (first[fl - 1] == ':') { /* a label */
				first[fl - 1] = 0;
				ln += (size_t)snprintf(labels + ln, sizeof labels - ln, "%s%s=%s", ln ? "," : "", first,
						       rest);
			} else if (!strncmp(lines[i], "             ", 13)) { /* a caller */
				sn += (size_t)snprintf(stack + sn, sizeof stack - sn, ";%s", first);
			} else { /* the value and the leaf */
				ck_assert_msg(value < 0, "-traces: two values in one trace");
				value = top_value(first, unit);
				sn += (size_t)snprintf(stack + sn, sizeof stack - sn, "%s", rest);
			}
		}
		if (i++ >= n)
			break; /* after the last separator */
		ck_assert_msg(value >= 0, "-traces: a trace without a value");
		char key[256];
		snprintf(key, sizeof key, "%s|%s", stack, labels);
		agg_add(got, key, &value);
	}
}

static const struct want_sample cpu_samples[] = {
	{{"csv_parse", "source_csv_run", "run_stage", "worker_main", NULL}, "worker-1", "read", {0}},
	{{"csv_scan_records", "csv_parse", "source_csv_run", "run_stage", "worker_main", NULL}, "worker-1", "read", {0}},
	{{"filter_eval", "stage_filter_run", "run_stage", "worker_main", NULL}, "worker-2", "transform", {0}},
	{{"cast_value", "stage_cast_run", "run_stage", "worker_main", NULL}, "worker-2", "transform", {0}},
	{{"cast_value", "stage_cast_run", "run_stage", "worker_main", NULL}, "worker-3", "transform", {0}},
	{{"json_escape", "dest_json_write", "run_stage", "worker_main", NULL}, "worker-3", "write", {0}},
	{{"write", "fd_write_all", "dest_json_write", "run_stage", "worker_main", NULL}, "worker-3", "write", {0}},
	{{"run_stage", "worker_main", NULL}, "main", "write", {0}},
	{{"channel_pop", "run_stage", "worker_main", NULL}, "worker-2", "transform", {0}},
	{{"csv_parse", "source_csv_run", "run_stage", "worker_main", NULL}, "worker-1", "read", {0}},
};

/* line numbers: each function at two lines, so a function has two locations */
static uint64_t cpu_location(struct pprof *p, uint64_t mapping, const char *fn, int which)
{
	char file[64];
	unsigned h = 0;
	for (const char *c = fn; *c; c++)
		h = h * 31 + (unsigned char)*c;
	snprintf(file, sizeof file, "%s/%s.c", h % 2 ? "pipeline" : "connectors", fn);
	return pprof_add_location(p, 0x400000 + (h % 0x10000) * 16 + (uint64_t)which, mapping, fn, file,
				  10 + (h % 90) + which);
}

START_TEST(go_tool_pprof_reads_a_cpu_profile)
{
	go_require();
	enum { N = sizeof cpu_samples / sizeof cpu_samples[0] };
	struct want_sample w[N];
	memcpy(w, cpu_samples, sizeof w);
	struct pprof *p = pprof_new();
	pprof_add_sample_type(p, "samples", "count");
	pprof_add_sample_type(p, "cpu", "nanoseconds");
	pprof_set_period(p, "cpu", "nanoseconds", 10000000);
	pprof_set_time(p, 1700000000000000000LL, 3000000000LL);
	pprof_add_comment(p, "nebtop test profile");
	pprof_set_default_sample_type(p, "cpu");
	uint64_t m = pprof_add_mapping(p, 0x400000, 0x600000, 0, "/usr/bin/nebtop", "4e7a1c0ffee5", 1, 1, 1);
	struct agg want = {.nvalues = 2}, want_cpu = {.nvalues = 1};
	for (size_t i = 0; i < N; i++) {
		uint64_t locs[6];
		size_t nl = 0;
		for (; w[i].stack[nl]; nl++)
			locs[nl] = cpu_location(p, m, w[i].stack[nl], (int)(i % 2));
		int64_t count = 1 + (int64_t)(i * 7 % 10);
		w[i].values[0] = count;
		w[i].values[1] = count * 10000000;
		struct pprof_label l[] = {{"thread", w[i].thread, 0, NULL}, {"stage", w[i].stage, 0, NULL}};
		pprof_add_sample(p, locs, nl, w[i].values, 2, l, 2);
		char key[256];
		want_key(&w[i], key, sizeof key);
		agg_add(&want, key, w[i].values);
		agg_add(&want_cpu, key, &w[i].values[1]);
	}
	char path[300];
	snprintf(path, sizeof path, "%s/cpu.pb.gz", go_dir);
	write_profile(p, path);
	pprof_free(p);

	char *out = go_pprof(path, (const char *[]){"-raw", NULL});
	struct agg got = {.nvalues = 2};
	expect_in(out, "PeriodType: cpu nanoseconds\nPeriod: 10000000\n");
	parse_raw(out, "samples/count cpu/nanoseconds[dflt]", &got);
	agg_expect_same(&want, &got, "-raw");
	free(out);

	out = go_pprof(path, (const char *[]){"-top", NULL});
	expect_in(out, "File: nebtop\nBuild ID: 4e7a1c0ffee5\nnebtop test profile\nType: cpu\n");
	expect_in(out, "Duration: 3s");
	expect_top_line(out, "csv_parse", "50ms"); /* the units pprof picks */
	free(out);
	out = go_pprof(path, (const char *[]){"-top", "-unit=ns", NULL});
	expect_top(w, N, 1, NULL, out, "ns", "-top");
	free(out);
	out = go_pprof(path, (const char *[]){"-top", "-sample_index=samples", NULL});
	expect_top(w, N, 0, NULL, out, "", "-sample_index=samples -top");
	free(out);

	out = go_pprof(path, (const char *[]){"-traces", "-unit=ns", NULL});
	struct agg traces = {.nvalues = 1};
	parse_traces(out, "ns", &traces);
	agg_expect_same(&want_cpu, &traces, "-traces");
	free(out);

	static const char *const stages[] = {"read", "transform", "write"};
	for (size_t i = 0; i < 3; i++) {
		char focus[64];
		snprintf(focus, sizeof focus, "-tagfocus=stage=%s", stages[i]);
		out = go_pprof(path, (const char *[]){focus, "-top", "-unit=ns", NULL});
		expect_top(w, N, 1, stages[i], out, "ns", focus);
		free(out);
	}
}
END_TEST

START_TEST(go_tool_pprof_reads_a_memory_profile)
{
	go_require();
	static const struct want_sample w[] = {
		{{"batch_alloc", "batch_new", "run_stage", NULL}, "worker-1", "read", {100, 1638400, 10, 163840}},
		{{"buf_grow", "buf_append", "dest_json_write", "run_stage", NULL}, "worker-2", "write",
		 {50, 7654321, 5, 765432}},
		{{"batch_alloc", "batch_new", "run_stage", NULL}, "worker-2", "transform", {7, 114688, 0, 0}},
		{{"strdup", "schema_add_field", "pipeline_build", "main", NULL}, "main", "read", {3, 96, 3, 96}},
	};
	enum { N = sizeof w / sizeof w[0] };
	struct pprof *p = pprof_new();
	pprof_add_sample_type(p, "alloc_objects", "count");
	pprof_add_sample_type(p, "alloc_space", "bytes");
	pprof_add_sample_type(p, "inuse_objects", "count");
	pprof_add_sample_type(p, "inuse_space", "bytes");
	pprof_set_period(p, "space", "bytes", 524288);
	uint64_t m = pprof_add_mapping(p, 0x400000, 0x600000, 0, "/usr/bin/nebtop", "4e7a1c0ffee5", 1, 1, 1);
	struct agg want = {.nvalues = 4};
	for (size_t i = 0; i < N; i++) {
		uint64_t locs[6];
		size_t nl = 0;
		for (; w[i].stack[nl]; nl++)
			locs[nl] = cpu_location(p, m, w[i].stack[nl], 0);
		struct pprof_label l[] = {{"thread", w[i].thread, 0, NULL}, {"stage", w[i].stage, 0, NULL}};
		pprof_add_sample(p, locs, nl, w[i].values, 4, l, 2);
		char key[256];
		want_key(&w[i], key, sizeof key);
		agg_add(&want, key, w[i].values);
	}
	char path[300];
	snprintf(path, sizeof path, "%s/mem.pb.gz", go_dir);
	write_profile(p, path);
	pprof_free(p);

	char *out = go_pprof(path, (const char *[]){"-raw", NULL});
	struct agg got = {.nvalues = 4};
	parse_raw(out, "alloc_objects/count alloc_space/bytes inuse_objects/count inuse_space/bytes", &got);
	agg_expect_same(&want, &got, "-raw");
	free(out);

	out = go_pprof(path, (const char *[]){"-sample_index=inuse_space", "-top", NULL});
	expect_in(out, "Type: inuse_space\n");
	expect_top_line(out, "buf_grow", "747.49kB");
	expect_in(out, "Dropped 4 nodes"); /* strdup's stack: under -nodefraction's 0.5% */
	free(out);
	out = go_pprof(path, (const char *[]){"-sample_index=inuse_space", "-unit=B", "-nodefraction=0", "-top", NULL});
	expect_top(w, N, 3, NULL, out, "B", "-sample_index=inuse_space -top");
	free(out);
	out = go_pprof(path, (const char *[]){"-sample_index=alloc_objects", "-top", NULL});
	expect_in(out, "Type: alloc_objects\n");
	expect_top(w, N, 0, NULL, out, "", "-sample_index=alloc_objects -top");
	free(out);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("pprof");
	TCase *tc = tcase_create("encode");
	tcase_add_test(tc, small_profile_decodes);
	tcase_add_test(tc, empty_profile_has_the_empty_string);
	tcase_add_test(tc, invalid_profiles_are_refused);
	tcase_add_test(tc, interning_scales);
	tcase_add_test(tc, encoding_time);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);
	TCase *go = tcase_create("go_tool_pprof");
	tcase_add_unchecked_fixture(go, go_dir_make, go_dir_remove);
	tcase_add_test(go, go_tool_pprof_reads_a_cpu_profile);
	tcase_add_test(go, go_tool_pprof_reads_a_memory_profile);
	tcase_set_timeout(go, 300);
	suite_add_tcase(s, go);
	return unit_run_suite(s);
}
