/*
 * The vectorized batch: every fit runs its own MINPACK, and one call to the
 * user's numpy func evaluates all the fits that are waiting.
 *
 * MINPACK calls FCN and waits for the answer, and stays unchanged, so each
 * fit's Fortran runs on a fiber of its own (fiber.h).  Its FCN trampoline
 * notes where the fit wants evaluating and switches back to the scheduler,
 * which runs every other fit to the same point, gathers their points into
 * one (k, n) array, calls func(X, *args, *data_rows) once with the GIL,
 * copies row i of the (k, m) answer into fit i's fvec and resumes them.
 * Fits leave when MINPACK returns and new ones enter their slots, so no
 * fit is evaluated after it has finished, and at most `slots` fibers
 * (stacks and work space) exist whatever K is.
 *
 * The GIL is held only around the calls to func and Dfun (and a signal
 * check per round); MINPACK's own work runs without it.  The first round's
 * call of func is made in Python (_batch.py), which learns m from it.
 */
#include "vectorized.h"
#include "convert.h"
#include "covariance.h"
#include "errors.h"
#include "fiber.h"
#include "minpack.h"
#include "results.h"

#include <errno.h>
#include <math.h>
#include <string.h>

/*
 * A fiber's stack.  lmdif and lmder with a trampoline that switches at
 * every evaluation use about 4.3 KiB (tools/measure_fiber_stack.c paints a
 * stack, runs both and finds the deepest byte touched); 64 KiB leaves a
 * wide margin, and only the pages touched are ever backed by memory.
 * AddressSanitizer's frames and redzones are far larger.
 */
#if defined(__SANITIZE_ADDRESS__)
enum { STACK_SIZE = 1 << 20 };
#else
enum { STACK_SIZE = 64 << 10 };
#endif

enum slot_state { SLOT_FREE, SLOT_RUNNABLE, SLOT_WANTS_F, SLOT_WANTS_J,
                  SLOT_DONE };

struct vbatch;

typedef struct {
    pm_fiber fiber;
    struct vbatch *batch;
    long fit;                   /* the fit in this slot */
    enum slot_state state;
    int first_request;          /* the next f request is f(x0) */
    const double *x;            /* where the fit wants evaluating */
    double *out;                /* fvec or fjac to fill */
    pm_fit_rows rows;           /* the fit's own, or the slot's scratch */
    pm_fit_rows scratch;
    double *work, *diag;
    double *r, *r_scratch;      /* hybr: the fit's row of R, or scratch */
    int ier, nfev, njev, nonfinite_at;
    pm_bounds bounds;           /* the fit's change of variables */
    int bounded;                /* bounds allocated: the batch has some */
} slot;

typedef struct vbatch {
    pm_results results;
    pm_batch_bounds bounds;     /* none, every fit's, or fit k's */
    PyObject *func, *jac, *args, *data;   /* borrowed; data: tuple */
    int col_deriv, check_finite, mode;
    double ftol, xtol, gtol, epsfcn, factor;
    int maxfev;
    slot *slots;
    int slot_count;
    long next_fit;
    long fits_done;
    pm_fiber thread;            /* the scheduler's own stack */
    double *covariance;         /* pm_inverse_jtj scratch */
    PyObject *progress;
    double next_progress;
    /*
     * fsolve_batch: hybrd (jac NULL) or hybrj instead of lmdif/lmder, m ==
     * n, with R in rows of lr = n(n+1)/2 (r: the caller's, or NULL), and
     * no cov_x.  `who` names the public function in errors.
     */
    int hybr, ml, mu, lr;
    double *r;
    const char *who;
    /*
     * func's values at the starts of the first round's fits (ascending),
     * computed in Python, which learnt m from them: that round takes them
     * instead of calling func.  Borrowed; first_values NULL once used, and
     * both NULL for fsolve_batch, whose first round calls func.
     */
    PyArrayObject *first_fits;
    PyObject *first_values;
} vbatch;

/* The slot whose fiber this thread is running: set before each resume. */
static _Thread_local slot *running_slot;

static void
wait_for(slot *s, enum slot_state state, const double *x, double *out)
{
    s->state = state;
    s->x = x;
    s->out = out;
    pm_fiber_switch(&s->fiber, &s->batch->thread, 0);
}

/* The fit's change of variables, or NULL: func gets X external. */
static pm_bounds *
slot_bounds(slot *s)
{
    return s->bounded && !s->bounds.identity ? &s->bounds : NULL;
}

