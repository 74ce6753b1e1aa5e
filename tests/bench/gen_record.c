/* gen_record: the benchmarks' deterministic records, as CSV rows or flat JSON
 * objects (see gen_record.h).
 *
 * CSV: integers, decimals, timestamps, words, quoted fields with commas,
 * doubled quotes, some embedded newlines and UTF-8 text.
 * JSON: the same values with the CSV header's names as keys: id and user_id
 * integers; amount, price and score numbers (as written in the CSV, trailing
 * zeros of the fraction dropped; a price under 1 in exponent form, 523e-4);
 * the others strings (\" and \n where the CSV has "" and a line break, raw
 * UTF-8). Plus what CSV has no form for, chosen by a hash of the record's
 * number so that the shared values stay as they are: 10% of the cities spelt
 * with \u escapes (the same text), 7% of the descriptions with a JSON-only
 * tail (a backslash, a tab, a \u00e9, raw UTF-8 or \/), 1% of updated_at and
 * 0.5% of score null, and 3% of tags true, false or null. */
#include "gen_record.h"

#include <inttypes.h>
#include <string.h>

static const char *const gen_words[] = {
	"alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel",
	"india", "juliet", "kilo", "lima", "mike", "november", "oscar", "papa",
	"quebec", "romeo", "sierra", "tango", "uniform", "victor", "whiskey",
	"xray", "yankee", "zulu", "pipeline", "stage", "channel", "batch",
};
static const char *const gen_cities[] = {
	"Berlin", "Zürich", "São Paulo", "Kraków", "Tokyo", "東京", "Montréal",
	"Reykjavík", "New York", "İstanbul", "Αθήνα", "Москва", "Lagos", "Oslo",
};
static const char *const gen_status[] = { "new", "paid", "shipped", "returned", "cancelled" };

#define NWORDS (sizeof gen_words / sizeof gen_words[0])
#define NCITIES (sizeof gen_cities / sizeof gen_cities[0])
#define NSTATUS (sizeof gen_status / sizeof gen_status[0])

void gen_record_init(struct gen_record_state *g, uint64_t seed)
{
	g->state = 0x9E3779B97F4A7C15ull ^ seed * 0xD1B54A32D192ED03ull;
	g->seed = seed;
}

static unsigned gen_record_pick(struct gen_record_state *g, unsigned n)
{
	uint64_t x = g->state;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	g->state = x;
	return (unsigned)(x % n);
}

static const char *gen_record_word(struct gen_record_state *g) { return gen_words[gen_record_pick(g, NWORDS)]; }

/* splitmix64 of the record's number: the JSON-only choices, apart from the
 * shared stream so that the CSV rows do not depend on them. */
static uint64_t gen_record_hash(uint64_t x)
{
	x += 0x9E3779B97F4A7C15ull;
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
	x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
	return x ^ (x >> 31);
}

/* The draws are in the order the first version of gen_csv made them (its
 * fprintf arguments were evaluated right to left), so that the CSV bytes did
 * not change when the generator was shared. */
void gen_record_make(struct gen_record_state *g, uint64_t i, struct gen_record *r)
{
	r->id = i + 1;
	r->user_id = gen_record_pick(g, 1000000);
	r->price_frac = gen_record_pick(g, 10000);
	r->price_int = gen_record_pick(g, 1000);
	r->amount_frac = gen_record_pick(g, 100);
	r->amount_int = gen_record_pick(g, 100000);
	r->created = 1700000000ull + i * 7 + gen_record_pick(g, 1000);
	r->updated = r->created + gen_record_pick(g, 86400);
	r->name[1] = gen_record_word(g);
	r->name[0] = gen_record_word(g);
	r->city = gen_cities[gen_record_pick(g, NCITIES)];
	r->desc_kind = gen_record_pick(g, 100);
	r->desc[2] = gen_record_word(g);
	r->desc[1] = gen_record_word(g);
	r->desc[0] = gen_record_word(g);
	r->desc_extra = r->desc_kind < 12 ? gen_record_word(g) : NULL;
	r->score_frac = gen_record_pick(g, 1000);
	r->score_int = (int)gen_record_pick(g, 200) - 100;
	r->status = gen_status[gen_record_pick(g, NSTATUS)];
	r->tags[2] = gen_record_word(g);
	r->tags[1] = gen_record_word(g);
	r->tags[0] = gen_record_word(g);
	r->json_bits = gen_record_hash(i ^ g->seed * 0xA24BAED4963EE407ull);
}

