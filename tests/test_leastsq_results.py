"""Spec §5-§7: return values, ier and messages, warnings, cov_x."""

import warnings

import numpy as np
import pytest

from pyminpack import leastsq
from problems import BY_NAME
from test_leastsq_inputs import exploding

UG = BY_NAME["users_guide"]
GAUSS = BY_NAME["gaussian"]
DECAY = BY_NAME["decay"]
LINEAR = BY_NAME["linear"]
RATIONAL = BY_NAME["rational"]

# One real fit for each ier MINPACK can return (found by running them).
IER_CASES = {
    1: (UG, False, {}),
    2: (DECAY, False, {"ftol": 0.1, "xtol": 0.1}),
    3: (GAUSS, False, {}),
    4: (UG, False, {"gtol": 0.9}),
    6: (UG, False, {"ftol": 0.0, "xtol": 0.0}),
    7: (RATIONAL, False, {"ftol": 0.0, "xtol": 0.0}),
    8: (LINEAR, True, {"ftol": 0.0, "xtol": 0.0}),
}


def run(ier, full_output):
    problem, with_jacobian, options = IER_CASES[ier]
    jac = problem.jac if with_jacobian else None
    return leastsq(problem.func, problem.x0, problem.args, jac, full_output,
                   **options)


# --- the shapes of what comes back --------------------------------------------

def test_without_full_output_returns_x_and_a_python_int():
    result = leastsq(UG.func, UG.x0)
    assert isinstance(result, tuple) and len(result) == 2
    x, ier = result
    assert type(ier) is int and ier == 1
    assert x.shape == (3,) and x.dtype == np.float64


@pytest.mark.parametrize("with_jacobian", [False, True])
def test_full_output_returns_five_items_and_infodict_in_order(with_jacobian):
    jac = GAUSS.jac if with_jacobian else None
    x, cov_x, info, mesg, ier = leastsq(GAUSS.func, GAUSS.x0, GAUSS.args, jac,
                                        full_output=True)
    keys = ["fvec", "nfev", "njev", "fjac", "ipvt", "qtf"]
    if not with_jacobian:
        keys.remove("njev")
    assert list(info) == keys
    m, n = 50, 3
    assert info["fvec"].shape == (m,) and info["fvec"].dtype == np.float64
    assert info["fjac"].shape == (n, m) and info["fjac"].dtype == np.float64
    assert info["ipvt"].shape == (n,) and info["ipvt"].dtype == np.int32
    assert info["qtf"].shape == (n,) and info["qtf"].dtype == np.float64
    assert type(info["nfev"]) is int and type(ier) is int
    assert cov_x.shape == (n, n) and isinstance(mesg, str)
    np.testing.assert_array_equal(info["fvec"], GAUSS.func(x, *GAUSS.args))


def test_ipvt_is_one_based_and_fjac_holds_r_of_j_p():
    x, cov_x, info, mesg, ier = leastsq(LINEAR.func, LINEAR.x0,
                                        Dfun=LINEAR.jac, full_output=True)
    ipvt = info["ipvt"]
    n = ipvt.size
    assert sorted(ipvt.tolist()) == list(range(1, n + 1))
    r = np.triu(info["fjac"].T[:n])
    jp = LINEAR.jac(x)[:, ipvt - 1]
    np.testing.assert_allclose(r.T @ r, jp.T @ jp, rtol=1e-13)


def test_ier_0_with_full_output_returns_zeros_not_garbage():
    x, cov_x, info, mesg, ier = leastsq(GAUSS.func, GAUSS.x0, GAUSS.args,
                                        full_output=True, ftol=-1.0)
    assert ier == 0 and cov_x is None and mesg == "Improper input parameters."
    assert info["nfev"] == 0
    for key in ("fvec", "fjac", "ipvt", "qtf"):
        assert not info[key].any(), key
    np.testing.assert_array_equal(x, GAUSS.x0)


# --- ier and mesg ---------------------------------------------------------------

MESSAGES = {
    1: "Both actual and predicted relative reductions in the sum of squares\n"
       "  are at most {ftol}",
    2: "The relative error between two consecutive iterates is at most {xtol}",
    3: "Both actual and predicted relative reductions in the sum of squares\n"
       "  are at most {ftol} and the relative error between two consecutive "
       "iterates is at \n  most {xtol}",
    4: "The cosine of the angle between func(x) and any column of the\n"
       "  Jacobian is at most {gtol} in absolute value",
    6: "ftol={ftol} is too small, no further reduction in the sum of squares"
       "\n  is possible.",
    7: "xtol={xtol} is too small, no further improvement in the approximate\n"
       "  solution is possible.",
    8: "gtol={gtol} is too small, func(x) is orthogonal to the columns of\n"
       "  the Jacobian to machine precision.",
}


