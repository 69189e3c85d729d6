/*
 * The result arrays of a batch (see results.h).
 */
#include "results.h"
#include "covariance.h"
#include "minpack.h"

#include <math.h>
#include <string.h>

/* A C-contiguous, aligned, native, writeable ndarray of `type` and `size`. */
static int
check_array(PyObject *obj, const char *what, int type, npy_intp size,
            int may_be_none)
{
    if (obj == Py_None && may_be_none) {
        return 0;
    }
    PyArrayObject *array = (PyArrayObject *)obj;
    if (!PyArray_CheckExact(obj) || PyArray_TYPE(array) != type ||
            !PyArray_ISCARRAY(array) || !PyArray_ISNOTSWAPPED(array) ||
            PyArray_SIZE(array) != size) {
        PyErr_Format(PyExc_TypeError,
                     "_minpack: %s must be a writeable C-contiguous %s ndarray "
                     "of %zd elements", what,
                     type == NPY_DOUBLE ? "float64" : "int32",
                     (Py_ssize_t)size);
        return -1;
    }
    return 0;
}

static void *
data_or_null(PyObject *obj)
{
    return obj == Py_None ? NULL : PyArray_DATA((PyArrayObject *)obj);
}

int
pm_results_init(pm_results *results, PyObject *x, PyObject *diag,
                PyObject *outputs, int m)
{
    memset(results, 0, sizeof(*results));
    PyObject *ier, *nfev, *njev, *status, *nonfinite, *fnorm, *cov;
    PyObject *fvec, *fjac, *ipvt, *qtf;
    if (!PyArg_ParseTuple(outputs, "OOOOOOOOOOO:outputs", &ier, &nfev, &njev,
                          &status, &nonfinite, &fnorm, &cov, &fvec, &fjac,
                          &ipvt, &qtf)) {
        return -1;
    }
    if (!PyArray_CheckExact(x) || PyArray_NDIM((PyArrayObject *)x) != 2 ||
            PyArray_DIM((PyArrayObject *)x, 1) > INT_MAX || m < 1) {
        PyErr_SetString(PyExc_TypeError, "_minpack: x must be (K, n), m >= 1");
        return -1;
    }
    npy_intp count = PyArray_DIM((PyArrayObject *)x, 0);
    npy_intp n = PyArray_DIM((PyArrayObject *)x, 1);
    npy_intp diag_size = diag != Py_None && PyArray_Check(diag)
                         ? PyArray_SIZE((PyArrayObject *)diag) : n;
    if (check_array(x, "x", NPY_DOUBLE, count * n, 0) < 0 ||
            check_array(diag, "diag", NPY_DOUBLE,
                        diag_size == n ? n : count * n, 1) < 0 ||
            check_array(ier, "ier", NPY_INT32, count, 0) < 0 ||
            check_array(nfev, "nfev", NPY_INT32, count, 0) < 0 ||
            check_array(njev, "njev", NPY_INT32, count, 0) < 0 ||
            check_array(status, "status", NPY_INT32, count, 0) < 0 ||
            check_array(nonfinite, "nonfinite", NPY_INT32, count, 0) < 0 ||
            check_array(fnorm, "fnorm", NPY_DOUBLE, count, 0) < 0 ||
            check_array(cov, "cov", NPY_DOUBLE, count * n * n, 1) < 0 ||
            check_array(fvec, "fvec", NPY_DOUBLE, count * m, 1) < 0 ||
            check_array(fjac, "fjac", NPY_DOUBLE, count * m * n, 1) < 0 ||
            check_array(ipvt, "ipvt", NPY_INT32, count * n, 1) < 0 ||
            check_array(qtf, "qtf", NPY_DOUBLE, count * n, 1) < 0) {
        return -1;
    }
    *results = (pm_results){
        .count = (long)count, .m = m, .n = (int)n,
        .x = data_or_null(x),
        .diag = data_or_null(diag),
        .diag_stride = diag_size == n ? 0 : n,
        .ier = data_or_null(ier), .nfev = data_or_null(nfev),
        .njev = data_or_null(njev), .status = data_or_null(status),
        .nonfinite = data_or_null(nonfinite), .fnorm = data_or_null(fnorm),
        .cov = data_or_null(cov), .fvec = data_or_null(fvec),
        .fjac = data_or_null(fjac), .ipvt = data_or_null(ipvt),
        .qtf = data_or_null(qtf),
    };
    return 0;
}

