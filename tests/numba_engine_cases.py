"""Cases that run curve_fit_batch with engine='numpy' and engine='numba'
on the same fits (tests/test_numba_engine.py), run as a program in a
subprocess whose numpy has its AVX-512 loops turned off (there the engines
must agree to the bit).  The program also saves the numba engine's results,
so that the test process compares them with its own numpy engine's without
compiling every variant a second time (numba takes 1-2 s per variant; the
numba engine's bits do not depend on numpy's CPU features, which the tests
check on one variant).

The models use what numba computes as numpy does (+, -, *, /, exp), and
no ``parameter ** k``, which is ``pow`` for curve_fit's numpy scalars and
``p*p...`` in numba.
"""

import json
import math
import sys
import warnings

import numpy as np

from pyminpack import OptimizeWarning, curve_fit_batch

X = np.linspace(-3.0, 3.0, 40)
CURVES = 30


def gaussian(x, a, mu, s, c):
    z = (x - mu) / s
    return a * np.exp(-0.5 * z * z) + c


def gaussian_jac(x, a, mu, s, c):
    z = (x - mu) / s
    e = np.exp(-0.5 * z * z)
    return np.stack((e, a * e * z / s, a * e * z * z / s, np.ones_like(a * x)),
                    axis=-1)


def gaussian_jac_t(x, a, mu, s, c):
    z = (x - mu) / s
    e = np.exp(-0.5 * z * z)
    return np.stack((e, a * e * z / s, a * e * z * z / s,
                     np.ones_like(a * x)), axis=-2)


def data(seed=20261207):
    """Curves (K, m) with NaN in two (one left with too few points), per
    point sigma (K, m), starts (K, n); curve 4 starts far off and gets a
    maxfev too small to converge when the case asks for it."""
    rng = np.random.default_rng(seed)
    truth = np.column_stack([1.5 + rng.random(CURVES),
                             rng.uniform(-0.5, 0.5, CURVES),
                             0.6 + 0.4 * rng.random(CURVES),
                             0.2 * rng.random(CURVES)])
    # The C library's exp, not numpy's: the data must be the same bits in
    # the subprocess, whose numpy has its AVX-512 exp turned off.
    a, mu, s, c = truth.T[:, :, None]
    z = (X - mu) / s
    exp = np.array([math.exp(v) for v in (-0.5 * z * z).ravel()])
    ydata = a * exp.reshape(z.shape) + c + 0.05 * rng.standard_normal(
        (CURVES, X.size))
    sigma = 0.04 + 0.02 * rng.random((CURVES, X.size))
    starts = np.array([1.0, 0.0, 1.0, 0.0]) + 0.2 * rng.random((CURVES, 4))
    starts[4] = [5.0, 2.5, 0.2, -1.0]
    with_nan = ydata.copy()
    with_nan[3, 5:12] = np.nan
    with_nan[7, 2:] = np.nan      # 2 points left for 4 parameters: ier 0
    return ydata, with_nan, sigma, starts


def cases():
    """(name, arguments of curve_fit_batch besides f, xdata, ydata, p0)."""
    ydata, with_nan, sigma, starts = data()
    out = []
    for jac in (None, gaussian_jac):
        tag = "jac" if jac else "no jac"
        out += [
            (f"{tag}, no sigma", ydata, dict(jac=jac)),
            (f"{tag}, scalar sigma", ydata, dict(jac=jac, sigma=0.05)),
            (f"{tag}, sigma (m,)", ydata, dict(jac=jac, sigma=sigma[0])),
            (f"{tag}, sigma (K, m) float32", ydata,
             dict(jac=jac, sigma=sigma.astype(np.float32))),
            (f"{tag}, omit, sigma (K, m)", with_nan,
             dict(jac=jac, sigma=sigma, nan_policy="omit")),
            (f"{tag}, omit, sigma (m,)", with_nan,
             dict(jac=jac, sigma=sigma[0], nan_policy="omit")),
            (f"{tag}, maxfev", ydata,
             dict(jac=jac, maxfev=14 if jac else 50)),  # curve 4: ier 5
        ]
    out.append(("col_deriv jac, sigma (K, m)", ydata,
                dict(jac=gaussian_jac_t, col_deriv=True, sigma=sigma)))
    return out, starts


def fit(ydata, starts, options, **engine):
    """curve_fit_batch of the cases' model on `ydata` with `options`, its
    OptimizeWarnings silenced: (popt, pcov, result).  `engine` names the
    engine (engine='numba'); the default is the numpy engine."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OptimizeWarning)
        return curve_fit_batch(gaussian, X, ydata, starts, **options,
                               **engine)


RESULT_FIELDS = ("popt", "pcov", "ier", "nfev", "fnorm", "x", "success")


def result_arrays(fit):
    """{field: array} of one curve_fit_batch return, as RESULT_FIELDS name
    them (popt and pcov from the tuple, the rest from its BatchResult)."""
    popt, pcov, result = fit
    arrays = {"popt": popt, "pcov": pcov}
    for field in RESULT_FIELDS[2:]:
        arrays[field] = np.asarray(getattr(result, field))
    return arrays


def differences(numpy_fit, numba_fit):
    """The names of the fields that are not the same bits."""
    first, second = result_arrays(numpy_fit), result_arrays(numba_fit)
    return [field for field in RESULT_FIELDS
            if first[field].tobytes() != second[field].tobytes()]


def main(saved):
    """Every case; prints {case: [what differs]} as JSON and saves every
    case's numba results to the .npz file `saved` (case k's field as
    "k/field").  Being a fresh process, it also reports whether numba was
    imported after importing pyminpack, after a batch on the numpy engine
    and after the numba engine's ([False, False, True] is right)."""
    table, starts = cases()
    numba_imported = ["numba" in sys.modules]
    fit(table[0][1], starts, {})
    numba_imported.append("numba" in sys.modules)
    report = {}
    arrays = {}
    for index, (name, ydata, options) in enumerate(table):
        numpy_fit = fit(ydata, starts, options)
        numba_fit = fit(ydata, starts, options, engine="numba")
        assert numba_fit[2].engine == "numba"
        report[name] = differences(numpy_fit, numba_fit)
        for field, value in result_arrays(numba_fit).items():
            arrays[f"{index}/{field}"] = value
    numba_imported.append("numba" in sys.modules)
    np.savez(saved, **arrays)
    print(json.dumps({"cases": report,
                      "numpy exp is libm's": numpy_exp_is_libm(),
                      "numba imported": numba_imported}))


def numpy_exp_is_libm():
    """Whether numpy's float64 exp gives the C library's bits (4-5 % of
    these values differ where numpy uses its AVX-512F exp)."""
    values = np.linspace(-30.0, 5.0, 20001)
    return bool(np.exp(values).tobytes()
                == np.array([math.exp(v) for v in values]).tobytes())


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
