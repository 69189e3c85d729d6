"""Bounds and fixed parameters (issue 20, shared/spec/bounds.md).

The change of variables is MINUIT's (lmfit's): these tests check its
arithmetic, that every kind of fit applies it the same way (a batch's fit
k is the bounded single fit k, to the bit), that all-infinite bounds are
exactly the unbounded fit, that lb == ub is the model with that parameter
substituted, and each refusal.  lmfit and scipy's 'trf' comparisons are in
test_bounds_vs_references.py.
"""

import math
import warnings

import numpy as np
import pytest

import pyminpack
from pyminpack import (OptimizeWarning, curve_fit, curve_fit_batch, leastsq,
                       leastsq_batch)
from pyminpack import _minpack

from numba import carray, cfunc

from compiled_problems import JACOBIAN_SIG, M, RESIDUAL_SIG, decay, \
    decay_jac, decay_jac_py, decay_py, decay_rows, decay_stopping, \
    stopping_rows

# --- the change of variables, in Python, as lmfit writes it -----------------

INF = np.inf


def external(u, lb, ub):
    """MINUIT's x(u) for one parameter (lmfit's from_internal)."""
    if lb == -INF and ub == INF:
        return u
    if ub == INF:
        return lb - 1.0 + math.sqrt(u * u + 1)
    if lb == -INF:
        return ub + 1 - math.sqrt(u * u + 1)
    return lb + (math.sin(u) + 1) * (ub - lb) / 2.0


def internal(x, lb, ub):
    """u0(x0), with the C library's asin (lmfit's numpy arcsin can differ
    in the last bit)."""
    if lb == -INF and ub == INF:
        return x
    if ub == INF:
        return math.sqrt((x - lb + 1.0) ** 2 - 1)
    if lb == -INF:
        return math.sqrt((ub - x + 1.0) ** 2 - 1)
    return math.asin(2 * (x - lb) / (ub - lb) - 1)


KINDS = {  # (lb, ub, a start inside)
    "lower": (0.5, INF, 2.25),
    "upper": (-INF, 3.0, 1.75),
    "both": (-1.0, 4.0, 0.3),
    "free": (-INF, INF, 0.7),
}


@pytest.mark.parametrize("kind", KINDS)
def test_start_round_trip_is_the_formulas(kind):
    lb, ub, x0 = KINDS[kind]
    start = _minpack.bounds_start(np.array([x0]), np.array([lb]),
                                  np.array([ub]))
    u0 = internal(x0, lb, ub)
    if abs(u0) < 1e-15 and kind != "free":
        u0 = 0.0
    assert start[0] == external(u0, lb, ub)  # bit for bit
    assert abs(start[0] - x0) <= 4 * np.spacing(max(abs(x0), 1.0))


@pytest.mark.parametrize("kind", ["lower", "upper", "both"])
def test_round_trip_across_the_box(kind):
    lb, ub, _ = KINDS[kind]
    lo = lb if np.isfinite(lb) else ub - 50
    hi = ub if np.isfinite(ub) else lb + 50
    xs = np.linspace(lo, hi, 101)[1:-1]
    n = xs.size
    start = _minpack.bounds_start(xs, np.full(n, lb), np.full(n, ub))
    assert np.all((start >= lb) & (start <= ub))
    # Near a bound the round trip loses digits (dx/du -> 0): x within
    # sqrt(eps) of the box scale; inside, within a few ulps.
    np.testing.assert_allclose(start, xs, rtol=0, atol=1e-7 * (hi - lo))


@pytest.mark.parametrize("kind, at", [("lower", "lb"), ("upper", "ub"),
                                      ("both", "lb"), ("both", "ub")])
def test_a_start_on_a_bound_moves_inside_by_the_documented_step(kind, at):
    lb, ub, _ = KINDS[kind]
    bound = lb if at == "lb" else ub
    start = _minpack.bounds_start(np.array([bound]), np.array([lb]),
                                  np.array([ub]))[0]
    step = 1e-10 * max(1.0, abs(bound))
    assert start != bound and lb < start < ub
    assert abs(abs(start - bound) - step) <= 1e-3 * step


def test_a_box_narrower_than_the_step_starts_in_its_middle():
    start = _minpack.bounds_start(np.array([1.0]), np.array([1.0]),
                                  np.array([1.0 + 1e-12]))[0]
    assert 1.0 < start < 1.0 + 1e-12


