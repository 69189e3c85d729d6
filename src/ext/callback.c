/*
 * The per-fit context and the FCN trampolines that MINPACK calls.
 */
#include "callback.h"
#include "convert.h"

#include <assert.h>
#include <string.h>

#if defined(_MSC_VER)
#define PM_THREAD_LOCAL __declspec(thread)
#else
#define PM_THREAD_LOCAL _Thread_local
#endif

/*
 * The fit whose Fortran this thread is running (see callback.h): valid
 * from an entry into the Fortran to the next trampoline, unused otherwise.
 * Thread-local, so per-thread state, never shared between threads.
 */
static PM_THREAD_LOCAL pm_fit *running_fit = NULL;

int
pm_fit_init(pm_fit *fit, PyObject *func, PyObject *jac, PyObject *args,
            npy_intp m, npy_intp n, int col_deriv, const double *fvec_at_x0)
{
    Py_ssize_t nargs = PyTuple_GET_SIZE(args);
    memset(fit, 0, sizeof(*fit));
    fit->func = func;
    fit->jac = jac;
    fit->col_deriv = col_deriv;
    fit->m = m;
    fit->n = n;
    fit->fvec_at_x0 = fvec_at_x0;
    fit->call_args = PyMem_Calloc((size_t)nargs + 2, sizeof(PyObject *));
    if (fit->call_args == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t k = 0; k < nargs; k++) {
        fit->call_args[k + 2] = PyTuple_GET_ITEM(args, k);
    }
    fit->nargsf = ((size_t)nargs + 1) | PY_VECTORCALL_ARGUMENTS_OFFSET;
    return 0;
}

void
pm_fit_clear(pm_fit *fit)
{
    PyMem_Free(fit->call_args);
    fit->call_args = NULL;
}

void
pm_fit_begin(pm_fit *fit)
{
    fit->thread_state = PyEval_SaveThread();
    running_fit = fit;
}

void
pm_fit_end(pm_fit *fit)
{
    running_fit = NULL;  /* this fit's Fortran has returned */
    PyEval_RestoreThread(fit->thread_state);
}

int
pm_fit_check_info(int info)
{
    if (info >= 0 || info == PM_INFO_CALLBACK_STOP) {
        return 0;
    }
    if (!PyErr_Occurred()) {
        PyErr_Format(PyExc_SystemError,
                     "MINPACK stopped with info %d but no exception", info);
    }
    return -1;
}

/*
 * The two halves of every trampoline: take the GIL to run Python for the
 * fit whose Fortran called us, then give it back and, since that Python
 * code may have run or resumed other fits in this thread, mark this fit as
 * the running one again before returning to its Fortran.
 */
static pm_fit *
enter_python(void)
{
    pm_fit *fit = running_fit;
    assert(fit != NULL);
    PyEval_RestoreThread(fit->thread_state);
    return fit;
}

static void
leave_python(pm_fit *fit)
{
    fit->thread_state = PyEval_SaveThread();
    running_fit = fit;
}

/*
 * Call `callable(x, *args)` with a fresh float64 copy of x, which the user
 * may keep or modify without touching MINPACK's memory.  Returns a new
 * reference or NULL.
 */
static PyObject *
call_at(pm_fit *fit, PyObject *callable, const double *x)
{
    /*
     * A C-implemented func never runs the eval loop's signal check, so look
     * for Ctrl-C here: a long fit can always be interrupted.
     */
    if (PyErr_CheckSignals() < 0) {
        return NULL;
    }
    npy_intp n = fit->n;
    x = pm_bounds_point(fit->bounds, x);
    PyObject *x_array = PyArray_SimpleNew(1, &n, NPY_DOUBLE);
    if (x_array == NULL) {
        return NULL;
    }
    memcpy(PyArray_DATA((PyArrayObject *)x_array), x,
           (size_t)n * sizeof(double));
    fit->call_args[1] = x_array;
    PyObject *result = PyObject_Vectorcall(callable, fit->call_args + 1,
                                           fit->nargsf, NULL);
    fit->call_args[1] = NULL;
    Py_DECREF(x_array);
    return result;
}

/* The names errors use: leastsq's unless the fit says otherwise. */
static const pm_names *
fit_names(const pm_fit *fit)
{
    return fit->names != NULL ? fit->names : &pm_leastsq_names;
}

