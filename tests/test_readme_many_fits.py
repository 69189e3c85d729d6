"""The README's "Many fits" examples run as printed, and the numba and the
C library versions of the same residuals give the same bits."""

import pathlib
import re
import shutil
import subprocess

import numpy as np
import pytest

README = pathlib.Path(__file__).resolve().parent.parent / "README.md"


def section():
    text = README.read_text(encoding="utf-8")
    start = text.index("## Many fits")
    return text[start:text.index("\n## ", start + 1)]


def blocks(language):
    return re.findall(rf"```{language}\n(.*?)```", section(), re.S)


def test_numba_example_runs_and_fits():
    pytest.importorskip("numba")  # tools/test_latest.sh may run without it
    namespace = {}
    exec(blocks("python")[0], namespace)
    result = namespace["result"]
    assert len(result) == 10_000 and result.success.all()
    x, ier = namespace["x"], namespace["ier"]
    np.testing.assert_array_equal(x, result.x[0])
    assert ier == result.ier[0]


@pytest.mark.skipif(shutil.which("cc") is None, reason="needs a C compiler")
def test_ctypes_example_gives_the_bits_of_the_numba_one(tmp_path,
                                                       monkeypatch):
    pytest.importorskip("numba")
    source = blocks("c")[1]
    (tmp_path / "decay.c").write_text(source)
    subprocess.run(["cc", "-O2", "-shared", "-fPIC", "decay.c", "-o",
                    "libdecay.so", "-lm"], cwd=tmp_path, check=True)
    monkeypatch.chdir(tmp_path)
    namespace = {}
    exec(blocks("python")[0], namespace)
    numba_result = namespace["result"]
    exec(blocks("python")[1], namespace)
    ctypes_result = namespace["result"]
    np.testing.assert_array_equal(ctypes_result.x, numba_result.x)
    np.testing.assert_array_equal(ctypes_result.nfev, numba_result.nfev)


def test_vectorized_example_runs_and_is_leastsq_per_curve():
    from pyminpack import leastsq
    namespace = {}
    exec(blocks("python")[2], namespace)
    fits, model, y = namespace["fits"], namespace["model"], namespace["y"]
    assert len(fits) == 10_000 and fits.success.all()
    for k in (0, 4321, 9999):
        x, ier = leastsq(lambda p, row: model(p[None], row[None])[0],
                         [1.0, 1.0, 0.0], args=(y[k],))
        np.testing.assert_array_equal(fits.x[k], x)
