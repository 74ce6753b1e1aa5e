/* prof_events.h: the block and mutex profilers.
 *
 * Block: every wait of a pipeline thread on a channel (full when sending,
 * empty when receiving), on the batch pool or on a condition variable is
 * reported here with its duration; waits are sampled as Go's block profile
 * samples them (a wait of at least block_rate ns always, a shorter one with
 * probability wait / block_rate) and kept by stack, scaled back to estimates.
 * Mutex: a contended acquisition of one of nebtop's locks (lock.h) is timed;
 * one in mutex_fraction is kept by stack, scaled by mutex_fraction. Both give
 * pprof profiles of contentions/count and delay/nanoseconds. */
#ifndef NEB_PROF_EVENTS_H
#define NEB_PROF_EVENTS_H

#include <stddef.h>
#include <stdint.h>

#include "../base/errbuf.h"
#include "../../pipeline/hooks.h"

struct symbolizer;

enum evprof_kind { EVPROF_BLOCK = 0, EVPROF_MUTEX = 1 };

/* rate: block_rate in ns for EVPROF_BLOCK, mutex_fraction for EVPROF_MUTEX. */
void evprof_start(enum evprof_kind k, uint64_t rate);
void evprof_stop(enum evprof_kind k);
int evprof_is_on(enum evprof_kind k);
/* A wait of wait_ns by the calling thread on `on` (a channel or lock name;
 * the profile labels samples with it: channel=... or lock=...). The stack
 * is taken here: this is the engine's note_wait hook itself (pipeline/hooks.h),
 * so that no frame of a wrapper lands in the stack; HOOKS_WAIT_BLOCK and
 * HOOKS_WAIT_MUTEX are EVPROF_BLOCK and EVPROF_MUTEX. */
void evprof_note_wait(enum hooks_wait k, uint64_t wait_ns, const char *on);
int evprof_write_pprof(enum evprof_kind k, struct symbolizer *sym, unsigned char **out, size_t *len,
		       struct errbuf *e);

#endif
