#!/usr/bin/env python3
"""The vectorized kind on a real cube: its long fits' tail, and two threads.

The cube is tools/real_cube.py's (pyspeckit's HCN map: 1,329 spectra of 246
channels, a Gaussian over a baseline, sigma from the rms map), fitted with
``curve_fit_batch`` and a plain numpy model, in one process:

- the tail: CPU time of the batch, and how much of it goes to calls of the
  model that evaluate 8 curves or fewer (the few fits still running when
  the others have finished), measured per call with the calling thread's
  CPU clock, which other processes on a shared machine do not advance;
- two threads: the cube in two halves, each a batch of its own in a Python
  thread (each its own scheduler; numpy's ufunc loops and MINPACK run
  without the GIL), against the whole cube in one batch, wall time, best
  rounds taking turns; the results are checked to be the same bits.  The
  load average and the process's CPU over wall time are printed beside:
  below 2 the threads did not have two cores.

    python tools/bench_vectorized_cube.py [--rounds N]

No timed assertions: it only reports.
"""

import argparse
import os
import pathlib
import sys
import threading
import time
import warnings

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).parent))
import real_cube  # noqa: E402

import pyminpack  # noqa: E402
from pyminpack import _batch  # noqa: E402

TAIL = 8  # a call of the model on this many curves or fewer is the tail


def fit(velocity, ydata, sigma, p0, model=real_cube.gaussian):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pyminpack.curve_fit_batch(model, velocity, ydata, p0=p0,
                                         sigma=sigma)[0]


def tail(cube, rounds):
    """(CPU s of the batch, [(curves, CPU s) per call of the model]) of the
    round with the least CPU."""
    best = None
    for _ in range(rounds):
        calls = []

        def model(v, *params):
            start = time.thread_time()
            values = real_cube.gaussian(v, *params)
            calls.append((np.shape(params[0])[0], time.thread_time() - start))
            return values
        start = time.process_time()
        fit(*cube, model=model)
        cpu = time.process_time() - start
        if best is None or cpu < best[0]:
            best = (cpu, calls)
    return best


def threads(cube, rounds):
    velocity, ydata, sigma, p0 = cube
    half = len(ydata) // 2

    def one():
        return fit(*cube)

    def two():
        parts = [None, None]

        def run(i, rows):
            parts[i] = fit(velocity, ydata[rows], sigma[rows], p0[rows])
        workers = [threading.Thread(target=run, args=(i, rows)) for i, rows
                   in enumerate((slice(0, half), slice(half, None)))]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        return np.concatenate(parts)
    same = one().tobytes() == two().tobytes()
    best = {}
    for _ in range(rounds):
        for key, function in (("1", one), ("2", two)):
            wall, cpu = time.perf_counter(), time.process_time()
            function()
            wall = time.perf_counter() - wall
            cpu = time.process_time() - cpu
            if key not in best or wall < best[key][0]:
                best[key] = (wall, cpu, os.getloadavg()[0])
    return best, same


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    options = parser.parse_args(argv)
    velocity, ydata, sigma, p0, _ = real_cube.curves()
    cube = (velocity, ydata, np.repeat(sigma[:, None], ydata.shape[1], 1),
            p0)
    print(f"{real_cube.describe()}: {len(ydata):,} spectra x "
          f"{ydata.shape[1]} channels; {_batch._VECTORIZED_SLOTS} fits in "
          f"flight; load average {os.getloadavg()[0]:.1f}\n")
    cpu, calls = tail(cube, options.rounds)
    curves = np.array([c for c, _ in calls])
    seconds = np.array([s for _, s in calls])
    small = curves <= TAIL
    print(f"Tail: batch CPU {cpu * 1e3:.0f} ms ({cpu / len(ydata) * 1e6:.0f} "
          f"us per fit); {len(calls):,} calls of the model, "
          f"{small.mean():.0%} of them on <= {TAIL} curves, taking "
          f"{seconds[small].sum() * 1e3:.1f} ms of the model's "
          f"{seconds.sum() * 1e3:.0f} ms ({seconds[small].sum() / cpu:.1%} "
          f"of the batch's CPU; {seconds[small].mean() * 1e6:.0f} us a "
          f"call there, {seconds[~small].sum() / curves[~small].sum() * 1e6:.2f}"
          f" us a curve in the larger calls); load average "
          f"{os.getloadavg()[0]:.1f}\n")
    best, same = threads(cube, options.rounds)
    (wall1, cpu1, load1), (wall2, cpu2, load2) = best["1"], best["2"]
    print(f"Threads: 1 batch {wall1 * 1e3:.0f} ms wall (CPU/wall "
          f"{cpu1 / wall1:.2f}, load {load1:.1f}); 2 halves in 2 threads "
          f"{wall2 * 1e3:.0f} ms wall (CPU/wall {cpu2 / wall2:.2f}, load "
          f"{load2:.1f}); speed-up {wall1 / wall2:.2f} (the same bits: "
          f"{same})")


if __name__ == "__main__":
    main()