static void gen_record_write_timestamp(FILE *f, uint64_t base)
{
	uint64_t s = base % (365ull * 86400);
	unsigned day = (unsigned)(s / 86400), month = day / 31 + 1, mday = day % 28 + 1;
	if (month > 12)
		month = 12;
	fprintf(f, "2025-%02u-%02uT%02u:%02u:%02uZ", month, mday,
		(unsigned)(s / 3600 % 24), (unsigned)(s / 60 % 60), (unsigned)(s % 60));
}

/* The description's text as the CSV holds it (unquoted); tail: a JSON-only
 * piece to append, or NULL. */
static int gen_record_format_desc(char *buf, size_t size, const struct gen_record *r, const char *tail)
{
	int n = snprintf(buf, size, "%s, %s and %s", r->desc[0], r->desc[1], r->desc[2]);
	if (r->desc_kind < 10)
		n += snprintf(buf + n, size - (size_t)n, " said \"%s\"", r->desc_extra);
	else if (r->desc_kind < 12)
		n += snprintf(buf + n, size - (size_t)n, "\nsecond line: %s", r->desc_extra);
	if (tail)
		n += snprintf(buf + n, size - (size_t)n, "%s", tail);
	return n;
}

void gen_record_write_csv(FILE *f, const struct gen_record *r)
{
	char desc[256], *p, *q;
	fprintf(f, "%" PRIu64 ",%u,%u.%02u,%u.%04u,", r->id, r->user_id, r->amount_int, r->amount_frac,
		r->price_int, r->price_frac);
	gen_record_write_timestamp(f, r->created);
	fputc(',', f);
	gen_record_write_timestamp(f, r->updated);
	fprintf(f, ",%s %s,%s,\"", r->name[0], r->name[1], r->city);
	gen_record_format_desc(desc, sizeof desc, r, NULL);
	for (p = desc; (q = strchr(p, '"')) != NULL; p = q + 1) { /* double the quotes */
		fwrite(p, 1, (size_t)(q - p) + 1, f);
		fputc('"', f);
	}
	fputs(p, f);
	fprintf(f, "\",%s,%d.%03u,%s;%s;%s\n", r->status, r->score_int, r->score_frac, r->tags[0],
		r->tags[1], r->tags[2]);
}

#define GEN_JSON_U 1       /* every character beyond ASCII as \uXXXX (a surrogate pair beyond the BMP) */
#define GEN_JSON_SOLIDUS 2 /* / as \/ */

/* A JSON string of s, escaped as flags (GEN_JSON_*) say. */
static void gen_record_write_json_string(FILE *f, const char *s, int flags)
{
	int uescape = flags & GEN_JSON_U;
	const unsigned char *p = (const unsigned char *)s;
	fputc('"', f);
	while (*p) {
		unsigned c = *p;
		if (c == '"' || c == '\\') {
			fputc('\\', f);
			fputc((int)c, f);
			p++;
		} else if (c == '/' && (flags & GEN_JSON_SOLIDUS)) {
			fputs("\\/", f);
			p++;
		} else if (c == '\n') {
			fputs("\\n", f);
			p++;
		} else if (c == '\t') {
			fputs("\\t", f);
			p++;
		} else if (c < 0x20) {
			fprintf(f, "\\u%04x", c);
			p++;
		} else if (c < 0x80 || !uescape) {
			fputc((int)c, f);
			p++;
		} else { /* decode one UTF-8 sequence (the tables hold valid UTF-8) */
			int len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
			unsigned cp = c & (0x7Fu >> len);
			for (int k = 1; k < len; k++)
				cp = cp << 6 | (p[k] & 0x3Fu);
			p += len;
			if (cp >= 0x10000)
				fprintf(f, "\\u%04x\\u%04x", 0xD800 + ((cp - 0x10000) >> 10), 0xDC00 + ((cp - 0x10000) & 0x3FF));
			else
				fprintf(f, "\\u%04x", cp);
		}
	}
	fputc('"', f);
}