def internal_jacobian(residual, u, bounds):
    """d residual(x(u)) / du by central differences, in Python."""
    columns = []
    for j in range(u.size):
        h = 1e-6 * max(1.0, abs(u[j]))
        up, down = u.copy(), u.copy()
        up[j] += h
        down[j] -= h
        x_up = np.array([external(v, *b) for v, b in zip(up, bounds)])
        x_down = np.array([external(v, *b) for v, b in zip(down, bounds)])
        columns.append((residual(x_up) - residual(x_down)) / (2 * h))
    return np.column_stack(columns)


@pytest.mark.parametrize("kinds", [("both", "lower", "upper"),
                                   ("lower", "both", "free"),
                                   ("upper", "free", "both")])
def test_lmder_columns_are_dfdx_times_dxdu(kinds):
    # lmder stopped by maxfev=1 keeps the QR of its first Jacobian, taken
    # at u0: R^T R must be J_u^T J_u, J_u the Jacobian in u.
    rows = decay_rows(1, seed=5)[0]
    bounds = [KINDS[k][:2] for k in kinds]
    x0 = np.array([KINDS[k][2] for k in kinds])
    lb, ub = np.array(bounds).T

    def residual(x):
        return decay_py(x, rows)
    _, _, info, _, ier = leastsq(residual, x0,
                                 Dfun=lambda x: decay_jac_py(x, rows),
                                 full_output=True, maxfev=1, bounds=(lb, ub))
    assert ier == 5
    u0 = np.array([internal(x, *b) for x, b in zip(x0, bounds)])
    j_u = internal_jacobian(residual, u0, bounds)
    n = x0.size
    r = np.triu(info["fjac"].T[:n])
    perm = info["ipvt"] - 1
    jtj = np.empty((n, n))
    jtj[np.ix_(perm, perm)] = r.T @ r
    np.testing.assert_allclose(jtj, j_u.T @ j_u, rtol=1e-6,
                               atol=1e-9 * np.abs(j_u.T @ j_u).max())


# --- all-infinite bounds are today's fit, bit for bit ------------------------

FREE = [(-INF, INF), ([-INF] * 3, INF), (-INF, [INF] * 3)]
ROWS = decay_rows(12, seed=3)


def same(a, b):
    return np.asarray(a).tobytes() == np.asarray(b).tobytes()


@pytest.mark.parametrize("bounds", FREE)
@pytest.mark.parametrize("jacobian", [False, True])
def test_infinite_bounds_leastsq_is_unbounded(bounds, jacobian):
    row = ROWS[0]
    dfun = (lambda x: decay_jac_py(x, row)) if jacobian else None
    plain = leastsq(lambda x: decay_py(x, row), [1.0, 1.0, 0.0], Dfun=dfun,
                    full_output=True)
    bounded = leastsq(lambda x: decay_py(x, row), [1.0, 1.0, 0.0],
                      Dfun=dfun, full_output=True, bounds=bounds)
    assert same(plain[0], bounded[0]) and same(plain[1], bounded[1])
    for key in plain[2]:
        assert same(plain[2][key], bounded[2][key]), key
    assert "at_bound" not in bounded[2]
    compiled = leastsq(decay, [1.0, 1.0, 0.0], args=(row,), m=M,
                       Dfun=decay_jac if jacobian else None,
                       full_output=True)
    compiled_bounded = leastsq(decay, [1.0, 1.0, 0.0], args=(row,), m=M,
                               Dfun=decay_jac if jacobian else None,
                               full_output=True, bounds=bounds)
    assert same(compiled[0], compiled_bounded[0])
    assert same(compiled[1], compiled_bounded[1])


def vectorized_decay(points, rows):
    return np.array([decay_py(x, row) for x, row in zip(points, rows)])


def vectorized_decay_jac(points, rows):
    return np.array([decay_jac_py(x, row) for x, row in zip(points, rows)])


def run_kind(kind, jacobian, x0, rows, threads=1, **options):
    """leastsq_batch on the decay rows with each kind of func (the three
    give the same bits: compiled_problems' twins)."""
    if kind == "compiled":
        return leastsq_batch(decay, x0, data=rows, m=M, threads=threads,
                             Dfun=decay_jac if jacobian else None, **options)
    if kind == "vectorized":
        return leastsq_batch(vectorized_decay, x0, data=rows,
                             vectorized=True,
                             Dfun=vectorized_decay_jac if jacobian else None,
                             **options)
    return leastsq_batch(decay_py, x0, data=rows,
                         Dfun=decay_jac_py if jacobian else None, **options)


