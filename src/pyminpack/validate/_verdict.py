"""EXACT, SAME or DIFF: one solver result judged against the reference."""

import warnings
from dataclasses import dataclass, field
from typing import Optional

import numpy as np

from ..testing import Case, Result
from ._ulps import first_difference, largest_ulps, largest_ulps_of, same_bits

#: SAME means the same info, nfev and njev, every x within this many ulps
#: of the reference and fvec the residuals at that x, within this many ulps
#: of their scale: a rounding-level difference on the same path.
SAME_MAX_ULPS = 1 << 20  # relative difference about 2.3e-10

EXACT, SAME, DIFF = "EXACT", "SAME", "DIFF"


@dataclass
class Departure:
    """Where a run's evaluation points first leave the reference's.

    ``evaluation`` counts from 1 (the start x0 is evaluation 1, its
    repeats before MINPACK's iterations counted once); ``iteration`` is the
    MINPACK iteration in progress there (0: before the first; None when
    the reference run could not tell, as for hybrd).
    ``component`` is None when one run simply has more evaluations.
    """

    evaluation: int
    iteration: int
    component: Optional[int] = None
    ulps: Optional[int] = None
    components_differing: int = 0
    reference_x: Optional[float] = None
    target_x: Optional[float] = None
    reference_count: int = 0
    target_count: int = 0
    size: int = 0

    def describe(self):
        where = (f"evaluation {self.evaluation}" if self.iteration is None
                 else f"evaluation {self.evaluation} "
                 + (f"(iteration {self.iteration})" if self.iteration
                    else "(before the first iteration)"))
        if self.component is None:
            return (f"first departing evaluation: {where}: the reference "
                    f"made {self.reference_count} evaluations, the target "
                    f"{self.target_count}, the common ones identical")
        distance = "NaN" if self.ulps is None else _ulps_text(self.ulps)
        return (f"first departing evaluation: {where}: x[{self.component}] "
                f"{self.target_x!r} instead of {self.reference_x!r} "
                f"({distance}; {self.components_differing} of "
                f"{self.size} components differ)")


@dataclass
class Verdict:
    """The judgement of one (case, solver) run."""

    case: str
    suite: str
    solver: str
    verdict: str
    differences: list = field(default_factory=list)
    max_ulps_x: Optional[int] = None
    max_ulps_fvec: Optional[int] = None
    departure: Optional[Departure] = None
    note: Optional[str] = None

    def passes(self, allow_ulps):
        """EXACT passes; SAME too when ``allow_ulps`` is 1 or more and x and
        fvec are within that many ulps (at 0 only EXACT passes)."""
        if self.verdict == EXACT:
            return True
        return (self.verdict == SAME and allow_ulps > 0
                and self.max_ulps_x is not None
                and self.max_ulps_fvec is not None
                and max(self.max_ulps_x, self.max_ulps_fvec) <= allow_ulps)


