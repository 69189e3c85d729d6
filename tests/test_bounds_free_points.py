"""curve_fit_batch under nan_policy='omit': a curve needs as many kept
points as FREE parameters -- a parameter fixed by lb == ub (for that
curve) is no unknown, so a curve with fewer points than parameters but
enough for its free ones is fitted, bitwise the fit of the model with the
fixed values substituted; one with fewer than its free ones is reported.
"""

import warnings

import numpy as np
import pytest

from pyminpack import OptimizeWarning, curve_fit, curve_fit_batch

X = np.linspace(-3.0, 3.0, 12)


def line_peak(x, a, mu, w, c):
    d = (x - mu) / w
    return a / (1.0 + d * d) + c


def test_a_curve_needs_one_point_per_free_parameter():
    ydata = np.tile(line_peak(X, 2.0, 0.3, 1.0, 0.1), (3, 1))
    ydata += 0.01 * np.sin(np.arange(36.0)).reshape(3, 12)
    keep = [1, 4, 6, 9]      # curves 0 and 1 keep 3 points, curve 2 all
    for k in (0, 1):
        ydata[k, np.setdiff1d(np.arange(12), keep[k:k + 3])] = np.nan
    lower = np.tile([0.0, -1.0, 1.0, 0.1], (3, 1))
    upper = np.tile([10.0, 1.0, 1.0, 0.1], (3, 1))   # w and c fixed
    upper[1] = [10.0, 1.0, 5.0, 0.1]                 # curve 1: w free
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OptimizeWarning)
        popt, pcov, result = curve_fit_batch(
            line_peak, X, ydata, [1.5, 0.0, 1.0, 0.1],
            bounds=(lower, upper), nan_policy="omit")
    # Curve 0: 3 points, 2 free parameters: fitted, as the model with w
    # and c substituted is fitted on its 3 points.
    assert result.ier[0] in (1, 2, 3, 4), result.message(0)
    x0, y0 = X[keep[0:3]], ydata[0, keep[0:3]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OptimizeWarning)
        alone, alone_cov = curve_fit(
            lambda x, a, mu: line_peak(x, a, mu, 1.0, 0.1), x0, y0,
            [1.5, 0.0], bounds=([0.0, -1.0], [10.0, 1.0]))
    assert popt[0, :2].tobytes() == alone.tobytes()
    assert pcov[0, :2, :2].tobytes() == alone_cov.tobytes()
    assert (popt[0, 2:] == [1.0, 0.1]).all()
    # Curve 1: 3 points but 3 free parameters: fitted too (m == n_free).
    assert result.ier[1] in (1, 2, 3, 4), result.message(1)
    assert result.success[2]
    # Fewer points than free parameters: reported, saying so.
    ydata[1, keep[1]] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OptimizeWarning)
        _, _, result = curve_fit_batch(
            line_peak, X, ydata, [1.5, 0.0, 1.0, 0.1],
            bounds=(lower, upper), nan_policy="omit")
    assert result.ier[1] == 0
    assert result.message(1) == ("Not run: the curve has 2 finite points "
                                 "and needs at least 3, one per free "
                                 "parameter.")
    assert result.ier[0] in (1, 2, 3, 4)


def test_curve_fit_alone_counts_free_parameters_as_its_batch_does():
    # Fit k of a batch is curve_fit on curve k alone: with two of four
    # parameters fixed, three points are enough for both, and the bits are
    # the same.  Without the fixing, curve_fit keeps scipy's refusal.
    x = X[[1, 4, 6]]
    y = line_peak(x, 2.0, 0.3, 1.0, 0.1) + np.array([0.01, -0.02, 0.015])
    bounds = ([0.0, -1.0, 1.0, 0.1], [10.0, 1.0, 1.0, 0.1])
    p0 = [1.5, 0.0, 1.0, 0.1]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OptimizeWarning)
        popt, pcov = curve_fit(line_peak, x, y, p0, bounds=bounds)
        batch, batch_cov, result = curve_fit_batch(line_peak, x, y[None],
                                                   p0, bounds=bounds)
    assert result.success[0]
    assert popt.tobytes() == batch[0].tobytes()
    assert pcov.tobytes() == batch_cov[0].tobytes()
    with pytest.raises(TypeError, match=r"^The number of func parameters=4 "
                       r"must not exceed the number of data points=3$"):
        curve_fit(line_peak, x, y, p0)
    with pytest.raises(TypeError, match=r"^The number of free func "
                       r"parameters=3 must not exceed the number of data "
                       r"points=2$"):
        curve_fit(line_peak, x[:2], y[:2], p0, bounds=(
            [0.0, -1.0, 0.5, 0.1], [10.0, 1.0, 5.0, 0.1]))
