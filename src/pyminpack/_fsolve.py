"""``fsolve``: scipy.optimize.fsolve's contract on MINPACK's hybrd and hybrj.

As in ``_leastsq.py``, every argument is checked and converted here, once
per solve (with the same helpers, naming ``fsolve`` in their messages); the
C extension then runs the Fortran and calls back into ``func``/``fprime``
without any further Python-level work.
"""

import operator
import warnings

from . import _compiled, _minpack
from ._leastsq import (_EPSILON_OF, _FLOAT64_EPSILON, _args_tuple,
                       _check_callables, _diag, _flag, _maxfev, _real,
                       _require_finite, _start)
from ._messages import FSOLVE_SUCCESS, fsolve_message

__all__ = ["fsolve"]

_INT_MAX = 2**31 - 1


def fsolve(func, x0, args=(), fprime=None, full_output=0, col_deriv=0,
           xtol=1.49012e-08, maxfev=0, band=None, epsfcn=None, factor=100,
           diag=None, *, check_finite=True):
    """
    Find a root of ``n`` equations in ``n`` unknowns with MINPACK's hybrid
    method.

    Solves ``func(x, *args) = 0`` from a starting estimate by Powell's
    hybrid (dogleg) method, running the original Fortran MINPACK routines
    (Moré, Garbow and Hillstrom, Argonne, 1980): ``hybrj`` when a Jacobian
    function `fprime` is given, ``hybrd`` (with a forward-difference
    Jacobian, banded if `band` says so) otherwise.  The signature, defaults,
    results, messages and warnings are those of
    :func:`scipy.optimize.fsolve`, so this function can replace it
    unchanged.

    Parameters
    ----------
    func : callable or compiled callable
        ``func(x, *args)`` returns the ``n`` values of the equations at the
        ``n`` unknowns ``x``, as a 1-D array-like of real numbers (a scalar
        when ``n == 1``).  ``x`` is a new float64 array at every call:
        keeping or modifying it does not affect the solve.
    x0 : array_like
        Starting estimate, flattened in C order to a 1-D float64 array
        (``n = x0.size``); bool, integer and float arrays are accepted,
        complex, long double and strings are not.  Never modified.
    args : tuple, optional
        Extra positional arguments for `func` and `fprime`.  A value that is
        not a tuple is passed as the single extra argument.
    fprime : callable or compiled callable, optional
        ``fprime(x, *args)`` returns the Jacobian, shape ``(n, n)`` with
        ``J[i, j] = d func_i / d x_j`` (its transpose when `col_deriv` is
        true).  None estimates it by forward differences.
    full_output : bool, optional
        If true, also return `infodict`, `ier` and `mesg`.
    col_deriv : bool, optional
        If true, `fprime` returns ``J.T`` (one row per unknown), whose
        memory is MINPACK's column-major layout: no transpose is needed.
    xtol : float, optional
        Stop when the relative error between two consecutive iterates is at
        most `xtol`.
    maxfev : int, optional
        The largest number of calls to `func`.  0 (or a negative value)
        means ``200*(n+1)`` without `fprime` (finite-difference calls
        included) and ``100*(n+1)`` with it (calls of `func` only).
    band : tuple, optional
        ``(ml, mu)``, the numbers of sub- and super-diagonals of a banded
        Jacobian: the differences then take ``ml + mu + 1`` calls instead of
        ``n`` (only without `fprime`).  A negative entry means ``n - 1``.
        Entries after the second are ignored, as scipy does.
    epsfcn : float, optional
        The relative error of `func`'s values, which sets the
        forward-difference step ``sqrt(max(epsfcn, eps)) * |x_j|``.  None
        means the machine epsilon of the floating dtype `func` returns
        (float64's if it returns integers).  Unused with `fprime`.
    factor : float, optional
        Sets the initial step bound ``factor * ||diag * x0||`` (or `factor`
        itself when that is zero); between 0.1 and 100 is usual.
    diag : array_like, optional
        ``n`` positive scale factors for the unknowns.  None lets MINPACK
        scale them from the Jacobian's column norms.
    check_finite : bool, optional, keyword-only
        If true (the default), ``x0`` and ``func(x0)`` must be finite, else
        ValueError.  False passes them to MINPACK as scipy does.

    Returns
    -------
    x : ndarray
        The solution (or the last iterate), a new float64 array ``(n,)``.
    infodict : dict
        Only with `full_output`, with keys in scipy's order:

        ``nfev``
            The number of calls to `func` (the calls made: see Notes).
        ``njev``
            The number of calls to `fprime` (only when it is given).
        ``fjac``
            ``(n, n)``: MINPACK's column-major ``Q`` read in C order, so
            ``Q = fjac.T`` is the orthogonal factor of the QR factorisation
            of the final approximate Jacobian.
        ``r``
            ``(n*(n+1)//2,)``: its upper triangular factor ``R``, row by
            row.
        ``qtf``
            ``Q.T @ fvec``, shape ``(n,)``.
        ``fvec``
            `func` at the solution, shape ``(n,)``.
    ier : int
        Only with `full_output`.  MINPACK's ``info``: 1 solved; 2 `maxfev`
        reached; 3 `xtol` too small; 4, 5 no progress (from the last five
        Jacobian evaluations, or the last ten iterations); 0 improper input
        (``n == 0``, ``xtol < 0``, ``factor <= 0``, a `diag` entry
        ``<= 0``); -1 or -2: a compiled `func` (-1) or `fprime` (-2)
        returned non-zero, which stopped the solve at its last iterate.
    mesg : str
        Only with `full_output`: why it stopped (scipy's text).

    Raises
    ------
    TypeError
        `func` returns other than ``n`` values at ``x0`` (scipy's message);
        `x0`, `func`'s or `fprime`'s output of a type that does not convert
        safely to float64; `fprime`'s output of the wrong shape; or, without
        `full_output`, ``ier == 0``.
    ValueError
        Non-finite `x0` or ``func(x0)`` (unless ``check_finite=False``);
        `func`'s output of more than one dimension, or of a length that
        changes; a `diag` of the wrong length; a bad `band`; a NaN option.
    Exception
        Whatever `func` or `fprime` raises stops the solve and propagates
        unchanged.

    Warns
    -----
    RuntimeWarning
        Without `full_output`, when ier is 2, 3, 4 or 5 (or -1, -2), at the
        line that called ``fsolve``.

    Notes
    -----
    ``func`` is evaluated once at ``x0`` before MINPACK starts; that value
    answers MINPACK's own first request, so ``func`` is never called twice
    at ``x0`` and ``nfev`` is the number of calls made, which is MINPACK's
    own count.  (scipy 1.14.1 calls ``func`` at ``x0`` twice more, a shape
    check and a sizing call, and counts both: its ``nfev`` is two more.)

    The solver releases the GIL while it works between callbacks;
    ``fsolve`` may be called from inside `func` and from many threads.

    `func` and `fprime` may be compiled C functions, with the signatures of
    :func:`pyminpack.leastsq`'s compiled callbacks and ``m == n``: ``int
    func(int m, int n, const double *x, double *fvec, void *user_data)``
    and ``int jac(int m, int n, const double *x, double *fjac, int ldfjac,
    void *user_data)`` (``fjac[i + j*ldfjac]`` is d func_i / d x_j).  The
    whole solve then runs without the GIL; ``user_data`` comes from `args`
    as for ``leastsq``.  A compiled `func` that returns non-zero stops the
    solve (ier -1, or -2 for `fprime`) at its last iterate, with ``nfev``
    the calls made.

    References
    ----------
    J. J. Moré, B. S. Garbow and K. E. Hillstrom, *User Guide for
    MINPACK-1*, Argonne National Laboratory report ANL-80-74, 1980.

    Examples
    --------
    >>> import numpy as np
    >>> from pyminpack import fsolve
    >>> def equations(x):
    ...     return [x[0] * np.cos(x[1]) - 4, x[1] * x[0] - x[1] - 5]
    >>> root = fsolve(equations, [1, 1])
    >>> np.round(root, 8)
    array([6.50409711, 0.90841421])
    """
    if _compiled.is_compiled(func) or (fprime is not None
                                       and _compiled.is_compiled(fprime)):
        from ._fsolve_batch import fsolve_compiled
        return fsolve_compiled(func, x0, args, fprime, full_output,
                               col_deriv, xtol, maxfev, band, epsfcn, factor,
                               diag, check_finite)
    _check_callables(func, fprime, "fsolve", "fprime")
    full_output = _flag(full_output, "full_output", "fsolve")
    (x, fvec, fjac, r, qtf, nfev, njev, ier,
     (xtol, maxfev_shown)) = _run_python(
        func, x0, args, fprime, col_deriv, xtol, maxfev, band, epsfcn,
        factor, diag, check_finite)
    return finish(x, fvec, fjac, r, qtf, nfev, njev, ier, xtol,
                  maxfev_shown, full_output, status=0, stacklevel=3)


