/*
 * fsolve's kind of batch (batch.h): many systems with compiled callbacks
 * (fsolve_batch, and fsolve of one compiled system), each solved by hybrd
 * or hybrj to its end in one thread, on batch.c's engine (the pool, the
 * polls for Ctrl-C and progress, the heap-held state).
 *
 * A compiled func that returns non-zero while hybrd is taking forward
 * differences would leave x with a component moved (fdjac1 moves hybrd's
 * own x and restores it after the call).  So such a stop is deferred: the
 * remaining difference calls are skipped, and the stop happens at the
 * next call, a trial point, which hybrd evaluates elsewhere; x is then the
 * iterate.  nfev counts the calls of func actually made.
 */
#include "hybrd_batch.h"
#include "batch.h"
#include "clock.h"
#include "compiled.h"
#include "minpack.h"

#include <math.h>
#include <stdatomic.h>
#include <string.h>

/* Everything the systems share; on the heap (see pm_batch_run). */
typedef struct {
    pm_residual_fn *func;
    pm_jacobian_fn *jac;        /* NULL: hybrd */
    int n, lr, maxfev, ml, mu, check_finite;
    double xtol, epsfcn, factor;
    double *x;                  /* (count, n): starts, then solutions */
    const double *diag;         /* NULL, (n) or (count, n) */
    ptrdiff_t diag_stride;
    char *user_data;
    ptrdiff_t user_data_stride;
    npy_int32 *ier, *nfev, *njev, *status, *nonfinite;
    double *fnorm;
    double *fvec, *fjac, *r, *qtf;  /* (count, ...) or NULL */
    atomic_int cancel;
} hbatch;

/* One thread's scratch: what the caller does not keep, and MINPACK's. */
typedef struct {
    double *diag, *wa, *fvec, *fjac, *r, *qtf;
} scratch;

/* The system whose Fortran this thread runs. */
typedef struct {
    const hbatch *b;
    long k;
    void *user_data;
    int x0_answered;            /* f(x0) already in fvec (check_finite) */
    int stop_pending;           /* func stopped inside the differences */
    int status, calls, jac_calls;
    pm_poll *poll;              /* the calling thread's, or NULL */
} hrun;

static _Thread_local hrun *running = NULL;

/* Cancelled from outside, or by the poll once it is due (compiled.h). */
static int
should_stop(hrun *run)
{
    if (atomic_load_explicit((atomic_int *)&run->b->cancel,
                             memory_order_relaxed)) {
        return 1;
    }
    if (run->poll != NULL && pm_monotonic_ns() >= run->poll->due) {
        int stop = run->poll->fn(run->poll->context);
        running = run;  /* the poll ran Python code, maybe fits of its own */
        return stop;
    }
    return 0;
}

static void
hybrd_fcn(const int *n, const double *x, double *fvec, int *iflag)
{
    hrun *run = running;
    if (*iflag <= 0) {
        return;
    }
    if (should_stop(run)) {
        *iflag = PM_IER_CANCELLED;
        return;
    }
    if (run->stop_pending) {
        if (*iflag == 1) {
            *iflag = PM_IER_FUNC_STOPPED;  /* x is the iterate again */
        }
        return;
    }
    if (run->x0_answered) {
        run->x0_answered = 0;  /* MINPACK's first request: f(x0) */
        return;
    }
    run->calls++;
    int status = run->b->func(*n, *n, x, fvec, run->user_data);
    if (status != 0) {
        run->status = status;
        if (*iflag == 1) {
            *iflag = PM_IER_FUNC_STOPPED;
        }
        else {
            run->stop_pending = 1;
        }
    }
}

static void
hybrj_fcn(const int *n, const double *x, double *fvec, double *fjac,
          const int *ldfjac, int *iflag)
{
    hrun *run = running;
    if (*iflag <= 0) {
        return;
    }
    if (should_stop(run)) {
        *iflag = PM_IER_CANCELLED;
        return;
    }
    int status;
    if (*iflag == 1) {
        if (run->x0_answered) {
            run->x0_answered = 0;
            return;
        }
        run->calls++;
        status = run->b->func(*n, *n, x, fvec, run->user_data);
        if (status != 0) {
            run->status = status;
            *iflag = PM_IER_FUNC_STOPPED;
        }
        return;
    }
    run->jac_calls++;
    status = run->b->jac(*n, *n, x, fjac, *ldfjac, run->user_data);
    if (status != 0) {
        run->status = status;
        *iflag = PM_IER_DFUN_STOPPED;
    }
}

static void
scratch_free(void *space)
{
    scratch *s = space;
    if (s == NULL) {
        return;
    }
    PyMem_RawFree(s->diag);
    PyMem_RawFree(s->wa);
    PyMem_RawFree(s->fvec);
    PyMem_RawFree(s->fjac);
    PyMem_RawFree(s->r);
    PyMem_RawFree(s->qtf);
    PyMem_RawFree(s);
}

