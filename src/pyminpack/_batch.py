"""``leastsq_batch``: many independent fits, each its own MINPACK run.

Three kinds of func:

- compiled callbacks (see ``_compiled``): the fits run on a pool of C
  threads, the GIL released throughout; fit k gets the address of row k
  of ``data`` as its ``user_data``;
- ``vectorized=True``: a numpy ``func(X, *args, *data_rows)`` for the k
  fits waiting now (X of shape (k, n)); each fit runs its own MINPACK on a
  fiber (see src/ext/vectorized.c);
- a plain Python ``func(x, *args, *data_rows)``: one fit after another in
  the calling thread, exactly ``leastsq`` on each.

Fit k's results are those of ``leastsq`` on fit k alone, to the bit,
whatever the number of fits or threads.
"""

import time

import numpy as np

from . import _bounds, _compiled, _minpack
from ._batch_result import BatchResult, result_arrays
from ._leastsq import (_EPSILON_OF, _FLOAT64_EPSILON, NonFiniteInputError,
                       _args_tuple, _check_callables, _check_n_le_m, _count,
                       _flag, _maxfev, _real, _run_python, _tolerances)
from ._fits_shape import fits_shaped
from ._messages import SUCCESS
from ._progress import progress_bar
from ._notes import add_note as _add_note

__all__ = ["leastsq_batch"]

# How often (seconds) a plain batch reports progress; the compiled engine
# has the same period in C (batch.c).
_PROGRESS_PERIOD = 0.05


