"""The curve_fit examples of the user guide (curve_fit.md, many_fits.md)
run as printed and do what they say."""

import contextlib
import io
import numpy as np
import pytest

from doc_blocks import blocks
from pyminpack import curve_fit


def python_blocks():
    return [*blocks("guide/curve_fit.md"),
            *blocks("guide/many_fits.md",
                    heading="## Many curves: `curve_fit_batch`"),
            *blocks("guide/many_fits.md", heading="## The numba engine: "
                    "the same model at compiled speed, on every core")]


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
    namespace, out = run(python_blocks()[3])   # the same curves, alone
    assert out.splitlines()[0] == ("<BatchResult: 10000 fits of 4 "
                                   "parameters, 10000 converged>")
    engine, seconds = out.splitlines()[1].split()
    assert engine == "numba" and float(seconds) >= 0.0
    # The guide's tolerance without a jac: 1e-3 standard errors.
    errors = np.sqrt(np.diagonal(numpy_pcov, axis1=1, axis2=2))
    assert (np.abs(namespace["popt"] - numpy_popt) / errors).max() <= 1e-3
