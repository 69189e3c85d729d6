/*
 * One fit with compiled callbacks: the trampolines MINPACK calls, and the
 * run of lmdif or lmder around them.
 */
#include "compiled.h"
#include "clock.h"
#include "minpack.h"

#include <math.h>
#include <string.h>

/*
 * Everything a trampoline needs; lives on the stack of pm_compiled_fit_run,
 * which is fine even when a poll switches greenlets: only the thread that
 * runs the fit touches it, and greenlet puts that thread's own frames back
 * before it resumes there.  What other threads touch (the cancel flag, the
 * batch's counters) is on the heap (batch.c).
 */
typedef struct {
    const pm_compiled_problem *problem;
    pm_compiled_fit *fit;
    /*
     * x at the last residual evaluation (iflag 1).  MINPACK's forward
     * differences move one component of its own x and, when FCN stops
     * them, return with it still moved; the iterate they were taken at is
     * always the point of the last iflag-1 evaluation (f(x0), or the trial
     * step just accepted), so this copy restores it.
     */
    double *iterate;
    int x0_answered;            /* f(x0) already in fvec (check_finite) */
    int stopped_in_differences;
    pm_poll *poll;              /* NULL in a worker thread */
} running_fit;

/* The fit whose Fortran this thread runs; set just before the call. */
static _Thread_local running_fit *running = NULL;

size_t
pm_compiled_work(int m, int n)
{
    return 4 * (size_t)n + (size_t)m;  /* wa1, wa2, wa3, iterate (n), wa4 (m) */
}

/* Cancelled from outside, or by the poll once it is due (compiled.h). */
static int
should_stop(running_fit *run)
{
    if (atomic_load_explicit(run->problem->cancel, memory_order_relaxed)) {
        return 1;
    }
    if (run->poll != NULL && pm_monotonic_ns() >= run->poll->due) {
        int stop = run->poll->fn(run->poll->context);
        running = run;  /* the poll ran Python code, maybe fits of its own */
        if (stop != 0) {
            atomic_store(run->problem->cancel, 1);
            return 1;
        }
    }
    return 0;
}

static void
compiled_lmdif_fcn(const int *m, const int *n, const double *x, double *fvec,
                   int *iflag)
{
    running_fit *run = running;
    if (*iflag <= 0) {
        return;  /* iflag 0 asks for printing; nprint = 0 never does */
    }
    if (should_stop(run)) {
        *iflag = PM_IER_CANCELLED;
        return;
    }
    if (*iflag == 1) {
        memcpy(run->iterate, x, (size_t)*n * sizeof(double));
        if (run->x0_answered) {
            run->x0_answered = 0;  /* fvec already holds f(x0) */
            return;
        }
    }
    pm_compiled_fit *fit = run->fit;
    /* The user's n is all the parameters, MINPACK's *n the free ones. */
    int status = run->problem->func(*m, run->problem->n,
                                    pm_bounds_point(fit->bounds, x), fvec,
                                    fit->user_data);
    if (status != 0) {
        fit->status = status;
        run->stopped_in_differences = *iflag == 2;
        *iflag = PM_IER_FUNC_STOPPED;
    }
}

static void
compiled_lmder_fcn(const int *m, const int *n, const double *x, double *fvec,
                   double *fjac, const int *ldfjac, int *iflag)
{
    (void)n;  /* MINPACK's: the free parameters; the user's is problem->n */
    running_fit *run = running;
    if (*iflag <= 0) {
        return;
    }
    if (should_stop(run)) {
        *iflag = PM_IER_CANCELLED;
        return;
    }
    pm_compiled_fit *fit = run->fit;
    if (*iflag == 1) {
        if (run->x0_answered) {
            run->x0_answered = 0;
            return;
        }
        int status = run->problem->func(*m, run->problem->n,
                                        pm_bounds_point(fit->bounds, x),
                                        fvec, fit->user_data);
        if (status != 0) {
            fit->status = status;
            *iflag = PM_IER_FUNC_STOPPED;
        }
        return;
    }
    int status = run->problem->jac(
            *m, run->problem->n, pm_bounds_point(fit->bounds, x),
            pm_bounds_jacobian_target(fit->bounds, fjac), *ldfjac,
            fit->user_data);
    if (status != 0) {
        fit->status = status;
        *iflag = PM_IER_DFUN_STOPPED;
        return;
    }
    pm_bounds_chain_rule(fit->bounds, x, fjac);
}