def leastsq_batch(func, x0, args=(), Dfun=None, *, data=None,
                  vectorized=False, col_deriv=False, ftol=1.49012e-08,
                  xtol=1.49012e-08, gtol=0.0, maxfev=0, epsfcn=None,
                  factor=100, diag=None, threads=None, full_output=False,
                  check_finite=True, progress=False, m=None, bounds=None):
    """
    Run many independent Levenberg-Marquardt fits, each its own MINPACK.

    Fit k minimises ``sum(func(x, ...)**2)`` from ``x0[k]`` exactly as
    :func:`pyminpack.leastsq` would on that fit alone, to the last bit;
    a fit that fails is reported in the result, never raised, and never
    stops the others.

    Parameters
    ----------
    func : callable or compiled callable
        Either a compiled residual function (a numba ``@cfunc``, a ctypes
        function pointer, a PyCapsule or a ``scipy.LowLevelCallable`` with
        the C signature ``int func(int m, int n, const double *x, double
        *fvec, void *user_data)``, returning 0 to go on), whose fits run on
        a pool of C threads without the GIL; or a Python function
        ``func(x, *args, *data_rows)``, run one fit after another.
    x0 : array_like, shape (K, n), (n,) or the fits' shape + (n,)
        The starts; (n,) is the start of every fit, K then being the
        length of `data`.  Fits laid out in a shape of their own (x0 of
        three or more dimensions) take `data` and a per-fit `diag` with
        that shape first, and the result's per-fit arrays have it.
    args : tuple, optional
        Shared by every fit.  For compiled callbacks it gives the one
        ``user_data`` pointer of all fits (as in ``leastsq``) when `data`
        is None, and must be empty otherwise.
    Dfun : callable or compiled callable, optional
        The Jacobian, ``Dfun(x, *args, *data_rows)`` for a Python func (as
        ``leastsq``'s, with `col_deriv`), or compiled, ``int jac(int m, int
        n, const double *x, double *fjac, int ldfjac, void *user_data)``
        filling ``fjac[i + j*ldfjac]`` = d func_i / d x_j.  Of the same
        kind as `func`.
    data : array or tuple of arrays, optional, keyword-only
        What differs between fits: arrays whose first dimension is K.  A
        Python func gets row k of each after `args`.  A compiled func takes
        one C-contiguous array and fit k's ``user_data`` is the address
        of its row k: rows of any dtype for a ``void *`` user_data, of
        the pointee's dtype (float64 for ``double *``) where the callable's
        declared signature names it (TypeError otherwise).
    vectorized : bool, optional
        True for a numpy ``func(X, *args, *data_rows)`` that evaluates the
        k fits waiting now: X has shape (k, n), each data array comes as
        its k matching rows, and the result has shape (k, m).  ``Dfun``
        likewise returns (k, m, n), or (k, n, m) with `col_deriv`.  Every
        fit runs its own MINPACK to its own end (no lockstep, no evaluation
        of a fit that has finished); func is called once for all fits
        waiting, k varying from call to call (at most 128), and only on
        the fits' own evaluations: the first round (the starts of the
        first 128 fits MINPACK does not refuse) gives m and the output
        dtype.  When MINPACK refuses every fit (a diag entry <= 0) and `m`
        is not given, func is called once on fit 0 alone, for m.
    col_deriv, ftol, xtol, gtol, maxfev, epsfcn, factor, check_finite
        As in ``leastsq``, for every fit.
    diag : array_like, shape (n,) or (K, n), optional
        Scale factors for every fit, or for each.
    threads : int, optional
        Compiled callbacks only: the number of C threads (None: the cores
        this process may use; 1: the calling thread alone), capped at the
        number of fits and at four per core (``4 * os.cpu_count()``).  The
        results do not depend on it.
    full_output : bool, optional
        Also return each fit's fvec, fjac, ipvt and qtf.
    progress : bool or callable, optional
        True shows a progress bar on stderr (tqdm's when tqdm is
        installed, a plain line otherwise); a callable receives
        ``(done, total)`` a few times a second and at the end.
    m : int, optional
        The number of residuals: required with a compiled func, checked
        against a Python func's output otherwise.
    bounds : 2-tuple or object with ``lb`` and ``ub``, optional
        As ``leastsq``'s, with each side a scalar, (n,) for every fit or
        (K, n), one row per fit; ``lb == ub`` fixes a parameter in the
        fits where it holds.  The change of variables runs in C for every
        kind of func (in the thread pool without the GIL for compiled
        callbacks); func, Dfun and a vectorized func's X always get
        external parameters inside the bounds.  A start outside is a
        ValueError naming the parameter and the fit.

    Returns
    -------
    BatchResult
        ``x`` (K, n), ``ier``, ``nfev``, ``njev``, ``fnorm``, ``cov_x``
        (K, n, n), ``success``, ``status``, ``at_bound`` (K, n),
        ``message(k)``, and with `full_output` ``fvec``, ``fjac``,
        ``ipvt``, ``qtf``.

    Raises
    ------
    TypeError, ValueError
        Bad input, as ``leastsq`` raises for it, and K that differ between
        `x0`, `data` and `diag` (naming them and their shapes).  With
        `check_finite`, a non-finite start or ``func(x0)`` of any fit
        (naming the first such fit).
    Exception
        An exception from a Python `func` or `Dfun` (or from `progress`)
        stops the batch and propagates, with a note naming the fit.
    KeyboardInterrupt
        Ctrl-C stops a compiled batch within a fraction of a second.
    """
    shaped = fits_shaped(x0, data, diag)
    if shaped is not None:
        # Fits laid out in a shape of their own: run them as K rows, and
        # give the per-fit results that shape back.
        x0, data, diag, shape = shaped
        result = leastsq_batch(
            func, x0, args, Dfun, data=data, vectorized=vectorized,
            col_deriv=col_deriv, ftol=ftol, xtol=xtol, gtol=gtol,
            maxfev=maxfev, epsfcn=epsfcn, factor=factor, diag=diag,
            threads=threads, full_output=full_output,
            check_finite=check_finite, progress=progress, m=m,
            bounds=_bounds.as_rows(bounds, shape, "leastsq_batch"))
        result._reshape(shape)
        return result
    vectorized = _flag(vectorized, "vectorized", "leastsq_batch")
    compiled = _compiled.is_compiled(func)
    if compiled != (Dfun is not None and _compiled.is_compiled(Dfun)) and \
            Dfun is not None:
        raise TypeError("leastsq_batch: func and Dfun must both be compiled "
                        "callables or both be Python callables")
    data = _data_tuple(data)
    x0, count = _starts(x0, data)
    n = x0.shape[1]
    full_output = _flag(full_output, "full_output", "leastsq_batch")
    check_finite = _flag(check_finite, "check_finite", "leastsq_batch")
    diag = _diags(diag, count, n)
    limits = _bounds.per_fit(bounds, count, n, "leastsq_batch")
    if limits is not None:
        _bounds.check_feasible(x0, *limits, "leastsq_batch")
    report = _progress(progress)
    if vectorized:
        if compiled or (Dfun is not None and _compiled.is_compiled(Dfun)):
            raise TypeError("leastsq_batch: vectorized=True takes Python "
                            "(numpy) functions, not compiled callables")
        if threads is not None and threads != 1:
            raise ValueError("leastsq_batch: threads applies to compiled "
                             "callbacks; a vectorized batch runs in the "
                             "calling thread (threads=None or 1)")
        return _batch_vectorized(func, Dfun, x0, _args_tuple(args), data,
                                 count, n, m, col_deriv, ftol, xtol, gtol,
                                 maxfev, epsfcn, factor, diag, full_output,
                                 check_finite, report, limits=limits)
    if compiled:
        return _batch_compiled(func, Dfun, x0, args, data, count, n, m,
                               col_deriv, ftol, xtol, gtol, maxfev, epsfcn,
                               factor, diag, threads, full_output,
                               check_finite, report, limits=limits)
    if threads is not None and threads != 1:
        raise ValueError("leastsq_batch: threads applies to compiled "
                         "callbacks; a Python func runs one fit after "
                         "another in the calling thread (threads=None or 1)")
    return _batch_python(func, Dfun, x0, _args_tuple(args), data, count, n,
                         m, col_deriv, ftol, xtol, gtol, maxfev, epsfcn,
                         factor, diag, full_output, check_finite, report,
                         limits=limits)


