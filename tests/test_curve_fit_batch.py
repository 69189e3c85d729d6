"""curve_fit_batch: fit k is curve_fit on curve k alone, to the bit.

Every case runs the batch once and then curve_fit on each curve, and
compares popt and pcov with ``tobytes()``; a curve whose curve_fit raises
must be reported as failed (NaN popt and pcov, ier not in 1..4).
"""

import math
import warnings

import numpy as np
import pytest

from pyminpack import OptimizeWarning, curve_fit, curve_fit_batch
from pyminpack._columns import columns

X = np.linspace(-3.0, 3.0, 50)
CURVES = 24


def gaussian(x, a, mu, s, c):
    # 2 * s**2 is pow() for a numpy scalar and s*s for an array: the
    # Columns must keep the scalar's bits.
    return a * np.exp(-(x - mu) ** 2 / (2 * s ** 2)) + c


def gaussian_jac(x, a, mu, s, c):
    e = np.exp(-(x - mu) ** 2 / (2 * s ** 2))
    return np.stack([e, a * e * (x - mu) / s ** 2,
                     a * e * (x - mu) ** 2 / s ** 3,
                     np.ones_like(a * x)], axis=-1)


def gaussian_jac_t(x, a, mu, s, c):
    return np.swapaxes(gaussian_jac(x, a, mu, s, c), -1, -2)


def decay(x, a, b):
    return a * np.exp(-b * x)


@pytest.fixture(scope="module")
def curves():
    rng = np.random.default_rng(20261201)
    truth = np.array([2.0, 0.3, 0.8, 0.1])
    ydata = gaussian(X, *truth) + 0.05 * rng.standard_normal((CURVES, X.size))
    sigma = 0.05 + 0.02 * rng.random((CURVES, X.size))
    starts = np.array([1.0, 0.0, 1.0, 0.0]) + 0.2 * rng.random((CURVES, 4))
    return ydata, sigma, starts


def one_by_one(f, ydata, p0, sigma, **options):
    """curve_fit on each curve: (popt, pcov) or None where it raises."""
    fits = []
    for k in range(ydata.shape[0]):
        p0_k = p0 if p0 is None or np.ndim(p0) == 1 else p0[k]
        sigma_k = sigma[k] if np.ndim(sigma) == 2 else sigma
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", OptimizeWarning)
                fits.append(curve_fit(f, X, ydata[k], p0_k, sigma_k,
                                      **options))
        except (RuntimeError, ValueError, TypeError):
            fits.append(None)
    return fits


def assert_same_as_one_by_one(f, ydata, p0=None, sigma=None, **options):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OptimizeWarning)
        popt, pcov, result = curve_fit_batch(f, X, ydata, p0, sigma,
                                             **options)
    options.pop("vectorized", None)
    expected = one_by_one(f, ydata, p0, sigma, **options)
    assert popt.shape == (ydata.shape[0], popt.shape[1])
    for k, fit in enumerate(expected):
        if fit is None:
            assert not result.success[k], k
            assert np.isnan(popt[k]).all() and np.isnan(pcov[k]).all()
        else:
            assert result.success[k], k
            assert popt[k].tobytes() == fit[0].tobytes(), k
            assert pcov[k].tobytes() == fit[1].tobytes(), k
    return popt, pcov, result


@pytest.mark.parametrize("vectorized", [True, False])
@pytest.mark.parametrize("weights", ["none", "scalar", "shared", "per curve",
                                     "per curve absolute"])
@pytest.mark.parametrize("with_jac", [False, True])
def test_bit_identical_to_curve_fit(curves, vectorized, weights, with_jac):
    ydata, sigma, starts = curves
    chosen = {"none": None, "scalar": 0.3, "shared": sigma[0],
              "per curve": sigma, "per curve absolute": sigma}[weights]
    options = dict(vectorized=vectorized,
                   absolute_sigma=weights.endswith("absolute"))
    if with_jac:
        options["jac"] = gaussian_jac
    _, _, result = assert_same_as_one_by_one(gaussian, ydata, starts, chosen,
                                             **options)
    assert result.success.all()
    assert (result.njev is not None) == with_jac


