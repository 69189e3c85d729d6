"""Building the Dask graph of a batch: per-fit inputs chunked along the fit
axis, one key for what the chunks share, one task per chunk."""

import operator
import uuid

import dask
import dask.array as da
import numpy as np
from dask.highlevelgraph import HighLevelGraph

from .. import _bounds
from ._chunks import auto_fits_per_chunk, fit_axis_chunks, scheduler_threads

__all__ = ["is_dask", "check_known_shape", "fit_chunks", "active_client",
           "along_fits", "apply_per_chunk", "bounds_inputs",
           "check_start_feasible"]


def is_dask(obj):
    return isinstance(obj, da.Array)


def check_known_shape(array, name, who):
    if any(np.isnan(size) for size in array.shape):
        raise ValueError(f"{who}: {name} has unknown chunk sizes "
                         f"{array.shape}; call compute_chunk_sizes() on it "
                         f"first")


def bounds_inputs(bounds, count, n, who, unit="fit"):
    """``bounds=`` of a Dask batch as ``(shared, per_fit)``: `shared` is
    None or the checked (lb, ub) of shape (n,) that every chunk gets;
    `per_fit` is [] or [lb, ub] with K rows, chunked with the fits.  numpy
    bounds are checked now, as the local batch checks them; dask arrays
    (per-fit bounds computed elsewhere) by each chunk's local batch."""
    if bounds is None:
        return None, []
    if hasattr(bounds, "lb") and hasattr(bounds, "ub"):
        sides = (bounds.lb, bounds.ub)
    else:
        sides = bounds
    if isinstance(sides, tuple) and len(sides) == 2 and any(
            is_dask(side) for side in sides):
        out = []
        for name, side in zip(("lower", "upper"), sides):
            if not is_dask(side):
                side = np.array(np.broadcast_to(
                    np.asarray(side, dtype=np.float64), (count, n)))
            check_known_shape(side, f"the {name} bounds", who)
            if side.shape != (count, n):
                raise ValueError(f"{who}: the {name} bounds have shape "
                                 f"{side.shape}; a dask array of bounds "
                                 f"must have one row per {unit} "
                                 f"({count}, {n})")
            out.append(side.astype(np.float64))
        return None, out
    limits = _bounds.per_fit(bounds, count, n, who, unit)
    if limits is None:
        return None, []
    if limits[0].ndim == 1:
        return limits, []
    return None, list(limits)


def check_start_feasible(start, shared, per_fit, count, who, name, unit):
    """A numpy start outside numpy bounds: the local batch's error, raised
    before any task runs (dask inputs are checked by each chunk)."""
    limits = shared if shared is not None else per_fit
    if (start is None or not limits or is_dask(start)
            or any(is_dask(side) for side in limits)):
        return
    start = np.asarray(start, dtype=np.float64)
    if start.ndim < 2:
        start = np.broadcast_to(start, (count, start.size))
    _bounds.check_feasible(start, *limits, who, name, unit)


def fit_chunks(per_fit, count, kind, fits_per_chunk, result_bytes, who):
    """The chunk sizes along the fit axis: by `fits_per_chunk` if it is an
    int, else the first dask input's, else by the "auto" rule
    (``_chunks``); `result_bytes` is the size of one fit's results."""
    if fits_per_chunk != "auto":
        if isinstance(fits_per_chunk, str):
            raise ValueError(f"{who}: fits_per_chunk must be 'auto' or a "
                             f"positive integer, not {fits_per_chunk!r}")
        try:
            size = operator.index(fits_per_chunk)
        except TypeError:
            raise TypeError(f"{who}: fits_per_chunk must be 'auto' or a "
                            f"positive integer, not "
                            f"{type(fits_per_chunk).__name__}") from None
        if size < 1:
            raise ValueError(f"{who}: fits_per_chunk must be positive, not "
                             f"{size}")
        return fit_axis_chunks(count, size)
    for array in per_fit:
        if is_dask(array):
            return array.chunks[0]
    bytes_per_fit = result_bytes + sum(
        array.dtype.itemsize * (array.size // max(count, 1))
        for array in per_fit)
    fits = auto_fits_per_chunk(count, bytes_per_fit, kind,
                               scheduler_threads())
    return fit_axis_chunks(count, fits)


def active_client():
    """The distributed Client that is the active scheduler, or None."""
    import dask.base
    get = dask.base.get_scheduler()
    client = getattr(get, "__self__", None)
    return client if callable(getattr(client, "scatter", None)) else None


def along_fits(array, chunks, name, client=None):
    """`array` as a dask array with `chunks` along the fit axis and one
    chunk along every other axis.  A numpy array's chunks are scattered to
    the workers of `client` if one is given (the caller computes at once,
    on it), else they go into the graph."""
    if is_dask(array):
        return array.rechunk((chunks,) + tuple(-1 for _ in array.shape[1:]))
    # One block per chunk (views of the caller's array): each chunk
    # travels alone to the worker that fits it, and nothing is hashed or
    # copied to build the graph.  Scattered, they go straight to the
    # workers rather than through the scheduler inside the graph.
    key = f"pyminpack-{name}-{uuid.uuid4().hex}"
    starts = np.cumsum((0,) + chunks)
    blocks = [array[starts[i]:starts[i + 1]] for i in range(len(chunks))]
    if client is not None:
        blocks = client.scatter(blocks, hash=False)
    tail = (0,) * (array.ndim - 1)
    graph = {(key, i) + tail: block for i, block in enumerate(blocks)}
    return da.Array(HighLevelGraph.from_collections(key, graph, ()), key,
                    chunks=(chunks,) + tuple((s,) for s in array.shape[1:]),
                    meta=np.empty((0,) * array.ndim, array.dtype))


def apply_per_chunk(task, shared, blocks, chunks, count, outputs):
    """The output dask arrays of ``task(fit_index, *blocks, shared=...)``
    run once per chunk; `outputs` gives each output's dtype and the shape
    of one fit's entry.  `fit_index` is the chunk's block of arange(K)."""
    inputs = ["()"] + [
        "(" + ",".join(f"a{i}_{j}" for j in range(block.ndim - 1)) + ")"
        for i, block in enumerate(blocks)]
    sizes = {}
    results = []
    for i, (_, core) in enumerate(outputs):
        names = [f"o{i}_{j}" for j in range(len(core))]
        sizes.update(zip(names, core))
        results.append("(" + ",".join(names) + ")")
    signature = ",".join(inputs) + "->" + ",".join(results)
    # meta says what each output is, so Dask never calls the task to find
    # out (it would call func while the graph is built).
    meta = tuple(np.empty((0,) * (1 + len(core)), dtype)
                 for dtype, core in outputs)
    fit_index = da.arange(count, chunks=(chunks,))
    # One graph key holds what every chunk shares: it is sent once to each
    # worker that needs it, however many chunks there are.
    shared_key = dask.delayed(shared, traverse=False,
                              name=f"pyminpack-shared-{uuid.uuid4().hex}")
    arrays = da.apply_gufunc(
        task, signature, fit_index, *blocks, output_sizes=sizes, meta=meta,
        allow_rechunk=False, vectorize=False, shared=shared_key)
    return arrays if len(outputs) > 1 else (arrays,)
