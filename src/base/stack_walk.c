/* stack_walk.c: frame-pointer and libunwind stack capture. */
#include "autoconfig.h"

#include "stack_walk.h"

#include <errno.h>
#include <signal.h>
#include <ucontext.h>

#define UNW_LOCAL_ONLY
#include <libunwind.h>

static int stack_walk_frames(uintptr_t fp, uintptr_t sp, uintptr_t lo, uintptr_t hi, uint64_t *pcs, int n, int max)
{
	if (!lo || !hi) { /* unknown bounds: allow a window above the stack pointer */
		lo = sp;
		hi = sp + (8u << 20);
	}
	while (n < max) {
		if (fp < sp || fp < lo || fp + 16 > hi || (fp & 7))
			break;
		const uintptr_t *frame = (const uintptr_t *)fp;
		uintptr_t next = frame[0], ret = frame[1];
		if (ret < 4096)
			break;
		pcs[n++] = ret;
		if (next <= fp)
			break;
		fp = next;
	}
	return n;
}

static int stack_walk_libunwind(unw_cursor_t *cur, uint64_t *pcs, int max)
{
	int n = 0;
	do {
		unw_word_t ip;
		if (unw_get_reg(cur, UNW_REG_IP, &ip) < 0 || ip == 0)
			break;
		pcs[n++] = ip;
	} while (n < max && unw_step(cur) > 0);
	return n;
}

/* libunwind sets itself up on first use; doing it here, before main and any
 * thread, keeps that set-up out of signal handlers and makes it visible to
 * every thread (ThreadSanitizer cannot see libunwind's own synchronization). */
__attribute__((constructor)) static void stack_walk_warm_up(void)
{
	unw_context_t uc;
	unw_cursor_t cur;
	uint64_t pcs[4];
	if (unw_getcontext(&uc) == 0 && unw_init_local(&cur, &uc) == 0)
		stack_walk_libunwind(&cur, pcs, 4);
}

int stack_walk_from_signal(enum stack_walk_kind kind, void *ucontext, uintptr_t stack_lo, uintptr_t stack_hi,
			   uint64_t *pcs, int max)
{
	if (max <= 0)
		return 0;
	ucontext_t *uc = ucontext;
	if (kind == STACK_WALK_LIBUNWIND) {
		int saved = errno; /* the interrupted code must find errno as it left it */
		unw_cursor_t cur;
		int n = unw_init_local2(&cur, (unw_context_t *)uc, UNW_INIT_SIGNAL_FRAME) < 0
				? 0
				: stack_walk_libunwind(&cur, pcs, max);
		errno = saved;
		return n;
	}
#if defined(__x86_64__)
	uintptr_t pc = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
	uintptr_t fp = (uintptr_t)uc->uc_mcontext.gregs[REG_RBP];
	uintptr_t sp = (uintptr_t)uc->uc_mcontext.gregs[REG_RSP];
#elif defined(__aarch64__)
	uintptr_t pc = (uintptr_t)uc->uc_mcontext.pc;
	uintptr_t fp = (uintptr_t)uc->uc_mcontext.regs[29];
	uintptr_t sp = (uintptr_t)uc->uc_mcontext.sp;
#else
	uintptr_t pc = 0, fp = 0, sp = 0;
	(void)uc;
	return 0;
#endif
	pcs[0] = pc;
	return stack_walk_frames(fp, sp, stack_lo, stack_hi, pcs, 1, max);
}

__attribute__((noinline)) int stack_walk_here(enum stack_walk_kind kind, uint64_t *pcs, int max)
{
#ifdef NEB_TSAN
	/* libunwind frees its per-thread cache at thread exit from a TSD
	 * destructor whose mutex call crashes inside ThreadSanitizer's
	 * interceptor: TSan builds walk frame pointers here */
	kind = STACK_WALK_FP;
#endif
	if (kind == STACK_WALK_LIBUNWIND) {
		/* unw_backtrace would answer the same, but its first call in each
		 * thread makes and fills a 256 KiB cache of that thread: fresh
		 * pages that cost more than the walks of a run's memory samples
		 * (measured: about 5 ms of a one-row run with -types memory, its
		 * threads each taking a sample at start-up). Stepping frame by
		 * frame keeps no such cache. The first frame is this function's
		 * own, left out, so the walk starts, as unw_backtrace's did, at
		 * the return address into the caller. */
		unw_context_t uc;
		unw_cursor_t cur;
		uint64_t all[STACK_WALK_MAX + 1];
		if (max <= 0 || unw_getcontext(&uc) < 0 || unw_init_local(&cur, &uc) < 0)
			return 0;
		int n = stack_walk_libunwind(&cur, all, max + 1 < STACK_WALK_MAX + 1 ? max + 1 : STACK_WALK_MAX + 1);
		for (int i = 1; i < n; i++)
			pcs[i - 1] = all[i];
		return n > 0 ? n - 1 : 0;
	}
	uintptr_t fp = (uintptr_t)__builtin_frame_address(0);
	return stack_walk_frames(fp, fp, 0, 0, pcs, 0, max);
}
