"""Validating an fsolve-shaped function on MINPACK-1's HYBRD cases.

``target(func, x0, full_output=True, **case.options)`` must return
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

SOLVER = "hybrd"


def is_fsolve_shaped(function):
    """True for a function that takes ``fprime`` (scipy's fsolve, ours)."""
    try:
        parameters = inspect.signature(function).parameters
    except (TypeError, ValueError):
        return False
    return "fprime" in parameters


def _run(target, case: EquationCase):
    run = Run(result=None)
    func = _recording(case.func, run.evaluations)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            x, infodict, ier, _ = target(func, np.array(case.x0),
                                         full_output=True,
                                         **_options(case))
        fvec = np.array(infodict["fvec"], dtype=np.float64).ravel()
        run.result = Result(
            info=int(ier), nfev=len(without_repeated_start(run.evaluations)),
            njev=None, x=np.array(x, dtype=np.float64).ravel(), fvec=fvec,
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

    def get(self, case):
        if case.name not in self._runs:
            self._runs[case.name] = _run(pyminpack_fsolve, case)
        return self._runs[case.name]


def validate_fsolve_target(target, cases, references=None):
    """Run ``target`` on every equation case; (verdicts, results)."""
    references = references or EquationReferences()
    verdicts, results = [], []
    for case in cases:
        run = _run(target, case)
        verdict, differences, max_ulps = judge(case.hybrd, run.result,
                                               run.error)
        found = Verdict(case=case.name, suite=case.suite, solver=SOLVER,
                        verdict=verdict, differences=differences,
                        max_ulps_x=max_ulps)
        if verdict != "EXACT":
            if not same_bits(case.func(case.x0), case.fvec0):
                found.note = ("the system's values at x0 differ from the "
                              "reference's on this machine (C library?): "
                              "check them before the solver")
            reference = references.get(case)
            found.departure = departure(
                without_repeated_start(reference.evaluations),
                without_repeated_start(run.evaluations), None)
            if found.departure is not None:
                found.departure.iteration = None  # hybrd has no hook here
        verdicts.append(found)
        results.append((case, SOLVER, run.result, run.evaluations))
    return verdicts, results
