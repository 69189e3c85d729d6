"""``curve_fit_batch``: one model fitted to K curves, each its own MINPACK.

The curves differ in ydata (and p0, sigma, and possibly xdata); they may
come as a cube with the points along any axis (``_fits_shape``), with
their own x (``_curve_x``), and a curve that cannot be fitted is reported
(``_fit_screening``); the core below sees plain (K, m) rows.  The default,
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

import contextlib
import re

import numpy as np

from . import _bounds
from . import _curve_fit_inputs as inputs
from . import _fit_screening as screening
from ._batch import leastsq_batch
from ._batch_result import BatchResult
from ._columns import columns
from ._curve_x import as_model_x, nan_points, per_curve_rows
from ._fits_shape import layout
from ._leastsq import NonFiniteInputError
from ._notes import add_note as _add_note
from ._progress import progress_bar

__all__ = ["curve_fit_batch"]

_WHO = "curve_fit_batch"


def curve_fit_batch(f, xdata, ydata, p0=None, sigma=None,
                    absolute_sigma=False, *, axis=-1, bounds=None, jac=None,
                    check_finite=None, nan_policy=None, vectorized=True,
                    engine="numpy", threads=None, full_output=False,
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
        Shared by all curves, converted as ``curve_fit`` converts it; or
        one per curve: an array of ydata's shape (or broadcasting to it
        with the same number of dimensions), or for a model of c
        coordinates such arrays stacked as ``(c, *ydata.shape)``.  f then gets
        the rows of the fits it evaluates, (k, m) or (c, k, m).  A shared
        multi-coordinate xdata (c, m) with exactly c curves reads as one
        per curve: give it as (c, 1, m).
    ydata : array_like, shape (K, m) or any fits' shape with the points
        along `axis`
        The curves: every axis but `axis` indexes the fits (a (m, ny, nx)
        cube with ``axis=0`` is ny*nx fits of shape (ny, nx)).
    p0 : array_like, shape (n,) or the fits' shape + (n,), optional
        One start for all curves, or one per curve (broadcasting to the
        fits' shape as numpy does); None means ``ones(n)`` with n read
        from f's signature.
    sigma : None, scalar or array_like, optional
        Standard deviations: a scalar for all points of all curves; (m,)
        one per point shared by the curves; one per curve, of the fits'
        shape (or ydata's with a length-1 points axis); or one per point,
        ydata's shape; broadcasting as numpy does.  (A (K,) sigma with K ==
        m is read as (m,): give it as (K, 1).)  Covariance matrices are
        ``curve_fit``'s only.
    absolute_sigma : bool, optional
        As in ``curve_fit``.
    bounds : 2-tuple or object with ``lb`` and ``ub``, optional, keyword-only
        As in ``curve_fit``, each side a scalar, (n,) for every curve, or
        one row per curve in the fits' shape + (n,) (per-pixel limits, say);
        ``lb == ub`` fixes a parameter in the curves where it holds.  With
        p0=None each curve starts at scipy's feasible default for its
        bounds.  ``result.at_bound`` flags the parameters that ended on a
        bound.
    jac : callable, optional, keyword-only
        ``jac(xdata, p1, ..., pn)``; with `vectorized` it gets (k, 1)
        columns and returns an array that broadcasts to (k, m, n) ((k, n,
        m) with ``col_deriv=True``; (k, m) for n = 1), for example the
        one-curve Jacobian written as ``np.stack([...], axis=-1)``.
    axis : int, optional, keyword-only
        The axis of `ydata` along which a curve's points lie (default the
        last).
    check_finite, nan_policy
        As in ``curve_fit``, per curve: with nan_policy='omit' each curve
        drops its own NaN points (and those where its own x is NaN; a
        shared xdata's NaN points go from all curves), so curves of
        different lengths come as NaN-padded rows.  A zero or NaN sigma at
        a point a curve omits is ignored.  Under 'omit' (or
        ``check_finite=False``) a curve that cannot be fitted is reported,
        not run (ier 0, its own message): fewer finite points than
        free parameters (a parameter that the curve's bounds fix, lb ==
        ub, needs no point), a NaN or infinite start, a model not finite
        at its start.
    vectorized : bool, optional, keyword-only
        With engine='numpy': False calls f (and jac) with scalar
        parameters, one fit after another, for a model that cannot
        broadcast.
    engine : {'numpy', 'numba', 'auto'}, optional, keyword-only
        'numpy' (the default) calls f with numpy, as described above.
        'numba' compiles f (and jac) with numba for one curve,
        ``f(xdata, p1, ..., pn)`` with float parameters and xdata a
        float64 array, and runs the fits on a pool of C threads without
        the GIL (see Notes); a model numba cannot compile raises a
        TypeError saying why.  'auto' is 'numba' when numba is installed
        and compiles the model, 'numpy' otherwise; ``result.engine`` says
        which ran and ``result.engine_reason`` why not numba.
    threads : int, optional, keyword-only
        engine='numba' only: the number of C threads (None: the cores this
        process may use).  The results do not depend on it.
    full_output : bool, optional, keyword-only
        Also keep each fit's fvec, fjac, ipvt and qtf in the result.
    progress : bool or callable, optional, keyword-only
        True shows a bar on stderr named curve_fit_batch, with the rate
        and the time left (tqdm's when installed, else a plain line); a
        callable receives ``(done, total)``.
    **kwargs
        MINPACK's options: ``ftol``, ``xtol``, ``gtol``, ``maxfev``,
        ``epsfcn``, ``factor``, ``diag`` ((n,) or the fits' shape + (n,)),
        ``col_deriv``.

    Returns
    -------
    popt : ndarray, shape fits' shape + (n,)
        Each curve's parameters; NaN where its fit failed (ier not 1..4).
    pcov : ndarray, shape fits' shape + (n, n)
        Each curve's covariance, as ``curve_fit`` gives it (all ``inf``
        where it cannot be estimated; one :class:`OptimizeWarning` for the
        whole batch says how many and names the first few), NaN where the
        fit failed.
    result : BatchResult
        In the fits' shape: each fit's ``ier``, ``nfev``, ``njev``,
        ``fnorm``, ``cov_x``, ``success``, ``at_bound``, ``message(k)`` (k
        a flat index or a tuple), the standard errors ``perr`` (NaN where
        pcov is), the
        mask ``covariance_unknown``, the last iterate ``x``, and with
        `full_output` the arrays of leastsq's infodict (fvec is the
        weighted residual; with nan_policy='omit' a curve's kept points
        come first and its omitted ones are 0); ``engine`` ('numpy' or
        'numba'), ``engine_reason`` (with engine='auto', why numba did not
        run; else None) and ``compile_seconds`` (the time this call spent
        compiling; 0.0 when the model was compiled by an earlier call).

    Raises
    ------
    ValueError, TypeError
        Bad input, as ``curve_fit`` raises for it, naming the curve by its
        index in the fits' shape: NaN or inf in ydata, a non-finite start
        or model at the start (with `check_finite`, the default without a
        nan_policy), a zero or non-finite sigma at a point kept, wrong
        shapes.
    Exception
        An exception from f or jac stops the batch and propagates, with a
        note naming the fits (with engine='numba', the fits run on; the
        first fit whose f or jac raised is named, and the exception is
        raised again by calling the compiled f or jac from Python at that
        fit's parameters).

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

    With engine='numba', pyminpack generates the compiled residual around
    the compiled f: weights, each curve's data and the NaN omission are the
    numpy engine's arithmetic, element by element, so the two engines give
    the same bits wherever numba computes the model as numpy does: ``+``,
    ``-``, ``*``, ``/``, ``np.sqrt``, and the C library's ``exp``, ``log``,
    ``sin``, ``cos`` on a CPU where numpy uses them too (numpy has faster
    ``exp`` and ``log`` of its own with AVX-512F); ``p ** 2`` of a
    parameter is ``p*p`` in numba but ``pow`` for curve_fit's numpy
    scalars.  Elsewhere the fits agree to the last few bits, as two runs
    of MINPACK on residuals that differ by an ulp do (the user guide,
    "The numba engine").  Compilation takes about a second per model and
    variant (weights, nan_policy, col_deriv, jac) and is done once per
    process.

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
    with _named(_WHO):  # every input error says curve_fit_batch
        _check_keywords(kwargs, _WHO)
        explicit_no_check = check_finite is not None and not check_finite
        check_finite = inputs.resolve_check_finite(check_finite, nan_policy)
        ydata = np.asarray(ydata, float)
        cube = layout(ydata, axis, _WHO)
        ydata = np.ascontiguousarray(cube.rows(ydata))
        n, starts = _starts(f, p0, cube)
        limits = _bounds.per_fit(_bounds.as_rows(bounds, cube.shape, _WHO),
                                 cube.count, n, _WHO, unit="curve")
        if limits is not None:
            if p0 is None:  # scipy's feasible start, curve by curve
                starts = np.array(np.broadcast_to(
                    _bounds.feasible_start(*limits), (cube.count, n)))
            _bounds.check_feasible(starts, *limits, _WHO, "p0",
                                   unit="curve")
        if check_finite:
            _require_finite_starts(starts, cube)
            _require_finite_curves(ydata, cube)
        xdata = inputs.as_xdata(xdata, check_finite)
        xrows = per_curve_rows(xdata, cube)
    popt, pcov, result = fit_rows(
        f, xdata, xrows, ydata, starts, cube, sigma=sigma,
        absolute_sigma=absolute_sigma, jac=jac, check_finite=check_finite,
        explicit_no_check=explicit_no_check, nan_policy=nan_policy,
        vectorized=vectorized, full_output=full_output, progress=progress,
        options=kwargs, engine=engine, threads=threads, limits=limits)
    return cube.restore(popt), cube.restore(pcov), result


def fit_rows(f, xdata, xrows, ydata, starts, cube, *, sigma, absolute_sigma,
             jac, check_finite, explicit_no_check, nan_policy, vectorized,
             full_output, progress, options, notes=None, depth=2,
             engine="numpy", threads=None, limits=None):
    """The core of curve_fit_batch (and of curve_fit_groups): the curves as
    (K, m) rows of ydata, their own x rows (or None for a shared xdata),
    the (K, n) starts, and `cube` naming the function called and the fits
    in messages.  `notes` ({fit: why}) are fits the caller found cannot be
    run; `depth` is the number of frames from here to the user's call (for
    the covariance warning).  Returns popt (K, n), pcov (K, n, n) and the
    result, reshaped to the fits' shape."""
    kwargs = dict(options)
    count, m = ydata.shape
    n = starts.shape[1]
    who = cube.who
    with _named(who):
        if m == 0:
            raise ValueError("`ydata` must not be empty!")
        policy = (None if check_finite
                  else inputs.check_nan_policy(nan_policy))
        if policy == "raise":
            inputs.raise_on_nan(xdata, ydata)
        kind, sigma = (None, None) if sigma is None else _sigma(sigma, cube)
        points = np.full(count, m)
        order = kept = positions = None
        if policy == "omit":
            xdata, ydata, sigma, points, order, kept, positions = _omit_nan(
                xdata, xrows, ydata, sigma, cube)
            m = ydata.shape[1]
        if sigma is not None:
            sigma = screening.sigma_at_kept_points(
                sigma, kept, cube, positions, not explicit_no_check)
        if jac is not None and not callable(jac):
            raise TypeError(f"{who}: jac must be a callable or None, not "
                            f"{jac!r}")
        # A fixed parameter (lb == ub) is no unknown: it needs no point.
        n_free = n if limits is None else _bounds.free_count(*limits)
        if np.max(n_free) > m:
            raise TypeError(f"The number of func parameters={n} must not "
                            f"exceed the number of data points={m}")
        if "diag" in kwargs and np.ndim(kwargs["diag"]) > 1:
            kwargs["diag"] = cube.per_fit(kwargs["diag"], (n,), "diag")

    weights = None if sigma is None else inputs.reciprocal_sigma(sigma)
    per_curve = kind == "per curve"
    col_deriv = bool(kwargs.get("col_deriv", False))
    compiled, reason = _compiled_model(engine, threads, f, jac, xdata, xrows,
                                       n, weights, per_curve, order,
                                       col_deriv)
    if compiled is not None:
        # One group: the generated code handles complete and ragged curves.
        from . import _numba_engine as numba_engine
        model = compiled[0]
        rows, shared, raised = numba_engine.row_arrays(
            xdata, ydata, weights,
            numba_engine.weights_kind(weights, per_curve), points, order, n)
        groups = [(None, (model.residual, model.jacobian), [rows])]
        kwargs = {key: value for key, value in kwargs.items()
                  if key != "col_deriv"}  # the generated jac handles it
    else:
        make = _vectorized_functions if vectorized else _plain_functions
        data = [ydata]
        if xrows is not None:
            data.append(xrows)
        if per_curve:
            data.append(weights)
        rows = _Rows(xrows is not None, per_curve, False)
        groups = [(None, make(f, jac, xdata, weights, rows, n, m, col_deriv,
                              who), data)]
        if order is not None:
            # The curves that keep every point run without the reordering
            # (and without its rows in every call); those that omit points,
            # with it.
            ragged = points < m
            omit = _Rows(xrows is not None, per_curve, True)
            groups = [(~ragged, groups[0][1], data),
                      (ragged, make(f, jac, xdata, weights, omit, n, m,
                                    col_deriv, who),
                       data + [order, kept_first(points, m)])]
    all_notes = screening.too_few_points(
        points, n, None if limits is None else n_free)
    all_notes.update(screening.nonfinite_starts(starts))
    all_notes.update(notes or {})
    report_nonfinite = not check_finite and not explicit_no_check
    result = _run(groups, starts, all_notes, vectorized and compiled is None,
                  explicit_no_check, report_nonfinite, full_output,
                  _progress(progress, who), kwargs, m, n, cube,
                  compiled=compiled is not None, threads=threads,
                  limits=limits)
    if compiled is not None:
        del shared  # the fits read it until here
        _raise_model_error(compiled[0], result, raised, xdata, m, n)
    result.engine = "numba" if compiled is not None else "numpy"
    result.engine_reason = reason
    result.compile_seconds = 0.0 if compiled is None else compiled[1]
    popt, pcov = _popt_pcov(result, points, n_free, bool(absolute_sigma),
                            cube, depth)
    result._reshape(cube.shape)
    return popt, pcov, result


