/* gen_csv: deterministic CSV generator for the benchmarks.
 * Writes ROWS rows of 12 columns (about 160 bytes a row) to stdout: integers,
 * decimals, timestamps, words, quoted fields with commas, doubled quotes,
 * some embedded newlines and UTF-8 text. Same arguments, same bytes. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t gen_state = 0x9E3779B97F4A7C15ull;

static uint64_t gen_next_u64(void)
{
	uint64_t x = gen_state;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	gen_state = x;
	return x;
}

static unsigned gen_pick(unsigned n) { return (unsigned)(gen_next_u64() % n); }

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

static void gen_write_timestamp(FILE *f, uint64_t base)
{
	uint64_t s = base % (365ull * 86400);
	unsigned day = (unsigned)(s / 86400), month = day / 31 + 1, mday = day % 28 + 1;
	if (month > 12)
		month = 12;
	fprintf(f, "2025-%02u-%02uT%02u:%02u:%02uZ", month, mday,
		(unsigned)(s / 3600 % 24), (unsigned)(s / 60 % 60), (unsigned)(s % 60));
}

static void gen_write_row(FILE *f, uint64_t i)
{
	fprintf(f, "%" PRIu64 ",%u,", i + 1, gen_pick(1000000));
	fprintf(f, "%u.%02u,%u.%04u,", gen_pick(100000), gen_pick(100), gen_pick(1000), gen_pick(10000));
	uint64_t t = 1700000000ull + i * 7 + gen_pick(1000);
	gen_write_timestamp(f, t);
	fputc(',', f);
	gen_write_timestamp(f, t + gen_pick(86400));
	fprintf(f, ",%s %s,", gen_words[gen_pick(NWORDS)], gen_words[gen_pick(NWORDS)]);
	fprintf(f, "%s,", gen_cities[gen_pick(NCITIES)]);
	/* description: always quoted, with a comma; sometimes doubled quotes or a newline */
	unsigned kind = gen_pick(100);
	fputc('"', f);
	fprintf(f, "%s, %s and %s", gen_words[gen_pick(NWORDS)], gen_words[gen_pick(NWORDS)],
		gen_words[gen_pick(NWORDS)]);
	if (kind < 10)
		fprintf(f, " said \"\"%s\"\"", gen_words[gen_pick(NWORDS)]);
	else if (kind < 12)
		fprintf(f, "\nsecond line: %s", gen_words[gen_pick(NWORDS)]);
	fputs("\",", f);
	fprintf(f, "%s,%d.%03u,", gen_status[gen_pick(NSTATUS)], (int)gen_pick(200) - 100, gen_pick(1000));
	fprintf(f, "%s;%s;%s\n", gen_words[gen_pick(NWORDS)], gen_words[gen_pick(NWORDS)],
		gen_words[gen_pick(NWORDS)]);
}

int main(int argc, char **argv)
{
	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: gen_csv ROWS [SEED] > out.csv\n");
		return 2;
	}
	uint64_t rows = strtoull(argv[1], NULL, 10);
	if (argc == 3)
		gen_state ^= strtoull(argv[2], NULL, 10) * 0xD1B54A32D192ED03ull;
	static char buf[1 << 20];
	setvbuf(stdout, buf, _IOFBF, sizeof buf);
	fputs("id,user_id,amount,price,created_at,updated_at,name,city,description,status,score,tags\n", stdout);
	for (uint64_t i = 0; i < rows; i++)
		gen_write_row(stdout, i);
	return fflush(stdout) == 0 ? 0 : 1;
}
