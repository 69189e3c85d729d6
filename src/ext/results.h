/*
 * The result arrays of a batch, one row per fit, made by the Python layer
 * (pyminpack/_compiled.py) and filled by the C engines (batch.c for
 * compiled callbacks, vectorized.c for vectorized Python functions).
 */
#ifndef PYMINPACK_RESULTS_H
#define PYMINPACK_RESULTS_H

#include "numpy_api.h"
#include "bounds.h"

#include <stddef.h>

typedef struct {
    long count;
    int m, n;
    double *x;                  /* (count, n): the starts, then solutions */
    const double *diag;         /* NULL, (n) or (count, n) */
    ptrdiff_t diag_stride;      /* 0 or n */
    npy_int32 *ier, *nfev, *njev, *status, *nonfinite;
    double *fnorm, *cov;
    double *fvec, *fjac, *qtf;  /* NULL without full_output */
    npy_int32 *ipvt;
} pm_results;

/*
 * Check x, diag and the outputs tuple (ier, nfev, njev, status, nonfinite,
 * fnorm, cov, fvec, fjac, ipvt, qtf; the last four may be None, and cov
 * too, for fsolve_batch, which keeps no cov_x) and point
 * `results` at them.  -1 with TypeError when an array is not exactly what
 * the engines will write to.
 */
int pm_results_init(pm_results *results, PyObject *x, PyObject *diag,
                    PyObject *outputs, int m);

/* One fit's own rows of fvec, fjac, ipvt and qtf, or the scratch ones. */
typedef struct {
    double *fvec, *fjac, *qtf;
    npy_int32 *ipvt;
} pm_fit_rows;

void pm_results_rows(const pm_results *results, long k,
                     const pm_fit_rows *scratch, pm_fit_rows *rows);

/*
 * Scratch rows for an m x n fit (what a fit writes when the caller keeps
 * no fvec, fjac, ipvt or qtf), and their release (safe on a failed or
 * zeroed allocation).  -1 when memory runs out, with nothing left held.
 */
int pm_fit_rows_alloc(pm_fit_rows *rows, int m, int n);
void pm_fit_rows_free(pm_fit_rows *rows);

/* Zero fvec, fjac, ipvt and qtf: a fit MINPACK refuses keeps zeros. */
void pm_fit_rows_clear(const pm_fit_rows *rows, int m, int n);

/*
 * Write fit k's ier, nfev, njev, status, fnorm (MINPACK's enorm of fvec)
 * and cov_x (NaN unless 1 <= ier <= 4 and R is regular), with
 * `covariance_scratch` of pm_inverse_jtj_scratch(n) bytes.  `bounds` is
 * the fit's change of variables (NULL without bounds): cov_x is then the
 * external parameters' (pm_bounds_covariance).
 */
void pm_results_store(const pm_results *results, long k,
                      const pm_fit_rows *rows, int ier, int nfev, int njev,
                      int status, int nonfinite_at,
                      double *covariance_scratch, pm_bounds *bounds);

/*
 * A batch's bounds: None, or (lb, ub), each a C-contiguous float64 array
 * of n (every fit's) or count * n (fit k's row k) values, checked by the
 * Python layer (lb <= ub, no NaN).  Sets *lb, *ub (NULL for None) and
 * *stride (0 or n).  -1 with TypeError when they are not that.
 */
typedef struct {
    const double *lb, *ub;
    ptrdiff_t stride;
} pm_batch_bounds;

int pm_batch_bounds_init(pm_batch_bounds *bounds, PyObject *obj,
                         long count, int n);

/* Fit k's bounds into `b` (none when the batch has none). */
void pm_batch_bounds_set(const pm_batch_bounds *bounds, long k,
                         pm_bounds *b);

#endif /* PYMINPACK_RESULTS_H */
