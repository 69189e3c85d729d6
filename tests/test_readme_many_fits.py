"""The user guide's compiled-callback examples (compiled.md) and vectorized
example (many_fits.md) run as printed, and the numba and the C library
versions of the same residuals give the same bits."""

import shutil

import numpy as np
import pytest

from doc_blocks import blocks


def test_numba_example_runs_and_fits():
    pytest.importorskip("numba")  # tools/test_latest.sh may run without it
    namespace = {}
    exec(blocks("guide/compiled.md")[0], namespace)
    result = namespace["result"]
    assert len(result) == 10_000 and result.success.all()
    x, ier = namespace["x"], namespace["ier"]
    np.testing.assert_array_equal(x, result.x[0])
    assert ier == result.ier[0]


@pytest.mark.skipif(shutil.which("cc") is None, reason="needs a C compiler")
def test_ctypes_example_gives_the_bits_of_the_numba_one(tmp_path,
                                                       monkeypatch):
    pytest.importorskip("numba")
    # The C example writes and builds its library in the current folder.
    monkeypatch.chdir(tmp_path)
    numba_namespace, ctypes_namespace = {}, {}
    exec(blocks("guide/compiled.md")[0], numba_namespace)
    exec(blocks("guide/compiled.md")[1], ctypes_namespace)
    numba_result = numba_namespace["result"]
    ctypes_result = ctypes_namespace["result"]
    np.testing.assert_array_equal(ctypes_result.x, numba_result.x)
    np.testing.assert_array_equal(ctypes_result.nfev, numba_result.nfev)


def test_vectorized_example_runs_and_is_leastsq_per_curve():
    from pyminpack import leastsq
    namespace = {}
    exec(blocks("guide/many_fits.md", heading="## Vectorized numpy models")[0],
         namespace)
    fits, model, y = namespace["fits"], namespace["model"], namespace["y"]
    assert len(fits) == 10_000 and fits.success.all()
    for k in (0, 4321, 9999):
        x, ier = leastsq(lambda p, row: model(p[None], row[None])[0],
                         [1.0, 1.0, 0.0], args=(y[k],))
        np.testing.assert_array_equal(fits.x[k], x)
