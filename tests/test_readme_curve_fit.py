"""The README's "curve_fit" examples run as printed and do what it says."""

import contextlib
import io
import pathlib
import re

import numpy as np
import pytest

from pyminpack import curve_fit

README = pathlib.Path(__file__).resolve().parent.parent / "README.md"


def python_blocks():
    text = README.read_text(encoding="utf-8")
    start = text.index("## curve_fit")
    section = text[start:text.index("\n## ", start + 1)]
    return re.findall(r"```python\n(.*?)```", section, re.S)


def run(source):
    namespace = {}
    with contextlib.redirect_stdout(io.StringIO()) as out:
        exec(source, namespace)
    return namespace, out.getvalue()


def test_the_drop_in_import_is_the_first_block():
    assert python_blocks()[0].strip() == (
        "from pyminpack import curve_fit        # was: from scipy.optimize "
        "import curve_fit")


def test_single_curve_example_recovers_the_peak():
    namespace, _ = run(python_blocks()[1])
    popt, pcov = namespace["popt"], namespace["pcov"]
    errors = np.sqrt(np.diagonal(pcov))
    assert np.all(np.abs(popt - [1.5, 0.2, 0.7, 0.1]) < 5 * errors)


def test_batch_example_prints_what_its_comment_says():
    namespace, out = run(python_blocks()[2])
    assert out.splitlines()[0] == ("<BatchResult: 10000 fits of 4 "
                                   "parameters, 10000 converged>")
    popt, pcov = namespace["popt"], namespace["pcov"]
    alone = curve_fit(namespace["peak"], namespace["x"], namespace["y"][9],
                      [1.0, 0.0, 1.0, 0.0], np.full(50, 0.03),
                      absolute_sigma=True)
    assert alone[0].tobytes() == popt[9].tobytes()
    assert alone[1].tobytes() == pcov[9].tobytes()


def test_numba_engine_example_runs_the_batch_on_numba():
    pytest.importorskip("numba")
    namespace, _ = run(python_blocks()[2])
    numpy_popt, numpy_pcov = namespace["popt"], namespace["pcov"]
    with contextlib.redirect_stdout(io.StringIO()) as out:
        exec(python_blocks()[3], namespace)
    engine, seconds = out.getvalue().split()
    assert engine == "numba" and float(seconds) >= 0.0
    # The README's tolerance without a jac: 1e-3 standard errors.
    errors = np.sqrt(np.diagonal(numpy_pcov, axis1=1, axis2=2))
    assert (np.abs(namespace["popt"] - numpy_popt) / errors).max() <= 1e-3
