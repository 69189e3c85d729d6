"""curve_fit_batch(engine='numba'): the model compiled with numba, the
residual generated around it, the fits on the C thread pool.

- Where numpy computes the model as numba does (numpy's AVX-512 loops
  turned off, in a subprocess), the two engines agree to the bit: popt,
  pcov, ier, nfev, fnorm, for every kind of sigma, jac or not, col_deriv,
  nan_policy='omit' and failing fits.
- On this machine's numpy (AVX-512F exp when the CPU has it) they agree
  within the stated tolerance (the numba results are the subprocess's, each
  variant compiled once; that they are this process's bits is checked on
  one variant): with a jac to 1e-12 of the parameters'
  scale; without (forward differences of residuals that differ by an ulp),
  within 1e-3 of each parameter's standard error.
- Threads do not change a bit; compilation happens once per process and
  variant; numba is imported only when asked for; a model numba cannot
  compile is a clear TypeError (engine='numba') or the numpy engine with
  the reason (engine='auto'); an exception in the compiled model is
  raised again, naming the fit.
"""

import json
import os
import subprocess
import sys
import warnings

import numpy as np
import pytest

pytest.importorskip("numba")

from pyminpack import OptimizeWarning, curve_fit_batch  # noqa: E402
from pyminpack import _numba_engine  # noqa: E402

sys.path.insert(0, os.path.dirname(__file__))
import numba_engine_cases as cases  # noqa: E402

def numpy_without_avx512():
    """NPY_DISABLE_CPU_FEATURES naming the AVX-512 features this numpy
    found (naming one it did not find is an error), or None without any.
    numpy 2.4 dispatches on feature groups too: X86_V4 is AVX-512's."""
    from numpy._core._multiarray_umath import __cpu_features__ as features
    found = [name for name, on in features.items()
             if on and (name.startswith("AVX512") or name == "X86_V4")]
    return " ".join(found) or None


@pytest.fixture(scope="module")
def numba_run(tmp_path_factory):
    """The cases run in a subprocess with numpy's AVX-512 loops off:
    (its JSON report, {case name: the numba engine's result arrays})."""
    env = dict(os.environ)
    disabled = numpy_without_avx512()
    if disabled:
        env["NPY_DISABLE_CPU_FEATURES"] = disabled
    saved = tmp_path_factory.mktemp("numba_cases") / "numba.npz"
    output = subprocess.run(
        [sys.executable, os.path.join(os.path.dirname(__file__),
                                      "numba_engine_cases.py"), str(saved)],
        env=env, capture_output=True, text=True, timeout=900)
    assert output.returncode == 0, output.stderr
    report = json.loads(output.stdout.strip().splitlines()[-1])
    table, _ = cases.cases()
    with np.load(saved) as arrays:
        results = {name: {field: arrays[f"{index}/{field}"]
                          for field in cases.RESULT_FIELDS}
                   for index, (name, _, _) in enumerate(table)}
    return report, results


def test_bitwise_where_numpy_computes_the_model_as_numba_does(numba_run):
    report, _ = numba_run
    assert report["numpy exp is libm's"]
    assert len(report["cases"]) == 15
    assert report["cases"] == {name: [] for name in report["cases"]}


def test_the_numba_engine_does_not_depend_on_numpys_cpu_features(numba_run):
    # The subprocess's numba results stand for this process's in the test
    # below: check that they are the same bits on one variant (the one
    # test_threads_change_no_bit compiles in this process anyway).
    _, results = numba_run
    ydata, with_nan, sigma, starts = cases.data()
    here = cases.result_arrays(cases.fit(
        with_nan, starts, dict(sigma=sigma, nan_policy="omit",
                               jac=cases.gaussian_jac), engine="numba"))
    there = results["jac, omit, sigma (K, m)"]
    assert {field: here[field].tobytes() for field in cases.RESULT_FIELDS} \
        == {field: there[field].tobytes() for field in cases.RESULT_FIELDS}


