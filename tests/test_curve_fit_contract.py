"""shared/spec/curve_fit.md §1-§14 and §19: pyminpack.curve_fit's contract.

Where a result is compared, the reference is built from the spec itself: a
residual and Jacobian formed as §7 says, handed to pyminpack.leastsq, must
give curve_fit's answer to the bit.  Each test named test_improve_* checks
a point the spec marks **Improve**, where scipy's behaviour is a defect: it
fails when run against scipy.optimize.curve_fit.
"""

import functools
import inspect
import re
import signal
import subprocess
import sys
import threading
import warnings
from pathlib import Path

import numpy as np
import pytest

import pyminpack
from pyminpack import OptimizeWarning, curve_fit, leastsq

COV_WARNING = "Covariance of the parameters could not be estimated"
NOT_FINITE = "array must not contain infs or NaNs"
BAD_SHAPE = "`sigma` has incorrect shape."
NOT_PD = "`sigma` must be positive definite."
BAD_POLICY = "nan_policy must be one of {None, 'raise', 'omit'}"
BAD_METHOD = "`method` must be 'trf', 'dogbox' or 'lm'."


def exactly(message):
    """A pytest.raises match for the whole message, as users match it."""
    return "^" + re.escape(message) + "$"


# --- models and data --------------------------------------------------------

def lin(x, a, b):
    return a * x + b


def lin_jac(x, a, b):
    return np.column_stack([x, np.ones_like(x)])


def decay(x, a, b):
    return a * np.exp(-b * x)


def decay_jac(x, a, b):
    e = np.exp(-b * x)
    return np.column_stack([e, -a * x * e])


def scale(x, a):
    return a * x


X = np.linspace(0.0, 3.0, 12)
Y = decay(X, 2.5, 1.3) + 0.01 * np.sin(7.0 * X)  # noisy, deterministic
SIGMA = 0.5 + 0.1 * np.cos(3.0 * X)
M = X.size


def covariance(m=M, rho=0.3):
    """A well-conditioned, correlated covariance matrix."""
    s = 0.5 + 0.1 * np.cos(3.0 * np.linspace(0.0, 3.0, m))
    i = np.arange(m)
    return np.outer(s, s) * rho ** np.abs(i[:, None] - i[None, :])


def reference(residual, p0, dfun=None, **options):
    """What leastsq gives for the residual of §7 (full output)."""
    return leastsq(residual, np.asarray(p0, dtype=float), Dfun=dfun,
                   full_output=True, **options)


def assert_same_fit(ours, theirs):
    """popt, fvec, nfev, ier and mesg bitwise equal; pcov bitwise."""
    assert ours[0].tobytes() == theirs[0].tobytes()
    assert ours[1].tobytes() == theirs[1].tobytes()
    assert list(ours[2]) == list(theirs[2])
    for key in ("fvec", "nfev", "njev"):
        if key in theirs[2]:
            assert np.asarray(ours[2][key]).tobytes() == \
                np.asarray(theirs[2][key]).tobytes(), key
    assert ours[3] == theirs[3] and ours[4] == theirs[4]


def relative_pcov(cov_x, fvec, n):
    return cov_x * (np.sum(fvec ** 2) / (fvec.size - n))


class Recorder:
    """Keeps each call's (xdata, params); has the model's signature."""

    def __init__(self, function):
        functools.update_wrapper(self, function)
        self.function = function
        self.calls = []

    def __call__(self, x, *p):
        self.calls.append((x, p))
        return self.function(x, *p)


# --- §1 signature and defaults -----------------------------------------------

def test_signature_matches_scipys():
    parameters = list(inspect.signature(curve_fit).parameters.values())
    positional = [(p.name, p.default) for p in parameters
                  if p.kind is p.POSITIONAL_OR_KEYWORD]
    assert [name for name, _ in positional] == [
        "f", "xdata", "ydata", "p0", "sigma", "absolute_sigma",
        "check_finite", "bounds", "method", "jac"]
    defaults = dict(positional)
    assert defaults["p0"] is None and defaults["sigma"] is None
    assert defaults["absolute_sigma"] is False
    assert defaults["check_finite"] is None and defaults["method"] is None
    assert defaults["jac"] is None
    bounds = defaults["bounds"]
    assert type(bounds) is tuple and len(bounds) == 2
    assert bounds[0] == -np.inf and bounds[1] == np.inf
    keyword_only = {p.name: p.default for p in parameters
                    if p.kind is p.KEYWORD_ONLY}
    assert keyword_only.get("full_output", "missing") is False
    assert keyword_only.get("nan_policy", "missing") is None
    assert parameters[-1].kind is inspect.Parameter.VAR_KEYWORD
    # New options, if any, are keyword-only: nothing else is positional.
    assert all(p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY,
                          p.VAR_KEYWORD) for p in parameters)


def test_an_eleventh_positional_argument_is_a_type_error():
    with pytest.raises(TypeError,
                       match="takes from 3 to 10 positional arguments"):
        curve_fit(lin, X, Y, None, None, False, None, (-np.inf, np.inf),
                  None, None, False)


def test_full_output_and_nan_policy_are_keyword_only():
    parameters = inspect.signature(curve_fit).parameters
    assert parameters["full_output"].kind is inspect.Parameter.KEYWORD_ONLY
    assert parameters["nan_policy"].kind is inspect.Parameter.KEYWORD_ONLY


def test_exports_docstring_and_stub():
    assert "curve_fit" in pyminpack.__all__
    assert "OptimizeWarning" in pyminpack.__all__
    assert pyminpack.curve_fit is curve_fit
    doc = inspect.getdoc(curve_fit)
    for section in ("Parameters", "Returns", "Raises", "Warns", "Examples"):
        assert re.search(rf"^{section}\n-{{{len(section)}}}$", doc, re.M), \
            section
    for name in ("f", "xdata", "ydata", "p0", "sigma", "absolute_sigma",
                 "check_finite", "bounds", "method", "jac", "full_output",
                 "nan_policy", "kwargs"):
        assert re.search(rf"^\**{name}( :|$)", doc, re.M), name
    assert "1-based" in doc and "epsfcn" in doc  # §12, §20
    package = Path(pyminpack.__file__).parent
    stub = package / "_curve_fit.pyi"
    assert (package / "_leastsq.pyi").is_file() and stub.is_file()
    assert "def curve_fit(" in stub.read_text()


def test_importing_pyminpack_and_fitting_never_imports_scipy():
    code = ("import sys, numpy as np, pyminpack\n"
            "pyminpack.curve_fit(lambda x, a: a * x, [1.0, 2.0], [2.0, 4.1])\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] == "
            "'scipy'))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True,
                         text=True, check=True).stdout
    assert out.strip() == "[]"


# --- flags are read by truth value (§1) --------------------------------------

def test_absolute_sigma_is_read_by_truth_value():
    truthy = curve_fit(decay, X, Y, sigma=SIGMA, absolute_sigma="no")
    absolute = curve_fit(decay, X, Y, sigma=SIGMA, absolute_sigma=True)
    relative = curve_fit(decay, X, Y, sigma=SIGMA, absolute_sigma=0)
    default = curve_fit(decay, X, Y, sigma=SIGMA)
    assert truthy[1].tobytes() == absolute[1].tobytes()
    assert relative[1].tobytes() == default[1].tobytes()
    assert not np.array_equal(absolute[1], relative[1])


def test_check_finite_is_read_by_truth_value():
    x = np.append(X, np.inf)  # the model is finite there: exp(-inf) = 0
    y = np.append(Y, 0.0)
    with pytest.raises(ValueError, match=exactly(NOT_FINITE)):
        curve_fit(decay, x, y, check_finite=1)
    with pytest.raises(ValueError, match=exactly(NOT_FINITE)):
        curve_fit(decay, x, y, check_finite="no")
    popt, pcov = curve_fit(decay, x, y, check_finite=0)
    assert np.all(np.isfinite(popt)) and np.all(np.isfinite(pcov))


@pytest.mark.parametrize("flag, length", [(1, 5), ("yes", 5), (0, 2),
                                          ("", 2), (None, 2)])
def test_full_output_is_read_by_truth_value(flag, length):
    assert len(curve_fit(decay, X, Y, full_output=flag)) == length


# --- §2 the number of parameters, and p0 -------------------------------------

@pytest.mark.parametrize("p0, n", [([[1, 1]], 2), (1.0, 1), (3, 1),
                                   ([True, 2], 2), (np.ones((1, 2, 1)), 2)])
def test_p0_of_any_shape_is_flattened(p0, n):
    def model(x, *p):
        assert len(p) == n and all(type(v) is np.float64 for v in p)
        return sum(v * x ** k for k, v in enumerate(p))
    popt, pcov = curve_fit(model, X, Y, p0=p0)
    assert popt.shape == (n,) and popt.dtype == np.float64
    assert pcov.shape == (n, n) and pcov.dtype == np.float64


def test_p0_is_never_modified_and_popt_is_new():
    p0 = np.array([1.0, 1.0])
    kept = p0.copy()
    popt, pcov = curve_fit(decay, X, Y, p0=p0)
    assert np.array_equal(p0, kept) and popt is not p0
    assert not np.shares_memory(popt, p0)
    p0_list = [1, 1]
    curve_fit(decay, X, Y, p0=p0_list)
    assert p0_list == [1, 1]


