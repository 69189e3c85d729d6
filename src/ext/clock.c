/*
 * The clocks of the batch engine's polls (see clock.h).
 */
#include "clock.h"

struct timespec
pm_timespec_add(struct timespec t, int64_t ns)
{
    /* Whole seconds and nanoseconds apart, then one carry: the sum of two
       nanosecond counts below 1e9 is below 2e9. */
    int64_t nsec = (int64_t)t.tv_nsec + ns % 1000000000;
    t.tv_sec += (time_t)(ns / 1000000000 + nsec / 1000000000);
    t.tv_nsec = (long)(nsec % 1000000000);
    return t;
}

PyObject *
pm_timespec_add_py(PyObject *Py_UNUSED(module), PyObject *args)
{
    long long sec, ns;
    long nsec;
    if (!PyArg_ParseTuple(args, "LlL:timespec_add", &sec, &nsec, &ns)) {
        return NULL;
    }
    if (nsec < 0 || nsec >= 1000000000L || ns < 0) {
        PyErr_SetString(PyExc_ValueError, "_minpack: timespec_add needs "
                        "0 <= nsec < 1e9 and ns >= 0");
        return NULL;
    }
    struct timespec t = {.tv_sec = (time_t)sec, .tv_nsec = nsec};
    t = pm_timespec_add(t, (int64_t)ns);
    return Py_BuildValue("Ll", (long long)t.tv_sec, (long)t.tv_nsec);
}