static void
vectorized_lmdif_fcn(const int *m, const int *n, const double *x,
                     double *fvec, int *iflag)
{
    (void)m, (void)n;
    if (*iflag > 0) {
        slot *s = running_slot;
        wait_for(s, SLOT_WANTS_F, pm_bounds_point(slot_bounds(s), x), fvec);
    }
}

static void
vectorized_lmder_fcn(const int *m, const int *n, const double *x,
                     double *fvec, double *fjac, const int *ldfjac,
                     int *iflag)
{
    (void)m, (void)n, (void)ldfjac;  /* ldfjac == m */
    slot *s = running_slot;
    pm_bounds *b = slot_bounds(s);
    if (*iflag == 1) {
        wait_for(s, SLOT_WANTS_F, pm_bounds_point(b, x), fvec);
    }
    else if (*iflag == 2) {
        wait_for(s, SLOT_WANTS_J, pm_bounds_point(b, x),
                 pm_bounds_jacobian_target(b, fjac));
        pm_bounds_chain_rule(b, x, fjac);
    }
}

static void
vectorized_hybrd_fcn(const int *n, const double *x, double *fvec,
                     int *iflag)
{
    (void)n;
    if (*iflag > 0) {  /* 1: an iterate or trial, 2: a difference point */
        wait_for(running_slot, SLOT_WANTS_F, x, fvec);
    }
}

static void
vectorized_hybrj_fcn(const int *n, const double *x, double *fvec,
                     double *fjac, const int *ldfjac, int *iflag)
{
    (void)n, (void)ldfjac;  /* ldfjac == n */
    slot *s = running_slot;
    if (*iflag == 1) {
        wait_for(s, SLOT_WANTS_F, x, fvec);
    }
    else if (*iflag == 2) {
        wait_for(s, SLOT_WANTS_J, x, fjac);
    }
}

/* fsolve_batch's fit: hybrd or hybrj, with m == n. */
static void
run_hybr(slot *s, vbatch *b, double *x)
{
    int n = b->results.n;
    double *wa = s->work;
    const int nprint = 0;
    if (b->jac == NULL) {
        hybrd_(vectorized_hybrd_fcn, &n, x, s->rows.fvec, &b->xtol,
               &b->maxfev, &b->ml, &b->mu, &b->epsfcn, s->diag, &b->mode,
               &b->factor, &nprint, &s->ier, &s->nfev, s->rows.fjac, &n,
               s->r, &b->lr, s->rows.qtf, wa, wa + n, wa + 2 * n,
               wa + 3 * n);
    }
    else {
        hybrj_(vectorized_hybrj_fcn, &n, x, s->rows.fvec, s->rows.fjac, &n,
               &b->xtol, &b->maxfev, s->diag, &b->mode, &b->factor, &nprint,
               &s->ier, &s->nfev, &s->njev, s->r, &b->lr, s->rows.qtf, wa,
               wa + n, wa + 2 * n, wa + 3 * n);
    }
}

/* A fiber's whole life: one fit, then a last switch back. */
static void
run_fit(void *argument)
{
    slot *s = argument;
    vbatch *b = s->batch;
    pm_fiber_begin(&s->fiber, &b->thread);
    const int m = b->results.m, n = b->results.n;
    double *x = b->results.x + (size_t)s->fit * n;
    /* MINPACK's x and n: the fit's own, or the internal ones. */
    pm_bounds *bounds = slot_bounds(s);
    double *minpack_x = bounds != NULL ? bounds->u : x;
    int minpack_n = bounds != NULL ? bounds->n_free : n;
    double *wa = s->work;
    const int nprint = 0;
    if (b->hybr) {
        run_hybr(s, b, x);
    }
    else if (b->jac == NULL) {
        lmdif_(vectorized_lmdif_fcn, &m, &minpack_n, minpack_x, s->rows.fvec,
               &b->ftol, &b->xtol, &b->gtol, &b->maxfev, &b->epsfcn, s->diag,
               &b->mode, &b->factor, &nprint, &s->ier, &s->nfev, s->rows.fjac,
               &m, s->rows.ipvt, s->rows.qtf, wa, wa + n, wa + 2 * n,
               wa + 3 * n);
    }
    else {
        lmder_(vectorized_lmder_fcn, &m, &minpack_n, minpack_x, s->rows.fvec,
               s->rows.fjac, &m, &b->ftol, &b->xtol, &b->gtol, &b->maxfev,
               s->diag, &b->mode, &b->factor, &nprint, &s->ier, &s->nfev,
               &s->njev, s->rows.ipvt, s->rows.qtf, wa, wa + n, wa + 2 * n,
               wa + 3 * n);
    }
    if (bounds != NULL) {
        /* The external covariance's Jacobian, then x made external. */
        if (bounds->transformed && s->ier >= 1 && s->ier <= 4) {
            pm_bounds_solution_jacobian(
                    bounds, vectorized_lmdif_fcn,
                    b->jac == NULL ? NULL : vectorized_lmder_fcn,
                    s->rows.fvec, b->epsfcn);
        }
        pm_bounds_external(bounds, minpack_x, x);
    }
    s->state = SLOT_DONE;
    pm_fiber_switch(&s->fiber, &b->thread, 1);
}