@pytest.mark.parametrize("ier", sorted(IER_CASES))
def test_each_ier_has_scipys_exact_message(ier):
    problem, with_jacobian, options = IER_CASES[ier]
    x, cov_x, info, mesg, got = run(ier, True)
    assert got == ier
    values = {"ftol": 1.49012e-08, "xtol": 1.49012e-08, "gtol": 0.0, **options}
    expected = MESSAGES[ier].format(**{k: f"{v:f}" for k, v in values.items()})
    assert mesg == expected


def test_messages_use_the_f_format_of_the_value_passed():
    x, cov_x, info, mesg, ier = leastsq(DECAY.func, DECAY.x0, DECAY.args,
                                        full_output=True, ftol=0.25,
                                        xtol=0.125)
    assert ier == 2
    assert mesg.endswith("is at most 0.125000")
    x, cov_x, info, mesg, ier = leastsq(UG.func, UG.x0, full_output=True,
                                        gtol=0.9)
    assert "at most 0.900000 in absolute value" in mesg


def test_maxfev_message_uses_the_value_after_substitution():
    x, cov_x, info, mesg, ier = leastsq(exploding, [1.0], full_output=True,
                                        maxfev=7)
    assert ier == 5
    assert mesg == "Number of calls to function has reached maxfev = 7."


@pytest.mark.parametrize("ier", [1, 2, 3, 4])
def test_success_without_full_output_neither_warns_nor_raises(ier):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x, got = run(ier, False)
    assert got == ier


@pytest.mark.parametrize("ier", [6, 7, 8])
def test_failure_without_full_output_warns_at_the_callers_line(ier):
    with pytest.warns(RuntimeWarning) as record:
        x, got = run(ier, False)
    assert got == ier and len(record) == 1
    assert record[0].filename == __file__
    problem, _, options = IER_CASES[ier]
    assert str(record[0].message) == run(ier, True)[3]


def test_maxfev_failure_warns_at_the_callers_line():
    with pytest.warns(RuntimeWarning, match="maxfev = 9") as record:
        x, ier = leastsq(exploding, [1.0], maxfev=9)
    assert ier == 5 and record[0].filename == __file__


@pytest.mark.parametrize("ier", [5, 6, 7, 8])
def test_failure_with_full_output_returns_without_warning_and_no_cov(ier):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        if ier == 5:
            result = leastsq(exploding, [1.0], maxfev=9, full_output=True)
        else:
            result = run(ier, True)
    assert result[4] == ier and result[1] is None


# --- cov_x -------------------------------------------------------------------------

def test_cov_x_is_the_inverse_of_jt_j_for_a_linear_problem():
    x, cov_x, info, mesg, ier = leastsq(LINEAR.func, LINEAR.x0,
                                        Dfun=LINEAR.jac, full_output=True)
    a = LINEAR.jac(x)
    expected = np.linalg.inv(a.T @ a)
    np.testing.assert_allclose(cov_x, expected, rtol=1e-12)


@pytest.mark.parametrize("problem", [UG, GAUSS, DECAY], ids=lambda p: p.name)
def test_cov_x_is_exactly_symmetric_and_matches_the_r_factor(problem):
    x, cov_x, info, mesg, ier = leastsq(problem.func, problem.x0,
                                        problem.args, problem.jac,
                                        full_output=True)
    assert np.array_equal(cov_x, cov_x.T)
    n = x.size
    r = np.triu(info["fjac"].T[:n])
    p = np.eye(n)[:, info["ipvt"] - 1]
    # J P = Q R  =>  J^T J = P R^T R P^T
    np.testing.assert_allclose(np.linalg.inv(p @ r.T @ r @ p.T), cov_x,
                               rtol=1e-10)


def test_cov_x_is_none_when_r_is_singular():
    def func(x):
        return np.array([x[0] - 1.0, x[0] + 1.0, 2.0 * x[0]])  # x[1] unused

    x, cov_x, info, mesg, ier = leastsq(func, [0.0, 0.0], full_output=True)
    assert ier in (1, 2, 3, 4) and cov_x is None
    assert 0.0 in np.diagonal(np.triu(info["fjac"].T[:2]))
