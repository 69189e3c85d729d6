"""The ``.minpack`` accessor, registered on DataArray and Dataset when
``pyminpack.xarray`` is imported (and only then)."""

import xarray as xr

from ._curvefit import curvefit

__all__ = ["MinpackAccessor"]


@xr.register_dataset_accessor("minpack")
@xr.register_dataarray_accessor("minpack")
class MinpackAccessor:
    """``obj.minpack.curvefit(coords, func, ...)``: see
    :func:`pyminpack.xarray.curvefit`."""

    def __init__(self, obj):
        self._obj = obj

    def curvefit(self, coords, func, reduce_dims=None, skipna=True, p0=None,
                 bounds=None, param_names=None, errors="raise", kwargs=None,
                 *, vectorized=True):
        """:func:`pyminpack.xarray.curvefit` on this object."""
        return curvefit(self._obj, coords, func, reduce_dims=reduce_dims,
                        skipna=skipna, p0=p0, bounds=bounds,
                        param_names=param_names, errors=errors,
                        kwargs=kwargs, vectorized=vectorized)
