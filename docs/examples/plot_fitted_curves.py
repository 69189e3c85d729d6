"""
Fitted curves over the data
===========================

Twelve noisy decays fitted at once with :func:`pyminpack.curve_fit_batch`,
each drawn with its data, its fitted curve and the fitted rate with its
standard error. The model is the one you would write for
:func:`pyminpack.curve_fit`: each parameter arrives as a column of the
curves being fitted, so numpy evaluates them all in one call, and curve k
gets exactly the bits ``curve_fit`` gives on curve k alone.

Needs matplotlib (``pip install matplotlib``) for the figure.
"""

import matplotlib.pyplot as plt
import numpy as np

from pyminpack import curve_fit, curve_fit_batch


def decay(t, amplitude, rate, baseline):
    return amplitude * np.exp(-rate * t) + baseline


rng = np.random.default_rng(2)
t = np.linspace(0.0, 5.0, 40)
K = 12
truth = np.column_stack([rng.uniform(1.0, 3.0, K), rng.uniform(0.4, 2.0, K),
                         rng.uniform(0.0, 0.5, K)])
noise = 0.08
y = decay(t, *truth.T[:, :, None]) + noise * rng.standard_normal((K, t.size))

popt, pcov, result = curve_fit_batch(decay, t, y, p0=[1.0, 1.0, 0.0],
                                     sigma=np.full(t.size, noise),
                                     absolute_sigma=True)
print(result)
errors = np.sqrt(np.diagonal(pcov, axis1=1, axis2=2))

# Curve 5 alone, with curve_fit: the same bits.
alone, _ = curve_fit(decay, t, y[5], p0=[1.0, 1.0, 0.0],
                     sigma=np.full(t.size, noise), absolute_sigma=True)
print("curve 5 alone, the same bits:", alone.tobytes() == popt[5].tobytes())

# %%
# Each panel: the data (points), the fitted curve (line) and the true rate.

fine = np.linspace(t[0], t[-1], 200)
fig, axes = plt.subplots(3, 4, figsize=(10, 6.5), sharex=True, sharey=True,
                         layout="constrained")
for k, ax in enumerate(axes.flat):
    ax.plot(t, y[k], ".", color="0.45", markersize=4, label="data")
    ax.plot(fine, decay(fine, *popt[k]), color="C3", linewidth=1.8,
            label="fit")
    ax.set_title(f"rate {popt[k, 1]:.2f} ± {errors[k, 1]:.2f}  "
                 f"(true {truth[k, 1]:.2f})", fontsize=9)
for ax in axes[-1]:
    ax.set_xlabel("t")
for ax in axes[:, 0]:
    ax.set_ylabel("y")
axes[0, 0].legend(fontsize=8)
fig.suptitle(f"{K} decays fitted in one curve_fit_batch call "
             f"(noise σ = {noise})")
plt.show()
