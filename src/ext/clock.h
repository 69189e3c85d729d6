/*
 * The clocks of the batch engine's polls (batch.c, compiled.c): a cheap
 * monotonic reading for "is a poll due?", asked at every evaluation, and
 * the absolute deadline pthread_cond_timedwait takes.
 */
#ifndef PYMINPACK_CLOCK_H
#define PYMINPACK_CLOCK_H

#include "numpy_api.h"

#include <time.h>

/*
 * Seconds on a monotonic clock.  Coarse where the system has one (Linux:
 * a few milliseconds of resolution, a few nanoseconds to read), which is
 * ample for a poll every 50 ms and cheap enough to read at every
 * evaluation of the user's function.
 */
double pm_monotonic_seconds(void);

/*
 * `t` plus `seconds` (>= 0, any size), normalised: 0 <= tv_nsec < 1e9.
 * pthread_cond_timedwait refuses (EINVAL) a deadline whose tv_nsec is out
 * of range, at once, so an unnormalised one makes a waiting loop spin.
 */
struct timespec pm_timespec_add(struct timespec t, double seconds);

/*
 * _minpack.timespec_add(sec, nsec, seconds) -> (sec, nsec): the above, for
 * the tests.  Private.
 */
PyObject *pm_timespec_add_py(PyObject *module, PyObject *args);

#endif /* PYMINPACK_CLOCK_H */
