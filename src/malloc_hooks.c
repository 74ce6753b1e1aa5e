/* malloc_hooks.c: the nebtop executable's own malloc family. Each function
 * calls glibc's allocator under its internal name and reports the call to
 * the memory profiler, so that allocations made inside jansson, libcurl
 * and libpq count too. Linked into the nebtop program only (not
 * into libnebula, whose host program owns malloc), and not in sanitizer
 * builds, whose runtimes interpose malloc themselves. */
#include "autoconfig.h"

#include <errno.h>
#include <malloc.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include "profile/memprof.h"

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);
extern void *__libc_memalign(size_t, size_t);
extern void *__libc_valloc(size_t);

void *malloc(size_t n);
void free(void *p);
void *calloc(size_t n, size_t size);
void *realloc(void *p, size_t n);
int posix_memalign(void **out, size_t align, size_t n);
void *aligned_alloc(size_t align, size_t n);
void *memalign(size_t align, size_t n);
void *valloc(size_t n);

__attribute__((constructor)) static void malloc_hooks_announce(void) { memprof_mark_hooks_active(); }

static inline void *malloc_hooks_noted(void *p, const void *caller)
{
	if (p)
		memprof_note_alloc(p, malloc_usable_size(p), caller);
	return p;
}

void *malloc(size_t n) { return malloc_hooks_noted(__libc_malloc(n), __builtin_return_address(0)); }

void free(void *p)
{
	if (!p)
		return;
	memprof_note_free(p, malloc_usable_size(p));
	__libc_free(p);
}

void *calloc(size_t n, size_t size)
{
	return malloc_hooks_noted(__libc_calloc(n, size), __builtin_return_address(0));
}

void *realloc(void *p, size_t n)
{
	if (!p)
		return malloc_hooks_noted(__libc_malloc(n), __builtin_return_address(0));
	if (n == 0) {
		free(p);
		return NULL;
	}
	size_t old = malloc_usable_size(p);
	/* report the free first: once realloc returns, p may belong to another thread */
	memprof_note_free(p, old);
	void *q = __libc_realloc(p, n);
	if (!q) { /* p is still allocated */
		memprof_note_alloc(p, old, __builtin_return_address(0));
		return NULL;
	}
	return malloc_hooks_noted(q, __builtin_return_address(0));
}

void *memalign(size_t align, size_t n)
{
	return malloc_hooks_noted(__libc_memalign(align, n), __builtin_return_address(0));
}

void *aligned_alloc(size_t align, size_t n)
{
	return malloc_hooks_noted(__libc_memalign(align, n), __builtin_return_address(0));
}

int posix_memalign(void **out, size_t align, size_t n)
{
	if (align < sizeof(void *) || (align & (align - 1)))
		return EINVAL;
	void *p = __libc_memalign(align, n);
	if (!p)
		return ENOMEM;
	*out = malloc_hooks_noted(p, __builtin_return_address(0));
	return 0;
}

void *valloc(size_t n) { return malloc_hooks_noted(__libc_valloc(n), __builtin_return_address(0)); }
