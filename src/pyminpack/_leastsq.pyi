"""Types of ``pyminpack.leastsq`` (the implementation is ``_leastsq.py``).

The overloads follow ``full_output``: a literal ``False`` or ``0`` (the
default) gives ``(x, ier)``, a literal ``True`` or ``1`` the five-tuple,
and any other truth value either.  Flags are typed ``int`` (``bool`` is
one) because scipy-era code often passes ``full_output=1``.
"""

from typing import Any, Literal, Protocol, TypedDict, overload, type_check_only

import numpy as np
from numpy.typing import ArrayLike, NDArray
from typing_extensions import NotRequired

__all__ = ["leastsq"]

# The protocols and InfoDict exist for type checkers only (type_check_only):
# import them under ``if typing.TYPE_CHECKING:``.

_Float64Array = NDArray[np.float64]

@type_check_only
class ResidualFunction(Protocol):
    """``func(x, *args)``: the ``m`` residuals at the ``n`` parameters ``x``.

    ``x`` is a new float64 array of shape ``(n,)`` at every call; the
    result is anything that converts to ``m`` real numbers.
    """

    def __call__(self, x: _Float64Array, /, *args: Any, **kwargs: Any) -> ArrayLike: ...

@type_check_only
class JacobianFunction(Protocol):
    """``Dfun(x, *args)``: the Jacobian, shape ``(m, n)`` (``(n, m)`` with
    ``col_deriv``)."""

    def __call__(self, x: _Float64Array, /, *args: Any, **kwargs: Any) -> ArrayLike: ...

@type_check_only
class RowFunction(Protocol):
    """``Dfun_row(x, i, *args)``: row ``i`` (0-based) of the Jacobian, its
    ``n`` values (MINPACK's lmstr)."""

    def __call__(self, x: _Float64Array, i: int, /, *args: Any, **kwargs: Any) -> ArrayLike: ...

@type_check_only
class IterationCallback(Protocol):
    """``callback(x, fvec)``: at the start of every MINPACK iteration, the
    iterate and its residuals (new arrays); a true result stops the fit
    with ier -3."""

    def __call__(self, x: _Float64Array, fvec: _Float64Array, /) -> object: ...

# A numba @cfunc, a ctypes function pointer, a PyCapsule or a
# scipy.LowLevelCallable with the C signature of pyminpack's compiled
# callbacks (see leastsq's Notes); their types belong to other packages.
CompiledCallable = Any

@type_check_only
class InfoDict(TypedDict):
    """``infodict`` of ``full_output``; keys in this order."""

    fvec: _Float64Array
    nfev: int
    njev: NotRequired[int]  # only with Dfun
    fjac: _Float64Array  # shape (n, m): MINPACK's column-major m x n array
    ipvt: NDArray[np.int32]  # 1-based, as MINPACK and scipy <= 1.14
    qtf: _Float64Array
    at_bound: NotRequired[NDArray[np.bool_]]  # only with finite bounds

@overload
def leastsq(
    func: ResidualFunction | CompiledCallable,
    x0: ArrayLike,
    args: Any = (),
    Dfun: JacobianFunction | CompiledCallable | None = None,
    full_output: Literal[False, 0] = False,
    col_deriv: int = False,
    ftol: float = 1.49012e-08,
    xtol: float = 1.49012e-08,
    gtol: float = 0.0,
    maxfev: int = 0,
    epsfcn: float | None = None,
    factor: float = 100,
    diag: ArrayLike | None = None,
    *,
    check_finite: bool = True,
    m: int | None = None,
    callback: IterationCallback | None = None,
    Dfun_row: RowFunction | None = None,
    bounds: Any = None,
) -> tuple[_Float64Array, int]: ...
@overload
def leastsq(
    func: ResidualFunction | CompiledCallable,
    x0: ArrayLike,
    args: Any,
    Dfun: JacobianFunction | CompiledCallable | None,
    full_output: Literal[True, 1],
    col_deriv: int = False,
    ftol: float = 1.49012e-08,
    xtol: float = 1.49012e-08,
    gtol: float = 0.0,
    maxfev: int = 0,
    epsfcn: float | None = None,
    factor: float = 100,
    diag: ArrayLike | None = None,
    *,
    check_finite: bool = True,
    m: int | None = None,
    callback: IterationCallback | None = None,
    Dfun_row: RowFunction | None = None,
    bounds: Any = None,
) -> tuple[_Float64Array, _Float64Array | None, InfoDict, str, int]: ...
@overload
def leastsq(
    func: ResidualFunction | CompiledCallable,
    x0: ArrayLike,
    args: Any = (),
    Dfun: JacobianFunction | CompiledCallable | None = None,
    *,
    full_output: Literal[True, 1],
    col_deriv: int = False,
    ftol: float = 1.49012e-08,
    xtol: float = 1.49012e-08,
    gtol: float = 0.0,
    maxfev: int = 0,
    epsfcn: float | None = None,
    factor: float = 100,
    diag: ArrayLike | None = None,
    check_finite: bool = True,
    m: int | None = None,
    callback: IterationCallback | None = None,
    Dfun_row: RowFunction | None = None,
    bounds: Any = None,
) -> tuple[_Float64Array, _Float64Array | None, InfoDict, str, int]: ...
@overload
def leastsq(
    func: ResidualFunction | CompiledCallable,
    x0: ArrayLike,
    args: Any = (),
    Dfun: JacobianFunction | CompiledCallable | None = None,
    full_output: int = False,
    col_deriv: int = False,
    ftol: float = 1.49012e-08,
    xtol: float = 1.49012e-08,
    gtol: float = 0.0,
    maxfev: int = 0,
    epsfcn: float | None = None,
    factor: float = 100,
    diag: ArrayLike | None = None,
    *,
    check_finite: bool = True,
    m: int | None = None,
    callback: IterationCallback | None = None,
    Dfun_row: RowFunction | None = None,
    bounds: Any = None,
) -> (
    tuple[_Float64Array, int]
    | tuple[_Float64Array, _Float64Array | None, InfoDict, str, int]
): ...
