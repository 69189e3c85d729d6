"""Spec §2: how leastsq reads x0, args, func's and Dfun's output, and options."""

import numpy as np
import pytest

from pyminpack import leastsq
from problems import BY_NAME

USERS_GUIDE = BY_NAME["users_guide"]


def shifted(x):
    """Residuals with the solution x = 1, 2, ..., n; m = n + 1."""
    x = np.asarray(x)
    return np.append(x - np.arange(1.0, x.size + 1), 0.0)


# --- x0 -------------------------------------------------------------------

def test_x0_is_flattened_in_c_order():
    seen = []

    def func(x):
        seen.append(x.copy())
        return shifted(x)

    x0 = np.array([[1.0, 2.0], [3.0, 4.0]], order="F")
    x, ier = leastsq(func, x0)
    assert seen[0].tolist() == [1.0, 2.0, 3.0, 4.0]
    assert x.shape == (4,) and ier in (1, 2, 3, 4)


@pytest.mark.parametrize("x0", [3, 3.0, np.float32(3.0), np.array(3.0),
                                True, [3]])
def test_scalars_and_0d_arrays_give_n_1(x0):
    seen = []

    def func(x):
        seen.append((x.shape, x.dtype))
        return np.array([x[0] - 1.0, 0.0])

    x, ier = leastsq(func, x0)
    assert seen[0] == ((1,), np.float64)
    assert x.shape == (1,) and x.dtype == np.float64
    assert x[0] == pytest.approx(1.0)


@pytest.mark.parametrize("dtype", [np.int8, np.int64, np.uint16, np.bool_,
                                   np.float16, np.float32, np.float64])
def test_real_dtypes_are_accepted_and_converted_to_float64(dtype):
    x0 = np.ones(2, dtype=dtype)
    seen = []

    def func(x):
        seen.append(x.dtype)
        return shifted(x)

    x, ier = leastsq(func, x0)
    assert seen[0] == np.float64 and x.dtype == np.float64
    np.testing.assert_allclose(x, [1.0, 2.0])


@pytest.mark.parametrize("x0", [np.array([1 + 1j]), np.array([1.0], np.longdouble),
                                "abc", ["1.0", "2.0"], np.array([None])])
def test_complex_longdouble_strings_and_objects_raise_typeerror(x0):
    with pytest.raises(TypeError, match="x0"):
        leastsq(shifted, x0)


def test_callers_x0_is_never_modified_and_x_is_new():
    x0 = np.array([5.0, 5.0])
    before = x0.copy()
    x, ier = leastsq(shifted, x0)
    assert np.array_equal(x0, before)
    assert x is not x0 and not np.shares_memory(x, x0)
    assert x.shape == (2,) and x.dtype == np.float64


# --- args ------------------------------------------------------------------

def test_non_tuple_args_is_wrapped_and_objects_are_passed_themselves():
    marker = object()
    received = []

    def func(x, extra):
        received.append(extra)
        return shifted(x)

    leastsq(func, [0.0], args=marker)
    assert received and all(r is marker for r in received)
    received.clear()
    leastsq(func, [0.0], args=None)
    assert received and all(r is None for r in received)


def test_args_tuple_items_reach_func_and_dfun_unchanged():
    data = [1.0, 2.0]
    seen = set()

    def func(x, a, b):
        seen.add((id(a), id(b)))
        return shifted(x)

    def jac(x, a, b):
        seen.add((id(a), id(b)))
        return np.array([[1.0], [0.0]])

    leastsq(func, [0.0], args=(data, "k"), Dfun=jac)
    assert seen == {(id(data), id("k"))}


# --- func output -------------------------------------------------------------

def test_0d_output_is_allowed_when_m_is_1():
    x, ier = leastsq(lambda x: (x[0] - 3.0) * 2.0, [0.0])
    assert ier in (1, 2, 3, 4) and x[0] == pytest.approx(3.0)


def test_n_greater_than_m_is_scipys_typeerror():
    with pytest.raises(TypeError) as info:
        leastsq(lambda x: x[:2], [1.0, 2.0, 3.0])
    assert str(info.value).startswith(
        "Improper input: func input vector length N=3 must not exceed func "
        "output vector length M=2")


def test_2d_output_raises_valueerror_naming_func():
    def two_d(x):
        return np.ones((2, 2))

    with pytest.raises(ValueError, match=r"func 'two_d'.*1-D.*\(2, 2\)"):
        leastsq(two_d, [1.0])


