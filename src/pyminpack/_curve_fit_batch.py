"""``curve_fit_batch``: one model fitted to K curves, each its own MINPACK.

The curves share xdata and differ in ydata (and p0, sigma).  The default,
vectorized kind calls ``f(xdata, *params)`` once for all the fits waiting,
each parameter a (k, 1) column, so a one-curve model such as
``a * np.exp(-b * x) + c`` evaluates k curves as a (k, m) array with no
change; it runs on ``leastsq_batch(vectorized=True)``.  ``vectorized=False``
calls f one fit at a time with scalars, for models that cannot broadcast.

Fit k gets the bits ``curve_fit`` gives on curve k alone: the same
residual arithmetic element by element, the same MINPACK run.  For
nan_policy='omit' each curve's kept points are moved to the front of its
residual vector and the rest set to 0: rows of zeros after the first n
leave every sum, norm and Householder step of MINPACK unchanged, so the fit
is bit for bit that of the shorter curve.
"""

import warnings

import numpy as np

from . import _curve_fit_inputs as inputs
from ._batch import leastsq_batch
from ._batch_result import BatchResult
from ._columns import columns
from ._curve_fit_inputs import COVARIANCE_WARNING, OptimizeWarning
from ._leastsq import NonFiniteInputError

__all__ = ["curve_fit_batch"]

_WHO = "curve_fit_batch"


