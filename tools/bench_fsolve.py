#!/usr/bin/env python3
"""pyminpack.fsolve and fsolve_batch, side by side with their anchors.

    python tools/bench_fsolve.py            # both parts, about a minute
    python tools/bench_fsolve.py --calls    # fsolve against scipy only
    python tools/bench_fsolve.py --batch    # fsolve_batch against cminpack

1. **Per call**: ``pyminpack.fsolve`` against ``scipy.optimize.fsolve`` (of
   whatever scipy is installed; run it with scipy >= 1.15 for the C
   translation, the goal being ours <= 0.9x scipy's time) on small systems
   with a Python func, with and without fprime.  Both run in this process
   in alternating blocks (ours, scipy, scipy, ours, ...), so a slow spell
   of the machine hits both alike; each figure is the median over blocks.
   Where the two take different paths (scipy >= 1.15 rounds differently,
   see docs/guide/validating.md) the time per call of func is compared as well.
2. **Many systems**: ``fsolve_batch`` with a numba ``@cfunc`` (1 thread,
   and every core) against cminpack-numba's ``hybrd_`` called in an
   ``@njit`` loop with the same arithmetic in its callback (the anchor
   tools/bench_batch.py uses for lmdif/lmder), K systems of scipy's fsolve
   example with a different right-hand side each.  Goal: 1 thread >= 1.0x
   cminpack-numba's rate.  Skipped when numba or cminpack-numba is missing.

No assertion anywhere: the tables only report.
"""

import argparse
import math
import os
import statistics
import sys
import time

import numpy as np

import pyminpack


# ------------------------------------------------------------- per call

def example(x):
    return [x[0] * np.cos(x[1]) - 4, x[1] * x[0] - x[1] - 5]


def example_jac(x):
    return [[np.cos(x[1]), -x[0] * np.sin(x[1])], [x[1], x[0] - 1.0]]


def powell(x):
    return np.array([x[0] + 10.0 * x[1], np.sqrt(5.0) * (x[2] - x[3]),
                     (x[1] - 2.0 * x[2]) ** 2,
                     np.sqrt(10.0) * (x[0] - x[3]) ** 2])


def broyden(x):
    padded = np.concatenate(([0.0], x, [0.0]))
    return (3.0 - 2.0 * x) * x - padded[:-2] - 2.0 * padded[2:] + 1.0


def broyden_jac(x):
    n = x.size
    return (np.diag(3.0 - 4.0 * x) - np.eye(n, k=-1) - 2.0 * np.eye(n, k=1))


CASES = [
    ("scipy example, n=2", example, None, np.array([1.0, 1.0])),
    ("scipy example, n=2, fprime", example, example_jac,
     np.array([1.0, 1.0])),
    ("Powell singular, n=4", powell, None, np.array([3.0, -1.0, 0.0, 1.0])),
    ("Broyden tridiagonal, n=10", broyden, None, -np.ones(10)),
    ("Broyden tridiagonal, n=10, fprime", broyden, broyden_jac,
     -np.ones(10)),
]


def time_block(solve, func, fprime, x0, repeats):
    began = time.perf_counter()
    for _ in range(repeats):
        solve(func, x0, fprime=fprime, full_output=True)
    return (time.perf_counter() - began) / repeats


def per_call(blocks, seconds_per_block):
    import warnings

    import scipy
    import scipy.optimize
    print(f"## fsolve per call: pyminpack {pyminpack.__version__} against "
          f"scipy {scipy.__version__}\n")
    print("| system | pyminpack (us) | scipy (us) | pyminpack / scipy "
          "(goal <= 0.9) | nfev ours / scipy's | per call of func, ours / "
          "scipy | same x |")
    print("|---|---|---|---|---|---|---|")
    for name, func, fprime, x0 in CASES:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            ours = pyminpack.fsolve(func, x0, fprime=fprime,
                                    full_output=True)
            theirs = scipy.optimize.fsolve(func, x0, fprime=fprime,
                                           full_output=True)
            single = time_block(pyminpack.fsolve, func, fprime, x0, 3)
            repeats = max(1, int(seconds_per_block / max(single, 1e-6)))
            times = {"ours": [], "scipy": []}
            order = ["ours", "scipy"]
            for _ in range(blocks):
                for who in order:
                    solve = (pyminpack.fsolve if who == "ours"
                             else scipy.optimize.fsolve)
                    times[who].append(time_block(solve, func, fprime, x0,
                                                 repeats))
                order.reverse()
        t_ours = statistics.median(times["ours"])
        t_scipy = statistics.median(times["scipy"])
        same = ours[0].tobytes() == np.asarray(theirs[0]).tobytes()
        # scipy's nfev counts every call of func, its own ones at x0 too.
        per_func_call = ((t_ours / ours[1]["nfev"])
                         / (t_scipy / theirs[1]["nfev"]))
        print(f"| {name} | {t_ours * 1e6:.1f} | {t_scipy * 1e6:.1f} | "
              f"{t_ours / t_scipy:.2f} | {ours[1]['nfev']} / "
              f"{theirs[1]['nfev']} | {per_func_call:.2f} | "
              f"{'yes' if same else 'no'} |")
    print()


# ---------------------------------------------------------- many systems

