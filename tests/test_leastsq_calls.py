"""Spec §3 and §10: how func and Dfun are called, errors, nesting, threads."""

import sys
import threading

import numpy as np
import pytest

from pyminpack import leastsq
from problems import BY_NAME, PROBLEMS


class Recorder:
    """A func or Dfun wrapper that keeps every x it was called with."""

    def __init__(self, function):
        self.function = function
        self.xs = []

    def __call__(self, x, *args):
        self.xs.append(x)
        return self.function(x, *args)


@pytest.mark.parametrize("problem", PROBLEMS, ids=lambda p: p.name)
@pytest.mark.parametrize("with_jacobian", [False, True])
def test_func_is_evaluated_once_at_x0_and_nfev_counts_every_call(
        problem, with_jacobian):
    func = Recorder(problem.func)
    jac = problem.jac if with_jacobian else None
    x, cov, info, mesg, ier = leastsq(func, problem.x0, problem.args, jac,
                                      full_output=True)
    at_x0 = [x for x in func.xs if np.array_equal(x, problem.x0)]
    assert len(at_x0) == 1
    assert len(func.xs) == info["nfev"]


def test_each_call_gets_a_fresh_array_it_may_keep_and_modify():
    p = BY_NAME["gaussian"]
    kept = []

    def vandal(x, *args):
        kept.append(x)
        result = p.func(x, *args)
        x[:] = 1e6  # must not reach the solver
        return result

    x, cov, info, mesg, ier = leastsq(vandal, p.x0, p.args, full_output=True)
    reference = leastsq(p.func, p.x0, p.args, full_output=True)
    assert np.array_equal(x, reference[0]) and ier == reference[4]
    assert len({id(a) for a in kept}) == len(kept)
    assert all(a.dtype == np.float64 and a.shape == (3,) for a in kept)
    assert all(np.all(a == 1e6) for a in kept)


def test_func_returning_the_same_buffer_every_time_works():
    p = BY_NAME["decay"]
    buffer = np.empty(30)

    def reuse(x, t, y):
        buffer[:] = p.func(x, t, y)
        return buffer

    x, cov, info, mesg, ier = leastsq(reuse, p.x0, p.args, full_output=True)
    reference = leastsq(p.func, p.x0, p.args, full_output=True)
    assert np.array_equal(x, reference[0])
    assert info["nfev"] == reference[2]["nfev"] and ier == reference[4]


def test_dfun_returning_the_same_buffer_every_time_works():
    p = BY_NAME["decay"]
    buffer = np.empty((30, 3))

    def reuse(x, t, y):
        buffer[:] = p.jac(x, t, y)
        return buffer

    fit = leastsq(p.func, p.x0, p.args, reuse, full_output=True)
    reference = leastsq(p.func, p.x0, p.args, p.jac, full_output=True)
    assert np.array_equal(fit[0], reference[0])


class Boom(Exception):
    pass


@pytest.mark.parametrize("where", ["func", "Dfun"])
@pytest.mark.parametrize("error_type", [Boom, KeyboardInterrupt, MemoryError,
                                        SystemExit, ZeroDivisionError])
@pytest.mark.parametrize("at_call", [1, 4])
def test_exceptions_propagate_unchanged_with_traceback(where, error_type,
                                                       at_call):
    p = BY_NAME["gaussian"]
    calls = []
    raised = error_type("from the user")

    def failing(x, *args):
        calls.append(1)
        if len(calls) == at_call:
            raise raised
        return (p.func if where == "func" else p.jac)(x, *args)

    func = failing if where == "func" else p.func
    jac = failing if where == "Dfun" else p.jac
    with pytest.raises(error_type) as info:
        leastsq(func, p.x0, p.args, jac)
    assert info.value is raised
    assert info.traceback[-1].name == "failing"
    # The next fit in this thread works normally.
    x, ier = leastsq(p.func, p.x0, p.args, p.jac)
    assert ier in (1, 2, 3, 4)


def test_exception_during_output_conversion_is_not_renamed():
    class Unreadable:
        def __array__(self, dtype=None, copy=None):
            raise KeyboardInterrupt

    calls = []

    def func(x):
        calls.append(1)
        return Unreadable() if len(calls) > 2 else np.array([x[0], 1.0])

    with pytest.raises(KeyboardInterrupt):
        leastsq(func, [1.0])


def test_fits_nest_inside_func_and_dfun():
    def inner_solution(target):
        x, ier = leastsq(lambda q: np.array([q[0] - target, 0.0]), [0.0])
        assert ier in (1, 2, 3, 4)
        return x[0]

    def func(x):
        # The residual is x - 3, where 3 is itself found by a fit.
        return np.array([x[0] - inner_solution(3.0), 0.0])

    def jac(x):
        return np.array([[inner_solution(1.0)], [0.0]])

    x, ier = leastsq(func, [10.0], Dfun=jac)
    assert x[0] == pytest.approx(3.0, abs=1e-10)


def test_nested_fit_failure_does_not_leak_into_the_outer_fit():
    def func(x):
        with pytest.raises(Boom):
            leastsq(lambda q: (_ for _ in ()).throw(Boom()) if q[0] != 0
                    else np.ones(2), [0.0])
        return np.array([x[0] - 2.0, 0.0])

    x, ier = leastsq(func, [0.0])
    assert ier in (1, 2, 3, 4) and x[0] == pytest.approx(2.0)


def fit_all_problems():
    results = []
    for p in PROBLEMS:
        for jac in (None, p.jac):
            x, cov, info, mesg, ier = leastsq(p.func, p.x0, p.args, jac,
                                              full_output=True)
            results.append((x.tobytes(), info["fvec"].tobytes(),
                            info["nfev"], ier))
    return results


def test_eight_threads_get_exactly_the_serial_results():
    expected = fit_all_problems()
    outcomes = [None] * 8
    barrier = threading.Barrier(8)

    def worker(k):
        barrier.wait()
        outcomes[k] = [fit_all_problems() for _ in range(5)]

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for runs in outcomes:
        assert runs is not None
        for run in runs:
            assert run == expected


def test_thread_fits_run_while_another_thread_holds_a_fit_open():
    """MINPACK runs without the GIL; a fit blocked in func blocks no one."""
    started = threading.Event()
    release = threading.Event()
    p = BY_NAME["decay"]

    def slow(x, t, y):
        started.set()
        assert release.wait(10)
        return p.func(x, t, y)

    result = {}
    blocked = threading.Thread(
        target=lambda: result.setdefault("slow", leastsq(slow, p.x0, p.args)))
    blocked.start()
    assert started.wait(10)
    # This thread can fit while the other is inside a callback.
    x, ier = leastsq(p.func, p.x0, p.args)
    release.set()
    blocked.join()
    assert np.array_equal(result["slow"][0], x)


def test_switch_interval_does_not_matter():
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        test_eight_threads_get_exactly_the_serial_results()
    finally:
        sys.setswitchinterval(old)