@pytest.mark.parametrize("vectorized", [True, False])
def test_one_start_for_all_and_p0_from_the_signature(curves, vectorized):
    ydata = decay(X + 3.0, 3.0, np.linspace(0.5, 2.0, 10)[:, None])
    assert_same_as_one_by_one(decay, ydata, [1.0, 1.0], vectorized=vectorized)
    popt, _, _ = assert_same_as_one_by_one(decay, ydata,
                                           vectorized=vectorized)
    np.testing.assert_allclose(popt[:, 1], np.linspace(0.5, 2.0, 10),
                               rtol=1e-9)


@pytest.mark.parametrize("vectorized", [True, False])
def test_col_deriv_jacobian_with_weights(curves, vectorized):
    ydata, sigma, starts = curves
    popt, pcov, result = curve_fit_batch(
        gaussian, X, ydata, starts, sigma, jac=gaussian_jac_t,
        col_deriv=True, vectorized=vectorized)
    plain, plain_cov, _ = curve_fit_batch(gaussian, X, ydata, starts, sigma,
                                          jac=gaussian_jac)
    assert popt.tobytes() == plain.tobytes()
    assert pcov.tobytes() == plain_cov.tobytes()


def test_a_failing_curve_is_reported_not_raised(curves):
    ydata, _, starts = curves
    popt, pcov, result = assert_same_as_one_by_one(gaussian, ydata, starts,
                                                   maxfev=12)
    assert not result.success.all()
    failed = np.flatnonzero(~result.success)
    assert set(result.ier[failed].tolist()) == {5}
    assert result.message(int(failed[0])).startswith(
        "Number of calls to function has reached maxfev = 12")
    # The last iterate stays available in the result.
    assert np.isfinite(result.x[failed]).all()


@pytest.mark.parametrize("vectorized", [True, False])
def test_nan_policy_omit_is_curve_fit_on_each_shorter_curve(curves,
                                                            vectorized):
    ydata, sigma, starts = curves
    ydata = ydata.copy()
    ydata[0, 0] = np.nan             # within the first n points
    ydata[1, [5, 17, 49]] = np.nan
    ydata[2, :47] = np.nan           # 3 points for 4 parameters: ier 0
    ydata[3, :] = np.nan
    for chosen in (None, sigma, sigma[0]):
        popt, pcov, result = assert_same_as_one_by_one(
            gaussian, ydata, starts, chosen, nan_policy="omit",
            vectorized=vectorized)
        assert result.ier[2] == 0 and result.ier[3] == 0
        assert result.message(3) == ("Not run: the curve has 0 finite "
                                     "points and needs at least 4, one per "
                                     "parameter.")
        assert "has 3 finite points and needs at least 4" in \
            result.message(2)
        assert result.success[[0, 1]].all() and result.success[4:].all()


@pytest.mark.parametrize("vectorized", [True, False])
@pytest.mark.parametrize("bad_value", [np.nan, 0.0, np.inf])
def test_omit_ignores_sigma_where_a_curve_omits_its_points(curves, vectorized,
                                                           bad_value):
    # A curve's sigma is looked at only where the curve keeps its points,
    # as curve_fit on that curve alone cuts sigma before checking it.
    ydata, sigma, starts = curves
    ydata = ydata.copy()
    per_curve = sigma.copy()
    ydata[1, [5, 17]] = np.nan
    per_curve[1, [5, 17]] = bad_value
    ydata[:, 40] = np.nan            # every curve omits point 40 ...
    shared = sigma[0].copy()
    shared[40] = bad_value           # ... so a shared sigma may be bad there
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # and 1/sigma warns of nothing
        for chosen in (per_curve, shared):
            _, _, result = assert_same_as_one_by_one(
                gaussian, ydata, starts, chosen, nan_policy="omit",
                vectorized=vectorized)
            assert result.success.all()
    # Where a curve keeps the point, a bad sigma is an error naming the
    # curve and the point as the caller numbers them (xdata's NaN at point
    # 3 cut first).
    xdata = X.copy()
    xdata[3] = np.nan
    per_curve[6, 30] = bad_value
    with pytest.raises(ValueError, match=rf"sigma of curve 6 is "
                       rf"{bad_value} at point 30; standard deviations"):
        curve_fit_batch(gaussian, xdata, ydata, starts, per_curve,
                        nan_policy="omit", vectorized=vectorized)
    shared[30] = bad_value
    with pytest.raises(ValueError, match=rf"sigma entry 30 is {bad_value}"):
        curve_fit_batch(gaussian, xdata, ydata, starts, shared,
                        nan_policy="omit", vectorized=vectorized)


