"""leastsq_batch: compiled fits on C threads and plain Python fits, each
the bits of leastsq on that fit alone; per-fit failures; bad input;
progress and Ctrl-C."""

import os
import signal
import threading
import time

import numpy as np
import pytest

from compiled_problems import (M, X0, decay, decay_fixed, decay_fixed_py,
                               decay_jac, decay_jac_py, decay_py, decay_rows,
                               decay_sleeping, decay_stopping, sleeping_rows,
                               stopping_rows)
from pyminpack import (BatchResult, _compiled, _minpack, leastsq,
                       leastsq_batch)
from pyminpack._leastsq import NonFiniteInputError

ROWS = decay_rows(40, seed=1)


def solo(k, rows=ROWS, jac=False, x0=X0, **options):
    return leastsq(decay_py, x0, args=(rows[k],),
                   Dfun=decay_jac_py if jac else None, full_output=True,
                   **options)


def assert_fit_is_solo(result, k, expected, full_output=False):
    x, cov_x, info, mesg, ier = expected
    assert result.ier[k] == ier
    np.testing.assert_array_equal(result.x[k], x)
    assert result.nfev[k] == info["nfev"]
    if "njev" in info:
        assert result.njev[k] == info["njev"]
    assert result.message(k) == mesg
    assert result.success[k] == (ier in (1, 2, 3, 4))
    if cov_x is None:
        assert np.isnan(result.cov_x[k]).all()
    else:
        np.testing.assert_array_equal(result.cov_x[k], cov_x)
    # MINPACK's enorm of the final residuals, to the bit (and a norm).
    assert result.fnorm[k] == _minpack.enorm(info["fvec"])
    np.testing.assert_allclose(result.fnorm[k], np.linalg.norm(info["fvec"]),
                               rtol=1e-14)
    if full_output:
        for key in ("fvec", "fjac", "ipvt", "qtf"):
            np.testing.assert_array_equal(getattr(result, key)[k], info[key])


@pytest.mark.parametrize("threads", [1, 2, 3, 64])
@pytest.mark.parametrize("jac", [False, True])
def test_compiled_batch_fit_k_is_leastsq_on_fit_k(threads, jac):
    result = leastsq_batch(decay, X0, Dfun=decay_jac if jac else None,
                           data=ROWS, m=M, threads=threads, full_output=True)
    assert isinstance(result, BatchResult) and len(result) == len(ROWS)
    for k in range(len(ROWS)):
        assert_fit_is_solo(result, k, solo(k, jac=jac), full_output=True)
    assert (result.njev is not None) == jac


def test_compiled_batch_is_independent_of_threads_and_size():
    rows = decay_rows(700, seed=2)
    one = leastsq_batch(decay, X0, data=rows, m=M, threads=1)
    two = leastsq_batch(decay, X0, data=rows, m=M, threads=2)
    part = leastsq_batch(decay, X0, data=rows[350:], m=M, threads=2)
    for name in ("x", "ier", "nfev", "fnorm", "cov_x"):
        np.testing.assert_array_equal(getattr(one, name), getattr(two, name))
        np.testing.assert_array_equal(getattr(one, name)[350:],
                                      getattr(part, name))


def test_per_fit_starts_and_diag():
    rng = np.random.default_rng(5)
    starts = X0 + 0.1 * rng.random((len(ROWS), 3))
    diags = 1.0 + rng.random((len(ROWS), 3))
    result = leastsq_batch(decay, starts, data=ROWS, m=M, diag=diags)
    for k in range(len(ROWS)):
        assert_fit_is_solo(result, k, solo(k, x0=starts[k], diag=diags[k]))
    shared = leastsq_batch(decay, starts, data=ROWS, m=M, diag=diags[0])
    for k in range(0, len(ROWS), 7):
        assert_fit_is_solo(shared, k, solo(k, x0=starts[k], diag=diags[0]))


def test_plain_python_batch_is_leastsq_in_a_loop():
    result = leastsq_batch(decay_py, X0, data=ROWS, full_output=True)
    for k in range(len(ROWS)):
        assert_fit_is_solo(result, k, solo(k), full_output=True)
    with_jac = leastsq_batch(decay_py, X0, Dfun=decay_jac_py, data=(ROWS,))
    for k in range(0, len(ROWS), 5):
        assert_fit_is_solo(with_jac, k, solo(k, jac=True))


