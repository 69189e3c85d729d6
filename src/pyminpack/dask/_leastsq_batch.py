"""``pyminpack.dask.leastsq_batch``: the local batch, one Dask task per
chunk of fits."""

import dask
import numpy as np

from .. import _compiled
from .._batch_result import BatchResult
# The checks the local functions make (private: _leastsq.pyi omits them).
from .._leastsq import (_count, _flag, _real,  # type: ignore[attr-defined]
                        _tolerances)
from ._graph import (active_client, along_fits, apply_per_chunk,
                     bounds_inputs, check_known_shape, check_start_feasible,
                     fit_chunks, is_dask)
from ._result import DaskBatchResult
from ._tasks import (RESULT_FIELDS, Shared, fit_chunk, output_names,
                     output_shapes)

__all__ = ["leastsq_batch"]

_WHO = "pyminpack.dask.leastsq_batch"

_RECIPES_HINT = (
    "cannot travel to other processes (a numba cfunc and a ctypes function "
    "do not pickle, and an address means nothing in another process); pass "
    "a recipe that builds it in each process instead: "
    "pyminpack.compiled.from_numba(python_function), "
    "pyminpack.compiled.from_import('package.module:name') or "
    "pyminpack.compiled.from_library(path, symbol)")


def leastsq_batch(func, x0, args=(), Dfun=None, *, data=None,
                  vectorized=False, col_deriv=False, ftol=1.49012e-08,
                  xtol=1.49012e-08, gtol=0.0, maxfev=0, epsfcn=None,
                  factor=100, diag=None, threads=1, full_output=False,
                  check_finite=True, progress=False, m=None,
                  fits_per_chunk="auto", bounds=None):
    """
    :func:`pyminpack.leastsq_batch` on Dask: one task per chunk of fits.

    Each task runs the local batch on its chunk, so fit k's results are
    bit for bit those of ``pyminpack.leastsq_batch`` on the whole batch,
    whatever the chunking, the scheduler or the number of workers.  The
    active Dask scheduler is used (a ``distributed.Client`` if one is
    current, else Dask's default for arrays).

    Parameters
    ----------
    func, x0, args, Dfun, data, vectorized, col_deriv, ftol, xtol, gtol, \
maxfev, epsfcn, factor, diag, full_output, check_finite, m
        As in :func:`pyminpack.leastsq_batch`, with these differences:

        - a compiled `func` or `Dfun` must be a recipe of
          :mod:`pyminpack.compiled`, which each worker process builds once;
          compiled `args` may be ``()`` or one ndarray (it is pickled with
          its contents), not an address;
        - a Python `func` and `Dfun` (plain or vectorized) travel by
          pickle (cloudpickle, so lambdas and closures work);
        - `x0` (K, n), the `data` arrays and a (K, n) `diag` may be numpy
          or dask arrays; they are chunked along the fit axis only, all
          with the same chunks; `args`, an (n,) `x0` and an (n,) `diag`
          are shared by every chunk and sent once to each worker;
        - `full_output` needs `m`, the number of residuals, to give
          `fvec` and `fjac` their shape before any fit runs.
    threads : int, optional
        C threads per task for a compiled func (default 1: Dask runs the
        tasks in parallel).  Python funcs take 1 or None.
    progress : False
        A task's progress is not reported; use Dask's own
        (``distributed.progress`` or ``dask.diagnostics.ProgressBar``).
    bounds : 2-tuple or object with ``lb`` and ``ub``, optional
        As in :func:`pyminpack.leastsq_batch`: (n,) bounds are sent once
        to each worker, (K, n) ones (numpy or dask arrays) are chunked with
        the fits.  numpy bounds are checked before any task runs, dask
        arrays by each chunk.
    fits_per_chunk : int or "auto", optional
        Fits per task for numpy inputs (a dask input keeps its chunks
        unless an int is given).  "auto": 4 chunks per thread of the active
        scheduler, but at least 5,000 fits (500 for a plain Python func:
        about 0.1 s of work, so Dask's few milliseconds per task stay
        small) and at most 64 MiB of per-fit inputs and results per chunk
        (which wins).

    Returns
    -------
    BatchResult or DaskBatchResult
        With no dask array among the inputs, the computed
        :class:`pyminpack.BatchResult`.  Otherwise a
        :class:`DaskBatchResult` of lazy dask arrays with the same fields,
        chunked as the inputs; nothing has run yet (func is not called to
        build the graph).

    Raises
    ------
    TypeError
        A compiled callable that is not a recipe, or an address in `args`;
        otherwise as the local batch.
    ValueError, TypeError
        Bad shapes and options are found before any task runs; other bad
        input fails the computation as the local batch fails.
    Exception
        An exception from a Python `func` or `Dfun` fails the computation;
        its notes name the fits by their number in the whole batch and the
        chunk that failed.
    """
    kind = _kind(func, Dfun, vectorized)
    args = _shared_args(args, kind)
    if progress is not None and progress is not False:
        raise ValueError(f"{_WHO}: progress= is for the local batch; use "
                         f"Dask's (distributed.progress or "
                         f"dask.diagnostics.ProgressBar)")
    full_output = _flag(full_output, "full_output")
    options = dict(
        vectorized=_flag(vectorized, "vectorized"),
        col_deriv=_flag(col_deriv, "col_deriv"), ftol=ftol, xtol=xtol,
        gtol=gtol, maxfev=maxfev, epsfcn=epsfcn, factor=factor,
        threads=(threads if threads is None
                 else _count(threads, "threads", _WHO)),
        full_output=full_output,
        check_finite=_flag(check_finite, "check_finite"),
        m=m if m is None else _count(m, "m", _WHO))
    if full_output and m is None:
        raise TypeError(f"{_WHO}: full_output needs m=, the number of "
                        f"residuals, to give fvec and fjac their shape "
                        f"before any fit runs")

    data = _data_arrays(data)
    x0 = x0 if is_dask(x0) else np.asarray(x0)
    diag = None if diag is None else diag if is_dask(diag) else np.asarray(
        diag)
    count, n = _count_and_n(x0, data, diag)
    messages = _message_options(ftol, xtol, gtol, factor, maxfev, epsfcn, n,
                                Dfun is None)
    per_fit_x0 = x0.ndim == 2
    per_fit_diag = diag is not None and diag.ndim == 2
    shared_bounds, bounds_blocks = bounds_inputs(bounds, count, n, _WHO)
    check_start_feasible(x0, shared_bounds, bounds_blocks, count,
                         "leastsq_batch", "x0", "fit")
    if shared_bounds is not None:
        options["bounds"] = shared_bounds
    per_fit = ([x0] if per_fit_x0 else []) + list(data) + (
        [diag] if per_fit_diag else []) + bounds_blocks
    lazy = any(is_dask(array) for array in per_fit)
    if (not per_fit_x0 and is_dask(x0)) or (
            diag is not None and not per_fit_diag and is_dask(diag)):
        raise TypeError(f"{_WHO}: a shared (n,) x0 or diag must be a numpy "
                        f"array, not a dask array")
    names = output_names(Dfun is not None, full_output)
    shapes = output_shapes(names, n, options["m"])
    result_bytes = sum(np.dtype(dtype).itemsize * int(np.prod(core))
                       for dtype, core in shapes)
    chunks = fit_chunks(per_fit, count, kind, fits_per_chunk, result_bytes,
                        _WHO)
    client = None if lazy else active_client()
    blocks = [along_fits(array, chunks, name, client) for array, name in
              zip(per_fit, _names(per_fit_x0, len(data), per_fit_diag)
                  + ["lb", "ub"][:len(bounds_blocks)])]

    shared = Shared(
        func=func, Dfun=Dfun, args=args,
        x0=None if per_fit_x0 else x0,
        diag=None if per_fit_diag else diag,
        per_fit_x0=per_fit_x0, per_fit_diag=per_fit_diag,
        contiguous_data=kind == "compiled",
        options=options, outputs=names, n=n, m=options["m"], total=count,
        per_fit_bounds=bool(bounds_blocks))
    outputs = apply_per_chunk(fit_chunk, shared, blocks, chunks, count,
                              shapes)
    arrays = dict(zip(names, outputs))
    if lazy:
        return DaskBatchResult(arrays, messages)
    computed = dict(zip(names, dask.compute(*outputs)))
    return BatchResult(**{name: computed.get(name) for name in RESULT_FIELDS},
                       options=messages)


