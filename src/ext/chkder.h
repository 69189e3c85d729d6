/*
 * CHKDER's two modes as pyminpack._minpack functions (chkder.c).
 */
#ifndef PYMINPACK_CHKDER_H
#define PYMINPACK_CHKDER_H

#include "numpy_api.h"

/* chkder_point(x) -> xp: the nearby point at which func must be evaluated. */
PyObject *pm_chkder_point(PyObject *module, PyObject *x);
/* chkder_err(x, fvec, fjac (n, m), fvecp) -> err (m,) in [0, 1]. */
PyObject *pm_chkder_err(PyObject *module, PyObject *args);

#endif /* PYMINPACK_CHKDER_H */
