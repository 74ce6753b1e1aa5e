/* gen_csv: deterministic input files for the benchmarks, from gen_record.c.
 * Writes ROWS records of 12 fields to stdout, as CSV with a header (the
 * default; about 160 bytes a row), as JSON Lines (-f jsonl: one flat object a
 * line, the header's names as keys) or as one JSON array (-f array: `[`, the
 * objects separated by ",\n", `]`). Same arguments, same bytes; the same
 * records in every format. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen_record.h"

int main(int argc, char **argv)
{
	const char *format = "csv";
	if (argc >= 3 && strcmp(argv[1], "-f") == 0) {
		format = argv[2];
		argc -= 2;
		argv += 2;
	}
	int csv = strcmp(format, "csv") == 0, array = strcmp(format, "array") == 0;
	if (argc < 2 || argc > 3 || (!csv && !array && strcmp(format, "jsonl") != 0)) {
		fprintf(stderr, "usage: gen_csv [-f csv|jsonl|array] ROWS [SEED] > out\n");
		return 2;
	}
	uint64_t rows = strtoull(argv[1], NULL, 10);
	struct gen_record_state g;
	gen_record_init(&g, argc == 3 ? strtoull(argv[2], NULL, 10) : 0);
	static char buf[1 << 20];
	setvbuf(stdout, buf, _IOFBF, sizeof buf);
	if (csv)
		puts(GEN_RECORD_HEADER);
	else if (array)
		putchar('[');
	for (uint64_t i = 0; i < rows; i++) {
		struct gen_record r;
		gen_record_make(&g, i, &r);
		if (csv) {
			gen_record_write_csv(stdout, &r);
			continue;
		}
		if (array && i > 0)
			fputs(",\n", stdout);
		gen_record_write_json(stdout, &r);
		if (!array)
			putchar('\n');
	}
	if (array)
		puts("]");
	return fflush(stdout) == 0 ? 0 : 1;
}
