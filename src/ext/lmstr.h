/*
 * The lmstr entry point of pyminpack._minpack (leastsq with Dfun_row).
 */
#ifndef PYMINPACK_LMSTR_H
#define PYMINPACK_LMSTR_H

#include "numpy_api.h"

PyObject *pm_lmstr(PyObject *module, PyObject *args);

#endif /* PYMINPACK_LMSTR_H */
