/*
 * The netlib MINPACK routines as C sees them.
 *
 * This is the only file that knows the Fortran symbol names (gfortran's
 * lower case with one trailing underscore) and calling convention: every
 * argument is passed by reference, INTEGER is a C int, DOUBLE PRECISION is a
 * double, and arrays are column-major.  None of these routines takes a
 * CHARACTER argument, so there are no hidden length arguments.
 *
 * Column-major layout: MINPACK's FJAC(LDFJAC, N) with LDFJAC = M stores
 * element (i, j) at fjac[i + j*m].  Read in C order, that memory is an
 * (n, m) array whose row j is column j of the Jacobian; this is why the
 * Python layer receives fjac with shape (n, m).
 */
#ifndef PYMINPACK_MINPACK_H
#define PYMINPACK_MINPACK_H

/* FCN for LMDIF: compute fvec(1..m) at x(1..n); set *iflag < 0 to stop. */
typedef void minpack_lmdif_fcn(const int *m, const int *n, const double *x,
                               double *fvec, int *iflag);

/*
 * FCN for LMDER: with *iflag == 1 compute fvec at x, with *iflag == 2
 * compute fjac(ldfjac, n) at x and leave fvec alone; *iflag < 0 stops.
 */
typedef void minpack_lmder_fcn(const int *m, const int *n, const double *x,
                               double *fvec, double *fjac, const int *ldfjac,
                               int *iflag);

void lmdif_(minpack_lmdif_fcn *fcn, const int *m, const int *n, double *x,
            double *fvec, const double *ftol, const double *xtol,
            const double *gtol, const int *maxfev, const double *epsfcn,
            double *diag, const int *mode, const double *factor,
            const int *nprint, int *info, int *nfev, double *fjac,
            const int *ldfjac, int *ipvt, double *qtf, double *wa1,
            double *wa2, double *wa3, double *wa4);

void lmder_(minpack_lmder_fcn *fcn, const int *m, const int *n, double *x,
            double *fvec, double *fjac, const int *ldfjac, const double *ftol,
            const double *xtol, const double *gtol, const int *maxfev,
            double *diag, const int *mode, const double *factor,
            const int *nprint, int *info, int *nfev, int *njev, int *ipvt,
            double *qtf, double *wa1, double *wa2, double *wa3, double *wa4);

/* FCN for HYBRD: compute fvec(1..n) at x(1..n); set *iflag < 0 to stop. */
typedef void minpack_hybrd_fcn(const int *n, const double *x, double *fvec,
                               int *iflag);

/*
 * FCN for HYBRJ: with *iflag == 1 compute fvec at x, with *iflag == 2
 * compute fjac(ldfjac, n) at x; *iflag < 0 stops.
 */
typedef void minpack_hybrj_fcn(const int *n, const double *x, double *fvec,
                               double *fjac, const int *ldfjac, int *iflag);

/*
 * FCN for LMSTR: with *iflag == 1 compute fvec(1..m) at x, with
 * *iflag == i >= 2 compute row i - 1 of the Jacobian into fjrow(1..n);
 * *iflag < 0 stops.
 */
typedef void minpack_lmstr_fcn(const int *m, const int *n, const double *x,
                               double *fvec, double *fjrow, int *iflag);

/*
 * HYBRD and HYBRJ, Powell's hybrid method for n equations in n unknowns.
 * fjac(ldfjac, n) returns the orthogonal Q, r(lr) with lr = n(n+1)/2 the
 * upper triangle of R by rows, qtf = Q^T fvec.  ml, mu: the band of the
 * Jacobian for HYBRD's differences (n - 1 each for a full one).
 */
void hybrd_(minpack_hybrd_fcn *fcn, const int *n, double *x, double *fvec,
            const double *xtol, const int *maxfev, const int *ml,
            const int *mu, const double *epsfcn, double *diag,
            const int *mode, const double *factor, const int *nprint,
            int *info, int *nfev, double *fjac, const int *ldfjac, double *r,
            const int *lr, double *qtf, double *wa1, double *wa2,
            double *wa3, double *wa4);

void hybrj_(minpack_hybrj_fcn *fcn, const int *n, double *x, double *fvec,
            double *fjac, const int *ldfjac, const double *xtol,
            const int *maxfev, double *diag, const int *mode,
            const double *factor, const int *nprint, int *info, int *nfev,
            int *njev, double *r, const int *lr, double *qtf, double *wa1,
            double *wa2, double *wa3, double *wa4);

/*
 * LMSTR: lmder's problem with the Jacobian one row at a time; fjac is
 * only n x n (ldfjac >= n): R, built by Givens rotations (rwupdt).
 */
void lmstr_(minpack_lmstr_fcn *fcn, const int *m, const int *n, double *x,
            double *fvec, double *fjac, const int *ldfjac, const double *ftol,
            const double *xtol, const double *gtol, const int *maxfev,
            double *diag, const int *mode, const double *factor,
            const int *nprint, int *info, int *nfev, int *njev, int *ipvt,
            double *qtf, double *wa1, double *wa2, double *wa3, double *wa4);

/*
 * CHKDER: with *mode == 1 set xp(1..n) to a point near x; with *mode == 2
 * compare fjac (the Jacobian at x) with fvec (at x) and fvecp (at xp) and
 * set err(1..m), 1 for a row that looks right, 0 for one that looks wrong.
 */
void chkder_(const int *m, const int *n, const double *x, const double *fvec,
             const double *fjac, const int *ldfjac, double *xp,
             const double *fvecp, const int *mode, double *err);

/*
 * QRFAC: the QR factorisation with column pivoting (*pivot != 0) that
 * lmdif and lmder use; R ends in a's upper triangle.  LOGICAL is a C int.
 * For the covariance of a bounded fit at its solution (bounds.c).
 */
void qrfac_(const int *m, const int *n, double *a, const int *lda,
            const int *pivot, int *ipvt, const int *lipvt, double *rdiag,
            double *acnorm, double *wa);

/* The Euclidean norm of x(1..n), as MINPACK computes its fnorm. */
double enorm_(const int *n, const double *x);

/* Machine constants: i = 1 epsilon, 2 smallest, 3 largest magnitude. */
double dpmpar_(const int *i);

#endif /* PYMINPACK_MINPACK_H */
