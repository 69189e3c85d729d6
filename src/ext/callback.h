/*
 * The per-fit context and the FCN trampolines that MINPACK calls.
 *
 * MINPACK's FCN has no user-data argument, so a trampoline finds the fit it
 * belongs to through a thread-local pointer, "the fit whose Fortran this
 * thread is running".  It is set at every entry into the Fortran: by
 * pm_fit_begin before the call, and by each trampoline just before it
 * returns to the Fortran.  No Python code runs between that and the next
 * trampoline, because the Fortran runs without the GIL, so a trampoline
 * always finds its own fit, however the Python code it called used the
 * thread meanwhile: a fit run inside func or Dfun (nesting), or fits
 * interleaved in one thread by greenlets, which suspend one fit inside its
 * func while another runs and resume them in any order.  Fits in other
 * threads have pointers of their own.
 *
 * MINPACK runs without the GIL; a trampoline takes the GIL only to call
 * Python and gives it back before returning to the Fortran.
 */
#ifndef PYMINPACK_CALLBACK_H
#define PYMINPACK_CALLBACK_H

#include "convert.h"
#include "numpy_api.h"
#include "bounds.h"

typedef struct pm_fit {
    PyObject *func;             /* borrowed: the residual function */
    PyObject *jac;              /* borrowed: Dfun, or NULL for lmdif */
    int col_deriv;              /* Dfun returns (n, m) instead of (m, n) */
    npy_intp m, n;              /* n: the user's parameters (external) */
    /*
     * The change of variables (bounds.h), or NULL without bounds: MINPACK
     * then sees x itself.  func, Dfun and callback= always get external x.
     */
    pm_bounds *bounds;
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
    /*
     * leastsq's callback= (borrowed; NULL for none), run by MINPACK's
     * NPRINT hook: with nprint = 1 MINPACK calls FCN with IFLAG = 0 at the
     * start of every iteration, just after the Jacobian at the current
     * iterate, and once more as it returns.  jacobian_done tells the two
     * apart: it is set by a successful Jacobian evaluation and cleared by
     * every IFLAG = 0 call, so only the per-iteration calls find it set.
     */
    PyObject *callback;
    int jacobian_done;
    /* The public function, for error messages; NULL for leastsq. */
    const pm_names *names;
    /*
     * lmstr (leastsq's Dfun_row): the vectorcall arguments of
     * Dfun_row(x, i, *args), laid out as call_args with the row index
     * after x; NULL for the other solvers.
     */
    PyObject **row_args;
    size_t row_nargsf;
} pm_fit;

/*
 * The iflag (and so MINPACK's info) of a fit that callback= stopped by
 * returning True: after the -1 and -2 of compiled callbacks that fail,
 * and equal to pyminpack._messages.CALLBACK_STOP.
 */
enum { PM_INFO_CALLBACK_STOP = -3 };

/*
 * Prepare `fit` for one MINPACK call: the argument vector (freed by
 * pm_fit_clear).  Returns -1 with MemoryError set on failure.
 */
int pm_fit_init(pm_fit *fit, PyObject *func, PyObject *jac, PyObject *args,
                npy_intp m, npy_intp n, int col_deriv,
                const double *fvec_at_x0);
void pm_fit_clear(pm_fit *fit);

/*
 * Release the GIL and make `fit` the one this thread runs, just before
 * calling the Fortran; after it returns, take the GIL back.  Everything
 * between the two runs without the GIL.  Fits need not end in the order
 * they began.
 */
void pm_fit_begin(pm_fit *fit);
void pm_fit_end(pm_fit *fit);

/*
 * After MINPACK returns (with the GIL): 0 when `info` is a result, which
 * is any info >= 0 and callback='s stop; -1 when a callback failed, with
 * its exception pending (a SystemError if, against the contract, none is).
 */
int pm_fit_check_info(int info);

/* The FCN arguments for lmdif_ and lmder_. */
void pm_lmdif_fcn(const int *m, const int *n, const double *x, double *fvec,
                  int *iflag);
void pm_lmder_fcn(const int *m, const int *n, const double *x, double *fvec,
                  double *fjac, const int *ldfjac, int *iflag);

/* The FCN arguments for hybrd_ and hybrj_ (fsolve; m == n). */
void pm_hybrd_fcn(const int *n, const double *x, double *fvec, int *iflag);
void pm_hybrj_fcn(const int *n, const double *x, double *fvec, double *fjac,
                  const int *ldfjac, int *iflag);

/* The FCN argument for lmstr_ (leastsq's Dfun_row: fit->jac is it). */
void pm_lmstr_fcn(const int *m, const int *n, const double *x, double *fvec,
                  double *fjrow, int *iflag);

#endif /* PYMINPACK_CALLBACK_H */
