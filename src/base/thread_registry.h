/* thread_registry.h: every thread nebtop starts (pipeline threads, the
 * sampler, the profilers' collector, the signal thread, main) enters the
 * registry when it starts and leaves it when it ends: name, role, stage,
 * kernel thread id, stack bounds (for the CPU profiler's frame walk), CPU
 * clock, and its pipeline metrics (state: running, blocked on which channel
 * or lock, since when). Profilers hook thread starts and ends (the CPU
 * profiler arms a timer per thread). Entries are kept after a thread ends,
 * so profiles can still name it. */
#ifndef NEB_THREAD_REGISTRY_H
#define NEB_THREAD_REGISTRY_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

struct tmetrics;

#define THREAD_REGISTRY_MAX 4096
#define THREAD_REGISTRY_HOOKS 8

struct thread_entry {
	int index;
	pid_t tid;
	pthread_t pt;
	char name[32];
	char role[16];
	char stage[64];           /* the stage it works for, or "" */
	struct tmetrics *metrics; /* pipeline threads only */
	uintptr_t stack_lo, stack_hi;
	clockid_t cpu_clock;
	int has_cpu_clock;
	_Atomic int alive;
	uint64_t started_ns, ended_ns;
	uint64_t cpu_ns_at_end;
	/* the kernel's schedstat of the thread: kept open by the registry's
	 * readers while the thread lives (under the registry's mutex; -1 when
	 * not open), closed by the thread when it leaves */
	int sched_fd;
	int sched_failed;              /* it could not be read: no schedstat here */
	uint64_t run_delay_ns_at_end;  /* time runnable but waiting for a CPU, at its end */
	int has_run_delay_at_end;
	/* owned by the profilers */
	_Atomic(void *) cpu_ring; /* read by the SIGPROF handler */
	timer_t cpu_timer;
	_Atomic int has_cpu_timer;
	_Atomic(void *) trace_ring; /* the tracer's events of this thread */
	/* a stack asked for by the threads dump, written by the thread's own
	 * signal handler: 1 asked, 2 written */
	_Atomic int dump_state;
	int dump_depth;
	uint64_t dump_pcs[64];
};

struct thread_hook {
	void (*on_start)(struct thread_entry *t, void *arg); /* runs on the new thread */
	void (*on_end)(struct thread_entry *t, void *arg);   /* runs on the ending thread */
	void *arg;
};

struct thread_registry {
	pthread_mutex_t mu;
	struct thread_entry *entries[THREAD_REGISTRY_MAX];
	_Atomic size_t n;
	struct thread_hook hooks[THREAD_REGISTRY_HOOKS];
	size_t nhooks;
	_Atomic int sched_fds; /* the threads' schedstat files open for reading */
};

/* The calling thread enters the registry; NULL when it is full. */
struct thread_entry *thread_registry_enter(const char *name, const char *role, const char *stage,
					   struct tmetrics *m);
/* The calling thread leaves (before it ends). */
void thread_registry_leave(void);
/* The calling thread's entry, or NULL. Async-signal-safe. */
struct thread_entry *thread_registry_self(void);

size_t thread_registry_count(void);
struct thread_entry *thread_registry_get(size_t i);
/* CPU time of a thread (alive: from its clock; ended: at its end); any
 * thread may ask about any other. */
uint64_t thread_registry_cpu_ns(struct thread_entry *t);
/* CPU time of a thread, as thread_registry_cpu_ns, and in *wait_ns the
 * time it was runnable but waiting for a CPU (in the run queue: a busy
 * machine), from the kernel's schedstat; *wait_known is 0 when the kernel
 * does not keep it. */
uint64_t thread_registry_sched_ns(struct thread_entry *t, uint64_t *wait_ns, int *wait_known);
/* How many files the registry holds open to read the threads' schedstat
 * (the process's open files, less these, are the program's own). */
int thread_registry_count_sched_fds(void);
/* Parses a schedstat text ("run_ns wait_ns timeslices"): 0, or -1 when it is not one. */
int thread_registry_parse_schedstat(const char *text, uint64_t *run_ns, uint64_t *wait_ns);
/* Threads of the process now, counted in /proc/self/task (library threads too). */
int thread_registry_count_os_threads(void);

/* Hooks: on_start runs for threads entering afterwards; for the threads
 * already alive, the caller walks the registry itself. */
int thread_registry_add_hook(const struct thread_hook *h);
void thread_registry_remove_hook(void *arg);

#endif