def _kind(func, Dfun, vectorized):
    """'compiled', 'vectorized' or 'python', refusing compiled callables
    that cannot be pickled."""
    for role, obj in (("func", func), ("Dfun", Dfun)):
        if (obj is not None and _compiled.is_compiled(obj)
                and not _compiled.is_recipe(obj)):
            raise TypeError(f"{_WHO}: the compiled {role} "
                            f"({type(obj).__name__}) {_RECIPES_HINT}")
    if _compiled.is_compiled(func):
        return "compiled"
    for role, obj in (("func", func), ("Dfun", Dfun)):
        if obj is not None and not callable(obj):
            raise TypeError(f"{_WHO}: {role} must be callable, not "
                            f"{type(obj).__name__}")
    return "vectorized" if _flag(vectorized, "vectorized") else "python"


def _shared_args(args, kind):
    """args as the tuple every chunk gets; a compiled func's user_data may
    not be an address."""
    args = (tuple.__getitem__(args, slice(None)) if isinstance(args, tuple)
            else (args,))
    if kind == "compiled":
        for value in args:
            if not isinstance(value, np.ndarray):
                raise TypeError(
                    f"{_WHO}: args for a compiled func may be () or one "
                    f"ndarray (pickled with its data); a "
                    f"{type(value).__name__} is an address, which means "
                    f"nothing in another process")
    return args


