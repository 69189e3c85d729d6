"""A property-based fuzz of what func and Dfun may return.

Outputs in every form numpy can take them: Python sequences and scalars,
0-d arrays, dtypes safe and unsafe, byte orders, strides, read-only arrays,
ndarray subclasses (some of whose ``__array_finalize__`` sabotage the arrays
numpy makes), and objects whose ``__array__`` raises.  A form may start at
the first call or at a later one.  Whatever comes back, leastsq must do
what an ideal conversion in plain numpy says it should: the same bits as
that conversion's fit, or a TypeError/ValueError of ours, or the very
exception the user's code raised.  Never a crash.
"""

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pyminpack import leastsq
from raising_callbacks import ArrayThatRaises

M, N = 4, 2
X0 = np.array([1.0, 1.0])
T = np.array([0.0, 1.0, 2.0, 3.0])
Y = np.array([2.0, 1.1, 0.7, 0.55])


def residuals(x):
    return x[0] / (1.0 + x[1] * T) - Y


def jacobian(x):
    d = 1.0 + x[1] * T
    return np.column_stack([1.0 / d, -x[0] * T / (d * d)])


class Sabotaging(np.ndarray):
    """Its __array_finalize__ makes every new 1-D array 0-d and every 2-D
    one int8; numpy must never get to run it on what leastsq copies."""

    def __array_finalize__(self, obj):
        # numpy 2.5 deprecates setting an array's shape and dtype (a later
        # numpy will refuse it: AttributeError); while it still works, the
        # sabotage must happen, not be turned into an error by the suite's
        # filterwarnings.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            try:
                if self.ndim == 1:
                    self.shape = ()
                elif self.ndim == 2:
                    self.dtype = np.int8
            except (AttributeError, ValueError, TypeError):
                pass


class Plain(np.ndarray):
    pass


class ViaArray:
    """Not an array, but has one."""

    def __init__(self, array):
        self.array = array

    def __array__(self, dtype=None, copy=None):
        return self.array if dtype is None else self.array.astype(dtype)


DTYPES = ["f8", "f4", "f2", ">f8", "<f4", ">i4", "i8", "i1", "u2", "?",
          "c16", "g", "O", "U8"]
CONTAINERS = ["array", "list", "tuple", "via __array__", "subclass",
              "sabotaging subclass"]
LAYOUTS = ["contiguous", "strided", "reversed", "fortran", "read-only"]
EXCEPTIONS = [TypeError("t"), ValueError("v"), RuntimeError("r"),
              OverflowError("o"), MemoryError("m")]


@st.composite
def output_forms(draw, shapes):
    return {
        "shape": draw(st.sampled_from(shapes)),
        "dtype": draw(st.sampled_from(DTYPES)),
        "container": draw(st.sampled_from(CONTAINERS)),
        "layout": draw(st.sampled_from(LAYOUTS)),
        "raises": draw(st.none() | st.sampled_from(range(len(EXCEPTIONS)))),
        "from_call": draw(st.sampled_from([1, 2, 5])),
    }


def dress(values, form):
    """``values`` (float64) in the form ``form`` describes."""
    if form["raises"] is not None:
        return ArrayThatRaises(EXCEPTIONS[form["raises"]])
    shape = form["shape"]
    array = np.resize(values, shape) if shape != "scalar" else values[0]
    dtype = np.dtype(form["dtype"])
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        array = np.clip(np.round(np.asarray(array) * 100), info.min, info.max)
    array = np.asarray(array).astype(dtype)
    layout = form["layout"]
    if array.ndim >= 1 and layout == "strided":
        array = np.repeat(array, 2, axis=-1)[..., ::2]
    elif array.ndim >= 1 and layout == "reversed":
        array = np.flip(np.flip(array).copy())
    elif array.ndim == 2 and layout == "fortran":
        array = np.asfortranarray(array)
    elif layout == "read-only":
        array = array.copy()
        array.flags.writeable = False
    container = form["container"]
    if container == "list":
        return array.tolist()
    if container == "tuple":
        return tuple(array.tolist()) if array.ndim else array.item()
    if container == "via __array__":
        return ViaArray(array)
    if container == "subclass":
        return array.view(Plain)
    if container == "sabotaging subclass":
        return array.view(Sabotaging)
    return array


def ideal(output):
    """What leastsq should make of ``output``: (float64 array, None) or
    (None, the exception type or the very exception to expect)."""
    if isinstance(output, ArrayThatRaises):
        exc = output.error
        if isinstance(exc, (TypeError, ValueError, OverflowError)):
            return None, TypeError if isinstance(exc, TypeError) \
                else ValueError
        return None, exc
    try:
        array = np.asarray(output)
    except (TypeError, ValueError):
        return None, (TypeError, ValueError)
    if not np.can_cast(array.dtype, np.float64, "safe"):
        return None, TypeError
    return np.array(array, dtype=np.float64), None