FIELDS = ("x", "ier", "nfev", "njev", "fnorm", "cov_x", "fvec", "fjac",
          "ipvt", "qtf", "at_bound")


def assert_same_results(a, b):
    for field in FIELDS:
        left, right = getattr(a, field), getattr(b, field)
        if left is None or right is None:
            assert left is None and right is None, field
        else:
            assert same(left, right), field


@pytest.mark.parametrize("kind", ["compiled", "vectorized", "plain"])
@pytest.mark.parametrize("jacobian", [False, True])
def test_infinite_bounds_batches_are_unbounded(kind, jacobian):
    x0 = np.tile([1.0, 1.0, 0.0], (len(ROWS), 1))
    plain = run_kind(kind, jacobian, x0, ROWS, full_output=True)
    for bounds in FREE + [(np.full((len(ROWS), 3), -INF), INF)]:
        bounded = run_kind(kind, jacobian, x0, ROWS, full_output=True,
                           bounds=bounds)
        assert_same_results(plain, bounded)
        assert not bounded.at_bound.any()


def lorentz(x, a, mu, s, c):
    d = (x - mu) / s
    return a / (1 + d * d) + c


def lorentz_jac(x, a, mu, s, c):
    d = (x - mu) / s
    q = 1 / (1 + d * d)
    return np.stack(np.broadcast_arrays(q, a * q * q * 2 * d / s,
                                        a * q * q * 2 * d * d / s,
                                        np.ones_like(x * a)), axis=-1)


XL = np.linspace(-5.0, 5.0, 60)


def lorentz_curves(count, seed=0):
    rng = np.random.default_rng(seed)
    truth = np.column_stack([rng.uniform(1, 4, count),
                             rng.uniform(-1, 1, count),
                             rng.uniform(0.5, 1.5, count),
                             rng.uniform(-0.1, 0.3, count)])
    return (np.array([lorentz(XL, *p) for p in truth])
            + rng.normal(0, 0.05, (count, XL.size)))


CURVES = lorentz_curves(16, seed=7)


@pytest.mark.parametrize("vectorized", [True, False])
def test_infinite_bounds_curve_fit_and_batch_are_unbounded(vectorized):
    p0 = [1.0, 0.0, 1.0, 0.0]
    ref = curve_fit(lorentz, XL, CURVES[0], p0, full_output=True)
    got = curve_fit(lorentz, XL, CURVES[0], p0, full_output=True,
                    bounds=(-INF, INF))
    assert same(ref[0], got[0]) and same(ref[1], got[1])
    batch = curve_fit_batch(lorentz, XL, CURVES, p0, vectorized=vectorized)
    free = curve_fit_batch(lorentz, XL, CURVES, p0, vectorized=vectorized,
                           bounds=([-INF] * 4, INF))
    assert same(batch[0], free[0]) and same(batch[1], free[1])


# --- batch fit k is the bounded single fit k ---------------------------------

def decay_bounds(count):
    """Per-fit bounds of every kind, a fixed parameter in some fits, a
    free fit, and starts on bounds."""
    lb = np.tile([0.0, 0.6, -INF], (count, 1))
    ub = np.tile([2.2, INF, 0.9], (count, 1))
    lb[2, 2] = ub[2, 2] = 0.25      # c fixed in fit 2
    lb[4, 0] = ub[4, 0] = 1.75      # a fixed in fit 4
    lb[5], ub[5] = -INF, INF        # fit 5 unbounded
    lb[6, 1], ub[6, 1] = 0.1, 0.7   # b's optimum outside: ends on ub
    x0 = np.tile([1.0, 1.0, 0.0], (count, 1))
    x0[2, 2] = 0.25
    x0[4, 0] = 1.75
    x0[6, 1] = 0.4
    x0[7, 0] = 2.2                  # starts on ub
    x0[8, 1] = 0.6                  # starts on lb
    return x0, lb, ub


