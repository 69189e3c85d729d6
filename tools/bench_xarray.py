"""pyminpack.xarray.curvefit beside xarray's own curvefit, on one cube.

A (y, x, v) DataArray of 50-channel Gaussian spectra (a few empty pixels,
a few NaN channels), fitted pixel by pixel with the same call:

- in this process, numpy-backed: xarray's ``DataArray.curvefit`` (one
  scipy ``curve_fit`` per pixel) and ``pyminpack.xarray.curvefit`` (one
  ``curve_fit_batch``), on the same object;
- dask-backed, chunked along y: pyminpack on ``LocalCluster(n_workers=1)``
  and ``LocalCluster(n_workers=2)`` (one thread per worker), and xarray's
  curvefit on the 2-worker cluster.

Fits per second, and the ratios the spec asks for (pyminpack / xarray in
one process: target 20; 2 workers / 1 worker: target 1.6).  The
coefficients of every pixel both fit are checked to be bit for bit the
same (xarray runs scipy's curve_fit, the same Fortran when scipy is
1.14.1).  xarray's curvefit is slow: ``--anchor`` pixels (a leading block
of rows of the same cube) time it when the whole cube would take too long;
the table says which.

    python tools/bench_xarray.py                 # 100,000 pixels
    python tools/bench_xarray.py --pixels 20000  # a smaller cube
    python tools/bench_xarray.py --quick         # CI's smoke run
    python tools/bench_xarray.py --real          # also the issue's real cube

``--real`` adds the real cube of tools/real_cube.py (pyspeckit's HCN map,
246 channels x 37 x 47 pixels, 410 empty; its model, a Gaussian over a
baseline, and its per-pixel starts as DataArrays), both ways, unweighted
(xarray's curvefit passes one sigma to every pixel's curve_fit).
"""

import argparse
import time
import warnings

import numpy as np
import xarray as xr

import pyminpack
import pyminpack.xarray  # noqa: F401  (registers .minpack)

M = 50
V = np.linspace(-5.0, 5.0, M)
P0 = {"a": 1.0, "mu": 0.0, "s": 1.0}


def gaussian(v, a, mu, s):
    return a * np.exp(-0.5 * ((v - mu) / s) ** 2)