def test_nan_in_xdata_is_omitted_from_every_curve(curves):
    ydata, sigma, starts = curves
    xdata = X.copy()
    xdata[[3, 30]] = np.nan
    popt, pcov, _ = curve_fit_batch(gaussian, xdata, ydata, starts, sigma,
                                    nan_policy="omit")
    keep = np.isfinite(xdata)
    for k in (0, 7):
        alone = curve_fit(gaussian, xdata[keep], ydata[k, keep], starts[k],
                          sigma[k, keep])
        assert popt[k].tobytes() == alone[0].tobytes()
        assert pcov[k].tobytes() == alone[1].tobytes()


def test_nan_policy_raise_and_check_finite(curves):
    ydata, _, starts = curves
    ydata = ydata.copy()
    ydata[5, 9] = np.nan
    with pytest.raises(ValueError, match="The input contains nan values"):
        curve_fit_batch(gaussian, X, ydata, starts, nan_policy="raise")
    with pytest.raises(ValueError, match=r"curve 5 is nan at point 9"):
        curve_fit_batch(gaussian, X, ydata, starts)
    # check_finite=False hands the NaN to MINPACK: that curve fails, as
    # curve_fit(check_finite=False) raises for it, and the rest converge.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OptimizeWarning)
        popt, _, result = assert_same_as_one_by_one(
            gaussian, ydata, starts, check_finite=False)
    assert not result.success[5] and np.isnan(popt[5]).all()
    assert result.success[np.arange(CURVES) != 5].all()


def test_covariance_warning_once_for_the_batch():
    ydata = np.array([[1.0, 2.0], [2.0, 4.0], [1.0, 3.0]])
    x = np.array([1.0, 2.0])
    with pytest.warns(OptimizeWarning, match="Covariance of the parameters "
                      "could not be estimated for 3 of 3 fits") as caught:
        popt, pcov, _ = curve_fit_batch(lambda x, a, b: a * x + b, x, ydata)
    assert len(caught) == 1
    assert caught[0].filename == __file__
    assert np.isinf(pcov).all()
    np.testing.assert_allclose(popt, [[1, 0], [2, 0], [2, -1]], atol=1e-9)


def test_no_curves():
    popt, pcov, result = curve_fit_batch(decay, X, np.empty((0, X.size)),
                                         [1.0, 1.0])
    assert popt.shape == (0, 2) and pcov.shape == (0, 2, 2)
    assert len(result) == 0


def test_full_output_arrays(curves):
    ydata, sigma, starts = curves
    _, _, result = curve_fit_batch(gaussian, X, ydata, starts, sigma,
                                   full_output=True)
    _, _, info, _, _ = curve_fit(gaussian, X, ydata[4], starts[4], sigma[4],
                                 full_output=True)
    assert result.fvec[4].tobytes() == info["fvec"].tobytes()
    assert result.ipvt[4].tobytes() == info["ipvt"].tobytes()