def single_fit(k, x0, lb, ub, jacobian, compiled):
    row = ROWS[k]
    if compiled:
        return leastsq(decay, x0[k], args=(row,), m=M, full_output=True,
                       Dfun=decay_jac if jacobian else None,
                       bounds=(lb[k], ub[k]))
    return leastsq(decay_py, x0[k], args=(row,), full_output=True,
                   Dfun=decay_jac_py if jacobian else None,
                   bounds=(lb[k], ub[k]))


@pytest.mark.parametrize("jacobian", [False, True])
def test_batch_fit_k_is_the_single_fit_k_for_every_kind(jacobian):
    x0, lb, ub = decay_bounds(len(ROWS))
    results = {kind: run_kind(kind, jacobian, x0, ROWS, bounds=(lb, ub))
               for kind in ("plain", "vectorized", "compiled")}
    results.update({f"compiled threads={t}": run_kind(
        "compiled", jacobian, x0, ROWS, threads=t, bounds=(lb, ub))
        for t in (2, 3)})
    reference = results["plain"]
    assert reference.success.all()
    for name, result in results.items():
        assert_same_results(result, reference), name
    for k in range(len(ROWS)):
        for compiled in (False, True):
            x, cov_x, info, _, ier = single_fit(k, x0, lb, ub, jacobian,
                                                compiled)
            assert same(x, reference.x[k]), (k, compiled)
            if cov_x is None:  # singular R: the batch's NaN
                assert np.isnan(reference.cov_x[k]).all(), (k, compiled)
            else:
                assert same(cov_x, reference.cov_x[k]), (k, compiled)
            assert info["nfev"] == reference.nfev[k]
            assert ier == reference.ier[k]
    assert np.all((reference.x >= lb) & (reference.x <= ub))
    assert reference.at_bound[6, 1]
    near = np.minimum(np.abs(reference.x - lb), np.abs(reference.x - ub))
    assert np.all(near[reference.at_bound] < 1e-7)
    assert np.all(near[~reference.at_bound & (lb != ub)] > 1e-7)


@pytest.mark.parametrize("vectorized", [True, False])
@pytest.mark.parametrize("jacobian", [None, lorentz_jac])
def test_curve_fit_batch_per_curve_bounds_are_curve_fit(vectorized,
                                                        jacobian):
    count = len(CURVES)
    lb = np.tile([0.0, -2.0, 0.2, 0.0], (count, 1))
    ub = np.tile([10.0, 2.0, 3.0, INF], (count, 1))
    lb[3, 3] = ub[3, 3] = 0.1       # baseline fixed for curve 3
    ub[5, 0] = 1.0                  # amplitude capped for curve 5
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OptimizeWarning)
        popt, pcov, result = curve_fit_batch(
            lorentz, XL, CURVES, bounds=(lb, ub), jac=jacobian,
            vectorized=vectorized)
        for k in range(count):
            p, c = curve_fit(lorentz, XL, CURVES[k], bounds=(lb[k], ub[k]),
                             jac=jacobian)
            assert same(p, popt[k]) and same(c, pcov[k]), k
    assert result.at_bound[5, 0]
    assert not result.at_bound[3, 3]  # fixed, not "at a bound"
    assert np.all(pcov[3, 3] == 0) and np.all(pcov[3, :, 3] == 0)


# --- lb == ub fixes a parameter ---------------------------------------------

@pytest.mark.parametrize("jacobian", [False, True])
def test_a_fixed_parameter_is_the_model_with_it_substituted(jacobian):
    def fixed_c(x, t, a, b):
        return lorentz(XL, a, 0.1, t, b)

    def jac_fixed(x, t, a, b):
        return lorentz_jac(XL, a, 0.1, t, b)[:, [0, 2, 3]]
    y = CURVES[1]
    popt, pcov, info, _, _ = curve_fit(
        lorentz, XL, y, p0=[1.0, 0.1, 1.0, 0.0], full_output=True,
        bounds=([-INF, 0.1, -INF, -INF], [INF, 0.1, INF, INF]),
        jac=lorentz_jac if jacobian else None)

    def substituted(x, a, s, c):
        return lorentz(x, a, 0.1, s, c)

    def substituted_jac(x, a, s, c):
        return lorentz_jac(x, a, 0.1, s, c)[:, [0, 2, 3]]
    ref, ref_cov, ref_info, _, _ = curve_fit(
        substituted, XL, y, p0=[1.0, 1.0, 0.0], full_output=True,
        jac=substituted_jac if jacobian else None)
    assert same(popt[[0, 2, 3]], ref) and popt[1] == 0.1
    assert same(pcov[np.ix_([0, 2, 3], [0, 2, 3])], ref_cov)
    assert np.all(pcov[1] == 0) and np.all(pcov[:, 1] == 0)
    assert ref_info["nfev"] == info["nfev"]
    assert info["fjac"].shape == (3, XL.size)  # what MINPACK solved


