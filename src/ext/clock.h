/*
 * The clocks of the batch engine's polls (batch.c, compiled.c): a cheap
 * monotonic reading for "is a poll due?", asked at every evaluation, and
 * the absolute deadline pthread_cond_timedwait takes.
 */
#ifndef PYMINPACK_CLOCK_H
#define PYMINPACK_CLOCK_H

#include "numpy_api.h"

#include <stdint.h>
#include <time.h>

/*
 * Nanoseconds on a monotonic clock.  Coarse where the system has one
 * (Linux: a few milliseconds of resolution, a few nanoseconds to read
 * through the vDSO), which is ample for a poll every 50 ms and cheap
 * enough to read at every evaluation of the user's function; inline, in
 * integers, for the same reason.
 */
static inline int64_t
pm_monotonic_ns(void)
{
    struct timespec t;
#ifdef CLOCK_MONOTONIC_COARSE
    clock_gettime(CLOCK_MONOTONIC_COARSE, &t);
#else
    clock_gettime(CLOCK_MONOTONIC, &t);
#endif
    return (int64_t)t.tv_sec * 1000000000 + (int64_t)t.tv_nsec;
}

/*
 * `t` plus `ns` nanoseconds (>= 0, any size, a second or more included),
 * normalised: 0 <= tv_nsec < 1e9.  pthread_cond_timedwait refuses (EINVAL)
 * a deadline whose tv_nsec is out of range, at once, so an unnormalised
 * one makes a waiting loop spin.
 */
struct timespec pm_timespec_add(struct timespec t, int64_t ns);

/*
 * _minpack.timespec_add(sec, nsec, ns) -> (sec, nsec): the above, for the
 * tests.  Private.
 */
PyObject *pm_timespec_add_py(PyObject *module, PyObject *args);

#endif /* PYMINPACK_CLOCK_H */
