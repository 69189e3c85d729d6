"""Types of ``pyminpack.curve_fit_batch`` (the implementation is
``_curve_fit_batch.py``)."""

from typing import Any, Callable, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._batch_result import BatchResult

__all__ = ["curve_fit_batch"]

def curve_fit_batch(
    f: Callable[..., ArrayLike],
    xdata: Any,
    ydata: ArrayLike,
    p0: ArrayLike | None = None,
    sigma: ArrayLike | None = None,
    absolute_sigma: object = False,
    *,
    axis: int = -1,
    bounds: Any = None,
    jac: Callable[..., ArrayLike] | None = None,
    check_finite: object | None = None,
    nan_policy: Literal["raise", "omit"] | None = None,
    vectorized: bool = True,
    engine: Literal["numpy", "numba", "auto"] = "numpy",
    threads: int | None = None,
    full_output: bool = False,
    progress: bool | Callable[[int, int], object] = False,
    **kwargs: Any,
) -> tuple[NDArray[np.float64], NDArray[np.float64], BatchResult]: ...
