"""Errors from the batch functions name the public function called (never
leastsq, fsolve or _minpack inside fsolve_batch), and the batch kinds agree
on the edge cases one of them handles (n = 0)."""

import numpy as np
import pytest

from pyminpack import check_jacobian, fsolve_batch, leastsq_batch

X0 = np.full((2, 2), 3.0)


def shifted(x, *rows):
    return x - 1.0


def complex_values(x, *rows):
    return x + 0j


@pytest.mark.parametrize("vectorized", [False, True])
@pytest.mark.parametrize("option", [
    dict(band="ab"), dict(epsfcn="ab"), dict(xtol="ab"), dict(factor="ab"),
    dict(maxfev=10**30), dict(band=(2**40, 0))])
def test_fsolve_batch_option_errors_name_fsolve_batch(vectorized, option):
    with pytest.raises((TypeError, ValueError), match=r"^fsolve_batch: "):
        fsolve_batch(shifted, X0, vectorized=vectorized, **option)


def test_fsolve_batch_option_errors_raise_before_any_system_runs():
    # Checked once for the batch, not per system: no system, still checked.
    with pytest.raises(TypeError, match=r"^fsolve_batch: xtol"):
        fsolve_batch(shifted, np.empty((0, 2)), xtol="ab")


@pytest.mark.parametrize("jacobian", [False, True])
def test_vectorized_conversion_errors_name_fsolve_batch(jacobian):
    kwargs = dict(fprime=complex_values) if jacobian else {}
    func = shifted if jacobian else complex_values
    with pytest.raises(TypeError, match=r"^fsolve_batch: (func|fprime) "):
        fsolve_batch(func, X0, vectorized=True, **kwargs)


def test_vectorized_fsolve_batch_with_no_unknowns_is_improper_input():
    # As the plain kind (and fsolve): MINPACK's improper input, ier 0.
    plain = fsolve_batch(shifted, np.empty((3, 0)))
    vectorized = fsolve_batch(shifted, np.empty((3, 0)), vectorized=True)
    assert vectorized.x.shape == (3, 0)
    np.testing.assert_array_equal(vectorized.ier, plain.ier)
    np.testing.assert_array_equal(vectorized.ier, 0)
    assert vectorized.message(0) == plain.message(0)
