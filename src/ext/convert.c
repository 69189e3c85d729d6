/*
 * Turning what the user's func and Dfun return into MINPACK's buffers.
 */
#include "convert.h"
#include "errors.h"

#include <string.h>

const pm_names pm_leastsq_names = {"leastsq", "Dfun", "residuals"};
const pm_names pm_fsolve_names = {"fsolve", "fprime", "values"};
const pm_names pm_row_names = {"leastsq", "Dfun_row", "values"};

/*
 * " 'name'" for a callable with a string __name__, else "".  Only for error
 * messages: a callable without __name__ (AttributeError) or with a name
 * that is not a string just goes unnamed.  Any other exception raised
 * while reading it (KeyboardInterrupt, MemoryError, an error from a
 * property of the user's) is not ours to hide: NULL, with it set.
 */
static PyObject *
quoted_name(PyObject *callable)
{
    PyObject *name = PyObject_GetAttrString(callable, "__name__");
    if (name == NULL) {
        if (!PyErr_ExceptionMatches(PyExc_AttributeError)) {
            return NULL;
        }
        PyErr_Clear();
        return PyUnicode_FromString("");
    }
    PyObject *quoted = PyUnicode_Check(name)
                       ? PyUnicode_FromFormat(" '%U'", name)
                       : PyUnicode_FromString("");
    Py_DECREF(name);
    return quoted;
}

/*
 * Raise exc_type(message) with the exception being handled as its
 * __cause__, the C equivalent of `raise exc_type(message) from err`.
 */
static void
raise_from_current(PyObject *exc_type, PyObject *message)
{
    PyObject *cause = pm_take_exception();
    PyObject *exc = PyObject_CallOneArg(exc_type, message);
    if (exc == NULL) {
        Py_XDECREF(cause);
        return;
    }
    if (cause != NULL) {
        PyException_SetContext(exc, Py_NewRef(cause));  /* steals */
        PyException_SetCause(exc, cause);               /* steals */
    }
    pm_restore_exception(exc);
}

/*
 * numpy failed to make an array of the output.  A TypeError, ValueError or
 * OverflowError means the output itself is unusable: say so, naming the
 * callable, and chain numpy's explanation.  Anything else (MemoryError,
 * KeyboardInterrupt, an exception from the user's own __array__) is not
 * ours to rename and propagates unchanged.
 */
static void
explain_conversion_failure(PyObject *callable, const char *who,
                           const char *role)
{
    PyObject *exc_type;
    if (PyErr_ExceptionMatches(PyExc_TypeError)) {
        exc_type = PyExc_TypeError;
    }
    else if (PyErr_ExceptionMatches(PyExc_ValueError) ||
             PyErr_ExceptionMatches(PyExc_OverflowError)) {
        exc_type = PyExc_ValueError;
    }
    else {
        return;
    }
    /*
     * Looking up __name__ may run Python code, which must not run with an
     * exception pending, so numpy's exception is set aside meanwhile.  If
     * the lookup itself raises (say KeyboardInterrupt), that exception wins,
     * with numpy's as its context, as Python would chain them.
     */
    PyObject *numpy_error = pm_take_exception();
    PyObject *name = quoted_name(callable);
    if (name == NULL) {
        PyObject *lookup_error = pm_take_exception();
        PyException_SetContext(lookup_error, numpy_error);  /* steals */
        pm_restore_exception(lookup_error);
        return;
    }
    pm_restore_exception(numpy_error);
    PyObject *message = PyUnicode_FromFormat(
            "%s: the output of %s%U cannot be converted to an array "
            "of float64 (see the cause above)", who, role, name);
    Py_DECREF(name);
    if (message != NULL) {
        raise_from_current(exc_type, message);
        Py_DECREF(message);
    }
}

/*
 * True for a base-class ndarray of aligned, native-byte-order float64s.
 * Base class matters: numpy runs a subclass's __array_finalize__ on every
 * copy, view or ravel it makes, and that user code may change the new
 * array's shape or dtype.  None runs on an ndarray itself, so what has been
 * checked stays true.
 */
static int
is_float64_ndarray(PyArrayObject *array)
{
    return PyArray_CheckExact(array) && PyArray_TYPE(array) == NPY_DOUBLE &&
           PyArray_ISALIGNED(array) && PyArray_ISNOTSWAPPED(array);
}

