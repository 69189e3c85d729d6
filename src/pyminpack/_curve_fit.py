"""``curve_fit``: scipy.optimize.curve_fit's contract (method 'lm') on
``pyminpack.leastsq``.

A thin layer, as scipy's is: the residual ``f(xdata, *p) - ydata``,
weighted by 1/sigma or by L^-1 for a covariance sigma, goes to leastsq, and
leastsq's cov_x is scaled into pcov.  No memoiser is needed (leastsq calls
func once at x0 and reuses the value), so f is called exactly nfev times.
The contract, point by point, is shared/spec/curve_fit.md.
"""

import warnings

import numpy as np

from . import _bounds, _minpack
from . import _curve_fit_inputs as inputs
from ._curve_fit_inputs import COVARIANCE_WARNING, OptimizeWarning
from ._leastsq import NonFiniteInputError, leastsq
from ._messages import SUCCESS

__all__ = ["curve_fit", "OptimizeWarning"]

# The name leastsq's messages give the residual function (a ydata or f of
# more than one dimension is reported with it).
_RESIDUAL_NAME = "f(xdata, *p) - ydata"


def curve_fit(f, xdata, ydata, p0=None, sigma=None, absolute_sigma=False,
              check_finite=None, bounds=(-np.inf, np.inf), method=None,
              jac=None, *, full_output=False, nan_policy=None, **kwargs):
    """
    Fit a model ``f(xdata, *params)`` to data by nonlinear least squares.

    A drop-in for :func:`scipy.optimize.curve_fit` with ``method='lm'``:
    it minimises ``sum(((f(xdata, *popt) - ydata) / sigma)**2)`` with the
    original Fortran MINPACK (``lmdif``, or ``lmder`` when `jac` is given)
    through :func:`pyminpack.leastsq`, and returns the same values as scipy
    1.14.1 (the last scipy on that Fortran) to the last bit.  Bounds are
    taken by MINPACK's LM too, through a change of variables (where scipy
    switches to 'trf'); the methods 'trf' and 'dogbox' are not provided.

    Parameters
    ----------
    f : callable
        The model ``f(xdata, p1, p2, ..., pn)``: each parameter arrives as
        a ``numpy.float64`` scalar, and the result is one value per data
        point (anything ydata can be subtracted from).
    xdata : array_like or object
        The independent variable(s).  A list, tuple or ndarray is converted
        to a float array (a float64 ndarray is passed as itself); several
        predictors can be given as a (k, M) array that f indexes as
        ``x[0]``, ``x[1]``.  Any other object (None, a DataFrame, ...) is
        passed to f unchanged and never checked.
    ydata : array_like
        The data, M values (or one value that f's output broadcasts
        against).  Always converted to a float64 array.
    p0 : array_like, optional
        The starting parameters, flattened; n is their number.  None means
        ``ones(n)`` with n read from f's signature (its positional
        parameters after the first), or with bounds scipy's feasible
        start: the middle of two finite bounds, ``lb + 1`` or ``ub - 1``
        with one, 1 with none.
    sigma : None, scalar, array_like of shape (M,) or (M, M), optional
        Standard deviations of ydata (one for all, or one per point): the
        residuals are divided by them.  A (M, M) array is the covariance
        matrix C of ydata's errors; the residuals are then ``L^-1 (f - y)``
        with ``C = L L^T`` (only C's lower triangle is read).
    absolute_sigma : bool, optional
        True: sigma is in the units of ydata and pcov is ``inv(J^T J)`` of
        the weighted problem.  False (default): only sigma's relative size
        matters, and pcov is scaled by the reduced chi-square.
    check_finite : bool, optional
        Check the data for NaN and inf (ValueError).  None (default) means
        True when `nan_policy` is None, False otherwise.  While it is not
        False, the start, the model at the start and 1-D sigma are checked
        as well (see Notes).
    bounds : 2-tuple or object with ``lb`` and ``ub``, optional
        ``(lb, ub)``, each a scalar or one value per parameter, or
        ``scipy.optimize.Bounds``.  All infinite (the default): exactly
        the unbounded fit.  Otherwise the fit runs on MINPACK's LM through
        the change of variables of :func:`pyminpack.leastsq` (f always
        gets parameters inside the bounds); ``lb == ub`` fixes a parameter
        (its pcov row and column are 0); a p0 outside is a ValueError
        ("x0 is infeasible"), one exactly on a bound is moved
        ``1e-10 * max(1, |bound|)`` inside.  See Notes.
    method : {None, 'lm'}, optional
        None and 'lm' run MINPACK, with or without bounds; 'trf' and
        'dogbox' are scipy.optimize.curve_fit's, not pyminpack's
        (ValueError).
    jac : callable, optional
        ``jac(xdata, p1, ..., pn)``, the (M, n) Jacobian of f with respect
        to the parameters (n x M with ``col_deriv=True``; for n = 1 a 1-D
        array of M values).  It is weighted like the residuals.  None:
        forward differences.
    full_output : bool, optional, keyword-only
        Also return leastsq's infodict, mesg and ier.
    nan_policy : {None, 'raise', 'omit'}, optional, keyword-only
        Only used when `check_finite` is false.  'raise': ValueError if
        ydata or an array xdata holds a NaN; 'omit': drop each data point
        where ydata, or xdata along its last axis, is NaN (and cut sigma
        with them).
    **kwargs
        Passed to :func:`pyminpack.leastsq`: ``ftol``, ``xtol``, ``gtol``,
        ``maxfev``, ``epsfcn``, ``factor``, ``diag``, ``col_deriv``, ...
        (not ``args``).

    Returns
    -------
    popt : ndarray, shape (n,)
        The parameters at the solution.
    pcov : ndarray, shape (n, n)
        Their estimated covariance; all ``inf`` (with an
        :class:`OptimizeWarning`) when it cannot be estimated: a singular
        Jacobian, or as many data points as parameters without
        `absolute_sigma`.
    infodict, mesg, ier
        With `full_output` only: leastsq's, ``infodict['fvec']`` being the
        weighted residual and ``infodict['ipvt']`` 1-based (as scipy 1.14;
        scipy >= 1.15 gives it 0-based).  With finite bounds,
        ``infodict['at_bound']`` flags the parameters that ended on a
        bound.

    Raises
    ------
    RuntimeError
        The fit did not converge (ier not in 1..4):
        ``"Optimal parameters not found: "`` and leastsq's message.
    ValueError
        Bad data, sigma, p0, bounds, method or nan_policy (scipy's
        messages); NaN or inf in the data with `check_finite`; a non-finite
        p0 or model at p0 unless ``check_finite=False``.
    TypeError
        More parameters than data points; n not readable from f; a `jac`
        that is not callable; options leastsq does not take.

    Warns
    -----
    OptimizeWarning
        "Covariance of the parameters could not be estimated".

    Notes
    -----
    Beyond scipy (each in the user guide's "Differences from scipy"): a start,
    a model at the start, or a 1-D sigma that is NaN, inf (or zero, for
    sigma) is a ValueError unless ``check_finite=False`` is passed, where
    scipy returns p0 as the answer; a (1, 1) covariance for one data point,
    a scalar sigma with `jac`, a 1-D `jac` output for n = 1 and
    ``col_deriv=True`` with sigma all work; bad shapes get ValueErrors that
    name what is wrong.

    A model that returns float32 gets float64's difference step (its
    residual is float64) and may not move from p0; pass ``epsfcn``.

    Bounds (differences from scipy, which runs 'trf' for them): the
    minimum is found by MINPACK's LM on internal parameters (MINUIT's and
    lmfit's change of variables), so `epsfcn`, `diag`, `factor` and
    `xtol` act on those, and ``fjac``, ``ipvt``, ``qtf`` describe that
    problem.  ``lb == ub`` is allowed (the parameter is fixed; scipy
    refuses it) and NaN bounds are refused (scipy ignores them).  pcov is
    that of the external parameters from the Jacobian at popt, as scipy's
    bounded curve_fit reports it (one more Jacobian evaluation, not
    counted in nfev); a fixed parameter counts in neither n nor the
    degrees of freedom.  A parameter flagged in ``at_bound`` has an
    uncertainty that is not a Gaussian one.

    References
    ----------
    J. J. Moré, B. S. Garbow and K. E. Hillstrom, *User Guide for
    MINPACK-1*, Argonne National Laboratory report ANL-80-74, 1980.

    Examples
    --------
    >>> import numpy as np
    >>> from pyminpack import curve_fit
    >>> def decay(t, a, b):
    ...     return a * np.exp(-b * t)
    >>> t = np.linspace(0.0, 4.0, 20)
    >>> popt, pcov = curve_fit(decay, t, decay(t, 2.5, 1.3))
    >>> np.round(popt, 6)
    array([2.5, 1.3])
    """
    # scipy's order of checks (spec §14), step by step.
    default_p0 = p0 is None
    n, p0 = inputs.parameter_count(f, p0)
    limits = _bounds.single(bounds, n, "curve_fit", none_allowed=False)
    if default_p0 and limits is not None:
        p0 = _bounds.feasible_start(*limits)  # scipy's, with bounds
    method = "lm" if method is None else method
    explicit_no_check = check_finite is not None and not check_finite
    check_finite = inputs.resolve_check_finite(check_finite, nan_policy)
    ydata = inputs.as_ydata(ydata, check_finite)
    xdata = inputs.as_xdata(xdata, check_finite)
    if ydata.size == 0:
        raise ValueError("`ydata` must not be empty!")
    policy = None if check_finite else inputs.check_nan_policy(nan_policy)
    if policy == "raise":
        inputs.raise_on_nan(xdata, ydata)
    kind = None
    if sigma is not None:  # its shape is that of the data before omission
        kind, sigma = inputs.sigma_kind(sigma, ydata.size)
    kept = None
    if policy == "omit":
        xdata, ydata, sigma, kept = _omit_nan(xdata, ydata, sigma)
    if sigma is not None:
        sigma = inputs.check_sigma_values(kind, sigma, not explicit_no_check,
                                          positions=kept)
    lower = inputs.cholesky_lower(sigma) if kind == "2-D" else None
    if jac is not None and not callable(jac) and inputs.is_lm(method):
        # Only for 'lm': with 'trf' the strings are valid, and the method
        # error below says what is missing.
        raise TypeError(f"curve_fit: jac must be a callable or None for "
                        f"method 'lm', not {jac!r} (the strings are "
                        f"least_squares' options)")
    col_deriv = bool(kwargs.get("col_deriv", False))
    residual, jacobian = _weighted(f, jac, xdata, ydata, sigma, lower, kind,
                                   n, col_deriv)
    if "args" in kwargs:
        raise ValueError("'args' is not a supported keyword argument.")
    inputs.check_method_is_lm(method)
    # A parameter fixed by lb == ub is no unknown of MINPACK's: it needs no
    # data point (as in leastsq and in curve_fit_batch's screening).
    n_free = n if limits is None else int(
        np.count_nonzero(limits[0] != limits[1]))
    if ydata.size != 1 and n_free > ydata.size:
        free = "" if n_free == n else "free "
        raise TypeError(f"The number of {free}func parameters={n_free} must "
                        f"not exceed the number of data points={ydata.size}")

    start = _start(p0, not explicit_no_check)
    if limits is not None:
        _bounds.check_feasible(start, *limits, "curve_fit", "p0")
    try:
        popt, cov_x, infodict, mesg, ier = leastsq(
            residual, start, Dfun=jacobian, full_output=True,
            check_finite=not explicit_no_check, bounds=limits, **kwargs)
    except NonFiniteInputError as err:
        if err.name != "func(x0)":
            raise
        # Say "weighted" only when there are weights: without sigma the
        # model (or ydata) itself is what is not finite.
        weighted = "" if kind is None else " (weighted by sigma)"
        raise ValueError(
            f"curve_fit: the residual {_RESIDUAL_NAME}{weighted} must be "
            f"finite at p0, but entry {err.index} is {err.value} (pass "
            f"check_finite=False to allow it)") from None
    if ier not in SUCCESS:
        raise RuntimeError("Optimal parameters not found: " + mesg)

    # A fixed parameter (lb == ub) is no degree of freedom.
    pcov = _pcov(cov_x, infodict["fvec"], n_free, bool(absolute_sigma))
    if pcov is None:
        pcov = np.full((n, n), np.inf)
        warnings.warn(COVARIANCE_WARNING, OptimizeWarning, stacklevel=2)
    if full_output:
        return popt, pcov, infodict, mesg, ier
    return popt, pcov


