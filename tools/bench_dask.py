"""pyminpack.dask on a 2-process LocalCluster beside the machine's ceiling.

Fits per second of Gaussian-peak fits (50 points, 3 parameters), all in
one run so that the ratios compare like with like:

- the local batch, 1 and 2 threads (compiled) or 1 (vectorized);
- ``multiprocessing.Pool(2)``, each process running the local batch on
  half of the fits with data it makes itself: the most two processes can
  do, with nothing sent but the results;
- ``pyminpack.dask.leastsq_batch`` on ``LocalCluster(n_workers=2,
  threads_per_worker=1)``: data made on the workers (a lazy dask array)
  at two chunk sizes, and data sent from the client (numpy in);
- the anchors, at a smaller K: xarray's ``DataArray.curvefit`` (a scipy
  ``curve_fit`` per fit) in this process and on the same cluster, and
  astropy's ``parallel_fit_dask`` when astropy is installed.

The data of fit k depend on k alone (not on chunks or processes), so every
case fits the same curves; the cluster's results are checked against the
local batch's, bit for bit.  The pool and the cluster are started and
warmed up (numba compiled in every process) before they are timed.

    python tools/bench_dask.py            # 10**6 fits, about 17 minutes
    python tools/bench_dask.py --quick    # 10**5 fits, under a minute
    python tools/bench_dask.py --smoke    # 10**4 fits: CI's check that it runs
"""

import argparse
import math
import multiprocessing
import os
import sys
import time
import warnings

import numpy as np
from numba import carray

M = 50
T = np.linspace(0.0, 4.0, M)
X0 = np.array([1.0, 2.0, 0.5])     # a, mu, s


def make_curves(start, count):
    """Curves start .. start+count-1: y = a*exp(-((t-mu)/s)**2/2) + noise,
    a function of each fit's number k alone."""
    k = np.arange(start, start + count, dtype=np.float64)[:, None]
    golden, root2, root3 = 0.6180339887498949, 0.4142135623730951, \
        0.7320508075688772
    a = 1.0 + (k * golden) % 1.0
    mu = 1.5 + (k * root2) % 1.0
    s = 0.3 + 0.3 * ((k * root3) % 1.0)
    # A hash of (k, i) in [-1, 1): noise that no chunking changes.
    noise = 2.0 * ((np.sin(k * 12.9898 + np.arange(M) * 78.233)
                    * 43758.5453) % 1.0) - 1.0
    return np.ascontiguousarray(a * np.exp(-0.5 * ((T - mu) / s) ** 2)
                                + 0.02 * noise)


def gaussian_residuals(m, n, xp, fp, yp):
    # Compiled by a pyminpack.compiled.from_numba recipe in each process.
    x = carray(xp, (n,))
    f = carray(fp, (m,))
    y = carray(yp, (m,))
    for i in range(m):
        t = 4.0 * i / (m - 1)
        z = (t - x[1]) / x[2]
        f[i] = x[0] * math.exp(-0.5 * z * z) - y[i]
    return 0


def gaussian_vectorized(X, y):
    z = (T - X[:, 1:2]) / X[:, 2:3]
    return X[:, 0:1] * np.exp(-0.5 * z * z) - y


def gaussian_model(t, a, mu, s):
    """The model for curve fitters that take one (xarray, scipy)."""
    return a * np.exp(-0.5 * ((t - mu) / s) ** 2)


def _recipe():
    from pyminpack.compiled import from_numba
    return from_numba(gaussian_residuals)


RECIPE = None  # made once in each process that needs it


def local_fits(kind, start, count, threads=1):
    """The local batch on fits start..start+count-1, data made here;
    returns x (what a pool worker sends back)."""
    global RECIPE
    import pyminpack
    y = make_curves(start, count)
    if kind == "compiled":
        if RECIPE is None:
            RECIPE = _recipe()
        return pyminpack.leastsq_batch(RECIPE, X0, data=y, m=M,
                                       threads=threads).x
    return pyminpack.leastsq_batch(gaussian_vectorized, X0, data=y,
                                   vectorized=True).x


def _pool_task(job):
    return local_fits(*job)


def timed(function, *args):
    start = time.perf_counter()
    value = function(*args)
    return time.perf_counter() - start, value


def best(repeats, function, *args):
    times, value = [], None
    for _ in range(repeats):
        seconds, value = timed(function, *args)
        times.append(seconds)
    return min(times), value


def pool_run(pool, kind, count):
    half = count // 2
    parts = pool.map(_pool_task, [(kind, 0, half), (kind, half,
                                                    count - half)])
    return np.concatenate(parts)


