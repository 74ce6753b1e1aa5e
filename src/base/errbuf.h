/* errbuf.h: a fixed-size buffer that carries one error message up the stack.
 * Functions that can fail take a struct errbuf * and fill it with a sentence
 * that names what is wrong and where. */
#ifndef NEB_ERRBUF_H
#define NEB_ERRBUF_H

#include <stdarg.h>
#include <stddef.h>

struct errbuf {
	char msg[1024];
};

/* Sets the message (printf-style); returns -1 so callers can `return errbuf_set(...)`. */
int errbuf_set(struct errbuf *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Puts "prefix: " in front of the current message. */
void errbuf_prefix(struct errbuf *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
