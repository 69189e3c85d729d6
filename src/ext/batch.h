/*
 * The compiled-callback engine behind leastsq(compiled func) and
 * leastsq_batch: many fits on a pool of C threads (batch.c).
 */
#ifndef PYMINPACK_BATCH_H
#define PYMINPACK_BATCH_H

#include "numpy_api.h"

PyObject *pm_batch_compiled(PyObject *module, PyObject *args);

#endif /* PYMINPACK_BATCH_H */
