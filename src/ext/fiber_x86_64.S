/*
 * pm_fiber_jump for x86-64, System V ABI (Linux, macOS, the BSDs).
 *
 *     void pm_fiber_jump(void **save_sp, void *next_sp);
 *
 * Saves what the ABI says a callee must preserve -- rbx, rbp, r12-r15, the
 * x87 control word and MXCSR's control bits -- on the current stack, stores
 * the stack pointer in *save_sp, and restores the same from next_sp, which
 * a previous jump saved or pm_fiber_start (fiber.c) laid out.  No
 * signal mask, no system call: that is what makes it ~10x cheaper than
 * swapcontext.
 */
#if defined(__x86_64__) && !defined(_WIN32)

#if defined(__APPLE__)
#define SYMBOL(name) _##name
#else
#define SYMBOL(name) name
#endif

    .text
    .globl  SYMBOL(pm_fiber_jump)
#if !defined(__APPLE__)
    .hidden SYMBOL(pm_fiber_jump)
    .type   SYMBOL(pm_fiber_jump), @function
#else
    .private_extern SYMBOL(pm_fiber_jump)
#endif
    .p2align 4
SYMBOL(pm_fiber_jump):
    pushq   %rbp
    pushq   %rbx
    pushq   %r12
    pushq   %r13
    pushq   %r14
    pushq   %r15
    subq    $8, %rsp
    stmxcsr (%rsp)
    fnstcw  4(%rsp)
    movq    %rsp, (%rdi)
    movq    %rsi, %rsp
    ldmxcsr (%rsp)
    fldcw   4(%rsp)
    addq    $8, %rsp
    popq    %r15
    popq    %r14
    popq    %r13
    popq    %r12
    popq    %rbx
    popq    %rbp
    ret
#if !defined(__APPLE__)
    .size   SYMBOL(pm_fiber_jump), .-SYMBOL(pm_fiber_jump)
#endif

/*
 * Where a new fiber's first switch returns to: r12 holds the argument and
 * r13 the function (pm_fiber_start put them there).  The function never
 * returns; it ends by switching away for good.
 */
    .globl  SYMBOL(pm_fiber_entry)
#if !defined(__APPLE__)
    .hidden SYMBOL(pm_fiber_entry)
    .type   SYMBOL(pm_fiber_entry), @function
#else
    .private_extern SYMBOL(pm_fiber_entry)
#endif
    .p2align 4
SYMBOL(pm_fiber_entry):
    movq    %r12, %rdi
    callq   *%r13
    ud2
#if !defined(__APPLE__)
    .size   SYMBOL(pm_fiber_entry), .-SYMBOL(pm_fiber_entry)
#endif

#endif

#if defined(__linux__) && defined(__ELF__)
    .section .note.GNU-stack, "", @progbits
#endif
