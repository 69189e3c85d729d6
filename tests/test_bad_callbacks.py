"""Bad output from func and Dfun, and exceptions raised inside them.

Every call's output is checked before MINPACK sees a byte of it, at x0 and
at any later call; whatever func or Dfun raises propagates unchanged (the
same object, its traceback intact) and leaves nothing behind.
"""

import _thread
import functools
import re
import signal
import sys
import threading
import time

import numpy as np
import pytest

from pyminpack import leastsq
from raising_callbacks import (ArrayThatRaises, Custom,
                               assert_raised_unchanged)

X0 = [0.5, 0.5]
SOLUTION = [1.0, 2.0]
LONGDOUBLE_IS_WIDER = np.finfo(np.longdouble).bits > 64
GOOD = np.array([0.1, 0.2, 0.3])
JAC = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])


def residuals(x, *args):
    """m = 3, n = 2, solution (1, 2) with zero residuals."""
    return np.array([x[0] - 1.0, x[1] - 2.0, x[0] + x[1] - 3.0])


def jacobian(x, *args):
    return JAC.copy()


# Rosenbrock (with a zero third residual) from its classic start: lmdif
# needs 54 calls of func, lmder 21 of func and 16 of Dfun, so "later
# calls" really happen.
FAR = [-1.2, 1.0]


def curved(x):
    return np.array([10.0 * (x[1] - x[0] ** 2), 1.0 - x[0], 0.0])


def curved_jacobian(x):
    return np.array([[-20.0 * x[0], 10.0], [-1.0, 0.0], [0.0, 0.0]])


def assert_still_works():
    x, ier = leastsq(residuals, X0)
    assert ier in (1, 2, 3, 4)
    np.testing.assert_allclose(x, SOLUTION, rtol=0, atol=1e-12)
    x, ier = leastsq(residuals, X0, Dfun=jacobian)
    assert ier in (1, 2, 3, 4)
    np.testing.assert_allclose(x, SOLUTION, rtol=0, atol=1e-12)


def returning(value, after=0):
    """A func that is good for `after` calls, then returns `value`."""
    calls = []

    def func(x):
        calls.append(1)
        return curved(x) if len(calls) <= after else value
    func.calls = calls
    return func


# --- func's output ----------------------------------------------------------

# (id, what func returns, exception, pattern)
BAD_OUTPUT = [
    ("None", None, TypeError,
     r"^leastsq: func 'func' must return real numbers that convert safely "
     r"to float64; it returned NoneType of dtype object$"),
    ("string", "abc", TypeError, r"func 'func' .*returned str of dtype <U3"),
    ("bytes", b"abc", TypeError,
     r"func 'func' .*returned bytes of dtype \|S3"),
    ("list of strings", ["a", "b", "c"], TypeError,
     r"func 'func' .*returned list of dtype <U1"),
    ("dict", {0: 1.0}, TypeError,
     r"func 'func' .*returned dict of dtype object"),
    ("object array", np.array([1.0, 2.0, 3.0], dtype=object), TypeError,
     r"func 'func' .*returned numpy.ndarray of dtype object"),
    ("int beyond float64", [10**400, 0, 0], TypeError,
     r"func 'func' .*returned list of dtype object"),
    ("complex array", GOOD + 0j, TypeError,
     r"func 'func' .*returned numpy.ndarray of dtype complex128"),
    ("complex list", [1j, 0.0, 0.0], TypeError,
     r"func 'func' .*returned list of dtype complex128"),
    ("complex64", GOOD.astype(np.complex64), TypeError,
     r"func 'func' .*dtype complex64"),
    ("datetime", np.array([1, 2, 3], "M8[s]"), TypeError,
     r"func 'func' .*dtype datetime64\[s\]"),
    ("timedelta", np.array([1, 2, 3], "m8[s]"), TypeError,
     r"func 'func' .*dtype timedelta64\[s\]"),
    ("structured", np.zeros(3, "f8,f8"), TypeError, r"func 'func' .*dtype \["),
    ("ragged", [[1.0], [2.0, 3.0]], ValueError,
     r"^leastsq: the output of func 'func' cannot be converted to an array "
     r"of float64 \(see the cause above\)$"),
    ("2-D", np.ones((3, 2)), ValueError,
     r"^leastsq: func 'func' must return a 1-D array of residuals; it "
     r"returned an array of shape \(3, 2\)$"),
    ("2-D column", np.ones((3, 1)), ValueError,
     r"func 'func' must return a 1-D array.*shape \(3, 1\)"),
    ("2-D list", [[1.0, 2.0, 3.0]], ValueError,
     r"func 'func' must return a 1-D array.*shape \(1, 3\)"),
    ("3-D", np.ones((3, 2, 1)), ValueError,
     r"func 'func' must return a 1-D array.*shape \(3, 2, 1\)"),
    ("scalar when n = 2", 1.0, TypeError,
     r"^Improper input: func input vector length N=2 must not exceed func "
     r"output vector length M=1$"),
    ("empty", np.empty(0), TypeError,
     r"Improper input: func input vector length N=2 .* length M=0"),
    ("empty list", [], TypeError, r"Improper input: .*M=0"),
    ("nan at x0", [0.0, np.nan, 1.0], ValueError,
     r"^leastsq: func\(x0\) must be finite, but entry 1 is nan \(pass "
     r"check_finite=False to allow it\)$"),
    ("inf at x0", np.array([np.inf, 0, 0], np.float32), ValueError,
     r"func\(x0\) must be finite, but entry 0 is inf"),
]