def make_cube(pixels, seed=22):
    """About `pixels` spectra as a (y, x, v) DataArray, x 100 wide."""
    nx = min(100, pixels)
    ny = max(1, pixels // nx)
    rng = np.random.default_rng(seed)
    a = 1.0 + rng.random((ny, nx, 1))
    mu = rng.random((ny, nx, 1)) - 0.5
    s = 0.6 + 0.8 * rng.random((ny, nx, 1))
    data = a * np.exp(-0.5 * ((V - mu) / s) ** 2) + \
        0.05 * rng.standard_normal((ny, nx, M))
    data[::37, ::11] = np.nan                     # empty pixels
    data[::5, ::3, 7] = np.nan                    # bad channels here and there
    return xr.DataArray(data, dims=("y", "x", "v"),
                        coords={"y": np.arange(ny), "x": np.arange(nx),
                                "v": V}, name="flux")


def timed(call):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start = time.perf_counter()
        result = call()
        return result, time.perf_counter() - start


def fits(cube):
    return cube.sizes["y"] * cube.sizes["x"]


def local(cube, anchor_rows):
    anchor = cube.isel(y=slice(0, anchor_rows))
    theirs, t_theirs = timed(lambda: anchor.curvefit("v", gaussian, p0=P0))
    ours, t_ours = timed(lambda: pyminpack.xarray.curvefit(cube, "v",
                                                           gaussian, p0=P0))
    mine = ours.curvefit_coefficients.isel(y=slice(0, anchor_rows)).values
    same = mine.tobytes() == theirs.curvefit_coefficients.values.tobytes()
    return (fits(anchor) / t_theirs, fits(anchor), fits(cube) / t_ours,
            fits(cube), same)


def on_cluster(cube, workers, chunk_rows, call):
    from distributed import Client, LocalCluster
    with LocalCluster(n_workers=workers, threads_per_worker=1,
                      processes=True, dashboard_address=None) as cluster, \
            Client(cluster):
        chunked = cube.chunk({"y": chunk_rows})
        # Warm up: imports and first calls in every worker.
        timed(lambda: call(chunked.isel(y=slice(0, 2 * chunk_rows)))
              .compute())
        result, seconds = timed(lambda: call(chunked).compute())
        return result, fits(cube) / seconds


def real(anchor_rows=None):
    """The real cube as a (v, y, x) DataArray, both ways in one process."""
    import real_cube
    velocity, cube, _ = real_cube.load()
    velocity, cube = velocity[real_cube.CHANNELS], cube[real_cube.CHANNELS]
    starts = real_cube.starts(velocity, cube)
    array = xr.DataArray(cube, dims=("v", "y", "x"), coords={"v": velocity})
    names = ("amplitude", "center", "width", "baseline")
    p0 = {name: xr.DataArray(np.nan_to_num(starts[..., i], nan=1.0),
                             dims=("y", "x"))
          for i, name in enumerate(names)}
    pixels = cube.shape[1] * cube.shape[2]
    theirs, t_theirs = timed(lambda: array.curvefit(
        "v", real_cube.gaussian, p0=p0, errors="ignore"))
    ours, t_ours = timed(lambda: pyminpack.xarray.curvefit(
        array, "v", real_cube.gaussian, p0=p0, errors="ignore"))
    same = (ours.curvefit_coefficients.values.tobytes()
            == theirs.curvefit_coefficients.values.tobytes())
    print(f"\nthe real cube ({real_cube.describe()}): {pixels} pixels of "
          f"{cube.shape[0]} channels              fits/s")
    print(f"  xarray curvefit                  {pixels / t_theirs:12.0f}")
    print(f"  pyminpack.xarray                 {pixels / t_ours:12.0f}")
    print(f"  ratio: {t_theirs / t_ours:.1f}x; coefficients bit for bit the "
          f"same: {same}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pixels", type=int, default=100_000)
    parser.add_argument("--anchor", type=int, default=None,
                        help="pixels for xarray's own curvefit (default: "
                             "the whole cube)")
    parser.add_argument("--quick", action="store_true",
                        help="2,000 pixels, 400 for the anchors")
    parser.add_argument("--no-dask", action="store_true")
    parser.add_argument("--real", action="store_true",
                        help="also the real cube of tools/real_cube.py")
    args = parser.parse_args()
    if args.quick:
        args.pixels, args.anchor = 2_000, 400
    cube = make_cube(args.pixels)
    nx = cube.sizes["x"]
    anchor_rows = max(1, (args.anchor or fits(cube)) // nx)
    print(f"cube: {cube.sizes['y']} x {nx} pixels of {M} channels "
          f"({fits(cube)} fits); xarray {xr.__version__}, pyminpack "
          f"{pyminpack.__version__}")

    xr_rate, xr_fits, pm_rate, pm_fits, same = local(cube, anchor_rows)
    print("\nin one process, numpy-backed                 fits/s")
    print(f"  xarray curvefit ({xr_fits} pixels)   {xr_rate:12.0f}")
    print(f"  pyminpack.xarray ({pm_fits} pixels)  {pm_rate:12.0f}")
    print(f"  ratio: {pm_rate / xr_rate:.1f}x (target 20x); coefficients "
          f"bit for bit the same on the {xr_fits} pixels both fit: {same}")
    if not same:
        raise SystemExit("the coefficients differ from xarray's")
    if args.real:
        real()
    if args.no_dask:
        return

    rows = max(1, cube.sizes["y"] // 16)   # 16 chunks: 8 per worker
    call = lambda c: pyminpack.xarray.curvefit(c, "v", gaussian,  # noqa
                                               p0=P0)
    one, rate_1 = on_cluster(cube, 1, rows, call)
    two, rate_2 = on_cluster(cube, 2, rows, call)
    anchor = cube.isel(y=slice(0, anchor_rows))
    theirs, xr_rate_2 = on_cluster(
        anchor, 2, max(1, anchor_rows // 8),
        lambda c: c.curvefit("v", gaussian, p0=P0))
    same = (one.curvefit_coefficients.values.tobytes()
            == two.curvefit_coefficients.values.tobytes())
    print(f"\ndask-backed ({rows} rows a chunk), LocalCluster, 1 thread a "
          f"worker                fits/s")
    print(f"  pyminpack.xarray, 1 worker               {rate_1:12.0f}")
    print(f"  pyminpack.xarray, 2 workers              {rate_2:12.0f}")
    print(f"  xarray curvefit, 2 workers ({fits(anchor)} pixels) "
          f"{xr_rate_2:10.0f}")
    print(f"  2 workers / 1 worker: {rate_2 / rate_1:.2f}x (target 1.6x); "
          f"pyminpack / xarray on 2 workers: {rate_2 / xr_rate_2:.1f}x; "
          f"1 and 2 workers bit for bit the same: {same}")
    if not same:
        raise SystemExit("the cluster's results depend on the workers")


if __name__ == "__main__":
    main()
