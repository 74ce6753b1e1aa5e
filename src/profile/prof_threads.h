/* prof_threads.h: the threads profile (type goroutine, alias threads): a dump
 * of every thread nebtop started, like a goroutine dump: name, role, stage,
 * state (running, or blocked on which channel or lock, since when), CPU time
 * and its current stack (captured by signalling the thread); the threads of
 * the process that nebtop did not start (from /proc/self/task); and leaks:
 * a thread blocked sending to a channel whose receivers have all ended is a
 * certain leak. */
#ifndef NEB_PROF_THREADS_H
#define NEB_PROF_THREADS_H

#include <stddef.h>
#include <stdint.h>

struct symbolizer;

struct thread_leak {
	char thread[32];
	char channel[96];
};

/* Certain leaks among the registered threads; returns how many (up to max). */
size_t threads_find_leaks(struct thread_leak *out, size_t max);

/* The text of threads_TS.txt; run_start_ns is when the run began (for the
 * "started at" and "since" times). malloc'd. */
int threads_write_dump(struct symbolizer *sym, uint64_t run_start_ns, char **out, size_t *len);

#endif
