"""pyminpack.testing: the installed test problems and their references."""

import math

import numpy as np
import pytest

from pyminpack import leastsq
from pyminpack.testing import (Case, Certified, Result, all_cases,
                               minpack1_cases, nist_cases)

NIST_SETS = ("Misra1a", "Chwirut2", "Chwirut1", "Lanczos3", "Gauss1",
             "Gauss2", "DanWood", "Misra1b", "Kirby2", "Hahn1", "Nelson",
             "MGH17", "Lanczos1", "Lanczos2", "Gauss3", "Misra1c", "Misra1d",
             "Roszman1", "ENSO", "MGH09", "Thurber", "BoxBOD", "Rat42",
             "MGH10", "Eckerle4", "Rat43", "Bennett5")


def test_counts_and_names():
    assert len(minpack1_cases()) == 53 and len(nist_cases()) == 54
    names = [case.name for case in all_cases()]
    assert len(set(names)) == len(names) == 107
    assert [c.name for c in nist_cases()] == [
        f"{name}-start{k}" for name in NIST_SETS for k in (1, 2)]


def test_minpack1_cases_carry_both_references():
    for case in minpack1_cases():
        assert isinstance(case, Case) and case.suite == "minpack1"
        for result, njev in ((case.lmder, True), (case.lmdif, False)):
            assert isinstance(result, Result)
            assert (result.njev is not None) == njev
            assert result.x.shape == (case.n,)
            assert result.fvec.shape == (case.m,)
        assert case.residuals(case.x0).tobytes() == case.fvec0.tobytes()


def test_case_data_are_read_only():
    case = minpack1_cases()[0]
    for array in (case.x0, case.lmder.x, case.lmder.fvec, case.fvec0):
        with pytest.raises(ValueError):
            array[0] = 1.0


def test_a_case_runs_with_leastsq_as_documented():
    case = minpack1_cases()[10]
    x, _, info, _, ier = leastsq(case.residuals, case.x0,
                                 Dfun=case.jacobian, full_output=True,
                                 **case.options)
    assert (ier, info["nfev"], info["njev"]) == (
        case.lmder.info, case.lmder.nfev, case.lmder.njev)
    assert x.tobytes() == case.lmder.x.tobytes()


@pytest.mark.parametrize("case", nist_cases()[::2], ids=lambda c: c.name)
def test_nist_models_reproduce_the_certified_residual_sum_of_squares(case):
    certified = case.certified
    assert isinstance(certified, Certified)
    assert certified.params.shape == certified.std_devs.shape == (case.n,)
    # NIST's Rat43 file says 9 degrees of freedom; its own residual
    # standard deviation, sqrt(RSS / 11), says 15 - 4 = 11.
    if case.about["dataset"] != "Rat43":
        assert certified.degrees_of_freedom == case.m - case.n
    assert certified.residual_std_dev == pytest.approx(
        math.sqrt(certified.residual_sum_of_squares / (case.m - case.n)),
        rel=1e-9)
    r = case.residuals(certified.params)
    rss = math.fsum(r * r)
    if case.about["dataset"] == "Lanczos1":
        # Its certified RSS, 1.4e-25, is below what parameters printed
        # to 11 digits can reproduce: only its order of magnitude is
        # checkable here.
        assert rss < 1e-19
    else:
        # Certified values have 10-11 significant digits.
        assert rss == pytest.approx(certified.residual_sum_of_squares,
                                    rel=1e-9)


@pytest.mark.parametrize("case", nist_cases()[::2], ids=lambda c: c.name)
def test_nist_jacobians_match_central_differences(case):
    b = np.array(case.certified.params)
    jacobian = case.jacobian(b)
    assert jacobian.shape == (case.m, case.n)
    for j in range(case.n):
        h = 1e-6 * abs(b[j])
        step = np.zeros(case.n)
        step[j] = h
        numeric = (case.residuals(b + step) - case.residuals(b - step)) / (2 * h)
        scale = np.max(np.abs(jacobian[:, j]))
        # Central differences are accurate to about h**2 and eps/h.
        assert np.max(np.abs(numeric - jacobian[:, j])) <= 1e-6 * scale, j


def test_nist_data_shapes():
    for case in nist_cases():
        x, y = case.about["x"], case.about["y"]
        assert y.shape == (case.m,)
        assert x.shape == ((2, case.m) if case.about["dataset"] == "Nelson"
                           else (case.m,))
        assert case.lmder is None and case.lmdif is None
