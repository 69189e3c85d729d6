/*
 * The clocks of the batch engine's polls (see clock.h).
 */
#include "clock.h"

#include <math.h>

double
pm_monotonic_seconds(void)
{
    struct timespec t;
#ifdef CLOCK_MONOTONIC_COARSE
    clock_gettime(CLOCK_MONOTONIC_COARSE, &t);
#else
    clock_gettime(CLOCK_MONOTONIC, &t);
#endif
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

struct timespec
pm_timespec_add(struct timespec t, double seconds)
{
    /* Whole seconds and nanoseconds apart, then one carry: the sum of two
       nanosecond counts below 1e9 is below 2e9. */
    double whole = floor(seconds);
    long long nsec = (long long)t.tv_nsec
                     + llround((seconds - whole) * 1e9);
    t.tv_sec += (time_t)whole + (time_t)(nsec / 1000000000LL);
    t.tv_nsec = (long)(nsec % 1000000000LL);
    return t;
}

PyObject *
pm_timespec_add_py(PyObject *Py_UNUSED(module), PyObject *args)
{
    long long sec;
    long nsec;
    double seconds;
    if (!PyArg_ParseTuple(args, "Lld:timespec_add", &sec, &nsec, &seconds)) {
        return NULL;
    }
    if (nsec < 0 || nsec >= 1000000000L || !(seconds >= 0.0) ||
            seconds > 1e9) {
        PyErr_SetString(PyExc_ValueError, "_minpack: timespec_add needs "
                        "0 <= nsec < 1e9 and 0 <= seconds <= 1e9");
        return NULL;
    }
    struct timespec t = {.tv_sec = (time_t)sec, .tv_nsec = nsec};
    t = pm_timespec_add(t, seconds);
    return Py_BuildValue("Ll", (long long)t.tv_sec, (long)t.tv_nsec);
}
