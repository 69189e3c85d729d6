"""fsolve side by side with scipy.optimize.fsolve.

scipy 1.14.1 (the test extra's pin) runs the same Fortran hybrd/hybrj:
against it x, fvec, fjac, r, qtf, njev, ier and mesg agree to the last bit
and nfev is scipy's less two (scipy 1.14.1 calls func at x0 twice more, a
shape check and a sizing call, and counts both).  Against scipy >= 1.15 (a C translation) the bitwise tests are
skipped.
"""

import warnings

import numpy as np
import pytest

scipy_optimize = pytest.importorskip("scipy.optimize")
import scipy  # noqa: E402

from pyminpack import fsolve  # noqa: E402
from equation_problems import SYSTEMS  # noqa: E402

SCIPY_VERSION = tuple(int(part) for part in scipy.__version__.split(".")[:2])
bitwise = pytest.mark.skipif(
    SCIPY_VERSION >= (1, 15),
    reason=f"scipy {scipy.__version__} does not run the Fortran MINPACK")

VARIANTS = {
    "hybrd": {},
    "hybrj": {"jac": True},
    "hybrj_col_deriv": {"jac": True, "col_deriv": True},
    "hybrd_diag": {"diag": True},
    "hybrj_diag": {"jac": True, "diag": True},
    "hybrd_band": {"band": True},
    "hybrd_band_wide": {"band": (5, 7)},
    "hybrd_band_negative": {"band": (-1, 0)},
    "hybrd_factor_1": {"factor": 1.0},
    "hybrd_epsfcn": {"epsfcn": 1e-10},
    "hybrd_xtol": {"xtol": 1e-4},
    "hybrd_maxfev": {"maxfev": 7},
    "hybrj_maxfev": {"jac": True, "maxfev": 3},
}


def counting(func):
    def counted(x, *args):
        counted.calls += 1
        return func(x, *args)
    counted.calls = 0
    counted.__name__ = getattr(func, "__name__", "counted")
    return counted


def options_for(system, variant):
    spec = VARIANTS[variant]
    options = {key: spec[key] for key in ("xtol", "maxfev", "epsfcn",
                                          "factor") if key in spec}
    if spec.get("diag"):
        options["diag"] = np.linspace(0.5, 2.0, system.x0.size)
    if spec.get("jac"):
        col_deriv = spec.get("col_deriv", False)
        options["fprime"] = (system.jac_transposed if col_deriv
                             else system.jac)
        options["col_deriv"] = col_deriv
    band = spec.get("band")
    if band is True:
        band = system.band or (0, 0)
    if band is not None:
        options["band"] = band
    return options


def both(system, variant):
    options = options_for(system, variant)
    ours_func, theirs_func = counting(system.func), counting(system.func)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        ours = fsolve(ours_func, system.x0, full_output=True, **options)
        theirs = scipy_optimize.fsolve(theirs_func, system.x0,
                                       full_output=True, **options)
    return ours, theirs, ours_func.calls, theirs_func.calls


def bits(array):
    return np.asarray(array, dtype=np.float64).tobytes()


@bitwise
@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("system", SYSTEMS, ids=lambda s: s.name)
def test_every_result_is_scipys_to_the_bit(system, variant):
    (x, info, ier, mesg), (sx, sinfo, sier, smesg), calls, _ = both(
        system, variant)
    assert (ier, mesg) == (sier, smesg)
    assert type(ier) is int
    assert bits(x) == bits(sx)
    for key in ("fvec", "fjac", "r", "qtf"):
        assert info[key].shape == np.shape(sinfo[key]), key
        assert bits(info[key]) == bits(sinfo[key]), key
    assert list(info) == list(sinfo)
    assert info.get("njev") == sinfo.get("njev")
    # scipy's nfev counts its two extra calls at x0; ours is the calls made.
    assert info["nfev"] == sinfo["nfev"] - 2 == calls


@bitwise
@pytest.mark.parametrize("system", SYSTEMS, ids=lambda s: s.name)
def test_without_full_output_x_is_scipys(system):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        x = fsolve(system.func, system.x0)
        sx = scipy_optimize.fsolve(system.func, system.x0)
    assert bits(x) == bits(sx)


@pytest.mark.parametrize("variant", ["hybrd", "hybrj"])
@pytest.mark.parametrize("system", SYSTEMS, ids=lambda s: s.name)
def test_close_to_any_scipy(system, variant):
    (x, info, ier, _), (sx, sinfo, sier, _), _, _ = both(system, variant)
    if ier == sier == 1:
        np.testing.assert_allclose(system.func(x), 0.0, atol=1e-6)
        np.testing.assert_allclose(system.func(sx), 0.0, atol=1e-6)
