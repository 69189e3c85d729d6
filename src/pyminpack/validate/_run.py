"""Running a leastsq-shaped function on a case, recording where it evaluates.

A run records the sequence of points ``x`` at which the solver evaluates
the residuals.  The reference run (pyminpack, which is the original
Fortran) also records, through ``callback=``, at which evaluation each
MINPACK iteration starts, so that a departure can be placed in an
iteration.
"""

import warnings
from dataclasses import dataclass, field
from typing import Callable, Optional

import numpy as np

from .._leastsq import leastsq as pyminpack_leastsq
from ..testing import Case, Result, enorm


@dataclass
class Run:
    """One solver run on one case: its result (None if it raised), the
    points where it evaluated the residuals, and the error it raised."""

    result: Optional[Result]
    evaluations: list = field(default_factory=list)
    iteration_starts: Optional[list] = None
    error: Optional[str] = None


def _recording(function, evaluations):
    def residuals(x, *args):
        evaluations.append(np.array(x, dtype=np.float64, copy=True).ravel())
        return function(np.asarray(x, dtype=np.float64), *args)
    residuals.__name__ = getattr(function, "__name__", "residuals")
    return residuals


def result_of(x, infodict, ier, with_jacobian):
    """A Result from leastsq's full_output."""
    fvec = np.array(infodict["fvec"], dtype=np.float64).ravel()
    njev = infodict.get("njev") if with_jacobian else None
    return Result(info=int(ier), nfev=int(infodict["nfev"]),
                  njev=None if njev is None else int(njev),
                  x=np.array(x, dtype=np.float64).ravel(), fvec=fvec,
                  fnorm=enorm(fvec))


def run_target(target: Callable, case: Case, with_jacobian: bool) -> Run:
    """``target(residuals, x0, Dfun=..., full_output=True, **options)``."""
    run = Run(result=None)
    residuals = _recording(case.residuals, run.evaluations)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            x, _, infodict, _, ier = target(
                residuals, np.array(case.x0), full_output=True,
                Dfun=case.jacobian if with_jacobian else None,
                **case.options)
        run.result = result_of(x, infodict, ier, with_jacobian)
    except Exception as error:  # a broken port is a verdict, not a crash
        run.error = f"{type(error).__name__}: {error}"
    return run


def run_reference(case: Case, with_jacobian: bool) -> Run:
    """pyminpack on the case, with the iteration of every evaluation."""
    run = Run(result=None, iteration_starts=[])
    residuals = _recording(case.residuals, run.evaluations)

    def iteration_started(x, fvec):
        run.iteration_starts.append(len(run.evaluations))
    x, _, infodict, _, ier = pyminpack_leastsq(
        residuals, np.array(case.x0), full_output=True,
        Dfun=case.jacobian if with_jacobian else None,
        callback=iteration_started, **case.options)
    run.result = result_of(x, infodict, ier, with_jacobian)
    return run


def without_repeated_start(evaluations):
    """The evaluations with the leading run of evaluations at x0 counted
    once: scipy (and other wrappers) evaluate func at x0 before MINPACK
    does, to learn m; pyminpack hands that one value to MINPACK."""
    if not evaluations:
        return []
    start = evaluations[0].tobytes()
    k = 1
    while k < len(evaluations) and evaluations[k].tobytes() == start:
        k += 1
    return [evaluations[0]] + list(evaluations[k:])
