"""Types of ``pyminpack.dask`` (the implementation is ``dask/``)."""

from typing import Any, Callable, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._batch_result import BatchResult

__all__ = ["leastsq_batch", "curve_fit_batch", "DaskBatchResult"]

# dask.array.Array; dask ships no stubs of its own that all checkers see.
_DaskArray = Any

class DaskBatchResult:
    x: _DaskArray
    ier: _DaskArray
    nfev: _DaskArray
    njev: _DaskArray | None
    fnorm: _DaskArray
    cov_x: _DaskArray
    success: _DaskArray
    status: _DaskArray
    fvec: _DaskArray | None
    fjac: _DaskArray | None
    ipvt: _DaskArray | None
    qtf: _DaskArray | None
    at_bound: _DaskArray  # (K, n) bool
    def __init__(self, arrays: dict[str, _DaskArray], options: dict[str, Any]) -> None: ...
    def compute(self, **kwargs: Any) -> BatchResult: ...
    def persist(self, **kwargs: Any) -> DaskBatchResult: ...
    def message(self, k: int) -> str: ...
    def __len__(self) -> int: ...

def leastsq_batch(
    func: Callable[..., ArrayLike] | Any,
    x0: ArrayLike | _DaskArray,
    args: Any = (),
    Dfun: Callable[..., ArrayLike] | Any | None = None,
    *,
    data: ArrayLike | _DaskArray | tuple[ArrayLike | _DaskArray, ...] | None = None,
    vectorized: bool = False,
    col_deriv: bool = False,
    ftol: float = 1.49012e-08,
    xtol: float = 1.49012e-08,
    gtol: float = 0.0,
    maxfev: int = 0,
    epsfcn: float | None = None,
    factor: float = 100,
    diag: ArrayLike | _DaskArray | None = None,
    threads: int | None = 1,
    full_output: bool = False,
    check_finite: bool = True,
    progress: Literal[False] | None = False,
    m: int | None = None,
    fits_per_chunk: int | Literal["auto"] = "auto",
    bounds: Any = None,
) -> BatchResult | DaskBatchResult: ...
def curve_fit_batch(
    f: Callable[..., ArrayLike],
    xdata: Any,
    ydata: ArrayLike | _DaskArray,
    p0: ArrayLike | _DaskArray | None = None,
    sigma: ArrayLike | _DaskArray | None = None,
    absolute_sigma: bool = False,
    *,
    jac: Callable[..., ArrayLike] | None = None,
    check_finite: bool | None = None,
    nan_policy: str | None = None,
    vectorized: bool = True,
    full_output: bool = False,
    progress: Literal[False] | None = False,
    fits_per_chunk: int | Literal["auto"] = "auto",
    axis: int = -1,
    bounds: Any = None,
    **kwargs: Any,
) -> tuple[NDArray[np.float64] | _DaskArray, NDArray[np.float64] | _DaskArray, BatchResult | DaskBatchResult]: ...
