/*
 * MINPACK's CHKDER, the Jacobian check behind pyminpack.check_jacobian.
 *
 * CHKDER calls no FCN: the user evaluates the function at the point it
 * chooses.  So it is split into its two modes, each one Python call, and
 * pyminpack/_check_jacobian.py evaluates func and Dfun in between.
 */
#include "chkder.h"
#include "minpack.h"

#include <limits.h>

enum { MODE_NEAR_POINT = 1, MODE_COMPARE = 2 };

/* A contiguous float64 array of `ndim` dimensions, or NULL with TypeError. */
static PyArrayObject *
float64_array(PyObject *obj, int ndim, const char *what)
{
    PyArrayObject *array = (PyArrayObject *)obj;
    if (!PyArray_CheckExact(obj) || PyArray_TYPE(array) != NPY_DOUBLE ||
            PyArray_NDIM(array) != ndim || !PyArray_ISCARRAY_RO(array) ||
            !PyArray_ISNOTSWAPPED(array)) {
        PyErr_Format(PyExc_TypeError, "_minpack: %s must be a contiguous "
                     "%d-D float64 array", what, ndim);
        return NULL;
    }
    return array;
}

static int
fits_in_int(npy_intp size)
{
    if (size < 1 || size > INT_MAX) {
        PyErr_SetString(PyExc_ValueError, "_minpack: chkder needs between "
                        "1 and 2**31 - 1 parameters and residuals");
        return 0;
    }
    return 1;
}

PyObject *
pm_chkder_point(PyObject *Py_UNUSED(module), PyObject *x_obj)
{
    PyArrayObject *x = float64_array(x_obj, 1, "x");
    if (x == NULL || !fits_in_int(PyArray_DIM(x, 0))) {
        return NULL;
    }
    int n = (int)PyArray_DIM(x, 0), m = 1, mode = MODE_NEAR_POINT;
    npy_intp size = n;
    PyArrayObject *xp = (PyArrayObject *)PyArray_ZEROS(1, &size, NPY_DOUBLE, 0);
    if (xp == NULL) {
        return NULL;
    }
    /* Mode 1 reads only m, n and x and writes only xp. */
    double unused = 0.0;
    chkder_(&m, &n, PyArray_DATA(x), &unused, &unused, &m,
            PyArray_DATA(xp), &unused, &mode, &unused);
    return (PyObject *)xp;
}

PyObject *
pm_chkder_err(PyObject *Py_UNUSED(module), PyObject *args)
{
    PyObject *x_obj, *fvec_obj, *fjac_obj, *fvecp_obj;
    if (!PyArg_ParseTuple(args, "OOOO:chkder_err", &x_obj, &fvec_obj,
                          &fjac_obj, &fvecp_obj)) {
        return NULL;
    }
    PyArrayObject *x = float64_array(x_obj, 1, "x");
    PyArrayObject *fvec = x ? float64_array(fvec_obj, 1, "fvec") : NULL;
    PyArrayObject *fvecp = fvec ? float64_array(fvecp_obj, 1, "fvecp") : NULL;
    /* (n, m) in C order is Fortran's fjac(m, n) with ldfjac = m. */
    PyArrayObject *fjac = fvecp ? float64_array(fjac_obj, 2, "fjac") : NULL;
    if (fjac == NULL) {
        return NULL;
    }
    npy_intp n = PyArray_DIM(x, 0), m = PyArray_DIM(fvec, 0);
    if (PyArray_DIM(fvecp, 0) != m || PyArray_DIM(fjac, 0) != n ||
            PyArray_DIM(fjac, 1) != m) {
        PyErr_SetString(PyExc_ValueError, "_minpack: chkder_err needs x (n,),"
                        " fvec (m,), fjac (n, m) and fvecp (m,)");
        return NULL;
    }
    if (!fits_in_int(n) || !fits_in_int(m)) {
        return NULL;
    }
    int m_int = (int)m, n_int = (int)n, mode = MODE_COMPARE;
    PyArrayObject *err = (PyArrayObject *)PyArray_ZEROS(1, &m, NPY_DOUBLE, 0);
    if (err == NULL) {
        return NULL;
    }
    /* Mode 2 does not touch xp; x is only read for the scale |x_j|. */
    double unused_xp = 0.0;
    chkder_(&m_int, &n_int, PyArray_DATA(x), PyArray_DATA(fvec),
            PyArray_DATA(fjac), &m_int, &unused_xp, PyArray_DATA(fvecp),
            &mode, PyArray_DATA(err));
    return (PyObject *)err;
}
