/*
 * L^-1 B for a lower triangular L: curve_fit's weighting by a covariance
 * sigma C = L L^T, applied to the residual (a vector) and to the Jacobian
 * (a matrix, column by column) at every call.
 *
 * numpy has no triangular solver, and a product with a computed inverse
 * loses accuracy as L's condition number grows; forward substitution is
 * backward stable and costs the same O(m^2) per vector:
 * x_i = (b_i - L_i0 x_0 - L_i1 x_1 - ...) * (1 / L_ii), subtracting in
 * order.  Multiplying by the reciprocal (where LAPACK divides) makes a
 * diagonal covariance give exactly the bits of the equivalent 1-D sigma,
 * whose weights are curve_fit's 1/sigma: sqrt(s*s) is s in IEEE
 * arithmetic, so L_ii is sigma_i, and the zero terms subtract nothing.
 */
#include "triangular.h"

/*
 * Solve in place: b is C-contiguous m x p (p right-hand sides side by side,
 * so that the inner loop runs along a row), L C-contiguous m x m.
 */
static void
forward_substitute(const double *lower, npy_intp m, double *b, npy_intp p)
{
    for (npy_intp i = 0; i < m; i++) {
        double *row = b + i * p;
        const double *l = lower + i * m;
        for (npy_intp j = 0; j < i; j++) {
            const double *solved = b + j * p;
            const double factor = l[j];
            for (npy_intp c = 0; c < p; c++) {
                row[c] -= factor * solved[c];
            }
        }
        const double reciprocal = 1.0 / l[i];
        for (npy_intp c = 0; c < p; c++) {
            row[c] *= reciprocal;
        }
    }
}

PyObject *
pm_solve_lower(PyObject *Py_UNUSED(module), PyObject *args)
{
    PyObject *lower_obj, *rhs_obj;
    PyArrayObject *lower = NULL, *solution = NULL;

    if (!PyArg_ParseTuple(args, "OO:solve_lower", &lower_obj, &rhs_obj)) {
        return NULL;
    }
    lower = (PyArrayObject *)PyArray_FROM_OTF(lower_obj, NPY_DOUBLE,
                                              NPY_ARRAY_IN_ARRAY);
    if (lower == NULL) {
        goto fail;
    }
    if (PyArray_NDIM(lower) != 2
            || PyArray_DIM(lower, 0) != PyArray_DIM(lower, 1)) {
        PyErr_SetString(PyExc_ValueError,
                        "solve_lower: L must be a square matrix");
        goto fail;
    }
    /* A new C-contiguous float64 copy of b, solved in place; its type
     * conversion is numpy's safe one (complex b is a TypeError). */
    solution = (PyArrayObject *)PyArray_FROM_OTF(
            rhs_obj, NPY_DOUBLE,
            NPY_ARRAY_CARRAY | NPY_ARRAY_ENSURECOPY | NPY_ARRAY_ENSUREARRAY);
    if (solution == NULL) {
        goto fail;
    }
    npy_intp m = PyArray_DIM(lower, 0);
    if (PyArray_NDIM(solution) < 1 || PyArray_NDIM(solution) > 2
            || PyArray_DIM(solution, 0) != m) {
        PyObject *shape = PyArray_IntTupleFromIntp(PyArray_NDIM(solution),
                                                   PyArray_DIMS(solution));
        if (shape != NULL) {
            PyErr_Format(PyExc_ValueError,
                         "solve_lower: the %zd x %zd covariance weighs "
                         "arrays of shape (%zd,) or (%zd, p), not %S",
                         (Py_ssize_t)m, (Py_ssize_t)m, (Py_ssize_t)m,
                         (Py_ssize_t)m, shape);
            Py_DECREF(shape);
        }
        goto fail;
    }
    npy_intp p = PyArray_NDIM(solution) == 2 ? PyArray_DIM(solution, 1) : 1;
    const double *l = (const double *)PyArray_DATA(lower);
    double *b = (double *)PyArray_DATA(solution);
    Py_BEGIN_ALLOW_THREADS
    forward_substitute(l, m, b, p);
    Py_END_ALLOW_THREADS
    Py_DECREF(lower);
    return (PyObject *)solution;

fail:
    Py_XDECREF(lower);
    Py_XDECREF(solution);
    return NULL;
}
