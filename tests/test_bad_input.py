"""Bad arguments to leastsq: x0, args, the callables and every keyword.

Each bad input gets a precise exception whose message names the argument
and says what is wrong, or the documented ier 0; never a crash, a hang or
a result that looks like success.  Bad *output* of func and Dfun, and
exceptions raised by them, are in test_bad_callbacks.py.
"""

import numpy as np
import pytest

from pyminpack import _minpack, leastsq

X0 = [0.5, 0.5]
SOLUTION = [1.0, 2.0]
LONGDOUBLE_IS_WIDER = np.finfo(np.longdouble).bits > 64


def residuals(x, *args):
    """m = 3, n = 2, solution (1, 2) with zero residuals; ignores args."""
    return np.array([x[0] - 1.0, x[1] - 2.0, x[0] + x[1] - 3.0])


def jacobian(x, *args):
    return np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])


def constant(x):
    """Residuals for any n, even n = 0."""
    return np.array([1.0, 2.0, 3.0])


def assert_still_works():
    """A good fit after the bad one: nothing was left broken."""
    x, ier = leastsq(residuals, X0)
    assert ier in (1, 2, 3, 4)
    np.testing.assert_allclose(x, SOLUTION, rtol=0, atol=1e-12)


def check_raises(exc_type, pattern, call):
    with pytest.raises(exc_type, match=pattern) as info:
        call()
    # Messages come from leastsq, never a bare numpy/builtins message...
    assert str(info.value).startswith(("leastsq:", "Improper input"))
    assert_still_works()
    return info.value


# --- x0 -------------------------------------------------------------------

# (id, x0, exception, pattern the message must match)
BAD_X0 = [
    ("string", "12", TypeError, r"x0 must hold real numbers.*dtype <U2"),
    ("list of strings", ["1", "2"], TypeError, r"x0 .*real numbers.*<U1"),
    ("bytes", b"12", TypeError, r"x0 .*real numbers.*dtype \|S2"),
    ("None", None, TypeError, r"x0 .*real numbers.*dtype object"),
    ("objects", [object(), object()], TypeError, r"x0 .*dtype object"),
    ("dict", {0: 1.0, 1: 2.0}, TypeError, r"x0 .*dtype object"),
    ("set", {1.0, 2.0}, TypeError, r"x0 .*dtype object"),
    ("int beyond float64", [10**400, 1], TypeError, r"x0 .*dtype object"),
    ("ragged", [[1.0, 2.0], [3.0]], ValueError,
     r"x0 cannot be converted to an array of real numbers"),
    ("complex", [1j, 2.0], TypeError, r"x0 .*dtype complex128"),
    ("complex64", np.ones(2, np.complex64), TypeError,
     r"x0 .*dtype complex64"),
    ("complex scalar", 1 + 0j, TypeError, r"x0 .*dtype complex128"),
    ("datetime", np.array([1, 2], "M8[s]"), TypeError,
     r"x0 .*dtype datetime64\[s\]"),
    ("timedelta", np.array([1, 2], "m8[s]"), TypeError,
     r"x0 .*dtype timedelta64\[s\]"),
    ("structured", np.zeros(2, "i4,f8"), TypeError, r"x0 .*dtype \["),
    ("nan", [1.0, np.nan], ValueError,
     r"x0 must be finite, but entry 1 is nan \(pass check_finite=False"),
    ("inf", [np.inf, 1.0], ValueError,
     r"x0 must be finite, but entry 0 is inf"),
    ("-inf in 2-D", [[0.0, 1.0], [2.0, -np.inf]], ValueError,
     r"x0 must be finite, but entry 3 is -inf"),
    ("float overflow", ["1e400", 1.0], TypeError, r"x0 .*<U"),
]


@pytest.mark.parametrize("x0, exc_type, pattern",
                         [case[1:] for case in BAD_X0],
                         ids=[case[0] for case in BAD_X0])
def test_bad_x0(x0, exc_type, pattern):
    check_raises(exc_type, pattern, lambda: leastsq(residuals, x0))