static int
evaluate_residuals(pm_fit *fit, const double *x, double *fvec)
{
    if (fit->fvec_at_x0 != NULL) {
        /* MINPACK's first request is always f(x0), which we already have. */
        memcpy(fvec, fit->fvec_at_x0, (size_t)fit->m * sizeof(double));
        fit->fvec_at_x0 = NULL;
        return 0;
    }
    PyObject *output = call_at(fit, fit->func, x);
    if (output == NULL) {
        return -1;
    }
    int status = pm_copy_residuals_as(output, fit->func, fit_names(fit),
                                      fit->m, fvec);
    Py_DECREF(output);
    return status;
}

static int
evaluate_jacobian(pm_fit *fit, const double *x, double *fjac)
{
    PyObject *output = call_at(fit, fit->jac, x);
    if (output == NULL) {
        return -1;
    }
    int status = pm_copy_jacobian_as(
            output, fit->jac, fit_names(fit), fit->m, fit->n, fit->col_deriv,
            pm_bounds_jacobian_target(fit->bounds, fjac));
    Py_DECREF(output);
    if (status == 0) {
        pm_bounds_chain_rule(fit->bounds, x, fjac);
    }
    return status;
}

/*
 * callback(x, fvec) with fresh copies of MINPACK's current iterate and its
 * residuals.  Returns PM_INFO_CALLBACK_STOP when it returns something
 * true, -1 with the exception set when it (or its truth value) raises,
 * and 0 to go on.
 */
static int
call_callback(pm_fit *fit, const double *x, const double *fvec)
{
    npy_intp m = fit->m;
    PyObject *fvec_array = PyArray_SimpleNew(1, &m, NPY_DOUBLE);
    if (fvec_array == NULL) {
        return -1;
    }
    memcpy(PyArray_DATA((PyArrayObject *)fvec_array), fvec,
           (size_t)m * sizeof(double));
    npy_intp n = fit->n;
    x = pm_bounds_point(fit->bounds, x);
    PyObject *x_array = PyArray_SimpleNew(1, &n, NPY_DOUBLE);
    if (x_array == NULL) {
        Py_DECREF(fvec_array);
        return -1;
    }
    memcpy(PyArray_DATA((PyArrayObject *)x_array), x,
           (size_t)n * sizeof(double));
    PyObject *result = PyObject_CallFunctionObjArgs(fit->callback, x_array,
                                                    fvec_array, NULL);
    Py_DECREF(x_array);
    Py_DECREF(fvec_array);
    if (result == NULL) {
        return -1;
    }
    int stop = PyObject_IsTrue(result);
    Py_DECREF(result);
    return stop < 0 ? -1 : stop ? PM_INFO_CALLBACK_STOP : 0;
}

/*
 * MINPACK's IFLAG = 0 call (NPRINT hook): run the callback if this is the
 * call at the start of an iteration (see jacobian_done in callback.h).
 * The call MINPACK makes as it returns is skipped: it comes after a trial
 * point, after an error or stop, or (improper input) before anything was
 * evaluated, and the iterate it shows is the one leastsq returns anyway.
 */
static void
iteration_hook(const double *x, const double *fvec, int *iflag)
{
    pm_fit *fit = running_fit;
    assert(fit != NULL);
    int at_iteration_start = fit->jacobian_done;
    fit->jacobian_done = 0;
    if (fit->callback == NULL || !at_iteration_start) {
        return;
    }
    fit = enter_python();
    int status = call_callback(fit, x, fvec);
    if (status != 0) {
        *iflag = status;
    }
    leave_python(fit);
}

/*
 * On failure the Python exception stays set in this thread's state, and a
 * negative iflag makes MINPACK return at once with info = iflag; lm.c
 * re-raises it.  No longjmp: the Fortran unwinds normally.
 */

void
pm_lmdif_fcn(const int *m, const int *n, const double *x, double *fvec,
             int *iflag)
{
    (void)m, (void)n;
    if (*iflag <= 0) {
        iteration_hook(x, fvec, iflag);
        return;
    }
    pm_fit *fit = enter_python();
    /* iflag is 1 for an iterate and 2 for a finite-difference point. */
    if (evaluate_residuals(fit, x, fvec) < 0) {
        *iflag = -1;
    }
    fit->jacobian_done = *iflag == 2;
    leave_python(fit);
}

