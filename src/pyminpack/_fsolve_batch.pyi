"""Types of ``pyminpack.fsolve_batch`` (the implementation is ``_fsolve_batch.py``)."""

from typing import Any, Callable

from numpy.typing import ArrayLike

from ._batch_result import BatchResult

__all__ = ["fsolve_batch"]

def fsolve_batch(
    func: Any,
    x0: ArrayLike,
    args: Any = (),
    fprime: Any | None = None,
    *,
    data: ArrayLike | tuple[ArrayLike, ...] | None = None,
    vectorized: bool = False,
    col_deriv: bool = False,
    xtol: float = 1.49012e-08,
    maxfev: int = 0,
    band: tuple[int, int] | None = None,
    epsfcn: float | None = None,
    factor: float = 100,
    diag: ArrayLike | None = None,
    threads: int | None = None,
    full_output: bool = False,
    check_finite: bool = True,
    progress: bool | Callable[[int, int], object] = False,
) -> BatchResult: ...
