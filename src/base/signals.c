/* signals.c: the signal thread. */
#include "autoconfig.h"

#include "signals.h"

#include "thread_registry.h"

#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void signals_fill_set(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGUSR1);
}

void signals_block(void)
{
	sigset_t set;
	signals_fill_set(&set);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

static uint64_t signals_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void *signals_thread_main(void *arg)
{
	struct signals *s = arg;
	sigset_t set;
	signals_fill_set(&set);
	pthread_setname_np(pthread_self(), "nebtop/signals");
	thread_registry_enter("nebtop/signals", "signals", NULL, NULL);
	while (!atomic_load(&s->quit)) {
		int sig;
		if (sigwait(&set, &sig) != 0)
			continue;
		if (atomic_load(&s->quit))
			break;
		atomic_store(&s->last_signal, sig);
		if (sig == SIGUSR1) {
			atomic_fetch_add(&s->snapshot_requests, 1);
			continue;
		}
		/* a second stop signal forces the exit, unless it comes within a
		 * second of the first: `timeout` and shells that signal the whole
		 * process group deliver the same request twice at once */
		uint64_t now = signals_now_ms();
		if (atomic_fetch_add(&s->stop_requests, 1) == 0) {
			s->first_stop_ms = now;
		} else if (now - s->first_stop_ms >= 1000 && atomic_load(&s->main_takes_abandon)) {
			atomic_store(&s->abandon, 1);
		} else if (now - s->first_stop_ms >= 1000) {
			void (*restore)(void) = atomic_load(&s->before_exit);
			if (restore)
				restore();
			/* the main thread is not in its loop (it joins the threads,
			 * commits the output or writes the final snapshot): no count */
			static const char msg[] = "nebtop: abandoned by a second stop signal while the run was ending: "
						  "exiting at once (status 130); an output not yet committed stays "
						  "under its .part name, and the final snapshot is not written\n";
			ssize_t w = write(STDERR_FILENO, msg, sizeof msg - 1);
			(void)w;
			_exit(130);
		}
	}
	thread_registry_leave();
	return NULL;
}

int signals_start(struct signals *s)
{
	memset(s, 0, sizeof *s);
	if (pthread_create(&s->tid, NULL, signals_thread_main, s) != 0)
		return -1;
	s->running = 1;
	return 0;
}

void signals_stop(struct signals *s)
{
	if (!s->running)
		return;
	atomic_store(&s->quit, 1);
	pthread_kill(s->tid, SIGUSR1);
	pthread_join(s->tid, NULL);
	s->running = 0;
}