class Model:
    def method(self, x, a, b):
        return decay(x, a, b)

    @classmethod
    def klass(cls, x, a, b):
        return decay(x, a, b)

    @staticmethod
    def static(x, a, b):
        return decay(x, a, b)

    def __call__(self, x, a, b):
        return decay(x, a, b)


def _leading(c, x, a, b):
    return decay(x, a, b) + c


def _trailing(x, a, b, c=0.0):
    return decay(x, a, b) + c


def _decorate(function):
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        return function(*args, **kwargs)
    return wrapper


def _with_default(x, a, b=1.0):
    return decay(x, a, b)


def _with_extras(x, a, b, *rest, scale=1.0, **options):
    return scale * decay(x, a, b)


@pytest.mark.parametrize("model", [
    Model().method, Model.klass, Model().klass, Model.static, Model(),
    functools.partial(_leading, 0.0), functools.partial(_trailing, c=0.0),
    _decorate(decay), _with_default, _with_extras,
], ids=["bound", "classmethod", "classmethod_on_instance", "staticmethod",
        "callable_instance", "partial_positional", "partial_keyword_after",
        "wraps", "default", "extras_not_counted"])
def test_n_is_read_from_the_signature(model):
    popt, pcov = curve_fit(model, X, Y)
    assert popt.shape == (2,)
    reference_popt, _ = curve_fit(decay, X, Y, p0=[1.0, 1.0])
    assert popt.tobytes() == reference_popt.tobytes()


def test_a_keyword_bound_partial_makes_the_rest_keyword_only():
    # partial(f, b=...) turns b and everything after it keyword-only.
    model = functools.partial(_trailing, b=1.3)
    popt, pcov = curve_fit(model, X, Y)
    assert popt.shape == (1,) and pcov.shape == (1, 1)
    fixed_b = curve_fit(lambda x, a: decay(x, a, 1.3), X, Y)
    assert popt.tobytes() == fixed_b[0].tobytes()


def test_p0_none_is_ones_of_float64():
    calls = Recorder(decay)
    curve_fit(calls, X, Y)
    first = calls.calls[0][1]
    assert first == (1.0, 1.0) and all(type(v) is np.float64 for v in first)


def _no_parameters(x):
    return x


def _nothing():
    return 0.0


def _only_varargs(x, *p):
    return x


def _keyword_only(x, *, a):
    return a * x


@pytest.mark.parametrize("model", [_no_parameters, _nothing, _only_varargs,
                                   _keyword_only])
def test_fewer_than_two_positional_parameters(model):
    with pytest.raises(ValueError, match=exactly(
            "Unable to determine number of fit parameters.")):
        curve_fit(model, X, Y)


def test_a_builtin_without_signature_gives_inspects_error():
    with pytest.raises(ValueError, match="no signature found for builtin"):
        curve_fit(max, X, Y)


def test_a_non_callable_f():
    with pytest.raises(TypeError, match="is not a callable object"):
        curve_fit(5, X, Y)
    with pytest.raises(TypeError, match="'int' object is not callable"):
        curve_fit(5, X, Y, p0=[1.0, 1.0])


def test_p0_of_the_wrong_length_is_f_s_business():
    with pytest.raises(TypeError, match=re.escape(
            "lin() takes 3 positional arguments but 4 were given")):
        curve_fit(lin, X, Y, p0=[1.0, 1.0, 1.0])

    def uses_one(x, *p):
        return p[0] * x
    with pytest.warns(OptimizeWarning, match=COV_WARNING):
        popt, pcov = curve_fit(uses_one, X, 2.0 * X + np.sin(X), p0=[1, 1])
    assert popt[1] == 1.0 and np.all(pcov == np.inf)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_improve_non_finite_p0_is_a_value_error(bad):
    with pytest.raises(ValueError, match=r"p0.*entry 1 is .*check_finite="
                                         r"False"):
        curve_fit(decay, X, Y, p0=[1.0, bad])


def test_improve_non_finite_p0_with_full_output_raises_too():
    with pytest.raises(ValueError, match="p0"):
        curve_fit(decay, X, Y, p0=[np.nan, 1.0], full_output=True)


@pytest.mark.parametrize("p0", [[1j, 1.0], ["a", "b"]])
def test_complex_or_string_p0_is_a_type_error(p0):
    with pytest.raises(TypeError):
        curve_fit(decay, X, Y, p0=p0)


@pytest.mark.parametrize("p0", [[], np.empty((0, 2))])
def test_improve_empty_p0_is_a_value_error(p0):
    with pytest.raises(ValueError, match="p0") as info:
        curve_fit(decay, X, Y, p0=p0)
    assert re.search(r"empty|nothing|no parameter", str(info.value))


@pytest.mark.skipif(sys.version_info < (3, 14),
                    reason="annotations are evaluated lazily from 3.14 on")
def test_annotations_are_not_evaluated(tmp_path):
    source = ("from typing import TYPE_CHECKING\n"
              "if TYPE_CHECKING:\n"
              "    from nowhere import Thing\n"
              "def model(x: Thing, a: Thing, b: Thing) -> Thing:\n"
              "    return a * x + b\n")
    namespace = {}
    exec(compile(source, str(tmp_path / "m.py"), "exec"), namespace)
    popt, pcov = curve_fit(namespace["model"], X, 2.0 * X + 1.0)
    assert popt.shape == (2,)


# --- §3 xdata ----------------------------------------------------------------

def test_a_float64_ndarray_is_passed_as_itself():
    seen = Recorder(decay)
    curve_fit(seen, X, Y)
    assert all(x is X for x, _ in seen.calls)


@pytest.mark.parametrize("xdata", [list(X), tuple(X), X.astype(np.float32),
                                   X.astype(int), np.ma.array(X)])
def test_lists_tuples_and_ndarrays_become_float64_arrays(xdata):
    seen = Recorder(decay)
    curve_fit(seen, xdata, Y)
    x = seen.calls[0][0]
    assert type(x) is np.ndarray and x.dtype == np.float64
    assert np.array_equal(x, np.asarray(xdata, float))
    assert all(call[0] is x for call in seen.calls)  # the same object


def test_a_masked_array_loses_its_mask():
    xdata = np.ma.array(X, mask=[True] + [False] * (M - 1))
    seen = Recorder(decay)
    ours = curve_fit(seen, xdata, Y)
    assert type(seen.calls[0][0]) is np.ndarray
    assert ours[0].tobytes() == curve_fit(decay, X.copy(), Y)[0].tobytes()


def test_numeric_strings_convert():
    seen = Recorder(lin)
    curve_fit(seen, ["0", "1", "2", "3"], [1.0, 3.1, 4.9, 7.0])
    assert seen.calls[0][0].tolist() == [0.0, 1.0, 2.0, 3.0]


def test_conversion_errors_are_numpys():
    with pytest.raises(ValueError, match="could not convert string to "
                                         "float: 'a'"):
        curve_fit(lin, ["a", "b"], [1.0, 2.0])
    with pytest.raises(ValueError, match="inhomogeneous"):
        curve_fit(lin, [[1.0, 2.0], [1.0]], [1.0, 2.0])
    # Whatever check_finite is.
    with pytest.raises(ValueError, match="could not convert string"):
        curve_fit(lin, ["a", "b"], [1.0, 2.0], check_finite=False)


def test_complex_xdata_loses_its_imaginary_part_with_a_warning():
    seen = Recorder(decay)
    with pytest.warns(np.exceptions.ComplexWarning):
        curve_fit(seen, X + 1j, Y)
    assert np.array_equal(seen.calls[0][0], X)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
@pytest.mark.parametrize("kind", [list, tuple, np.array])
def test_non_finite_converted_xdata_with_check_finite(bad, kind):
    xdata = kind([0.0, 1.0, bad, 3.0])
    with pytest.raises(ValueError, match=exactly(NOT_FINITE)):
        curve_fit(lin, xdata, [1.0, 2.0, 3.0, 4.0])


class Opaque:
    """A user's xdata class: curve_fit must not look inside."""

    def __init__(self, values):
        self.values = values


def _passthrough_cases():
    gen = (v for v in [1.0])
    return [None, 3.0, float("nan"), range(12), gen,
            {"t": X, "bad": np.nan}, Opaque(X)]


@pytest.mark.parametrize("xdata", _passthrough_cases(),
                         ids=["None", "scalar", "scalar_nan", "range",
                              "generator", "dict", "user_class"])
def test_other_xdata_is_passed_unchanged_and_unchecked(xdata):
    seen = []

    def model(x, a, b):
        seen.append(x)
        return decay(X, a, b)

    popt, pcov = curve_fit(model, xdata, Y)
    assert seen and all(x is xdata for x in seen)
    assert popt.tobytes() == curve_fit(decay, X, Y)[0].tobytes()


@pytest.mark.parametrize("xdata", [(X, X ** 2), [X, X ** 2],
                                   np.vstack([X, X ** 2])])
