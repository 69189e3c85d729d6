/*
 * Many fsolve systems with compiled callbacks (fsolve_batch, and fsolve of
 * one compiled system): hybrd or hybrj per system, on a pool of C threads
 * (pool.c), the GIL released throughout.
 *
 * As in batch.c, systems are handed out one at a time from an atomic
 * counter; each writes only its own rows of the output arrays, so results
 * do not depend on the number of threads; the calling thread runs systems
 * itself (threads == 1) or watches the workers, and every POLL_SECONDS it
 * takes the GIL for a moment for Ctrl-C and the progress callback.
 *
 * A compiled func that returns non-zero while hybrd is taking forward
 * differences would leave x with a component moved (fdjac1 moves hybrd's
 * own x and restores it after the call).  So such a stop is deferred: the
 * remaining difference calls are skipped, and the stop happens at the
 * next call, a trial point, which hybrd evaluates elsewhere; x is then the
 * iterate.  nfev counts the calls of func actually made.
 */
#include "hybrd_batch.h"
#include "compiled.h"
#include "minpack.h"
#include "pool.h"

#include <errno.h>
#include <math.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

static const double POLL_SECONDS = 0.05;
enum { POLL_EVERY = 64 };   /* evaluations between looks at the clock */

typedef struct {
    pm_residual_fn *func;
    pm_jacobian_fn *jac;        /* NULL: hybrd */
    int n, lr, maxfev, ml, mu, check_finite;
    double xtol, epsfcn, factor;
    long count;
    double *x;                  /* (count, n): starts, then solutions */
    const double *diag;         /* NULL, (n) or (count, n) */
    ptrdiff_t diag_stride;
    char *user_data;
    ptrdiff_t user_data_stride;
    npy_int32 *ier, *nfev, *njev, *status, *nonfinite;
    double *fnorm;
    double *fvec, *fjac, *r, *qtf;  /* (count, ...) or NULL */
    atomic_int cancel;
    atomic_long next_fit, fits_done;
    atomic_int out_of_memory;
    pthread_mutex_t lock;
    pthread_cond_t workers_done;
    int workers_running;
    PyThreadState *thread_state;
    PyObject *progress;
    double next_poll;
    int python_error;
} hbatch;

/* One thread's scratch: what the caller does not keep, and MINPACK's. */
typedef struct {
    double *diag, *wa, *fvec, *fjac, *r, *qtf;
} scratch;

/* The system whose Fortran this thread runs. */
typedef struct {
    hbatch *b;
    long k;
    void *user_data;
    int x0_answered;            /* f(x0) already in fvec (check_finite) */
    int stop_pending;           /* func stopped inside the differences */
    int status, calls, jac_calls;
    unsigned evaluations;
    int poll;                   /* this thread polls Python */
} hrun;

static _Thread_local hrun *running = NULL;

static double
now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* With the GIL, briefly: signals and progress.  Non-zero stops the batch. */
static int
poll_python(hbatch *b)
{
    if (b->python_error) {
        return 1;
    }
    double t = now();
    if (t < b->next_poll) {
        return 0;
    }
    b->next_poll = t + POLL_SECONDS;
    PyEval_RestoreThread(b->thread_state);
    int failed = PyErr_CheckSignals() < 0;
    if (!failed && b->progress != NULL) {
        PyObject *result = PyObject_CallFunction(
                b->progress, "ll", atomic_load(&b->fits_done), b->count);
        failed = result == NULL;
        Py_XDECREF(result);
    }
    b->thread_state = PyEval_SaveThread();
    if (failed) {
        b->python_error = 1;
        atomic_store(&b->cancel, 1);
    }
    return failed;
}

