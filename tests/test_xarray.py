"""pyminpack.xarray.curvefit against xarray's own curvefit (shared/spec/
xarray.md): the same Dataset (names, dims, coords, attrs) and the same
values -- coefficients to the bit (xarray runs scipy 1.14.1's curve_fit,
the same Fortran; on a later scipy, within tolerances), covariances to the project's pcov contract against
scipy (1e-12 relative, test_curve_fit_vs_scipy.py) and to the bit against
pyminpack's curve_fit per pixel.

The models avoid ``p ** 2`` on a parameter (see test_cubes.py).
"""

import subprocess
import sys
import warnings

import numpy as np
import pytest

xr = pytest.importorskip("xarray")
pytest.importorskip("scipy")
da_ = pytest.importorskip("dask.array")

import pyminpack  # noqa: E402
import pyminpack.xarray as pmx  # noqa: E402
from scipy_kind import FORTRAN_SCIPY  # noqa: E402

V = np.linspace(-3.0, 3.0, 50)


def gaussian(v, a, mu, s):
    return a * np.exp(-(v - mu) * (v - mu) / (2 * s * s))


def plane(xy, a, b, c):
    return a * xy[0] + b * xy[1] + c


def reference(obj, *args, **kwargs):
    """xarray's own curvefit, computed, its per-pixel warnings silenced."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return obj.curvefit(*args, **kwargs).compute()


def ours(obj, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pyminpack.OptimizeWarning)
        return pmx.curvefit(obj, *args, **kwargs).compute()


def assert_same_result(expected, got):
    """xarray's structure exactly, coefficients to the bit (on a scipy that
    runs the Fortran; on a later one, its C translation, within the spec's
    §15 row: each pixel's coefficients within 1e-6 of their largest, its
    covariance within 1e-5 of its largest element)."""
    assert list(got.data_vars) == list(expected.data_vars)
    assert list(got.coords) == list(expected.coords)
    assert got.attrs == expected.attrs
    for name in expected.coords:
        xr.testing.assert_identical(got[name], expected[name])
    for name, variable in expected.data_vars.items():
        assert got[name].dims == variable.dims, name
        assert got[name].attrs == variable.attrs, name
        assert got[name].dtype == variable.dtype, name
        coefficients = name.endswith("coefficients")
        if coefficients and FORTRAN_SCIPY:
            assert got[name].values.tobytes() == variable.values.tobytes()
        elif FORTRAN_SCIPY:
            np.testing.assert_allclose(got[name].values, variable.values,
                                       rtol=1e-12, atol=0)
        else:
            pixel = (-1,) if coefficients else (-2, -1)
            with warnings.catch_warnings():  # an all-NaN pixel
                warnings.simplefilter("ignore", RuntimeWarning)
                scale = np.nanmax(np.abs(variable.values), axis=pixel,
                                  keepdims=True)
            scale[scale == 0] = 1.0  # an exact fit's zero covariance
            np.testing.assert_allclose(
                got[name].values / scale, variable.values / scale, rtol=0,
                atol=1e-6 if coefficients else 1e-5)


@pytest.fixture(scope="module")
def cube():
    """(y, x, v) spectra with an empty pixel and some NaN channels."""
    rng = np.random.default_rng(2022)
    ny, nx = 5, 6
    amp = 1.0 + rng.random((ny, nx))
    centre = 0.5 * (rng.random((ny, nx)) - 0.5)
    data = (amp[..., None] * np.exp(-(V - centre[..., None]) ** 2 / 2)
            + 0.05 * rng.standard_normal((ny, nx, V.size)))
    data[1, 2] = np.nan
    data[3, 4, [0, 7, 30]] = np.nan
    array = xr.DataArray(
        data, dims=("y", "x", "v"), name="flux", attrs={"units": "K"},
        coords={"y": 0.5 * np.arange(ny), "x": 10.0 + np.arange(nx),
                "v": ("v", V, {"units": "km/s"}), "ra": ("x", np.arange(nx))})
    starts = xr.DataArray(amp * 0.9, dims=("y", "x"),
                          coords={"y": array.y, "x": array.x})
    return array, starts


@pytest.mark.parametrize("backend", ["numpy", "dask"])
def test_dataarray_one_coord_per_pixel_p0(cube, backend):
    array, starts = cube
    p0 = {"a": starts, "mu": 0.0}
    expected = reference(array, "v", gaussian, p0=p0)
    if backend == "dask":
        array = array.chunk({"y": 2, "x": 3})
    got = ours(array, "v", gaussian, p0=p0)
    assert_same_result(expected, got)
    assert np.isnan(got.curvefit_coefficients[1, 2]).all()
    # Each pixel is pyminpack's curve_fit on its points, covariance too.
    keep = np.isfinite(array[3, 4].values)
    alone = pyminpack.curve_fit(gaussian, V[keep], array[3, 4].values[keep],
                                [float(starts[3, 4]), 0.0, 1.0])
    assert got.curvefit_coefficients[3, 4].values.tobytes() == \
        alone[0].tobytes()
    assert got.curvefit_covariance[3, 4].values.tobytes() == \
        alone[1].tobytes()


def test_dask_input_stays_lazy_one_batch_per_chunk(cube):
    array, starts = cube
    calls = []

    def counted(v, a, mu, s):
        calls.append(np.shape(a))
        return gaussian(v, a, mu, s)

    lazy = array.chunk({"y": 1}).minpack.curvefit(
        "v", counted, p0={"a": starts, "mu": 0.0})
    assert calls == []
    assert isinstance(lazy.curvefit_coefficients.data, da_.Array)
    assert lazy.curvefit_coefficients.chunks[0] == (1,) * array.sizes["y"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pyminpack.OptimizeWarning)
        lazy.compute(scheduler="sync")
    # A chunk is one batch: f sees the pixels of a row together.
    assert max(shape[0] for shape in calls) == array.sizes["x"]


def test_dataset_with_attrs_and_variables_of_different_dims(cube):
    array, starts = cube
    dataset = xr.Dataset(
        {"flux": array, "mean": array.mean("x"),
         "other": array.isel(y=0, drop=True) * 2.0},
        attrs={"telescope": "simulated"})
    expected = reference(dataset, "v", gaussian, p0={"mu": 0.0})
    got = ours(dataset, "v", gaussian, p0={"mu": 0.0})
    assert list(got.data_vars)[0] == "flux_curvefit_coefficients"
    assert_same_result(expected, got)
    chunked = ours(dataset.chunk({"y": 2}), "v", gaussian, p0={"mu": 0.0})
    assert_same_result(expected, chunked)


def test_several_coords_and_reduce_dims():
    rng = np.random.default_rng(3)
    x = np.linspace(0.0, 1.0, 8)
    y = np.linspace(-1.0, 1.0, 9)
    t = np.arange(4)
    slopes = 1.0 + rng.random(4)
    data = (slopes[:, None, None] * x[None, None, :] - 2.0 * y[None, :, None]
            + 0.5 + 0.01 * rng.standard_normal((4, 9, 8)))
    data[2, 3, 4] = np.nan
    array = xr.DataArray(data, dims=("t", "y", "x"),
                         coords={"t": t, "y": y, "x": x})
    expected = reference(array, ["x", "y"], plane)
    got = ours(array, ["x", "y"], plane)
    assert_same_result(expected, got)
    assert got.curvefit_coefficients.dims == ("t", "param")
    # reduce_dims: the rows along y pooled into one fit per t, on x alone.
    line = lambda x, a, b: a * x + b  # noqa: E731
    expected = reference(array, "x", line, reduce_dims="y")
    got = ours(array, "x", line, reduce_dims="y")
    assert_same_result(expected, got)


def test_a_coordinate_that_varies_across_pixels():
    rng = np.random.default_rng(4)
    times = np.sort(rng.random((3, 20)) * 5.0, axis=1)   # per pixel
    data = 2.0 * np.exp(-0.7 * times) + 0.01 * rng.standard_normal((3, 20))
    array = xr.DataArray(data, dims=("pixel", "i"),
                         coords={"time": (("pixel", "i"), times)})
    decay = lambda t, a, b: a * np.exp(-b * t)  # noqa: E731
    expected = reference(array, "time", decay, reduce_dims="i")
    got = ours(array, "time", decay, reduce_dims="i")
    assert_same_result(expected, got)


@pytest.mark.parametrize("vectorized", [True, False])
def test_skipna_false_raises_on_nan_and_fits_without(cube, vectorized):
    array, starts = cube
    with pytest.raises(ValueError, match=r"pyminpack.xarray.curvefit: array "
                       r"must not contain infs or NaNs \(skipna=False\): the "
                       r"data is not finite at pixel y=0.5, x=12.0 of "
                       r"'flux'"):
        pmx.curvefit(array, "v", gaussian, skipna=False,
                     vectorized=vectorized)
    clean = array.isel(y=[0, 2, 4])
    expected = reference(clean, "v", gaussian, skipna=False,
                         p0={"mu": 0.0})
    got = ours(clean, "v", gaussian, skipna=False, p0={"mu": 0.0},
               vectorized=vectorized)
    assert_same_result(expected, got)


@pytest.mark.parametrize("backend", ["numpy", "dask"])
def test_errors_raise_and_ignore(backend):
    def line(x, a, b):
        return a * x + b

    array = xr.DataArray([[1.0, 3.0, 5.0, 7.0], [0.0, 20.0, 40.0, 61.0]],
                         coords={"i": [1, 2], "x": [0.0, 1.0, 2.0, 3.0]})
    if backend == "dask":
        array = array.chunk({"i": 1})
    options = dict(kwargs={"maxfev": 3})
    with pytest.raises(RuntimeError, match=r"pyminpack.xarray.curvefit: "
                       r"optimal parameters not found for pixel i=[12]: "
                       r"Number of calls to function has reached maxfev = 3"):
        pmx.curvefit(array, "x", line, **options).compute()
    expected = reference(array, "x", line, errors="ignore", **options)
    got = ours(array, "x", line, errors="ignore", **options)
    assert_same_result(expected, got)
    assert np.isnan(got.curvefit_coefficients).all()


def test_same_errors_as_xarray_for_bad_arguments(cube):
    array, starts = cube
    for call in (lambda f: f(array, "v", gaussian, errors="sometimes"),
                 lambda f: f(array, "nothing", gaussian),
                 lambda f: f(array, "v", gaussian,
                             p0={"a": xr.DataArray([1.0], dims="z")}),
                 lambda f: f(array, "v", lambda v, *p: v, p0={})):
        with pytest.raises((ValueError, KeyError)) as theirs:
            call(lambda obj, *a, **k: obj.curvefit(*a, **k))
        with pytest.raises(type(theirs.value)) as mine:
            call(pmx.curvefit)
        if not isinstance(theirs.value, KeyError):  # xarray's names its
            assert str(mine.value) == str(theirs.value)  # temp Dataset


def test_a_chunked_fit_dimension_is_refused_as_xarray_refuses_it(cube):
    array, _ = cube
    with pytest.raises(ValueError, match="consists of multiple chunks"):
        pmx.curvefit(array.chunk({"v": 10}), "v", gaussian)


def test_the_accessor_is_registered_only_by_importing_pyminpack_xarray():
    code = ("import sys, xarray as xr, pyminpack\n"
            "assert not hasattr(xr.DataArray([1.0]), 'minpack')\n"
            "import pyminpack.xarray\n"
            "assert hasattr(xr.DataArray([1.0]), 'minpack')\n"
            "assert hasattr(xr.Dataset(), 'minpack')\n")
    subprocess.run([sys.executable, "-c", code], check=True)
    code = ("import sys, pyminpack\n"
            "assert 'xarray' not in sys.modules\n")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_a_model_that_cannot_broadcast_says_vectorized_false():
    def line(x, a, b):     # xarray's own test model: a Python if
        if a > 10:
            return 0 * x
        return a * x + b

    array = xr.DataArray([[1.0, 3.0, 5.0], [0.0, 20.0, 41.0]],
                         coords={"i": [1, 2], "x": [0.0, 1.0, 2.0]})
    with pytest.raises(ValueError, match="truth value") as caught:
        pmx.curvefit(array, "x", line)
    assert any("vectorized=False" in note
               for note in getattr(caught.value, "__notes__", []))
    expected = reference(array, "x", line)
    got = ours(array, "x", line, vectorized=False)
    assert_same_result(expected, got)
