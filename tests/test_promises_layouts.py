"""How Dfun's and func's output is read, checked where the other tests do
not reach: bit for bit against the plain layouts.

* A row-major Jacobian is transposed into MINPACK's column-major buffer in
  tiles of 256 rows (convert.c): only m > 256 has more than one tile, and
  a last tile that is not full.
* When n is 1 the Jacobian is a vector, accepted along any single axis,
  with any stride: read through its own stride, not assumed contiguous.
* When n is 1 only an array with at most one axis longer than 1 is such a
  vector: (2, 2) holds m*n = 4 values, and is still refused.
* func's residuals in any memory layout (strided, reversed, byte-swapped,
  unaligned), at x0 and at later calls.
"""

import re

import numpy as np
import pytest

from pyminpack import leastsq


def fit(func, x0, args=(), **keywords):
    """Everything a fit returns, as bytes, for bitwise comparison."""
    x, cov_x, info, mesg, ier = leastsq(func, x0, args, full_output=True,
                                        **keywords)
    return (x.tobytes(), None if cov_x is None else cov_x.tobytes(),
            info["fvec"].tobytes(), info["fjac"].tobytes(),
            info["ipvt"].tobytes(), info["qtf"].tobytes(), info["nfev"],
            info.get("njev"), mesg, ier)


def unaligned(values):
    """values (float64) copied into memory that is not 8-byte aligned."""
    values = np.asarray(values, dtype=np.float64)
    buffer = np.zeros(values.size * 8 + 1, dtype=np.uint8)
    view = buffer[1:].view(np.float64).reshape(values.shape)
    view[...] = values
    assert not view.flags.aligned
    return view


def strided(values, step=3):
    """values in every step-th element of a larger buffer (1-D or 2-D)."""
    values = np.asarray(values, dtype=np.float64)
    if values.ndim == 1:
        buffer = np.full(step * values.size, np.nan)
        buffer[::step] = values
        return buffer[::step]
    buffer = np.full((2 * values.shape[0], step * values.shape[1]), np.nan)
    buffer[::2, ::step] = values
    return buffer[::2, ::step]


def reversed_storage(values):
    """values with negative strides: stored back to front."""
    values = np.asarray(values, dtype=np.float64)
    flip = (slice(None, None, -1),) * values.ndim
    return values[flip].copy()[flip]


# --- m > 256: the tiled transpose --------------------------------------------

# 3 full tiles of 256 rows and a last one of 9; 4 parameters.
M_TILED = 3 * 256 + 9
T_TILED = np.linspace(0.0, 3.0, M_TILED)
Y_TILED = (2.0 * np.exp(-0.7 * T_TILED) + 0.3 * np.sin(2.0 * T_TILED)
           + 0.01 * np.cos(37.0 * T_TILED))
X0_TILED = np.array([1.0, 1.0, 0.5, 1.5])


def model(p, t, y):
    return p[0] * np.exp(-p[1] * t) + p[2] * np.sin(p[3] * t) - y


def model_jacobian(p, t, y):
    """(m, n), C order: each row of J is contiguous, its columns strided."""
    e = np.exp(-p[1] * t)
    return np.column_stack([e, -p[0] * t * e, np.sin(p[3] * t),
                            p[2] * t * np.cos(p[3] * t)])


def col_deriv_jacobian(p, t, y):
    """(n, m), C order: MINPACK's own layout, copied column by column."""
    return np.ascontiguousarray(model_jacobian(p, t, y).T)


# Row-major layouts (every one but Fortran order goes through the tiles)
# and col_deriv layouts whose rows are not contiguous (tiles again).
TILED_LAYOUTS = {
    "C order": (lambda j: np.ascontiguousarray(j), False),
    "Fortran order": (lambda j: np.asfortranarray(j), False),
    "strided": (strided, False),
    "negative strides": (reversed_storage, False),
    "big-endian": (lambda j: j.astype(">f8"), False),
    "unaligned": (unaligned, False),
    "col_deriv transposed view": (lambda j: j.T, True),
    "col_deriv strided": (lambda j: strided(j).T, True),
    "col_deriv negative strides": (lambda j: reversed_storage(j).T, True),
}


def test_the_tiled_case_is_really_tiled():
    jac = model_jacobian(X0_TILED, T_TILED, Y_TILED)
    assert jac.shape == (M_TILED, 4) and M_TILED > 2 * 256
    assert M_TILED % 256 != 0
    assert jac.strides[0] != 8  # rows of J are not contiguous: a transpose
    assert not np.array_equal(jac[:256], jac[256:512])