def test_plain_batch_failed_fits_have_nan_cov_x():
    # leastsq gives no cov_x (None) for a fit that failed, though MINPACK
    # left a factorised Jacobian: the batch's cov_x of such a fit is NaN,
    # and leastsq's cov_x for the others.
    import warnings
    starts = np.tile(X0, (len(ROWS), 1))
    starts[::2] = [40.0, 6.0, -3.0]           # far: these stop at maxfev
    result = leastsq_batch(decay_py, starts, data=ROWS, maxfev=30)
    failed = ~result.success
    assert failed.any() and result.success.any()
    assert (result.ier[failed] == 5).all()
    assert np.isnan(result.cov_x[failed]).all()
    for k in range(len(ROWS)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            x, cov_x, _, _, ier = solo(k, x0=starts[k], maxfev=30)
        np.testing.assert_array_equal(result.x[k], x)
        if ier == 5:
            assert cov_x is None
        else:
            np.testing.assert_array_equal(result.cov_x[k], cov_x)


def test_plain_batch_honours_each_fits_diag():
    # A small step bound (factor) from far away: the scaling decides the
    # path, so each fit must be leastsq with its own diag.
    rng = np.random.default_rng(16)
    diags = np.exp(rng.normal(size=(len(ROWS), 3)) * 1.5)
    start = np.array([20.0, 3.0, -2.0])
    options = dict(factor=0.1, maxfev=400)
    result = leastsq_batch(decay_py, start, data=ROWS, diag=diags, **options)
    differs = 0
    for k in range(len(ROWS)):
        assert_fit_is_solo(result, k, solo(k, x0=start, diag=diags[k],
                                           **options))
        plain = solo(k, x0=start, **options)[0]
        differs += plain.tobytes() != result.x[k].tobytes()
    assert differs == len(ROWS)


def test_plain_and_compiled_batches_agree_to_the_bit():
    plain = leastsq_batch(decay_py, X0, data=ROWS)
    compiled = leastsq_batch(decay, X0, data=ROWS, m=M, threads=2)
    for name in ("x", "ier", "nfev", "fnorm", "cov_x", "status"):
        np.testing.assert_array_equal(getattr(plain, name),
                                      getattr(compiled, name))


def test_plain_batch_passes_shared_args_then_data_rows():
    seen = []

    def func(x, scale, row, label):
        seen.append((scale, label))
        return decay_py(x, row) * scale
    labels = np.arange(3)
    result = leastsq_batch(func, X0, args=(2.0,), data=(ROWS[:3], labels))
    assert {s for s, _ in seen} == {2.0}
    assert sorted({int(label) for _, label in seen}) == [0, 1, 2]
    assert result.success.all()


@pytest.mark.parametrize("kind", ["compiled", "plain"])
def test_zero_fits(kind):
    func = decay if kind == "compiled" else decay_py
    result = leastsq_batch(func, np.empty((0, 3)), data=ROWS[:0], m=M,
                           full_output=True)
    assert len(result) == 0
    assert result.x.shape == (0, 3) and result.cov_x.shape == (0, 3, 3)
    assert result.ier.shape == result.nfev.shape == (0,)


def test_one_fit():
    result = leastsq_batch(decay, X0[None], data=ROWS[:1], m=M)
    assert_fit_is_solo(result, 0, solo(0))


# --- fits that fail, and fits that stop -----------------------------------------

def test_a_callback_stopping_some_fits_leaves_the_others():
    limits = np.where(np.arange(len(ROWS)) % 3 == 0, 6, 0)  # 0: never
    rows = stopping_rows(ROWS, 0, 9)
    rows[:, 2 * M + 1] = limits
    result = leastsq_batch(decay_stopping, X0, data=rows, m=M, threads=2)
    for k in range(len(ROWS)):
        if limits[k]:
            assert result.ier[k] == -1 and result.status[k] == 9
            assert not result.success[k]
            assert np.isnan(result.cov_x[k]).all()
            assert result.message(k).startswith("func returned 9 (not 0)")
        else:
            assert result.status[k] == 0
            assert_fit_is_solo(result, k, solo(k))


def test_failed_fits_are_reported_not_raised():
    result = leastsq_batch(decay, X0, data=ROWS, m=M, maxfev=4)
    assert (result.ier == 5).all() and not result.success.any()
    assert result.message(-1) == ("Number of calls to function has reached "
                                  "maxfev = 4.")
    improper = leastsq_batch(decay, X0, data=ROWS, m=M, ftol=-1.0)
    assert (improper.ier == 0).all() and (improper.nfev == 0).all()
    assert improper.message(0) == "Improper input parameters."



@pytest.mark.parametrize("check_finite", [True, False])
def test_a_fit_minpack_refuses_keeps_zeros_in_every_engine(check_finite):
    # A 0 in fit 1's diag: MINPACK returns ier 0 before evaluating func,
    # leaving fvec as it found it.  leastsq reports zeros there (not
    # f(x0), which check_finite computed beforehand), so every engine
    # reports fvec 0 and fnorm 0 for such a fit.
    rows = ROWS[:3]
    diag = np.ones((3, 3))
    diag[1, 1] = 0.0
    options = dict(data=rows, diag=diag, check_finite=check_finite,
                   full_output=True)

    def vectorized(X, R):
        return np.array([decay_py(x, r) for x, r in zip(X, R)])
    results = {
        "compiled": leastsq_batch(decay, X0, m=M, threads=2, **options),
        "plain": leastsq_batch(decay_py, X0, **options),
        "vectorized": leastsq_batch(vectorized, X0, vectorized=True,
                                    **options),
    }
    solo_python = leastsq(decay_py, X0, args=(rows[1],), diag=diag[1],
                          full_output=True, check_finite=check_finite)
    solo_compiled = leastsq(decay, X0, args=(rows[1],), diag=diag[1], m=M,
                            full_output=True, check_finite=check_finite)
    for solo_fit in (solo_python, solo_compiled):
        assert solo_fit[4] == 0
        assert not solo_fit[2]["fvec"].any()
    for kind, result in results.items():
        assert list(result.ier) == [1, 0, 1], kind
        assert result.fnorm[1] == 0.0, kind
        assert not result.fvec[1].any(), kind
        np.testing.assert_array_equal(result.x[1], X0)
        for name in ("x", "ier", "nfev", "fnorm", "cov_x", "fvec", "fjac",
                     "ipvt", "qtf"):
            np.testing.assert_array_equal(getattr(result, name),
                                          getattr(results["plain"], name),
                                          err_msg=f"{kind}: {name}")

def test_non_finite_data_names_the_first_fit():
    rows = ROWS.copy()
    rows[7, M + 2] = np.nan
    rows[9, M] = np.inf
    with pytest.raises(ValueError, match=r"func\(x0\) must be finite, but "
                       r"entry 2 of fit 7 is not \(2 fits"):
        leastsq_batch(decay, X0, data=rows, m=M, threads=2)
    starts = np.tile(X0, (len(ROWS), 1))
    starts[4, 1] = np.nan
    with pytest.raises(ValueError, match=r"entry 1 of fit 4 is nan"):
        leastsq_batch(decay, starts, data=ROWS, m=M)
    result = leastsq_batch(decay, X0, data=rows, m=M, check_finite=False)
    assert result.success[0] and not result.success[7]


def test_python_exception_names_the_fit():
    def func(x, row):
        if row[M] == ROWS[5, M]:
            raise ZeroDivisionError("bad row")
        return decay_py(x, row)
    with pytest.raises(ZeroDivisionError, match="bad row") as caught:
        leastsq_batch(func, X0, data=ROWS)
    assert "in fit 5 of 40 (leastsq_batch)" in caught.value.__notes__


# --- bad input -------------------------------------------------------------------

@pytest.mark.parametrize("call, error, pattern", [
    (lambda: leastsq_batch(decay, X0, m=M), ValueError,
     r"x0 of shape \(3,\) is one start; give data"),
    (lambda: leastsq_batch(decay, np.ones((5, 3)), data=ROWS, m=M),
     ValueError, r"data\[0\] has shape \(40, 60\), but x0 of shape \(5, 3\) "
                 r"gives 5 fits"),
    (lambda: leastsq_batch(decay, X0, data=ROWS, m=M, diag=np.ones((3, 3))),
     ValueError, r"diag must have shape \(3,\) or \(40, 3\), not \(3, 3\)"),
    (lambda: leastsq_batch(decay, X0, data=ROWS, m=M,
                           diag=[1.0, np.nan, 1.0]),
     ValueError, r"diag must be finite"),
    (lambda: leastsq_batch(decay, X0, data=np.asfortranarray(ROWS), m=M),
     ValueError, r"must be C-contiguous"),
    (lambda: leastsq_batch(decay, X0, data=(ROWS, ROWS), m=M), TypeError,
     r"takes one data array"),
    (lambda: leastsq_batch(decay, X0, args=(ROWS[0],), data=ROWS, m=M),
     TypeError, r"not both"),
    (lambda: leastsq_batch(decay, X0, data=ROWS), TypeError,
     r"pass m="),
    (lambda: leastsq_batch(decay, X0, data=ROWS, m=M, threads=0),
     ValueError, r"threads must be between 1"),
    (lambda: leastsq_batch(decay_py, X0, data=ROWS, threads=2), ValueError,
     r"threads applies to compiled callbacks"),
    (lambda: leastsq_batch(lambda X, rows: decay_py(X[0], rows[0]), X0,
                           data=ROWS, vectorized=True),
     ValueError, r"a vectorized func must return an array of shape \(k, m\)"),
    (lambda: leastsq_batch(decay_py, np.ones((2, 2, 3)), data=ROWS),
     ValueError, r"data\[0\] has shape \(\d+, \d+\), but x0 of shape "
     r"\(2, 2, 3\) gives fits of shape \(2, 2\)"),
    (lambda: leastsq_batch(decay_py, X0, data=ROWS, progress="yes"),
     TypeError, r"progress must be True, False or a callable"),
    (lambda: leastsq_batch(decay, X0, data=ROWS, m=M, Dfun=decay_jac,
                           col_deriv=True),
     ValueError, r"col_deriv does not apply"),
])
def test_bad_batch_input(call, error, pattern):
    with pytest.raises(error, match=pattern):
        call()



def capsule_of(function, name):
    import ctypes
    new = ctypes.pythonapi.PyCapsule_New
    new.restype = ctypes.py_object
    new.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p]
    return new(function.address, name, None)