def batch(count, rounds):
    try:
        from numba import carray, cfunc, njit, types
    except ImportError:
        print("(numba is not installed: the batch table is skipped)")
        return
    try:
        import cminpack_numba as cm
    except ImportError:
        cm = None

    dp = types.CPointer(types.double)

    @njit(inline="always")
    def kernel(x, d, f):
        f[0] = x[0] * math.cos(x[1]) - d[0]
        f[1] = x[1] * x[0] - x[1] - d[1]

    @cfunc(types.intc(types.intc, types.intc, dp, dp, dp))
    def ours_func(m, n, xp, fp, up):
        kernel(carray(xp, (n,)), carray(up, (2,)), carray(fp, (n,)))
        return 0

    rng = np.random.default_rng(0)
    data = np.column_stack([3.0 + rng.random(count), 4.0 + rng.random(count)])
    starts = 1.0 + rng.random((count, 2))
    timings = {}

    # One thread's columns are timed in CPU time of the calling thread
    # (the solves run there): on a shared machine that is far steadier than
    # wall time.  Several threads can only be timed by the wall clock.
    def run_ours(threads):
        clock = time.thread_time if threads == 1 else time.perf_counter
        began = clock()
        result = pyminpack.fsolve_batch(ours_func, starts, data=data,
                                        threads=threads)
        return clock() - began, result

    cores = len(os.sched_getaffinity(0))
    columns = [("pyminpack, 1 thread", lambda: run_ours(1)),
               (f"pyminpack, {cores} threads", lambda: run_ours(cores))]
    if cm is not None:
        @cfunc(cm.CminpackSignature.hybrd(udata_type=dp))
        def cm_func(ud, n, xp, fp, iflag):
            kernel(carray(xp, (n,)), carray(ud, (2,)), carray(fp, (n,)))
            return 0

        @njit
        def cm_loop(fcn, rows, x, ier, nfev):
            K, n = x.shape
            fvec = np.empty(n)
            fjac = np.empty((n, n))
            lr = n * (n + 1) // 2
            r = np.empty(lr)
            qtf = np.empty(n)
            wa1, wa2, wa3, wa4 = (np.empty(n), np.empty(n), np.empty(n),
                                  np.empty(n))
            diag = np.ones(n)
            nfp = cm.ptr_from_val(np.int32(0))
            for k in range(K):
                out = cm.hybrd_(fcn, n, x[k], fvec, 1.49012e-8, 200 * (n + 1),
                                n - 1, n - 1, 2.220446049250313e-16, diag, 1,
                                100.0, 0, nfp, fjac, n, r, lr, qtf, wa1, wa2,
                                wa3, wa4, rows[k])
                nfev[k] = out[5]
                ier[k] = out[6]

        def run_cm():
            x = starts.copy()
            ier = np.zeros(count, np.int32)
            nfev = np.zeros(count, np.int32)
            began = time.thread_time()
            cm_loop(cm_func.address, data, x, ier, nfev)
            return time.thread_time() - began, (nfev, ier)
        run_cm()  # compile
        columns.append(("cminpack-numba hybrd_ loop", run_cm))
    for _, run in columns:
        run()  # warm up
    for _ in range(rounds):
        for name, run in columns:
            seconds, _ = run()
            timings.setdefault(name, []).append(seconds)
    _, result = run_ours(1)
    calls = {"pyminpack": int(result.nfev.sum()),
             "solved": int(result.success.sum())}
    if cm is not None:
        _, (cm_nfev, cm_ier) = run_cm()
        calls.update(cminpack=int(cm_nfev.sum()),
                     cminpack_solved=int((cm_ier == 1).sum()))
    print(f"## fsolve_batch: {count} systems of scipy's fsolve example, "
          f"compiled func (numba), best of {rounds} rounds (1 thread and "
          f"cminpack: CPU time of the thread; {cores} threads: wall "
          f"time)\n")
    head = "| " + " | ".join(name + " (systems/s)" for name, _ in columns)
    print(head + " | 1 thread / cminpack-numba (goal >= 1.0) |")
    print("|" + "---|" * (len(columns) + 1))
    rates = [count / min(timings[name]) for name, _ in columns]
    ratio = (f"{rates[0] / rates[2]:.2f}" if cm is not None else
             "cminpack-numba not installed")
    print("| " + " | ".join(f"{rate:,.0f}" for rate in rates)
          + f" | {ratio} |")
    print(f"\ncalls of func in all: pyminpack {calls['pyminpack']:,} "
          f"({calls['solved']:,} solved)"
          + (f", cminpack-numba {calls['cminpack']:,} "
             f"({calls['cminpack_solved']:,} solved)" if cm is not None
             else "")
          + ".  cminpack takes MINPACK's epsilon as DBL_EPSILON, not "
          "dpmpar's 2.22044604926e-16, so its paths differ slightly.\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", action="store_true")
    parser.add_argument("--batch", action="store_true")
    parser.add_argument("--count", type=int, default=100_000)
    options = parser.parse_args()
    both = not (options.calls or options.batch)
    if options.calls or both:
        per_call(blocks=7, seconds_per_block=0.3)
    if options.batch or both:
        batch(options.count, rounds=5)
    return 0


if __name__ == "__main__":
    sys.exit(main())
