/* gen_record: the benchmarks' deterministic records (12 fields, about 160
 * bytes as CSV), written as a CSV row or as a flat JSON object. One generator
 * for gen_csv (files) and http_pages (pages served from memory): the same seed
 * gives the same records in every format. */
#ifndef GEN_RECORD_H
#define GEN_RECORD_H

#include <stdint.h>
#include <stdio.h>

#define GEN_RECORD_HEADER \
	"id,user_id,amount,price,created_at,updated_at,name,city,description,status,score,tags"

/* The generator's state: one per output stream, made by gen_record_init. */
struct gen_record_state {
	uint64_t state; /* xorshift64 state of the shared values */
	uint64_t seed;  /* mixed into the JSON-only choices */
};

/* One record's values, drawn by gen_record_make. */
struct gen_record {
	uint64_t id;
	unsigned user_id;
	unsigned amount_int, amount_frac; /* amount = int.frac, 2 digits */
	unsigned price_int, price_frac;   /* price = int.frac, 4 digits */
	uint64_t created, updated;        /* seconds since the epoch */
	const char *name[2], *city, *desc[3], *desc_extra, *status, *tags[3];
	unsigned desc_kind; /* < 10: said "extra"; < 12: a second line; else none */
	int score_int;
	unsigned score_frac; /* score = int.frac, 3 digits */
	uint64_t json_bits;  /* JSON-only choices (escapes, nulls, booleans) */
};

void gen_record_init(struct gen_record_state *g, uint64_t seed);
void gen_record_make(struct gen_record_state *g, uint64_t i, struct gen_record *r);
void gen_record_write_csv(FILE *f, const struct gen_record *r);
void gen_record_write_json(FILE *f, const struct gen_record *r);

#endif
