/*
 * The lmdif and lmder entry points of pyminpack._minpack.
 */
#ifndef PYMINPACK_LM_H
#define PYMINPACK_LM_H

#include "numpy_api.h"

PyObject *pm_lmdif(PyObject *module, PyObject *args);
PyObject *pm_lmder(PyObject *module, PyObject *args);
PyObject *pm_bounds_start_point(PyObject *module, PyObject *args);
PyObject *pm_residual_vector(PyObject *module, PyObject *args);
PyObject *pm_first_nonfinite(PyObject *module, PyObject *vector);
PyObject *pm_covariance(PyObject *module, PyObject *args);
PyObject *pm_enorm(PyObject *module, PyObject *vector);
PyObject *pm_capsule_address(PyObject *module, PyObject *capsule);  /* address.c */

#endif /* PYMINPACK_LM_H */
