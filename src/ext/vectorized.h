/*
 * The vectorized batch (vectorized.c): each fit its own MINPACK on a
 * fiber, one call of the user's numpy func for all fits waiting.
 */
#ifndef PYMINPACK_VECTORIZED_H
#define PYMINPACK_VECTORIZED_H

#include "numpy_api.h"

PyObject *pm_batch_vectorized(PyObject *module, PyObject *args);

#endif /* PYMINPACK_VECTORIZED_H */
