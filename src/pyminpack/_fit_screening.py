"""Curves that cannot be fitted, reported one by one, never raised.

In a batch a curve that ``curve_fit`` would refuse on its own is a failed
fit in the result (ier 0, popt and pcov NaN) with a message saying why,
while the other curves are fitted: too few finite points under
nan_policy='omit', a NaN or infinite start (the natural "skip this pixel"
marker), a model that is not finite at the curve's start.  Such a fit is
never run.  These messages replace MINPACK's "Improper input parameters."
for those fits (``BatchResult.message``).
"""

import warnings

import numpy as np

from ._curve_fit_inputs import COVARIANCE_WARNING, OptimizeWarning
from ._fits_shape import fit_name

__all__ = ["too_few_points", "nonfinite_starts", "nonfinite_residual",
           "sigma_at_kept_points", "warn_unknown_covariance"]

# How many fits the covariance warning names (the result's mask has all).
NAMED_FITS = 5


def too_few_points(points, n, free=None):
    """{fit: message} for the curves with fewer kept points than
    unknowns: the n parameters, or with bounds the `free` ones (per fit,
    or one count): a parameter fixed by lb == ub is no unknown."""
    if free is None:
        need, unit = np.broadcast_to(n, np.shape(points)), "parameter"
    else:
        need, unit = np.broadcast_to(free, np.shape(points)), \
            "free parameter"
    return {int(k): (f"Not run: the curve has {int(points[k])} finite "
                     f"points and needs at least {int(need[k])}, one per "
                     f"{unit}.")
            for k in np.flatnonzero(points < need)}


def nonfinite_starts(starts):
    """{fit: message} for the starts holding NaN or inf."""
    bad = ~np.isfinite(starts)
    notes = {}
    for k in np.flatnonzero(bad.any(axis=1)):
        j = int(np.flatnonzero(bad[k])[0])
        notes[int(k)] = (f"Not run: the start p0 is not finite (entry {j} "
                         f"is {starts[k, j]}).")
    return notes


def nonfinite_residual(entry):
    return (f"Not run: the residual f(xdata, *p0) - ydata (weighted by "
            f"sigma) is not finite at the start (entry {int(entry)} of the "
            f"curve's kept points).")


def sigma_at_kept_points(sigma, kept, layout, positions, finite_rule):
    """sigma checked where the curves keep their points, as ``curve_fit``
    on each curve checks the sigma it has cut, and 1 where no curve that
    uses it keeps the point (that residual is 0 whatever its weight, and
    1/1 warns of nothing).  `sigma` is shared (a scalar or (m,)) or (K, m)
    rows; `kept` the (K, m) mask of nan_policy='omit' (None without it);
    `positions` maps a column to the caller's point index when xdata's NaN
    points were cut (else None)."""
    if sigma.ndim == 0 or sigma.size == 1:
        used = None  # one sigma for every point of every curve
    elif kept is None:
        used = np.ones(sigma.shape, bool)
    elif sigma.ndim == 2:
        used = kept
    else:
        used = kept.any(axis=0)
    if finite_rule:
        bad = (sigma == 0) | ~np.isfinite(sigma)
        if used is not None:
            bad &= used
        _refuse_bad_sigma(sigma, bad, layout, positions)
    if used is None or used.all():
        return sigma
    return np.where(used, sigma, 1)


def _refuse_bad_sigma(sigma, bad, layout, positions):
    if not bad.any():
        return
    rule = ("standard deviations must be finite and non-zero (pass "
            "check_finite=False to allow it)")
    who = layout.who
    if sigma.ndim == 2:
        k, j = (int(i) for i in np.argwhere(bad)[0])
        point = j if positions is None else int(positions[j])
        raise ValueError(f"{who}: sigma of {layout.name(k)} is {sigma[k, j]} "
                         f"at point {point}; {rule}")
    j = int(np.flatnonzero(bad.reshape(-1))[0])
    value = sigma.reshape(-1)[j]
    if sigma.ndim == 0:
        raise ValueError(f"{who}: sigma is {value}; {rule}")
    point = j if positions is None or sigma.size == 1 else int(positions[j])
    raise ValueError(f"{who}: sigma entry {point} is {value}; {rule}")


def warn_unknown_covariance(unknown, shape, stacklevel, name=None,
                            marked_by=None):
    """One OptimizeWarning for the batch, naming the first few fits whose
    covariance could not be estimated (`unknown`, K flat flags; `shape`
    the fits' shape).  `name(k)` names fit k (by default by its index in
    the fits' shape); `marked_by` says where the caller finds them all."""
    which = np.flatnonzero(unknown)
    if not which.size:
        return
    if name is None:
        def name(k):
            return fit_name(k, shape)
    if marked_by is None:
        marked_by = "result.covariance_unknown marks them"
    named = ", ".join(name(k) for k in which[:NAMED_FITS])
    more = ", ..." if which.size > NAMED_FITS else ""
    warnings.warn(f"{COVARIANCE_WARNING} for {which.size} of {unknown.size} "
                  f"fits ({named}{more}; {marked_by})", OptimizeWarning,
                  stacklevel=stacklevel + 1)
