"""xdata one per curve: curves measured at their own x.

``curve_fit_batch`` takes xdata shared by all curves (any object f
accepts, as ``curve_fit`` does) or one per curve: an array of ydata's
shape, or broadcasting to it with the same number of dimensions, or, for a
model of several coordinates, such an array per coordinate stacked along a
new first axis.  The core keeps per-curve x as data rows, (K, m) or (K, c,
m), and f gets the rows of the fits it evaluates: (k, m), or (c, k, m)
for c coordinates, as it gets the parameters as (k, 1) columns.

An ndarray xdata is read as one per curve when it has ydata's number of
dimensions (or one more) and a fit axis longer than 1 that broadcasts to
ydata's; a shared multi-coordinate xdata of shape (c, m) with exactly c
curves is therefore one per curve: give it as (c, 1, m) to share it.
"""

import numpy as np

__all__ = ["per_curve_rows", "as_model_x", "nan_points"]


def per_curve_rows(xdata, layout):
    """(K, m) or (K, c, m) rows of a per-curve xdata, or None when xdata is
    shared by every curve."""
    if not isinstance(xdata, np.ndarray):
        return None
    if xdata.ndim == layout.ndim:
        coordinates = None
    elif xdata.ndim == layout.ndim + 1:
        coordinates = xdata.shape[0]
    else:
        return None
    own = xdata.shape if coordinates is None else xdata.shape[1:]
    fit_axes = own[:layout.axis] + own[layout.axis + 1:]
    if not any(size > 1 for size in fit_axes):
        return None
    try:
        np.broadcast_shapes(fit_axes, layout.shape)
    except ValueError:
        return None
    if own[layout.axis] not in (1, layout.m):
        raise ValueError(
            f"{layout.who}: xdata of shape {xdata.shape} is one per curve, "
            f"but has {own[layout.axis]} points along axis {layout.axis} "
            f"where the curves have {layout.m}")
    if coordinates is None:
        return np.ascontiguousarray(layout.rows(xdata))
    rows = [layout.rows(x) for x in xdata]
    return np.ascontiguousarray(np.stack(rows, axis=1))


def as_model_x(rows):
    """The x that f gets for a block of rows: (k, m), or (c, k, m)."""
    if rows.ndim == 3:
        return np.moveaxis(rows, 1, 0)
    return rows


def nan_points(rows):
    """(K, m): where a curve's own x is NaN (in any coordinate)."""
    nan = np.isnan(rows)
    return nan.any(axis=1) if nan.ndim == 3 else nan
