"""pyminpack.xarray.curvefit with bounds (shared/spec/bounds.md): xarray's
structure with bounds, scalar or per pixel (DataArrays over the kept
dims); each pixel bitwise pyminpack's bounded curve_fit on its points; and
against xarray's own values (scipy's 'trf' on bounded fits) to spec §4's
tolerance where the optimum is inside the bounds (1e-6, what curve_fit's
default tolerances resolve, on parameters of scale 1).
"""

import warnings

import numpy as np
import pytest

xr = pytest.importorskip("xarray")
pytest.importorskip("scipy")
pytest.importorskip("dask.array")

import pyminpack  # noqa: E402
import pyminpack.xarray as pmx  # noqa: E402
from test_xarray import V, gaussian, ours, reference  # noqa: E402


@pytest.fixture(scope="module")
def cube():
    """(y, x, v) Gaussians with an empty pixel and some NaN channels."""
    rng = np.random.default_rng(7)
    ny, nx = 4, 5
    amp = 1.0 + rng.random((ny, nx))
    centre = 0.5 * (rng.random((ny, nx)) - 0.5)
    data = (amp[..., None] * np.exp(-(V - centre[..., None]) ** 2 / 2)
            + 0.05 * rng.standard_normal((ny, nx, V.size)))
    data[1, 2] = np.nan
    data[3, 4, [0, 7, 30]] = np.nan
    return xr.DataArray(
        data, dims=("y", "x", "v"), name="flux",
        coords={"y": 0.5 * np.arange(ny), "x": 10.0 + np.arange(nx),
                "v": V})


def per_pixel_bounds(array):
    """s bounded below by a scalar and above per column; a by scalars."""
    upper = xr.DataArray(4.0 + np.arange(array.sizes["x"]), dims="x",
                         coords={"x": array.x})
    return {"a": (0.0, 10.0), "s": (0.1, upper)}


def assert_same_structure(expected, got):
    assert list(got.data_vars) == list(expected.data_vars)
    assert list(got.coords) == list(expected.coords)
    assert got.attrs == expected.attrs
    for name in expected.coords:
        xr.testing.assert_identical(got[name], expected[name])
    for name, variable in expected.data_vars.items():
        assert got[name].dims == variable.dims, name
        assert got[name].shape == variable.shape, name
        assert got[name].dtype == variable.dtype, name
        assert got[name].attrs == variable.attrs, name


@pytest.mark.parametrize("scalar", [True, False])
@pytest.mark.parametrize("backend", ["numpy", "dask"])
def test_bounded_structure_and_values_as_xarrays(cube, scalar, backend):
    bounds = ({"a": (0.0, 10.0), "s": (0.1, 5.0)} if scalar
              else per_pixel_bounds(cube))
    p0 = {"a": 1.5, "mu": 0.0, "s": 1.2}
    expected = reference(cube, "v", gaussian, p0=p0, bounds=bounds)
    array = cube.chunk({"y": 2}) if backend == "dask" else cube
    got = ours(array, "v", gaussian, p0=p0, bounds=bounds)
    assert_same_structure(expected, got)
    mine = got.curvefit_coefficients.values
    theirs = expected.curvefit_coefficients.values
    assert np.isnan(mine[1, 2]).all() and np.isnan(theirs[1, 2]).all()
    fitted = np.isfinite(theirs)
    assert np.isfinite(mine).sum() == fitted.sum() == theirs.size - 3
    # The optimum is inside the bounds: the same popt as trf's, to what
    # curve_fit's default tolerances resolve.
    np.testing.assert_allclose(mine[fitted], theirs[fitted], rtol=1e-6,
                               atol=1e-6)


@pytest.mark.parametrize("vectorized", [True, False])
def test_each_pixel_is_bounded_curve_fit_to_the_bit(cube, vectorized):
    bounds = per_pixel_bounds(cube)
    got = ours(cube, "v", gaussian, p0={"a": 1.5, "s": 1.2},
               bounds=bounds, vectorized=vectorized)
    for y in range(cube.sizes["y"]):
        for x in range(cube.sizes["x"]):
            points = cube[y, x].values
            keep = np.isfinite(points)
            if not keep.any():
                continue
            upper = float(bounds["s"][1][x])
            popt, pcov = pyminpack.curve_fit(
                gaussian, V[keep], points[keep], [1.5, 1.0, 1.2],
                bounds=([0.0, -np.inf, 0.1], [10.0, np.inf, upper]))
            assert got.curvefit_coefficients[y, x].values.tobytes() == \
                popt.tobytes(), (y, x)
            assert got.curvefit_covariance[y, x].values.tobytes() == \
                pcov.tobytes(), (y, x)


def test_a_bound_that_binds_keeps_the_parameter_inside(cube):
    """An upper bound on a below every pixel's amplitude: a ends on it."""
    got = ours(cube, "v", gaussian, p0={"a": 0.5}, bounds={"a": (0.0, 0.8)})
    a = got.curvefit_coefficients.sel(param="a").values
    fitted = np.isfinite(a)
    assert fitted.sum() == a.size - 1
    assert (a[fitted] <= 0.8).all()
    np.testing.assert_allclose(a[fitted], 0.8, rtol=0, atol=1e-6)


def test_lb_equal_ub_fixes_the_parameter_per_pixel(cube):
    """scipy refuses lb == ub; pyminpack fixes the parameter, here the
    centre of the first column only."""
    fixed = xr.DataArray(np.where(np.arange(cube.sizes["x"]) == 0, 0.0,
                                  np.inf), dims="x", coords={"x": cube.x})
    got = ours(cube, "v", gaussian, p0={"a": 1.5, "mu": 0.0},
               bounds={"mu": (-fixed, fixed)})
    mu = got.curvefit_coefficients.sel(param="mu").values
    assert (mu[:, 0] == 0.0).all()
    assert (mu[[0, 2, 3], 1:] != 0.0).all()
    cov = got.curvefit_covariance.sel(cov_i="mu").values
    assert (cov[:, 0] == 0.0).all()


def test_an_infeasible_start_raises_naming_the_pixel(cube):
    # (scipy 1.18 says "Initial guess is outside of provided bounds")
    with pytest.raises(ValueError,
                       match="infeasible|outside of provided") as xarrays:
        reference(cube, "v", gaussian, p0={"a": 20.0},
                  bounds={"a": (0.0, 10.0)})
    assert xarrays.type is ValueError
    with pytest.raises(ValueError, match=r"^pyminpack\.xarray\.curvefit: x0 "
                       r"is infeasible: parameter 0's start 20\.0 is outside "
                       r"its bounds \[0\.0, 10\.0\] at pixel y=0\.0, "
                       r"x=10\.0 of 'flux'$"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", pyminpack.OptimizeWarning)
            pmx.curvefit(cube, "v", gaussian, p0={"a": 20.0},
                         bounds={"a": (0.0, 10.0)})
