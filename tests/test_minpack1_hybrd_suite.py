"""MINPACK-1's HYBRD and HYBRJ test suites: fsolve EXACT on every case.

The reference (src/pyminpack/testing/data/minpack1_hybrd_reference.json)
is what the original Fortran drivers (file15 and file16 on the file21
cases) computed with the vendored MINPACK, recorded to the bit by
tools/make_reference_hybrd_lmstr.py.
"""

import numpy as np
import pytest

from pyminpack import fsolve
from pyminpack.testing import minpack1_equation_cases
from pyminpack.testing._hybrd_problems import initpt

CASES = minpack1_equation_cases()


def hexes(vector):
    return [float(v).hex() for v in vector]


def test_the_suite_has_every_case_of_file21():
    assert len(CASES) == 55
    assert len({case.name for case in CASES}) == 55
    assert {case.about["problem"] for case in CASES} == set(range(1, 15))


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_the_translation_starts_where_the_fortran_did(case):
    x0 = initpt(case.n, case.about["problem"], case.about["factor"])
    assert hexes(x0) == hexes(case.x0)
    assert hexes(case.func(case.x0)) == hexes(case.fvec0)


@pytest.mark.parametrize("with_jacobian", [False, True],
                         ids=["hybrd", "hybrj"])
@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_fsolve_is_exact(case, with_jacobian):
    fprime = case.jacobian if with_jacobian else None
    x, info, ier, mesg = fsolve(case.func, case.x0, fprime=fprime,
                                full_output=True, **case.options)
    ref = case.reference(with_jacobian)
    assert (ier, info["nfev"], info.get("njev")) == (ref.info, ref.nfev,
                                                     ref.njev)
    assert hexes(x) == hexes(ref.x)
    assert hexes(info["fvec"]) == hexes(ref.fvec)


def test_case_data_cannot_be_modified():
    with pytest.raises(ValueError):
        CASES[0].x0[0] = 1.0
    assert not np.asarray(CASES[0].options["diag"]).flags.writeable
