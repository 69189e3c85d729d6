"""The fits' shape: curves laid out along any axis of a cube.

``curve_fit_batch(..., axis=a)`` takes ydata whose axis ``a`` holds a
curve's points and whose other axes index the fits, in their shape (a
(m, ny, nx) cube with ``axis=0`` is ny*nx fits of shape (ny, nx)).  The
core sees plain (K, m) arrays: this module moves the points axis last,
flattens the fits to K rows, broadcasts every per-fit input to those rows
as numpy broadcasts, and gives the results back in the fits' shape.
"""

import operator

import numpy as np

__all__ = ["Layout", "layout", "fit_name", "fits_shaped"]


class Layout:
    """Where the points lie and how the fits are shaped.

    ``axis`` is the points axis of the caller's ydata (non-negative),
    ``shape`` the fits' shape, ``count`` the number of fits, ``m`` the
    points per curve."""

    __slots__ = ("axis", "ndim", "shape", "count", "m", "who")

    # Where the covariance warning tells the caller to find every fit it
    # could not estimate the covariance of.
    unknown_covariance = "result.covariance_unknown marks them"

    def __init__(self, axis, ndim, shape, m, who):
        self.axis = axis
        self.ndim = ndim
        self.shape = shape
        self.count = int(np.prod(shape, dtype=np.int64))
        self.m = m
        self.who = who

    def rows(self, array):
        """An array of the caller's ydata layout (or broadcasting to it,
        with the same ndim) as (K, m) rows, in the fits' C order."""
        array = np.moveaxis(array, self.axis, -1)
        array = np.broadcast_to(array, (*self.shape, self.m))
        return array.reshape(self.count, self.m)

    def per_fit(self, array, tail, name):
        """An input of the fits' shape + `tail` (broadcasting to it as
        numpy does) as (K, *tail) rows."""
        try:
            array = np.broadcast_to(array, (*self.shape, *tail))
        except ValueError:
            raise ValueError(
                f"{self.who}: {name} of shape {np.shape(array)} does not "
                f"broadcast to the fits' shape {self.shape} + "
                f"{tuple(tail)}") from None
        return array.reshape(self.count, *tail)

    def restore(self, array):
        """(K, ...) results as the fits' shape + (...)."""
        return array.reshape(*self.shape, *array.shape[1:])

    def name(self, k):
        """Fit k (a row) named by its index in the fits' shape."""
        return fit_name(k, self.shape)


def fit_name(k, shape):
    """'curve 5' for one fit axis, 'curve (3, 41)' for several."""
    if len(shape) == 1:
        return f"curve {int(k)}"
    index = tuple(int(i) for i in np.unravel_index(int(k), shape))
    return f"curve {index}"


def layout(ydata, axis, who):
    """The Layout of `ydata` with its points along `axis`."""
    try:
        axis = operator.index(axis)
    except TypeError:
        raise TypeError(f"{who}: axis must be an integer, not "
                        f"{type(axis).__name__}") from None
    if ydata.ndim < 2:
        raise ValueError(
            f"{who}: ydata must have shape (K, m), one curve per row (or "
            f"be a cube of curves, axis= naming the points axis), not "
            f"{ydata.shape}")
    if not -ydata.ndim <= axis < ydata.ndim:
        raise ValueError(f"{who}: axis={axis} is out of range for ydata "
                         f"of shape {ydata.shape}")
    axis %= ydata.ndim
    shape = ydata.shape[:axis] + ydata.shape[axis + 1:]
    return Layout(axis, ydata.ndim, shape, ydata.shape[axis], who)


def fits_shaped(x0, data, diag):
    """leastsq_batch with x0 of the fits' shape + (n,) (three or more
    dimensions): x0, data and diag as K rows, and the fits' shape; None
    for x0 of shape (K, n) or (n,), which need nothing."""
    shape = np.shape(x0)
    if len(shape) < 3:
        return None
    fits, n = shape[:-1], shape[-1]
    count = int(np.prod(fits, dtype=np.int64))
    rows = []
    items = () if data is None else data if isinstance(data, tuple) \
        else (data,)
    for index, item in enumerate(items):
        item = np.asarray(item)
        if item.shape[:len(fits)] != fits:
            raise ValueError(
                f"leastsq_batch: data[{index}] has shape {item.shape}, but "
                f"x0 of shape {shape} gives fits of shape {fits}")
        rows.append(item.reshape(count, *item.shape[len(fits):]))
    if diag is not None and np.ndim(diag) > 1:
        diag = np.broadcast_to(diag, (*fits, n)).reshape(count, n)
    return np.reshape(x0, (count, n)), tuple(rows) or None, diag, fits