def test_two_dimensional_xdata(xdata):
    seen = []

    def model(x, a, b):
        seen.append(x)
        return a * x[0] + b * x[1]

    popt, pcov = curve_fit(model, xdata, 2.0 * X - 0.5 * X ** 2)
    assert seen[0].shape == (2, M) and seen[0].dtype == np.float64
    np.testing.assert_allclose(popt, [2.0, -0.5], rtol=1e-9)


def test_f_and_jac_get_the_same_xdata_object_every_call():
    f = Recorder(decay)
    jac = Recorder(decay_jac)
    curve_fit(f, list(X), Y, jac=jac)
    first = f.calls[0][0]
    assert all(x is first for x, _ in f.calls + jac.calls)


# --- §4 ydata and check_finite -----------------------------------------------

@pytest.mark.parametrize("ydata", [list(Y), Y.astype(np.float32).tolist(),
                                   np.ma.array(Y, mask=[True] * M),
                                   [str(v) for v in Y]])
def test_ydata_is_always_converted_to_float64(ydata):
    ours = curve_fit(decay, X, ydata, full_output=True)
    y = np.asarray(ydata, float)
    np.testing.assert_array_equal(ours[2]["fvec"],
                                  decay(X, *ours[0]) - y)


def test_int_and_float32_ydata():
    y = np.array([5, 3, 2, 1, 1, 0])
    t = np.arange(6.0)
    popt, _ = curve_fit(decay, t, y)
    assert popt.tobytes() == curve_fit(decay, t, y.astype(float))[0].tobytes()
    y32 = Y.astype(np.float32)
    popt, _ = curve_fit(decay, X, y32)
    assert popt.tobytes() == \
        curve_fit(decay, X, y32.astype(np.float64))[0].tobytes()


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_ydata_with_check_finite(bad):
    y = Y.copy()
    y[4] = bad
    with pytest.raises(ValueError, match=exactly(NOT_FINITE)):
        curve_fit(decay, X, y)
    with pytest.raises(ValueError, match=exactly(NOT_FINITE)):
        curve_fit(decay, X, y, check_finite=True, nan_policy="omit")


def test_string_and_complex_ydata():
    with pytest.raises(ValueError, match="could not convert string to float"):
        curve_fit(lin, [1.0, 2.0, 3.0], ["a", "b", "c"])
    with pytest.warns(np.exceptions.ComplexWarning):
        popt, _ = curve_fit(decay, X, Y + 2j)
    assert popt.tobytes() == curve_fit(decay, X, Y)[0].tobytes()


def test_the_callers_ydata_is_not_modified():
    y = Y.copy()
    curve_fit(decay, X, y, sigma=SIGMA)
    assert np.array_equal(y, Y)


@pytest.mark.parametrize("ydata", [[], np.empty((0,)), np.empty((3, 0))])
def test_empty_ydata(ydata):
    with pytest.raises(ValueError, match=exactly(
            "`ydata` must not be empty!")):
        curve_fit(lin, X, ydata)


def test_empty_xdata_is_not_checked():
    def model(x, a, b):
        assert x.size == 0
        return decay(X, a, b)
    popt, _ = curve_fit(model, [], Y)
    assert popt.tobytes() == curve_fit(decay, X, Y)[0].tobytes()


def test_size_one_ydata_broadcasts_and_m_is_fs_output_length():
    def residual_model(x, a, b):
        return decay(x, a, b) - Y
    broadcast = curve_fit(residual_model, X, 0.0, full_output=True)
    full = curve_fit(residual_model, X, np.zeros(M), full_output=True)
    assert broadcast[2]["fvec"].size == M
    assert broadcast[0].tobytes() == full[0].tobytes()
    assert broadcast[1].tobytes() == full[1].tobytes()
    assert np.all(np.isfinite(broadcast[1]))  # m = 12, not ydata.size = 1


@pytest.mark.parametrize("shape", ["ydata", "f"])
def test_improve_more_than_one_dimension_is_a_value_error(shape):
    if shape == "ydata":
        args = (decay, X, np.vstack([Y, Y]))
    else:
        args = (lambda x, a, b: np.vstack([decay(x, a, b)] * 2), X, 0.0)
    with pytest.raises(ValueError) as info:
        curve_fit(*args)
    message = str(info.value)
    assert "f(xdata, *p) - ydata" in message and "(2, 12)" in message


def _nan_model(x, a, b):
    out = decay(x, a, b)
    out[3] = np.nan
    return out


def _inf_model(x, a, b):
    out = decay(x, a, b)
    out[3] = np.inf
    return out


@pytest.mark.parametrize("model", [_nan_model, _inf_model])
def test_improve_a_model_non_finite_at_p0_is_a_value_error(model):
    with pytest.raises(ValueError, match=r"p0.*check_finite=False") as info:
        curve_fit(model, X, Y)
    assert "entry 3" in str(info.value)


@pytest.mark.parametrize("policy", ["raise", "omit"])
def test_improve_inf_ydata_under_a_nan_policy_is_caught_at_p0(policy):
    y = Y.copy()
    y[5] = np.inf
    with pytest.raises(ValueError, match=r"p0.*check_finite=False") as info:
        curve_fit(decay, X, y, nan_policy=policy)
    assert "entry 5" in str(info.value)


def test_improve_weights_that_make_the_residual_non_finite():
    with np.errstate(all="ignore"):
        with pytest.raises(ValueError, match=r"p0.*check_finite=False"):
            curve_fit(decay, X, Y, sigma=1e-320)  # 1/sigma overflows


@pytest.mark.parametrize("where", ["ydata", "model", "p0"])
def test_check_finite_false_hands_everything_to_minpack(where):
    # No ValueError: MINPACK gets the NaN and iterates (what it then does
    # is leastsq's business, §16: an answer or "Optimal parameters not
    # found").
    y, model, p0 = Y.copy(), decay, [1.0, 1.0]
    if where == "ydata":
        y[2] = np.nan
    elif where == "model":
        model = _nan_model
    else:
        p0 = [1.0, np.nan]
    calls = Recorder(model)
    with np.errstate(invalid="ignore"):
        try:
            curve_fit(calls, X, y, p0=p0, check_finite=False)
        except RuntimeError as err:
            assert str(err).startswith("Optimal parameters not found: ")
    assert len(calls.calls) > 1


# --- §5 nan_policy -----------------------------------------------------------

@pytest.mark.parametrize("policy", ["hi", "propagate", True, "omit"])
def test_nan_policy_is_ignored_when_check_finite_is_true(policy):
    popt, _ = curve_fit(decay, X, Y, check_finite=True, nan_policy=policy)
    assert popt.tobytes() == curve_fit(decay, X, Y)[0].tobytes()


def test_nan_policy_propagate():
    with pytest.raises(ValueError, match=exactly(
            "`nan_policy='propagate'` is not supported by this function.")):
        curve_fit(decay, X, Y, nan_policy="propagate")


@pytest.mark.parametrize("policy", ["hi", "Omit", True, 1])
@pytest.mark.parametrize("check_finite", [None, False])
def test_invalid_nan_policy_has_scipy_117s_text(policy, check_finite):
    with pytest.raises(ValueError, match=exactly(BAD_POLICY)):
        curve_fit(decay, X, Y, check_finite=check_finite, nan_policy=policy)


def test_nan_policy_none_with_check_finite_false_fits():
    popt, _ = curve_fit(decay, X, Y, check_finite=False)
    assert popt.tobytes() == curve_fit(decay, X, Y)[0].tobytes()


def _decay_of_row_0(x, a, b):
    return decay(x[0], a, b)


@pytest.mark.parametrize("where", ["y", "x", "x2d"])
def test_nan_policy_raise(where):
    x, y = X.copy(), Y.copy()
    if where == "y":
        y[3] = np.nan
    else:
        x[3] = np.nan
    model = decay
    if where == "x2d":
        x = np.vstack([X, x])  # the NaN in the row f does not read
        model = _decay_of_row_0
    with pytest.raises(ValueError, match=exactly(
            "The input contains nan values")):
        curve_fit(model, x, y, nan_policy="raise")


def test_nan_policy_raise_lets_infs_pass():
    x = np.append(X, np.inf)  # decay is 0 there
    y = np.append(Y, 0.0)
    popt, _ = curve_fit(decay, x, y, nan_policy="raise")
    assert popt.tobytes() == \
        curve_fit(decay, x, y, check_finite=False)[0].tobytes()


def _with_nans():
    x, y = X.copy(), Y.copy()
    x[2] = np.nan
    y[7] = np.nan
    keep = np.ones(M, bool)
    keep[[2, 7]] = False
    return x, y, keep


def test_nan_policy_omit_drops_the_points_and_copies():
    x, y, keep = _with_nans()
    x_kept, y_kept = x.copy(), y.copy()
    seen = Recorder(decay)
    ours = curve_fit(seen, x, y, nan_policy="omit", full_output=True)
    clean = curve_fit(decay, X[keep], Y[keep], full_output=True)
    assert_same_fit(ours, clean)
    assert seen.calls[0][0].shape == (M - 2,)
    assert np.array_equal(x, x_kept, equal_nan=True)
    assert np.array_equal(y, y_kept, equal_nan=True)


