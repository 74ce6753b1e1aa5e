/* globals.c: definitions of the global and thread-local state declared in globals.h. */
#include "globals.h"

_Thread_local struct tmetrics *globals_thread_metrics;
