"""``fsolve_batch``: many independent systems, each its own hybrd/hybrj.

The three kinds of ``leastsq_batch`` (see ``_batch.py``), with its helpers
for starts, data, diag and progress and its engines:

- compiled callbacks: the systems run on a pool of C threads, the GIL
  released throughout (batch.c's engine, hybrd_batch.c's kind); system k
  gets the address of row k of ``data`` as its ``user_data``;
- ``vectorized=True``: a numpy ``func(X, *args, *data_rows)`` for the k
  systems waiting now (X of shape (k, n)); each system runs its own hybrd
  on a fiber (src/ext/vectorized.c, leastsq_batch's scheduler);
- a plain Python ``func(x, *args, *data_rows)``: ``fsolve`` on one system
  after another in the calling thread.

System k's results are those of ``fsolve`` on system k alone, to the bit,
whatever the number of systems or threads.  And ``fsolve`` of one compiled
system is this engine with K = 1.
"""

import time

import numpy as np

from . import _compiled, _minpack
from ._batch import (_PROGRESS_PERIOD, _VECTORIZED_SLOTS, _call_first_round,
                     _check_starts_finite, _compiled_user_data, _data_tuple,
                     _diags, _first_fits, _progress, _starts)
from ._batch_result import BatchResult
from ._fsolve import (_run_python, band_of, finish,
                      options as fsolve_options)
from ._leastsq import (_EPSILON_OF, _FLOAT64_EPSILON, NonFiniteInputError,
                       _check_callables, _count, _diag, _flag, _real,
                       _start)
from ._notes import add_note as _add_note

__all__ = ["fsolve_batch"]

WHO = "fsolve_batch"


