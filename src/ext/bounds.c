/*
 * Bounds on the parameters (see bounds.h): the one place that converts
 * internal <-> external parameters and their derivatives.
 */
#include "bounds.h"
#include "covariance.h"

#include <math.h>
#include <string.h>

void
pm_bounds_free(pm_bounds *b)
{
    PyMem_RawFree(b->kind);
    PyMem_RawFree(b->free_index);
    PyMem_RawFree(b->x);
    PyMem_RawFree(b->u_seen);
    PyMem_RawFree(b->jac);
    PyMem_RawFree(b->u);
    PyMem_RawFree(b->cov_jac);
    PyMem_RawFree(b->cov_ipvt);
    PyMem_RawFree(b->wa);
    PyMem_RawFree(b->cov_free);
    PyMem_RawFree(b->inverse_scratch);
    memset(b, 0, sizeof(*b));
}

int
pm_bounds_alloc(pm_bounds *b, int m, int n)
{
    const size_t mm = (size_t)m, nn = (size_t)n;
    memset(b, 0, sizeof(*b));
    b->m = m;
    b->n = n;
    b->identity = 1;
    b->kind = PyMem_RawCalloc(nn + 1, 1);
    b->free_index = PyMem_RawMalloc((nn + 1) * sizeof(int));
    b->x = PyMem_RawMalloc((nn + 1) * sizeof(double));
    b->u_seen = PyMem_RawMalloc((nn + 1) * sizeof(double));
    b->jac = PyMem_RawMalloc((mm * nn + 1) * sizeof(double));
    b->u = PyMem_RawMalloc((nn + 1) * sizeof(double));
    b->cov_jac = PyMem_RawMalloc((mm * nn + 1) * sizeof(double));
    b->cov_ipvt = PyMem_RawMalloc((nn + 1) * sizeof(int32_t));
    b->wa = PyMem_RawMalloc((mm + 4 * nn + 1) * sizeof(double));
    b->cov_free = PyMem_RawMalloc((nn * nn + 1) * sizeof(double));
    b->inverse_scratch = PyMem_RawMalloc(pm_inverse_jtj_scratch(n) + 1);
    if (b->kind == NULL || b->free_index == NULL || b->x == NULL ||
            b->u_seen == NULL ||
            b->jac == NULL || b->u == NULL || b->cov_jac == NULL ||
            b->cov_ipvt == NULL || b->wa == NULL || b->cov_free == NULL ||
            b->inverse_scratch == NULL) {
        pm_bounds_free(b);
        return -1;
    }
    return 0;
}

void
pm_bounds_set(pm_bounds *b, const double *lb, const double *ub)
{
    b->lb = lb;
    b->ub = ub;
    b->identity = 1;
    b->transformed = 0;
    b->at_solution = 0;
    b->seen = 0;
    b->n_free = 0;
    for (int j = 0; j < b->n; j++) {
        enum pm_bound_kind kind = PM_BOUND_FREE;
        if (lb != NULL) {
            int lower = isfinite(lb[j]), upper = isfinite(ub[j]);
            kind = lb[j] == ub[j] ? PM_BOUND_FIXED
                   : lower && upper ? PM_BOUND_BOTH
                   : lower ? PM_BOUND_LOWER
                   : upper ? PM_BOUND_UPPER : PM_BOUND_FREE;
        }
        b->kind[j] = (unsigned char)kind;
        if (kind != PM_BOUND_FREE) {
            b->identity = 0;
        }
        if (kind != PM_BOUND_FREE && kind != PM_BOUND_FIXED) {
            b->transformed = 1;
        }
        if (kind != PM_BOUND_FIXED) {
            b->free_index[b->n_free++] = j;
        }
    }
}

/* The start moved off a bound (see bounds.h), as scipy's trf moves it. */
static double
strictly_inside(double x, double lb, double ub)
{
    const double step = 1e-10;
    if (x == lb) {
        x = lb + step * fmax(1.0, fabs(lb));
    }
    else if (x == ub) {
        x = ub - step * fmax(1.0, fabs(ub));
    }
    if (x < lb || x > ub) {
        x = 0.5 * (lb + ub);  /* a box narrower than the step */
    }
    return x;
}