static void *
scratch_new(const void *problem)
{
    const hbatch *b = problem;
    size_t nn = (size_t)b->n;
    scratch *s = PyMem_RawCalloc(1, sizeof(*s));
    if (s == NULL) {
        return NULL;
    }
    s->diag = PyMem_RawMalloc((nn + 1) * sizeof(double));
    s->wa = PyMem_RawMalloc((4 * nn + 1) * sizeof(double));
    s->fvec = PyMem_RawMalloc((nn + 1) * sizeof(double));
    s->fjac = PyMem_RawMalloc((nn * nn + 1) * sizeof(double));
    s->r = PyMem_RawMalloc(((size_t)b->lr + 1) * sizeof(double));
    s->qtf = PyMem_RawMalloc((nn + 1) * sizeof(double));
    if (s->diag == NULL || s->wa == NULL || s->fvec == NULL ||
            s->fjac == NULL || s->r == NULL || s->qtf == NULL) {
        scratch_free(s);
        return NULL;
    }
    return s;
}

/* The caller's row k of `array` (width `width`), or the scratch one. */
static double *
row_of(double *array, long k, size_t width, double *own)
{
    return array != NULL ? array + (size_t)k * width : own;
}

/* f(x0) for check_finite: 0 to go on, -1 when the system ends here. */
static int
first_evaluation(hrun *run, double *x, double *fvec)
{
    const hbatch *b = run->b;
    run->calls = 1;
    int status = b->func(b->n, b->n, x, fvec, run->user_data);
    if (status != 0) {
        run->status = status;
        return PM_IER_FUNC_STOPPED;
    }
    for (int i = 0; i < b->n; i++) {
        if (!isfinite(fvec[i])) {
            b->nonfinite[run->k] = i;
            return 0;   /* ier 0: never run, as fsolve raises first */
        }
    }
    run->x0_answered = 1;
    return 1;
}

/* Solve system k (the kind's run, batch.h): 0 done, 1 cancelled. */
static int
run_system(const void *problem, void *scratch_space, long k, pm_poll *poll)
{
    const hbatch *b = problem;
    scratch *s = scratch_space;
    const int n = b->n;
    const size_t nn = (size_t)n;
    double *x = b->x + k * nn;
    double *fvec = row_of(b->fvec, k, nn, s->fvec);
    double *fjac = row_of(b->fjac, k, nn * nn, s->fjac);
    double *r = row_of(b->r, k, (size_t)b->lr, s->r);
    double *qtf = row_of(b->qtf, k, nn, s->qtf);
    if (b->fvec != NULL) {
        /* Rows the caller keeps: zeros where MINPACK refuses the input. */
        memset(fvec, 0, nn * sizeof(double));
        memset(fjac, 0, nn * nn * sizeof(double));
        memset(r, 0, (size_t)b->lr * sizeof(double));
        memset(qtf, 0, nn * sizeof(double));
    }
    int mode = 1;
    if (b->diag != NULL) {
        mode = 2;
        memcpy(s->diag, b->diag + k * b->diag_stride, nn * sizeof(double));
    }
    hrun run = {
        .b = b, .k = k, .poll = poll,
        .user_data = b->user_data == NULL ? NULL
                     : b->user_data + k * b->user_data_stride,
    };
    int info = 0, nfev = 0, njev = 0;
    if (b->check_finite) {
        int go_on = first_evaluation(&run, x, fvec);
        if (go_on <= 0) {
            info = go_on;
            goto store;
        }
    }
    const int nprint = 0;
    double *wa = s->wa;
    hrun *outer = running;
    running = &run;
    if (b->jac == NULL) {
        hybrd_(hybrd_fcn, &n, x, fvec, &b->xtol, &b->maxfev, &b->ml,
               &b->mu, &b->epsfcn, s->diag, &mode, &b->factor, &nprint,
               &info, &nfev, fjac, &n, r, &b->lr, qtf, wa, wa + nn,
               wa + 2 * nn, wa + 3 * nn);
    }
    else {
        hybrj_(hybrj_fcn, &n, x, fvec, fjac, &n, &b->xtol, &b->maxfev,
               s->diag, &mode, &b->factor, &nprint, &info, &nfev, &njev, r,
               &b->lr, qtf, wa, wa + nn, wa + 2 * nn, wa + 3 * nn);
    }
    running = outer;
    if (info == PM_IER_CANCELLED) {
        return 1;
    }
store:
    b->ier[k] = info;
    b->nfev[k] = run.calls;
    b->njev[k] = b->jac == NULL ? 0 : run.jac_calls;
    b->status[k] = run.status;
    b->fnorm[k] = enorm_(&n, fvec);
    return 0;
}

static const pm_batch_kind hybrd_kind = {
    .scratch_new = scratch_new,
    .scratch_free = scratch_free,
    .run = run_system,
};