def fsolve_batch(func, x0, args=(), fprime=None, *, data=None,
                 vectorized=False, col_deriv=False, xtol=1.49012e-08,
                 maxfev=0, band=None, epsfcn=None, factor=100, diag=None,
                 threads=None, full_output=False, check_finite=True,
                 progress=False):
    """
    Solve many independent systems of ``n`` equations in ``n`` unknowns,
    each with its own MINPACK hybrd/hybrj.

    System k is solved from ``x0[k]`` exactly as :func:`pyminpack.fsolve`
    would solve it alone, to the last bit; a system that fails is reported
    in the result, never raised, and never stops the others.

    Parameters
    ----------
    func : callable or compiled callable
        A compiled function ``int func(int m, int n, const double *x,
        double *fvec, void *user_data)`` (``m == n``; a numba ``@cfunc``,
        ctypes function pointer, PyCapsule or ``scipy.LowLevelCallable``,
        as for ``leastsq_batch``), whose systems run on a pool of C
        threads without the GIL; or a Python ``func(x, *args,
        *data_rows)``, run one system after another.
    x0 : array_like, shape (K, n) or (n,)
        The starts; (n,) is the start of every system, K then being the
        length of `data`.
    args : tuple, optional
        Shared by every system (for compiled callbacks: the one
        ``user_data`` of all when `data` is None, as in ``fsolve``).
    fprime : callable or compiled callable, optional
        The Jacobian, of the same kind as `func`: ``fprime(x, *args,
        *data_rows)`` (as ``fsolve``'s, with `col_deriv`), or compiled,
        ``int jac(int m, int n, const double *x, double *fjac, int ldfjac,
        void *user_data)``.
    data : array or tuple of arrays, optional
        What differs between systems: arrays whose first dimension is K (as
        for ``leastsq_batch``).
    vectorized : bool, optional
        True for a numpy ``func(X, *args, *data_rows)`` that evaluates the
        k systems waiting now: X has shape (k, n), each data array comes as
        its k matching rows, and the result has shape (k, n); ``fprime``
        likewise returns (k, n, n) (transposed with `col_deriv`).  Every
        system runs its own hybrd/hybrj to its own end, as for
        ``leastsq_batch(vectorized=True)``, and func evaluates only what
        the systems ask for: the first round (called before the fibers
        start) gives the output's dtype.
    col_deriv, xtol, maxfev, band, epsfcn, factor, check_finite
        As in ``fsolve``, for every system.
    diag : array_like, shape (n,) or (K, n), optional
        Scale factors for every system, or for each.
    threads : int, optional
        Compiled callbacks only: the number of C threads (None: the cores
        this process may use).  The results do not depend on it.
    full_output : bool, optional
        Also return each system's fvec, fjac (n, n), r and qtf.
    progress : bool or callable, optional
        As for ``leastsq_batch``.

    Returns
    -------
    BatchResult
        With ``solver == "fsolve"``: ``x`` (K, n), ``ier``, ``nfev``,
        ``njev`` (None without `fprime`), ``fnorm``, ``success`` (ier ==
        1), ``status``, ``message(k)`` (``fsolve``'s text), and with
        `full_output` ``fvec`` (K, n), ``fjac`` (K, n, n), ``r`` (K,
        n*(n+1)//2), ``qtf`` (K, n).  ``cov_x`` and ``ipvt`` are None.

    Raises
    ------
    TypeError, ValueError
        Bad input, as ``fsolve`` raises for it, and K that differ between
        `x0`, `data` and `diag`.  With `check_finite`, a non-finite start
        or ``func(x0)`` (naming the first such system).
    Exception
        An exception from a Python `func` or `fprime` (or from `progress`)
        stops the batch and propagates, with a note naming the system.
    KeyboardInterrupt
        Ctrl-C stops a compiled batch within a fraction of a second.
    """
    vectorized = _flag(vectorized, "vectorized", WHO)
    compiled = _compiled.is_compiled(func)
    if fprime is not None and compiled != _compiled.is_compiled(fprime):
        raise TypeError("fsolve_batch: func and fprime must both be "
                        "compiled callables or both be Python callables")
    data = _data_tuple(data, WHO)
    x0, count = _starts(x0, data, WHO)
    n = x0.shape[1]
    full_output = _flag(full_output, "full_output", WHO)
    check_finite = _flag(check_finite, "check_finite", WHO)
    diag = _diags(diag, count, n, WHO)
    report = _progress(progress, WHO)
    if vectorized:
        if compiled or (fprime is not None
                        and _compiled.is_compiled(fprime)):
            raise TypeError("fsolve_batch: vectorized=True takes Python "
                            "(numpy) functions, not compiled callables")
        if threads is not None and threads != 1:
            raise ValueError("fsolve_batch: threads applies to compiled "
                             "callbacks; a vectorized batch runs in the "
                             "calling thread (threads=None or 1)")
        return _batch_vectorized(func, fprime, x0, args, data, count, n,
                                 col_deriv, xtol, maxfev, band, epsfcn,
                                 factor, diag, full_output, check_finite,
                                 report)
    if compiled:
        return _batch_compiled(func, fprime, x0, args, data, count, n,
                               col_deriv, xtol, maxfev, band, epsfcn,
                               factor, diag, threads, full_output,
                               check_finite, report, WHO)
    if threads is not None and threads != 1:
        raise ValueError("fsolve_batch: threads applies to compiled "
                         "callbacks; a Python func runs one system after "
                         "another in the calling thread (threads=None or 1)")
    return _batch_python(func, fprime, x0, args, data, count, n, col_deriv,
                         xtol, maxfev, band, epsfcn, factor, diag,
                         full_output, check_finite, report)


def _compiled_options(fprime, col_deriv, xtol, maxfev, band, epsfcn,
                      factor, n, who):
    """fsolve's options for compiled callbacks, checked."""
    if fprime is not None and _flag(col_deriv, "col_deriv", who):
        raise ValueError(f"{who}: col_deriv does not apply to a compiled "
                         f"fprime, which fills MINPACK's column-major fjac "
                         f"itself")
    xtol, factor, maxfev_used, maxfev_shown = fsolve_options(
        xtol, factor, maxfev, n, fprime is None, who)
    ml, mu = band_of(band, n, who) if fprime is None else (n - 1, n - 1)
    # The values are doubles: epsfcn=None means float64's epsilon.
    epsfcn = (_FLOAT64_EPSILON if fprime is not None or epsfcn is None
              else _real(epsfcn, "epsfcn", finite=True, who=who))
    return xtol, factor, maxfev_used, maxfev_shown, ml, mu, epsfcn


