"""Parameter columns that compute as the numpy scalars they stand for.

curve_fit calls ``f(xdata, *p)`` with each parameter a ``numpy.float64``
scalar; curve_fit_batch calls it with each parameter a (k, 1) column of k
fits' values.  numpy gives the same bits for both in almost everything:
``+ - * /`` are IEEE operations, and a ufunc (``np.exp``, ``np.power``,
...) runs the same loop on a scalar as on each element of a column.

The ``**`` operator is the exception.  On numpy scalars it is numpy's
scalar arithmetic (the C library's ``pow`` today); on arrays it is the
``power`` ufunc, whose loop takes shortcuts for some exponents (``p*p``
for 2; numpy 2.4 adds ``sqrt`` for 0.5 and ``1/p`` for -1) and, on CPUs
with AVX-512, is a vectorised ``pow`` that differs from the C library's in
the last bit for about 5% of values.  ``array ** scalar`` has shortcuts of
its own again.  Which exponents, and which loop, change with numpy's
version and the CPU, so a Column does not imitate them: ``**`` on a column
calls, for each fit, the very operation the fit's scalar model would run
(``v ** e`` on that fit's ``numpy.float64`` v), and gets its bits whatever
numpy does.  That costs a Python-level call per fit (about 0.2 us per
value, 0.2 ms per ``**`` for 1024 fits; ``xdata ** column`` one array
operation per fit), paid only where a model uses ``**`` on a parameter.

Arithmetic among columns and scalars gives a column (as among numpy
scalars it gives a scalar); anything that involves a full array (xdata)
gives a plain ndarray, as it does for a scalar.
"""

import itertools
import operator

import numpy as np

__all__ = ["Column", "columns"]


def columns(params):
    """The n parameters of a (k, n) block as (k, 1) Columns."""
    return tuple(params.T[:, :, None].view(Column))


def _is_scalar_like(value):
    if isinstance(value, (float, int, Column)):
        return True
    if isinstance(value, np.ndarray):
        return value.ndim == 0
    return np.ndim(value) == 0


class Column(np.ndarray):
    """A (k, 1) column of parameter values (see the module docstring)."""

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        plain = [i.view(np.ndarray) if isinstance(i, Column) else i
                 for i in inputs]
        if "out" in kwargs:
            kwargs["out"] = tuple(o.view(np.ndarray) if isinstance(o, Column)
                                  else o for o in kwargs["out"])
        result = getattr(ufunc, method)(*plain, **kwargs)
        if method != "__call__" or not all(map(_is_scalar_like, inputs)):
            return result
        if isinstance(result, tuple):
            return tuple(r.view(Column) for r in result)
        return result.view(Column)

    def __pow__(self, exponent):
        return _power_per_fit(self, exponent)

    def __rpow__(self, base):
        return _power_per_fit(base, self)

    # A scalar's ``p **= e`` binds a new scalar; in place, a column would
    # take the array path and write into the caller's parameter block.
    __ipow__ = __pow__


def _power_per_fit(base, exponent):
    """``base ** exponent`` with each Column replaced, fit by fit, by that
    fit's numpy.float64 value: numpy's own operation on each fit's scalars.

    An array operand with one row per fit (ndim >= 2, first dimension k)
    gives each fit its row; any other array is every fit's.  Where that
    would not give numpy's broadcast shape, numpy's array power decides
    (its shape or its error)."""
    count = (base if isinstance(base, Column) else exponent).shape[0]
    shape = np.broadcast_shapes(np.shape(base), np.shape(exponent))
    values = list(map(operator.pow, _per_fit(base, count, len(shape)),
                      _per_fit(exponent, count, len(shape))))
    if _is_scalar_like(base) and _is_scalar_like(exponent):
        return np.array(values, dtype=None if values else np.float64
                        ).reshape(count, 1).view(Column)
    stacked = np.stack(values)
    if stacked.shape != shape:
        return np.power(_plain(base), _plain(exponent))
    return stacked


def _per_fit(operand, count, ndim):
    """What each fit's scalar model has in place of `operand`."""
    if isinstance(operand, Column):
        # Iterating a plain float64 array yields numpy.float64 scalars.
        return iter(operand.view(np.ndarray).reshape(count))
    if isinstance(operand, np.ndarray) and operand.ndim >= 2 \
            and operand.shape[0] == count and operand.ndim == ndim:
        return iter(operand)
    return itertools.repeat(operand, count)


def _plain(operand):
    return operand.view(np.ndarray) if isinstance(operand, Column) \
        else operand
