/*
 * pyminpack._minpack: module definition (multi-phase initialisation).
 *
 * The module has no state of its own: each fit lives in a pm_fit on the
 * C stack of the call that runs it (see callback.h).
 */
#define PYMINPACK_IMPORTS_NUMPY
#include "numpy_api.h"

#include "batch.h"
#include "chkder.h"
#include "clock.h"
#include "hybrd.h"
#include "hybrd_batch.h"
#include "lm.h"
#include "lmstr.h"
#include "vectorized.h"
#include "minpack.h"
#include "triangular.h"

PyDoc_STRVAR(lmdif_doc,
"lmdif(func, x0, args, fvec0, ftol, xtol, gtol, maxfev, epsfcn, factor, diag,\n"
"      callback=None, lb=None, ub=None)\n"
"--\n\n"
"Run MINPACK's LMDIF (forward-difference Jacobian).  fvec0 is func(x0),\n"
"handed to LMDIF's first request.  callback(x, fvec), if not None, runs\n"
"at the start of every iteration (nprint = 1); a true result stops the fit\n"
"with info -3.  Arguments must already be validated (pyminpack.leastsq\n"
"does it).  Returns (x, fvec, fjac, ipvt, qtf, nfev, info).  With bounds\n"
"lb and ub ((n,) float64 each), MINPACK runs on the internal parameters\n"
"(bounds.h), x is external and cov_x, the external parameters'\n"
"inv(J^T J) or None, is appended.");

PyDoc_STRVAR(lmder_doc,
"lmder(func, Dfun, x0, args, fvec0, col_deriv, ftol, xtol, gtol, maxfev,\n"
"      factor, diag, callback=None, lb=None, ub=None)\n"
"--\n\n"
"Run MINPACK's LMDER (Jacobian from Dfun), as lmdif does.  Returns\n"
"(x, fvec, fjac, ipvt, qtf, nfev, njev, info).");

PyDoc_STRVAR(hybrd_doc,
"hybrd(func, x0, args, fvec0, xtol, maxfev, ml, mu, epsfcn, factor, diag)\n"
"--\n\n"
"Run MINPACK's HYBRD (forward-difference Jacobian, band ml, mu).  fvec0 is\n"
"func(x0), handed to HYBRD's first request.  Arguments must already be\n"
"validated (pyminpack.fsolve does it).  Returns\n"
"(x, fvec, fjac, r, qtf, nfev, info).");

PyDoc_STRVAR(hybrj_doc,
"hybrj(func, fprime, x0, args, fvec0, col_deriv, xtol, maxfev, factor, diag)\n"
"--\n\n"
"Run MINPACK's HYBRJ (Jacobian from fprime), as hybrd does.  Returns\n"
"(x, fvec, fjac, r, qtf, nfev, njev, info).");

PyDoc_STRVAR(lmstr_doc,
"lmstr(func, Dfun_row, x0, args, fvec0, ftol, xtol, gtol, maxfev, factor,\n"
"      diag)\n"
"--\n\n"
"Run MINPACK's LMSTR: Dfun_row(x, i, *args) gives row i of the Jacobian.\n"
"Returns (x, fvec, fjac (n, n), ipvt, qtf, nfev, njev, info).");

PyDoc_STRVAR(hybrd_batch_compiled_doc,
"hybrd_batch_compiled(func, jac, x, diag, user_data, user_data_stride,\n"
"                     xtol, maxfev, ml, mu, epsfcn, factor, check_finite,\n"
"                     threads, progress, outputs)\n"
"--\n\n"
"Solve K systems whose func and jac (0 for hybrd) are the addresses of\n"
"compiled functions, on `threads` C threads without the GIL.  x (K, n)\n"
"holds the starts and receives the solutions.  outputs = (ier, nfev, njev,\n"
"status, nonfinite, fnorm, fvec, fjac, r, qtf), the last four may be None.\n"
"Private: use pyminpack.fsolve_batch.");
PyDoc_STRVAR(bounds_start_doc,
"bounds_start(x0, lb, ub)\n"
"--\n\n"
"The external point x(u0) where a bounded fit's MINPACK first evaluates\n"
"func: x0 moved off a bound and through the change of variables.");

PyDoc_STRVAR(chkder_point_doc,
"chkder_point(x)\n"
"--\n\n"
"MINPACK's CHKDER, mode 1: the point xp near x where func is evaluated.");

PyDoc_STRVAR(chkder_err_doc,
"chkder_err(x, fvec, fjac, fvecp)\n"
"--\n\n"
"MINPACK's CHKDER, mode 2: err (m,) from func at x (fvec) and at xp\n"
"(fvecp) and the Jacobian at x as fjac (n, m), MINPACK's column-major\n"
"layout.  Private: use pyminpack.check_jacobian.");

PyDoc_STRVAR(residual_vector_doc,
"residual_vector(output, func, for_fsolve=False)\n"
"--\n\n"
"Convert func's output to a 1-D float64 ndarray exactly as the solver does\n"
"for every later call (errors name func, and leastsq or fsolve).  Returns (vector, dtype), dtype\n"
"being the output's own before the cast.");

PyDoc_STRVAR(first_nonfinite_doc,
"first_nonfinite(vector)\n"
"--\n\n"
"The index of the first NaN or infinity of a contiguous 1-D float64 array,\n"
"or -1 when all its entries are finite.");

