"""Test problems with reference results, for pyminpack and other MINPACKs.

- :func:`minpack1_cases`: the 53 cases of MINPACK-1's own test suite (18
  problems of Moré, Garbow and Hillstrom, 1981, from standard starts
  scaled by 1, 10 and 100), each with the original Fortran drivers'
  results for lmder and lmdif, every double exact.
- :func:`minpack1_equation_cases`: the 55 cases of MINPACK-1's HYBRD test
  (14 systems of nonlinear equations of Moré, Garbow and Hillstrom, from
  the standard starts scaled by 1, 10 and 100), with the original Fortran
  driver's results, every double exact; run them with ``fsolve``.
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

from ._case import Case, Certified, EquationCase, Result
from ._minpack1_hybrd import cases as _equation_cases
from ._minpack1 import cases as _minpack1_cases
from ._minpack1_problems import enorm
from ._nist import cases as _nist_cases

__all__ = ["Case", "Certified", "Result", "enorm", "minpack1_cases",
           "nist_cases", "all_cases", "EquationCase",
           "minpack1_equation_cases"]


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


def minpack1_equation_cases() -> tuple[EquationCase, ...]:
    """The 55 MINPACK-1 HYBRD cases, in the order of the suite's driver.

    Returns
    -------
    tuple of EquationCase
        ``case.hybrd`` is the Fortran driver's result (``info``, ``nfev``,
        ``x``, ``fvec``, ``fnorm``) of ``fsolve(case.func, case.x0,
        **case.options)``: HYBRD with HYBRD1's arguments (xtol =
        sqrt(dpmpar(1)), diag = 1, every other fsolve option at its
        default).
    """
    return _equation_cases()