def _data_arrays(data):
    """data as a tuple of arrays, as the local batch reads it: a tuple is
    several arrays, anything else one."""
    if data is None:
        return ()
    items = (tuple.__getitem__(data, slice(None)) if isinstance(data, tuple)
             else (data,))
    return tuple(item if is_dask(item) else np.asarray(item)
                 for item in items)


def _count_and_n(x0, data, diag):
    """K and n, checking that every per-fit array has K rows."""
    for name, array in [("x0", x0), ("diag", diag)] + [
            (f"data[{i}]", a) for i, a in enumerate(data)]:
        if array is not None:
            check_known_shape(array, name, _WHO)
        if name.startswith("data") and array.ndim == 0:
            raise ValueError(f"{_WHO}: {name} must have a first dimension, "
                             f"one row per fit; it is 0-d")
    if x0.ndim not in (1, 2):
        raise ValueError(f"{_WHO}: x0 must have shape (K, n) or (n,), not "
                         f"{x0.shape}")
    if x0.dtype.kind not in "biuf" or x0.dtype.itemsize > 8:
        raise TypeError(f"{_WHO}: x0 must hold real numbers that convert "
                        f"exactly to float64, not dtype {x0.dtype}")
    n = x0.shape[-1]
    if x0.ndim == 2:
        count = x0.shape[0]
    elif data:
        count = data[0].shape[0]
    else:
        raise ValueError(f"{_WHO}: x0 of shape {x0.shape} is one start; "
                         f"give data (whose first dimension is the number "
                         f"of fits) or x0 of shape (K, n)")
    for i, array in enumerate(data):
        if array.shape[0] != count:
            raise ValueError(f"{_WHO}: data[{i}] has shape {array.shape}, "
                             f"but x0 of shape {x0.shape} gives {count} "
                             f"fits")
    if diag is not None and diag.shape not in ((n,), (count, n)):
        raise ValueError(f"{_WHO}: diag must have shape ({n},) or "
                         f"({count}, {n}), not {diag.shape}")
    return count, n


def _message_options(ftol, xtol, gtol, factor, maxfev, epsfcn, n,
                     finite_differences):
    """The options checked now, as the local batch checks them, and the
    values the messages show."""
    ftol, xtol, gtol, factor, maxfev = _tolerances(
        ftol, xtol, gtol, factor, maxfev, n, finite_differences)
    if epsfcn is not None:
        _real(epsfcn, "epsfcn", finite=True)
    return dict(ftol=ftol, xtol=xtol, gtol=gtol, maxfev=maxfev)


def _names(per_fit_x0, data_count, per_fit_diag):
    return ((["x0"] if per_fit_x0 else [])
            + [f"data[{i}]" for i in range(data_count)]
            + (["diag"] if per_fit_diag else []))
