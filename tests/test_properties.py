"""Property tests (hypothesis): leastsq solves random linear least-squares
problems as numpy.linalg.lstsq does, whatever the scaling given by diag,
and its results never depend on how the caller's arrays are laid out in
memory (order, strides, byte order) - bit for bit.
"""

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pyminpack import leastsq

# Few examples and no deadline: CI stays fast and never flaky;
# derandomize makes every run try the same examples.
SETTINGS = settings(max_examples=60, deadline=None, derandomize=True,
                    database=None,
                    suppress_health_check=[HealthCheck.too_slow])

EPS = np.finfo(float).eps


@st.composite
def linear_problems(draw, residual_ratios=(0.0, 1e-6, 0.1, 1.0, 100.0)):
    """(A, b): A full rank with singular values in [1, 10] (condition <= 10),
    the solution's entries between 0.1 and 10 in magnitude, and a residual
    orthogonal to A's range whose norm is a drawn ratio of ||A x||."""
    m = draw(st.integers(1, 12))
    n = draw(st.integers(1, m))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    u, _ = np.linalg.qr(rng.normal(size=(m, m)))
    v, _ = np.linalg.qr(rng.normal(size=(n, n)))
    singular = draw(st.lists(st.floats(1.0, 10.0), min_size=n, max_size=n))
    a = (u[:, :n] * singular) @ v.T
    solution = np.array(draw(st.lists(
        st.floats(0.1, 10.0), min_size=n, max_size=n)))
    solution *= rng.choice([-1.0, 1.0], n)
    fitted = a @ solution
    residual = u[:, n:] @ rng.normal(size=m - n)
    if m > n:
        residual *= (draw(st.sampled_from(residual_ratios))
                     * np.linalg.norm(fitted) / np.linalg.norm(residual))
    return a, fitted + residual


def reference(a, b):
    return np.linalg.lstsq(a, b, rcond=None)[0]


# With the exact Jacobian a linear problem is one Gauss-Newton step solved
# by a Householder QR: backward stable, so the error is a small multiple of
# cond(A)**2 * eps <= 100 * eps (observed: <= 1.1e-14).
EXACT_JACOBIAN_RTOL = 1e3 * 100 * EPS    # 2.2e-11
SMALL_RESIDUALS = (0.0, 1e-6, 0.1, 1.0)


def forward_difference_rtol(a, b, solution):
    """How far lmdif's answer may be from the exact one, relative.

    Its Jacobian is a forward difference with step h_j = sqrt(eps)*|x_j|.
    Each f_i = a_i @ x - b_i is rounded by up to ~ n * eps * (|a_i||x| +
    |b_i|); two such evaluations and the rounding of x_j + h_j make the
    Jacobian's relative error at most about `delta` below, and the least-
    squares solution inherits it times cond * (1 + cond * ||r|| / ||A x||).
    """
    n = a.shape[1]
    singular = np.linalg.svd(a, compute_uv=False)
    cond = singular[0] / singular[-1]
    fitted = a @ solution
    size = n * (singular[0] * np.linalg.norm(solution) + np.linalg.norm(b))
    delta = 4 * np.sqrt(EPS) * size / (np.abs(solution).min() * singular[0])
    ratio = np.linalg.norm(b - fitted) / np.linalg.norm(fitted)
    return cond * delta * (1 + cond * ratio)


@SETTINGS
@given(linear_problems())
def test_lmder_agrees_with_lstsq(problem):
    a, b = problem
    x, ier = leastsq(lambda x: a @ x - b, np.zeros(a.shape[1]),
                     Dfun=lambda x: a)
    expected = reference(a, b)
    assert ier in (1, 2, 3, 4)
    assert (np.linalg.norm(x - expected)
            <= EXACT_JACOBIAN_RTOL * np.linalg.norm(expected))


@SETTINGS
@given(linear_problems(SMALL_RESIDUALS))
def test_lmdif_agrees_with_lstsq(problem):
    a, b = problem
    x, ier = leastsq(lambda x: a @ x - b, np.zeros(a.shape[1]))
    expected = reference(a, b)
    assert ier in (1, 2, 3, 4)
    assert (np.linalg.norm(x - expected)
            <= forward_difference_rtol(a, b, expected)
            * np.linalg.norm(expected))


@SETTINGS
@given(linear_problems(SMALL_RESIDUALS), st.data())
def test_scaling_by_diag_does_not_change_the_solution(problem, data):
    a, b = problem
    n = a.shape[1]
    diag = np.array(data.draw(st.lists(
        st.floats(1e-3, 1e3), min_size=n, max_size=n), label="diag"))
    expected = reference(a, b)
    for jac in (lambda x: a, None):
        scaled, ier = leastsq(lambda x: a @ x - b, np.zeros(n), Dfun=jac,
                              diag=diag)
        automatic, ier_automatic = leastsq(lambda x: a @ x - b, np.zeros(n),
                                           Dfun=jac)
        rtol = (forward_difference_rtol(a, b, expected) if jac is None
                else EXACT_JACOBIAN_RTOL)
        assert ier in (1, 2, 3, 4) and ier_automatic in (1, 2, 3, 4)
        assert (np.linalg.norm(scaled - automatic)
                <= 2 * rtol * np.linalg.norm(expected))


# --- memory layout --------------------------------------------------------

def t_grid(m):
    return np.linspace(0.0, 3.0, m)


def model(p, t, y):
    return p[0] * np.exp(-p[1] * t) + p[2] * np.sin(p[3] * t) - y


