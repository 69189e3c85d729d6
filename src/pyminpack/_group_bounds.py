"""Each group's bounds for curve_fit_groups.

``bounds`` is curve_fit's (a pair of scalars or length-n arrays, or an
object with ``lb`` and ``ub``): every group's, checked for the whole table
as curve_fit checks it.  Or per group: a pair whose sides may be
DataFrames indexed by group key with a column per parameter (a side that
is not a DataFrame is every group's).  A problem of one group's bounds (no
row, a NaN, lb > ub) or a start outside them is reported for that group in
`notes`, never raised: the other groups are fitted.
"""

import numpy as np

from . import _bounds

__all__ = ["group_bounds", "note_infeasible"]


def group_bounds(bounds, names, pandas, index, notes, who):
    """None (no finite bound anywhere: the unbounded fits' bits), or
    (lb, ub), each (n,) or (G, n) float64; a group whose bounds are
    unusable gets a note (and no bound in its row, never used)."""
    n, count = len(names), len(index)
    sides = _sides(bounds)
    if sides is None or not any(isinstance(side, pandas.DataFrame)
                                for side in sides):
        return _bounds.single(bounds, n, who)
    rows = [_from_frame(side, name, names, index, notes, who)
            if isinstance(side, pandas.DataFrame)
            else _every_group(side, name, n, count, who)
            for side, name in zip(sides, ("lower", "upper"))]
    lower, upper = rows
    for k in np.flatnonzero((lower > upper).any(axis=1)).tolist():
        if k not in notes:
            j = int(np.flatnonzero(lower[k] > upper[k])[0])
            notes[k] = (f"Not run: the bounds of parameter {names[j]!r} "
                        f"have lb={lower[k, j]} > ub={upper[k, j]}.")
    unusable = np.zeros(count, bool)
    unusable[list(notes)] = True
    lower[unusable] = -np.inf
    upper[unusable] = np.inf
    return _bounds.per_fit((lower, upper), count, n, who, unit="group")


def note_infeasible(starts, limits, names, notes):
    """A group whose start is outside its bounds: scipy's "x0 is
    infeasible", naming the parameter, reported for the group."""
    if limits is None:
        return
    lower, upper = (np.broadcast_to(side, starts.shape) for side in limits)
    bad = (starts < lower) | (starts > upper)
    for k in np.flatnonzero(bad.any(axis=1)).tolist():
        if k not in notes:
            j = int(np.flatnonzero(bad[k])[0])
            notes[k] = (f"Not run: x0 is infeasible: the start of parameter "
                        f"{names[j]!r} is {starts[k, j]}, outside its "
                        f"bounds [{lower[k, j]}, {upper[k, j]}].")


def _sides(bounds):
    if bounds is None or hasattr(bounds, "lb"):
        return None
    if isinstance(bounds, (tuple, list)) and len(bounds) == 2:
        return tuple(bounds)
    return None  # _bounds.read says what is wrong


def _from_frame(frame, side, names, index, notes, who):
    if list(frame.columns) != list(names) and \
            sorted(map(str, frame.columns)) != sorted(names):
        raise ValueError(f"{who}: the {side} bounds' columns must be the "
                         f"parameters {list(names)}; they are "
                         f"{list(frame.columns)}")
    if not frame.index.is_unique:
        raise ValueError(f"{who}: the {side} bounds' index names a group "
                         f"twice")
    frame = frame.rename(columns=str)
    try:
        values = frame.reindex(index)[list(names)].to_numpy(
            dtype=np.float64, na_value=np.nan)
    except (TypeError, ValueError):
        raise TypeError(f"{who}: the {side} bounds' columns must hold real "
                        f"numbers") from None
    absent = ~index.isin(frame.index)
    for k in np.flatnonzero(absent).tolist():
        notes.setdefault(k, f"Not run: the {side} bounds have no row for "
                            f"this group.")
    for k in np.flatnonzero(np.isnan(values).any(axis=1)).tolist():
        j = int(np.flatnonzero(np.isnan(values[k]))[0])
        notes.setdefault(k, f"Not run: the {side} bound of parameter "
                            f"{names[j]!r} is nan (no bound is "
                            f"{'-inf' if side == 'lower' else 'inf'}).")
    return np.array(values)


def _every_group(value, side, n, count, who):
    array = np.asarray(value)
    if array.dtype.kind not in "biuf" or array.dtype.itemsize > 8:
        raise TypeError(f"{who}: the {side} bounds must be real numbers or "
                        f"a DataFrame, not dtype {array.dtype}")
    try:
        row = np.broadcast_to(array.astype(np.float64), (n,))
    except ValueError:
        raise ValueError(f"{who}: the {side} bounds have shape "
                         f"{array.shape}; they must be one value, one per "
                         f"parameter ({n},) or a DataFrame") from None
    if np.isnan(row).any():
        j = int(np.flatnonzero(np.isnan(row))[0])
        raise ValueError(f"{who}: bounds must not be NaN; the {side} bound "
                         f"of parameter {j} is nan")
    return np.array(np.broadcast_to(row, (count, n)))
