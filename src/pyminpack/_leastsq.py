"""``leastsq``: scipy.optimize.leastsq's contract on MINPACK's lmdif and lmder.

Everything about the arguments is checked and converted here, once per fit;
the C extension then runs the Fortran and calls back into ``func``/``Dfun``
without any further Python-level work.
"""

import math
import operator
import warnings
from typing import Any

import numpy as np

from . import _bounds, _compiled, _lmstr, _minpack
from ._messages import CALLBACK_STOP, SUCCESS, message

__all__ = ["leastsq"]

# What the typing stub calls a compiled callable: a numba cfunc, a ctypes
# function pointer, a PyCapsule or a scipy.LowLevelCallable (_compiled.py).
CompiledCallable = Any

# MINPACK's INTEGER is a C int.
_INT_MAX = 2**31 - 1

# epsfcn=None means "the precision of what func returns" (scipy's rule);
# non-floating output means float64's.
_EPSILON_OF = {np.dtype(t): float(np.finfo(t).eps)
               for t in (np.float16, np.float32, np.float64)}
_FLOAT64_EPSILON = _EPSILON_OF[np.dtype(np.float64)]
_FLOAT64 = np.dtype(np.float64)


def leastsq(func, x0, args=(), Dfun=None, full_output=False, col_deriv=False,
            ftol=1.49012e-08, xtol=1.49012e-08, gtol=0.0, maxfev=0,
            epsfcn=None, factor=100, diag=None, *, check_finite=True,
            m=None, callback=None, Dfun_row=None, bounds=None):
    """
    Minimise a sum of squares with MINPACK's Levenberg-Marquardt solver.

    Finds ``x`` that minimises ``sum(func(x, *args)**2)`` by a
    Levenberg-Marquardt method with a trust region, running the original
    Fortran MINPACK routines (Moré, Garbow and Hillstrom, Argonne, 1980):
    ``lmder`` when a Jacobian function ``Dfun`` is given, ``lmdif`` (with a
    forward-difference Jacobian) otherwise.  The signature, defaults,
    results and messages are those of :func:`scipy.optimize.leastsq`, so
    this function can replace it unchanged.

    Parameters
    ----------
    func : callable
        ``func(x, *args)`` returns the ``m`` residuals at the ``n``
        parameters ``x`` as a 1-D array-like of real numbers (a scalar
        counts as ``m = 1``).  ``m`` must be at least ``n`` and must not
        change between calls.  ``x`` is a new float64 array at every call:
        keeping or modifying it does not affect the fit.
    x0 : array_like
        Starting point.  It is flattened in C order to a 1-D float64 array,
        so ``n = x0.size``; bool, integer and float arrays are accepted,
        complex, long double and strings are not.  ``x0`` itself is never
        modified.
    args : tuple, optional
        Extra positional arguments for ``func`` and ``Dfun``.  A value that
        is not a tuple is passed as the single extra argument.
    Dfun : callable, optional
        ``Dfun(x, *args)`` returns the Jacobian of ``func`` at ``x``: an
        array of shape ``(m, n)`` with ``J[i, j] = d func_i / d x_j``, or of
        shape ``(n, m)`` when `col_deriv` is true.  When it is None the
        Jacobian is estimated by forward differences.
    full_output : bool, optional
        If true, also return `cov_x`, `infodict` and `mesg`.
    col_deriv : bool, optional
        If true, `Dfun` returns the transposed Jacobian, shape ``(n, m)``
        (one row per parameter); its memory is then exactly MINPACK's
        column-major layout and is copied without a transpose.
    ftol : float, optional
        Stop when both the actual and the predicted relative reductions of
        the sum of squares are at most `ftol`.
    xtol : float, optional
        Stop when the relative change of the scaled solution between two
        iterations is at most `xtol`.
    gtol : float, optional
        Stop when the cosine of the angle between the residuals and every
        column of the Jacobian is at most `gtol` in absolute value.
    maxfev : int, optional
        The largest number of calls to `func` (finite-difference calls
        included).  0 (or a negative value) means ``200*(n+1)`` without
        `Dfun` and ``100*(n+1)`` with it.
    epsfcn : float, optional
        The relative error of `func`'s values, which sets the
        forward-difference step ``sqrt(max(epsfcn, eps)) * |x_j|``.  None
        means the machine epsilon of the floating dtype `func` returns
        (float64's if it returns integers).  Unused with `Dfun`.
    factor : float, optional
        Sets the initial step bound ``factor * ||diag * x0||`` (or `factor`
        itself when that is zero); between 0.1 and 100 is usual.
    diag : array_like, optional
        ``n`` positive scale factors for the parameters.  None lets MINPACK
        scale them from the Jacobian's column norms.
    check_finite : bool, optional, keyword-only
        If true (the default), ``x0`` and ``func(x0)`` must be finite, else
        ValueError.  False passes them to MINPACK as scipy does.
    m : int, optional, keyword-only
        The number of residuals.  Required when `func` is compiled (see
        Notes), which returns no array to count them in; with a Python
        `func`, a ValueError if it differs from the length of ``func(x0)``.
    callback : callable, optional, keyword-only
        ``callback(x, fvec)``, called once per MINPACK iteration, at its
        start: ``x`` is the iterate the iteration starts from (``x0`` at the
        first call) and ``fvec`` the residuals there, both new float64
        arrays the callback may keep.  It is MINPACK's own NPRINT hook
        (``nprint = 1``), so it runs just after the Jacobian at ``x`` was
        computed and the number of calls is the number of iterations (with
        `Dfun`, ``njev``).  Returning something true stops the fit at once
        with ``ier == -3``; ``x`` and ``fvec`` are then the values the
        callback was given.  An exception it raises propagates as one from
        `func` does.  None (the default) runs MINPACK with ``nprint = 0``,
        exactly as without this option.  Not available with a compiled
        `func`.
    Dfun_row : callable, optional, keyword-only
        ``Dfun_row(x, i, *args)`` returns row ``i`` (0-based) of the
        Jacobian, its ``n`` values ``d func_i / d x_j``.  Given instead of
        `Dfun`, it runs MINPACK's ``lmstr``, which asks for the rows one at
        a time and keeps only an ``n x n`` triangle: O(n**2 + m) memory
        where ``lmder`` needs O(m*n), for fits whose Jacobian does not fit
        in memory.  The results mean what ``lmder``'s do, except that
        ``fjac`` is ``(n, n)`` (R in its upper triangle, read as
        ``fjac.T``) and ``njev`` counts Jacobian evaluations (m calls of
        `Dfun_row` each).  `maxfev` defaults to ``100*(n+1)``.  Not with
        `Dfun`, `callback`, finite `bounds` or a compiled `func`.
    bounds : 2-tuple or object with ``lb`` and ``ub``, optional, keyword-only
        ``(lb, ub)``, each a scalar or one value per parameter (or
        ``scipy.optimize.Bounds``, recognised without importing scipy).
        None or all infinite: the unbounded fit, exactly.  Otherwise
        MINPACK runs on internal parameters ``u`` through MINUIT's change
        of variables (``x = lb + (sin(u) + 1) * (ub - lb) / 2`` for two
        bounds, ``x = lb - 1 + sqrt(u*u + 1)`` or ``x = ub + 1 -
        sqrt(u*u + 1)`` for one, ``x = u`` for none, as lmfit does), so
        `func`, `Dfun` and `callback` always get ``x`` inside the bounds.
        ``lb == ub`` fixes that parameter: MINPACK does not see it, `func`
        still gets it.  ``x0`` must lie inside (ValueError "x0 is
        infeasible" otherwise); a start exactly on a bound is moved
        ``1e-10 * max(1, |bound|)`` inside.  See Notes.

    Returns
    -------
    x : ndarray
        The solution (or the last iterate), a new float64 array of shape
        ``(n,)``.
    cov_x : ndarray or None
        Only with `full_output`.  The inverse of ``J.T @ J`` at the solution,
        computed from MINPACK's R factor; multiply it by the residual
        variance ``sum(fvec**2) / (m - n)`` to get the covariance of the
        parameters.  None when the fit failed (ier not in 1..4) or when R is
        exactly singular.
    infodict : dict
        Only with `full_output`, with keys in this order:

        ``fvec``
            The residuals at the solution, shape ``(m,)``.
        ``nfev``
            The number of calls to `func` that MINPACK made (with `Dfun`
            absent this includes the finite-difference calls).
        ``njev``
            The number of calls to `Dfun` (only when `Dfun` is given).
        ``fjac``
            MINPACK's column-major ``m x n`` array read in C order, shape
            ``(n, m)``: ``R = numpy.triu(fjac.T[:n])`` is the upper
            triangular factor of the QR factorisation ``J P = Q R``; the
            rest holds the Householder vectors of Q.
        ``ipvt``
            int32, shape ``(n,)``: the column pivoting, **1-based** as in
            MINPACK and scipy <= 1.14: column ``j`` of ``P`` is column
            ``ipvt[j]`` of the identity in Fortran numbering.  (scipy >=
            1.15 returns it 0-based.)
        ``qtf``
            The first ``n`` entries of ``Q.T @ fvec``, shape ``(n,)``.
    mesg : str
        Only with `full_output`.  Why the fit stopped (scipy's text).
    ier : int
        MINPACK's ``info``.  1, 2, 3 or 4: converged; 5: `maxfev` reached;
        6, 7, 8: `ftol`, `xtol` or `gtol` too small to improve further;
        0: improper input (negative tolerance, ``factor <= 0``, a ``diag``
        entry ``<= 0``, or ``n == 0``); -1 or -2: a compiled `func` (-1) or
        `Dfun` (-2) returned non-zero, which stopped the fit at its last
        iterate (`mesg` gives the value returned); -3: `callback` returned
        true and the fit stopped at the iterate it was given (no warning;
        `cov_x` is None, and ``fjac``, ``ipvt`` and ``qtf`` are MINPACK's
        working arrays at the stop, not a factorisation at ``x``).

    Raises
    ------
    TypeError
        ``n > m``; `x0`, `func`'s or `Dfun`'s output of a type that does not
        convert safely to float64 (complex, strings, objects); `Dfun`'s
        output of the wrong shape; or, without `full_output`, ``ier == 0``.
    ValueError
        Non-finite `x0` or ``func(x0)`` (unless ``check_finite=False``);
        `func`'s output of more than one dimension or of changing length;
        a `diag` of the wrong length; a NaN option.
    Exception
        Whatever `func` or `Dfun` raises stops the fit and propagates
        unchanged.

    Warns
    -----
    RuntimeWarning
        Without `full_output`, when ier is 5, 6, 7 or 8, or -1 or -2 (the
        warning points at the line that called ``leastsq``).

    Notes
    -----
    ``func`` is evaluated once at ``x0`` before MINPACK starts, to learn
    ``m``; that value answers MINPACK's own first request, so ``func`` is
    never called twice at ``x0`` and ``nfev`` is exactly MINPACK's count.

    With finite `bounds`: `epsfcn`, `diag`, `factor` and `xtol` act on the
    internal parameters, which are what MINPACK sees, and so do
    ``infodict``'s ``fjac``, ``ipvt`` and ``qtf`` (``n_free`` rows, the
    parameters not fixed).  ``x`` is external, always inside the bounds,
    also when the fit fails.  ``cov_x`` is that of the external parameters
    at the solution (zero rows and columns for fixed ones): when a free
    parameter has a finite bound, one more Jacobian is taken at ``x``
    after MINPACK converges, `Dfun`'s, or forward differences as MINPACK
    takes them (a bounded parameter's step at least ``sqrt(eps)`` times
    its box's width, or ``max(1, |bound|)``; backwards where a forward
    step would leave the bounds); these calls are not counted in ``nfev``
    or ``njev``.  ``infodict['at_bound']`` flags the parameters that ended
    within 1.5e-8 of a bound (relative to the box's width, or ``max(1,
    |bound|)``): their uncertainty is not a Gaussian one.

    The solver releases the GIL while it works between callbacks, so fits
    in several threads run in parallel; ``leastsq`` may also be called from
    inside ``func`` or ``Dfun``.

    `func` and `Dfun` may be compiled C functions instead: a numba
    ``@cfunc``, a ctypes function pointer with declared ``argtypes`` and
    ``restype``, a PyCapsule named by its signature, or a
    ``scipy.LowLevelCallable``, with the signatures ``int func(int m, int
    n, const double *x, double *fvec, void *user_data)`` and ``int jac(int
    m, int n, const double *x, double *fjac, int ldfjac, void
    *user_data)`` (``fjac[i + j*ldfjac]`` is d func_i / d x_j).  They
    return 0 to go on; anything else stops the fit (ier -1 or -2).  The
    whole fit then runs without the GIL.  ``user_data`` is the
    LowLevelCallable's own, or comes from `args`: ``()`` gives NULL, one
    C-contiguous ndarray its data, a ctypes pointer or an int that
    address.  `m` must be given; `epsfcn=None` is float64's epsilon.

    References
    ----------
    J. J. Moré, B. S. Garbow and K. E. Hillstrom, *User Guide for
    MINPACK-1*, Argonne National Laboratory report ANL-80-74, 1980.

    Examples
    --------
    Fit ``y = a * exp(-b * t)`` to noiseless data:

    >>> import numpy as np
    >>> from pyminpack import leastsq
    >>> t = np.linspace(0.0, 4.0, 9)
    >>> y = 2.5 * np.exp(-1.3 * t)
    >>> def residuals(p, t, y):
    ...     return p[0] * np.exp(-p[1] * t) - y
    >>> p, ier = leastsq(residuals, [1.0, 1.0], args=(t, y))
    >>> ier in (1, 2, 3, 4)
    True
    >>> np.round(p, 6)
    array([2.5, 1.3])
    """
    if Dfun_row is not None:
        _lmstr.check_rows(func, Dfun, Dfun_row, callback)
    if _compiled.is_compiled(func) or (Dfun is not None
                                       and _compiled.is_compiled(Dfun)):
        if callback is not None:
            raise TypeError("leastsq: callback= is not available with a "
                            "compiled func or Dfun")
        return _leastsq_compiled(func, x0, args, Dfun, full_output,
                                 ftol, xtol, gtol, maxfev, epsfcn, factor,
                                 diag, check_finite, m, bounds)
    _check_callables(func, Dfun)
    if callback is not None and not callable(callback):
        raise TypeError(f"leastsq: callback must be callable or None, not "
                        f"{type(callback).__name__}")
    full_output = _flag(full_output, "full_output")
    (x, fvec, fjac, ipvt, qtf, nfev, njev, ier,
     (ftol, xtol, gtol, maxfev), limits, bounded_cov) = _run_python(
        func, x0, args, Dfun, col_deriv, ftol, xtol, gtol, maxfev, epsfcn,
        factor, diag, check_finite, m, callback, Dfun_row, bounds=bounds)

    # The common case, success without full_output, needs no message
    # (formatting one takes 0.6 us).  A stop the callback asked for is not
    # worth a warning either.
    if (ier in SUCCESS or ier == CALLBACK_STOP) and not full_output:
        return x, ier
    mesg = message(ier, ftol=ftol, xtol=xtol, gtol=gtol, maxfev=maxfev)
    if full_output:
        infodict = {"fvec": fvec, "nfev": nfev}
        if njev is not None:
            infodict["njev"] = njev
        infodict.update(fjac=fjac, ipvt=ipvt, qtf=qtf)
        if limits is not None:
            # The external parameters' inv(J^T J), from lm.c.
            cov_x = bounded_cov
            infodict["at_bound"] = _bounds.at_bound(x, *limits)
        else:
            # inv(J^T J) from R and the pivoting, computed in C (lm.c).
            cov_x = _minpack.covariance(fjac, ipvt) if ier in SUCCESS \
                else None
        return x, cov_x, infodict, mesg, ier
    if ier == 0:
        raise TypeError(mesg)
    warnings.warn(mesg, RuntimeWarning, stacklevel=2)
    return x, ier


