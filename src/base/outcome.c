/* outcome.c: a finished run's exit status from its counts (outcome.h). */
#include "autoconfig.h"

#include "outcome.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int outcome_parse_max_errors(const char *text, struct max_errors *out)
{
	if (!text)
		return -1;
	while (*text == ' ' || *text == '\t')
		text++;
	if (!*text || *text == '-' || *text == '+')
		return -1;
	char *end;
	errno = 0;
	double v = strtod(text, &end);
	if (end == text || errno)
		return -1;
	const char *num_end = end;
	while (*end == ' ' || *end == '\t')
		end++;
	memset(out, 0, sizeof *out);
	if (*end == '%') {
		end++;
		while (*end == ' ' || *end == '\t')
			end++;
		if (*end || !(v >= 0 && v <= 100))
			return -1;
		out->is_pct = 1;
		out->pct = v;
		return 0;
	}
	/* a count: digits only */
	for (const char *c = text; c < num_end; c++)
		if (*c < '0' || *c > '9')
			return -1;
	if (*end || v > 1e18)
		return -1;
	out->count = (uint64_t)v;
	return 0;
}

uint64_t outcome_allowed_losses(const struct max_errors *m, uint64_t read)
{
	if (!m->is_pct)
		return m->count;
	/* floor: "1%" of 150 records allows 1, not 2 */
	return (uint64_t)floor(m->pct / 100.0 * (double)read + 1e-9);
}

void outcome_judge(struct run_outcome *o, int failed, int snapshot_written, uint64_t read, uint64_t errors,
		   uint64_t dead_lettered, const struct max_errors *m)
{
	o->snapshot_error[0] = 0;
	o->read = read;
	o->errors = errors;
	o->dead_lettered = dead_lettered;
	/* a record kept in the dead-letter file is not lost */
	o->lost = errors > dead_lettered ? errors - dead_lettered : 0;
	o->allowed = outcome_allowed_losses(m, read);
	if (failed)
		o->status = OUTCOME_FAILED;
	else if (o->lost > o->allowed)
		o->status = OUTCOME_LOST;
	else if (!snapshot_written)
		o->status = OUTCOME_NO_SNAPSHOT;
	else
		o->status = OUTCOME_OK;
}
