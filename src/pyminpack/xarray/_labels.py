"""Naming a pixel by its labels in a failure message: the block a batch
sees knows positions only, so curvefit passes each kept dimension's
positions along as an input, and this maps them back to coordinate
values."""

import numpy as np
import xarray as xr

__all__ = ["position_inputs", "Labeller"]


def position_inputs(array, dims):
    """One integer DataArray per dimension in `dims`: its positions."""
    return [xr.DataArray(np.arange(array.sizes[dim]), dims=(dim,))
            for dim in dims]


class Labeller:
    """'x=2.5, y=10' for a fit, from the position inputs of its block."""

    def __init__(self, obj, dims):
        self.dims = tuple(dims)
        self.values = [obj[dim].values if dim in obj.coords else None
                       for dim in self.dims]

    def __call__(self, positions, fits_shape, k):
        """The labels of flat fit k of a block whose position inputs are
        `positions` (broadcasting to `fits_shape`)."""
        index = np.unravel_index(int(k), fits_shape)
        parts = []
        for dim, values, where in zip(self.dims, self.values, positions):
            i = int(np.broadcast_to(where, fits_shape)[index])
            label = i if values is None else values[i]
            if isinstance(label, np.generic):
                label = label.item()
            parts.append(f"{dim}={label!r}")
        return ", ".join(parts) if parts else "the only fit"
