"""No leaks in fsolve, leastsq(Dfun_row=...) and fsolve_batch: every path
(results and errors) run hundreds of times leaves traced memory and the
reference counts of what the caller passed as they were (the method of
test_leaks.py, whose windows and limits are used here)."""

import gc
import sys
import tracemalloc
import warnings

import numpy as np
import pytest

from pyminpack import fsolve, leastsq
from test_leaks import (ALLOWED_GROWTH, ROUNDS, SANITIZED, WARM_UP, WINDOWS,
                        frozen_heap)


def equations(x, *args):
    return np.array([x[0] * np.cos(x[1]) - 4, x[1] * x[0] - x[1] - 5])


def jacobian(x, *args):
    return np.array([[np.cos(x[1]), -x[0] * np.sin(x[1])],
                     [x[1], x[0] - 1.0]])


T = np.linspace(0.0, 1.0, 9)
Y = 2.0 * np.exp(-1.3 * T)


def decay(x, *args):
    return x[0] * np.exp(-x[1] * T) - Y


def decay_row(x, i, *args):
    e = np.exp(-x[1] * T[i])
    return np.array([e, -x[0] * T[i] * e])


class Failing:
    """func, failing (raising, or returning `output`) at call `at`."""

    def __init__(self, function, at, output=None):
        self.function, self.at, self.output = function, at, output
        self.calls = 0

    def __call__(self, x, *args):
        self.calls += 1
        if self.calls >= self.at:
            if self.output is None:
                raise RuntimeError("planned")
            return self.output
        return self.function(x, *args)


def fsolve_full(func, **kw):
    return fsolve(func, [1.0, 1.0], kw.pop("args"), full_output=True, **kw)


def rows(func, **kw):
    return leastsq(func, [1.0, 1.0], kw.pop("args"), full_output=True,
                   **kw)


# (id, call, func factory, keywords, what it gives: an ier or an exception)
PATHS = [
    ("fsolve ier 1", fsolve_full, lambda: equations, {}, 1),
    ("fsolve ier 2", fsolve_full, lambda: equations, dict(maxfev=4), 2),
    ("fsolve ier 0", fsolve_full, lambda: equations, dict(xtol=-1.0), 0),
    ("fsolve hybrj", fsolve_full, lambda: equations,
     dict(fprime=jacobian), 1),
    ("fsolve band", fsolve_full, lambda: equations, dict(band=(0, 0)), 1),
    ("fsolve raises at x0", fsolve_full, lambda: Failing(equations, 1), {},
     RuntimeError),
    ("fsolve raises later", fsolve_full, lambda: Failing(equations, 5), {},
     RuntimeError),
    ("fsolve length changes", fsolve_full,
     lambda: Failing(equations, 4, np.ones(3)), {}, ValueError),
    ("fsolve wrong length at x0", fsolve_full,
     lambda: Failing(equations, 1, np.ones(3)), {}, TypeError),
    ("fprime raises", fsolve_full, lambda: equations,
     dict(fprime=Failing(jacobian, 2)), RuntimeError),
    ("fprime wrong shape", fsolve_full, lambda: equations,
     dict(fprime=Failing(jacobian, 2, np.ones((3, 3)))), TypeError),
    ("Dfun_row fit", rows, lambda: decay, dict(Dfun_row=decay_row), None),
    ("Dfun_row raises", rows, lambda: decay,
     dict(Dfun_row=Failing(decay_row, 12)), RuntimeError),
    ("Dfun_row wrong length", rows, lambda: decay,
     dict(Dfun_row=Failing(decay_row, 12, np.ones(3))), ValueError),
]


def run_path(call, func, keywords, expected, args):
    for value in keywords.values():
        if isinstance(value, Failing):
            value.calls = 0
    if isinstance(func, Failing):
        func.calls = 0
    if expected is None or isinstance(expected, int):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            result = call(func, args=args, **keywords)
        if isinstance(expected, int):
            assert result[2] == expected
        return
    with pytest.raises(expected):
        call(func, args=args, **keywords)


@pytest.mark.parametrize("path", PATHS, ids=[p[0] for p in PATHS])
def test_no_leak_and_no_reference_change(path):
    with frozen_heap():  # (see test_leaks.py)
        growths = fit_repeatedly(path)
    if not SANITIZED:
        growth = sorted(growths)[WINDOWS // 2]
        assert growth < ALLOWED_GROWTH, f"{growths} bytes"


def fit_repeatedly(path):
    """Run one path's calls in WINDOWS windows after a warm-up; check the
    reference counts and return each window's memory growth."""
    _, call, make, keywords, expected = path
    func = make()
    args = (np.zeros(1), object())
    callables = [v for v in keywords.values() if callable(v)]
    for _ in range(WARM_UP):
        run_path(call, func, keywords, expected, args)
    gc.collect()
    before = [sys.getrefcount(o) for o in (func, *callables, args, *args)]
    growths = []
    tracemalloc.start()
    try:
        for _ in range(WINDOWS):
            start = tracemalloc.get_traced_memory()[0]
            for _ in range(ROUNDS // 2):
                run_path(call, func, keywords, expected, args)
            gc.collect()
            growths.append(tracemalloc.get_traced_memory()[0] - start)
    finally:
        tracemalloc.stop()
    assert [sys.getrefcount(o) for o in (func, *callables, args, *args)] \
        == before
    return growths