static void
slot_free(slot *s)
{
    if (s->bounded) {
        pm_bounds_free(&s->bounds);
    }
    pm_fiber_destroy(&s->fiber);
    pm_fit_rows_free(&s->scratch);
    PyMem_RawFree(s->work);
    PyMem_RawFree(s->diag);
    PyMem_RawFree(s->r_scratch);
}

static int
slot_init(slot *s, vbatch *b)
{
    size_t m = (size_t)b->results.m, n = (size_t)b->results.n;
    memset(s, 0, sizeof(*s));
    s->batch = b;
    s->work = PyMem_RawMalloc((3 * n + m + 1) * sizeof(double));
    s->diag = PyMem_RawMalloc((n + 1) * sizeof(double));
    s->r_scratch = PyMem_RawMalloc(((size_t)b->lr + 1) * sizeof(double));
    if (b->bounds.lb != NULL) {
        if (pm_bounds_alloc(&s->bounds, (int)m, (int)n) < 0) {
            slot_free(s);
            return -1;
        }
        s->bounded = 1;
    }
    if (pm_fit_rows_alloc(&s->scratch, (int)m, (int)n) < 0 ||
            s->work == NULL || s->diag == NULL || s->r_scratch == NULL ||
            pm_fiber_create(&s->fiber, STACK_SIZE) < 0) {
        slot_free(s);
        return -1;
    }
    return 0;
}

/* Put the next fit, if any, into the free slot s. */
static void
enter_next_fit(vbatch *b, slot *s)
{
    const pm_results *r = &b->results;
    if (b->next_fit >= r->count) {
        s->state = SLOT_FREE;
        return;
    }
    s->fit = b->next_fit++;
    s->ier = s->nfev = s->njev = 0;
    s->nonfinite_at = -1;
    s->first_request = 1;
    pm_results_rows(r, s->fit, &s->scratch, &s->rows);
    pm_fit_rows_clear(&s->rows, r->m, r->n);
    s->r = b->r != NULL ? b->r + s->fit * b->lr : s->r_scratch;
    memset(s->r, 0, (size_t)b->lr * sizeof(double));
    if (s->bounded) {
        pm_batch_bounds_set(&b->bounds, s->fit, &s->bounds);
    }
    pm_bounds *bounds = slot_bounds(s);
    if (bounds != NULL) {
        pm_bounds_start(bounds, r->x + (size_t)s->fit * r->n);
    }
    if (r->diag != NULL) {
        memcpy(s->diag, r->diag + s->fit * r->diag_stride,
               (size_t)r->n * sizeof(double));
        if (bounds != NULL) {
            pm_bounds_gather(bounds, s->diag, s->diag);  /* in place */
        }
    }
    pm_fiber_start(&s->fiber, run_fit, s);
    s->state = SLOT_RUNNABLE;
}

static void
leave(vbatch *b, slot *s)
{
    /* fsolve_batch keeps no cov_x (results.cov is NULL there). */
    pm_results_store(&b->results, s->fit, &s->rows, s->ier, s->nfev,
                     s->njev, 0, s->nonfinite_at, b->covariance,
                     slot_bounds(s));
    b->fits_done++;
    enter_next_fit(b, s);
}

/*
 * Without the GIL: resume every runnable fit until it waits for a value or
 * ends; a fit that ends makes room for the next, which runs at once.
 */