def curve_fit_batch(f, xdata, ydata, p0=None, sigma=None,
                    absolute_sigma=False, *, jac=None, check_finite=None,
                    nan_policy=None, vectorized=True, full_output=False,
                    progress=False, **kwargs):
    """
    Fit one model to many curves: ``curve_fit`` on each row of `ydata`.

    Curve k is fitted exactly as ``pyminpack.curve_fit(f, xdata,
    ydata[k], p0[k], sigma[k], absolute_sigma, jac=jac, ...)`` would fit
    it, to the last bit, but a curve that fails is reported (its popt and
    pcov NaN, its ier and message in the result), never raised.

    Parameters
    ----------
    f : callable
        The one-curve model ``f(xdata, p1, ..., pn)``.  With `vectorized`
        (the default) each parameter is a (k, 1) column holding the values
        of the k fits evaluated at once, and f must return shape (k, m):
        any model written with numpy operations that broadcast does (see
        Notes).
    xdata : array_like or object
        Shared by all curves, converted as ``curve_fit`` converts it.
    ydata : array_like, shape (K, m)
        One curve per row.
    p0 : array_like, shape (n,) or (K, n), optional
        One start for all curves, or one per curve; None means ``ones(n)``
        with n read from f's signature.
    sigma : None, scalar, array_like of shape (m,) or (K, m), optional
        Standard deviations: one for all points of all curves, one per
        point shared by the curves, or one per point of each curve.
        (Covariance matrices are ``curve_fit``'s only.)
    absolute_sigma : bool, optional
        As in ``curve_fit``.
    jac : callable, optional, keyword-only
        ``jac(xdata, p1, ..., pn)``; with `vectorized` it gets (k, 1)
        columns and returns an array that broadcasts to (k, m, n) ((k, n,
        m) with ``col_deriv=True``; (k, m) for n = 1), for example the
        one-curve Jacobian written as ``np.stack([...], axis=-1)``.
    check_finite, nan_policy
        As in ``curve_fit``, per curve: with nan_policy='omit' each curve
        drops its own NaN points (and all curves the points where xdata is
        NaN), and its sigma is checked only at the points it keeps.  A
        curve left with fewer points than parameters gets ier 0.
    vectorized : bool, optional, keyword-only
        False calls f (and jac) with scalar parameters, one fit after
        another: for a model that cannot broadcast.
    full_output : bool, optional, keyword-only
        Also keep each fit's fvec, fjac, ipvt and qtf in the result.
    progress : bool or callable, optional, keyword-only
        As in ``leastsq_batch``.
    **kwargs
        Passed to ``leastsq_batch``: ``ftol``, ``xtol``, ``gtol``,
        ``maxfev``, ``epsfcn``, ``factor``, ``diag``, ``col_deriv``.

    Returns
    -------
    popt : ndarray, shape (K, n)
        Each curve's parameters; NaN where its fit failed (ier not 1..4).
    pcov : ndarray, shape (K, n, n)
        Each curve's covariance, as ``curve_fit`` gives it (all ``inf``
        where it cannot be estimated; one :class:`OptimizeWarning` for the
        whole batch says how many), NaN where the fit failed.
    result : BatchResult
        Each fit's ``ier``, ``nfev``, ``njev``, ``fnorm``, ``cov_x``,
        ``success``, ``message(k)``, the last iterate ``x``, and with
        `full_output` the arrays of leastsq's infodict (fvec is the
        weighted residual; with nan_policy='omit' a curve's kept points
        come first and its omitted ones are 0).

    Raises
    ------
    ValueError, TypeError
        Bad input, as ``curve_fit`` raises for it, naming the curve: NaN or
        inf in ydata with `check_finite`, a non-finite start or model at
        the start (unless ``check_finite=False``), wrong shapes.
    Exception
        An exception from f or jac stops the batch and propagates, with a
        note naming the fits.

    Notes
    -----
    The broadcasting rule: with `vectorized`, ``f(xdata, a, b, c)`` gets
    ``a``, ``b``, ``c`` of shape (k, 1).  Elementwise numpy arithmetic and
    ufuncs (``np.exp``, ``np.sin``, ...) then give (k, m) as they give (m,)
    for scalars, with the same bits; ``**`` on a parameter is computed fit
    by fit with numpy's scalar operation, which arrays do not share (a
    ``numpy.float64`` constant ``c ** p`` reaches numpy's power ufunc
    first: write ``float(c) ** p``).  A model that cannot broadcast (a
    Python ``if`` on a parameter, ``math.exp``, a reduction over the
    parameters, ``np.dot(params, ...)``) needs ``vectorized=False``: the
    same results, at the speed of a loop.  With nan_policy='omit', f is
    evaluated at all of xdata and each curve keeps its own points, which
    equals ``curve_fit`` on the shorter curve when f computes each point
    from its own x (every pointwise model does).

    Examples
    --------
    >>> import numpy as np
    >>> from pyminpack import curve_fit_batch
    >>> def decay(t, a, b):
    ...     return a * np.exp(-b * t)
    >>> t = np.linspace(0.0, 4.0, 20)
    >>> rates = np.array([[0.5], [1.0], [2.0]])
    >>> popt, pcov, result = curve_fit_batch(decay, t, 3.0 * np.exp(-rates * t))
    >>> np.round(popt, 6)
    array([[3. , 0.5],
           [3. , 1. ],
           [3. , 2. ]])
    """
    explicit_no_check = check_finite is not None and not check_finite
    check_finite = inputs.resolve_check_finite(check_finite, nan_policy)
    ydata = _curves(ydata)
    count, m = ydata.shape
    n, starts = _starts(f, p0, count, not explicit_no_check)
    if check_finite:
        _require_finite_curves(ydata)
    xdata = inputs.as_xdata(xdata, check_finite)
    if m == 0:
        raise ValueError("`ydata` must not be empty!")
    policy = None if check_finite else inputs.check_nan_policy(nan_policy)
    if policy == "raise":
        inputs.raise_on_nan(xdata, ydata)
    if sigma is not None:
        kind, sigma = _sigma(sigma, count, m)
    else:
        kind = None
    points = np.full(count, m)
    order = None
    kept = positions = None
    if policy == "omit":
        xdata, ydata, sigma, kept, positions = _omit_nan(xdata, ydata, sigma)
        points = np.count_nonzero(kept, axis=1)
        if not kept.all():  # each curve's kept points first
            order = np.argsort(~kept, axis=1, kind="stable")
        m = ydata.shape[1]
    if sigma is not None:
        sigma = _sigma_at_kept_points(kind, sigma, kept, positions,
                                      not explicit_no_check)
    if jac is not None and not callable(jac):
        raise TypeError(f"{_WHO}: jac must be a callable or None, not "
                        f"{jac!r}")
    if "args" in kwargs:
        raise ValueError("'args' is not a supported keyword argument.")
    if n > m:
        raise TypeError(f"The number of func parameters={n} must not exceed "
                        f"the number of data points={m}")

    weights = None if sigma is None else inputs.reciprocal_sigma(sigma)
    per_curve = kind == "per curve"
    col_deriv = bool(kwargs.get("col_deriv", False))
    make = _vectorized_functions if vectorized else _plain_functions
    residual, jacobian = make(f, jac, xdata, weights, per_curve, order, n,
                              m, col_deriv)
    data = [ydata]
    if per_curve:
        data.append(weights)
    if order is not None:
        data += [order, np.arange(m) < points[:, None]]
    runnable = points >= n
    result = _run(residual, jacobian, starts, data, runnable, vectorized,
                  explicit_no_check, full_output, progress, kwargs, m, n)
    popt, pcov = _popt_pcov(result, points, n, bool(absolute_sigma))
    return popt, pcov, result


