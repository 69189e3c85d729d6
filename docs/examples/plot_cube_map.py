"""
A map of a fitted parameter from a cube
=======================================

A spectral-line cube, as a radio telescope delivers one: 64 velocity
channels over a 60 x 80 pixel map of a rotating disc, with noise that
varies across the map and no data outside the observed field. The
cube goes to :func:`pyminpack.curve_fit_batch` as it comes (``axis=0``:
the spectra lie along the first axis), with the noise map as ``sigma`` and
per-pixel starts taken from each spectrum's peak; every pixel gets a
Gaussian fit, ``curve_fit``'s on that spectrum to the bit, and the results
come back as maps. The fitted line centre is the disc's velocity field.

Needs matplotlib (``pip install matplotlib``) for the maps.
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


# Per-pixel starts from each spectrum's peak, (ny, nx, 3); NaN marks the
# pixels to skip: outside the field, and where the brightest channel is
# below 4 times the noise (no line to fit there).
filled = np.where(np.isnan(cube), -np.inf, cube)
p0 = np.stack([filled.max(axis=0), velocity[filled.argmax(axis=0)],
               np.full((ny, nx), 30.0)], axis=-1)
p0[~observed | (filled.max(axis=0) < 4 * rms)] = np.nan

# The cube as it comes: the spectra along axis 0, the noise map as sigma.
popt, pcov, result = curve_fit_batch(gaussian, velocity, cube, p0,
                                     sigma=rms, absolute_sigma=True,
                                     axis=0, nan_policy="omit")
print(result)
print(popt.shape, result.perr.shape)       # (60, 80, 3) twice: the map's shape
print("pixel (0, 0):", result.message((0, 0)))

# NaN where a pixel was not fitted or did not converge.
centre_map = np.where(result.success, popt[..., 1], np.nan)
error_map = np.where(result.success, result.perr[..., 1], np.nan)
bright = height_true > 0.3
print("median |fitted - true| centre where the line is bright: "
      f"{np.nanmedian(np.abs(centre_map - v_true)[bright]):.2f} km/s")

# %%
# The fitted line centre (the velocity field) and its standard error.

fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4), layout="constrained")
image = left.imshow(centre_map, origin="lower", cmap="RdBu_r",
                    vmin=-170, vmax=170)
fig.colorbar(image, ax=left, label="fitted line centre (km/s)")
left.set_title("Velocity field: each pixel's fitted line centre", fontsize=10)
image = right.imshow(error_map, origin="lower", cmap="magma",
                     vmax=np.nanpercentile(error_map, 98))
fig.colorbar(image, ax=right, label="standard error (km/s)")
right.set_title("Its standard error, smallest where the line is bright", fontsize=10)
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
    ax.plot(velocity, cube[:, j, i], ".", color="0.45", markersize=4,
            label="spectrum")
    ax.plot(fine, gaussian(fine, *popt[j, i]), color="C3", label="fit")
    ax.set_title(f"pixel (y={j}, x={i}): centre {popt[j, i, 1]:.0f} km/s",
                 fontsize=9)
    ax.set_xlabel("velocity (km/s)")
axes[0].set_ylabel("brightness")
axes[0].legend(fontsize=8)
plt.show()
