"""fsolve's scipy contract: signature, returns, messages, warnings, how
func is called, and clear errors for bad input (the leastsq battery's
kinds of cases)."""

import inspect
import threading
import warnings

import numpy as np
import pytest

from pyminpack import fsolve

scipy_optimize = pytest.importorskip("scipy.optimize")
from scipy_kind import as_scipy_1_14_wrote_it  # noqa: E402


def equations(x):
    return [x[0] * np.cos(x[1]) - 4, x[1] * x[0] - x[1] - 5]


def jacobian(x):
    return [[np.cos(x[1]), -x[0] * np.sin(x[1])], [x[1], x[0] - 1.0]]


def test_signature_is_scipys_then_keyword_only_options():
    ours = list(inspect.signature(fsolve).parameters.values())
    theirs = list(inspect.signature(scipy_optimize.fsolve).parameters.values())
    assert [(p.name, p.default, p.kind) for p in ours[:len(theirs)]] == \
        [(p.name, p.default, p.kind) for p in theirs]
    assert all(p.kind is p.KEYWORD_ONLY for p in ours[len(theirs):])


def test_returns_x_alone_without_full_output():
    x = fsolve(equations, [1, 1])
    assert type(x) is np.ndarray and x.shape == (2,) and x.dtype == np.float64
    np.testing.assert_allclose(equations(x), 0.0, atol=1e-9)


def test_full_output_keys_and_types():
    x, info, ier, mesg = fsolve(equations, [1, 1], fprime=jacobian,
                                full_output=True)
    assert list(info) == ["nfev", "njev", "fjac", "r", "qtf", "fvec"]
    assert (ier, mesg) == (1, "The solution converged.")
    assert type(info["nfev"]) is int and type(info["njev"]) is int
    assert info["fjac"].shape == (2, 2) and info["r"].shape == (3,)
    # fjac.T is Q, orthogonal.
    q = info["fjac"].T
    np.testing.assert_allclose(q @ q.T, np.eye(2), atol=1e-12)
    assert info["qtf"].shape == info["fvec"].shape == (2,)


@pytest.mark.parametrize("kwargs, ier, text", [
    ({"maxfev": 3}, 2,
     "The number of calls to function has reached maxfev = 3."),
])
def test_failure_warns_at_the_callers_line(kwargs, ier, text):
    with pytest.warns(RuntimeWarning) as record:
        fsolve(equations, [1, 1], fprime=jacobian, **kwargs); line = inspect.currentframe().f_lineno  # noqa: E702
    assert [str(w.message) for w in record] == [text]
    assert record[0].filename == __file__ and record[0].lineno == line
    x, info, got, mesg = fsolve(equations, [1, 1], fprime=jacobian,
                                full_output=True, **kwargs)
    assert (got, mesg) == (ier, text)


def test_negative_maxfev_runs_the_default_as_scipy_does():
    _, info, ier, _ = fsolve(equations, [1, 1], full_output=True, maxfev=-4)
    assert ier == 1 and info["nfev"] > 4


def test_messages_are_scipys_texts():
    from pyminpack._messages import fsolve_message
    assert fsolve_message(3, xtol=1.49012e-8, maxfev=0) == (
        "xtol=0.000000 is too small, no further improvement in the "
        "approximate\n  solution is possible.")
    assert fsolve_message(4, xtol=0, maxfev=0) == (
        "The iteration is not making good progress, as measured by the \n"
        "  improvement from the last five Jacobian evaluations.")
    assert fsolve_message(5, xtol=0, maxfev=0) == (
        "The iteration is not making good progress, as measured by the \n"
        "  improvement from the last ten iterations.")
    assert fsolve_message(17, xtol=0, maxfev=0) == "An error occurred."


def test_improper_input_raises_typeerror_or_returns_it():
    with pytest.raises(TypeError, match=r"^Improper input parameters were "
                                        r"entered\.$"):
        fsolve(equations, [1, 1], xtol=-1.0)
    x, info, ier, mesg = fsolve(equations, [1, 1], xtol=-1.0,
                                full_output=True)
    assert ier == 0 and mesg == "Improper input parameters were entered."
    assert not info["r"].any() and not info["fjac"].any()


