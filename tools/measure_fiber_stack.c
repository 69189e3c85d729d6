/*
 * How deep MINPACK goes on a fiber's stack: the measurement behind
 * STACK_SIZE in src/ext/vectorized.c.
 *
 * A fiber's stack is painted with a byte pattern, lmdif and then lmder run
 * a 40 x 4 fit on it (switching back to the caller at every evaluation, as
 * the vectorized batch does), and the deepest byte no longer holding the
 * pattern tells the stack used.  Build against a build directory's MINPACK:
 *
 *   cc -O2 -Isrc/ext tools/measure_fiber_stack.c src/ext/fiber.c \
 *      src/ext/fiber_x86_64.S build/cp311/libminpack.a -lm -o /tmp/depth
 *   /tmp/depth
 *
 * Measured (gfortran 12 -O3, gcc 12 -O2, x86-64): about 4.4 KiB for each.
 */
#include "fiber.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void lmdif_(void *, const int *, const int *, double *, double *,
            const double *, const double *, const double *, const int *,
            const double *, double *, const int *, const double *,
            const int *, int *, int *, double *, const int *, int *,
            double *, double *, double *, double *, double *);
void lmder_(void *, const int *, const int *, double *, double *, double *,
            const int *, const double *, const double *, const double *,
            const int *, double *, const int *, const double *, const int *,
            int *, int *, int *, int *, double *, double *, double *,
            double *, double *);

enum { M = 40, N = 4, STACK = 65536, PATTERN = 0xAB };

static pm_fiber thread, fiber;
static int use_lmder, finished;

static double
model(const double *x, double t)
{
    return x[0] * exp(-x[1] * t) + x[2] * sin(x[3] * t)
           - (2.0 * exp(-t) + 0.5 * sin(2.0 * t));
}

static void
residuals(const int *m, const int *n, const double *x, double *f, int *iflag)
{
    (void)n;
    if (*iflag > 0) {
        for (int i = 0; i < *m; i++) {
            f[i] = model(x, 0.1 * i);
        }
        pm_fiber_switch(&fiber, &thread, 0);
    }
}

static void
with_jacobian(const int *m, const int *n, const double *x, double *f,
              double *j, const int *ld, int *iflag)
{
    (void)n;
    if (*iflag == 1) {
        residuals(m, n, x, f, iflag);
    }
    else if (*iflag == 2) {
        for (int i = 0; i < *m; i++) {
            double t = 0.1 * i, e = exp(-x[1] * t);
            j[i] = e;
            j[i + *ld] = -x[0] * t * e;
            j[i + 2 * *ld] = sin(x[3] * t);
            j[i + 3 * *ld] = x[2] * t * cos(x[3] * t);
        }
        pm_fiber_switch(&fiber, &thread, 0);
    }
}

static void
fit(void *argument)
{
    (void)argument;
    pm_fiber_begin(&fiber, &thread);
    double x[N] = {1, 2, 1, 1}, fvec[M], fjac[M * N], qtf[N], diag[N];
    double wa1[N], wa2[N], wa3[N], wa4[M];
    double tol = 1e-10, gtol = 0.0, epsfcn = 0.0, factor = 100.0;
    int ipvt[N], info, nfev, njev, mode = 1, nprint = 0, maxfev = 2000;
    int m = M, n = N;
    if (use_lmder) {
        lmder_(with_jacobian, &m, &n, x, fvec, fjac, &m, &tol, &tol, &gtol,
               &maxfev, diag, &mode, &factor, &nprint, &info, &nfev, &njev,
               ipvt, qtf, wa1, wa2, wa3, wa4);
    }
    else {
        lmdif_(residuals, &m, &n, x, fvec, &tol, &tol, &gtol, &maxfev,
               &epsfcn, diag, &mode, &factor, &nprint, &info, &nfev, fjac,
               &m, ipvt, qtf, wa1, wa2, wa3, wa4);
    }
    finished = info;
    pm_fiber_switch(&fiber, &thread, 1);
}

int
main(void)
{
    for (use_lmder = 0; use_lmder < 2; use_lmder++) {
        pm_fiber_init_thread(&thread);
        if (pm_fiber_create(&fiber, STACK) < 0) {
            perror("pm_fiber_create");
            return 1;
        }
        memset((void *)fiber.bottom, PATTERN, fiber.size);
        pm_fiber_start(&fiber, fit, NULL);
        finished = 0;
        while (!finished) {
            pm_fiber_switch(&thread, &fiber, 0);
        }
        const unsigned char *stack = fiber.bottom;
        size_t untouched = 0;
        while (untouched < fiber.size && stack[untouched] == PATTERN) {
            untouched++;
        }
        printf("%s (info %d): %zu bytes of stack used\n",
               use_lmder ? "lmder" : "lmdif", finished,
               fiber.size - untouched);
        pm_fiber_destroy(&fiber);
    }
    return 0;
}