def _data_tuple(data, who="leastsq_batch"):
    if data is None:
        return ()
    if isinstance(data, tuple):
        items = tuple.__getitem__(data, slice(None))
    else:
        items = (data,)
    arrays = []
    for index, item in enumerate(items):
        array = item if isinstance(item, np.ndarray) else np.asarray(item)
        if array.ndim == 0:
            raise ValueError(f"{who}: data[{index}] must have a "
                             f"first dimension, one row per fit; it is 0-d")
        arrays.append(array)
    return tuple(arrays)


def _starts(x0, data, who="leastsq_batch"):
    """x0 as a new (K, n) float64 array, and K."""
    try:
        array = np.asarray(x0)
    except (TypeError, ValueError) as err:
        raise type(err)(f"{who}: x0 cannot be converted to an array "
                        "of real numbers") from err
    kind = array.dtype.kind
    if kind not in "biuf" or (kind == "f" and array.dtype.itemsize > 8):
        raise TypeError(f"{who}: x0 must hold real numbers that "
                        f"convert exactly to float64, not dtype "
                        f"{array.dtype}")
    if array.ndim == 2:
        count = array.shape[0]
        starts = np.array(array, dtype=np.float64, order="C")
    elif array.ndim == 1:
        if not data:
            raise ValueError(f"{who}: x0 of shape {array.shape} is "
                             f"one start; give data (whose first dimension "
                             f"is the number of fits) or x0 of shape (K, n)")
        count = data[0].shape[0]
        starts = np.empty((count, array.shape[0]))
        starts[:] = array
    else:
        raise ValueError(f"{who}: x0 must have shape (K, n) or (n,), "
                         f"not {array.shape}")
    for index, item in enumerate(data):
        if item.shape[0] != count:
            raise ValueError(
                f"{who}: data[{index}] has shape {item.shape}, but "
                f"x0 of shape {array.shape} gives {count} fits")
    return starts, count


def _diags(diag, count, n, who="leastsq_batch"):
    if diag is None:
        return None
    array = np.asarray(diag)
    if array.dtype.kind not in "biuf" or array.dtype.itemsize > 8:
        raise TypeError(f"{who}: diag must hold real numbers, not "
                        f"dtype {array.dtype}")
    if array.shape not in ((n,), (count, n)):
        raise ValueError(f"{who}: diag must have shape ({n},) or "
                         f"({count}, {n}), not {array.shape}")
    array = np.array(array, dtype=np.float64, order="C")
    if not np.isfinite(array).all():
        raise ValueError(f"{who}: diag must be finite")
    return array