@pytest.mark.parametrize("output", [np.array([1j, 2j]), ["a", "b"]])
def test_non_real_output_raises_typeerror_naming_func(output):
    def bad(x):
        return output

    with pytest.raises(TypeError, match="func 'bad'.*float64"):
        leastsq(bad, [1.0])


def test_unconvertible_output_chains_numpys_error():
    def ragged(x):
        return [[1.0, 2.0], [3.0]]

    with pytest.raises(ValueError, match="func 'ragged'") as info:
        leastsq(ragged, [1.0])
    assert isinstance(info.value.__cause__, ValueError)


def test_changing_output_length_raises_valueerror():
    calls = []

    def shrinking(x):
        calls.append(1)
        return np.ones(3 if len(calls) == 1 else 2) * x[0]

    with pytest.raises(ValueError, match="func 'shrinking' returned 2 residuals.*3 at x0"):
        leastsq(shrinking, [1.0])


# --- Dfun output -------------------------------------------------------------

@pytest.mark.parametrize("col_deriv", [False, True])
def test_dfun_layouts_give_the_same_fit(col_deriv):
    p = BY_NAME["gaussian"]
    jac = p.jac_transposed if col_deriv else p.jac
    x, cov, info, mesg, ier = leastsq(p.func, p.x0, p.args, jac, True,
                                      col_deriv)
    xr, covr, infor, _, ierr = leastsq(p.func, p.x0, p.args, p.jac, True)
    assert ier == ierr and np.array_equal(x, xr)
    assert info["nfev"] == infor["nfev"] and info["njev"] == infor["njev"]


def test_wrong_dfun_shape_is_scipys_typeerror_text():
    def jac(x):
        return np.zeros((2, 3))

    with pytest.raises(TypeError) as info:
        leastsq(lambda x: np.ones(3) * x[0] + x[1], [1.0, 2.0], Dfun=jac)
    assert str(info.value) == (
        "leastsq: there is a mismatch between the input and output shape of "
        "the 'Dfun' argument 'jac'.Shape should be (3, 2) but it is (2, 3).")


def test_wrong_col_deriv_shape_message_and_nameless_callable():
    class Jacobian:
        def __call__(self, x):
            return np.zeros((3, 2))

    with pytest.raises(TypeError) as info:
        leastsq(lambda x: np.ones(3) * x[0] + x[1], [1.0, 2.0],
                Dfun=Jacobian(), col_deriv=True)
    assert str(info.value) == (
        "leastsq: there is a mismatch between the input and output shape of "
        "the 'Dfun' argument.Shape should be (2, 3) but it is (3, 2).")


def test_dfun_shape_is_checked_on_every_call():
    calls = []

    def jac(x):
        calls.append(1)
        if len(calls) < 3:
            return np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]])
        return np.zeros((2, 3))

    def func(x):
        return np.array([x[0] ** 2 - 4.0, x[1] ** 3 - 8.0, 0.0])

    with pytest.raises(TypeError, match=r"should be \(3, 2\) but it is \(2, 3\)"):
        leastsq(func, [1.0, 1.0], Dfun=jac)
    assert len(calls) == 3


@pytest.mark.parametrize("shape", [(3,), (3, 1), (1, 3)])
def test_one_parameter_jacobian_may_be_a_vector(shape):
    t = np.array([0.0, 1.0, 2.0])

    def func(x):
        return x[0] * t - 2.0 * t

    x, ier = leastsq(func, [0.0], Dfun=lambda x: t.reshape(shape))
    assert ier in (1, 2, 3, 4) and x[0] == pytest.approx(2.0)


# --- epsfcn, maxfev, diag and MINPACK-rejected values --------------------------

def test_epsfcn_none_is_the_epsilon_of_funcs_output_dtype():
    p = BY_NAME["decay"]

    def func32(x, t, y):
        return p.func(x, t, y).astype(np.float32)

    default = leastsq(func32, p.x0, p.args, full_output=True)
    explicit = leastsq(func32, p.x0, p.args, full_output=True,
                       epsfcn=float(np.finfo(np.float32).eps))
    float64_eps = leastsq(func32, p.x0, p.args, full_output=True,
                          epsfcn=float(np.finfo(np.float64).eps))
    assert np.array_equal(default[0], explicit[0])
    assert default[2]["nfev"] == explicit[2]["nfev"]
    assert not np.array_equal(default[0], float64_eps[0])


def test_epsfcn_none_with_integer_output_is_float64s():
    def int_residuals(x):
        return np.round(np.array([x[0] - 7.0, 0.0]) * 1000).astype(np.int64)

    default = leastsq(int_residuals, [0.0], full_output=True)
    explicit = leastsq(int_residuals, [0.0], full_output=True,
                       epsfcn=float(np.finfo(np.float64).eps))
    assert np.array_equal(default[0], explicit[0])
    assert default[2]["nfev"] == explicit[2]["nfev"]


