"""The pandas side of curve_fit_groups: columns in, DataFrames out.

Everything that knows pandas is here, and pandas is imported only when
curve_fit_groups is called (``import pyminpack`` never imports it): the
columns read as numpy arrays, each row's group number from
``DataFrame.groupby``, and the results built into DataFrames indexed by
the group keys.  The numerical core sees plain arrays.
"""

import numpy as np

from ._fits_shape import Layout

__all__ = ["import_pandas", "Table", "GroupLayout", "result_frame",
           "covariance_frame"]


def import_pandas(who):
    try:
        import pandas
    except ImportError:
        raise ImportError(f"{who} needs pandas: pip install "
                          f"pyminpack[pandas]") from None
    return pandas


def _labels(value):
    """A list of column labels is several columns; anything else is one."""
    return list(value) if isinstance(value, list) else [value]


class Table:
    """The columns curve_fit_groups reads, as arrays over the N rows.

    ``y`` (N,) float64; ``x`` (c, N) float64 (``one_x`` when x named one
    column, which f then gets as (m,) instead of (1, m)); ``sigma`` (N,)
    in the column's dtype, or None; ``ids`` each row's group number;
    ``index`` the G group keys; ``row_labels`` the table's index."""

    def __init__(self, pandas, data, x, y, by, sigma, sort, who):
        if not isinstance(data, pandas.DataFrame):
            raise TypeError(f"{who}: data must be a pandas DataFrame, not "
                            f"{type(data).__name__}")
        self.who = who
        self.x_names = _labels(x)
        self.one_x = not isinstance(x, list)
        if not self.x_names:
            raise ValueError(f"{who}: x names no column")
        by_names = _labels(by)
        if not by_names:
            raise ValueError(f"{who}: by names no column")
        for role, names in (("x", self.x_names), ("y", [y]),
                            ("by", by_names),
                            ("sigma", [] if sigma is None else [sigma])):
            missing = [name for name in names if name not in data.columns]
            if missing:
                raise KeyError(f"{who}: {role} names {missing[0]!r}, which "
                               f"is not a column of data")
        self.y_name, self.sigma_name = y, sigma
        self.y = self._floats(data, y)
        self.x = np.stack([self._floats(data, name) for name in self.x_names])
        self.sigma = None if sigma is None else self._sigma(data[sigma])
        grouped = data.groupby(by if isinstance(by, list) else by, sort=sort,
                               dropna=False, observed=True)
        self.ids = grouped.ngroup().to_numpy(np.intp)
        self.index = grouped.size().index
        self.row_labels = data.index

    def _floats(self, data, name):
        column = data[name]
        try:
            return column.to_numpy(dtype=np.float64, na_value=np.nan)
        except (TypeError, ValueError):
            raise TypeError(f"{self.who}: column {name!r} must hold real "
                            f"numbers, not {column.dtype}") from None

    def _sigma(self, column):
        """sigma as curve_fit gets it, in the column's own dtype when that
        is a numpy real dtype (curve_fit weighs in sigma's dtype)."""
        values = column.to_numpy()
        if values.dtype.kind in "biuf" and values.dtype.itemsize <= 8:
            return values
        return self._floats(column.to_frame(), column.name)

    @property
    def count(self):
        return len(self.index)

    def row_name(self, row):
        """The table's label of row number `row`."""
        return _text(self.row_labels[row])


def _text(key):
    """A key as the user wrote it: 18, not np.int64(18)."""
    if isinstance(key, tuple):
        return "(" + ", ".join(_text(part) for part in key) + ")"
    if isinstance(key, np.generic):
        key = key.item()
    return repr(key)


class GroupLayout(Layout):
    """G groups as the batch's fits, named by their keys in messages."""

    __slots__ = ("keys",)

    unknown_covariance = "their standard errors are inf"

    def __init__(self, keys, m, who):
        super().__init__(1, 2, (len(keys),), m, who)
        self.keys = keys

    def name(self, k):
        return f"group {_text(self.keys[int(k)])}"


def result_frame(pandas, index, names, popt, perr, points, result, messages):
    """One row per group: the parameters, their standard errors, the
    points used, success, ier, nfev and the message."""
    columns = {name: popt[:, j] for j, name in enumerate(names)}
    columns.update({f"{name}_se": perr[:, j] for j, name in enumerate(names)})
    columns.update(points=points, success=result.success, ier=result.ier,
                   nfev=result.nfev, message=messages)
    return pandas.DataFrame(columns, index=index)


def covariance_frame(pandas, index, names, pcov):
    """pcov (G, n, n) as a DataFrame indexed by (group keys..., parameter):
    ``frame.loc[key]`` is one group's n x n matrix."""
    count, n = pcov.shape[:2]
    keys = index.repeat(n)
    if isinstance(keys, pandas.MultiIndex):
        arrays = [keys.get_level_values(i) for i in range(keys.nlevels)]
        levels = list(keys.names)
    else:
        arrays, levels = [keys], [keys.name]
    rows = pandas.MultiIndex.from_arrays(
        arrays + [np.tile(np.asarray(names, dtype=object), count)],
        names=levels + ["parameter"])
    return pandas.DataFrame(pcov.reshape(count * n, n), index=rows,
                            columns=list(names))