@pytest.mark.parametrize("value, exc_type, pattern",
                         [case[1:] for case in BAD_OUTPUT],
                         ids=[case[0] for case in BAD_OUTPUT])
def test_bad_func_output_at_x0(value, exc_type, pattern):
    func = returning(value)
    with pytest.raises(exc_type, match=pattern):
        leastsq(func, X0)
    assert len(func.calls) == 1  # refused after the one call at x0
    assert_still_works()


@pytest.mark.skipif(not LONGDOUBLE_IS_WIDER,
                    reason="long double is float64 on this platform")
def test_longdouble_func_output_is_refused_rather_than_rounded():
    with pytest.raises(TypeError, match=r"func 'func' .*dtype float(96|128)"):
        leastsq(returning(GOOD.astype(np.longdouble)), X0)


def test_conversion_errors_chain_numpys_explanation():
    with pytest.raises(ValueError, match="cannot be converted") as info:
        leastsq(returning([[1.0], [2.0, 3.0]]), X0)
    assert isinstance(info.value.__cause__, ValueError)
    assert "inhomogeneous" in str(info.value.__cause__)


def test_a_nameless_func_is_described_without_a_name():
    func = functools.partial(returning(None))
    with pytest.raises(TypeError, match=r"^leastsq: func must return real"):
        leastsq(func, X0)


# The same bad outputs, when they first appear at a later call (inside
# MINPACK, through the C trampoline): same exception, same words.
LATER = [case for case in BAD_OUTPUT if "Improper" not in case[3]
         and "x0" not in case[0]] + [
    ("longer", np.zeros(4), ValueError,
     r"^leastsq: func 'func' returned 4 residuals at this call but 3 at "
     r"x0; their number must not change$"),
    ("shorter", np.zeros(2), ValueError,
     r"func 'func' returned 2 residuals at this call but 3 at x0"),
    ("scalar", 0.0, ValueError,
     r"func 'func' returned 1 residuals at this call but 3 at x0"),
    ("empty", [], ValueError,
     r"func 'func' returned 0 residuals at this call but 3 at x0"),
]


@pytest.mark.parametrize("after", [1, 4], ids=["second call", "fifth call"])
@pytest.mark.parametrize("with_dfun", [False, True], ids=["lmdif", "lmder"])
@pytest.mark.parametrize("value, exc_type, pattern",
                         [case[1:] for case in LATER],
                         ids=[case[0] for case in LATER])
def test_bad_func_output_at_a_later_call(value, exc_type, pattern, after,
                                         with_dfun):
    func = returning(value, after=after)
    with pytest.raises(exc_type, match=pattern):
        leastsq(func, FAR, Dfun=curved_jacobian if with_dfun else None)
    assert len(func.calls) == after + 1  # stopped at the first bad call
    assert_still_works()


def test_nan_at_later_points_is_minpacks_business():
    # MINPACK accepts a NaN step (its ratio test is false for NaN) and then
    # never leaves it: ier 5 after maxfev calls, a failure, never success.
    def func(x):
        return residuals(x) if x.tolist() == X0 else np.full(3, np.nan)
    x, cov_x, info, mesg, ier = leastsq(func, X0, full_output=True)
    assert ier == 5 and info["nfev"] == 601 and cov_x is None
    assert np.isnan(x).all() and np.isnan(info["fvec"]).all()
    with pytest.warns(RuntimeWarning, match="maxfev = 600"):
        leastsq(func, X0)
    assert_still_works()