PyDoc_STRVAR(covariance_doc,
"covariance(fjac, ipvt)\n"
"--\n\n"
"inv(J.T @ J) from lmdif/lmder's fjac (n, m) and 1-based ipvt, or None\n"
"when a diagonal element of R is exactly zero.");

PyDoc_STRVAR(batch_compiled_doc,
"batch_compiled(func, jac, x, diag, user_data, user_data_stride, m, n,\n"
"               ftol, xtol, gtol, maxfev, epsfcn, factor, check_finite,\n"
"               threads, progress, outputs)\n"
"--\n\n"
"Run K fits whose func and jac (0 for lmdif) are the addresses of compiled\n"
"functions, on `threads` C threads without the GIL.  x (K, n) holds the\n"
"starts and receives the solutions; fit k gets user_data + k*stride.\n"
"outputs = (ier, nfev, njev, status, nonfinite, fnorm, cov, fvec, fjac,\n"
"ipvt, qtf), arrays the caller made (the last four may be None).\n"
"Returns the number of fits done.  Private: use pyminpack.leastsq_batch.");

PyDoc_STRVAR(batch_vectorized_doc,
"batch_vectorized(func, jac, args, data, x, diag, m, col_deriv, ftol, xtol,\n"
"                 gtol, maxfev, epsfcn, factor, check_finite, slots,\n"
"                 progress, outputs)\n"
"--\n\n"
"Run K fits, each its own MINPACK on a fiber, at most `slots` at a time;\n"
"func(X, *args, *(d[fits] for d in data)) evaluates all fits waiting.\n"
"x and outputs as for batch_compiled.  Private: use pyminpack.leastsq_batch.");

PyDoc_STRVAR(capsule_address_doc,
"capsule_address(capsule)\n"
"--\n\n"
"(name, address) of a PyCapsule: its name (None if it has none) and the\n"
"pointer it holds, as an int.");

PyDoc_STRVAR(solve_lower_doc,
"solve_lower(L, b)\n"
"--\n\n"
"L^-1 b by forward substitution, L lower triangular (m, m), b (m,) or\n"
"(m, p); a new array.  curve_fit's weighting by a covariance sigma.");

PyDoc_STRVAR(timespec_add_doc,
"timespec_add(sec, nsec, ns)\n"
"--\n\n"
"(sec, nsec) + ns nanoseconds, normalised to 0 <= nsec < 1e9: the deadline\n"
"arithmetic of the compiled batch's watcher.  Private, for the tests.");

PyDoc_STRVAR(enorm_doc,
"enorm(vector)\n"
"--\n\n"
"MINPACK's Euclidean norm of a contiguous 1-D float64 array.");

static PyMethodDef minpack_methods[] = {
    {"lmdif", pm_lmdif, METH_VARARGS, lmdif_doc},
    {"lmder", pm_lmder, METH_VARARGS, lmder_doc},
    {"hybrd", pm_hybrd, METH_VARARGS, hybrd_doc},
    {"hybrd_batch_compiled", pm_hybrd_batch_compiled, METH_VARARGS,
     hybrd_batch_compiled_doc},
    {"lmstr", pm_lmstr, METH_VARARGS, lmstr_doc},
    {"hybrj", pm_hybrj, METH_VARARGS, hybrj_doc},
    {"bounds_start", pm_bounds_start_point, METH_VARARGS, bounds_start_doc},
    {"residual_vector", pm_residual_vector, METH_VARARGS, residual_vector_doc},
    {"first_nonfinite", pm_first_nonfinite, METH_O, first_nonfinite_doc},
    {"covariance", pm_covariance, METH_VARARGS, covariance_doc},
    {"batch_compiled", pm_batch_compiled, METH_VARARGS, batch_compiled_doc},
    {"enorm", pm_enorm, METH_O, enorm_doc},
    {"timespec_add", pm_timespec_add_py, METH_VARARGS, timespec_add_doc},
    {"solve_lower", pm_solve_lower, METH_VARARGS, solve_lower_doc},
    {"batch_vectorized", pm_batch_vectorized, METH_VARARGS,
     batch_vectorized_doc},
    {"capsule_address", pm_capsule_address, METH_O, capsule_address_doc},
    {"chkder_point", pm_chkder_point, METH_O, chkder_point_doc},
    {"chkder_err", pm_chkder_err, METH_VARARGS, chkder_err_doc},
    {NULL, NULL, 0, NULL},
};

static int
minpack_exec(PyObject *module)
{
    if (PyArray_ImportNumPyAPI() < 0) {
        return -1;
    }
    /* The machine epsilon MINPACK itself uses (netlib dpmpar.f, IEEE). */
    const int epsilon_index = 1;
    PyObject *epsilon = PyFloat_FromDouble(dpmpar_(&epsilon_index));
    int status = PyModule_AddObjectRef(module, "DPMPAR_EPSILON", epsilon);
    Py_XDECREF(epsilon);
    return status;
}

static PyModuleDef_Slot minpack_slots[] = {
    {Py_mod_exec, minpack_exec},
    {0, NULL},
};

static struct PyModuleDef minpack_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "pyminpack._minpack",
    .m_doc = "The netlib MINPACK Levenberg-Marquardt routines lmdif and lmder,\n"
             "called back into Python.  Private: use pyminpack.leastsq.",
    .m_size = 0,
    .m_methods = minpack_methods,
    .m_slots = minpack_slots,
};

PyMODINIT_FUNC
PyInit__minpack(void)
{
    return PyModuleDef_Init(&minpack_module);
}
