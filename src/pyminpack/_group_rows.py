"""A long table's groups as padded rows: what curve_fit_groups fits.

One row per measurement, a column naming the group: each group becomes one
row of a (G, M) array holding the points its fit uses, in the table's
order, replicates kept, NaN after them (M the longest group's count).
Rows a nan_policy drops are left out here, before any fit, so that the
batch sees only padding at the end of each row and the padding can never
be taken for the user's NaN.  The x rows are padded with the group's first
x instead of NaN, so that the model is never evaluated outside the data's
domain (the padded points are omitted from every fit all the same).
"""

import numpy as np

__all__ = ["GroupRows", "group_rows"]


class GroupRows:
    """The kept rows of G groups, laid out as padded (G, M) arrays.

    ``counts`` (G,) points per group; ``source`` (G, M) the table's row
    number of each point (-1 in the padding); ``padding`` (G, M) True
    after a group's points."""

    __slots__ = ("counts", "source", "padding")

    def __init__(self, counts, source, padding):
        self.counts, self.source, self.padding = counts, source, padding

    def pad(self, values, fill=np.nan, dtype=None):
        """(N,) or (c, N) table values as (G, M) or (c, G, M) rows."""
        values = np.asarray(values)
        taken = values[..., np.maximum(self.source, 0)]
        if dtype is not None:
            taken = taken.astype(dtype, copy=False)
        if fill is None:
            return taken
        return np.where(self.padding, np.asarray(fill, taken.dtype), taken)

    def edge_padded(self, values):
        """(c, N) x values as rows padded with each group's first x."""
        taken = np.asarray(values)[..., np.maximum(self.source, 0)]
        first = taken[..., :1]
        return np.where(self.padding, first, taken)


def group_rows(ids, kept, count, least=1):
    """GroupRows of the rows `kept` ((N,) bool) of `count` groups, ids (N,)
    each row's group number; M is at least `least`."""
    rows = np.flatnonzero(kept)
    rows = rows[np.argsort(ids[rows], kind="stable")]  # the table's order
    group = ids[rows]
    counts = np.bincount(group, minlength=count)
    first = np.concatenate(([0], np.cumsum(counts)[:-1]))
    position = np.arange(rows.size) - first[group]
    width = max(int(counts.max(initial=0)), least)
    source = np.full((count, width), -1, np.intp)
    source[group, position] = rows
    return GroupRows(counts, source, source < 0)