/*
 * The last check before MINPACK's memory is written: the conversions above
 * guarantee it, so failing it is our bug, reported instead of an over-read.
 */
static int
check_before_copy(PyArrayObject *array)
{
    if (is_float64_ndarray(array)) {
        return 0;
    }
    PyErr_SetString(PyExc_SystemError,
                    "pyminpack: a converted output is not a float64 ndarray "
                    "(please report this bug)");
    return -1;
}

/*
 * A new reference to output as a base-class ndarray of aligned, native
 * float64s meeting `requirements` (NumPy NPY_ARRAY_* flags), or NULL with an
 * exception set.  Only safe casts are allowed (bool, integers, float16/32/
 * 64): complex, long double, strings and objects are refused rather than
 * silently truncated.  When source_dtype is not NULL it receives a new
 * reference to the dtype numpy found before the cast.
 *
 * The user's code (__array__, __array_interface__, a subclass's methods)
 * runs inside the first PyArray_FromAny only.  NPY_ARRAY_ENSUREARRAY makes
 * its result a base-class ndarray (a view, not a copy, of a subclass), so
 * every copy or ravel after it is numpy's alone.
 */
static PyArrayObject *
as_float64_array(PyObject *output, PyObject *callable, const char *who,
                 const char *role, int requirements,
                 PyArray_Descr **source_dtype)
{
    /*
     * What a Dfun nearly always returns: already what the conversion below
     * would give (numpy would return this very array, a new reference),
     * and no user code can run on it.  Taken first because the two numpy
     * calls cost ~800 instructions, a Jacobian of 50 x 3's copy as much.
     */
    if (is_float64_ndarray((PyArrayObject *)output) &&
            PyArray_CHKFLAGS((PyArrayObject *)output, requirements)) {
        if (source_dtype != NULL) {
            *source_dtype = (PyArray_Descr *)Py_NewRef(
                    PyArray_DESCR((PyArrayObject *)output));
        }
        return (PyArrayObject *)Py_NewRef(output);
    }
    PyArrayObject *array = (PyArrayObject *)PyArray_FromAny(
            output, NULL, 0, 0, NPY_ARRAY_ENSUREARRAY, NULL);
    if (array == NULL) {
        explain_conversion_failure(callable, who, role);
        return NULL;
    }
    PyArray_Descr *float64 = PyArray_DescrFromType(NPY_DOUBLE);
    if (!PyArray_CanCastTypeTo(PyArray_DESCR(array), float64,
                               NPY_SAFE_CASTING)) {
        PyObject *name = quoted_name(callable);
        if (name != NULL) {
            PyErr_Format(PyExc_TypeError,
                         "%s: %s%U must return real numbers that convert "
                         "safely to float64; it returned %s of dtype %S",
                         who, role, name, Py_TYPE(output)->tp_name,
                         (PyObject *)PyArray_DESCR(array));
            Py_DECREF(name);
        }
        Py_DECREF(float64);
        Py_DECREF(array);
        return NULL;
    }
    if (source_dtype != NULL) {
        *source_dtype = (PyArray_Descr *)Py_NewRef(PyArray_DESCR(array));
    }
    /* PyArray_FromArray steals the descriptor and copies only if needed. */
    PyArrayObject *converted = (PyArrayObject *)PyArray_FromArray(
            array, float64, requirements | NPY_ARRAY_ENSUREARRAY |
                            NPY_ARRAY_ALIGNED | NPY_ARRAY_NOTSWAPPED);
    Py_DECREF(array);
    if (converted == NULL && source_dtype != NULL) {
        Py_CLEAR(*source_dtype);
    }
    return converted;
}

PyArrayObject *
pm_as_float64(PyObject *output, PyObject *callable, const char *who,
              const char *role)
{
    PyArrayObject *array = as_float64_array(output, callable, who, role,
                                            0, NULL);
    if (array != NULL && check_before_copy(array) < 0) {
        Py_CLEAR(array);
    }
    return array;
}

/* True for an array we can copy from as it is: the common case, checked first. */
static int
is_plain_float64_vector(PyObject *output)
{
    if (!PyArray_Check(output)) {
        return 0;
    }
    PyArrayObject *array = (PyArrayObject *)output;
    return is_float64_ndarray(array) && PyArray_NDIM(array) == 1 &&
           PyArray_IS_C_CONTIGUOUS(array);
}

