"""leastsq(Dfun_row=...): MINPACK's lmstr, its checks, and a fit in
bounded memory that lmder cannot run.

(The MINPACK-1 cases are in test_minpack1_lmstr_suite.py.)
"""

import json
import pathlib
import subprocess
import sys

import numpy as np
import pytest

from pyminpack import leastsq
from sanitizer import SANITIZED

TOOLS = pathlib.Path(__file__).resolve().parent.parent / "tools"

T = np.linspace(0.0, 3.0, 40)
Y = 2.5 * np.exp(-1.3 * T) + 0.1


def residuals(p):
    return p[0] * np.exp(-p[1] * T) + p[2] - Y


def jacobian(p):
    e = np.exp(-p[1] * T)
    return np.column_stack([e, -p[0] * T * e, np.ones_like(T)])


def row(p, i):
    return jacobian(p)[i]


def test_the_fit_agrees_with_lmders_and_has_its_results():
    x, cov, info, mesg, ier = leastsq(residuals, [1.0, 1.0, 0.0],
                                      Dfun_row=row, full_output=True)
    dx, dcov, dinfo, _, dier = leastsq(residuals, [1.0, 1.0, 0.0],
                                       Dfun=jacobian, full_output=True)
    assert ier in (1, 2, 3, 4) and dier in (1, 2, 3, 4)
    np.testing.assert_allclose(x, [2.5, 1.3, 0.1], rtol=1e-10)
    np.testing.assert_allclose(x, dx, rtol=1e-10)
    np.testing.assert_allclose(cov, dcov, rtol=1e-8)
    assert list(info) == ["fvec", "nfev", "njev", "fjac", "ipvt", "qtf"]
    assert info["fjac"].shape == (3, 3) and info["ipvt"].dtype == np.int32
    assert sorted(info["ipvt"]) == [1, 2, 3]


def test_rows_are_asked_for_in_order_at_one_x_each_evaluation():
    asked = []

    def recording_row(p, i):
        asked.append((p.tobytes(), i))
        return row(p, i)
    _, _, info, _, _ = leastsq(residuals, [1.0, 1.0, 0.0],
                               Dfun_row=recording_row, full_output=True)
    assert len(asked) == info["njev"] * T.size
    for k in range(info["njev"]):
        block = asked[k * T.size:(k + 1) * T.size]
        assert [i for _, i in block] == list(range(T.size))
        assert len({x for x, _ in block}) == 1


def test_extra_args_reach_dfun_row_after_the_index():
    seen = []

    def func(p, scale):
        return residuals(p) * scale

    def rows(p, i, scale):
        seen.append(scale)
        return row(p, i) * scale
    x, ier = leastsq(func, [1.0, 1.0, 0.0], args=(2.0,), Dfun_row=rows)
    assert set(seen) == {2.0}
    np.testing.assert_allclose(x, [2.5, 1.3, 0.1], rtol=1e-10)


@pytest.mark.parametrize("kwargs, pattern", [
    ({"Dfun": jacobian}, r"^leastsq: give Dfun .* or Dfun_row .*not both"),
    ({"callback": lambda x, f: None},
     r"^leastsq: callback= is not available with Dfun_row"),
])
def test_combinations_that_cannot_run(kwargs, pattern):
    with pytest.raises(TypeError, match=pattern):
        leastsq(residuals, [1.0, 1.0, 0.0], Dfun_row=row, **kwargs)


def test_a_dfun_row_that_is_not_callable():
    with pytest.raises(TypeError, match=r"^leastsq: Dfun_row must be a "
                                        r"Python callable, not int"):
        leastsq(residuals, [1.0, 1.0, 0.0], Dfun_row=3)


@pytest.mark.parametrize("output, error, pattern", [
    ([1.0, 2.0], ValueError,
     r"^leastsq: Dfun_row returned 2 values for row 0; a row of the "
     r"Jacobian has n = 3$"),
    ([1j, 2.0, 3.0], TypeError,
     r"^leastsq: Dfun_row 'bad' must return real numbers"),
    ([[1.0, 2.0, 3.0]], ValueError,
     r"^leastsq: Dfun_row 'bad' must return a 1-D array of values"),
])
def test_bad_rows_are_clear_errors(output, error, pattern):
    def bad(p, i):
        return output
    with pytest.raises(error, match=pattern):
        leastsq(residuals, [1.0, 1.0, 0.0], Dfun_row=bad)


def test_an_exception_in_dfun_row_propagates():
    class Stop(Exception):
        pass

    def bad(p, i):
        if i == 7:
            raise Stop("row 7")
        return row(p, i)
    with pytest.raises(Stop, match="row 7"):
        leastsq(residuals, [1.0, 1.0, 0.0], Dfun_row=bad)


@pytest.mark.skipif(SANITIZED, reason="ASan reserves terabytes of address "
                    "space: an address-space limit means nothing there")
def test_a_fit_lmder_cannot_run_in_the_same_address_space():
    """m = 3*10**4, n = 50 in a child whose address space is limited to
    what it uses after a warm-up plus 12 MB: lmder's Jacobian alone is
    11.4 MB (and the user's Dfun makes its own); lmstr keeps 50 x 50."""
    done = subprocess.run(
        [sys.executable, str(TOOLS / "lmstr_memory.py"), "--m", "30000",
         "--n", "50", "--limit-mb", "12"],
        capture_output=True, text=True, timeout=600, check=True)
    lmstr, lmder = (json.loads(line) for line in done.stdout.splitlines())
    assert lmstr["solver"] == "lmstr" and lmstr["ok"], lmstr
    assert lmstr["ier"] in (1, 2, 3, 4) and lmstr["max_error"] < 1e-10
    assert lmder["solver"] == "lmder" and not lmder["ok"], lmder
    assert lmder["error"].startswith("MemoryError")