@pytest.mark.parametrize("lead", [(), (1,)])
def test_nan_policy_omit_cuts_multi_dimensional_xdata_on_its_last_axis(lead):
    x, y, keep = _with_nans()
    xdata = np.vstack([X, x]).reshape(lead + (2, M))

    def model(x, a, b):
        x = x.reshape(2, -1)
        return decay(x[1], a, b) + 0.0 * x[0]

    ours = curve_fit(model, xdata, y, nan_policy="omit", full_output=True)
    clean = curve_fit(decay, X[keep], Y[keep], full_output=True)
    assert_same_fit(ours, clean)


def test_nan_policy_omit_keeps_infs():
    seen = Recorder(decay)
    x = np.append(X, np.inf)
    curve_fit(seen, x, np.append(Y, 0.0), nan_policy="omit")
    assert seen.calls[0][0].shape == (M + 1,)


@pytest.mark.parametrize("kind", ["scalar", "1-D", "2-D"])
def test_nan_policy_omit_cuts_sigma_as_scipy_117(kind):
    # §15: scipy 1.14 does not cut sigma and fails; 1.17 does.
    x, y, keep = _with_nans()
    sigma = {"scalar": 0.3, "1-D": SIGMA, "2-D": covariance()}[kind]
    clean_sigma = {"scalar": 0.3, "1-D": SIGMA[keep],
                   "2-D": covariance()[keep][:, keep]}[kind]
    ours = curve_fit(decay, x, y, sigma=sigma, nan_policy="omit",
                     full_output=True)
    clean = curve_fit(decay, X[keep], Y[keep], sigma=clean_sigma,
                      full_output=True)
    assert_same_fit(ours, clean)


def test_nan_policy_omit_everything():
    with pytest.raises(TypeError, match=exactly(
            "The number of func parameters=2 must not exceed the number of "
            "data points=0")):
        curve_fit(decay, X, np.full(M, np.nan), nan_policy="omit")


def test_nan_policy_omit_leaving_one_point():
    y = np.full(M, np.nan)
    y[0] = 1.0
    with pytest.raises(TypeError, match="Improper input"):
        curve_fit(decay, X, y, nan_policy="omit")


def test_improve_nan_policies_do_not_look_at_sigma_but_its_rule_does():
    sigma = SIGMA.copy()
    sigma[4] = np.nan
    for policy in ("raise", "omit"):
        with pytest.raises(ValueError, match=r"sigma entry 4") as info:
            curve_fit(decay, X, Y, sigma=sigma, nan_policy=policy)
        assert "nan values" not in str(info.value)


def test_improve_a_bad_sigma_entry_is_named_as_the_caller_gave_it():
    # The points at 2 and 7 are omitted: sigma's entry 9 is the cut copy's 7.
    x, y, keep = _with_nans()
    sigma = SIGMA.copy()
    sigma[9] = 0.0
    with pytest.raises(ValueError, match=r"sigma entry 9\b"):
        curve_fit(decay, x, y, sigma=sigma, nan_policy="omit")


def test_omit_drops_the_sigma_of_an_omitted_point_before_its_rule():
    # A sigma derived from the data (NaN where ydata is) is usable, as in
    # scipy 1.17: the finiteness rule sees the sigma of the points kept.
    x, y, keep = _with_nans()
    sigma = SIGMA.copy()
    sigma[7] = np.nan  # ydata is NaN there too
    cov = covariance()
    cov[7, :] = cov[:, 7] = np.nan
    for s, clean in ((sigma, SIGMA[keep]), (cov, covariance()[keep][:, keep])):
        ours = curve_fit(decay, x, y, sigma=s, nan_policy="omit",
                         full_output=True)
        assert_same_fit(ours, curve_fit(decay, X[keep], Y[keep],
                                        sigma=clean, full_output=True))


@pytest.mark.parametrize("xdata", [None, {"t": X}, Opaque(X)],
                         ids=["None", "dict", "user_class"])
def test_improve_nan_policy_with_non_array_xdata(xdata):
    def model(x, a, b):
        return decay(X, a, b)
    reference_popt = curve_fit(decay, X, Y)[0]
    for policy in ("raise", "omit"):
        popt, _ = curve_fit(model, xdata, Y, nan_policy=policy)
        assert popt.tobytes() == reference_popt.tobytes()
    y = Y.copy()
    y[1] = np.nan
    with pytest.raises(ValueError, match=exactly(
            "The input contains nan values")):
        curve_fit(model, xdata, y, nan_policy="raise")
    with pytest.raises(ValueError, match=r"omit.*xdata.*array"):
        curve_fit(model, xdata, y, nan_policy="omit")


@pytest.mark.parametrize("sigma", [np.ones(M - 1), np.ones(M - 2),
                                   np.eye(M - 2), np.eye(M + 1)],
                         ids=["short", "reduced_length", "reduced_2d",
                              "2d_long"])
def test_improve_omit_checks_sigma_against_the_original_data(sigma):
    # scipy 1.17 cuts sigma first and fails with an IndexError; 1.14 does
    # not cut and accepts a sigma sized for the reduced data (the
    # "reduced_*" cases).
    x, y, keep = _with_nans()
    with pytest.raises(ValueError, match=exactly(BAD_SHAPE)):
        curve_fit(decay, x, y, sigma=sigma, nan_policy="omit")


def test_improve_omit_with_size_one_ydata_drops_from_xdata_only():
    x = X.copy()
    x[4] = np.nan
    seen = []

    def model(x, a, b):
        seen.append(x)
        return decay(x, a, b) - decay(x, 2.0, 0.5)

    popt, _ = curve_fit(model, x, 0.0, nan_policy="omit")
    assert seen[0].shape == (M - 1,) and not np.isnan(seen[0]).any()
    np.testing.assert_allclose(popt, [2.0, 0.5], rtol=1e-9)


# --- §6 sigma ----------------------------------------------------------------

def weighted(model, x, y, w):
    return lambda p: w * (model(x, *p) - y)


@pytest.mark.parametrize("sigma", [2.0, [2.0], np.array(0.7), 3, True],
                         ids=["float", "list1", "0d", "int", "bool"])
def test_a_single_standard_deviation(sigma):
    ours = curve_fit(decay, X, Y, sigma=sigma, full_output=True)
    w = 1.0 / np.asarray(sigma)
    theirs = reference(weighted(decay, X, Y, w), [1.0, 1.0])
    assert ours[0].tobytes() == theirs[0].tobytes()
    assert ours[2]["fvec"].tobytes() == theirs[2]["fvec"].tobytes()
    # sum(fvec**2) / (m - n), to rounding (the sum may be formed otherwise).
    np.testing.assert_allclose(
        ours[1], relative_pcov(theirs[1], theirs[2]["fvec"], 2), rtol=1e-14,
        atol=0)


@pytest.mark.parametrize("absolute", [False, True])
def test_standard_deviations_per_point(absolute):
    ours = curve_fit(decay, X, Y, sigma=SIGMA, absolute_sigma=absolute,
                     full_output=True)
    theirs = reference(weighted(decay, X, Y, 1.0 / SIGMA), [1.0, 1.0])
    assert ours[0].tobytes() == theirs[0].tobytes()
    fvec = ours[2]["fvec"]
    assert fvec.tobytes() == theirs[2]["fvec"].tobytes()
    # The weighted residual: the reciprocal times (f - y).
    assert fvec.tobytes() == ((1.0 / SIGMA) *
                              (decay(X, *ours[0]) - Y)).tobytes()
    expected = theirs[1] if absolute else \
        relative_pcov(theirs[1], theirs[2]["fvec"], 2)
    np.testing.assert_allclose(ours[1], expected, rtol=1e-14, atol=0)


def test_a_covariance_matrix():
    cov = covariance()
    ours = curve_fit(decay, X, Y, sigma=cov, full_output=True)
    lower = np.linalg.cholesky(cov)
    r = decay(X, *ours[0]) - Y
    np.testing.assert_allclose(ours[2]["fvec"], np.linalg.solve(lower, r),
                               rtol=1e-12, atol=1e-15)
    chi2 = r @ np.linalg.solve(cov, r)
    np.testing.assert_allclose(np.sum(ours[2]["fvec"] ** 2), chi2,
                               rtol=1e-12)
    # The fit is the minimum of that chi-square: leastsq on it agrees.
    theirs = reference(lambda p: np.linalg.solve(lower, decay(X, *p) - Y),
                       [1.0, 1.0])
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-6)



def test_a_model_of_two_rows_under_a_covariance_is_refused():
    # Its (2, m) residual must not reach the triangular solve as an m x p
    # block (p = m: the solve would read and write past its 2 x m).
    cov = covariance()
    with pytest.raises(ValueError, match=r"covariance weighs arrays of "
                                         r"shape .* not \(2, %d\)" % M):
        curve_fit(lambda x, a, b: np.stack([decay(x, a, b)] * 2), X, Y,
                  p0=[1.0, 1.0], sigma=cov)

def test_lists_of_lists_are_a_matrix():
    cov = covariance()
    a = curve_fit(decay, X, Y, sigma=cov.tolist())
    b = curve_fit(decay, X, Y, sigma=cov)
    assert a[0].tobytes() == b[0].tobytes()


