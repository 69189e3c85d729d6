"""Types of ``pyminpack.fsolve`` (the implementation is ``_fsolve.py``).

The overloads follow ``full_output``: a literal ``False`` or ``0`` (the
default) gives ``x``, a literal ``True`` or ``1`` the four-tuple.
"""

from typing import Any, Literal, TypedDict, overload, type_check_only

import numpy as np
from numpy.typing import ArrayLike, NDArray
from typing_extensions import NotRequired

from ._leastsq import CompiledCallable, JacobianFunction, ResidualFunction

__all__ = ["fsolve"]

_Float64Array = NDArray[np.float64]

@type_check_only
class FsolveInfoDict(TypedDict):
    nfev: int
    njev: NotRequired[int]
    fjac: _Float64Array
    r: _Float64Array
    qtf: _Float64Array
    fvec: _Float64Array

@overload
def fsolve(func: ResidualFunction | CompiledCallable, x0: ArrayLike,
           args: Any = ..., fprime: JacobianFunction | CompiledCallable | None = ...,
           full_output: Literal[False, 0] = ..., col_deriv: int = ...,
           xtol: float = ..., maxfev: int = ..., band: tuple[int, int] | None = ...,
           epsfcn: float | None = ..., factor: float = ...,
           diag: ArrayLike | None = ..., *, check_finite: bool = ...) -> _Float64Array: ...
@overload
def fsolve(func: ResidualFunction | CompiledCallable, x0: ArrayLike,
           args: Any = ..., fprime: JacobianFunction | CompiledCallable | None = ...,
           *, full_output: Literal[True, 1], col_deriv: int = ...,
           xtol: float = ..., maxfev: int = ..., band: tuple[int, int] | None = ...,
           epsfcn: float | None = ..., factor: float = ...,
           diag: ArrayLike | None = ..., check_finite: bool = ...
           ) -> tuple[_Float64Array, FsolveInfoDict, int, str]: ...