def _run_python(func, x0, args, Dfun, col_deriv, ftol, xtol, gtol, maxfev,
                epsfcn, factor, diag, check_finite, m, callback=None,
                Dfun_row=None, *, bounds=None, limits=None):
    """One fit with Python func/Dfun, checked as leastsq checks it: MINPACK's
    raw results, the options as used (for the message), the bounds as
    used ((lb, ub) or None) and, with bounds, the external covariance.

    `bounds` is leastsq's argument; `limits` the (lb, ub) a batch has
    already checked (then x0 was checked against them too)."""
    col_deriv = _flag(col_deriv, "col_deriv")
    check_finite = _flag(check_finite, "check_finite")
    x0 = _start(x0, check_finite)
    n = x0.size
    if bounds is not None:
        limits = _bounds.single(bounds, n, "leastsq")
        if limits is not None:
            _bounds.check_feasible(x0, *limits, "leastsq")
    if limits is not None and Dfun_row is not None:
        raise ValueError("leastsq: bounds are not available with Dfun_row "
                         "(lmstr); use Dfun or differences with them")
    n_free = n if limits is None else int(
        np.count_nonzero(limits[0] != limits[1]))
    args = _args_tuple(args)
    differences = Dfun is None and Dfun_row is None
    ftol, xtol, gtol, factor, maxfev = _tolerances(
        ftol, xtol, gtol, factor, maxfev, n, differences)
    diag = _diag(diag, n)
    if differences and epsfcn is not None:  # checked before func is called
        epsfcn = _real(epsfcn, "epsfcn", finite=True)

    # The one evaluation at x0: it gives m and the output dtype, and it
    # answers MINPACK's own first request for f(x0).  With bounds that is
    # at x0 as the change of variables gives it back (bounds.h).
    first = x0.copy() if limits is None else _minpack.bounds_start(x0,
                                                                  *limits)
    output0 = func(first, *args)
    # A base-class ndarray, so its size is the real m (a subclass's could
    # lie), and the dtype func returned, so no user code runs from here on.
    fvec0, dtype0 = _minpack.residual_vector(output0, func)
    if m is not None and _count(m, "m") != fvec0.size:
        raise ValueError(f"leastsq: m={m} but func returned {fvec0.size} "
                         f"residuals at x0")
    m = fvec0.size
    _check_n_le_m(n_free, m)
    if check_finite:
        _require_finite(fvec0, "func(x0)",
                        " (pass check_finite=False to allow it)")

    extra = () if limits is None else limits
    cov = None
    if Dfun_row is not None:
        x, fvec, fjac, ipvt, qtf, nfev, njev, ier = _minpack.lmstr(
            func, Dfun_row, x0, args, fvec0, ftol, xtol, gtol, maxfev,
            factor, diag)
    elif Dfun is None:
        if epsfcn is None:
            epsfcn = _EPSILON_OF.get(dtype0, _FLOAT64_EPSILON)
        x, fvec, fjac, ipvt, qtf, nfev, ier, *cov = _minpack.lmdif(
            func, x0, args, fvec0, ftol, xtol, gtol, maxfev, epsfcn, factor,
            diag, callback, *extra)
        njev = None
    else:
        x, fvec, fjac, ipvt, qtf, nfev, njev, ier, *cov = _minpack.lmder(
            func, Dfun, x0, args, fvec0, col_deriv, ftol, xtol, gtol,
            maxfev, factor, diag, callback, *extra)

    return (x, fvec, fjac, ipvt, qtf, nfev, njev, ier,
            (ftol, xtol, gtol, maxfev), limits, cov[0] if cov else None)