void
pm_bounds_start(pm_bounds *b, const double *x0)
{
    for (int i = 0; i < b->n_free; i++) {
        const int j = b->free_index[i];
        const double lb = b->lb == NULL ? -INFINITY : b->lb[j];
        const double ub = b->ub == NULL ? INFINITY : b->ub[j];
        double x = x0[j], t;
        switch ((enum pm_bound_kind)b->kind[j]) {
        case PM_BOUND_LOWER:
            t = strictly_inside(x, lb, ub) - lb + 1.0;
            b->u[i] = sqrt(t * t - 1);
            break;
        case PM_BOUND_UPPER:
            t = ub - strictly_inside(x, lb, ub) + 1.0;
            b->u[i] = sqrt(t * t - 1);
            break;
        case PM_BOUND_BOTH:
            x = strictly_inside(x, lb, ub);
            b->u[i] = asin(2 * (x - lb) / (ub - lb) - 1);
            break;
        default:
            b->u[i] = x;
            continue;  /* free: x = u, untouched */
        }
        /*
         * The middle of a box comes back from rounding as u = 2e-16, say;
         * lmdif's difference step sqrt(eps) * |u| would then not move x at
         * all and the parameter would stay there.  As lmfit does: 0.
         */
        if (fabs(b->u[i]) < 1e-15) {
            b->u[i] = 0.0;
        }
    }
}

/* x_j of internal parameter i at v. */
static double
external_one(const pm_bounds *b, int i, double v)
{
    const int j = b->free_index[i];
    double value;
    if (b->at_solution) {
        return v;
    }
    /* Written in the order lmfit evaluates them, for the same bits. */
    switch ((enum pm_bound_kind)b->kind[j]) {
    case PM_BOUND_LOWER:
        value = b->lb[j] - 1.0 + sqrt(v * v + 1);
        break;
    case PM_BOUND_UPPER:
        value = b->ub[j] + 1 - sqrt(v * v + 1);
        break;
    case PM_BOUND_BOTH:
        value = b->lb[j] + (sin(v) + 1) * (b->ub[j] - b->lb[j]) / 2.0;
        break;
    default:
        return v;
    }
    /* Rounding can land an ulp outside (lb - 1 + 1 < lb): x is promised
     * inside, so clip. */
    if (value < b->lb[j]) {
        value = b->lb[j];
    }
    if (value > b->ub[j]) {
        value = b->ub[j];
    }
    return value;
}

void
pm_bounds_external(const pm_bounds *b, const double *u, double *x)
{
    for (int j = 0; j < b->n; j++) {
        if (b->kind[j] == PM_BOUND_FIXED) {
            x[j] = b->lb[j];
        }
    }
    for (int i = 0; i < b->n_free; i++) {
        x[b->free_index[i]] = external_one(b, i, u[i]);
    }
}

void
pm_bounds_refresh(pm_bounds *b, const double *u)
{
    if (!b->seen) {
        pm_bounds_external(b, u, b->x);
        memcpy(b->u_seen, u, (size_t)b->n_free * sizeof(double));
        b->seen = 1;
        return;
    }
    for (int i = 0; i < b->n_free; i++) {
        /* Bits, not ==: -0.0 and 0.0 are different free parameters. */
        if (memcmp(&u[i], &b->u_seen[i], sizeof(double)) != 0) {
            b->x[b->free_index[i]] = external_one(b, i, u[i]);
            b->u_seen[i] = u[i];
        }
    }
}

/* dx/du of internal parameter i at v (lmfit's scale_gradient). */
static double
derivative(const pm_bounds *b, int i, double v)
{
    const int j = b->free_index[i];
    switch ((enum pm_bound_kind)b->kind[j]) {
    case PM_BOUND_LOWER:
        return v / sqrt(v * v + 1);
    case PM_BOUND_UPPER:
        return -v / sqrt(v * v + 1);
    case PM_BOUND_BOTH:
        return cos(v) * (b->ub[j] - b->lb[j]) / 2.0;
    default:
        return 1.0;
    }
}

void
pm_bounds_chain_rule(const pm_bounds *b, const double *u, double *fjac)
{
    if (b == NULL || b->identity) {
        return;
    }
    const size_t m = (size_t)b->m;
    for (int i = 0; i < b->n_free; i++) {
        const int j = b->free_index[i];
        const double *column = b->jac + (size_t)j * m;
        double *out = fjac + (size_t)i * m;
        if (b->at_solution || b->kind[j] == PM_BOUND_FREE) {
            memmove(out, column, m * sizeof(double));
            continue;
        }
        const double scale = derivative(b, i, u[i]);
        for (size_t r = 0; r < m; r++) {
            out[r] = column[r] * scale;
        }
    }
}

