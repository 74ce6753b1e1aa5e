/* buf.c: growth and release of byte buffers. */
#include "autoconfig.h"

#include "buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

void buf_grow(struct buf *b, size_t n)
{
	size_t need = b->len + n, cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap = cap * 2;
	char *p = realloc(b->p, cap);
	if (!p) {
		fprintf(stderr, "nebtop: out of memory growing a buffer to %zu bytes\n", cap);
		abort();
	}
	b->p = p;
	b->cap = cap;
}

void buf_free(struct buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

void buf_trim(struct buf *b, size_t limit)
{
	if (b->cap > limit)
		buf_free(b);
	b->len = 0;
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	buf_reserve(b, (size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}