@contextlib.contextmanager
def _named(who):
    """Input errors raised with scipy's texts (shared with curve_fit) or
    numpy's get the name of the function called in front."""
    try:
        yield
    except (TypeError, ValueError) as err:
        text = str(err)
        if type(err) in (TypeError, ValueError) and \
                not text.startswith(who):
            raise type(err)(f"{who}: {text}") from None
        raise


_ENGINES = ("numpy", "numba", "auto")


def _compiled_model(engine, threads, f, jac, xdata, xrows, n, weights,
                    per_curve, order, col_deriv):
    """((CompiledModel, seconds compiling) or None, the reason numba does
    not run with engine='auto' or None)."""
    if not isinstance(engine, str) or engine not in _ENGINES:
        raise ValueError(f"{_WHO}: engine must be 'numpy', 'numba' or "
                         f"'auto', not {engine!r}")
    if engine == "numpy":
        if threads is not None and threads != 1:
            raise ValueError(f"{_WHO}: threads applies to engine='numba'; "
                             f"engine='numpy' runs in the calling thread "
                             f"(threads=None or 1)")
        return None, None
    from . import _numba_engine as numba_engine
    try:
        if xrows is not None:
            raise numba_engine.CompileError(
                f"{_WHO}: engine='numba' takes one xdata shared by the "
                f"curves, not one per curve; engine='numpy' takes both",
                "xdata is per curve")
        if not isinstance(xdata, np.ndarray) or xdata.ndim == 0:
            raise numba_engine.CompileError(
                f"{_WHO}: engine='numba' needs xdata as an array of one or "
                f"more dimensions (xdata is {type(xdata).__name__}); "
                f"engine='numpy' passes any xdata to f",
                "xdata is not an array")
        return numba_engine.compiled_model(
            f, jac, n, xdata.ndim,
            numba_engine.weights_kind(weights, per_curve), order is not None,
            col_deriv, _WHO), None
    except numba_engine.CompileError as err:
        if engine == "numba":
            raise
        return None, err.reason