def _leastsq_compiled(func, x0, args, Dfun, full_output, ftol, xtol, gtol,
                      maxfev, epsfcn, factor, diag, check_finite, m, bounds):
    """leastsq with compiled func and Dfun: the whole fit without the GIL."""
    if not (_compiled.is_compiled(func)
            and (Dfun is None or _compiled.is_compiled(Dfun))):
        raise TypeError("leastsq: func and Dfun must both be compiled "
                        "callables or both be Python callables")
    compiled = [_compiled.resolve(func, "func")]
    if Dfun is not None:
        compiled.append(_compiled.resolve(Dfun, "Dfun"))
    if m is None:
        raise TypeError("leastsq: a compiled func returns no array to "
                        "count the residuals of: pass m=, their number")
    m = _count(m, "m")
    full_output = _flag(full_output, "full_output")
    check_finite = _flag(check_finite, "check_finite")
    x0 = _start(x0, check_finite)
    n = x0.size
    limits = _bounds.single(bounds, n, "leastsq")
    if limits is not None:
        _bounds.check_feasible(x0, *limits, "leastsq")
    _check_n_le_m(n if limits is None
                  else int(np.count_nonzero(limits[0] != limits[1])), m)
    user_data, keep = _compiled.user_data_address(_args_tuple(args),
                                                  compiled)
    ftol, xtol, gtol, factor, maxfev = _tolerances(
        ftol, xtol, gtol, factor, maxfev, n, Dfun is None)
    diag = _diag(diag, n)
    # The residuals are doubles: epsfcn=None means float64's epsilon.
    epsfcn = (_FLOAT64_EPSILON if Dfun is not None or epsfcn is None
              else _real(epsfcn, "epsfcn", finite=True))
    results = _compiled.run(
        compiled[0], compiled[1] if Dfun is not None else None,
        x0.reshape(1, n), m=m, diag=diag, user_data=user_data,
        user_data_stride=0, ftol=ftol, xtol=xtol, gtol=gtol, maxfev=maxfev,
        epsfcn=epsfcn, factor=factor, check_finite=check_finite, threads=1,
        progress=None, full_output=True, bounds=limits)
    del keep  # the user_data array was alive until here
    x = x0
    fvec = results["fvec"][0]
    index = int(results["nonfinite"][0])
    if index >= 0:
        raise ValueError(f"leastsq: func(x0) must be finite, but entry "
                         f"{index} is {fvec[index]} (pass "
                         f"check_finite=False to allow it)")
    ier = int(results["ier"][0])
    if ier in SUCCESS and not full_output:
        return x, ier
    mesg = message(ier, ftol=ftol, xtol=xtol, gtol=gtol, maxfev=maxfev,
                   status=int(results["status"][0]))
    if full_output:
        infodict = {"fvec": fvec, "nfev": int(results["nfev"][0])}
        if Dfun is not None:
            infodict["njev"] = int(results["njev"][0])
        n_free = n if limits is None else int(
            np.count_nonzero(limits[0] != limits[1]))
        # What MINPACK solved: n_free columns (all n without fixed ones).
        infodict.update(fjac=results["fjac"][0][:n_free],
                        ipvt=results["ipvt"][0][:n_free],
                        qtf=results["qtf"][0][:n_free])
        if limits is not None:
            infodict["at_bound"] = _bounds.at_bound(x, *limits)
        cov_x = results["cov_x"][0] if ier in SUCCESS else None
        if cov_x is not None and np.isnan(cov_x[0, 0]):
            cov_x = None  # R singular
        return x, cov_x, infodict, mesg, ier
    if ier == 0:
        raise TypeError(mesg)
    warnings.warn(mesg, RuntimeWarning, stacklevel=3)
    return x, ier