def test_bad_input_names_what_is_wrong(curves):
    ydata, sigma, starts = curves
    with pytest.raises(ValueError, match=r"ydata must have shape \(K, m\)"):
        curve_fit_batch(gaussian, X, ydata[0], starts[0])
    with pytest.raises(ValueError, match=r"p0 of shape \(3, 4\) does not "
                       r"broadcast to the fits' shape \(24,\)"):
        curve_fit_batch(gaussian, X, ydata, starts[:3])
    with pytest.raises(ValueError, match=r"sigma must be a scalar or have "
                       r"shape \(50,\) or \(24, 50\)"):
        curve_fit_batch(gaussian, X, ydata, starts, sigma[:, :3])
    with pytest.raises(ValueError, match=r"sigma of curve 2 is 0.0 at point "
                       r"1"):
        bad = sigma.copy()
        bad[2, 1] = 0.0
        curve_fit_batch(gaussian, X, ydata, starts, bad)
    with pytest.raises(ValueError, match=r"entry 1 of curve 3 is inf"):
        bad = starts.copy()
        bad[3, 1] = np.inf
        curve_fit_batch(gaussian, X, ydata, bad)
    with pytest.raises(TypeError, match="jac must be a callable"):
        curve_fit_batch(gaussian, X, ydata, starts, jac="2-point")
    with pytest.raises(ValueError, match="'args' is not a supported"):
        curve_fit_batch(gaussian, X, ydata, starts, args=(1,))
    with pytest.raises(ValueError, match=r"jac returned shape \(4, 50\) for "
                       r"\d+ fits; it must broadcast to \(k, 50, 4\)"):
        curve_fit_batch(gaussian, X, ydata, starts,
                        jac=lambda x, *p: np.zeros((4, 50)))


def test_an_exception_in_f_propagates_with_the_fits_named(curves):
    ydata, _, starts = curves
    calls = []

    def failing(x, a, mu, s, c):
        calls.append(np.shape(a))
        if len(calls) == 3:
            raise KeyError("from the model")
        return gaussian(x, a, mu, s, c)

    with pytest.raises(KeyError, match="from the model") as caught:
        curve_fit_batch(failing, X, ydata, starts)
    assert any("fit" in note for note in getattr(caught.value, "__notes__",
                                                 []))
    assert calls[0] == (CURVES, 1)  # all fits at once, no probe of fit 0


def test_columns_compute_as_numpy_scalars():
    # ``**`` on a numpy scalar is numpy's scalar arithmetic; on an array it
    # is the power ufunc, which takes shortcuts for some exponents (2, and
    # in numpy 2.4 also 0.5 and -1) and on AVX-512 CPUs is a vectorised
    # pow: a Column must give the scalar's bits for every exponent.
    rng = np.random.default_rng(7)
    values = rng.random((4000, 1)) * 3.0
    values[:6, 0] = [2.0, 0.5, -1.0, 1.0, 0.0, 3.0]  # the shortcut values
    block = columns(values)[0]
    scalars = [np.float64(v) for v in values[:, 0]]

    def squared_in_place(s):
        s **= 2
        return s
    cases = [
        lambda s: s ** 2,
        lambda s: (2 * s) ** 2,
        lambda s: s ** 0.5,
        lambda s: s ** -1,
        lambda s: s ** 3,
        lambda s: s ** 1.5,
        lambda s: s ** np.int64(2),
        lambda s: 2.0 ** s,
        lambda s: s ** s,
        lambda s: np.exp(-s) / s ** 3,
        lambda s: X ** s,                 # a power law's x ** b
        lambda s: (X + 4.0) ** -s,
        squared_in_place,
    ]
    with np.errstate(divide="ignore", invalid="ignore"):
        for on in cases:
            got = np.asarray(on(block))
            expected = np.array([on(s) for s in scalars])
            assert got.shape == (expected.shape if expected.ndim == 2
                                 else (expected.size, 1))
            assert got.reshape(expected.shape).tobytes() == \
                expected.tobytes()
    # ``**=`` leaves the caller's block alone, as it leaves a scalar.
    assert np.asarray(block).tobytes() == values.tobytes()
    # ufuncs run the same loop on a column as on a scalar.
    expected = np.array([np.power(s, 2.0) for s in scalars])
    assert np.asarray(np.power(block, 2.0))[:, 0].tobytes() == \
        expected.tobytes()
    # With xdata involved the result is a plain array, as for a scalar.
    assert type(block * X) is np.ndarray
    assert type((X + 4.0) ** block) is np.ndarray
    assert type(np.exp(block)) is type(block)
    assert type(block ** 2) is type(block)
    assert math.isclose(float(np.asarray(block ** 2)[6, 0]),
                        values[6, 0] ** 2)


