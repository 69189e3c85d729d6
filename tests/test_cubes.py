"""curve_fit_batch on cubes as they come (shared/spec/cubes.md): axis=,
the fits' shape, sigma per curve, xdata per curve, failures reported per
fit, standard errors, the covariance warning and the progress bar.

Fit k is always compared with ``curve_fit`` on that curve alone, bit for
bit.  The models avoid ``p ** 2`` on a parameter: on this machine numpy's
array power differs from the C library's pow() (see the report of issue
22); that is a separate matter from the layout tested here.
"""

import sys
import warnings

import numpy as np
import pytest

from pyminpack import OptimizeWarning, curve_fit, curve_fit_batch

M = 30
T = np.linspace(0.0, 5.0, M)


def decay(t, a, b, c):
    return a * np.exp(-b * t) + c


def plane_decay(xy, a, b, c):
    return a * np.exp(-b * xy[0]) + c * xy[1]


def quietly(call, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OptimizeWarning)
        return call(*args, **kwargs)


def alone(f, x, y, p0, sigma=None, **options):
    """curve_fit on one curve: (popt, pcov), or None where it raises."""
    try:
        return quietly(curve_fit, f, x, y, p0, sigma, **options)
    except (RuntimeError, ValueError, TypeError):
        return None


def assert_bits(popt, pcov, expected, where):
    if expected is None:
        assert np.isnan(popt).all(), where
        return
    assert popt.tobytes() == expected[0].tobytes(), where
    assert pcov.tobytes() == expected[1].tobytes(), where


@pytest.fixture(scope="module")
def cube():
    """A (m, ny, nx) cube with its points along axis 0, an rms map and
    per-pixel starts."""
    rng = np.random.default_rng(22)
    ny, nx = 4, 5
    a = 2.0 + rng.random((ny, nx))
    b = 0.5 + rng.random((ny, nx))
    rms = 0.02 + 0.03 * rng.random((ny, nx))
    data = (a * np.exp(-b * T[:, None, None]) + 0.1
            + rms * rng.standard_normal((M, ny, nx)))
    starts = np.stack([a * 0.8, b * 1.2, np.full((ny, nx), 0.0)], axis=-1)
    return data, rms, starts


@pytest.mark.parametrize("vectorized", [True, False])
def test_axis_0_cube_is_curve_fit_per_pixel(cube, vectorized):
    data, rms, starts = cube
    popt, pcov, result = quietly(curve_fit_batch, decay, T, data, starts,
                                 rms, axis=0, vectorized=vectorized)
    ny, nx = data.shape[1:]
    assert popt.shape == (ny, nx, 3) and pcov.shape == (ny, nx, 3, 3)
    assert result.shape == (ny, nx) and result.ier.shape == (ny, nx)
    assert result.x.shape == (ny, nx, 3) and result.perr.shape == (ny, nx, 3)
    for i in range(ny):
        for j in range(nx):
            expected = alone(decay, T, data[:, i, j], starts[i, j],
                             rms[i, j])
            assert_bits(popt[i, j], pcov[i, j], expected, (i, j))
            assert result.message((i, j)) == result.message(i * nx + j)
    perr = np.sqrt(np.diagonal(pcov, axis1=-2, axis2=-1))
    assert result.perr.tobytes() == perr.tobytes()


def test_any_axis_gives_the_same_fits(cube):
    data, rms, starts = cube
    first = quietly(curve_fit_batch, decay, T, data, starts, rms, axis=0)
    moved = np.moveaxis(data, 0, 1)            # (ny, m, nx): axis=1
    second = quietly(curve_fit_batch, decay, T, moved, starts, rms, axis=1)
    last = np.moveaxis(data, 0, -1)            # (ny, nx, m): the default
    third = quietly(curve_fit_batch, decay, T, last, starts, rms)
    for other in (second, third):
        assert other[0].tobytes() == first[0].tobytes()
        assert other[1].tobytes() == first[1].tobytes()


def test_per_fit_inputs_broadcast_as_numpy_does(cube):
    data, rms, starts = cube
    row_starts = starts[:, :1, :]              # (ny, 1, 3): one per row
    popt, pcov, _ = quietly(curve_fit_batch, decay, T, data, row_starts,
                            rms[:, :1], axis=0)
    for i, j in [(0, 0), (2, 3), (3, 4)]:
        expected = alone(decay, T, data[:, i, j], row_starts[i, 0],
                         rms[i, 0])
        assert_bits(popt[i, j], pcov[i, j], expected, (i, j))
    with pytest.raises(ValueError, match=r"curve_fit_batch: p0 of shape "
                       r"\(3, 3\) does not broadcast to the fits' shape "
                       r"\(4, 5\) \+ \(3,\)"):
        curve_fit_batch(decay, T, data, starts[:3, 0], axis=0)


