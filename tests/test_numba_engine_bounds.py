"""curve_fit_batch(engine='numba', bounds=...): the compiled engine runs
the same C change of variables as the numpy engine, so where the model
uses only what numba and numpy compute alike (+, -, *, /: a rational
model, no transcendental function numpy vectorises differently), the two
engines agree to the bit (test_numba_engine.py's rule): popt, pcov, ier,
nfev, at_bound -- with bounds for every fit, per-fit bounds, parameters
fixed (lb == ub) in some fits only, a jac or not, nan_policy='omit'.
"""

import warnings

import numpy as np
import pytest

pytest.importorskip("numba")

from pyminpack import OptimizeWarning, curve_fit_batch  # noqa: E402

X = np.linspace(-3.0, 3.0, 40)
CURVES = 24


def lorentzian(x, a, mu, w, c):
    """A rational peak: + - * / only."""
    d = (x - mu) / w
    return a / (1.0 + d * d) + c


def lorentzian_jac(x, a, mu, w, c):
    d = (x - mu) / w
    q = 1.0 / (1.0 + d * d)
    da_dd = -2.0 * a * d * q * q
    return np.stack((q, -da_dd / w, -da_dd * d / w, np.ones_like(a * x)),
                    axis=-1)


def curves():
    rng = np.random.default_rng(14)
    a = 1.0 + rng.random(CURVES)
    mu = 0.6 * (rng.random(CURVES) - 0.5)
    w = 0.5 + rng.random(CURVES)
    c = 0.2 * rng.random(CURVES)
    ydata = lorentzian(X, a[:, None], mu[:, None], w[:, None], c[:, None])
    ydata = ydata + 0.02 * rng.standard_normal(ydata.shape)
    with_nan = ydata.copy()
    with_nan[3, [0, 5, 17]] = np.nan
    with_nan[8, ::2] = np.nan
    return ydata, with_nan


def per_fit_bounds():
    """Each curve's box; the offset fixed at 0.1 for every third curve,
    the width's upper bound binding for a few (w up to 1.5)."""
    lower = np.tile([0.0, -1.0, 0.1, -np.inf], (CURVES, 1))
    upper = np.tile([10.0, 1.0, 1.2, np.inf], (CURVES, 1))
    lower[::3, 3] = upper[::3, 3] = 0.1
    return lower, upper


def both_engines(ydata, **options):
    fits = []
    for engine in ("numpy", "numba"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", OptimizeWarning)
            fits.append(curve_fit_batch(lorentzian, X, ydata,
                                        [1.5, 0.0, 0.8, 0.1], engine=engine,
                                        **options))
    return fits


def assert_same_bits(numpy_fit, numba_fit):
    (p1, c1, r1), (p2, c2, r2) = numpy_fit, numba_fit
    assert r1.engine == "numpy" and r2.engine == "numba", r2.engine_reason
    assert p1.tobytes() == p2.tobytes()
    assert c1.tobytes() == c2.tobytes()
    for name in ("ier", "nfev", "at_bound", "success"):
        assert getattr(r1, name).tobytes() == getattr(r2, name).tobytes(), \
            name


@pytest.mark.parametrize("jac", [None, lorentzian_jac])
@pytest.mark.parametrize("nan", [False, True])
def test_per_fit_bounds_and_fixed_parameters_bitwise(jac, nan):
    ydata, with_nan = curves()
    lower, upper = per_fit_bounds()
    options = dict(bounds=(lower, upper), jac=jac)
    if nan:
        options["nan_policy"] = "omit"
    numpy_fit, numba_fit = both_engines(with_nan if nan else ydata,
                                        **options)
    assert_same_bits(numpy_fit, numba_fit)
    popt, pcov, result = numba_fit
    assert result.success.sum() >= CURVES - 2
    assert (popt[::3, 3] == 0.1).all()        # fixed where lb == ub only
    assert (popt[1::3, 3] != 0.1).all()
    assert (pcov[::3, 3] == 0).all() and (pcov[::3, :, 3] == 0).all()
    assert result.at_bound[:, 2].any()        # w's upper bound binds
    assert (popt[:, 2] <= 1.2).all()


def test_the_same_bounds_for_every_fit_bitwise():
    ydata, _ = curves()
    numpy_fit, numba_fit = both_engines(
        ydata, bounds=([0.0, -1.0, 0.1, 0.0], [10.0, 1.0, 1.2, 0.5]))
    assert_same_bits(numpy_fit, numba_fit)
    assert numba_fit[2].at_bound.any()