@pytest.mark.parametrize("name", [name for name, _, _ in cases.cases()[0]])
def test_within_the_stated_tolerance_on_this_numpy(name, numba_run):
    table, starts = cases.cases()
    ydata, options = next((y, o) for n, y, o in table if n == name)
    p1, c1, r1 = cases.fit(ydata, starts, options)
    assert r1.engine == "numpy"
    numba_fit = numba_run[1][name]
    p2, c2 = numba_fit["popt"], numba_fit["pcov"]
    # The same fits fail, for the same reason: a NaN popt in both.
    assert (r1.success == numba_fit["success"]).all()
    assert (np.isnan(p1) == np.isnan(p2)).all()
    assert (r1.ier == numba_fit["ier"]).all() or not options.get("jac")
    ok = r1.success
    assert ok.sum() >= cases.CURVES - 3
    if "maxfev" in options:
        assert r1.ier[4] == numba_fit["ier"][4] == 5
    finite = ok & np.isfinite(c1).all(axis=(1, 2))
    if options.get("jac") is not None:
        scale = np.max(np.abs(p1[ok]), axis=1, keepdims=True)
        assert (np.abs(p1[ok] - p2[ok]) / scale).max() <= 1e-12
        assert (r1.nfev == numba_fit["nfev"]).all()
    else:
        # Forward differences of residuals an ulp apart: the fits end at
        # points the solver cannot tell apart, sqrt(ftol * (m - n))
        # standard errors at most (measured: 1e-4 at most).
        error = np.sqrt(np.diagonal(c1[finite], axis1=1, axis2=2))
        assert (np.abs(p1[finite] - p2[finite]) / error).max() <= 1e-3
    cov_scale = np.max(np.abs(c1[finite]), axis=(1, 2), keepdims=True)
    assert (np.abs(c1[finite] - c2[finite]) / cov_scale).max() <= 1e-4


def test_threads_change_no_bit():
    ydata, with_nan, sigma, starts = cases.data()
    options = dict(sigma=sigma, nan_policy="omit", jac=cases.gaussian_jac)
    fits = [curve_fit_batch(cases.gaussian, cases.X, with_nan, starts,
                            engine="numba", threads=threads, **options)
            for threads in (1, 2, 3)]
    for popt, pcov, result in fits[1:]:
        assert popt.tobytes() == fits[0][0].tobytes()
        assert pcov.tobytes() == fits[0][1].tobytes()
        assert result.nfev.tobytes() == fits[0][2].nfev.tobytes()


def test_compiled_once_per_process_and_variant():
    def decay(x, a, b):
        return a * np.exp(-b * x)

    x = np.linspace(0.0, 3.0, 25)
    rng = np.random.default_rng(5)
    first_y = 2.0 * np.exp(-0.7 * x) + 0.01 * rng.standard_normal((10, 25))
    before = _numba_engine.CACHE.compilations
    first = curve_fit_batch(decay, x, first_y, [1.0, 1.0], engine="numba")
    assert _numba_engine.CACHE.compilations == before + 1
    assert first[2].compile_seconds > 0.0
    # Other data, other starts, other K, another m: the same code.
    x2 = np.linspace(0.0, 5.0, 31)
    second = curve_fit_batch(decay, x2, 3.0 * np.exp(-0.4 * x2)[None]
                             + np.zeros((4, 1)), [1.0, 0.5], engine="numba")
    assert _numba_engine.CACHE.compilations == before + 1
    assert second[2].compile_seconds == 0.0
    np.testing.assert_allclose(second[0], [[3.0, 0.4]] * 4, rtol=1e-9)
    # A new variant (per-curve sigma) is a new compilation, once.
    for _ in range(2):
        curve_fit_batch(decay, x, first_y, [1.0, 1.0], engine="numba",
                        sigma=np.ones((10, 25)))
    assert _numba_engine.CACHE.compilations == before + 2