@pytest.mark.parametrize("shape", ["fits", "points axis 1", "per point"])
def test_sigma_per_curve(cube, shape):
    data, rms, starts = cube
    rows = np.moveaxis(data, 0, -1).reshape(-1, M)
    starts = starts.reshape(-1, 3)
    per_curve = rms.reshape(-1)
    sigma = {"fits": per_curve, "points axis 1": per_curve[:, None],
             "per point": np.repeat(per_curve[:, None], M, axis=1)}[shape]
    popt, pcov, _ = quietly(curve_fit_batch, decay, T, rows, starts, sigma)
    for k in range(0, rows.shape[0], 3):
        expected = alone(decay, T, rows[k], starts[k], per_curve[k])
        assert_bits(popt[k], pcov[k], expected, k)


@pytest.mark.parametrize("vectorized", [True, False])
def test_xdata_one_per_curve(vectorized):
    rng = np.random.default_rng(5)
    count = 6
    times = np.sort(rng.random((count, M)) * 5.0, axis=1)
    rates = 0.5 + rng.random(count)
    ydata = 2.0 * np.exp(-rates[:, None] * times) + 0.1 + \
        0.01 * rng.standard_normal((count, M))
    popt, pcov, _ = quietly(curve_fit_batch, decay, times, ydata,
                            [1.0, 1.0, 0.0], vectorized=vectorized)
    for k in range(count):
        expected = alone(decay, times[k], ydata[k], [1.0, 1.0, 0.0])
        assert_bits(popt[k], pcov[k], expected, k)


def test_xdata_one_per_curve_seen_by_f_as_rows():
    shapes = []

    def model(t, a, b, c):
        shapes.append((np.shape(t), np.shape(a)))
        return decay(t, a, b, c)

    times = np.tile(T, (4, 1)) + np.arange(4)[:, None]
    quietly(curve_fit_batch, model, times, np.exp(-times), [1.0, 1.0, 0.0])
    assert ((4, M), (4, 1)) in shapes


@pytest.mark.parametrize("vectorized", [True, False])
def test_multidimensional_model_with_coordinates_per_curve(vectorized):
    rng = np.random.default_rng(6)
    count = 5
    first = rng.random((count, M)) * 4.0
    second = rng.random((count, M))
    xy = np.stack([first, second])             # (c, K, m)
    ydata = 1.5 * np.exp(-0.7 * first) + 0.3 * second + \
        0.01 * rng.standard_normal((count, M))
    popt, pcov, _ = quietly(curve_fit_batch, plane_decay, xy, ydata,
                            [1.0, 1.0, 1.0], vectorized=vectorized)
    for k in range(count):
        expected = alone(plane_decay, xy[:, k], ydata[k], [1.0, 1.0, 1.0])
        assert_bits(popt[k], pcov[k], expected, k)


@pytest.mark.parametrize("vectorized", [True, False])
def test_ragged_curves_by_nan_padding(vectorized):
    rng = np.random.default_rng(7)
    lengths = [30, 12, 25, 2, 18]
    times = np.full((len(lengths), M), np.nan)
    ydata = np.full((len(lengths), M), np.nan)
    for k, length in enumerate(lengths):
        times[k, :length] = np.sort(rng.random(length) * 5.0)
        ydata[k, :length] = 2.0 * np.exp(-0.8 * times[k, :length]) + 0.1 + \
            0.01 * rng.standard_normal(length)
    times[0, 7] = np.nan  # a curve's own x NaN: that point is omitted
    popt, pcov, result = quietly(curve_fit_batch, decay, times, ydata,
                                 [1.0, 1.0, 0.0], nan_policy="omit",
                                 vectorized=vectorized)
    for k, length in enumerate(lengths):
        keep = np.isfinite(times[k]) & np.isfinite(ydata[k])
        expected = alone(decay, times[k, keep], ydata[k, keep],
                         [1.0, 1.0, 0.0])
        assert_bits(popt[k], pcov[k], expected, k)
    assert result.ier[3] == 0  # 2 points for 3 parameters: not run
    assert result.success[[0, 1, 2, 4]].all()


