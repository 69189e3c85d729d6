"""pyminpack: the original Fortran MINPACK behind an exact scipy.optimize.leastsq."""

from ._batch import leastsq_batch
from ._batch_result import BatchResult
from ._check_jacobian import JacobianCheck, check_jacobian
from ._leastsq import leastsq
from ._version import __version__

__all__ = ["leastsq", "leastsq_batch", "BatchResult", "check_jacobian",
           "JacobianCheck", "__version__"]
