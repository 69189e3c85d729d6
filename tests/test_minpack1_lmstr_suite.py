"""MINPACK-1's LMSTR test suite: leastsq(Dfun_row=...) EXACT on every case.

The reference (src/pyminpack/testing/data/minpack1_lmstr_reference.json)
is what the original Fortran driver (file18 on file22's 28 lines, the 18
problems of the LMDER suite) computed with the vendored MINPACK, recorded
to the bit by tools/make_reference_hybrd_lmstr.py.  file18's FCN computes
the whole Jacobian (SSQJAC) when asked for row 1 and hands out its rows
afterwards; rows_of does the same with the Python SSQJAC.
"""

import pytest

from pyminpack import leastsq
from pyminpack.testing import minpack1_cases

CASES = minpack1_cases()


def hexes(vector):
    return [float(v).hex() for v in vector]


def rows_of(jacobian):
    """Dfun_row from a whole-Jacobian function, computed once per x."""
    held = {}

    def row(x, i):
        if i == 0 or "jac" not in held:
            held["jac"] = jacobian(x)
        return held["jac"][i]
    return row


def test_every_case_has_an_lmstr_reference():
    assert len(CASES) == 53
    assert all(case.lmstr is not None for case in CASES)
    assert all(case.lmstr.njev is not None for case in CASES)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_leastsq_with_rows_is_exact(case):
    x, cov_x, info, mesg, ier = leastsq(
        case.residuals, case.x0, Dfun_row=rows_of(case.jacobian),
        full_output=True, **case.options)
    ref = case.lmstr
    assert (ier, info["nfev"], info["njev"]) == (ref.info, ref.nfev,
                                                 ref.njev)
    assert hexes(x) == hexes(ref.x)
    assert hexes(info["fvec"]) == hexes(ref.fvec)
    assert info["fjac"].shape == (case.n, case.n)