@pytest.mark.parametrize("vectorized", [True, False])
def test_cube_as_it_comes_under_omit(cube, vectorized):
    data, rms, starts = cube
    data, rms, starts = data.copy(), rms.copy(), starts.copy()
    data[:, 0, 0] = np.nan            # an empty pixel ...
    rms[0, 0] = np.nan                # ... whose rms is NaN too
    data[:28, 1, 1] = np.nan          # 2 points for 3 parameters
    starts[2, 2] = np.nan             # "skip this pixel"
    data[5, 3, 3] = np.nan
    sigma = np.broadcast_to(rms, data.shape).copy()
    sigma[5, 3, 3] = 0.0              # only where the curve is NaN
    popt, pcov, result = quietly(curve_fit_batch, decay, T, data, starts,
                                 sigma, axis=0, nan_policy="omit",
                                 vectorized=vectorized)
    assert result.message((0, 0)) == ("Not run: the curve has 0 finite "
                                      "points and needs at least 3, one per "
                                      "parameter.")
    assert result.message((1, 1)).startswith("Not run: the curve has 2 "
                                             "finite points")
    assert result.message((2, 2)) == ("Not run: the start p0 is not finite "
                                      "(entry 0 is nan).")
    for pixel in [(0, 0), (1, 1), (2, 2)]:
        assert result.ier[pixel] == 0 and result.nfev[pixel] == 0
        assert np.isnan(popt[pixel]).all() and np.isnan(pcov[pixel]).all()
        assert np.isnan(result.perr[pixel]).all()
    keep = np.isfinite(data[:, 3, 3])
    expected = alone(decay, T[keep], data[keep, 3, 3], starts[3, 3],
                     sigma[keep, 3, 3])
    assert_bits(popt[3, 3], pcov[3, 3], expected, (3, 3))
    ok = np.ones(result.shape, bool)
    ok[0, 0] = ok[1, 1] = ok[2, 2] = False
    assert result.success[ok].all()


def test_sigma_zero_at_a_kept_point_names_the_pixel(cube):
    data, rms, starts = cube
    sigma = np.broadcast_to(rms, data.shape).copy()
    sigma[7, 3, 1] = 0.0
    with pytest.raises(ValueError, match=r"curve_fit_batch: sigma of curve "
                       r"\(3, 1\) is 0.0 at point 7"):
        curve_fit_batch(decay, T, data, starts, sigma, axis=0,
                        nan_policy="omit")


def test_check_finite_errors_name_the_pixel(cube):
    data, rms, starts = cube
    bad = data.copy()
    bad[9, 3, 2] = np.nan
    with pytest.raises(ValueError, match=r"curve_fit_batch: ydata must be "
                       r"finite, but curve \(3, 2\) is nan at point 9"):
        curve_fit_batch(decay, T, bad, starts, axis=0)
    nan_start = starts.copy()
    nan_start[1, 4, 2] = np.inf
    with pytest.raises(ValueError, match=r"curve_fit_batch: p0 must be "
                       r"finite, but entry 2 of curve \(1, 4\) is inf"):
        curve_fit_batch(decay, T, data, nan_start, axis=0)


def test_errors_name_curve_fit_batch(cube):
    data, rms, starts = cube
    with pytest.raises(TypeError, match=r"curve_fit_batch\(\) got an "
                       r"unexpected keyword argument 'max_nfev'"):
        curve_fit_batch(decay, T, data, starts, axis=0, max_nfev=2)
    with pytest.raises(ValueError, match=r"^curve_fit_batch: threads "
                       r"applies to engine='numba'"):
        curve_fit_batch(decay, T, data, starts, axis=0, threads=2)
    with pytest.raises(ValueError, match=r"^curve_fit_batch: diag must "):
        curve_fit_batch(decay, T, data, starts, axis=0, diag=[1.0, 2.0])
    with pytest.raises(TypeError, match=r"^curve_fit_batch: progress must"):
        curve_fit_batch(decay, T, data, starts, axis=0, progress="yes")
    with pytest.raises(ValueError, match=r"axis=3 is out of range"):
        curve_fit_batch(decay, T, data, starts, axis=3)


def test_covariance_warning_names_the_fits_and_the_result_marks_them():
    x = np.array([0.0, 1.0, 2.0])
    ydata = np.zeros((2, 3, 3))
    ydata[:] = [1.0, 0.5, 0.2]
    ydata[1, 2] = [3.0, 1.0, 0.4]
    with pytest.warns(OptimizeWarning, match=r"for 6 of 6 fits \(curve "
                      r"\(0, 0\), curve \(0, 1\), curve \(0, 2\), curve "
                      r"\(1, 0\), curve \(1, 1\), \.\.\.; "
                      r"result.covariance_unknown marks them\)"):
        popt, pcov, result = curve_fit_batch(decay, x, ydata,
                                             [1.0, 1.0, 0.0])
    assert result.covariance_unknown.shape == (2, 3)
    assert result.covariance_unknown.all()
    assert np.isinf(result.perr).all()


