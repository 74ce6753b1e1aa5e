/* csv_dump.c: prints the records nebtop's CSV source parses from each of many
 * inputs, for csv_python_quirks.py to compare with Python's csv.reader.
 *
 * Usage: csv_dump [DELIMITER QUOTE] (one byte each; default , and ").
 * Standard input holds cases, each "<length>\n" then that many bytes. Every
 * case goes the way the source takes its input: cut into chunks of whole
 * records by csv_scan (case i: chunks of 1 + i % 3 records), each chunk
 * parsed by csv_fast_parse_chunk (the fast path, and the slow path for the
 * records it leaves). One line of JSON per case on standard output:
 * {"open": 0|1, "rows": [["field", ...], ...]}, bytes >= 0x80 written as
 * \u0080..\u00ff (read the input as Latin-1 to compare); "open" says the
 * input ends inside a quoted field, which the source reports as an error. */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connectors/csv_fast.h"
#include "connectors/csv_scan.h"
#include "connectors/csv_slow.h"

struct csv_dump_out {
	char *b;
	size_t len, cap, mark;
	int fields; /* fields of the row being written */
};

static void csv_dump_put(struct csv_dump_out *o, const char *s, size_t n)
{
	if (o->len + n + 1 > o->cap) {
		o->cap = (o->len + n + 1) * 2;
		o->b = realloc(o->b, o->cap);
		if (!o->b)
			abort();
	}
	memcpy(o->b + o->len, s, n);
	o->len += n;
}

static void csv_dump_on_field(void *f, size_t len, void *data)
{
	struct csv_dump_out *o = data;
	const unsigned char *p = f;
	csv_dump_put(o, o->fields++ ? ",\"" : "[\"", 2);
	for (size_t i = 0; i < len; i++) {
		char esc[8];
		if (p[i] < 0x20 || p[i] >= 0x80 || p[i] == '"' || p[i] == '\\') {
			snprintf(esc, sizeof esc, "\\u%04x", p[i]);
			csv_dump_put(o, esc, 6);
		} else {
			csv_dump_put(o, (const char *)p + i, 1);
		}
	}
	csv_dump_put(o, "\"", 1);
}

static void csv_dump_on_row(int term, void *data)
{
	struct csv_dump_out *o = data;
	(void)term;
	if (!o->fields)
		csv_dump_put(o, "[", 1);
	csv_dump_put(o, "],", 2);
	o->fields = 0;
	o->mark = o->len;
}

static void csv_dump_on_discard(void *data)
{
	struct csv_dump_out *o = data;
	o->len = o->mark;
	o->fields = 0;
}

static void csv_dump_case(const char *in, size_t n, unsigned char d, unsigned char q, size_t want,
			  struct csv_dump_out *o)
{
	struct csv_slow p;
	csv_slow_init(&p);
	struct csv_scan s;
	csv_scan_init(&s, d, q);
	o->len = o->mark = 0;
	o->fields = 0;
	size_t off = 0;
	while (off < n) {
		size_t got, cut = off + csv_scan_records(&s, in + off, n - off, want, &got);
		csv_fast_parse_chunk(in + off, cut - off, d, q, &p, csv_dump_on_field, csv_dump_on_row,
				     csv_dump_on_discard, o);
		off = cut;
	}
	csv_slow_free(&p);
	if (o->len && o->b[o->len - 1] == ',')
		o->len--; /* the last row's comma */
	printf("{\"open\": %d, \"rows\": [%.*s]}\n", csv_scan_in_quotes(&s), (int)o->len, o->len ? o->b : "");
}

int main(int argc, char **argv)
{
	unsigned char d = argc > 2 ? (unsigned char)argv[1][0] : ',';
	unsigned char q = argc > 2 ? (unsigned char)argv[2][0] : '"';
	struct csv_dump_out o = { 0 };
	char *in = NULL;
	size_t cap = 0, n;
	for (size_t i = 0; scanf("%zu", &n) == 1; i++) {
		if (getchar() != '\n')
			return 2;
		if (n + 1 > cap) {
			cap = n + 1;
			in = realloc(in, cap);
			if (!in)
				abort();
		}
		if (fread(in, 1, n, stdin) != n)
			return 2;
		csv_dump_case(in, n, d, q, 1 + i % 3, &o);
	}
	free(in);
	free(o.b);
	return 0;
}
