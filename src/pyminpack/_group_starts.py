"""Each group's start for curve_fit_groups, from any of p0's forms.

p0 is None (``ones(n)``), one start (n,), a DataFrame indexed by group
with a column per parameter, or a callable: ``p0(x_g, y_g) -> (n,)``
called per group with the points its fit uses (a self-starting model, as
R's SSlogis), or with ``p0_vectorized=True`` called once for all groups
with their padded rows.  A group whose start cannot be had (no row in the
DataFrame, the callable raising for it, a start not finite) is reported
in `notes`, never raised: the other groups are fitted.
"""

import numpy as np

__all__ = ["group_starts"]


def group_starts(p0, names, pandas, index, runnable, x_rows, y_rows, counts,
                 vectorized, notes, who):
    """(G, n) float64 starts; the groups without one get a note (and ones
    in their row, never used)."""
    n, count = len(names), len(index)
    starts = np.ones((count, n))
    if p0 is None:
        return starts
    if isinstance(p0, pandas.DataFrame):
        return _from_frame(p0, names, index, starts, notes, who)
    if callable(p0):
        if vectorized:
            _from_all_groups(p0, runnable, x_rows, y_rows, starts, who)
        else:
            _from_each_group(p0, runnable, x_rows, y_rows, counts, starts,
                             notes, who)
        _note_nonfinite(starts, runnable, names, notes, "p0(x, y)")
        return starts
    one = np.asarray(p0)
    if one.dtype.kind not in "biuf" or one.dtype.itemsize > 8:
        raise TypeError(f"{who}: p0 must be None, one start, a DataFrame "
                        f"or a callable, not {type(p0).__name__} of dtype "
                        f"{one.dtype}")
    one = one.astype(np.float64).reshape(-1)
    if one.size != n:
        raise ValueError(f"{who}: p0 has {one.size} values for the {n} "
                         f"parameters {list(names)}")
    starts[:] = one
    _note_nonfinite(starts, np.arange(count), names, notes, "p0")
    return starts


def _from_frame(frame, names, index, starts, notes, who):
    unknown = [c for c in frame.columns if c not in names]
    missing = [name for name in names if name not in frame.columns]
    if unknown or missing:
        raise ValueError(
            f"{who}: p0's columns must be the parameters {list(names)}; "
            f"it has {list(frame.columns)}")
    if not frame.index.is_unique:
        raise ValueError(f"{who}: p0's index names a group twice")
    values = frame.reindex(index)[list(names)]
    try:
        values = values.to_numpy(dtype=np.float64, na_value=np.nan)
    except (TypeError, ValueError):
        raise TypeError(f"{who}: p0's columns must hold real numbers")
    absent = ~index.isin(frame.index)
    starts[:] = values
    for k in np.flatnonzero(absent):
        notes[int(k)] = "Not run: p0 has no row for this group."
    present = np.flatnonzero(~absent)
    _note_nonfinite(starts, present, list(names), notes, "p0")
    starts[absent] = 1.0
    return starts


def _group_x(x_rows, k, m):
    """Group k's x as curve_fit gets it: (m,) or (c, m)."""
    return x_rows[..., k, :m]


def _from_each_group(p0, runnable, x_rows, y_rows, counts, starts, notes,
                     who):
    n = starts.shape[1]
    for k in runnable:
        m = counts[k]
        try:
            start = p0(_group_x(x_rows, k, m), y_rows[k, :m])
        except Exception as err:  # a self-start failing on one group
            notes[int(k)] = (f"Not run: p0(x, y) raised "
                             f"{type(err).__name__}: {err}")
            continue
        start = np.asarray(start, dtype=np.float64).reshape(-1)
        if start.size != n:
            raise ValueError(f"{who}: p0(x, y) returned {start.size} values "
                             f"for the {n} parameters")
        starts[k] = start


def _from_all_groups(p0, runnable, x_rows, y_rows, starts, who):
    n = starts.shape[1]
    result = np.asarray(p0(x_rows[..., runnable, :], y_rows[runnable]),
                        dtype=np.float64)
    if result.shape != (runnable.size, n):
        raise ValueError(f"{who}: p0(x, y) with p0_vectorized=True returned "
                         f"shape {result.shape} for {runnable.size} groups; "
                         f"it must be ({runnable.size}, {n})")
    starts[runnable] = result


def _note_nonfinite(starts, candidates, names, notes, source):
    candidates = np.asarray(candidates, dtype=np.intp)
    bad = ~np.isfinite(starts[candidates])
    for i in np.flatnonzero(bad.any(axis=1)):
        k = int(candidates[i])
        if k not in notes:
            j = int(np.flatnonzero(bad[i])[0])
            notes[k] = (f"Not run: the start from {source} is not finite "
                        f"({names[j]} is {starts[k, j]}).")
