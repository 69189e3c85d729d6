"""Spec §4-§7 side by side with scipy.optimize.leastsq.

scipy 1.14.1 (the test extra's pin) is the last release that ran the
original Fortran MINPACK: against it every result must agree to the last
bit.  Later scipy releases run a C translation; against those only the
tolerant comparisons run, and the bitwise ones are skipped.
"""

import warnings

import numpy as np
import pytest

scipy_optimize = pytest.importorskip("scipy.optimize")
import scipy  # noqa: E402

from pyminpack import leastsq  # noqa: E402
from scipy_kind import (  # noqa: E402
    FORTRAN_SCIPY, SCIPY_IPVT_OFFSET, as_scipy_1_14_wrote_it)
from problems import PROBLEMS  # noqa: E402

bitwise = pytest.mark.skipif(
    not FORTRAN_SCIPY,
    reason=f"scipy {scipy.__version__} does not run the Fortran MINPACK")

VARIANTS = {
    "lmdif": {},
    "lmder": {"jac": True},
    "lmder_col_deriv": {"jac": True, "col_deriv": True},
    "lmdif_diag": {"diag": True},
    "lmdif_factor_1": {"factor": 1.0},
    "lmdif_epsfcn": {"epsfcn": 1e-10},
    "lmder_loose": {"jac": True, "ftol": 1e-4, "xtol": 1e-4},
    "lmdif_gtol": {"gtol": 0.5},
    "lmdif_maxfev": {"maxfev": 9},
}


def both(problem, variant):
    spec = VARIANTS[variant]
    options = {key: spec[key] for key in ("ftol", "xtol", "gtol", "maxfev",
                                          "epsfcn", "factor") if key in spec}
    if spec.get("diag"):
        options["diag"] = np.linspace(0.5, 2.0, problem.x0.size)
    if spec.get("jac"):
        col_deriv = spec.get("col_deriv", False)
        options["Dfun"] = problem.jac_transposed if col_deriv else problem.jac
        options["col_deriv"] = col_deriv
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        ours = leastsq(problem.func, problem.x0, problem.args,
                       full_output=True, **options)
        theirs = scipy_optimize.leastsq(problem.func, problem.x0,
                                        problem.args, full_output=True,
                                        **options)
    return ours, theirs


CASES = [(p, v) for p in PROBLEMS for v in VARIANTS]
IDS = [f"{p.name}-{v}" for p, v in CASES]


@pytest.mark.parametrize("problem, variant", CASES, ids=IDS)
def test_same_ier_nfev_and_message(problem, variant):
    if not FORTRAN_SCIPY and variant.startswith("lmdif"):
        pytest.skip("scipy's C translation takes other finite-difference "
                    "steps (see test_same_solution_as_scipys_c_translation)")
    (x, cov, info, mesg, ier), (sx, scov, sinfo, smesg, sier) = both(
        problem, variant)
    assert ier == sier
    assert mesg == smesg
    assert info["nfev"] == sinfo["nfev"]
    assert info.get("njev") == sinfo.get("njev")
    assert list(info) == list(sinfo)


@pytest.mark.skipif(FORTRAN_SCIPY, reason="the bitwise comparison is stronger")
@pytest.mark.parametrize("problem, variant",
                         [c for c in CASES if c[1] != "lmdif_maxfev"],
                         ids=[i for i in IDS if not i.endswith("maxfev")])
def test_same_solution_as_scipys_c_translation(problem, variant):
    """scipy >= 1.15 runs a C translation whose machine epsilon is
    DBL_EPSILON, not dpmpar's 2.22044604926e-16, so its forward-difference
    steps differ from the Fortran's and the two walk slightly different
    paths: they agree on the solution to the convergence tolerance (xtol
    ~1.5e-8 relative), not to the last bit.  (A fit stopped by maxfev has no
    such common limit and is left out.)"""
    (x, cov, info, mesg, ier), (sx, scov, sinfo, smesg, sier) = both(
        problem, variant)
    np.testing.assert_allclose(x, sx, rtol=1e-6, atol=1e-12)
    np.testing.assert_allclose(info["fvec"], sinfo["fvec"], rtol=1e-5,
                               atol=1e-9)
    np.testing.assert_array_equal(info["ipvt"],
                                  sinfo["ipvt"] + SCIPY_IPVT_OFFSET)
    assert (cov is None) == (scov is None)
    if cov is not None:
        np.testing.assert_allclose(cov, scov, rtol=1e-6,
                                   atol=1e-6 * np.abs(scov).max())


@bitwise
@pytest.mark.parametrize("problem, variant", CASES, ids=IDS)
def test_bit_identical_to_fortran_scipy(problem, variant):
    (x, cov, info, mesg, ier), (sx, scov, sinfo, smesg, sier) = both(
        problem, variant)
    assert x.tobytes() == sx.tobytes()
    for key in ("fvec", "fjac", "qtf"):
        assert info[key].tobytes() == sinfo[key].tobytes(), key
    np.testing.assert_array_equal(info["ipvt"], sinfo["ipvt"])


@bitwise
@pytest.mark.parametrize("problem", PROBLEMS, ids=lambda p: p.name)
def test_cov_x_agrees_with_scipys_lapack_inverse_to_1e_12(problem):
    (x, cov, info, mesg, ier), (sx, scov, sinfo, smesg, sier) = both(
        problem, "lmder")
    # Same R (bitwise, above); only the triangular inverse differs in method.
    np.testing.assert_allclose(cov, scov, rtol=1e-12, atol=0)


def test_float32_output_uses_float32_epsilon_like_scipy():
    problem = PROBLEMS[2]

    def func32(x, *args):
        return problem.func(x, *args).astype(np.float32)

    ours = leastsq(func32, problem.x0, problem.args, full_output=True)
    theirs = scipy_optimize.leastsq(func32, problem.x0, problem.args,
                                    full_output=True)
    assert ours[4] == theirs[4] and ours[2]["nfev"] == theirs[2]["nfev"]
    if FORTRAN_SCIPY:
        assert ours[0].tobytes() == theirs[0].tobytes()
    else:
        np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-6)


def test_ier_0_raises_the_same_typeerror_as_scipy():
    problem = PROBLEMS[0]
    with pytest.raises(TypeError) as ours:
        leastsq(problem.func, problem.x0, factor=-1.0)
    with pytest.raises(TypeError) as theirs:
        scipy_optimize.leastsq(problem.func, problem.x0, factor=-1.0)
    assert str(ours.value) == as_scipy_1_14_wrote_it(
        str(theirs.value))


def test_n_greater_than_m_raises_the_same_typeerror_as_scipy():
    def func(x):
        return x[:1]

    with pytest.raises(TypeError) as ours:
        leastsq(func, [1.0, 2.0])
    with pytest.raises(TypeError) as theirs:
        scipy_optimize.leastsq(func, [1.0, 2.0])
    assert str(ours.value) == as_scipy_1_14_wrote_it(
        str(theirs.value))


def test_wrong_dfun_shape_raises_the_same_typeerror_as_scipy():
    problem = PROBLEMS[1]

    def jac(x, *args):
        return problem.jac(x, *args).T

    with pytest.raises(TypeError) as ours:
        leastsq(problem.func, problem.x0, problem.args, jac)
    with pytest.raises(TypeError) as theirs:
        scipy_optimize.leastsq(problem.func, problem.x0, problem.args, jac)
    assert str(ours.value) == as_scipy_1_14_wrote_it(
        str(theirs.value))
