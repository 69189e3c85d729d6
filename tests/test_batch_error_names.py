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
