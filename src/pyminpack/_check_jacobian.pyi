"""Types of ``pyminpack.check_jacobian`` (the implementation is
``_check_jacobian.py``)."""

from typing import Any, NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._leastsq import JacobianFunction, ResidualFunction

__all__ = ["check_jacobian", "JacobianCheck"]

class JacobianCheck(NamedTuple):
    err: NDArray[np.float64]  # (m,), in [0, 1]; 1: row i is right
    suspect: NDArray[np.intp]  # the i with err[i] < 0.5

def check_jacobian(
    func: ResidualFunction,
    Dfun: JacobianFunction,
    x0: ArrayLike,
    args: Any = (),
    col_deriv: int = False,
) -> JacobianCheck: ...