def test_per_fit_fixing_in_a_batch_is_the_substituted_fit():
    x0, lb, ub = decay_bounds(len(ROWS))
    result = leastsq_batch(decay_py, x0, data=ROWS, bounds=(lb, ub))
    # Fit 4 has a = 1.75: the model in b and c only, with b's lb = 0.6.
    row = ROWS[4]
    x, cov_x, info, _, _ = leastsq(
        lambda p: decay_py(np.array([1.75, p[0], p[1]]), row), x0[4, 1:],
        full_output=True, bounds=(lb[4, 1:], ub[4, 1:]))
    assert same(result.x[4, 1:], x) and result.x[4, 0] == 1.75
    assert same(result.cov_x[4][1:, 1:], cov_x)
    assert np.all(result.cov_x[4][0] == 0)
    assert not np.all(result.cov_x[3][0] == 0)  # a free there


@cfunc(RESIDUAL_SIG)
def decay_wants_n_3(m, n, xp, fp, up):
    """decay, refusing (status 7) to be called with any n but 3."""
    if n != 3:
        return 7
    x = carray(xp, (n,))
    f = carray(fp, (m,))
    d = carray(up, (2 * m,))
    for i in range(m):
        f[i] = x[0] * math.exp(-x[1] * d[i]) + x[2] - d[m + i]
    return 0


@cfunc(JACOBIAN_SIG)
def decay_jac_wants_n_3(m, n, xp, jp, ld, up):
    if n != 3:
        return 7
    jac = carray(jp, (ld * n,))
    x = carray(xp, (n,))
    d = carray(up, (2 * m,))
    for i in range(m):
        e = math.exp(-x[1] * d[i])
        jac[i] = e
        jac[i + ld] = -x[0] * d[i] * e
        jac[i + 2 * ld] = 1.0
    return 0


@pytest.mark.parametrize("jacobian", [False, True])
def test_compiled_callbacks_get_all_n_parameters_with_one_fixed(jacobian):
    # MINPACK sees 2 parameters, the user's functions all 3.
    x0, lb, ub = decay_bounds(len(ROWS))
    result = leastsq_batch(decay_wants_n_3, x0, data=ROWS, m=M,
                           Dfun=decay_jac_wants_n_3 if jacobian else None,
                           bounds=(lb, ub))
    assert result.success.all() and np.all(result.status == 0)
    assert result.x[4, 0] == 1.75 and result.x[2, 2] == 0.25


def test_a_compiled_func_that_stops_during_the_covariance():
    # The fit converges after nfev calls (check_finite's f(x0) is MINPACK's
    # first); a func that stops at the covariance's first difference call
    # leaves ier -1, its status, and the converged x.
    lb, ub = np.array([0.0, 0.6, -INF]), np.array([2.2, INF, 0.9])
    x0 = np.array([[1.0, 1.0, 0.0]])
    done = leastsq_batch(decay_stopping, x0, data=stopping_rows(ROWS[:1],
                                                                0, 0),
                         m=M, bounds=(lb, ub))
    assert done.success[0]
    stop_at = int(done.nfev[0]) + 1
    stopped = leastsq_batch(decay_stopping, x0,
                            data=stopping_rows(ROWS[:1], stop_at, 5), m=M,
                            bounds=(lb, ub))
    assert stopped.ier[0] == -1 and stopped.status[0] == 5
    assert same(stopped.x, done.x)
    assert np.isnan(stopped.cov_x).all()
    assert stopped.message(0) == ("func returned 5 (not 0): the fit stopped "
                                  "at its last iterate.")


def test_all_parameters_fixed_is_improper_input():
    with pytest.raises(TypeError, match="Improper input"):
        leastsq(decay_py, [1.0, 1.0, 0.0], args=(ROWS[0],),
                bounds=([1.0, 1.0, 0.0], [1.0, 1.0, 0.0]))


