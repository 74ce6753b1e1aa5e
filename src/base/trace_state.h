/* trace_state.h: the execution tracer's process-wide state (profile/prof_trace.h);
 * the one instance is globals_trace (globals.h). */
#ifndef NEB_TRACE_STATE_H
#define NEB_TRACE_STATE_H

struct trace_state {
	_Atomic int on;
};

#endif
