/*
 * Many fits with compiled callbacks, on a pool of C threads: the engine
 * (pm_batch_run, for any pm_batch_kind) and leastsq's kind (lmdif/lmder
 * fits, below it); fsolve's kind is in hybrd_batch.c.
 *
 * Fits are handed out one at a time from an atomic counter to whichever
 * thread is free; each writes only its own rows of the output arrays, so
 * the results do not depend on the number of threads or on the order in
 * which fits finish.  The GIL is released for the whole batch.  The calling
 * thread either runs fits itself (threads == 1) or watches the workers;
 * either way, every POLL_NS it takes the GIL for a moment to run
 * Python's signal handlers (Ctrl-C) and the progress callback.
 *
 * Everything the workers share (the batch struct: counters, result
 * pointers, lock, cancel flag) is allocated on the heap for the call and
 * freed after the join, never kept on the calling thread's C stack: the
 * progress callback runs Python code there, which may switch greenlets
 * (gevent does in any cooperative call), and greenlet copies the stack of
 * a suspended greenlet away and lets another one's frames take its place
 * while the workers are still running.
 */
#include "batch.h"
#include "clock.h"
#include "compiled.h"
#include "covariance.h"
#include "minpack.h"
#include "pool.h"
#include "results.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

static const int64_t POLL_NS = 50000000;  /* 50 ms */

typedef struct {
    const pm_batch_kind *kind;
    const void *problem;
    atomic_int *cancel;         /* the problem's */
    const char *who;
    atomic_long next_fit;
    atomic_long fits_done;
    long count;
    /* The workers' end, and their failures. */
    pthread_mutex_t lock;
    pthread_cond_t workers_done;
    int workers_running;
    int workers_started;
    atomic_int out_of_memory;
    /* The calling thread's watch. */
    PyThreadState *thread_state;
    PyObject *progress;         /* progress(done, total), or NULL */
    pm_poll poll;               /* poll_python, when it is next due */
    int python_error;
    pid_t pid;                  /* the process that started the workers */
    int forked;                 /* a poll's Python code forked: this is a
                                   child, where no worker exists */
} batch;

/*
 * The calling thread's poll (pm_poll, compiled.h), due every POLL_NS: take
 * the GIL, run the signal handlers and the progress callback.  Non-zero
 * (with the exception kept in this thread's state) stops the batch.
 */
static int
poll_python(void *context)
{
    batch *b = context;
    if (b->python_error) {
        return 1;
    }
    b->poll.due = pm_monotonic_ns() + POLL_NS;
    PyEval_RestoreThread(b->thread_state);
    int failed = PyErr_CheckSignals() < 0;
    if (!failed && b->progress != NULL) {
        PyObject *result = PyObject_CallFunction(
                b->progress, "ll", atomic_load(&b->fits_done), b->count);
        failed = result == NULL;
        Py_XDECREF(result);
    }
    if (b->workers_started > 0 && getpid() != b->pid) {
        /* fork() in the progress callback (or a signal handler): this is
           the child, which has the calling thread alone; the workers and
           the fits they hold will never finish here. */
        b->forked = 1;
        if (!failed) {
            PyErr_Format(PyExc_RuntimeError,
                            "%s: fork() in the progress callback: "
                            "the child process has none of the batch's worker "
                            "threads, so its fits cannot finish there (end "
                            "the child with os._exit or exec, or fork with "
                            "threads=1)", b->who);
            failed = 1;
        }
    }
    b->thread_state = PyEval_SaveThread();
    if (failed) {
        b->python_error = 1;
        atomic_store(b->cancel, 1);
    }
    return failed;
}

