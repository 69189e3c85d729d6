#!/usr/bin/env python3
"""curve_fit_batch(engine='numba') against cminpack-numba, the numpy
engine and a scipy curve_fit loop, side by side in one run.

The problems are tools/bench_batch.py's (imported from it, same seeded
data): the exponential decay a*exp(-b*t) + c and the Gaussian peak
a*exp(-((t-mu)/s)**2/2) + c, 50 points, every fit its own noisy curve;
lmdif (no jac) and lmder (an analytic jac).  The numba engine gets the
one-curve numpy model ``f(t, a, b, c)`` (and ``jac``) as a curve_fit user
writes it; cminpack-numba runs the same formulas as bench_batch's scalar
numba kernels in an @njit loop over lmdif_/lmder_ (its anchor, 1 thread).

Rows, for K = 2,000 and 100,000 (--quick: 500 and 5,000):

- numba engine with 1 and 2 C threads, numpy engine (vectorized), and
  cminpack-numba: fits/s of the best round (the methods take turns in
  every round); the numba engine's compile time is measured in a fresh
  cache before the rounds and added, once, to its total in the "with
  compile" column (the time of the first call a new process makes);
- a scipy.optimize.curve_fit loop on a smaller K (the per-fit time does
  not depend on K), and the best curve_fit_batch engine over it.

Goals (shared/spec/every-core.md §4): numba engine 1 thread >= 1.0x
cminpack-numba; 2 threads >= 1.8x 1 thread when both cores are free;
best engine >= 25x a scipy curve_fit loop on 2 cores (Gaussian 50x4).
The header and each table say how busy the machine was (load average,
and other processes' CPU use from /proc/stat during the run): on a shared
machine the 2-thread figures mean little when the other core was busy.

Agreement: the numba engine's popt against cminpack-numba's x (same data,
same starts, same arithmetic apart from numpy's AVX-512 exp): the
fraction of fits equal to 1e-9 of the parameters' scale.

    python tools/bench_numba_engine.py           # several minutes
    python tools/bench_numba_engine.py --quick   # CI smoke run
"""

import argparse
import os
import sys
import time
import warnings

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_batch as bb  # noqa: E402  (the problems, the anchor, timing)

import scipy.optimize  # noqa: E402

import pyminpack  # noqa: E402
from pyminpack import _numba_engine  # noqa: E402

T_DECAY, T_GAUSS = bb.T_DECAY, bb.T_GAUSS


def decay(t, a, b, c):
    return a * np.exp(-b * t) + c


def decay_jac(t, a, b, c):
    e = np.exp(-b * t)
    return np.stack((e, -a * t * e, np.ones_like(t)), axis=-1)


def gauss(t, a, mu, s, c):
    z = (t - mu) / s
    return a * np.exp(-0.5 * z * z) + c


def gauss_jac(t, a, mu, s, c):
    z = (t - mu) / s
    e = np.exp(-0.5 * z * z)
    return np.stack((e, a * e * z / s, a * e * z * z / s, np.ones_like(t)),
                    axis=-1)


def gauss_jac_vectorized(t, a, mu, s, c):
    # np.ones_like(a * t): (k, m) when a is a (k, 1) column.
    z = (t - mu) / s
    e = np.exp(-0.5 * z * z)
    return np.stack((e, a * e * z / s, a * e * z * z / s,
                     np.ones_like(a * t)), axis=-1)


def decay_jac_vectorized(t, a, b, c):
    e = np.exp(-b * t)
    return np.stack((e, -a * t * e, np.ones_like(a * t)), axis=-1)


# name -> (bench_batch model index, t, f, jac for numba, jac for numpy)
PROBLEMS = {
    "decay 50x3": (0, T_DECAY, decay, decay_jac, decay_jac_vectorized),
    "Gaussian 50x4": (1, T_GAUSS, gauss, gauss_jac, gauss_jac_vectorized),
}


def batch(f, t, y, x0, jac, engine, threads=None):
    options = {"threads": threads} if engine == "numba" else {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pyminpack.OptimizeWarning)
        return pyminpack.curve_fit_batch(f, t, y, x0, jac=jac, engine=engine,
                                         check_finite=False, **options)


def scipy_loop(f, t, y, x0, jac):
    def run():
        x0s = np.broadcast_to(x0, (y.shape[0], x0.shape[-1]))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for k in range(y.shape[0]):
                try:
                    scipy.optimize.curve_fit(f, t, y[k], x0s[k], jac=jac,
                                             method="lm")
                except RuntimeError:
                    pass  # not converged: counted as a fit all the same
    return run


def compile_seconds(f, jac, t, y, x0):
    """The numba engine's compile time for this model and variant, in a
    cache emptied first (numba's own first-use cost included for the
    first model of the run)."""
    _numba_engine.CACHE.clear()
    result = batch(f, t, y[:4], x0[:4] if x0.ndim == 2 else x0, jac,
                   "numba", 1)[2]
    return result.compile_seconds


