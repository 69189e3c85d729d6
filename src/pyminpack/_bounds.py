"""Bounds on the parameters, as the Python layer checks and prepares them.

The change of variables itself is in C (src/ext/bounds.c), the one place
that converts internal <-> external parameters for every kind of fit; this
module reads ``bounds=`` in scipy's forms, checks it (shapes, NaN,
``lb > ub``, a start outside), gives scipy's feasible default start, and
reports the parameters that end on a bound.

``lb == ub`` fixes a parameter (lmfit's ``vary=False``); scipy refuses it.
"""

import numpy as np

__all__ = ["read", "single", "per_fit", "check_feasible", "feasible_start",
           "free_count", "at_bound", "AT_BOUND_TOLERANCE"]

# A parameter is "at" a bound when it is within this much of it, relative
# to the box's width (two bounds) or to max(1, |bound|) (one): about
# sqrt(eps), what MINPACK's default xtol resolves.
AT_BOUND_TOLERANCE = 1.5e-8


def read(bounds, who, none_allowed=True):
    """``(lower, upper)`` as float arrays of any shape, or None when
    ``bounds`` is None (where `none_allowed`).  A 2-tuple (or list)
    ``(lb, ub)``, or an object with ``lb`` and ``ub`` attributes such as
    ``scipy.optimize.Bounds`` (recognised by its attributes; scipy is
    never imported)."""
    if bounds is None and none_allowed:
        return None
    if hasattr(bounds, "lb") and hasattr(bounds, "ub"):
        lower, upper = bounds.lb, bounds.ub
    else:
        try:
            lower, upper = bounds
        except (TypeError, ValueError) as err:
            # TypeError: not a pair at all; ValueError: not two items.
            raise type(err)(f"{who}: bounds must be a pair (lb, ub) or an "
                            f"object with lb and ub attributes (such as "
                            f"scipy.optimize.Bounds), not {bounds!r:.80}"
                            ) from None
    arrays = []
    for side, value in (("lower", lower), ("upper", upper)):
        array = np.asarray(value)
        if array.dtype.kind not in "biuf" or array.dtype.itemsize > 8:
            raise TypeError(f"{who}: the {side} bounds must be real numbers, "
                            f"not dtype {array.dtype}")
        arrays.append(array.astype(np.float64))
    return arrays[0], arrays[1]


def _is_free(lower, upper):
    """No finite bound and nothing fixed: exactly the unbounded fit."""
    return not (np.any(lower > -np.inf) or np.any(upper < np.inf)
                or np.any(np.isnan(lower)) or np.any(np.isnan(upper)))


def _check_values(lower, upper, who, fits=False, unit="fit"):
    for side, array in (("lower", lower), ("upper", upper)):
        bad = np.isnan(array)
        if bad.any():
            where = _where(np.argwhere(bad)[0], fits, unit)
            raise ValueError(f"{who}: bounds must not be NaN; the {side} "
                             f"bound of {where} is nan")
    wrong = lower > upper
    if wrong.any():
        index = tuple(np.argwhere(wrong)[0])
        raise ValueError(
            f"{who}: each lower bound must be less than or equal to its "
            f"upper bound (lb == ub fixes the parameter); "
            f"{_where(index, fits, unit)} "
            f"has lb={lower[index]} > ub={upper[index]}")


def _where(index, fits, unit="fit"):
    if fits:
        return f"parameter {index[-1]} of {unit} {index[0]}"
    return f"parameter {index[-1]}"


def single(bounds, n, who, none_allowed=True):
    """``(lb, ub)``, each a new (n,) float64 array, checked; None when
    every parameter is free (the fit is then exactly the unbounded one)."""
    pair = read(bounds, who, none_allowed)
    if pair is None:
        return None
    lower, upper = pair
    out = []
    for side, array in (("lower", lower), ("upper", upper)):
        try:
            out.append(np.array(np.broadcast_to(array, (n,)), order="C"))
        except ValueError:
            raise ValueError(
                f"{who}: the {side} bounds have shape {array.shape}; they "
                f"must be one value or one per parameter (n={n})") from None
    lower, upper = out
    if _is_free(lower, upper):
        return None
    _check_values(lower, upper, who)
    return lower, upper


