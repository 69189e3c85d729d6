"""``BatchResult``: what every batch kind returns, one entry per fit."""

import numpy as np

from ._messages import FSOLVE_SUCCESS, fsolve_message, message

__all__ = ["BatchResult", "result_arrays"]

_OUTPUTS = ("ier", "nfev", "njev", "status", "nonfinite", "fnorm", "cov_x",
            "fvec", "fjac", "ipvt", "qtf")


def result_arrays(count, m, n, full_output):
    """The arrays the C engines fill, by name, and as the tuple they take
    (ier, nfev, njev, status, nonfinite, fnorm, cov_x, then fvec, fjac,
    ipvt, qtf or four Nones).  Zeros: a fit never run keeps them."""
    arrays = {
        "ier": np.zeros(count, np.int32),
        "nfev": np.zeros(count, np.int32),
        "njev": np.zeros(count, np.int32),
        "status": np.zeros(count, np.int32),
        "nonfinite": np.full(count, -1, np.int32),
        "fnorm": np.zeros(count),
        "cov_x": np.zeros((count, n, n)),
    }
    if full_output:
        arrays.update(fvec=np.zeros((count, m)), fjac=np.zeros((count, n, m)),
                      ipvt=np.zeros((count, n), np.int32),
                      qtf=np.zeros((count, n)))
    return arrays, tuple(arrays.get(name) for name in _OUTPUTS)