def model_jacobian(p, t, y):
    e = np.exp(-p[1] * t)
    return np.column_stack([e, -p[0] * t * e, np.sin(p[3] * t),
                            p[2] * t * np.cos(p[3] * t)])


def fit(x0, t, y, dfun=None, col_deriv=False, func=model):
    """Everything a fit returns, as bytes, for bitwise comparison."""
    x, cov_x, info, mesg, ier = leastsq(func, x0, args=(t, y), Dfun=dfun,
                                        col_deriv=col_deriv,
                                        full_output=True)
    return (x.tobytes(), None if cov_x is None else cov_x.tobytes(),
            info["fvec"].tobytes(), info["fjac"].tobytes(),
            info["ipvt"].tobytes(), info["qtf"].tobytes(), info["nfev"],
            info.get("njev"), ier)


def layouts_of_vector(v):
    """The values of the 1-D float64 vector v in many memory layouts."""
    n = v.size
    strided = np.zeros(3 * n)
    strided[::3] = v
    reversed_storage = v[::-1].copy()[::-1]
    return {
        "non-contiguous": strided[::3],
        "negative stride": reversed_storage,
        "big-endian": v.astype(">f8"),
        "big-endian negative stride": v[::-1].astype(">f8")[::-1],
        "fortran 2-D": np.asfortranarray(v.reshape(1, n)),
        "column": v.reshape(n, 1)[:, :],
        "unaligned": unaligned(v),
        "read-only": read_only(v),
    }


def unaligned(v):
    buffer = np.zeros(v.size * 8 + 1, dtype=np.uint8)
    view = buffer[1:].view(np.float64)
    view[:] = v
    assert not view.flags.aligned
    return view


def read_only(v):
    v = v.copy()
    v.flags.writeable = False
    return v


X0S = st.lists(st.floats(0.2, 3.0), min_size=4, max_size=4).map(np.array)


@SETTINGS
@given(x0=X0S, m=st.integers(4, 30))
def test_results_do_not_depend_on_the_layout_of_x0(x0, m):
    t = t_grid(m)
    y = model([2.0, 0.7, 0.3, 2.0], t, 0.0)
    expected = fit(x0, t, y)
    expected_lmder = fit(x0, t, y, dfun=model_jacobian)
    for name, layout in layouts_of_vector(x0).items():
        # "column" is 2-D but flattens (C order) to the same vector
        assert np.array_equal(np.ravel(layout), x0), name
        assert fit(layout, t, y) == expected, name
        assert fit(layout, t, y, dfun=model_jacobian) == expected_lmder, name


def jacobian_layouts(jac):
    """(Dfun output, col_deriv) pairs holding the same Jacobian jac (m, n)."""
    m, n = jac.shape
    padded = np.zeros((2 * m, 3 * n))
    padded[::2, ::3] = jac
    return {
        "C order": (np.ascontiguousarray(jac), False),
        "Fortran order": (np.asfortranarray(jac), False),
        "transposed view": (np.ascontiguousarray(jac.T).T, False),
        "non-contiguous": (padded[::2, ::3], False),
        "negative strides": (jac[::-1, ::-1].copy()[::-1, ::-1], False),
        "big-endian": (jac.astype(">f8"), False),
        "big-endian Fortran": (np.asfortranarray(jac.astype(">f8")), False),
        "unaligned": (unaligned(jac.ravel()).reshape(m, n), False),
        "col_deriv C order": (np.ascontiguousarray(jac.T), True),
        "col_deriv transposed view": (jac.T, True),
        "col_deriv non-contiguous": (padded[::2, ::3].T, True),
        "col_deriv big-endian": (jac.T.astype(">f8"), True),
        "col_deriv Fortran big-endian": (
            np.asfortranarray(jac.T).astype(">f8", order="K"), True),
    }


@SETTINGS
@given(x0=X0S, m=st.integers(4, 30),
       layout=st.sampled_from(sorted(jacobian_layouts(np.ones((4, 4))))))
def test_results_do_not_depend_on_the_layout_of_dfuns_output(x0, m, layout):
    t = t_grid(m)
    y = model([2.0, 0.7, 0.3, 2.0], t, 0.0)
    expected = fit(x0, t, y, dfun=model_jacobian)

    def dfun(p, t, y):
        return jacobian_layouts(model_jacobian(p, t, y))[layout][0]
    col_deriv = jacobian_layouts(np.ones((m, 4)))[layout][1]
    assert fit(x0, t, y, dfun=dfun, col_deriv=col_deriv) == expected


# 2-D output is refused (test_bad_callbacks), so only the 1-D layouts.
VECTOR_LAYOUTS = sorted(name for name, v
                        in layouts_of_vector(np.ones(4)).items()
                        if v.ndim == 1)


@SETTINGS
@given(x0=X0S, m=st.integers(4, 30), layout=st.sampled_from(VECTOR_LAYOUTS))
def test_results_do_not_depend_on_the_layout_of_funcs_output(x0, m, layout):
    t = t_grid(m)
    y = model([2.0, 0.7, 0.3, 2.0], t, 0.0)
    expected = fit(x0, t, y)

    def func(p, t, y):
        return layouts_of_vector(model(p, t, y))[layout]
    assert fit(x0, t, y, func=func) == expected
    assert (fit(x0, t, y, func=func, dfun=model_jacobian)
            == fit(x0, t, y, dfun=model_jacobian))
