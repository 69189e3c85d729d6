"""The types of pyminpack.testing: one test case and its reference results."""

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Optional

import numpy as np
from numpy.typing import NDArray

Vector = NDArray[np.float64]


def frozen_vector(values) -> Vector:
    """A new read-only float64 copy: a case's data cannot be changed by the
    code under test (which would change every later run)."""
    array = np.array(values, dtype=np.float64)
    array.setflags(write=False)
    return array


@dataclass(frozen=True)
class Result:
    """What one solver run returned: MINPACK's info and counters, and the
    final x, fvec and ENORM(fvec), every double exact.

    ``njev`` is None for lmdif (no Jacobian function).
    """

    info: int
    nfev: int
    njev: Optional[int]
    x: Vector
    fvec: Vector
    fnorm: float


@dataclass(frozen=True)
class Certified:
    """NIST's certified values for a StRD problem."""

    params: Vector
    std_devs: Vector
    residual_sum_of_squares: float
    residual_std_dev: float
    degrees_of_freedom: int


@dataclass(frozen=True)
class Case:
    """One least-squares problem from one start.

    ``residuals(x)`` gives the ``m`` residuals and ``jacobian(x)`` the
    ``(m, n)`` Jacobian (``J[i, j] = d residual_i / d x_j``), so that
    ``leastsq(case.residuals, case.x0, Dfun=case.jacobian, **case.options)``
    is the run the reference describes, for pyminpack, scipy or any
    leastsq-shaped function.  ``options`` are the leastsq keywords of that
    run (tolerances; every other option at its default).

    ``lmder`` and ``lmdif`` are the reference results with and without the
    Jacobian: for MINPACK-1, the original Fortran drivers' (on the vendored
    MINPACK); for NIST, None (no Fortran driver exists: the validator runs
    pyminpack, which is that Fortran, for its reference).  ``fvec0`` is the
    reference's residuals at ``x0`` and ``jac0`` its Jacobian there (None
    where the reference has none): they tell a problem-function difference
    (the C library's ``exp``, say) from a solver difference.
    """

    name: str
    suite: str
    title: str
    m: int
    n: int
    x0: Vector
    residuals: Callable[[Vector], Vector] = field(repr=False)
    jacobian: Callable[[Vector], Vector] = field(repr=False)
    options: Mapping[str, Any] = field(repr=False)
    lmder: Optional[Result] = field(default=None, repr=False)
    lmdif: Optional[Result] = field(default=None, repr=False)
    #: lmstr's (MINPACK-1 only): leastsq with Dfun_row, the rows of
    #: ``jacobian(x)``.
    lmstr: Optional[Result] = field(default=None, repr=False)
    fvec0: Optional[Vector] = field(default=None, repr=False)
    jac0: Optional[Vector] = field(default=None, repr=False)
    certified: Optional[Certified] = field(default=None, repr=False)
    #: The problem's description: MINPACK-1 number, or NIST model formula.
    about: Mapping[str, Any] = field(default_factory=dict, repr=False)

    def reference(self, with_jacobian: bool) -> Optional[Result]:
        """The reference result of lmder (True) or lmdif (False)."""
        return self.lmder if with_jacobian else self.lmdif


@dataclass(frozen=True)
class EquationCase:
    """One system of ``n`` nonlinear equations in ``n`` unknowns from one
    start.

    ``func(x)`` gives the ``n`` values and ``jacobian(x)`` the ``(n, n)``
    Jacobian, so that ``fsolve(case.func, case.x0, full_output=True,
    **case.options)`` (with ``fprime=case.jacobian`` for hybrj) is the run
    the reference describes, for pyminpack, scipy or any fsolve-shaped
    function.  ``options`` are the fsolve keywords of that run (``xtol``
    and ``diag``, which reproduce HYBRD1's and HYBRJ1's calls).  ``hybrd``
    and ``hybrj`` are the Fortran drivers' results (``njev`` None for
    hybrd); ``fvec0`` the values at ``x0``.
    """

    name: str
    suite: str
    title: str
    n: int
    x0: Vector
    func: Callable[[Vector], Vector] = field(repr=False)
    jacobian: Callable[[Vector], Vector] = field(repr=False)
    options: Mapping[str, Any] = field(repr=False)
    hybrd: Result = field(repr=False)
    hybrj: Result = field(repr=False)
    fvec0: Vector = field(repr=False)
    about: Mapping[str, Any] = field(default_factory=dict, repr=False)

    def reference(self, with_jacobian: bool) -> Result:
        """The reference result of hybrj (True) or hybrd (False)."""
        return self.hybrj if with_jacobian else self.hybrd

    @property
    def residuals(self) -> Callable[[Vector], Vector]:
        """``func``, by the name a least-squares Case gives it (so that the
        validator judges both kinds of case alike)."""
        return self.func