@pytest.mark.parametrize("layout", sorted(TILED_LAYOUTS))
def test_large_row_major_jacobians_give_the_col_deriv_bits(layout):
    expected = fit(model, X0_TILED, (T_TILED, Y_TILED),
                   Dfun=col_deriv_jacobian, col_deriv=True)
    make, col_deriv = TILED_LAYOUTS[layout]

    def dfun(p, t, y):
        return make(model_jacobian(p, t, y))

    got = fit(model, X0_TILED, (T_TILED, Y_TILED), Dfun=dfun,
              col_deriv=col_deriv)
    assert got == expected
    assert expected[-1] in (1, 2, 3, 4) and expected[7] >= 3  # njev


def test_large_row_major_jacobian_gives_the_finite_difference_solution():
    # Independent of the layouts: lmder with the row-major J agrees with
    # lmdif, which never reads Dfun, to the finite differences' accuracy.
    x_lmder, ier_lmder = leastsq(model, X0_TILED, (T_TILED, Y_TILED),
                                 Dfun=model_jacobian)
    x_lmdif, ier_lmdif = leastsq(model, X0_TILED, (T_TILED, Y_TILED))
    assert ier_lmder in (1, 2, 3, 4) and ier_lmdif in (1, 2, 3, 4)
    np.testing.assert_allclose(x_lmder, x_lmdif, rtol=1e-6)


# --- n = 1: vector Jacobians with any stride -------------------------------

T_VECTOR = np.linspace(0.0, 2.0, 40)
Y_VECTOR = 3.0 * np.exp(-0.8 * T_VECTOR) + 0.01 * np.sin(11.0 * T_VECTOR)


def decay1(p, t, y):
    return 3.0 * np.exp(-p[0] * t) - y


def decay1_derivative(p, t, y):
    """d f_i / d p_0, shape (m,)."""
    return -3.0 * t * np.exp(-p[0] * t)


# What Dfun returns, made from the (m,) derivative: every single-axis
# shape, contiguous or not.
VECTOR_LAYOUTS = {
    "(m,)": lambda d: d.copy(),
    "(m,) strided": lambda d: strided(d),
    "(m,) strided by 7": lambda d: strided(d, 7),
    "(m,) negative stride": lambda d: reversed_storage(d),
    "(m,) big-endian": lambda d: d.astype(">f8"),
    "(m,) big-endian negative stride": lambda d: d[::-1].astype(">f8")[::-1],
    "(m,) unaligned": lambda d: unaligned(d),
    "(m, 1)": lambda d: d.reshape(-1, 1).copy(),
    "(m, 1) strided": lambda d: strided(d.reshape(-1, 1)),
    "(m, 1) negative stride": lambda d: reversed_storage(d.reshape(-1, 1)),
    "(1, m)": lambda d: d.reshape(1, -1).copy(),
    "(1, m) strided": lambda d: strided(d.reshape(1, -1)),
    "(1, m) negative stride": lambda d: reversed_storage(d.reshape(1, -1)),
    "(1, m) unaligned": lambda d: unaligned(d.reshape(1, -1)),
}


def test_vector_layouts_are_what_they_say():
    d = decay1_derivative(np.array([1.0]), T_VECTOR, Y_VECTOR)
    for name, make in VECTOR_LAYOUTS.items():
        value = make(d)
        assert np.array_equal(value.ravel(), d), name
        plain = (value.flags.c_contiguous and value.flags.aligned
                 and value.dtype.isnative)
        assert plain == (name in ("(m,)", "(m, 1)", "(1, m)")), name


@pytest.mark.parametrize("col_deriv", [False, True],
                         ids=["row-major", "col_deriv"])
@pytest.mark.parametrize("layout", sorted(VECTOR_LAYOUTS))
def test_a_strided_vector_jacobian_gives_the_contiguous_bits(layout,
                                                             col_deriv):
    def contiguous(p, t, y):
        return decay1_derivative(p, t, y).reshape(-1, 1)  # exactly (m, 1)

    expected = fit(decay1, [1.0], (T_VECTOR, Y_VECTOR), Dfun=contiguous)
    make = VECTOR_LAYOUTS[layout]

    def dfun(p, t, y):
        return make(decay1_derivative(p, t, y))

    got = fit(decay1, [1.0], (T_VECTOR, Y_VECTOR), Dfun=dfun,
              col_deriv=col_deriv)
    assert got == expected
    assert expected[-1] in (1, 2, 3, 4)
    np.testing.assert_allclose(np.frombuffer(expected[0]), [0.8], rtol=1e-2)


