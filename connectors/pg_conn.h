/* pg_conn.h: what the postgresql source and destination share: their
 * connection keys, connecting (with the password from password_env, the
 * password key, or libpq's own PGPASSWORD and passfile), one-line error
 * messages that never hold the password, quoting of table names, and timed
 * round trips counted in the connector's metrics. */
#ifndef NEB_PG_CONN_H
#define NEB_PG_CONN_H

#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>

#include "../src/base/buf.h"
#include "../pipeline/connector.h"

/* The connection keys, at the start of both connectors' options. */
struct pg_conn_opts {
	char *conninfo, *host, *dbname, *user, *password, *password_env, *sslmode;
	uint64_t port;
	uint64_t connect_timeout; /* ns */
};

/* The connection keys' table entries for options struct TYPE whose struct
 * pg_conn_opts member is M (conninfo and password are secret: a conninfo URI
 * may hold a password). */
#define PG_CONN_KEYS(TYPE, M)                                                                                       \
	{ "conninfo", CONF_STRING, NULL, offsetof(TYPE, M.conninfo),                                               \
	  "libpq connection string or URI; the keys below override its parts", NULL, 0, 0, 1 },                     \
	{ "host", CONF_STRING, NULL, offsetof(TYPE, M.host), "server host name, address or socket folder", NULL, 0, \
	  0, 0 },                                                                                                   \
	{ "port", CONF_UINT, "0", offsetof(TYPE, M.port), "server port (0 = libpq's default)", NULL, 0, 65535, 0 }, \
	{ "dbname", CONF_STRING, NULL, offsetof(TYPE, M.dbname), "database name", NULL, 0, 0, 0 },                  \
	{ "user", CONF_STRING, NULL, offsetof(TYPE, M.user), "role to connect as", NULL, 0, 0, 0 },                 \
	{ "password", CONF_STRING, NULL, offsetof(TYPE, M.password),                                               \
	  "password (prefer password_env, PGPASSWORD or a passfile)", NULL, 0, 0, 1 },                              \
	{ "password_env", CONF_STRING, NULL, offsetof(TYPE, M.password_env),                                       \
	  "environment variable holding the password", NULL, 0, 0, 0 },                                             \
	{ "sslmode", CONF_STRING, NULL, offsetof(TYPE, M.sslmode), "libpq sslmode (disable, require, ...)", NULL,  \
	  0, 0, 0 },                                                                                                \
	{ "connect_timeout", CONF_DURATION, "10s", offsetof(TYPE, M.connect_timeout),                              \
	  "longest wait for the connection", NULL, 0, 0, 0 }

/* An open connection and what its messages need. */
struct pg_link {
	PGconn *conn;
	struct connmetrics *metrics;
	char name[256]; /* "dbname on host:port", for messages and describe */
};

/* Connects with the options of env->section (exit-2 errors in e, one line,
 * naming the section). Warns once on stderr when a password key comes from
 * an INI file that others may read. */
int pg_link_open(struct pg_link *l, const struct pg_conn_opts *o, const struct connector_env *env,
		 struct errbuf *e);
void pg_link_close(struct pg_link *l);
/* 1 when the connection is gone (server stopped, network down). */
int pg_link_lost(const struct pg_link *l);

/* The error of r (or of the connection when r is NULL) in one line: lines
 * joined with "; ", the secrets replaced by "(hidden)" (secrets.h). */
void pg_link_error(const struct pg_link *l, const PGresult *r, char *dst, size_t n);

/* PQexec timed as one request. The result is never NULL (PQclear it). */
PGresult *pg_link_exec(struct pg_link *l, const char *sql);
/* Runs a statement that returns no rows; -1 with the message in e. */
int pg_link_command(struct pg_link *l, const char *sql, struct errbuf *e);
/* Waits for the next result of a query sent with PQsendQuery, timed as one
 * request; NULL when there is none. */
PGresult *pg_link_next_result(struct pg_link *l);

/* Appends the n bytes of s quoted as one SQL identifier ("a""b"). */
void pg_quote_ident(const char *s, size_t n, struct buf *out);
/* Appends NAME (table, or schema.table: split at each dot) quoted, each part
 * as written (case kept); -1 when it is empty or has an empty part. */
int pg_quote_name(const char *name, struct buf *out);

#endif
