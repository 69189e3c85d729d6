"""
A map of a fitted parameter from a cube
=======================================

A spectral-line cube, as a radio telescope delivers one: 64 velocity
channels over a 60 x 80 pixel map of a rotating disc, with noise that
varies across the map and no data outside the observed field. Every
pixel's spectrum is fitted with a Gaussian in one
:func:`pyminpack.curve_fit_batch` call, with per-pixel starts taken from
each spectrum's peak and per-pixel noise; the fitted line centre is the
disc's velocity field.
"""

import matplotlib.pyplot as plt
import numpy as np

from pyminpack import curve_fit_batch

rng = np.random.default_rng(11)
velocity = np.linspace(-250.0, 250.0, 64)                 # channels, km/s
ny, nx = 60, 80
yy, xx = np.mgrid[0:ny, 0:nx].astype(float)

# A thin disc, inclined and rotating with a flat rotation curve.
dx, dy = xx - 40.0, (yy - 30.0) / np.cos(np.radians(55.0))
radius = np.hypot(dx, dy)
cos_phi = dx / np.maximum(radius, 1e-9)
v_true = 200.0 * np.sin(np.radians(55.0)) * cos_phi * (1 - np.exp(-radius / 4.0))
height_true = 1.5 * np.exp(-radius / 18.0)
width_true = 25.0 + 15.0 * np.exp(-radius / 6.0)
rms = 0.04 + 0.04 * (xx / nx)                            # noisier to the east

cube = (height_true * np.exp(-(velocity[:, None, None] - v_true) ** 2
                             / (2 * width_true ** 2))
        + rms * rng.standard_normal((velocity.size, ny, nx)))
observed = np.hypot(xx - 40.0, yy - 30.0) < 29.0         # the field of view
cube[:, ~observed] = np.nan


def gaussian(v, height, centre, width):
    return height * np.exp(-(v - centre) ** 2 / (2 * width ** 2))


# One row per observed pixel: (K, 64) spectra, their noise and starts. A
# pixel whose brightest channel is below 4 times its noise has no line to
# fit (its covariance could not be estimated): it is left out of the map.
detected = observed & (np.nanmax(cube, axis=0) > 4 * rms)
observed = detected
spectra = cube[:, observed].T
peak = spectra.argmax(axis=1)
p0 = np.column_stack([spectra.max(axis=1), velocity[peak],
                      np.full(len(spectra), 30.0)])
sigma = np.repeat(rms[observed][:, None], velocity.size, axis=1)

popt, pcov, result = curve_fit_batch(gaussian, velocity, spectra, p0,
                                     sigma=sigma, absolute_sigma=True)
print(result)

# Back onto the map; NaN outside the field and where a fit did not converge.
centre_map = np.full((ny, nx), np.nan)
error_map = np.full((ny, nx), np.nan)
good = result.success
centre_map[observed] = np.where(good, popt[:, 1], np.nan)
error_map[observed] = np.where(
    good, np.sqrt(np.abs(pcov[:, 1, 1])), np.nan)
bright = observed & (height_true > 0.3)
print("median |fitted - true| centre where the line is bright: "
      f"{np.nanmedian(np.abs(centre_map - v_true)[bright]):.2f} km/s")

# %%
# The fitted line centre (the velocity field) and its standard error.

fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4), layout="constrained")
image = left.imshow(centre_map, origin="lower", cmap="RdBu_r",
                    vmin=-170, vmax=170)
fig.colorbar(image, ax=left, label="fitted line centre (km/s)")
left.set_title("Velocity field: each pixel's fitted centre")
image = right.imshow(error_map, origin="lower", cmap="magma",
                     vmax=np.nanpercentile(error_map, 98))
fig.colorbar(image, ax=right, label="standard error (km/s)")
right.set_title("Its standard error: small where the line is bright")
for ax in (left, right):
    ax.set_xlabel("x (pixel)")
    ax.set_ylabel("y (pixel)")
plt.show()

# %%
# Three spectra with their fits: the centre, half way out, and the edge.

fig, axes = plt.subplots(1, 3, figsize=(10, 3), sharey=True,
                         layout="constrained")
fine = np.linspace(velocity[0], velocity[-1], 400)
for ax, (j, i) in zip(axes, [(30, 40), (30, 55), (30, 66)]):
    k = np.flatnonzero(observed.ravel()).searchsorted(j * nx + i)
    ax.plot(velocity, cube[:, j, i], ".", color="0.45", markersize=4,
            label="spectrum")
    ax.plot(fine, gaussian(fine, *popt[k]), color="C3", label="fit")
    ax.set_title(f"pixel (y={j}, x={i}): centre {popt[k, 1]:.0f} km/s",
                 fontsize=9)
    ax.set_xlabel("velocity (km/s)")
axes[0].set_ylabel("brightness")
axes[0].legend(fontsize=8)
plt.show()
