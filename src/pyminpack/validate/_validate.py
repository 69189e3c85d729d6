"""The validator's core: verdicts for a Python target or a results file."""

from ..testing import Case
from ._run import run_reference, run_target, without_repeated_start
from ._verdict import DIFF, Verdict, departure, judge
from ._ulps import same_bits

SOLVERS = (("lmder", True), ("lmdif", False))


class References:
    """The reference of every (case, solver), each computed once.

    The result is the original drivers' where the case has one
    (MINPACK-1), else pyminpack's; the evaluation points are always those
    of a pyminpack run (the original Fortran) in this process.
    """

    def __init__(self):
        self._runs = {}

    def get(self, case: Case, with_jacobian: bool):
        """(reference Result, pyminpack's Run) of one (case, solver)."""
        key = (case.suite, case.name, with_jacobian)
        if key not in self._runs:
            self._runs[key] = run_reference(case, with_jacobian)
        run = self._runs[key]
        return case.reference(with_jacobian) or run.result, run


def problem_functions_note(case: Case):
    """A note when this machine's problem functions do not reproduce the
    reference's values at x0 (its C library's exp, say): then a DIFF is
    not evidence against the solver."""
    if case.fvec0 is not None and not same_bits(case.residuals(case.x0),
                                                case.fvec0):
        return ("the problem's residuals at x0 differ from the reference's "
                "on this machine (C library?): check them before the solver")
    if case.jac0 is not None and not same_bits(case.jacobian(case.x0),
                                               case.jac0):
        return ("the problem's Jacobian at x0 differs from the reference's "
                "on this machine (C library?): check it before the solver")
    return None


def _verdict(references, case, solver, with_jacobian, result, error,
             points):
    want, reference_run = references.get(case, with_jacobian)
    verdict, differences, max_ulps_x, max_ulps_fvec = judge(case, want,
                                                            result, error)
    found = Verdict(case=case.name, suite=case.suite, solver=solver,
                    verdict=verdict, differences=differences,
                    max_ulps_x=max_ulps_x, max_ulps_fvec=max_ulps_fvec)
    if reference_run.result is not want and not _same_result(
            reference_run.result, want):
        found.note = ("pyminpack itself does not reproduce this reference "
                      "on this machine: its evaluation points may not be "
                      "the drivers'")
    if verdict != "EXACT":
        found.note = found.note or problem_functions_note(case)
        if points is not None:
            found.departure = departure(
                without_repeated_start(reference_run.evaluations),
                without_repeated_start(points),
                reference_run.iteration_starts)
    return found


def _same_result(a, b):
    return (a.info, a.nfev, a.njev) == (b.info, b.nfev, b.njev) and \
        same_bits(a.x, b.x) and same_bits(a.fvec, b.fvec)


def validate_target(target, cases, references=None):
    """Run ``target`` on every case with and without the Jacobian.

    Returns
    -------
    verdicts : list of Verdict
    results : list of (case, solver, Result or None, evaluations or None)
    """
    references = references or References()
    verdicts, results = [], []
    for case in cases:
        for solver, with_jacobian in SOLVERS:
            run = run_target(target, case, with_jacobian)
            verdicts.append(_verdict(references, case, solver,
                                     with_jacobian, run.result, run.error,
                                     run.evaluations))
            results.append((case, solver, run.result, run.evaluations))
    return verdicts, results


def compare_results(results, cases, references=None):
    """Judge the results a foreign port wrote (``_results_file`` reads
    them).

    ``results`` maps (case name, solver) to (Result, evaluations or None).
    A selected case missing from ``results`` is DIFF ("not in the file").
    """
    references = references or References()
    verdicts = []
    for case in cases:
        for solver, with_jacobian in SOLVERS:
            entry = results.get((case.name, solver))
            if entry is None:
                verdicts.append(Verdict(case=case.name, suite=case.suite,
                                        solver=solver, verdict=DIFF,
                                        differences=["not in the file"]))
                continue
            result, points = entry
            verdicts.append(_verdict(references, case, solver,
                                     with_jacobian, result, None, points))
    return verdicts
