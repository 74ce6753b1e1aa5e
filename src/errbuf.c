/* errbuf.c: setting and prefixing error messages. */
#include "errbuf.h"

#include <stdio.h>
#include <string.h>

int errbuf_set(struct errbuf *e, const char *fmt, ...)
{
	if (!e)
		return -1;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	return -1;
}

void errbuf_prefix(struct errbuf *e, const char *fmt, ...)
{
	if (!e)
		return;
	char head[512], old[sizeof e->msg];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(head, sizeof head, fmt, ap);
	va_end(ap);
	memcpy(old, e->msg, sizeof old);
	size_t h = strlen(head), o = strlen(old), cap = sizeof e->msg - 1;
	if (h > cap)
		h = cap;
	memcpy(e->msg, head, h);
	size_t n = h;
	if (n + 2 <= cap) {
		memcpy(e->msg + n, ": ", 2);
		n += 2;
	}
	if (o > cap - n)
		o = cap - n;
	memcpy(e->msg + n, old, o);
	e->msg[n + o] = 0;
}
