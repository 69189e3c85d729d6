/*
 * The lmdif and lmder entry points: validated arrays in, one Fortran call,
 * results out.
 *
 * The Python layer (pyminpack/_leastsq.py) has already checked and
 * converted every argument and evaluated func(x0); what is checked here is
 * only what would otherwise let a wrong call corrupt memory.
 */
#include "lm.h"
#include "bounds.h"
#include "callback.h"
#include "convert.h"
#include "covariance.h"
#include "minpack.h"

#include <limits.h>
#include <math.h>
#include <string.h>

#define DATA(array) ((double *)PyArray_DATA(array))

/* MINPACK's mode: 1 scales the variables itself, 2 uses the caller's diag. */
enum { MODE_AUTOMATIC = 1, MODE_DIAG_GIVEN = 2 };

/* What one lmdif/lmder call reads and writes. */
typedef struct {
    int m, n, mode;
    int n_free;           /* the parameters MINPACK sees (bounds.h) */
    PyArrayObject *x;     /* (n,) starts as x0, ends as the solution */
    PyArrayObject *fvec;  /* (m,) */
    PyArrayObject *fjac;  /* (n_free, m) in C order = Fortran's fjac(m, n) */
    PyArrayObject *ipvt;  /* (n_free,) int32: Fortran INTEGER */
    PyArrayObject *qtf;   /* (n_free,) */
    double *work;         /* diag (n), wa1, wa2, wa3 (n each), wa4 (m) */
    /* With bounds: the change of variables, MINPACK's x being bounds.u. */
    pm_bounds bounds;
    int bounded;
} lm_problem;

static int
check_vector(PyObject *obj, const char *what, npy_intp length)
{
    PyArrayObject *array = (PyArrayObject *)obj;
    if (!PyArray_CheckExact(obj) || PyArray_TYPE(array) != NPY_DOUBLE ||
            PyArray_NDIM(array) != 1 || !PyArray_ISCARRAY_RO(array) ||
            !PyArray_ISNOTSWAPPED(array) ||
            (length >= 0 && PyArray_DIM(array, 0) != length)) {
        PyErr_Format(PyExc_TypeError,
                     "_minpack: %s must be a contiguous 1-D float64 array"
                     "%s", what, length >= 0 ? " of the right length" : "");
        return -1;
    }
    return 0;
}

static void
lm_problem_clear(lm_problem *problem)
{
    Py_CLEAR(problem->x);
    Py_CLEAR(problem->fvec);
    Py_CLEAR(problem->fjac);
    Py_CLEAR(problem->ipvt);
    Py_CLEAR(problem->qtf);
    PyMem_Free(problem->work);
    problem->work = NULL;
    if (problem->bounded) {
        pm_bounds_free(&problem->bounds);
        problem->bounded = 0;
    }
}

/*
 * Bounds lb and ub ((n,) float64 each, or None for none; checked by the
 * Python layer): the change of variables set up, the start x0 converted.
 */
static int
lm_problem_bounds(lm_problem *problem, PyObject *lb, PyObject *ub)
{
    problem->n_free = problem->n;
    if (lb == Py_None && ub == Py_None) {
        return 0;
    }
    if (check_vector(lb, "lb", problem->n) < 0 ||
            check_vector(ub, "ub", problem->n) < 0) {
        return -1;
    }
    if (pm_bounds_alloc(&problem->bounds, problem->m, problem->n) < 0) {
        PyErr_NoMemory();
        return -1;
    }
    problem->bounded = 1;
    pm_bounds *b = &problem->bounds;
    pm_bounds_set(b, DATA((PyArrayObject *)lb), DATA((PyArrayObject *)ub));
    pm_bounds_start(b, DATA(problem->x));
    problem->n_free = b->n_free;
    if (problem->mode == MODE_DIAG_GIVEN) {
        pm_bounds_gather(b, problem->work, problem->work);  /* in place */
    }
    return 0;
}

/* MINPACK's x: the solution vector itself, or the internal one. */
static double *
lm_minpack_x(lm_problem *problem)
{
    return problem->bounded ? problem->bounds.u : DATA(problem->x);
}