# --- what func sees, what comes back -----------------------------------------

def test_func_dfun_and_callback_only_see_points_inside_the_bounds():
    seen = []
    lb, ub = np.array([0.0, 1.1, 0.2]), np.array([1.2, 3.0, INF])
    row = ROWS[2]

    def func(x):
        seen.append(x.copy())
        return decay_py(x, row)

    def dfun(x):
        seen.append(x.copy())
        return decay_jac_py(x, row)
    x, cov, info, _, _ = leastsq(func, [1.2, 1.1, 0.5], Dfun=dfun,
                                 full_output=True, bounds=(lb, ub),
                                 callback=lambda x, f: seen.append(x.copy()))
    seen = np.array(seen)
    assert len(seen) > 10
    assert np.all((seen >= lb) & (seen <= ub))
    assert info["at_bound"].any()


def test_a_vectorized_func_gets_external_points():
    x0, lb, ub = decay_bounds(len(ROWS))
    seen = []

    def func(points, rows):
        seen.append(points.copy())
        return vectorized_decay(points, rows)
    leastsq_batch(func, x0, data=ROWS, vectorized=True, bounds=(lb, ub))
    for points in seen[1:]:  # [0]: leastsq_batch's probe of fit 0's x0
        assert np.all(points >= lb.min(axis=0)) and np.all(
            points <= ub.max(axis=0))
    assert any(np.any(p[:, 0] == 1.75) for p in seen)  # fit 4's fixed a


def test_x_is_inside_the_bounds_also_when_the_fit_fails():
    lb, ub = np.array([0.0, 0.6, -INF]), np.array([2.2, INF, 0.9])
    with pytest.warns(RuntimeWarning):
        x, ier = leastsq(decay_py, [2.2, 0.6, 0.0], args=(ROWS[0],),
                         maxfev=3, bounds=(lb, ub))
    assert ier == 5 and np.all((x >= lb) & (x <= ub))
    result = leastsq_batch(decay, np.array([[2.2, 0.6, 0.0]] * 3),
                           data=ROWS[:3], m=M, maxfev=3, bounds=(lb, ub))
    assert np.all(result.ier == 5)
    assert np.all((result.x >= lb) & (result.x <= ub))


def test_a_start_on_the_bound_leaves_it():
    # b starts on its lower bound 0.2; the optimum is near 1.
    lb, ub = np.array([-INF, 0.2, -INF]), np.array([INF, 5.0, INF])
    x, ier = leastsq(decay_py, [1.0, 0.2, 0.0], args=(ROWS[1],),
                     bounds=(lb, ub))
    free, _ = leastsq(decay_py, [1.0, 1.0, 0.0], args=(ROWS[1],))
    assert ier in (1, 2, 3, 4)
    np.testing.assert_allclose(x, free, rtol=1e-6)


def test_covariance_at_a_bound_is_the_external_one():
    # b's optimum (about 1) is above ub = 0.7: it ends on the bound, and
    # its variance is that of the Jacobian in x there, not lmfit's 0.
    row = ROWS[6]
    lb, ub = np.array([-INF, 0.1, -INF]), np.array([INF, 0.7, INF])
    x, cov_x, info, _, _ = leastsq(decay_py, [1.0, 0.4, 0.0], args=(row,),
                                   full_output=True, bounds=(lb, ub))
    assert info["at_bound"].tolist() == [False, True, False]
    assert abs(x[1] - 0.7) < 1e-8
    # inv(J^T J) from the Jacobian in x at the solution.
    jac = decay_jac_py(x, row)
    np.testing.assert_allclose(cov_x, np.linalg.inv(jac.T @ jac), rtol=1e-5)
    with_dfun = leastsq(decay_py, [1.0, 0.4, 0.0], args=(row,),
                        Dfun=decay_jac_py, full_output=True, bounds=(lb, ub))
    np.testing.assert_allclose(with_dfun[1], np.linalg.inv(jac.T @ jac),
                               rtol=1e-6)


