/* json_encode.c: records as JSON objects (see json_encode.h). */
#include "autoconfig.h"

#include "json_encode.h"

#include <stdlib.h>
#include <string.h>

#include "../pipeline/batch.h"
#include "../pipeline/jsonesc.h"
#include "../pipeline/schema.h"

int json_encoder_init(struct json_encoder *j, const struct schema *s)
{
	memset(j, 0, sizeof *j);
	j->width = s->width;
	j->prefix = calloc(s->width ? s->width : 1, sizeof *j->prefix);
	j->prefix_len = calloc(s->width ? s->width : 1, sizeof *j->prefix_len);
	j->types = malloc(s->width ? s->width : 1);
	if (!j->prefix || !j->prefix_len || !j->types)
		return -1;
	for (uint32_t i = 0; i < s->width; i++) {
		size_t n = strlen(s->names[i]);
		char *p = malloc(JSONESC_BOUND(n) + 4);
		if (!p)
			return -1;
		char *o = p;
		*o++ = i == 0 ? '{' : ',';
		*o++ = '"';
		o = jsonesc_write_string(o, s->names[i], n);
		*o++ = '"';
		*o++ = ':';
		j->prefix[i] = p;
		j->prefix_len[i] = (size_t)(o - p);
		j->prefixes_total += j->prefix_len[i];
		j->types[i] = s->types[i];
	}
	return 0;
}

void json_encoder_free(struct json_encoder *j)
{
	for (uint32_t i = 0; j->prefix && i < j->width; i++)
		free(j->prefix[i]);
	free(j->prefix);
	free(j->prefix_len);
	free(j->types);
	j->prefix = NULL;
	j->prefix_len = NULL;
	j->types = NULL;
}

size_t json_encoder_bound(const struct json_encoder *j, const struct batch *b, size_t extra)
{
	/* the worst case of every byte escaped */
	return JSONESC_BOUND(b->data.len) + (size_t)b->nrec * (j->prefixes_total + 6 + extra + 4 * j->width);
}

char *json_encoder_write_record(const struct json_encoder *j, char *o, struct batch *b, uint32_t r)
{
	const struct field *f = batch_record(b, r);
	if (j->width == 0)
		*o++ = '{';
	for (uint32_t i = 0; i < j->width; i++) {
		memcpy(o, j->prefix[i], j->prefix_len[i]);
		o += j->prefix_len[i];
		if (f[i].len == FIELD_NULL) {
			memcpy(o, "null", 4);
			o += 4;
		} else if (j->types[i] != FTYPE_STRING) {
			memcpy(o, b->data.p + f[i].off, f[i].len);
			o += f[i].len;
		} else {
			*o++ = '"';
			o = jsonesc_write_string(o, b->data.p + f[i].off, f[i].len);
			*o++ = '"';
		}
	}
	*o++ = '}';
	return o;
}

void json_encoder_write_batch(const struct json_encoder *j, struct batch *b, int array_separators)
{
	struct buf *out = &b->out;
	/* one reservation for the whole batch */
	buf_reserve(out, json_encoder_bound(j, b, 2));
	char *o = out->p + out->len;
	for (uint32_t r = 0; r < b->nrec; r++) {
		if (b->marks[r] != MARK_KEPT)
			continue;
		if (array_separators) {
			*o++ = ',';
			*o++ = '\n';
		}
		o = json_encoder_write_record(j, o, b, r);
		if (!array_separators)
			*o++ = '\n';
	}
	out->len = (size_t)(o - out->p);
}