def _curves(ydata):
    ydata = np.asarray(ydata, float)
    if ydata.ndim != 2:
        raise ValueError(f"{_WHO}: ydata must have shape (K, m), one curve "
                         f"per row, not {ydata.shape}")
    return ydata


def _starts(f, p0, count, check):
    """n and the (K, n) float64 starts."""
    if p0 is None:
        n, start = inputs.parameter_count(f, None)
        return n, np.tile(start, (count, 1))
    p0 = np.asarray(p0)
    if p0.dtype.kind not in "biuf" or p0.dtype.itemsize > 8:
        raise TypeError(f"{_WHO}: p0 must hold real numbers, not dtype "
                        f"{p0.dtype}")
    if p0.ndim == 2:
        if p0.shape[0] != count:
            raise ValueError(f"{_WHO}: p0 of shape {p0.shape} has "
                             f"{p0.shape[0]} starts for {count} curves")
        starts = np.array(p0, dtype=np.float64)
    elif p0.ndim <= 1:
        starts = np.tile(p0.astype(np.float64).reshape(-1), (count, 1))
    else:
        raise ValueError(f"{_WHO}: p0 must have shape (n,) or (K, n), not "
                         f"{p0.shape}")
    n = starts.shape[1]
    if n == 0:
        raise ValueError(f"{_WHO}: p0 is empty: there is no parameter to "
                         f"fit")
    if check:
        _require_finite_rows(starts, "p0", "start")
    return n, starts


def _require_finite_rows(array, name, what):
    bad = ~np.isfinite(array)
    if bad.any():
        k, j = np.argwhere(bad)[0]
        raise ValueError(f"{_WHO}: {name} must be finite, but entry {j} of "
                         f"curve {k} is {array[k, j]} (pass "
                         f"check_finite=False to allow it)")


def _require_finite_curves(ydata):
    bad = ~np.isfinite(ydata)
    if bad.any():
        k, j = np.argwhere(bad)[0]
        raise ValueError(f"{_WHO}: ydata must be finite, but curve {k} is "
                         f"{ydata[k, j]} at point {j} (nan_policy='omit' "
                         f"drops NaN points; check_finite=False allows "
                         f"them)")


def _sigma(sigma, count, m):
    """("shared" | "per curve", sigma in its own dtype)."""
    sigma = inputs.real_sigma(sigma, _WHO)
    if sigma.shape in ((), (1,), (m,)):
        return "shared", sigma
    if sigma.shape == (count, m):
        return "per curve", sigma
    raise ValueError(f"{_WHO}: sigma must be a scalar or have shape ({m},) "
                     f"or ({count}, {m}), not {sigma.shape}")


def _sigma_at_kept_points(kind, sigma, kept, positions, finite_rule):
    """sigma checked where the curves keep their points, as curve_fit on
    each curve checks the sigma it has cut, and 1 where no curve that uses
    it keeps the point (that residual is 0 whatever its weight, and 1/1
    warns of nothing).  `kept` (K, m) is None without nan_policy='omit';
    `positions` maps a point to the caller's index (xdata's NaN points
    cut), None when nothing was cut."""
    if sigma.ndim == 0 or sigma.size == 1:
        used = None  # one sigma for every point of every curve
    elif kept is None:
        used = np.ones(sigma.shape, bool)
    elif kind == "per curve":
        used = kept
    else:
        used = kept.any(axis=0)
    if finite_rule:
        bad = (sigma == 0) | ~np.isfinite(sigma)
        if used is not None:
            bad &= used
        _refuse_bad_sigma(kind, sigma, bad, positions)
    if used is None or used.all():
        return sigma
    return np.where(used, sigma, 1)


def _refuse_bad_sigma(kind, sigma, bad, positions):
    if not bad.any():
        return
    rule = ("standard deviations must be finite and non-zero (pass "
            "check_finite=False to allow it)")
    if kind == "per curve":
        k, j = np.argwhere(bad)[0]
        point = j if positions is None else positions[j]
        raise ValueError(f"{_WHO}: sigma of curve {k} is {sigma[k, j]} at "
                         f"point {point}; {rule}")
    j = int(np.flatnonzero(bad.reshape(-1))[0])
    value = sigma.reshape(-1)[j]
    if sigma.ndim == 0:
        raise ValueError(f"{_WHO}: sigma is {value}; {rule}")
    point = j if positions is None or sigma.size == 1 else positions[j]
    raise ValueError(f"{_WHO}: sigma entry {point} is {value}; {rule}")