def finish(x, fvec, fjac, r, qtf, nfev, njev, ier, xtol, maxfev_shown,
           full_output, status, stacklevel):
    """fsolve's return value (and warning or error) from MINPACK's results."""
    if ier == FSOLVE_SUCCESS and not full_output:
        return x  # the common case needs no message
    mesg = fsolve_message(ier, xtol=xtol, maxfev=maxfev_shown, status=status)
    if full_output:
        infodict = {"nfev": nfev}
        if njev is not None:
            infodict["njev"] = njev
        infodict.update(fjac=fjac, r=r, qtf=qtf, fvec=fvec)
        return x, infodict, ier, mesg
    if ier in (2, 3, 4, 5, -1, -2):
        warnings.warn(mesg, RuntimeWarning, stacklevel=stacklevel)
        return x
    raise TypeError(mesg)  # 0, as scipy (and any code it has no text for)


def _run_python(func, x0, args, fprime, col_deriv, xtol, maxfev, band,
                epsfcn, factor, diag, check_finite):
    """One solve with Python func/fprime: MINPACK's raw results, and xtol
    and maxfev as the message shows them."""
    col_deriv = _flag(col_deriv, "col_deriv", "fsolve")
    check_finite = _flag(check_finite, "check_finite", "fsolve")
    x0 = _start(x0, check_finite, "fsolve")
    n = x0.size
    args = _args_tuple(args)
    xtol, factor, maxfev_used, maxfev_shown = options(
        xtol, factor, maxfev, n, fprime is None)
    diag = _diag(diag, n, "fsolve")
    ml, mu = band_of(band, n) if fprime is None else (n - 1, n - 1)
    if fprime is None and epsfcn is not None:  # checked before func runs
        epsfcn = _real(epsfcn, "epsfcn", finite=True, who="fsolve")

    # The one evaluation at x0: it checks the shape and gives the output
    # dtype, and it answers MINPACK's own first request for f(x0).
    output0 = func(x0.copy(), *args)
    fvec0, dtype0 = _minpack.residual_vector(output0, func, True)
    check_n_values(func, n, fvec0.size)
    if check_finite:
        _require_finite(fvec0, "func(x0)",
                        " (pass check_finite=False to allow it)", "fsolve")

    if fprime is None:
        if epsfcn is None:
            epsfcn = _EPSILON_OF.get(dtype0, _FLOAT64_EPSILON)
        x, fvec, fjac, r, qtf, nfev, ier = _minpack.hybrd(
            func, x0, args, fvec0, xtol, maxfev_used, ml, mu, epsfcn, factor,
            diag)
        njev = None
    else:
        x, fvec, fjac, r, qtf, nfev, njev, ier = _minpack.hybrj(
            func, fprime, x0, args, fvec0, col_deriv, xtol, maxfev_used,
            factor, diag)
    return x, fvec, fjac, r, qtf, nfev, njev, ier, (xtol, maxfev_shown)


