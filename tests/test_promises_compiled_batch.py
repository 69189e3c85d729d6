"""Promises of the compiled batch engine that only failed, refused, stopped
or concurrent fits show: what cov_x and success say for each ier, that two
threads really run two fits at once, progress while the fits run, workers
joined, check_finite up to the last residual, a residual refused as the
Jacobian, and no callback after a stop.

Each of these was planted as a defect in a scratch copy of the engine and
seen to fail here (see the commit that added this file)."""

import ctypes
import gc
import math
import os
import threading
import time

import numpy as np
import pytest

from numba import carray, cfunc

from compiled_problems import (M, VOID_RESIDUAL_SIG, X0, decay, decay_jac,
                               decay_py, decay_rows, decay_sleeping,
                               sleeping_rows)
from pyminpack import _compiled, leastsq, leastsq_batch
from pyminpack._leastsq import NonFiniteInputError
from sanitizer import SANITIZED
from test_leaks import frozen_heap

ROWS = decay_rows(8, seed=1)
CALLS, AFTER, FLAG = 2 * M + 1, 2 * M + 2, 2 * M + 3  # sleeping_rows' tail


def solo(k, rows=ROWS, **options):
    return leastsq(decay_py, X0, args=(rows[k],), full_output=True,
                   **options)


# --- cov_x and success, by ier ------------------------------------------------

@pytest.mark.parametrize("options, iers", [
    (dict(gtol=0.1), {4}),
    (dict(maxfev=6), {5}),
    (dict(ftol=0.0, xtol=0.0, gtol=0.0), {6, 7}),
])
@pytest.mark.parametrize("threads", [1, 2])
def test_cov_x_and_success_follow_ier(options, iers, threads):
    # ier 4 (gtol) converged: success, and leastsq's cov_x; ier 5-7 did
    # not: cov_x all NaN, as leastsq's None.
    result = leastsq_batch(decay, X0, data=ROWS, m=M, threads=threads,
                           **options)
    assert set(result.ier.tolist()) == iers
    for k in range(len(ROWS)):
        x, cov_x, info, mesg, ier = solo(k, **options)
        assert result.ier[k] == ier
        np.testing.assert_array_equal(result.x[k], x)
        if ier == 4:
            assert result.success[k]
            np.testing.assert_array_equal(result.cov_x[k], cov_x)
        else:
            assert not result.success[k] and cov_x is None
            assert np.isnan(result.cov_x[k]).all()


# ier 8 (gtol=0 too small) needs a gradient cosine in (0, eps]: residuals
# (x0 - 1, x1 - 2, 100) from one ulp beside the solution.
@cfunc(VOID_RESIDUAL_SIG)
def offset(m, n, xp, fp, up):
    x = carray(xp, (n,))
    f = carray(fp, (m,))
    f[0] = x[0] - 1.0
    f[1] = x[1] - 2.0
    f[2] = 100.0
    return 0


def offset_py(x):
    return np.array([x[0] - 1.0, x[1] - 2.0, 100.0])


OFFSET_STARTS = np.array([[1.0 + 2**-52, 2.0], [1.0, 2.0 + 2**-51],
                          [1.0 + 2**-52, 2.0 - 2**-51]])


@pytest.mark.parametrize("threads", [1, 2])
def test_cov_x_is_nan_for_ier_8(threads):
    options = dict(ftol=0.0, xtol=0.0, gtol=0.0)
    result = leastsq_batch(offset, OFFSET_STARTS, m=3, threads=threads,
                           **options)
    for k, start in enumerate(OFFSET_STARTS):
        x, cov_x, info, mesg, ier = leastsq(offset_py, start,
                                            full_output=True, **options)
        assert ier == result.ier[k] == 8 and cov_x is None
        np.testing.assert_array_equal(result.x[k], x)
        assert not result.success[k] and np.isnan(result.cov_x[k]).all()


# --- two threads run two fits at once -------------------------------------------

RESIDUAL_PROTOTYPE = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.POINTER(ctypes.c_double),
    ctypes.POINTER(ctypes.c_double), ctypes.c_void_p)


def rendezvous_residual(parties, failures):
    """decay in Python behind a C function pointer, whose first call in
    each fit waits (up to 20 s) until `parties` fits are inside at once."""
    barrier = threading.Barrier(parties)
    arrived = set()

    def residual(m, n, x, f, user_data):
        try:
            if user_data not in arrived:
                arrived.add(user_data)
                barrier.wait(timeout=20)
            row = np.ctypeslib.as_array(
                ctypes.cast(user_data, ctypes.POINTER(ctypes.c_double)),
                (2 * m,))
            for i in range(m):
                f[i] = x[0] * math.exp(-x[1] * row[i]) + x[2] - row[m + i]
            return 0
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            failures.append(exc)
            return 1
    return RESIDUAL_PROTOTYPE(residual)


