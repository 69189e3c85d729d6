"""check_jacobian: MINPACK's CHKDER on func and Dfun.

CHKDER is deterministic, so what it says about a Jacobian at a point is a
fact to test, not a tendency: the correct Jacobians of these problems pass
at their starts, and scaling any one column by 1.5 flags exactly the
residuals that depend on that parameter.  (At some other starts, e.g. the
linear problems at x = 1, CHKDER itself flags correct gradients: the loss
of significance its documentation warns about.)
"""

import numpy as np
import pytest

from pyminpack import JacobianCheck, check_jacobian
from pyminpack.testing import all_cases

RELIABLE = ("mgh04-n2-m2-x10", "mgh08-n3-m15-x1", "mgh09-n4-m11-x10",
            "mgh17-n5-m33-x1", "Misra1a-start1", "Rat43-start2")
CASES = {case.name: case for case in all_cases() if case.name in RELIABLE}


def test_the_chosen_cases_exist():
    assert sorted(CASES) == sorted(RELIABLE)


@pytest.mark.parametrize("name", RELIABLE)
def test_correct_jacobians_pass(name):
    case = CASES[name]
    check = check_jacobian(case.residuals, case.jacobian, case.x0)
    assert isinstance(check, JacobianCheck)
    assert check.err.shape == (case.m,)
    assert np.all((check.err >= 0.5) & (check.err <= 1.0))
    assert check.suspect.size == 0


@pytest.mark.parametrize("name", RELIABLE)
def test_one_wrong_column_flags_the_rows_it_is_in(name):
    case = CASES[name]
    for column in range(case.n):
        def wrong(x):
            jacobian = np.array(case.jacobian(x))
            jacobian[:, column] *= 1.5
            return jacobian
        check = check_jacobian(case.residuals, wrong, case.x0)
        depends = np.flatnonzero(case.jacobian(case.x0)[:, column] != 0.0)
        assert check.suspect.tolist() == depends.tolist(), column
        assert np.all(check.err[depends] < 0.5)


def test_col_deriv_and_args():
    case = CASES["mgh08-n3-m15-x1"]
    check = check_jacobian(lambda x, s: case.residuals(x) * s,
                           lambda x, s: case.jacobian(x).T * s, case.x0,
                           args=(2.0,), col_deriv=True)
    assert check.suspect.size == 0


def test_the_nearby_point_is_chkders():
    """func is called at x0 and at x0_j + sqrt(eps)*|x0_j| (sqrt(eps)
    where x0_j is 0), eps being dpmpar(1)'s."""
    points = []

    def func(x):
        points.append(x.copy())
        return np.array([x[0] * x[1], x[0] + x[1]])
    check_jacobian(func, lambda x: np.array([[x[1], x[0]], [1.0, 1.0]]),
                   [3.0, 0.0])
    step = 2.22044604926e-16 ** 0.5
    assert points[0].tolist() == [3.0, 0.0]
    assert points[1].tolist() == [3.0 + step * 3.0, step]


def test_a_wrong_shape_is_a_type_error():
    case = CASES["mgh08-n3-m15-x1"]
    with pytest.raises(TypeError, match=r"shape \(3, 15\), expected \(15, 3\)"):
        check_jacobian(case.residuals, lambda x: case.jacobian(x).T, case.x0)
    with pytest.raises(TypeError, match="Dfun must be callable"):
        check_jacobian(case.residuals, None, case.x0)


def refuses(*args):
    raise AssertionError("called, though the input was refused")


def test_an_empty_x0_is_refused_before_any_call():
    with pytest.raises(ValueError, match="check_jacobian: x0 is empty"):
        check_jacobian(refuses, refuses, [])
    with pytest.raises(ValueError, match="check_jacobian: x0 is empty"):
        check_jacobian(refuses, refuses, np.empty((3, 0)))


def test_no_residuals_are_refused_before_dfun_is_called():
    with pytest.raises(ValueError, match="check_jacobian: func returned no "
                                         "residuals"):
        check_jacobian(lambda x: np.empty(0), refuses, [1.0, 2.0])


