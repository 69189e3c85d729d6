"""Types of ``pyminpack.BatchResult`` (the implementation is ``_batch_result.py``)."""

import numpy as np
from numpy.typing import NDArray

__all__ = ["BatchResult"]

class BatchResult:
    x: NDArray[np.float64]  # (K, n)
    ier: NDArray[np.int32]  # (K,)
    nfev: NDArray[np.int32]  # (K,)
    njev: NDArray[np.int32] | None  # (K,), with Dfun only
    fnorm: NDArray[np.float64]  # (K,)
    cov_x: NDArray[np.float64]  # (K, n, n), NaN where leastsq gives None
    success: NDArray[np.bool_]  # (K,)
    status: NDArray[np.int32]  # (K,), what a compiled callback returned
    fvec: NDArray[np.float64] | None  # (K, m), full_output only
    fjac: NDArray[np.float64] | None  # (K, n, m)
    ipvt: NDArray[np.int32] | None  # (K, n), 1-based
    qtf: NDArray[np.float64] | None  # (K, n)
    def __len__(self) -> int: ...
    def message(self, k: int) -> str: ...
