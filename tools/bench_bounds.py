#!/usr/bin/env python3
"""Bounded fits against unbounded ones, and against scipy's bounded
curve_fit (shared/spec/bounds.md §4), side by side in one process.

1. Fits per second of leastsq_batch, compiled (numba @cfunc, 1 thread) and
   vectorized, on K 50-point Gaussians, without and with bounds of every
   kind (a >= 0, mu and s in a box, c <= 1; the optima inside).  Twice:
   with the default tolerances (the fits take their own numbers of
   evaluations; bounded ones also take the covariance's Jacobian at the
   solution), and with the tolerances at 0 and maxfev fixed, so that every
   fit takes the same number of evaluations and the ratio is the cost of
   the transform itself.  Goal: bounded >= 0.9 x unbounded fits/s at the
   same evaluation counts.
2. Time per fit of pyminpack.curve_fit with bounds against
   scipy.optimize.curve_fit with the same bounds (method 'trf', what scipy
   runs for them) on the 50-point Gaussian.  Goal: <= 0.5 x scipy's time.

    python tools/bench_bounds.py          # about a minute
    python tools/bench_bounds.py --quick  # a few seconds (CI smoke run)

Timing: the best of several rounds, the variants taking turns within each
round so that a slow spell of a shared machine hits them alike.
"""

import argparse
import math
import time
import warnings

import numpy as np
import scipy
import scipy.optimize
from numba import carray, cfunc, types

import pyminpack

M = 50
T = np.linspace(-3.0, 3.0, M)
LB = np.array([0.0, -3.0, 0.05, -np.inf])
UB = np.array([np.inf, 3.0, 5.0, 1.0])

DP = types.CPointer(types.double)


@cfunc(types.intc(types.intc, types.intc, DP, DP, DP))
def gauss_compiled(m, n, xp, fp, up):
    x = carray(xp, (n,))
    f = carray(fp, (m,))
    d = carray(up, (2 * m,))
    for i in range(m):
        z = (d[i] - x[1]) / x[2]
        f[i] = x[0] * math.exp(-0.5 * z * z) + x[3] - d[m + i]
    return 0


@cfunc(types.intc(types.intc, types.intc, DP, DP, types.intc, DP))
def gauss_compiled_jac(m, n, xp, jp, ld, up):
    x = carray(xp, (n,))
    jac = carray(jp, (ld * n,))
    d = carray(up, (2 * m,))
    for i in range(m):
        z = (d[i] - x[1]) / x[2]
        e = math.exp(-0.5 * z * z)
        jac[i] = e
        jac[i + ld] = x[0] * e * z / x[2]
        jac[i + 2 * ld] = x[0] * e * z * z / x[2]
        jac[i + 3 * ld] = 1.0
    return 0


def gauss_vec(X, y):
    z = (T - X[:, 1:2]) / X[:, 2:3]
    return X[:, 0:1] * np.exp(-0.5 * z * z) + X[:, 3:4] - y


def gauss(x, a, mu, s, c):
    return a * np.exp(-(x - mu) ** 2 / (2 * s ** 2)) + c


def data(count, seed):
    """Rows [t, y] of noisy peaks, and per-fit starts guessed from them."""
    rng = np.random.default_rng(seed)
    a = rng.uniform(1.0, 3.0, (count, 1))
    mu = rng.uniform(-1.0, 1.0, (count, 1))
    s = rng.uniform(0.4, 1.2, (count, 1))
    c = rng.uniform(-0.2, 0.3, (count, 1))
    y = (a * np.exp(-0.5 * ((T - mu) / s) ** 2) + c
         + 0.05 * rng.standard_normal((count, M)))
    rows = np.empty((count, 2 * M))
    rows[:, :M] = T
    rows[:, M:] = y
    base = np.clip(np.median(y, axis=1), -0.5, 0.9)
    x0 = np.column_stack([np.maximum(y.max(axis=1) - base, 0.1),
                          T[np.argmax(y, axis=1)], np.ones(count), base])
    return rows, np.ascontiguousarray(y), x0


def best_of(rounds, variants):
    """{name: (best seconds, last result)}, the variants taking turns."""
    best = {name: math.inf for name in variants}
    last = {}
    for _ in range(rounds):
        for name, run in variants.items():
            start = time.perf_counter()
            last[name] = run()
            best[name] = min(best[name], time.perf_counter() - start)
    return {name: (best[name], last[name]) for name in variants}