def test_overflow_at_later_points_is_minpacks_business():
    def func(x):
        with np.errstate(all="ignore"):
            return np.array([np.exp(1000.0 * x[0]) - 1.0, x[1] - 2.0, x[0]])
    x, cov_x, info, mesg, ier = leastsq(func, [0.1, 0.1], full_output=True)
    assert ier in (1, 2, 3, 4)
    np.testing.assert_allclose(x, [0.0, 2.0], rtol=0, atol=1e-12)


def test_the_same_buffer_returned_every_time_still_works():
    buffer = np.empty(3)

    def func(x):
        buffer[:] = residuals(x)
        return buffer
    x, ier = leastsq(func, X0)
    assert ier in (1, 2, 3, 4)
    np.testing.assert_allclose(x, SOLUTION, rtol=0, atol=1e-12)


# --- Dfun's output ----------------------------------------------------------

def shape_error(got, expected="(3, 2)", name=" 'dfun'"):
    """scipy's exact message, as a pattern for the whole text."""
    return "^" + re.escape(
        "leastsq: there is a mismatch between the input and output shape of "
        f"the 'Dfun' argument{name}.Shape should be {expected} but it is "
        f"{got}.") + "$"


BAD_JACOBIAN = [
    ("transposed", JAC.T.copy(), False, TypeError, shape_error("(2, 3)")),
    ("not transposed for col_deriv", JAC.copy(), True, TypeError,
     shape_error("(3, 2)", "(2, 3)")),
    ("flat", JAC.ravel(), False, TypeError, shape_error("(6,)")),
    ("flat col_deriv", JAC.T.ravel(), True, TypeError,
     shape_error("(6,)", "(2, 3)")),
    ("3-D", JAC[:, :, None], False, TypeError, shape_error("(3, 2, 1)")),
    ("one row too many", np.ones((4, 2)), False, TypeError,
     shape_error("(4, 2)")),
    ("one column short", np.ones((3, 1)), False, TypeError,
     shape_error("(3, 1)")),
    ("scalar", 1.0, False, TypeError, shape_error("()")),
    ("empty", np.empty((0, 2)), False, TypeError, shape_error("(0, 2)")),
    ("list of rows", [[1.0, 0.0], [0.0, 1.0]], False, TypeError,
     shape_error("(2, 2)")),
    ("None", None, False, TypeError,
     r"^leastsq: Dfun 'dfun' must return real numbers that convert safely "
     r"to float64; it returned NoneType of dtype object$"),
    ("string", "jacobian", False, TypeError,
     r"Dfun 'dfun' must return real numbers.*str of dtype <U8"),
    ("strings", [["1", "0"]] * 3, False, TypeError,
     r"Dfun 'dfun' must return real numbers.*list of dtype <U1"),
    ("complex", JAC + 0j, False, TypeError,
     r"Dfun 'dfun' must return real numbers.*dtype complex128"),
    ("objects", JAC.astype(object), False, TypeError,
     r"Dfun 'dfun' .*numpy.ndarray of dtype object"),
    ("ragged", [[1.0, 0.0], [0.0], [1.0, 1.0]], False, ValueError,
     r"^leastsq: the output of Dfun 'dfun' cannot be converted"),
]


@pytest.mark.parametrize("after", [0, 2], ids=["first call", "third call"])
@pytest.mark.parametrize("value, col_deriv, exc_type, pattern",
                         [case[1:] for case in BAD_JACOBIAN],
                         ids=[case[0] for case in BAD_JACOBIAN])
def test_bad_jacobian(value, col_deriv, exc_type, pattern, after):
    calls = []

    def dfun(x):
        calls.append(1)
        good = curved_jacobian(x)
        good = good.T.copy() if col_deriv else good
        return good if len(calls) <= after else value

    with pytest.raises(exc_type, match=pattern):
        leastsq(curved, FAR, Dfun=dfun, col_deriv=col_deriv)
    assert len(calls) == after + 1
    assert_still_works()


@pytest.mark.parametrize("dfun, name", [
    (functools.partial(lambda j, x: j.T, JAC), ""),
    (type("Jacobian", (), {"__call__": lambda self, x: JAC.T})(), ""),
    (lambda x: JAC.T, " '<lambda>'"),
], ids=["partial", "instance", "lambda"])
def test_shape_error_names_dfun_only_when_it_has_a_name(dfun, name):
    with pytest.raises(TypeError, match=shape_error("(2, 3)", name=name)):
        leastsq(residuals, X0, Dfun=dfun)