@pytest.mark.skipif(not LONGDOUBLE_IS_WIDER,
                    reason="long double is float64 on this platform")
def test_longdouble_x0_is_refused_rather_than_rounded():
    x0 = np.array([0.5, 0.5], dtype=np.longdouble)
    check_raises(TypeError, r"x0 .*convert exactly to float64.*dtype float",
                 lambda: leastsq(residuals, x0))


@pytest.mark.parametrize("x0", [[], np.empty((0, 3)), np.array([], int)],
                         ids=["list", "0x3 array", "int array"])
def test_empty_x0_is_improper_input(x0):
    x, cov_x, info, mesg, ier = leastsq(constant, x0, full_output=True)
    assert ier == 0 and mesg == "Improper input parameters."
    assert x.shape == (0,) and cov_x is None
    assert info["fvec"].tolist() == [0.0, 0.0, 0.0]  # zeros, not garbage
    with pytest.raises(TypeError, match=r"^Improper input parameters\.$"):
        leastsq(constant, x0)
    assert_still_works()


def test_huge_finite_x0_is_minpacks_business_and_does_not_crash():
    def func(x):
        with np.errstate(all="ignore"):
            return np.array([x[0] * 1e-300 - 1.0, x[1] * 1e-300 - 2.0,
                             (x[0] * 1e-300) * (x[1] * 1e-300) - 2.0])
    x, ier = leastsq(func, [1e300, 1e300])
    assert ier in (1, 2, 3, 4)
    np.testing.assert_allclose(x, [1e300, 2e300], rtol=1e-6)


def test_non_finite_x0_passes_through_with_check_finite_false():
    # scipy's behaviour, on request: MINPACK gets NaN and never improves it.
    # With this build MINPACK keeps the NaN gradient norm (docs/guide/
    # differences.md, "Differences to know when porting") and runs to
    # maxfev: ier 5.
    seen = []

    def func(x):
        seen.append(x.copy())
        return residuals(x)

    x, cov_x, info, mesg, ier = leastsq(
        func, [np.nan, 1.0], full_output=True, check_finite=False)
    assert np.isnan(seen[0][0]) and seen[0][1] == 1.0  # x0 as given
    assert ier == 5 and cov_x is None
    assert mesg == "Number of calls to function has reached maxfev = 600."
    assert info["nfev"] == 601 == len(seen)
    assert all(np.isnan(x_k[0]) for x_k in seen)  # never left the NaN
    assert np.isnan(x).all() and np.isnan(info["fvec"]).all()
    with pytest.warns(RuntimeWarning, match="maxfev = 600"):
        x, ier = leastsq(func, [np.nan, 1.0], check_finite=False)
    assert ier == 5


def test_non_finite_func_at_x0_passes_through_with_check_finite_false():
    # A finite x0 whose residuals are not: refused by default, handed to
    # MINPACK on request, which then fails to improve them (ier 5 as above).
    def func(x):
        return np.array([x[0] - 1.0, np.nan, x[1] - 2.0])

    with pytest.raises(ValueError, match=r"func\(x0\) must be finite"):
        leastsq(func, X0)
    x, cov_x, info, mesg, ier = leastsq(func, X0, full_output=True,
                                        check_finite=False)
    assert ier == 5 and info["nfev"] == 601 and cov_x is None
    assert np.isnan(info["fvec"][1])


# --- func, Dfun and args ---------------------------------------------------

def takes_two(x, a, b):
    return residuals(x)


BAD_CALLABLES = [
    ("func None", dict(func=None), TypeError,
     r"^leastsq: func must be callable, not NoneType$"),
    ("func number", dict(func=3.0), TypeError,
     r"^leastsq: func must be callable, not float$"),
    ("func array", dict(func=np.ones(3)), TypeError,
     r"func must be callable, not ndarray"),
    ("Dfun string", dict(Dfun="jacobian"), TypeError,
     r"^leastsq: Dfun must be callable or None, not str$"),
    ("Dfun array", dict(Dfun=np.ones((3, 2))), TypeError,
     r"Dfun must be callable or None, not ndarray"),
]