/* Take fits until none is left or the batch is cancelled. */
static void
run_fits(batch *b, void *scratch, pm_poll *poll)
{
    while (!atomic_load_explicit(b->cancel, memory_order_relaxed)) {
        long k = atomic_fetch_add(&b->next_fit, 1);
        if (k >= b->count) {
            break;
        }
        if (b->kind->run(b->problem, scratch, k, poll) == 0) {
            atomic_fetch_add(&b->fits_done, 1);
        }
        if (poll != NULL && pm_monotonic_ns() >= poll->due) {
            poll->fn(poll->context);
        }
    }
}

static void *
worker(void *argument)
{
    batch *b = argument;
    void *scratch = b->kind->scratch_new(b->problem);
    if (scratch == NULL) {
        atomic_store(&b->out_of_memory, 1);
        atomic_store(b->cancel, 1);
    }
    else {
        run_fits(b, scratch, NULL);
        b->kind->scratch_free(scratch);
    }
    pthread_mutex_lock(&b->lock);
    b->workers_running--;
    pthread_cond_signal(&b->workers_done);
    pthread_mutex_unlock(&b->lock);
    return NULL;
}

/* The calling thread while workers run: wake every POLL_NS to poll. */
static void
watch_workers(batch *b)
{
    pthread_mutex_lock(&b->lock);
    while (b->workers_running > 0) {
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);  /* the condvar's clock */
        struct timespec deadline = pm_timespec_add(now, POLL_NS);
        int waited = pthread_cond_timedwait(&b->workers_done, &b->lock,
                                            &deadline);
        if (waited == ETIMEDOUT && b->workers_running > 0) {
            pthread_mutex_unlock(&b->lock);
            poll_python(b);
            if (b->forked) {
                return;  /* no worker will ever signal; the lock may be
                            held by a thread that does not exist here */
            }
            pthread_mutex_lock(&b->lock);
        }
    }
    pthread_mutex_unlock(&b->lock);
}

/* Run every fit; with the GIL released throughout, except in the polls. */
static void
run_batch(batch *b, int threads)
{
    b->thread_state = PyEval_SaveThread();
    b->poll = (pm_poll){
        .fn = poll_python, .context = b,
        .due = pm_monotonic_ns() + POLL_NS,
    };
    pm_pool pool = {0};
    int started = 0;
    if (threads > 1) {
        b->workers_running = threads;
        b->pid = getpid();
        started = pm_pool_start(&pool, threads, worker, b);
        b->workers_started = started;
        pthread_mutex_lock(&b->lock);
        b->workers_running -= threads - started;
        pthread_mutex_unlock(&b->lock);
    }
    if (started > 0) {
        watch_workers(b);
    }
    else {
        /* One thread, or the system gave us none: the caller runs them. */
        void *scratch = b->kind->scratch_new(b->problem);
        if (scratch == NULL) {
            atomic_store(&b->out_of_memory, 1);
        }
        else {
            run_fits(b, scratch, &b->poll);
            b->kind->scratch_free(scratch);
        }
    }
    if (b->forked) {
        pm_pool_abandon(&pool);  /* the threads are the parent's */
    }
    else {
        pm_pool_join(&pool);
    }
    PyEval_RestoreThread(b->thread_state);
}

