/* csv_slow.c: the byte-at-a-time CSV parser that reads records as Python's
 * csv.reader does (see csv_slow.h). Its states and the order in which it
 * tests a byte in each follow parse_process_char in CPython's Modules/_csv.c
 * (START_RECORD, START_FIELD, IN_FIELD, IN_QUOTED_FIELD,
 * QUOTE_IN_QUOTED_FIELD; EAT_CRNL needs no state of its own here, since a
 * CR or LF at the start of a record is a blank line either way). */
#include "autoconfig.h"

#include "csv_slow.h"

#include <stdlib.h>

enum csv_slow_state {
	CSV_SLOW_RECORD,    /* no byte of a record yet */
	CSV_SLOW_FIELD,     /* at the start of a field, after a delimiter */
	CSV_SLOW_UNQUOTED,  /* in an unquoted field, or the unquoted rest of one */
	CSV_SLOW_QUOTED,    /* in the quoted part of a field */
	CSV_SLOW_QUOTE,     /* a quote seen in the quoted part */
};

void csv_slow_init(struct csv_slow *p)
{
	p->field = NULL;
	p->len = p->cap = 0;
}

void csv_slow_free(struct csv_slow *p)
{
	free(p->field);
	csv_slow_init(p);
}

static void csv_slow_add_byte(struct csv_slow *p, unsigned char c)
{
	if (p->len == p->cap) {
		p->cap = p->cap ? 2 * p->cap : 256;
		p->field = realloc(p->field, p->cap);
		if (!p->field)
			abort();
	}
	p->field[p->len++] = (char)c;
}

static void csv_slow_save_field(struct csv_slow *p, csv_slow_field_fn on_field, void *data)
{
	on_field(p->len ? p->field : (void *)"", p->len, data);
	p->len = 0;
}

void csv_slow_parse(struct csv_slow *p, const char *buf, size_t n, unsigned char delim, unsigned char quote,
		    csv_slow_field_fn on_field, csv_slow_row_fn on_row, void *data)
{
	const unsigned char *s = (const unsigned char *)buf;
	int st = CSV_SLOW_RECORD;
	p->len = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = s[i];
		int term = c == '\r' || c == '\n';
		switch (st) {
		case CSV_SLOW_RECORD:
			if (term)
				break; /* a blank line, or the LF of a CRLF */
			/* the first byte of the first field */
			/* fall through */
		case CSV_SLOW_FIELD:
			if (term) {
				csv_slow_save_field(p, on_field, data);
				on_row(c, data);
				st = CSV_SLOW_RECORD;
			} else if (c == quote) {
				st = CSV_SLOW_QUOTED;
			} else if (c == delim) {
				csv_slow_save_field(p, on_field, data);
				st = CSV_SLOW_FIELD;
			} else {
				csv_slow_add_byte(p, c);
				st = CSV_SLOW_UNQUOTED;
			}
			break;
		case CSV_SLOW_UNQUOTED:
			if (term) {
				csv_slow_save_field(p, on_field, data);
				on_row(c, data);
				st = CSV_SLOW_RECORD;
			} else if (c == delim) {
				csv_slow_save_field(p, on_field, data);
				st = CSV_SLOW_FIELD;
			} else {
				csv_slow_add_byte(p, c); /* a quote here is an ordinary byte */
			}
			break;
		case CSV_SLOW_QUOTED:
			if (c == quote)
				st = CSV_SLOW_QUOTE;
			else
				csv_slow_add_byte(p, c);
			break;
		default: /* CSV_SLOW_QUOTE */
			if (c == quote) {
				csv_slow_add_byte(p, c); /* a doubled quote */
				st = CSV_SLOW_QUOTED;
			} else if (c == delim) {
				csv_slow_save_field(p, on_field, data);
				st = CSV_SLOW_FIELD;
			} else if (term) {
				csv_slow_save_field(p, on_field, data);
				on_row(c, data);
				st = CSV_SLOW_RECORD;
			} else {
				csv_slow_add_byte(p, c); /* text after the closing quote */
				st = CSV_SLOW_UNQUOTED;
			}
			break;
		}
	}
	if (st != CSV_SLOW_RECORD) { /* the end of the input ends the record */
		csv_slow_save_field(p, on_field, data);
		on_row(-1, data);
	}
}