@pytest.mark.parametrize("kwargs, exc_type, pattern",
                         [case[1:] for case in BAD_CALLABLES],
                         ids=[case[0] for case in BAD_CALLABLES])
def test_bad_callables(kwargs, exc_type, pattern):
    kwargs = {"func": residuals, "x0": X0, **kwargs}
    check_raises(exc_type, pattern, lambda: leastsq(**kwargs))


def python_error(exc_type, pattern, call):
    """An error Python itself raises calling func: propagates unchanged."""
    with pytest.raises(exc_type, match=pattern):
        call()
    assert_still_works()


def test_too_many_args_is_pythons_own_error():
    python_error(TypeError, r"takes 3 positional arguments but 4 were given",
                 lambda: leastsq(takes_two, X0, args=(1, 2, 3)))


def test_too_few_args_is_pythons_own_error():
    python_error(TypeError, r"missing 1 required positional argument: 'b'",
                 lambda: leastsq(takes_two, X0, args=(1,)))


def test_a_list_for_args_is_one_argument_not_unpacked():
    # scipy wraps a non-tuple into a 1-tuple: [1, 2] is a, and b is missing.
    python_error(TypeError, r"missing 1 required positional argument: 'b'",
                 lambda: leastsq(takes_two, X0, args=[1, 2]))


def test_args_none_is_passed_as_none():
    python_error(TypeError, r"takes 1 positional argument but 2 were given",
                 lambda: leastsq(constant, X0, args=None))
    seen = []
    leastsq(lambda x, a: seen.append(a) or residuals(x), X0, args=None)
    assert seen and all(a is None for a in seen)


def test_args_arity_mismatch_only_in_dfun():
    def dfun(x):
        return jacobian(x)
    python_error(TypeError, r"dfun\(\) takes 1 positional argument but 2",
                 lambda: leastsq(residuals, X0, args=(7,), Dfun=dfun))


def test_unknown_keyword_and_too_many_positionals():
    python_error(TypeError, r"unexpected keyword argument 'tol'",
                 lambda: leastsq(residuals, X0, tol=1e-8))
    python_error(TypeError, r"takes from 2 to 13 positional arguments",
                 lambda: leastsq(residuals, X0, *range(12)))


# --- keywords ---------------------------------------------------------------

class BadFloat:
    """Has __float__, but it fails."""
    def __float__(self):
        raise ArithmeticError("no float for you")


