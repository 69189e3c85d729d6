/*
 * Taking the exception being raised out of the thread state and putting it
 * back, as 3.12's PyErr_GetRaisedException and PyErr_SetRaisedException
 * do, on every Python version we support.
 */
#ifndef PYMINPACK_ERRORS_H
#define PYMINPACK_ERRORS_H

#include <Python.h>

/* The exception being raised, normalised, traceback attached; or NULL. */
static inline PyObject *
pm_take_exception(void)
{
#if PY_VERSION_HEX >= 0x030C0000
    return PyErr_GetRaisedException();
#else
    PyObject *type, *value, *traceback;
    PyErr_Fetch(&type, &value, &traceback);
    if (type == NULL) {
        return NULL;
    }
    PyErr_NormalizeException(&type, &value, &traceback);
    if (traceback != NULL) {
        PyException_SetTraceback(value, traceback);
    }
    Py_DECREF(type);
    Py_XDECREF(traceback);
    return value;
#endif
}

/* Raise `exc` again, stealing the reference. */
static inline void
pm_restore_exception(PyObject *exc)
{
#if PY_VERSION_HEX >= 0x030C0000
    PyErr_SetRaisedException(exc);
#else
    PyErr_Restore(Py_NewRef((PyObject *)Py_TYPE(exc)), exc,
                  PyException_GetTraceback(exc));
#endif
}

#endif /* PYMINPACK_ERRORS_H */