static void
run_runnable(vbatch *b)
{
    for (int i = 0; i < b->slot_count; i++) {
        slot *s = &b->slots[i];
        while (s->state == SLOT_RUNNABLE) {
            running_slot = s;
            pm_fiber_switch(&b->thread, &s->fiber, 0);
            if (s->state == SLOT_DONE) {
                leave(b, s);
            }
        }
    }
}

/* Add "while evaluating fits ..." to the exception being raised. */
static void
note_fits(PyObject *fits, const char *who)
{
    PyObject *exc = pm_take_exception();
    if (exc == NULL) {
        return;
    }
    /* The first few fits' indices, and how many there were. */
    enum { SHOWN = 10 };
    npy_intp count = PyArray_SIZE((PyArrayObject *)fits);
    const npy_intp *index = PyArray_DATA((PyArrayObject *)fits);
    PyObject *shown = PyList_New(0);
    for (npy_intp i = 0; shown != NULL && i < count && i < SHOWN; i++) {
        PyObject *fit = PyLong_FromSsize_t((Py_ssize_t)index[i]);
        if (fit == NULL || PyList_Append(shown, fit) < 0) {
            Py_CLEAR(shown);
        }
        Py_XDECREF(fit);
    }
    PyObject *note = shown == NULL ? NULL : PyUnicode_FromFormat(
            "in %s(vectorized=True), evaluating %zd fit%s: %R%s",
            who, (Py_ssize_t)count, count == 1 ? "" : "s", shown,
            count > SHOWN ? " and more" : "");
    Py_XDECREF(shown);
    PyObject *notes = note == NULL ? NULL
                      : PyObject_GetAttrString(exc, "__notes__");
    if (note != NULL && notes == NULL) {
        PyErr_Clear();
        notes = PyList_New(0);
        if (notes != NULL &&
                PyObject_SetAttrString(exc, "__notes__", notes) < 0) {
            Py_CLEAR(notes);
        }
    }
    if (notes != NULL && PyList_Check(notes)) {
        PyList_Append(notes, note);
    }
    Py_XDECREF(notes);
    Py_XDECREF(note);
    PyErr_Clear();  /* a failure to add the note leaves the error as it was */
    pm_restore_exception(exc);
}

/* func(X, *args, *(d[fits] for d in data)): the arguments, or NULL. */
static PyObject *
call_arguments(const vbatch *b, PyArrayObject *points, PyArrayObject *fits)
{
    Py_ssize_t nargs = PyTuple_GET_SIZE(b->args);
    Py_ssize_t ndata = PyTuple_GET_SIZE(b->data);
    PyObject *call_args = PyTuple_New(1 + nargs + ndata);
    if (call_args == NULL) {
        return NULL;
    }
    PyTuple_SET_ITEM(call_args, 0, Py_NewRef(points));
    for (Py_ssize_t j = 0; j < nargs; j++) {
        PyTuple_SET_ITEM(call_args, 1 + j,
                         Py_NewRef(PyTuple_GET_ITEM(b->args, j)));
    }
    for (Py_ssize_t j = 0; j < ndata; j++) {
        PyObject *rows = PyArray_TakeFrom(
                (PyArrayObject *)PyTuple_GET_ITEM(b->data, j),
                (PyObject *)fits, 0, NULL, NPY_RAISE);
        if (rows == NULL) {
            Py_DECREF(call_args);
            return NULL;
        }
        PyTuple_SET_ITEM(call_args, 1 + nargs + j, rows);
    }
    return call_args;
}

/*
 * Where fit `fit` is in the first round's values (b->first_fits), or -1
 * (with SystemError set): Python chose the fits the scheduler asks first.
 */
static npy_intp
first_round_row(const vbatch *b, long fit)
{
    const npy_intp *fits = PyArray_DATA(b->first_fits);
    npy_intp low = 0, high = PyArray_SIZE(b->first_fits);
    while (low < high) {
        npy_intp middle = low + (high - low) / 2;
        if (fits[middle] < fit) {
            low = middle + 1;
        }
        else {
            high = middle;
        }
    }
    if (low < PyArray_SIZE(b->first_fits) && fits[low] == fit) {
        return low;
    }
    PyErr_Format(PyExc_SystemError, "_minpack: fit %ld was not in the "
                 "first round's values", fit);
    return -1;
}

/*
 * With the GIL: one call of func (state SLOT_WANTS_F) or Dfun (WANTS_J) on
 * every fit waiting for it, or the first round's values given.  Returns
 * the number of fits evaluated, or -1 with an exception set.
 */
