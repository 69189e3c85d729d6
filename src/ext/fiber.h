/*
 * Fibers: functions that run on stacks of their own and are suspended and
 * resumed by explicit switches, all in one OS thread.
 *
 * The vectorized batch (vectorized.c) runs each fit's MINPACK on a fiber,
 * so that a fit waiting inside FCN for its residuals can be set aside while
 * the others run to the same point and all are evaluated in one call.
 *
 * The switch is a few instructions of assembly on x86-64 (fiber_x86_64.S)
 * and aarch64 (fiber_aarch64.S): it saves and restores only what the ABI
 * makes callee-saved.  Elsewhere ucontext's swapcontext does it, which is
 * correct but costs a system call per switch (it saves the signal mask).
 * AddressSanitizer is told about every switch, so sanitized builds stay
 * clean.
 */
#ifndef PYMINPACK_FIBER_H
#define PYMINPACK_FIBER_H

#include <stddef.h>

#if !defined(PM_FIBER_UCONTEXT) && !(defined(__x86_64__) && !defined(_WIN32)) \
        && !defined(__aarch64__)
#define PM_FIBER_UCONTEXT 1
#endif
#if defined(PM_FIBER_UCONTEXT)
#include <ucontext.h>
#endif

typedef struct pm_fiber {
#if defined(PM_FIBER_UCONTEXT)
    ucontext_t context;
#else
    void *sp;                   /* the stack pointer while suspended */
#endif
    char *mapping;              /* the stack, guard page first; NULL for a
                                   thread's own stack */
    size_t mapping_size;
    /* For AddressSanitizer: the stack's usable part, and its fake stack. */
    const void *bottom;
    size_t size;
    void *fake_stack;
#if defined(PM_FIBER_UCONTEXT)
    void (*function)(void *);   /* what pm_fiber_start asked to run */
    void *argument;
#endif
} pm_fiber;

/*
 * A fiber with a stack of at least `size` bytes, below which lies a page
 * that faults (an overflow crashes at once instead of corrupting memory).
 * Returns -1 (errno set) when the memory cannot be mapped.
 */
int pm_fiber_create(pm_fiber *fiber, size_t size);
void pm_fiber_destroy(pm_fiber *fiber);

/* The thread's own stack as a fiber to switch from and back to. */
void pm_fiber_init_thread(pm_fiber *thread);

/*
 * Make `fiber` run function(argument) when it is next switched to.  The
 * function must never return: it ends by switching away for the last time
 * (pm_fiber_switch with `last` true).
 */
void pm_fiber_start(pm_fiber *fiber, void (*function)(void *),
                    void *argument);

/*
 * Suspend the running fiber `from` and resume `to`.  `last` says `from`
 * will never be resumed (its function has finished), so that
 * AddressSanitizer can drop its fake stack.
 */
void pm_fiber_switch(pm_fiber *from, pm_fiber *to, int last);

/* What a fiber's function must call first, on its own stack. */
void pm_fiber_begin(pm_fiber *fiber, pm_fiber *from);

#endif /* PYMINPACK_FIBER_H */