def _raise_model_error(model, result, raised, xdata, m, n):
    """The first fit that f or jac stopped: raise what they raised (by
    calling them from Python where they raised), or what was wrong with
    their shape."""
    from . import _numba_engine as numba_engine
    stopped = np.flatnonzero((result.ier < 0) & (result.status > 0))
    if stopped.size == 0:
        return
    k = int(stopped[0])
    status = int(result.status[k])
    params = raised[k].copy()
    role = "f" if status in (numba_engine.F_RAISED,
                             numba_engine.F_WRONG_SIZE) else "jac"
    function = model.model if role == "f" else model.jac
    note = (f"in fit {k} of {len(result)} (curve_fit_batch, "
            f"engine='numba'; {stopped.size} fits stopped)")
    try:
        value = function(xdata, *params)
    except BaseException as exc:
        _add_note(exc, note)
        raise
    if status in (numba_engine.F_WRONG_SIZE, numba_engine.JAC_WRONG_SIZE):
        wanted = (f"({m},)" if role == "f" else
                  f"({m}, {n}) (or ({n}, {m}) with col_deriv)")
        raise ValueError(f"{_WHO}: {role} returned shape "
                         f"{np.shape(value)} for one curve; engine='numba' "
                         f"needs {wanted}")
    raise RuntimeError(f"{_WHO}: {role} raised in fit {k} (engine='numba') "
                       f"but not when called again from Python")


