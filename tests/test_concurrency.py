"""Fits in many threads at once, fits inside fits, and fits that wait on
fits running in other threads: every result is bit-for-bit the serial one.

MINPACK runs without the GIL between callbacks and each thread finds its
own fit through thread-local storage, so these are real races if anything
is shared.
"""

import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from pyminpack import leastsq

THREADS = 8
REPEATS = 40


class Planned(Exception):
    """What the failing problems raise."""


def make_problem(k):
    """Problem k: a small nonlinear fit; every fifth one raises mid-fit."""
    rng = np.random.default_rng(k)
    m = 5 + k % 7
    t = np.linspace(0.0, 2.0, m)
    true = np.array([1.0 + k % 3, 0.5 + 0.1 * (k % 5), 0.1 * (k % 4)])
    y = true[0] * np.exp(-true[1] * t) + true[2] + 0.01 * rng.normal(size=m)
    fail_at = 3 if k % 5 == 4 else None
    use_dfun = k % 2 == 1
    col_deriv = k % 4 == 3

    def residuals(p, t, y, state):
        state["calls"] += 1
        if state["calls"] == fail_at:
            raise Planned(f"problem {k}")
        return p[0] * np.exp(-p[1] * t) + p[2] - y

    def jacobian(p, t, y, state):
        e = np.exp(-p[1] * t)
        jac = np.column_stack([e, -p[0] * t * e, np.ones_like(t)])
        return jac.T.copy() if col_deriv else jac

    def fit():
        state = {"calls": 0}
        try:
            x, cov_x, info, mesg, ier = leastsq(
                residuals, [1.0, 1.0, 0.0], args=(t, y, state),
                Dfun=jacobian if use_dfun else None, col_deriv=col_deriv,
                full_output=True, diag=[1.0, 2.0, 0.5] if k % 3 == 0 else None)
        except Planned as err:
            return ("raised", str(err), state["calls"])
        return (x.tobytes(), None if cov_x is None else cov_x.tobytes(),
                info["fvec"].tobytes(), info["fjac"].tobytes(),
                info["ipvt"].tobytes(), info["qtf"].tobytes(), info["nfev"],
                info.get("njev"), mesg, ier)
    return fit


PROBLEMS = [make_problem(k) for k in range(24)]


def test_problems_cover_success_and_failure():
    outcomes = [fit()[0] for fit in PROBLEMS]
    assert outcomes.count("raised") == 4
    assert all(isinstance(o, bytes) for o in outcomes if o != "raised")


def test_threads_give_the_serial_results_bitwise():
    serial = [fit() for fit in PROBLEMS]
    barrier = threading.Barrier(THREADS)

    def worker(seed):
        order = np.random.default_rng(seed).permutation(
            np.tile(np.arange(len(PROBLEMS)), REPEATS))
        barrier.wait()
        return [(int(k), PROBLEMS[k]()) for k in order]

    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(worker, range(THREADS)))
    assert sum(len(r) for r in results) == THREADS * REPEATS * len(PROBLEMS)
    for per_thread in results:
        for k, result in per_thread:
            assert result == serial[k], f"problem {k}"


def test_threads_with_a_tiny_switch_interval():
    # Force the GIL to change hands as often as possible inside callbacks.
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        serial = [fit() for fit in PROBLEMS]
        with ThreadPoolExecutor(THREADS) as pool:
            futures = [pool.submit(PROBLEMS[k % len(PROBLEMS)])
                       for k in range(THREADS * len(PROBLEMS))]
            results = [f.result() for f in futures]
    finally:
        sys.setswitchinterval(interval)
    for k, result in enumerate(results):
        assert result == serial[k % len(PROBLEMS)]


# --- nesting --------------------------------------------------------------

def innermost(c):
    """Fit y = b*t to y = c*t + small noise; the answer is (nearly) c."""
    t = np.array([1.0, 2.0, 3.0])
    b, ier = leastsq(lambda b: b[0] * t - c * t, [0.0])
    assert ier in (1, 2, 3, 4)
    return b[0]


