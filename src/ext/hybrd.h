/*
 * The hybrd and hybrj entry points of pyminpack._minpack (fsolve).
 */
#ifndef PYMINPACK_HYBRD_H
#define PYMINPACK_HYBRD_H

#include "numpy_api.h"

PyObject *pm_hybrd(PyObject *module, PyObject *args);
PyObject *pm_hybrj(PyObject *module, PyObject *args);

#endif /* PYMINPACK_HYBRD_H */
