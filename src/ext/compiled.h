/*
 * Fits whose func and Dfun are compiled C functions: one fit, run from
 * start to end without the GIL and without touching a Python object.
 *
 * The user's functions have a user-data argument, MINPACK's FCN has not,
 * so, as for Python fits (callback.h), the trampolines find their fit
 * through a thread-local pointer set just before the Fortran is called.
 * Nothing in a compiled callback can run Python code, so a fit is never
 * interleaved with another one in the same thread.
 */
#ifndef PYMINPACK_COMPILED_H
#define PYMINPACK_COMPILED_H

#include "bounds.h"

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

/* The signatures of the user's functions (docs/guide/compiled.md). */
typedef int pm_residual_fn(int m, int n, const double *x, double *fvec,
                           void *user_data);
typedef int pm_jacobian_fn(int m, int n, const double *x, double *fjac,
                           int ldfjac, void *user_data);

/*
 * ier of a fit that a compiled callback stopped by returning non-zero:
 * MINPACK returns info = iflag, and the trampolines set iflag to these.
 * PM_IER_CANCELLED is internal: the batch was cancelled (Ctrl-C, or an
 * error elsewhere); such a fit's results are never returned.
 */
enum {
    PM_IER_FUNC_STOPPED = -1,
    PM_IER_DFUN_STOPPED = -2,
    PM_IER_CANCELLED = -3,
};

/* What is the same for every fit of a call. */
typedef struct {
    pm_residual_fn *func;
    pm_jacobian_fn *jac;        /* NULL: lmdif, forward differences */
    int m, n;
    double ftol, xtol, gtol, epsfcn, factor;
    int maxfev;
    int check_finite;           /* evaluate f(x0) first and check it */
    /*
     * Set by anyone (another worker, the thread watching for Ctrl-C) to
     * make every fit stop at its next evaluation.
     */
    atomic_int *cancel;
} pm_compiled_problem;

/*
 * One fit's inputs and where its results go.  x holds x0 on entry and the
 * solution on return; diag holds the caller's scale factors (mode 2) or is
 * scratch space for MINPACK's own (mode 1).  fvec (m), fjac (m*n,
 * column-major), ipvt (n), qtf (n) may be a worker's scratch or the
 * caller's output rows.
 */
typedef struct {
    double *x;
    double *diag;
    int mode;
    void *user_data;
    double *fvec, *fjac, *qtf;
    int *ipvt;
    double *work;               /* pm_compiled_work(m, n) doubles */
    /* Results besides the arrays. */
    int ier, nfev, njev;
    int status;                 /* what a callback returned, when ier < 0 */
    int nonfinite_at;           /* with check_finite: first bad index of
                                   f(x0), or -1 */
    /*
     * The fit's change of variables (bounds.h), set up for it, or NULL
     * without bounds.  x stays external (the start in, the solution out,
     * inside the bounds); MINPACK runs on bounds->u, and diag holds
     * bounds->n_free entries.
     */
    pm_bounds *bounds;
} pm_compiled_fit;

/*
 * The poll of fits run in the thread that watches for Ctrl-C: before
 * every evaluation the fit reads the clock (pm_monotonic_ns, a few
 * nanoseconds) and, once it reaches `due`, calls fn(context), which sets
 * the next `due` itself; non-zero cancels the call.  By the clock, not by
 * a count of evaluations: a slow func would make a count take seconds.
 */
typedef struct {
    int (*fn)(void *context);
    void *context;
    int64_t due;
} pm_poll;

/* The number of doubles of `work` one fit needs. */
size_t pm_compiled_work(int m, int n);

/*
 * Run one fit to its end in the calling thread, without the GIL.  Touches
 * no Python object, except through `poll` (may be NULL), which must take
 * the GIL itself if it needs it.
 */
void pm_compiled_fit_run(const pm_compiled_problem *problem,
                         pm_compiled_fit *fit, pm_poll *poll);

#endif /* PYMINPACK_COMPILED_H */