def _curves(ydata):
    ydata = np.asarray(ydata, float)
    if ydata.ndim != 2:
        raise ValueError(f"{_WHO}: ydata must have shape (K, m), one curve "
                         f"per row, not {ydata.shape}")
    return ydata


# The options curve_fit_batch passes on to MINPACK (leastsq_batch's).
_MINPACK_OPTIONS = ("ftol", "xtol", "gtol", "maxfev", "epsfcn", "factor",
                    "diag", "col_deriv")


def _check_keywords(kwargs, who):
    if "args" in kwargs:
        raise ValueError("'args' is not a supported keyword argument.")
    for name in kwargs:
        if name not in _MINPACK_OPTIONS:
            raise TypeError(f"{who}() got an unexpected keyword argument "
                            f"{name!r}")


def _progress(progress, who):
    """progress=True is a bar named for the function called."""
    if progress is None or progress is False:
        return None
    if progress is True:
        return progress_bar(who)
    if callable(progress):
        return progress
    raise TypeError(f"{who}: progress must be True, False or a callable "
                    f"taking (done, total), not {type(progress).__name__}")


def _starts(f, p0, cube):
    """n and the (K, n) float64 starts."""
    if p0 is None:
        n, start = inputs.parameter_count(f, None)
        return n, np.tile(start, (cube.count, 1))
    p0 = np.asarray(p0)
    if p0.dtype.kind not in "biuf" or p0.dtype.itemsize > 8:
        raise TypeError(f"{cube.who}: p0 must hold real numbers, not dtype "
                        f"{p0.dtype}")
    if p0.ndim <= 1:
        starts = np.tile(p0.astype(np.float64).reshape(-1), (cube.count, 1))
    else:
        starts = np.array(cube.per_fit(p0, p0.shape[-1:], "p0"),
                          dtype=np.float64)
    n = starts.shape[1]
    if n == 0:
        raise ValueError(f"{cube.who}: p0 is empty: there is no parameter to "
                         f"fit")
    return n, starts


