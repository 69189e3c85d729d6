"""pyminpack: the original Fortran MINPACK behind an exact scipy.optimize.leastsq."""

from ._batch import leastsq_batch
from ._batch_result import BatchResult
from ._check_jacobian import JacobianCheck, check_jacobian
from ._curve_fit import OptimizeWarning, curve_fit
from ._curve_fit_batch import curve_fit_batch
from ._curve_fit_groups import curve_fit_groups
from ._fsolve import fsolve
from ._fsolve_batch import fsolve_batch
from ._leastsq import leastsq
from ._version import __version__

__all__ = ["leastsq", "leastsq_batch", "BatchResult", "curve_fit",
           "curve_fit_batch", "curve_fit_groups", "OptimizeWarning",
           "check_jacobian", "JacobianCheck", "fsolve", "fsolve_batch",
           "__version__"]