void
pm_lmder_fcn(const int *m, const int *n, const double *x, double *fvec,
             double *fjac, const int *ldfjac, int *iflag)
{
    (void)m, (void)n, (void)ldfjac;  /* ldfjac == m: lm.c allocates fjac */
    if (*iflag <= 0) {
        iteration_hook(x, fvec, iflag);
        return;
    }
    pm_fit *fit = enter_python();
    int status = *iflag == 1 ? evaluate_residuals(fit, x, fvec)
                             : evaluate_jacobian(fit, x, fjac);
    if (status < 0) {
        *iflag = -1;
    }
    fit->jacobian_done = *iflag == 2;
    leave_python(fit);
}

/*
 * hybrd and hybrj (fsolve): the same fit with m = n, and FCN without m.
 * nprint = 0, so IFLAG is never 0; fdjac1's difference calls come with
 * IFLAG = 2 from hybrd, and hybrj's IFLAG = 2 asks for the Jacobian.
 */
void
pm_hybrd_fcn(const int *n, const double *x, double *fvec, int *iflag)
{
    (void)n;
    if (*iflag <= 0) {
        return;
    }
    pm_fit *fit = enter_python();
    if (evaluate_residuals(fit, x, fvec) < 0) {
        *iflag = -1;
    }
    leave_python(fit);
}

void
pm_hybrj_fcn(const int *n, const double *x, double *fvec, double *fjac,
             const int *ldfjac, int *iflag)
{
    (void)n, (void)ldfjac;  /* ldfjac == n: hybrd.c allocates fjac */
    if (*iflag <= 0) {
        return;
    }
    pm_fit *fit = enter_python();
    int status = *iflag == 1 ? evaluate_residuals(fit, x, fvec)
                             : evaluate_jacobian(fit, x, fjac);
    if (status < 0) {
        *iflag = -1;
    }
    leave_python(fit);
}

/*
 * lmstr asks for row iflag - 1 of the Jacobian with IFLAG = 2..m+1, one
 * row per call, all at the same x: Dfun_row(x, i, *args) with the 0-based
 * row i = iflag - 2 must return the n values of that row.
 */
static int
evaluate_row(pm_fit *fit, const double *x, int row, double *fjrow)
{
    if (PyErr_CheckSignals() < 0) {
        return -1;
    }
    npy_intp n = fit->n;
    PyObject *x_array = PyArray_SimpleNew(1, &n, NPY_DOUBLE);
    PyObject *index = PyLong_FromLong(row);
    if (x_array == NULL || index == NULL) {
        Py_XDECREF(x_array);
        Py_XDECREF(index);
        return -1;
    }
    memcpy(PyArray_DATA((PyArrayObject *)x_array), x,
           (size_t)n * sizeof(double));
    fit->row_args[1] = x_array;
    fit->row_args[2] = index;
    PyObject *output = PyObject_Vectorcall(fit->jac, fit->row_args + 1,
                                           fit->row_nargsf, NULL);
    fit->row_args[1] = fit->row_args[2] = NULL;
    Py_DECREF(x_array);
    Py_DECREF(index);
    if (output == NULL) {
        return -1;
    }
    PyArrayObject *values = pm_residual_array_as(output, fit->jac,
                                                 &pm_row_names, NULL);
    Py_DECREF(output);
    if (values == NULL) {
        return -1;
    }
    int status = 0;
    if (PyArray_DIM(values, 0) != n) {
        PyErr_Format(PyExc_ValueError,
                     "leastsq: Dfun_row returned %zd values for row %d; a "
                     "row of the Jacobian has n = %zd",
                     (Py_ssize_t)PyArray_DIM(values, 0), row, (Py_ssize_t)n);
        status = -1;
    }
    else {
        memcpy(fjrow, PyArray_DATA(values), (size_t)n * sizeof(double));
    }
    Py_DECREF(values);
    return status;
}

void
pm_lmstr_fcn(const int *m, const int *n, const double *x, double *fvec,
             double *fjrow, int *iflag)
{
    (void)m, (void)n;
    if (*iflag <= 0) {
        return;  /* nprint = 0: never asked */
    }
    pm_fit *fit = enter_python();
    int status = *iflag == 1 ? evaluate_residuals(fit, x, fvec)
                             : evaluate_row(fit, x, *iflag - 2, fjrow);
    if (status < 0) {
        *iflag = -1;
    }
    leave_python(fit);
}