void
pm_results_rows(const pm_results *r, long k, const pm_fit_rows *scratch,
                pm_fit_rows *rows)
{
    const size_t m = (size_t)r->m, n = (size_t)r->n;
    rows->fvec = r->fvec != NULL ? r->fvec + (size_t)k * m : scratch->fvec;
    rows->fjac = r->fjac != NULL ? r->fjac + (size_t)k * m * n
                                 : scratch->fjac;
    rows->qtf = r->qtf != NULL ? r->qtf + (size_t)k * n : scratch->qtf;
    rows->ipvt = r->ipvt != NULL ? r->ipvt + (size_t)k * n : scratch->ipvt;
}

int
pm_fit_rows_alloc(pm_fit_rows *rows, int m, int n)
{
    const size_t mm = (size_t)m, nn = (size_t)n;
    rows->fvec = PyMem_RawMalloc((mm + 1) * sizeof(double));
    rows->fjac = PyMem_RawMalloc((mm * nn + 1) * sizeof(double));
    rows->qtf = PyMem_RawMalloc((nn + 1) * sizeof(double));
    rows->ipvt = PyMem_RawMalloc((nn + 1) * sizeof(npy_int32));
    if (rows->fvec == NULL || rows->fjac == NULL || rows->qtf == NULL ||
            rows->ipvt == NULL) {
        pm_fit_rows_free(rows);
        return -1;
    }
    return 0;
}

void
pm_fit_rows_free(pm_fit_rows *rows)
{
    PyMem_RawFree(rows->fvec);
    PyMem_RawFree(rows->fjac);
    PyMem_RawFree(rows->qtf);
    PyMem_RawFree(rows->ipvt);
    memset(rows, 0, sizeof(*rows));
}

void
pm_fit_rows_clear(const pm_fit_rows *rows, int m, int n)
{
    memset(rows->fvec, 0, (size_t)m * sizeof(double));
    memset(rows->fjac, 0, (size_t)m * (size_t)n * sizeof(double));
    memset(rows->qtf, 0, (size_t)n * sizeof(double));
    memset(rows->ipvt, 0, (size_t)n * sizeof(npy_int32));
}

int
pm_batch_bounds_init(pm_batch_bounds *bounds, PyObject *obj, long count,
                     int n)
{
    memset(bounds, 0, sizeof(*bounds));
    if (obj == Py_None) {
        return 0;
    }
    PyObject *lb, *ub;
    if (!PyTuple_Check(obj) || !PyArg_ParseTuple(obj, "OO:bounds", &lb, &ub)) {
        PyErr_SetString(PyExc_TypeError, "_minpack: bounds must be None or "
                        "(lb, ub)");
        return -1;
    }
    npy_intp size = PyArray_Check(lb) ? PyArray_SIZE((PyArrayObject *)lb) : n;
    npy_intp whole = size == n ? n : (npy_intp)count * n;
    if (check_array(lb, "lb", NPY_DOUBLE, whole, 0) < 0 ||
            check_array(ub, "ub", NPY_DOUBLE, whole, 0) < 0) {
        return -1;
    }
    bounds->lb = PyArray_DATA((PyArrayObject *)lb);
    bounds->ub = PyArray_DATA((PyArrayObject *)ub);
    bounds->stride = size == n ? 0 : n;
    return 0;
}

void
pm_batch_bounds_set(const pm_batch_bounds *bounds, long k, pm_bounds *b)
{
    if (bounds->lb == NULL) {
        pm_bounds_set(b, NULL, NULL);
        return;
    }
    pm_bounds_set(b, bounds->lb + k * bounds->stride,
                  bounds->ub + k * bounds->stride);
}

void
pm_results_store(const pm_results *r, long k, const pm_fit_rows *rows,
                 int ier, int nfev, int njev, int status, int nonfinite_at,
                 double *covariance_scratch, pm_bounds *bounds)
{
    const int m = r->m, n = r->n;
    r->ier[k] = ier;
    r->nfev[k] = nfev;
    r->njev[k] = njev;
    r->status[k] = status;
    r->nonfinite[k] = nonfinite_at;
    r->fnorm[k] = enorm_(&m, rows->fvec);
    if (r->cov == NULL) {
        return;  /* fsolve_batch's: no cov_x */
    }
    double *cov = r->cov + (size_t)k * n * n;
    if (ier < 1 || ier > 4 ||
            (bounds != NULL && !bounds->identity
             ? pm_bounds_covariance(bounds, rows->fjac, rows->ipvt, cov)
             : pm_inverse_jtj(rows->fjac, m, n, rows->ipvt, cov,
                              covariance_scratch))) {
        for (size_t i = 0; i < (size_t)n * n; i++) {
            cov[i] = NAN;
        }
    }
}