# (id, keywords, exception, pattern)
BAD_KEYWORDS = [
    ("ftol string", dict(ftol="1e-8"), TypeError,
     r"^leastsq: ftol must be a real number, not str$"),
    ("ftol None", dict(ftol=None), TypeError,
     r"ftol must be a real number, not NoneType"),
    ("ftol complex", dict(ftol=1e-8 + 0j), TypeError,
     r"ftol must be a real number, not complex"),
    ("ftol complex64", dict(ftol=np.complex64(1e-8)), TypeError,
     r"ftol must be a real number, not complex64"),
    ("ftol array", dict(ftol=np.array([1e-8, 1e-8])), TypeError,
     r"ftol must be a real number, not ndarray"),
    ("ftol 1-element array", dict(ftol=np.array([1e-8])), TypeError,
     r"ftol must be a real number, not ndarray"),
    ("ftol nan", dict(ftol=np.nan), ValueError,
     r"^leastsq: ftol must be a number, not nan$"),
    ("ftol int beyond float64", dict(ftol=10**400), ValueError,
     r"ftol is too large for a float64"),
    ("xtol bytes", dict(xtol=b"1"), TypeError,
     r"xtol must be a real number, not bytes"),
    ("xtol list", dict(xtol=[1e-8]), TypeError,
     r"xtol must be a real number, not list"),
    ("xtol nan", dict(xtol=float("nan")), ValueError,
     r"xtol must be a number, not nan"),
    ("gtol dict", dict(gtol={}), TypeError,
     r"gtol must be a real number, not dict"),
    ("gtol nan float32", dict(gtol=np.float32("nan")), ValueError,
     r"gtol must be a number, not nan"),
    ("gtol 0-d complex array", dict(gtol=np.array(1j)), TypeError,
     r"gtol must be a real number, not ndarray"),
    ("factor string", dict(factor="100"), TypeError,
     r"factor must be a real number, not str"),
    ("factor nan", dict(factor=np.nan), ValueError,
     r"^leastsq: factor must be finite, not nan$"),
    ("factor inf", dict(factor=np.inf), ValueError,
     r"factor must be finite, not inf"),
    ("factor -inf", dict(factor=-np.inf), ValueError,
     r"factor must be finite, not -inf"),
    ("epsfcn string", dict(epsfcn="1e-8"), TypeError,
     r"epsfcn must be a real number, not str"),
    ("epsfcn nan", dict(epsfcn=np.nan), ValueError,
     r"epsfcn must be finite, not nan"),
    ("epsfcn inf", dict(epsfcn=np.inf), ValueError,
     r"epsfcn must be finite, not inf"),
    ("maxfev float", dict(maxfev=100.0), TypeError,
     r"^leastsq: maxfev must be an integer, not float$"),
    ("maxfev string", dict(maxfev="100"), TypeError,
     r"maxfev must be an integer, not str"),
    ("maxfev None", dict(maxfev=None), TypeError,
     r"maxfev must be an integer, not NoneType"),
    ("maxfev float64", dict(maxfev=np.float64(100)), TypeError,
     r"maxfev must be an integer, not float64"),
    ("maxfev 2**31", dict(maxfev=2**31), ValueError,
     r"maxfev must be at most 2147483647 \(MINPACK counts calls in a C "
     r"int\), not 2147483648"),
    ("maxfev int64 2**40", dict(maxfev=np.int64(2**40)), ValueError,
     r"maxfev must be at most 2147483647.*not 1099511627776"),
    ("maxfev 10**400", dict(maxfev=10**400), ValueError,
     r"maxfev must be at most 2147483647"),
    ("diag too short", dict(diag=[1.0]), ValueError,
     r"^leastsq: diag must have one entry per parameter, n=2, but it has 1$"),
    ("diag too long", dict(diag=[1.0, 1.0, 1.0]), ValueError,
     r"diag must have one entry per parameter, n=2, but it has 3"),
    ("diag empty", dict(diag=[]), ValueError,
     r"diag must have one entry per parameter, n=2, but it has 0"),
    ("diag scalar", dict(diag=1.0), ValueError,
     r"diag must have one entry per parameter, n=2, but it has 1"),
    ("diag nan", dict(diag=[1.0, np.nan]), ValueError,
     r"^leastsq: diag must be finite, but entry 1 is nan$"),
    ("diag inf", dict(diag=[np.inf, 1.0]), ValueError,
     r"diag must be finite, but entry 0 is inf"),
    ("diag strings", dict(diag=["1", "1"]), TypeError,
     r"diag must hold real numbers.*<U1"),
    ("diag complex", dict(diag=[1j, 1.0]), TypeError,
     r"diag must hold real numbers.*complex128"),
    ("diag ragged", dict(diag=[[1.0], [1.0, 2.0]]), ValueError,
     r"diag cannot be converted to an array of real numbers"),
    ("full_output array", dict(full_output=np.array([1, 0])), ValueError,
     r"^leastsq: full_output must be true or false, not ndarray$"),
    ("col_deriv array", dict(col_deriv=np.array([1, 0]), Dfun=jacobian),
     ValueError, r"col_deriv must be true or false, not ndarray"),
    ("check_finite array", dict(check_finite=np.array([True, True])),
     ValueError, r"check_finite must be true or false, not ndarray"),
]


@pytest.mark.parametrize("kwargs, exc_type, pattern",
                         [case[1:] for case in BAD_KEYWORDS],
                         ids=[case[0] for case in BAD_KEYWORDS])
def test_bad_keyword(kwargs, exc_type, pattern):
    calls = []

    def func(x):
        calls.append(1)
        return residuals(x)

    check_raises(exc_type, pattern, lambda: leastsq(func, X0, **kwargs))
    assert calls == []  # refused before func is ever called


