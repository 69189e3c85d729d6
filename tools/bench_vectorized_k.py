#!/usr/bin/env python3
"""The vectorized kind's time per fit at K = 2,000 against K = 100,000.

bench_batch.py's problems (decay 50x3, Gaussian 50x4, lmdif and lmder, the
same data and models), timed by the process's CPU time (best of 7 rounds at
2,000 fits, of 2 at 100,000): on a shared machine other processes make wall
time meaningless, but not the CPU this process uses.  A small batch should
cost no more per fit than a large one (target: within 1.2x).

    python tools/bench_vectorized_k.py      # about 30 s of CPU

No timed assertions: it only reports.
"""

import os
import pathlib
import sys
import time

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).parent))
import bench_batch  # noqa: E402

from pyminpack import _batch  # noqa: E402

SMALL, LARGE = 2000, 100_000


def cpu_per_fit(function, count, rounds):
    best = None
    for _ in range(rounds):
        start = time.process_time()
        function()
        spent = time.process_time() - start
        best = spent if best is None else min(best, spent)
    return best / count


def main():
    print(f"{_batch._VECTORIZED_SLOTS} fits in flight; CPU us per fit; load "
          f"average {os.getloadavg()[0]:.1f}\n")
    print(f"| case | K = {SMALL:,} | K = {LARGE:,} | ratio (target <= 1.2) "
          f"| load |")
    print("|---|---:|---:|---:|---:|")
    for model in bench_batch.models():
        rows, x0 = model.generate(LARGE, seed=20240601)
        y = np.ascontiguousarray(rows[:, bench_batch.M:])
        for method in ("lmdif", "lmder"):
            per_fit = {}
            for count, rounds in ((SMALL, 7), (LARGE, 2)):
                starts = x0[:count] if x0.ndim == 2 else x0
                per_fit[count] = cpu_per_fit(
                    lambda: bench_batch.vectorized_batch(
                        model, method, y[:count], starts), count, rounds)
            ratio = per_fit[SMALL] / per_fit[LARGE]
            print(f"| {model.name} {method} | {per_fit[SMALL] * 1e6:.1f} | "
                  f"{per_fit[LARGE] * 1e6:.1f} | {ratio:.2f} | "
                  f"{os.getloadavg()[0]:.1f} |", flush=True)


if __name__ == "__main__":
    main()