def test_scipys_default_p0_with_bounds():
    calls = []

    def model(x, a, mu, s, c):
        calls.append((a, mu, s, c))
        return lorentz(x, a, mu, s, c)
    curve_fit(model, XL, CURVES[0],
              bounds=([0.0, -2.0, -INF, -INF], [10.0, INF, 3.0, INF]))
    a, mu, s, c = calls[0]
    assert a == 5.0 and c == 1.0
    assert abs(mu - (-1.0)) < 1e-15 and abs(s - 2.0) < 1e-15
    calls.clear()
    curve_fit_batch(model, XL, CURVES[:2],
                    bounds=(np.array([[0.0, -2, 0.1, -1], [1, -2, 0.1, -1]]),
                            np.array([[4.0, 2, 3.1, 1], [5, 2, 3.1, 1]])))
    # The probe of fit 0's start, one row: the middles of its boxes.
    assert [float(np.ravel(p)[0]) for p in calls[0]] == [2.0, 0.0, 1.6, 0.0]


def test_diag_is_for_the_parameters_minpack_sees():
    # With a fixed, diag's entries for b and c scale MINPACK's two.
    row = ROWS[4]
    diag = np.array([7.0, 2.0, 0.5])
    x, cov_x, info, _, _ = leastsq(
        decay_py, [1.75, 5.0, 3.0], args=(row,), diag=diag, factor=0.1,
        full_output=True, bounds=([1.75, -INF, -INF], [1.75, INF, INF]))
    ref = leastsq(lambda p: decay_py(np.array([1.75, p[0], p[1]]), row),
                  [5.0, 3.0], diag=diag[1:], factor=0.1, full_output=True)
    assert same(x[1:], ref[0]) and info["nfev"] == ref[2]["nfev"]
    # Every kind of batch (the three funcs give the same bits) is the
    # single fit: each engine gathers diag alike.
    for kind in ("compiled", "vectorized", "plain"):
        batch = run_kind(kind, False, np.array([[1.75, 5.0, 3.0]] * 2),
                         ROWS[[4, 4]], diag=diag, factor=0.1,
                         bounds=([1.75, -INF, -INF], [1.75, INF, INF]))
        assert same(batch.x[0], x) and same(batch.x[1], x), kind


def test_scipy_bounds_object_is_recognised():
    class Bounds:  # duck-types scipy.optimize.Bounds
        def __init__(self, lb, ub):
            self.lb, self.ub = lb, ub
    lb, ub = [0.0, 0.6, -INF], [2.2, INF, 0.9]
    a = leastsq(decay_py, [1.0, 1.0, 0.0], args=(ROWS[0],),
                bounds=Bounds(lb, ub))
    b = leastsq(decay_py, [1.0, 1.0, 0.0], args=(ROWS[0],), bounds=(lb, ub))
    assert same(a[0], b[0])


# --- refusals ---------------------------------------------------------------

