"""Fidelity: MINPACK-1's own test suite, reproduced bit for bit.

pyminpack.testing's MINPACK-1 reference (data/minpack1_reference.json in the
installed package) holds what the original Fortran drivers of the suite
(LMDER and LMDIF on the 18 problems of Moré, Garbow and Hillstrom, 53 cases
each) compute on the vendored MINPACK; tools/make_reference.py writes it.
Here ``pyminpack.leastsq`` runs the same 106 cases on pyminpack.testing's
NumPy translation of the problems and must return the same
info, nfev, njev, x and fvec to the last bit: no tolerance anywhere.  All 106
cases are exact; a case that stops being exact is a regression to explain,
not a tolerance to widen.

Why the leastsq arguments reproduce LMDER1/LMDIF1, which the drivers call:
ftol = xtol = sqrt(dpmpar(1)) and gtol = 0 are passed; the default maxfev is
100*(n+1) with Dfun and 200*(n+1) without, as in LMDER1/LMDIF1; factor 100
and mode 1 (diag=None) are leastsq's defaults.  LMDIF1 passes epsfcn = 0
while leastsq's default is float64's eps, 2**-52; both give the same
forward-difference step, because LMDIF uses sqrt(max(epsfcn, epsmch)) and
dpmpar's epsmch, 2.22044604926e-16, is slightly larger than 2**-52.

The final norm is ENORM's, as the drivers print it; pyminpack.testing.enorm
follows ENORM's arithmetic, and test_enorm_matches_the_fortran shows it does
on every residual vector in the reference.  Results depend on the libm
``exp``/``sin``/``cos``/``atan`` of the machine (the reference was made with
glibc's; see the JSON's "libc").
"""

import collections
import functools
import math

import numpy as np
import pytest

from pyminpack import leastsq
from pyminpack.testing._minpack1 import raw_reference
from pyminpack.testing._minpack1_problems import PROBLEMS, enorm, starting_point

REFERENCE = raw_reference()
CASES = REFERENCE["cases"]
TOL = math.sqrt(2.22044604926e-16)  # sqrt(dpmpar(1)), as LMDER1/LMDIF1 pass it


def case_id(case):
    return (f"{case['solver']}-P{case['problem']}-n{case['n']}-m{case['m']}"
            f"-x{case['factor']:g}")


def hexes(values):
    """Floats as exact strings, so a mismatch names the element and its bits."""
    return [float(v).hex() for v in np.asarray(values).tolist()]


def params(cases):
    return [pytest.param(case, id=case_id(case)) for case in cases]


# --- the translation agrees with the Fortran where it starts ---------------

@pytest.mark.parametrize("case", params(CASES))
def test_starting_point_and_residuals(case):
    problem = PROBLEMS[case["problem"]]
    x0 = starting_point(case["problem"], case["n"], case["factor"])
    assert hexes(x0) == case["x0"]
    fvec0 = problem.residuals(x0, case["m"])
    assert hexes(fvec0) == case["fvec0"]
    assert enorm(fvec0).hex() == case["fnorm0"]


@pytest.mark.parametrize("case", params(c for c in CASES if "jac0" in c))
def test_jacobian_at_standard_start(case):
    x0 = starting_point(case["problem"], case["n"], case["factor"])
    jac = PROBLEMS[case["problem"]].jacobian(x0, case["m"])
    assert jac.shape == (case["m"], case["n"])
    assert [hexes(row) for row in jac] == case["jac0"]


def test_enorm_matches_the_fortran():
    for case in CASES:
        for vector, norm in (("fvec0", "fnorm0"), ("fvec", "fnorm")):
            values = [float.fromhex(v) for v in case[vector]]
            assert enorm(values).hex() == case[norm], (case_id(case), vector)


# --- the fits ---------------------------------------------------------------

@functools.cache
def fit(index):
    """What pyminpack returns for CASES[index], in the reference's terms."""
    case = CASES[index]
    problem = PROBLEMS[case["problem"]]
    x0 = starting_point(case["problem"], case["n"], case["factor"])
    with_jacobian = case["solver"] == "lmder"
    x, _, info, _, ier = leastsq(
        problem.residuals, x0, args=(case["m"],),
        Dfun=problem.jacobian if with_jacobian else None,
        full_output=True, ftol=TOL, xtol=TOL, gtol=0.0)
    result = {"info": ier, "nfev": info["nfev"]}
    if with_jacobian:
        result["njev"] = info["njev"]
    result.update(x=hexes(x), fvec=hexes(info["fvec"]), fnorm=enorm(info["fvec"]).hex())
    return result


def expected(case):
    return {key: case[key] for key in ("info", "nfev", "njev", "x", "fvec", "fnorm")
            if key in case}


@pytest.mark.parametrize("index", [
    pytest.param(i, id=case_id(c)) for i, c in enumerate(CASES) if c["solver"] == "lmder"])
def test_lmder_case(index):
    assert fit(index) == expected(CASES[index])


@pytest.mark.parametrize("index", [
    pytest.param(i, id=case_id(c)) for i, c in enumerate(CASES) if c["solver"] == "lmdif"])
def test_lmdif_case(index):
    assert fit(index) == expected(CASES[index])


def test_all_106_cases_bit_identical(capsys):
    """One line for the record, e.g. in CI logs; the per-case tests say which differ."""
    exact = collections.Counter()
    differing = []
    for index, case in enumerate(CASES):
        if fit(index) == expected(case):
            exact[case["solver"]] += 1
        else:
            differing.append(case_id(case))
    with capsys.disabled():
        print(f"\nMINPACK-1 suite: {exact['lmder']}/53 LMDER and {exact['lmdif']}/53 LMDIF "
              "cases bit-identical to the Fortran drivers")
    assert differing == []
