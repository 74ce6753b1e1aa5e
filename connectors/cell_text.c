/* cell_text.c: checks of values sent as text (see cell_text.h). */
#include "autoconfig.h"

#include "cell_text.h"

#include <string.h>

int cell_text_is_int(const char *p, size_t n)
{
	size_t i = n && p[0] == '-';
	if (i == n)
		return 0;
	while (i + 1 < n && p[i] == '0') /* leading zeros do not count */
		i++;
	size_t digits = n - i;
	for (size_t k = i; k < n; k++)
		if (p[k] < '0' || p[k] > '9')
			return 0;
	if (digits != 19)
		return digits < 19;
	/* as many digits as the limit: compared as text */
	const char *limit = p[0] == '-' ? "9223372036854775808" : "9223372036854775807";
	return memcmp(p + i, limit, 19) <= 0;
}

int cell_text_is_number(const char *p, size_t n)
{
	size_t i = 0;
	if (i < n && p[i] == '-')
		i++;
	if (i == n || p[i] < '0' || p[i] > '9')
		return 0;
	if (p[i] == '0')
		i++;
	else
		while (i < n && p[i] >= '0' && p[i] <= '9')
			i++;
	if (i < n && p[i] == '.') {
		if (++i == n || p[i] < '0' || p[i] > '9')
			return 0;
		while (i < n && p[i] >= '0' && p[i] <= '9')
			i++;
	}
	if (i < n && (p[i] == 'e' || p[i] == 'E')) {
		i++;
		if (i < n && (p[i] == '+' || p[i] == '-'))
			i++;
		if (i == n || p[i] < '0' || p[i] > '9')
			return 0;
		while (i < n && p[i] >= '0' && p[i] <= '9')
			i++;
	}
	return i == n;
}
