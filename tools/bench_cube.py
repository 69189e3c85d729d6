#!/usr/bin/env python3
"""A cube of curves (K, m) fitted with every curve_fit_batch engine against
a scipy curve_fit loop, side by side in one run.

By default the cube is tools/real_cube.py's (pyspeckit's HCN map: a
Gaussian over a baseline per pixel, sigma from the rms map, per-pixel
starts, the empty pixels included: they are NaN and get ier 0); or give
``--npz FILE`` holding ``x`` (m,), ``y`` (K, m), ``sigma`` (K,) or (K, m)
and ``p0`` (K, n), fitted with the same Gaussian-plus-baseline model.

Rows: the numpy engine (the default call, vectorized), the numba engine on
1 and 2 threads (its compile time measured first in a fresh cache, and
shown apart), and engine='auto'; each against a scipy.optimize.curve_fit
loop over the curves with data (timed on a sample of them, per fit).
Each fit is checked against the numpy engine's: the fraction of curves
whose popt agrees to 1e-6 of the parameters' scale.  The load average
says how busy the shared machine was.

    python tools/bench_cube.py             # the real cube
    python tools/bench_cube.py --quick     # one round, a small scipy sample
"""

import argparse
import os
import sys
import time
import warnings

import numpy as np
import scipy
import scipy.optimize

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import pyminpack  # noqa: E402
from pyminpack import _numba_engine  # noqa: E402


def gaussian(v, amplitude, center, width, baseline):
    """A Gaussian line over a flat baseline (real_cube.gaussian)."""
    return amplitude * np.exp(-(v - center) ** 2 / (2 * width ** 2)) \
        + baseline


def load(npz):
    if npz is None:
        import real_cube
        x, y, sigma, p0, _ = real_cube.curves(keep_empty=True)
        source = real_cube.describe()
    else:
        data = np.load(npz)
        x, y, sigma, p0 = data["x"], data["y"], data["sigma"], data["p0"]
        source = npz
    sigma = np.asarray(sigma, float)
    if sigma.ndim == 1:
        sigma = np.repeat(sigma[:, None], y.shape[1], axis=1)
    # Curves with no data are not fitted (ier 0), but their sigma and p0
    # must still be numbers for the checks.
    empty = np.isnan(y).all(axis=1)
    sigma = np.where(np.isfinite(sigma), sigma, 1.0)
    p0 = np.where(np.isfinite(p0), p0, 1.0)
    return x, np.ascontiguousarray(y), sigma, p0, empty, source


def engine_call(x, y, sigma, p0, engine, threads=None):
    options = {"threads": threads} if threads is not None else {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pyminpack.OptimizeWarning)
        return pyminpack.curve_fit_batch(
            gaussian, x, y, p0, sigma, nan_policy="omit", check_finite=False,
            engine=engine, **options)


def scipy_loop(x, y, sigma, p0, sample):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with np.errstate(all="ignore"):
            start = time.perf_counter()
            for k in sample:
                try:
                    scipy.optimize.curve_fit(gaussian, x, y[k], p0[k],
                                             sigma[k], nan_policy="omit",
                                             method="lm")
                except (RuntimeError, ValueError, TypeError):
                    pass
            return (time.perf_counter() - start) / len(sample)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--npz", help="x, y, sigma, p0 arrays in a .npz")
    parser.add_argument("--quick", action="store_true")
    options = parser.parse_args(argv)
    x, y, sigma, p0, empty, source = load(options.npz)
    count, m = y.shape
    rounds = 1 if options.quick else 3
    with_data = np.flatnonzero(~empty)
    sample = with_data[::max(1, with_data.size // (50 if options.quick
                                                    else 300))]
    print(f"# {source}: {count} curves of {m} points ({empty.sum()} empty); "
          f"pyminpack {pyminpack.__version__}, scipy {scipy.__version__}, "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}\n")
    _numba_engine.CACHE.clear()
    compiled = engine_call(x, y[:4], sigma[:4], p0[:4], "numba",
                           1)[2].compile_seconds
    runs = {
        "numpy engine (default call)": lambda: engine_call(x, y, sigma, p0,
                                                           "numpy"),
        "numba, 1 thread": lambda: engine_call(x, y, sigma, p0, "numba", 1),
        "numba, 2 threads": lambda: engine_call(x, y, sigma, p0, "numba", 2),
        "auto": lambda: engine_call(x, y, sigma, p0, "auto"),
    }
    best = {name: np.inf for name in runs}
    results = {}
    loop = np.inf
    for r in range(rounds):
        loop = min(loop, scipy_loop(x, y, sigma, p0, sample))
        for name, run in runs.items():
            start = time.perf_counter()
            results[name] = run()
            best[name] = min(best[name], time.perf_counter() - start)
    reference = results["numpy engine (default call)"][0]
    scale = np.max(np.abs(np.nan_to_num(reference)), axis=1, keepdims=True)
    print("| engine | fits/s | / scipy loop | agree with numpy engine |")
    print("|---|---:|---:|---:|")
    print(f"| scipy curve_fit loop ({len(sample)} curves) | "
          f"{1 / loop:,.0f} | 1.0 | |")
    for name, seconds in best.items():
        popt = results[name][0]
        both = np.isfinite(popt).all(axis=1) & np.isfinite(reference).all(
            axis=1)
        agree = (np.abs(popt - reference) <= 1e-6 * scale).all(axis=1)[
            both].mean()
        per_fit = seconds / with_data.size
        print(f"| {name} | {1 / per_fit:,.0f} | {loop / per_fit:.1f} | "
              f"{agree:.3f} |")
    print(f"\nnumba compile time (fresh cache, not in the rows above): "
          f"{compiled:.2f} s; fits/s count the curves with data; load "
          f"average at the end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