@pytest.mark.parametrize("vectorized", [True, False])
def test_progress_line_names_the_function_once(cube, capsys, monkeypatch,
                                               vectorized):
    monkeypatch.setitem(sys.modules, "tqdm", None)  # the plain line
    data, rms, starts = cube
    quietly(curve_fit_batch, decay, T, data, starts, axis=0, progress=True,
            vectorized=vectorized)
    err = capsys.readouterr().err
    assert "leastsq_batch" not in err
    assert err.count("\n") == 1 and err.endswith("\n")
    last = err.split("\r")[-1]
    assert last.startswith("curve_fit_batch: 20/20 fits, ")
    assert " fits/s, " in last


def test_progress_bar_of_tqdm_names_the_function(cube, capsys):
    pytest.importorskip("tqdm")
    data, rms, starts = cube
    quietly(curve_fit_batch, decay, T, data, starts, axis=0, progress=True)
    err = capsys.readouterr().err
    assert "curve_fit_batch" in err and "leastsq_batch" not in err
    assert "fit/s" in err or "s/fit" in err


def test_leastsq_batch_takes_fits_in_a_shape_of_their_own():
    from pyminpack import leastsq, leastsq_batch

    def residual(params, y):
        return decay(T, *params) - y

    rng = np.random.default_rng(9)
    ydata = 2.0 * np.exp(-(0.5 + rng.random((2, 3, 1))) * T) + 0.1
    x0 = np.broadcast_to([1.0, 1.0, 0.0], (2, 3, 3))
    result = leastsq_batch(residual, x0, data=ydata)
    assert result.shape == (2, 3) and result.x.shape == (2, 3, 3)
    assert result.cov_x.shape == (2, 3, 3, 3)
    for i in range(2):
        for j in range(3):
            x, cov_x, info, mesg, ier = leastsq(
                residual, x0[i, j], args=(ydata[i, j],), full_output=True)
            assert result.x[i, j].tobytes() == x.tobytes()
            assert result.message((i, j)) == mesg
    with pytest.raises(ValueError, match=r"data\[0\] has shape \(3, 2, 30\), "
                       r"but x0 of shape \(2, 3, 3\) gives fits of shape "
                       r"\(2, 3\)"):
        leastsq_batch(residual, x0, data=np.swapaxes(ydata, 0, 1))


@pytest.mark.parametrize("backend", ["numpy", "dask"])
def test_pyminpack_dask_takes_the_cube_as_the_local_function(cube, backend):
    dask = pytest.importorskip("dask")
    import dask.array as da

    import pyminpack.dask as pmd
    data, rms, starts = cube
    expected = quietly(curve_fit_batch, decay, T, data, starts, rms, axis=0)
    if backend == "dask":
        data = da.from_array(data, chunks=(M, 2, 5))
        starts = da.from_array(starts, chunks=(2, 5, 3))
    with dask.config.set(scheduler="threads"):
        popt, pcov, result = quietly(pmd.curve_fit_batch, decay, T, data,
                                     starts, rms, axis=0, fits_per_chunk=7)
        if backend == "dask":
            popt, pcov = dask.compute(popt, pcov)
            result = result.compute()
    assert popt.shape == expected[0].shape
    assert popt.tobytes() == expected[0].tobytes()
    assert pcov.tobytes() == expected[1].tobytes()
    assert result.ier.shape == data.shape[1:]


def test_input_errors_in_scipy_words_name_curve_fit_batch(cube):
    data, rms, starts = cube
    bad = data.copy()
    bad[3, 0, 0] = np.nan
    for call, pattern in [
            (lambda: curve_fit_batch(decay, T, bad, starts, axis=0,
                                     nan_policy="raise"),
             r"^curve_fit_batch: The input contains nan values"),
            (lambda: curve_fit_batch(decay, T, data[:0], starts, axis=0),
             r"^curve_fit_batch: `ydata` must not be empty!"),
            (lambda: curve_fit_batch(decay, T, data[:2], axis=0),
             r"^curve_fit_batch: The number of func parameters=3 must not "
             r"exceed the number of data points=2"),
            (lambda: curve_fit_batch(decay, T, data, starts, axis=0,
                                     nan_policy="propagate"),
             r"^curve_fit_batch: `nan_policy='propagate'` is not supported")]:
        with pytest.raises((TypeError, ValueError), match=pattern):
            call()