# CHKDER's err for one parameter at x0 = 1 and residuals f at x0, fp at
# xp = 1 + eps (eps = sqrt(epsmch)): with J the Jacobian there,
#   temp = eps * |(fp - f)/eps - J| / (|f| + |fp|)
#   err  = (log10(temp) - log10(eps)) / log10(eps)
# so err = 0.5 where temp = eps**1.5.  With f = 1, fp = 1 + 2**-40 (far
# enough apart for CHKDER to compare them) and J near (fp - f)/eps + temp's
# target, consecutive doubles J step temp by about one part in 10**16, and
# err takes every value it can near 0.5: 0.5 itself and its neighbours.
_EPS = np.sqrt(2.22044604926e-16)  # dpmpar(1)'s epsmch
_F, _FP = 1.0, 1.0 + 2.0 ** -40
_J0 = (_FP - _F) / _EPS + np.sqrt(_EPS) * (abs(_F) + abs(_FP))
_J = _J0 + np.arange(-200, 201) * np.spacing(_J0)


def test_suspect_is_err_below_one_half_exactly():
    check = check_jacobian(
        lambda x: np.full(_J.size, _F if x[0] == 1.0 else _FP),
        lambda x: _J[:, None], [1.0])
    err = check.err
    below, above = err[err < 0.5].max(), err[err > 0.5].min()
    # Every value CHKDER can give near 0.5 is there: 0.5 itself, and its
    # neighbours a rounding step away on each side.
    assert (err == 0.5).sum() >= 1
    assert 0.5 - below < 1e-15 and above - 0.5 < 1e-15
    assert check.suspect.tolist() == np.flatnonzero(err < 0.5).tolist()
    suspect = set(check.suspect.tolist())
    assert suspect.isdisjoint(np.flatnonzero(err == 0.5).tolist())
    assert suspect.isdisjoint(np.flatnonzero(err == above).tolist())
    assert suspect >= set(np.flatnonzero(err == below).tolist())


def test_a_nonfinite_x0_is_refused_before_any_call():
    for bad in (np.nan, np.inf, -np.inf):
        with pytest.raises(ValueError, match=r"check_jacobian: x0 must be "
                                             r"finite, but entry 1 is"):
            check_jacobian(refuses, refuses, [1.0, bad])


_T = np.linspace(0.0, 1.0, 4)


def _model(p):
    return p[0] * np.exp(p[1] * _T)


def _gradients(p):
    e = np.exp(p[1] * _T)
    return np.column_stack([e, p[0] * _T * e])


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_a_residual_whose_numbers_are_not_finite_is_suspect(bad):
    """CHKDER's arithmetic on a NaN gradient, or an infinite residual at
    the nearby point, gives err = 1, 'correct': such a residual is err 0,
    suspect, and the others are judged as before."""
    def jacobian(p):
        j = _gradients(p)
        j[1, 1] = bad
        return j

    def model(p):
        f = _model(p)
        if p[0] != 1.0:  # at the nearby point only
            f[2] = bad
        return f
    good = check_jacobian(_model, _gradients, [1.0, 0.5])
    assert good.suspect.size == 0 and np.all(good.err > 0.5)
    check = check_jacobian(_model, jacobian, [1.0, 0.5])
    assert check.err[1] == 0.0 and check.suspect.tolist() == [1]
    np.testing.assert_array_equal(check.err[[0, 2, 3]], good.err[[0, 2, 3]])
    check = check_jacobian(model, _gradients, [1.0, 0.5])
    assert check.err[2] == 0.0 and check.suspect.tolist() == [2]
    np.testing.assert_array_equal(check.err[[0, 1, 3]], good.err[[0, 1, 3]])


def test_another_number_of_residuals_at_the_nearby_point_is_refused():
    def changing(x):
        return np.ones(3) if x[0] == 1.0 else np.ones(4)
    with pytest.raises(ValueError, match=r"check_jacobian: func returned 3 "
                                         r"residuals at x0 but 4 at the "
                                         r"nearby point"):
        check_jacobian(changing, lambda x: np.ones((3, 1)), [1.0])


def test_a_one_parameter_jacobian_may_be_one_dimensional():
    # As leastsq's Dfun: for n = 1, the (m,) column is the (m, 1) Jacobian.
    t = np.linspace(0.5, 1.5, 5)
    check = check_jacobian(lambda p: p[0] * t * t, lambda p: t * t, [0.7])
    np.testing.assert_array_equal(
        check.err, check_jacobian(lambda p: p[0] * t * t,
                                  lambda p: (t * t)[:, None], [0.7]).err)
    assert check.suspect.size == 0