def _require_finite_starts(starts, cube):
    bad = ~np.isfinite(starts)
    if bad.any():
        k, j = np.argwhere(bad)[0]
        raise ValueError(f"{cube.who}: p0 must be finite, but entry {j} of "
                         f"{cube.name(k)} is {starts[k, j]} (pass "
                         f"nan_policy='omit' to report such curves as not "
                         f"run, check_finite=False to allow it)")


def _require_finite_curves(ydata, cube):
    bad = ~np.isfinite(ydata)
    if bad.any():
        k, j = np.argwhere(bad)[0]
        raise ValueError(f"{cube.who}: ydata must be finite, but "
                         f"{cube.name(k)} "
                         f"is {ydata[k, j]} at point {j} (nan_policy='omit' "
                         f"drops NaN points; check_finite=False allows "
                         f"them)")


def _sigma(sigma, cube):
    """("shared", sigma) or ("per curve", (K, m) rows), in sigma's dtype:
    a scalar or (m,) is shared; an array of ydata's number of dimensions
    broadcasts to ydata (per point, or per curve with a length-1 points
    axis); one of the fits' shape is one per curve."""
    sigma = inputs.real_sigma(sigma, cube.who)
    m = cube.m
    if sigma.shape in ((), (1,), (m,)):
        return "shared", sigma
    try:
        if sigma.ndim == cube.ndim:
            rows = cube.rows(sigma)
        elif sigma.ndim == cube.ndim - 1:
            rows = np.broadcast_to(cube.per_fit(sigma, (), "sigma")[:, None],
                                   (cube.count, m))
        else:
            raise ValueError
    except ValueError:
        raise ValueError(
            f"{cube.who}: sigma must be a scalar or have shape ({m},) or "
            f"{(*cube.shape[:cube.axis], m, *cube.shape[cube.axis:])} (or "
            f"broadcast to it; one per curve: the fits' shape {cube.shape}), "
            f"not {sigma.shape}") from None
    return "per curve", np.ascontiguousarray(rows)