@pytest.mark.parametrize("sigma", [np.ones((M, M, 1)), np.ones(M - 1),
                                   np.ones(M + 1), np.eye(M - 1),
                                   np.ones((M, 2)), np.ones((1, M))],
                         ids=["3d", "short", "long", "k_by_k", "m_by_2",
                              "1_by_m"])
def test_any_other_shape_is_incorrect(sigma):
    with pytest.raises(ValueError, match=exactly(BAD_SHAPE)):
        curve_fit(decay, X, Y, sigma=sigma)


@pytest.mark.parametrize("shape", [(1, 1), (1, 1, 1), (1, 1, 1, 1)])
def test_improve_other_size_one_shapes_are_incorrect(shape):
    # scipy takes any size-1 sigma for one deviation, then fails in leastsq.
    with pytest.raises(ValueError, match=exactly(BAD_SHAPE)):
        curve_fit(decay, X, Y, sigma=np.ones(shape))


def test_float32_sigma_gives_float32_weights():
    s32 = SIGMA.astype(np.float32)
    w32 = 1.0 / s32
    assert w32.dtype == np.float32
    ours = curve_fit(decay, X, Y, sigma=s32, full_output=True)
    theirs = reference(weighted(decay, X, Y, w32), [1.0, 1.0])
    assert ours[0].tobytes() == theirs[0].tobytes()
    assert ours[2]["fvec"].tobytes() == theirs[2]["fvec"].tobytes()
    upcast = curve_fit(decay, X, Y, sigma=s32.astype(np.float64))
    assert not np.array_equal(ours[0], upcast[0])  # not upcast first


def test_negative_standard_deviations_are_their_absolute_values():
    # With jac the iterations are the same to the bit.  (With lmdif, rows
    # of the difference Jacobian change sign and MINPACK's Householder
    # steps round otherwise, as in scipy: test_curve_fit_vs_scipy compares
    # that case with scipy bitwise.)
    signs = np.where(np.arange(M) % 3 == 0, -1.0, 1.0)
    negative = curve_fit(decay, X, Y, sigma=signs * SIGMA, jac=decay_jac)
    positive = curve_fit(decay, X, Y, sigma=SIGMA, jac=decay_jac)
    assert negative[0].tobytes() == positive[0].tobytes()
    np.testing.assert_allclose(negative[1], positive[1], rtol=1e-14, atol=0)
    scalar = curve_fit(decay, X, Y, sigma=-0.5)
    plus = curve_fit(decay, X, Y, sigma=0.5)
    assert scalar[0].tobytes() == plus[0].tobytes()
    np.testing.assert_allclose(scalar[1], plus[1], rtol=1e-14, atol=0)


def test_the_upper_triangle_is_ignored():
    cov = covariance()
    changed = cov + np.triu(np.full((M, M), 7.0), 1)
    a = curve_fit(decay, X, Y, sigma=cov, full_output=True)
    b = curve_fit(decay, X, Y, sigma=changed, full_output=True)
    assert_same_fit(a, b)


@pytest.mark.parametrize("where", [(0, 5), (5, 0), (3, 3)],
                         ids=["upper", "lower", "diagonal"])
@pytest.mark.parametrize("bad", [np.nan, np.inf])
@pytest.mark.parametrize("check_finite", [None, False, True])
def test_every_entry_of_a_covariance_must_be_finite(where, bad,
                                                    check_finite):
    cov = covariance()
    cov[where] = bad
    with pytest.raises(ValueError, match=exactly(NOT_FINITE)):
        curve_fit(decay, X, Y, sigma=cov, check_finite=check_finite)


@pytest.mark.parametrize("cov", [
    -np.eye(M), np.zeros((M, M)), np.ones((M, M)),
    np.diag(np.r_[np.ones(M - 1), -1.0])],
    ids=["negative", "zero", "semidefinite", "indefinite"])
def test_a_covariance_that_is_not_positive_definite(cov):
    with pytest.raises(ValueError, match=exactly(NOT_PD)) as info:
        curve_fit(decay, X, Y, sigma=cov)
    assert isinstance(info.value.__cause__, np.linalg.LinAlgError)
    assert issubclass(np.linalg.LinAlgError, ValueError)


def test_improve_a_1x1_sigma_for_one_point_is_a_variance():
    # gh-22377: scipy takes it for a standard deviation, then crashes.
    def one_jac(x, a):
        return np.reshape(x, (1, 1))
    popt, pcov = curve_fit(scale, [2.0], [3.0], sigma=[[4.0]],
                           absolute_sigma=True, jac=one_jac)
    # chi2 = (2a - 3)^2 / 4, J' = 2 / sqrt(4): pcov = 1 / 1.
    assert popt.tolist() == [1.5] and pcov.tolist() == [[1.0]]
    as_variance = curve_fit(scale, [2.0], [3.0], sigma=[[4.0]],
                            absolute_sigma=True)
    as_deviation = curve_fit(scale, [2.0], [3.0], sigma=2.0,
                             absolute_sigma=True)
    assert as_variance[1].tobytes() == as_deviation[1].tobytes()


def test_improve_a_1x1_sigma_for_several_points_is_incorrect():
    with pytest.raises(ValueError, match=exactly(BAD_SHAPE)):
        curve_fit(scale, [2.0, 1.0], [3.0, 1.0], sigma=[[4.0]])


@pytest.mark.parametrize("sigma", [0.5, np.float32(0.5), np.array(0.5)])
def test_improve_a_scalar_sigma_with_jac(sigma):
    check_scalar_sigma_with_jac(sigma)


def test_a_size_one_sigma_with_jac():
    check_scalar_sigma_with_jac([0.5])


def check_scalar_sigma_with_jac(sigma):
    ours = curve_fit(decay, X, Y, sigma=sigma, jac=decay_jac,
                     full_output=True)
    w = 1.0 / np.asarray(sigma)
    theirs = reference(weighted(decay, X, Y, w), [1.0, 1.0],
                       lambda p: w * decay_jac(X, *p))
    assert ours[0].tobytes() == theirs[0].tobytes()
    assert ours[2]["njev"] == theirs[2]["njev"]


@pytest.mark.parametrize("bad", [0.0, np.nan, np.inf, -np.inf])
def test_improve_zero_or_non_finite_standard_deviations(bad):
    sigma = SIGMA.copy()
    sigma[6] = bad
    with pytest.raises(ValueError, match=r"sigma entry 6\b"):
        curve_fit(decay, X, Y, sigma=sigma)
    with pytest.raises(ValueError, match=r"sigma\b"):
        curve_fit(decay, X, Y, sigma=bad)
    with pytest.raises(ValueError, match=r"sigma\b"):
        curve_fit(decay, X, Y, sigma=[bad])


def test_improve_zero_sigma_is_refused_before_any_weight_is_formed():
    # No divide-by-zero RuntimeWarning (errors under this suite's filter).
    with pytest.raises(ValueError, match="sigma"):
        curve_fit(decay, X, Y, sigma=np.zeros(M))


@pytest.mark.parametrize("sigma", [["a"] * M, SIGMA + 1j, "x", 1j])
def test_improve_string_or_complex_sigma_is_a_type_error(sigma):
    with pytest.raises(TypeError, match="sigma"):
        curve_fit(decay, X, Y, sigma=sigma)


# --- §7 the residual, the Jacobian and the calls -----------------------------

def test_the_residual_is_model_minus_data():
    popt, _, info, _, _ = curve_fit(decay, X, Y, full_output=True)
    assert info["fvec"].tobytes() == (decay(X, *popt) - Y).tobytes()


def test_parameters_arrive_as_float64_scalars():
    f = Recorder(decay)
    jac = Recorder(decay_jac)
    curve_fit(f, X, Y, p0=[1, 2], jac=jac)
    for _, p in f.calls + jac.calls:
        assert len(p) == 2 and all(type(v) is np.float64 for v in p)


def test_a_list_output_works():
    def as_list(x, a, b):
        return decay(x, a, b).tolist()
    assert curve_fit(as_list, X, Y)[0].tobytes() == \
        curve_fit(decay, X, Y)[0].tobytes()


@pytest.mark.parametrize("sigma", [None, SIGMA, covariance()],
                         ids=["none", "1-D", "2-D"])
@pytest.mark.parametrize("with_jac", [False, True])
def test_f_is_called_nfev_times_and_never_twice_in_a_row(sigma, with_jac):
    f = Recorder(decay)
    jac = Recorder(decay_jac) if with_jac else None
    info = curve_fit(f, X, Y, sigma=sigma, jac=jac, full_output=True)[2]
    assert len(f.calls) == info["nfev"]
    points = [p for _, p in f.calls]
    assert all(a != b for a, b in zip(points, points[1:]))
    if with_jac:
        assert len(jac.calls) == info["njev"]
    else:
        assert "njev" not in info


class Boom(Exception):
    pass


@pytest.mark.parametrize("which", ["f", "jac"])
@pytest.mark.parametrize("kind", [Boom, KeyboardInterrupt, ZeroDivisionError,
                                  SystemExit])
@pytest.mark.parametrize("sigma", [None, SIGMA, covariance()],
                         ids=["none", "1-D", "2-D"])
