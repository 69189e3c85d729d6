"""The example of the MINPACK-1 users' guide, fitted and reported.

Fifteen observations y_i are fitted by ``y = x1 + u / (x2*v + x3*w)`` with
``u = i``, ``v = 16 - i`` and ``w = min(u, v)``, starting from (1, 1, 1)
(Moré, Garbow and Hillstrom, ANL-80-74, 1980).  ``python -m pyminpack``
runs it with a forward-difference Jacobian (lmdif) and with the analytic
one (lmder), then fits 10,000 noisy decay curves with a vectorized batch
beside a one-by-one loop of leastsq, and 10,000 Gaussian peaks with
curve_fit_batch beside a loop of curve_fit.
"""

import time

import numpy as np

from ._batch import leastsq_batch
from ._curve_fit import curve_fit
from ._curve_fit_batch import curve_fit_batch
from ._leastsq import leastsq

Y = np.array([0.14, 0.18, 0.22, 0.25, 0.29, 0.32, 0.35, 0.39, 0.37, 0.58,
              0.73, 0.96, 1.34, 2.10, 4.39])
U = np.arange(1.0, 16.0)
V = 16.0 - U
W = np.minimum(U, V)
X0 = np.array([1.0, 1.0, 1.0])


def residuals(x):
    """y_i minus the model at x (MINPACK's sign convention)."""
    return Y - (x[0] + U / (x[1] * V + x[2] * W))


def jacobian(x):
    """d residuals_i / d x_j, shape (15, 3)."""
    denominator = (x[1] * V + x[2] * W) ** 2
    return np.column_stack([np.full_like(U, -1.0),
                            U * V / denominator,
                            U * W / denominator])


def report(title, x, cov_x, infodict, mesg, ier):
    """The fit as readable text."""
    fvec = infodict["fvec"]
    m, n = fvec.size, x.size
    norm = float(np.sqrt(fvec @ fvec))
    lines = [title, "-" * len(title)]
    if cov_x is None:
        lines.append("  (no covariance: the fit did not converge)")
        errors = np.full(n, np.nan)
    else:
        # cov_x is inv(J^T J): scale by the residual variance for the
        # standard errors of the parameters.
        variance = norm**2 / (m - n)
        errors = np.sqrt(np.diagonal(cov_x) * variance)
    for j in range(n):
        lines.append(f"  x{j + 1} = {x[j]: .10f}  +/- {errors[j]:.6f}")
    lines.append(f"  final residual norm  {norm:.10f}")
    calls = f"  nfev = {infodict['nfev']}"
    if "njev" in infodict:
        calls += f", njev = {infodict['njev']}"
    lines.append(calls)
    lines.append(f"  ier = {ier}: {mesg}")
    return "\n".join(lines)


BATCH_FITS = 10_000
BATCH_T = np.linspace(0.0, 4.0, 50)


def decay_curves(count, seed=0):
    """Noisy curves a * exp(-b * t) + c, each with its own a, b, c."""
    rng = np.random.default_rng(seed)
    a = 1.0 + 2.0 * rng.random((count, 1))
    b = 0.5 + rng.random((count, 1))
    c = 0.5 * rng.random((count, 1))
    return a * np.exp(-b * BATCH_T) + c + 0.02 * rng.standard_normal(
        (count, BATCH_T.size))


def decay(params, y):
    """The model minus the data, for one curve (params (3,), y (m,)) or
    for many at once (params (k, 3), y (k, m)): the same expression."""
    a, b, c = params[..., 0:1], params[..., 1:2], params[..., 2:3]
    return (a * np.exp(-b * BATCH_T) + c - y).reshape(np.shape(y))


