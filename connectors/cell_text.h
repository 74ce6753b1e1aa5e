/* cell_text.h: checks of the values that APIs send as text (BigQuery's and
 * Snowflake's cells are all strings): whether a text is a 64-bit integer or a
 * JSON number, before a source types a field with it. */
#ifndef NEB_CELL_TEXT_H
#define NEB_CELL_TEXT_H

#include <stddef.h>

/* -?digits within a signed 64-bit integer (-9223372036854775808 to
 * 9223372036854775807; leading zeros allowed). */
int cell_text_is_int(const char *p, size_t n);
/* A JSON number (so NaN, inf and Infinity are not; nor a leading '+' or '.'). */
int cell_text_is_number(const char *p, size_t n);

#endif