@pytest.mark.parametrize("kind", ["cfunc", "ctypes", "capsule",
                                  "LowLevelCallable"])
@pytest.mark.parametrize("dtype", [np.float32, np.int64, ">f8"])
def test_data_of_another_dtype_than_the_declared_pointee(kind, dtype):
    # decay reads user_data as double *, and says so in its signature:
    # rows of another dtype would be read as garbage.
    import scipy
    func = {"cfunc": lambda: decay, "ctypes": lambda: decay.ctypes,
            "capsule": lambda: capsule_of(
                decay, b"int (int m, int n, const double *x, double *fvec, "
                       b"double *data)"),
            "LowLevelCallable": lambda: scipy.LowLevelCallable(
                decay.ctypes)}[kind]()
    rows = ROWS[:4].astype(dtype)
    with pytest.raises(TypeError, match=(
            r"^leastsq_batch: the compiled func takes user_data as a "
            r"pointer to float64 \(its declared signature says so\), so "
            r"data must have dtype float64, not ")):
        leastsq_batch(func, X0, data=rows, m=M)
    with pytest.raises(TypeError, match=r"compiled Dfun takes user_data"):
        leastsq_batch(decay_fixed, X0, Dfun=decay_jac, data=rows, m=M)
    assert_fit_is_solo(leastsq_batch(func, X0, data=ROWS[:4], m=M), 3,
                       solo(3))