def _check_starts_finite(x0, who="leastsq_batch"):
    bad = ~np.isfinite(x0)
    if bad.any():
        k, i = np.argwhere(bad)[0]
        raise ValueError(f"{who}: x0 must be finite, but entry {i} "
                         f"of fit {k} is {x0[k, i]} (pass check_finite=False "
                         f"to allow it)")


def _batch_compiled(func, Dfun, x0, args, data, count, n, m, col_deriv,
                    ftol, xtol, gtol, maxfev, epsfcn, factor, diag, threads,
                    full_output, check_finite, report, *, limits=None):
    resolved = [_compiled.resolve(func, "func")]
    if Dfun is not None:
        resolved.append(_compiled.resolve(Dfun, "Dfun"))
        if _flag(col_deriv, "col_deriv", "leastsq_batch"):
            raise ValueError("leastsq_batch: col_deriv does not apply to a "
                             "compiled Dfun, which fills MINPACK's "
                             "column-major fjac itself")
    if m is None:
        raise TypeError("leastsq_batch: a compiled func returns no array to "
                        "count the residuals of: pass m=, their number")
    m = _count(m, "m", "leastsq_batch")
    _check_n_le_m(_free_count(n, limits), m)
    user_data, stride, keep = _compiled_user_data(args, data, resolved)
    if check_finite:
        _check_starts_finite(x0)
    ftol, xtol, gtol, factor, maxfev = _tolerances(
        ftol, xtol, gtol, factor, maxfev, n, Dfun is None, "leastsq_batch")
    epsfcn = (_FLOAT64_EPSILON if Dfun is not None or epsfcn is None
              else _real(epsfcn, "epsfcn", finite=True, who="leastsq_batch"))
    if threads is None:
        threads = _compiled.usable_threads()
    threads = min(_count(threads, "threads", "leastsq_batch"),
                  _compiled.max_threads())
    results = _compiled.run(
        resolved[0], resolved[1] if Dfun is not None else None, x0, m=m,
        diag=diag, user_data=user_data, user_data_stride=stride, ftol=ftol,
        xtol=xtol, gtol=gtol, maxfev=maxfev, epsfcn=epsfcn, factor=factor,
        check_finite=check_finite, threads=threads, progress=report,
        full_output=full_output, bounds=limits)
    del keep  # the data was alive until here
    return _result(x0, results, Dfun, dict(ftol=ftol, xtol=xtol, gtol=gtol,
                                           maxfev=maxfev), report, count,
                   limits=limits)


def _check_pointee(rows, resolved, who="leastsq_batch"):
    """data of the dtype the compiled callbacks' signatures say user_data
    points to (when they say it): another would be read as garbage."""
    for role, compiled in zip(("func", "Dfun"), resolved):
        wanted = compiled.pointee
        if wanted is not None and rows.dtype != wanted:
            raise TypeError(
                f"{who}: the compiled {role} takes user_data as a "
                f"pointer to {wanted} (its declared signature says so), so "
                f"data must have dtype {wanted}, not {rows.dtype} "
                f"(np.ascontiguousarray(data, dtype=np.{wanted}))")


def _compiled_user_data(args, data, resolved, who="leastsq_batch"):
    """(user_data, stride, keep) for compiled callbacks: fit k gets
    user_data + k * stride, and ``keep`` must stay alive meanwhile."""
    if not data:
        user_data, keep = _compiled.user_data_address(_args_tuple(args),
                                                      resolved)
        return user_data, 0, keep
    if args != ():
        raise TypeError(f"{who}: a compiled func gets one user_data "
                        f"pointer: per-fit rows as data, or shared memory "
                        f"as args, not both")
    if len(data) != 1:
        raise TypeError(f"{who}: a compiled func takes one data array (fit "
                        f"k gets the address of its row k), not {len(data)}")
    rows = data[0]
    if not rows.flags.c_contiguous:
        raise ValueError(f"{who}: data of shape {rows.shape} must be "
                         f"C-contiguous (np.ascontiguousarray)")
    if any(c.user_data is not None for c in resolved):
        raise TypeError(f"{who}: the LowLevelCallable has user_data of its "
                        f"own; fit k cannot also get row k of data")
    _check_pointee(rows, resolved, who)
    return (rows.__array_interface__["data"][0],
            rows.strides[0] if rows.ndim else 0, rows)


