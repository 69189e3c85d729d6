/*
 * Forward substitution with a lower triangular matrix, for curve_fit's
 * covariance sigma (see triangular.c).
 */
#ifndef PYMINPACK_TRIANGULAR_H
#define PYMINPACK_TRIANGULAR_H

#include "numpy_api.h"

PyObject *pm_solve_lower(PyObject *module, PyObject *args);

#endif /* PYMINPACK_TRIANGULAR_H */