/*
 * Allocate every array of one call.  Outputs start zeroed, so that a call
 * MINPACK rejects (info 0) returns zeros, never uninitialised memory.
 */
static int
lm_problem_init(lm_problem *problem, PyObject *x0, PyObject *fvec0,
                PyObject *diag, PyObject *lb, PyObject *ub)
{
    memset(problem, 0, sizeof(*problem));
    if (check_vector(x0, "x0", -1) < 0 || check_vector(fvec0, "fvec0", -1) < 0) {
        return -1;
    }
    npy_intp n = PyArray_DIM((PyArrayObject *)x0, 0);
    npy_intp m = PyArray_DIM((PyArrayObject *)fvec0, 0);
    if (diag != Py_None && check_vector(diag, "diag", n) < 0) {
        return -1;
    }
    if (m > INT_MAX || n > INT_MAX) {
        PyErr_SetString(PyExc_ValueError,
                        "leastsq: MINPACK takes at most 2**31 - 1 "
                        "parameters and residuals");
        return -1;
    }
    problem->m = (int)m;
    problem->n = (int)n;
    problem->x = (PyArrayObject *)PyArray_NewCopy((PyArrayObject *)x0,
                                                  NPY_CORDER);
    problem->fvec = (PyArrayObject *)PyArray_ZEROS(1, &m, NPY_DOUBLE, 0);
    problem->work = PyMem_Calloc((size_t)(4 * n + m) + 1, sizeof(double));
    if (problem->x == NULL || problem->fvec == NULL) {
        lm_problem_clear(problem);
        return -1;
    }
    if (problem->work == NULL) {
        lm_problem_clear(problem);
        PyErr_NoMemory();
        return -1;
    }
    problem->mode = MODE_AUTOMATIC;
    if (diag != Py_None) {
        problem->mode = MODE_DIAG_GIVEN;
        memcpy(problem->work, PyArray_DATA((PyArrayObject *)diag),
               (size_t)n * sizeof(double));
    }
    if (lm_problem_bounds(problem, lb, ub) < 0) {
        lm_problem_clear(problem);
        return -1;
    }
    /* What MINPACK solved: n_free columns (all n without fixed ones). */
    npy_intp n_free = problem->n_free;
    npy_intp fjac_shape[2] = {n_free, m};
    problem->fjac = (PyArrayObject *)PyArray_ZEROS(2, fjac_shape, NPY_DOUBLE,
                                                   0);
    problem->ipvt = (PyArrayObject *)PyArray_ZEROS(1, &n_free, NPY_INT32, 0);
    problem->qtf = (PyArrayObject *)PyArray_ZEROS(1, &n_free, NPY_DOUBLE, 0);
    if (problem->fjac == NULL || problem->ipvt == NULL ||
            problem->qtf == NULL) {
        lm_problem_clear(problem);
        return -1;
    }
    return 0;
}

/*
 * After MINPACK, in a bounded fit, still without the GIL: the Jacobian at
 * the solution for the covariance when the fit converged with transformed
 * parameters (0, or the negative iflag of a failed callback), and x made
 * external.
 */
static int
lm_bounded_finish(lm_problem *p, pm_fit *fit, int info, double epsfcn)
{
    int status = 0;
    pm_bounds *b = &p->bounds;
    if (b->transformed && info >= 1 && info <= 4) {
        status = pm_bounds_solution_jacobian(
                b, pm_lmdif_fcn, fit->jac == NULL ? NULL : pm_lmder_fcn,
                DATA(p->fvec), epsfcn);
    }
    pm_bounds_external(b, b->u, DATA(p->x));
    return status;
}

/*
 * The result tuple: MINPACK's, and for a bounded fit the covariance of
 * the external parameters (None unless it converged with R regular).
 */
