/*
 * The compiled-callback engine behind fsolve(compiled func) and
 * fsolve_batch: many hybrd/hybrj systems on a pool of C threads.
 */
#ifndef PYMINPACK_HYBRD_BATCH_H
#define PYMINPACK_HYBRD_BATCH_H

#include "numpy_api.h"

PyObject *pm_hybrd_batch_compiled(PyObject *module, PyObject *args);

#endif /* PYMINPACK_HYBRD_BATCH_H */