void
pm_bounds_gather(const pm_bounds *b, const double *full, double *out)
{
    for (int i = 0; i < b->n_free; i++) {
        out[i] = full[b->free_index[i]];
    }
}

/*
 * The size below which a bounded parameter's difference step does not
 * go: its box's width, or max(1, |bound|) for a bound alone; 0 for a free
 * one (then the step is fdjac2's own).  A parameter that ends on a bound
 * of 0 is often 1e-11 or so, where fdjac2's step eps * |x| would not
 * change f and leave a zero column (a singular covariance).
 */
static double
scale(const pm_bounds *b, int j)
{
    switch ((enum pm_bound_kind)b->kind[j]) {
    case PM_BOUND_LOWER:
        return fmax(1.0, fabs(b->lb[j]));
    case PM_BOUND_UPPER:
        return fmax(1.0, fabs(b->ub[j]));
    case PM_BOUND_BOTH:
        return b->ub[j] - b->lb[j];
    default:
        return 0.0;
    }
}

int
pm_bounds_solution_jacobian(pm_bounds *b, minpack_lmdif_fcn *dif,
                            minpack_lmder_fcn *der, const double *fvec,
                            double epsfcn)
{
    const int m = b->m, n_free = b->n_free;
    double *x_free = b->wa + m;       /* the free x's at the solution */
    pm_bounds_external(b, b->u, b->x);
    pm_bounds_gather(b, b->x, x_free);
    b->at_solution = 1;
    b->seen = 0;  /* u now means x: nothing computed before holds */
    int iflag = 2;
    if (der != NULL) {
        der(&m, &n_free, x_free, b->wa, b->cov_jac, &m, &iflag);
    }
    else {
        const int epsilon_index = 1;
        const double eps = sqrt(fmax(epsfcn, dpmpar_(&epsilon_index)));
        for (int i = 0; i < n_free && iflag >= 0; i++) {
            const int j = b->free_index[i];
            const double x = x_free[i];
            double h = eps * fmax(fabs(x), scale(b, j));
            if (h == 0.0) {
                h = eps;
            }
            const double lb = b->lb == NULL ? -INFINITY : b->lb[j];
            const double ub = b->ub == NULL ? INFINITY : b->ub[j];
            if (x + h > ub) {
                h = -h;  /* keep the user's x inside the bounds */
            }
            if (x + h < lb) {  /* a box narrower than the step */
                h = ub - x >= x - lb ? ub - x : lb - x;
            }
            x_free[i] = x + h;
            dif(&m, &n_free, x_free, b->wa, &iflag);
            x_free[i] = x;
            double *column = b->cov_jac + (size_t)i * m;
            for (int r = 0; r < m; r++) {
                column[r] = (b->wa[r] - fvec[r]) / h;
            }
        }
    }
    b->at_solution = 0;
    b->seen = 0;
    if (iflag < 0) {
        return iflag;
    }
    const int pivot = 1;
    double *rdiag = b->wa + m + n_free;
    qrfac_(&m, &n_free, b->cov_jac, &m, &pivot, (int *)b->cov_ipvt, &n_free,
           rdiag, rdiag + n_free, rdiag + 2 * (size_t)n_free);
    /* R's diagonal comes back apart; put it where lmdif puts it. */
    for (int i = 0; i < n_free; i++) {
        b->cov_jac[(size_t)i * m + i] = rdiag[i];
    }
    return 0;
}

int
pm_bounds_covariance(pm_bounds *b, const double *fjac, const int32_t *ipvt,
                     double *cov)
{
    const int n = b->n, n_free = b->n_free;
    if (b->transformed) {
        fjac = b->cov_jac;
        ipvt = b->cov_ipvt;
    }
    if (n_free == 0 ||
            pm_inverse_jtj(fjac, b->m, n_free, ipvt, b->cov_free,
                           (double *)b->inverse_scratch)) {
        return 1;
    }
    memset(cov, 0, (size_t)n * (size_t)n * sizeof(double));
    for (int i = 0; i < n_free; i++) {
        for (int k = 0; k < n_free; k++) {
            cov[(size_t)b->free_index[i] * n + b->free_index[k]] =
                b->cov_free[(size_t)i * n_free + k];
        }
    }
    return 0;
}