def test_data_of_any_dtype_behind_a_void_pointer():
    # decay_fixed's user_data is void * (and unused): nothing to check.
    rows = np.zeros((3, 5), np.int16)
    result = leastsq_batch(decay_fixed, X0, data=rows, m=M)
    expected = leastsq(decay_fixed_py, X0, full_output=True)
    np.testing.assert_array_equal(result.x, np.tile(expected[0], (3, 1)))


def test_an_absurd_number_of_threads_is_capped():
    # 2**31 - 1 threads asked for: at most the fits (C), and at most four
    # per core (max_threads), are started.  Counted from the progress
    # callback while they run (each fit sleeps 5 ms an evaluation).
    cap = _compiled.max_threads()
    rows = sleeping_rows(decay_rows(cap + 8, seed=8), 5_000)
    before = len(os.listdir("/proc/self/task"))
    seen = []

    def progress(done, total):
        if done < total:
            seen.append(len(os.listdir("/proc/self/task")) - before)
    result = leastsq_batch(decay_sleeping, X0, data=rows, m=M,
                           threads=2**31 - 1, progress=progress)
    assert result.success.all()
    assert seen and 1 < max(seen) <= cap

# --- progress and Ctrl-C ------------------------------------------------------------

@pytest.mark.parametrize("func", [decay, decay_py], ids=["compiled", "plain"])
def test_progress_callable_ends_with_all_done(func):
    calls = []
    leastsq_batch(func, X0, data=ROWS, m=M,
                  progress=lambda done, total: calls.append((done, total)))
    assert calls[-1] == (len(ROWS), len(ROWS))
    assert all(total == len(ROWS) and 0 <= done <= total
               for done, total in calls)


