/* secrets.c: the registry of secret values and hiding them in text (see secrets.h). */
#include "autoconfig.h"

#include "secrets.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"
#include "globals.h"

/* Adds one value (a copy), keeping the longest first so that a value that
 * holds another is hidden whole. */
static void secrets_add_one(const char *s, size_t n)
{
	struct secrets_state *g = &globals_secrets;
	if (n < SECRETS_MIN_LEN)
		return;
	pthread_rwlock_wrlock(&g->lock);
	size_t at = 0;
	for (; at < g->n && g->len[at] >= n; at++)
		if (g->len[at] == n && !memcmp(g->v[at], s, n)) {
			pthread_rwlock_unlock(&g->lock);
			return;
		}
	if (g->n == g->cap) {
		size_t cap = g->cap ? g->cap * 2 : 16;
		char **v = realloc(g->v, cap * sizeof *v);
		if (v)
			g->v = v;
		size_t *len = v ? realloc(g->len, cap * sizeof *len) : NULL;
		if (len)
			g->len = len;
		if (!v || !len) {
			pthread_rwlock_unlock(&g->lock);
			return;
		}
		g->cap = cap;
	}
	char *copy = malloc(n + 1);
	if (copy) {
		memcpy(copy, s, n);
		copy[n] = 0;
		memmove(g->v + at + 1, g->v + at, (g->n - at) * sizeof *g->v);
		memmove(g->len + at + 1, g->len + at, (g->n - at) * sizeof *g->len);
		g->v[at] = copy;
		g->len[at] = n;
		g->n++;
		atomic_store(&g->count, g->n);
	}
	pthread_rwlock_unlock(&g->lock);
}

/* The value, and as a JSON string's contents would show it (quotes and
 * backslashes escaped; then with '/' escaped too, as some encoders do). */
static void secrets_add_forms(const char *s, size_t n)
{
	secrets_add_one(s, n);
	char *esc = malloc(2 * n + 1);
	if (!esc)
		return;
	for (int slash = 0; slash < 2; slash++) {
		size_t o = 0;
		for (size_t i = 0; i < n; i++) {
			if (s[i] == '"' || s[i] == '\\' || (slash && s[i] == '/'))
				esc[o++] = '\\';
			esc[o++] = s[i];
		}
		if (o != n)
			secrets_add_one(esc, o);
	}
	free(esc);
}

/* Standard base64 (padding optional) into out (room for n bytes); -1 when s is not base64. */
static long secrets_base64_decode(const char *s, size_t n, unsigned char *out)
{
	unsigned acc = 0;
	int bits = 0;
	long o = 0;
	for (size_t i = 0; i < n; i++) {
		const char c = s[i];
		int v = c >= 'A' && c <= 'Z' ? c - 'A' : c >= 'a' && c <= 'z' ? c - 'a' + 26
			: c >= '0' && c <= '9' ? c - '0' + 52 : c == '+' ? 62 : c == '/' ? 63 : c == '=' ? -2 : -1;
		if (v == -1)
			return -1;
		if (v == -2)
			break;
		acc = acc << 6 | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)(acc >> bits & 0xff);
		}
	}
	return o;
}

void secrets_register(const char *value)
{
	if (!value)
		return;
	size_t n = strlen(value);
	secrets_add_forms(value, n);
	/* "Scheme credentials": the credentials alone */
	size_t w = 0;
	while (w < n && value[w] != ' ' && (unsigned char)value[w] > ' ')
		w++;
	size_t c = w;
	while (c < n && value[c] == ' ')
		c++;
	if (w == 0 || w == n || c == n)
		return;
	secrets_add_forms(value + c, n - c);
	if (w != 5 || strncasecmp(value, "basic", 5))
		return;
	/* Basic: base64 of user:password */
	unsigned char *dec = malloc(n - c + 1);
	long d = dec ? secrets_base64_decode(value + c, n - c, dec) : -1;
	if (d > 0 && utf8_find_invalid((const char *)dec, (size_t)d) == (size_t)d) {
		secrets_add_forms((const char *)dec, (size_t)d);
		const unsigned char *colon = memchr(dec, ':', (size_t)d);
		if (colon)
			secrets_add_forms((const char *)colon + 1, (size_t)(dec + d - colon - 1));
	}
	free(dec);
}

