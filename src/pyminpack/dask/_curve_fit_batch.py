"""``pyminpack.dask.curve_fit_batch``: the local curve_fit_batch, one Dask
task per chunk of curves."""

import dask
import numpy as np

from .._batch_result import BatchResult
from .._curve_fit_inputs import nan_mask, parameter_count
from .._curve_x import per_curve_rows
from .._fit_screening import warn_unknown_covariance
from .._fits_shape import layout
# The check the local functions make (private: _leastsq.pyi omits it).
from .._leastsq import _flag  # type: ignore[attr-defined]
from ._graph import (active_client, along_fits, apply_per_chunk,
                     bounds_inputs, check_known_shape, check_start_feasible,
                     fit_chunks, is_dask)
from ._result import DaskBatchResult
from ._tasks import (RESULT_FIELDS, CurveShared, curve_fit_chunk,
                     output_names, output_shapes)

__all__ = ["curve_fit_batch"]

_WHO = "pyminpack.dask.curve_fit_batch"


def curve_fit_batch(f, xdata, ydata, p0=None, sigma=None,
                    absolute_sigma=False, *, jac=None, check_finite=None,
                    nan_policy=None, vectorized=True, full_output=False,
                    progress=False, fits_per_chunk="auto", axis=-1,
                    bounds=None,
                    **kwargs):
    """
    :func:`pyminpack.curve_fit_batch` on Dask: one task per chunk of
    curves.

    Each task runs the local ``curve_fit_batch`` on its curves, so curve
    k's popt, pcov and results are bit for bit the local ones, whatever
    the chunking.  The active Dask scheduler is used.

    Parameters
    ----------
    f, xdata, ydata, p0, sigma, absolute_sigma, jac, check_finite, \
nan_policy, vectorized, full_output, **kwargs
        As in :func:`pyminpack.curve_fit_batch`.  `ydata` (K, m), a (K, n)
        `p0`, a (K, m) `sigma` and a (K, n) ``diag`` may be numpy or dask
        arrays, chunked along the curves only, all alike; `xdata`, an (n,)
        `p0` and a shared `sigma` are sent once to each worker.  `f` and
        `jac` travel by pickle (cloudpickle: lambdas work).
    progress : False
        Use Dask's progress reporting instead.
    axis : int, optional, keyword-only
        As in :func:`pyminpack.curve_fit_batch`: the points axis of a cube
        of curves (numpy or dask); popt, pcov and the result's per-fit
        arrays come back in the fits' shape, and a per-fit p0, sigma (one
        per curve or per point) or diag may have it.  (xdata is shared by
        every curve here: one per curve is refused with a TypeError.)
    fits_per_chunk : int or "auto", optional
        Curves per task, by the rule of
        :func:`pyminpack.dask.leastsq_batch`.
    bounds : 2-tuple or object with ``lb`` and ``ub``, optional
        As in :func:`pyminpack.curve_fit_batch`; (K, n) bounds (numpy or
        dask arrays) are chunked with the curves.

    Returns
    -------
    popt, pcov, result
        With numpy inputs, the local function's results, computed (and one
        :class:`pyminpack.OptimizeWarning` for all curves whose covariance
        could not be estimated).  With a dask array among the inputs, dask
        arrays popt (K, n) and pcov (K, n, n) and a
        :class:`DaskBatchResult`, all lazy and computed by one task per
        chunk; their covariance warning is not raised (pcov is inf there).

    Raises
    ------
    TypeError, ValueError
        Bad shapes found before any task runs; other bad input fails the
        computation as the local function fails.
    Exception
        An exception from `f` or `jac` fails the computation, with notes
        naming the chunk.
    """
    if progress is not None and progress is not False:
        raise ValueError(f"{_WHO}: progress= is for the local batch; use "
                         f"Dask's (distributed.progress or "
                         f"dask.diagnostics.ProgressBar)")
    if is_dask(xdata):
        raise TypeError(f"{_WHO}: xdata is shared by every curve: pass it "
                        f"as a numpy array, not a dask array")
    full_output = _flag(full_output, "full_output")
    vectorized = _flag(vectorized, "vectorized")
    ydata = ydata if is_dask(ydata) else np.asarray(ydata, float)
    check_known_shape(ydata, "ydata", _WHO)
    p0 = None if p0 is None else p0 if is_dask(p0) else np.asarray(p0)
    sigma = None if sigma is None else sigma if is_dask(sigma) else \
        np.asarray(sigma)
    cube = layout(ydata, axis, _WHO)
    if per_curve_rows(xdata, cube) is not None:
        # The local function reads such an xdata as one x per curve; the
        # chunks here would each get all of it, and f fail to broadcast.
        raise TypeError(f"{_WHO}: xdata of shape {np.shape(xdata)} is one "
                        f"per curve, which the Dask batch does not take "
                        f"(its xdata is shared by every curve); use "
                        f"pyminpack.curve_fit_batch")
    ydata, p0, sigma, kwargs = _as_rows(cube, ydata, p0, sigma, kwargs)
    count, m = ydata.shape
    n = parameter_count(f, None)[0] if p0 is None else (
        p0.shape[-1] if p0.ndim else 1)
    diag = kwargs.get("diag")
    diag = None if diag is None else diag if is_dask(diag) else \
        np.asarray(diag)
    per_fit_p0 = p0 is not None and p0.ndim == 2
    per_fit_sigma = sigma is not None and sigma.ndim == 2
    per_fit_diag = diag is not None and diag.ndim == 2
    for name, array, per_fit in (("p0", p0, per_fit_p0),
                                 ("sigma", sigma, per_fit_sigma),
                                 ("diag", diag, per_fit_diag)):
        if array is None:
            continue
        check_known_shape(array, name, _WHO)
        if per_fit and array.shape[0] != count:
            raise ValueError(f"{_WHO}: {name} of shape {array.shape} has "
                             f"{array.shape[0]} rows for {count} curves")
        if not per_fit and is_dask(array):
            raise TypeError(f"{_WHO}: a {name} shared by every curve must "
                            f"be a numpy array, not a dask array")
    shared_bounds, bounds_blocks = bounds_inputs(_bounds_rows(cube, bounds),
                                                 count, n, _WHO,
                                                 "curve")
    check_start_feasible(p0, shared_bounds, bounds_blocks, count,
                         "curve_fit_batch", "p0", "curve")
    per_fit = ([ydata] + ([p0] if per_fit_p0 else [])
               + ([sigma] if per_fit_sigma else [])
               + ([diag] if per_fit_diag else []) + bounds_blocks)
    lazy = any(is_dask(array) for array in per_fit)

    names = output_names(jac is not None, full_output)
    m_out = _residual_count(xdata, m, nan_policy)
    shapes = output_shapes(("popt", "pcov") + names, n, m_out)
    result_bytes = sum(np.dtype(dtype).itemsize * int(np.prod(core))
                       for dtype, core in shapes)
    chunks = fit_chunks(per_fit, count,
                        "vectorized" if vectorized else "python",
                        fits_per_chunk, result_bytes, _WHO)
    client = None if lazy else active_client()
    blocks = [along_fits(array, chunks, name, client) for array, name in zip(
        per_fit, ["ydata"] + (["p0"] if per_fit_p0 else [])
        + (["sigma"] if per_fit_sigma else [])
        + (["diag"] if per_fit_diag else [])
        + ["lb", "ub"][:len(bounds_blocks)])]
    options = dict(kwargs, absolute_sigma=absolute_sigma, jac=jac,
                   check_finite=check_finite, nan_policy=nan_policy,
                   vectorized=vectorized, full_output=full_output)
    if per_fit_diag:
        del options["diag"]
    if shared_bounds is not None:
        options["bounds"] = shared_bounds
    shared = CurveShared(
        f=f, xdata=xdata, p0=None if per_fit_p0 else p0,
        sigma=None if per_fit_sigma else sigma, per_fit_p0=per_fit_p0,
        per_fit_sigma=per_fit_sigma, per_fit_diag=per_fit_diag,
        options=options, outputs=names, n=n, m=m_out, total=count,
        per_fit_bounds=bool(bounds_blocks))
    outputs = apply_per_chunk(curve_fit_chunk, shared, blocks, chunks, count,
                              shapes)
    popt, pcov, fields = outputs[0], outputs[1], outputs[2:]
    messages = _message_options(kwargs, n, jac is None)
    if lazy:
        fields = [cube.restore(field) for field in fields]
        return (cube.restore(popt), cube.restore(pcov),
                DaskBatchResult(dict(zip(names, fields)), messages))
    popt, pcov, *fields = dask.compute(popt, pcov, *fields)
    computed = dict(zip(names, fields))
    result = BatchResult(**{name: computed.get(name)
                            for name in RESULT_FIELDS},
                         options=messages)
    _warn_unknown_covariance(result, pcov, cube.shape)
    result._reshape(cube.shape)
    return cube.restore(popt), cube.restore(pcov), result


