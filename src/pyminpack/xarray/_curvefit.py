"""``pyminpack.xarray.curvefit``: xarray's curvefit, one batch per block.

The labelled plumbing follows the installed xarray's ``curvefit`` rule for
rule (which dims are fitted over, how coords and per-pixel p0 broadcast,
the result's names, dims, coords and attrs), through the same
``apply_ufunc`` call, so the result has xarray's structure.  Only the
function applied differs: where xarray applies one scipy ``curve_fit`` per
pixel (``vectorize=True``), ``_fit_block`` gets the whole block (the whole
array, or one dask chunk) and fits it as one ``curve_fit_batch`` on plain
arrays, the points axis last.  Pixel k's fit is ``curve_fit`` on pixel k's
points, as xarray's is, so the values are the same to the bit.
"""

import inspect
from collections.abc import Iterable

import numpy as np
import xarray as xr

from .._curve_fit_batch import curve_fit_batch
from .._notes import add_note as _add_note
from ._labels import Labeller, position_inputs

__all__ = ["curvefit"]

_WHO = "pyminpack.xarray.curvefit"


def curvefit(obj, coords, func, reduce_dims=None, skipna=True, p0=None,
             bounds=None, param_names=None, errors="raise", kwargs=None, *,
             vectorized=True):
    """
    Curve fitting of every pixel of a DataArray or Dataset, as xarray's
    ``curvefit`` does it, one pyminpack batch per block.

    The arguments and the result are those of
    :meth:`xarray.DataArray.curvefit` (read its documentation): the same
    Dataset of ``[var_]curvefit_coefficients`` (dims: the kept dims and
    ``param``) and ``[var_]curvefit_covariance`` (``cov_i``, ``cov_j``),
    with the same coords and attrs, and each pixel's values those of
    ``curve_fit`` on its points.  A dask-backed object stays lazy: one
    ``curve_fit_batch`` per chunk when computed (a chunked fit dimension
    is refused by ``apply_ufunc``, as in xarray: rechunk it to one chunk).

    Parameters
    ----------
    obj : DataArray or Dataset
    coords, func, reduce_dims, skipna, p0, bounds, param_names, errors, \
kwargs
        As in xarray's ``curvefit``; p0 values may be DataArrays over the
        kept dims (per-pixel starts).  `kwargs` go to
        :func:`pyminpack.curve_fit_batch` (``maxfev``, ``ftol``, ...).
        `bounds` maps a parameter to (lower, upper), each a scalar or a
        DataArray over the kept dims (per-pixel bounds); they go to
        :func:`pyminpack.curve_fit_batch` as per-pixel ``bounds=`` rows, so
        a bounded pixel is MINPACK's LM through pyminpack's change of
        variables (xarray's runs scipy's 'trf': the same optimum inside
        the bounds to the tolerances, not the same bits), and
        ``lower == upper`` fixes the parameter (xarray's scipy refuses
        it).  A start outside its bounds is a ValueError naming the
        pixel, as xarray's is one.
    vectorized : bool, optional, keyword-only
        True (the default) evaluates `func` for many pixels at once, each
        parameter a (k, 1) column (see :func:`pyminpack.curve_fit_batch`);
        False calls it with scalars, pixel after pixel, for a model that
        cannot broadcast.

    Returns
    -------
    Dataset
        As xarray's.  With ``errors="raise"`` a pixel whose fit fails
        raises RuntimeError naming the pixel by its labels; with
        ``"ignore"`` its coefficients and covariance are NaN.  A pixel with
        no valid point under `skipna` is NaN, as in xarray.
    """
    p0 = {} if p0 is None else p0
    bounds = {} if bounds is None else bounds
    kwargs = {} if kwargs is None else dict(kwargs)
    _check_method(kwargs)
    reduce_dims_ = _as_dim_list(reduce_dims)
    coords_ = _as_coord_list(obj, coords)
    # xarray adds every dim a coord is equal to, then dedupes through a set
    # (the set's order is the order of the core dims, hence of the points).
    for coord in coords_:
        reduce_dims_ += [d for d in obj.dims if coord.equals(obj[d])]
    reduce_dims_ = list(set(reduce_dims_))
    preserved_dims = list(set(obj.dims) - set(reduce_dims_))
    if not reduce_dims_:
        raise ValueError(
            "No arguments to `coords` were identified as a dimension on the "
            "calling object, and no dims were supplied to `reduce_dims`. This "
            "would result in fitting on scalar data.")
    _check_per_pixel_dims(p0, bounds, preserved_dims)
    if errors not in ("raise", "ignore"):
        raise ValueError('errors must be either "raise" or "ignore"')
    coords_ = [c.broadcast_like(obj, exclude=preserved_dims)
               for c in xr.broadcast(*coords_)]
    params, func_args = _parameters(func, param_names)
    starts, limits = _starts_and_bounds(params, p0, bounds, func_args)

    if isinstance(obj, xr.DataArray):
        variables = [("", obj)]
        attrs = {}  # xarray fits a DataArray as a nameless Dataset
    else:
        variables = [(f"{name}_", array)
                     for name, array in obj.data_vars.items()]
        attrs = obj.attrs.copy()
    n_params = len(params)
    result = xr.Dataset()
    for prefix, array in variables:
        kept = [d for d in array.dims if d not in reduce_dims_]
        block = _BlockFit(func, n_coords=len(coords_), n_params=n_params,
                          core_ndim=len(reduce_dims_), skipna=skipna,
                          errors=errors, kwargs=kwargs, vectorized=vectorized,
                          labeller=Labeller(obj, kept),
                          name=prefix[:-1] or getattr(obj, "name", None))
        inputs = [array, *coords_, *starts.values(),
                  *[lb for lb, _ in limits.values()],
                  *[ub for _, ub in limits.values()],
                  *position_inputs(array, kept)]
        core_dims = [reduce_dims_] * (1 + len(coords_))
        core_dims += [[]] * (len(inputs) - len(core_dims))
        popt, pcov = xr.apply_ufunc(
            block, *inputs, vectorize=False, dask="parallelized",
            input_core_dims=core_dims,
            output_core_dims=[["param"], ["cov_i", "cov_j"]],
            dask_gufunc_kwargs={"output_sizes": {
                "param": n_params, "cov_i": n_params, "cov_j": n_params}},
            output_dtypes=(np.float64, np.float64),
            exclude_dims=set(reduce_dims_))
        result[prefix + "curvefit_coefficients"] = popt
        result[prefix + "curvefit_covariance"] = pcov
    result = result.assign_coords(
        {"param": params, "cov_i": params, "cov_j": params})
    result.attrs = attrs
    return result


