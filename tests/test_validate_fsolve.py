"""python -m pyminpack.validate on an fsolve-shaped target: the 55
HYBRD/HYBRJ cases, verdicts and the first departing evaluation."""

import io

import numpy as np
import pytest

import pyminpack
from pyminpack.testing import minpack1_equation_cases
from pyminpack.validate import main
from pyminpack.validate._equations import (is_fsolve_shaped,
                                           validate_fsolve_target)

CASES = minpack1_equation_cases()
PERTURBED_EVALUATION = 4   # counting from 1, x0 being the first


def run_cli(*argv):
    out = io.StringIO()
    return main(list(argv), out=out), out.getvalue()


def test_fsolve_shaped_targets_are_recognised():
    assert is_fsolve_shaped(pyminpack.fsolve)
    assert not is_fsolve_shaped(pyminpack.leastsq)


def test_pyminpack_fsolve_is_exact_on_every_case():
    status, text = run_cli("pyminpack:fsolve")
    assert status == 0
    assert "MINPACK-1  hybrj 55/55 EXACT   hybrd 55/55 EXACT" in text
    assert "110 runs: 110 EXACT, 0 SAME, 0 DIFF" in text


def test_scipy_1_14_1_fsolve_is_exact_on_every_case():
    scipy = pytest.importorskip("scipy")
    if scipy.__version__ != "1.14.1":
        pytest.skip("needs scipy 1.14.1, the last on the Fortran MINPACK")
    from scipy.optimize import fsolve
    verdicts, _ = validate_fsolve_target(fsolve, CASES)
    assert [v.case for v in verdicts if v.verdict != "EXACT"] == []


def perturbing_fsolve(func, x0, *args, **kwargs):
    """pyminpack.fsolve, except that one evaluation point moves 1 ulp."""
    calls = [0]

    def moved(x):
        calls[0] += 1
        if calls[0] == PERTURBED_EVALUATION:
            x = x.copy()
            x[0] = np.nextafter(x[0], np.inf)
        return func(x)
    return pyminpack.fsolve(moved, x0, *args, **kwargs)


def test_a_departure_is_found_at_the_evaluation_it_happened():
    case = next(c for c in CASES if c.name == "hybrd05-n3-x1")
    verdicts, _ = validate_fsolve_target(perturbing_fsolve, [case])
    assert [v.solver for v in verdicts] == ["hybrj", "hybrd"]
    verdict = verdicts[1]
    assert verdict.verdict != "EXACT"
    # The validator records what reaches the problem's func: the moved
    # point, at the evaluation where it was moved.
    d = verdict.departure
    assert (d.evaluation, d.component, d.ulps) == (PERTURBED_EVALUATION, 0, 1)
    assert d.iteration is None
    assert d.describe().startswith(
        f"first departing evaluation: evaluation {PERTURBED_EVALUATION}: "
        f"x[0] ")