static PyObject *
lm_result(lm_problem *p, const char *format, int nfev, int njev, int info)
{
    PyObject *cov = Py_None;
    if (p->bounded && info >= 1 && info <= 4) {
        npy_intp shape[2] = {p->n, p->n};
        cov = PyArray_SimpleNew(2, shape, NPY_DOUBLE);
        if (cov == NULL) {
            return NULL;
        }
        if (pm_bounds_covariance(&p->bounds, DATA(p->fjac),
                                 (const int32_t *)PyArray_DATA(p->ipvt),
                                 DATA((PyArrayObject *)cov))) {
            Py_SETREF(cov, Py_None);
        }
    }
    else {
        Py_INCREF(cov);
    }
    PyObject *result = NULL;
    if (strcmp(format, "lmdif") == 0) {
        result = p->bounded
            ? Py_BuildValue("(OOOOOiiO)", p->x, p->fvec, p->fjac, p->ipvt,
                            p->qtf, nfev, info, cov)
            : Py_BuildValue("(OOOOOii)", p->x, p->fvec, p->fjac, p->ipvt,
                            p->qtf, nfev, info);
    }
    else {
        result = p->bounded
            ? Py_BuildValue("(OOOOOiiiO)", p->x, p->fvec, p->fjac, p->ipvt,
                            p->qtf, nfev, njev, info, cov)
            : Py_BuildValue("(OOOOOiii)", p->x, p->fvec, p->fjac, p->ipvt,
                            p->qtf, nfev, njev, info);
    }
    Py_DECREF(cov);
    return result;
}

/*
 * callback= (None or a callable) as the fit and MINPACK see it: nprint = 1
 * makes MINPACK call FCN with IFLAG = 0 at every iteration, 0 never (so
 * callback=None runs exactly what scipy runs).
 */
static int
lm_set_callback(pm_fit *fit, PyObject *callback)
{
    fit->callback = callback == Py_None ? NULL : callback;
    return fit->callback != NULL;
}

PyObject *
pm_lmdif(PyObject *Py_UNUSED(module), PyObject *args)
{
    PyObject *func, *x0, *call_args, *fvec0, *diag, *callback = Py_None;
    PyObject *lb = Py_None, *ub = Py_None;
    double ftol, xtol, gtol, epsfcn, factor;
    int maxfev;
    if (!PyArg_ParseTuple(args, "OOO!Oddd" "idd" "O|OOO:lmdif", &func, &x0,
                          &PyTuple_Type, &call_args, &fvec0, &ftol, &xtol,
                          &gtol, &maxfev, &epsfcn, &factor, &diag,
                          &callback, &lb, &ub)) {
        return NULL;
    }
    lm_problem p;
    if (lm_problem_init(&p, x0, fvec0, diag, lb, ub) < 0) {
        return NULL;
    }
    pm_fit fit;
    if (pm_fit_init(&fit, func, NULL, call_args, p.m, p.n, 0,
                    DATA((PyArrayObject *)fvec0)) < 0) {
        lm_problem_clear(&p);
        return NULL;
    }
    const int nprint = lm_set_callback(&fit, callback);
    fit.bounds = p.bounded ? &p.bounds : NULL;
    int info = 0, nfev = 0;
    double *wa = p.work + p.n;

    pm_fit_begin(&fit);
    lmdif_(pm_lmdif_fcn, &p.m, &p.n_free, lm_minpack_x(&p), DATA(p.fvec),
           &ftol, &xtol, &gtol, &maxfev, &epsfcn, p.work, &p.mode, &factor,
           &nprint, &info, &nfev, DATA(p.fjac), &p.m,
           (int *)PyArray_DATA(p.ipvt), DATA(p.qtf), wa, wa + p.n,
           wa + 2 * p.n, wa + 3 * p.n);
    if (p.bounded) {
        int status = lm_bounded_finish(&p, &fit, info, epsfcn);
        info = status < 0 ? status : info;
    }
    pm_fit_end(&fit);
    pm_fit_clear(&fit);

    PyObject *result = NULL;
    if (pm_fit_check_info(info) == 0) {
        result = lm_result(&p, "lmdif", nfev, 0, info);
    }
    lm_problem_clear(&p);
    return result;
}

