#!/usr/bin/env python3
"""pyminpack.curve_fit and curve_fit_batch against scipy's curve_fit.

Two tables, everything in this process on the same seeded data:

1. Time per fit of ``pyminpack.curve_fit`` over ``scipy.optimize.curve_fit``
   (the same Python model, the same calls), for a 50-point Gaussian with 4
   parameters and a decay with 3: lmdif (no jac), lmder (jac), and lmdif
   with a 1-D sigma.  Goal (shared/spec/curve_fit.md §18): at most 0.80.
2. Fits per second of ``curve_fit_batch`` (vectorized and plain kinds) on
   K Gaussian curves, against a loop of scipy's curve_fit and a loop of
   pyminpack's; goal (issue 11): at least 10 times the scipy loop.

Every batch is also checked to give each curve the bits of curve_fit on
that curve alone (a sample of curves), so a fast wrong answer cannot pass.

    python tools/bench_curve_fit.py          # about 1 minute
    python tools/bench_curve_fit.py --quick  # a few seconds (CI smoke run)

Timing: the best of several rounds, the methods taking turns within every
round so that a slow spell of a shared machine hits them alike.
"""

import argparse
import time

import numpy as np
import scipy
import scipy.optimize

import pyminpack

X = np.linspace(-3.0, 3.0, 50)


def gaussian(x, a, mu, s, c):
    return a * np.exp(-(x - mu) ** 2 / (2 * s ** 2)) + c


def gaussian_jac(x, a, mu, s, c):
    e = np.exp(-(x - mu) ** 2 / (2 * s ** 2))
    return np.stack([e, a * e * (x - mu) / s ** 2,
                     a * e * (x - mu) ** 2 / s ** 3, np.ones_like(a * x)],
                    axis=-1)


def decay(x, a, b, c):
    return a * np.exp(-b * x) + c


def decay_jac(x, a, b, c):
    e = np.exp(-b * x)
    return np.stack([e, -a * x * e, np.ones_like(a * x)], axis=-1)


def curves(model, truth, count, seed):
    rng = np.random.default_rng(seed)
    ydata = model(X, *truth) + 0.05 * rng.standard_normal((count, X.size))
    sigma = 0.04 + 0.02 * rng.random((count, X.size))
    return ydata, sigma


MODELS = {
    "Gaussian 50x4": (gaussian, gaussian_jac, [2.0, 0.3, 0.8, 0.1],
                      [1.0, 0.0, 1.0, 0.0]),
    "decay 50x3": (decay, decay_jac, [2.5, 0.7, 0.2], [1.0, 1.0, 0.0]),
}


def best_of(rounds, runs):
    """The best time of each callable over `rounds`, taking turns."""
    best = [np.inf] * len(runs)
    for _ in range(rounds):
        for i, run in enumerate(runs):
            start = time.perf_counter()
            run()
            best[i] = min(best[i], time.perf_counter() - start)
    return best


def loop(curve_fit, model, ydata, p0, sigma=None, jac=None):
    def run():
        for k in range(ydata.shape[0]):
            curve_fit(model, X, ydata[k], p0,
                      None if sigma is None else sigma[k], jac=jac)
    return run


def per_fit_table(count, rounds):
    print("## curve_fit: time per fit, pyminpack over scipy "
          f"{scipy.__version__} ({count} fits a round, best of {rounds})\n")
    print("| model | variant | scipy us/fit | pyminpack us/fit | ratio |")
    print("|---|---|---:|---:|---:|")
    for name, (model, jac, truth, p0) in MODELS.items():
        ydata, sigma = curves(model, truth, count, 1)
        for variant, options in (("lmdif", {}), ("lmder (jac)", {"jac": jac}),
                                 ("lmdif, 1-D sigma", {"sigma": sigma})):
            scipy_time, ours = best_of(rounds, [
                loop(scipy.optimize.curve_fit, model, ydata, p0, **options),
                loop(pyminpack.curve_fit, model, ydata, p0, **options)])
            print(f"| {name} | {variant} | {scipy_time / count * 1e6:.0f} | "
                  f"{ours / count * 1e6:.0f} | {ours / scipy_time:.2f} |")
    print()


def check_batch(model, ydata, p0, popt, pcov, sample, **options):
    for k in sample:
        alone = pyminpack.curve_fit(model, X, ydata[k], p0, **options)
        if (alone[0].tobytes() != popt[k].tobytes()
                or alone[1].tobytes() != pcov[k].tobytes()):
            raise SystemExit(f"curve_fit_batch differs from curve_fit on "
                             f"curve {k}")


def batch_table(count, loop_count, rounds):
    print(f"## curve_fit_batch: fits per second, K = {count} "
          f"(loops: {loop_count} fits, best of {rounds})\n")
    print("| model | variant | scipy loop | pyminpack loop | batch, plain "
          "| batch, vectorized | vectorized / scipy loop |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for name, (model, jac, truth, p0) in MODELS.items():
        ydata, _ = curves(model, truth, count, 2)
        few = ydata[:loop_count]
        for variant, options in (("lmdif", {}), ("lmder (jac)", {"jac": jac})):
            results = {}

            def vectorized():
                results["fit"] = pyminpack.curve_fit_batch(model, X, ydata,
                                                           p0, **options)

            def plain():
                pyminpack.curve_fit_batch(model, X, few, p0,
                                          vectorized=False, **options)

            times = best_of(rounds, [
                loop(scipy.optimize.curve_fit, model, few, p0, **options),
                loop(pyminpack.curve_fit, model, few, p0, **options),
                plain, vectorized])
            popt, pcov, _ = results["fit"]
            check_batch(model, ydata, p0, popt, pcov,
                        range(0, count, max(1, count // 50)), **options)
            rates = [loop_count / t for t in times[:3]] + [count / times[3]]
            print(f"| {name} | {variant} | "
                  + " | ".join(f"{r:,.0f}" for r in rates)
                  + f" | {rates[3] / rates[0]:.1f} |")
    print()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="small counts and one round: a smoke run")
    quick = parser.parse_args().quick
    rounds = 1 if quick else 5
    per_fit_table(20 if quick else 200, rounds)
    batch_table(200 if quick else 20_000, 20 if quick else 400, rounds)


if __name__ == "__main__":
    main()
