/* signals.h: nebtop's signal handling. SIGINT, SIGTERM and SIGUSR1 are
 * blocked in every thread and taken by one signal thread with sigwait, which
 * turns them into requests the main loop acts on: stop, abandon (a second
 * SIGINT or SIGTERM a second or more after the first: the drain is cut
 * short) and snapshot. While the main thread's loop runs it acts on the
 * abandon itself (it says what was left where); elsewhere (joining the
 * threads, the final snapshot) the signal thread exits at once. SIGPIPE is
 * ignored so a closed output pipe is an error message, not a silent death. */
#ifndef NEB_SIGNALS_H
#define NEB_SIGNALS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

struct signals {
	pthread_t tid;
	int running;
	_Atomic int stop_requests;     /* SIGINT/SIGTERM received */
	_Atomic int snapshot_requests; /* SIGUSR1 received, not yet served */
	_Atomic int last_signal;
	_Atomic int quit;
	_Atomic int abandon;            /* a second stop signal, for the main loop */
	_Atomic int main_takes_abandon; /* the main thread's loop runs: it acts on abandon */
	uint64_t first_stop_ms; /* signal thread only */
	/* called (from the signal thread) before an exit at once: the front end
	 * puts the terminal back; it may only use async-signal-safe calls */
	_Atomic(void (*)(void)) before_exit;
};

/* Blocks the signals in the calling thread (do it before starting threads). */
void signals_block(void);
int signals_start(struct signals *s);
void signals_stop(struct signals *s);

#endif