long
pm_batch_run(const pm_batch_kind *kind, const void *problem,
             atomic_int *cancel, long count, int threads, PyObject *progress,
             const char *who)
{
    if (count == 0) {
        return 0;
    }
    /* On the heap: the workers must never see the calling stack (above). */
    batch *b = PyMem_RawCalloc(1, sizeof(*b));
    if (b == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    long done = -1;
    b->kind = kind;
    b->problem = problem;
    b->cancel = cancel;
    b->who = who;
    b->count = count;
    b->progress = progress == Py_None ? NULL : progress;
    atomic_init(&b->next_fit, 0);
    atomic_init(&b->fits_done, 0);
    atomic_init(&b->out_of_memory, 0);
    if (pthread_mutex_init(&b->lock, NULL) != 0) {
        PyErr_NoMemory();
        goto finally;
    }
    if (pthread_cond_init(&b->workers_done, NULL) != 0) {
        pthread_mutex_destroy(&b->lock);
        PyErr_NoMemory();
        goto finally;
    }
    run_batch(b, threads > count ? (int)count : threads);
    if (!b->forked) {  /* in a forked child, a lost worker may hold them */
        pthread_cond_destroy(&b->workers_done);
        pthread_mutex_destroy(&b->lock);
    }
    if (b->python_error) {
        goto finally;  /* KeyboardInterrupt, or the progress callback's */
    }
    if (atomic_load(&b->out_of_memory)) {
        PyErr_NoMemory();
        goto finally;
    }
    done = atomic_load(&b->fits_done);
finally:
    /* Every worker has been joined (run_batch), or, in a forked child,
       does not exist. */
    PyMem_RawFree(b);
    return done;
}

/* ------------------------------------------------------------------ */
/* leastsq's kind: lmdif/lmder fits (compiled.c), results in pm_results. */

typedef struct {
    pm_compiled_problem problem;
    atomic_int cancel;
    pm_results results;         /* x0 in, everything out */
    pm_batch_bounds bounds;     /* none, every fit's, or fit k's */
    char *user_data;            /* fit k gets user_data + k * stride */
    ptrdiff_t user_data_stride;
} lm_batch;

/* One thread's scratch space, for what the caller does not keep. */
typedef struct {
    pm_fit_rows rows;           /* used without full_output */
    double *work, *diag, *covariance;
    pm_bounds bounds;           /* the fit's change of variables */
    int bounded;                /* bounds allocated: the batch has some */
} scratch;

static void
scratch_free(scratch *s)
{
    pm_fit_rows_free(&s->rows);
    PyMem_RawFree(s->work);
    PyMem_RawFree(s->diag);
    PyMem_RawFree(s->covariance);
    if (s->bounded) {
        pm_bounds_free(&s->bounds);
    }
    memset(s, 0, sizeof(*s));
}

static int
scratch_init(scratch *s, int m, int n, int bounded)
{
    memset(s, 0, sizeof(*s));
    if (bounded) {
        if (pm_bounds_alloc(&s->bounds, m, n) < 0) {
            return -1;
        }
        s->bounded = 1;
    }
    s->work = PyMem_RawMalloc((pm_compiled_work(m, n) + 1) * sizeof(double));
    s->diag = PyMem_RawMalloc(((size_t)n + 1) * sizeof(double));
    s->covariance = PyMem_RawMalloc(pm_inverse_jtj_scratch(n) + 1);
    if (pm_fit_rows_alloc(&s->rows, m, n) < 0 || s->work == NULL ||
            s->diag == NULL || s->covariance == NULL) {
        scratch_free(s);
        return -1;
    }
    return 0;
}

static void *
lm_scratch_new(const void *problem)
{
    const lm_batch *lb = problem;
    scratch *s = PyMem_RawMalloc(sizeof(*s));
    if (s != NULL && scratch_init(s, lb->problem.m, lb->problem.n,
                                  lb->bounds.lb != NULL) < 0) {
        PyMem_RawFree(s);
        s = NULL;
    }
    return s;
}

static void
lm_scratch_free(void *s)
{
    scratch_free(s);
    PyMem_RawFree(s);
}

/* Run fit k with the scratch space `s`, and write its rows. */
static int
lm_run(const void *problem, void *scratch_space, long k, pm_poll *poll)
{
    const lm_batch *b = problem;
    scratch *s = scratch_space;
    const pm_results *r = &b->results;
    const int n = r->n;
    pm_fit_rows rows;
    pm_results_rows(r, k, &s->rows, &rows);
    pm_fit_rows_clear(&rows, r->m, n);
    pm_compiled_fit fit = {
        .x = r->x + (size_t)k * n,
        .diag = s->diag,
        .mode = r->diag != NULL ? 2 : 1,
        .user_data = b->user_data == NULL ? NULL
                     : b->user_data + k * b->user_data_stride,
        .fvec = rows.fvec, .fjac = rows.fjac, .qtf = rows.qtf,
        .ipvt = rows.ipvt,
        .work = s->work,
        .bounds = s->bounded ? &s->bounds : NULL,
    };
    if (fit.bounds != NULL) {
        pm_batch_bounds_set(&b->bounds, k, fit.bounds);
    }
    if (r->diag != NULL) {
        memcpy(s->diag, r->diag + k * r->diag_stride,
               (size_t)n * sizeof(double));
        if (fit.bounds != NULL && !fit.bounds->identity) {
            pm_bounds_gather(fit.bounds, s->diag, s->diag);  /* in place */
        }
    }
    pm_compiled_fit_run(&b->problem, &fit, poll);
    if (fit.ier == PM_IER_CANCELLED) {
        return 1;
    }
    pm_results_store(r, k, &rows, fit.ier, fit.nfev, fit.njev, fit.status,
                     fit.nonfinite_at, s->covariance, fit.bounds);
    return 0;
}

static const pm_batch_kind lm_kind = {
    .scratch_new = lm_scratch_new,
    .scratch_free = lm_scratch_free,
    .run = lm_run,
};

PyObject *
pm_batch_compiled(PyObject *Py_UNUSED(module), PyObject *args)
{
    unsigned long long func_address, jac_address, user_data_address;
    Py_ssize_t user_data_stride;
    PyObject *x, *diag, *progress, *outputs, *bounds = Py_None;
    int m, n, maxfev, check_finite, threads;
    double ftol, xtol, gtol, epsfcn, factor;
    if (!PyArg_ParseTuple(args, "KKOOKniiddd" "iddpiOO!|O:batch_compiled",
                          &func_address, &jac_address, &x, &diag,
                          &user_data_address, &user_data_stride, &m, &n,
                          &ftol, &xtol, &gtol, &maxfev, &epsfcn, &factor,
                          &check_finite, &threads, &progress, &PyTuple_Type,
                          &outputs, &bounds)) {
        return NULL;
    }
    if (func_address == 0 || threads < 1) {
        PyErr_SetString(PyExc_ValueError,
                        "_minpack: batch_compiled needs a func address and "
                        "threads >= 1");
        return NULL;
    }
    /* On the heap: the workers read it (see pm_batch_run). */
    lm_batch *b = PyMem_RawCalloc(1, sizeof(*b));
    if (b == NULL) {
        return PyErr_NoMemory();
    }
    PyObject *done = NULL;
    b->user_data = (char *)(uintptr_t)user_data_address;
    b->user_data_stride = user_data_stride;
    if (pm_results_init(&b->results, x, diag, outputs, m) < 0) {
        goto finally;
    }
    if (b->results.n != n) {
        PyErr_SetString(PyExc_TypeError, "_minpack: x must be (K, n)");
        goto finally;
    }
    if (pm_batch_bounds_init(&b->bounds, bounds, b->results.count, n) < 0) {
        goto finally;
    }
    if (b->results.count == 0) {
        done = Py_NewRef(Py_None);
        goto finally;
    }
    b->problem = (pm_compiled_problem){
        .func = (pm_residual_fn *)(uintptr_t)func_address,
        .jac = (pm_jacobian_fn *)(uintptr_t)jac_address,
        .m = m, .n = n, .ftol = ftol, .xtol = xtol, .gtol = gtol,
        .epsfcn = epsfcn, .factor = factor, .maxfev = maxfev,
        .check_finite = check_finite,
        .cancel = &b->cancel,
    };
    atomic_init(&b->cancel, 0);
    long fits = pm_batch_run(&lm_kind, b, &b->cancel, b->results.count,
                             threads, progress, "leastsq_batch");
    if (fits >= 0) {
        done = PyLong_FromLong(fits);
    }
finally:
    PyMem_RawFree(b);
    return done;
}
