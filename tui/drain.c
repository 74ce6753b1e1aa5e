/* drain.c: the status line of a draining quit (drain.h). */
#include "autoconfig.h"

#include "drain.h"

#include <stdio.h>
#include <string.h>

#include "../src/base/units.h"
#include "model.h"

void tui_drain_status(char *dst, size_t n, const struct tui_model *m, uint64_t out0, double secs)
{
	/* read, and neither written, filtered nor failed yet */
	uint64_t done = m->out + m->filtered + m->errors;
	uint64_t left = m->in > done ? m->in - done : 0;
	/* of them, those waiting in channels; the fullest channel by name */
	uint64_t queued = 0, most = 0;
	const char *where = NULL;
	for (size_t i = 0; i < m->nchannels; i++) {
		uint64_t c = (uint64_t)((double)m->channels[i].capacity * m->channels[i].fill_pct / 100.0 + 0.5);
		queued += c;
		if (c > most) {
			most = c;
			where = m->channels[i].name;
		}
	}
	if (queued > left)
		queued = left;
	uint64_t written = m->out > out0 ? m->out - out0 : 0;
	/* the destination's rate over the last second, else since the quit */
	double rate = m->nstages ? m->stages[m->nstages - 1].rate : 0;
	if (!(rate > 0) && secs > 0)
		rate = (double)written / secs;
	char l[32], q[32], w[32], r[32], eta[32], in_ch[160] = "", est[96] = "";
	units_format_count(l, sizeof l, left);
	units_format_count(q, sizeof q, queued);
	units_format_count(w, sizeof w, written);
	if (queued && where)
		snprintf(in_ch, sizeof in_ch, ", %s in channels (most in %s), the rest in the stages", q, where);
	if (left && rate > 0) {
		units_format_count(r, sizeof r, (uint64_t)(rate + 0.5));
		/* whole seconds: an estimate, not a measure */
		uint64_t secs_left = (uint64_t)((double)left / rate + 0.5);
		if (secs_left < 1)
			secs_left = 1;
		if (secs_left < 120)
			snprintf(eta, sizeof eta, "%llus", (unsigned long long)secs_left);
		else
			units_format_duration(eta, sizeof eta, secs_left * 1000000000ull);
		snprintf(est, sizeof est, "; about %s left at %s/s", eta, r);
	}
	snprintf(dst, n, "draining (q again or Ctrl-C abandons it): %s record%s to write%s; %s written since q%s", l,
		 left == 1 ? "" : "s", in_ch, w, est);
}
