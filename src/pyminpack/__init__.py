"""pyminpack: the original Fortran MINPACK behind an exact scipy.optimize.leastsq."""

from ._batch import leastsq_batch
from ._batch_result import BatchResult
from ._leastsq import leastsq
from ._version import __version__

__all__ = ["leastsq", "leastsq_batch", "BatchResult", "__version__"]