def exploding(x):
    """Never converges: exp(x) keeps decreasing as x goes to -inf."""
    return np.exp(np.append(x, x[0]))


@pytest.mark.parametrize("maxfev", [0, -5])
@pytest.mark.parametrize("n", [1, 2])
def test_default_maxfev_without_dfun_is_200_n_plus_1(maxfev, n):
    x, cov, info, mesg, ier = leastsq(exploding, np.ones(n), maxfev=maxfev,
                                      full_output=True)
    assert ier == 5
    assert mesg == f"Number of calls to function has reached maxfev = {200 * (n + 1)}."
    assert 200 * (n + 1) <= info["nfev"] <= 200 * (n + 1) + n


def test_default_maxfev_with_dfun_is_100_n_plus_1():
    def jac(x):
        return np.exp(np.array([[x[0]], [x[0]]]))

    x, cov, info, mesg, ier = leastsq(exploding, [1.0], Dfun=jac,
                                      full_output=True)
    assert ier == 5 and info["nfev"] == 200
    assert mesg.endswith("maxfev = 200.")


def test_diag_given_uses_mode_2_and_changes_the_path():
    p = BY_NAME["decay"]
    auto = leastsq(p.func, p.x0, p.args, full_output=True)
    scaled = leastsq(p.func, p.x0, p.args, full_output=True,
                     diag=[1.0, 50.0, 0.01])
    assert auto[4] in (1, 2, 3, 4) and scaled[4] in (1, 2, 3, 4)
    np.testing.assert_allclose(scaled[0], auto[0], rtol=1e-6)
    assert auto[2]["nfev"] != scaled[2]["nfev"]


@pytest.mark.parametrize("diag", [[1.0], [1.0, 1.0, 1.0, 1.0]])
def test_diag_of_the_wrong_length_raises_valueerror(diag):
    p = BY_NAME["decay"]
    with pytest.raises(ValueError, match=r"diag.*n=3.*has %d" % len(diag)):
        leastsq(p.func, p.x0, p.args, diag=diag)


@pytest.mark.parametrize("options", [
    {"ftol": -1.0}, {"xtol": -1e-3}, {"gtol": -0.5}, {"factor": 0.0},
    {"factor": -10}, {"diag": [1.0, 0.0, 1.0]}, {"diag": [1.0, -2.0, 1.0]},
])
def test_values_minpack_rejects_give_ier_0(options):
    p = BY_NAME["decay"]
    x, cov, info, mesg, ier = leastsq(p.func, p.x0, p.args, full_output=True,
                                      **options)
    assert ier == 0 and mesg == "Improper input parameters."
    with pytest.raises(TypeError, match="^Improper input parameters.$"):
        leastsq(p.func, p.x0, p.args, **options)


def test_empty_x0_gives_ier_0():
    x, cov, info, mesg, ier = leastsq(lambda x: np.ones(2), [],
                                      full_output=True)
    assert ier == 0 and x.shape == (0,) and cov is None


# --- non-finite x0 and func(x0) ------------------------------------------------

@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_x0_raises_valueerror_naming_the_entry(bad):
    with pytest.raises(ValueError, match=r"x0 must be finite.*entry 1.*check_finite"):
        leastsq(shifted, [1.0, bad])


def test_non_finite_func_at_x0_raises_valueerror():
    def func(x):
        return np.array([x[0], np.nan, 1.0])

    with pytest.raises(ValueError, match=r"func\(x0\) must be finite.*entry 1"):
        leastsq(func, [1.0])


def test_check_finite_false_passes_non_finite_values_to_minpack():
    calls = []

    def func(x):
        calls.append(x.copy())
        return np.array([x[0] - 1.0, x[0] + 1.0])

    with pytest.raises(ValueError, match="x0 must be finite"):
        leastsq(func, [np.nan])
    assert calls == []  # refused before func is called
    x, cov, info, mesg, ier = leastsq(func, [np.nan], full_output=True,
                                      check_finite=False)
    assert np.isnan(calls[0][0])  # MINPACK got x0 as it was
    # and, with this build, never leaves the NaN: maxfev = 200 * (n + 1)
    # (docs/guide/differences.md, "Differences to know when porting")
    assert ier == 5 and mesg.endswith("maxfev = 400.")
    assert info["nfev"] == 401 == len(calls)
    assert all(np.isnan(c[0]) for c in calls)
    assert np.isnan(x[0]) and cov is None