PyArrayObject *
pm_residual_array(PyObject *output, PyObject *func,
                  PyArray_Descr **source_dtype)
{
    return pm_residual_array_as(output, func, &pm_leastsq_names,
                                source_dtype);
}

PyArrayObject *
pm_residual_array_as(PyObject *output, PyObject *func, const pm_names *names,
                     PyArray_Descr **source_dtype)
{
    if (source_dtype != NULL) {
        *source_dtype = NULL;
    }
    if (is_plain_float64_vector(output)) {
        if (source_dtype != NULL) {
            *source_dtype = (PyArray_Descr *)Py_NewRef(
                    PyArray_DESCR((PyArrayObject *)output));
        }
        return (PyArrayObject *)Py_NewRef(output);
    }
    /* A row of Dfun_row's is converted as func's residuals are. */
    const char *role = names == &pm_row_names ? names->jac : "func";
    PyArrayObject *array = as_float64_array(output, func, names->who, role,
                                            NPY_ARRAY_C_CONTIGUOUS,
                                            source_dtype);
    if (array == NULL) {
        return NULL;
    }
    if (PyArray_NDIM(array) == 1) {
        return array;
    }
    if (PyArray_NDIM(array) == 0) {
        /* An ndarray's ravel: a base-class (1,) array. */
        PyArrayObject *vector = (PyArrayObject *)PyArray_Ravel(array,
                                                               NPY_CORDER);
        Py_DECREF(array);
        if (vector == NULL && source_dtype != NULL) {
            Py_CLEAR(*source_dtype);
        }
        return vector;
    }
    if (source_dtype != NULL) {
        Py_CLEAR(*source_dtype);
    }
    PyObject *name = quoted_name(func);
    PyObject *shape = name == NULL ? NULL : PyArray_IntTupleFromIntp(
            PyArray_NDIM(array), PyArray_DIMS(array));
    if (shape != NULL) {
        PyErr_Format(PyExc_ValueError,
                     "%s: %s%U must return a 1-D array of %s; "
                     "it returned an array of shape %S", names->who,
                     names == &pm_row_names ? names->jac : "func", name,
                     names->values, shape);
    }
    Py_XDECREF(name);
    Py_XDECREF(shape);
    Py_DECREF(array);
    return NULL;
}

int
pm_copy_residuals(PyObject *output, PyObject *func, npy_intp m, double *fvec)
{
    return pm_copy_residuals_as(output, func, &pm_leastsq_names, m, fvec);
}

int
pm_copy_residuals_as(PyObject *output, PyObject *func, const pm_names *names,
                     npy_intp m, double *fvec)
{
    PyArrayObject *array = pm_residual_array_as(output, func, names, NULL);
    if (array == NULL) {
        return -1;
    }
    if (check_before_copy(array) < 0) {
        Py_DECREF(array);
        return -1;
    }
    /* pm_residual_array makes it C-contiguous and 1-D. */
    npy_intp length = PyArray_DIM(array, 0);
    if (length != m) {
        PyObject *name = quoted_name(func);
        if (name != NULL) {
            PyErr_Format(PyExc_ValueError,
                         "%s: func%U returned %zd %s at this call "
                         "but %zd at x0; their number must not change",
                         names->who, name, (Py_ssize_t)length, names->values,
                         (Py_ssize_t)m);
            Py_DECREF(name);
        }
        Py_DECREF(array);
        return -1;
    }
    memcpy(fvec, PyArray_DATA(array), (size_t)m * sizeof(double));
    Py_DECREF(array);
    return 0;
}

/*
 * fjac[i + j*m] = J[i, j], where J[i, j] lives at src + i*row_stride +
 * j*col_stride bytes.  When a column of J is contiguous in the source it is
 * one memcpy; otherwise the copy transposes, tile by tile, so that the rows
 * read and the columns written stay in cache even for 10^4 x 10^2 arrays.
 */
