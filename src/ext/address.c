/*
 * The address inside a PyCapsule, for resolving compiled callbacks and
 * their user data (pyminpack/_compiled.py): a capsule's pointer can only
 * be read with its own name, which for a callback is its C signature.
 */
#include "lm.h"

PyObject *
pm_capsule_address(PyObject *Py_UNUSED(module), PyObject *capsule)
{
    if (!PyCapsule_CheckExact(capsule)) {
        PyErr_Format(PyExc_TypeError, "_minpack: expected a PyCapsule, not %s",
                     Py_TYPE(capsule)->tp_name);
        return NULL;
    }
    const char *name = PyCapsule_GetName(capsule);
    if (name == NULL && PyErr_Occurred()) {
        return NULL;
    }
    void *pointer = PyCapsule_GetPointer(capsule, name);
    if (pointer == NULL) {
        return NULL;  /* an invalid capsule: ValueError set */
    }
    return Py_BuildValue("(zK)", name, (unsigned long long)(uintptr_t)pointer);
}