class BatchResult:
    """The results of K independent fits (``leastsq_batch``).

    Attributes
    ----------
    x : ndarray, shape (K, n)
        Each fit's solution (or last iterate).
    ier : ndarray of int32, shape (K,)
        Each fit's ier, as ``leastsq`` returns it: 1 to 4 converged, 5 to 8
        stopped, 0 improper input, -1 or -2 stopped by a compiled func or
        Dfun returning non-zero (the value is in `status`).
    nfev : ndarray of int32, shape (K,)
        Calls to func that MINPACK made in each fit.
    njev : ndarray of int32, shape (K,), or None
        Calls to Dfun in each fit (None without Dfun).
    fnorm : ndarray, shape (K,)
        The Euclidean norm of each fit's final residuals, as MINPACK's
        ``enorm`` computes it; 0 for a fit MINPACK refuses (ier 0), whose
        fvec is all zeros, as ``leastsq``'s infodict['fvec'] (MINPACK
        returns before evaluating func), in every engine.
    cov_x : ndarray, shape (K, n, n)
        Each fit's ``inv(J.T @ J)``, as ``leastsq``'s cov_x; all NaN where
        ``leastsq`` would give None (ier not in 1..4, or R singular).
    success : ndarray of bool, shape (K,)
        ier in 1..4.
    status : ndarray of int32, shape (K,)
        What a compiled callback returned when it stopped a fit (ier -1 or
        -2); 0 for the other fits.
    fvec, fjac, ipvt, qtf : ndarray or None
        With ``full_output`` only (else None): per fit, what ``leastsq``'s
        infodict holds, shapes (K, m), (K, n, m), (K, n) int32 (1-based)
        and (K, n).  With bounds they describe the internal problem MINPACK
        solved; a fit with ``n_free`` parameters not fixed has its rows
        first and zeros after.
    at_bound : ndarray of bool, shape (K, n)
        Which parameters ended on a bound (within 1.5e-8 of the box's
        width, or of ``max(1, |bound|)`` for a bound alone): their
        uncertainty is not a Gaussian one.  All False without bounds;
        fixed parameters (``lb == ub``) are not flagged.

    perr : ndarray or None
        ``curve_fit_batch`` only: each fit's standard errors, the square
        roots of pcov's diagonal (NaN where pcov is NaN, inf where inf).
    covariance_unknown : ndarray of bool or None
        ``curve_fit_batch`` only: the fits whose covariance could not be
        estimated (pcov all inf; the ones the covariance warning names).
    shape : tuple
        The fits' shape: (K,) for K fits in a row, or the fits' axes of a
        cube (``curve_fit_batch(axis=...)``); every per-fit array above
        has it as its leading dimensions.
    engine, engine_reason, compile_seconds
        Set by ``curve_fit_batch`` (None, None and 0.0 otherwise): the
        engine that ran the fits ('numpy' or 'numba'), why engine='auto'
        did not take numba (or None), and the seconds this call spent
        compiling the model with numba.

    Notes
    -----
    ``message(k)`` is fit k's message, the text ``leastsq`` gives for its
    ier (or, for a curve never run, why: ``curve_fit_batch``); k is an
    index into the fits' shape (a tuple) or a flat index.  ``len(result)``
    is the number of fits.

    From ``fsolve_batch`` (``solver == "fsolve"``): ``success`` is ier ==
    1, ``message(k)`` is ``fsolve``'s text, ``cov_x`` and ``ipvt`` are
    None, and with ``full_output`` ``fjac`` is (K, n, n), fsolve's (Q.T),
    and ``r`` (K, n*(n+1)//2) holds each system's R.
    """

    __slots__ = ("x", "ier", "nfev", "njev", "fnorm", "cov_x", "success",
                 "status", "fvec", "fjac", "ipvt", "qtf", "r", "solver",
                 "perr", "covariance_unknown", "shape", "engine",
                 "engine_reason", "compile_seconds", "at_bound", "_options",
                 "_notes")

    _PER_FIT = ("x", "ier", "nfev", "njev", "fnorm", "cov_x", "success",
                "status", "fvec", "fjac", "ipvt", "qtf", "r", "perr",
                "covariance_unknown", "at_bound")

    def __init__(self, *, x, ier, nfev, njev, fnorm, cov_x, status,
                 fvec=None, fjac=None, ipvt=None, qtf=None, options,
                 r=None, solver="leastsq", notes=None, at_bound=None):
        self.x = x
        self.ier = ier
        self.nfev = nfev
        self.njev = njev
        self.fnorm = fnorm
        self.cov_x = cov_x
        self.status = status
        self.solver = solver
        self.success = ((ier == FSOLVE_SUCCESS) if solver == "fsolve"
                        else (ier >= 1) & (ier <= 4))
        self.r = r
        self.fvec = fvec
        self.fjac = fjac
        self.ipvt = ipvt
        self.qtf = qtf
        self.perr = None
        self.covariance_unknown = None
        self.shape = ier.shape
        self.engine = None
        self.engine_reason = None
        self.compile_seconds = 0.0
        self.at_bound = (np.zeros(x.shape, bool) if at_bound is None
                         else at_bound)
        self._options = options  # the tolerances and maxfev, for messages
        self._notes = notes or {}  # flat fit index -> why it was not run

    def _reshape(self, shape):
        """Give every per-fit array the fits' shape (from K rows)."""
        for name in self._PER_FIT:
            array = getattr(self, name)
            if array is not None:
                setattr(self, name, array.reshape(*shape, *array.shape[1:]))
        self.shape = tuple(shape)

    def __len__(self):
        return self.ier.size

    def message(self, k):
        """Fit k's message (leastsq's text for its ier, fsolve's for a
        system); k an index into the fits' shape or a flat index."""
        if isinstance(k, tuple):
            k = int(np.ravel_multi_index(k, self.shape))
        else:
            k = range(len(self))[k]  # an int index, negative allowed
        note = self._notes.get(k)
        if note is not None:
            return note
        text = fsolve_message if self.solver == "fsolve" else message
        return text(int(self.ier.reshape(-1)[k]),
                    status=int(self.status.reshape(-1)[k]), **self._options)

    def __repr__(self):
        count = len(self)
        converged = int(np.count_nonzero(self.success))
        if self.solver == "fsolve":
            return (f"<BatchResult: {count} systems of {self.x.shape[-1]} "
                    f"unknowns, {converged} solved>")
        return (f"<BatchResult: {count} fits of {self.x.shape[-1]} "
                f"parameters, {converged} converged>")

