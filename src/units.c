/* units.c: parsing and formatting of durations, sizes and counts. */
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

/* Splits "12.5ms" into a non-negative number and its unit. */
static int units_split_number(const char *s, double *num, const char **unit)
{
	if (!s || !(isdigit((unsigned char)*s) || *s == '.'))
		return -1;
	errno = 0;
	char *end;
	double x = strtod(s, &end);
	if (errno || end == s || !isfinite(x) || x < 0)
		return -1;
	while (*end == ' ')
		end++;
	*num = x;
	*unit = end;
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
	} table[] = { { "", 1 }, { "b", 1 }, { "kb", 1e3 }, { "mb", 1e6 }, { "gb", 1e9 }, { "k", 1024.0 },
		      { "kib", 1024.0 }, { "mib", 1048576.0 }, { "gib", 1073741824.0 } };
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
	if (ns < 1000)
		snprintf(dst, n, "%lluns", (unsigned long long)ns);
	else if (ns < 1000000)
		snprintf(dst, n, "%.1fus", ns / 1e3);
	else if (ns < 1000000000)
		snprintf(dst, n, "%.1fms", ns / 1e6);
	else if (ns < 120000000000ull)
		snprintf(dst, n, "%.2fs", ns / 1e9);
	else
		snprintf(dst, n, "%llum%02llus", (unsigned long long)(ns / 60000000000ull),
			 (unsigned long long)(ns / 1000000000ull % 60));
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
	char tmp[32];
	int len = snprintf(tmp, sizeof tmp, "%llu", (unsigned long long)v);
	size_t o = 0;
	for (int i = 0; i < len && o + 1 < n; i++) {
		if (i > 0 && (len - i) % 3 == 0 && o + 2 < n)
			dst[o++] = ',';
		dst[o++] = tmp[i];
	}
	dst[o] = 0;
}
