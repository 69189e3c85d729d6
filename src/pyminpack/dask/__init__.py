"""pyminpack on Dask: many fits, one task per chunk of fits.

``pyminpack.dask.leastsq_batch`` and ``pyminpack.dask.curve_fit_batch``
take the local functions' arguments, chunk the fits along the fit axis and
run the local batch in each task, on whichever Dask scheduler is active.
Needs the ``dask`` extra (``pip install pyminpack[dask]``); ``import
pyminpack`` never imports this module.
"""

from ._curve_fit_batch import curve_fit_batch
from ._leastsq_batch import leastsq_batch
from ._result import DaskBatchResult

__all__ = ["leastsq_batch", "curve_fit_batch", "DaskBatchResult"]