def worker_made(count, chunk):
    """A lazy (count, M) dask array whose chunks the workers compute."""
    import dask
    import dask.array as da
    starts = range(0, count, chunk)
    blocks = [da.from_delayed(dask.delayed(make_curves, pure=True)(s, c),
                              shape=(c, M), dtype=np.float64,
                              meta=np.empty((0, 0)))
              for s, c in ((s, min(chunk, count - s)) for s in starts)]
    return da.concatenate(blocks)


def cluster_run(kind, count, chunk, source):
    """pyminpack.dask on the active client: data made on the workers in
    chunks of `chunk` fits (source 'workers'), or made here and sent
    (source 'client', chunked by `chunk`, which may be "auto")."""
    import pyminpack.dask as pmd
    func = RECIPE if kind == "compiled" else gaussian_vectorized
    options = dict(m=M) if kind == "compiled" else dict(vectorized=True)
    if source == "client":
        y = make_curves(0, count)  # made here (not timed), then sent
        start = time.perf_counter()
        x = pmd.leastsq_batch(func, X0, data=y, fits_per_chunk=chunk,
                              **options).x
        return time.perf_counter() - start, x
    start = time.perf_counter()
    lazy = pmd.leastsq_batch(func, X0, data=worker_made(count, chunk),
                             **options)
    x = lazy.x.compute()
    return time.perf_counter() - start, x


def xarray_curvefit(count, chunks=None):
    import xarray as xr
    curves = xr.DataArray(make_curves(0, count), dims=("fit", "t"),
                          coords={"t": T})
    if chunks:
        curves = curves.chunk({"fit": chunks})
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scipy's OptimizeWarning, if any
        fitted = curves.curvefit("t", gaussian_model,
                                 p0={"a": X0[0], "mu": X0[1], "s": X0[2]})
        fitted.curvefit_coefficients.values  # noqa: B018 (computes)
    return time.perf_counter() - start


def astropy_parallel_fit(count, scheduler):
    try:
        from astropy.modeling import fitting, models
        from astropy.modeling.fitting import parallel_fit_dask
    except ImportError:
        return None
    curves = make_curves(0, count)
    model = models.Gaussian1D(amplitude=X0[0], mean=X0[1], stddev=X0[2])
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parallel_fit_dask(data=curves, model=model,
                          fitter=fitting.LevMarLSQFitter(),
                          fitting_axes=1, world=(T,), scheduler=scheduler)
    return time.perf_counter() - start