def test_exceptions_from_f_and_jac_propagate_unchanged(which, kind, sigma):
    error = kind("from the model")
    calls = []

    def raising(*args):
        calls.append(1)
        if len(calls) == 2:
            raise error
        return (decay if which == "f" else decay_jac)(*args)

    f, jac = (raising, decay_jac) if which == "f" else (decay, raising)
    with pytest.raises(kind) as info:
        curve_fit(f, X, Y, p0=[1.0, 1.0], sigma=sigma, jac=jac)
    assert info.value is error and len(calls) == 2


def test_ctrl_c_in_f_propagates(ctrl_c_raises):
    calls = []

    def model(x, a, b):
        calls.append(1)
        if len(calls) == 3:
            signal.raise_signal(signal.SIGINT)
        return decay(x, a, b)

    with pytest.raises(KeyboardInterrupt):
        curve_fit(model, X, Y)
    assert len(calls) == 3


# --- §8 jac ------------------------------------------------------------------

@pytest.mark.parametrize("sigma", [None, SIGMA],
                         ids=["none", "1-D"])
def test_jac_is_weighted_by_rows(sigma):
    ours = curve_fit(decay, X, Y, sigma=sigma, jac=decay_jac,
                     full_output=True)
    if sigma is None:
        theirs = reference(lambda p: decay(X, *p) - Y, [1.0, 1.0],
                           lambda p: decay_jac(X, *p))
    else:
        w = 1.0 / sigma
        theirs = reference(weighted(decay, X, Y, w), [1.0, 1.0],
                           lambda p: w[:, None] * decay_jac(X, *p))
    assert ours[0].tobytes() == theirs[0].tobytes()
    assert ours[2]["fvec"].tobytes() == theirs[2]["fvec"].tobytes()
    assert (ours[2]["nfev"], ours[2]["njev"]) == \
        (theirs[2]["nfev"], theirs[2]["njev"])


def test_jac_with_a_covariance_is_l_inverse_j():
    cov = covariance()
    ours = curve_fit(decay, X, Y, sigma=cov, jac=decay_jac,
                     absolute_sigma=True)
    lower = np.linalg.cholesky(cov)
    theirs = reference(lambda p: np.linalg.solve(lower, decay(X, *p) - Y),
                       [1.0, 1.0],
                       lambda p: np.linalg.solve(lower, decay_jac(X, *p)))
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-12)
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-12)


def _as_matrix(array):
    with warnings.catch_warnings():  # numpy's, about the class itself
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        return np.asmatrix(array)


@pytest.mark.parametrize("convert", [lambda a: a.tolist(), _as_matrix],
                         ids=["list", "matrix"])
@pytest.mark.parametrize("sigma", [None, 0.5, SIGMA, covariance()],
                         ids=["none", "scalar", "1-D", "2-D"])
def test_list_and_matrix_jacobians(convert, sigma):
    def jac(x, a, b):
        return convert(decay_jac(x, a, b))
    a = curve_fit(decay, X, Y, sigma=sigma, jac=jac, full_output=True)
    b = curve_fit(decay, X, Y, sigma=sigma, jac=decay_jac, full_output=True)
    assert_same_fit(a, b)


@pytest.mark.parametrize("jac", ["2-point", "3-point", "cs", True, 3])
def test_improve_a_non_callable_jac_is_a_type_error_that_says_so(jac):
    with pytest.raises(TypeError, match=r"jac.*callable or None.*'lm'"):
        curve_fit(decay, X, Y, jac=jac)


@pytest.mark.parametrize("sigma", [None, 0.5, SIGMA, covariance()],
                         ids=["none", "scalar", "1-D", "2-D"])
@pytest.mark.parametrize("shape", [(3, 2), (M, 3), (M,), (2, M)])
def test_improve_a_wrongly_shaped_jac_is_named(sigma, shape):
    def my_jacobian(x, a, b):
        return np.ones(shape)
    with pytest.raises(TypeError, match=re.escape(
            "leastsq: there is a mismatch between the input and output shape "
            "of the 'Dfun' argument 'my_jacobian'.Shape should be (12, 2) but "
            "it is ")):
        curve_fit(decay, X, Y, sigma=sigma, jac=my_jacobian)


@pytest.mark.parametrize("sigma", [0.5, SIGMA], ids=["scalar", "1-D"])
def test_improve_a_one_dimensional_jac_for_one_parameter(sigma):
    check_one_dimensional_jac(sigma)


@pytest.mark.parametrize("sigma", [None, covariance()], ids=["none", "2-D"])
def test_a_one_dimensional_jac_for_one_parameter(sigma):
    check_one_dimensional_jac(sigma)


def check_one_dimensional_jac(sigma):
    y = 2.0 * X + np.sin(X)
    a = curve_fit(scale, X, y, sigma=sigma, jac=lambda x, a: x,
                  full_output=True)
    b = curve_fit(scale, X, y, sigma=sigma,
                  jac=lambda x, a: x.reshape(-1, 1), full_output=True)
    assert_same_fit(a, b)


@pytest.mark.parametrize("sigma", [None, 0.5, SIGMA, covariance()],
                         ids=["none", "scalar", "1-D", "2-D"])
@pytest.mark.parametrize("length", [1, M - 1])
def test_a_one_dimensional_jac_of_the_wrong_length_is_refused(sigma, length):
    def short_jac(x, a):
        return x[:length]
    with pytest.raises(TypeError, match="'short_jac'"):
        curve_fit(scale, X, 2.0 * X, sigma=sigma, jac=short_jac)


@pytest.mark.parametrize("sigma", [0.5, SIGMA, covariance()],
                         ids=["scalar", "1-D", "2-D"])
def test_improve_col_deriv_with_sigma(sigma):
    check_col_deriv(sigma)


def test_col_deriv_without_sigma():
    check_col_deriv(None)


def check_col_deriv(sigma):
    def transposed(x, a, b):
        return decay_jac(x, a, b).T.copy()
    a = curve_fit(decay, X, Y, sigma=sigma, jac=transposed, col_deriv=True,
                  full_output=True)
    b = curve_fit(decay, X, Y, sigma=sigma, jac=decay_jac, full_output=True)
    assert_same_fit(a, b)


# --- §9 kwargs ---------------------------------------------------------------

def test_args_is_not_supported():
    with pytest.raises(ValueError, match=exactly(
            "'args' is not a supported keyword argument.")):
        curve_fit(decay, X, Y, args=())


def test_leastsqs_own_names():
    with pytest.raises(TypeError, match="got multiple values for keyword "
                                        "argument 'Dfun'"):
        curve_fit(decay, X, Y, Dfun=decay_jac)
    with pytest.raises(TypeError, match="got multiple values for argument "
                                        "'x0'"):
        curve_fit(decay, X, Y, x0=[1.0, 1.0])


@pytest.mark.parametrize("name", ["max_nfev", "bogus", "loss"])
def test_unknown_keywords(name):
    with pytest.raises(TypeError, match=f"got an unexpected keyword argument "
                                        f"'{name}'"):
        curve_fit(decay, X, Y, **{name: 3})


@pytest.mark.parametrize("options", [
    {"maxfev": 50}, {"epsfcn": 1e-10}, {"factor": 1.0},
    {"diag": [0.5, 2.0]}, {"ftol": 1e-4, "xtol": 1e-4}, {"gtol": 0.5}])
def test_kwargs_reach_leastsq_unchanged(options):
    ours = curve_fit(decay, X, Y, sigma=SIGMA, full_output=True, **options)
    theirs = reference(weighted(decay, X, Y, 1.0 / SIGMA), [1.0, 1.0],
                       **options)
    assert ours[0].tobytes() == theirs[0].tobytes()
    assert ours[2]["nfev"] == theirs[2]["nfev"] and ours[4] == theirs[4]


# --- §10 bounds and method ---------------------------------------------------

class Bounds:
    """Duck-types scipy.optimize.Bounds (pyminpack cannot import scipy)."""

    def __init__(self, lb, ub):
        self.lb, self.ub = lb, ub


@pytest.mark.parametrize("bounds", [
    (-np.inf, np.inf), [-np.inf, np.inf], ([-np.inf] * 2, [np.inf] * 2),
    Bounds(-np.inf, np.inf), Bounds([-np.inf] * 2, np.inf)],
    ids=["default", "list", "arrays", "Bounds", "Bounds_array"])
def test_infinite_bounds_are_unbounded(bounds):
    calls = Recorder(decay)
    popt, _ = curve_fit(calls, X, Y, bounds=bounds)
    assert calls.calls[0][1] == (1.0, 1.0)  # Improve: p0 = ones(n)
    assert popt.tobytes() == curve_fit(decay, X, Y)[0].tobytes()


def test_bounds_errors_are_pythons():
    with pytest.raises(TypeError):
        curve_fit(decay, X, Y, bounds=None)
    for bounds in [(-np.inf,), (-np.inf, 0.0, np.inf)]:
        with pytest.raises(ValueError):
            curve_fit(decay, X, Y, bounds=bounds)


@pytest.mark.parametrize("bounds", [([-np.inf] * 3, [np.inf] * 3),
                                    (-np.inf, [np.inf] * 3),
                                    Bounds([-np.inf] * 3, np.inf)])