void
pm_copy_to_column_major(double *fjac, const char *src, npy_intp m, npy_intp n,
                     npy_intp row_stride, npy_intp col_stride)
{
    if (row_stride == (npy_intp)sizeof(double)) {
        for (npy_intp j = 0; j < n; j++) {
            memcpy(fjac + j * m, src + j * col_stride,
                   (size_t)m * sizeof(double));
        }
        return;
    }
    /*
     * 256 rows: longer runs written per column than 32 gave.  Measured on
     * 10^4 x 20 (1.2x memcpy's time, against 1.4x), 10^5 x 100 and
     * 4000 x 2000 (1.3-1.6x faster than 32 rows); never slower.
     */
    enum { TILE = 256 };
    for (npy_intp i0 = 0; i0 < m; i0 += TILE) {
        npy_intp i1 = i0 + TILE < m ? i0 + TILE : m;
        for (npy_intp j = 0; j < n; j++) {
            double *column = fjac + j * m;
            const char *source = src + j * col_stride;
            for (npy_intp i = i0; i < i1; i++) {
                column[i] = *(const double *)(source + i * row_stride);
            }
        }
    }
}

/*
 * When m or n is 1 the Jacobian is a vector whose row- and column-major
 * layouts coincide, and scipy accepts any array that holds its m*n values
 * along a single axis ((m,), (1, m), (m, 1), ...).  True, with the stride
 * of that axis in *stride, when the array has that form.
 */
static int
is_vector_of(PyArrayObject *array, npy_intp size, npy_intp *stride)
{
    if (PyArray_SIZE(array) != size || PyArray_NDIM(array) > 2) {
        return 0;
    }
    int long_axes = 0;
    *stride = sizeof(double);
    for (int axis = 0; axis < PyArray_NDIM(array); axis++) {
        if (PyArray_DIM(array, axis) > 1) {
            *stride = PyArray_STRIDE(array, axis);
            long_axes++;
        }
    }
    return long_axes <= 1;
}

static void
raise_jacobian_shape_error(PyObject *jac, const pm_names *names,
                           PyArrayObject *array, npy_intp rows, npy_intp cols)
{
    /* scipy's text, word for word, including the missing space after '.' */
    PyObject *name = quoted_name(jac);
    PyObject *shape = name == NULL ? NULL : PyArray_IntTupleFromIntp(
            PyArray_NDIM(array), PyArray_DIMS(array));
    if (shape != NULL) {
        PyErr_Format(PyExc_TypeError,
                     "%s: there is a mismatch between the input and "
                     "output shape of the '%s' argument%U.Shape should be "
                     "(%zd, %zd) but it is %S.",
                     names->who, names->jac, name, (Py_ssize_t)rows, (Py_ssize_t)cols, shape);
    }
    Py_XDECREF(name);
    Py_XDECREF(shape);
}

int
pm_copy_jacobian(PyObject *output, PyObject *jac, npy_intp m, npy_intp n,
                 int col_deriv, double *fjac)
{
    return pm_copy_jacobian_as(output, jac, &pm_leastsq_names, m, n,
                               col_deriv, fjac);
}

int
pm_copy_jacobian_as(PyObject *output, PyObject *jac, const pm_names *names,
                    npy_intp m, npy_intp n, int col_deriv, double *fjac)
{
    PyArrayObject *array = as_float64_array(output, jac, names->who,
                                            names->jac, 0, NULL);
    if (array == NULL) {
        return -1;
    }
    if (check_before_copy(array) < 0) {
        Py_DECREF(array);
        return -1;
    }
    npy_intp rows = col_deriv ? n : m;
    npy_intp cols = col_deriv ? m : n;
    const char *data = PyArray_BYTES(array);
    npy_intp stride;

    if (PyArray_NDIM(array) == 2 && PyArray_DIM(array, 0) == rows &&
            PyArray_DIM(array, 1) == cols) {
        npy_intp stride0 = PyArray_STRIDE(array, 0);
        npy_intp stride1 = PyArray_STRIDE(array, 1);
        /* Row stride and column stride of J itself, whichever way it came. */
        if (col_deriv) {
            pm_copy_to_column_major(fjac, data, m, n, stride1, stride0);
        }
        else {
            pm_copy_to_column_major(fjac, data, m, n, stride0, stride1);
        }
    }
    else if ((m == 1 || n == 1) && is_vector_of(array, m * n, &stride)) {
        pm_copy_to_column_major(fjac, data, m * n, 1, stride, 0);
    }
    else {
        raise_jacobian_shape_error(jac, names, array, rows, cols);
        Py_DECREF(array);
        return -1;
    }
    Py_DECREF(array);
    return 0;
}
