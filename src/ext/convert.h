/*
 * Turning what the user's func and Dfun return into MINPACK's buffers.
 *
 * Every call's output is checked (dtype, ndim, length or shape) before a
 * single byte is copied: a function whose output changes shape half-way
 * through a fit gets a clear exception, never a read past a buffer.  The
 * user's code runs only while numpy first turns the output into an array;
 * everything checked after that is an ndarray of the base class, which no
 * user code can change before it is copied.
 */
#ifndef PYMINPACK_CONVERT_H
#define PYMINPACK_CONVERT_H

#include "numpy_api.h"

/*
 * Who is asking, for error messages: the public function (`who`), what it
 * calls the Jacobian callable (`jac`) and what func returns (`values`).
 * The *_as functions take one; the others are leastsq's.
 */
typedef struct {
    const char *who, *jac, *values;
} pm_names;
extern const pm_names pm_leastsq_names;  /* "leastsq", "Dfun", "residuals" */
extern const pm_names pm_fsolve_names;   /* "fsolve", "fprime", "values" */
/* A row of leastsq's Dfun_row, converted as func's output is. */
extern const pm_names pm_row_names;      /* "leastsq", "Dfun_row", "values" */

/*
 * Convert func's output to a new reference to a 1-D, C-contiguous float64
 * ndarray of the base class (a 0-d result becomes length 1), and, when
 * source_dtype is not NULL, give it a new reference to the dtype of the
 * output before the cast (what sets epsfcn's default).  Returns NULL with
 * an exception set: TypeError or ValueError naming `func` when the output
 * cannot be converted (the numpy error chained as the cause); any other
 * exception raised while converting (MemoryError, KeyboardInterrupt, ...)
 * propagates unchanged.
 */
PyArrayObject *pm_residual_array(PyObject *output, PyObject *func,
                                 PyArray_Descr **source_dtype);

/*
 * Copy func's output into fvec[0..m-1]; 0 on success, -1 with an exception
 * set when the output is not m float64-convertible values.
 */
int pm_copy_residuals(PyObject *output, PyObject *func, npy_intp m,
                      double *fvec);

/*
 * Copy Dfun's output into MINPACK's column-major fjac (leading dimension
 * m).  Expected shape is (m, n), or (n, m) with col_deriv (whose C-order
 * memory already is the column-major array).  0 on success, -1 with an
 * exception set.
 */
int pm_copy_jacobian(PyObject *output, PyObject *jac, npy_intp m, npy_intp n,
                     int col_deriv, double *fjac);

/*
 * Output converted to a base-class ndarray of aligned, native float64s,
 * any shape and strides (only safe casts; errors name `who`, the public
 * function called, and `role`, "func", "Dfun" or "fprime").  For the
 * vectorized batch, which checks the shape itself.
 */
PyArrayObject *pm_as_float64(PyObject *output, PyObject *callable,
                             const char *who, const char *role);

/*
 * fjac[i + j*m] = J[i, j], where J[i, j] lives at src + i*row_stride +
 * j*col_stride bytes.
 */
void pm_copy_to_column_major(double *fjac, const char *src, npy_intp m,
                             npy_intp n, npy_intp row_stride,
                             npy_intp col_stride);

PyArrayObject *pm_residual_array_as(PyObject *output, PyObject *func,
                                    const pm_names *names,
                                    PyArray_Descr **source_dtype);
int pm_copy_residuals_as(PyObject *output, PyObject *func,
                         const pm_names *names, npy_intp m, double *fvec);
int pm_copy_jacobian_as(PyObject *output, PyObject *jac,
                        const pm_names *names, npy_intp m, npy_intp n,
                        int col_deriv, double *fjac);

#endif /* PYMINPACK_CONVERT_H */
