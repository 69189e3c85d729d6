/*
 * pm_fiber_jump for aarch64 (AAPCS64: Linux, macOS).
 *
 *     void pm_fiber_jump(void **save_sp, void *next_sp);
 *
 * Saves what the ABI makes callee-saved -- x19-x28, the frame pointer x29,
 * the link register x30, the low halves of v8-v15 (d8-d15) and FPCR -- in
 * 176 bytes below the stack pointer, stores the stack pointer in *save_sp
 * and restores the same from next_sp, which a previous jump saved or
 * pm_fiber_start (fiber.c) laid out.  Then "returns" to the restored x30.
 */
#if defined(__aarch64__)

#if defined(__APPLE__)
#define SYMBOL(name) _##name
#else
#define SYMBOL(name) name
#endif

    .text
    .globl  SYMBOL(pm_fiber_jump)
#if !defined(__APPLE__)
    .hidden SYMBOL(pm_fiber_jump)
    .type   SYMBOL(pm_fiber_jump), %function
#else
    .private_extern SYMBOL(pm_fiber_jump)
#endif
    .p2align 4
SYMBOL(pm_fiber_jump):
    sub     sp, sp, #176
    stp     x19, x20, [sp, #0]
    stp     x21, x22, [sp, #16]
    stp     x23, x24, [sp, #32]
    stp     x25, x26, [sp, #48]
    stp     x27, x28, [sp, #64]
    stp     x29, x30, [sp, #80]
    stp     d8, d9, [sp, #96]
    stp     d10, d11, [sp, #112]
    stp     d12, d13, [sp, #128]
    stp     d14, d15, [sp, #144]
    mrs     x9, fpcr
    str     x9, [sp, #160]
    mov     x9, sp
    str     x9, [x0]
    mov     sp, x1
    ldp     x19, x20, [sp, #0]
    ldp     x21, x22, [sp, #16]
    ldp     x23, x24, [sp, #32]
    ldp     x25, x26, [sp, #48]
    ldp     x27, x28, [sp, #64]
    ldp     x29, x30, [sp, #80]
    ldp     d8, d9, [sp, #96]
    ldp     d10, d11, [sp, #112]
    ldp     d12, d13, [sp, #128]
    ldp     d14, d15, [sp, #144]
    ldr     x9, [sp, #160]
    msr     fpcr, x9
    add     sp, sp, #176
    ret
#if !defined(__APPLE__)
    .size   SYMBOL(pm_fiber_jump), .-SYMBOL(pm_fiber_jump)
#endif

/*
 * Where a new fiber's first jump returns to: x19 holds the argument and
 * x20 the function (pm_fiber_start put them there).  The function never
 * returns; it ends by switching away for good.
 */
    .globl  SYMBOL(pm_fiber_entry)
#if !defined(__APPLE__)
    .hidden SYMBOL(pm_fiber_entry)
    .type   SYMBOL(pm_fiber_entry), %function
#else
    .private_extern SYMBOL(pm_fiber_entry)
#endif
    .p2align 4
SYMBOL(pm_fiber_entry):
    mov     x0, x19
    blr     x20
    brk     #0
#if !defined(__APPLE__)
    .size   SYMBOL(pm_fiber_entry), .-SYMBOL(pm_fiber_entry)
#endif

#endif

#if defined(__linux__) && defined(__ELF__)
    .section .note.GNU-stack, "", %progbits
#endif
