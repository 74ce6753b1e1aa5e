/* thread_registry.c: threads entering and leaving the registry. */
#include "autoconfig.h"

#include "thread_registry.h"

#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "clock.h"
#include "globals.h"

static uint64_t thread_registry_clock_ns(clockid_t c)
{
	struct timespec ts;
	if (clock_gettime(c, &ts) != 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Runs every hook's on_start (start = 1) or on_end for t; called with r->mu
 * held, which it releases before calling them (a copy of the hooks). */
static void thread_registry_run_hooks(struct thread_registry *r, struct thread_entry *t, int start)
{
	struct thread_hook hooks[THREAD_REGISTRY_HOOKS];
	size_t nh = r->nhooks;
	memcpy(hooks, r->hooks, nh * sizeof *hooks);
	pthread_mutex_unlock(&r->mu);
	for (size_t i = 0; i < nh; i++) {
		void (*fn)(struct thread_entry *, void *) = start ? hooks[i].on_start : hooks[i].on_end;
		if (fn)
			fn(t, hooks[i].arg);
	}
}

struct thread_entry *thread_registry_enter(const char *name, const char *role, const char *stage, struct tmetrics *m)
{
	struct thread_registry *r = &globals_threads;
	struct thread_entry *t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	t->tid = (pid_t)syscall(SYS_gettid);
	t->pt = pthread_self();
	snprintf(t->name, sizeof t->name, "%s", name ? name : "thread");
	snprintf(t->role, sizeof t->role, "%s", role ? role : "");
	snprintf(t->stage, sizeof t->stage, "%s", stage ? stage : "");
	t->metrics = m;
	t->started_ns = clock_now_ns();
	pthread_attr_t attr;
	if (pthread_getattr_np(pthread_self(), &attr) == 0) {
		void *addr;
		size_t size;
		if (pthread_attr_getstack(&attr, &addr, &size) == 0) {
			t->stack_lo = (uintptr_t)addr;
			t->stack_hi = (uintptr_t)addr + size;
		}
		pthread_attr_destroy(&attr);
	}
	t->has_cpu_clock = pthread_getcpuclockid(pthread_self(), &t->cpu_clock) == 0;
	t->sched_fd = -1;
	atomic_store(&t->alive, 1);
	pthread_mutex_lock(&r->mu);
	size_t n = atomic_load(&r->n);
	if (n == THREAD_REGISTRY_MAX) {
		pthread_mutex_unlock(&r->mu);
		free(t);
		return NULL;
	}
	t->index = (int)n;
	r->entries[n] = t;
	atomic_store(&r->n, n + 1);
	globals_thread_entry = t;
	thread_registry_run_hooks(r, t, 1);
	return t;
}

void thread_registry_leave(void)
{
	struct thread_registry *r = &globals_threads;
	struct thread_entry *t = globals_thread_entry;
	if (!t)
		return;
	pthread_mutex_lock(&r->mu);
	thread_registry_run_hooks(r, t, 0);
	t->cpu_ns_at_end = t->has_cpu_clock ? thread_registry_clock_ns(t->cpu_clock) : 0;
	char text[128];
	uint64_t run, wait;
	int fd = open("/proc/thread-self/schedstat", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, text, sizeof text - 1) : -1;
	if (fd >= 0)
		close(fd);
	text[n > 0 ? n : 0] = 0;
	pthread_mutex_lock(&r->mu);
	if (thread_registry_parse_schedstat(text, &run, &wait) == 0) {
		t->run_delay_ns_at_end = wait;
		t->has_run_delay_at_end = 1;
	}
	if (t->sched_fd >= 0) { /* no reader uses it once the mutex is let go */
		close(t->sched_fd);
		atomic_fetch_sub(&r->sched_fds, 1);
	}
	t->sched_fd = -1;
	t->ended_ns = clock_now_ns();
	atomic_store(&t->alive, 0);
	pthread_mutex_unlock(&r->mu);
	globals_thread_entry = NULL;
}

struct thread_entry *thread_registry_self(void) { return globals_thread_entry; }

size_t thread_registry_count(void) { return atomic_load(&globals_threads.n); }

struct thread_entry *thread_registry_get(size_t i)
{
	return i < atomic_load(&globals_threads.n) ? globals_threads.entries[i] : NULL;
}

uint64_t thread_registry_cpu_ns(struct thread_entry *t)
{
	if (!atomic_load(&t->alive))
		return t->cpu_ns_at_end;
	uint64_t ns = t->has_cpu_clock ? thread_registry_clock_ns(t->cpu_clock) : 0;
	/* a thread that ended since it was seen alive has no clock any more,
	 * and its time at the end was kept before it said so */
	if (!ns && !atomic_load(&t->alive))
		return t->cpu_ns_at_end;
	return ns;
}

int thread_registry_count_sched_fds(void) { return atomic_load(&globals_threads.sched_fds); }

int thread_registry_parse_schedstat(const char *text, uint64_t *run_ns, uint64_t *wait_ns)
{
	uint64_t slices;
	return sscanf(text, "%" SCNu64 " %" SCNu64 " %" SCNu64, run_ns, wait_ns, &slices) == 3 ? 0 : -1;
}

uint64_t thread_registry_sched_ns(struct thread_entry *t, uint64_t *wait_ns, int *wait_known)
{
	struct thread_registry *r = &globals_threads;
	*wait_ns = 0;
	*wait_known = 0;
	pthread_mutex_lock(&r->mu);
	if (!atomic_load(&t->alive)) {
		*wait_ns = t->run_delay_ns_at_end;
		*wait_known = t->has_run_delay_at_end;
		pthread_mutex_unlock(&r->mu);
		return t->cpu_ns_at_end;
	}
	if (t->sched_fd < 0 && !t->sched_failed) {
		char path[64];
		snprintf(path, sizeof path, "/proc/self/task/%d/schedstat", (int)t->tid);
		t->sched_fd = open(path, O_RDONLY | O_CLOEXEC);
		t->sched_failed = t->sched_fd < 0;
		if (t->sched_fd >= 0)
			atomic_fetch_add(&r->sched_fds, 1);
	}
	char text[128];
	ssize_t n = t->sched_fd >= 0 ? pread(t->sched_fd, text, sizeof text - 1, 0) : -1;
	text[n > 0 ? n : 0] = 0;
	uint64_t run;
	int ok = thread_registry_parse_schedstat(text, &run, wait_ns) == 0;
	pthread_mutex_unlock(&r->mu);
	*wait_known = ok;
	/* the CPU clock is the same count as schedstat's run time, and it
	 * stays readable without schedstat */
	return thread_registry_cpu_ns(t);
}

int thread_registry_count_os_threads(void)
{
	DIR *d = opendir("/proc/self/task");
	if (!d)
		return -1;
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

int thread_registry_add_hook(const struct thread_hook *h)
{
	struct thread_registry *r = &globals_threads;
	pthread_mutex_lock(&r->mu);
	int rc = -1;
	if (r->nhooks < THREAD_REGISTRY_HOOKS) {
		r->hooks[r->nhooks++] = *h;
		rc = 0;
	}
	pthread_mutex_unlock(&r->mu);
	return rc;
}

void thread_registry_remove_hook(void *arg)
{
	struct thread_registry *r = &globals_threads;
	pthread_mutex_lock(&r->mu);
	for (size_t i = 0; i < r->nhooks;)
		if (r->hooks[i].arg == arg)
			r->hooks[i] = r->hooks[--r->nhooks];
		else
			i++;
	pthread_mutex_unlock(&r->mu);
}
