/*
 * The hybrd and hybrj entry points (fsolve): validated arrays in, one
 * Fortran call, results out.
 *
 * As in lm.c, the Python layer (pyminpack/_fsolve.py) has checked and
 * converted every argument and evaluated func(x0), whose value answers
 * MINPACK's first request; what is checked here is only what would let a
 * wrong call corrupt memory.
 */
#include "hybrd.h"
#include "callback.h"
#include "minpack.h"

#include <limits.h>
#include <string.h>

enum { MODE_AUTOMATIC = 1, MODE_DIAG_GIVEN = 2 };

/* What one hybrd/hybrj call reads and writes. */
typedef struct {
    int n, lr, mode;
    PyArrayObject *x;     /* (n,) starts as x0, ends as the solution */
    PyArrayObject *fvec;  /* (n,) */
    PyArrayObject *fjac;  /* (n, n) in C order = Fortran's fjac(n, n): Q^T */
    PyArrayObject *r;     /* (n(n+1)/2,) R's upper triangle, row by row */
    PyArrayObject *qtf;   /* (n,) */
    double *work;         /* diag, wa1, wa2, wa3, wa4 (n each) */
} hybrd_problem;

static int
is_vector(PyObject *obj, npy_intp length)
{
    PyArrayObject *array = (PyArrayObject *)obj;
    return PyArray_CheckExact(obj) && PyArray_TYPE(array) == NPY_DOUBLE &&
           PyArray_NDIM(array) == 1 && PyArray_ISCARRAY_RO(array) &&
           PyArray_ISNOTSWAPPED(array) &&
           (length < 0 || PyArray_DIM(array, 0) == length);
}

static void
hybrd_problem_clear(hybrd_problem *p)
{
    Py_CLEAR(p->x);
    Py_CLEAR(p->fvec);
    Py_CLEAR(p->fjac);
    Py_CLEAR(p->r);
    Py_CLEAR(p->qtf);
    PyMem_Free(p->work);
    p->work = NULL;
}

/*
 * Allocate every array of one call, outputs zeroed (a call MINPACK rejects
 * returns zeros, never uninitialised memory).  fvec0 must have n entries.
 */
static int
hybrd_problem_init(hybrd_problem *p, PyObject *x0, PyObject *fvec0,
                   PyObject *diag)
{
    memset(p, 0, sizeof(*p));
    if (!is_vector(x0, -1)) {
        PyErr_SetString(PyExc_TypeError, "_minpack: x0 must be a "
                        "contiguous 1-D float64 array");
        return -1;
    }
    npy_intp n = PyArray_DIM((PyArrayObject *)x0, 0);
    if (!is_vector(fvec0, n) || (diag != Py_None && !is_vector(diag, n))) {
        PyErr_SetString(PyExc_TypeError, "_minpack: fvec0 and diag must be "
                        "contiguous 1-D float64 arrays of length n");
        return -1;
    }
    /* r holds n(n+1)/2 values, counted in a Fortran INTEGER. */
    if (n > 65534) {
        PyErr_SetString(PyExc_ValueError, "fsolve: MINPACK's hybrd takes "
                        "at most 65534 unknowns (r has n(n+1)/2 entries, "
                        "counted in a C int)");
        return -1;
    }
    p->n = (int)n;
    npy_intp lr = n * (n + 1) / 2;
    p->lr = (int)lr;
    npy_intp square[2] = {n, n};
    p->x = (PyArrayObject *)PyArray_NewCopy((PyArrayObject *)x0, NPY_CORDER);
    p->fvec = (PyArrayObject *)PyArray_ZEROS(1, &n, NPY_DOUBLE, 0);
    p->fjac = (PyArrayObject *)PyArray_ZEROS(2, square, NPY_DOUBLE, 0);
    p->r = (PyArrayObject *)PyArray_ZEROS(1, &lr, NPY_DOUBLE, 0);
    p->qtf = (PyArrayObject *)PyArray_ZEROS(1, &n, NPY_DOUBLE, 0);
    p->work = PyMem_Calloc((size_t)(5 * n) + 1, sizeof(double));
    if (p->x == NULL || p->fvec == NULL || p->fjac == NULL || p->r == NULL ||
            p->qtf == NULL || p->work == NULL) {
        hybrd_problem_clear(p);
        if (!PyErr_Occurred()) {
            PyErr_NoMemory();
        }
        return -1;
    }
    p->mode = MODE_AUTOMATIC;
    if (diag != Py_None) {
        p->mode = MODE_DIAG_GIVEN;
        memcpy(p->work, PyArray_DATA((PyArrayObject *)diag),
               (size_t)n * sizeof(double));
    }
    return 0;
}

