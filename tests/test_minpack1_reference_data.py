"""The MINPACK-1 reference that pyminpack.testing installs is whole.

tools/make_reference.py writes it (src/pyminpack/testing/data/
minpack1_reference.json) from the original Fortran drivers; these checks
catch a truncated or hand-edited file before the fidelity tests
(test_minpack1_suite.py) and the validator trust it.  They read the
installed copy, the one users get.
"""

import json
import math
from importlib import resources

import pytest

REFERENCE = resources.files("pyminpack.testing") / "data" / "minpack1_reference.json"

# file22 of the suite (netlib minpack/ex): problem, n, m, number of starting
# points (standard start times 1, 10, 100), for LMDER, LMSTR and LMDIF.
FILE22 = (
    (1, 5, 10, 1), (1, 5, 50, 1), (2, 5, 10, 1), (2, 5, 50, 1), (3, 5, 10, 1),
    (3, 5, 50, 1), (4, 2, 2, 3), (5, 3, 3, 3), (6, 4, 4, 3), (7, 2, 2, 3),
    (8, 3, 15, 3), (9, 4, 11, 3), (10, 3, 16, 2), (11, 6, 31, 3), (11, 9, 31, 3),
    (11, 12, 31, 3), (12, 3, 10, 1), (13, 2, 10, 1), (14, 4, 20, 3), (15, 1, 8, 3),
    (15, 8, 8, 1), (15, 9, 9, 1), (15, 10, 10, 1), (16, 10, 10, 3), (16, 30, 30, 1),
    (16, 40, 40, 1), (17, 5, 33, 1), (18, 11, 65, 1),
)

COMMON_KEYS = {"solver", "line", "problem", "n", "m", "factor", "info", "nfev",
               "driver_info", "driver_nfev", "driver_njev",
               "x0", "fvec0", "fnorm0", "x", "fvec", "fnorm"}


@pytest.fixture(scope="module")
def reference():
    return json.loads(REFERENCE.read_text())


def expected_cases(solver):
    """(solver, line, problem, n, m, factor) in the drivers' order."""
    return [(solver, line, problem, n, m, 10.0 ** k)
            for line, (problem, n, m, tries) in enumerate(FILE22, 1) for k in range(tries)]


def test_lines_are_file22(reference):
    assert [tuple(line) for line in reference["lines"]] == list(FILE22)


def test_53_lmder_and_53_lmdif_cases_in_driver_order(reference):
    got = [(c["solver"], c["line"], c["problem"], c["n"], c["m"], c["factor"])
           for c in reference["cases"]]
    assert got == expected_cases("lmder") + expected_cases("lmdif")
    assert len(got) == 106


def test_tolerance_is_sqrt_of_dpmpar_epsilon(reference):
    assert float.fromhex(reference["tol"]) == math.sqrt(2.22044604926e-16)


def test_case_fields(reference):
    for case in reference["cases"]:
        n, m = case["n"], case["m"]
        keys = set(COMMON_KEYS)
        if case["solver"] == "lmder":
            keys.add("njev")
            if case["factor"] == 1.0:
                keys.add("jac0")  # only from the standard start
        assert set(case) == keys, case["solver"] + str(case["line"])
        for name, size in (("x0", n), ("x", n), ("fvec0", m), ("fvec", m)):
            values = [float.fromhex(v) for v in case[name]]
            assert len(values) == size and all(map(math.isfinite, values))
        for name in ("fnorm0", "fnorm"):
            assert float.fromhex(case[name]) >= 0.0
        if "jac0" in case:
            assert [len(row) for row in case["jac0"]] == [n] * m
            assert all(math.isfinite(float.fromhex(v)) for row in case["jac0"] for v in row)


def test_counters_tell_one_story(reference):
    """Raw info and counters against what the shipped drivers printed."""
    for case in reference["cases"]:
        n = case["n"]
        assert 1 <= case["info"] <= 8
        # LMDER1/LMDIF1 report info 8 as 4.
        assert case["driver_info"] == (4 if case["info"] == 8 else case["info"])
        if case["solver"] == "lmder":
            maxfev = 100 * (n + 1)
            assert (case["driver_nfev"], case["driver_njev"]) == (case["nfev"], case["njev"])
        else:
            maxfev = 200 * (n + 1)
            # The LMDIF driver counts IFLAG=1 calls as NFEV and IFLAG=2 calls / n as
            # NJEV; LMDIF's own nfev counts both.
            assert case["nfev"] == case["driver_nfev"] + n * case["driver_njev"]
        # MINPACK sets info 5 exactly when nfev reaches maxfev.
        assert (case["info"] == 5) == (case["nfev"] >= maxfev)
