/* buf.h: a growable byte buffer. A batch's arena, raw input and encoded output
 * are bufs; their capacity is kept when a batch is reused, so the record path
 * stops allocating once the buffers have grown to the working size. */
#ifndef NEB_BUF_H
#define NEB_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <string.h>

struct buf {
	char *p;
	size_t len, cap;
};

/* Makes room for n more bytes; aborts the process when memory runs out. */
void buf_grow(struct buf *b, size_t n);
/* The same, for writers that fail rather than abort: -1, the buffer as it
 * was, when memory runs out. */
int buf_try_grow(struct buf *b, size_t n);
void buf_free(struct buf *b);
/* Releases the memory when the capacity is above limit (after a huge record). */
void buf_trim(struct buf *b, size_t limit);

static inline void buf_reserve(struct buf *b, size_t n)
{
	if (b->cap - b->len < n)
		buf_grow(b, n);
}

static inline int buf_try_reserve(struct buf *b, size_t n)
{
	return b->cap - b->len < n ? buf_try_grow(b, n) : 0;
}

static inline void buf_append(struct buf *b, const void *p, size_t n)
{
	buf_reserve(b, n);
	if (n)
		memcpy(b->p + b->len, p, n);
	b->len += n;
}

static inline void buf_append_byte(struct buf *b, char c)
{
	buf_reserve(b, 1);
	b->p[b->len++] = c;
}

static inline void buf_append_str(struct buf *b, const char *s) { buf_append(b, s, strlen(s)); }

/* Appends printf-style text (the reports and dumps build their text so). */
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The same without aborting: -1, nothing appended, when memory runs out or
 * the format fails. */
int buf_try_vprintf(struct buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

#endif