#define DATA(array) ((double *)PyArray_DATA(array))

PyObject *
pm_hybrd(PyObject *Py_UNUSED(module), PyObject *args)
{
    PyObject *func, *x0, *call_args, *fvec0, *diag;
    double xtol, epsfcn, factor;
    int maxfev, ml, mu;
    if (!PyArg_ParseTuple(args, "OOO!Od" "iiidd" "O:hybrd", &func, &x0,
                          &PyTuple_Type, &call_args, &fvec0, &xtol, &maxfev,
                          &ml, &mu, &epsfcn, &factor, &diag)) {
        return NULL;
    }
    hybrd_problem p;
    if (hybrd_problem_init(&p, x0, fvec0, diag) < 0) {
        return NULL;
    }
    pm_fit fit;
    if (pm_fit_init(&fit, func, NULL, call_args, p.n, p.n, 0,
                    DATA((PyArrayObject *)fvec0)) < 0) {
        hybrd_problem_clear(&p);
        return NULL;
    }
    fit.names = &pm_fsolve_names;
    const int nprint = 0;
    int info = 0, nfev = 0;
    double *wa = p.work + p.n;

    pm_fit_begin(&fit);
    hybrd_(pm_hybrd_fcn, &p.n, DATA(p.x), DATA(p.fvec), &xtol, &maxfev, &ml,
           &mu, &epsfcn, p.work, &p.mode, &factor, &nprint, &info, &nfev,
           DATA(p.fjac), &p.n, DATA(p.r), &p.lr, DATA(p.qtf), wa, wa + p.n,
           wa + 2 * p.n, wa + 3 * p.n);
    pm_fit_end(&fit);
    pm_fit_clear(&fit);

    PyObject *result = NULL;
    if (pm_fit_check_info(info) == 0) {
        result = Py_BuildValue("(OOOOOii)", p.x, p.fvec, p.fjac, p.r, p.qtf,
                               nfev, info);
    }
    hybrd_problem_clear(&p);
    return result;
}

PyObject *
pm_hybrj(PyObject *Py_UNUSED(module), PyObject *args)
{
    PyObject *func, *jac, *x0, *call_args, *fvec0, *diag;
    double xtol, factor;
    int col_deriv, maxfev;
    if (!PyArg_ParseTuple(args, "OOOO!Op" "did" "O:hybrj", &func, &jac, &x0,
                          &PyTuple_Type, &call_args, &fvec0, &col_deriv,
                          &xtol, &maxfev, &factor, &diag)) {
        return NULL;
    }
    hybrd_problem p;
    if (hybrd_problem_init(&p, x0, fvec0, diag) < 0) {
        return NULL;
    }
    pm_fit fit;
    if (pm_fit_init(&fit, func, jac, call_args, p.n, p.n, col_deriv,
                    DATA((PyArrayObject *)fvec0)) < 0) {
        hybrd_problem_clear(&p);
        return NULL;
    }
    fit.names = &pm_fsolve_names;
    const int nprint = 0;
    int info = 0, nfev = 0, njev = 0;
    double *wa = p.work + p.n;

    pm_fit_begin(&fit);
    hybrj_(pm_hybrj_fcn, &p.n, DATA(p.x), DATA(p.fvec), DATA(p.fjac), &p.n,
           &xtol, &maxfev, p.work, &p.mode, &factor, &nprint, &info, &nfev,
           &njev, DATA(p.r), &p.lr, DATA(p.qtf), wa, wa + p.n, wa + 2 * p.n,
           wa + 3 * p.n);
    pm_fit_end(&fit);
    pm_fit_clear(&fit);

    PyObject *result = NULL;
    if (pm_fit_check_info(info) == 0) {
        result = Py_BuildValue("(OOOOOiii)", p.x, p.fvec, p.fjac, p.r, p.qtf,
                               nfev, njev, info);
    }
    hybrd_problem_clear(&p);
    return result;
}