def options(xtol, factor, maxfev, n, finite_differences, who="fsolve"):
    """xtol, factor and maxfev checked; maxfev as MINPACK gets it and as
    scipy's message shows it (the default for 0, a negative one as given,
    although MINPACK gets the default for it too)."""
    xtol = _real(xtol, "xtol", who=who)
    factor = _real(factor, "factor", finite=True, who=who)
    maxfev_used = _maxfev(maxfev, n, finite_differences, who)
    shown = maxfev_used if operator.index(maxfev) == 0 else maxfev
    return xtol, factor, maxfev_used, shown


def band_of(band, n, who="fsolve"):
    """(ml, mu) for hybrd: n - 1 each (a full Jacobian) for None, and for
    a negative entry, as scipy does."""
    if band is None:
        return n - 1, n - 1
    try:
        pair = tuple(band[:2])
    except TypeError as err:
        raise TypeError(f"{who}: band must be a sequence (ml, mu), not "
                        f"{type(band).__name__}") from err
    if len(pair) != 2:
        raise ValueError(f"{who}: band must be a sequence (ml, mu) of two "
                         f"integers, not {band!r}")
    try:
        ml, mu = operator.index(pair[0]), operator.index(pair[1])
    except TypeError as err:
        raise TypeError(f"{who}: band's ml and mu must be integers, not "
                        f"{type(pair[0]).__name__} and "
                        f"{type(pair[1]).__name__}") from err
    bounds = []
    for value in (ml, mu):
        if value > _INT_MAX:
            raise ValueError(f"{who}: band entries must be at most "
                             f"{_INT_MAX}, not {value}")
        bounds.append(n - 1 if value < 0 else value)
    return tuple(bounds)


def check_n_values(func, n, size):
    """func(x0) must have n values: scipy's TypeError, word for word."""
    if size == n:
        return
    name = getattr(func, "__name__", None)
    where = f" '{name}'." if isinstance(name, str) and name else "."
    raise TypeError(f"fsolve: there is a mismatch between the input and "
                    f"output shape of the 'func' argument{where}Shape "
                    f"should be ({n},) but it is ({size},).")