# --- n = 1: two long axes are not a vector ---------------------------------

def shape_error(expected, got):
    return "^" + re.escape(
        "leastsq: there is a mismatch between the input and output shape of "
        f"the 'Dfun' argument 'dfun'.Shape should be {expected} but it is "
        f"{got}.") + "$"


# m = 4 and m = 6 (n = 1) have shapes of m values with two long axes.
T4 = np.array([0.0, 1.0, 2.0, 3.0])
T6 = np.linspace(0.0, 2.5, 6)


@pytest.mark.parametrize("col_deriv", [False, True],
                         ids=["row-major", "col_deriv"])
@pytest.mark.parametrize("t, shape", [(T4, (2, 2)), (T6, (2, 3)),
                                      (T6, (3, 2))],
                         ids=["m=4 (2, 2)", "m=6 (2, 3)", "m=6 (3, 2)"])
def test_a_jacobian_with_two_long_axes_is_refused(t, shape, col_deriv):
    m = t.size
    calls = []

    def dfun(p):
        calls.append(1)
        return (t * p[0]).reshape(shape)

    expected = "(1, %d)" % m if col_deriv else "(%d, 1)" % m
    with pytest.raises(TypeError, match=shape_error(expected, str(shape))):
        leastsq(lambda p: p[0] * t - 2.0 * t, [0.5], Dfun=dfun,
                col_deriv=col_deriv)
    assert calls == [1]  # refused at the first call


@pytest.mark.parametrize("col_deriv", [False, True],
                         ids=["row-major", "col_deriv"])
def test_the_same_four_values_along_one_axis_are_accepted(col_deriv):
    # The counterpart: (4,), (4, 1) and (1, 4) hold what (2, 2) held.
    def func(p):
        return p[0] * T4 - 2.0 * T4

    results = [fit(func, [0.5], Dfun=lambda p, s=shape: T4.reshape(s),
                   col_deriv=col_deriv)
               for shape in [(4,), (4, 1), (1, 4)]]
    assert results[0] == results[1] == results[2]
    assert np.frombuffer(results[0][0]).tolist() == [2.0]


# --- func's output in any layout, m > 256 -----------------------------------

FUNC_LAYOUTS = {
    "strided": strided,
    "strided by 7": lambda f: strided(f, 7),
    "negative stride": reversed_storage,
    "big-endian": lambda f: f.astype(">f8"),
    "big-endian negative stride": lambda f: f[::-1].astype(">f8")[::-1],
    "unaligned": unaligned,
    "float32 strided": lambda f: strided32(f),
    "read-only strided": lambda f: read_only(strided(f)),
}


def strided32(values):
    buffer = np.full(3 * values.size, np.nan, dtype=np.float32)
    buffer[::3] = values
    return buffer[::3]


def read_only(values):
    values.flags.writeable = False
    return values


@pytest.mark.parametrize("with_dfun", [False, True], ids=["lmdif", "lmder"])
@pytest.mark.parametrize("layout", sorted(FUNC_LAYOUTS))
def test_residuals_in_any_layout_give_the_contiguous_bits(layout, with_dfun):
    make = FUNC_LAYOUTS[layout]
    if layout.startswith("float32"):
        # The reference is the same values, contiguous, in float32 (whose
        # epsilon then sets lmdif's step in both).
        def reference_func(p, t, y):
            return model(p, t, y).astype(np.float32)
    else:
        reference_func = model

    def func(p, t, y):
        return make(model(p, t, y))

    keywords = {"Dfun": model_jacobian} if with_dfun else {}
    expected = fit(reference_func, X0_TILED, (T_TILED, Y_TILED), **keywords)
    got = fit(func, X0_TILED, (T_TILED, Y_TILED), **keywords)
    assert got == expected
    assert expected[-1] in (1, 2, 3, 4)
    # residuals really come from func: fvec is model's at the solution,
    # whatever layout carried it
    x = np.frombuffer(expected[0])
    fvec = np.frombuffer(expected[2])
    np.testing.assert_array_equal(
        fvec, reference_func(x, T_TILED, Y_TILED).astype(np.float64))