def _as_rows(cube, ydata, p0, sigma, kwargs):
    """The local function's fits' shape rules (``axis``, per-fit inputs of
    the fits' shape, sigma per curve) on numpy or dask arrays: ydata as
    (K, m) rows, a per-fit p0, sigma and diag as rows."""
    count, m = cube.count, cube.m
    ydata = np.moveaxis(ydata, cube.axis, -1).reshape(count, m)
    if p0 is not None and p0.ndim >= 2:
        p0 = _fit_rows(cube, p0, p0.shape[-1:], "p0")
    if sigma is not None and sigma.shape not in ((), (1,), (m,)):
        if sigma.ndim == cube.ndim:
            sigma = np.moveaxis(sigma, cube.axis, -1)
            sigma = _fit_rows(cube, sigma, (sigma.shape[-1],), "sigma")
        else:
            sigma = _fit_rows(cube, sigma, (), "sigma")[:, None]
        sigma = np.broadcast_to(sigma, (count, m))
    diag = kwargs.get("diag")
    if diag is not None and np.ndim(diag) >= 2:
        kwargs = dict(kwargs, diag=_fit_rows(cube, diag, np.shape(diag)[-1:],
                                             "diag"))
    return ydata, p0, sigma, kwargs


def _bounds_rows(cube, bounds):
    """bounds= with per-fit sides in the fits' shape + (n,) as (K, n)
    rows, as the local function takes them."""
    if bounds is None:
        return None
    sides = (bounds.lb, bounds.ub) if hasattr(bounds, "lb") and hasattr(
        bounds, "ub") else bounds
    if not isinstance(sides, (tuple, list)) or len(sides) != 2:
        return bounds  # the local checks say what is wrong
    rows = []
    for side in sides:
        if not is_dask(side):
            side = np.asarray(side)
        if side.ndim >= 2:
            side = _fit_rows(cube, side, side.shape[-1:], "bounds")
        rows.append(side)
    return tuple(rows)