def _omit_nan(xdata, xrows, ydata, sigma, cube):
    """nan_policy='omit': the points where a shared xdata is NaN go from
    every curve; a curve's own NaN points (in ydata, or in its own x) go to
    the end of its residuals.  Returns xdata, ydata and sigma cut, each
    curve's number of points, the order that puts each curve's kept points
    first (None when no curve has NaN of its own), the (K, m) mask of kept
    points, and the caller's index of each column left (None if none was
    cut)."""
    y_nan = np.isnan(ydata)
    positions = None
    if xrows is not None:
        y_nan |= nan_points(xrows)
    else:
        x_nan = inputs.nan_mask(xdata)
        if x_nan is None:
            if y_nan.any():
                raise ValueError(
                    f"{cube.who}: nan_policy='omit' needs xdata as an array "
                    f"(a list, tuple or ndarray) to drop the points where "
                    f"ydata is NaN; xdata is {type(xdata).__name__}")
        elif x_nan.shape != (ydata.shape[1],):
            raise ValueError(
                f"{cube.who}: nan_policy='omit' drops points along xdata's "
                f"last axis and the curves'; xdata of shape {np.shape(xdata)} "
                f"does not have the {ydata.shape[1]} points of each curve")
        elif x_nan.any():
            keep = ~x_nan
            positions = np.flatnonzero(keep)
            xdata = xdata[..., keep]
            ydata = ydata[:, keep]
            y_nan = y_nan[:, keep]
            if sigma is not None and sigma.ndim == 2:
                sigma = sigma[:, keep]
            elif sigma is not None and sigma.size > 1:
                sigma = sigma[keep]
    points = ydata.shape[1] - np.count_nonzero(y_nan, axis=1)
    kept = ~y_nan
    if not y_nan.any():
        return xdata, ydata, sigma, points, None, kept, positions
    order = np.argsort(y_nan, axis=1, kind="stable")  # kept points first
    return xdata, ydata, sigma, points, order, kept, positions


def kept_first(points, m):
    """After the reordering, curve k keeps its first points[k] entries."""
    return np.arange(m) < points[:, None]


class _Rows:
    """Which per-fit rows follow ydata in leastsq_batch's data: the
    curve's own x, its weights, and for nan_policy='omit' the order and
    the mask of kept points."""

    __slots__ = ("x", "weights", "omit")

    def __init__(self, x, weights, omit):
        self.x, self.weights, self.omit = x, weights, omit

    def split(self, rows):
        """(x rows or None, weight rows or None, (order, kept) or None)."""
        i = 0
        x = weights = None
        if self.x:
            x, i = rows[0], 1
        if self.weights:
            weights, i = rows[i], i + 1
        return x, weights, (rows[i], rows[i + 1]) if self.omit else None


def _vectorized_functions(f, jac, xdata, weights, rows, n, m, col_deriv,
                          who):
    """func(X, Y, *rows) for leastsq_batch(vectorized=True), and its Dfun:
    curve_fit's residual and Jacobian, row by row."""
    shared = None if rows.weights else weights

    def residual(params, ydata, *data):
        x, own, omit = rows.split(data)
        x = xdata if x is None else as_model_x(x)
        values = f(x, *columns(params)) - ydata
        values = _weigh(values, shared if own is None else own, -1)
        return _compact(values, omit, -1)

    if jac is None:
        return residual, None
    shape = (n, m) if col_deriv else (m, n)
    point_axis = -1 if col_deriv else -2

    def jacobian(params, ydata, *data):
        x, own, omit = rows.split(data)
        x = xdata if x is None else as_model_x(x)
        matrix = np.asarray(jac(x, *columns(params)))
        k = params.shape[0]
        if n == 1 and matrix.ndim == 2:
            matrix = matrix[:, None, :] if col_deriv else matrix[:, :, None]
        try:
            matrix = np.broadcast_to(matrix, (k, *shape))
        except ValueError:
            raise ValueError(
                f"{who}: jac returned shape {matrix.shape} for {k} fits; "
                f"it must broadcast to (k, {shape[0]}, {shape[1]}) (see "
                f"curve_fit_batch's Notes)") from None
        matrix = _weigh(matrix, shared if own is None else own, point_axis)
        return _compact(matrix, omit, point_axis)

    return residual, jacobian


def _plain_functions(f, jac, xdata, weights, rows, n, m, col_deriv, who):
    """func(x, y, *rows) for a plain leastsq_batch: f gets scalars, one
    fit after another (and the curve's own x as its row)."""
    shared = None if rows.weights else weights

    def residual(params, ydata, *data):
        x, own, omit = rows.split(data)
        values = f(xdata if x is None else x, *params) - ydata
        values = _weigh(values, shared if own is None else own, -1)
        return _compact(values, omit, -1)

    if jac is None:
        return residual, None
    shape = (n, m) if col_deriv else (m, n)
    point_axis = -1 if col_deriv else -2

    def jacobian(params, ydata, *data):
        x, own, omit = rows.split(data)
        matrix = np.asarray(jac(xdata if x is None else x, *params))
        if n == 1 and matrix.ndim == 1:
            matrix = matrix[None, :] if col_deriv else matrix[:, None]
        if matrix.shape != shape:
            raise ValueError(f"{who}: jac returned shape {matrix.shape}; "
                             f"it must be {shape}")
        matrix = _weigh(matrix, shared if own is None else own, point_axis)
        return _compact(matrix, omit, point_axis)

    return residual, jacobian


