"""Test problems with reference results, for pyminpack and other MINPACKs.

- :func:`minpack1_cases`: the 53 cases of MINPACK-1's own test suite (18
  problems of Moré, Garbow and Hillstrom, 1981, from standard starts
  scaled by 1, 10 and 100), each with the original Fortran drivers'
  results for lmder and lmdif, every double exact.
- :func:`nist_cases`: the 27 NIST StRD nonlinear regression problems from
  NIST's two starts (54 cases), with the data, model, Jacobian and NIST's
  certified parameters, standard deviations and residual sum of squares.

Every case is a :class:`Case`; its ``residuals(x)`` and ``jacobian(x)``
take the parameters alone, so any leastsq-shaped function can run it::

    from pyminpack import leastsq
    from pyminpack.testing import minpack1_cases

    case = minpack1_cases()[0]
    x, cov_x, info, mesg, ier = leastsq(case.residuals, case.x0,
                                        Dfun=case.jacobian,
                                        full_output=True, **case.options)
    assert x.tobytes() == case.lmder.x.tobytes()

``python -m pyminpack.validate`` runs them all against another MINPACK.
"""

from ._case import Case, Certified, Result
from ._minpack1 import cases as _minpack1_cases
from ._minpack1_problems import enorm
from ._nist import cases as _nist_cases

__all__ = ["Case", "Certified", "Result", "enorm", "minpack1_cases",
           "nist_cases", "all_cases"]


def minpack1_cases() -> tuple[Case, ...]:
    """The 53 MINPACK-1 cases, in the order of the suite's drivers.

    Returns
    -------
    tuple of Case
        ``case.lmder`` and ``case.lmdif`` are the Fortran drivers' results
        (``info``, ``nfev``, ``njev``, ``x``, ``fvec``, ``fnorm``) with
        ``case.options`` (ftol = xtol = sqrt(dpmpar(1)), gtol = 0, the
        other leastsq options at their defaults).
    """
    return _minpack1_cases()


def nist_cases() -> tuple[Case, ...]:
    """The 54 NIST StRD cases: 27 data sets, NIST's starts 1 and 2.

    Returns
    -------
    tuple of Case
        ``case.certified`` holds NIST's certified values; ``case.lmder``
        and ``case.lmdif`` are None (no Fortran driver exists for them;
        ``python -m pyminpack.validate`` uses pyminpack's run, which is the
        original Fortran's, as their reference).
    """
    return _nist_cases()


def all_cases() -> tuple[Case, ...]:
    """``minpack1_cases() + nist_cases()``."""
    return minpack1_cases() + nist_cases()