def _start(p0, check):
    """p0 as leastsq's x0, checked in curve_fit's terms."""
    if p0.dtype.kind not in "biuf" or p0.dtype.itemsize > 8:
        raise TypeError(f"curve_fit: p0 must hold real numbers, not dtype "
                        f"{p0.dtype}")
    start = np.array(p0, dtype=np.float64).reshape(-1)
    if check:
        bad = np.flatnonzero(~np.isfinite(start))
        if bad.size:
            raise ValueError(
                f"curve_fit: p0 must be finite, but entry {bad[0]} is "
                f"{start[bad[0]]} (pass check_finite=False to allow it)")
    return start


def _pcov(cov_x, fvec, n, absolute_sigma):
    """scipy's pcov from leastsq's cov_x; None where it is all inf (and
    warned of).  The residual variance comes from MINPACK's enorm, as
    curve_fit_batch's does, so that the two agree to the bit."""
    if cov_x is None or np.isnan(cov_x).any():
        return None
    if absolute_sigma:
        return cov_x
    m = fvec.size
    if m <= n:
        return None
    fnorm = _minpack.enorm(fvec)
    return cov_x * (fnorm * fnorm / (m - n))


def _omit_nan(xdata, ydata, sigma):
    """nan_policy='omit': drop the points where ydata, or xdata along its
    last axis, is NaN, and cut sigma with them (1-D entries, 2-D rows and
    columns, as scipy >= 1.17).  New arrays; the caller's are untouched.
    Also returns the caller's index of each point kept when sigma was cut
    (None otherwise), so that a bad sigma entry is named as given."""
    x_nan = inputs.nan_mask(xdata)
    y_nan = np.isnan(ydata)
    if x_nan is None:
        if y_nan.any():
            raise ValueError(
                "curve_fit: nan_policy='omit' needs xdata as an array (a "
                "list, tuple or ndarray) to drop the points where ydata is "
                f"NaN; xdata is {type(xdata).__name__}")
        return xdata, ydata, sigma, None
    if ydata.size == 1:
        # ydata broadcasts against f's output: drop from xdata only (and
        # ydata itself if it is the NaN: no data point is left).
        if y_nan.any():
            ydata = ydata.reshape(-1)[:0]
        if x_nan.any():
            xdata = xdata[..., ~x_nan]
        return xdata, ydata, sigma, None
    if ydata.ndim != 1 or x_nan.shape != ydata.shape:
        raise ValueError(
            f"curve_fit: nan_policy='omit' drops points along xdata's last "
            f"axis and ydata's; xdata of shape {np.shape(xdata)} and ydata "
            f"of shape {ydata.shape} do not have the same number of points")
    keep = ~(x_nan | y_nan)
    if keep.all():
        return xdata, ydata, sigma, None
    kept = None
    if sigma is not None and sigma.ndim == 1 and sigma.size > 1:
        sigma = sigma[keep]
        kept = np.flatnonzero(keep)
    elif sigma is not None and sigma.ndim == 2:
        sigma = sigma[keep][:, keep]
    return xdata[..., keep], ydata[keep], sigma, kept