@pytest.mark.parametrize("threads", [2, 3])
def test_threads_run_that_many_fits_at_once(threads):
    # Each fit's first evaluation waits for the others: with fewer fits
    # really in flight, the barrier would time out and the fits stop.
    failures = []
    func = rendezvous_residual(threads, failures)
    rows = ROWS[:threads]
    result = leastsq_batch(func, X0, data=rows, m=M, threads=threads)
    assert failures == []
    for k in range(threads):
        x, cov_x, info, mesg, ier = solo(k, rows)
        assert result.ier[k] == ier and result.status[k] == 0
        np.testing.assert_array_equal(result.x[k], x)


# --- progress while the fits run ------------------------------------------------

@pytest.mark.parametrize("threads", [1, 2])
def test_progress_counts_fits_while_they_run(threads):
    rows = sleeping_rows(ROWS, 5_000)  # about 0.1 s a fit
    reports = []
    leastsq_batch(decay_sleeping, X0, data=rows, m=M, threads=threads,
                  progress=lambda done, total: reports.append((done, total)))
    done = [d for d, _ in reports]
    assert {total for _, total in reports} == {len(rows)}
    assert any(0 < d < len(rows) for d in done)  # some done, some not yet
    assert done == sorted(done) and done[-1] == len(rows)


# --- every worker joined ----------------------------------------------------------

def live_threads():
    return len(os.listdir("/proc/self/task"))


def live_threads_settled(expected, seconds=2.0):
    """live_threads(), read again until it is `expected` or `seconds` have
    passed: a thread pthread_join has returned for is still listed in
    /proc/self/task until the kernel has released it, which on a busy
    machine (CI runs other suites beside this one) can come a moment later.
    A worker left running stays listed; one that ended without being
    joined leaves its stack mapped (the test's second check)."""
    deadline = time.monotonic() + seconds
    count = live_threads()
    while count != expected and time.monotonic() < deadline:
        time.sleep(0.001)
        count = live_threads()
    return count


def mappings():
    with open("/proc/self/maps") as maps:
        return sum(1 for _ in maps)


@pytest.mark.skipif(not os.path.isdir("/proc/self/task"),
                    reason="counts threads in /proc")
def test_every_worker_is_joined():
    # After each batch no worker is left running; after hundreds, no
    # thread's stack is left mapped (an exited thread that nobody joined
    # keeps its stack, two mappings with its guard page).
    rows = ROWS[:4]
    leastsq_batch(decay, X0, data=rows, m=M, threads=4)  # warm-up
    threads, maps = live_threads(), mappings()
    for _ in range(300):
        leastsq_batch(decay, X0, data=rows, m=M, threads=4)
        assert live_threads_settled(threads) == threads
    # 1,200 workers ran: 2,400 mappings if their stacks were kept; malloc
    # arenas for new threads may add a few dozen.
    assert mappings() - maps < 200


# --- check_finite up to the last residual ---------------------------------------

@pytest.mark.parametrize("threads", [1, 2])
def test_check_finite_sees_the_last_residual(threads):
    rows = ROWS.copy()
    rows[3, 2 * M - 1] = np.nan  # y[m-1] of fit 3: f(x0)[m-1] only
    with pytest.raises(NonFiniteInputError,
                       match=rf"entry {M - 1} of fit 3 is not \(1 fits"):
        leastsq_batch(decay, X0, data=rows, m=M, threads=threads)
    with pytest.raises(ValueError, match=rf"entry {M - 1} is nan"):
        leastsq(decay, X0, args=(rows[3],), m=M)


# --- a residual function is not a Jacobian -------------------------------------

def capsule(address, name):
    new = ctypes.pythonapi.PyCapsule_New
    new.restype = ctypes.py_object
    new.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p]
    return new(address, name, None)


@pytest.mark.parametrize("kind", ["cfunc", "ctypes", "capsule",
                                  "LowLevelCallable"])