PyObject *
pm_lmder(PyObject *Py_UNUSED(module), PyObject *args)
{
    PyObject *func, *jac, *x0, *call_args, *fvec0, *diag, *callback = Py_None;
    PyObject *lb = Py_None, *ub = Py_None;
    double ftol, xtol, gtol, factor;
    int col_deriv, maxfev;
    if (!PyArg_ParseTuple(args, "OOOO!Op" "ddd" "idO|OOO:lmder", &func, &jac,
                          &x0, &PyTuple_Type, &call_args, &fvec0, &col_deriv,
                          &ftol, &xtol, &gtol, &maxfev, &factor, &diag,
                          &callback, &lb, &ub)) {
        return NULL;
    }
    lm_problem p;
    if (lm_problem_init(&p, x0, fvec0, diag, lb, ub) < 0) {
        return NULL;
    }
    pm_fit fit;
    if (pm_fit_init(&fit, func, jac, call_args, p.m, p.n, col_deriv,
                    DATA((PyArrayObject *)fvec0)) < 0) {
        lm_problem_clear(&p);
        return NULL;
    }
    const int nprint = lm_set_callback(&fit, callback);
    fit.bounds = p.bounded ? &p.bounds : NULL;
    int info = 0, nfev = 0, njev = 0;
    double *wa = p.work + p.n;

    pm_fit_begin(&fit);
    lmder_(pm_lmder_fcn, &p.m, &p.n_free, lm_minpack_x(&p), DATA(p.fvec),
           DATA(p.fjac), &p.m, &ftol, &xtol, &gtol, &maxfev, p.work, &p.mode,
           &factor, &nprint, &info, &nfev, &njev, (int *)PyArray_DATA(p.ipvt),
           DATA(p.qtf), wa, wa + p.n, wa + 2 * p.n, wa + 3 * p.n);
    if (p.bounded) {
        int status = lm_bounded_finish(&p, &fit, info, 0.0);
        info = status < 0 ? status : info;
    }
    pm_fit_end(&fit);
    pm_fit_clear(&fit);

    PyObject *result = NULL;
    if (pm_fit_check_info(info) == 0) {
        result = lm_result(&p, "lmder", nfev, njev, info);
    }
    lm_problem_clear(&p);
    return result;
}

/*
 * bounds_start(x0, lb, ub): the external point of the internal start,
 * x(u0(x0)), where MINPACK's first evaluation is (x0 moved off a bound,
 * and through the round trip).  leastsq evaluates func there first.
 */
PyObject *
pm_bounds_start_point(PyObject *Py_UNUSED(module), PyObject *args)
{
    PyObject *x0, *lb, *ub;
    if (!PyArg_ParseTuple(args, "OOO:bounds_start", &x0, &lb, &ub) ||
            check_vector(x0, "x0", -1) < 0) {
        return NULL;
    }
    npy_intp n = PyArray_DIM((PyArrayObject *)x0, 0);
    if (check_vector(lb, "lb", n) < 0 || check_vector(ub, "ub", n) < 0) {
        return NULL;
    }
    if (n > INT_MAX) {
        PyErr_SetString(PyExc_ValueError, "_minpack: n too large");
        return NULL;
    }
    PyArrayObject *x = (PyArrayObject *)PyArray_SimpleNew(1, &n, NPY_DOUBLE);
    pm_bounds b;
    if (x == NULL) {
        return NULL;
    }
    if (pm_bounds_alloc(&b, 1, (int)n) < 0) {
        Py_DECREF(x);
        return PyErr_NoMemory();
    }
    pm_bounds_set(&b, DATA((PyArrayObject *)lb), DATA((PyArrayObject *)ub));
    pm_bounds_start(&b, DATA((PyArrayObject *)x0));
    pm_bounds_external(&b, b.u, DATA(x));
    pm_bounds_free(&b);
    return (PyObject *)x;
}

PyObject *
pm_residual_vector(PyObject *Py_UNUSED(module), PyObject *args)
{
    PyObject *output, *func;
    int for_fsolve = 0;
    if (!PyArg_ParseTuple(args, "OO|p:residual_vector", &output, &func,
                          &for_fsolve)) {
        return NULL;
    }
    PyArray_Descr *source_dtype;
    PyArrayObject *vector = pm_residual_array_as(
            output, func, for_fsolve ? &pm_fsolve_names : &pm_leastsq_names,
            &source_dtype);
    if (vector == NULL) {
        return NULL;
    }
    return Py_BuildValue("(NN)", vector, source_dtype);
}

