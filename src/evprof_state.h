/* evprof_state.h: the block and mutex profilers' process-wide state (waits
 * are reported from any thread). The instances are globals_evprof[] in
 * globals.c. */
#ifndef NEB_EVPROF_STATE_H
#define NEB_EVPROF_STATE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "stack_table.h"

struct evprof_site {
	double count, delay_ns; /* scaled estimates */
};

struct evprof_state {
	_Atomic int on;
	_Atomic uint64_t rate;
	pthread_mutex_t mu; /* guards what follows */
	struct stack_table stacks;
	struct evprof_site *sites; /* one per stack */
	uint32_t sites_cap;
	uint64_t events, sampled;
};

#endif
