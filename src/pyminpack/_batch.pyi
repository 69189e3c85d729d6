"""Types of ``pyminpack.leastsq_batch`` (the implementation is ``_batch.py``)."""

from typing import Any, Callable

from numpy.typing import ArrayLike

from ._batch_result import BatchResult
from ._leastsq import CompiledCallable

__all__ = ["leastsq_batch"]

def leastsq_batch(
    func: Callable[..., ArrayLike] | CompiledCallable,
    x0: ArrayLike,
    args: Any = (),
    Dfun: Callable[..., ArrayLike] | CompiledCallable | None = None,
    *,
    data: ArrayLike | tuple[ArrayLike, ...] | None = None,
    vectorized: bool = False,
    col_deriv: bool = False,
    ftol: float = 1.49012e-08,
    xtol: float = 1.49012e-08,
    gtol: float = 0.0,
    maxfev: int = 0,
    epsfcn: float | None = None,
    factor: float = 100,
    diag: ArrayLike | None = None,
    threads: int | None = None,
    full_output: bool = False,
    check_finite: bool = True,
    progress: bool | Callable[[int, int], object] = False,
    m: int | None = None,
    bounds: Any = None,
) -> BatchResult: ...