static int
should_stop(hrun *run)
{
    hbatch *b = run->b;
    if (atomic_load_explicit(&b->cancel, memory_order_relaxed)) {
        return 1;
    }
    if (run->poll && ++run->evaluations % POLL_EVERY == 0) {
        hrun *self = run;
        int stop = poll_python(b);
        running = self;  /* the progress callback may have run fits */
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
scratch_free(scratch *s)
{
    PyMem_RawFree(s->diag);
    PyMem_RawFree(s->wa);
    PyMem_RawFree(s->fvec);
    PyMem_RawFree(s->fjac);
    PyMem_RawFree(s->r);
    PyMem_RawFree(s->qtf);
    memset(s, 0, sizeof(*s));
}

static int
scratch_init(scratch *s, int n, int lr)
{
    size_t nn = (size_t)n;
    s->diag = PyMem_RawMalloc((nn + 1) * sizeof(double));
    s->wa = PyMem_RawMalloc((4 * nn + 1) * sizeof(double));
    s->fvec = PyMem_RawMalloc((nn + 1) * sizeof(double));
    s->fjac = PyMem_RawMalloc((nn * nn + 1) * sizeof(double));
    s->r = PyMem_RawMalloc(((size_t)lr + 1) * sizeof(double));
    s->qtf = PyMem_RawMalloc((nn + 1) * sizeof(double));
    if (s->diag == NULL || s->wa == NULL || s->fvec == NULL ||
            s->fjac == NULL || s->r == NULL || s->qtf == NULL) {
        scratch_free(s);
        return -1;
    }
    return 0;
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
    hbatch *b = run->b;
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

static void
run_system(hbatch *b, scratch *s, long k, int poll)
{
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
        return;
    }
store:
    b->ier[k] = info;
    b->nfev[k] = run.calls;
    b->njev[k] = b->jac == NULL ? 0 : run.jac_calls;
    b->status[k] = run.status;
    b->fnorm[k] = enorm_(&n, fvec);
    atomic_fetch_add(&b->fits_done, 1);
}

static void
run_systems(hbatch *b, scratch *s, int poll)
{
    while (!atomic_load_explicit(&b->cancel, memory_order_relaxed)) {
        long k = atomic_fetch_add(&b->next_fit, 1);
        if (k >= b->count) {
            break;
        }
        run_system(b, s, k, poll);  /* it polls every POLL_EVERY calls */
    }
}

static void *
worker(void *argument)
{
    hbatch *b = argument;
    scratch s = {0};
    if (scratch_init(&s, b->n, b->lr) < 0) {
        atomic_store(&b->out_of_memory, 1);
        atomic_store(&b->cancel, 1);
    }
    else {
        run_systems(b, &s, 0);
        scratch_free(&s);
    }
    pthread_mutex_lock(&b->lock);
    b->workers_running--;
    pthread_cond_signal(&b->workers_done);
    pthread_mutex_unlock(&b->lock);
    return NULL;
}

static void
watch_workers(hbatch *b)
{
    pthread_mutex_lock(&b->lock);
    while (b->workers_running > 0) {
        struct timespec deadline;
        clock_gettime(CLOCK_REALTIME, &deadline);
        deadline.tv_nsec += (long)(POLL_SECONDS * 1e9);
        if (deadline.tv_nsec >= 1000000000L) {
            deadline.tv_sec += 1;
            deadline.tv_nsec -= 1000000000L;
        }
        int waited = pthread_cond_timedwait(&b->workers_done, &b->lock,
                                            &deadline);
        if (waited == ETIMEDOUT && b->workers_running > 0) {
            pthread_mutex_unlock(&b->lock);
            poll_python(b);
            pthread_mutex_lock(&b->lock);
        }
    }
    pthread_mutex_unlock(&b->lock);
}

static void
run_batch(hbatch *b, int threads)
{
    b->thread_state = PyEval_SaveThread();
    b->next_poll = now() + POLL_SECONDS;
    pm_pool pool = {0};
    int started = 0;
    if (threads > 1) {
        b->workers_running = threads;
        started = pm_pool_start(&pool, threads, worker, b);
        pthread_mutex_lock(&b->lock);
        b->workers_running -= threads - started;
        pthread_mutex_unlock(&b->lock);
    }
    if (started > 0) {
        watch_workers(b);
    }
    else {
        scratch s = {0};
        if (scratch_init(&s, b->n, b->lr) < 0) {
            atomic_store(&b->out_of_memory, 1);
        }
        else {
            run_systems(b, &s, 1);
            scratch_free(&s);
        }
    }
    pm_pool_join(&pool);
    PyEval_RestoreThread(b->thread_state);
}

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
    hbatch b = {
        .func = (pm_residual_fn *)(uintptr_t)func_address,
        .jac = (pm_jacobian_fn *)(uintptr_t)jac_address,
        .n = (int)n, .lr = (int)lr, .maxfev = maxfev, .ml = ml, .mu = mu,
        .check_finite = check_finite, .xtol = xtol, .epsfcn = epsfcn,
        .factor = factor, .count = count, .x = PyArray_DATA(xa),
        .user_data = (char *)(uintptr_t)user_data_address,
        .user_data_stride = user_data_stride,
        .progress = progress == Py_None ? NULL : progress,
    };
    if (diag != Py_None) {
        PyArrayObject *d = (PyArrayObject *)diag;
        if (!PyArray_CheckExact(diag) || PyArray_TYPE(d) != NPY_DOUBLE ||
                !PyArray_ISCARRAY_RO(d) ||
                (PyArray_SIZE(d) != n && PyArray_SIZE(d) != count * n)) {
            PyErr_SetString(PyExc_TypeError, "_minpack: diag must be (n,) "
                            "or (K, n) float64");
            return NULL;
        }
        b.diag = PyArray_DATA(d);
        b.diag_stride = PyArray_SIZE(d) == n && count != 1 ? 0 : n;
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
    b.ier = p[0], b.nfev = p[1], b.njev = p[2], b.status = p[3];
    b.nonfinite = p[4], b.fnorm = p[5];
    b.fvec = p[6], b.fjac = p[7], b.r = p[8], b.qtf = p[9];
    if (count == 0) {
        return PyLong_FromLong(0);
    }
    atomic_init(&b.cancel, 0);
    atomic_init(&b.next_fit, 0);
    atomic_init(&b.fits_done, 0);
    atomic_init(&b.out_of_memory, 0);
    if (pthread_mutex_init(&b.lock, NULL) != 0 ||
            pthread_cond_init(&b.workers_done, NULL) != 0) {
        return PyErr_NoMemory();
    }
    run_batch(&b, threads > count ? (int)count : threads);
    pthread_cond_destroy(&b.workers_done);
    pthread_mutex_destroy(&b.lock);
    if (b.python_error) {
        return NULL;
    }
    if (atomic_load(&b.out_of_memory)) {
        return PyErr_NoMemory();
    }
    return PyLong_FromLong(atomic_load(&b.fits_done));
}
