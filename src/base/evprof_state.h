/* evprof_state.h: the block and mutex profilers' process-wide state (waits
 * are reported from any thread). The instances are globals_evprof[] in
 * globals.c. */
#ifndef NEB_EVPROF_STATE_H
#define NEB_EVPROF_STATE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "stack_table.h"

/* A stack waiting on one channel or lock. */
struct evprof_site {
	uint32_t stack;
	uint32_t label; /* index into labels */
	double count, delay_ns; /* scaled estimates */
};

struct evprof_state {
	_Atomic int on;
	_Atomic uint64_t rate;
	pthread_mutex_t mu; /* guards what follows */
	struct stack_table stacks;
	struct evprof_site *sites;
	uint32_t nsites, sites_cap;
	char **labels; /* channel or lock names, copied */
	uint32_t nlabels, labels_cap;
	uint64_t events, sampled;
};

#endif