def middle(a):
    """Solve innermost(u) = a**2 for u by a fit whose func fits: u = a**2."""
    u, ier = leastsq(lambda u: np.array([innermost(u[0]) - a * a, 0.0]),
                     [1.0])
    assert ier in (1, 2, 3, 4)
    return u[0]


def depth_three():
    """Outer fit: middle(a) = 4, so a = 2; three fits deep at every call."""
    a, ier = leastsq(lambda a: np.array([middle(a[0]) - 4.0, 0.0]), [1.5])
    return a, ier


def test_nesting_depth_three():
    a, ier = depth_three()
    assert ier in (1, 2, 3, 4)
    np.testing.assert_allclose(a, [2.0], rtol=1e-7)


def test_nesting_depth_three_in_threads_is_bitwise_serial():
    serial = depth_three()
    with ThreadPoolExecutor(4) as pool:
        results = [f.result() for f in
                   [pool.submit(depth_three) for _ in range(8)]]
    for a, ier in results:
        assert a.tobytes() == serial[0].tobytes() and ier == serial[1]


def test_an_exception_in_an_inner_fit_leaves_the_outer_fit_intact():
    error = Planned("inner")

    def inner_func(x):
        raise error

    def outer_func(x):
        try:
            leastsq(inner_func, [1.0])
        except Planned as caught:
            assert caught is error
        return np.array([x[0] - 3.0, 0.0])

    x, ier = leastsq(outer_func, [0.0])
    assert ier in (1, 2, 3, 4)
    np.testing.assert_allclose(x, [3.0], rtol=0, atol=1e-12)


def test_an_inner_exception_can_stop_the_outer_fit():
    error = Planned("inner, not caught")

    def outer_func(x):
        leastsq(lambda y: (_ for _ in ()).throw(error), [1.0])
        return np.array([x[0], 0.0])

    with pytest.raises(Planned) as info:
        leastsq(outer_func, [0.0])
    assert info.value is error
    x, ier = leastsq(lambda x: np.array([x[0] - 1.0, 0.0]), [0.0])
    assert ier in (1, 2, 3, 4) and x[0] == pytest.approx(1.0, abs=1e-12)


# --- a fit that waits on a fit in another thread --------------------------

def test_a_func_that_waits_on_a_fit_in_another_thread():
    # Fit A's func hands a fit to a pool thread and blocks on its result;
    # both are inside MINPACK at the same time, in different threads.
    pool = ThreadPoolExecutor(2)
    inner_threads = set()

    def inner_fit(c):
        inner_threads.add(threading.get_ident())
        t = np.array([1.0, 2.0, 3.0, 4.0])
        b, ier = leastsq(lambda b: b[0] * t - c * t, [0.0])
        assert ier in (1, 2, 3, 4)
        return b[0]

    def outer_func(a):
        return np.array([pool.submit(inner_fit, a[0] ** 3).result() - 8.0,
                         0.0])

    try:
        a, ier = leastsq(outer_func, [1.0])
        # and many outer fits at once, all sharing the one pool
        with ThreadPoolExecutor(4) as outer_pool:
            many = [f.result() for f in
                    [outer_pool.submit(leastsq, outer_func, [1.0])
                     for _ in range(6)]]
    finally:
        pool.shutdown()
    assert ier in (1, 2, 3, 4)
    np.testing.assert_allclose(a, [2.0], rtol=1e-7)
    assert threading.get_ident() not in inner_threads
    for other, other_ier in many:
        assert other.tobytes() == a.tobytes() and other_ier == ier


def test_an_exception_from_a_fit_in_another_thread_propagates():
    error = Planned("from the pool")

    def inner_func(x):
        raise error

    with ThreadPoolExecutor(1) as pool:
        def outer_func(a):
            return pool.submit(leastsq, inner_func, [1.0]).result()

        with pytest.raises(Planned) as info:
            leastsq(outer_func, [1.0])
    assert info.value is error