def _start(x0, check_finite, who="leastsq"):
    """x0 as a new 1-D float64 array, finite when check_finite says so."""
    x0 = _as_float64_vector(x0, "x0", who)
    if check_finite:
        _require_finite(x0, "x0", " (pass check_finite=False to allow it)",
                        who)
    return x0


def _tolerances(ftol, xtol, gtol, factor, maxfev, n, finite_differences,
                who="leastsq"):
    """ftol, xtol, gtol, factor and maxfev checked, as MINPACK gets them."""
    return (_real(ftol, "ftol", who=who), _real(xtol, "xtol", who=who),
            _real(gtol, "gtol", who=who),
            _real(factor, "factor", finite=True, who=who),
            _maxfev(maxfev, n, finite_differences, who))


def _check_callables(func, Dfun, who="leastsq", jac_name="Dfun"):
    if not callable(func):
        raise TypeError(f"{who}: func must be callable, not "
                        f"{type(func).__name__}")
    if Dfun is not None and not callable(Dfun):
        raise TypeError(f"{who}: {jac_name} must be callable or None, not "
                        f"{type(Dfun).__name__}")


def _count(value, name, who="leastsq"):
    """A positive int option such as m."""
    try:
        value = operator.index(value)
    except TypeError:
        raise TypeError(f"{who}: {name} must be an integer, not "
                        f"{type(value).__name__}") from None
    if not 1 <= value <= _INT_MAX:
        raise ValueError(f"{who}: {name} must be between 1 and {_INT_MAX}, "
                         f"not {value}")
    return value


