"""
Throughput against scipy
========================

How many Gaussian peaks (50 points, 4 parameters) per second
``scipy.optimize.curve_fit`` fits in a loop, :func:`pyminpack.curve_fit` in
the same loop, and :func:`pyminpack.curve_fit_batch` on all the curves at
once, with the same model function and the same data. This is a small
measurement made by this example on the machine that runs it (for this
page: the machine that built the documentation, which may be busy with
other work), best of three rounds taken in turns; the ratios, not the
absolute rates, are what carries over to another machine.
:doc:`/guide/performance` has the full benchmarks.

Needs scipy and matplotlib (``pip install scipy matplotlib``).
"""

import os
import time

import matplotlib.pyplot as plt
import numpy as np
import scipy
import scipy.optimize

import pyminpack


def peak(x, height, centre, width, baseline):
    return height * np.exp(-(x - centre) ** 2 / (2 * width ** 2)) + baseline


rng = np.random.default_rng(0)
x = np.linspace(-3.0, 3.0, 50)
K = 2000
truth = np.column_stack([1 + rng.random(K), rng.uniform(-1, 1, K),
                         0.5 + 0.5 * rng.random(K), 0.2 * rng.random(K)])
y = peak(x, *truth.T[:, :, None]) + 0.03 * rng.standard_normal((K, x.size))
p0 = [1.0, 0.0, 1.0, 0.0]
LOOP = 150                      # curves per round for the one-by-one loops


def scipy_loop():
    for k in range(LOOP):
        scipy.optimize.curve_fit(peak, x, y[k], p0=p0)
    return LOOP


def pyminpack_loop():
    for k in range(LOOP):
        pyminpack.curve_fit(peak, x, y[k], p0=p0)
    return LOOP


def pyminpack_batch():
    pyminpack.curve_fit_batch(peak, x, y, p0=p0)
    return K


contenders = {
    f"scipy {scipy.__version__}\ncurve_fit, a loop of {LOOP}": scipy_loop,
    f"pyminpack\ncurve_fit, a loop of {LOOP}": pyminpack_loop,
    f"pyminpack\ncurve_fit_batch, {K:,} curves": pyminpack_batch,
}
best = dict.fromkeys(contenders, 0.0)
for _ in range(3):                          # rounds taken in turns
    for name, run in contenders.items():
        start = time.perf_counter()
        fits = run()
        best[name] = max(best[name], fits / (time.perf_counter() - start))

anchor = best[next(iter(best))]
for name, rate in best.items():
    print(f"{name.replace(chr(10), ': '):45s} {rate:9,.0f} fits/s "
          f"({rate / anchor:.1f} x scipy)")

# %%
# Fits per second, best of three rounds (higher is better).

fig, ax = plt.subplots(figsize=(9, 3.4), layout="constrained")
names = list(best)
rates = [best[name] for name in names]
bars = ax.barh(names, rates, color=["0.6", "C0", "C3"])
ax.invert_yaxis()
for bar, rate in zip(bars, rates):
    ax.text(bar.get_width(), bar.get_y() + bar.get_height() / 2,
            f"  {rate:,.0f} fits/s ({rate / anchor:.1f}x)", va="center",
            fontsize=9)
ax.set_xlim(0, max(rates) * 1.35)
ax.set_xlabel("Gaussian fits per second (50 points, 4 parameters)")
ax.set_title(f"Measured where this page was built: {os.cpu_count()} CPUs, "
             "one process, best of 3 rounds", fontsize=10)
plt.show()