# Fits in flight in a vectorized batch: each has a fiber (64 KiB of address
# space, a few KiB touched) and work space; func sees up to this many rows.
# Every round touches every slot's stack and work space and func's (k, m)
# temporaries: at 128 they stay in a core's cache (1 MiB of L2 here), and
# the batch is faster than at 1,024 for every K measured (CPU time per fit,
# Gaussian 50x4: 17 against 29 us at K = 2,000 and 22 against 28 at 20,000;
# the real cube, 246 channels: 386 against 555 us), a small batch maps 128
# stacks, not 1,024, and a few long fits share their rounds with more of
# the others (tools/bench_batch.py, docs/guide/performance.md).
_VECTORIZED_SLOTS = 128


def _batch_vectorized(func, Dfun, x0, args, data, count, n, m, col_deriv,
                      ftol, xtol, gtol, maxfev, epsfcn, factor, diag,
                      full_output, check_finite, report, *, limits=None):
    """Every fit its own MINPACK, one call of func for all fits waiting."""
    _check_callables(func, Dfun, "leastsq_batch")
    col_deriv = _flag(col_deriv, "col_deriv", "leastsq_batch")
    if check_finite:
        _check_starts_finite(x0)
    ftol, xtol, gtol, factor, maxfev = _tolerances(
        ftol, xtol, gtol, factor, maxfev, n, Dfun is None, "leastsq_batch")
    if Dfun is None and epsfcn is not None:
        epsfcn = _real(epsfcn, "epsfcn", finite=True, who="leastsq_batch")
    data = tuple(np.asarray(d) for d in data)
    options = dict(ftol=ftol, xtol=xtol, gtol=gtol, maxfev=maxfev)
    if count == 0:
        m = 1 if m is None else _count(m, "m", "leastsq_batch")
        empty, _ = result_arrays(0, m, n, full_output)
        return _result(x0, empty, Dfun, options, report, 0, limits=limits)
    # The scheduler's first round, called here: it gives m and the output
    # dtype (as leastsq's evaluation at x0 does), and the C engine hands
    # these values to the fits' first requests instead of calling again.
    fits = _first_fits(count, n, diag, _VECTORIZED_SLOTS)
    # MINPACK may refuse every fit before evaluating it (diag <= 0): no
    # call is needed then, but m is, and one call on fit 0 gives it.
    asked = fits if fits.size or m is not None else np.zeros(1, np.intp)
    if asked.size:
        values = _call_first_round(func, x0, args, data, asked,
                                   points=_first_points(x0, asked,
                                                        limits))
        if values.ndim != 2 or values.shape[0] != asked.size:
            raise ValueError(
                f"leastsq_batch: a vectorized func must return an array of "
                f"shape (k, m) for k fits; for {asked.size} "
                f"fit{'s' if asked.size != 1 else ''} it returned shape "
                f"{values.shape}")
    else:
        values = np.empty((0, _count(m, "m", "leastsq_batch")))
    if asked is not fits:
        values = values[:0]
    if m is not None and \
            _count(m, "m", "leastsq_batch") != values.shape[1]:
        raise ValueError(f"leastsq_batch: m={m} but func returned "
                         f"{values.shape[1]} residuals per fit")
    m = values.shape[1]
    _check_n_le_m(_free_count(n, limits), m)
    if Dfun is None and epsfcn is None:
        epsfcn = _EPSILON_OF.get(values.dtype, _FLOAT64_EPSILON)
    elif Dfun is not None:
        epsfcn = _FLOAT64_EPSILON  # unused by lmder
    results, outputs = result_arrays(count, m, n, full_output)
    _minpack.batch_vectorized(
        func, Dfun, args, data, x0, diag, m, col_deriv, ftol, xtol, gtol,
        maxfev, epsfcn, factor, check_finite, _VECTORIZED_SLOTS, report,
        outputs, False, 0, 0, None, fits, values, limits)
    return _result(x0, results, Dfun, options, report, count, limits=limits)