def test_plain_progress_reports_the_end_once():
    # The last fit outlasts the reporting period (0.05 s): the periodic
    # report after it must not repeat the final (K, K).
    calls = []
    slept = []
    last = ROWS[-1, M]

    def slow_last(x, row):
        if row[M] == last and not slept:
            slept.append(True)
            time.sleep(0.06)
        return decay_py(x, row)
    leastsq_batch(slow_last, X0, data=ROWS,
                  progress=lambda done, total: calls.append((done, total)))
    count = len(ROWS)
    assert slept and calls[-1] == (count, count)
    assert calls.count((count, count)) == 1


def test_progress_true_writes_a_line_to_stderr(capsys, monkeypatch):
    import sys
    monkeypatch.setitem(sys.modules, "tqdm", None)  # the plain line
    leastsq_batch(decay, X0, data=ROWS, m=M, progress=True)
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.split("\r")[-1].startswith(f"leastsq_batch: {len(ROWS)}/"
                                          f"{len(ROWS)} fits, ")


def test_an_exception_in_progress_stops_the_batch():
    rows = decay_rows(1, seed=4).repeat(200_000, axis=0)

    def progress(done, total):
        if done < total:
            raise RuntimeError("enough")
    start = time.monotonic()
    with pytest.raises(RuntimeError, match="enough"):
        leastsq_batch(decay, X0, data=rows, m=M, threads=2,
                      progress=progress)
    assert time.monotonic() - start < 4.0


@pytest.mark.skipif(threading.current_thread() is not threading.main_thread(),
                    reason="signals are delivered to the main thread")
@pytest.mark.parametrize("threads", [1, 2])
def test_ctrl_c_stops_a_compiled_batch(threads, ctrl_c_raises):
    rows = decay_rows(1, seed=4).repeat(400_000, axis=0)  # ~10 s of fits
    timer = threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT))
    start = time.monotonic()
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            leastsq_batch(decay, X0, data=rows, m=M, threads=threads)
    finally:
        timer.cancel()
    assert time.monotonic() - start < 3.0



def interrupt_once_running(rows, calls_column, flag_column):
    """A thread that waits until func has been called twice, then sets
    every row's flag and sends SIGINT to this process."""
    def interrupt():
        while rows[:, calls_column].sum() < 2:
            time.sleep(0.005)
        rows[:, flag_column] = 1.0
        os.kill(os.getpid(), signal.SIGINT)
    return threading.Thread(target=interrupt)


@pytest.mark.skipif(threading.current_thread() is not threading.main_thread(),
                    reason="signals are delivered to the main thread")
