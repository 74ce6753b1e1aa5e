/* profile_hooks.c: the profilers' side of the engine's hooks (pipeline/hooks.h):
 * trace events to the tracer, waits to the block and mutex profiles,
 * allocation counters from the memory profiler. */
#include "autoconfig.h"

#include "../../pipeline/hooks.h"
#include "memprof.h"
#include "prof_events.h"
#include "prof_trace.h"
#include "profiler.h"

_Static_assert((int)HOOKS_WAIT_BLOCK == (int)EVPROF_BLOCK && (int)HOOKS_WAIT_MUTEX == (int)EVPROF_MUTEX,
	       "the engine's wait kinds are the event profiles' kinds");

static void profile_hooks_read_allocs(struct hooks_allocs *out)
{
	struct memprof_stats ms;
	memprof_read_stats(&ms);
	*out = (struct hooks_allocs){ ms.allocs, ms.frees, ms.bytes_alloc, ms.bytes_freed };
}

static const struct pipeline_hooks profile_hooks = {
	.trace_complete = trace_complete,
	.trace_counter = trace_counter,
	.trace_is_on = trace_is_on,
	.note_wait = evprof_note_wait, /* itself: the stack it takes starts at the waiter */
	.read_allocs = profile_hooks_read_allocs,
};

void profiler_install_hooks(void)
{
	atomic_store_explicit(&globals_hooks, &profile_hooks, memory_order_release);
}
