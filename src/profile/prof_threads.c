/* prof_threads.c: the threads dump and leak detection. */
#include "autoconfig.h"

#include "prof_threads.h"

#include <dirent.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/buf.h"
#include "../../pipeline/channel.h"
#include "../base/clock.h"
#include "../../pipeline/tmetrics.h"
#include "../base/globals.h"
#include "../base/stack_walk.h"
#include "../symbols/symbolize.h"
#include "../base/thread_registry.h"

#define THREADS_DUMP_SIGNAL (SIGRTMIN + 2)

static void threads_on_dump_signal(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)si;
	struct thread_entry *t = globals_thread_entry;
	if (!t || atomic_load_explicit(&t->dump_state, memory_order_acquire) != 1)
		return;
	t->dump_depth = stack_walk_from_signal(STACK_WALK_LIBUNWIND, uc, t->stack_lo, t->stack_hi, t->dump_pcs, 64);
	atomic_store_explicit(&t->dump_state, 2, memory_order_release);
}

size_t threads_find_leaks(struct thread_leak *out, size_t max)
{
	size_t n = 0, k = thread_registry_count();
	for (size_t i = 0; i < k && n < max; i++) {
		struct thread_entry *t = thread_registry_get(i);
		if (!t || !atomic_load(&t->alive) || !t->metrics)
			continue;
		struct tmetrics *m = t->metrics;
		if (atomic_load(&m->state) != TSTATE_BACKPRESSURED && atomic_load(&m->state) != TSTATE_INTERNAL)
			continue;
		struct channel *c = atomic_load(&m->blocked_channel);
		if (c && channel_is_abandoned(c)) {
			snprintf(out[n].thread, sizeof out[n].thread, "%s", t->name);
			snprintf(out[n].channel, sizeof out[n].channel, "%s", channel_name(c));
			n++;
		}
	}
	return n;
}

/* Asks every live thread for its stack and waits (up to 200 ms) for them. */
static void threads_collect_stacks(void)
{
	static const struct sigaction sa = { .sa_sigaction = threads_on_dump_signal, .sa_flags = SA_SIGINFO | SA_RESTART };
	sigaction(THREADS_DUMP_SIGNAL, &sa, NULL);
	size_t k = thread_registry_count();
	for (size_t i = 0; i < k; i++) {
		struct thread_entry *t = thread_registry_get(i);
		if (!t || !atomic_load(&t->alive))
			continue;
		if (t == globals_thread_entry) { /* the dumping thread itself */
			t->dump_depth = stack_walk_here(STACK_WALK_LIBUNWIND, t->dump_pcs, 64);
			atomic_store(&t->dump_state, 2);
			continue;
		}
		atomic_store(&t->dump_state, 1);
		if (pthread_kill(t->pt, THREADS_DUMP_SIGNAL) != 0)
			atomic_store(&t->dump_state, 0);
	}
	uint64_t deadline = clock_now_ns() + 200000000ull;
	for (size_t i = 0; i < k; i++) {
		struct thread_entry *t = thread_registry_get(i);
		while (t && atomic_load(&t->dump_state) == 1 && clock_now_ns() < deadline)
			clock_sleep_ns(100000);
	}
}

static void threads_write_stack(struct buf *b, struct symbolizer *sym, struct thread_entry *t)
{
	if (atomic_load(&t->dump_state) != 2) {
		buf_printf(b, "  stack:    (the thread did not answer in time)\n");
		atomic_store(&t->dump_state, 0);
		return;
	}
	buf_printf(b, "  stack:\n");
	for (int f = 0; f < t->dump_depth; f++) {
		uint64_t pc = t->dump_pcs[f], at = f ? pc - 1 : pc;
		struct sym_info si = { 0 };
		if (sym && symbolize_lookup(sym, at, &si) && si.function) {
			buf_printf(b, "    #%-2d %s", f, si.function);
			if (si.file)
				buf_printf(b, " (%s:%d)", si.file, si.line);
			buf_printf(b, "\n");
		} else {
			buf_printf(b, "    #%-2d 0x%llx\n", f, (unsigned long long)pc);
		}
	}
	atomic_store(&t->dump_state, 0);
}