def _fit_rows(cube, array, tail, name):
    try:
        array = np.broadcast_to(array, (*cube.shape, *tail))
    except ValueError:
        raise ValueError(f"{_WHO}: {name} of shape {array.shape} does not "
                         f"broadcast to the fits' shape {cube.shape} + "
                         f"{tuple(tail)}") from None
    return array.reshape(cube.count, *tail)


def _residual_count(xdata, m, nan_policy):
    """The length of each curve's fvec: m, less the points where xdata is
    NaN when nan_policy='omit' drops them from every curve."""
    if nan_policy != "omit":
        return m
    mask = nan_mask(xdata)
    if mask is None or mask.shape != (m,):
        return m
    return m - int(np.count_nonzero(mask))


def _message_options(kwargs, n, finite_differences):
    """The options the messages show, as the local batch uses them."""
    from .._leastsq import _tolerances  # type: ignore[attr-defined]
    ftol, xtol, gtol, _, maxfev = _tolerances(
        kwargs.get("ftol", 1.49012e-08), kwargs.get("xtol", 1.49012e-08),
        kwargs.get("gtol", 0.0), kwargs.get("factor", 100),
        kwargs.get("maxfev", 0), n, finite_differences)
    return dict(ftol=ftol, xtol=xtol, gtol=gtol, maxfev=maxfev)


def _warn_unknown_covariance(result, pcov, shape):
    """The local function's one warning, for the whole batch, and its
    perr and covariance_unknown."""
    unknown = result.success & np.isinf(pcov).all(axis=(1, 2))
    result.perr = np.sqrt(np.diagonal(pcov, axis1=1, axis2=2))
    result.covariance_unknown = unknown
    warn_unknown_covariance(unknown, shape, stacklevel=3)