def test_numba_is_imported_only_when_asked_for(numba_run):
    # The cases' subprocess is a fresh interpreter: numba is imported
    # neither by `import pyminpack` nor by a batch on the numpy engine, and
    # is by the numba engine's.
    report, _ = numba_run
    assert report["numba imported"] == [False, False, True]


class _Settings:
    offset = 1.0


_SETTINGS = _Settings()


def _not_compilable(x, a, b):
    # An instance of a Python class: numba cannot type it.
    return a * np.exp(-b * x) + _SETTINGS.offset


def test_a_model_numba_cannot_compile_is_a_clear_error():
    ydata = np.ones((3, 20))
    x = np.linspace(0.0, 1.0, 20)
    with pytest.raises(TypeError, match=r"(?s)curve_fit_batch: engine="
                       r"'numba' cannot compile f '_not_compilable'.*"
                       r"engine='numpy' runs any numpy model"):
        curve_fit_batch(_not_compilable, x, ydata, [1.0, 1.0],
                        engine="numba")


def test_auto_falls_back_to_numpy_and_says_why():
    rng = np.random.default_rng(11)
    x = np.linspace(0.0, 1.0, 20)
    ydata = 1.0 + np.exp(-x) + 0.01 * rng.standard_normal((5, 20))
    popt, pcov, result = curve_fit_batch(_not_compilable, x, ydata,
                                         [1.0, 1.0], engine="auto")
    assert result.engine == "numpy"
    assert "numba cannot compile f '_not_compilable'" in result.engine_reason
    reference = curve_fit_batch(_not_compilable, x, ydata, [1.0, 1.0])
    assert popt.tobytes() == reference[0].tobytes()
    # And a model it compiles runs on numba, with no reason given.
    fit = curve_fit_batch(cases.gaussian, cases.X, cases.data()[0],
                          cases.data()[3], engine="auto")
    assert fit[2].engine == "numba" and fit[2].engine_reason is None


def test_a_model_of_the_wrong_type_or_size():
    x = np.linspace(0.0, 1.0, 20)
    ydata = np.ones((3, 20))
    with pytest.raises(TypeError, match=r"needs f 'scalar' to return a 1-D "
                       r"real array of the m points"):
        def scalar(x, a, b):
            return a + b
        curve_fit_batch(scalar, x, ydata, [1.0, 1.0], engine="numba")
    with pytest.raises(ValueError, match=r"f returned shape \(19,\) for one "
                       r"curve; engine='numba' needs \(20,\)"):
        def short(x, a, b):
            return a * x[1:] + b
        curve_fit_batch(short, x, ydata, [1.0, 1.0], engine="numba")
    with pytest.raises(ValueError, match=r"jac returned shape \(20, 3\)"):
        def line(x, a, b):
            return a * x + b

        def wrong_jac(x, a, b):
            return np.ones((x.size, 3))
        curve_fit_batch(line, x, ydata, [1.0, 1.0], jac=wrong_jac,
                        engine="numba")


def test_an_exception_in_the_compiled_model_is_raised_naming_the_fit():
    def guarded(x, a, b):
        if b < 0.0:
            raise ValueError("negative rate")
        return a * np.exp(-b * x)

    x = np.linspace(0.0, 2.0, 30)
    ydata = 2.0 * np.exp(-np.array([[0.5], [1.0], [1.5]]) * x)
    starts = np.array([[2.0, 0.5], [1.0, -3.0], [2.0, 1.5]])  # 0, 2: exact
    with pytest.raises(ValueError, match="negative rate") as caught:
        curve_fit_batch(guarded, x, ydata, starts, engine="numba",
                        check_finite=False)
    assert any("in fit 1 of 3" in note and "engine='numba'" in note
               for note in caught.value.__notes__)


