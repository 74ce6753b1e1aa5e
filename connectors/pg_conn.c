/* pg_conn.c: connecting to PostgreSQL for the postgresql source and
 * destination, and their shared helpers (see pg_conn.h). */
#include "autoconfig.h"

#include "pg_conn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../src/base/clock.h"
#include "../src/base/secrets.h"

/* Warns when the password key was read from an INI file that the group or
 * others may read (once per connector: this runs once, at open). */
static void pg_link_warn_readable(const struct confsection *sec)
{
	const struct confentry *en = sec ? confsection_find(sec, "password") : NULL;
	struct stat st;
	if (!en || en->line <= 0 || !en->origin || stat(en->origin, &st) != 0)
		return;
	if (!(st.st_mode & (S_IRGRP | S_IROTH)))
		return;
	char where[512];
	confmap_where_key(where, sizeof where, sec, "password");
	fprintf(stderr,
		"nebtop: warning: %s: %s is readable by other users (mode %03o); use password_env, PGPASSWORD or a "
		"libpq passfile, or chmod go-r %s\n",
		where, en->origin, (unsigned)(st.st_mode & 0777), en->origin);
}

/* Appends the n bytes of line at dst[*o] (size cap), spaces squeezed. */
static void pg_link_put_line(char *dst, size_t cap, size_t *o, const char *line, size_t n)
{
	for (size_t i = 0; i < n && *o + 1 < cap; i++) {
		char c = line[i] == '\t' ? ' ' : line[i];
		if (c == ' ' && *o && dst[*o - 1] == ' ')
			continue;
		dst[(*o)++] = c;
	}
}

/* Copies msg into dst (n bytes) on one line: its lines joined with "; " (a
 * wrapped sentence, indented and in lower case, with a space), a line already given once
 * dropped (libpq repeats some), no trailing punctuation, the secrets hidden
 * (secrets.h: the password and the conninfo's are registered at open). */
static void pg_link_one_line(const char *msg, char *dst, size_t n)
{
	size_t o = 0, len0;
	const char *seen[16];
	size_t seen_len[16], nseen = 0;
	if (!n)
		return;
	dst[0] = 0;
	char *src = secrets_redact_dup(msg, strlen(msg), &len0);
	if (!src)
		return;
	for (const char *p = src; *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		const char *t = p;
		size_t tl = len;
		while (tl && (*t == ' ' || *t == '\t'))
			t++, tl--;
		int cont = t != p && tl && *t >= 'a' && *t <= 'z'; /* a wrapped sentence goes on */
		while (tl && (t[tl - 1] == ' ' || t[tl - 1] == '\r' || t[tl - 1] == '.'))
			tl--;
		int dup = 0;
		for (size_t k = 0; k < nseen && !dup; k++)
			dup = seen_len[k] == tl && !memcmp(seen[k], t, tl);
		if (tl && !dup) {
			if (nseen < 16) {
				seen[nseen] = t;
				seen_len[nseen++] = tl;
			}
			if (o)
				pg_link_put_line(dst, n, &o, cont ? " " : "; ", cont ? 1 : 2);
			pg_link_put_line(dst, n, &o, t, tl);
		}
		p += len + (nl ? 1 : 0);
	}
	dst[o] = 0;
	free(src);
	secrets_scrub(dst, n); /* cut between characters */
}

void pg_link_error(const struct pg_link *l, const PGresult *r, char *dst, size_t n)
{
	const char *primary = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	if (primary) {
		/* the server's message and its detail, without the statement echoed back */
		const char *detail = PQresultErrorField(r, PG_DIAG_MESSAGE_DETAIL);
		char msg[1024];
		snprintf(msg, sizeof msg, "%s%s%s", primary, detail ? "\n" : "", detail ? detail : "");
		pg_link_one_line(msg, dst, n);
		return;
	}
	const char *msg = r ? PQresultErrorMessage(r) : NULL;
	if (!msg || !*msg)
		msg = l->conn ? PQerrorMessage(l->conn) : "out of memory";
	if (!msg || !*msg)
		msg = r ? PQresStatus(PQresultStatus(r)) : "unknown error";
	pg_link_one_line(msg, dst, n);
}

/* Registers the password and the one a conninfo holds (secrets.h). */
static void pg_link_register_secrets(const struct pg_conn_opts *o, const char *password)
{
	secrets_register(password);
	if (!o->conninfo)
		return;
	PQconninfoOption *opts = PQconninfoParse(o->conninfo, NULL);
	for (PQconninfoOption *k = opts; k && k->keyword; k++)
		if (k->val && !strcmp(k->keyword, "password"))
			secrets_register(k->val);
	PQconninfoFree(opts);
}

/* The password to hand to libpq, or NULL to let libpq find one itself. */
static int pg_link_password(const struct pg_conn_opts *o, const struct connector_env *env, const char **out,
			    struct errbuf *e)
{
	char where[512];
	*out = NULL;
	if (o->password_env && o->password) {
		confmap_where_key(where, sizeof where, env->section, "password_env");
		return errbuf_set(e, "%s: give password_env or password, not both", where);
	}
	if (o->password_env) {
		*out = getenv(o->password_env);
		if (!*out) {
			confmap_where_key(where, sizeof where, env->section, "password_env");
			return errbuf_set(e, "%s: the environment variable %s is not set", where, o->password_env);
		}
		return 0;
	}
	if (o->password) {
		pg_link_warn_readable(env->section);
		*out = o->password;
	}
	return 0;
}