/* int.frac with digits fraction digits, the trailing zeros dropped (one kept). */
static void gen_record_write_decimal(FILE *f, int ip, unsigned frac, int digits)
{
	char d[8];
	int n = snprintf(d, sizeof d, "%0*u", digits, frac);
	while (n > 1 && d[n - 1] == '0')
		d[--n] = '\0';
	fprintf(f, "%d.%s", ip, d);
}

void gen_record_write_json(FILE *f, const struct gen_record *r)
{
	static const char *const tails[] = {
		" in C:\\data\\", "\tby ", " caf\xc3\xa9 ", " na\xc3\xafve \xe2\x80\x94 ", " a/b ",
	};
	uint64_t b = r->json_bits;
	unsigned tail = (unsigned)(b >> 8 & 0xFF) % 100;
	char desc[256];

	fprintf(f, "{\"id\":%" PRIu64 ",\"user_id\":%u,\"amount\":", r->id, r->user_id);
	gen_record_write_decimal(f, (int)r->amount_int, r->amount_frac, 2);
	fputs(",\"price\":", f);
	if (r->price_int == 0)
		fprintf(f, "%ue-4", r->price_frac);
	else
		gen_record_write_decimal(f, (int)r->price_int, r->price_frac, 4);
	fputs(",\"created_at\":\"", f);
	gen_record_write_timestamp(f, r->created);
	fputs("\",\"updated_at\":", f);
	if ((b >> 16 & 0xFF) % 100 == 0) {
		fputs("null", f);
	} else {
		fputc('"', f);
		gen_record_write_timestamp(f, r->updated);
		fputc('"', f);
	}
	fprintf(f, ",\"name\":\"%s %s\",\"city\":", r->name[0], r->name[1]);
	gen_record_write_json_string(f, r->city, b % 10 == 0 ? GEN_JSON_U : 0);
	fputs(",\"description\":", f);
	/* tails: 2% a backslash, 1% a tab, 1% \u00e9, 1% raw UTF-8, 2% a solidus */
	unsigned t = tail < 2 ? 0 : tail < 3 ? 1 : tail < 4 ? 2 : tail < 5 ? 3 : tail < 7 ? 4 : 5;
	int n = gen_record_format_desc(desc, sizeof desc, r, NULL);
	if (t < 5)
		snprintf(desc + n, sizeof desc - (size_t)n, "%s%s", tails[t], r->tags[0]);
	gen_record_write_json_string(f, desc, t == 2 ? GEN_JSON_U : t == 4 ? GEN_JSON_SOLIDUS : 0);
	fprintf(f, ",\"status\":\"%s\",\"score\":", r->status);
	if ((b >> 24 & 0xFF) % 200 == 0)
		fputs("null", f);
	else
		gen_record_write_decimal(f, r->score_int, r->score_frac, 3);
	unsigned tg = (unsigned)(b >> 32 & 0xFFFF) % 100;
	if (tg < 3)
		fprintf(f, ",\"tags\":%s}", tg == 0 ? "true" : tg == 1 ? "false" : "null");
	else
		fprintf(f, ",\"tags\":\"%s;%s;%s\"}", r->tags[0], r->tags[1], r->tags[2]);
}