def test_no_progress_is_a_warning_like_scipys():
    def no_root(x):
        return [x[0] ** 2 + 1.0]
    with pytest.warns(RuntimeWarning, match="not making good progress"):
        x = fsolve(no_root, [3.0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        sx = scipy_optimize.fsolve(no_root, [3.0])
    if scipy_optimize.fsolve.__module__ and np.__version__:
        assert x.shape == sx.shape


def test_func_is_called_once_at_x0_and_nfev_counts_the_calls():
    seen = []

    def func(x):
        seen.append(x)
        return equations(x)
    x0 = np.array([1.0, 1.0])
    _, info, _, _ = fsolve(func, x0, full_output=True)
    assert info["nfev"] == len(seen)
    assert sum(np.array_equal(s, x0) for s in seen) == 1


def test_each_call_gets_a_fresh_x_it_may_keep_or_modify():
    kept = []

    def func(x):
        kept.append(x)
        value = equations(x.copy())
        x[:] = 1e300  # must not reach MINPACK
        return value
    x = fsolve(func, [1, 1])
    np.testing.assert_array_equal(x, fsolve(equations, [1, 1]))
    assert len({id(k) for k in kept}) == len(kept)


def test_a_func_returning_the_same_buffer_every_time_works():
    buffer = np.empty(2)

    def func(x):
        buffer[:] = equations(x)
        return buffer
    np.testing.assert_array_equal(fsolve(func, [1, 1]),
                                  fsolve(equations, [1, 1]))


def test_x0_is_not_modified_and_args_pass_through():
    x0 = np.array([1.0, 1.0])
    marker = object()

    def func(x, a, b):
        assert a == 2.0 and b is marker
        return equations(x)
    fsolve(func, x0, args=(2.0, marker))
    np.testing.assert_array_equal(x0, [1.0, 1.0])
    got = []
    fsolve(lambda x, a: got.append(a) or [x[0] - 1.0], [0.0], args=None)
    assert got[0] is None


@pytest.mark.parametrize("where", ["func", "fprime"])
def test_an_exception_in_a_callback_propagates(where):
    class Stop(Exception):
        pass

    def bad(x):
        raise Stop(where)
    kwargs = {"fprime": bad} if where == "fprime" else {}
    with pytest.raises(Stop, match=where):
        fsolve(equations if where == "fprime" else bad, [1, 1], **kwargs)


def test_fsolve_inside_func_and_in_threads():
    def outer(x):
        inner = fsolve(lambda y: [y[0] - x[0]], [0.0])
        return [inner[0] - 2.0]
    np.testing.assert_allclose(fsolve(outer, [0.0]), [2.0])
    expected = fsolve(equations, [1, 1])
    results = [None] * 4

    def run(k):
        results[k] = fsolve(equations, [1, 1])
    threads = [threading.Thread(target=run, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for r in results:
        np.testing.assert_array_equal(r, expected)


# --- bad input: a clear exception naming fsolve ---------------------------

def named(name="f"):
    def decorate(func):
        func.__name__ = name
        return func
    return decorate


@pytest.mark.parametrize("output, shape", [
    ([1.0, 2.0, 3.0], "(3,)"), ([1.0], "(1,)")])
def test_func_with_other_than_n_values_at_x0_is_scipys_typeerror(output,
                                                                 shape):
    @named("f")
    def f(x):
        return output
    message = ("fsolve: there is a mismatch between the input and output "
               "shape of the 'func' argument 'f'.Shape should be (2,) but "
               f"it is {shape}.")
    with pytest.raises(TypeError) as ours:
        fsolve(f, [1, 1])
    with pytest.raises(TypeError) as theirs:
        scipy_optimize.fsolve(f, [1, 1])
    assert str(ours.value) == message
    # scipy names its own wrapper instead of the user's function.
    assert as_scipy_1_14_wrote_it(str(theirs.value)) == message.replace(
        "'f'", "'_wrapped_func'")


def test_n_equal_one_with_three_values_is_an_error_not_a_silent_cut():
    with pytest.raises(TypeError, match=r"Shape should be \(1,\) but it is "
                                        r"\(3,\)"):
        fsolve(lambda x: [x[0], 1.0, 2.0], [1.0])


def test_func_changing_length_mid_solve():
    calls = []

    def f(x):
        calls.append(1)
        return equations(x) if len(calls) < 3 else [1.0, 2.0, 3.0]
    with pytest.raises(ValueError, match=r"^fsolve: func 'f' returned 3 "
                                         r"values at this call but 2 at x0"):
        fsolve(f, [1, 1])


@pytest.mark.parametrize("col_deriv", [False, True])
def test_fprime_of_the_wrong_shape_names_fprime(col_deriv):
    @named("jac")
    def jac(x):
        return np.zeros((2, 3))
    with pytest.raises(TypeError, match=(
            r"^fsolve: there is a mismatch between the input and output "
            r"shape of the 'fprime' argument 'jac'\.Shape should be "
            r"\(2, 2\) but it is \(2, 3\)\.$")):
        fsolve(equations, [1, 1], fprime=jac, col_deriv=col_deriv)


def test_fprime_checked_at_every_call():
    calls = []

    def jac(x):
        calls.append(1)
        return jacobian(x) if len(calls) < 2 else np.zeros((3, 3))
    with pytest.raises(TypeError, match="'fprime' argument"):
        fsolve(equations, [-5, 3], fprime=jac, xtol=1e-14)


@pytest.mark.parametrize("output, error, pattern", [
    ([1j, 2.0], TypeError, r"^fsolve: func 'f' must return real numbers"),
    (["a", "b"], TypeError, r"^fsolve: func 'f' must return real numbers"),
    ([[1.0], [2.0]], ValueError, r"^fsolve: func 'f' must return a 1-D "
                                 r"array of values"),
    ([[1.0], [2.0, 3.0]], ValueError, r"^fsolve: the output of func 'f' "
                                      r"cannot be converted"),
])
def test_unconvertible_func_output(output, error, pattern):
    @named("f")
    def f(x):
        return output
    with pytest.raises(error, match=pattern):
        fsolve(f, [1, 1])


@pytest.mark.parametrize("kwargs, error, pattern", [
    ({"x0": [1j, 1.0]}, TypeError, r"^fsolve: x0 must hold real numbers"),
    ({"x0": ["a", "b"]}, TypeError, r"^fsolve: x0 must hold real numbers"),
    ({"x0": [np.nan, 1.0]}, ValueError, r"^fsolve: x0 must be finite"),
    ({"diag": [1.0]}, ValueError,
     r"^fsolve: diag must have one entry per unknown, n=2, but it has 1$"),
    ({"diag": [1.0, np.inf]}, ValueError, r"^fsolve: diag must be finite"),
    ({"xtol": np.nan}, ValueError, r"^fsolve: xtol must be a number"),
    ({"xtol": "1"}, TypeError, r"^fsolve: xtol must be a real number"),
    ({"factor": np.inf}, ValueError, r"^fsolve: factor must be finite"),
    ({"maxfev": 1.5}, TypeError, r"^fsolve: maxfev must be an integer"),
    ({"maxfev": 2**40}, ValueError, r"^fsolve: maxfev must be at most"),
    ({"epsfcn": 1j}, TypeError, r"^fsolve: epsfcn must be a real number"),
    ({"band": (1,)}, ValueError, r"^fsolve: band must be a sequence"),
    ({"band": 3}, TypeError, r"^fsolve: band must be a sequence"),
    ({"band": (1.5, 1)}, TypeError, r"^fsolve: band's ml and mu must be "),
    ({"fprime": 3}, TypeError, r"^fsolve: fprime must be callable"),
    ({"func": None}, TypeError, r"^fsolve: func must be callable"),
])
def test_bad_options_name_fsolve(kwargs, error, pattern):
    call = {"func": equations, "x0": [1.0, 1.0], **kwargs}
    with pytest.raises(error, match=pattern):
        fsolve(call.pop("func"), call.pop("x0"), **call)


def test_nonfinite_func_x0_is_an_error_unless_asked():
    def f(x):
        return [np.nan, x[1]]
    with pytest.raises(ValueError, match=r"^fsolve: func\(x0\) must be "
                                         r"finite, but entry 0 is nan"):
        fsolve(f, [1, 1])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        fsolve(f, [1, 1], check_finite=False)


def test_n_zero_is_improper_input():
    x, info, ier, mesg = fsolve(lambda x: x, [], full_output=True)
    assert ier == 0 and x.shape == (0,)