def _check_method(kwargs):
    method = kwargs.pop("method", None)
    if method is not None and method != "lm":
        raise ValueError(f"{_WHO}: pyminpack fits with method 'lm' "
                         f"(MINPACK's Levenberg-Marquardt), not {method!r}")


def _as_dim_list(reduce_dims):
    if not reduce_dims:
        return []
    if isinstance(reduce_dims, str) or not isinstance(reduce_dims, Iterable):
        return [reduce_dims]
    return list(reduce_dims)


def _as_coord_list(obj, coords):
    if isinstance(coords, (str, xr.DataArray)) or \
            not isinstance(coords, Iterable):
        coords = [coords]
    return [obj[c] if isinstance(c, str) else c for c in coords]


def _check_per_pixel_dims(p0, bounds, preserved_dims):
    """p0 and bounds may only vary over the dims that are kept."""
    allowed = set(preserved_dims)
    for param, guess in p0.items():
        if isinstance(guess, xr.DataArray) and set(guess.dims) - allowed:
            raise ValueError(
                f"Initial guess for '{param}' has unexpected dimensions "
                f"{tuple(set(guess.dims) - allowed)}. It should only have "
                f"dimensions that are in data dimensions {preserved_dims}.")
    for param, (lower, upper) in bounds.items():
        for label, bound in (("Lower", lower), ("Upper", upper)):
            if isinstance(bound, xr.DataArray) and set(bound.dims) - allowed:
                raise ValueError(
                    f"{label} bound for '{param}' has unexpected dimensions "
                    f"{tuple(set(bound.dims) - allowed)}. It should only "
                    f"have dimensions that are in data dimensions "
                    f"{preserved_dims}.")


def _parameters(func, param_names):
    """The parameter names, and func's signature parameters (for their
    defaults), as xarray reads them."""
    try:
        func_args = inspect.signature(func).parameters
    except ValueError as err:
        func_args = {}
        if not param_names:
            raise ValueError("Unable to inspect `func` signature, and "
                             "`param_names` was not provided.") from err
    if param_names:
        return list(param_names), func_args
    if any(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
           for p in func_args.values()):
        raise ValueError("`param_names` must be provided because `func` "
                         "takes variable length arguments.")
    return list(func_args)[1:], func_args