def _omit_nan(xdata, ydata, sigma):
    """nan_policy='omit': the points where xdata is NaN go from every
    curve (and from sigma); each curve keeps the points where its ydata is
    not NaN.  Returns xdata, ydata and sigma cut, the (K, m) mask of the
    points each curve keeps, and the caller's index of each point left
    (None when xdata cut none)."""
    x_nan = inputs.nan_mask(xdata)
    y_nan = np.isnan(ydata)
    if x_nan is None:
        if y_nan.any():
            raise ValueError(
                f"{_WHO}: nan_policy='omit' needs xdata as an array (a "
                f"list, tuple or ndarray) to drop the points where ydata is "
                f"NaN; xdata is {type(xdata).__name__}")
        return xdata, ydata, sigma, ~y_nan, None
    if x_nan.shape != (ydata.shape[1],):
        raise ValueError(
            f"{_WHO}: nan_policy='omit' drops points along xdata's last axis "
            f"and the curves'; xdata of shape {np.shape(xdata)} does not "
            f"have the {ydata.shape[1]} points of each curve")
    positions = None
    if x_nan.any():
        keep = ~x_nan
        positions = np.flatnonzero(keep)
        xdata = xdata[..., keep]
        ydata = ydata[:, keep]
        y_nan = y_nan[:, keep]
        if sigma is not None and sigma.ndim == 2:
            sigma = sigma[:, keep]
        elif sigma is not None and sigma.size > 1:
            sigma = sigma[keep]
    return xdata, ydata, sigma, ~y_nan, positions


def _vectorized_functions(f, jac, xdata, weights, per_curve, order, n, m,
                          col_deriv):
    """func(X, Y[, W][, order, kept]) for leastsq_batch(vectorized=True),
    and its Dfun: curve_fit's residual and Jacobian, row by row."""
    shared = None if per_curve else weights

    def residual(params, ydata, *rows):
        values = f(xdata, *columns(params)) - ydata
        values = _weigh(values, shared, rows, per_curve, None)
        return _compact(values, rows, order, 1)

    if jac is None:
        return residual, None
    shape = (n, m) if col_deriv else (m, n)
    point_axis = 2 if col_deriv else 1

    def jacobian(params, ydata, *rows):
        matrix = np.asarray(jac(xdata, *columns(params)))
        k = params.shape[0]
        if n == 1 and matrix.ndim == 2:
            matrix = matrix[:, None, :] if col_deriv else matrix[:, :, None]
        try:
            matrix = np.broadcast_to(matrix, (k, *shape))
        except ValueError:
            raise ValueError(
                f"{_WHO}: jac returned shape {matrix.shape} for {k} fits; "
                f"it must broadcast to (k, {shape[0]}, {shape[1]}) (see "
                f"curve_fit_batch's Notes)") from None
        matrix = _weigh(matrix, shared, rows, per_curve, point_axis)
        return _compact(matrix, rows, order, point_axis)

    return residual, jacobian


def _plain_functions(f, jac, xdata, weights, per_curve, order, n, m,
                     col_deriv):
    """func(x, y[, w][, order, kept]) for a plain leastsq_batch: f gets
    scalars, one fit after another."""
    shared = None if per_curve else weights

    def residual(params, ydata, *rows):
        values = f(xdata, *params) - ydata
        values = _weigh(values[None], shared, _row_views(rows), per_curve,
                        None)
        return _compact(values, _row_views(rows), order, 1)[0]

    if jac is None:
        return residual, None
    shape = (n, m) if col_deriv else (m, n)
    point_axis = 2 if col_deriv else 1

    def jacobian(params, ydata, *rows):
        matrix = np.asarray(jac(xdata, *params))
        if n == 1 and matrix.ndim == 1:
            matrix = matrix[None, :] if col_deriv else matrix[:, None]
        if matrix.shape != shape:
            raise ValueError(f"{_WHO}: jac returned shape {matrix.shape}; "
                             f"it must be {shape}")
        matrix = _weigh(matrix[None], shared, _row_views(rows), per_curve,
                        point_axis)
        return _compact(matrix, _row_views(rows), order, point_axis)[0]

    return residual, jacobian