# Trial steps can make a base negative: NaN, which MINPACK backs off from.
@np.errstate(invalid="ignore", over="ignore", divide="ignore")
def power_law(x, a, b):
    return a * (x + 4.0) ** b


@np.errstate(invalid="ignore", over="ignore", divide="ignore")
def hill(x, top, k, n):
    z = (x + 4.0) ** n
    return top * z / (k ** n + z) + 0.1 * n ** 0.5 - 0.01 * k ** -1


@pytest.mark.parametrize("vectorized", [True, False])
def test_models_with_powers_of_parameters_are_curve_fits_bits(vectorized):
    rng = np.random.default_rng(11)
    b = 0.5 + rng.random((CURVES, 1))
    ydata = 2.0 * (X + 4.0) ** b + 0.01 * rng.standard_normal((CURVES, X.size))
    # Starts with the exponents numpy shortcuts for arrays: the first
    # evaluation is at exactly 2, 0.5 or -1.
    starts = np.tile([1.0, 2.0], (CURVES, 1))
    starts[1::3, 1] = 0.5
    starts[2::3, 1] = -1.0
    assert_same_as_one_by_one(power_law, ydata, starts,
                              vectorized=vectorized)
    n = 1.0 + 2.0 * rng.random((CURVES, 1))
    z = (X + 4.0) ** n
    ydata = 3.0 * z / (2.0 ** n + z) + 0.01 * rng.standard_normal(
        (CURVES, X.size))
    starts = np.tile([1.0, 2.0, 2.0], (CURVES, 1))
    starts[::2, 2] = 0.5
    _, _, result = assert_same_as_one_by_one(hill, ydata, starts,
                                             vectorized=vectorized)
    assert result.success.sum() > CURVES // 2


@pytest.mark.parametrize("vectorized", [True, False])
def test_a_model_not_finite_at_p0_is_reported_under_omit(curves, vectorized):
    ydata, sigma, starts = curves
    ydata = ydata.copy()
    ydata[2, :48] = np.nan   # too few points: not run, so curve 6 is the
    bad = starts.copy()      # 5th fit run (the index must be mapped back)
    bad[6, 2] = 0.0          # width 0: the model is NaN at x == centre
    xdata = X.copy()
    xdata[20] = bad[6, 1]
    with np.errstate(divide="ignore", invalid="ignore"), \
            warnings.catch_warnings():
        warnings.simplefilter("ignore", OptimizeWarning)
        popt, pcov, result = curve_fit_batch(
            gaussian, xdata, ydata, bad, nan_policy="omit",
            vectorized=vectorized)
    assert result.ier[6] == 0 and np.isnan(popt[6]).all()
    assert result.message(6) == (
        "Not run: the residual f(xdata, *p0) - ydata (weighted by sigma) "
        "is not finite at the start (entry 20 of the curve's kept points).")
    assert result.success[[0, 1, 3, 4, 5, 7]].all()


@pytest.mark.parametrize("vectorized", [True, False])
def test_a_model_not_finite_at_p0_names_the_curve(curves, vectorized):
    ydata, sigma, starts = curves
    bad = starts.copy()
    bad[6, 2] = 0.0          # width 0: the model is NaN at x == centre
    xdata = X.copy()
    xdata[20] = bad[6, 1]
    with pytest.raises(ValueError, match=r"must be finite at p0, but entry "
                       r"20 of curve 6 is not \(pass check_finite=False"), \
            np.errstate(divide="ignore", invalid="ignore"):
        curve_fit_batch(gaussian, xdata, ydata, bad, vectorized=vectorized)


def test_nan_in_xdata_under_raise_and_an_xdata_too_short_under_omit(curves):
    ydata, _, starts = curves
    x = X.copy()
    x[3] = np.nan
    with pytest.raises(ValueError, match="The input contains nan values"):
        curve_fit_batch(gaussian, x, ydata, starts, nan_policy="raise")
    with pytest.raises(ValueError, match=r"xdata of shape \(49,\) does not "
                                         r"have the 50 points of each curve"):
        curve_fit_batch(gaussian, x[:-1], ydata, starts, nan_policy="omit")
