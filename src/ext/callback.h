/*
 * The per-fit context and the FCN trampolines that MINPACK calls.
 *
 * MINPACK's FCN has no user-data argument, so a trampoline finds the fit it
 * belongs to through a thread-local pointer.  Each fit pushes its context
 * (remembering the one it replaces) before calling MINPACK and pops it
 * after, so a fit started inside func or Dfun (nesting) or in another
 * thread never sees another fit's state.
 *
 * MINPACK runs without the GIL; a trampoline takes the GIL only to call
 * Python and gives it back before returning to the Fortran.
 */
#ifndef PYMINPACK_CALLBACK_H
#define PYMINPACK_CALLBACK_H

#include "numpy_api.h"

typedef struct pm_fit {
    PyObject *func;             /* borrowed: the residual function */
    PyObject *jac;              /* borrowed: Dfun, or NULL for lmdif */
    int col_deriv;              /* Dfun returns (n, m) instead of (m, n) */
    npy_intp m, n;
    /*
     * Vectorcall arguments: call_args[0] is scratch space that
     * PY_VECTORCALL_ARGUMENTS_OFFSET lets the callee use, call_args[1] is
     * the x array of the current call, the rest are the user's args
     * (borrowed from the args tuple).
     */
    PyObject **call_args;
    size_t nargsf;
    /*
     * func(x0), already computed by the Python layer: handed to MINPACK's
     * first request for f(x0) instead of calling func again, then NULL.
     */
    const double *fvec_at_x0;
    PyThreadState *thread_state;  /* while MINPACK runs without the GIL */
    struct pm_fit *outer;          /* the fit this thread was running before */
} pm_fit;

/*
 * Prepare `fit` for one MINPACK call: the argument vector (freed by
 * pm_fit_clear).  Returns -1 with MemoryError set on failure.
 */
int pm_fit_init(pm_fit *fit, PyObject *func, PyObject *jac, PyObject *args,
                npy_intp m, npy_intp n, int col_deriv,
                const double *fvec_at_x0);
void pm_fit_clear(pm_fit *fit);

/*
 * Make `fit` this thread's current fit and release the GIL; the converse.
 * Everything between the two runs without the GIL.
 */
void pm_fit_begin(pm_fit *fit);
void pm_fit_end(pm_fit *fit);

/* The FCN arguments for lmdif_ and lmder_. */
void pm_lmdif_fcn(const int *m, const int *n, const double *x, double *fvec,
                  int *iflag);
void pm_lmder_fcn(const int *m, const int *n, const double *x, double *fvec,
                  double *fjac, const int *ldfjac, int *iflag);

#endif /* PYMINPACK_CALLBACK_H */
