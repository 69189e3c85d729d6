"""Validating an fsolve-shaped function on MINPACK-1's HYBRD/HYBRJ cases.

``target(func, x0, fprime=..., full_output=True, **case.options)`` (fprime
None for hybrd, the case's Jacobian for hybrj) must return
``(x, infodict, ier, mesg)`` as scipy.optimize.fsolve does.  Its nfev is
judged as the calls it made with the leading repeats at x0 counted once
(what MINPACK itself counts), because scipy's fsolve reports a count that
includes its own extra calls at x0 (scipy 1.14.1: two).  The reference's
evaluation points are those of pyminpack.fsolve, which is the Fortran.
"""

import inspect
import warnings

import numpy as np

from .._fsolve import fsolve as pyminpack_fsolve
from ..testing import EquationCase, Result, enorm
from ._run import Run, _recording, without_repeated_start
from ._verdict import Verdict, departure, judge
from ._ulps import same_bits

SOLVERS = (("hybrj", True), ("hybrd", False))


def is_fsolve_shaped(function):
    """True for a function that takes ``fprime`` (scipy's fsolve, ours)."""
    try:
        parameters = inspect.signature(function).parameters
    except (TypeError, ValueError):
        return False
    return "fprime" in parameters


def _run(target, case: EquationCase, with_jacobian):
    run = Run(result=None)
    func = _recording(case.func, run.evaluations)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            x, infodict, ier, _ = target(
                func, np.array(case.x0),
                fprime=case.jacobian if with_jacobian else None,
                full_output=True, **_options(case))
        fvec = np.array(infodict["fvec"], dtype=np.float64).ravel()
        njev = infodict.get("njev") if with_jacobian else None
        run.result = Result(
            info=int(ier), nfev=len(without_repeated_start(run.evaluations)),
            njev=None if njev is None else int(njev),
            x=np.array(x, dtype=np.float64).ravel(), fvec=fvec,
            fnorm=enorm(fvec))
    except Exception as error:  # a broken port is a verdict, not a crash
        run.error = f"{type(error).__name__}: {error}"
    return run


def _options(case):
    # Fresh writable copies: a target may write into diag.
    return {key: np.array(value) if isinstance(value, np.ndarray) else value
            for key, value in case.options.items()}


class EquationReferences:
    """pyminpack.fsolve's run of every case (its evaluation points), once."""

    def __init__(self):
        self._runs = {}

    def get(self, case, with_jacobian):
        key = (case.name, with_jacobian)
        if key not in self._runs:
            self._runs[key] = _run(pyminpack_fsolve, case, with_jacobian)
        return self._runs[key]


def validate_fsolve_target(target, cases, references=None):
    """Run ``target`` on every equation case, with and without the
    Jacobian; (verdicts, results)."""
    references = references or EquationReferences()
    verdicts, results = [], []
    for case in cases:
        for solver, with_jacobian in SOLVERS:
            verdicts.append(_verdict(target, case, solver, with_jacobian,
                                     references, results))
    return verdicts, results


def _verdict(target, case, solver, with_jacobian, references, results):
    """One (case, solver) run of ``target``, judged; its result joins
    ``results``."""
    run = _run(target, case, with_jacobian)
    results.append((case, solver, run.result, run.evaluations))
    verdict, differences, max_ulps_x, max_ulps_fvec = judge(
        case, case.reference(with_jacobian), run.result, run.error)
    found = Verdict(case=case.name, suite=case.suite, solver=solver,
                    verdict=verdict, differences=differences,
                    max_ulps_x=max_ulps_x, max_ulps_fvec=max_ulps_fvec)
    if verdict == "EXACT":
        return found
    if not same_bits(case.func(case.x0), case.fvec0):
        found.note = ("the system's values at x0 differ from the "
                      "reference's on this machine (C library?): check "
                      "them before the solver")
    reference = references.get(case, with_jacobian)
    found.departure = departure(
        without_repeated_start(reference.evaluations),
        without_repeated_start(run.evaluations), None)
    if found.departure is not None:
        found.departure.iteration = None  # hybrd/hybrj have no hook here
    return found
