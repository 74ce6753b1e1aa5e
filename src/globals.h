/* globals.h: every piece of mutable state that is global to the process or
 * to a thread lives here, and only here, so it can be seen at a glance. */
#ifndef NEB_GLOBALS_H
#define NEB_GLOBALS_H

#include <signal.h>

struct tmetrics;

/* The metrics of the pipeline thread running this code, or NULL on threads
 * that are not pipeline threads (the main thread, the sampler). Channels and
 * pools charge blocked time to it. */
extern _Thread_local struct tmetrics *globals_thread_metrics;

#endif