def _check_n_le_m(n, m):
    if n > m:
        raise TypeError(f"Improper input: func input vector length N={n} "
                        f"must not exceed func output vector length M={m}")


def _diag(diag, n, who="leastsq"):
    if diag is None:
        return None
    diag = _as_float64_vector(diag, "diag", who)
    if diag.size != n:
        raise ValueError(f"{who}: diag must have one entry per "
                         f"{'unknown' if who == 'fsolve' else 'parameter'}, "
                         f"n={n}, but it has {diag.size}")
    _require_finite(diag, "diag", who=who)
    return diag


def _args_tuple(args):
    """``args`` as the exact tuple every call to func and Dfun will get.

    A tuple subclass is read for its items themselves, as the C calls read
    them, not through its own ``__iter__`` (which ``func(x, *args)`` would
    use, and which could give the first call other arguments, or never
    end); tuple's own slicing does that.  Anything else is the one argument.
    """
    if type(args) is tuple:
        return args
    if isinstance(args, tuple):
        return tuple.__getitem__(args, slice(None))
    return (args,)


def _as_float64_vector(value, name, who="leastsq"):
    """A new 1-D float64 copy of ``value`` (flattened in C order)."""
    if type(value) is np.ndarray and value.dtype is _FLOAT64:
        return value.flatten()  # the usual x0: one copy, nothing to check
    try:
        array = np.asarray(value)
    except (TypeError, ValueError) as err:
        raise type(err)(f"{who}: {name} cannot be converted to an array "
                        f"of real numbers") from err
    kind = array.dtype.kind
    if kind not in "biuf" or (kind == "f" and array.dtype.itemsize > 8):
        raise TypeError(f"{who}: {name} must hold real numbers that "
                        f"convert exactly to float64, not dtype "
                        f"{array.dtype}")
    return np.array(array, dtype=np.float64, order="C").reshape(-1)


