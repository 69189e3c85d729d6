"""No leaks: thousands of fits through every path leave memory and the
reference counts of everything the caller passed exactly as they were.

Each path (every reachable ier, with and without Dfun and full_output, and
every kind of error) runs a few hundred times after a warm-up, while
  * tracemalloc (which sees Python objects, numpy's data buffers and the
    extension's PyMem buffers) must show no growth beyond a few bytes a fit,
  * sys.getrefcount of func, Dfun, args, each item of args and x0 must
    come back to what it was.
A separate test with large arrays watches the resident set size
(/proc/self/statm), which also sees plain malloc.

Under AddressSanitizer (tools/sanitize.sh) memory is not measured, only
references: its quarantine holds freed memory back from reuse, so the
resident set grows, and caches keyed by object address inside numpy and
CPython see new addresses every time.
"""

import contextlib
import gc
import sys
import tracemalloc
import warnings

import numpy as np
import pytest

from pyminpack import leastsq
from sanitizer import SANITIZED



# Memory is measured over WINDOWS windows of ROUNDS fits each, and the
# median window counts: a leak grows every window, while a one-off (a
# cache or an interpreter table resizing) shows in one only.
ROUNDS = 400
WINDOWS = 3
WARM_UP = 30
# A leaked object costs at least ~50 bytes (a float array: ~100 bytes plus
# its data), so ROUNDS leaks of one would be > 20 kB; without leaks a
# window grows by < 1 kB.
ALLOWED_GROWTH = 4 * 1024

T = np.linspace(0.0, 1.0, 7)
Y = 2.0 * np.exp(-1.3 * T) + 0.01 * np.sin(9.0 * T)
# A one-parameter fit whose residuals are ~1e-9: with all tolerances 0
# MINPACK stops with ier 8 (gtol too small).
A8 = np.array([-0.04879491308870755, -0.45284829404131793,
               -0.5138307537288068])
B8 = np.array([-1.3269148734933309e-09, -2.1223803884315594e-09,
               1.0677724233113243e-09])


def linear(x, *args):
    return np.array([x[0] - 1.0, x[1] - 2.0, x[0] + x[1] - 3.0])


def linear_jac(x, *args):
    return np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])


def inconsistent(x, *args):
    return np.array([x[0] - 1.0, x[1] - 2.0, x[0] + x[1] - 4.0])


def decay(x, *args):
    return x[0] * np.exp(-x[1] * T) - Y


def decay_jac(x, *args):
    e = np.exp(-x[1] * T)
    return np.column_stack([e, -x[0] * T * e])


def tiny_residuals(x, *args):
    return A8 * x[0] - B8


class Counter:
    """func/Dfun wrappers that fail at a chosen call, counting calls."""

    def __init__(self, fail_at=None, error=RuntimeError, output=None):
        self.calls = 0
        self.fail_at = fail_at
        self.error = error
        self.output = output

    def __call__(self, func, x, *args):
        self.calls += 1
        if self.calls == self.fail_at:
            if self.output is not None:
                return self.output
            raise self.error("planned failure")
        return func(x, *args)