/* A C-contiguous array of `type` with `size` elements, or NULL if None. */
static int
output(PyObject *obj, int type, npy_intp size, void **data)
{
    if (obj == Py_None) {
        *data = NULL;
        return 0;
    }
    PyArrayObject *array = (PyArrayObject *)obj;
    if (!PyArray_CheckExact(obj) || PyArray_TYPE(array) != type ||
            !PyArray_ISCARRAY(array) || PyArray_SIZE(array) != size) {
        PyErr_SetString(PyExc_TypeError,
                        "_minpack: hybrd_batch outputs must be writable "
                        "C-contiguous arrays of the right type and size");
        return -1;
    }
    *data = PyArray_DATA(array);
    return 0;
}

PyObject *
pm_hybrd_batch_compiled(PyObject *Py_UNUSED(module), PyObject *args)
{
    unsigned long long func_address, jac_address, user_data_address;
    Py_ssize_t user_data_stride;
    PyObject *x, *diag, *progress, *outputs;
    int maxfev, ml, mu, check_finite, threads;
    double xtol, epsfcn, factor;
    if (!PyArg_ParseTuple(args, "KKOOKn" "diiiddpiOO!:hybrd_batch_compiled",
                          &func_address, &jac_address, &x, &diag,
                          &user_data_address, &user_data_stride, &xtol,
                          &maxfev, &ml, &mu, &epsfcn, &factor, &check_finite,
                          &threads, &progress, &PyTuple_Type, &outputs)) {
        return NULL;
    }
    PyArrayObject *xa = (PyArrayObject *)x;
    if (!PyArray_CheckExact(x) || PyArray_TYPE(xa) != NPY_DOUBLE ||
            PyArray_NDIM(xa) != 2 || !PyArray_ISCARRAY(xa) ||
            func_address == 0 || threads < 1 ||
            PyTuple_GET_SIZE(outputs) != 10 ||
            PyArray_DIM(xa, 1) > 65534 || PyArray_DIM(xa, 1) < 1) {
        PyErr_SetString(PyExc_TypeError, "_minpack: hybrd_batch_compiled "
                        "needs x (K, n) float64 with 1 <= n <= 65534, a "
                        "func address, threads >= 1 and 10 outputs");
        return NULL;
    }
    npy_intp count = PyArray_DIM(xa, 0), n = PyArray_DIM(xa, 1);
    npy_intp lr = n * (n + 1) / 2;
    const npy_intp diag_size = diag == Py_None ? 0
                               : PyArray_SIZE((PyArrayObject *)diag);
    if (diag != Py_None && (!PyArray_CheckExact(diag) ||
            PyArray_TYPE((PyArrayObject *)diag) != NPY_DOUBLE ||
            !PyArray_ISCARRAY_RO((PyArrayObject *)diag) ||
            (diag_size != n && diag_size != count * n))) {
        PyErr_SetString(PyExc_TypeError, "_minpack: diag must be (n,) or "
                        "(K, n) float64");
        return NULL;
    }
    void *p[10];
    static const int types[10] = {NPY_INT32, NPY_INT32, NPY_INT32,
                                  NPY_INT32, NPY_INT32, NPY_DOUBLE,
                                  NPY_DOUBLE, NPY_DOUBLE, NPY_DOUBLE,
                                  NPY_DOUBLE};
    const npy_intp sizes[10] = {count, count, count, count, count, count,
                                count * n, count * n * n, count * lr,
                                count * n};
    for (int i = 0; i < 10; i++) {
        PyObject *item = PyTuple_GET_ITEM(outputs, i);
        if ((i < 6 && item == Py_None) ||
                output(item, types[i], sizes[i], &p[i]) < 0) {
            if (!PyErr_Occurred()) {
                PyErr_SetString(PyExc_TypeError, "_minpack: the first six "
                                "hybrd_batch outputs are required");
            }
            return NULL;
        }
    }
    /* On the heap: the workers read it (see pm_batch_run). */
    hbatch *b = PyMem_RawCalloc(1, sizeof(*b));
    if (b == NULL) {
        return PyErr_NoMemory();
    }
    *b = (hbatch){
        .func = (pm_residual_fn *)(uintptr_t)func_address,
        .jac = (pm_jacobian_fn *)(uintptr_t)jac_address,
        .n = (int)n, .lr = (int)lr, .maxfev = maxfev, .ml = ml, .mu = mu,
        .check_finite = check_finite, .xtol = xtol, .epsfcn = epsfcn,
        .factor = factor, .x = PyArray_DATA(xa),
        .diag = diag == Py_None ? NULL
                : PyArray_DATA((PyArrayObject *)diag),
        .diag_stride = diag_size == count * n ? n : 0,
        .user_data = (char *)(uintptr_t)user_data_address,
        .user_data_stride = user_data_stride,
        .ier = p[0], .nfev = p[1], .njev = p[2], .status = p[3],
        .nonfinite = p[4], .fnorm = p[5],
        .fvec = p[6], .fjac = p[7], .r = p[8], .qtf = p[9],
    };
    atomic_init(&b->cancel, 0);
    long done = pm_batch_run(&hybrd_kind, b, &b->cancel, (long)count,
                             threads, progress, "fsolve_batch");
    PyMem_RawFree(b);
    return done < 0 ? NULL : PyLong_FromLong(done);
}
