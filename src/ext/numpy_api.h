/*
 * Include NumPy's C-API the same way in every file of the extension.
 *
 * NumPy's API is a table of function pointers filled in once, when the
 * module is imported (module.c defines PYMINPACK_IMPORTS_NUMPY and calls
 * PyArray_ImportNumPyAPI); every other file sees the same table through
 * PY_ARRAY_UNIQUE_SYMBOL.  It is written once and only read afterwards.
 */
#ifndef PYMINPACK_NUMPY_API_H
#define PYMINPACK_NUMPY_API_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* NPY_NO_DEPRECATED_API and NPY_TARGET_VERSION come from meson.build. */
#define PY_ARRAY_UNIQUE_SYMBOL pyminpack_ARRAY_API
#ifndef PYMINPACK_IMPORTS_NUMPY
#define NO_IMPORT_ARRAY
#endif
#include <numpy/arrayobject.h>

#endif /* PYMINPACK_NUMPY_API_H */