# (id, func, x0, keywords, expected ier or exception type)
PATHS = [
    ("ier 1", linear, [0.5, 0.5], dict(ftol=1.0, xtol=0.0, gtol=0.0), 1),
    ("ier 2", linear, [0.5, 0.5], dict(ftol=0.0, xtol=1e-8), 2),
    ("ier 3", decay, [1.0, 1.0], dict(ftol=0.01, xtol=0.01), 3),
    ("ier 4", linear, [0.5, 0.5], dict(ftol=0.0, xtol=0.0), 4),
    ("ier 4 lmder col_deriv", linear, [0.5, 0.5],
     dict(Dfun=lambda x, *a: linear_jac(x).T, col_deriv=True, ftol=0.0,
          xtol=0.0), 4),
    ("ier 5", decay, [1.0, 1.0], dict(maxfev=5), 5),
    ("ier 5 lmder", decay, [1.0, 1.0], dict(Dfun=decay_jac, maxfev=3), 5),
    ("ier 6", inconsistent, [0.5, 0.5], dict(ftol=0.0, xtol=0.0), 6),
    ("ier 7", decay, [1.0, 1.0], dict(ftol=0.0, xtol=0.0), 7),
    ("ier 8", tiny_residuals, [0.9117715745587862],
     dict(ftol=0.0, xtol=0.0, gtol=0.0), 8),
    ("ier 0", linear, [0.5, 0.5], dict(factor=-1.0), 0),
    ("ier 0 n = 0", lambda x, *a: np.ones(3), [], {}, 0),
    ("lmder success", decay, [1.0, 1.0], dict(Dfun=decay_jac), 1),
    ("func raises at x0", "fail 1", [0.5, 0.5], {}, RuntimeError),
    ("func raises later", "fail 4", [1.0, 1.0], {}, RuntimeError),
    ("func KeyboardInterrupt", "fail 3 KeyboardInterrupt", [1.0, 1.0], {},
     KeyboardInterrupt),
    ("Dfun raises", "dfail 2", [1.0, 1.0], {}, RuntimeError),
    ("func length changes", "output 3", [1.0, 1.0], {}, ValueError),
    ("func output ragged", "output 3 ragged", [1.0, 1.0], {}, ValueError),
    ("Dfun wrong shape", "doutput 2", [1.0, 1.0], {}, TypeError),
    ("n > m", lambda x, *a: x[0], [0.5, 0.5], {}, TypeError),
    ("x0 not finite", linear, [np.nan, 0.5], {}, ValueError),
    ("x0 complex", linear, [1j, 0.5], {}, TypeError),
    ("bad keyword", linear, [0.5, 0.5], dict(diag=[1.0]), ValueError),
]


def make_call(func, x0, keywords):
    """A fit to repeat, with its callables and arguments as fixed objects."""
    keywords = dict(keywords)
    if isinstance(func, str):
        word, at, *rest = func.split()
        at = int(at)
        counter_args = {}
        if rest == ["KeyboardInterrupt"]:
            counter_args["error"] = KeyboardInterrupt
        elif word.endswith("output"):
            counter_args["output"] = (np.ones((2, 2)) if word == "doutput"
                                      else [[1.0], [1.0, 2.0]] if rest
                                      else np.ones(5))
        counter = Counter(at, **counter_args)
        if word.startswith("d"):
            func = decay
            keywords["Dfun"] = (lambda x, *a:
                                counter(decay_jac, x, *a))
        else:
            func = (lambda x, *a: counter(decay, x, *a))
    else:
        counter = None
    return func, counter, keywords


def run(func, x0, args, counter, keywords, expected, full_output):
    if counter is not None:
        counter.calls = 0
    if isinstance(expected, int):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            if full_output or expected == 0:
                result = leastsq(func, x0, args, full_output=True, **keywords)
                assert result[-1] == expected
            else:
                x, ier = leastsq(func, x0, args, **keywords)
                assert ier == expected
    else:
        try:
            leastsq(func, x0, args, full_output=full_output, **keywords)
        except expected:
            pass
        else:
            raise AssertionError("no exception")