/* MINPACK's enorm of a vector: the batches' fnorm. */
PyObject *
pm_enorm(PyObject *Py_UNUSED(module), PyObject *vector)
{
    if (check_vector(vector, "vector", -1) < 0) {
        return NULL;
    }
    npy_intp size = PyArray_DIM((PyArrayObject *)vector, 0);
    if (size > INT_MAX) {
        PyErr_SetString(PyExc_ValueError, "_minpack: enorm of more than "
                        "2**31 - 1 values");
        return NULL;
    }
    int length = (int)size;
    return PyFloat_FromDouble(enorm_(&length,
                                     DATA((PyArrayObject *)vector)));
}

/*
 * leastsq's checks of x0, diag and func(x0): numpy's isfinite().all() costs
 * about a microsecond even for three values, this a few nanoseconds.
 */
PyObject *
pm_first_nonfinite(PyObject *Py_UNUSED(module), PyObject *vector)
{
    if (check_vector(vector, "vector", -1) < 0) {
        return NULL;
    }
    const double *data = DATA((PyArrayObject *)vector);
    npy_intp size = PyArray_DIM((PyArrayObject *)vector, 0);
    for (npy_intp i = 0; i < size; i++) {
        if (!isfinite(data[i])) {
            return PyLong_FromSsize_t((Py_ssize_t)i);
        }
    }
    return PyLong_FromLong(-1);
}

/* covariance(fjac, ipvt): the Python face of pm_inverse_jtj. */
PyObject *
pm_covariance(PyObject *Py_UNUSED(module), PyObject *args)
{
    PyArrayObject *fjac, *ipvt;
    if (!PyArg_ParseTuple(args, "O!O!:covariance", &PyArray_Type, &fjac,
                          &PyArray_Type, &ipvt)) {
        return NULL;
    }
    if (PyArray_TYPE(fjac) != NPY_DOUBLE || PyArray_NDIM(fjac) != 2 ||
            !PyArray_ISCARRAY_RO(fjac) || !PyArray_ISNOTSWAPPED(fjac) ||
            PyArray_TYPE(ipvt) != NPY_INT32 || PyArray_NDIM(ipvt) != 1 ||
            !PyArray_ISCARRAY_RO(ipvt) || !PyArray_ISNOTSWAPPED(ipvt) ||
            PyArray_DIM(ipvt, 0) != PyArray_DIM(fjac, 0) ||
            PyArray_DIM(fjac, 0) > PyArray_DIM(fjac, 1)) {
        PyErr_SetString(PyExc_TypeError,
                        "_minpack: covariance takes MINPACK's fjac (n, m) "
                        "and ipvt (n,) int32");
        return NULL;
    }
    npy_intp n = PyArray_DIM(fjac, 0), m = PyArray_DIM(fjac, 1);
    const npy_int32 *perm = (const npy_int32 *)PyArray_DATA(ipvt);
    if (!pm_is_permutation(perm, n)) {
        PyErr_SetString(PyExc_ValueError,
                        "_minpack: ipvt is not a 1-based permutation");
        return NULL;
    }
    npy_intp shape[2] = {n, n};
    PyArrayObject *cov = (PyArrayObject *)PyArray_SimpleNew(2, shape,
                                                            NPY_DOUBLE);
    double *scratch = PyMem_Malloc(pm_inverse_jtj_scratch(n) + 1);
    if (cov == NULL || scratch == NULL) {
        Py_XDECREF(cov);
        PyMem_Free(scratch);
        return cov == NULL ? NULL : PyErr_NoMemory();
    }
    int singular = pm_inverse_jtj(DATA(fjac), m, n, perm, DATA(cov), scratch);
    PyMem_Free(scratch);
    if (singular) {
        Py_DECREF(cov);
        Py_RETURN_NONE;  /* R is singular */
    }
    return (PyObject *)cov;
}