def batch_table(rows, y, x0, rounds):
    count = rows.shape[0]
    bounds = (LB, UB)
    same_evaluations = dict(ftol=0.0, xtol=0.0, gtol=0.0, maxfev=40)
    variants = {}
    for kind in ("compiled lmdif", "compiled lmder", "vectorized lmdif"):
        for label, options in (("default tolerances", {}),
                               ("same evaluations", same_evaluations)):
            for bounded in (False, True):
                extra = dict(options, bounds=bounds if bounded else None)
                if kind.startswith("compiled"):
                    jac = gauss_compiled_jac if kind.endswith("lmder") \
                        else None

                    def run(extra=extra, jac=jac):
                        return pyminpack.leastsq_batch(
                            gauss_compiled, x0, Dfun=jac, data=rows, m=M,
                            threads=1, **extra)
                else:
                    def run(extra=extra):
                        return pyminpack.leastsq_batch(
                            gauss_vec, x0, data=y, vectorized=True, **extra)
                variants[(kind, label, bounded)] = run
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        timed = best_of(rounds, variants)
    print(f"\n**leastsq_batch, fits per second**, K = {count} 50-point "
          f"Gaussians, bounds a >= 0, mu in [-3, 3], s in [0.05, 5], "
          f"c <= 1 (best of {rounds}):\n")
    print("| kind | tolerances | unbounded fits/s | bounded fits/s | "
          "bounded / unbounded | mean nfev (unb. / b.) | converged (unb. / "
          "b.) |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for kind in ("compiled lmdif", "compiled lmder", "vectorized lmdif"):
        for label in ("default tolerances", "same evaluations"):
            (t0, r0), (t1, r1) = (timed[(kind, label, b)]
                                  for b in (False, True))
            print(f"| {kind} | {label} | {count / t0:,.0f} | "
                  f"{count / t1:,.0f} | {t0 / t1:.2f} | "
                  f"{r0.nfev.mean():.1f} / {r1.nfev.mean():.1f} | "
                  f"{r0.success.mean():.0%} / {r1.success.mean():.0%} |")
    return timed


def curve_fit_table(y, x0, rounds, fits):
    y, x0 = y[:fits], x0[:fits]
    bounds = (LB, UB)

    def ours():
        return [pyminpack.curve_fit(gauss, T, y[k], x0[k], bounds=bounds)[0]
                for k in range(fits)]

    def ours_unbounded():
        return [pyminpack.curve_fit(gauss, T, y[k], x0[k])[0]
                for k in range(fits)]

    def theirs():
        return [scipy.optimize.curve_fit(gauss, T, y[k], x0[k],
                                         bounds=bounds)[0]
                for k in range(fits)]
    timed = best_of(rounds, {"scipy trf": theirs, "pyminpack": ours,
                             "pyminpack unbounded": ours_unbounded})
    worst = max(np.max(np.abs(a - b) / np.maximum(1.0, np.abs(b)))
                for a, b in zip(timed["pyminpack"][1], timed["scipy trf"][1]))
    t_scipy = timed["scipy trf"][0] / fits * 1e6
    t_ours = timed["pyminpack"][0] / fits * 1e6
    t_free = timed["pyminpack unbounded"][0] / fits * 1e6
    print(f"\n**curve_fit with bounds, time per fit**, 50-point Gaussian, "
          f"scipy {scipy.__version__} 'trf' (its default for bounds) "
          f"against pyminpack's LM ({fits} fits a round, best of "
          f"{rounds}):\n")
    print("| scipy trf us/fit | pyminpack bounded us/fit | ratio | "
          "pyminpack unbounded us/fit | largest popt difference |")
    print("|---:|---:|---:|---:|---:|")
    print(f"| {t_scipy:,.0f} | {t_ours:,.0f} | {t_ours / t_scipy:.2f} | "
          f"{t_free:,.0f} | {worst:.1e} |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="small sizes: a smoke run")
    quick = parser.parse_args().quick
    count, rounds, fits = (2_000, 2, 20) if quick else (20_000, 5, 200)
    rows, y, x0 = data(count, seed=1)
    np.testing.assert_array_less(LB, x0.min(axis=0) + 1e-300)
    # A fast wrong answer cannot pass: a sample of the bounded batch's
    # fits are the bounded single fits, to the bit.
    batch = pyminpack.leastsq_batch(gauss_compiled, x0, data=rows, m=M,
                                    bounds=(LB, UB))
    for k in range(0, count, count // 10):
        single = pyminpack.leastsq(gauss_compiled, x0[k], args=(rows[k],),
                                   m=M, bounds=(LB, UB))[0]
        assert single.tobytes() == batch.x[k].tobytes(), k
    print(f"numpy {np.__version__}, scipy {scipy.__version__}, "
          f"pyminpack {pyminpack.__version__}")
    batch_table(rows, y, x0, rounds)
    curve_fit_table(y, x0, rounds, fits)


if __name__ == "__main__":
    main()
