/* serve_client.h: asking another nebtop's listener (`nebtop attach`): one
 * kept-alive connection to HOST:PORT, the bearer token on every request
 * when one is given, an answer's status and body, and a message that names
 * the address and never the token when there is no answer. */
#ifndef NEB_SERVE_CLIENT_H
#define NEB_SERVE_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "../base/buf.h"
#include "../base/errbuf.h"

struct serve_client;

/* host: a name, an IPv4 address or an IPv6 one (without brackets); token:
 * NULL for none. NULL when out of memory. */
struct serve_client *serve_client_new(const char *host, unsigned port, const char *token);
void serve_client_free(struct serve_client *c);
/* method "GET" or "POST" (an empty body) on path ("/api/v1/view?stage=0"),
 * waiting at most timeout_ms: 0 with the HTTP status and the body in *body
 * (emptied first), or -1 with why there was no answer. */
int serve_client_request(struct serve_client *c, const char *method, const char *path, uint64_t timeout_ms,
			 long *status, struct buf *body, struct errbuf *e);

#endif