static void threads_write_state(struct buf *b, struct thread_entry *t, uint64_t now)
{
	struct tmetrics *m = t->metrics;
	if (!atomic_load(&t->alive)) {
		buf_printf(b, "  state:    ended\n");
		return;
	}
	if (!m) {
		buf_printf(b, "  state:    alive (a service thread: its stack says where it waits)\n");
		return;
	}
	int st = atomic_load(&m->state);
	uint64_t since = atomic_load(&m->state_since);
	const char *on = atomic_load(&m->waiting_on), *lock = atomic_load(&m->lock_wait);
	double ago = now > since ? (double)(now - since) / 1e9 : 0;
	if (lock) {
		uint64_t ls = atomic_load(&m->lock_since);
		buf_printf(b, "  state:    waiting for lock '%s' for %.3fs\n", lock,
			       now > ls ? (double)(now - ls) / 1e9 : 0);
	} else if (st == TSTATE_BUSY) {
		buf_printf(b, "  state:    running (busy for %.3fs)\n", ago);
	} else {
		buf_printf(b, "  state:    %s on %s for %.3fs\n", tstate_name((enum tstate)st), on ? on : "?", ago);
	}
}

int threads_write_dump(struct symbolizer *sym, uint64_t run_start_ns, char **out, size_t *len)
{
	threads_collect_stacks();
	uint64_t now = clock_now_ns();
	struct buf b = { NULL, 0, 0 };
	size_t k = thread_registry_count(), alive = 0;
	for (size_t i = 0; i < k; i++) {
		struct thread_entry *t = thread_registry_get(i);
		alive += t && atomic_load(&t->alive);
	}
	int os = thread_registry_count_os_threads();
	buf_printf(&b, "nebtop threads: %zu started by nebtop, %zu of them running; %d in the process\n\n", k,
		       alive, os);
	struct thread_leak leaks[64];
	size_t nl = threads_find_leaks(leaks, 64);
	if (nl) {
		buf_printf(&b, "Leaks (certain):\n");
		for (size_t i = 0; i < nl; i++)
			buf_printf(&b, "  thread %s is blocked sending to channel %s, whose receivers have all "
				       "ended: it will never go on\n", leaks[i].thread, leaks[i].channel);
		buf_printf(&b, "\n");
	}
	for (size_t i = 0; i < k; i++) {
		struct thread_entry *t = thread_registry_get(i);
		if (!t)
			continue;
		buf_printf(&b, "Thread %s (tid %d, %s%s%s)\n", t->name, (int)t->tid, t->role[0] ? t->role : "thread",
			       t->stage[0] ? ", stage " : "", t->stage);
		threads_write_state(&b, t, now);
		buf_printf(&b, "  cpu:      %.3fs\n", (double)thread_registry_cpu_ns(t) / 1e9);
		if (t->started_ns >= run_start_ns)
			buf_printf(&b, "  started:  %.3fs into the run\n", (double)(t->started_ns - run_start_ns) / 1e9);
		if (atomic_load(&t->alive))
			threads_write_stack(&b, sym, t);
		buf_printf(&b, "\n");
	}
	/* threads of the process that nebtop did not start (libraries) */
	DIR *d = opendir("/proc/self/task");
	int header = 0;
	struct dirent *de;
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		int tid = atoi(de->d_name), known = 0;
		for (size_t i = 0; i < k && !known; i++) {
			struct thread_entry *t = thread_registry_get(i);
			known = t && atomic_load(&t->alive) && t->tid == tid;
		}
		if (known)
			continue;
		char path[64], comm[64] = "?";
		snprintf(path, sizeof path, "/proc/self/task/%d/comm", tid);
		FILE *f = fopen(path, "r");
		if (f) {
			if (fgets(comm, sizeof comm, f))
				comm[strcspn(comm, "\n")] = 0;
			fclose(f);
		}
		if (!header)
			buf_printf(&b, "Threads nebtop did not start:\n");
		header = 1;
		buf_printf(&b, "  tid %d (%s)\n", tid, comm);
	}
	if (d)
		closedir(d);
	buf_append_byte(&b, 0);
	*out = b.p;
	*len = b.len - 1;
	return 0;
}