def staged(callable_, form):
    """``callable_`` whose output takes ``form`` from call ``from_call``."""
    calls = [0]

    def wrapped(x):
        calls[0] += 1
        value = callable_(x)
        return dress(value, form) if calls[0] >= form["from_call"] else value
    return wrapped


def ideally_staged(callable_, form, check):
    """The same outputs through the ideal conversion."""
    calls = [0]

    def wrapped(x):
        calls[0] += 1
        value = callable_(x)
        if calls[0] < form["from_call"]:
            return value
        array, error = ideal(dress(value, form))
        if error is not None:
            raise Expected(error)
        return check(array)
    return wrapped


class Expected(Exception):
    """Raised by the ideal conversion: leastsq must raise ``error``."""

    def __init__(self, error):
        super().__init__()
        self.error = error


def run_both(x0, staged_fits, ideal_fits, **options):
    """Run the fit through leastsq's conversion and through the ideal one.

    ``staged_fits`` and ``ideal_fits`` are (func, Dfun) pairs.  epsfcn is
    given, since its default depends on the output dtype, which the ideal
    conversion changes to float64.
    """
    options.setdefault("epsfcn", 1e-12)
    try:
        expected = leastsq(*ideal_fits[:1], x0, Dfun=ideal_fits[1],
                           full_output=True, **options)
        error = None
    except Expected as exc:
        expected, error = None, exc.error
    if error is None:
        got = leastsq(staged_fits[0], x0, Dfun=staged_fits[1],
                      full_output=True, **options)
        assert got[4] == expected[4]
        np.testing.assert_array_equal(got[0], expected[0])
        for key in ("fvec", "fjac", "ipvt", "qtf"):
            np.testing.assert_array_equal(got[2][key], expected[2][key])
        assert got[2]["nfev"] == expected[2]["nfev"]
    elif isinstance(error, BaseException):
        with pytest.raises(type(error)) as caught:
            leastsq(staged_fits[0], x0, Dfun=staged_fits[1], **options)
        assert caught.value is error
    else:
        with pytest.raises(error) as caught:
            leastsq(staged_fits[0], x0, Dfun=staged_fits[1], **options)
        assert str(caught.value).startswith(("leastsq: ", "Improper input"))


FUZZ = settings(max_examples=250, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(output_forms(shapes=[(M,), (M, 1), (1, M), (2, 2), (M, 1, 1),
                            (2, M)]))
def test_any_residual_output_is_converted_as_numpy_would(form):
    def check(array):
        if array.ndim > 1:
            raise Expected(ValueError)
        return array.reshape(-1)
    run_both(X0, (staged(residuals, form), None),
             (ideally_staged(residuals, form, check), None))


@FUZZ
@given(output_forms(shapes=[(M, N), (N, M), (M * N,), (1, M * N),
                            (M, N, 1)]),
       st.booleans())
def test_any_jacobian_output_is_converted_as_numpy_would(form, col_deriv):
    def transposed(x):
        return np.ascontiguousarray(jacobian(x).T)

    source = transposed if col_deriv else jacobian
    expected_shape = (N, M) if col_deriv else (M, N)

    def check(array):
        if array.shape != expected_shape:
            raise Expected(TypeError)
        return array

    run_both(X0, (residuals, staged(source, form)),
             (residuals, ideally_staged(source, form, check)),
             col_deriv=col_deriv)


@FUZZ
@given(output_forms(shapes=["scalar", (), (1,), (1, 1), (1, 1, 1)]))
def test_any_one_value_output_is_converted_as_numpy_would(form):
    # m = n = 1: scalars and 0-d arrays count as one residual, and the
    # Jacobian may be any array of one value with at most two axes.
    def one(x):
        return np.array([x[0] * x[0] - 2.0])

    def one_jac(x):
        return np.array([[2.0 * x[0]]])

    def check_residual(array):
        if array.ndim > 1 or array.size != 1:
            raise Expected(ValueError)
        return array.reshape(-1)

    def check_jacobian(array):
        if array.ndim > 2 or array.size != 1:
            raise Expected(TypeError)
        return array.reshape(1, 1)

    x0 = np.array([1.0])
    run_both(x0, (staged(one, form), None),
             (ideally_staged(one, form, check_residual), None))
    run_both(x0, (one, staged(one_jac, form)),
             (one, ideally_staged(one_jac, form, check_jacobian)))