def test_a_failing_float_conversion_propagates_unchanged():
    with pytest.raises(ArithmeticError, match="no float for you"):
        leastsq(residuals, X0, xtol=BadFloat())
    assert_still_works()


# Values MINPACK itself rejects: ier 0, as scipy gives.
IMPROPER = [
    ("ftol negative", dict(ftol=-1e-8)),
    ("xtol negative", dict(xtol=-np.inf)),
    ("gtol negative", dict(gtol=-0.5)),
    ("factor zero", dict(factor=0)),
    ("factor negative", dict(factor=-100.0)),
    ("diag zero", dict(diag=[1.0, 0.0])),
    ("diag negative", dict(diag=[-1.0, 1.0])),
    ("diag negative with Dfun", dict(diag=[1.0, -0.0], Dfun=jacobian)),
]


@pytest.mark.parametrize("kwargs", [case[1] for case in IMPROPER],
                         ids=[case[0] for case in IMPROPER])
def test_values_minpack_rejects_give_ier_0(kwargs):
    x, cov_x, info, mesg, ier = leastsq(residuals, X0, full_output=True,
                                        **kwargs)
    assert ier == 0 and mesg == "Improper input parameters."
    assert cov_x is None and x.tolist() == X0
    assert not info["fjac"].any() and not info["qtf"].any()
    assert not info["ipvt"].any()
    with pytest.raises(TypeError, match=r"^Improper input parameters\.$"):
        leastsq(residuals, X0, **kwargs)
    assert_still_works()


@pytest.mark.parametrize("kwargs", [
    dict(ftol=np.inf), dict(xtol=np.inf), dict(gtol=np.inf),
    dict(ftol=np.inf, xtol=np.inf, gtol=np.inf, Dfun=jacobian),
], ids=["ftol", "xtol", "gtol", "all with Dfun"])
def test_infinite_tolerances_are_allowed(kwargs):
    # Infinite tolerances are satisfied at once: a converged ier, not an error.
    x, ier = leastsq(residuals, X0, **kwargs)
    assert ier in (1, 2, 3, 4) and np.isfinite(x).all()


@pytest.mark.parametrize("maxfev", [-1, -5, -2**70, np.int64(-3)])
def test_negative_maxfev_means_the_default(maxfev):
    expected = leastsq(residuals, X0, full_output=True, maxfev=0)
    got = leastsq(residuals, X0, full_output=True, maxfev=maxfev)
    assert got[0].tobytes() == expected[0].tobytes()
    assert got[2]["nfev"] == expected[2]["nfev"] and got[4] == expected[4]


def never_converges(x):
    """Residuals 1/x: each Gauss-Newton step doubles x and halves them, so
    no tolerance is ever met before maxfev (only + - * /: the same fit on
    every machine)."""
    return np.array([1.0 / x[0], 1.0 / x[1], 0.0])


def never_converges_jacobian(x):
    return np.array([[-1.0 / x[0] ** 2, 0.0], [0.0, -1.0 / x[1] ** 2],
                     [0.0, 0.0]])


@pytest.mark.parametrize("maxfev", [0, -7])
def test_default_maxfev_appears_in_the_message(maxfev):
    # n = 2: 200 * (n + 1) = 600 calls without Dfun, 100 * (n + 1) = 300
    # with it; lmdif's last Jacobian may take it one call past maxfev.
    x, cov_x, info, mesg, ier = leastsq(never_converges, X0, maxfev=maxfev,
                                        full_output=True, ftol=0, xtol=0)
    assert ier == 5 and cov_x is None
    assert mesg == "Number of calls to function has reached maxfev = 600."
    assert info["nfev"] == 601
    x, cov_x, info, mesg, ier = leastsq(never_converges, X0, maxfev=maxfev,
                                        Dfun=never_converges_jacobian,
                                        full_output=True)
    assert ier == 5
    assert mesg == "Number of calls to function has reached maxfev = 300."
    assert info["nfev"] == 300 and info["njev"] == 299
    with pytest.warns(RuntimeWarning) as record:
        leastsq(never_converges, X0, maxfev=maxfev)
    assert str(record[0].message).endswith("maxfev = 600.")


