/* config_export.c: the [export] section: the listener's address (`listen`,
 * or -listen) and its bearer token, and the check that an address other
 * programs can reach is never served without a token. */
#include "autoconfig.h"

#include <arpa/inet.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "../base/envexpand.h"

const struct confkey config_export_keys[] = {
	{ "listen", CONF_STRING, NULL, offsetof(struct export_opts, listen),
	  "serve /metrics, /api/v1/* and /debug/pprof/* on [HOST:]PORT (127.0.0.1 when no host; port 0: any free "
	  "port, said on stderr)",
	  NULL, 0, 0, 0 },
	{ "token", CONF_STRING, NULL, offsetof(struct export_opts, token),
	  "the bearer token every request must carry (Authorization: Bearer TOKEN); needed to listen on an "
	  "address other than loopback; ${VAR} reads it from the environment",
	  NULL, 0, 0, 1 },
	{ "otlp_endpoint", CONF_STRING, NULL, offsetof(struct export_opts, otlp_endpoint),
	  "push the run's metrics to this OTLP/HTTP collector (http://HOST:4318; /v1/metrics is added)", NULL, 0, 0,
	  0 },
	{ "otlp_interval", CONF_DURATION, "10s", offsetof(struct export_opts, otlp_interval_ns),
	  "how often the metrics are pushed", NULL, CONF_SECONDS(0.1), CONF_SECONDS(3600), 0 },
	{ "otlp_sample", CONF_UINT, "100", offsetof(struct export_opts, otlp_sample),
	  "push a trace of one batch in this many (its steps through the pipeline as spans); 0: no traces", NULL,
	  0, 1e9, 0 },
	{ NULL, 0, NULL, 0, NULL, NULL, 0, 0, 0 },
};

/* Splits "[HOST:]PORT", "[V6]:PORT" or "PORT" into host (127.0.0.1 when
 * none is given) and port. */
int config_parse_listen(const char *text, char *host, size_t nhost, unsigned *port)
{
	const char *colon = strrchr(text, ':'), *p = colon ? colon + 1 : text;
	size_t hl = colon ? (size_t)(colon - text) : 0;
	if (colon && text[0] == '[') {
		if (hl < 2 || text[hl - 1] != ']')
			return -1;
		text++;
		hl -= 2;
	} else if (colon && memchr(text, ':', hl)) {
		return -1; /* an IPv6 address needs its brackets: [::1]:9464 */
	}
	if (!*p || strspn(p, "0123456789") != strlen(p) || strlen(p) > 5)
		return -1;
	unsigned long v = strtoul(p, NULL, 10);
	if (v > 65535 || (colon && hl == 0) || hl >= nhost)
		return -1;
	if (colon)
		snprintf(host, nhost, "%.*s", (int)hl, text);
	else
		snprintf(host, nhost, "127.0.0.1");
	*port = (unsigned)v;
	return 0;
}

/* 1 for an address only this machine reaches: 127.0.0.0/8, ::1 and
 * "localhost". Any other name counts as reachable from outside. */
int config_listen_is_loopback(const char *host)
{
	struct in_addr a4;
	struct in6_addr a6;
	if (!strcmp(host, "localhost"))
		return 1;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, host, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6);
	return 0;
}

int config_check_export(struct config *c, struct errbuf *e)
{
	struct export_opts *x = &c->ex;
	char where[512];
	if (x->token) {
		/* ${VAR} read now, so that an unset or empty one is said before the
		 * run, at the token's own line (the listener reads it again) */
		char *tok = NULL, var[128], msg[800];
		confmap_where_key(where, sizeof where, &c->export_, "token");
		if (envexpand_value(x->token, &tok, var, sizeof var)) {
			envexpand_explain(msg, sizeof msg, where, var);
			return errbuf_set(e, "%s", msg);
		}
		int empty = !tok[0];
		free(tok);
		if (empty)
			return errbuf_set(e, "%s: the token is empty", where);
	}
	if (x->otlp_endpoint && strncmp(x->otlp_endpoint, "http://", 7) && strncmp(x->otlp_endpoint, "https://", 8)) {
		confmap_where_key(where, sizeof where, &c->export_, "otlp_endpoint");
		return errbuf_set(e,
				  "%s: '%s' is not an http:// or https:// URL (an OTLP/HTTP collector: "
				  "http://127.0.0.1:4318)",
				  where, x->otlp_endpoint);
	}
	if (!x->listen)
		return 0;
	confmap_where_key(where, sizeof where, &c->export_, "listen");
	if (config_parse_listen(x->listen, x->host, sizeof x->host, &x->port))
		return errbuf_set(e,
				  "%s: '%s' is not [HOST:]PORT (a port 0-65535; an IPv6 address in brackets: "
				  "[::1]:9464)",
				  where, x->listen);
	if (!config_listen_is_loopback(x->host) && !x->token)
		return errbuf_set(e,
				  "%s: %s can be reached from other machines: set token in [export] (every "
				  "request must then carry it), or listen on 127.0.0.1",
				  where, x->host);
	return 0;
}
