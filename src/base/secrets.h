/* secrets.h: the secret values nebtop knows, and hiding them in all text it
 * writes.
 *
 * One registry holds every secret value: the values of the configuration keys
 * marked secret (HTTP header values, passwords, conninfo strings), filled
 * while the configuration is applied, and the values the connectors learn
 * when they open (a header's ${VAR} expansion, a password read from
 * password_env, the password inside a conninfo). Registering happens before
 * and while the pipeline starts; reading is safe from any thread.
 *
 * secrets_redact replaces each registered value in a text by SECRETS_SHOWN.
 * It is applied where outside text enters a message (an HTTP error body, a
 * PostgreSQL message) and, as a last line of defence, by secrets_scrub where
 * a message leaves nebtop (errbuf messages, record error reasons, error
 * samples, the reports and the metrics), which also makes the message valid
 * UTF-8. Values shorter than SECRETS_MIN_LEN bytes are not registered: hiding
 * "ab" would hide every "ab" in every message. */
#ifndef NEB_SECRETS_H
#define NEB_SECRETS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>

#define SECRETS_MIN_LEN 6
#define SECRETS_SHOWN "(hidden)"

/* The registry (one, in globals.c), longest values first. */
struct secrets_state {
	pthread_rwlock_t lock;
	char **v;
	size_t *len;
	size_t n, cap;
	_Atomic size_t count; /* n, read without the lock: 0 = nothing to hide */
};

/* Registers value and the forms a server may echo it in: JSON-escaped; for
 * "Scheme credentials" (an Authorization value) the credentials alone; for
 * Basic, also the decoded "user:password" and the password. */
void secrets_register(const char *value);

/* Writes s[0..n) to dst (cap > 0 bytes, NUL-terminated) with every registered
 * value replaced by SECRETS_SHOWN, as is a registered value cut short at the
 * end of s (at least SECRETS_MIN_LEN of its bytes). What does not fit is left
 * out, cut between two characters. Returns the bytes written. */
size_t secrets_redact(char *dst, size_t cap, const char *s, size_t n);

/* The same into a new malloc'd string (its length in *len); NULL when out of memory. */
char *secrets_redact_dup(const char *s, size_t n, size_t *len);

/* A whole text about to be written (a report, the metrics): secrets hidden,
 * invalid UTF-8 shown as \xNN, into a new malloc'd string; NULL when out of memory. */
char *secrets_scrub_dup(const char *s, size_t n);

/* Makes the NUL-terminated message s (in a buffer of cap bytes) fit to leave
 * nebtop: secrets hidden, each byte of invalid UTF-8 shown as \xNN, nothing
 * cut inside a character. */
void secrets_scrub(char *s, size_t cap);

/* url as a message or a report shows it: user and password removed, query
 * values shown as "..." (dst: n bytes, NUL-terminated). */
void secrets_redact_url(const char *url, char *dst, size_t n);

#endif