def _first_fits(count, n, diag, slots):
    """The fits the scheduler's first round evaluates: the first `slots`
    that MINPACK does not refuse before its first evaluation (n = 0, or a
    diag entry <= 0; the other checks passed in Python), in order.  Read a
    block of `slots` diag rows at a time, so that nothing here grows with
    the number of fits."""
    if n == 0 or diag is not None and diag.ndim == 1 and \
            not (diag > 0).all():
        return np.zeros(0, np.intp)
    if diag is None or diag.ndim == 1:
        return np.arange(min(count, slots), dtype=np.intp)
    fits = []
    for start in range(0, count, slots):
        runs = (diag[start:start + slots] > 0).all(axis=1)
        fits.extend(start + np.flatnonzero(runs))
        if len(fits) >= slots:
            break
    return np.array(fits[:slots], dtype=np.intp)


def _call_first_round(func, x0, args, data, fits, who="leastsq_batch",
                      points=None):
    """func at the starts of `fits` (or at `points`, one row per fit) as an
    array; an exception gets the note the C engine adds to those of later
    rounds."""
    if points is None:
        points = x0[fits]
    try:
        return np.asarray(func(points, *args, *(d[fits] for d in data)))
    except BaseException as exc:
        shown = ", ".join(str(k) for k in fits[:10])
        _add_note(exc, f"in {who}(vectorized=True), evaluating "
                       f"{fits.size} fit{'s' if fits.size != 1 else ''}: "
                       f"[{shown}]{' and more' if fits.size > 10 else ''}")
        raise


def _first_points(x0, fits, limits):
    """Where MINPACK first evaluates each of `fits`: its start, or with
    bounds the start through the change of variables (bounds.h), as the
    single fit evaluates it."""
    if limits is None:
        return x0[fits]
    lower, upper = (np.broadcast_to(side, x0.shape) for side in limits)
    return np.array([_minpack.bounds_start(x0[k], np.ascontiguousarray(
        lower[k]), np.ascontiguousarray(upper[k])) for k in fits]).reshape(
            len(fits), x0.shape[1])


def _free_count(n, limits):
    """The most parameters any fit leaves free (lb == ub fixes one)."""
    if limits is None:
        return n
    free = np.count_nonzero(limits[0] != limits[1], axis=-1)
    return int(np.max(free)) if free.size else n


def _result(x, results, Dfun, options, report, count, *, limits=None):
    """The BatchResult of an engine's arrays (raising for a non-finite
    f(x0) when check_finite found one)."""
    nonfinite = results.pop("nonfinite")
    if Dfun is None:
        results["njev"] = None
    at_bound = None if limits is None else _bounds.at_bound(x, *limits)
    result = BatchResult(x=x, **results, at_bound=at_bound, options=options)
    bad = np.flatnonzero(nonfinite >= 0)
    if bad.size:
        k = int(bad[0])
        error = NonFiniteInputError(
            f"leastsq_batch: func(x0) must be finite, but entry "
            f"{nonfinite[k]} of fit {k} is not ({bad.size} fits have "
            f"non-finite residuals at x0; pass check_finite=False to allow "
            f"it)", "func(x0)", int(nonfinite[k]), None, fit=k)
        # Every fit has run (those fits never started): a caller that
        # reports them one by one (curve_fit_batch) takes the rest from here.
        error.batch_result = result
        error.nonfinite = nonfinite
        raise error
    if report is not None:
        report(count, count)
    return result


