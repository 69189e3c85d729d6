"""xarray's ``curvefit`` on pyminpack: the same call, the same result.

``pyminpack.xarray.curvefit(obj, coords, func, ...)`` takes the arguments
of ``DataArray.curvefit`` / ``Dataset.curvefit`` and returns the Dataset
they return (``[var_]curvefit_coefficients`` and
``[var_]curvefit_covariance``), but fits each block of pixels as one
``pyminpack.curve_fit_batch`` instead of one scipy ``curve_fit`` per pixel;
a dask-backed object stays lazy, one batch per chunk.  Importing this
module registers the ``.minpack`` accessor (``da.minpack.curvefit(...)``);
``import pyminpack`` never imports xarray.  Needs the ``xarray`` extra
(``pip install pyminpack[xarray]``).
"""

from ._accessor import MinpackAccessor
from ._curvefit import curvefit

__all__ = ["curvefit", "MinpackAccessor"]
