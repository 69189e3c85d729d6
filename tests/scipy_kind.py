"""Which scipy the tests compare with, and how.

scipy 1.14.1 (the test extra's pin) is the last release that ran the
Fortran MINPACK: against it the comparisons are bitwise.  Later releases
run a C translation (spec §15: agreement within tolerances only) and
return ipvt 0-based, and CI runs the suite on the newest one too
(tools/test_latest.sh).
"""

import scipy

SCIPY_VERSION = tuple(int(part) for part in scipy.__version__.split(".")[:2])
FORTRAN_SCIPY = SCIPY_VERSION < (1, 15)
# scipy >= 1.15 returns ipvt 0-based; MINPACK's (and ours) is 1-based.
SCIPY_IPVT_OFFSET = 0 if FORTRAN_SCIPY else 1


def as_scipy_1_14_wrote_it(message):
    """A scipy error message in scipy 1.14.1's words, which pyminpack
    keeps: scipy 1.18 put a space after the argument's name in the
    shape-mismatch TypeError ("'func'. Shape should be"), and that is the
    only change known; any other difference still fails a comparison."""
    return message.replace("'. Shape should be", "'.Shape should be").replace(
        "argument. Shape should be", "argument.Shape should be")
