/*
 * Fibers (see fiber.h): stacks, the first frame of a new fiber, and the
 * switch with its AddressSanitizer annotations.
 */
#define _DEFAULT_SOURCE  /* MAP_ANONYMOUS */
#include "fiber.h"

#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define PM_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PM_ASAN 1
#endif
#endif

#if defined(PM_ASAN)
#include <sanitizer/common_interface_defs.h>
#define START_SWITCH(save, bottom, size) \
    __sanitizer_start_switch_fiber((save), (bottom), (size))
#define FINISH_SWITCH(fake, bottom, size) \
    __sanitizer_finish_switch_fiber((fake), (bottom), (size))
#else
#define START_SWITCH(save, bottom, size) ((void)(save), (void)(bottom), \
                                          (void)(size))
#define FINISH_SWITCH(fake, bottom, size) ((void)(fake), (void)(bottom), \
                                           (void)(size))
#endif

#if !defined(PM_FIBER_UCONTEXT)
/* fiber_x86_64.S, fiber_aarch64.S */
void pm_fiber_jump(void **save_sp, void *next_sp);
void pm_fiber_entry(void);
#endif

int
pm_fiber_create(pm_fiber *fiber, size_t size)
{
    memset(fiber, 0, sizeof(*fiber));
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size = (size + page - 1) / page * page;
    char *mapping = mmap(NULL, size + page, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mapping == MAP_FAILED) {
        return -1;
    }
    /* Stacks grow down: the guard page is the lowest. */
    if (mprotect(mapping, page, PROT_NONE) != 0) {
        munmap(mapping, size + page);
        return -1;
    }
    fiber->mapping = mapping;
    fiber->mapping_size = size + page;
    fiber->bottom = mapping + page;
    fiber->size = size;
    return 0;
}

void
pm_fiber_destroy(pm_fiber *fiber)
{
    if (fiber->mapping != NULL) {
        munmap(fiber->mapping, fiber->mapping_size);
    }
    memset(fiber, 0, sizeof(*fiber));
}

void
pm_fiber_init_thread(pm_fiber *thread)
{
    /* Its stack's bounds are learnt (for ASan) at the first switch. */
    memset(thread, 0, sizeof(*thread));
}

#if defined(PM_FIBER_UCONTEXT)

/* The fiber makecontext starts: makecontext passes only ints. */
static _Thread_local pm_fiber *starting;

static void
ucontext_entry(void)
{
    pm_fiber *fiber = starting;
    fiber->function(fiber->argument);
}

void
pm_fiber_start(pm_fiber *fiber, void (*function)(void *), void *argument)
{
    fiber->fake_stack = NULL;
    getcontext(&fiber->context);
    fiber->context.uc_stack.ss_sp = (void *)fiber->bottom;
    fiber->context.uc_stack.ss_size = fiber->size;
    fiber->context.uc_link = NULL;
    fiber->function = function;
    fiber->argument = argument;
    makecontext(&fiber->context, ucontext_entry, 0);
}

static void
jump(pm_fiber *from, pm_fiber *to)
{
    if (to->function != NULL) {  /* its first switch */
        starting = to;
    }
    swapcontext(&from->context, &to->context);
}

#else

void
pm_fiber_start(pm_fiber *fiber, void (*function)(void *), void *argument)
{
    fiber->fake_stack = NULL;
    uintptr_t top = ((uintptr_t)fiber->bottom + fiber->size) & ~(uintptr_t)15;
#if defined(__x86_64__)
    /*
     * What pm_fiber_jump pops, from the new stack pointer up: MXCSR and the
     * x87 control word (this thread's, so the fiber computes in the same
     * modes), r15, r14, r13 = function, r12 = argument, rbx, rbp, and the
     * return address, pm_fiber_entry.  The stack pointer ends 16-byte
     * aligned at pm_fiber_entry's call, as the ABI wants.
     */
    uint64_t *frame = (uint64_t *)(top - 16 - 64);
    uint32_t mxcsr;
    uint16_t x87_control;
    __asm__ volatile("stmxcsr %0" : "=m"(mxcsr));
    __asm__ volatile("fnstcw %0" : "=m"(x87_control));
    memset(frame, 0, 64);
    memcpy(frame, &mxcsr, sizeof(mxcsr));
    memcpy((char *)frame + 4, &x87_control, sizeof(x87_control));
    frame[3] = (uint64_t)(uintptr_t)function;
    frame[4] = (uint64_t)(uintptr_t)argument;
    frame[7] = (uint64_t)(uintptr_t)pm_fiber_entry;
    fiber->sp = frame;
#elif defined(__aarch64__)
    /*
     * What pm_fiber_jump loads (fiber_aarch64.S), 176 bytes from the new
     * stack pointer: x19 = argument, x20 = function, ..., x29 = 0, x30 =
     * pm_fiber_entry, d8-d15 = 0, and FPCR, this thread's.
     */
    uint64_t *frame = (uint64_t *)(top - 176);
    uint64_t fpcr;
    __asm__ volatile("mrs %0, fpcr" : "=r"(fpcr));
    memset(frame, 0, 176);
    frame[0] = (uint64_t)(uintptr_t)argument;
    frame[1] = (uint64_t)(uintptr_t)function;
    frame[11] = (uint64_t)(uintptr_t)pm_fiber_entry;
    frame[20] = fpcr;
    fiber->sp = frame;
#endif
}

static void
jump(pm_fiber *from, pm_fiber *to)
{
    pm_fiber_jump(&from->sp, to->sp);
}

#endif

void
pm_fiber_switch(pm_fiber *from, pm_fiber *to, int last)
{
    START_SWITCH(last ? NULL : &from->fake_stack, to->bottom, to->size);
    jump(from, to);
    /* Back in `from`, resumed by someone's switch. */
    FINISH_SWITCH(from->fake_stack, NULL, NULL);
}

void
pm_fiber_begin(pm_fiber *fiber, pm_fiber *from)
{
#if defined(PM_FIBER_UCONTEXT)
    fiber->function = NULL;
#endif
    (void)fiber;
    /* The first code on a new stack: learn the stack we came from. */
    const void *bottom = NULL;
    size_t size = 0;
    FINISH_SWITCH(NULL, &bottom, &size);
    if (from->mapping == NULL && from->bottom == NULL) {
        from->bottom = bottom;
        from->size = size;
    }
}