def _weigh(values, weights, point_axis):
    """curve_fit's weighting, w * r, and w along the points axis of J:
    `weights` None, a scalar, (m,) shared, or a curve's own (..., m)."""
    if weights is None:
        return values
    if point_axis == -2 and weights.ndim >= 1 and weights.size > 1:
        weights = weights[..., :, None]
    elif point_axis == -1 and weights.ndim == 2 and values.ndim == 3:
        weights = weights[:, None, :]  # (k, m) along J's (k, n, m)
    return weights * values


def _compact(values, omit, point_axis):
    """nan_policy='omit': each curve's kept points first, the rest 0."""
    if omit is None:
        return values
    indices, kept = omit
    if point_axis == -2:
        indices, kept = indices[..., :, None], kept[..., :, None]
    elif values.ndim > indices.ndim:
        indices, kept = indices[..., None, :], kept[..., None, :]
    values = np.take_along_axis(values, indices, axis=point_axis)
    return np.where(kept, values, 0.0)


def _run(groups, starts, notes, vectorized, explicit_no_check,
         report_nonfinite, full_output, progress, kwargs, m, n, cube,
         compiled=False, threads=None, limits=None):
    """leastsq_batch on the curves that can be fitted, one run per group
    of curves (members, (residual, jacobian), data); the others (in
    `notes`, with why) get ier 0 without a run.  With `report_nonfinite`,
    a curve whose residual is not finite at its start joins them;
    otherwise it is curve_fit's error, naming the curve."""
    candidates = np.setdiff1d(np.arange(cube.count), list(notes),
                              assume_unique=True)
    runs = [candidates if members is None else candidates[members[candidates]]
            for members, _, _ in groups]
    total, done = sum(run.size for run in runs), 0
    partials = []
    for (_, (residual, jacobian), data), run in zip(groups, runs):
        if partials and run.size == 0:
            continue
        if report_nonfinite and not vectorized and not compiled:
            # The plain engine raises at the first such fit and keeps
            # nothing: look at every start first (one call of f a curve).
            run = _drop_nonfinite_at_start(residual, starts, data, run,
                                           notes, cube)
        shifted = _shifted(progress, done, total)
        options = dict(vectorized=vectorized,
                       check_finite=not explicit_no_check,
                       full_output=full_output, progress=shifted, m=m,
                       bounds=limits, **kwargs)
        if limits is not None and limits[0].ndim == 2:
            options["bounds"] = (limits[0][run], limits[1][run])
        if compiled and threads is not None:  # the numba engine's
            options["threads"] = threads
        partials.append((run, _run_group(residual, jacobian, starts, data,
                                          run, notes, report_nonfinite,
                                          shifted, options, cube)))
        done += run.size
    return _merge(partials, starts, notes)


def _shifted(progress, done, total):
    """The progress of one group as part of the whole batch's."""
    if progress is None:
        return None
    return lambda count, _: progress(done + count, total)


def _run_group(residual, jacobian, starts, data, run, notes,
               report_nonfinite, progress, options, cube):
    try:
        return _leastsq_batch_in_our_name(residual, jacobian, starts, data,
                                          run, options, cube)
    except NonFiniteInputError as err:
        partial = getattr(err, "batch_result", None)
        if err.name != "func(x0)" or err.fit is None:
            raise
        if not report_nonfinite or partial is None:
            raise ValueError(
                f"{cube.who}: the residual f(xdata, *p) - ydata (weighted by "
                f"sigma) must be finite at p0, but entry {err.index} of "
                f"{cube.name(run[err.fit])} is not (pass check_finite=False "
                f"to allow it)") from None
        for j in np.flatnonzero(err.nonfinite >= 0):
            notes[int(run[j])] = screening.nonfinite_residual(
                err.nonfinite[j])
        if progress is not None:
            progress(run.size, run.size)
        return partial
    except (TypeError, ValueError) as err:
        # leastsq_batch checked the options: say it as curve_fit_batch.
        text = str(err)
        if type(err) in (TypeError, ValueError) and \
                text.startswith("leastsq_batch:"):
            raise type(err)(cube.who + text[len("leastsq_batch"):]) from None
        raise