def test_improve_bounds_that_do_not_broadcast_to_n(bounds):
    with pytest.raises(ValueError, match="bounds"):
        curve_fit(decay, X, Y, bounds=bounds)


def test_improve_p0_is_ones_n_whatever_the_bounds_shape():
    # scipy builds p0 from the bounds' shape: a scalar Bounds(-inf, inf)
    # gave one parameter, and f failed.
    calls = Recorder(decay)
    popt, pcov = curve_fit(calls, X, Y, bounds=Bounds(-np.inf, np.inf))
    assert calls.calls[0][1] == (1.0, 1.0) and popt.shape == (2,)
    with pytest.raises(ValueError, match=r"bounds.*n=2"):
        curve_fit(decay, X, Y, bounds=([-np.inf] * 3, [np.inf] * 3))


@pytest.mark.parametrize("bounds", [(np.nan, np.nan),
                                    ([np.nan, -np.inf], np.inf)],
                         ids=["nan", "nan_array"])
def test_nan_bounds_are_refused_before_the_data(bounds):
    # scipy lets NaN through as no bound; pyminpack refuses it (issue 20).
    with pytest.raises(ValueError, match=r"curve_fit: bounds must not be "
                                         r"NaN; the lower bound of "
                                         r"parameter 0 is nan"):
        curve_fit(decay, X, ["a"], bounds=bounds)


@pytest.mark.parametrize("method", [None, "lm"])
def test_lm_takes_bounds(method):
    # scipy refuses 'lm' with bounds and switches None to 'trf';
    # pyminpack's LM runs them through the change of variables.
    popt, _ = curve_fit(decay, X, Y, method=method, bounds=(0.0, 10.0))
    assert np.all((popt >= 0.0) & (popt <= 10.0))


@pytest.mark.parametrize("method, bounds", [
    ("trf", (-np.inf, np.inf)), ("dogbox", (-np.inf, np.inf)),
    ("trf", (0.0, 10.0)), ("dogbox", Bounds(-np.inf, [np.inf, 3.0]))])
def test_trf_and_dogbox_are_not_provided(method, bounds):
    with pytest.raises(ValueError, match=r"pyminpack\.curve_fit implements "
                                         r"method 'lm' only \(MINPACK's "
                                         r"Levenberg-Marquardt, which takes "
                                         r"bounds too") as info:
        curve_fit(decay, X, Y, method=method, bounds=bounds)
    assert "scipy.optimize.curve_fit" in str(info.value)


@pytest.mark.parametrize("jac", ["2-point", "3-point", "cs"])
def test_a_jac_string_with_trf_gets_the_method_error(jac):
    # The strings are least_squares' own options: with method 'trf' what is
    # missing is the method, not a callable jac.
    with pytest.raises(ValueError, match=r"implements method 'lm' only"):
        curve_fit(decay, X, Y, method="trf", jac=jac)
    with pytest.raises(TypeError, match="jac must be a callable or None for "
                                        "method 'lm'"):
        curve_fit(decay, X, Y, jac=jac)


@pytest.mark.parametrize("method", ["unknown", "LM", 3, ""])
def test_an_unknown_method(method):
    with pytest.raises(ValueError, match=exactly(BAD_METHOD)):
        curve_fit(decay, X, Y, method=method)


def test_method_lm_by_name():
    assert curve_fit(decay, X, Y, method="lm")[0].tobytes() == \
        curve_fit(decay, X, Y)[0].tobytes()


# --- §11 leastsq, failure, pcov ----------------------------------------------

def test_more_parameters_than_data_points():
    with pytest.raises(TypeError, match=exactly(
            "The number of func parameters=3 must not exceed the number of "
            "data points=2")):
        curve_fit(lambda x, a, b, c: a + b * x + c * x * x, [1.0, 2.0],
                  [1.0, 2.0])


def test_size_one_ydata_leaves_the_check_to_leastsq():
    with pytest.raises(TypeError, match=re.escape(
            "Improper input: func input vector length N=2 must not exceed "
            "func output vector length M=1")):
        curve_fit(lin, [1.0], [1.0])


@pytest.mark.parametrize("full_output", [False, True])
def test_failures_raise_runtime_error(full_output):
    with pytest.raises(RuntimeError, match=exactly(
            "Optimal parameters not found: Number of calls to function has "
            "reached maxfev = 3.")):
        curve_fit(decay, X, Y, maxfev=3, full_output=full_output)
    with pytest.raises(RuntimeError, match=exactly(
            "Optimal parameters not found: Improper input parameters.")):
        curve_fit(decay, X, Y, ftol=-1.0, full_output=full_output)


