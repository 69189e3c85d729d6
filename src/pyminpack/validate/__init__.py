"""Validate another MINPACK against the original Fortran.

``python -m pyminpack.validate MODULE:FUNCTION`` runs a leastsq-compatible
function on the cases of :mod:`pyminpack.testing` with and without the
Jacobian and judges every run EXACT, SAME or DIFF against the reference;
for a DIFF it shows where the run's evaluation points first leave
pyminpack's.  ``--export`` and ``--compare`` do the same for ports that
are not Python.  See ``--help`` and the user guide's "Validating a MINPACK
port" (docs/guide/validating.md).
"""

from ._cli import main
from ._validate import References, compare_results, validate_target
from ._verdict import SAME_MAX_ULPS, Departure, Verdict

__all__ = ["main", "validate_target", "compare_results", "References",
           "Verdict", "Departure", "SAME_MAX_ULPS"]
