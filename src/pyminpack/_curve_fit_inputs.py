"""The inputs of ``curve_fit``, checked and converted as scipy's are.

Shared by ``curve_fit`` and ``curve_fit_batch``: the number of parameters,
the method (bounds are ``_bounds``'), the data (ydata, xdata,
check_finite, nan_policy) and sigma.  Each function is one step of scipy's
order of checks (shared/spec/curve_fit.md §14), so the caller reads as that
list.
"""

import inspect
import sys

import numpy as np

__all__ = ["OptimizeWarning", "parameter_count", "resolve_check_finite",
           "as_ydata", "as_xdata",
           "check_nan_policy", "nan_mask", "raise_on_nan", "real_sigma",
           "sigma_kind", "check_sigma_values", "reciprocal_sigma",
           "check_method_is_lm", "is_lm",
           "cholesky_lower", "COVARIANCE_WARNING"]

_POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY,
               inspect.Parameter.POSITIONAL_OR_KEYWORD)

COVARIANCE_WARNING = "Covariance of the parameters could not be estimated"


class OptimizeWarning(UserWarning):
    """A warning of ``curve_fit``: the covariance could not be estimated.

    pyminpack's own class (pyminpack never imports scipy), a direct
    subclass of ``UserWarning`` like ``scipy.optimize.OptimizeWarning``.
    Filters written for scipy's class do not catch it; filters by message
    or by ``UserWarning`` catch both.
    """


def parameter_count(f, p0):
    """n and p0 (a 1-D array; ``ones(n)`` when None), as scipy finds them."""
    if p0 is not None:
        p0 = np.atleast_1d(p0)
        if p0.size == 0:
            raise ValueError("curve_fit: p0 is empty: there is no parameter "
                             "to fit")
        return p0.size, p0
    parameters = _signature(f).parameters.values()
    count = sum(1 for p in parameters if p.kind in _POSITIONAL)
    if count < 2:
        raise ValueError("Unable to determine number of fit parameters.")
    return count - 1, np.ones(count - 1)


def _signature(f):
    if sys.version_info >= (3, 14):
        # Do not evaluate annotations: a name imported only under
        # TYPE_CHECKING must not make the model unusable.
        import annotationlib
        return inspect.signature(
            f, annotation_format=annotationlib.Format.FORWARDREF)
    return inspect.signature(f)


def _is(value, name):
    return isinstance(value, str) and value == name


def is_lm(method):
    return _is(method, "lm")


def check_method_is_lm(method, who="curve_fit"):
    """Where scipy would call least_squares: pyminpack has 'lm' only."""
    if _is(method, "lm"):
        return
    if _is(method, "trf") or _is(method, "dogbox"):
        raise ValueError(
            f"pyminpack.{who} implements method 'lm' only (MINPACK's "
            f"Levenberg-Marquardt, which takes bounds too: pass bounds= "
            f"with method=None or 'lm'); method {method!r} is "
            f"scipy.optimize.curve_fit's")
    raise ValueError("`method` must be 'trf', 'dogbox' or 'lm'.")


def resolve_check_finite(check_finite, nan_policy):
    """None means: check unless a nan_policy is given."""
    if check_finite is None:
        return nan_policy is None
    return bool(check_finite)


def as_ydata(ydata, check_finite):
    if check_finite:
        return np.asarray_chkfinite(ydata, float)
    return np.asarray(ydata, float)


def as_xdata(xdata, check_finite):
    """Lists, tuples and ndarrays become float arrays (a float64 ndarray is
    passed on as itself); anything else goes to f unchanged."""
    if isinstance(xdata, (list, tuple, np.ndarray)):
        if check_finite:
            return np.asarray_chkfinite(xdata, float)
        return np.asarray(xdata, float)
    return xdata


def check_nan_policy(nan_policy):
    """The policy, None, "raise" or "omit"; only asked when check_finite
    is off (scipy ignores the policy otherwise)."""
    if _is(nan_policy, "propagate"):
        raise ValueError("`nan_policy='propagate'` is not supported by this "
                         "function.")
    for policy in (None, "raise", "omit"):
        if nan_policy is policy or _is(nan_policy, policy):
            return policy
    raise ValueError("nan_policy must be one of {None, 'raise', 'omit'}")


def nan_mask(xdata):
    """Which points (along xdata's last axis) have a NaN in xdata, or None
    when xdata is not an array (then only ydata can be looked at)."""
    if not isinstance(xdata, np.ndarray):
        return None
    nan = np.isnan(xdata)
    if nan.ndim == 0:
        return nan.reshape(1)
    return nan.any(axis=tuple(range(nan.ndim - 1)))


def real_sigma(sigma, who):
    """sigma as an array of its own dtype, which must be real."""
    sigma = np.asarray(sigma)
    if sigma.dtype.kind not in "biuf" or sigma.dtype.itemsize > 8:
        raise TypeError(f"{who}: sigma must hold real numbers, not dtype "
                        f"{sigma.dtype}")
    return sigma


def raise_on_nan(xdata, ydata):
    """nan_policy='raise': a NaN in ydata or in an array xdata."""
    x_nan = nan_mask(xdata)
    if np.isnan(ydata).any() or (x_nan is not None and x_nan.any()):
        raise ValueError("The input contains nan values")


def sigma_kind(sigma, m, who="curve_fit"):
    """("scalar" | "1-D" | "2-D", sigma as an array of its own dtype).

    m is the number of data points (ydata.size).  A (m, m) sigma is a
    covariance, also for m = 1 (scipy takes any size-1 sigma for a
    standard deviation, and then fails).
    """
    sigma = real_sigma(sigma, who)
    if sigma.shape == (m, m):
        return "2-D", sigma
    if sigma.shape in ((), (1,)):
        return "scalar", sigma
    if sigma.shape == (m,):
        return "1-D", sigma
    raise ValueError("`sigma` has incorrect shape.")


def check_sigma_values(kind, sigma, finite_rule, who="curve_fit",
                       positions=None):
    """A covariance is always checked whole, upper triangle included
    (Cholesky reads only the lower); with `finite_rule`, a zero, NaN or
    inf standard deviation is refused before any weight is computed.

    `positions`: for a 1-D sigma cut by nan_policy='omit', the caller's
    index of each entry left, so that the message names the entry of the
    sigma the caller passed, not of the cut copy."""
    if kind == "2-D":
        return np.asarray_chkfinite(sigma)
    if finite_rule:
        bad = (sigma == 0) | ~np.isfinite(sigma)
        if bad.any():
            index = int(np.flatnonzero(bad.reshape(-1))[0])
            value = sigma.reshape(-1)[index]
            if positions is not None and kind == "1-D":
                index = int(positions[index])
            where = "" if sigma.ndim == 0 else f" entry {index}"
            raise ValueError(
                f"{who}: sigma{where} is {value}; standard deviations must "
                f"be finite and non-zero (pass check_finite=False to allow "
                f"it)")
    return sigma


def reciprocal_sigma(sigma):
    """The weights 1/sigma, in sigma's own dtype (numpy's rules), as scipy
    forms them: multiplying by them rounds otherwise than dividing."""
    return 1.0 / sigma


def cholesky_lower(covariance):
    """L of the covariance C = L L^T, formed once (float64, C order): each
    call then costs one O(m^2) forward substitution."""
    try:
        lower = np.linalg.cholesky(covariance)
    except np.linalg.LinAlgError as err:
        raise ValueError("`sigma` must be positive definite.") from err
    return np.ascontiguousarray(lower, dtype=np.float64)
