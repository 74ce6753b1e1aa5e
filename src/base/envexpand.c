/* envexpand.c: ${VAR} in a configuration value, from the environment. */
#include "autoconfig.h"

#include "envexpand.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

int envexpand_value(const char *value, char **out, char *var, size_t nvar)
{
	struct buf b = { 0 };
	for (const char *p = value; *p;) {
		if (p[0] == '$' && p[1] == '{') {
			const char *end = strchr(p + 2, '}');
			if (!end) {
				snprintf(var, nvar, "%s", "");
				buf_free(&b);
				return -1;
			}
			snprintf(var, nvar, "%.*s", (int)(end - p - 2), p + 2);
			const char *v = getenv(var);
			if (!v || !var[0]) {
				buf_free(&b);
				return -1;
			}
			buf_append(&b, v, strlen(v));
			p = end + 1;
		} else {
			buf_append_byte(&b, *p++);
		}
	}
	buf_append_byte(&b, 0);
	*out = b.p;
	return 0;
}

void envexpand_explain(char *dst, size_t n, const char *where, const char *var)
{
	if (!var[0])
		snprintf(dst, n, "%s: '${' without a closing '}' or a variable name", where);
	else
		snprintf(dst, n, "%s: environment variable '%s' is not set", where, var);
}
