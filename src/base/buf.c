/* buf.c: growth and release of byte buffers. */
#include "autoconfig.h"

#include "buf.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* The capacity for n more bytes, doubling; 0 when it cannot be had. */
static size_t buf_next_cap(const struct buf *b, size_t n)
{
	if (n > SIZE_MAX - b->len)
		return 0;
	size_t need = b->len + n, cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap = cap <= SIZE_MAX / 2 ? cap * 2 : need;
	return cap;
}

int buf_try_grow(struct buf *b, size_t n)
{
	size_t cap = buf_next_cap(b, n);
	char *p = cap ? realloc(b->p, cap) : NULL;
	if (!p)
		return -1;
	b->p = p;
	b->cap = cap;
	return 0;
}

void buf_grow(struct buf *b, size_t n)
{
	if (buf_try_grow(b, n)) {
		size_t cap = buf_next_cap(b, n);
		fprintf(stderr, "nebtop: out of memory growing a buffer to %zu bytes\n", cap ? cap : SIZE_MAX);
		abort();
	}
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

/* Appends the formatted text; may_fail: -1 rather than abort when memory
 * runs out. */
static int buf_vappendf(struct buf *b, int may_fail, const char *fmt, va_list ap)
{
	va_list again;
	va_copy(again, ap);
	int n = vsnprintf(NULL, 0, fmt, ap), rc = n < 0 ? -1 : 0;
	if (!rc && may_fail)
		rc = buf_try_reserve(b, (size_t)n + 1);
	else if (!rc)
		buf_reserve(b, (size_t)n + 1);
	if (!rc) {
		vsnprintf(b->p + b->len, (size_t)n + 1, fmt, again);
		b->len += (size_t)n;
	}
	va_end(again);
	return rc;
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	buf_vappendf(b, 0, fmt, ap);
	va_end(ap);
}

int buf_try_vprintf(struct buf *b, const char *fmt, va_list ap) { return buf_vappendf(b, 1, fmt, ap); }