def _batch_python(func, Dfun, x0, args, data, count, n, m, col_deriv, ftol,
                  xtol, gtol, maxfev, epsfcn, factor, diag, full_output,
                  check_finite, report, *, limits=None):
    """One leastsq after another: the same results, and no slower."""
    x = np.empty((count, n))
    ier = np.zeros(count, np.int32)
    nfev = np.zeros(count, np.int32)
    njev = np.zeros(count, np.int32) if Dfun is not None else None
    fnorm = np.zeros(count)
    cov_x = np.full((count, n, n), np.nan)
    kept = {"fvec": None, "fjac": None, "ipvt": None, "qtf": None}
    # Checked once, in leastsq_batch's name (each fit's leastsq checks
    # them again and cannot fail): what the result's options show.
    shown = _tolerances(ftol, xtol, gtol, factor, maxfev, n, Dfun is None,
                        "leastsq_batch")
    options = dict(ftol=shown[0], xtol=shown[1], gtol=shown[2],
                   maxfev=shown[4])
    if Dfun is None and epsfcn is not None:
        _real(epsfcn, "epsfcn", finite=True, who="leastsq_batch")
    _flag(col_deriv, "col_deriv", "leastsq_batch")
    next_report = time.monotonic() + _PROGRESS_PERIOD
    for k in range(count):
        rows = tuple(array[k] for array in data)
        diag_k = diag if diag is None or diag.ndim == 1 else diag[k]
        limits_k = _fit_limits(limits, k)
        try:
            (xk, fvec, fjac, ipvt, qtf, nfev_k, njev_k, ier_k, _, _,
             bounded_cov) = _run_python(
                func, x0[k], args + rows, Dfun, col_deriv, ftol, xtol, gtol,
                maxfev, epsfcn, factor, diag_k, check_finite, m,
                limits=limits_k)
        except BaseException as exc:
            _add_note(exc, f"in fit {k} of {count} (leastsq_batch)")
            if isinstance(exc, NonFiniteInputError):
                exc.fit = k
            raise
        x[k] = xk
        ier[k] = ier_k
        nfev[k] = nfev_k
        if njev is not None:
            njev[k] = njev_k
        fnorm[k] = _minpack.enorm(fvec)  # as the compiled engine does
        if ier_k in SUCCESS:
            cov_k = (bounded_cov if limits_k is not None  # leastsq's cov_x
                     else _minpack.covariance(fjac, ipvt))
            if cov_k is not None:
                cov_x[k] = cov_k
        if full_output:
            if kept["fvec"] is None:
                m_k = fvec.size
                kept = {"fvec": np.zeros((count, m_k)),
                        "fjac": np.zeros((count, n, m_k)),
                        "ipvt": np.zeros((count, n), np.int32),
                        "qtf": np.zeros((count, n))}
            elif fvec.size != kept["fvec"].shape[1]:
                raise ValueError(
                    f"leastsq_batch: with full_output every fit must have "
                    f"the same number of residuals; fit 0 has "
                    f"{kept['fvec'].shape[1]}, fit {k} has {fvec.size}")
            kept["fvec"][k] = fvec
            # A fit with fixed parameters solved n_free of them: its rows
            # come first, the rest stay 0, as in the other engines.
            kept["fjac"][k, :fjac.shape[0]] = fjac
            kept["ipvt"][k, :ipvt.shape[0]] = ipvt
            kept["qtf"][k, :qtf.shape[0]] = qtf
        if report is not None and k + 1 < count and \
                time.monotonic() >= next_report:
            report(k + 1, count)  # the end is reported once, below
            next_report = time.monotonic() + _PROGRESS_PERIOD
    if report is not None:
        report(count, count)
    at_bound = None if limits is None else _bounds.at_bound(x, *limits)
    return BatchResult(x=x, ier=ier, nfev=nfev, njev=njev, fnorm=fnorm,
                       cov_x=cov_x, status=np.zeros(count, np.int32), **kept,
                       at_bound=at_bound, options=options)


def _fit_limits(limits, k):
    """Fit k's (lb, ub), or None when it has no bound (then it runs
    exactly unbounded, as in the compiled and vectorized engines)."""
    if limits is None:
        return None
    lower, upper = limits
    if lower.ndim == 2:
        lower, upper = lower[k], upper[k]
    if not (np.any(np.isfinite(lower)) or np.any(np.isfinite(upper))):
        return None
    return lower, upper


def _progress(progress, who="leastsq_batch"):
    """The progress callable for ``progress`` (None for none)."""
    if progress is None or progress is False:
        return None
    if callable(progress):
        return progress
    if progress is True:
        return progress_bar(who)
    raise TypeError(f"{who}: progress must be True, False or a "
                    f"callable taking (done, total), not "
                    f"{type(progress).__name__}")