def busy():
    """How busy the machine was (load average over a minute), since other
    people's work shares these cores."""
    return os.getloadavg()[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="10**5 fits, one round (under a minute)")
    parser.add_argument("--smoke", action="store_true",
                        help="10**4 fits, one round: that every case runs "
                             "(the figures mean little)")
    options = parser.parse_args()
    options.quick = options.quick or options.smoke
    count = 10_000 if options.smoke else (100_000 if options.quick
                                          else 1_000_000)
    anchor_count = (200 if options.smoke else
                    2_000 if options.quick else 10_000)
    repeats = 1 if options.quick else 2

    import dask
    import distributed

    global RECIPE
    RECIPE = _recipe()
    print(f"pyminpack.dask benchmark: Gaussian 50 points x 3 parameters, "
          f"{count:,} fits (anchors {anchor_count:,}); Python "
          f"{sys.version.split()[0]}, numpy {np.__version__}, dask "
          f"{dask.__version__}, {os.cpu_count()} CPUs; load "
          f"{busy():.1f} at the start")

    rows = []
    expected = {}
    for kind in ("compiled", "vectorized"):
        local_fits(kind, 0, 1_000)  # compile and warm up here
        seconds, expected[kind] = best(repeats, local_fits, kind, 0, count)
        rows.append((kind, "local batch, 1 thread", count, seconds))
        if kind == "compiled":
            seconds, _ = best(repeats, local_fits, kind, 0, count, 2)
            rows.append((kind, "local batch, 2 threads", count, seconds))

    context = multiprocessing.get_context("spawn")
    with context.Pool(2) as pool:
        for kind in ("compiled", "vectorized"):
            pool.map(_pool_task, [(kind, 0, 500)] * 2)  # warm up both
            seconds, x = best(repeats, pool_run, pool, kind, count)
            assert np.array_equal(x, expected[kind])
            rows.append((kind, "multiprocessing.Pool(2), the ceiling",
                         count, seconds))

    # distributed starts its workers with MALLOC_TRIM_THRESHOLD_=65536,
    # which also fixes glibc's mmap threshold at 128 KiB: every numpy
    # temporary of a vectorized model (k x 50 doubles) is then a fresh
    # mmap, faulted in page by page, and the vectorized batch runs at
    # about 0.45 of its speed.  MALLOC_MMAP_THRESHOLD_ set as well keeps
    # the trimming and the speed; the vectorized kind runs both ways.
    tuned = {"distributed.nanny.pre-spawn-environ.MALLOC_MMAP_THRESHOLD_":
             4 * 2**20}
    startup = None
    for label, config, kinds in (
            ("", {}, ("compiled", "vectorized")),
            (", MALLOC_MMAP_THRESHOLD_=4 MiB", tuned, ("vectorized",))):
        started = time.perf_counter()
        with dask.config.set(config), distributed.LocalCluster(
                n_workers=2, threads_per_worker=1, processes=True,
                host="127.0.0.1", dashboard_address=None,
                scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
                silence_logs=40) as cluster, distributed.Client(cluster):
            startup = startup or time.perf_counter() - started
            for kind in kinds:
                cluster_run(kind, 4_000, 1_000, "workers")  # warm up
                cases = [("workers", count // 8), ("workers", count // 50),
                         ("client", "auto")]
                if options.quick and kind == "vectorized":
                    del cases[1]  # to stay under a minute
                for source, chunk in cases:
                    times = []
                    for _ in range(repeats):
                        seconds, x = cluster_run(kind, count, chunk, source)
                        times.append(seconds)
                        assert np.array_equal(x, expected[kind]), (kind,
                                                                   chunk)
                    made = ("made on the workers" if source == "workers"
                            else "from the client")
                    size = chunk if chunk == "auto" else f"{chunk:,}"
                    rows.append((kind, f"LocalCluster 2x1{label}, data "
                                 f"{made}, {size} fits/chunk", count,
                                 min(times)))
            if config:
                seconds, _ = cluster_run("vectorized", anchor_count, "auto",
                                         "client")
                rows.append(("vectorized", f"LocalCluster 2x1{label}, data "
                             f"from the client, auto (anchor size)",
                             anchor_count, seconds))
                continue
            seconds = min(xarray_curvefit(anchor_count, anchor_count // 8)
                          for _ in range(repeats))
            rows.append(("anchor", "xarray curvefit on the LocalCluster",
                         anchor_count, seconds))
            if not options.quick:  # 10 s or more at any size
                seconds = astropy_parallel_fit(anchor_count, "default")
                if seconds is not None:
                    rows.append(("anchor", "astropy parallel_fit_dask on "
                                 "the LocalCluster", anchor_count, seconds))
    xarray_local = min(xarray_curvefit(anchor_count) for _ in range(repeats))
    rows.append(("anchor", "xarray curvefit, numpy, this process",
                 anchor_count, xarray_local))

    print(f"LocalCluster started in {startup:.2f} s (not in the times); "
          f"load {busy():.1f} at the end (other work on these 2 cores "
          f"lowers every figure)\n")
    print("| kind | case | fits | seconds | fits/s |")
    print("|---|---|---:|---:|---:|")
    rate = {}
    for kind, what, fits, seconds in rows:
        rate[(kind, what)] = fits / seconds
        print(f"| {kind} | {what} | {fits:,} | {seconds:.2f} | "
              f"{fits / seconds / 1000:.1f}k |")

    def ratio(kind, numerator, denominator):
        return rate[(kind, numerator)] / rate[(kind, denominator)]
    ceiling = "multiprocessing.Pool(2), the ceiling"
    print()
    for kind, goal, tuned_too in (("compiled", 0.9, False),
                                  ("vectorized", 0.7, True)):
        for tuned_rows in ((False, True) if tuned_too else (False,)):
            best_cluster = max(
                value for (k, what), value in rate.items()
                if k == kind and what.startswith("LocalCluster")
                and "anchor size" not in what
                and ("MALLOC" in what) == tuned_rows)
            setting = (", MALLOC_MMAP_THRESHOLD_ set" if tuned_rows
                       else ", distributed's defaults")
            print(f"{kind}: best LocalCluster{setting} / Pool(2) = "
                  f"{best_cluster / rate[(kind, ceiling)]:.2f} (goal >= "
                  f"{goal}); Pool(2) / local 1 thread = "
                  f"{ratio(kind, ceiling, 'local batch, 1 thread'):.2f}")
    xarray_rate = rate[("anchor", "xarray curvefit on the LocalCluster")]
    small = rate[("vectorized", "LocalCluster 2x1, MALLOC_MMAP_THRESHOLD_=4 "
                  "MiB, data from the client, auto (anchor size)")]
    large = rate[("compiled", f"LocalCluster 2x1, data made on the "
                  f"workers, {count // 8:,} fits/chunk")]
    print(f"pyminpack.dask / xarray curvefit on the same cluster: "
          f"{small / xarray_rate:.1f} (vectorized, {anchor_count:,} fits), "
          f"{large / xarray_rate:.0f} (compiled, {count:,} fits); goal >= 10")
    print("every LocalCluster and Pool result equalled the local batch's, "
          "bit for bit")


if __name__ == "__main__":
    main()