@pytest.mark.parametrize("call, error, pattern", [
    (lambda: leastsq(decay_py, [3.0, 1.0, 0.0], args=(ROWS[0],),
                     bounds=([0, 0, 0], [2, 2, 2])),
     ValueError, r"^leastsq: x0 is infeasible: x0's parameter 0 is 3\.0, "
                 r"outside its bounds \[0\.0, 2\.0\]$"),
    (lambda: leastsq_batch(decay, np.array([[1.0, 1.0, 0.0],
                                            [1.0, 9.0, 0.0]]),
                           data=ROWS[:2], m=M, bounds=(0.0, 5.0)),
     ValueError, r"^leastsq_batch: x0 is infeasible: x0's parameter 1 of "
                 r"fit 1 is 9\.0, outside its bounds \[0\.0, 5\.0\]$"),
    (lambda: curve_fit(lorentz, XL, CURVES[0], p0=[1, 0, 1, -1],
                       bounds=(0.0, INF)),
     ValueError, r"^curve_fit: x0 is infeasible: p0's parameter 3 is -1\.0"),
    (lambda: curve_fit_batch(lorentz, XL, CURVES[:3],
                             p0=[[1, 0, 1, 0]] * 2 + [[1, 0, 1, -1]],
                             bounds=(np.zeros((3, 4)), INF)),
     ValueError, r"^curve_fit_batch: x0 is infeasible: p0's parameter 3 "
                 r"of curve 2 is -1\.0"),
    (lambda: leastsq(decay_py, [1.0, 1.0, 0.0], args=(ROWS[0],),
                     bounds=([0, 2, 0], [2, 1, 2])),
     ValueError, r"^leastsq: each lower bound must be less than or equal to "
                 r"its upper bound \(lb == ub fixes the parameter\); "
                 r"parameter 1 has lb=2\.0 > ub=1\.0$"),
    (lambda: leastsq_batch(decay_py, np.ones((2, 3)), data=ROWS[:2],
                           bounds=(np.array([[0, 0, 0], [0, 0, np.nan]]),
                                   2.0)),
     ValueError, r"^leastsq_batch: bounds must not be NaN; the lower bound "
                 r"of parameter 2 of fit 1 is nan$"),
    (lambda: curve_fit(lorentz, XL, CURVES[0], bounds=(0.0, [1.0, np.nan])),
     ValueError, r"^curve_fit: the upper bounds have shape \(2,\)"),
    (lambda: curve_fit(lorentz, XL, CURVES[0], bounds=(0, [1, 2, np.nan, 3])),
     ValueError, r"^curve_fit: bounds must not be NaN; the upper bound of "
                 r"parameter 2 is nan$"),
    (lambda: leastsq_batch(decay_py, np.ones((2, 3)), data=ROWS[:2],
                           bounds=(np.zeros((3, 3)), 2.0)),
     ValueError, r"^leastsq_batch: the lower bounds have shape \(3, 3\); "
                 r"they must be one value, one per parameter \(3,\) or one "
                 r"row per fit \(2, 3\)$"),
    (lambda: leastsq(decay_py, [1.0, 1.0, 0.0], args=(ROWS[0],),
                     bounds=(0.0,)),
     ValueError, r"^leastsq: bounds must be a pair \(lb, ub\)"),
    (lambda: leastsq(decay_py, [1.0, 1.0, 0.0], args=(ROWS[0],),
                     bounds=(["a"] * 3, 1.0)),
     TypeError, r"^leastsq: the lower bounds must be real numbers"),
    (lambda: curve_fit(lorentz, XL, CURVES[0], method="trf",
                       bounds=(0.0, 9.0)),
     ValueError, r"^pyminpack\.curve_fit implements method 'lm' only "
                 r"\(MINPACK's Levenberg-Marquardt, which takes bounds too: "
                 r"pass bounds= with method=None or 'lm'\); method 'trf' is "
                 r"scipy\.optimize\.curve_fit's$"),
    (lambda: curve_fit(lorentz, XL, CURVES[0], method="dogbox",
                       bounds=(0.0, 9.0)),
     ValueError, r"method 'dogbox' is scipy\.optimize\.curve_fit's$"),
    (lambda: leastsq(decay_py, [1.0, 1.0, 0.0], args=(ROWS[0],),
                     Dfun_row=lambda x, i, row: decay_jac_py(x, row)[i],
                     bounds=(0.0, 5.0)),
     ValueError, r"^leastsq: bounds are not available with Dfun_row "
                 r"\(lmstr\); use Dfun or differences with them$"),
], ids=["infeasible", "infeasible_batch", "infeasible_curve_fit",
        "infeasible_curve_fit_batch", "lb_gt_ub", "nan_batch",
        "shape", "nan", "batch_shape", "not_a_pair", "strings", "trf",
        "dogbox", "Dfun_row"])
def test_refusals(call, error, pattern):
    with pytest.raises(error, match=pattern):
        call()


def test_curve_fit_batch_bounds_in_the_fits_shape():
    # A (m, 2, 4) cube along axis 0 with per-pixel bounds (2, 4, n): each
    # pixel is the bounded curve_fit of its spectrum.
    cube = CURVES[:8].T.reshape(XL.size, 2, 4)
    lb = np.broadcast_to([0.0, -2.0, 0.2, 0.0], (2, 4, 4)).copy()
    ub = np.broadcast_to([10.0, 2.0, 3.0, INF], (2, 4, 4)).copy()
    lb[1, 2, 3] = ub[1, 2, 3] = 0.1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OptimizeWarning)
        popt, pcov, result = curve_fit_batch(lorentz, XL, cube, axis=0,
                                             bounds=(lb, ub))
        assert popt.shape == (2, 4, 4) and result.at_bound.shape == (2, 4, 4)
        for i in range(2):
            for j in range(4):
                p, c = curve_fit(lorentz, XL, cube[:, i, j],
                                 bounds=(lb[i, j], ub[i, j]))
                assert same(p, popt[i, j]) and same(c, pcov[i, j]), (i, j)
    assert popt[1, 2, 3] == 0.1