def test_perfect_fit_gives_a_zero_pcov_without_warning():
    x = np.arange(5.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        popt, pcov, info, _, _ = curve_fit(lin, x, 2.0 * x + 1.0,
                                           p0=[2.0, 1.0], full_output=True)
    assert np.all(info["fvec"] == 0.0)  # the premise
    assert pcov.shape == (2, 2) and np.all(pcov == 0.0)


def test_as_many_points_as_parameters():
    with pytest.warns(OptimizeWarning, match=exactly(COV_WARNING)) as caught:
        popt, pcov = curve_fit(lin, [1.0, 2.0], [1.0, 2.5])
    assert len(caught) == 1
    assert pcov.shape == (2, 2) and np.all(pcov == np.inf)
    assert pcov.dtype == np.float64
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        popt, pcov = curve_fit(lin, [1.0, 2.0], [1.0, 2.5],
                               jac=lin_jac, absolute_sigma=True)
    # cov_x = inv(J^T J) for J = [[1, 1], [2, 1]].
    np.testing.assert_allclose(pcov, [[2.0, -3.0], [-3.0, 5.0]], rtol=1e-12)


def test_a_singular_jacobian_gives_inf():
    def singular(x, a, b):
        return np.column_stack([x, np.zeros_like(x)])  # b does nothing
    with pytest.warns(OptimizeWarning, match=exactly(COV_WARNING)):
        popt, pcov = curve_fit(lambda x, a, b: a * x, X, 2.0 * X + np.sin(X),
                               jac=singular)
    assert np.all(pcov == np.inf) and pcov.shape == (2, 2)


@pytest.mark.parametrize("absolute", [False, True])
@pytest.mark.parametrize("sigma", [None, SIGMA], ids=["none", "1-D"])
def test_pcov_from_cov_x(absolute, sigma):
    ours = curve_fit(decay, X, Y, sigma=sigma, absolute_sigma=absolute,
                     full_output=True)
    w = 1.0 if sigma is None else 1.0 / sigma
    theirs = reference(weighted(decay, X, Y, w), [1.0, 1.0])
    expected = theirs[1] if absolute else \
        relative_pcov(theirs[1], theirs[2]["fvec"], 2)
    np.testing.assert_allclose(ours[1], expected, rtol=1e-14, atol=0)
    assert np.array_equal(ours[1], ours[1].T)


# --- §12 returns -------------------------------------------------------------

@pytest.mark.parametrize("jac", [None, decay_jac])
def test_full_output(jac):
    result = curve_fit(decay, X, Y, jac=jac, full_output=True)
    assert type(result) is tuple and len(result) == 5
    popt, pcov, info, mesg, ier = result
    assert popt.dtype == np.float64 and popt.shape == (2,)
    assert pcov.dtype == np.float64 and pcov.shape == (2, 2)
    keys = ["fvec", "nfev", "fjac", "ipvt", "qtf"]
    if jac is not None:
        keys.insert(2, "njev")
    assert list(info) == keys
    assert type(mesg) is str and type(ier) is int and ier in (1, 2, 3, 4)
    assert sorted(info["ipvt"].tolist()) == [1, 2]  # 1-based, as scipy 1.14
    short = curve_fit(decay, X, Y, jac=jac)
    assert type(short) is tuple and len(short) == 2
    assert short[0].tobytes() == popt.tobytes()


def test_ipvt_is_one_based_for_more_parameters():
    def cubic(x, a, b, c, d):
        return a + b * x + c * x ** 2 + d * x ** 3
    info = curve_fit(cubic, X, Y, full_output=True)[2]
    assert sorted(info["ipvt"].tolist()) == [1, 2, 3, 4]


# --- §13 OptimizeWarning -----------------------------------------------------

def test_optimize_warning_is_a_direct_user_warning():
    assert OptimizeWarning.__mro__ == (OptimizeWarning, UserWarning, Warning,
                                       Exception, BaseException, object)
    assert OptimizeWarning.__name__ == "OptimizeWarning"


def test_the_warning_points_at_the_callers_line():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        line = inspect.currentframe().f_lineno + 1
        curve_fit(lin, [1.0, 2.0], [1.0, 2.5])
    assert len(caught) == 1
    (w,) = caught
    assert w.category is OptimizeWarning
    assert str(w.message) == COV_WARNING
    assert w.filename == __file__ and w.lineno == line


def test_an_error_filter_turns_the_warning_into_an_exception():
    with warnings.catch_warnings():
        warnings.simplefilter("error", OptimizeWarning)
        with pytest.raises(OptimizeWarning, match=exactly(COV_WARNING)):
            curve_fit(lin, [1.0, 2.0], [1.0, 2.5])


@pytest.mark.parametrize("filters", [
    {"category": UserWarning},
    {"message": "Covariance of the parameters"}])
def test_filters_by_message_or_user_warning_catch_it(filters):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.filterwarnings("ignore", **filters)
        popt, pcov = curve_fit(lin, [1.0, 2.0], [1.0, 2.5])
    assert np.all(pcov == np.inf)


def test_no_warning_for_a_good_fit():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        curve_fit(decay, X, Y, sigma=SIGMA, jac=decay_jac)


# --- §14 order of checks (each case wrong in two ways at once) ---------------

NAN_Y = np.where(np.arange(M) == 3, np.nan, Y)

ORDER = {
    # 1 n before 2 bounds
    "n_before_bounds": (dict(f=_no_parameters, bounds=None), ValueError,
                        "Unable to determine"),
    "p0_empty_before_bounds": (dict(p0=[], bounds=None), ValueError, "p0"),
    # 2 bounds before 3 data
    "bounds_before_ydata": (dict(bounds=None, ydata=NAN_Y), TypeError,
                            "bounds must be a pair"),
    "bounds_shape_before_ydata": (dict(bounds=([-np.inf] * 3, np.inf),
                                       ydata=["a"]), ValueError, "bounds"),
    "nan_bounds_before_ydata": (dict(bounds=(np.nan, 1.0), ydata=NAN_Y),
                                ValueError, "NaN"),
    # 3 ydata before xdata
    "ydata_before_xdata": (dict(ydata=["a"] * M, xdata=["b"] * M), ValueError,
                           "float: 'a'"),
    "ydata_nan_before_xdata": (dict(ydata=NAN_Y, xdata=["b"] * M), ValueError,
                               exactly(NOT_FINITE)),
    # 3 xdata before 4 empty ydata
    "xdata_before_empty": (dict(ydata=[], xdata=["b"]), ValueError,
                           "float: 'b'"),
    # 4 empty before 5 nan_policy
    "empty_before_policy": (dict(ydata=[], check_finite=False,
                                 nan_policy="hi"), ValueError,
                            "must not be empty"),
    # 5 nan_policy before 6 sigma
    "policy_before_sigma": (dict(check_finite=False, nan_policy="hi",
                                 sigma=np.ones(3)), ValueError,
                            exactly(BAD_POLICY)),
    "raise_before_sigma": (dict(nan_policy="raise", ydata=NAN_Y,
                                sigma=np.ones(3)), ValueError, "nan values"),
    "raise_before_sigma_pd": (dict(nan_policy="raise", ydata=NAN_Y,
                                   sigma=-np.eye(M)), ValueError,
                              "nan values"),
    # 6 sigma before 7 jac
    "sigma_shape_before_jac": (dict(sigma=np.ones(3), jac="2-point"),
                               ValueError, exactly(BAD_SHAPE)),
    "sigma_pd_before_jac": (dict(sigma=-np.eye(M), jac="2-point"),
                            ValueError, exactly(NOT_PD)),
    "sigma_zero_before_jac": (dict(sigma=np.zeros(M), jac=True),
                              ValueError, "sigma"),
    "sigma_type_before_jac": (dict(sigma=["a"] * M, jac=True),
                              TypeError, "sigma"),
    # 7 jac before 8 args
    "jac_before_args": (dict(jac="2-point", args=()), TypeError, "callable"),
    # 8 args before 9 method
    "args_before_method": (dict(args=(), method="unknown"), ValueError,
                           "'args'"),
    # 6 sigma before 9 method
    "sigma_before_method": (dict(sigma=np.ones(3), method="unknown"),
                            ValueError, exactly(BAD_SHAPE)),
    "sigma_before_trf": (dict(sigma=np.ones(3), bounds=(0.0, 9.0)),
                         ValueError, exactly(BAD_SHAPE)),
    # 9 method before 10 n > m
    "method_before_n_gt_m": (dict(method="unknown", xdata=[1.0],
                                  ydata=[1.0, 2.0],
                                  f=lambda x, a, b, c: a + b + c + x),
                             ValueError, exactly(BAD_METHOD)),
    "trf_before_n_gt_m": (dict(method="trf", ydata=[1.0, 2.0],
                               f=lambda x, a, b, c: a + b + c + x),
                          ValueError, "'lm' only"),
    # 10 n > m before 11 leastsq
    "n_gt_m_before_leastsq_kwargs": (dict(ydata=[1.0, 2.0], bogus=1,
                                          f=lambda x, a, b, c: a + b + c),
                                     TypeError, "number of func"),
    "n_gt_m_before_p0_finite": (dict(ydata=[1.0, 2.0], p0=[np.nan] * 3,
                                     f=lambda x, a, b, c: a + b + c),
                                TypeError, "number of func"),
    # 9 method before the p0 finiteness check (with leastsq's, step 11)
    "method_before_p0_finite": (dict(method="dogbox", p0=[np.nan, 1.0]),
                                ValueError, "'lm' only"),
    # 11: leastsq's own checks before the fit
    "leastsq_kwargs_before_fit": (dict(bogus=1, maxfev=1), TypeError,
                                  "unexpected keyword"),
}


@pytest.mark.parametrize("case", list(ORDER))
def test_order_of_checks(case):
    changes, error, pattern = ORDER[case]
    arguments = dict(f=decay, xdata=X, ydata=Y)
    arguments.update(changes)
    f, xdata, ydata = (arguments.pop(k) for k in ("f", "xdata", "ydata"))
    with pytest.raises(error, match=pattern):
        curve_fit(f, xdata, ydata, **arguments)


# --- §19 threads and nesting -------------------------------------------------

def _fit_job(seed):
    rng = np.random.default_rng(seed)
    a, b = 1.0 + rng.random(), 0.5 + rng.random()
    y = decay(X, a, b) + 0.01 * rng.standard_normal(M)
    s = 0.5 + rng.random(M)
    results = []
    for sigma, jac in ((None, None), (s, decay_jac), (np.diag(s ** 2), None)):
        popt, pcov, info, mesg, ier = curve_fit(decay, X, y, sigma=sigma,
                                                jac=jac, full_output=True)
        results.append((popt.tobytes(), pcov.tobytes(), info["nfev"], ier))
    return results


def test_many_threads_at_once_get_the_serial_results():
    seeds = list(range(16))
    expected = {seed: _fit_job(seed) for seed in seeds}
    got = {}
    barrier = threading.Barrier(8)
    errors = []

    def worker(chunk):
        try:
            barrier.wait()
            for _ in range(3):
                for seed in chunk:
                    result = _fit_job(seed)
                    assert got.setdefault(seed, result) == result
        except BaseException as err:  # reported below
            errors.append(err)

    threads = [threading.Thread(target=worker, args=(seeds[i::8],))
               for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert got == expected


def test_the_warning_is_issued_in_other_threads_too():
    def worker(out):
        with pytest.warns(OptimizeWarning):
            out.append(curve_fit(lin, [1.0, 2.0], [1.0, 2.5])[1])
    # catch_warnings is not thread-safe: warn from threads one at a time.
    out = []
    for _ in range(2):
        t = threading.Thread(target=worker, args=(out,))
        t.start()
        t.join()
    assert len(out) == 2 and all(np.all(p == np.inf) for p in out)


def test_curve_fit_inside_f_and_jac():
    inner_results = []

    def inner():
        popt, _ = curve_fit(lin, X, 2.0 * X + 1.0 + 0.01 * np.sin(9 * X))
        inner_results.append(popt.tobytes())
        return popt

    def model(x, a, b):
        inner()
        return decay(x, a, b)

    def jac(x, a, b):
        inner()
        return decay_jac(x, a, b)

    outer = curve_fit(model, X, Y, jac=jac, full_output=True)
    plain = curve_fit(decay, X, Y, jac=decay_jac, full_output=True)
    assert_same_fit(outer, plain)
    expected = curve_fit(lin, X, 2.0 * X + 1.0 + 0.01 * np.sin(9 * X))[0]
    assert len(inner_results) == outer[2]["nfev"] + outer[2]["njev"]
    assert set(inner_results) == {expected.tobytes()}


def test_the_covariance_solve_runs_without_the_gil():
    # With a (m, m) sigma every residual and Jacobian curve_fit hands to
    # leastsq is L^-1 times f's, one forward substitution each
    # (_minpack.solve_lower): O(m^2) per column, the longest stretch of a
    # large fit outside MINPACK.  A thread that can tick only while the GIL
    # is free must tick during one (its input copy can release the GIL
    # once, too briefly to matter; the solve here lasts tens of ms).
    from gil_ticker import Ticker

    from pyminpack import _minpack
    m, columns = 2500, 12
    lower = np.linalg.cholesky(covariance(m, rho=0.3))
    rhs = np.random.default_rng(17).normal(size=(m, columns))
    with Ticker() as ticker:
        before = ticker.count
        solved = _minpack.solve_lower(lower, rhs)
        ticks = ticker.count - before
    np.testing.assert_allclose(lower @ solved, rhs, rtol=0, atol=1e-9)
    assert ticks >= 3, ticks