def per_fit(bounds, count, n, who, unit="fit"):
    """For a batch: ``(lb, ub)``, each a float64 array of shape (n,) (every
    fit's) or (count, n) (one row per fit), checked; None when every
    parameter of every fit is free."""
    pair = read(bounds, who)
    if pair is None:
        return None
    lower, upper = pair
    shape = (count, n) if lower.ndim == 2 or upper.ndim == 2 else (n,)
    out = []
    for side, array in (("lower", lower), ("upper", upper)):
        try:
            if array.ndim > 2:
                raise ValueError
            out.append(np.array(np.broadcast_to(array, shape), order="C"))
        except ValueError:
            raise ValueError(
                f"{who}: the {side} bounds have shape {array.shape}; they "
                f"must be one value, one per parameter ({n},) or one row "
                f"per {unit} ({count}, {n})") from None
    lower, upper = out
    if _is_free(lower, upper):
        return None
    _check_values(lower, upper, who, fits=lower.ndim == 2, unit=unit)
    return lower, upper


def check_feasible(x0, lower, upper, who, name="x0", unit="fit"):
    """A start outside [lb, ub]: scipy's "x0 is infeasible", naming the
    parameter (and for (K, n) starts, the fit, or what `unit` says); `name`
    is what the caller calls the start."""
    bad = (x0 < lower) | (x0 > upper)
    if bad.any():
        index = tuple(np.argwhere(bad)[0])
        lb = np.broadcast_to(lower, x0.shape)[index]
        ub = np.broadcast_to(upper, x0.shape)[index]
        where = _where(index, x0.ndim == 2, unit)
        raise ValueError(f"{who}: x0 is infeasible: {name}'s {where} is "
                         f"{x0[index]}, outside its bounds [{lb}, {ub}]")


def feasible_start(lower, upper):
    """scipy's default p0 with bounds: the middle of two finite bounds,
    lb + 1 or ub - 1 with one, 1 with none (any shape)."""
    lower, upper = np.broadcast_arrays(lower, upper)
    start = np.ones(lower.shape)
    low, high = np.isfinite(lower), np.isfinite(upper)
    both = low & high
    start[both] = 0.5 * (lower[both] + upper[both])
    start[low & ~high] = lower[low & ~high] + 1
    start[~low & high] = upper[~low & high] - 1
    return start


def as_rows(bounds, shape, who):
    """Bounds given in the fits' shape (``shape + (n,)``) as (K, n) rows;
    others (scalars, (n,)) unchanged."""
    pair = read(bounds, who)
    if pair is None:
        return None
    return tuple(side.reshape(-1, side.shape[-1])
                 if side.ndim > 1 and side.shape[:-1] == tuple(shape)
                 else side for side in pair)


def free_count(lower, upper):
    """The parameters lb == ub does not fix: per fit for (K, n) bounds."""
    return np.count_nonzero(lower != upper, axis=-1)


def at_bound(x, lower, upper):
    """Which parameters ended on a bound (bool, x's shape): within
    AT_BOUND_TOLERANCE of the box's width, or of max(1, |bound|) for a
    bound alone.  A fixed parameter (lb == ub) is not reported."""
    if lower is None:
        return np.zeros(np.shape(x), bool)
    lower, upper = np.broadcast_to(lower, x.shape), np.broadcast_to(
        upper, x.shape)
    with np.errstate(invalid="ignore"):
        width = upper - lower
        both = np.isfinite(width)
        scale_low = np.where(both, width, np.maximum(1.0, np.abs(lower)))
        scale_high = np.where(both, width, np.maximum(1.0, np.abs(upper)))
        near = ((np.isfinite(lower)
                 & ((x - lower) <= AT_BOUND_TOLERANCE * scale_low))
                | (np.isfinite(upper)
                   & ((upper - x) <= AT_BOUND_TOLERANCE * scale_high)))
    return near & (lower != upper)