def _feasible(lower, upper):
    """A start inside (lower, upper), as scipy's curve_fit picks one."""
    lower_finite = np.isfinite(lower)
    upper_finite = np.isfinite(upper)
    return xr.where(lower_finite,
                    xr.where(upper_finite, 0.5 * (lower + upper), lower + 1),
                    xr.where(upper_finite, upper - 1, 0))


def _starts_and_bounds(params, p0, bounds, func_args):
    """Each parameter's start and (lower, upper): p0 first, then func's
    default (moved inside the bounds), then 1 and (-inf, inf)."""
    starts, limits = {}, {}
    for name in params:
        start = 1
        arg = func_args.get(name)
        if arg is not None and arg.default is not arg.empty:
            start = arg.default
        limits[name] = (-np.inf, np.inf)
        if name in bounds:
            lower, upper = bounds[name]
            limits[name] = (lower, upper)
            start = xr.where((start < lower) | (start > upper),
                             _feasible(lower, upper), start)
        if name in p0:
            start = p0[name]
        starts[name] = start
    return starts, limits


class _BlockFit:
    """The function apply_ufunc applies to a block: Y (*fits, *core), the
    coords, the starts, lower and upper bounds, and the positions of the
    kept dims; returns popt (*fits, n) and pcov (*fits, n, n)."""

    def __init__(self, func, *, n_coords, n_params, core_ndim, skipna, errors,
                 kwargs, vectorized, labeller, name):
        self.func = func
        self.n_coords = n_coords
        self.n_params = n_params
        self.core_ndim = core_ndim
        self.skipna = skipna
        self.errors = errors
        self.kwargs = kwargs
        self.vectorized = vectorized
        self.labeller = labeller
        self.name = name

    def __call__(self, y, *args):
        n, c = self.n_params, self.n_coords
        coords = args[:c]
        starts = args[c:c + n]
        lowers, uppers = args[c + n:c + 2 * n], args[c + 2 * n:c + 3 * n]
        positions = args[c + 3 * n:]
        core = self.core_ndim
        points = int(np.prod(y.shape[y.ndim - core:], dtype=np.int64))
        fits_shape = np.broadcast_shapes(
            y.shape[:y.ndim - core],
            *(x.shape[:x.ndim - core] for x in coords),
            *(np.shape(s) for s in (*starts, *lowers, *uppers)),
            *(np.shape(p) for p in positions))
        count = int(np.prod(fits_shape, dtype=np.int64))
        # The batch sees plain rows: (K, m) curves, (K, n) starts.
        ydata = _rows(y, core, fits_shape, points)
        xdata = self._xdata(coords, fits_shape, points, count)
        p0, lower, upper = (_columns(values, fits_shape, count, n)
                            for values in (starts, lowers, uppers))
        where = _Where(self, positions, fits_shape)
        if not self.skipna:
            _require_finite(ydata, xdata, where)
        popt, pcov = self._fit(xdata, ydata, p0, (lower, upper), where)
        return (popt.reshape(*fits_shape, n),
                pcov.reshape(*fits_shape, n, n))

    def _xdata(self, coords, fits_shape, points, count):
        """(m,) or (c, m) when the coords are the same for every pixel,
        else one row per pixel, (K, m) or (c, K, m)."""
        core = self.core_ndim
        shared = all(all(s == 1 for s in x.shape[:x.ndim - core])
                     for x in coords)
        if shared:
            rows = [np.asarray(x, dtype=np.float64).reshape(points)
                    for x in coords]
            if len(rows) == 1:
                return rows[0]
            if count != len(rows):
                return np.stack(rows)
            # (c, m) with exactly c pixels would read as one x per pixel:
            # give every pixel its rows (the same values, the same bits).
            rows = [np.broadcast_to(r, (count, points)) for r in rows]
        else:
            rows = [_rows(np.asarray(x, dtype=np.float64), core, fits_shape,
                          points) for x in coords]
        return rows[0] if len(rows) == 1 else np.stack(rows)

    def _fit(self, xdata, ydata, p0, bounds, where):
        n = self.n_params
        count = ydata.shape[0]
        if count == 0:
            return np.empty((0, n)), np.empty((0, n, n))
        valid = ~np.isnan(ydata)
        x_nan = np.isnan(xdata)
        valid &= ~(x_nan.all(axis=0) if self.n_coords > 1 else x_nan)
        kept = np.count_nonzero(valid, axis=-1)
        too_few = (kept > 0) & (kept < n)
        if too_few.any():
            k = int(np.flatnonzero(too_few)[0])
            raise TypeError(
                f"{_WHO}: the number of func parameters={n} must not exceed "
                f"the number of data points={int(kept[k])} of {where(k)}")
        if not valid.all():
            ydata = np.where(valid, ydata, np.nan)
        _require_feasible(p0, *bounds, kept > 0, where)
        if not kept.all():  # empty pixels are not fitted (NaN, as xarray's)
            p0 = np.where(kept[:, None] > 0, p0, np.clip(p0, *bounds))
        try:
            popt, pcov, result = curve_fit_batch(
                self.func, xdata, ydata, p0, nan_policy="omit",
                bounds=bounds, vectorized=self.vectorized, **self.kwargs)
        except Exception as err:
            text = str(err)
            if type(err) in (TypeError, ValueError) and \
                    text.startswith("curve_fit_batch"):
                raise type(err)(_WHO + text[len("curve_fit_batch"):]) \
                    from None
            if self.vectorized:
                _add_note(err, f"{_WHO} evaluates func for many pixels at "
                               f"once, each parameter a (k, 1) column; a "
                               f"model that cannot broadcast needs "
                               f"vectorized=False")
            raise
        failed = ~result.success & (kept > 0)
        if failed.any() and self.errors == "raise":
            k = int(np.flatnonzero(failed)[0])
            raise RuntimeError(
                f"{_WHO}: optimal parameters not found for {where(k)}: "
                f"{result.message(k)}")
        return popt, pcov


