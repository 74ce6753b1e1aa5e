/* errbuf.c: setting and prefixing error messages. Every message is scrubbed
 * (secrets.h): no secret in it, valid UTF-8, nothing cut inside a character. */
#include "autoconfig.h"

#include "errbuf.h"

#include <stdio.h>
#include <string.h>

#include "utf8.h"
#include "secrets.h"

int errbuf_set(struct errbuf *e, const char *fmt, ...)
{
	if (!e)
		return -1;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	secrets_scrub(e->msg, sizeof e->msg);
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
	secrets_scrub(head, sizeof head);
	memcpy(old, e->msg, sizeof old);
	size_t h = strlen(head), o = strlen(old), cap = sizeof e->msg - 1;
	if (h > cap)
		h = utf8_cut(head, cap);
	memcpy(e->msg, head, h);
	size_t n = h;
	if (n + 2 <= cap) {
		memcpy(e->msg + n, ": ", 2);
		n += 2;
	}
	if (o > cap - n)
		o = utf8_cut(old, cap - n);
	memcpy(e->msg + n, old, o);
	e->msg[n + o] = 0;
	secrets_scrub(e->msg, sizeof e->msg);
}