@contextlib.contextmanager
def frozen_heap():
    """Every object alive now left out of the cyclic GC's collections
    until the block ends (gc.freeze).  What the test and its fits allocate
    is collected as before, but a collection no longer walks the whole
    heap: in the full suite (numba, dask, hypothesis and every test module
    loaded) each gc.collect() took ~0.1 s, and the four per case more than
    half of this file's time.  A frozen object freed by its reference
    count is freed as usual; one in a garbage cycle stays until the block
    ends, which can only hide a shrink, never a leak of the fits' own
    allocations."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def refcounts(*objects):
    return [sys.getrefcount(obj) for obj in objects]


@pytest.mark.parametrize("full_output", [False, True], ids=["short", "full"])
@pytest.mark.parametrize("path", PATHS, ids=[p[0] for p in PATHS])
def test_no_leak_and_no_reference_change(path, full_output):
    with frozen_heap():
        growths = fit_repeatedly(path, full_output)
    if not SANITIZED:
        growth = sorted(growths)[WINDOWS // 2]
        assert growth < ALLOWED_GROWTH, f"{growths} bytes in {ROUNDS} fits"


def fit_repeatedly(path, full_output):
    """Run one path's fits in WINDOWS windows of ROUNDS after a warm-up;
    check the reference counts and return each window's memory growth."""
    _, func, x0, keywords, expected = path
    func, counter, keywords = make_call(func, x0, keywords)
    x0 = np.array(x0)
    # args items that nothing else refers to, so their counts are exact
    args = (np.zeros(1), object(), "an arg that is not interned " * 2)
    # None's count moves with everything else the interpreter does
    dfun = [keywords["Dfun"]] if "Dfun" in keywords else []

    for _ in range(WARM_UP):
        run(func, x0, args, counter, keywords, expected, full_output)
    gc.collect()
    before = refcounts(func, *dfun, args, *args, x0)
    growths = []
    tracemalloc.start()
    try:
        for _ in range(WINDOWS):
            start = tracemalloc.get_traced_memory()[0]
            for _ in range(ROUNDS):
                run(func, x0, args, counter, keywords, expected, full_output)
            gc.collect()
            growths.append(tracemalloc.get_traced_memory()[0] - start)
    finally:
        tracemalloc.stop()
    assert refcounts(func, *dfun, args, *args, x0) == before
    return growths


def resident_bytes():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * 4096


@pytest.mark.skipif(not sys.platform.startswith("linux"),
                    reason="reads /proc/self/statm")
@pytest.mark.skipif(SANITIZED, reason="ASan's quarantine grows the RSS")
def test_resident_memory_stays_flat_with_large_arrays():
    # m = 4000, n = 4: each fit allocates fjac (128 kB), fvec, x and the
    # work arrays; leaking any one of them 600 times would be >= 19 MB.
    t = np.linspace(0.0, 4.0, 4000)
    y = 1.5 * np.exp(-0.7 * t) + 0.2 * t + 0.1

    def func(p):
        return p[0] * np.exp(-p[1] * t) + p[2] * t + p[3] - y

    def dfun(p):
        e = np.exp(-p[1] * t)
        return np.column_stack([e, -p[0] * t * e, t, np.ones_like(t)])

    calls = [0]

    def failing(p):
        calls[0] += 1
        if calls[0] % 4 == 0:
            raise RuntimeError("planned")
        return func(p)

    x0 = [1.0, 1.0, 0.0, 0.0]
    # Every round must give these same results, to the last bit: a fit
    # that reused freed or leaked memory would not.
    solution, ier = leastsq(func, x0, Dfun=dfun)
    assert ier in (1, 2, 3, 4)
    np.testing.assert_allclose(solution, [1.5, 0.7, 0.2, 0.1], rtol=1e-10)
    stopped = leastsq(func, x0, full_output=True, maxfev=12)
    assert stopped[4] == 5 and stopped[2]["nfev"] >= 12
    assert stopped[3] == "Number of calls to function has reached maxfev = 12."
    np.testing.assert_allclose(stopped[0], solution, rtol=1e-2)
    assert not np.array_equal(stopped[0], solution)

    def one_round():
        x, got_ier = leastsq(func, x0, Dfun=dfun)
        assert x.tobytes() == solution.tobytes() and got_ier == ier
        x, cov_x, info, mesg, got_ier = leastsq(func, x0, full_output=True,
                                                maxfev=12)
        assert x.tobytes() == stopped[0].tobytes() and got_ier == 5
        assert info["fvec"].tobytes() == stopped[2]["fvec"].tobytes()
        assert info["nfev"] == stopped[2]["nfev"] and cov_x is None
        before = calls[0]
        with pytest.raises(RuntimeError, match="^planned$"):
            leastsq(failing, x0)
        assert calls[0] - before == 4  # raised at its 4th call

    with frozen_heap():
        for _ in range(20):
            one_round()
        gc.collect()
        before = resident_bytes()
        for _ in range(200):
            one_round()
        gc.collect()
        growth = resident_bytes() - before
    assert growth < 4 * 2**20, f"resident set grew by {growth} bytes"