def agreement(popt, port_x):
    scale = np.max(np.abs(port_x), axis=1, keepdims=True)
    ok = np.isfinite(popt).all(axis=1)
    close = (np.abs(popt - port_x) <= 1e-9 * scale).all(axis=1) & ok
    return close.mean()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="small K, one round (CI smoke run)")
    quick = parser.parse_args(argv).quick
    counts = (500, 5000) if quick else (2000, 100_000)
    rounds = {counts[0]: 2 if quick else 5, counts[1]: 1 if quick else 3}
    repeat = {counts[0]: 2 if quick else 10, counts[1]: 1}
    loop_count = 40 if quick else 400
    # The anchor is optional, as in bench_batch: its columns say "n/a"
    # without it (CI's smoke run).
    anchor = "cminpack-numba" in bb.PORT_LOOPS
    cpu_start = bb.cpu_snapshot()
    print(f"# curve_fit_batch engines, {bb.environment()}\n")
    models = bb.models()
    lines = []
    for name, (index, t, f, jac, jac_vec) in PROBLEMS.items():
        model = models[index]
        rows, x0 = model.generate(counts[-1], seed=20240601)
        y_all = np.ascontiguousarray(rows[:, bb.M:])
        x0_all = bb.starts(x0, counts[-1])
        for method in ("lmdif", "lmder"):
            use_jac = jac if method == "lmder" else None
            use_jac_vec = jac_vec if method == "lmder" else None
            compiled = compile_seconds(f, use_jac, t, y_all, x0_all)
            address = (model.port_address("cminpack-numba", method)
                       if anchor else None)
            loop = scipy_loop(f, t, y_all[:loop_count], x0_all[:loop_count],
                              use_jac)
            loop_time = min(_timed(loop) for _ in range(
                1 if quick else 3)) / loop_count
            for count in counts:
                y, starts = y_all[:count], x0_all[:count]
                results = {}

                def run(key, fn):
                    def go():
                        results[key] = fn()
                    return go
                functions = {
                    "nb1": run("nb1", lambda: batch(f, t, y, starts, use_jac,
                                                    "numba", 1)),
                    "nb2": run("nb2", lambda: batch(f, t, y, starts, use_jac,
                                                    "numba", 2)),
                    "np": run("np", lambda: batch(f, t, y, starts,
                                                  use_jac_vec, "numpy")),
                }
                if anchor:
                    functions["cm"] = run("cm", lambda: bb.run_port(
                        "cminpack-numba", method, address,
                        np.ascontiguousarray(rows[:count]), starts))
                load = os.getloadavg()[0]
                timing = bb.Timings(functions, rounds[count], repeat[count])
                nb1 = timing.rate("nb1", count)
                nb2 = timing.rate("nb2", count)
                cm = timing.rate("cm", count) if anchor else None
                vec = timing.rate("np", count)
                with_compile = count / (min(timing.wall["nb2"]) + compiled)
                best = max(nb1, nb2, vec)
                # CPU seconds per fit, 1 thread against the anchor: less
                # disturbed than wall time when other processes share the
                # core (they still share its caches).
                cpu_ratio = (min(timing.cpu["cm"]) / min(timing.cpu["nb1"])
                             if anchor else None)
                lines.append((
                    name, method, count, nb1, nb2, cm, vec,
                    nb1 / cm if anchor else None,
                    cpu_ratio, nb2 / nb1, timing.busy("nb2"),
                    best * loop_time,
                    1 / loop_time, compiled, with_compile,
                    agreement(results["nb1"][0], results["cm"].x)
                    if anchor else None, load))
                print(f"... {name} {method} K={count} done", file=sys.stderr,
                      flush=True)
    _print(lines)
    print(f"\n{bb.others_text(cpu_start, bb.cpu_snapshot())}; load average "
          f"at the end {os.getloadavg()[0]:.2f}")


def _timed(function):
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def _print(lines):
    print("| case | method | K | numba 1 thread | numba 2 threads | "
          "cminpack-numba | numpy engine | numba 1 / cminpack (>= 1.0) | "
          "the same by CPU time | "
          "2 threads / 1 (>= 1.8) | CPUs busy (2 threads) | best / scipy "
          "loop (>= 25, Gaussian) | scipy loop | compile s | numba 2 threads "
          "with compile | agree with cminpack | load avg |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
          "---:|---:|---:|---:|")
    for (name, method, count, nb1, nb2, cm, vec, r1, r1_cpu, r2, busy,
         scipy_ratio, scipy_rate, compiled, with_compile, agree,
         load) in lines:
        print(f"| {name} | {method} | {count:,} | {bb.fits(nb1)} | "
              f"{bb.fits(nb2)} | {bb.fits(cm)} | {bb.fits(vec)} | "
              f"{bb.ratio(r1)} | {bb.ratio(r1_cpu)} | {r2:.2f} | {busy:.2f} | "
              f"{scipy_ratio:.1f} | "
              f"{scipy_rate:,.0f} | {compiled:.2f} | {bb.fits(with_compile)} "
              f"| {bb.ratio(agree, 3)} | {load:.1f} |")
    print("\nfits/s of the best round (methods taking turns); the scipy "
          "loop's rate is from a smaller K; 'with compile' adds the compile "
          "time, once, to the best 2-thread round.")


if __name__ == "__main__":
    main()
