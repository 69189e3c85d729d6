/*
 * The lmstr entry point: leastsq with a Jacobian delivered one row at a
 * time (Dfun_row), in O(n^2 + m) memory where lmder needs O(m n).
 *
 * As in lm.c, the Python layer has validated every argument and evaluated
 * func(x0), which answers MINPACK's first request.  lmstr keeps only the
 * n x n triangle R (built row by row with Givens rotations, rwupdt), so
 * fjac here is (n, n): in C order it is Fortran's fjac(n, n), whose upper
 * triangle, read as fjac.T, is R, exactly as lmder's first n rows are.
 */
#include "lmstr.h"
#include "callback.h"
#include "minpack.h"

#include <limits.h>
#include <string.h>

#define DATA(array) ((double *)PyArray_DATA(array))

static int
is_vector(PyObject *obj)
{
    PyArrayObject *array = (PyArrayObject *)obj;
    return PyArray_CheckExact(obj) && PyArray_TYPE(array) == NPY_DOUBLE &&
           PyArray_NDIM(array) == 1 && PyArray_ISCARRAY_RO(array) &&
           PyArray_ISNOTSWAPPED(array);
}

/* Dfun_row(x, i, *args): call_args with the row index after x. */
static int
init_row_args(pm_fit *fit, PyObject *call_args)
{
    Py_ssize_t nargs = PyTuple_GET_SIZE(call_args);
    fit->row_args = PyMem_Calloc((size_t)nargs + 3, sizeof(PyObject *));
    if (fit->row_args == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t k = 0; k < nargs; k++) {
        fit->row_args[k + 3] = PyTuple_GET_ITEM(call_args, k);
    }
    fit->row_nargsf = ((size_t)nargs + 2) | PY_VECTORCALL_ARGUMENTS_OFFSET;
    return 0;
}

PyObject *
pm_lmstr(PyObject *Py_UNUSED(module), PyObject *args)
{
    PyObject *func, *jac_row, *x0, *call_args, *fvec0, *diag;
    double ftol, xtol, gtol, factor;
    int maxfev;
    if (!PyArg_ParseTuple(args, "OOOO!Oddd" "idO:lmstr", &func, &jac_row,
                          &x0, &PyTuple_Type, &call_args, &fvec0, &ftol,
                          &xtol, &gtol, &maxfev, &factor, &diag)) {
        return NULL;
    }
    if (!is_vector(x0) || !is_vector(fvec0) ||
            (diag != Py_None && (!is_vector(diag) ||
             PyArray_DIM((PyArrayObject *)diag, 0) !=
             PyArray_DIM((PyArrayObject *)x0, 0)))) {
        PyErr_SetString(PyExc_TypeError, "_minpack: x0, fvec0 and diag must "
                        "be contiguous 1-D float64 arrays");
        return NULL;
    }
    npy_intp n = PyArray_DIM((PyArrayObject *)x0, 0);
    npy_intp m = PyArray_DIM((PyArrayObject *)fvec0, 0);
    /* lmstr's IFLAG numbers the rows 2..m+1 in a Fortran INTEGER. */
    if (m > INT_MAX - 1 || n > 46340) {
        PyErr_SetString(PyExc_ValueError, "leastsq: lmstr takes at most "
                        "2**31 - 2 residuals and 46340 parameters");
        return NULL;
    }
    int mi = (int)m, ni = (int)n;
    int mode = diag == Py_None ? 1 : 2;
    npy_intp square[2] = {n, n};
    PyArrayObject *x = (PyArrayObject *)PyArray_NewCopy((PyArrayObject *)x0,
                                                        NPY_CORDER);
    PyArrayObject *fvec = (PyArrayObject *)PyArray_ZEROS(1, &m, NPY_DOUBLE, 0);
    PyArrayObject *fjac = (PyArrayObject *)PyArray_ZEROS(2, square,
                                                         NPY_DOUBLE, 0);
    PyArrayObject *ipvt = (PyArrayObject *)PyArray_ZEROS(1, &n, NPY_INT32, 0);
    PyArrayObject *qtf = (PyArrayObject *)PyArray_ZEROS(1, &n, NPY_DOUBLE, 0);
    /* diag, wa1, wa2, wa3 (n each), wa4 (m) */
    double *work = PyMem_Calloc((size_t)(4 * n + m) + 1, sizeof(double));
    PyObject *result = NULL;
    pm_fit fit;
    int fit_ready = 0;
    if (x == NULL || fvec == NULL || fjac == NULL || ipvt == NULL ||
            qtf == NULL || work == NULL) {
        if (!PyErr_Occurred()) {
            PyErr_NoMemory();
        }
        goto done;
    }
    if (mode == 2) {
        memcpy(work, DATA((PyArrayObject *)diag), (size_t)n * sizeof(double));
    }
    if (pm_fit_init(&fit, func, jac_row, call_args, m, n, 0,
                    DATA((PyArrayObject *)fvec0)) < 0) {
        goto done;
    }
    fit_ready = 1;
    if (init_row_args(&fit, call_args) < 0) {
        goto done;
    }
    const int nprint = 0;
    int info = 0, nfev = 0, njev = 0;
    double *wa = work + n;

    pm_fit_begin(&fit);
    lmstr_(pm_lmstr_fcn, &mi, &ni, DATA(x), DATA(fvec), DATA(fjac), &ni,
           &ftol, &xtol, &gtol, &maxfev, work, &mode, &factor, &nprint,
           &info, &nfev, &njev, (int *)PyArray_DATA(ipvt), DATA(qtf), wa,
           wa + n, wa + 2 * n, wa + 3 * n);
    pm_fit_end(&fit);

    if (pm_fit_check_info(info) < 0) {
        goto done;
    }
    result = Py_BuildValue("(OOOOOiii)", x, fvec, fjac, ipvt, qtf, nfev,
                           njev, info);
done:
    if (fit_ready) {
        PyMem_Free(fit.row_args);
        pm_fit_clear(&fit);
    }
    Py_XDECREF(x);
    Py_XDECREF(fvec);
    Py_XDECREF(fjac);
    Py_XDECREF(ipvt);
    Py_XDECREF(qtf);
    PyMem_Free(work);
    return result;
}