class NonFiniteInputError(ValueError):
    """What check_finite found: the input's ``name``, the entry's ``index``
    and its ``value``, and in a batch the ``fit`` (so that curve_fit and
    curve_fit_batch can say it in their own terms)."""

    def __init__(self, message, name, index, value, fit=None):
        super().__init__(message)
        self.name = name
        self.index = index
        self.value = value
        self.fit = fit

    def __reduce__(self):
        # Pickled whole (a Dask worker sends it back to the client); the
        # default would call __init__ with the message alone.
        return (type(self), (self.args[0], self.name, self.index,
                             self.value, self.fit))


def _require_finite(vector, name, hint="", who="leastsq"):
    # In C: numpy's isfinite().all() costs a microsecond even for n = 3.
    index = _minpack.first_nonfinite(vector)
    if index >= 0:
        raise NonFiniteInputError(f"{who}: {name} must be finite, but "
                                  f"entry {index} is {vector[index]}{hint}",
                                  name, index, vector[index])


def _real(value, name, finite=False, who="leastsq"):
    """``value`` as a Python float: a real number, never NaN."""
    if type(value) is float and (math.isfinite(value) if finite
                                 else value == value):
        return value  # the defaults and most values given: nothing to do
    if type(value) is int and abs(value) <= 2**53:
        return float(value)  # exactly, like factor's default 100
    # numpy's complex scalars have a __float__ that drops the imaginary part;
    # an array of one element converts with a warning or not, by version.
    if (isinstance(value, (str, bytes, complex, np.complexfloating))
            or not hasattr(value, "__float__")
            or getattr(value, "ndim", 0) != 0):
        raise TypeError(f"{who}: {name} must be a real number, not "
                        f"{type(value).__name__}")
    try:
        number = float(value)
    except (TypeError, ValueError) as err:
        # e.g. a complex or string 0-d array, a __float__ that fails
        raise TypeError(f"{who}: {name} must be a real number, not "
                        f"{type(value).__name__}") from err
    except OverflowError as err:
        raise ValueError(f"{who}: {name} is too large for a float64") \
            from err
    if math.isnan(number) or (finite and math.isinf(number)):
        raise ValueError(f"{who}: {name} must be "
                         f"{'finite' if finite else 'a number'}, not {number}")
    return number


def _flag(value, name, who="leastsq"):
    """``bool(value)``, checked before the fit, with an error naming it."""
    try:
        return bool(value)
    except (TypeError, ValueError) as err:
        raise type(err)(f"{who}: {name} must be true or false, not "
                        f"{type(value).__name__}") from err


def _maxfev(maxfev, n, finite_differences, who="leastsq"):
    try:
        maxfev = operator.index(maxfev)
    except TypeError:
        raise TypeError(f"{who}: maxfev must be an integer, not "
                        f"{type(maxfev).__name__}") from None
    if maxfev <= 0:
        return (200 if finite_differences else 100) * (n + 1)
    if maxfev > _INT_MAX:
        raise ValueError(f"{who}: maxfev must be at most {_INT_MAX} "
                         f"(MINPACK counts calls in a C int), not {maxfev}")
    return maxfev