def judge(case: Case, reference: Result, target: Optional[Result],
          error=None):
    """(verdict, differences, max_ulps_x, max_ulps_fvec) of ``target``
    against ``reference``, on ``case``.

    SAME needs the reference's counts, every x within SAME_MAX_ULPS ulps
    of the reference's, and fvec the residuals at the target's own x, each
    within SAME_MAX_ULPS ulps of the residuals' scale (``_residual_scale``).
    fvec is not held to the reference's fvec in ulps: where residuals
    cancel to near zero (zero-residual problems, NIST's data), a rounding
    of x moves them by millions of their own ulps.
    """
    if target is None:
        return DIFF, [error or "no result"], None, None
    differences = []
    for name in ("info", "nfev", "njev"):
        want, got = getattr(reference, name), getattr(target, name)
        if want != got:
            differences.append(f"{name} {got} (reference {want})")
    counts_agree = not differences
    shapes_agree = (target.x.shape == reference.x.shape
                    and target.fvec.shape == reference.fvec.shape)
    if not shapes_agree:
        differences.append(f"x has {target.x.size} values and fvec "
                           f"{target.fvec.size} (reference {reference.x.size}"
                           f" and {reference.fvec.size})")
        return DIFF, differences, None, None
    if counts_agree and same_bits(reference.x, target.x) and same_bits(
            reference.fvec, target.fvec):
        return EXACT, [], 0, 0
    for name in ("x", "fvec"):
        first = first_difference(getattr(reference, name),
                                 getattr(target, name))
        if first is not None:
            worst = largest_ulps(getattr(reference, name),
                                 getattr(target, name))
            differences.append(
                f"{name} differs, first at {name}[{first[0]}], by up to "
                + ("NaN" if worst is None else _ulps_text(worst)))
    max_ulps = largest_ulps(reference.x, target.x)
    if not counts_agree or max_ulps is None or max_ulps > SAME_MAX_ULPS:
        return DIFF, differences, max_ulps, None
    fvec_ulps, problem = _fvec_against_residuals_at_x(case, reference,
                                                      target)
    if problem:
        differences.append(problem)
    if fvec_ulps is None or fvec_ulps > SAME_MAX_ULPS:
        return DIFF, differences, max_ulps, fvec_ulps
    return SAME, differences, max_ulps, fvec_ulps


def _residual_scale(case: Case, reference: Result):
    """The size of the case's residuals: the largest ``|fvec_i|`` at x0 or
    in the reference's result."""
    fvec0 = case.fvec0 if case.fvec0 is not None else case.residuals(
        case.x0)
    return max(float(np.max(np.abs(fvec0), initial=0.0)),
               float(np.max(np.abs(reference.fvec), initial=0.0)))


def _fvec_against_residuals_at_x(case, reference, target):
    """(distance in ulps of the residual scale or None, a difference to
    report or None) of the target's fvec from the residuals at its x."""
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            residuals = np.asarray(case.residuals(target.x.copy()),
                                   dtype=np.float64).ravel()
    except Exception as error:  # x is the target's, anything may happen
        return None, (f"fvec cannot be checked: the residuals at x raise "
                      f"{type(error).__name__}: {error}")
    scale = _residual_scale(case, reference)
    distance, index = largest_ulps_of(scale, residuals, target.fvec)
    if distance == 0:
        return 0, None
    if distance is None:
        return None, (f"fvec is not the residuals at x: fvec[{index}] is "
                      f"{float(target.fvec[index])!r}, the residual "
                      f"{float(residuals[index])!r}")
    return distance, (f"fvec is not the residuals at x: fvec[{index}] is "
                      f"{_ulps_text(distance)} away (ulps of the residuals' "
                      f"scale, {scale:.3g})")


def departure(reference_points, target_points, iteration_starts):
    """The first evaluation at which the two sequences of points differ,
    or None when they are identical."""
    for k, (want, got) in enumerate(zip(reference_points, target_points)):
        first = first_difference(want, got) if want.shape == got.shape \
            else (0, None)
        if first is not None:
            differing = sum(1 for a, b in zip(want.tolist(), got.tolist())
                            if a != b or str(a) != str(b))
            return Departure(
                evaluation=k + 1, iteration=_iteration(k, iteration_starts),
                component=first[0], ulps=first[1],
                components_differing=differing, size=want.size,
                reference_x=float(want[first[0]]),
                target_x=float(got[first[0]]),
                reference_count=len(reference_points),
                target_count=len(target_points))
    if len(reference_points) != len(target_points):
        k = min(len(reference_points), len(target_points))
        return Departure(evaluation=k + 1,
                         iteration=_iteration(k, iteration_starts),
                         reference_count=len(reference_points),
                         target_count=len(target_points))
    return None


def _ulps_text(count):
    return f"{count} ulp" if count == 1 else f"{count} ulps"


def _iteration(index, iteration_starts):
    """The iteration in progress at evaluation ``index`` (0-based)."""
    return sum(1 for start in iteration_starts or () if start <= index)
