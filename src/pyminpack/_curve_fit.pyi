"""Types of ``pyminpack.curve_fit`` (the implementation is ``_curve_fit.py``).

The overloads follow ``full_output`` as ``_leastsq.pyi``'s do: a literal
``False`` (the default) gives ``(popt, pcov)``, a literal ``True`` the
five-tuple with leastsq's infodict, mesg and ier.
"""

from typing import Any, Callable, Literal, overload

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._leastsq import InfoDict

__all__ = ["curve_fit", "OptimizeWarning"]

_Float64Array = NDArray[np.float64]

class OptimizeWarning(UserWarning):
    """curve_fit's warning: the covariance could not be estimated."""

@overload
def curve_fit(
    f: Callable[..., ArrayLike],
    xdata: Any,
    ydata: ArrayLike,
    p0: ArrayLike | None = None,
    sigma: ArrayLike | None = None,
    absolute_sigma: object = False,
    check_finite: object | None = None,
    bounds: Any = ...,
    method: str | None = None,
    jac: Callable[..., ArrayLike] | None = None,
    *,
    full_output: Literal[False, 0] = False,
    nan_policy: Literal["raise", "omit"] | None = None,
    **kwargs: Any,
) -> tuple[_Float64Array, _Float64Array]: ...
@overload
def curve_fit(
    f: Callable[..., ArrayLike],
    xdata: Any,
    ydata: ArrayLike,
    p0: ArrayLike | None = None,
    sigma: ArrayLike | None = None,
    absolute_sigma: object = False,
    check_finite: object | None = None,
    bounds: Any = ...,
    method: str | None = None,
    jac: Callable[..., ArrayLike] | None = None,
    *,
    full_output: Literal[True, 1],
    nan_policy: Literal["raise", "omit"] | None = None,
    **kwargs: Any,
) -> tuple[_Float64Array, _Float64Array, InfoDict, str, int]: ...
@overload
def curve_fit(
    f: Callable[..., ArrayLike],
    xdata: Any,
    ydata: ArrayLike,
    p0: ArrayLike | None = None,
    sigma: ArrayLike | None = None,
    absolute_sigma: object = False,
    check_finite: object | None = None,
    bounds: Any = ...,
    method: str | None = None,
    jac: Callable[..., ArrayLike] | None = None,
    *,
    full_output: object = False,
    nan_policy: Literal["raise", "omit"] | None = None,
    **kwargs: Any,
) -> (
    tuple[_Float64Array, _Float64Array]
    | tuple[_Float64Array, _Float64Array, InfoDict, str, int]
): ...