def test_a_residual_signature_is_refused_as_dfun(kind):
    # MINPACK would call it with one more argument (ldfjac) than it takes,
    # and read user_data from a register it never set.
    import scipy
    residual = {
        "cfunc": lambda: decay, "ctypes": lambda: decay.ctypes,
        "capsule": lambda: capsule(decay.address,
                                   b"int (int m, int n, const double *x, "
                                   b"double *fvec, void *user_data)"),
        "LowLevelCallable": lambda: scipy.LowLevelCallable(decay.ctypes),
    }[kind]()
    pattern = (r"a compiled Dfun must have the C signature int jac\(int m, "
               r"int n, const double \*x, double \*fjac, int ldfjac, void "
               r"\*user_data\)")
    with pytest.raises(TypeError, match=pattern):  # refused, never run
        _compiled.resolve(residual, "Dfun")
    with pytest.raises(TypeError, match=pattern):
        leastsq_batch(decay, X0, Dfun=residual, data=ROWS, m=M)
    with pytest.raises(TypeError, match=pattern):
        leastsq(decay, X0, args=(ROWS[0],), Dfun=residual, m=M)
    leastsq_batch(decay, X0, Dfun=decay_jac, data=ROWS, m=M)  # the real one


# --- no callback after a stop ----------------------------------------------------

@pytest.mark.parametrize("threads", [1, 2])
def test_no_evaluation_after_progress_raises(threads):
    rows = sleeping_rows(ROWS, 5_000)
    reports = []

    def progress(done, total):
        reports.append(done)
        if len(reports) == 2:
            rows[:, FLAG] = 1.0  # count the evaluations from here on
            raise RuntimeError("enough")
    with pytest.raises(RuntimeError, match="enough"):
        leastsq_batch(decay_sleeping, X0, data=rows, m=M, threads=threads,
                      progress=progress)
    assert len(reports) == 2  # progress is not called again either
    # The calling thread stops before its next evaluation; a worker may
    # start one (or two: the one it had decided on, the one after) before
    # the stop reaches it, none once it has.
    assert rows[:, AFTER].sum() <= (0 if threads == 1 else 2 * threads)
    calls = rows[:, CALLS].sum()
    time.sleep(0.1)
    assert rows[:, CALLS].sum() == calls


# --- the batch's own memory ------------------------------------------------------

SLOW_ROWS = sleeping_rows(decay_rows(64, seed=2), 2_000)  # > 50 ms


def fails_in_progress(threads):
    """A batch stopped by its progress callback, at the first poll: the
    C engine's error path (a batch done before its first poll would end
    normally, and progress raise only afterwards, from Python)."""
    calls = []

    def progress(done, total):
        calls.append(done)
        raise RuntimeError("stop")
    with pytest.raises(RuntimeError, match="stop"):
        leastsq_batch(decay_sleeping, X0, data=SLOW_ROWS, m=M,
                      threads=threads, progress=progress)
    assert calls[0] < len(SLOW_ROWS)  # raised during the run


# (path, calls a window)
BATCH_PATHS = {
    "fits, 1 thread": (lambda: leastsq_batch(decay, X0, data=ROWS[:2], m=M,
                                             threads=1), 150),
    "fits, 2 threads": (lambda: leastsq_batch(decay, X0, data=ROWS[:2],
                                              m=M, threads=2), 150),
    "no fits": (lambda: leastsq_batch(decay, np.empty((0, 3)),
                                      data=ROWS[:0], m=M), 150),
    "progress raises, 1 thread": (lambda: fails_in_progress(1), 25),
    "progress raises, 2 threads": (lambda: fails_in_progress(2), 25),
}


@pytest.mark.skipif(SANITIZED, reason="ASan's quarantine holds memory")
@pytest.mark.parametrize("path", list(BATCH_PATHS))
def test_the_batch_state_is_freed_on_every_path(path):
    # The state the workers share is allocated for each call (on the heap,
    # not the stack): it must be freed however the call ends.  tracemalloc
    # sees the extension's PyMem_Raw allocations.
    import tracemalloc
    run, calls = BATCH_PATHS[path]
    for _ in range(3):
        run()
    # (frozen: the collections walk only what this test allocates; see
    # test_leaks.py)
    with frozen_heap():
        tracemalloc.start()
        try:
            growth = []
            for _ in range(3):
                # A full collection empties the free lists (of tuples, say),
                # which would otherwise keep what one call freed counted.
                gc.collect()
                before = tracemalloc.get_traced_memory()[0]
                for _ in range(calls):
                    run()
                gc.collect()
                growth.append(tracemalloc.get_traced_memory()[0] - before)
        finally:
            tracemalloc.stop()
    # A leaked batch (a few hundred bytes) a call: over 10 kB a window.
    assert sorted(growth)[1] < 4096, growth
