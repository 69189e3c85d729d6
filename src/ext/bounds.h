/*
 * Bounds on the parameters: MINUIT's change of variables around MINPACK.
 *
 * MINPACK sees internal parameters u, the user's functions always get
 * external parameters x inside [lb, ub].  Per parameter (the formulas are
 * MINUIT's, as lmfit applies them):
 *
 *   free   (no finite bound)  x = u, no arithmetic at all
 *   lower  (lb only)          x = lb - 1 + sqrt(u*u + 1)
 *   upper  (ub only)          x = ub + 1 - sqrt(u*u + 1)
 *   both                      x = lb + (sin(u) + 1) * (ub - lb) / 2
 *   fixed  (lb == ub)         x = lb, left out of u: MINPACK sees n_free
 *                             parameters, the user's functions all n
 *
 * lmder's Jacobian in u is the user's Jacobian in x times dx/du, column by
 * column; lmdif differences in u as always.
 *
 * This is the only file that knows the formulas.  Every trampoline (the
 * Python fit in callback.c, the compiled one in compiled.c, the vectorized
 * one in vectorized.c) asks pm_bounds_point for the x to hand the user and
 * pm_bounds_jacobian_target / pm_bounds_chain_rule around the user's
 * Jacobian.  A fit without bounds has a NULL pm_bounds or one whose
 * `identity` is set: then x is u itself, the same pointer, and no
 * arithmetic is done, so its bits are those of the unbounded fit.
 *
 * Pure C, no Python object: the compiled batch calls it from threads that
 * hold no GIL.  Memory comes from PyMem_Raw*, safe without the GIL.
 */
#ifndef PYMINPACK_BOUNDS_H
#define PYMINPACK_BOUNDS_H

#include <Python.h>  /* first, as Python asks; PyMem_Raw* only */

#include "minpack.h"

#include <stddef.h>
#include <stdint.h>

enum pm_bound_kind {
    PM_BOUND_FREE, PM_BOUND_LOWER, PM_BOUND_UPPER, PM_BOUND_BOTH,
    PM_BOUND_FIXED,
};

typedef struct {
    int m, n;                /* residuals, external parameters */
    int n_free;              /* the parameters MINPACK sees */
    int identity;            /* no finite bound at all: x is u */
    int transformed;         /* a free parameter has a finite bound */
    /*
     * Set while the covariance's Jacobian is taken at the solution: u
     * then holds the external values of the free parameters themselves
     * (x = u, dx/du = 1), so the trampolines give the Jacobian in x.
     */
    int at_solution;
    const double *lb, *ub;   /* (n): this fit's bounds, borrowed */
    unsigned char *kind;     /* (n) enum pm_bound_kind */
    int *free_index;         /* (n_free): u[i] is x[free_index[i]] */
    double *x;               /* (n) the external point last handed out */
    /*
     * The u that b->x was computed from, component by component: lmdif's
     * differences move one u at a time, and lmder asks for the Jacobian
     * where it asked for f, so most components need no sin or sqrt.
     */
    double *u_seen;
    int seen;                /* u_seen valid (not after pm_bounds_set) */
    double *jac;             /* (m, n) column-major: the user's Jacobian */
    double *u;               /* (n) MINPACK's x, the internal parameters */
    /* The covariance at the solution (pm_bounds_solution_jacobian). */
    double *cov_jac;         /* (m, n_free) column-major, then its QR */
    int32_t *cov_ipvt;       /* (n) */
    double *wa;              /* m + 4n: a differenced f, x, qrfac's 3 */
    double *cov_free;        /* (n_free, n_free) */
    double *inverse_scratch; /* pm_inverse_jtj_scratch(n) bytes */
} pm_bounds;

/* Memory for m residuals and n parameters; -1 (nothing held) if none. */
int pm_bounds_alloc(pm_bounds *b, int m, int n);
void pm_bounds_free(pm_bounds *b);

/*
 * This fit's bounds, lb[0..n-1] and ub[0..n-1] (NULL, NULL: none).  The
 * caller has checked them: lb <= ub, no NaN.  Sets kind, n_free,
 * identity and transformed.
 */
void pm_bounds_set(pm_bounds *b, const double *lb, const double *ub);

/*
 * The start: x0 (n, external, inside the bounds) to b->u (n_free).  A
 * start exactly on a bound would give MINPACK a zero derivative there
 * (sin at +-pi/2, sqrt(u*u + 1) at 0) and freeze the parameter, so it is
 * first moved inside by 1e-10 * max(1, |bound|), or to the middle of a
 * box narrower than that (scipy's trf moves its start the same way).
 * An internal start within 1e-15 of 0 is 0 (lmfit's rule): rounding
 * leaves the middle of a box at u = 2e-16 or so, where lmdif's difference
 * step sqrt(eps) * |u| would not move x and the parameter would stay put.
 */
void pm_bounds_start(pm_bounds *b, const double *x0);

/* x (n) = the external point of u (n_free); always inside the bounds. */
void pm_bounds_external(const pm_bounds *b, const double *u, double *x);

/* b->x made the external point of u (only the components u changed). */
void pm_bounds_refresh(pm_bounds *b, const double *u);

/*
 * What to hand the user's function for MINPACK's u: u itself without
 * bounds, else its external point (in b->x).
 */
static inline const double *
pm_bounds_point(pm_bounds *b, const double *u)
{
    if (b == NULL || b->identity) {
        return u;
    }
    pm_bounds_refresh(b, u);
    return b->x;
}

/* Where the user's Jacobian goes: MINPACK's fjac itself, or b->jac. */
static inline double *
pm_bounds_jacobian_target(pm_bounds *b, double *fjac)
{
    return b == NULL || b->identity ? fjac : b->jac;
}

/*
 * After the user's Jacobian in x filled b->jac at pm_bounds_point(b, u):
 * MINPACK's fjac (m, n_free) = its free columns times dx/du.  Nothing to
 * do without bounds.
 */
void pm_bounds_chain_rule(const pm_bounds *b, const double *u, double *fjac);

/* out[i] = full[free_index[i]]: an (n) option such as diag, for MINPACK. */
void pm_bounds_gather(const pm_bounds *b, const double *full, double *out);

/*
 * For a fit with transformed parameters that converged: the Jacobian in
 * the external free parameters at the solution b->u, for the covariance.
 * With `der` (lmder), one call of the user's Jacobian; else MINPACK's
 * forward differences as fdjac2 takes them, h = sqrt(max(epsfcn, eps)) *
 * |x_j| (eps if that is 0), except that for a bounded parameter |x_j| is
 * at least the box's width (max(1, |bound|) for one bound: a parameter on
 * a bound of 0 would otherwise get no step at all), and the step goes
 * backwards where a forward one would leave the bounds.  fvec is f at the
 * solution.  The trampolines are called with iflag 2 and b->at_solution
 * set.  Returns 0, or the negative iflag a trampoline set (the fit stops
 * there).
 */
int pm_bounds_solution_jacobian(pm_bounds *b, minpack_lmdif_fcn *dif,
                                minpack_lmder_fcn *der, const double *fvec,
                                double epsfcn);

/*
 * cov (n, n) = inv(J^T J) of the external parameters, zero rows and
 * columns for the fixed ones: from the solution's Jacobian when the fit
 * has transformed parameters, else from MINPACK's fjac and ipvt (n_free
 * columns: x is u for every free parameter).  1 when R is singular
 * (cov untouched), else 0.
 */
int pm_bounds_covariance(pm_bounds *b, const double *fjac,
                         const int32_t *ipvt, double *cov);

#endif /* PYMINPACK_BOUNDS_H */
