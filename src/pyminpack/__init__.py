"""pyminpack: the original Fortran MINPACK behind an exact scipy.optimize.leastsq."""

from ._leastsq import leastsq
from ._version import __version__

__all__ = ["leastsq", "__version__"]
