/* stack_walk.h: capturing the call stack of an interrupted thread inside a
 * signal handler: no allocation, no lock, no dynamic loader.
 *
 * Two ways, chosen when the profiler starts: frame pointers (nebtop is built
 * with -fno-omit-frame-pointer; every step is checked against the thread's
 * stack bounds, so a library built without frame pointers ends the walk
 * early instead of crashing it) and libunwind's DWARF unwinder started from
 * the signal frame (correct through such libraries, slower). */
#ifndef NEB_STACK_WALK_H
#define NEB_STACK_WALK_H

#include <stddef.h>
#include <stdint.h>

#define STACK_WALK_MAX 64

enum stack_walk_kind { STACK_WALK_FP = 0, STACK_WALK_LIBUNWIND = 1 };

/* Fills pcs[0..max) leaf first from the signal's ucontext: pcs[0] is the
 * interrupted instruction, the others are return addresses. Returns the
 * depth. stack_lo/stack_hi bound the frame-pointer walk (0, 0: unknown). */
int stack_walk_from_signal(enum stack_walk_kind kind, void *ucontext, uintptr_t stack_lo, uintptr_t stack_hi,
			   uint64_t *pcs, int max);

/* The calling code's own stack, leaf first (outside signal handlers). */
int stack_walk_here(enum stack_walk_kind kind, uint64_t *pcs, int max);

#endif