def _row_views(rows):
    """A plain batch passes fit k's rows as 1-D; the shared helpers take
    (1, ...) blocks."""
    return tuple(row[None] for row in rows)


def _weigh(values, shared, rows, per_curve, point_axis):
    """curve_fit's weighting: w * r, and w along the points axis of J."""
    if per_curve:
        weights = rows[0]
        if point_axis == 1:
            weights = weights[:, :, None]
        elif point_axis == 2:
            weights = weights[:, None, :]
        return weights * values
    if shared is None:
        return values
    if shared.ndim == 1 and shared.size > 1 and point_axis == 1:
        return shared[:, None] * values
    return shared * values


def _compact(values, rows, order, point_axis):
    """nan_policy='omit': each curve's kept points first, the rest 0."""
    if order is None:
        return values
    indices, kept = rows[-2], rows[-1]
    if point_axis == 1 and values.ndim == 3:
        indices, kept = indices[:, :, None], kept[:, :, None]
    elif values.ndim == 3:
        indices, kept = indices[:, None, :], kept[:, None, :]
    values = np.take_along_axis(values, indices, axis=point_axis)
    return np.where(kept, values, 0.0)


def _run(residual, jacobian, starts, data, runnable, vectorized,
         explicit_no_check, full_output, progress, kwargs, m, n):
    """leastsq_batch on the curves that have enough points; the others get
    ier 0 (MINPACK's answer to m < n) without a run."""
    options = dict(vectorized=vectorized, check_finite=not explicit_no_check,
                   full_output=full_output, progress=progress, m=m, **kwargs)
    run = np.flatnonzero(runnable)
    subset = run.size < runnable.size
    try:
        if not subset:
            return leastsq_batch(residual, starts, Dfun=jacobian,
                                 data=tuple(data), **options)
        partial = leastsq_batch(residual, starts[run], Dfun=jacobian,
                                data=tuple(d[run] for d in data), **options)
    except NonFiniteInputError as err:
        if err.name != "func(x0)" or err.fit is None:
            raise
        curve = int(run[err.fit]) if subset else err.fit
        raise ValueError(
            f"{_WHO}: the residual f(xdata, *p) - ydata (weighted by sigma) "
            f"must be finite at p0, but entry {err.index} of curve {curve} "
            f"is not (pass check_finite=False to allow it)") from None
    return _scatter(partial, run, starts, m, n)


def _scatter(partial, run, starts, m, n):
    """The BatchResult of all K curves from that of the curves run."""
    count = starts.shape[0]

    def spread(array, fill):
        if array is None:
            return None
        whole = np.full((count, *array.shape[1:]), fill, array.dtype)
        whole[run] = array
        return whole

    x = starts.copy()  # a fit never run stays at its start
    x[run] = partial.x
    return BatchResult(
        x=x,
        ier=spread(partial.ier, 0), nfev=spread(partial.nfev, 0),
        njev=spread(partial.njev, 0), fnorm=spread(partial.fnorm, np.nan),
        cov_x=spread(partial.cov_x, np.nan),
        status=spread(partial.status, 0), fvec=spread(partial.fvec, 0.0),
        fjac=spread(partial.fjac, 0.0), ipvt=spread(partial.ipvt, 0),
        qtf=spread(partial.qtf, 0.0), options=partial._options)


def _popt_pcov(result, points, n, absolute_sigma):
    """curve_fit's popt and pcov for every fit, elementwise the same
    arithmetic (_curve_fit._pcov), NaN for the fits that failed."""
    success = result.success
    cov_x = result.cov_x
    unknown = success & np.isnan(cov_x).any(axis=(1, 2))
    if absolute_sigma:
        pcov = cov_x.copy()
    else:
        unknown |= success & (points <= n)
        fnorm = result.fnorm
        with np.errstate(divide="ignore", invalid="ignore"):
            variance = fnorm * fnorm / (points - n)
        pcov = cov_x * variance[:, None, None]
    pcov[~success] = np.nan
    pcov[unknown] = np.inf
    if unknown.any():
        warnings.warn(f"{COVARIANCE_WARNING} for {np.count_nonzero(unknown)} "
                      f"of {len(result)} fits", OptimizeWarning, stacklevel=3)
    popt = np.where(success[:, None], result.x, np.nan)
    return popt, pcov
