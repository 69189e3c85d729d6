"""The user guide's fsolve, fsolve_batch (fsolve.md) and Dfun_row (lmstr.md)
examples run as printed and do what their comments say."""

import contextlib
import io
import numpy as np
import pytest

from doc_blocks import blocks
from pyminpack import fsolve


def run(source):
    namespace = {}
    with contextlib.redirect_stdout(io.StringIO()) as out:
        exec(source, namespace)
    return namespace, out.getvalue()


def test_fsolve_example_prints_what_its_comment_says():
    namespace, out = run(blocks("guide/fsolve.md")[0])
    assert out.strip() == ("[6.50409711 0.90841421] 1 The solution "
                           "converged.")
    assert namespace["root"].tobytes() == fsolve(
        namespace["equations"], [1, 1],
        fprime=namespace["jacobian"]).tobytes()


def test_fsolve_batch_example_prints_what_its_comment_says():
    pytest.importorskip("numba")
    namespace, out = run(blocks("guide/fsolve.md")[1])
    assert out.strip() == ("<BatchResult: 100000 systems of 2 unknowns, "
                           "100000 solved>")
    result, rows = namespace["result"], namespace["rows"]
    alone = fsolve(namespace["equations"], [6.0, 1.0], args=(rows[7],))
    assert alone.tobytes() == result.x[7].tobytes()


def test_dfun_row_example_recovers_the_parameters():
    namespace, out = run(blocks("guide/lmstr.md")[0])
    assert namespace["ier"] in (1, 2, 3)
    np.testing.assert_allclose(namespace["p"], [2.5, 1.3, 0.5], rtol=1e-9)
    assert out.startswith("[2.5 1.3 0.5]")
