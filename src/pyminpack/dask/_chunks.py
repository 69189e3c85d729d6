"""How ``pyminpack.dask`` splits K fits into chunks along the fit axis.

The ``fits_per_chunk="auto"`` rule, for inputs given as numpy arrays (a
dask input keeps its own chunks):

1. a few chunks per worker thread of the active scheduler
   (``CHUNKS_PER_THREAD``), so that a slow worker or a late chunk does not
   leave the others idle at the end, and transfers overlap computing;
2. but at least ``MIN_FITS`` fits (about 0.1 s of work, by the batch's
   measured speed for that kind of func), so that Dask's cost per task, a
   few milliseconds, stays small beside the task;
3. and at most ``MAX_CHUNK_BYTES`` of per-fit inputs and results in one
   chunk, which wins over 2: a worker holds a few chunks at once.
"""

import math
import os

import dask
import dask.base
import dask.local

__all__ = ["CHUNKS_PER_THREAD", "MIN_FITS", "MAX_CHUNK_BYTES",
           "auto_fits_per_chunk", "scheduler_threads", "fit_axis_chunks"]

CHUNKS_PER_THREAD = 4
# About 0.1 s of fits for one thread: compiled and vectorized batches do
# 40-90k fits/s on small problems (docs/guide/performance.md), a plain Python
# batch 4-10k.
MIN_FITS = {"compiled": 5_000, "vectorized": 5_000, "python": 500}
MAX_CHUNK_BYTES = 64 * 2**20


def scheduler_threads():
    """The number of threads the active Dask scheduler runs tasks on."""
    get = dask.base.get_scheduler()
    client = getattr(get, "__self__", None)
    nthreads = getattr(client, "nthreads", None)
    if callable(nthreads):  # a distributed Client: its workers' threads
        return max(1, sum(nthreads().values()))
    if get is dask.local.get_sync:
        return 1
    return dask.config.get("num_workers", None) or os.cpu_count() or 1


def auto_fits_per_chunk(count, bytes_per_fit, kind, threads):
    """Fits per chunk by the module's rule, for `count` fits of `kind`
    ('compiled', 'vectorized' or 'python') on `threads` threads."""
    if count == 0:
        return 1
    fits = math.ceil(count / (CHUNKS_PER_THREAD * threads))
    fits = max(fits, MIN_FITS[kind])
    fits = min(fits, max(1, MAX_CHUNK_BYTES // max(1, bytes_per_fit)))
    return min(fits, count)


def fit_axis_chunks(count, fits_per_chunk):
    """The chunk sizes of `count` fits, `fits_per_chunk` each (the last
    one smaller); one empty chunk for no fits."""
    if count == 0:
        return (0,)
    full, rest = divmod(count, fits_per_chunk)
    return (fits_per_chunk,) * full + ((rest,) if rest else ())