def _columns(values, fits_shape, count, n):
    """One value per parameter, each a scalar or (*fits) array, as a
    (K, n) array of rows (a new array: the batch may keep it)."""
    return np.stack([np.broadcast_to(np.asarray(v, dtype=np.float64),
                                     fits_shape).reshape(count)
                     for v in values], axis=-1).reshape(count, n)


def _require_feasible(p0, lower, upper, fitted, where):
    """A start outside its bounds: scipy's "x0 is infeasible", as
    xarray's curve_fit on that pixel raises it, naming the pixel (a pixel
    with no point is not fitted, by xarray either)."""
    bad = ((p0 < lower) | (p0 > upper)) & fitted[:, None]
    if bad.any():
        k, j = (int(i) for i in np.argwhere(bad)[0])
        raise ValueError(
            f"{_WHO}: x0 is infeasible: parameter {j}'s start {p0[k, j]} "
            f"is outside its bounds [{lower[k, j]}, {upper[k, j]}] at "
            f"{where(k)}")


def _rows(array, core, fits_shape, points):
    """(*fits, *core) as (K, m) rows, each pixel's core block raveled in C
    order as xarray ravels it."""
    array = array.reshape(*array.shape[:array.ndim - core], points)
    return np.broadcast_to(array, (*fits_shape, points)).reshape(-1, points)


def _require_finite(ydata, xdata, where):
    """skipna=False: curve_fit's check_finite, naming the pixel."""
    bad = ~np.isfinite(ydata)
    if bad.any():
        k = int(np.flatnonzero(bad.any(axis=-1))[0])
        raise ValueError(f"{_WHO}: array must not contain infs or NaNs "
                         f"(skipna=False): the data is not finite at "
                         f"{where(k)}")
    if not np.isfinite(xdata).all():
        raise ValueError(f"{_WHO}: array must not contain infs or NaNs "
                         f"(skipna=False): a coordinate is not finite")


class _Where:
    """Names flat fit k of a block: "pixel x=1, y=2 of 'var'"."""

    def __init__(self, block, positions, fits_shape):
        self.block = block
        self.positions = positions
        self.fits_shape = fits_shape

    def __call__(self, k):
        shape = self.fits_shape if self.fits_shape != () else (1,)
        labels = self.block.labeller(self.positions, shape, k)
        name = self.block.name
        return f"pixel {labels}" + ("" if name is None else f" of {name!r}")