def test_maxfev_at_the_c_int_limit_is_accepted():
    x, ier = leastsq(residuals, X0, maxfev=2**31 - 1)
    assert ier in (1, 2, 3, 4)


def test_negative_epsfcn_is_clamped_by_minpack():
    # MINPACK uses max(epsfcn, machine epsilon): a negative one is harmless.
    assert (leastsq(residuals, X0, epsfcn=-1.0)[0].tobytes()
            == leastsq(residuals, X0, epsfcn=0.0)[0].tobytes())


# --- the private entry points ---------------------------------------------
# leastsq validates everything, but _minpack is importable: it must refuse
# any array that would let MINPACK read or write out of bounds, and survive
# values leastsq would have refused.

def lmdif(x0=np.array(X0), fvec0=None, diag=None, args=(), func=residuals,
          maxfev=100, epsfcn=0.0, factor=100.0, ftol=1e-8):
    fvec0 = residuals(np.ravel(x0)) if fvec0 is None else fvec0
    return _minpack.lmdif(func, x0, args, fvec0, ftol, 1e-8, 0.0, maxfev,
                          epsfcn, factor, diag)


@pytest.mark.parametrize("kwargs, pattern", [
    (dict(x0=np.zeros(4)[::2]), r"^_minpack: x0 must be a contiguous 1-D "
                                r"float64 array$"),
    (dict(x0=np.array(X0, np.float32)), r"x0 must be a contiguous 1-D"),
    (dict(x0=np.array(X0, ">f8")), r"x0 must be a contiguous 1-D"),
    (dict(x0=np.array([X0])), r"x0 must be a contiguous 1-D"),
    (dict(x0=X0), r"x0 must be a contiguous 1-D"),
    (dict(fvec0=[0.0, 0.0, 0.0]), r"fvec0 must be a contiguous 1-D"),
    (dict(diag=np.ones(1)), r"diag must be a contiguous 1-D float64 array "
                            r"of the right length"),
    (dict(diag=np.ones(3)), r"diag must be .* of the right length"),
    (dict(diag=[1.0, 1.0]), r"diag must be .* of the right length"),
    (dict(args=[1]), r"argument 3 must be tuple, not list"),
    (dict(func=3), r"'int' object is not callable"),
], ids=["strided", "float32", "big-endian", "2-D", "list", "fvec0 list",
        "diag short", "diag long", "diag list", "args list", "func int"])
def test_private_lmdif_refuses_what_could_corrupt_memory(kwargs, pattern):
    with pytest.raises(TypeError, match=pattern):
        lmdif(**kwargs)
    assert_still_works()


def test_private_lmdif_checks_fvec0_against_func():
    with pytest.raises(ValueError, match=r"returned 3 residuals at this "
                                         r"call but 5 at x0"):
        lmdif(fvec0=np.zeros(5))
    assert lmdif(fvec0=np.zeros(1))[-1] == 0  # m < n: MINPACK's ier 0
    with pytest.raises(OverflowError):
        lmdif(maxfev=2**40)


@pytest.mark.parametrize("kwargs", [
    dict(ftol=np.nan), dict(factor=np.nan), dict(factor=np.inf),
    dict(epsfcn=np.nan), dict(epsfcn=np.inf),
    dict(diag=np.array([np.nan, 1.0])), dict(diag=np.array([np.inf, 1.0])),
    dict(x0=np.array([np.nan, 1.0])), dict(fvec0=np.full(3, np.nan)),
    dict(maxfev=-1), dict(maxfev=0),
], ids=["nan ftol", "nan factor", "inf factor", "nan epsfcn", "inf epsfcn",
        "nan diag", "inf diag", "nan x0", "nan fvec0", "maxfev -1",
        "maxfev 0"])
def test_private_lmdif_survives_non_finite_options(kwargs):
    result = lmdif(**kwargs)
    assert len(result) == 7 and result[-1] in range(9)
    assert result[0].shape == (2,) and result[1].shape == (3,)