def _result_arrays(count, n, full_output):
    arrays = {
        "ier": np.zeros(count, np.int32),
        "nfev": np.zeros(count, np.int32),
        "njev": np.zeros(count, np.int32),
        "status": np.zeros(count, np.int32),
        "nonfinite": np.full(count, -1, np.int32),
        "fnorm": np.zeros(count),
    }
    if full_output:
        arrays.update(fvec=np.zeros((count, n)),
                      fjac=np.zeros((count, n, n)),
                      r=np.zeros((count, n * (n + 1) // 2)),
                      qtf=np.zeros((count, n)))
    names = ("ier", "nfev", "njev", "status", "nonfinite", "fnorm", "fvec",
             "fjac", "r", "qtf")
    return arrays, tuple(arrays.get(name) for name in names)


def run_compiled(func, fprime, x0, *, diag, user_data, stride, xtol,
                 maxfev, ml, mu, epsfcn, factor, check_finite, threads,
                 progress, full_output):
    """The engine on resolved callbacks: x0 (K, n) becomes the solutions;
    a dict of result arrays."""
    count, n = x0.shape
    results, outputs = _result_arrays(count, n, full_output)
    _minpack.hybrd_batch_compiled(
        func.address, 0 if fprime is None else fprime.address, x0, diag,
        user_data, stride, xtol, maxfev, ml, mu, epsfcn, factor,
        check_finite, threads, progress, outputs)
    return results


def _resolve(func, fprime):
    resolved = [_compiled.resolve(func, "func")]
    if fprime is not None:
        resolved.append(_compiled.resolve(fprime, "Dfun"))
    return resolved


def _batch_compiled(func, fprime, x0, args, data, count, n, col_deriv, xtol,
                    maxfev, band, epsfcn, factor, diag, threads, full_output,
                    check_finite, report, who):
    resolved = _resolve(func, fprime)
    user_data, stride, keep = _compiled_user_data(args, data, resolved, who)
    if check_finite:
        _check_starts_finite(x0, who)
    (xtol, factor, maxfev_used, maxfev_shown, ml, mu,
     epsfcn) = _compiled_options(fprime, col_deriv, xtol, maxfev, band,
                                 epsfcn, factor, n, who)
    if threads is None:
        threads = _compiled.usable_threads()
    threads = _count(threads, "threads", who)
    if n == 0:
        # MINPACK's improper input (ier 0) for every system, as the other
        # kinds give it; the engine needs n >= 1.
        results = _result_arrays(count, n, full_output)[0]
    else:
        results = run_compiled(
            resolved[0], resolved[-1] if fprime is not None else None, x0,
            diag=diag, user_data=user_data, stride=stride, xtol=xtol,
            maxfev=maxfev_used, ml=ml, mu=mu, epsfcn=epsfcn, factor=factor,
            check_finite=check_finite, threads=threads, progress=report,
            full_output=full_output)
    del keep  # the data was alive until here
    _raise_for_nonfinite(results.pop("nonfinite"))
    if report is not None:
        report(count, count)
    if fprime is None:
        results["njev"] = None
    return BatchResult(x=x0, cov_x=None, **results, solver="fsolve",
                       options=dict(xtol=xtol, maxfev=maxfev_shown))


def _raise_for_nonfinite(nonfinite):
    bad = np.flatnonzero(nonfinite >= 0)
    if bad.size:
        k = int(bad[0])
        raise NonFiniteInputError(
            f"fsolve_batch: func(x0) must be finite, but entry "
            f"{nonfinite[k]} of system {k} is not ({bad.size} systems have "
            f"non-finite values at x0; pass check_finite=False to allow "
            f"it)", "func(x0)", int(nonfinite[k]), None, fit=k)


def fsolve_compiled(func, x0, args, fprime, full_output, col_deriv, xtol,
                    maxfev, band, epsfcn, factor, diag, check_finite):
    """fsolve of one system with compiled callbacks, without the GIL."""
    if not (_compiled.is_compiled(func)
            and (fprime is None or _compiled.is_compiled(fprime))):
        raise TypeError("fsolve: func and fprime must both be compiled "
                        "callables or both be Python callables")
    resolved = _resolve(func, fprime)
    full_output = _flag(full_output, "full_output", "fsolve")
    check_finite = _flag(check_finite, "check_finite", "fsolve")
    x = _start(x0, check_finite, "fsolve")
    n = x.size
    user_data, _, keep = _compiled_user_data(args, (), resolved, "fsolve")
    (xtol, factor, maxfev_used, maxfev_shown, ml, mu,
     epsfcn) = _compiled_options(fprime, col_deriv, xtol, maxfev, band,
                                 epsfcn, factor, n, "fsolve")
    diag = _diag(diag, n, "fsolve")
    if n == 0:
        # MINPACK's improper input, as fsolve with a Python func gives it.
        results = {"ier": [0], "nfev": [0], "njev": [0], "status": [0],
                   "fvec": np.zeros((1, 0)), "fjac": np.zeros((1, 0, 0)),
                   "r": np.zeros((1, 0)), "qtf": np.zeros((1, 0))}
    else:
        results = run_compiled(
            resolved[0], resolved[-1] if fprime is not None else None,
            x.reshape(1, n), diag=diag, user_data=user_data, stride=0,
            xtol=xtol, maxfev=maxfev_used, ml=ml, mu=mu, epsfcn=epsfcn,
            factor=factor, check_finite=check_finite, threads=1,
            progress=None, full_output=True)
        index = int(results["nonfinite"][0])
        if index >= 0:
            raise NonFiniteInputError(
                f"fsolve: func(x0) must be finite, but entry {index} is "
                f"{results['fvec'][0][index]} (pass check_finite=False to "
                f"allow it)", "func(x0)", index, results["fvec"][0][index])
    del keep
    return finish(
        x, results["fvec"][0], results["fjac"][0], results["r"][0],
        results["qtf"][0], int(results["nfev"][0]),
        int(results["njev"][0]) if fprime is not None else None,
        int(results["ier"][0]), xtol, maxfev_shown, full_output,
        status=int(results["status"][0]), stacklevel=4)


def _batch_python(func, fprime, x0, args, data, count, n, col_deriv, xtol,
                  maxfev, band, epsfcn, factor, diag, full_output,
                  check_finite, report):
    """One fsolve after another: the same results, and no slower."""
    _check_callables(func, fprime, WHO, "fprime")
    # The options checked once, for the batch and in its name (not in
    # fsolve's, as a note on system 0), even when there is no system.
    col_deriv = _flag(col_deriv, "col_deriv", WHO)
    fsolve_options(xtol, factor, maxfev, n, fprime is None, WHO)
    if fprime is None:
        band_of(band, n, WHO)
        if epsfcn is not None:
            _real(epsfcn, "epsfcn", finite=True, who=WHO)
    args = args if type(args) is tuple else (args,)
    x = np.empty((count, n))
    ier = np.zeros(count, np.int32)
    nfev = np.zeros(count, np.int32)
    njev = np.zeros(count, np.int32) if fprime is not None else None
    fnorm = np.zeros(count)
    kept = dict.fromkeys(("fvec", "fjac", "r", "qtf"))
    if full_output:
        kept = {"fvec": np.zeros((count, n)), "fjac": np.zeros((count, n, n)),
                "r": np.zeros((count, n * (n + 1) // 2)),
                "qtf": np.zeros((count, n))}
    shown = None
    next_report = time.monotonic() + _PROGRESS_PERIOD
    for k in range(count):
        rows = tuple(array[k] for array in data)
        diag_k = diag if diag is None or diag.ndim == 1 else diag[k]
        try:
            (xk, fvec, fjac, r, qtf, nfev_k, njev_k, ier_k,
             shown) = _run_python(func, x0[k], args + rows, fprime,
                                  col_deriv, xtol, maxfev, band, epsfcn,
                                  factor, diag_k, check_finite)
        except BaseException as exc:
            _add_note(exc, f"in system {k} of {count} (fsolve_batch)")
            if isinstance(exc, NonFiniteInputError):
                exc.fit = k
            raise
        x[k], ier[k], nfev[k] = xk, ier_k, nfev_k
        if njev is not None:
            njev[k] = njev_k
        fnorm[k] = _minpack.enorm(fvec)
        if full_output:
            kept["fvec"][k], kept["fjac"][k] = fvec, fjac
            kept["r"][k], kept["qtf"][k] = r, qtf
        if report is not None and time.monotonic() >= next_report:
            report(k + 1, count)
            next_report = time.monotonic() + _PROGRESS_PERIOD
    if report is not None:
        report(count, count)
    if shown is None:  # no system: the options as given
        shown = (xtol, maxfev)
    return BatchResult(x=x, ier=ier, nfev=nfev, njev=njev, fnorm=fnorm,
                       cov_x=None, status=np.zeros(count, np.int32), **kept,
                       solver="fsolve",
                       options=dict(xtol=shown[0], maxfev=shown[1]))



def _batch_vectorized(func, fprime, x0, args, data, count, n, col_deriv,
                      xtol, maxfev, band, epsfcn, factor, diag, full_output,
                      check_finite, report):
    """Every system its own hybrd/hybrj on a fiber, one call of func for
    all systems waiting (leastsq_batch's scheduler, vectorized.c)."""
    _check_callables(func, fprime, WHO, "fprime")
    col_deriv = _flag(col_deriv, "col_deriv", WHO)
    args = args if type(args) is tuple else (args,)
    if check_finite:
        _check_starts_finite(x0, WHO)
    xtol, factor, maxfev_used, maxfev_shown = fsolve_options(
        xtol, factor, maxfev, n, fprime is None, WHO)
    ml, mu = band_of(band, n, WHO) if fprime is None else (n - 1, n - 1)
    if fprime is None and epsfcn is not None:
        epsfcn = _real(epsfcn, "epsfcn", finite=True, who=WHO)
    data = tuple(np.asarray(d) for d in data)
    options = dict(xtol=xtol, maxfev=maxfev_shown)
    results, outputs = _result_arrays(count, n, full_output)
    # No unknowns: every system is MINPACK's improper input (ier 0, no
    # call), as the plain kind and fsolve give it; the engine needs n >= 1.
    if count > 0 and n > 0:
        # The scheduler's first round, called here (as leastsq_batch's):
        # its values give the output's dtype, as fsolve's evaluation at x0
        # does, and answer the systems' first requests in the engine.
        fits = _first_fits(count, n, diag, _VECTORIZED_SLOTS)
        values = np.empty((0, n))
        if fits.size:
            values = _call_first_round(func, x0, args, data, fits, WHO)
            if values.shape != (fits.size, n):
                raise ValueError(
                    f"fsolve_batch: a vectorized func must return an array "
                    f"of shape (k, n) = (k, {n}) for k systems; for "
                    f"{fits.size} it returned shape {values.shape}")
        if fprime is None and epsfcn is None:
            epsfcn = _EPSILON_OF.get(values.dtype, _FLOAT64_EPSILON)
        elif fprime is not None:
            epsfcn = _FLOAT64_EPSILON  # unused by hybrj
        # pm_results' order: ier, nfev, njev, status, nonfinite, fnorm,
        # cov (None: no cov_x), fvec, fjac, ipvt (None), qtf; and R apart.
        engine_outputs = outputs[:6] + (None, outputs[6], outputs[7], None,
                                        outputs[9])
        _minpack.batch_vectorized(
            func, fprime, args, data, x0, diag, n, col_deriv, 0.0, xtol,
            0.0, maxfev_used, epsfcn, factor, check_finite,
            _VECTORIZED_SLOTS, report, engine_outputs, True, ml, mu,
            outputs[8], fits, values)
    _raise_for_nonfinite(results.pop("nonfinite"))
    if report is not None:
        report(count, count)
    if fprime is None:
        results["njev"] = None
    return BatchResult(x=x0, cov_x=None, **results, solver="fsolve",
                       options=options)
