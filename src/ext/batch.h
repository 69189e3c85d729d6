/*
 * The compiled-callback engine behind leastsq(compiled func),
 * leastsq_batch, fsolve(compiled func) and fsolve_batch: many items (fits,
 * systems) on a pool of C threads (batch.c).
 */
#ifndef PYMINPACK_BATCH_H
#define PYMINPACK_BATCH_H

#include "compiled.h"
#include "numpy_api.h"

#include <stdatomic.h>

/*
 * What a batch runs.  Each item is run by one thread from start to end and
 * writes only its own rows of the results, so nothing depends on the
 * number of threads.  Every thread has a scratch of its own.
 */
typedef struct {
    /* A thread's scratch for `problem`'s items, or NULL (out of memory). */
    void *(*scratch_new)(const void *problem);
    void (*scratch_free)(void *scratch);
    /*
     * Run item k to its end and store its results: 0; or, once it finds
     * the batch cancelled (the problem's cancel flag, or `poll`, NULL in a
     * worker thread, returning non-zero), leave it unstored: non-zero.
     */
    int (*run)(const void *problem, void *scratch, long k, pm_poll *poll);
} pm_batch_kind;

/*
 * Run items 0..count-1 of `problem` on `threads` threads, the GIL
 * released, the calling thread polling every 50 ms for Ctrl-C and
 * progress(done, count).  `cancel` is the flag the problem's items watch;
 * the engine sets it to stop them.  `problem` must not live on the calling
 * thread's C stack (greenlets may move it while workers run).  `who` names
 * the public function in errors.  Returns the number of items done, or -1
 * with an exception set.
 */
long pm_batch_run(const pm_batch_kind *kind, const void *problem,
                  atomic_int *cancel, long count, int threads,
                  PyObject *progress, const char *who);

PyObject *pm_batch_compiled(PyObject *module, PyObject *args);

#endif /* PYMINPACK_BATCH_H */
