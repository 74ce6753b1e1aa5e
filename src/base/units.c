/* units.c: parsing and formatting of durations, sizes and counts. */
#include "autoconfig.h"

#include "units.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int units_parse_uint(const char *s, uint64_t *v)
{
	if (!s || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	char *end;
	unsigned long long x = strtoull(s, &end, 10);
	if (errno || *end)
		return -1;
	*v = x;
	return 0;
}

int units_parse_bool(const char *s, int *v)
{
	if (!s)
		return -1;
	static const char *const yes[] = { "true", "yes", "on", "1" }, *const no[] = { "false", "no", "off", "0" };
	for (size_t i = 0; i < 4; i++) {
		if (!strcasecmp(s, yes[i])) {
			*v = 1;
			return 0;
		}
		if (!strcasecmp(s, no[i])) {
			*v = 0;
			return 0;
		}
	}
	return -1;
}

/* Splits "12.5ms" into a non-negative decimal number (digits, at most one
 * point; no sign, exponent or hex) and its unit. */
static int units_split_number(const char *s, double *num, const char **unit)
{
	if (!s)
		return -1;
	const char *p = s;
	int digits = 0, point = 0;
	for (; *p; p++) {
		if (isdigit((unsigned char)*p))
			digits++;
		else if (*p == '.' && !point)
			point = 1;
		else
			break;
	}
	if (!digits)
		return -1;
	errno = 0;
	double x = strtod(s, NULL);
	if (errno || !isfinite(x))
		return -1;
	while (*p == ' ')
		p++;
	*num = x;
	*unit = p;
	return 0;
}

int units_parse_duration(const char *s, uint64_t *ns)
{
	static const struct {
		const char *name;
		double ns;
	} table[] = { { "", 1e9 }, { "ns", 1 }, { "us", 1e3 }, { "ms", 1e6 }, { "s", 1e9 }, { "m", 60e9 }, { "h", 3600e9 } };
	double x;
	const char *unit;
	if (units_split_number(s, &x, &unit))
		return -1;
	for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
		if (!strcmp(unit, table[i].name)) {
			double v = x * table[i].ns;
			if (v > 1e18)
				return -1;
			*ns = (uint64_t)llround(v);
			return 0;
		}
	}
	return -1;
}

int units_parse_size(const char *s, uint64_t *bytes)
{
	static const struct {
		const char *name;
		double mult;
	} table[] = { { "", 1 }, { "b", 1 }, { "kb", 1e3 }, { "mb", 1e6 }, { "gb", 1e9 }, { "kib", 1024.0 }, { "mib", 1048576.0 }, { "gib", 1073741824.0 } };
	double x;
	const char *unit;
	if (units_split_number(s, &x, &unit))
		return -1;
	for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
		if (!strcasecmp(unit, table[i].name)) {
			double v = x * table[i].mult;
			if (v > 1e18 || v != floor(v))
				return -1;
			*bytes = (uint64_t)v;
			return 0;
		}
	}
	return -1;
}

void units_format_duration(char *dst, size_t n, uint64_t ns)
{
	if (ns < 1000) {
		snprintf(dst, n, "%lluns", (unsigned long long)ns);
		return;
	}
	if (ns >= 120000000000ull) {
		uint64_t s = (ns + 500000000ull) / 1000000000ull;
		snprintf(dst, n, "%llum%02llus", (unsigned long long)(s / 60), (unsigned long long)(s % 60));
		return;
	}
	/* us, ms, then s, moving up when the rounded figure reaches 1000 */
	static const struct {
		const char *unit;
		double div;
		const char *fmt;
	} steps[] = { { "us", 1e3, "%.1f%s" }, { "ms", 1e6, "%.1f%s" }, { "s", 1e9, "%.2f%s" } };
	for (size_t i = 0; i < 3; i++) {
		double v = (double)ns / steps[i].div;
		char tmp[32];
		snprintf(tmp, sizeof tmp, steps[i].fmt, v, steps[i].unit);
		if (atof(tmp) < 1000 || i == 2) {
			snprintf(dst, n, "%s", tmp);
			return;
		}
	}
}

void units_format_bytes(char *dst, size_t n, double bytes)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	int u = 0;
	while (bytes >= 1024 && u < 4) {
		bytes /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(dst, n, "%.0f B", bytes);
	else
		snprintf(dst, n, "%.1f %s", bytes, unit[u]);
}

void units_format_count(char *dst, size_t n, uint64_t v)
{
	if (n == 0)
		return;
	char tmp[32], full[48];
	int len = snprintf(tmp, sizeof tmp, "%llu", (unsigned long long)v);
	size_t o = 0;
	for (int i = 0; i < len; i++) {
		if (i > 0 && (len - i) % 3 == 0)
			full[o++] = ',';
		full[o++] = tmp[i];
	}
	full[o] = 0;
	snprintf(dst, n, "%s", full); /* a short buffer gets the start of the full text */
}