/* The length of the registered value at s[0..n) (at least SECRETS_MIN_LEN
 * of its bytes when s ends inside it), or 0. Called with the lock held. */
static size_t secrets_match(const struct secrets_state *g, const char *s, size_t n)
{
	for (size_t k = 0; k < g->n; k++) {
		size_t len = g->len[k];
		if (g->v[k][0] != s[0])
			continue;
		if (len <= n ? !memcmp(g->v[k], s, len) : n >= SECRETS_MIN_LEN && !memcmp(g->v[k], s, n))
			return len <= n ? len : n;
	}
	return 0;
}

size_t secrets_redact(char *dst, size_t cap, const char *s, size_t n)
{
	struct secrets_state *g = &globals_secrets;
	const size_t shown = sizeof SECRETS_SHOWN - 1;
	size_t o = 0, i = 0;
	if (!cap)
		return 0;
	if (!atomic_load(&g->count)) {
		o = n < cap - 1 ? n : utf8_cut(s, cap - 1);
		memcpy(dst, s, o);
		dst[o] = 0;
		return o;
	}
	pthread_rwlock_rdlock(&g->lock);
	while (i < n) {
		size_t m = secrets_match(g, s + i, n - i);
		if (m) {
			if (o + shown > cap - 1)
				break;
			memcpy(dst + o, SECRETS_SHOWN, shown);
			o += shown;
			i += m;
			continue;
		}
		if (o + 1 > cap - 1)
			break;
		dst[o++] = s[i++];
	}
	pthread_rwlock_unlock(&g->lock);
	if (i < n)
		o = utf8_cut(dst, o);
	dst[o] = 0;
	return o;
}

char *secrets_redact_dup(const char *s, size_t n, size_t *len)
{
	size_t cap = 2 * n + sizeof SECRETS_SHOWN;
	char *out = malloc(cap);
	if (out)
		*len = secrets_redact(out, cap, s, n);
	return out;
}

char *secrets_scrub_dup(const char *s, size_t n)
{
	size_t r;
	char *t = secrets_redact_dup(s, n, &r);
	if (!t || utf8_find_invalid(t, r) == r)
		return t;
	size_t cap = 4 * r + 1;
	char *out = malloc(cap);
	if (out)
		utf8_write_escaped(out, cap, t, r);
	free(t);
	return out;
}

void secrets_scrub(char *s, size_t cap)
{
	if (!cap)
		return;
	size_t n = strnlen(s, cap - 1);
	if (n == cap - 1) /* a full buffer: the message may have been cut inside a character */
		n = utf8_cut(s, n);
	s[n] = 0;
	if (!atomic_load(&globals_secrets.count) && utf8_find_invalid(s, n) == n)
		return;
	char small[2048];
	char *t = cap <= sizeof small ? small : malloc(cap);
	if (!t) {
		s[0] = 0;
		return;
	}
	size_t r = secrets_redact(t, cap, s, n);
	utf8_write_escaped(s, cap, t, r);
	if (t != small)
		free(t);
}

void secrets_redact_url(const char *url, char *dst, size_t n)
{
	size_t o = 0;
	const char *p = url;
	const char *scheme = strstr(url, "://");
	if (scheme) {
		const char *host = scheme + 3;
		size_t hostpart = strcspn(host, "/?#");
		const char *at = memchr(host, '@', hostpart);
		o += (size_t)snprintf(dst, n, "%.*s", (int)(host - url), url);
		p = at ? at + 1 : host;
	}
	int in_query = 0, in_value = 0;
	for (; *p && o + 4 < n; p++) {
		if (*p == '#')
			break;
		if (*p == '?' && !in_query) {
			in_query = 1;
		} else if (in_query && *p == '=' && !in_value) {
			in_value = 1;
			dst[o++] = '=';
			memcpy(dst + o, "...", 3);
			o += 3;
			continue;
		} else if (in_query && *p == '&') {
			in_value = 0;
		}
		if (!in_value)
			dst[o++] = *p;
	}
	if (n)
		dst[o < n ? o : n - 1] = 0;
}