def test_nan_jacobian_is_minpacks_business():
    x, cov_x, info, mesg, ier = leastsq(
        residuals, X0, Dfun=lambda x: np.full((3, 2), np.nan),
        full_output=True)
    assert ier == 5 and info["nfev"] == 300 and cov_x is None
    assert_still_works()


@pytest.mark.parametrize("shape", [(3,), (1, 3), (3, 1)])
@pytest.mark.parametrize("col_deriv", [False, True])
def test_a_vector_jacobian_may_lie_along_any_axis(shape, col_deriv):
    # n = 1: the Jacobian's 3 values are accepted along any single axis.
    t = np.array([1.0, 2.0, 3.0])

    def func(p):
        return p[0] * t - 2.0 * t

    def dfun(p):
        return np.reshape(t, shape)
    x, ier = leastsq(func, [0.5], Dfun=dfun, col_deriv=col_deriv)
    assert ier in (1, 2, 3, 4)
    np.testing.assert_allclose(x, [2.0], rtol=1e-14)


@pytest.mark.parametrize("value", [np.ones((2, 2)), np.ones((1, 3, 1)),
                                   np.ones(4)])
def test_a_vector_jacobian_of_the_wrong_size_or_rank_is_refused(value):
    t = np.array([1.0, 2.0, 3.0])
    with pytest.raises(TypeError, match="mismatch between the input and"):
        leastsq(lambda p: p[0] * t - 2.0 * t, [0.5], Dfun=lambda p: value)


# --- exceptions raised inside func and Dfun ----------------------------------

class Unprintable(Exception):
    def __str__(self):
        raise RuntimeError("__str__ of Unprintable")

    __repr__ = __str__


def exception_kinds():
    return [ValueError("plain"), ZeroDivisionError(), FloatingPointError(),
            MemoryError(), RecursionError(), StopIteration(),
            SystemExit(3), KeyboardInterrupt(), GeneratorExit(),
            Custom("custom"), Unprintable(), ArithmeticError("x")]


# Where the exception is raised: (id, uses Dfun, failing call of func,
# failing call of Dfun).  Call 1 of func is the evaluation at x0 in Python;
# later ones come through MINPACK; without Dfun, call 2 is a
# finite-difference point.
WHERE = [
    ("func at x0", False, 1, None),
    ("func finite difference", False, 2, None),
    ("func later", False, 9, None),
    ("lmder func later", True, 3, None),
    ("Dfun first", True, None, 1),
    ("Dfun later", True, None, 3),
]


@pytest.mark.parametrize("where", WHERE, ids=[w[0] for w in WHERE])
@pytest.mark.parametrize("kind", range(len(exception_kinds())),
                         ids=[type(e).__name__ for e in exception_kinds()])
def test_exceptions_propagate_unchanged(kind, where):
    _, with_dfun, func_call, dfun_call = where
    assert_raised_unchanged(lambda func, jac: leastsq(func, FAR, Dfun=jac),
                            curved, curved_jacobian if with_dfun else None,
                            exception_kinds()[kind], func_call, dfun_call)
    assert_still_works()


@pytest.mark.parametrize("error", [
    RuntimeError("from __array__"), KeyboardInterrupt(), MemoryError()])
@pytest.mark.parametrize("after", [0, 3], ids=["at x0", "later"])
def test_exceptions_from_converting_the_output_propagate_unchanged(
        error, after):
    func = returning(ArrayThatRaises(error), after=after)
    with pytest.raises(type(error)) as info:
        leastsq(func, X0)
    assert info.value is error
    assert_still_works()


@pytest.mark.parametrize("error", [TypeError("no"), ValueError("no")])
def test_type_and_value_errors_from_converting_are_chained(error):
    with pytest.raises(type(error), match="output of Dfun 'dfun' cannot be "
                       "converted") as info:
        def dfun(x):
            return ArrayThatRaises(error)
        leastsq(residuals, X0, Dfun=dfun)
    assert info.value.__cause__ is error


def test_a_warning_turned_error_inside_func_propagates():
    calls = []

    def func(x):
        calls.append(1)
        if len(calls) == 5:
            np.log(-x[0] ** 2)  # RuntimeWarning: invalid value
        return curved(x)
    with pytest.raises(RuntimeWarning, match="invalid value"):
        leastsq(func, FAR)  # filterwarnings = error makes it raise
    assert len(calls) == 5
    assert_still_works()


