/*
 * inv(J^T J) from MINPACK's QR factorisation with column pivoting, for
 * leastsq's cov_x and the batches' per-fit cov_x.  Pure C, no Python: the
 * batches call it from threads that hold no GIL.
 */
#ifndef PYMINPACK_COVARIANCE_H
#define PYMINPACK_COVARIANCE_H

#include <stddef.h>
#include <stdint.h>

/* True when perm[0..n-1] holds each of 1..n (MINPACK's 1-based ipvt). */
int pm_is_permutation(const int32_t *perm, ptrdiff_t n);

/* Bytes of scratch space pm_inverse_jtj needs. */
size_t pm_inverse_jtj_scratch(ptrdiff_t n);

/*
 * Write inv(J^T J) (n x n, C order, exactly symmetric) into `out` from
 * lmdif/lmder's fjac (column-major m x n, R in its upper triangle) and
 * ipvt (a 1-based permutation: check it first).  Returns 1, leaving `out`
 * untouched, when a diagonal element of R is exactly zero, else 0.
 */
int pm_inverse_jtj(const double *fjac, ptrdiff_t m, ptrdiff_t n,
                   const int32_t *perm, double *out, double *scratch);

#endif /* PYMINPACK_COVARIANCE_H */