def batch_report(loop_fits=500):
    """Fit BATCH_FITS curves in one vectorized batch, and a one-by-one loop
    of leastsq over some of them, and compare."""
    curves = decay_curves(BATCH_FITS)
    x0 = np.array([1.0, 1.0, 0.0])
    start = time.perf_counter()
    result = leastsq_batch(decay, x0, data=curves, vectorized=True)
    batch_seconds = time.perf_counter() - start
    start = time.perf_counter()
    loop = [leastsq(decay, x0, args=(curves[k],))[0]
            for k in range(loop_fits)]
    loop_seconds = time.perf_counter() - start
    same = all(np.array_equal(x, result.x[k]) for k, x in enumerate(loop))
    batch_rate = BATCH_FITS / batch_seconds
    loop_rate = loop_fits / loop_seconds
    return "\n".join([
        f"{BATCH_FITS:,} noisy curves y = a*exp(-b*t) + c, 50 points each",
        "-" * 62,
        f"  leastsq_batch(vectorized=True): {batch_rate:9,.0f} fits/s, "
        f"{int(result.success.sum()):,} converged",
        f"  leastsq one by one ({loop_fits} fits): {loop_rate:9,.0f} fits/s",
        f"  speed-up {batch_rate / loop_rate:.1f}x; the first {loop_fits} "
        f"fits {'the same' if same else 'NOT the same'} to the bit",
        f"  curve 0: a = {result.x[0, 0]:.4f}, b = {result.x[0, 1]:.4f}, "
        f"c = {result.x[0, 2]:.4f}",
    ])


PEAK_X = np.linspace(-3.0, 3.0, 50)


def peak(x, height, centre, width, baseline):
    """A Gaussian peak on a baseline, written for one curve; curve_fit_batch
    evaluates it for many curves at once with each parameter a column."""
    return height * np.exp(-(x - centre) ** 2 / (2 * width ** 2)) + baseline


def peak_curves(count, seed=1):
    rng = np.random.default_rng(seed)
    truth = np.column_stack([1.0 + rng.random(count),
                             rng.uniform(-1.0, 1.0, count),
                             0.5 + 0.5 * rng.random(count),
                             0.2 * rng.random(count)])
    ydata = peak(PEAK_X, *truth.T[:, :, None])
    return ydata + 0.03 * rng.standard_normal(ydata.shape)


def curve_fit_report(loop_fits=300):
    """curve_fit_batch on BATCH_FITS peaks, and curve_fit one by one on
    some of them, compared."""
    ydata = peak_curves(BATCH_FITS)
    sigma = np.full(PEAK_X.size, 0.03)
    p0 = [1.0, 0.0, 1.0, 0.0]
    start = time.perf_counter()
    popt, pcov, result = curve_fit_batch(peak, PEAK_X, ydata, p0, sigma,
                                         absolute_sigma=True)
    batch_seconds = time.perf_counter() - start
    start = time.perf_counter()
    loop = [curve_fit(peak, PEAK_X, ydata[k], p0, sigma,
                      absolute_sigma=True) for k in range(loop_fits)]
    loop_seconds = time.perf_counter() - start
    same = all(np.array_equal(fit[0], popt[k])
               and np.array_equal(fit[1], pcov[k])
               for k, fit in enumerate(loop))
    batch_rate = BATCH_FITS / batch_seconds
    loop_rate = loop_fits / loop_seconds
    errors = np.sqrt(np.diagonal(pcov[0]))
    return "\n".join([
        f"{BATCH_FITS:,} Gaussian peaks, 50 points and 4 parameters each, "
        f"with curve_fit",
        "-" * 70,
        f"  curve_fit_batch: {batch_rate:9,.0f} fits/s, "
        f"{int(result.success.sum()):,} converged",
        f"  curve_fit one by one ({loop_fits} fits): {loop_rate:9,.0f} "
        f"fits/s",
        f"  speed-up {batch_rate / loop_rate:.1f}x; the first {loop_fits} "
        f"fits (popt and pcov) {'the same' if same else 'NOT the same'} to "
        f"the bit",
        f"  curve 0: height = {popt[0, 0]:.4f} +/- {errors[0]:.4f}, "
        f"centre = {popt[0, 1]:.4f} +/- {errors[1]:.4f}",
    ])


def main():
    print("MINPACK-1 users' guide example: 15 observations, 3 parameters")
    print("model  y = x1 + u / (x2*v + x3*w),  start (1, 1, 1)\n")
    fit = leastsq(residuals, X0, full_output=True)
    print(report("lmdif (forward-difference Jacobian)", fit[0], *fit[1:]))
    print()
    fit = leastsq(residuals, X0, Dfun=jacobian, full_output=True)
    print(report("lmder (analytic Jacobian)", fit[0], *fit[1:]))
    print()
    print(batch_report())
    print()
    print(curve_fit_report())
