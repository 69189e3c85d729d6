"""``check_jacobian``: MINPACK's CHKDER on a user's func and Dfun."""

from typing import NamedTuple

import numpy as np

from . import _minpack
from ._leastsq import _args_tuple, _as_float64_vector, _check_callables, _flag

__all__ = ["check_jacobian", "JacobianCheck"]

_WHO = "check_jacobian"

#: CHKDER's own reading of err: above 0.5 "probably correct", below it
#: "probably incorrect".
_SUSPECT_BELOW = 0.5


class JacobianCheck(NamedTuple):
    """What :func:`check_jacobian` found.

    Attributes
    ----------
    err : ndarray
        MINPACK's measure per residual, shape ``(m,)``, in [0, 1]: 1 means
        row ``i`` of the Jacobian (the gradient of residual ``i``) agrees
        with ``func``, 0 that it does not (or that it, or residual ``i``,
        is not finite).
    suspect : ndarray
        The indices ``i`` with ``err[i] < 0.5``, the rows that look wrong
        (int, ascending; empty when all look right).
    """

    err: np.ndarray
    suspect: np.ndarray


def check_jacobian(func, Dfun, x0, args=(), col_deriv=False):
    """
    Check an analytic Jacobian against its function with MINPACK's CHKDER.

    CHKDER (Garbow, Hillstrom and Moré, Argonne, 1980; the netlib Fortran,
    unchanged) evaluates `func` at `x0` and at a nearby point ``xp``
    (``x0_j + sqrt(eps) * |x0_j|``, or ``sqrt(eps)`` where ``x0_j`` is 0)
    and compares the change with what ``Dfun(x0)`` predicts, residual by
    residual.

    Parameters
    ----------
    func : callable
        ``func(x, *args)``: the ``m`` residuals, as for
        :func:`pyminpack.leastsq`.
    Dfun : callable
        ``Dfun(x, *args)``: the Jacobian, shape ``(m, n)`` with
        ``J[i, j] = d func_i / d x_j`` (``(n, m)`` with `col_deriv`).
    x0 : array_like
        The point of the check, ``n`` parameters.  None of its entries
        should be unusually small (zero in particular) or otherwise cause a
        loss of significance in `func`: CHKDER is then unreliable.
    args : tuple, optional
        Extra arguments for `func` and `Dfun` (a non-tuple is the one
        argument).
    col_deriv : bool, optional
        `Dfun` returns the transposed Jacobian, shape ``(n, m)``.

    Returns
    -------
    JacobianCheck
        ``err`` (shape ``(m,)``, MINPACK's measure in [0, 1]; 1: gradient
        ``i`` is correct, 0: it is wrong, values in between less certain;
        0 where residual ``i`` at ``x0`` or ``xp``, or its gradient, is not
        finite) and ``suspect``, the residual indices with ``err < 0.5``.

    Raises
    ------
    TypeError, ValueError
        `func` or `Dfun` not callable, or output of the wrong type or
        shape (the same checks as :func:`pyminpack.leastsq`'s); an empty
        or non-finite `x0` (before any call) or no residuals (before
        `Dfun` is called).

    Notes
    -----
    `func` is called twice (at `x0` and at ``xp``) and `Dfun` once.  A
    wrong column ``j`` of the Jacobian shows as low ``err`` in the rows
    that depend on ``x_j``: CHKDER checks gradients, one per residual, so
    it says which residuals to look at, not which parameter.  CHKDER probes
    one direction, ``(|x0_1|, ..., |x0_n|)``: a correct gradient orthogonal
    to it changes ``func`` too little to be judged and gets ``err = 0``, as
    do residuals that cancel (its documented loss of significance).  Check
    at a second point before believing a single suspect.

    Examples
    --------
    >>> import numpy as np
    >>> from pyminpack import check_jacobian
    >>> t = np.linspace(0.0, 1.0, 5)
    >>> def f(p):
    ...     return p[0] * np.exp(p[1] * t)
    >>> def wrong(p):           # d/dp1 forgets the factor t
    ...     return np.column_stack([np.exp(p[1] * t), p[0] * np.exp(p[1] * t)])
    >>> check_jacobian(f, wrong, [1.0, 0.5]).suspect  # right only at t = 1
    array([0, 1, 2, 3])
    """
    _check_callables(func, Dfun, who="check_jacobian")
    if Dfun is None:
        raise TypeError("check_jacobian: Dfun must be callable, not None")
    col_deriv = _flag(col_deriv, "col_deriv", _WHO)
    args = _args_tuple(args)
    x = _as_float64_vector(x0, "x0", _WHO)
    n = x.size
    if n == 0:
        raise ValueError("check_jacobian: x0 is empty; CHKDER needs at "
                         "least one parameter")
    index = _minpack.first_nonfinite(x)
    if index >= 0:
        raise ValueError(f"check_jacobian: x0 must be finite, but entry "
                         f"{index} is {x[index]}")
    fvec = _residuals(func(x.copy(), *args), func)
    m = fvec.size
    if m == 0:
        raise ValueError("check_jacobian: func returned no residuals at x0; "
                         "CHKDER needs at least one")
    jacobian = _column_major_jacobian(Dfun(x.copy(), *args), m, n,
                                      col_deriv, Dfun)
    xp = _minpack.chkder_point(x)
    fvecp = _residuals(func(xp.copy(), *args), func)
    if fvecp.size != m:
        raise ValueError(f"check_jacobian: func returned {m} residuals at "
                         f"x0 but {fvecp.size} at the nearby point")
    err = _minpack.chkder_err(x, fvec, jacobian, fvecp)
    # CHKDER cannot judge a residual whose value (at x0 or xp) or gradient
    # is not finite, and its arithmetic may call it correct (a NaN fails
    # every comparison, which leaves err = 1): it is suspect.
    judged = (np.isfinite(fvec) & np.isfinite(fvecp)
              & np.isfinite(jacobian).all(axis=0))
    err[~judged] = 0.0
    return JacobianCheck(err=err, suspect=np.flatnonzero(err < _SUSPECT_BELOW))


def _residuals(output, func):
    """func's output as leastsq converts it, its errors in our name."""
    try:
        return _minpack.residual_vector(output, func)[0]
    except (TypeError, ValueError) as err:
        text = str(err)
        if type(err) in (TypeError, ValueError) and \
                text.startswith("leastsq:"):
            raise type(err)(_WHO + text[len("leastsq"):]) from err.__cause__
        raise


def _column_major_jacobian(output, m, n, col_deriv, Dfun):
    """Dfun's output as an (n, m) C-order array: Fortran's fjac(m, n)."""
    try:
        array = np.asarray(output)
    except (TypeError, ValueError) as err:
        raise type(err)("check_jacobian: Dfun's output cannot be converted "
                        "to an array of real numbers") from err
    expected = (n, m) if col_deriv else (m, n)
    if m == 1 or n == 1:
        if array.size == m * n and sum(d != 1 for d in array.shape) <= 1:
            array = array.reshape(expected)
    if array.shape != expected:
        name = getattr(Dfun, "__name__", None)
        raise TypeError(f"check_jacobian: Dfun{f' {name!r}' if name else ''}"
                        f" returned shape {array.shape}, expected "
                        f"{expected}")
    if array.dtype.kind not in "biuf" or (array.dtype.kind == "f"
                                          and array.dtype.itemsize > 8):
        raise TypeError(f"check_jacobian: Dfun's output must be real "
                        f"numbers, not dtype {array.dtype}")
    array = np.asarray(array, dtype=np.float64)
    return np.ascontiguousarray(array if col_deriv else array.T)
