"""Errors from the batch functions name the public function called (never
leastsq, fsolve or _minpack inside fsolve_batch), and the batch kinds agree
on the edge cases one of them handles (n = 0)."""

import numpy as np
import pytest

from pyminpack import check_jacobian, fsolve_batch, leastsq_batch

X0 = np.full((2, 2), 3.0)


def shifted(x, *rows):
    return x - 1.0


def complex_values(x, *rows):
    return x + 0j


@pytest.mark.parametrize("vectorized", [False, True])
@pytest.mark.parametrize("option", [
    dict(band="ab"), dict(epsfcn="ab"), dict(xtol="ab"), dict(factor="ab"),
    dict(maxfev=10**30), dict(band=(2**40, 0))])
def test_fsolve_batch_option_errors_name_fsolve_batch(vectorized, option):
    with pytest.raises((TypeError, ValueError), match=r"^fsolve_batch: "):
        fsolve_batch(shifted, X0, vectorized=vectorized, **option)


def test_fsolve_batch_option_errors_raise_before_any_system_runs():
    # Checked once for the batch, not per system: no system, still checked.
    with pytest.raises(TypeError, match=r"^fsolve_batch: xtol"):
        fsolve_batch(shifted, np.empty((0, 2)), xtol="ab")


@pytest.mark.parametrize("jacobian", [False, True])
def test_vectorized_conversion_errors_name_fsolve_batch(jacobian):
    kwargs = dict(fprime=complex_values) if jacobian else {}
    func = shifted if jacobian else complex_values
    with pytest.raises(TypeError, match=r"^fsolve_batch: (func|fprime) "):
        fsolve_batch(func, X0, vectorized=True, **kwargs)


def test_vectorized_fsolve_batch_with_no_unknowns_is_improper_input():
    # As the plain kind (and fsolve): MINPACK's improper input, ier 0.
    plain = fsolve_batch(shifted, np.empty((3, 0)))
    vectorized = fsolve_batch(shifted, np.empty((3, 0)), vectorized=True)
    assert vectorized.x.shape == (3, 0)
    np.testing.assert_array_equal(vectorized.ier, plain.ier)
    np.testing.assert_array_equal(vectorized.ier, 0)
    assert vectorized.message(0) == plain.message(0)


@pytest.mark.parametrize("vectorized", [False, True])
@pytest.mark.parametrize("option", [
    dict(ftol="ab"), dict(gtol=float("nan")), dict(factor="ab"),
    dict(epsfcn="ab"), dict(maxfev=10**30), dict(full_output=np.ones(2)),
    dict(col_deriv=np.ones(2)), dict(vectorized=np.ones(2))])
def test_leastsq_batch_option_errors_name_leastsq_batch(vectorized, option):
    kwargs = {"vectorized": vectorized, **option}
    with pytest.raises((TypeError, ValueError), match=r"^leastsq_batch: "):
        leastsq_batch(shifted, X0, **kwargs)


@pytest.mark.parametrize("threads", [0, -1, 2**40, "2"])
def test_leastsq_batch_threads_errors_name_leastsq_batch(threads):
    from pyminpack import compiled as _  # noqa: F401 (compiled kind)
    numba = pytest.importorskip("numba")
    from numba import carray, cfunc, types

    double_p = types.CPointer(types.double)

    @cfunc(types.intc(types.intc, types.intc, double_p, double_p, double_p))
    def residual(m, n, xp, fp, up):
        x = carray(xp, (n,))
        f = carray(fp, (m,))
        f[0] = x[0] - 1.0
        return 0

    with pytest.raises((TypeError, ValueError), match=r"^leastsq_batch: "):
        leastsq_batch(residual, np.ones((2, 1)), m=1, threads=threads)


def test_compiled_fsolve_batch_threads_errors_name_fsolve_batch():
    numba = pytest.importorskip("numba")
    from numba import carray, cfunc, types

    double_p = types.CPointer(types.double)

    @cfunc(types.intc(types.intc, types.intc, double_p, double_p, double_p))
    def equations(m, n, xp, fp, up):
        x = carray(xp, (n,))
        f = carray(fp, (n,))
        for i in range(n):
            f[i] = x[i] - 1.0
        return 0

    with pytest.raises(ValueError, match=r"^fsolve_batch: threads"):
        fsolve_batch(equations, X0, threads=0)
    # No unknowns: MINPACK's improper input for every system, as the
    # other kinds (the engine needs n >= 1).
    result = fsolve_batch(equations, np.empty((3, 0)))
    np.testing.assert_array_equal(result.ier, 0)


@pytest.mark.parametrize("func, x0", [
    (shifted, ["a", "b"]), (shifted, [1.0, 10**400]),
    (complex_values, [1.0, 2.0]), (lambda x: None, [1.0, 2.0]),
    (lambda x: [10**400, 1], [1.0, 2.0])])
def test_check_jacobian_input_and_output_errors_name_check_jacobian(func,
                                                                   x0):
    with pytest.raises(TypeError, match=r"^check_jacobian: "):
        check_jacobian(func, lambda x: np.eye(2), x0)


def test_check_jacobian_col_deriv_error_names_check_jacobian():
    with pytest.raises(ValueError, match=r"^check_jacobian: col_deriv"):
        check_jacobian(shifted, lambda x: np.eye(2), [1.0, 2.0],
                       col_deriv=np.ones(2))


class Refused(Exception):
    pass


@pytest.mark.parametrize("vectorized", [False, True])
def test_curve_fit_batch_callback_errors_name_curves_not_engine_fits(
        vectorized):
    # A (2, 3) cube of curves; curve (1, 2) omits a point, so it runs in a
    # group of its own where it is the engine's fit 0, and f refuses it.
    from pyminpack import curve_fit_batch
    x = np.linspace(0.0, 1.0, 6)
    y = np.ones((2, 3, 6)) + np.arange(6.0).reshape(2, 3, 1)
    y[1, 2, 0] = np.nan

    def line(t, a, b):
        if np.any(np.asarray(a) > 5.5):
            raise Refused("no")
        return a + b * t

    p0 = np.stack([y[..., -1], np.zeros((2, 3))], axis=-1)
    with pytest.raises(Refused) as info:
        curve_fit_batch(line, x, y, p0=p0, nan_policy="omit",
                        vectorized=vectorized)
    notes = "\n".join(getattr(info.value, "__notes__", []))
    assert "leastsq_batch" not in notes
    assert "curve (1, 2)" in notes


def test_dask_curve_fit_batch_refuses_xdata_one_per_curve():
    # The local function reads it as one x per curve; the Dask one shares
    # xdata, and each chunk's f failed to broadcast, in numpy's words.
    pmd = pytest.importorskip("pyminpack.dask")
    x = np.linspace(0.0, 1.0, 5)
    y = np.ones((4, 5))
    with pytest.raises(TypeError, match=r"^pyminpack.dask.curve_fit_batch: "
                                        r"xdata of shape \(4, 5\) is one "
                                        r"per curve"):
        pmd.curve_fit_batch(lambda t, a: a * t, np.stack([x] * 4), y,
                            p0=[1.0])