int pg_link_open(struct pg_link *l, const struct pg_conn_opts *o, const struct connector_env *env,
		 struct errbuf *e)
{
	const char *password;
	l->metrics = env->metrics;
	if (pg_link_password(o, env, &password, e))
		return -1;
	pg_link_register_secrets(o, password);
	char port[16], timeout[24];
	snprintf(port, sizeof port, "%llu", (unsigned long long)o->port);
	uint64_t secs = (o->connect_timeout + 999999999ull) / 1000000000ull;
	snprintf(timeout, sizeof timeout, "%llu", (unsigned long long)(secs < 2 ? 2 : secs));
	const char *keys[16], *vals[16];
	int k = 0;
	/* the conninfo first (expanded), the single keys after it override its parts */
	if (o->conninfo) {
		keys[k] = "dbname";
		vals[k++] = o->conninfo;
	}
	const char *const single[][2] = { { "host", o->host },	       { "port", o->port ? port : NULL },
					  { "dbname", o->dbname },     { "user", o->user },
					  { "password", password },    { "sslmode", o->sslmode },
					  { "connect_timeout", timeout }, { "client_encoding", "UTF8" },
					  { "fallback_application_name", "nebtop" } };
	for (size_t i = 0; i < sizeof single / sizeof single[0]; i++)
		if (single[i][1]) {
			keys[k] = single[i][0];
			vals[k++] = single[i][1];
		}
	keys[k] = vals[k] = NULL;
	uint64_t t0 = clock_now_ns();
	l->conn = PQconnectdbParams(keys, vals, o->conninfo ? 1 : 0);
	connmetrics_count_connect(l->metrics, t0, clock_now_ns());
	/* messages name the key that says where to connect, when one does */
	const char *key = "type";
	static const char *const where_keys[] = { "host", "conninfo", "port", "dbname" };
	for (size_t i = sizeof where_keys / sizeof where_keys[0]; i-- > 0;)
		if (confsection_find(env->section, where_keys[i]))
			key = where_keys[i];
	char where[512];
	confmap_where_key(where, sizeof where, env->section, key);
	if (!l->conn)
		return errbuf_set(e, "%s: cannot connect to PostgreSQL: out of memory", where);
	const char *host = PQhost(l->conn);
	snprintf(l->name, sizeof l->name, "%s on %s%s%s", PQdb(l->conn) ? PQdb(l->conn) : "?",
		 host && *host ? host : "local socket", PQport(l->conn) && *PQport(l->conn) ? ":" : "",
		 PQport(l->conn) ? PQport(l->conn) : "");
	if (PQstatus(l->conn) != CONNECTION_OK) {
		char msg[700];
		pg_link_error(l, NULL, msg, sizeof msg);
		return errbuf_set(e, "%s: cannot connect to PostgreSQL (%s): %s", where, l->name, msg);
	}
	return 0;
}

void pg_link_close(struct pg_link *l)
{
	if (l->conn)
		PQfinish(l->conn);
	l->conn = NULL;
}

int pg_link_lost(const struct pg_link *l) { return !l->conn || PQstatus(l->conn) == CONNECTION_BAD; }

PGresult *pg_link_exec(struct pg_link *l, const char *sql)
{
	uint64_t t0 = clock_now_ns();
	PGresult *r = PQexec(l->conn, sql);
	connmetrics_count_request(l->metrics, strlen(sql), t0, clock_now_ns());
	if (!r)
		r = PQmakeEmptyPGresult(l->conn, PGRES_FATAL_ERROR);
	return r;
}

int pg_link_command(struct pg_link *l, const char *sql, struct errbuf *e)
{
	PGresult *r = pg_link_exec(l, sql);
	int ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
	if (!ok) {
		char msg[700];
		pg_link_error(l, r, msg, sizeof msg);
		errbuf_set(e, "%s", msg);
	}
	PQclear(r);
	return ok ? 0 : -1;
}

PGresult *pg_link_next_result(struct pg_link *l)
{
	uint64_t t0 = clock_now_ns();
	PGresult *r = PQgetResult(l->conn);
	connmetrics_count_request(l->metrics, 0, t0, clock_now_ns());
	return r;
}

void pg_quote_ident(const char *s, size_t n, struct buf *out)
{
	buf_append_byte(out, '"');
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"')
			buf_append_byte(out, '"');
		buf_append_byte(out, s[i]);
	}
	buf_append_byte(out, '"');
}

int pg_quote_name(const char *name, struct buf *out)
{
	const char *p = name;
	for (;;) {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);
		if (!n)
			return -1;
		pg_quote_ident(p, n, out);
		if (!dot)
			return 0;
		buf_append_byte(out, '.');
		p = dot + 1;
	}
}