/* f(x0) for check_finite; 0 to go on with MINPACK, -1 when the fit ends. */
static int
evaluate_at_x0(const pm_compiled_problem *problem, pm_compiled_fit *fit,
               const double *minpack_x)
{
    int status = problem->func(problem->m, problem->n,
                               pm_bounds_point(fit->bounds, minpack_x),
                               fit->fvec, fit->user_data);
    if (status != 0) {
        /* What MINPACK reports when its own first call stops. */
        fit->status = status;
        fit->ier = PM_IER_FUNC_STOPPED;
        fit->nfev = 1;
        return -1;
    }
    for (int i = 0; i < problem->m; i++) {
        if (!isfinite(fit->fvec[i])) {
            fit->nonfinite_at = i;
            fit->ier = 0;
            fit->nfev = 1;
            return -1;
        }
    }
    return 0;
}

void
pm_compiled_fit_run(const pm_compiled_problem *problem, pm_compiled_fit *fit,
                    pm_poll *poll)
{
    int m = problem->m, n = problem->n;  /* n: what MINPACK sees */
    /* The work space is laid out for all n, fixed parameters or not. */
    const size_t n_all = (size_t)problem->n;
    double *wa = fit->work;
    running_fit run = {
        .problem = problem,
        .fit = fit,
        .iterate = wa + 3 * n_all,
        .poll = poll,
    };
    fit->ier = fit->nfev = fit->njev = fit->status = 0;
    fit->nonfinite_at = -1;
    /* MINPACK's x: the caller's x itself, or the internal parameters. */
    pm_bounds *b = fit->bounds;
    double *x = fit->x;
    if (b != NULL && !b->identity) {
        pm_bounds_start(b, fit->x);
        x = b->u;
        n = b->n_free;
    }
    else {
        b = NULL;
    }
    if (problem->check_finite) {
        if (evaluate_at_x0(problem, fit, x) < 0) {
            if (b != NULL) {
                pm_bounds_external(b, x, fit->x);
            }
            return;
        }
        run.x0_answered = 1;
    }
    double *wa4 = wa + 4 * n_all;
    const int nprint = 0;
    running_fit *outer = running;  /* a poll may run a fit of its own */
    running = &run;
    if (problem->jac == NULL) {
        lmdif_(compiled_lmdif_fcn, &m, &n, x, fit->fvec, &problem->ftol,
               &problem->xtol, &problem->gtol, &problem->maxfev,
               &problem->epsfcn, fit->diag, &fit->mode, &problem->factor,
               &nprint, &fit->ier, &fit->nfev, fit->fjac, &m, fit->ipvt,
               fit->qtf, wa, wa + n_all, wa + 2 * n_all, wa4);
        if (fit->ier == PM_IER_FUNC_STOPPED && run.stopped_in_differences) {
            memcpy(x, run.iterate, (size_t)n * sizeof(double));
        }
    }
    else {
        lmder_(compiled_lmder_fcn, &m, &n, x, fit->fvec, fit->fjac, &m,
               &problem->ftol, &problem->xtol, &problem->gtol,
               &problem->maxfev, fit->diag, &fit->mode, &problem->factor,
               &nprint, &fit->ier, &fit->nfev, &fit->njev, fit->ipvt,
               fit->qtf, wa, wa + n_all, wa + 2 * n_all, wa4);
    }
    if (b != NULL) {
        /* The external covariance's Jacobian, then x made external. */
        if (b->transformed && fit->ier >= 1 && fit->ier <= 4) {
            int status = pm_bounds_solution_jacobian(
                    b, compiled_lmdif_fcn,
                    problem->jac == NULL ? NULL : compiled_lmder_fcn,
                    fit->fvec, problem->epsfcn);
            if (status < 0) {
                fit->ier = status;
            }
        }
        pm_bounds_external(b, x, fit->x);
    }
    running = outer;
    if (fit->ier == 0 && run.x0_answered) {
        /* MINPACK refused the fit (improper input) before asking for
           f(x0): it leaves fvec as it found it, and leastsq reports zeros
           there, not the f(x0) that check_finite put in beforehand. */
        memset(fit->fvec, 0, (size_t)m * sizeof(double));
    }
}
