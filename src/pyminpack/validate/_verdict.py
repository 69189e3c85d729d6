"""EXACT, SAME or DIFF: one solver result judged against the reference."""

from dataclasses import dataclass, field
from typing import Optional

from ..testing import Result
from ._ulps import first_difference, largest_ulps, same_bits

#: SAME means the same info, nfev and njev and every x within this many
#: ulps of the reference: a rounding-level difference on the same path.
SAME_MAX_ULPS = 1 << 20  # relative difference about 2.3e-10

EXACT, SAME, DIFF = "EXACT", "SAME", "DIFF"


@dataclass
class Departure:
    """Where a run's evaluation points first leave the reference's.

    ``evaluation`` counts from 1 (the start x0 is evaluation 1, its
    repeats before MINPACK's iterations counted once); ``iteration`` is the
    MINPACK iteration in progress there (0: before the first).
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
        where = (f"evaluation {self.evaluation} "
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
    departure: Optional[Departure] = None
    note: Optional[str] = None

    def passes(self, allow_ulps):
        return self.verdict == EXACT or (
            self.verdict == SAME and self.max_ulps_x is not None
            and self.max_ulps_x <= allow_ulps)


def judge(reference: Result, target: Optional[Result], error=None):
    """(verdict, differences, max_ulps_x) of ``target`` against
    ``reference``."""
    if target is None:
        return DIFF, [error or "no result"], None
    differences = []
    for name in ("info", "nfev", "njev"):
        want, got = getattr(reference, name), getattr(target, name)
        if want != got:
            differences.append(f"{name} {got} (reference {want})")
    shapes_agree = (target.x.shape == reference.x.shape
                    and target.fvec.shape == reference.fvec.shape)
    if not shapes_agree:
        differences.append(f"x has {target.x.size} values and fvec "
                           f"{target.fvec.size} (reference {reference.x.size}"
                           f" and {reference.fvec.size})")
        return DIFF, differences, None
    max_ulps = largest_ulps(reference.x, target.x)
    exact = same_bits(reference.x, target.x) and same_bits(reference.fvec,
                                                           target.fvec)
    if not differences and exact:
        return EXACT, [], 0
    for name in ("x", "fvec"):
        first = first_difference(getattr(reference, name),
                                 getattr(target, name))
        if first is not None:
            worst = largest_ulps(getattr(reference, name),
                                 getattr(target, name))
            differences.append(
                f"{name} differs, first at {name}[{first[0]}], by up to "
                + ("NaN" if worst is None else _ulps_text(worst)))
    counts_agree = not any(d.startswith(("info", "nfev", "njev"))
                           for d in differences)
    if counts_agree and max_ulps is not None and max_ulps <= SAME_MAX_ULPS:
        return SAME, differences, max_ulps
    return DIFF, differences, max_ulps


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