def test_deep_recursion_inside_func_is_a_recursion_error():
    def recurse(k):
        return recurse(k + 1)

    def func(x):
        return recurse(0)
    limit = sys.getrecursionlimit()
    with pytest.raises(RecursionError):
        leastsq(func, X0)
    assert sys.getrecursionlimit() == limit
    assert_still_works()


# --- Ctrl-C -----------------------------------------------------------------

@pytest.mark.skipif(not hasattr(signal, "pthread_kill"),
                    reason="needs signal.pthread_kill")
def test_ctrl_c_stops_a_fit_blocked_in_func(ctrl_c_raises):
    main = threading.get_ident()
    calls = []

    timer = threading.Timer(0.1, signal.pthread_kill, (main, signal.SIGINT))

    def func(x):
        calls.append(1)
        if len(calls) == 3:
            timer.start()
            time.sleep(60)  # interrupted by the timer's SIGINT
        return curved(x)

    start = time.monotonic()
    try:
        with pytest.raises(KeyboardInterrupt):
            leastsq(func, FAR)
    finally:
        timer.cancel()
    assert time.monotonic() - start < 30 and len(calls) == 3
    assert_still_works()


def test_a_pending_interrupt_stops_the_fit_before_the_next_call(ctrl_c_raises):
    calls = []

    def func(x):
        calls.append(1)
        if len(calls) == 4:
            _thread.interrupt_main()  # as if Ctrl-C arrived just now
        return curved(x)

    with pytest.raises(KeyboardInterrupt):
        leastsq(func, FAR)
    assert len(calls) == 4
    assert_still_works()


# --- callables without a usable __name__ ----------------------------------
# Regression: a conversion error from a callable whose __name__ lookup
# failed used to lose numpy's exception and crash (NULL dereference).

class NameRaises:
    """A callable whose __name__ lookup runs Python code and finds none.

    (An exception other than AttributeError from that lookup propagates:
    tests/test_safety_names.py.)
    """

    def __init__(self, output):
        self.output = output

    def __call__(self, x):
        return self.output(x)

    @property
    def __name__(self):
        raise AttributeError("no name")


class NameNotString(NameRaises):
    __name__ = 42


def nameless_callables(output):
    return [functools.partial(output), NameRaises(output),
            NameNotString(output)]


RAGGED = [[1.0], [1.0, 2.0]]


@pytest.mark.parametrize("kind", range(3), ids=["partial", "raising name",
                                                "int name"])
@pytest.mark.parametrize("output, exc_type", [
    (lambda x: RAGGED, ValueError),
    (lambda x: ArrayThatRaises(TypeError("no array")), TypeError),
    (lambda x: [10**400, "a"], TypeError),
], ids=["ragged", "TypeError in __array__", "mixed"])
def test_conversion_errors_of_nameless_callables(kind, output, exc_type):
    func = nameless_callables(output)[kind]
    with pytest.raises(exc_type, match=r"^leastsq: (the output of func "
                       r"cannot be converted|func must return real)"):
        leastsq(func, X0)
    dfun = nameless_callables(output)[kind]
    with pytest.raises(exc_type, match=r"^leastsq: (the output of Dfun "
                       r"cannot be converted|Dfun must return real)"):
        leastsq(residuals, X0, Dfun=dfun)
    later = nameless_callables(
        lambda x: output(x) if x.tolist() != X0 else residuals(x))[kind]
    with pytest.raises(exc_type, match=r"^leastsq: (the output of func "
                       r"cannot|func must return real)"):
        leastsq(later, X0)
    assert_still_works()


@pytest.mark.parametrize("kind", range(3), ids=["partial", "raising name",
                                                "int name"])
def test_shape_errors_of_nameless_callables(kind):
    with pytest.raises(ValueError, match=r"^leastsq: func must return a 1-D"):
        leastsq(nameless_callables(lambda x: np.ones((3, 2)))[kind], X0)
    with pytest.raises(TypeError, match=r"argument\.Shape should be \(3, 2\)"):
        leastsq(residuals, X0,
                Dfun=nameless_callables(lambda x: np.ones((2, 3)))[kind])
    with pytest.raises(ValueError, match=r"^leastsq: func returned 4 "):
        leastsq(nameless_callables(
            lambda x: residuals(x) if x.tolist() == X0 else np.ones(4))[kind],
            X0)
