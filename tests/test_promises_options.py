"""Documented promises about options and inputs that had no test, or one.

* epsfcn=None with float16 output is float16's epsilon (without it the
  forward differences of float16 values are zero and the fit stops at x0).
* epsfcn is ignored when Dfun is given, whatever it is, as in scipy.
* ftol and xtol each appear in their own place in messages 1, 2 and 3.
* x0 (and diag) are flattened in C order, by every conversion path.
* Each call gets a fresh x that stays what it was, with Dfun too.
* Only safe conversions to float64: exactly the dtypes numpy calls safe.
* cov_x is None when R is exactly singular, wherever the zero is.
"""

import warnings

import numpy as np
import pytest

from pyminpack import _minpack, leastsq
from problems import BY_NAME

DECAY = BY_NAME["decay"]
UG = BY_NAME["users_guide"]
FLOAT16_EPS = float(np.finfo(np.float16).eps)
FLOAT64_EPS = float(np.finfo(np.float64).eps)


def fit(func, x0, args=(), **keywords):
    """Everything a fit returns, as bytes, for bitwise comparison."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        x, cov_x, info, mesg, ier = leastsq(func, x0, args, full_output=True,
                                            **keywords)
    return (x.tobytes(), None if cov_x is None else cov_x.tobytes(),
            info["fvec"].tobytes(), info["fjac"].tobytes(),
            info["ipvt"].tobytes(), info["qtf"].tobytes(), info["nfev"],
            info.get("njev"), mesg, ier)


# --- epsfcn and float16 -------------------------------------------------------

def decay16(x, t, y):
    return DECAY.func(x, t, y).astype(np.float16)


def test_float16_output_sets_epsfcn_to_float16s_epsilon():
    default = fit(decay16, DECAY.x0, DECAY.args)
    explicit = fit(decay16, DECAY.x0, DECAY.args, epsfcn=FLOAT16_EPS)
    assert default == explicit
    x, ier = np.frombuffer(default[0]), default[-1]
    assert ier in (1, 2, 3, 4)
    # y = 3 exp(-0.7 t) + 0.5 (+ 0.002 cos 5t), fitted through float16
    # residuals (3 significant digits)
    np.testing.assert_allclose(x, [3.0, 0.7, 0.5], rtol=0, atol=5e-3)


def test_float16_output_with_float64s_epsilon_is_a_fit_that_never_starts():
    # Why the rule matters: a step of sqrt(2**-52) * |x| changes no float16
    # value, the forward-difference Jacobian is zero and MINPACK stops at
    # x0, "converged" (ier 4).
    x, cov_x, info, mesg, ier = leastsq(decay16, DECAY.x0, DECAY.args,
                                        full_output=True, epsfcn=FLOAT64_EPS)
    assert ier == 4 and np.array_equal(x, DECAY.x0)
    assert info["nfev"] == 1 + DECAY.x0.size  # f(x0) and one Jacobian
    assert not info["fjac"].any() and cov_x is None  # J, so R, is zero
    default = fit(decay16, DECAY.x0, DECAY.args)
    assert np.frombuffer(default[0]).tolist() != DECAY.x0.tolist()


def float16_at_x0_only():
    """A func whose first output (at x0) is float16, the others float64."""
    calls = []

    def mixed(x, t, y):
        calls.append(1)
        values = DECAY.func(x, t, y)
        return values.astype(np.float16) if len(calls) == 1 else values
    return mixed


def test_float16_is_decided_by_the_output_at_x0_and_kept():
    # float16 at x0, float64 afterwards: the step stays float16's.
    got = fit(float16_at_x0_only(), DECAY.x0, DECAY.args)
    expected = fit(float16_at_x0_only(), DECAY.x0, DECAY.args,
                   epsfcn=FLOAT16_EPS)
    assert got == expected and got[-1] in (1, 2, 3, 4)
    float64_step = fit(float16_at_x0_only(), DECAY.x0, DECAY.args,
                       epsfcn=FLOAT64_EPS)
    assert got[0] != float64_step[0]


# --- epsfcn with Dfun ------------------------------------------------------------

EPSFCN_VALUES = [1e-3, 0.5, 1e10, 0.0, -1.0, np.float32(1e-2), np.nan,
                 np.inf, -np.inf, "1e-8", b"x", 1j, [1e-8], object(),
                 np.array([1.0, 2.0])]


@pytest.mark.parametrize("col_deriv", [False, True])
@pytest.mark.parametrize("epsfcn", EPSFCN_VALUES,
                         ids=[repr(v)[:20] for v in EPSFCN_VALUES])
def test_epsfcn_is_ignored_when_dfun_is_given(epsfcn, col_deriv):
    dfun = DECAY.jac_transposed if col_deriv else DECAY.jac
    expected = fit(DECAY.func, DECAY.x0, DECAY.args, Dfun=dfun,
                   col_deriv=col_deriv)
    got = fit(DECAY.func, DECAY.x0, DECAY.args, Dfun=dfun,
              col_deriv=col_deriv, epsfcn=epsfcn)
    assert got == expected
    assert expected[-1] in (1, 2, 3, 4)


def test_the_same_epsfcn_values_matter_without_dfun():
    # The counterpart, so that "ignored" above means something: without
    # Dfun a different step changes the fit, and a bad value is refused.
    default = fit(DECAY.func, DECAY.x0, DECAY.args)
    assert fit(DECAY.func, DECAY.x0, DECAY.args, epsfcn=1e-3) != default
    with pytest.raises(TypeError, match="epsfcn must be a real number"):
        leastsq(DECAY.func, DECAY.x0, DECAY.args, epsfcn="1e-8")
    with pytest.raises(ValueError, match="epsfcn must be finite"):
        leastsq(DECAY.func, DECAY.x0, DECAY.args, epsfcn=np.nan)


# --- ftol and xtol in the messages ----------------------------------------------

# The users' guide problem (only + - * /: the same fit on every machine)
# stops with each of these ier for these tolerances (ftol != xtol, so a
# message that swapped them would show it).
MESSAGE_CASES = [
    (1, dict(ftol=0.25, xtol=1e-3),
     "Both actual and predicted relative reductions in the sum of squares\n"
     "  are at most 0.250000"),
    (2, dict(ftol=0.125, xtol=0.25),
     "The relative error between two consecutive iterates is at most "
     "0.250000"),
    (3, dict(ftol=0.5, xtol=0.01),
     "Both actual and predicted relative reductions in the sum of squares\n"
     "  are at most 0.500000 and the relative error between two consecutive "
     "iterates is at \n  most 0.010000"),
    (3, dict(ftol=0.01, xtol=0.1),
     "Both actual and predicted relative reductions in the sum of squares\n"
     "  are at most 0.010000 and the relative error between two consecutive "
     "iterates is at \n  most 0.100000"),
]


@pytest.mark.parametrize("ier, tolerances, expected", MESSAGE_CASES,
                         ids=[f"ier {c[0]} {c[1]}" for c in MESSAGE_CASES])
def test_each_tolerance_appears_in_its_own_place(ier, tolerances, expected):
    x, cov_x, info, mesg, got = leastsq(UG.func, UG.x0, full_output=True,
                                        **tolerances)
    assert got == ier
    assert mesg == expected


# --- x0 is flattened in C order ---------------------------------------------------

def shifted(x):
    """Residuals with the solution 1, 2, ..., n (m = n + 1), and a record."""
    return np.append(x - np.arange(1.0, x.size + 1), 0.1 * x.sum())


X0_VALUES = np.array([[0.5, 2.5, 1.0], [3.5, 6.0, 4.5]])  # not symmetric
X0_LAYOUTS = {
    "float64 Fortran order": np.asfortranarray(X0_VALUES),
    "float64 transposed view": np.ascontiguousarray(X0_VALUES.T).T,
    "float64 strided": np.zeros((4, 6))[::2, ::2] + X0_VALUES,
    "float32 Fortran order": np.asfortranarray(X0_VALUES, np.float32),
    "int Fortran order": np.asfortranarray(X0_VALUES * 2).astype(np.int64),
    "nested list": X0_VALUES.tolist(),
    "3-D Fortran order": np.asfortranarray(X0_VALUES.reshape(2, 3, 1)),
}


@pytest.mark.parametrize("layout", sorted(X0_LAYOUTS))
def test_x0_of_any_layout_is_its_c_order_ravel(layout):
    x0 = X0_LAYOUTS[layout]
    flat = np.ravel(np.asarray(x0, dtype=np.float64), order="C")
    assert flat.tolist() != np.ravel(np.asarray(x0, dtype=np.float64),
                                     order="F").tolist()
    seen = []

    def func(x):
        seen.append(x.copy())
        return shifted(x)

    got = fit(func, x0)
    assert seen[0].tolist() == flat.tolist()
    assert got == fit(shifted, flat)


def cubic(x):
    """Nonlinear, so that the scaling by diag changes the path."""
    return np.append(x ** 3 - np.arange(1.0, x.size + 1), 0.1 * x.sum())


def test_diag_is_flattened_in_c_order_too():
    diag = np.array([[1.0, 8.0, 0.5], [4.0, 0.25, 2.0]])
    x0 = np.ones(6)
    expected = fit(cubic, x0, diag=diag.ravel())
    assert expected[-1] in (1, 2, 3, 4)
    assert fit(cubic, x0, diag=np.asfortranarray(diag)) == expected
    assert fit(cubic, x0, diag=diag.tolist()) == expected
    integers = (diag * 4).astype(np.int64)
    assert (fit(cubic, x0, diag=np.asfortranarray(integers))
            == fit(cubic, x0, diag=integers.ravel()))
    assert fit(cubic, x0, diag=np.asfortranarray(diag, np.float32)) \
        == expected
    # and the order matters for this problem: F order is another fit
    assert fit(cubic, x0, diag=diag.ravel(order="F")) != expected


# --- a fresh x at every call, with Dfun too -------------------------------------

def test_every_x_lmder_passes_stays_what_it_was():
    kept = []

    def func(x, t, y):
        kept.append(("func", x, x.copy()))
        return DECAY.func(x, t, y)

    def dfun(x, t, y):
        kept.append(("Dfun", x, x.copy()))
        return DECAY.jac(x, t, y)

    x, cov_x, info, mesg, ier = leastsq(func, DECAY.x0, DECAY.args, dfun,
                                        full_output=True)
    reference = leastsq(DECAY.func, DECAY.x0, DECAY.args, DECAY.jac,
                        full_output=True)
    assert x.tobytes() == reference[0].tobytes() and ier == reference[4]
    assert len(kept) == info["nfev"] + info["njev"]
    assert {role for role, _, _ in kept} == {"func", "Dfun"}
    for k, (role, array, snapshot) in enumerate(kept):
        # still the values it had when passed: nobody wrote to it since
        assert array.tobytes() == snapshot.tobytes(), (k, role)
        assert array.dtype == np.float64 and array.shape == (3,)
        assert array.flags.c_contiguous and array.flags.writeable
        assert array.flags.owndata  # no view of anything else's memory
        for other in (x, info["fvec"], info["fjac"], info["qtf"],
                      DECAY.x0):
            assert not np.shares_memory(array, other), (k, role)
    arrays = [array for _, array, _ in kept]
    assert len({id(a) for a in arrays}) == len(arrays)
    for i in range(len(arrays) - 1):
        assert not np.shares_memory(arrays[i], arrays[i + 1])


# --- safe casting, dtype by dtype ----------------------------------------------------

def dtype_of(code):
    return np.dtype({"M": "M8[s]", "m": "m8[s]", "S": "S8", "U": "U8",
                     "V": "V8"}.get(code, code))


ALL_DTYPES = sorted({dtype_of(code) for code in np.typecodes["All"]},
                    key=str)
SAFE = [d for d in ALL_DTYPES if np.can_cast(d, np.float64, "safe")]


def as_dtype(values, dtype):
    """values (float64) in dtype, as exactly as that dtype can hold them."""
    if dtype.kind in "biu":
        return np.round(values * 8).astype(dtype)
    if dtype.kind in "SUO":
        return values.astype(dtype)
    if dtype.kind in "Mm":
        return np.round(values * 8).astype(np.int64).astype(dtype)
    if dtype.kind == "V":
        return values.view(dtype)
    return values.astype(dtype)


def test_the_sweep_covers_every_kind():
    kinds = {d.kind for d in ALL_DTYPES}
    assert kinds >= set("biufcSUVOMm")
    assert {d.kind for d in SAFE} == set("biuf")
    if np.finfo(np.longdouble).bits > 64:
        assert np.dtype(np.longdouble) not in SAFE


T5 = np.linspace(0.0, 2.0, 5)


def line(p):
    """A 2-parameter line through 5 points; exact in every safe dtype."""
    return p[0] + p[1] * T5 - (1.0 + 0.5 * T5)


@pytest.mark.parametrize("where", ["func at x0", "func later", "Dfun"])
@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=str)
def test_output_is_accepted_exactly_when_numpy_casts_it_safely(dtype, where):
    calls = []

    def func(p):
        calls.append(1)
        values = line(p)
        first = len(calls) == 1
        if (where == "func at x0" and first) or (where == "func later"
                                                 and not first):
            return as_dtype(values, dtype)
        return values

    def dfun(p):
        jac = np.column_stack([np.ones(5), T5])
        return as_dtype(jac, dtype) if where == "Dfun" else jac

    keywords = {"Dfun": dfun} if where == "Dfun" else {"epsfcn": 1e-10}
    if dtype in SAFE:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            leastsq(func, [0.0, 0.0], full_output=True, **keywords)
        return
    role = "Dfun 'dfun'" if where == "Dfun" else "func 'func'"
    with pytest.raises(TypeError, match=f"leastsq: {role} must return real "
                       f"numbers that convert safely to float64"):
        leastsq(func, [0.0, 0.0], **keywords)


@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=str)
def test_x0_is_accepted_exactly_when_numpy_casts_it_safely(dtype):
    x0 = as_dtype(np.array([0.5, 0.25]), dtype)
    if dtype in SAFE:
        x, ier = leastsq(line, x0)
        assert ier in (1, 2, 3, 4)
        np.testing.assert_allclose(x, [1.0, 0.5], rtol=1e-12)
    else:
        with pytest.raises(TypeError, match="leastsq: x0 must hold real "
                           "numbers that convert exactly to float64"):
            leastsq(line, x0)


@pytest.mark.parametrize("dtype", SAFE, ids=str)
def test_safe_output_gives_the_bits_of_its_float64_values(dtype):
    # Accepted output is converted exactly: the fit is that of the same
    # values in float64 (epsfcn fixed, as float16/32 would change it).
    def converted(p):
        return as_dtype(line(p), dtype)

    def as_float64(p):
        return converted(p).astype(np.float64)

    def jac(p):
        return as_dtype(np.column_stack([np.ones(5), T5]), dtype)

    def jac64(p):
        return jac(p).astype(np.float64)

    assert (fit(converted, [0.0, 0.0], epsfcn=1e-10)
            == fit(as_float64, [0.0, 0.0], epsfcn=1e-10))
    assert (fit(line, [0.0, 0.0], Dfun=jac)
            == fit(line, [0.0, 0.0], Dfun=jac64))


@pytest.mark.skipif(np.finfo(np.longdouble).bits <= 64,
                    reason="long double is float64 on this platform")
@pytest.mark.parametrize("col_deriv", [False, True])
def test_longdouble_jacobian_is_refused_rather_than_rounded(col_deriv):
    def dfun(p):
        jac = np.column_stack([np.ones(5), T5]).astype(np.longdouble)
        return jac.T if col_deriv else jac

    with pytest.raises(TypeError, match=r"Dfun 'dfun' must return real "
                       r"numbers .*dtype float(96|128)"):
        leastsq(line, [0.0, 0.0], Dfun=dfun, col_deriv=col_deriv)


# --- cov_x and an exactly singular R ------------------------------------------------

def test_cov_x_is_none_when_dfun_has_a_zero_column():
    t = np.linspace(0.0, 1.0, 6)

    def func(p):
        return p[0] + p[2] * t - (1.0 + 2.0 * t)  # p[1] is unused

    def dfun(p):
        return np.column_stack([np.ones(6), np.zeros(6), t])

    x, cov_x, info, mesg, ier = leastsq(func, [0.0, 0.0, 0.0], Dfun=dfun,
                                        full_output=True)
    assert ier in (1, 2, 3, 4) and cov_x is None
    np.testing.assert_allclose(x[[0, 2]], [1.0, 2.0], rtol=1e-12)
    r_diagonal = np.diagonal(info["fjac"].T[:3])
    assert (r_diagonal == 0.0).sum() == 1


def covariance_input(r, ipvt, m=5):
    """fjac (n, m) whose R is r (upper triangular n x n), and ipvt int32."""
    n = r.shape[0]
    fjac = np.zeros((n, m))
    fjac[:, :n] = np.triu(r).T  # fjac.T[:n] is R (Fortran's fjac(m, n))
    return fjac, np.array(ipvt, dtype=np.int32)


R3 = np.array([[4.0, 1.0, -2.0], [0.0, 2.0, 0.5], [0.0, 0.0, 1.0]])


@pytest.mark.parametrize("zero_at", [0, 1, 2])
def test_covariance_is_none_for_a_zero_anywhere_on_rs_diagonal(zero_at):
    r = R3.copy()
    r[zero_at, zero_at] = 0.0
    fjac, ipvt = covariance_input(r, [2, 3, 1])
    assert _minpack.covariance(fjac, ipvt) is None


@pytest.mark.parametrize("scale", [1.0, 1e-150])
def test_covariance_of_a_nonsingular_r_is_the_inverse_of_jt_j(scale):
    # Not singular, however small the diagonal: a matrix, not None.
    r = R3 * scale
    fjac, ipvt = covariance_input(r, [2, 3, 1])
    cov = _minpack.covariance(fjac, ipvt)
    p = np.eye(3)[:, ipvt - 1]
    expected = np.linalg.inv(p @ r.T @ r @ p.T)
    np.testing.assert_allclose(cov, expected, rtol=1e-12)