def test_not_finite_at_p0_names_the_curve_as_the_numpy_engine_does():
    ydata, _, _, starts = cases.data()
    bad = starts.copy()
    bad[6, 2] = 0.0                      # width 0: NaN where x == centre
    x = cases.X.copy()
    x[10] = bad[6, 1]
    messages = []
    for engine in ("numpy", "numba"):
        with pytest.raises(ValueError, match="must be finite at p0") as err, \
                np.errstate(divide="ignore", invalid="ignore"):
            curve_fit_batch(cases.gaussian, x, ydata, bad, engine=engine)
        messages.append(str(err.value))
    assert messages[0] == messages[1]
    assert "curve 6" in messages[1]


def test_two_dimensional_xdata_and_scalar_weights():
    def plane(xy, a, b, c):
        return a * xy[0] + b * xy[1] + c * np.exp(-xy[0] * xy[1])

    rng = np.random.default_rng(2)
    xy = rng.random((2, 30))
    ydata = plane(xy, 1.0, -2.0, 0.5) + 0.01 * rng.standard_normal((6, 30))
    fits = [curve_fit_batch(plane, xy, ydata, [0.0, 0.0, 0.0], sigma=0.01,
                            absolute_sigma=True, engine=engine)
            for engine in ("numpy", "numba")]
    error = np.sqrt(np.diagonal(fits[0][1], axis1=1, axis2=2))
    assert (np.abs(fits[1][0] - fits[0][0]) / error).max() <= 1e-3
    assert fits[1][2].engine == "numba"


def test_engine_and_threads_are_checked():
    x = np.linspace(0.0, 1.0, 10)
    with pytest.raises(ValueError, match="engine must be 'numpy', 'numba' "
                       "or 'auto', not 'fast'"):
        curve_fit_batch(lambda x, a: a * x, x, np.ones((2, 10)), [1.0],
                        engine="fast")
    with pytest.raises(ValueError, match="threads applies to "
                       "engine='numba'"):
        curve_fit_batch(lambda x, a: a * x, x, np.ones((2, 10)), [1.0],
                        threads=2)
    with pytest.raises(TypeError, match="needs xdata as an array"):
        curve_fit_batch(lambda x, a: a * np.ones(10), {"x": 1},
                        np.ones((2, 10)), [1.0], engine="numba")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OptimizeWarning)
        fit = curve_fit_batch(lambda x, a: a * np.ones(10), {"x": 1},
                              np.ones((2, 10)), [1.0], engine="auto")
    assert fit[2].engine == "numpy"
    assert fit[2].engine_reason == "xdata is not an array"


def test_a_cube_along_axis_0_and_per_curve_xdata():
    rng = np.random.default_rng(8)
    t = np.linspace(0.0, 3.0, 20)
    rates = 0.5 + rng.random((3, 4))
    cube = 2.0 * np.exp(-rates[None] * t[:, None, None]) \
        + 0.01 * rng.standard_normal((20, 3, 4))

    def decay(x, a, b):
        return a * np.exp(-b * x)

    fits = [curve_fit_batch(decay, t, cube, [1.0, 1.0], axis=0,
                            jac=lambda x, a, b: np.stack(
                                (np.exp(-b * x), -a * x * np.exp(-b * x)),
                                axis=-1), engine=engine)
            for engine in ("numpy", "numba")]
    assert fits[1][0].shape == (3, 4, 2) and fits[1][2].engine == "numba"
    scale = np.abs(fits[0][0]).max()
    assert np.abs(fits[1][0] - fits[0][0]).max() <= 1e-12 * scale
    # One x per curve: the numpy engine's alone.
    xs = np.broadcast_to(t, (3, 4, 20)).copy()
    ydata = np.moveaxis(cube, 0, -1)
    with pytest.raises(TypeError, match="not one per curve"):
        curve_fit_batch(decay, xs, ydata, [1.0, 1.0], engine="numba")
    fit = curve_fit_batch(decay, xs, ydata, [1.0, 1.0], engine="auto")
    assert fit[2].engine == "numpy"
    assert fit[2].engine_reason == "xdata is per curve"