@pytest.mark.parametrize("fits, threads", [(1, 1), (1, 2), (3, 1), (2, 2)])
def test_ctrl_c_stops_a_slow_compiled_func_at_its_next_evaluation(
        fits, threads, ctrl_c_raises):
    # A func that takes 60 ms an evaluation, longer than the 50 ms between
    # two polls: whoever runs the fits (the calling thread, with one
    # thread or one fit; or the workers, told by the watcher) must stop
    # at the next evaluation after the signal, not dozens later.
    rows = sleeping_rows(decay_rows(fits, seed=6), 60_000)
    calls, after, flag = 2 * M + 1, 2 * M + 2, 2 * M + 3
    interrupter = interrupt_once_running(rows, calls, flag)
    interrupter.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            leastsq_batch(decay_sleeping, X0, data=rows, m=M,
                          threads=threads)
    finally:
        interrupter.join()
    running = min(fits, threads)
    # Each thread running fits may finish the evaluation it was in and
    # start one more before the stop reaches it; a count of evaluations
    # between polls (64) would let a whole fit (21 here) run on.
    assert rows[:, after].sum() <= 2 * running
    total = rows[:, calls].sum()
    time.sleep(0.1)
    assert rows[:, calls].sum() == total  # and nothing runs afterwards


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_fork_in_progress_raises_in_the_child_and_not_in_the_parent():
    # The child of a fork() has the calling thread alone: a batch whose
    # fits run on worker threads cannot finish there.  It used to wait for
    # them forever; it raises RuntimeError in the child instead, and the
    # parent's batch goes on untouched.
    import warnings
    rows = sleeping_rows(decay_rows(6, seed=9), 5_000)
    forked = {}

    def progress(done, total):
        if done < total and not forked:
            with warnings.catch_warnings():  # 3.12: fork with threads
                warnings.simplefilter("ignore", DeprecationWarning)
                pid = os.fork()
            forked["child" if pid == 0 else "pid"] = pid
    try:
        result = leastsq_batch(decay_sleeping, X0, data=rows, m=M,
                               threads=2, progress=progress)
        outcome = 10
    except RuntimeError as exc:
        outcome = 11 if "fork() in the progress callback" in str(exc) else 12
    except BaseException:
        outcome = 13
    if "child" in forked:
        os._exit(outcome)  # the child never returns into pytest
    assert outcome == 10 and result.success.all()
    for _ in range(600):  # 30 s at most: the child used to hang
        pid, status = os.waitpid(forked["pid"], os.WNOHANG)
        if pid:
            break
        time.sleep(0.05)
    else:
        os.kill(forked["pid"], signal.SIGKILL)
        os.waitpid(forked["pid"], 0)
        pytest.fail("the forked child never ended")
    assert os.waitstatus_to_exitcode(status) == 11

# --- the watcher's deadline ---------------------------------------------------

@pytest.mark.parametrize("start, ns, deadline", [
    ((0, 0), 50_000_000, (0, 50_000_000)),
    ((7, 980_000_000), 50_000_000, (8, 30_000_000)),
    ((7, 999_999_999), 0, (7, 999_999_999)),
    ((7, 999_999_999), 1, (8, 0)),
    ((1, 500_000_000), 1_500_000_000, (3, 0)),
    ((10, 999_999_999), 2_500_000_000, (13, 499_999_999)),
    ((10, 200_000_000), 3600_250_000_000, (3610, 450_000_000)),
    ((10, 900_000_000), 100_000_000, (11, 0)),
    ((10, 900_000_000), 1_000_000_000, (11, 900_000_000)),
])
def test_the_watchers_deadline_is_normalised_for_any_period(start, ns,
                                                            deadline):
    # The compiled batch's watcher waits on a condition variable until
    # now + its poll period; a deadline whose nanoseconds reach 1e9 is
    # refused at once, and the watcher would spin instead of waiting.
    assert _minpack.timespec_add(*start, ns) == deadline


def test_a_plain_batch_names_the_fit_whose_start_residuals_are_not_finite():
    rows = ROWS[:6].copy()
    rows[4, M + 1] = np.nan
    with pytest.raises(NonFiniteInputError, match=r"func\(x0\)") as caught:
        leastsq_batch(decay_py, X0, data=rows)
    assert caught.value.fit == 4
    assert "in fit 4 of 6 (leastsq_batch)" in caught.value.__notes__


def test_a_low_level_callable_with_user_data_of_its_own_refuses_data():
    import ctypes

    import scipy
    row = ROWS[0].copy()
    own = scipy.LowLevelCallable(decay.ctypes,
                                 ctypes.c_void_p(row.ctypes.data))
    with pytest.raises(TypeError, match=r"the LowLevelCallable has user_data "
                                        r"of its own; fit k cannot also get "
                                        r"row k of data"):
        leastsq_batch(own, X0, data=ROWS[:4], m=M)


def test_a_vectorized_func_that_returns_two_rows_for_forty_fits():
    with pytest.raises(ValueError, match=r"a vectorized func must return an "
                                         r"array of shape \(k, m\) for k "
                                         r"fits; for 40 fits it returned "
                                         r"shape \(2, 60\)"):
        leastsq_batch(lambda X, rows: np.zeros((2, 60)), X0, data=ROWS,
                      vectorized=True)
