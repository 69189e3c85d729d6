"""The real cube of the issue (tools/real_cube.py: pyspeckit's HCN map,
246 channels x 37 x 47 pixels, 410 empty, an rms map NaN there, starts
NaN there), fitted as it comes in one call: every pixel with data is
``curve_fit`` on its spectrum to the bit, the empty ones are reported.

Runs when the cube is in the benchmark cache (``python tools/real_cube.py``
fetches it once); the suite itself never downloads it.
"""

import pathlib
import sys
import warnings

import numpy as np
import pytest

from pyminpack import OptimizeWarning, curve_fit, curve_fit_batch

TOOLS = pathlib.Path(__file__).resolve().parent.parent / "tools"
sys.path.insert(0, str(TOOLS))
real_cube = pytest.importorskip("real_cube")

if not sorted(real_cube.cache_folder().glob(
        f"{real_cube.PACKAGE}-{real_cube.VERSION}.tar.gz")):
    pytest.skip("the real cube is not cached (python tools/real_cube.py)",
                allow_module_level=True)


def test_the_real_cube_in_one_call_is_curve_fit_per_pixel():
    velocity, cube, rms = real_cube.load()
    velocity, cube = velocity[real_cube.CHANNELS], cube[real_cube.CHANNELS]
    p0 = real_cube.starts(velocity, cube)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OptimizeWarning)
        popt, pcov, result = curve_fit_batch(
            real_cube.gaussian, velocity, cube, p0, sigma=rms, axis=0,
            nan_policy="omit")
    assert popt.shape == (37, 47, 4) and result.shape == (37, 47)
    empty = np.isnan(cube).all(axis=0)
    assert empty.sum() == 410
    assert (result.ier[empty] == 0).all() and (result.nfev[empty] == 0).all()
    assert np.isnan(result.perr[empty]).all()
    for i, j in zip(*np.nonzero(~empty)):
        spectrum = cube[:, i, j]
        keep = np.isfinite(spectrum)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", OptimizeWarning)
                expected = curve_fit(real_cube.gaussian, velocity[keep],
                                     spectrum[keep], p0[i, j], rms[i, j])
        except RuntimeError:
            assert not result.success[i, j] and np.isnan(popt[i, j]).all()
            continue
        assert popt[i, j].tobytes() == expected[0].tobytes(), (i, j)
        assert pcov[i, j].tobytes() == expected[1].tobytes(), (i, j)
