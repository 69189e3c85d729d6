"""Parameter columns that compute as the numpy scalars they stand for.

curve_fit calls ``f(xdata, *p)`` with each parameter a ``numpy.float64``
scalar; curve_fit_batch calls it with each parameter a (k, 1) column of k
fits' values.  numpy gives the same bits for both in almost everything
(``+ - * /``, ``sqrt``, its ufuncs' loops), with one exception that common
models hit: ``p**2`` is the C library's ``pow(p, 2)`` for a scalar but the
exact ``p*p`` for an array, and the two differ in the last bit for about
0.1% of values (measured on glibc 2.36).  So ``exp(-x**2 / (2*s**2))``
would not give curve_fit's bits in a batch.

A ``Column`` keeps the scalar behaviour: arithmetic among columns and
scalars gives a column (as among numpy scalars it gives a scalar), ``**``
on a column is numpy's ``power`` ufunc, made to call the C library's
``pow`` for the exponent 2 too, as for a scalar; anything that
involves a full array (xdata) gives a plain ndarray, as it does for a
scalar.  The cost is a Python-level ufunc dispatch per operation on the
parameters, microseconds per call of f for up to 1024 fits.
"""

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
        if not isinstance(exponent, Column) and np.ndim(exponent) == 0 \
                and exponent == 2:
            # numpy's power takes the p*p shortcut for a scalar exponent 2
            # but not for an array of exponents: then it is pow(), as for
            # a numpy scalar.
            plain = self.view(np.ndarray)
            return np.power(plain, np.full(plain.shape, 2.0)).view(Column)
        return np.power(self, exponent)

    def __rpow__(self, base):
        return np.power(base, self)