static int
evaluate(vbatch *b, enum slot_state wanted)
{
    const pm_results *r = &b->results;
    const npy_intp m = r->m, n = r->n;
    npy_intp k = 0;
    for (int i = 0; i < b->slot_count; i++) {
        k += b->slots[i].state == wanted;
    }
    if (k == 0) {
        return 0;
    }
    npy_intp x_shape[2] = {k, n};
    PyArrayObject *points = (PyArrayObject *)PyArray_SimpleNew(2, x_shape,
                                                               NPY_DOUBLE);
    PyArrayObject *fits = (PyArrayObject *)PyArray_SimpleNew(1, &k,
                                                             NPY_INTP);
    PyObject *call_args = NULL, *output = NULL;
    PyArrayObject *values = NULL;
    int status = -1;
    if (points == NULL || fits == NULL) {
        goto done;
    }
    slot **waiting = PyMem_Malloc((size_t)k * sizeof(slot *));
    if (waiting == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    npy_intp row = 0;
    for (int i = 0; i < b->slot_count; i++) {
        slot *s = &b->slots[i];
        if (s->state == wanted) {
            waiting[row] = s;
            memcpy((double *)PyArray_DATA(points) + row * n, s->x,
                   (size_t)n * sizeof(double));
            ((npy_intp *)PyArray_DATA(fits))[row] = s->fit;
            row++;
        }
    }
    int jacobian = wanted == SLOT_WANTS_J;
    PyObject *callable = jacobian ? b->jac : b->func;
    int given = !jacobian && b->first_values != NULL;
    if (given) {
        output = Py_NewRef(b->first_values);
        b->first_values = NULL;
        if (PyArray_SIZE(b->first_fits) != k) {
            PyErr_Format(PyExc_SystemError, "_minpack: %zd fits in the first "
                         "round, values given for %zd", (Py_ssize_t)k,
                         (Py_ssize_t)PyArray_SIZE(b->first_fits));
            goto free_waiting;
        }
    }
    else {
        call_args = call_arguments(b, points, fits);
        output = call_args == NULL ? NULL
                 : PyObject_Call(callable, call_args, NULL);
    }
    if (output == NULL) {
        goto free_waiting;
    }
    values = pm_as_float64(output, callable, b->who,
                           !jacobian ? "func" : b->hybr ? "fprime" : "Dfun");
    if (values == NULL) {
        goto free_waiting;
    }
    npy_intp rows_expected = jacobian && b->col_deriv ? n : m;
    npy_intp cols_expected = jacobian && b->col_deriv ? m : n;
    int shape_ok = jacobian
        ? PyArray_NDIM(values) == 3 && PyArray_DIM(values, 0) == k &&
          PyArray_DIM(values, 1) == rows_expected &&
          PyArray_DIM(values, 2) == cols_expected
        : PyArray_NDIM(values) == 2 && PyArray_DIM(values, 0) == k &&
          PyArray_DIM(values, 1) == m;
    if (!shape_ok) {
        PyObject *shape = PyArray_IntTupleFromIntp(PyArray_NDIM(values),
                                                   PyArray_DIMS(values));
        if (shape != NULL) {
            if (jacobian) {
                PyErr_Format(PyExc_ValueError,
                             "%s: %s returned an array of shape "
                             "%S for %zd fits; it must be (%zd, %zd, %zd)",
                             b->who, b->hybr ? "fprime" : "Dfun",
                             shape, (Py_ssize_t)k, (Py_ssize_t)k,
                             (Py_ssize_t)rows_expected,
                             (Py_ssize_t)cols_expected);
            }
            else {
                PyErr_Format(PyExc_ValueError,
                             "%s: func returned an array of shape "
                             "%S for %zd fits; it must be (%zd, %zd)",
                             b->who, shape, (Py_ssize_t)k, (Py_ssize_t)k,
                             (Py_ssize_t)m);
            }
            Py_DECREF(shape);
        }
        goto free_waiting;
    }
    const char *data = PyArray_BYTES(values);
    npy_intp s0 = PyArray_STRIDE(values, 0), s1 = PyArray_STRIDE(values, 1);
    for (npy_intp i = 0; i < k; i++) {
        slot *s = waiting[i];
        npy_intp source_row = given ? first_round_row(b, s->fit) : i;
        if (source_row < 0) {
            goto free_waiting;
        }
        const char *source = data + source_row * s0;
        if (jacobian) {
            npy_intp s2 = PyArray_STRIDE(values, 2);
            if (b->col_deriv) {
                pm_copy_to_column_major(s->out, source, m, n, s2, s1);
            }
            else {
                pm_copy_to_column_major(s->out, source, m, n, s1, s2);
            }
        }
        else {
            for (npy_intp j = 0; j < m; j++) {
                s->out[j] = *(const double *)(source + j * s1);
            }
            if (s->first_request && b->check_finite) {
                for (npy_intp j = 0; j < m; j++) {
                    if (!isfinite(s->out[j])) {
                        s->nonfinite_at = (int)j;
                        break;
                    }
                }
            }
            s->first_request = 0;
        }
        s->state = SLOT_RUNNABLE;
        if (s->nonfinite_at >= 0) {
            /* As leastsq, which raises before MINPACK starts: the fit
             * never runs (the caller raises for the first such fit). */
            s->ier = 0;
            s->nfev = 1;
            s->state = SLOT_DONE;
        }
    }
    status = (int)k;

free_waiting:
    if (status < 0 && PyErr_Occurred()) {
        note_fits((PyObject *)fits, b->who);
    }
    PyMem_Free(waiting);
done:
    Py_XDECREF(values);
    Py_XDECREF(output);
    Py_XDECREF(call_args);
    Py_XDECREF(fits);
    Py_XDECREF(points);
    return status;
}

/*
 * progress(done, total) at most every 0.05 s while fits run.  The end,
 * (total, total), is the caller's to report, once, after the results are
 * checked (_batch.py), so it is never reported here.
 */
static int
report_progress(vbatch *b)
{
    if (b->progress == NULL || b->fits_done >= b->results.count) {
        return 0;
    }
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    double now = (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
    if (now < b->next_progress) {
        return 0;
    }
    b->next_progress = now + 0.05;
    PyObject *result = PyObject_CallFunction(b->progress, "ll", b->fits_done,
                                             b->results.count);
    Py_XDECREF(result);
    return result == NULL ? -1 : 0;
}

/* Rounds until every fit has left; -1 with an exception set. */
static int
schedule(vbatch *b)
{
    for (int i = 0; i < b->slot_count; i++) {
        enter_next_fit(b, &b->slots[i]);
    }
    for (;;) {
        PyThreadState *state = PyEval_SaveThread();
        run_runnable(b);
        PyEval_RestoreThread(state);
        /* Fits whose f(x0) was not finite leave without running. */
        for (int i = 0; i < b->slot_count; i++) {
            if (b->slots[i].state == SLOT_DONE) {
                leave(b, &b->slots[i]);
            }
        }
        int evaluated_f = evaluate(b, SLOT_WANTS_F);
        if (evaluated_f < 0) {
            return -1;
        }
        int evaluated_j = b->jac == NULL ? 0 : evaluate(b, SLOT_WANTS_J);
        if (evaluated_j < 0) {
            return -1;
        }
        if (PyErr_CheckSignals() < 0 || report_progress(b) < 0) {
            return -1;
        }
        if (evaluated_f == 0 && evaluated_j == 0) {
            int active = 0;
            for (int i = 0; i < b->slot_count; i++) {
                active |= b->slots[i].state != SLOT_FREE;
            }
            if (!active) {
                return 0;
            }
        }
    }
}

PyObject *
pm_batch_vectorized(PyObject *Py_UNUSED(module), PyObject *args)
{
    PyObject *func, *jac, *call_args, *data, *x, *diag, *progress, *outputs;
    PyObject *r_out = Py_None;
    PyObject *first_fits = Py_None, *first_values = Py_None;
    PyObject *bounds = Py_None;
    int m, col_deriv, check_finite, maxfev, slot_count;
    int hybr = 0, ml = 0, mu = 0;
    double ftol, xtol, gtol, epsfcn, factor;
    if (!PyArg_ParseTuple(args, "OOO!O!OOipddd" "iddpiOO!|piiOOOO"
                          ":batch_vectorized",
                          &func, &jac, &PyTuple_Type, &call_args,
                          &PyTuple_Type, &data, &x, &diag, &m, &col_deriv,
                          &ftol, &xtol, &gtol, &maxfev, &epsfcn, &factor,
                          &check_finite, &slot_count, &progress,
                          &PyTuple_Type, &outputs, &hybr, &ml, &mu,
                          &r_out, &first_fits, &first_values, &bounds)) {
        return NULL;
    }
    if (first_fits != Py_None && (!PyArray_Check(first_fits) ||
            PyArray_TYPE((PyArrayObject *)first_fits) != NPY_INTP ||
            PyArray_NDIM((PyArrayObject *)first_fits) != 1 ||
            !PyArray_IS_C_CONTIGUOUS((PyArrayObject *)first_fits))) {
        PyErr_SetString(PyExc_TypeError, "_minpack: first_fits must be a "
                        "1-d array of intp");
        return NULL;
    }
    vbatch b = {
        .func = func, .jac = jac == Py_None ? NULL : jac,
        .args = call_args, .data = data,
        .col_deriv = col_deriv, .check_finite = check_finite,
        .ftol = ftol, .xtol = xtol, .gtol = gtol, .epsfcn = epsfcn,
        .factor = factor, .maxfev = maxfev,
        .progress = progress == Py_None ? NULL : progress,
        .hybr = hybr, .ml = ml, .mu = mu,
        .who = hybr ? "fsolve_batch" : "leastsq_batch",
        .first_fits = first_fits == Py_None ? NULL
                      : (PyArrayObject *)first_fits,
        .first_values = first_fits != Py_None &&
                        PyArray_SIZE((PyArrayObject *)first_fits) > 0
                        ? first_values : NULL,
    };
    if (pm_results_init(&b.results, x, diag, outputs, m) < 0 ||
            pm_batch_bounds_init(&b.bounds, bounds, b.results.count,
                                 b.results.n) < 0) {
        return NULL;
    }
    if (hybr) {
        npy_intp n = b.results.n;
        b.lr = (int)(n * (n + 1) / 2);
        PyArrayObject *ra = (PyArrayObject *)r_out;
        if (m != n || n > 65534 || b.results.cov != NULL ||
                (r_out != Py_None && (!PyArray_CheckExact(r_out) ||
                 PyArray_TYPE(ra) != NPY_DOUBLE || !PyArray_ISCARRAY(ra) ||
                 PyArray_SIZE(ra) != b.results.count * b.lr))) {
            PyErr_SetString(PyExc_TypeError, "_minpack: hybr needs m == n "
                            "<= 65534, no cov and r (K, n(n+1)/2) or None");
            return NULL;
        }
        b.r = r_out == Py_None ? NULL : PyArray_DATA(ra);
    }
    for (Py_ssize_t j = 0; j < PyTuple_GET_SIZE(data); j++) {
        PyObject *item = PyTuple_GET_ITEM(data, j);
        if (!PyArray_Check(item) || PyArray_NDIM((PyArrayObject *)item) < 1 ||
                PyArray_DIM((PyArrayObject *)item, 0) != b.results.count) {
            PyErr_SetString(PyExc_TypeError, "_minpack: data must be arrays "
                            "with one row per fit");
            return NULL;
        }
    }
    b.mode = b.results.diag != NULL ? 2 : 1;
    if (b.results.count == 0) {
        Py_RETURN_NONE;
    }
    if (slot_count < 1) {
        PyErr_SetString(PyExc_ValueError, "_minpack: slots must be >= 1");
        return NULL;
    }
    if (slot_count > b.results.count) {
        slot_count = (int)b.results.count;
    }
    b.slots = PyMem_Calloc((size_t)slot_count, sizeof(slot));
    b.covariance = PyMem_Malloc(pm_inverse_jtj_scratch(b.results.n) + 1);
    if (b.slots == NULL || b.covariance == NULL) {
        PyMem_Free(b.slots);
        PyMem_Free(b.covariance);
        return PyErr_NoMemory();
    }
    int initialised = 0;
    for (; initialised < slot_count; initialised++) {
        if (slot_init(&b.slots[initialised], &b) < 0) {
            break;
        }
    }
    b.slot_count = initialised;
    pm_fiber_init_thread(&b.thread);
    int status = -1;
    if (initialised < slot_count) {
        PyErr_NoMemory();
    }
    else {
        status = schedule(&b);
    }
    /*
     * A fit still suspended (after an exception) is abandoned: its Fortran
     * frames hold nothing but what lives on its stack and in its slot,
     * both freed here.
     */
    for (int i = 0; i < initialised; i++) {
        slot_free(&b.slots[i]);
    }
    PyMem_Free(b.slots);
    PyMem_Free(b.covariance);
    if (status < 0) {
        return NULL;
    }
    return PyLong_FromLong(b.fits_done);
}
