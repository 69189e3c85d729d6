"""fsolve's callbacks misbehaving: the kinds of cases of
test_bad_callbacks.py (for leastsq), for fsolve.  Every exception
propagates unchanged with its traceback; conversion failures are clear
errors naming fsolve and the callable; NaN at later points is MINPACK's
business; Ctrl-C stops a solve; and fsolve still works afterwards."""

import _thread
import warnings

import numpy as np
import pytest

from pyminpack import fsolve
from raising_callbacks import (ArrayThatRaises, Custom,
                               assert_raised_unchanged)

X0 = np.array([1.0, 1.0])


def equations(x):
    return np.array([x[0] * np.cos(x[1]) - 4, x[1] * x[0] - x[1] - 5])


def jacobian(x):
    return np.array([[np.cos(x[1]), -x[0] * np.sin(x[1])],
                     [x[1], x[0] - 1.0]])


EXPECTED = fsolve(equations, X0)


def assert_still_works():
    assert fsolve(equations, X0).tobytes() == EXPECTED.tobytes()


def exception_kinds():
    return [ValueError("plain"), ZeroDivisionError(), MemoryError(),
            RecursionError(), StopIteration(), SystemExit(3),
            KeyboardInterrupt(), GeneratorExit(), Custom("custom")]


# (id, uses fprime, failing call of func, failing call of fprime): call 1
# of func is the evaluation at x0 in Python; without fprime, call 2 is a
# forward-difference point.
WHERE = [
    ("func at x0", False, 1, None),
    ("func finite difference", False, 2, None),
    ("func later", False, 6, None),
    ("hybrj func later", True, 3, None),
    ("fprime first", True, None, 1),
    ("fprime later", True, None, 2),
]


@pytest.mark.parametrize("where", WHERE, ids=[w[0] for w in WHERE])
@pytest.mark.parametrize("kind", range(len(exception_kinds())),
                         ids=[type(e).__name__ for e in exception_kinds()])
def test_exceptions_propagate_unchanged(kind, where):
    _, with_fprime, func_call, fprime_call = where
    assert_raised_unchanged(lambda func, jac: fsolve(func, X0, fprime=jac),
                            equations, jacobian if with_fprime else None,
                            exception_kinds()[kind], func_call, fprime_call)
    assert_still_works()


def returning(value, after):
    """equations, but ``value`` from call ``after + 1`` on."""
    calls = []

    def f(x):
        calls.append(1)
        return value if len(calls) > after else equations(x)
    return f


@pytest.mark.parametrize("error", [
    RuntimeError("from __array__"), KeyboardInterrupt(), MemoryError()])
@pytest.mark.parametrize("after", [0, 3], ids=["at x0", "later"])
def test_exceptions_from_converting_the_output_propagate_unchanged(
        error, after):
    with pytest.raises(type(error)) as info:
        fsolve(returning(ArrayThatRaises(error), after), X0)
    assert info.value is error
    assert_still_works()


@pytest.mark.parametrize("error", [TypeError("no"), ValueError("no")])
def test_type_and_value_errors_from_converting_are_chained(error):
    def fprime(x):
        return ArrayThatRaises(error)
    with pytest.raises(type(error), match=r"^fsolve: the output of fprime "
                                          r"'fprime' cannot be converted") \
            as info:
        fsolve(equations, X0, fprime=fprime)
    assert info.value.__cause__ is error


@pytest.mark.parametrize("value, error, pattern", [
    ([1j, 2.0], TypeError, r"^fsolve: func 'f' must return real numbers"),
    ([[1.0, 2.0]], ValueError, r"^fsolve: func 'f' must return a 1-D "),
    ([1.0, 2.0, 3.0], ValueError, r"^fsolve: func 'f' returned 3 values "
                                  r"at this call but 2 at x0"),
    (None, TypeError, r"^fsolve: func 'f' must return real numbers"),
])
def test_bad_output_at_a_later_call(value, error, pattern):
    f = returning(value, after=3)
    f.__name__ = "f"
    with pytest.raises(error, match=pattern):
        fsolve(f, X0)
    assert_still_works()


def test_nan_at_later_points_is_minpacks_business():
    calls = []

    def f(x):
        calls.append(1)
        return equations(x) if len(calls) < 5 else [np.nan, np.nan]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        x, info, ier, mesg = fsolve(f, X0, full_output=True)
    assert ier in (2, 3, 4, 5) and info["nfev"] == len(calls)
    assert_still_works()


def test_a_nameless_callable_is_described_without_a_name():
    class Nameless:
        def __call__(self, x):
            return [1j, 1.0]
    with pytest.raises(TypeError, match=r"^fsolve: func must return real "
                                        r"numbers"):
        fsolve(Nameless(), X0)


def test_a_pending_interrupt_stops_the_solve_before_the_next_call(
        ctrl_c_raises):
    calls = []

    def f(x):
        calls.append(1)
        if len(calls) == 4:
            _thread.interrupt_main()  # as if Ctrl-C arrived just now
        return equations(x)
    with pytest.raises(KeyboardInterrupt):
        fsolve(f, X0)
    assert len(calls) == 4
    assert_still_works()