# The notes leastsq_batch adds to an exception from f: which of its fits
# were being evaluated, by their rows in this run.
_ENGINE_NOTE = re.compile(
    r"in leastsq_batch\(vectorized=True\), evaluating \d+ fits?: "
    r"\[(?P<fits>[\d, ]*)\](?P<more> and more)?"
    r"|in fit (?P<fit>\d+) of \d+ \(leastsq_batch\)")


def _leastsq_batch_in_our_name(residual, jacobian, starts, data, run,
                               options, cube):
    """leastsq_batch on the curves `run`; an exception from f names them
    as the caller knows them (curve (3, 41)), not as the engine's fits."""
    try:
        return leastsq_batch(residual, starts[run], Dfun=jacobian,
                             data=tuple(d[run] for d in data), **options)
    except BaseException as exc:
        notes = getattr(exc, "__notes__", None)
        for i, note in enumerate(notes if isinstance(notes, list) else []):
            match = (_ENGINE_NOTE.fullmatch(note) if isinstance(note, str)
                     else None)
            if match is None:
                continue
            fits = ([match["fit"]] if match["fit"] is not None
                    else match["fits"].split(","))
            names = ", ".join(cube.name(run[int(k)]) for k in fits)
            notes[i] = (f"in {cube.who}, evaluating {names}"
                        f"{match['more'] or ''}")
        raise


def _drop_nonfinite_at_start(residual, starts, data, run, notes, cube):
    keep = []
    for k in run:
        try:
            with np.errstate(all="ignore"):
                values = np.asarray(residual(starts[k],
                                             *(d[k] for d in data)))
        except BaseException as exc:
            _add_note(exc, f"in {cube.who}, evaluating {cube.name(k)} at p0")
            raise
        bad = np.flatnonzero(~np.isfinite(values))
        if bad.size:
            notes[int(k)] = screening.nonfinite_residual(bad[0])
        else:
            keep.append(k)
    return np.asarray(keep, dtype=np.intp)


def _merge(partials, starts, notes):
    """The BatchResult of all K curves from those of the runs, (run,
    result) pairs."""
    count = starts.shape[0]
    if len(partials) == 1 and partials[0][0].size == count:
        partials[0][1]._notes = notes
        return partials[0][1]
    first = partials[0][1]

    def spread(name, fill):
        parts = [(run, getattr(result, name)) for run, result in partials]
        if parts[0][1] is None:
            return None
        array = parts[0][1]
        whole = np.full((count, *array.shape[1:]), fill, array.dtype)
        for run, part in parts:
            whole[run] = part
        return whole

    x = starts.copy()  # a fit never run stays at its start
    for run, result in partials:
        x[run] = result.x
    return BatchResult(
        x=x, ier=spread("ier", 0), nfev=spread("nfev", 0),
        njev=spread("njev", 0), fnorm=spread("fnorm", np.nan),
        cov_x=spread("cov_x", np.nan), status=spread("status", 0),
        fvec=spread("fvec", 0.0), fjac=spread("fjac", 0.0),
        ipvt=spread("ipvt", 0), qtf=spread("qtf", 0.0),
        at_bound=spread("at_bound", False),
        options=first._options, notes=notes)


def _popt_pcov(result, points, n, absolute_sigma, cube, depth):
    """curve_fit's popt and pcov for every fit, elementwise the same
    arithmetic (_curve_fit._pcov), NaN for the fits that failed; the
    result gets perr and covariance_unknown.  `n` is each fit's number of
    free parameters (an int, or one per fit)."""
    success = result.success
    cov_x = result.cov_x
    unknown = success & np.isnan(cov_x).any(axis=(1, 2))
    if absolute_sigma:
        pcov = cov_x.copy()
    else:
        unknown |= success & (points <= n)
        fnorm = result.fnorm
        # points == n makes the variance inf (0 * inf in a fixed
        # parameter's row): those fits' pcov is set to inf just below.
        with np.errstate(divide="ignore", invalid="ignore"):
            variance = fnorm * fnorm / (points - n)
            pcov = cov_x * variance[:, None, None]
    pcov[~success] = np.nan
    pcov[unknown] = np.inf
    screening.warn_unknown_covariance(unknown, cube.shape,
                                      stacklevel=2 + depth, name=cube.name,
                                      marked_by=cube.unknown_covariance)
    popt = np.where(success[:, None], result.x, np.nan)
    result.perr = np.sqrt(np.diagonal(pcov, axis1=1, axis2=2))
    result.covariance_unknown = unknown
    return popt, pcov
