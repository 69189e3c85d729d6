"""Types of ``pyminpack.BatchResult`` (the implementation is ``_batch_result.py``)."""

from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["BatchResult", "result_arrays"]

def result_arrays(
    count: int, m: int, n: int, full_output: bool
) -> tuple[dict[str, NDArray[Any]], tuple[NDArray[Any] | None, ...]]: ...

class BatchResult:
    x: NDArray[np.float64]  # (K, n)
    ier: NDArray[np.int32]  # (K,)
    nfev: NDArray[np.int32]  # (K,)
    njev: NDArray[np.int32] | None  # (K,), with Dfun only
    fnorm: NDArray[np.float64]  # (K,)
    cov_x: NDArray[np.float64] | None  # (K, n, n), NaN where leastsq gives None; None from fsolve_batch
    success: NDArray[np.bool_]  # (K,)
    status: NDArray[np.int32]  # (K,), what a compiled callback returned
    fvec: NDArray[np.float64] | None  # (K, m), full_output only
    fjac: NDArray[np.float64] | None  # (K, n, m)
    ipvt: NDArray[np.int32] | None  # (K, n), 1-based
    qtf: NDArray[np.float64] | None  # (K, n)
    r: NDArray[np.float64] | None  # (K, n*(n+1)//2), fsolve_batch only
    solver: str  # "leastsq" or "fsolve"
    perr: NDArray[np.float64] | None  # curve_fit_batch: (K, n)
    covariance_unknown: NDArray[np.bool_] | None  # curve_fit_batch: (K,)
    shape: tuple[int, ...]  # the fits' shape, K above
    engine: str | None  # curve_fit_batch: 'numpy' or 'numba'
    engine_reason: str | None  # engine='auto': why not numba
    compile_seconds: float  # curve_fit_batch, engine='numba'
    at_bound: NDArray[np.bool_]  # (K, n), all False without bounds
    def __init__(
        self,
        *,
        x: NDArray[np.float64],
        ier: NDArray[np.int32],
        nfev: NDArray[np.int32],
        njev: NDArray[np.int32] | None,
        fnorm: NDArray[np.float64],
        cov_x: NDArray[np.float64] | None,
        status: NDArray[np.int32],
        fvec: NDArray[np.float64] | None = None,
        fjac: NDArray[np.float64] | None = None,
        ipvt: NDArray[np.int32] | None = None,
        qtf: NDArray[np.float64] | None = None,
        at_bound: NDArray[np.bool_] | None = None,
        options: dict[str, Any],
        r: NDArray[np.float64] | None = None,
        solver: str = "leastsq",
        notes: dict[int, str] | None = None,
    ) -> None: ...
    def __len__(self) -> int: ...
    def message(self, k: int | tuple[int, ...]) -> str: ...