def _weighted(f, jac, xdata, ydata, sigma, lower, kind, n, col_deriv):
    """The residual and Jacobian functions leastsq gets (spec §7); `lower`
    is the Cholesky factor of a 2-D sigma."""
    if kind is None:
        def residual(p):
            return f(xdata, *p) - ydata
    elif kind == "2-D":
        def residual(p):
            return _minpack.solve_lower(lower, f(xdata, *p) - ydata)
    else:
        weights = inputs.reciprocal_sigma(sigma)

        def residual(p):
            return weights * (f(xdata, *p) - ydata)
    residual.__name__ = _RESIDUAL_NAME
    if jac is None:
        return residual, None

    if kind is None:
        def jacobian(p):
            return jac(xdata, *p)
    elif kind == "2-D":
        m = lower.shape[0]

        def jacobian(p):
            matrix = np.asarray(jac(xdata, *p))
            if matrix.ndim == 2 and matrix.shape[col_deriv] == m:
                if col_deriv:
                    return _minpack.solve_lower(lower, matrix.T).T
                return _minpack.solve_lower(lower, matrix)
            if matrix.ndim == 1 and n == 1 and matrix.size == m:
                # the (m, 1) Jacobian of n = 1
                return _minpack.solve_lower(lower, matrix)
            return matrix  # a wrong shape: leastsq says which
    elif kind == "scalar":
        weight = weights.reshape(()) if np.ndim(weights) else weights

        def jacobian(p):
            return weight * np.asarray(jac(xdata, *p))
    else:
        by_row = weights[None, :] if col_deriv else weights[:, None]
        m = weights.size

        def jacobian(p):
            matrix = np.asarray(jac(xdata, *p))
            if matrix.ndim == 2 and matrix.shape[col_deriv] == m:
                return by_row * matrix
            # Only m values are the (m, 1) Jacobian of n = 1: one value
            # would broadcast against the weights into a wrong Jacobian.
            if matrix.ndim == 1 and n == 1 and matrix.size == m:
                return weights * matrix
            return matrix  # a wrong shape: leastsq says which
    name = getattr(jac, "__name__", None)
    jacobian.__name__ = name if isinstance(name, str) else "jac"
    return residual, jacobian
